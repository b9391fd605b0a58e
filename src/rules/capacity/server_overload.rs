use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::rules::capacity::assumed;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A server whose share of its backend's expected load exceeds its own
    /// connection limit. Runs only with an expected-traffic profile.
    ///
    /// ## Why it matters
    /// That server queues and fails requests at peak even when the backend as
    /// a whole has room: the load is sent where the capacity is not.
    ///
    /// ## Example
    /// ```text
    /// server small 10.0.0.2:80 weight 1 maxconn 100   # gets 2500 of 5000
    /// ```
    ///
    /// ## How to fix
    /// Lower its weight to match its capacity, or raise its limit.
    pub struct ServerOverload {
        code: "LB403",
        name: "server-overload",
        category: Capacity,
        severity: Warning,
    }
}

impl Rule for ServerOverload {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for (bi, b) in cx.model.backends.iter().enumerate() {
            let Some(expected) = &cx.expected.backends[bi] else {
                continue;
            };
            for (s, share) in b.servers.iter().zip(&cx.shares[bi].servers) {
                let Some(limit) = s.maxconn.value else {
                    continue;
                };
                let load = expected.connections as f64 * share.share;
                if load <= limit as f64 {
                    continue;
                }
                let d = finding(
                    &Self::META,
                    format!("server {} gets {load:.0} of {}'s {} expected connections, over its limit of {limit}", s.name(), b.name, expected.connections),
                )
                .at(s.maxconn.span.unwrap_or(s.span))
                .entity(cx.server_entity(b, s))
                .data("load", load)
                .data("limit", limit)
                .data("share", share.share)
                .help("lower its weight to match its capacity, or raise its limit");
                out.push(assumed(d, expected));
            }
        }
    }
}
