//! Lowers an nginx directive tree into the routing [`Model`].
//!
//! `upstream`s and the tables (`map`, `split_clients`, `geo`) of an `http`
//! or `stream` block are read first, so a `server` block may use one defined
//! after it. Each `server` block is an entry point; its location tree becomes
//! ordered routes (`locations`); a `proxy_pass` (and kin) names an
//! upstream, an address (an implicit one-server backend), or a variable
//! (a dynamic target whose candidates come from the tables).

mod locations;
mod tables;
mod upstream;

use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};

pub use upstream::parse_nginx_time;

use self::locations::{Handler, Location};
use self::tables::Tables;
use crate::diag::Diagnostic;
use crate::model::{
    Backend, BackendKind, Bind, Candidate, Condition, EntryKind, EntryPoint, Health, Mode, Model,
    Origin, Route, RouteKind, SourceFormat, Sourced, Target, Timeouts,
};
use crate::source::Span;
use crate::syntax::nginx::{Context, Directive};

/// What lowering may assume.
#[derive(Debug, Clone, Copy, Default)]
pub struct NginxOptions {
    /// CPUs of the target machine, to resolve `worker_processes auto`.
    pub cpus: Option<u64>,
}

struct Lowering {
    opts: NginxOptions,
    diags: Vec<Diagnostic>,
    model: Model,
    /// Upstream names of the block being lowered (`http` and `stream` have
    /// separate namespaces), with where each was defined; shared with the
    /// lowering of the block's later servers.
    upstreams: Arc<HashMap<String, Span>>,
    /// Literal addresses given a backend of their own, and those backends
    /// (they follow the block's upstreams in the model).
    implicit: HashMap<String, usize>,
    implicit_backends: Vec<Backend>,
    /// Table values a variable target could not take as a backend because
    /// no backend had their name yet (see [`Lowering::candidates`]).
    unmatched_candidates: Vec<String>,
    /// The candidates of variable targets read from a table of the block
    /// being lowered, by the table's address, with the number of implicit
    /// backends they were worked out against: they hold until another is
    /// made, and thousands of routes may read one table of thousands.
    table_candidates: HashMap<usize, (usize, Arc<[Candidate]>)>,
    /// A block with this many `server`s or more lowers them in two halves
    /// side by side.
    split_servers: usize,
}

/// A block with fewer `server`s than this lowers them on one thread.
const SPLIT_SERVERS: usize = 1024;

/// How a `proxy_pass`-like argument names its destination.
enum Destination {
    Upstream(String),
    Address(String),
    Dynamic(String),
}

/// Splits `http://host:port/uri` (or a bare stream address) into what it names.
fn destination(arg: &str, http: bool) -> (String, bool) {
    let rest = ["http://", "https://", "grpc://", "grpcs://"]
        .iter()
        .find_map(|s| arg.strip_prefix(s))
        .unwrap_or(arg);
    if rest.starts_with("unix:") {
        return (rest.to_string(), false);
    }
    let host = if http {
        rest.split('/').next().unwrap_or(rest)
    } else {
        rest
    };
    let default_port = if arg.starts_with("https://") || arg.starts_with("grpcs://") {
        443
    } else {
        80
    };
    let has_port = host
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()));
    if has_port || host.contains('$') {
        (host.to_string(), has_port)
    } else {
        (format!("{host}:{default_port}"), false)
    }
}

impl Lowering {
    fn new(opts: NginxOptions) -> Lowering {
        Lowering {
            opts,
            diags: Vec::new(),
            model: Model::empty(SourceFormat::Nginx, None),
            upstreams: Arc::default(),
            implicit: HashMap::new(),
            implicit_backends: Vec::new(),
            unmatched_candidates: Vec::new(),
            table_candidates: HashMap::new(),
            split_servers: SPLIT_SERVERS,
        }
    }

    /// A lowering of later servers of the same block, beside this one: it
    /// shares the upstream names and limits, and starts with no implicit
    /// backends (see [`Lowering::join`]).
    fn fork(&self) -> Lowering {
        let mut fork = Lowering::new(self.opts);
        fork.upstreams = Arc::clone(&self.upstreams);
        fork.model.limits = self.model.limits.clone();
        fork
    }

