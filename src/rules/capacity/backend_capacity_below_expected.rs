use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::rules::capacity::{assumed, capacity};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A backend whose usable servers' connection limits (plus queues) add up
    /// to less than the traffic expected for it. Servers without a limit make
    /// the capacity unbounded, and the rule silent. Runs only with an
    /// expected-traffic profile.
    ///
    /// ## Why it matters
    /// At peak the backend queues and then refuses: 503s with servers that
    /// are, each of them, exactly as busy as configured.
    ///
    /// ## Example
    /// ```text
    /// backend be_api             # expected: 5000 connections
    ///     server a1 10.0.0.1:80 maxconn 1000
    ///     server a2 10.0.0.2:80 maxconn 1000
    /// ```
    ///
    /// ## How to fix
    /// Add servers or raise their limits.
    pub struct BackendCapacityBelowExpected {
        code: "LB402",
        name: "backend-capacity-below-expected",
        category: Capacity,
        severity: Error,
    }
}

impl Rule for BackendCapacityBelowExpected {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for (i, b) in cx.model.backends.iter().enumerate() {
            let (Some(expected), Some(cap)) =
                (&cx.expected.backends[i], capacity(b, cx.usable(i), None))
            else {
                continue;
            };
            if expected.connections <= cap {
                continue;
            }
            let d = finding(
                &Self::META,
                format!(
                    "{} can hold {cap} connections but expects {}",
                    cx.backend_entity(b),
                    expected.connections
                ),
            )
            .at(b.span)
            .entity(cx.backend_entity(b))
            .data("capacity", cap)
            .data("expected", expected.connections)
            .help("add servers or raise their maxconn");
            out.push(assumed(d, expected));
        }
    }
}
