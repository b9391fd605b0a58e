//! `include` resolution, done before parsing so the tree can borrow every
//! file's text: relative paths against the prefix (the main config's
//! directory, as nginx's conf prefix), globs expanded in sorted order (no
//! match is fine), a missing literal file an error. Cycles, depth and count
//! are bounded, and files outside the allowed root are not read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::lexer::{Lexer, Terminator};
use crate::diag::Diagnostic;
use crate::source::{FileId, SourceDb, Span};

/// Deepest chain of includes followed.
pub const MAX_INCLUDE_DEPTH: usize = 32;
/// Most files one configuration may pull in.
pub const MAX_INCLUDED_FILES: usize = 10_000;

#[derive(Debug, Clone)]
pub struct IncludeOptions {
    /// Directory relative include paths are resolved against.
    pub prefix: PathBuf,
    /// Includes must resolve under this directory; `None` allows any path.
    pub root: Option<PathBuf>,
}

/// Which files each `include` directive pulled in, by the file and offset of
/// its `include` word.
#[derive(Debug, Default)]
pub struct IncludeMap {
    targets: HashMap<(FileId, u32), Vec<FileId>>,
}

impl IncludeMap {
    pub fn get(&self, file: FileId, offset: u32) -> Option<&[FileId]> {
        self.targets.get(&(file, offset)).map(Vec::as_slice)
    }
}

struct Request {
    pattern: String,
    at: u32,
    span: Span,
}

/// The `include` directives of one file (raw Lua blocks skipped). Syntax
/// errors are left for the parser to report.
fn includes_of(file: FileId, text: &str) -> Vec<Request> {
    if !text.contains("include") {
        return Vec::new();
    }
    let mut lexer = Lexer::new(text);
    let mut out = Vec::new();
    while let Ok(s) = lexer.next_statement() {
        match s.term {
            Terminator::Eof => break,
            Terminator::Semicolon(_) if s.words.len() == 2 && s.words[0].as_str() == "include" => {
                out.push(Request {
                    pattern: s.words[1].as_str().to_string(),
                    at: s.words[0].start,
                    span: s.words[1].span(file),
                });
            }
            Terminator::BlockStart(_)
                if s.words[0].as_str().ends_with("_by_lua_block") && lexer.raw_block().is_err() =>
            {
                break;
            }
            _ => {}
        }
    }
    out
}

fn has_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

struct Resolver<'d> {
    db: &'d mut SourceDb,
    opts: &'d IncludeOptions,
    loaded: HashMap<PathBuf, FileId>,
    map: IncludeMap,
    count: usize,
    diags: &'d mut Vec<Diagnostic>,
}

impl Resolver<'_> {
    fn paths(&mut self, req: &Request) -> Vec<PathBuf> {
        let path = Path::new(&req.pattern);
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.opts.prefix.join(path)
        };
        if !has_glob(&req.pattern) {
            // A symlink that resolves nowhere (a loop) exists as a link: let
            // `follow` report why it cannot be read.
            if !full.exists() && std::fs::symlink_metadata(&full).is_err() {
                self.diags.push(
                    Diagnostic::error(format!(
                        "included file \"{}\" does not exist",
                        full.display()
                    ))
                    .at(req.span)
                    .label("nginx refuses to start without it"),
                );
                return Vec::new();
            }
            return vec![full];
        }
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        match glob::glob_with(&full.to_string_lossy(), options) {
            Ok(paths) => {
                let mut v: Vec<PathBuf> = paths
                    .filter_map(Result::ok)
                    .filter(|p| p.is_file())
                    .collect();
                v.sort();
                v
            }
            Err(e) => {
                self.diags
                    .push(Diagnostic::error(format!("invalid include pattern: {e}")).at(req.span));
                Vec::new()
            }
        }
    }

    fn run(&mut self, mains: &[FileId]) {
        // Depth-first, with the chain of canonical paths for cycle detection.
        let mut stack: Vec<(FileId, Vec<PathBuf>)> = mains
            .iter()
            .map(|&f| {
                let canon = std::fs::canonicalize(&self.db.file(f).path).unwrap_or_default();
                (f, vec![canon])
            })
            .collect();
        while let Some((file, chain)) = stack.pop() {
            let requests = includes_of(file, self.db.text(file));
            for req in requests.iter().rev() {
                let mut targets = Vec::new();
                for path in self.paths(req) {
                    if let Some(t) = self.follow(req, &path, &chain) {
                        targets.push(t);
                        let mut next = chain.clone();
                        next.push(std::fs::canonicalize(&path).unwrap_or(path));
                        stack.push((t, next));
                    }
                }
                self.map.targets.insert((file, req.at), targets);
            }
        }
    }

    /// Loads one included file, unless bounds, cycles or the root forbid it.
    fn follow(&mut self, req: &Request, path: &Path, chain: &[PathBuf]) -> Option<FileId> {
        let canon = match std::fs::canonicalize(path) {
            Ok(c) => c,
            Err(e) => {
                self.diags.push(
                    Diagnostic::error(format!("cannot read \"{}\": {e}", path.display()))
                        .at(req.span),
                );
                return None;
            }
        };
        if let Some(root) = &self.opts.root
            && !canon.starts_with(root)
        {
            self.diags.push(
                Diagnostic::warning(format!(
                    "include \"{}\" is outside the configuration's directory and was not read",
                    path.display()
                ))
                .at(req.span)
                .help("pass --allow-include-outside to read it; the model lacks what it defines"),
            );
            return None;
        }
        if chain.contains(&canon) {
            let names: Vec<String> = chain
                .iter()
                .chain([&canon])
                .map(|p| p.display().to_string())
                .collect();
            self.diags.push(
                Diagnostic::error("include cycle")
                    .at(req.span)
                    .note(format!("the chain is {}", names.join(" -> "))),
            );
            return None;
        }
        if chain.len() > MAX_INCLUDE_DEPTH {
            self.diags.push(
                Diagnostic::error(format!(
                    "includes nested more than {MAX_INCLUDE_DEPTH} deep"
                ))
                .at(req.span),
            );
            return None;
        }
        if let Some(&id) = self.loaded.get(&canon) {
            return Some(id);
        }
        self.count += 1;
        if self.count > MAX_INCLUDED_FILES {
            if self.count == MAX_INCLUDED_FILES + 1 {
                self.diags.push(
                    Diagnostic::error(format!("more than {MAX_INCLUDED_FILES} included files"))
                        .at(req.span),
                );
            }
            return None;
        }
        match self.db.load(path) {
            Ok(id) => {
                self.loaded.insert(canon, id);
                Some(id)
            }
            Err(e) => {
                self.diags
                    .push(Diagnostic::error(e.to_string()).at(req.span));
                None
            }
        }
    }
}

/// Loads every file the `mains` include, transitively.
pub fn resolve(
    db: &mut SourceDb,
    mains: &[FileId],
    opts: &IncludeOptions,
    diags: &mut Vec<Diagnostic>,
) -> IncludeMap {
    let mut r = Resolver {
        db,
        opts,
        loaded: HashMap::new(),
        map: IncludeMap::default(),
        count: 0,
        diags,
    };
    r.run(mains);
    r.map
}
