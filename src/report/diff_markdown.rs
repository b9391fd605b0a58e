//! `lbcheck diff --format markdown`: a pull-request comment, posted as is. A
//! short summary, tables, details folded in `<details>`. Every piece of text
//! that comes from a config is escaped, so a name holding `|`, backticks,
//! `<`, `*` or a newline cannot break the comment's markup.

use crate::diff::DiffReport;
use crate::report::comment::{Comment, line, text};
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

/// The comment, cut to fit one (see [`Comment`]).
pub fn render(report: &DiffReport) -> String {
    let mut out = Comment::new("### lbcheck: what this change does\n\n");
    out.list(&report.risks, ROWS_SHOWN, |r| format!("- {}\n", line(r)));
    if !report.shares.is_empty()
        && out.push("\n#### Traffic shift\n\n| backend | server | before | after | shift |\n|---|---|---:|---:|---:|\n")
    {
        out.list(&report.shares, ROWS_SHOWN, |s| {
            format!(
                "| {} | {} | {:.1}% | {:.1}% | {:+.1} pp |\n",
                text(&s.backend),
                text(&s.server),
                s.before * 100.0,
                s.after * 100.0,
                s.shift_pp()
            )
        });
    }
    if !report.routes.is_empty()
        && out.push(&format!(
            "\n#### Routing\n\n{} of {} probe requests go elsewhere.\n\n| host | path | port | before | after |\n|---|---|---:|---|---|\n",
            report.routes.len(),
            report.probes_evaluated
        ))
    {
        out.list(&report.routes, ROUTES_SHOWN, |r| {
            format!(
                "| {} | {} | {} | {} | {} |\n",
                text(&r.probe.host),
                text(&r.probe.path),
                r.probe.port,
                text(&r.before),
                text(&r.after)
            )
        });
    }
    if !report.capacity.is_empty()
        && out.push("\n#### Capacity\n\n| entity | before | after | N-1 before | N-1 after |\n|---|---:|---:|---:|---:|\n")
    {
        let n = super::connections;
        out.list(&report.capacity, ROWS_SHOWN, |c| {
            format!(
                "| {} | {} | {} | {} | {} |\n",
                text(&c.entity),
                n(c.before),
                n(c.after),
                n(c.before_n_minus_1),
                n(c.after_n_minus_1)
            )
        });
    }
    let f = &report.findings;
    out.push(&format!(
        "\n#### Findings\n\n{} introduced, {} fixed, {} unchanged.\n\n",
        f.introduced.len(),
        f.fixed.len(),
        f.unchanged.len()
    ));
    for (title, list) in [("Introduced", &f.introduced), ("Fixed", &f.fixed)] {
        let open = format!("<details><summary>{title} ({})</summary>\n\n", list.len());
        if list.is_empty() || !out.push(&open) {
            continue;
        }
        out.list(list, ROWS_SHOWN, |d| {
            format!(
                "- **{}** {}: {}\n",
                d.severity.as_str(),
                text(d.code.unwrap_or("")),
                line(d.message())
            )
        });
        out.close("\n</details>\n");
    }
    let open = format!(
        "\n<details><summary>All changes ({})</summary>\n\n",
        report.changes.len()
    );
    if !report.changes.is_empty() && out.push(&open) {
        out.list(&report.changes, ROWS_SHOWN, |c| {
            format!("- {}\n", line(&change_line(c)))
        });
        out.close("\n</details>\n");
    }
    out.finish("lbcheck diff --format json")
}

/// Rows of the routing table: a sample of the probes that moved.
const ROUTES_SHOWN: usize = 50;

/// Lines of any other list, so that every section has room in the comment.
const ROWS_SHOWN: usize = 100;

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
