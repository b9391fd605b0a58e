//! HAProxy configuration syntax: lexer, section parser, keyword checks.

pub mod ast;
pub mod cond;
pub mod keywords;
pub mod lexer;
pub mod parser;
pub mod validate;

pub use ast::{Config, Line, Section, SectionKind};
pub use parser::{ParseOptions, Piece};

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceDb, Span};

/// Parses files in order, as `haproxy -f a -f b` reads them: each file
/// starts outside any section, and all their sections form one config.
pub fn parse<'a>(
    db: &'a SourceDb,
    files: &[FileId],
    opts: &ParseOptions,
) -> (Config<'a>, Vec<Diagnostic>) {
    let mut sections = Vec::new();
    let mut checked = Vec::new();
    let (uncertain, mut diags) = parse_each(db, files, opts, &mut |s| {
        validate::check_section(&s, opts.version, &mut checked);
        sections.push(s);
    });
    diags.append(&mut checked);
    let config = Config {
        sections,
        uncertain,
    };
    (config, diags)
}

/// As [`parse`], handing each section to `emit` as soon as it is complete
/// instead of building the tree, and leaving its keyword checks
/// ([`validate::check_section`]) to the receiver, which may run them on
/// another thread. Returns the undecided `.if` conditions and the
/// diagnostics.
pub fn parse_each<'a>(
    db: &'a SourceDb,
    files: &[FileId],
    opts: &ParseOptions,
    emit: &mut dyn FnMut(Section<'a>),
) -> (Vec<(Span, String)>, Vec<Diagnostic>) {
    let whole = files.iter().map(|&f| (f, Piece::whole(db.text(f).len())));
    let read = parse_pieces(db, whole, opts, emit);
    (read.uncertain, read.diags)
}

/// What [`parse_pieces`] found besides the sections.
#[derive(Debug, Default)]
pub struct PiecesRead {
    /// `.if` conditions that could not be decided.
    pub uncertain: Vec<(Span, String)>,
    pub diags: Vec<Diagnostic>,
    /// The last piece ended inside an `.if` block: when it ended before
    /// its file did, the file cannot be read in pieces there.
    pub open_if_at_end: bool,
}

/// As [`parse_each`], reading the given pieces of files in order.
pub fn parse_pieces<'a>(
    db: &'a SourceDb,
    pieces: impl IntoIterator<Item = (FileId, Piece)>,
    opts: &ParseOptions,
    emit: &mut dyn FnMut(Section<'a>),
) -> PiecesRead {
    let mut read = PiecesRead::default();
    for piece in pieces {
        read.open_if_at_end =
            parser::parse_file(db, piece, opts, emit, &mut read.uncertain, &mut read.diags);
    }
    read
}
