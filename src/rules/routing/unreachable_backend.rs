use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::{BackendKind, Target};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A backend or upstream that no route can reach: no `use_backend`,
    /// `default_backend` or `proxy_pass` names it, and no dynamic target may
    /// evaluate to it. Backends that only hold a stick table, that other
    /// servers `track`, or that have no servers (deliberate 503 pools) are not
    /// reported, and neither is anything while a dynamic target could name any
    /// backend.
    ///
    /// ## Why it matters
    /// Capacity that was meant to serve traffic sits idle, usually because a
    /// route was renamed or removed and the pool left behind.
    ///
    /// ## Example
    /// ```text
    /// backend be_reports_v2      # the route still says be_reports
    /// ```
    ///
    /// ## How to fix
    /// Route to it, or delete it.
    pub struct UnreachableBackend {
        code: "LB102",
        name: "unreachable-backend",
        category: Routing,
        severity: Warning,
    }
}

impl Rule for UnreachableBackend {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        let open_dynamic = cx.model.entry_points.iter().flat_map(|e| &e.routes).any(
            |r| matches!(&r.target, Target::Dynamic { candidates, .. } if candidates.is_empty()),
        );
        if open_dynamic {
            return;
        }
        let routed = &cx.routed;
        let tracked: foldhash::HashSet<&str> = cx
            .model
            .backends
            .iter()
            .flat_map(|b| &b.servers)
            .filter_map(|s| s.track())
            .map(|t| t.split('/').next().unwrap_or(t))
            .collect();
        for (i, b) in cx.model.backends.iter().enumerate() {
            let exempt = matches!(b.kind, BackendKind::Listen | BackendKind::Implicit)
                || b.stick_table
                || b.servers.is_empty()
                || tracked.contains(b.name.as_str());
            if routed[i] || exempt {
                continue;
            }
            out.push(
                finding(
                    &Self::META,
                    format!("nothing routes to {}", cx.backend_entity(b)),
                )
                .at(b.span)
                .entity(cx.backend_entity(b))
                .label("no route names this backend")
                .data("servers", b.servers.len()),
            );
        }
    }
}
