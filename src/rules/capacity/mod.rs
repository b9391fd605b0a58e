//! LB4xx: limits against the expected load.

pub mod backend_capacity_below_expected;
pub mod capacity_after_failure;
pub mod entry_limit_below_expected;
pub mod global_limit_below_entries;
pub mod implicit_limit;
pub mod server_overload;

use crate::diag::Diagnostic;
use crate::expected::Expected;
use crate::model::Backend;

/// The connections a backend can hold: its `usable` servers' limits plus
/// their queues; `None` when a server has no limit.
pub(crate) fn capacity(b: &Backend, usable: &[usize], without: Option<usize>) -> Option<u64> {
    usable
        .iter()
        .copied()
        .filter(|&i| Some(i) != without)
        .map(|i| {
            let s = &b.servers[i];
            s.maxconn.value.map(|m| m + s.maxqueue().value.unwrap_or(0))
        })
        .sum()
}

/// Adds how an expected figure was arrived at to a finding.
pub(crate) fn assumed(d: Diagnostic, e: &Expected) -> Diagnostic {
    match &e.assumption {
        Some(a) if !a.is_empty() => d.note(format!("expected load assumed: {a}")),
        _ => d,
    }
}
