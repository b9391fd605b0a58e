//! `check --format markdown`: findings as a pull-request comment, every piece
//! of config text escaped.

use crate::diag::Severity;
use crate::report::comment::{Comment, line, text};
use crate::report::findings::{FindingSet, flatten, position};

/// The comment, cut to fit one (see [`Comment`]).
pub fn render(sets: &[FindingSet]) -> String {
    let all = flatten(sets);
    let count = |sev| all.iter().filter(|(_, d)| d.severity == sev).count();
    let mut out = Comment::new(&format!(
        "### lbcheck: {} error(s), {} warning(s), {} note(s)\n\n",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    ));
    if all.is_empty() {
        out.push("No findings.\n");
        return out.finish("lbcheck check --format json");
    }
    out.push("| severity | code | where | finding |\n|---|---|---|---|\n");
    // Errors first, then warnings and notes, each in file order: what a
    // comment cut to fit leaves out is the least severe.
    let mut all = all;
    all.sort_by_key(|(_, d)| std::cmp::Reverse(d.severity));
    out.list(&all, usize::MAX, |(db, d)| {
        let at = position(db, d).map_or(String::new(), |p| format!("{}:{}", p.path, p.line));
        format!(
            "| {} | {} | {} | {} |\n",
            d.severity.as_str(),
            text(d.code.unwrap_or("syntax")),
            line(&at),
            line(d.message())
        )
    });
    out.finish("lbcheck check --format json")
}