    /// Appends what `later` (a [`Lowering::fork`]) lowered, as if this
    /// lowering had gone on to do it; false, with nothing changed, if a
    /// variable target there would have taken a backend this one made.
    fn join(&mut self, mut later: Lowering) -> bool {
        if later
            .unmatched_candidates
            .iter()
            .any(|v| self.implicit.contains_key(v.as_str()))
        {
            return false;
        }
        self.model
            .entry_points
            .append(&mut later.model.entry_points);
        self.diags.append(&mut later.diags);
        for b in later.implicit_backends {
            if !self.implicit.contains_key(&b.name) {
                self.implicit
                    .insert(b.name.clone(), self.implicit_backends.len());
                self.implicit_backends.push(b);
            }
        }
        true
    }

    /// Lowers `server` blocks in order, freeing each subtree once lowered.
    fn servers(&mut self, servers: &mut [&mut Directive], mode: Mode, tables: &Tables) {
        for d in servers {
            self.server(d.children(), d.span(), mode, tables);
            d.block = None;
        }
    }

    fn main(&mut self, body: &mut [Directive], mut streamed: Vec<BlockUpstreams>) {
        let limits = &mut self.model.limits;
        limits.worker_processes = Some(Sourced::built_in(Some(1)));
        limits.worker_connections = Some(Sourced::built_in(512));
        for d in body.iter() {
            match d.name() {
                "worker_processes" => {
                    let value = match d.arg(0) {
                        Some("auto") => self.opts.cpus,
                        Some(n) => n.parse().ok(),
                        None => None,
                    };
                    self.model.limits.worker_processes = Some(Sourced::explicit(value, d.span()));
                }
                "worker_rlimit_nofile" => {
                    let value = d.arg(0).and_then(|n| n.parse().ok());
                    self.model.limits.worker_rlimit_nofile =
                        Some(Sourced::explicit(value, d.span()));
                }
                "events" => self.events(d.children()),
                _ => {}
            }
        }
        // The k-th top-level block's upstreams were handed over as k.
        let mut ordinal = 0;
        for d in body {
            let mode = match d.name() {
                "http" => Mode::Http,
                "stream" => Mode::Tcp,
                _ => continue,
            };
            if let Some(children) = &mut d.block {
                let upstreams = streamed.get_mut(ordinal).map(std::mem::take);
                self.block(children, mode, upstreams.unwrap_or_default());
                ordinal += 1;
            }
        }
    }

    fn events(&mut self, body: &[Directive]) {
        for d in body.iter().filter(|d| d.name() == "worker_connections") {
            if let Some(n) = d.arg(0).and_then(|n| n.parse().ok()) {
                self.model.limits.worker_connections = Some(Sourced::explicit(n, d.span()));
            }
        }
    }

    /// An `http` or `stream` body, after `upstreams` (those of its upstreams
    /// already lowered while it was parsed). The rest of its upstreams are
    /// lowered on one thread while its tables and servers are on another:
    /// both halves walk tens of thousands of blocks in a large config, and
    /// neither reads the other's results beyond the upstream names, which
    /// are known first.
    fn block(&mut self, body: &mut [Directive], mode: Mode, mut upstreams: BlockUpstreams) {
        let mut to_lower = Vec::new();
        let mut others = Vec::new();
        for d in body.iter_mut() {
            if d.name() != "upstream" {
                others.push(d);
                continue;
            }
            if upstreams.name(d) {
                to_lower.push(d);
            } else {
                d.block = None;
            }
        }
        let BlockUpstreams {
            names,
            mut backends,
            name_diags,
            diags: mut upstream_diags,
        } = upstreams;
        self.upstreams = Arc::new(names);
        self.diags.extend(name_diags);
        let lower_upstreams = || {
            backends.extend(to_lower.into_iter().map(|d| {
                let b = lower_upstream(d, mode, &mut upstream_diags);
                d.block = None;
                b
            }));
            (backends, upstream_diags)
        };
        let lower_servers = || {
            let mut tables = Tables::default();
            for d in others
                .iter()
                .filter(|d| matches!(d.name(), "map" | "split_clients" | "geo"))
            {
                tables.add(d, &mut self.diags);
            }
            // Keyed by address: the previous block's tables are gone.
            self.table_candidates.clear();
            let mut servers: Vec<&mut Directive> = others
                .into_iter()
                .filter(|d| d.name() == "server" && d.block.is_some())
                .collect();
            if servers.len() < self.split_servers {
                self.servers(&mut servers, mode, &tables);
                return;
            }
            // Two halves side by side; in the rare case the later half
            // would have read the earlier one's backends, it is done again.
            let half = servers.len() / 2;
            let (earlier, later) = servers.split_at_mut(half);
            let mut fork = self.fork();
            rayon::join(
                || self.servers(earlier, mode, &tables),
                || {
                    for d in later.iter() {
                        fork.server(d.children(), d.span(), mode, &tables);
                    }
                },
            );
            if !self.join(fork) {
                self.servers(later, mode, &tables);
            }
            later.iter_mut().for_each(|d| d.block = None);
        };
        let ((backends, diags), ()) = rayon::join(lower_upstreams, lower_servers);
        self.diags.extend(diags);
        if self.model.backends.is_empty() {
            // The usual single block: take the list rather than copy it.
            self.model.backends = backends;
        } else {
            self.model.backends.extend(backends);
        }
        self.model.backends.append(&mut self.implicit_backends);
    }

