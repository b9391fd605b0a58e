//! Builds the directive tree from the lexer's statements, splicing included
//! files in place and checking what nginx checks while reading: block
//! structure, and block-versus-simple for the directives whose form is known.
//!
//! Nesting is handled with an explicit stack and bounded, so a hostile file
//! of ten thousand `{` gets an error, not a stack overflow. The upstreams of
//! top-level `http` and `stream` blocks may be handed over as they are read
//! ([`parse_handing_over`]), for lowering beside the parser.

use super::ast::Directive;
use super::include::IncludeMap;
use super::lexer::{Lexer, Terminator};
use super::{directives, regexes};
use crate::diag::Diagnostic;
use crate::source::{FileId, SourceDb, Span};

/// Deepest block nesting accepted.
pub const MAX_NESTING: usize = 100;

/// Directives that always take a block.
const BLOCK_DIRECTIVES: &[&str] = &[
    "events",
    "http",
    "stream",
    "mail",
    "location",
    "upstream",
    "if",
    "limit_except",
    "map",
    "split_clients",
    "geo",
    "types",
    "match",
    "charset_map",
    "js_periodic",
    "zone_sync",
];

/// Directives that never take a block (a common subset; others are not checked).
const SIMPLE_DIRECTIVES: &[&str] = &[
    "listen",
    "server_name",
    "proxy_pass",
    "root",
    "index",
    "return",
    "rewrite",
    "include",
    "worker_processes",
    "worker_connections",
    "keepalive",
    "least_conn",
    "ip_hash",
    "hash",
    "random",
    "proxy_set_header",
    "add_header",
    "set",
    "try_files",
    "alias",
    "error_page",
    "access_log",
    "error_log",
    "grpc_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
    "memcached_pass",
    "zone",
    "ssl_certificate",
    "ssl_certificate_key",
    "default_type",
    "sendfile",
    "keepalive_timeout",
    "user",
    "pid",
    "worker_rlimit_nofile",
];

/// Blocks whose bodies are key/value tables, not directives: a `{` inside
/// one is an error. (The keyword check also skips `match` bodies, see
/// [`directives::is_table_block`]: their entries are conditions, though
/// written like directives.)
const TABLE_BLOCKS: &[&str] = &["map", "split_clients", "geo", "types", "charset_map"];

fn takes_block(name: &str, parent: Option<&str>) -> Option<bool> {
    if name == "server" {
        return Some(parent != Some("upstream"));
    }
    if name.ends_with("_by_lua_block") || BLOCK_DIRECTIVES.contains(&name) {
        return Some(true);
    }
    SIMPLE_DIRECTIVES.contains(&name).then_some(false)
}

struct Frame<'a> {
    header: Option<Directive<'a>>,
    children: Vec<Directive<'a>>,
    /// Within a table block (at any depth): its entries get no keyword check.
    unchecked: bool,
}

