use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::SourceFormat;
use crate::rules::health::serving;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A backend with two or more servers and no way to notice a dead one:
    /// HAProxy servers without `check` (or `agent-check`, `track`); nginx
    /// servers with passive checks disabled (`max_fails=0`).
    ///
    /// ## Why it matters
    /// A dead server keeps its share of the traffic. With HAProxy, those
    /// requests fail; with nginx they are retried elsewhere, slowly, every time.
    ///
    /// ## Example
    /// ```text
    /// backend be_api
    ///     server a1 10.0.0.1:80
    ///     server a2 10.0.0.2:80
    /// ```
    ///
    /// ## How to fix
    /// HAProxy: add `check` (with `option httpchk` for HTTP services), e.g.
    /// through `default-server check`. nginx: keep `max_fails` above 0.
    pub struct NoHealthCheck {
        code: "LB203",
        name: "no-health-check",
        category: Health,
        severity: Warning,
    }
}

impl Rule for NoHealthCheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for i in serving(cx) {
            let b = &cx.model.backends[i];
            let servers = cx.usable(i);
            if servers.len() < 2 {
                continue;
            }
            let watched = |j: usize| {
                let s = &b.servers[j];
                match cx.model.format {
                    SourceFormat::Haproxy => {
                        s.check.value || s.agent_check().value || s.track().is_some()
                    }
                    SourceFormat::Nginx => s.max_fails().is_none_or(|m| m.value > 0),
                }
            };
            if servers.iter().any(|&j| watched(j)) {
                continue;
            }
            let what = match cx.model.format {
                SourceFormat::Haproxy => {
                    "no server has health checks: a dead server keeps its share and its requests fail"
                }
                SourceFormat::Nginx => {
                    "every server has max_fails=0: a dead server is never taken out"
                }
            };
            out.push(
                finding(&Self::META, format!("{}: {what}", cx.backend_entity(b)))
                    .at(b.span)
                    .entity(cx.backend_entity(b))
                    .data("servers", servers.len()),
            );
        }
    }
}