    fn classify(&mut self, d: &Directive, arg: &str, http: bool) -> Destination {
        let (host, has_port) = destination(arg, http);
        if host.contains('$') {
            return Destination::Dynamic(arg.to_string());
        }
        let bare = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
        let named = if has_port {
            bare
        } else {
            host.trim_end_matches(":80").trim_end_matches(":443")
        };
        if self.upstreams.contains_key(named) {
            if has_port {
                self.diags.push(
                    Diagnostic::error(format!(
                        "upstream \"{named}\" may not have port {}",
                        host.rsplit_once(':').map_or("", |(_, p)| p)
                    ))
                    .at(d.arg_span(0))
                    .related(self.upstreams[named], "the upstream"),
                );
            }
            return Destination::Upstream(named.to_string());
        }
        Destination::Address(host)
    }

    /// The backend of a literal address, created once per address.
    fn implicit_backend(&mut self, address: &str, span: Span, mode: Mode) -> String {
        if !self.implicit.contains_key(address) {
            self.implicit
                .insert(address.to_string(), self.implicit_backends.len());
            self.implicit_backends.push(Backend {
                name: address.to_string(),
                kind: BackendKind::Implicit,
                span,
                mode: Sourced::built_in(mode),
                algorithm: Sourced::built_in(crate::model::Algorithm {
                    kind: crate::model::AlgorithmKind::RoundRobin,
                    params: Vec::new(),
                }),
                health: Health {
                    check_type: None,
                    allbackups: Sourced::built_in(true),
                    redispatch: crate::model::WithOrigin::built_in(true),
                },
                keepalive: None,
                extras: None,
                timeouts: Timeouts::default(),
                stick_table: false,
                serves_itself: false,
                disabled: None,
                servers: vec![upstream::default_server(address.to_string(), span)],
                uncertain: false,
            });
        }
        address.to_string()
    }

    /// The route target of a `proxy_pass`-like directive.
    fn pass_target(
        &mut self,
        d: &Directive,
        mode: Mode,
        tables: &Tables,
        sets: &[(String, String)],
    ) -> Target {
        let Some(arg) = d.arg(0) else {
            self.diags.push(
                Diagnostic::error(format!("\"{}\" needs an address", d.name())).at(d.name_span()),
            );
            return Target::Terminal {
                action: "invalid".to_string(),
            };
        };
        let http = mode == Mode::Http && d.name() == "proxy_pass" || d.name() == "grpc_pass";
        match self.classify(d, arg, http) {
            Destination::Upstream(name) => Target::Backend { name },
            Destination::Address(addr) => Target::Backend {
                name: self.implicit_backend(&addr, d.span(), mode),
            },
            Destination::Dynamic(expression) => {
                let candidates = self.candidates(&expression, http, tables, sets);
                Target::Dynamic {
                    expression,
                    candidates,
                }
            }
        }
    }

