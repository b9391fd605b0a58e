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

impl Rule for DuplicateName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        if cx.model.format != SourceFormat::Haproxy {
            return; // nginx's duplicate upstreams are refused while loading.
        }
        let mut frontends = foldhash::HashMap::default();
        for e in &cx.model.entry_points {
            if let Some(first) = frontends.insert(e.name.as_str(), e.span) {
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
        let mut backends = foldhash::HashMap::default();
        // One map for every backend's servers, emptied between backends.
        let mut servers = foldhash::HashMap::default();
        for b in &cx.model.backends {
            if b.kind != BackendKind::Listen && b.kind != BackendKind::Backend {
                continue;
            }
            if let Some(first) = backends.insert(b.name.as_str(), b.span) {
                out.push(
                    finding(
                        &Self::META,
                        format!("two proxies with backend capability are named '{}'", b.name),
                    )
                    .at(b.span)
                    .related(first, "first defined here")
                    .entity(cx.backend_entity(b)),
                );
            }
            servers.clear();
            for s in &b.servers {
                if let Some(first) = servers.insert(&*s.name, s.span) {
                    out.push(
                        finding(
                            &Self::META,
                            format!(
                                "two servers are named '{}' in {}",
                                s.name,
                                cx.backend_entity(b)
                            ),
                        )
                        .at(s.span)
                        .related(first, "first defined here")
                        .entity(format!(
                            "{}/{}",
                            cx.backend_entity(b),
                            s.name
                        )),
                    );
                }
            }
        }
    }
}
