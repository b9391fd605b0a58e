//! `--format json` for findings: a versioned, documented contract.
//!
//! `{"version": 1, "findings": [{"code", "name", "severity", "message",
//! "file", "line", "column", "end_line", "end_column", "entity", "help",
//! "notes", "related": [{"file", "line", "column", "message"}], "data"}],
//! "summary": {"errors", "warnings", "infos", "files"}}`

use serde_json::{Value, json};

use crate::diag::{Diagnostic, Severity};
use crate::rules;
use crate::source::SourceDb;

pub const SCHEMA_VERSION: u32 = 1;

pub fn finding(db: &SourceDb, d: &Diagnostic) -> Value {
    let (file, line, column, end_line, end_column) = match d.primary {
        Some(span) => {
            let start = db.location(span);
            let f = db.file(span.file);
            let (el, ec) = f.line_col(span.end as usize);
            (
                Some(start.path.display().to_string()),
                Some(start.line),
                Some(start.column),
                Some(el),
                Some(ec),
            )
        }
        None => (None, None, None, None, None),
    };
    let related: Vec<Value> = d
        .related
        .iter()
        .map(|(span, message)| {
            let loc = db.location(*span);
            json!({"file": loc.path.display().to_string(), "line": loc.line, "column": loc.column, "message": message})
        })
        .collect();
    json!({
        "code": d.code,
        "name": d.code.and_then(rules::meta).map(|m| m.name),
        "severity": d.severity,
        "message": d.message,
        "file": file,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "entity": d.entity,
        "help": d.help,
        "notes": d.notes,
        "related": related,
        "data": d.data,
    })
}

/// Findings of several configs, each with its own source database.
pub fn render<'a>(
    results: impl Iterator<Item = (&'a SourceDb, &'a [Diagnostic])>,
    files: usize,
) -> String {
    let mut findings = Vec::new();
    let (mut errors, mut warnings, mut infos) = (0, 0, 0);
    for (db, diags) in results {
        for d in diags {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
                Severity::Info => infos += 1,
            }
            findings.push(finding(db, d));
        }
    }
    let value = json!({
        "version": SCHEMA_VERSION,
        "findings": findings,
        "summary": {"errors": errors, "warnings": warnings, "infos": infos, "files": files},
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}
