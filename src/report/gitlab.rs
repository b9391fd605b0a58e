//! GitLab Code Quality report: a JSON array of issues with a description,
//! the check name, a fingerprint, a severity and a location.

use serde_json::{Value, json};

use crate::diag::Severity;
use crate::report::findings::{FindingSet, fingerprint, position};

pub fn render(sets: &[FindingSet]) -> String {
    let issues: Vec<Value> = sets
        .iter()
        .flat_map(|s| s.findings.iter().map(move |d| (s.db, d)))
        .map(|(db, d)| {
            let severity = match d.severity {
                Severity::Error => "critical",
                Severity::Warning => "major",
                Severity::Info => "info",
            };
            let p = position(db, d);
            json!({
                "description": d.message,
                "check_name": d.code.unwrap_or("syntax"),
                "fingerprint": fingerprint(db, d),
                "severity": severity,
                "location": {
                    "path": p.as_ref().map_or(String::new(), |p| p.path.clone()),
                    "lines": {"begin": p.as_ref().map_or(1, |p| p.line)},
                },
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_default();
    s.push('\n');
    s
}
