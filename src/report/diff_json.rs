//! `lbcheck diff --format json`: the documented contract (`"version": 1`).
//!
//! `{"version", "risks": [..], "changes": [{"kind", "entity", "attribute",
//! "before", "after", "old": {"file", "line"}, "new": {...}}], "shares":
//! [{"backend", "server", "address", "before", "after"}], "capacity":
//! [{"entity", "before", "after", "before_n_minus_1", "after_n_minus_1",
//! "expected"}], "routes": [{"probe": {"host", "path", "port"}, "before",
//! "after"}], "findings": {"introduced", "fixed", "unchanged"}}` with
//! findings as in `check`, shares as fractions of the backend's traffic.

use std::io::Write;

use crate::diag::Diagnostic;
use crate::diff::DiffReport;
use crate::report::json::{write_array, write_array_with, write_finding};
use crate::source::SourceDb;

/// Writes the whole document, pretty-printed; long lists are streamed.
pub fn write(
    w: &mut impl Write,
    report: &DiffReport,
    old_db: &SourceDb,
    new_db: &SourceDb,
) -> std::io::Result<()> {
    let findings = |w: &mut _, db: &SourceDb, ds: &[Diagnostic]| {
        write_array_with(w, ds, 2, |d, out| write_finding(out, db, d, 3))
    };
    w.write_all(b"{\n  \"version\": 1,\n  \"risks\": ")?;
    write_array(w, &report.risks, 1, |x| x)?;
    w.write_all(b",\n  \"changes\": ")?;
    write_array(w, &report.changes, 1, |x| x)?;
    w.write_all(b",\n  \"shares\": ")?;
    write_array(w, &report.shares, 1, |x| x)?;
    w.write_all(b",\n  \"capacity\": ")?;
    write_array(w, &report.capacity, 1, |x| x)?;
    w.write_all(b",\n  \"routes\": ")?;
    write_array(w, &report.routes, 1, |x| x)?;
    write!(
        w,
        ",\n  \"probes\": {{\n    \"evaluated\": {},\n    \"truncated\": {}\n  }},\n  \"findings\": {{\n    \"introduced\": ",
        report.probes_evaluated, report.probes_truncated
    )?;
    findings(w, new_db, &report.findings.introduced)?;
    w.write_all(b",\n    \"fixed\": ")?;
    findings(w, old_db, &report.findings.fixed)?;
    w.write_all(b",\n    \"unchanged\": ")?;
    findings(w, new_db, &report.findings.unchanged)?;
    w.write_all(b"\n  }\n}\n")
}
