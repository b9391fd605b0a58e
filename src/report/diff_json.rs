//! `lbcheck diff --format json`: the documented contract (`"version": 1`).
//!
//! `{"version", "risks": [..], "changes": [{"kind", "entity", "attribute",
//! "before", "after", "old": {"file", "line"}, "new": {...}}], "shares":
//! [{"backend", "server", "address", "before", "after"}], "capacity":
//! [{"entity", "before", "after", "before_n_minus_1", "after_n_minus_1",
//! "expected"}], "routes": [{"probe": {"host", "path", "port"}, "before",
//! "after"}], "findings": {"introduced", "fixed", "unchanged"}}` with
//! findings as in `check`, shares as fractions of the backend's traffic.

use serde_json::{Value, json};

use crate::diff::DiffReport;
use crate::report::json::{Finding, finding};
use crate::source::SourceDb;

pub fn to_value(report: &DiffReport, old_db: &SourceDb, new_db: &SourceDb) -> Value {
    fn list<'a>(db: &'a SourceDb, ds: &'a [crate::diag::Diagnostic]) -> Vec<Finding<'a>> {
        ds.iter().map(|d| finding(db, d)).collect()
    }
    json!({
        "version": 1,
        "risks": report.risks,
        "changes": report.changes,
        "shares": report.shares,
        "capacity": report.capacity,
        "routes": report.routes,
        "probes": {"evaluated": report.probes_evaluated, "truncated": report.probes_truncated},
        "findings": {
            "introduced": list(new_db, &report.findings.introduced),
            "fixed": list(old_db, &report.findings.fixed),
            "unchanged": list(new_db, &report.findings.unchanged),
        },
    })
}

pub fn render(report: &DiffReport, old_db: &SourceDb, new_db: &SourceDb) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(report, old_db, new_db)).unwrap_or_default();
    s.push('\n');
    s
}
