use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::Target;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A route whose target is computed when the request arrives: HAProxy
    /// `use_backend be_%[...]`, nginx `proxy_pass http://$var`. It says which
    /// backends it may reach, when the config makes that knowable (a name
    /// pattern, a `map`, `split_clients`, `set`).
    ///
    /// ## Why it matters
    /// Static analysis cannot follow every request through it; a reviewer
    /// should know which pools are in play and that a missing mapping fails at
    /// run time.
    ///
    /// ## Example
    /// ```text
    /// use_backend be_%[req.hdr(host),lower,map(/etc/haproxy/hosts.map,web)]
    /// ```
    ///
    /// ## How to fix
    /// Nothing to fix by itself; keep the candidates' capacity in view.
    pub struct DynamicRoute {
        code: "LB105",
        name: "dynamic-route",
        category: Routing,
        severity: Info,
    }
}

impl Rule for DynamicRoute {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for e in &cx.model.entry_points {
            for r in &e.routes {
                let Target::Dynamic {
                    expression,
                    candidates,
                } = &r.target
                else {
                    continue;
                };
                let reach = if candidates.is_empty() {
                    "any backend (the candidates cannot be known statically)".to_string()
                } else {
                    candidates
                        .iter()
                        .map(|c| c.backend.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                out.push(
                    finding(
                        &Self::META,
                        format!("target computed at run time ({expression}); it may reach {reach}"),
                    )
                    .at(r.span)
                    .entity(format!("entry point {}", e.name))
                    .data(
                        "candidates",
                        candidates
                            .iter()
                            .map(|c| c.backend.clone())
                            .collect::<Vec<_>>(),
                    ),
                );
            }
        }
    }
}