    /// Backends a variable target may name: through a table, or a `set`.
    fn candidates(
        &mut self,
        expression: &str,
        http: bool,
        tables: &Tables,
        sets: &[(String, String)],
    ) -> Arc<[Candidate]> {
        let (host, _) = destination(expression, http);
        let var = host
            .trim_start_matches('$')
            .trim_start_matches('{')
            .trim_end_matches('}');
        let var = var.split(':').next().unwrap_or(var);
        let table = tables.get(var);
        let key = table.map(|t| std::ptr::from_ref(t) as usize);
        if let Some((made, list)) = key.and_then(|k| self.table_candidates.get(&k))
            && *made == self.implicit.len()
        {
            // The values it could not take are already recorded.
            return Arc::clone(list);
        }
        let values: Vec<(String, Option<f64>)> = match table {
            Some(t) => t.values.clone(),
            None => sets
                .iter()
                .filter(|(name, _)| name.trim_start_matches('$') == var)
                .map(|(_, v)| (v.clone(), None))
                .collect(),
        };
        let mut out = Vec::new();
        for (backend, share) in values {
            let name = backend.split(':').next().unwrap_or(&backend);
            if self.upstreams.contains_key(name) || self.implicit.contains_key(backend.as_str()) {
                out.push(Candidate { backend, share });
            } else {
                self.unmatched_candidates.push(backend);
            }
        }
        let list: Arc<[Candidate]> = out.into();
        if let Some(key) = key {
            self.table_candidates
                .insert(key, (self.implicit.len(), Arc::clone(&list)));
        }
        list
    }

    fn listens(&mut self, body: &[Directive], mode: Mode, span: Span) -> Vec<Bind> {
        let mut binds = Vec::new();
        for d in body.iter().filter(|d| d.name() == "listen") {
            let Some(addr) = d.arg(0) else {
                self.diags
                    .push(Diagnostic::error("\"listen\" needs an address").at(d.name_span()));
                continue;
            };
            let flags: Vec<&str> = d.args()[1..].iter().map(|w| w.as_str()).collect();
            binds.push(parse_listen(addr, &flags, d.arg_span(0)));
        }
        if binds.is_empty() && mode == Mode::Http {
            binds.push(parse_listen("80", &[], span));
        }
        binds
    }

    /// A server block as an entry point, its lists sized to fit: pushed
    /// lists keep room for four, and large configs hold tens of thousands
    /// of server blocks with a listen or two each.
    fn entry_point(&mut self, mut entry: EntryPoint) {
        entry.binds.shrink_to_fit();
        entry.server_names.shrink_to_fit();
        entry.routes.shrink_to_fit();
        self.model.entry_points.push(entry);
    }

    fn server(&mut self, body: &[Directive], span: Span, mode: Mode, tables: &Tables) {
        let binds = self.listens(body, mode, span);
        let server_names: Vec<String> = body
            .iter()
            .filter(|d| d.name() == "server_name")
            .flat_map(|d| d.args().iter().map(|w| w.as_str().to_string()))
            .collect();
        let sets: Vec<(String, String)> = collect_sets(body);
        let routes = if mode == Mode::Http {
            let mut resolve =
                |h: &Handler, locs: &[Location]| self.handler_target(h, locs, mode, tables, &sets);
            let mut diags = Vec::new();
            let mut routes = locations::server_routes(body, &mut resolve, &mut diags);
            self.diags.extend(diags);
            let covers_all = routes.iter().any(|r| r.condition.is_always());
            if !covers_all && !has_root_prefix(body) {
                routes.push(Route {
                    kind: RouteKind::Default,
                    condition: Condition::Always,
                    target: Target::Terminal {
                        action: "no location matched: static files from the root".to_string(),
                    },
                    span,
                    uncertain: false,
                });
            }
            routes
        } else {
            self.stream_routes(body, span, tables, &sets)
        };
        let first_port = binds.first().and_then(|b| b.ports).map(|(p, _)| p);
        let name = match (
            server_names.iter().find(|n| !n.is_empty() && *n != "_"),
            first_port,
        ) {
            (Some(n), Some(p)) => format!("{n}:{p}"),
            (Some(n), None) => n.clone(),
            (None, _) => binds
                .first()
                .map_or_else(|| "server".to_string(), |b| b.address.clone()),
        };
        let limit = self.model.limits.nginx_connections();
        self.entry_point(EntryPoint {
            name,
            kind: if mode == Mode::Http {
                EntryKind::HttpServer
            } else {
                EntryKind::StreamServer
            },
            span,
            binds,
            server_names,
            mode: Sourced::built_in(mode),
            maxconn: Sourced {
                value: limit,
                origin: Origin::Global,
                span: self
                    .model
                    .limits
                    .worker_connections
                    .as_ref()
                    .and_then(|w| w.span),
            },
            routes,
            timeouts: Timeouts::default(),
            uncertain: false,
        });
    }

