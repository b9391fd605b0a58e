use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::Target;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A route whose target is computed when the request arrives: HAProxy
    /// `use_backend be_%[...]`, nginx `proxy_pass http://$var`. It says which
    /// backends it may reach, when the config makes that knowable (a name
    /// pattern, a `map`, `split_clients`, `set`). The message and the
    /// `candidates` data list the first 16; `candidate_count` says how many
    /// there are.
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

/// Candidates a finding names: a computed target may fit thousands of
/// backends, and thousands of routes may use it.
const LISTED: usize = 16;

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
                let listed = &candidates[..candidates.len().min(LISTED)];
                let names = || listed.iter().map(|c| c.backend.as_str());
                let reach = match candidates.len() - listed.len() {
                    _ if candidates.is_empty() => {
                        "any backend (the candidates cannot be known statically)".to_string()
                    }
                    0 => names().collect::<Vec<_>>().join(", "),
                    more => format!("{} and {more} more", names().collect::<Vec<_>>().join(", ")),
                };
                out.push(
                    finding(
                        &Self::META,
                        format!("target computed at run time ({expression}); it may reach {reach}"),
                    )
                    .at(r.span)
                    .entity(format!("entry point {}", e.name))
                    .data("candidates", names().collect::<Vec<_>>())
                    .data("candidate_count", candidates.len()),
                );
            }
        }
    }
}
