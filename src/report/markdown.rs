//! `check --format markdown`: findings as a pull-request comment, every piece
//! of config text escaped.

use std::fmt::Write;

use crate::diag::Severity;
use crate::report::diff_markdown::escape;
use crate::report::findings::{FindingSet, flatten, position};

pub fn render(sets: &[FindingSet]) -> String {
    let all = flatten(sets);
    let count = |sev| all.iter().filter(|(_, d)| d.severity == sev).count();
    let mut out = format!(
        "### lbcheck: {} error(s), {} warning(s), {} note(s)\n\n",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    if all.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    out.push_str("| severity | code | where | finding |\n|---|---|---|---|\n");
    for (db, d) in all {
        let at = position(db, d).map_or(String::new(), |p| format!("{}:{}", p.path, p.line));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            d.severity.as_str(),
            escape(d.code.unwrap_or("syntax")),
            escape(&at),
            escape(&d.message)
        );
    }
    out
}
