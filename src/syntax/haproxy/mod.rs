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
    let (uncertain, diags) = parse_each(db, files, opts, &mut |s| sections.push(s));
    let config = Config {
        sections,
        uncertain,
    };
    (config, diags)
}

/// As [`parse`], handing each section (keyword-checked) to `emit` as soon
/// as it is complete instead of building the tree. Returns the undecided
/// `.if` conditions and the diagnostics.
pub fn parse_each<'a>(
    db: &'a SourceDb,
    files: &[FileId],
    opts: &ParseOptions,
    emit: &mut dyn FnMut(Section<'a>),
) -> (Vec<(Span, String)>, Vec<Diagnostic>) {
    let mut uncertain = Vec::new();
    let mut diags = Vec::new();
    let mut checked = Vec::new();
    for &file in files {
        let f = db.file(file);
        let name = f.path.to_string_lossy();
        let mut check_and_emit = |section: Section<'a>| {
            validate::check_section(&section, opts.version, &mut checked);
            emit(section);
        };
        parser::parse_file(
            file,
            &name,
            &f.text,
            opts,
            &mut check_and_emit,
            &mut uncertain,
            &mut diags,
        );
    }
    diags.append(&mut checked);
    (uncertain, diags)
}
