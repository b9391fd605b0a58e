//! nginx configuration syntax: lexer, include resolution, directive tree.
//!
//! Two phases, so the tree can borrow every file's text: [`include::resolve`]
//! loads everything the main files include (needs the database mutably),
//! then [`parser::parse`] builds the tree over the loaded texts (or
//! [`parser::parse_handing_over`], which hands the upstreams over as read).

pub mod ast;
pub mod directives;
pub mod include;
pub mod lexer;
pub mod parser;
pub mod regexes;

pub use ast::{Context, Directive};
pub use include::{IncludeMap, IncludeOptions};
