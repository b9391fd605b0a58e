//! HAProxy configuration syntax: lexer, section parser, keyword checks.

pub mod ast;
pub mod cond;
pub mod keywords;
pub mod lexer;
pub mod parser;
pub mod validate;

pub use ast::{Config, Line, Section, SectionKind};
pub use parser::ParseOptions;

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
    let mut uncertain = Vec::new();
    let mut diags = Vec::new();
    for &file in files {
        let f = db.file(file);
        let name = f.path.to_string_lossy();
        parser::parse_file(
            file,
            &name,
            f.text(),
            opts,
            emit,
            &mut uncertain,
            &mut diags,
        );
    }
    (uncertain, diags)
}
