//! A Markdown comment that always fits where it is posted. GitHub refuses a
//! pull-request comment over 65,536 characters, so a bot posting a large
//! config's report as is would post nothing. Lists are cut at what fits,
//! with how many were left out, and each piece of config text is cut to a
//! readable length before it is escaped.

use std::fmt::Write;

use crate::report::diff_markdown::escape;

/// GitHub's limit on a comment's body, in characters (counted here in
/// bytes, which are never fewer).
pub const COMMENT_LIMIT: usize = 65_536;

/// Room kept for what must follow a cut: the "…and N more" lines, closing
/// tags and the closing note.
const RESERVE: usize = 1_024;

/// Characters of config text shown in a table cell (a name, a path).
const TEXT_SHOWN: usize = 200;

/// Characters shown of a whole line (a finding, a change with its places).
const LINE_SHOWN: usize = 1_000;

/// A comment being written, within [`COMMENT_LIMIT`].
pub struct Comment {
    out: String,
    cut: bool,
}

impl Comment {
    pub fn new(heading: &str) -> Comment {
        Comment {
            out: heading.to_string(),
            cut: false,
        }
    }

    /// Appends `text` if it fits (keeping the reserve); says whether it did.
    pub fn push(&mut self, text: &str) -> bool {
        let fits = self.out.len() + text.len() + RESERVE <= COMMENT_LIMIT;
        if fits {
            self.out.push_str(text);
        } else {
            self.cut = true;
        }
        fits
    }

    /// Appends text that closes what was opened (a `</details>`): always.
    pub fn close(&mut self, text: &str) {
        self.out.push_str(text);
    }

    /// Appends one line per item, at most `shown` and while they fit, then
    /// says how many were left out. The cap keeps room for the sections
    /// after a long list.
    pub fn list<T>(&mut self, items: &[T], shown: usize, mut line: impl FnMut(&T) -> String) {
        for (i, item) in items.iter().enumerate() {
            if i == shown || !self.push(&line(item)) {
                let _ = writeln!(self.out, "\n…and {} more.", items.len() - i);
                return;
            }
        }
    }

    /// The comment, with a closing note when anything was cut.
    pub fn finish(mut self, full_report: &str) -> String {
        if self.cut {
            let _ = writeln!(
                self.out,
                "\n_Cut to fit a comment's {COMMENT_LIMIT} characters: `{full_report}` has everything._"
            );
        }
        self.out
    }
}

/// Config text for a table cell: escaped, and cut to [`TEXT_SHOWN`]
/// characters.
pub fn text(text: &str) -> String {
    cut(text, TEXT_SHOWN)
}

/// A whole line of prose about the config: escaped, and cut to
/// [`LINE_SHOWN`] characters.
pub fn line(text: &str) -> String {
    cut(text, LINE_SHOWN)
}

fn cut(text: &str, shown: usize) -> String {
    match text.char_indices().nth(shown) {
        Some((end, _)) => escape(&text[..end]) + "…",
        None => escape(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_stops_where_the_comment_is_full_and_says_what_is_left() {
        let mut c = Comment::new("# t\n");
        let items: Vec<usize> = (0..10_000).collect();
        c.list(&items, usize::MAX, |i| format!("- item {i}\n"));
        c.close("</details>\n");
        let out = c.finish("lbcheck diff --format json");
        assert!(out.len() <= COMMENT_LIMIT, "{}", out.len());
        let shown = out.matches("- item ").count();
        assert!(shown > 1_000 && shown < 10_000);
        assert!(out.contains(&format!("…and {} more.", 10_000 - shown)));
        assert!(out.ends_with("has everything._\n"));
        assert!(out.contains("</details>"));
    }

    #[test]
    fn a_capped_list_says_what_is_left() {
        let mut c = Comment::new("");
        c.list(&[1, 2, 3], 2, |i| format!("- {i}\n"));
        assert_eq!(c.finish("x"), "- 1\n- 2\n\n…and 1 more.\n");
    }

    #[test]
    fn long_config_text_is_cut_before_it_is_escaped() {
        let long = "|".repeat(5_000);
        let shown = text(&long);
        assert_eq!(shown, "\\|".repeat(TEXT_SHOWN) + "…");
        assert_eq!(text("a|b"), "a\\|b");
        assert_eq!(line(&long), "\\|".repeat(LINE_SHOWN) + "…");
        // Cut on a character, not inside one.
        assert_eq!(
            text(&"é".repeat(TEXT_SHOWN + 1)),
            "é".repeat(TEXT_SHOWN) + "…"
        );
    }
}
