//! `--format json` for findings: a versioned, documented contract.
//!
//! `{"version": 1, "findings": [{"code", "name", "severity", "message",
//! "file", "line", "column", "end_line", "end_column", "entity", "help",
//! "notes", "related": [{"file", "line", "column", "message"}], "data"}],
//! "summary": {"errors", "warnings", "infos", "files"}}`

use std::borrow::Cow;

use rayon::prelude::*;
use serde::Serialize;

use crate::diag::{Diagnostic, Severity};
use crate::rules;
use crate::source::SourceDb;

pub const SCHEMA_VERSION: u32 = 1;

/// One finding as the contract spells it, borrowing from the diagnostic.
#[derive(Serialize)]
pub struct Finding<'a> {
    code: Option<&'static str>,
    name: Option<&'static str>,
    severity: Severity,
    message: &'a str,
    file: Option<Cow<'a, str>>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    entity: Option<&'a str>,
    help: Option<&'a str>,
    notes: &'a [String],
    related: Vec<Related<'a>>,
    data: &'a serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct Related<'a> {
    file: Cow<'a, str>,
    line: usize,
    column: usize,
    message: &'a str,
}

pub fn finding<'a>(db: &'a SourceDb, d: &'a Diagnostic) -> Finding<'a> {
    let mut f = Finding {
        code: d.code,
        name: d.code.and_then(rules::meta).map(|m| m.name),
        severity: d.severity,
        message: &d.message,
        file: None,
        line: None,
        column: None,
        end_line: None,
        end_column: None,
        entity: d.entity.as_deref(),
        help: d.help.as_deref(),
        notes: &d.notes,
        related: Vec::new(),
        data: &d.data,
    };
    if let Some(span) = d.primary {
        let file = db.file(span.file);
        let (line, column) = file.line_col(span.start as usize);
        let (end_line, end_column) = file.line_col(span.end as usize);
        f.file = Some(file.path.to_string_lossy());
        (f.line, f.column) = (Some(line), Some(column));
        (f.end_line, f.end_column) = (Some(end_line), Some(end_column));
    }
    f.related = d
        .related
        .iter()
        .map(|(span, message)| {
            let file = db.file(span.file);
            let (line, column) = file.line_col(span.start as usize);
            Related {
                file: file.path.to_string_lossy(),
                line,
                column,
                message,
            }
        })
        .collect();
    f
}

/// Pretty JSON of `items` as the elements of an array nested `depth` levels
/// deep in a pretty-printed document: `[` through `]` without the leading
/// indentation. Elements are rendered in parallel; JSON strings hold no raw
/// newline, so re-indenting after each newline is exact.
pub fn pretty_array<T: Serialize + Sync>(items: &[T], depth: usize) -> String {
    if items.is_empty() {
        return "[]".to_string();
    }
    let indent = "  ".repeat(depth + 1);
    let parts: Vec<String> = items
        .par_iter()
        .with_min_len(256)
        .map(|item| {
            let one = serde_json::to_string_pretty(item).unwrap_or_default();
            let mut out = String::with_capacity(one.len() + one.len() / 4);
            out.push_str(&indent);
            for (i, line) in one.split('\n').enumerate() {
                if i > 0 {
                    out.push('\n');
                    out.push_str(&indent);
                }
                out.push_str(line);
            }
            out
        })
        .collect();
    let mut out = String::with_capacity(parts.iter().map(|p| p.len() + 2).sum::<usize>() + 8);
    out.push_str("[\n");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(part);
    }
    out.push('\n');
    out.push_str(&"  ".repeat(depth));
    out.push(']');
    out
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
            findings.push((db, d));
        }
    }
    let findings: Vec<Finding> = findings
        .par_iter()
        .with_min_len(256)
        .map(|&(db, d)| finding(db, d))
        .collect();
    format!(
        "{{\n  \"version\": {SCHEMA_VERSION},\n  \"findings\": {},\n  \"summary\": {{\n    \"errors\": {errors},\n    \"warnings\": {warnings},\n    \"infos\": {infos},\n    \"files\": {files}\n  }}\n}}\n",
        pretty_array(&findings, 1)
    )
}
