use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::{Origin, SourceFormat};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// HAProxy's global `maxconn` below what the frontends allow together
    /// (their own `maxconn`s), or below the expected peak of all entry points.
    ///
    /// ## Why it matters
    /// The process-wide limit is reached first: raising a frontend's limit
    /// changes nothing, and one busy frontend starves the others.
    ///
    /// ## Example
    /// ```text
    /// global
    ///     maxconn 4000
    /// frontend a
    ///     maxconn 3000
    /// frontend b
    ///     maxconn 3000
    /// ```
    ///
    /// ## How to fix
    /// Raise the global `maxconn` to at least the sum the frontends need.
    pub struct GlobalLimitBelowEntries {
        code: "LB404",
        name: "global-limit-below-entries",
        category: Capacity,
        severity: Warning,
    }
}

impl Rule for GlobalLimitBelowEntries {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        if cx.model.format != SourceFormat::Haproxy {
            return;
        }
        let global = &cx.model.limits.global_maxconn;
        let Some(limit) = global.value else { return };
        let span = global
            .span
            .or_else(|| cx.model.entry_points.first().map(|e| e.span));
        let Some(span) = span else { return };
        let allowed: u64 = cx
            .model
            .entry_points
            .iter()
            .filter(|e| e.maxconn.origin != Origin::Global)
            .filter_map(|e| e.maxconn.value)
            .sum();
        let expected: u64 = cx
            .expected
            .entries
            .iter()
            .flatten()
            .map(|e| e.connections)
            .sum();
        let (what, total) = if expected > limit {
            ("the entry points expect", expected)
        } else if allowed > limit {
            ("the frontends' own limits add up to", allowed)
        } else {
            return;
        };
        out.push(
            finding(
                &Self::META,
                format!("global maxconn {limit} is below what {what} ({total})"),
            )
            .at(span)
            .entity("global".to_string())
            .data("global_maxconn", limit)
            .data("needed", total)
            .help("raise the global maxconn"),
        );
    }
}
