use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::rules::health::serving;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A backend that traffic reaches but that cannot serve it: the backend
    /// itself `disabled` (or its defaults section), or no server able to
    /// take it (none at all, every one disabled or `down`, every one at
    /// weight 0, and no backup to fall back on).
    ///
    /// ## Why it matters
    /// Every request routed there fails (HAProxy answers 503, nginx 502) from
    /// the moment the config is deployed.
    ///
    /// ## Example
    /// ```text
    /// backend be_billing
    ///     server b1 10.0.0.1:80 disabled
    ///     server b2 10.0.0.2:80 disabled
    /// ```
    ///
    /// ## How to fix
    /// Enable a server, restore a weight, or stop routing to the backend.
    pub struct DeadBackend {
        code: "LB201",
        name: "dead-backend",
        category: Health,
        severity: Error,
    }
}

impl Rule for DeadBackend {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for i in serving(cx) {
            let b = &cx.model.backends[i];
            if cx.shares[i].failing_share < 1.0 || b.serves_itself {
                continue;
            }
            let why = if b.disabled.is_some() {
                "it is disabled: HAProxy answers 503".to_string()
            } else if b.servers.is_empty() {
                "it has no servers".to_string()
            } else {
                format!(
                    "none of its {} servers can take traffic (disabled, down or weight 0)",
                    b.servers.len()
                )
            };
            let mut d = finding(
                &Self::META,
                format!("{} receives traffic but {why}", cx.backend_entity(b)),
            )
            .at(b.span)
            .entity(cx.backend_entity(b))
            .data("failing_share", 1.0);
            if let Some(disabled) = b.disabled {
                d = d.related(disabled, "disabled here");
            } else {
                for s in &b.servers {
                    d = d.related(s.span, "cannot take traffic");
                }
            }
            out.push(d);
        }
    }
}
