//! `lbcheck diff --format markdown`: a pull-request comment, posted as is. A
//! short summary, tables, details folded in `<details>`. Every piece of text
//! that comes from a config is escaped, so a name holding `|`, backticks,
//! `<`, `*` or a newline cannot break the comment's markup.

use std::fmt::Write;

use crate::diff::DiffReport;
use crate::report::diff_text::change_line;

/// Escapes text for Markdown table cells and prose: HTML-significant
/// characters as entities, Markdown punctuation with a backslash, line
/// breaks as spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '~' | '@' | ':' | '$' | '%' | '^' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &DiffReport) -> String {
    let mut out = String::from("### lbcheck: what this change does\n\n");
    for r in &report.risks {
        let _ = writeln!(out, "- {}", escape(r));
    }
    if !report.shares.is_empty() {
        out.push_str("\n#### Traffic shift\n\n| backend | server | before | after | shift |\n|---|---|---:|---:|---:|\n");
        for s in &report.shares {
            let _ = writeln!(
                out,
                "| {} | {} | {:.1}% | {:.1}% | {:+.1} pp |",
                escape(&s.backend),
                escape(&s.server),
                s.before * 100.0,
                s.after * 100.0,
                s.shift_pp()
            );
        }
    }
    if !report.routes.is_empty() {
        let _ = writeln!(
            out,
            "\n#### Routing\n\n{} of {} probe requests go elsewhere.\n\n| host | path | port | before | after |\n|---|---|---:|---|---|",
            report.routes.len(),
            report.probes_evaluated
        );
        for r in report.routes.iter().take(50) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                escape(&r.probe.host),
                escape(&r.probe.path),
                r.probe.port,
                escape(&r.before),
                escape(&r.after)
            );
        }
        if report.routes.len() > 50 {
            let _ = writeln!(out, "\n…and {} more.", report.routes.len() - 50);
        }
    }
    if !report.capacity.is_empty() {
        out.push_str("\n#### Capacity\n\n| entity | before | after | N-1 before | N-1 after |\n|---|---:|---:|---:|---:|\n");
        let n = super::connections;
        for c in &report.capacity {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                escape(&c.entity),
                n(c.before),
                n(c.after),
                n(c.before_n_minus_1),
                n(c.after_n_minus_1)
            );
        }
    }
    let f = &report.findings;
    let _ = writeln!(
        out,
        "\n#### Findings\n\n{} introduced, {} fixed, {} unchanged.\n",
        f.introduced.len(),
        f.fixed.len(),
        f.unchanged.len()
    );
    for (title, list) in [("Introduced", &f.introduced), ("Fixed", &f.fixed)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<details><summary>{title} ({})</summary>\n",
            list.len()
        );
        for d in list.iter() {
            let _ = writeln!(
                out,
                "- **{}** {}: {}",
                d.severity.as_str(),
                escape(d.code.unwrap_or("")),
                escape(&d.message)
            );
        }
        out.push_str("\n</details>\n");
    }
    if !report.changes.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>All changes ({})</summary>\n",
            report.changes.len()
        );
        for c in &report.changes {
            let _ = writeln!(out, "- {}", escape(&change_line(c)));
        }
        out.push_str("\n</details>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_escape_its_cell() {
        let e = escape("a|b`c<script>*x*\n[l](http://e)");
        assert!(!e.contains("<script>"));
        assert!(!e.contains('\n'));
        assert!(e.contains("\\|") && e.contains("\\`") && e.contains("&lt;"));
    }
}
