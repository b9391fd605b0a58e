//! Format parsers. Each turns source text into a syntax tree that borrows
//! from it and keeps byte spans.

pub mod haproxy;
pub mod nginx;
pub mod word;

pub use word::Word;
