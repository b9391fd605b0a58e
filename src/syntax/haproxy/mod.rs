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
use crate::source::{FileId, SourceDb};

/// Parses files in order, as `haproxy -f a -f b` reads them: each file
/// starts outside any section, and all their sections form one config.
pub fn parse<'a>(
    db: &'a SourceDb,
    files: &[FileId],
    opts: &ParseOptions,
) -> (Config<'a>, Vec<Diagnostic>) {
    let mut config = Config::default();
    let mut diags = Vec::new();
    for &file in files {
        let f = db.file(file);
        let name = f.path.to_string_lossy();
        parser::parse_file(file, &name, &f.text, opts, &mut config, &mut diags);
    }
    validate::check(&config, opts.version, &mut diags);
    (config, diags)
}
