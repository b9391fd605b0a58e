use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::{BackendKind, EntryKind, SourceFormat};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// Two frontends, two backends (a `listen` counts as both) or two upstreams
    /// with one name, and two servers with one name in a backend.
    ///
    /// ## Why it matters
    /// HAProxy and nginx refuse such a config; when a generator produces it,
    /// the deploy fails, and a human reading it cannot tell which one a route
    /// means.
    ///
    /// ## Example
    /// ```text
    /// backend be_api
    ///     server api1 10.0.0.1:80
    ///     server api1 10.0.0.2:80
    /// ```
    ///
    /// ## How to fix
    /// Give each one its own name.
    pub struct DuplicateName {
        code: "LB106",
        name: "duplicate-name",
        category: Routing,
        severity: Error,
    }
}

/// Backends with at most this many servers are searched for duplicate
/// names by scanning, cheaper than hashing for the usual handful.
const SCANNED: usize = 16;

impl Rule for DuplicateName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        if cx.model.format != SourceFormat::Haproxy {
            return; // nginx's duplicate upstreams are refused while loading.
        }
        let mut frontends = foldhash::HashMap::default();
        for (ei, e) in cx.model.entry_points.iter().enumerate() {
            let &mut (first, at) = frontends.entry(e.name.as_str()).or_insert((e.span, ei));
            if at != ei {
                let kind = if e.kind == EntryKind::Listen {
                    "listen"
                } else {
                    "frontend"
                };
                out.push(
                    finding(
                        &Self::META,
                        format!(
                            "two proxies with frontend capability are named '{}'",
                            e.name
                        ),
                    )
                    .at(e.span)
                    .related(first, "first defined here")
                    .entity(format!("{kind} {}", e.name)),
                );
            }
        }
        // Reused for backends with many servers; small ones are scanned.
        let mut servers = foldhash::HashMap::default();
        for (bi, b) in cx.model.backends.iter().enumerate() {
            if b.kind != BackendKind::Listen && b.kind != BackendKind::Backend {
                continue;
            }
            // The context's index keeps the first backend of each name.
            let first = cx.index.get(b.name.as_str()).copied().unwrap_or(bi);
            if first != bi {
                out.push(
                    finding(
                        &Self::META,
                        format!("two proxies with backend capability are named '{}'", b.name),
                    )
                    .at(b.span)
                    .related(cx.model.backends[first].span, "first defined here")
                    .entity(cx.backend_entity(b)),
                );
            }
            servers.clear();
            for (j, s) in b.servers.iter().enumerate() {
                let first = if b.servers.len() <= SCANNED {
                    b.servers[..j]
                        .iter()
                        .find(|t| t.name() == s.name())
                        .map(|t| t.span)
                } else {
                    let &mut (first, at) = servers.entry(s.name()).or_insert((s.span, j));
                    (at != j).then_some(first)
                };
                if let Some(first) = first {
                    out.push(
                        finding(
                            &Self::META,
                            format!(
                                "two servers are named '{}' in {}",
                                s.name(),
                                cx.backend_entity(b)
                            ),
                        )
                        .at(s.span)
                        .related(first, "first defined here")
                        .entity(cx.server_entity(b, s)),
                    );
                }
            }
        }
    }
}
