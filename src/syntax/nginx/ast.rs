//! The nginx syntax tree: directives with their words and, for block
//! directives, their children. Included files are spliced in where their
//! `include` stood; every directive keeps the file it came from.

use crate::source::{FileId, Span};
use crate::syntax::Word;

#[derive(Debug, Clone)]
pub struct Directive<'a> {
    pub file: FileId,
    /// The name, then the arguments.
    pub words: Vec<Word<'a>>,
    /// Children of a `{ ... }` block.
    pub block: Option<Vec<Directive<'a>>>,
    /// The body of a raw block (`*_by_lua_block`), kept as text.
    pub raw: Option<Span>,
    /// Offset of the `;`, `{` that ended the header.
    pub end: u32,
    /// Offset of the `}` that closed the block.
    pub close: Option<u32>,
}

impl<'a> Directive<'a> {
    pub fn name(&self) -> &str {
        self.words[0].as_str()
    }

    pub fn args(&self) -> &[Word<'a>] {
        &self.words[1..]
    }

    pub fn arg(&self, i: usize) -> Option<&str> {
        self.words.get(i + 1).map(|w| w.as_str())
    }

    /// A `location` header's modifier (`""` when none) and path, the
    /// modifier standing alone or attached (`~^/a`), as nginx reads them.
    pub fn location_parts(&self) -> Option<(&str, &str)> {
        match (self.arg(0)?, self.arg(1)) {
            (modifier, Some(path)) => Some((modifier, path)),
            (one, None) => Some(
                ["=", "^~", "~*", "~"]
                    .into_iter()
                    .find_map(|m| {
                        one.strip_prefix(m)
                            .filter(|r| !r.is_empty())
                            .map(|r| (m, r))
                    })
                    .unwrap_or(("", one)),
            ),
        }
    }

    /// From the name to the end of the last word.
    pub fn span(&self) -> Span {
        let last = self.words.last().expect("a directive has a name");
        Span {
            file: self.file,
            start: self.words[0].start,
            end: last.end(),
        }
    }

    pub fn name_span(&self) -> Span {
        self.words[0].span(self.file)
    }

    pub fn arg_span(&self, i: usize) -> Span {
        self.words
            .get(i + 1)
            .unwrap_or(&self.words[0])
            .span(self.file)
    }

    /// The `;` or `{` after the words: where nginx reports most errors.
    pub fn end_span(&self) -> Span {
        Span {
            file: self.file,
            start: self.end,
            end: self.end + 1,
        }
    }

    /// The closing `}` (or the header, for an unclosed block).
    pub fn close_span(&self) -> Span {
        match self.close {
            Some(at) => Span {
                file: self.file,
                start: at,
                end: at + 1,
            },
            None => self.span(),
        }
    }

    pub fn children(&self) -> &[Directive<'a>] {
        self.block.as_deref().unwrap_or(&[])
    }
}

/// Where a file's directives stand: the main context, or inside a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Main,
    Events,
    Http,
    Server,
    Location,
    Upstream,
    Stream,
}

impl std::str::FromStr for Context {
    type Err = String;

    fn from_str(s: &str) -> Result<Context, String> {
        Ok(match s {
            "main" => Context::Main,
            "events" => Context::Events,
            "http" => Context::Http,
            "server" => Context::Server,
            "location" => Context::Location,
            "upstream" => Context::Upstream,
            "stream" => Context::Stream,
            _ => {
                return Err(format!(
                    "unknown context '{s}' (main, events, http, server, location, upstream, stream)"
                ));
            }
        })
    }
}

impl Context {
    /// Guesses a snippet's context from its first directive, when it makes
    /// it plain (`server {` is http, `location` is server, ...).
    pub fn detect(first: &str, is_block: bool) -> Option<Context> {
        Some(match first {
            "user"
            | "worker_processes"
            | "worker_rlimit_nofile"
            | "events"
            | "http"
            | "stream"
            | "mail"
            | "load_module"
            | "pid"
            | "error_log"
            | "daemon"
            | "env"
            | "pcre_jit"
            | "thread_pool"
            | "worker_cpu_affinity"
            | "worker_priority"
            | "worker_shutdown_timeout" => Context::Main,
            "worker_connections" | "use" | "multi_accept" | "accept_mutex" => Context::Events,
            "server" if is_block => Context::Http,
            "upstream"
            | "map"
            | "split_clients"
            | "geo"
            | "log_format"
            | "proxy_cache_path"
            | "limit_req_zone"
            | "limit_conn_zone"
            | "server_names_hash_bucket_size"
            | "sendfile"
            | "keepalive_timeout" => Context::Http,
            "server" => Context::Upstream,
            "listen"
            | "server_name"
            | "location"
            | "ssl_certificate"
            | "ssl_certificate_key"
            | "root"
            | "index" => Context::Server,
            "proxy_pass" | "proxy_set_header" | "fastcgi_pass" | "try_files" | "alias" => {
                Context::Location
            }
            _ => return None,
        })
    }
}
