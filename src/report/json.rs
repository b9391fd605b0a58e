//! `--format json` for findings: a versioned, documented contract.
//!
//! `{"version": 1, "findings": [{"code", "name", "severity", "message",
//! "file", "line", "column", "end_line", "end_column", "entity", "help",
//! "notes", "related": [{"file", "line", "column", "message"}], "data"}],
//! "summary": {"errors", "warnings", "infos", "files"}}`

use std::borrow::Cow;
use std::io::Write;

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
    data: Data<'a>,
}

/// A finding's numbers as a JSON object, keys in the order they were set.
struct Data<'a>(&'a [(&'static str, crate::diag::Datum)]);

impl Serialize for Data<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
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
        data: Data(&d.data),
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
            let (file, line, column) = db.start(*span);
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

/// How many array elements are rendered (in parallel) before being written.
const CHUNK: usize = 4096;

/// Writes `items` as a pretty-printed JSON array nested `depth` levels deep in
/// a pretty-printed document (`[` through `]`, without leading indentation),
/// each element made by `to_json`. Elements are rendered in parallel a chunk
/// at a time and streamed, so the whole text is never held; JSON strings hold
/// no raw newline, so re-indenting after each newline is exact.
pub fn write_array<'a, W, S, T>(
    w: &mut W,
    items: &'a [S],
    depth: usize,
    to_json: impl Fn(&'a S) -> T + Sync,
) -> std::io::Result<()>
where
    W: Write,
    S: Sync,
    T: Serialize,
{
    if items.is_empty() {
        return w.write_all(b"[]");
    }
    let indent = "  ".repeat(depth + 1);
    let render = |item: &'a S| {
        let one = serde_json::to_string_pretty(&to_json(item)).unwrap_or_default();
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
    };
    w.write_all(b"[\n")?;
    for (c, chunk) in items.chunks(CHUNK).enumerate() {
        let parts: Vec<String> = chunk.par_iter().with_min_len(256).map(render).collect();
        for (i, part) in parts.iter().enumerate() {
            if c > 0 || i > 0 {
                w.write_all(b",\n")?;
            }
            w.write_all(part.as_bytes())?;
        }
    }
    write!(w, "\n{}]", "  ".repeat(depth))
}

/// Writes the findings of several configs, each with its own source database.
pub fn write<'a>(
    w: &mut impl Write,
    results: impl Iterator<Item = (&'a SourceDb, &'a [Diagnostic])>,
    files: usize,
) -> std::io::Result<()> {
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
    write!(w, "{{\n  \"version\": {SCHEMA_VERSION},\n  \"findings\": ")?;
    write_array(w, &findings, 1, |&(db, d)| finding(db, d))?;
    writeln!(
        w,
        ",\n  \"summary\": {{\n    \"errors\": {errors},\n    \"warnings\": {warnings},\n    \"infos\": {infos},\n    \"files\": {files}\n  }}\n}}"
    )
}
