//! Probe requests for comparing routes: built from every host, path and port
//! literal in either config's conditions (and nginx `server_name`s), plus a
//! host nothing names, and evaluated on both models.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{Condition, MatchMethod, Model, Target};
use crate::route::{self, Request};

/// Most probes evaluated; past that the list is cut (and the report says so).
pub const MAX_PROBES: usize = 5000;

/// A host that no config names, to see where unmatched requests go.
pub const UNMATCHED_HOST: &str = "unmatched.invalid";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Probe {
    pub host: String,
    pub path: String,
    pub port: u16,
}

#[derive(Default)]
struct Literals {
    hosts: BTreeSet<String>,
    paths: BTreeSet<String>,
    ports: BTreeSet<u16>,
}

fn is_host_fetch(fetch: &str) -> bool {
    let f = fetch.to_ascii_lowercase();
    let f = f.strip_prefix("req.").unwrap_or(&f);
    f.starts_with("hdr(host") || f.starts_with("fhdr(host") || f == "ssl_sni" || f == "ssl_fc_sni"
}

/// The literal start of an anchored regex (`^/api/v[0-9]` gives `/api/v`).
fn regex_prefix(re: &str) -> Option<String> {
    let body = re.strip_prefix('^')?;
    let literal: String = body
        .chars()
        .take_while(|c| !".*+?()[]{}|\\$".contains(*c))
        .collect();
    literal.starts_with('/').then_some(literal)
}

fn collect(cond: &Condition, lit: &mut Literals) {
    match cond {
        Condition::Pred(p) => {
            let f = p.fetch.to_ascii_lowercase();
            for v in &p.values {
                if is_host_fetch(&f) {
                    let host = match p.method.unwrap_or(MatchMethod::Str) {
                        MatchMethod::Str | MatchMethod::Sub => v.clone(),
                        MatchMethod::Beg => format!("{v}probe.example"),
                        MatchMethod::End | MatchMethod::Dom => {
                            format!("probe.{}", v.trim_start_matches('.'))
                        }
                        _ => continue,
                    };
                    lit.hosts.insert(host.to_ascii_lowercase());
                } else if matches!(f.as_str(), "path" | "url" | "base") {
                    let path = match p.method.unwrap_or(MatchMethod::Str) {
                        MatchMethod::Str => v.clone(),
                        MatchMethod::Beg => {
                            lit.paths.insert(format!("{v}probe"));
                            v.clone()
                        }
                        MatchMethod::End => format!("/probe{v}"),
                        MatchMethod::Dir => format!("/{}/probe", v.trim_matches('/')),
                        MatchMethod::Sub => format!("/probe{v}probe"),
                        MatchMethod::Reg => match regex_prefix(v) {
                            Some(prefix) => format!("{prefix}probe"),
                            None => continue,
                        },
                        _ => continue,
                    };
                    if path.starts_with('/') {
                        lit.paths.insert(path);
                    }
                }
            }
        }
        Condition::Not(c) | Condition::Acl(_, c) => collect(c, lit),
        Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| collect(c, lit)),
        _ => {}
    }
}

fn literals(model: &Model, lit: &mut Literals) {
    for e in &model.entry_points {
        for b in &e.binds {
            if let Some((p, _)) = b.ports {
                lit.ports.insert(p);
            }
        }
        for n in &e.server_names {
            let n = n.to_ascii_lowercase();
            if n.is_empty() || n == "_" || n.starts_with('~') {
                continue;
            }
            let host = if let Some(rest) = n.strip_prefix("*.") {
                format!("probe.{rest}")
            } else if let Some(rest) = n.strip_suffix(".*") {
                format!("{rest}.probe")
            } else {
                n.trim_start_matches('.').to_string()
            };
            lit.hosts.insert(host);
        }
        for r in &e.routes {
            collect(&r.condition, lit);
        }
    }
}

/// Probes for both models, bounded by [`MAX_PROBES`]; `true` when cut.
pub fn probes(old: &Model, new: &Model) -> (Vec<Probe>, bool) {
    let mut lit = Literals::default();
    literals(old, &mut lit);
    literals(new, &mut lit);
    lit.paths.insert("/".to_string());
    // Named hosts first, then one nothing names.
    let hosts: Vec<String> = lit
        .hosts
        .iter()
        .cloned()
        .chain([UNMATCHED_HOST.to_string()])
        .collect();
    let mut out = Vec::new();
    for &port in &lit.ports {
        for host in &hosts {
            for path in &lit.paths {
                if out.len() == MAX_PROBES {
                    return (out, true);
                }
                out.push(Probe {
                    host: host.clone(),
                    path: path.clone(),
                    port,
                });
            }
        }
    }
    (out, false)
}

/// Where a probe goes in a model, in words: a backend name, a computed
/// target, a terminal action, or why it goes nowhere.
pub fn destination(router: &route::Router, probe: &Probe) -> String {
    let req = Request::new(Some(&probe.host), &probe.path, probe.port);
    match router.route(&req) {
        Err(_) => "(nothing listens on this port)".to_string(),
        Ok(d) => match d.target {
            Some(Target::Backend { name }) => name,
            Some(Target::Dynamic { expression, .. }) => format!("(computed: {expression})"),
            Some(Target::Terminal { action }) => format!("[{action}]"),
            None => "(no route: error response)".to_string(),
        },
    }
}
