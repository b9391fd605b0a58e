//! `lbcheck model --format dot`: the routing graph for Graphviz.

use std::fmt::Write;

use petgraph::visit::EdgeRef;

use crate::model::Model;
use crate::model::graph::{Edge, Node, RoutingGraph};

/// Quotes a string as a DOT identifier.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn render(model: &Model) -> String {
    let g = RoutingGraph::build(model);
    let mut out =
        String::from("digraph lbcheck {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for idx in g.graph.node_indices() {
        let (label, shape) = match &g.graph[idx] {
            Node::Entry(i) => {
                let e = &model.entry_points[*i];
                (
                    format!("{} {}", kind_word(&format!("{:?}", e.kind)), e.name),
                    "box",
                )
            }
            Node::Backend(i) => (format!("backend {}", model.backends[*i].name), "box3d"),
            Node::Missing(name) => (format!("{name} (undefined)"), "octagon"),
            Node::Server { backend, server } => {
                let s = &model.backends[*backend].servers[*server];
                let mut label = format!("{} {}\nweight {}", s.name(), s.address(), s.weight.value);
                if s.backup.value {
                    label.push_str(" backup");
                }
                if s.disabled.value {
                    label.push_str(" disabled");
                }
                (label, "ellipse")
            }
            Node::Terminal(action) => (action.clone(), "note"),
            Node::Candidates { expression, count } => {
                (format!("{expression}\n({count} candidates)"), "diamond")
            }
        };
        let _ = writeln!(
            out,
            "  n{} [label={}, shape={}];",
            idx.index(),
            quote(&label),
            shape
        );
    }
    for e in g.graph.edge_references() {
        let attrs = match e.weight() {
            Edge::Route { index, dynamic } => {
                let entry = match g.graph[e.source()] {
                    Node::Entry(i) => &model.entry_points[i],
                    _ => continue,
                };
                let cond = entry.routes[*index].condition.to_string();
                let style = if *dynamic { ", style=dashed" } else { "" };
                format!(
                    "[label={}{}]",
                    quote(&format!("{}: {}", index + 1, cond)),
                    style
                )
            }
            Edge::Member => String::new(),
            Edge::Candidate => "[style=dashed]".to_string(),
        };
        let _ = writeln!(
            out,
            "  n{} -> n{} {};",
            e.source().index(),
            e.target().index(),
            attrs
        );
    }
    out.push_str("}\n");
    out
}

fn kind_word(debug: &str) -> String {
    debug.to_lowercase()
}
