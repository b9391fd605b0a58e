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

/// The suppressions written in a run's files, found by the line they apply
/// to, with the findings about malformed ones.
#[derive(Debug, Default)]
pub struct Suppressions {
    list: Vec<Suppression>,
    /// The first suppression (index into `list`) of each file, line it
    /// covers (`None`: the whole file) and rule code, so that applying them
    /// stays linear however many there are.
    first: foldhash::HashMap<(FileId, Option<usize>, &'static str), usize>,
    malformed: Vec<Diagnostic>,
}

impl Suppressions {
    /// Reads the suppressions of every file in `db`; malformed ones are kept
    /// as findings to report.
    pub fn collect(db: &SourceDb) -> Suppressions {
        let mut malformed = Vec::new();
        let list = read(db, &mut malformed);
        let mut first = foldhash::HashMap::default();
        for (i, s) in list.iter().enumerate() {
            // A code no rule has suppresses nothing (and is reported unused).
            let codes = s.codes.iter().filter_map(|c| crate::rules::meta(c));
            for code in codes.map(|m| m.code) {
                match s.lines {
                    Some((a, b)) => {
                        first.entry((s.file, Some(a), code)).or_insert(i);
                        first.entry((s.file, Some(b), code)).or_insert(i);
                    }
                    None => {
                        first.entry((s.file, None, code)).or_insert(i);
                    }
                }
            }
        }
        Suppressions {
            list,
            first,
            malformed,
        }
    }

    /// The first suppression (in file order) of `code` at `span`'s line.
    fn find(&self, db: &SourceDb, code: &'static str, span: Span) -> Option<usize> {
        let (_, line, _) = db.start(span);
        let on_line = self.first.get(&(span.file, Some(line), code));
        let in_file = self.first.get(&(span.file, None, code));
        on_line.into_iter().chain(in_file).copied().min()
    }

    /// Removes suppressed findings and reports unused and malformed
    /// suppressions.
    pub fn apply(mut self, db: &SourceDb, findings: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let mut out = std::mem::take(&mut self.malformed);
        if self.list.is_empty() {
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
            match self.find(db, code, span) {
                Some(i) => self.list[i].used = true,
                None => out.push(d),
            }
        }
        for s in self.list.iter().filter(|s| !s.used) {
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
}

/// Reads the suppressions of every file in `db`, in file order; malformed
/// ones are reported.
fn read(db: &SourceDb, out: &mut Vec<Diagnostic>) -> Vec<Suppression> {
    let mut found = Vec::new();
    for (file, f) in db.files() {
        if !f.text().contains("lbcheck:") {
            continue;
        }
        let mut offset = 0;
        for (i, line) in f.text().split_inclusive('\n').enumerate() {
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
    Suppressions::collect(db).apply(db, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding of `code` on 1-based `line` of `text` (file 0).
    fn at_line(db: &SourceDb, code: &str, line: usize) -> Diagnostic {
        let file = FileId::new(0);
        let start = db
            .file(file)
            .line_index()
            .line_range(db.text(file), line)
            .start;
        finding(crate::rules::meta(code).unwrap(), "x").at(Span::new(file, start..start + 1))
    }

    #[test]
    fn the_first_suppression_in_file_order_takes_a_finding() {
        let mut db = SourceDb::new();
        db.add(
            "t.cfg",
            "# lbcheck: ignore-file LB301 -- whole file\n\
             a\n\
             # lbcheck: ignore LB301,LB204 -- here\n\
             b\n\
             # lbcheck: ignore LB999 -- no such rule\n\
             # lbcheck: ignore LB204 -- a second one\n\
             c\n"
            .to_string(),
        );
        let findings = vec![
            at_line(&db, "LB301", 4),
            at_line(&db, "LB204", 4),
            at_line(&db, "LB204", 7),
            at_line(&db, "LB303", 4),
        ];
        let out = apply(&db, findings);
        let left: Vec<_> = out
            .iter()
            .map(|d| (d.code.unwrap(), db.start(d.primary.unwrap()).1))
            .collect();
        // LB301 went to the whole-file suppression (first in the file), both
        // LB204 to the line ones; LB303 stays; LB999 names no rule.
        assert_eq!(left, [("LB303", 4), ("LB001", 5)]);
    }
}
