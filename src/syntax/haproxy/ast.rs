//! The HAProxy syntax tree: files cut into sections, sections into lines of
//! words. Every word borrows from (or was unescaped out of) the source text
//! and keeps its byte range, so every later stage can point back at it.

use super::lexer::Word;
use crate::source::{FileId, Span};
use crate::version::Version;

/// What a section header opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SectionKind {
    Global,
    Defaults,
    Frontend,
    Backend,
    Listen,
    /// A section lbcheck keeps but does not interpret (`resolvers`, `peers`, ...).
    Other(&'static str),
}

impl SectionKind {
    /// Every other section keyword HAProxy registers, with the first version
    /// that knows it and the first that no longer does.
    pub const OTHER: &'static [(&'static str, Version, Option<Version>)] = &[
        ("acme", Version::new(3, 2), None),
        ("cache", Version::new(1, 8), None),
        ("crt-store", Version::new(3, 0), None),
        ("fcgi-app", Version::new(2, 2), None),
        ("healthcheck", Version::new(3, 4), None),
        ("http-errors", Version::new(2, 2), None),
        ("log-forward", Version::new(2, 4), None),
        ("log-profile", Version::new(3, 1), None),
        ("mailers", Version::new(1, 6), None),
        ("namespace_list", Version::new(1, 6), None),
        ("peers", Version::new(1, 5), None),
        ("program", Version::new(1, 9), Some(Version::new(3, 3))),
        ("resolvers", Version::new(1, 6), None),
        ("ring", Version::new(2, 2), None),
        ("traces", Version::new(3, 1), None),
        ("userlist", Version::new(1, 4), None),
    ];

    /// The section a keyword opens in HAProxy `version`, if any.
    pub fn from_keyword(word: &str, version: Version) -> Option<SectionKind> {
        Some(match word {
            "global" => SectionKind::Global,
            "defaults" => SectionKind::Defaults,
            "frontend" => SectionKind::Frontend,
            "backend" => SectionKind::Backend,
            "listen" => SectionKind::Listen,
            other => {
                let (name, since, until) =
                    SectionKind::OTHER.iter().find(|(k, _, _)| *k == other)?;
                if version < *since || until.is_some_and(|u| version >= u) {
                    return None;
                }
                SectionKind::Other(name)
            }
        })
    }

    pub fn keyword(self) -> &'static str {
        match self {
            SectionKind::Global => "global",
            SectionKind::Defaults => "defaults",
            SectionKind::Frontend => "frontend",
            SectionKind::Backend => "backend",
            SectionKind::Listen => "listen",
            SectionKind::Other(k) => k,
        }
    }

    pub fn is_proxy(self) -> bool {
        matches!(
            self,
            SectionKind::Defaults
                | SectionKind::Frontend
                | SectionKind::Backend
                | SectionKind::Listen
        )
    }
}

/// One non-empty line of a section.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    pub file: FileId,
    pub words: Vec<Word<'a>>,
    /// Inside an `.if` branch whose condition could not be decided.
    pub uncertain: bool,
}

impl<'a> Line<'a> {
    pub fn keyword(&self) -> &str {
        self.words.first().map_or("", |w| w.as_str())
    }

    pub fn word(&self, i: usize) -> Option<&str> {
        self.words.get(i).map(|w| w.as_str())
    }

    pub fn span(&self) -> Span {
        let start = self.words.first().map_or(0, |w| w.start);
        let end = self.words.last().map_or(0, |w| w.end());
        Span {
            file: self.file,
            start,
            end,
        }
    }

    pub fn word_span(&self, i: usize) -> Span {
        let w = self.words.get(i).or(self.words.last());
        Span {
            file: self.file,
            start: w.map_or(0, |w| w.start),
            end: w.map_or(0, |w| w.end()),
        }
    }
}

/// A section: its header line and the lines under it.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    pub kind: SectionKind,
    pub header: Line<'a>,
    pub lines: Vec<Line<'a>>,
}

impl Section<'_> {
    /// The section's name (`frontend NAME`), if it has one.
    pub fn name(&self) -> Option<&str> {
        self.header.word(1)
    }

    /// `from NAME` on a proxy header: the named defaults it inherits.
    pub fn from_defaults(&self) -> Option<&str> {
        let w = &self.header.words;
        w.iter()
            .position(|w| w.as_str() == "from")
            .filter(|&i| i >= 1)
            .and_then(|i| w.get(i + 1))
            .map(|w| w.as_str())
    }
}

/// Every section of every file, in the order HAProxy reads them.
#[derive(Debug, Clone, Default)]
pub struct Config<'a> {
    pub sections: Vec<Section<'a>>,
    /// `.if` conditions that could not be decided: where, and on what they depend.
    pub uncertain: Vec<(Span, String)>,
}
