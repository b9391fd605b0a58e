use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::{EntryKind, RouteKind};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// An HAProxy frontend with conditional `use_backend` rules and no
    /// `default_backend` (its own or from `defaults`).
    ///
    /// ## Why it matters
    /// Every request no condition matches gets a 503 from HAProxy itself: a new
    /// host name, a path nobody thought of, a health probe.
    ///
    /// ## Example
    /// ```text
    /// frontend fe
    ///     use_backend be_api if { path_beg /api }
    ///     # no default_backend
    /// ```
    ///
    /// ## How to fix
    /// Add `default_backend`, or an explicit `http-request return status 404`
    /// if refusing is what you mean.
    pub struct NoDefaultRoute {
        code: "LB103",
        name: "no-default-route",
        category: Routing,
        severity: Warning,
    }
}

impl Rule for NoDefaultRoute {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for e in cx
            .model
            .entry_points
            .iter()
            .filter(|e| e.kind == EntryKind::Frontend)
        {
            let conditional = e
                .routes
                .iter()
                .any(|r| r.kind == RouteKind::UseBackend && !r.condition.is_always());
            let catch_all = e.routes.iter().any(|r| r.condition.is_always());
            if conditional && !catch_all {
                out.push(
                    finding(
                        &Self::META,
                        format!(
                            "frontend {} has no default backend: unmatched requests get 503",
                            e.name
                        ),
                    )
                    .at(e.span)
                    .entity(format!("frontend {}", e.name))
                    .help("add 'default_backend <name>'"),
                );
            }
        }
    }
}