    fn stream_routes(
        &mut self,
        body: &[Directive],
        span: Span,
        tables: &Tables,
        sets: &[(String, String)],
    ) -> Vec<Route> {
        let mut routes = Vec::new();
        for d in body {
            let target = match d.name() {
                "proxy_pass" => self.pass_target(d, Mode::Tcp, tables, sets),
                "return" => Target::Terminal {
                    action: format!("return {}", d.arg(0).unwrap_or("")),
                },
                _ => continue,
            };
            routes.push(Route {
                kind: RouteKind::Default,
                condition: Condition::Always,
                target,
                span: d.span(),
                uncertain: false,
            });
        }
        if routes.is_empty() {
            self.diags
                .push(Diagnostic::warning("stream server has no proxy_pass or return").at(span));
        }
        routes
    }

    fn handler_target(
        &mut self,
        h: &Handler,
        locs: &[Location],
        mode: Mode,
        tables: &Tables,
        sets: &[(String, String)],
    ) -> Target {
        match h {
            Handler::Pass(d) => self.pass_target(d, mode, tables, sets),
            Handler::TryFiles(d, name) => {
                let named = locs
                    .iter()
                    .find(|l| l.path == *name)
                    .map(|l| locations::handler(l.directive.children()));
                let expression = d
                    .args()
                    .iter()
                    .map(|w| w.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let candidates = match named {
                    Some(Handler::Pass(p)) => match self.pass_target(p, mode, tables, sets) {
                        Target::Backend { name } => Arc::from([Candidate::named(name)]),
                        Target::Dynamic { candidates, .. } => candidates,
                        Target::Terminal { .. } => Arc::default(),
                    },
                    _ => Arc::default(),
                };
                Target::Dynamic {
                    expression: format!("try_files {expression}"),
                    candidates,
                }
            }
            Handler::Local(what) => Target::Terminal {
                action: what.clone(),
            },
        }
    }
}

/// `set $var value;` lines of a block, for variables a target may use.
fn collect_sets(body: &[Directive]) -> Vec<(String, String)> {
    body.iter()
        .filter(|d| d.name() == "set")
        .filter_map(|d| Some((d.arg(0)?.to_string(), d.arg(1)?.to_string())))
        .collect()
}

fn has_root_prefix(body: &[Directive]) -> bool {
    body.iter().filter(|d| d.name() == "location").any(|d| {
        d.words.len() == 2 && d.arg(0) == Some("/")
            || d.arg(0) == Some("^~") && d.arg(1) == Some("/")
    })
}

/// `listen` as nginx reads it: `80`, `*:80`, `10.0.0.1:8080`, `[::]:443`,
/// `localhost`, `unix:/path`, with `default_server` (or old `default`) and `ssl`.
fn parse_listen(addr: &str, flags: &[&str], span: Span) -> Bind {
    let (host, ports) = if addr.starts_with("unix:") {
        (None, None)
    } else if let Ok(p) = addr.parse::<u16>() {
        (Some("*".to_string()), Some((p, p)))
    } else {
        let (h, p) = match addr.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') || h.starts_with('[') => (h, p.parse::<u16>().ok()),
            _ => (addr, Some(80)),
        };
        let h = match h.trim_start_matches('[').trim_end_matches(']') {
            "" | "*" | "0.0.0.0" | "::" => "*".to_string(),
            h => h.to_string(),
        };
        (Some(h), p.map(|p| (p, p)))
    };
    Bind {
        address: addr.to_string(),
        host,
        ports,
        tls: flags.iter().any(|f| matches!(*f, "ssl" | "quic")),
        default_server: flags
            .iter()
            .any(|f| matches!(*f, "default_server" | "default")),
        span,
    }
}

/// Lowers `tree` read in `context`; `streamed` has the upstreams of its
/// top-level blocks handed over while it was parsed (used in the main
/// context, the only one where they stand in top-level blocks).
/// nginx's refusal to start a main configuration without `events` (the
/// tree read in `context`, from `file` first), pointing at the file's
/// start. nginx looks for it once the rest is read without error, so the
/// caller adds this only then.
pub fn no_events(
    tree: &[Directive],
    context: Context,
    file: Option<crate::source::FileId>,
) -> Option<Diagnostic> {
    if context != Context::Main || tree.iter().any(|d| d.name() == "events") {
        return None;
    }
    let mut refused = Diagnostic::error(
        "no \"events\" section: nginx refuses to start a main configuration without one",
    )
    .help(
        "add `events {}`; if this file is a snippet (conf.d/, sites-enabled/), give its \
         context with --context http (or server, ...)",
    );
    if let Some(file) = file {
        refused = refused.at(Span::new(file, 0..0));
    }
    Some(refused)
}

pub fn lower(
    tree: &mut [Directive],
    context: Context,
    opts: NginxOptions,
    streamed: Vec<BlockUpstreams>,
) -> (Model, Vec<Diagnostic>) {
    lower_splitting(tree, context, opts, streamed, SPLIT_SERVERS)
}

/// [`lower`], splitting blocks with `split_servers` servers or more.
pub(crate) fn lower_splitting(
    tree: &mut [Directive],
    context: Context,
    opts: NginxOptions,
    streamed: Vec<BlockUpstreams>,
    split_servers: usize,
) -> (Model, Vec<Diagnostic>) {
    let mut l = Lowering::new(opts);
    l.split_servers = split_servers;
    match context {
        Context::Main => l.main(tree, streamed),
        Context::Events => l.events(tree),
        Context::Http => l.block(tree, Mode::Http, BlockUpstreams::default()),
        Context::Stream => l.block(tree, Mode::Tcp, BlockUpstreams::default()),
        Context::Server => {
            let span = tree
                .first()
                .map_or(Span::new(crate::source::FileId::new(0), 0..0), |d| d.span());
            l.server(tree, span, Mode::Http, &Tables::default());
        }
        Context::Location => {
            let span = tree
                .first()
                .map_or(Span::new(crate::source::FileId::new(0), 0..0), |d| d.span());
            let h = locations::handler(tree);
            let target = l.handler_target(&h, &[], Mode::Http, &Tables::default(), &[]);
            let mut routes = Vec::new();
            let mut diags = Vec::new();
            let mut resolve = |h: &Handler, locs: &[Location]| {
                l.handler_target(h, locs, Mode::Http, &Tables::default(), &[])
            };
            locations::routes(
                tree,
                &Condition::Always,
                &mut resolve,
                &mut diags,
                &mut routes,
            );
            l.diags.extend(diags);
            routes.push(Route {
                kind: RouteKind::Default,
                condition: Condition::Always,
                target,
                span,
                uncertain: false,
            });
            l.model.entry_points.push(EntryPoint {
                name: "location snippet".to_string(),
                kind: EntryKind::HttpServer,
                span,
                binds: Vec::new(),
                server_names: Vec::new(),
                mode: Sourced::built_in(Mode::Http),
                maxconn: Sourced::built_in(None),
                routes,
                timeouts: Timeouts::default(),
                uncertain: false,
            });
        }
        Context::Upstream => {
            let span = tree
                .first()
                .map_or(Span::new(crate::source::FileId::new(0), 0..0), |d| d.span());
            let b = upstream::lower(
                "upstream snippet",
                span,
                span,
                tree,
                Mode::Http,
                &mut l.diags,
            );
            l.model.backends.push(b);
        }
    }
    // A server or location snippet's literal addresses.
    l.model.backends.append(&mut l.implicit_backends);
    (l.model, l.diags)
}

/// The upstreams of one `http` or `stream` block, named and lowered in
/// source order (`http` and `stream` have separate namespaces).
#[derive(Default)]
pub struct BlockUpstreams {
    /// Each name with where it was defined.
    names: HashMap<String, Span>,
    backends: Vec<Backend>,
    /// Missing and duplicate names.
    name_diags: Vec<Diagnostic>,
    /// What lowering the bodies found.
    diags: Vec<Diagnostic>,
}

impl BlockUpstreams {
    /// Records an upstream's name; false for one without a name or a
    /// duplicate (reported), which is not lowered.
    fn name(&mut self, d: &Directive) -> bool {
        let Some(name) = d.arg(0) else {
            self.name_diags
                .push(Diagnostic::error("\"upstream\" needs a name").at(d.name_span()));
            return false;
        };
        if let Some(first) = self.names.get(name) {
            self.name_diags.push(
                Diagnostic::error(format!("duplicate upstream \"{name}\""))
                    .code(crate::rules::routing::duplicate_name::DuplicateName::META.code)
                    .at(d.arg_span(0))
                    .related(*first, "first defined here"),
            );
            return false;
        }
        self.names.insert(name.to_string(), d.arg_span(0));
        true
    }
}

/// Upstreams handed over by the parser, lowered as they come, per top-level
/// block (see [`crate::syntax::nginx::parser::parse_handing_over`]).
#[derive(Default)]
pub struct StreamedUpstreams {
    blocks: Vec<BlockUpstreams>,
}

impl StreamedUpstreams {
    /// Names and lowers the upstream `d` of the `block`-th top-level block,
    /// in `mode`.
    pub fn add(&mut self, block: usize, mode: Mode, d: &Directive) {
        if self.blocks.len() <= block {
            self.blocks.resize_with(block + 1, BlockUpstreams::default);
        }
        let upstreams = &mut self.blocks[block];
        if upstreams.name(d) {
            let b = lower_upstream(d, mode, &mut upstreams.diags);
            upstreams.backends.push(b);
        }
    }