/// Takes the `upstream` blocks of top-level `http` and `stream` blocks as
/// soon as each is read: with the ordinal of its top-level block among
/// those (from 0), that block's name, and the upstream itself.
pub type UpstreamSink<'a, 's> = dyn FnMut(usize, &str, Directive<'a>) + 's;

struct Parser<'a, 'o> {
    db: &'a SourceDb,
    includes: &'o IncludeMap,
    diags: &'o mut Vec<Diagnostic>,
    /// Where upstreams are handed over instead of kept in the tree.
    upstreams: Option<&'o mut UpstreamSink<'a, 'o>>,
    /// Top-level `http` and `stream` blocks opened so far.
    top_blocks: usize,
}

impl<'a> Parser<'a, '_> {
    fn error(&mut self, file: FileId, offset: usize, message: impl Into<String>) {
        let text = self.db.text(file);
        let end = text[offset.min(text.len())..]
            .chars()
            .next()
            .map_or(offset, |c| offset + c.len_utf8());
        self.diags
            .push(Diagnostic::error(message).at(Span::new(file, offset..end)));
    }

    /// Parses one file; its top-level directives are returned (`parent` is
    /// the block the file is included into, `level` how many blocks are open
    /// around it).
    fn file(
        &mut self,
        file: FileId,
        parent: Option<&str>,
        unchecked: bool,
        depth: usize,
        level: usize,
    ) -> Vec<Directive<'a>> {
        let text = self.db.text(file);
        let mut lexer = Lexer::new(text);
        let mut stack = vec![Frame {
            header: None,
            children: Vec::new(),
            unchecked,
        }];
        let before = self.diags.len();
        loop {
            let statement = match lexer.next_statement() {
                Ok(s) => s,
                Err(e) => {
                    self.error(file, e.offset as usize, e.message);
                    break;
                }
            };
            match statement.term {
                Terminator::Eof => break,
                Terminator::BlockEnd(at) => {
                    if stack.len() == 1 {
                        self.error(file, at as usize, "unexpected \"}\"");
                        break;
                    }
                    let mut frame = stack.pop().expect("len > 1");
                    let mut header = frame.header.expect("inner frames have a header");
                    // Most blocks hold one to three directives: a pushed list
                    // keeps room for four, which a large config's tree would
                    // hold while it waits to be lowered.
                    frame.children.shrink_to_fit();
                    header.block = Some(frame.children);
                    header.close = Some(at);
                    self.close(header, parent, level, &mut stack);
                }
                Terminator::Semicolon(at) | Terminator::BlockStart(at) => {
                    let is_block = matches!(statement.term, Terminator::BlockStart(_));
                    let directive = Directive {
                        file,
                        words: statement.words,
                        block: None,
                        raw: None,
                        end: at,
                        close: None,
                    };
                    // What the enclosing block makes of this directive; the
                    // names are borrowed, not copied, for each of the statements.
                    let (in_table, form) = {
                        let parent = enclosing(&stack).or(parent);
                        (
                            parent.is_some_and(|p| TABLE_BLOCKS.contains(&p)),
                            takes_block(directive.name(), parent),
                        )
                    };
                    if is_block && in_table {
                        // These bodies are tables read by a custom handler: no blocks.
                        self.error(file, at as usize, "unexpected \"{\"");
                        break;
                    }
                    match form {
                        Some(true) if !is_block => {
                            self.diags.push(
                                Diagnostic::error(format!(
                                    "directive \"{}\" has no opening \"{{\"",
                                    directive.name()
                                ))
                                .at(directive.end_span())
                                .related(directive.name_span(), "this directive takes a block"),
                            );
                            continue;
                        }
                        Some(false) if is_block => {
                            self.diags.push(
                                Diagnostic::error(format!(
                                    "directive \"{}\" is not terminated by \";\"",
                                    directive.name()
                                ))
                                .at(directive.end_span())
                                .related(directive.name_span(), "this directive ends with \";\""),
                            );
                            break;
                        }
                        _ => {}
                    }
                    let unchecked = stack.last().is_some_and(|f| f.unchecked);
                    if !is_block {
                        self.simple(directive, parent, unchecked, depth, level, &mut stack);
                        continue;
                    }
                    if directive.name().ends_with("_by_lua_block") {
                        match lexer.raw_block() {
                            Ok((a, b)) => {
                                let mut d = directive;
                                d.raw = Some(Span::new(file, a..b));
                                d.close = Some(b as u32);
                                self.check(&d, unchecked, enclosing(&stack).or(parent));
                                stack.last_mut().expect("frame").children.push(d);
                            }
                            Err(e) => {
                                self.error(file, e.offset as usize, e.message);
                                break;
                            }
                        }
                        continue;
                    }
                    if stack.len() + depth > MAX_NESTING {
                        self.diags.push(
                            Diagnostic::error(format!(
                                "blocks nested more than {MAX_NESTING} deep"
                            ))
                            .at(directive.name_span()),
                        );
                        break;
                    }
                    self.check(&directive, unchecked, enclosing(&stack).or(parent));
                    let unchecked = unchecked || directives::is_table_block(directive.name());
                    if level + stack.len() == 1 && matches!(directive.name(), "http" | "stream") {
                        self.top_blocks += 1;
                    }
                    stack.push(Frame {
                        header: Some(directive),
                        children: Vec::new(),
                        unchecked,
                    });
                }
            }
        }
        let failed = self.diags[before..].iter().any(Diagnostic::is_error);
        if stack.len() > 1 && !failed {
            let open = stack
                .last()
                .and_then(|f| f.header.as_ref())
                .map(|h| h.name_span());
            let mut d = Diagnostic::error("unexpected end of file, expecting \"}\"")
                .at(Span::new(file, text.len()..text.len()));
            if let Some(open) = open {
                d = d.related(open, "this block is not closed");
            }
            self.diags.push(d);
        }
        // Close whatever is still open, so the tree keeps what was read.
        while stack.len() > 1 {
            let frame = stack.pop().expect("len > 1");
            let mut header = frame.header.expect("header");
            header.block = Some(frame.children);
            self.close(header, parent, level, &mut stack);
        }
        stack.pop().map(|f| f.children).unwrap_or_default()
    }

    /// A `;` directive; an `include` is replaced by the included files
    /// (`parent`: the block this file is included into; `unchecked`: the
    /// directive stands within a table block; `level`: blocks open around
    /// this file).
    fn simple(
        &mut self,
        directive: Directive<'a>,
        parent: Option<&str>,
        unchecked: bool,
        depth: usize,
        level: usize,
        stack: &mut [Frame<'a>],
    ) {
        if directive.name() == "include" && directive.words.len() == 2 {
            let parent = enclosing(stack).or(parent).map(str::to_string);
            let parent = parent.as_deref();
            let targets = self
                .includes
                .get(directive.file, directive.words[0].start)
                .unwrap_or(&[])
                .to_vec();
            let level = level + stack.len() - 1;
            for target in targets {
                let children = self.file(target, parent, unchecked, depth + stack.len(), level);
                stack.last_mut().expect("frame").children.extend(children);
            }
            return;
        }
        let table = enclosing(stack).or(parent);
        self.check(&directive, unchecked, table);
        stack.last_mut().expect("frame").children.push(directive);
    }

    /// Puts a finished block into its enclosing one, or hands it over if it
    /// is an upstream of a top-level `http` or `stream` block.
    fn close(
        &mut self,
        block: Directive<'a>,
        parent: Option<&str>,
        level: usize,
        stack: &mut [Frame<'a>],
    ) {
        if let Some(sink) = self.upstreams.as_mut()
            && level + stack.len() == 2
            && block.name() == "upstream"
            && let Some(outer @ ("http" | "stream")) = enclosing(stack).or(parent)
            && let Some(ordinal) = self.top_blocks.checked_sub(1)
        {
            sink(ordinal, outer, block);
            return;
        }
        stack.last_mut().expect("outer frame").children.push(block);
    }

    /// The keyword check of a directive the tree keeps, made as it is read
    /// so that no second walk holds the tree (entries of table blocks such as
    /// `map` are not directives).
    fn check(&mut self, directive: &Directive, unchecked: bool, table: Option<&str>) {
        if !unchecked {
            directives::check_one(directive, self.diags);
            regexes::check_directive(directive, self.diags);
        } else if table == Some("map") {
            regexes::check_map_entry(directive, self.diags);
        }
    }
}

/// The name of the innermost block open in this file, if any.
fn enclosing<'s>(stack: &'s [Frame<'_>]) -> Option<&'s str> {
    stack
        .iter()
        .rev()
        .find_map(|f| f.header.as_ref().map(Directive::name))
}

/// Parses files (with their includes resolved in `includes`) into one list
/// of top-level directives.
pub fn parse<'a>(
    db: &'a SourceDb,
    files: &[FileId],
    includes: &IncludeMap,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Directive<'a>> {
    parse_handing_over(db, files, includes, diags, None)
}

/// [`parse`], but the upstreams of top-level `http` and `stream` blocks go
/// to `upstreams` as they are read instead of into the tree, so that they
/// can be lowered while the rest is parsed.
pub fn parse_handing_over<'a, 'o>(
    db: &'a SourceDb,
    files: &[FileId],
    includes: &'o IncludeMap,
    diags: &'o mut Vec<Diagnostic>,
    upstreams: Option<&'o mut UpstreamSink<'a, 'o>>,
) -> Vec<Directive<'a>> {
    let mut parser = Parser {
        db,
        includes,
        diags,
        upstreams,
        top_blocks: 0,
    };
    let mut out = Vec::new();
    for &f in files {
        out.extend(parser.file(f, None, false, 0, 0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> (Vec<String>, Vec<String>) {
        let mut db = SourceDb::new();
        let id = db.add("t.conf", text.to_string());
        let mut diags = Vec::new();
        let tree = parse(&db, &[id], &IncludeMap::default(), &mut diags);
        fn walk(d: &[Directive], out: &mut Vec<String>, depth: usize) {
            for x in d {
                out.push(format!("{}{}", " ".repeat(depth), x.name()));
                walk(x.children(), out, depth + 1);
            }
        }
        let mut names = Vec::new();
        walk(&tree, &mut names, 0);
        (
            names,
            diags.into_iter().map(|d| d.message().to_string()).collect(),
        )
    }

    /// Typos are caught as the tree is read, at any depth, but not among
    /// the entries of table blocks, however deep.
    #[test]
    fn keyword_check_skips_table_entries() {
        let (_, errors) = parse_text(
            "http { map $a $b { default proxy_passs; } \
             upstream u { keepaliv 4; match m { proxy_passs 1; x { server_nam y; } } } \
             server { location / { proxy_passs http://u; } } }",
        );
        assert_eq!(
            errors,
            [
                "unknown directive \"keepaliv\"",
                "unknown directive \"proxy_passs\""
            ]
        );
    }

    #[test]
    fn tree_shape() {
        let (names, errors) = parse_text(
            "http { upstream u { server a; } server { location / { proxy_pass http://u; } } }",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            names,
            [
                "http",
                " upstream",
                "  server",
                " server",
                "  location",
                "   proxy_pass"
            ]
        );
    }

    #[test]
    fn structural_errors() {
        assert_eq!(parse_text("}").1, ["unexpected \"}\""]);
        assert_eq!(
            parse_text("http {").1,
            ["unexpected end of file, expecting \"}\""]
        );
        assert_eq!(
            parse_text("location /;").1,
            ["directive \"location\" has no opening \"{\""]
        );
        assert_eq!(
            parse_text("proxy_pass x {}").1,
            ["directive \"proxy_pass\" is not terminated by \";\""]
        );
        let (_, errors) = parse_text("http { upstream u { server a { } } }");
        assert_eq!(errors, ["directive \"server\" is not terminated by \";\""]);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "a {".repeat(10_000);
        let (_, errors) = parse_text(&text);
        assert!(
            errors.iter().any(|e| e.contains("nested more than")),
            "{errors:?}"
        );
    }
}
