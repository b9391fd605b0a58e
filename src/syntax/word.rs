//! A word of a config, as both formats' lexers produce it.

use std::borrow::Cow;

use crate::source::{FileId, Span};

/// One word with its byte range in its file. Borrowed from the source unless
/// quoting or escaping changed its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: Cow<'a, str>,
    pub start: u32,
    pub end: u32,
    /// Some part of the word was quoted (so an empty word is still a word).
    pub quoted: bool,
    /// HAProxy: it refers to an environment variable that was left unresolved.
    pub env: bool,
}

impl Word<'_> {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn span(&self, file: FileId) -> Span {
        Span {
            file,
            start: self.start,
            end: self.end,
        }
    }
}