    pub fn into_blocks(self) -> Vec<BlockUpstreams> {
        self.blocks
    }
}

fn lower_upstream(d: &Directive, mode: Mode, diags: &mut Vec<Diagnostic>) -> Backend {
    let name = d.arg(0).unwrap_or_default();
    upstream::lower(name, d.span(), d.close_span(), d.children(), mode, diags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    /// Server blocks lowered in two halves give the model and messages of
    /// one pass: literal addresses used in both halves get one backend, from
    /// their first use; a variable target in the later half whose value only
    /// the earlier half made a backend of still finds it (the later half is
    /// then lowered again); errors keep their order.
    #[test]
    fn servers_lowered_in_two_halves_match_one_pass() {
        for late_variable in [false, true] {
            let mut text = String::from(
                "http {\n map $host $pool { a.example 10.0.0.9:8080; default pool_a; }\n\
                 upstream pool_a { server 10.0.0.1:80 weight=3; server 10.0.0.2:80; }\n",
            );
            for i in 0..1200 {
                let pass = match i {
                    3 => "http://10.0.0.9:8080".to_string(),
                    900 if late_variable => "http://$pool".to_string(),
                    i if i % 7 == 0 => "http://pool_a".to_string(),
                    i if i % 11 == 0 => "http://pool_a:81".to_string(),
                    i => format!("http://10.9.0.{}:80", i % 300),
                };
                text.push_str(&format!(
                    " server {{ listen {}; server_name s{i}.example; \
                     location / {{ proxy_pass {pass}; }} location /x {{ return 404; }} }}\n",
                    8000 + i % 5
                ));
            }
            text.push_str("}\n");
            let one_pass = crate::pipeline::nginx_lowered_as(&text, false);
            assert_eq!(
                crate::pipeline::nginx_lowered_as(&text, true),
                one_pass,
                "late variable: {late_variable}"
            );
            assert!(one_pass.0.contains("\"10.0.0.9:8080\""));
        }
    }

    #[test]
    fn listen_addresses() {
        let s = Span::new(FileId::new(0), 0..0);
        let b = parse_listen("80", &["default_server"], s);
        assert_eq!(
            (b.host.as_deref(), b.ports, b.default_server),
            (Some("*"), Some((80, 80)), true)
        );
        let b = parse_listen("127.0.0.1:8080", &["ssl"], s);
        assert_eq!(
            (b.host.as_deref(), b.ports, b.tls),
            (Some("127.0.0.1"), Some((8080, 8080)), true)
        );
        let b = parse_listen("[::]:443", &[], s);
        assert_eq!((b.host.as_deref(), b.ports), (Some("*"), Some((443, 443))));
        let b = parse_listen("localhost", &[], s);
        assert_eq!(
            (b.host.as_deref(), b.ports),
            (Some("localhost"), Some((80, 80)))
        );
        assert_eq!(parse_listen("unix:/run/x.sock", &[], s).ports, None);
    }

    #[test]
    fn destinations() {
        assert_eq!(
            destination("http://backend", true),
            ("backend:80".to_string(), false)
        );
        assert_eq!(
            destination("http://10.0.0.1:8080/api/", true),
            ("10.0.0.1:8080".to_string(), true)
        );
        assert_eq!(
            destination("https://secure", true),
            ("secure:443".to_string(), false)
        );
        assert_eq!(
            destination("http://$pool", true),
            ("$pool".to_string(), false)
        );
        assert_eq!(destination("db:5432", false), ("db:5432".to_string(), true));
    }
}
