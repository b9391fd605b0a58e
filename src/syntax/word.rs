//! A word of a config, as both formats' lexers produce it.

use std::borrow::Cow;

use crate::source::{FileId, Span};

/// One word with its byte range in its file. Borrowed from the source unless
/// quoting or escaping changed its text. 32 bytes: a large nginx config's
/// tree holds millions of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: Cow<'a, str>,
    pub start: u32,
    /// The end offset, and in its top bit whether the word refers to an
    /// environment variable that was left unresolved (HAProxy). Files are
    /// far smaller than 2 GiB (see [`crate::source::MAX_FILE_BYTES`]).
    end_and_env: u32,
}

const ENV_BIT: u32 = 1 << 31;

impl<'a> Word<'a> {
    pub fn new(text: Cow<'a, str>, start: u32, end: u32) -> Word<'a> {
        Word {
            text,
            start,
            end_and_env: end & !ENV_BIT,
        }
    }

    /// The same word, marked as holding an unresolved environment variable.
    pub fn with_env(mut self, env: bool) -> Word<'a> {
        if env {
            self.end_and_env |= ENV_BIT;
        }
        self
    }

    pub fn end(&self) -> u32 {
        self.end_and_env & !ENV_BIT
    }

    /// HAProxy: it refers to an environment variable that was left unresolved.
    pub fn env(&self) -> bool {
        self.end_and_env & ENV_BIT != 0
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn span(&self, file: FileId) -> Span {
        Span {
            file,
            start: self.start,
            end: self.end(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Word;

    #[test]
    fn the_env_mark_leaves_the_offsets_alone() {
        let w = Word::new("x".into(), 7, (1 << 28) + 3);
        assert!(!w.env());
        let w = w.with_env(true);
        assert!(w.env());
        assert_eq!((w.start, w.end()), (7, (1 << 28) + 3));
        assert_eq!(std::mem::size_of::<Word>(), 32);
    }
}
