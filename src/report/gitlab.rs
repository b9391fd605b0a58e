//! GitLab Code Quality report: a JSON array of issues with a description,
//! the check name, a fingerprint, a severity and a location.

use serde_json::{Value, json};

use crate::diag::{Diagnostic, Severity};
use crate::report::findings::{FindingSet, fingerprint, flatten, position};
use crate::report::json::write_array;
use crate::source::SourceDb;

/// The report as one JSON array, streamed.
pub fn write(w: &mut impl std::io::Write, sets: &[FindingSet]) -> std::io::Result<()> {
    write_array(w, &flatten(sets), 0, |&(db, d)| issue(db, d))?;
    w.write_all(b"\n")
}

/// One finding as a Code Quality issue.
fn issue(db: &SourceDb, d: &Diagnostic) -> Value {
    let severity = match d.severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "info",
    };
    let p = position(db, d);
    json!({
        "description": d.message(),
        "check_name": d.code.unwrap_or("syntax"),
        "fingerprint": fingerprint(db, d),
        "severity": severity,
        "location": {
            "path": p.as_ref().map_or(String::new(), |p| p.path.clone()),
            "lines": {"begin": p.as_ref().map_or(1, |p| p.line)},
        },
    })
}
