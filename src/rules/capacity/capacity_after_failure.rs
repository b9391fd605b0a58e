use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::rules::capacity::{assumed, capacity};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A backend that carries its expected load with every server up, but not
    /// with its largest server down (N-1). Runs only with an expected-traffic
    /// profile and when every usable server declares a connection limit.
    ///
    /// ## Why it matters
    /// One crash or one deploy at peak turns into an overload of the rest: the
    /// failure cascades.
    ///
    /// ## Example
    /// ```text
    /// backend be_api             # expected: 1500
    ///     server a1 10.0.0.1:80 maxconn 1000
    ///     server a2 10.0.0.2:80 maxconn 1000
    /// ```
    ///
    /// ## How to fix
    /// Add a server, or raise the limits so that N-1 still covers the peak.
    pub struct CapacityAfterFailure {
        code: "LB405",
        name: "capacity-after-failure",
        category: Capacity,
        severity: Warning,
    }
}

impl Rule for CapacityAfterFailure {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for (i, b) in cx.model.backends.iter().enumerate() {
            let (Some(expected), Some(full)) =
                (&cx.expected.backends[i], capacity(b, cx.usable(i), None))
            else {
                continue;
            };
            if expected.connections > full {
                continue; // LB402 reports it.
            }
            let servers = cx.usable(i);
            let Some(&largest) = servers
                .iter()
                .max_by_key(|&&j| b.servers[j].maxconn.value.unwrap_or(0))
            else {
                continue;
            };
            let Some(rest) = capacity(b, servers, Some(largest)) else {
                continue;
            };
            if expected.connections <= rest {
                continue;
            }
            let d = finding(
                &Self::META,
                format!(
                    "with {} down, {} can hold {rest}: less than its expected {}",
                    b.servers[largest].name(),
                    cx.backend_entity(b),
                    expected.connections
                ),
            )
            .at(b.span)
            .related(b.servers[largest].span, "its largest server")
            .entity(cx.backend_entity(b))
            .data("capacity", full)
            .data("capacity_n_minus_1", rest)
            .data("expected", expected.connections);
            out.push(assumed(d, expected));
        }
    }
}
