//! Inline suppressions, written in the configs' own comments:
//! `# lbcheck: ignore LB301 -- reason` on a finding's line or the line above,
//! and `# lbcheck: ignore-file LB102 -- reason` for a whole file. A reason is
//! required; a suppression that is unused or has no reason is reported
//! itself (LB001).

use crate::diag::Diagnostic;
use crate::rules::{finding, hygiene::unused_suppression};
use crate::source::{FileId, SourceDb, Span};

#[derive(Debug)]
struct Suppression {
    file: FileId,
    /// 1-based line it applies to (`None`: the whole file).
    lines: Option<(usize, usize)>,
    codes: Vec<String>,
    span: Span,
    used: bool,
}

/// Reads the suppressions of every file in `db`; malformed ones are reported.
fn collect(db: &SourceDb, out: &mut Vec<Diagnostic>) -> Vec<Suppression> {
    let mut found = Vec::new();
    for (file, f) in db.files() {
        if !f.text.contains("lbcheck:") {
            continue;
        }
        let mut offset = 0;
        for (i, line) in f.text.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += line.len();
            let Some(at) = line.find("lbcheck:") else {
                continue;
            };
            if !line[..at].contains('#') {
                continue;
            }
            let rest = line[at + "lbcheck:".len()..].trim_end();
            let (directive, reason) = match rest.split_once("--") {
                Some((d, r)) => (d.trim(), r.trim()),
                None => (rest.trim(), ""),
            };
            let mut words = directive.split_whitespace();
            let whole_file = match words.next() {
                Some("ignore") => false,
                Some("ignore-file") => true,
                _ => continue,
            };
            let codes: Vec<String> = words
                .flat_map(|w| w.split(','))
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            let span = Span::new(file, start + at..start + line.trim_end().len());
            if codes.is_empty() || reason.is_empty() {
                let what = if codes.is_empty() {
                    "names no code"
                } else {
                    "gives no reason after '--'"
                };
                out.push(
                    finding(
                        unused_suppression::META,
                        format!("this suppression {what}, so it is not honoured"),
                    )
                    .at(span)
                    .help("write '# lbcheck: ignore LB301 -- why this is fine'"),
                );
                continue;
            }
            let line_no = i + 1;
            found.push(Suppression {
                file,
                // On the finding's line, or the line above it.
                lines: (!whole_file).then_some((line_no, line_no + 1)),
                codes,
                span,
                used: false,
            });
        }
    }
    found
}

/// Removes suppressed findings and reports unused suppressions.
pub fn apply(db: &SourceDb, findings: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut suppressions = collect(db, &mut out);
    if suppressions.is_empty() {
        // Usually there is nothing to add either: the list goes back as is.
        if out.is_empty() {
            return findings;
        }
        out.extend(findings);
        return out;
    }
    for d in findings {
        let (Some(code), Some(span)) = (d.code, d.primary) else {
            out.push(d);
            continue;
        };
        let (_, line, _) = db.start(span);
        let hit = suppressions.iter_mut().find(|s| {
            s.file == span.file
                && s.codes.iter().any(|c| c == code)
                && s.lines.is_none_or(|(a, b)| line == a || line == b)
        });
        match hit {
            Some(s) => s.used = true,
            None => out.push(d),
        }
    }
    for s in suppressions.iter().filter(|s| !s.used) {
        out.push(
            finding(
                unused_suppression::META,
                format!(
                    "this suppression of {} suppresses nothing",
                    s.codes.join(", ")
                ),
            )
            .at(s.span)
            .help("remove it"),
        );
    }
    out
}
