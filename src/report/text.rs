//! Diagnostics for terminals: rustc-style snippets with carets, rendered by
//! `annotate-snippets`, in colour only when asked.

use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::diag::{Diagnostic, Severity};
use crate::source::{FileId, SourceDb, Span};

/// Lines of context shown around the highlighted span.
const CONTEXT_LINES: usize = 0;

/// Renders one diagnostic, `color` for ANSI styling.
pub fn render(db: &SourceDb, diag: &Diagnostic, color: bool) -> String {
    let level = match diag.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    };
    let mut title = level.primary_title(diag.message());
    if let Some(code) = diag.code {
        title = title.id(code);
    }
    let mut group = Group::with_title(title);
    let mut spans: Vec<(Span, Option<&str>, bool)> = Vec::new();
    if let Some(span) = diag.primary {
        spans.push((span, diag.more().label.as_deref(), true));
    }
    for (span, label) in &diag.more().related {
        spans.push((*span, Some(label.as_str()), false));
    }
    let mut files: Vec<FileId> = spans.iter().map(|(s, _, _)| s.file).collect();
    files.dedup();
    for file in files {
        let in_file: Vec<_> = spans.iter().filter(|(s, _, _)| s.file == file).collect();
        let (window, first_line) = window(db, file, in_file.iter().map(|(s, _, _)| *s));
        let text = &db.text(file)[window.clone()];
        let path = db.file(file).path.display().to_string();
        let mut snippet = Snippet::source(text)
            .line_start(first_line)
            .path(path)
            .fold(true);
        for (span, label, primary) in in_file {
            let kind = if *primary {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            let start = floor_char(
                text,
                (span.start as usize).clamp(window.start, window.end) - window.start,
            );
            let end = ceil_char(
                text,
                (span.end as usize).clamp(window.start, window.end) - window.start,
            );
            let mut annotation = kind.span(start..end.max(start));
            if let Some(label) = label {
                annotation = annotation.label(*label);
            }
            snippet = snippet.annotation(annotation);
        }
        group = group.element(snippet);
    }
    if let Some(help) = diag.help_text() {
        group = group.element(Level::HELP.message(help));
    }
    for note in &diag.more().notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.render(&[group])
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The whole lines around some spans of one file, and the first line's number.
fn window(db: &SourceDb, file: FileId, spans: impl Iterator<Item = Span>) -> (Range<usize>, usize) {
    let f = db.file(file);
    let index = f.line_index();
    let (mut lo, mut hi) = (usize::MAX, 0);
    for s in spans {
        lo = lo.min(f.line_col(s.start as usize).0);
        hi = hi.max(f.line_col(s.end as usize).0);
    }
    let lo = lo.saturating_sub(CONTEXT_LINES).max(1);
    let start = index.line_range(f.text(), lo).start;
    let end = index.line_range(f.text(), hi).end;
    (start..end, lo)
}

/// `N errors, N warnings` for the end of a run.
pub fn summary(diags: &[Diagnostic]) -> String {
    let count = |s| diags.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}, {}",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Info), "note")
    )
}
