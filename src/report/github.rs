//! GitHub Actions workflow commands: `::error file=..,line=..,col=..,title=LB201::message`,
//! one per finding, escaped by GitHub's rules so a config's text can never
//! end the command or start another.

use crate::diag::{Diagnostic, Severity};
use crate::report::findings::{FindingSet, flatten, position};
use crate::report::stream::write_rendered;
use crate::source::SourceDb;

/// Escapes a command's message (`%`, CR, LF).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (also `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One command per finding, streamed.
pub fn write(w: &mut impl std::io::Write, sets: &[FindingSet]) -> std::io::Result<()> {
    write_rendered(w, &flatten(sets), |_, &(db, d), out| {
        out.extend_from_slice(command(db, d).as_bytes());
    })
}

/// The workflow command for one finding, with its line end.
fn command(db: &SourceDb, d: &Diagnostic) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut props = Vec::new();
    if let Some(p) = position(db, d) {
        props.push(format!("file={}", escape_property(&p.path)));
        props.push(format!("line={}", p.line));
        props.push(format!("col={}", p.column));
        props.push(format!("endLine={}", p.end_line));
        props.push(format!("endColumn={}", p.end_column));
    }
    let title = match d.code.and_then(crate::rules::meta) {
        Some(m) => format!("{} {}", m.code, m.name),
        None => "lbcheck".to_string(),
    };
    props.push(format!("title={}", escape_property(&title)));
    let mut message = d.message().to_string();
    if let Some(help) = d.help_text() {
        message.push_str(&format!("\nhelp: {help}"));
    }
    format!(
        "::{command} {}::{}\n",
        props.join(","),
        escape_data(&message)
    )
}
