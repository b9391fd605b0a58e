//! The routing graph: entry points → (routes) → backends → servers, for
//! reachability questions and for Graphviz export.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::{Model, Target, long_list_id};

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Entry(usize),
    Backend(usize),
    /// A backend name that routes use but no section defines.
    Missing(String),
    Server {
        backend: usize,
        server: usize,
    },
    Terminal(String),
    /// A computed target's long candidate list, drawn once however many
    /// routes share it: its expression and how many backends it may reach.
    Candidates {
        expression: String,
        count: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Edge {
    /// Route `index` of the entry point; `dynamic` when only possibly taken.
    Route {
        index: usize,
        dynamic: bool,
    },
    Member,
    /// From a [`Node::Candidates`] to a backend it may reach.
    Candidate,
}

pub struct RoutingGraph {
    pub graph: DiGraph<Node, Edge>,
    pub entries: Vec<NodeIndex>,
    pub backends: Vec<NodeIndex>,
}

impl RoutingGraph {
    pub fn build(model: &Model) -> RoutingGraph {
        let mut graph = DiGraph::new();
        let entries: Vec<_> = (0..model.entry_points.len())
            .map(|i| graph.add_node(Node::Entry(i)))
            .collect();
        let backends: Vec<_> = (0..model.backends.len())
            .map(|i| graph.add_node(Node::Backend(i)))
            .collect();
        let by_name: std::collections::HashMap<&str, usize> = model
            .backends
            .iter()
            .enumerate()
            .map(|(i, b)| (b.name.as_str(), i))
            .collect();
        let mut missing = std::collections::HashMap::new();
        let mut backend_node = |graph: &mut DiGraph<Node, Edge>, name: &str| match by_name.get(name)
        {
            Some(&bi) => backends[bi],
            None => *missing
                .entry(name.to_string())
                .or_insert_with(|| graph.add_node(Node::Missing(name.to_string()))),
        };
        // Long candidate lists by their id: one node each.
        let mut lists: std::collections::HashMap<usize, NodeIndex> =
            std::collections::HashMap::new();
        for (bi, backend) in model.backends.iter().enumerate() {
            for si in 0..backend.servers.len() {
                let n = graph.add_node(Node::Server {
                    backend: bi,
                    server: si,
                });
                graph.add_edge(backends[bi], n, Edge::Member);
            }
        }
        for (ei, entry) in model.entry_points.iter().enumerate() {
            for (ri, route) in entry.routes.iter().enumerate() {
                let (names, dynamic): (Vec<&str>, bool) = match &route.target {
                    Target::Backend { name } => (vec![name.as_str()], false),
                    Target::Dynamic {
                        expression,
                        candidates,
                    } if let Some(id) = long_list_id(candidates) => {
                        let node = match lists.get(&id) {
                            Some(&node) => node,
                            None => {
                                let node = graph.add_node(Node::Candidates {
                                    expression: expression.clone(),
                                    count: candidates.len(),
                                });
                                for c in candidates.iter() {
                                    let to = backend_node(&mut graph, &c.backend);
                                    graph.add_edge(node, to, Edge::Candidate);
                                }
                                lists.insert(id, node);
                                node
                            }
                        };
                        let edge = Edge::Route {
                            index: ri,
                            dynamic: true,
                        };
                        graph.add_edge(entries[ei], node, edge);
                        continue;
                    }
                    Target::Dynamic { candidates, .. } => (
                        candidates.iter().map(|c| c.backend.as_str()).collect(),
                        true,
                    ),
                    Target::Terminal { action } => {
                        let t = graph.add_node(Node::Terminal(action.clone()));
                        graph.add_edge(
                            entries[ei],
                            t,
                            Edge::Route {
                                index: ri,
                                dynamic: false,
                            },
                        );
                        continue;
                    }
                };
                for name in names {
                    let to = backend_node(&mut graph, name);
                    graph.add_edge(entries[ei], to, Edge::Route { index: ri, dynamic });
                }
            }
        }
        RoutingGraph {
            graph,
            entries,
            backends,
        }
    }

    /// Backends some route reaches, certainly or possibly.
    pub fn routed_backends(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .graph
            .edge_references()
            .filter(|e| matches!(e.weight(), Edge::Route { .. } | Edge::Candidate))
            .filter_map(|e| match self.graph[e.target()] {
                Node::Backend(b) => Some(b),
                _ => None,
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}
