//! The format-neutral routing model: where traffic enters (entry points),
//! how it is routed (ordered routes with conditions), and where it lands
//! (backends and their servers), plus the connection limits around them.
//!
//! Every value that matters keeps where it came from ([`Origin`]) and, when it
//! was written somewhere, its [`Span`], so a finding can say "weight 1
//! (default)" or point at the `default-server` line that set it.

pub mod condition;
pub mod graph;
pub mod haproxy;
pub mod nginx;

use std::borrow::Cow;

use serde::Serialize;

pub use condition::{Condition, MatchMethod, Predicate};

use crate::source::Span;
use crate::version::Version;

/// Which configuration language a model was lowered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Haproxy,
    Nginx,
}

impl SourceFormat {
    /// What the format calls a pool of servers: `backend` or `upstream`.
    pub fn backend_word(self) -> &'static str {
        match self {
            SourceFormat::Haproxy => "backend",
            SourceFormat::Nginx => "upstream",
        }
    }
}

/// The name of a `defaults` section, interned so that an [`Origin`] (and so
/// each of a server's dozen sourced values) stays at four bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DefaultsName(u16);

/// Every defaults name seen in this process (few, and kept for its life),
/// with an index to find one in constant time.
struct DefaultsNames {
    names: Vec<&'static str>,
    index: foldhash::HashMap<&'static str, u16>,
}

static DEFAULTS_NAMES: std::sync::Mutex<Option<DefaultsNames>> = std::sync::Mutex::new(None);

/// Shown for names past the last index: a config with tens of thousands of
/// named defaults sections still loads, without their names.
const TOO_MANY_DEFAULTS: &str = "(one of over 65,535 named defaults sections)";

impl DefaultsName {
    pub fn new(name: &str) -> DefaultsName {
        let mut guard = DEFAULTS_NAMES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let table = guard.get_or_insert_with(|| DefaultsNames {
            names: Vec::new(),
            index: foldhash::HashMap::default(),
        });
        if let Some(&i) = table.index.get(name) {
            return DefaultsName(i);
        }
        let i = match u16::try_from(table.names.len()) {
            Ok(i) if i < u16::MAX => i,
            _ => return DefaultsName(u16::MAX),
        };
        let name: &'static str = Box::leak(name.into());
        table.names.push(name);
        table.index.insert(name, i);
        DefaultsName(i)
    }

    pub fn as_str(self) -> &'static str {
        let guard = DEFAULTS_NAMES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let name = guard.as_ref().and_then(|t| t.names.get(self.0 as usize));
        name.copied().unwrap_or(TOO_MANY_DEFAULTS)
    }
}

impl std::ops::Deref for DefaultsName {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for DefaultsName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for DefaultsName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DefaultsName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Written on the object itself.
    Explicit,
    /// From a `default-server` line of the same proxy.
    DefaultServer,
    /// From a `defaults` section (its own line or its `default-server`), by name
    /// (`""` for an anonymous one).
    Defaults(DefaultsName),
    /// From the `global` section.
    Global,
    /// The software's built-in default.
    BuiltIn,
}

/// A value with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
    #[serde(skip)]
    pub span: Option<Span>,
}

impl<T> Sourced<T> {
    pub fn new(value: T, origin: &Origin, span: Span) -> Sourced<T> {
        Sourced {
            value,
            origin: *origin,
            span: Some(span),
        }
    }

    pub fn built_in(value: T) -> Sourced<T> {
        Sourced {
            value,
            origin: Origin::BuiltIn,
            span: None,
        }
    }

    pub fn explicit(value: T, span: Span) -> Sourced<T> {
        Sourced {
            value,
            origin: Origin::Explicit,
            span: Some(span),
        }
    }

    pub fn is_default(&self) -> bool {
        self.origin == Origin::BuiltIn
    }
}

/// A value and where it came from, without its place in the text: for the
/// settings of which there are hundreds of thousands (a server's `backup`,
/// `check`, check timings) and whose findings point at their server's line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WithOrigin<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> WithOrigin<T> {
    pub fn built_in(value: T) -> WithOrigin<T> {
        WithOrigin {
            value,
            origin: Origin::BuiltIn,
        }
    }
}

impl<T> WithOrigin<T> {
    pub fn explicit(value: T) -> WithOrigin<T> {
        WithOrigin {
            value,
            origin: Origin::Explicit,
        }
    }
}

/// A setting as reports show it: its value and where it came from.
pub trait Originated<T> {
    fn value(&self) -> &T;
    fn origin(&self) -> Origin;
}

impl<T> Originated<T> for Sourced<T> {
    fn value(&self) -> &T {
        &self.value
    }

    fn origin(&self) -> Origin {
        self.origin
    }
}

impl<T> Originated<T> for WithOrigin<T> {
    fn value(&self) -> &T {
        &self.value
    }

    fn origin(&self) -> Origin {
        self.origin
    }
}

impl<T> From<Sourced<T>> for WithOrigin<T> {
    fn from(s: Sourced<T>) -> WithOrigin<T> {
        WithOrigin {
            value: s.value,
            origin: s.origin,
        }
    }
}

/// The whole routing model of one configuration.
#[derive(Debug, Clone)]
pub struct Model {
    pub format: SourceFormat,
    /// The target version the version-dependent defaults followed.
    pub version: Option<Version>,
    pub entry_points: Vec<EntryPoint>,
    pub backends: Vec<Backend>,
    pub limits: Limits,
    /// Parts of the config whose effect could not be decided statically
    /// (an `.if` on an environment variable, ...): where and why.
    pub uncertain: Vec<(Span, String)>,
}

impl Model {
    /// A model with nothing in it yet.
    pub fn empty(format: SourceFormat, version: Option<Version>) -> Model {
        Model {
            format,
            version,
            entry_points: Vec::new(),
            backends: Vec::new(),
            limits: Limits {
                global_maxconn: Sourced::built_in(None),
                worker_processes: None,
                worker_connections: None,
                worker_rlimit_nofile: None,
            },
            uncertain: Vec::new(),
        }
    }

    /// Backend indexes by name (the first of duplicates), for lookups in
    /// linear time over many routes.
    pub fn backend_index(&self) -> foldhash::HashMap<&str, usize> {
        let mut index = foldhash::HashMap::default();
        index.reserve(self.backends.len());
        for (i, b) in self.backends.iter().enumerate() {
            index.entry(b.name.as_str()).or_insert(i);
        }
        index
    }

    /// The backends each route may reach, certainly or possibly, given the
    /// model's [`Model::backend_index`].
    pub fn routed_backends(&self, index: &foldhash::HashMap<&str, usize>) -> Vec<bool> {
        let mut routed = vec![false; self.backends.len()];
        for r in self.entry_points.iter().flat_map(|e| &e.routes) {
            let mut mark = |name: &str| {
                if let Some(&i) = index.get(name) {
                    routed[i] = true;
                }
            };
            match &r.target {
                Target::Backend { name } => mark(name),
                Target::Dynamic { candidates, .. } => {
                    candidates.iter().for_each(|c| mark(&c.backend))
                }
                Target::Terminal { .. } => {}
            }
        }
        routed
    }

    pub fn backend(&self, name: &str) -> Option<&Backend> {
        self.backends.iter().find(|b| b.name == name)
    }

    pub fn entry_point(&self, name: &str) -> Option<&EntryPoint> {
        self.entry_points.iter().find(|e| e.name == name)
    }
}

/// Process-wide connection limits.
#[derive(Debug, Clone, Serialize)]
pub struct Limits {
    /// HAProxy global `maxconn`; `None` when left to the environment
    /// (HAProxy then derives it from the file-descriptor limit).
    pub global_maxconn: Sourced<Option<u64>>,
    /// nginx `worker_processes`; `Some(None)` for `auto` without `--cpus`.
    pub worker_processes: Option<Sourced<Option<u64>>>,
    /// nginx `worker_connections` (per worker; default 512).
    pub worker_connections: Option<Sourced<u64>>,
    /// nginx `worker_rlimit_nofile`.
    pub worker_rlimit_nofile: Option<Sourced<Option<u64>>>,
}

impl Limits {
    /// nginx's process-wide connection limit: workers × connections, when both
    /// are known.
    pub fn nginx_connections(&self) -> Option<u64> {
        let workers = self.worker_processes.as_ref()?.value?;
        Some(workers * self.worker_connections.as_ref()?.value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    Frontend,
    Listen,
    /// nginx `server {}` in `http`.
    HttpServer,
    /// nginx `server {}` in `stream`.
    StreamServer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Http,
    Tcp,
}

/// Where traffic arrives.
#[derive(Debug, Clone)]
pub struct EntryPoint {
    pub name: String,
    pub kind: EntryKind,
    pub span: Span,
    pub binds: Vec<Bind>,
    /// nginx `server_name`s, in the order written.
    pub server_names: Vec<String>,
    pub mode: Sourced<Mode>,
    /// Connection limit; `None` when it is left to the environment.
    pub maxconn: Sourced<Option<u64>>,
    /// Routes in evaluation order.
    pub routes: Vec<Route>,
    /// HAProxy `timeout NAME VALUE` in force (own or inherited), in ms.
    pub timeouts: Timeouts,
    /// Declared inside an undecidable `.if` branch.
    pub uncertain: bool,
}

/// One listening address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bind {
    /// As written (`*:443`, `ipv4@10.0.0.1:80`, `unix@/run/x.sock`).
    pub address: String,
    /// The host part, `*` for every address; `None` for non-IP sockets.
    pub host: Option<String>,
    /// Port range `(first, last)`; `None` when not a TCP/UDP port or unresolved.
    pub ports: Option<(u16, u16)>,
    pub tls: bool,
    /// nginx `default_server`: takes requests no `server_name` matches.
    pub default_server: bool,
    #[serde(skip)]
    pub span: Span,
}

/// An ordered routing rule: when `condition` holds, traffic goes to `target`.
#[derive(Debug, Clone)]
pub struct Route {
    pub kind: RouteKind,
    pub condition: Condition,
    pub target: Target,
    pub span: Span,
    pub uncertain: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteKind {
    /// A terminal action rule (`http-request deny`, `redirect`, ...).
    Action,
    /// `use_backend`.
    UseBackend,
    /// `default_backend`, or a `listen` section serving itself.
    Default,
}

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Target {
    Backend {
        name: String,
    },
    /// A name computed at run time; `candidates` are the backends it may reach
    /// when that set is knowable.
    Dynamic {
        expression: String,
        /// Shared by the routes of one expression: thousands of routes may
        /// name one computed target that thousands of backends fit.
        candidates: std::sync::Arc<[Candidate]>,
    },
    /// Ends the request without a backend (redirect, deny, return, service).
    Terminal {
        action: String,
    },
}

/// Candidate lists up to this long are shown wherever a route has one;
/// longer ones, which many routes may share, once.
pub const SHORT_CANDIDATE_LIST: usize = 16;

/// A long candidate list's identity (its allocation, which the routes of
/// one computed target share), for showing it once; `None` for a short one.
pub fn long_list_id(candidates: &std::sync::Arc<[Candidate]>) -> Option<usize> {
    (candidates.len() > SHORT_CANDIDATE_LIST).then(|| candidates.as_ptr() as usize)
}

/// A backend a dynamic target may reach, with its share of the requests when
/// the config fixes it (nginx `split_clients`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub backend: String,
    pub share: Option<f64>,
}

impl Candidate {
    pub fn named(backend: impl Into<String>) -> Candidate {
        Candidate {
            backend: backend.into(),
            share: None,
        }
    }
}

impl Target {
    pub fn backend_name(&self) -> Option<&str> {
        match self {
            Target::Backend { name } => Some(name),
            _ => None,
        }
    }
}

/// A load-balancing algorithm and its arguments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Algorithm {
    pub kind: AlgorithmKind,
    /// The words after the algorithm's name (`balance hdr(host)`,
    /// `hash $request_uri consistent`); most backends have none.
    pub params: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlgorithmKind {
    RoundRobin,
    StaticRr,
    LeastConn,
    First,
    Source,
    Uri,
    UrlParam,
    Hdr,
    Random,
    RdpCookie,
    Hash,
    /// nginx `ip_hash`.
    IpHash,
}

impl AlgorithmKind {
    pub fn from_haproxy(word: &str) -> Option<AlgorithmKind> {
        Some(match word {
            "roundrobin" => AlgorithmKind::RoundRobin,
            "static-rr" => AlgorithmKind::StaticRr,
            "leastconn" => AlgorithmKind::LeastConn,
            "first" => AlgorithmKind::First,
            "source" => AlgorithmKind::Source,
            "uri" => AlgorithmKind::Uri,
            "url_param" => AlgorithmKind::UrlParam,
            "random" => AlgorithmKind::Random,
            "rdp-cookie" => AlgorithmKind::RdpCookie,
            "hash" => AlgorithmKind::Hash,
            w if w.starts_with("hdr(") => AlgorithmKind::Hdr,
            w if w.starts_with("rdp-cookie(") => AlgorithmKind::RdpCookie,
            w if w.starts_with("random(") => AlgorithmKind::Random,
            _ => return None,
        })
    }

    /// The name the given format uses for it.
    pub fn name_in(self, format: SourceFormat) -> &'static str {
        match (format, self) {
            (SourceFormat::Nginx, AlgorithmKind::RoundRobin) => "round-robin",
            (SourceFormat::Nginx, AlgorithmKind::LeastConn) => "least_conn",
            (SourceFormat::Nginx, AlgorithmKind::Hash) => "hash",
            (SourceFormat::Nginx, AlgorithmKind::Random) => "random",
            _ => self.name(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AlgorithmKind::RoundRobin => "roundrobin",
            AlgorithmKind::StaticRr => "static-rr",
            AlgorithmKind::LeastConn => "leastconn",
            AlgorithmKind::First => "first",
            AlgorithmKind::Source => "source",
            AlgorithmKind::Uri => "uri",
            AlgorithmKind::UrlParam => "url_param",
            AlgorithmKind::Hdr => "hdr",
            AlgorithmKind::Random => "random",
            AlgorithmKind::RdpCookie => "rdp-cookie",
            AlgorithmKind::Hash => "hash",
            AlgorithmKind::IpHash => "ip_hash",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendKind {
    Backend,
    Listen,
    /// nginx `upstream`.
    Upstream,
    /// A single address named directly by a route (`proxy_pass http://10.0.0.1`).
    Implicit,
}

/// How a backend learns that a server is dead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    /// The kind of active check when one is configured (`httpchk`,
    /// `tcp-check`, `ssl-hello-chk`, ...); plain TCP connect otherwise.
    pub check_type: Option<WithOrigin<Cow<'static, str>>>,
    /// `option allbackups`: all backups share the load, not just the first.
    pub allbackups: Sourced<bool>,
    /// A request that failed on one server is retried on another: HAProxy
    /// `option redispatch` (with `retries` above 0), nginx always
    /// (`proxy_next_upstream`).
    pub redispatch: WithOrigin<bool>,
}

/// Where traffic lands.
#[derive(Debug, Clone)]
pub struct Backend {
    pub name: String,
    pub kind: BackendKind,
    pub span: Span,
    pub mode: Sourced<Mode>,
    pub algorithm: Sourced<Algorithm>,
    pub health: Health,
    /// nginx `keepalive` connections cached per worker.
    pub keepalive: Option<WithOrigin<u64>>,
    /// The settings of [`BackendExtras`], when any differs from its default.
    pub extras: Option<Box<BackendExtras>>,
    /// HAProxy `timeout NAME VALUE` in force (own or inherited), in ms.
    pub timeouts: Timeouts,
    /// Declares a stick table (may exist only to hold one).
    pub stick_table: bool,
    /// The proxy answers requests itself (HAProxy `stats enable`/`stats uri`,
    /// `use-service`), so having no servers is not a dead backend.
    pub serves_itself: bool,
    /// HAProxy `disabled` (its own, or its defaults section's): the proxy is
    /// stopped and every request routed to it fails (503).
    pub disabled: Option<Span>,
    pub servers: Vec<Server>,
    pub uncertain: bool,
}

/// Backend settings that most backends leave at their defaults: kept apart
/// so that each of tens of thousands of backends does not carry them.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendExtras {
    /// HAProxy `hash-type` (`map-based`, `consistent`, with an optional
    /// function); nginx `hash ... consistent`.
    pub hash_type: Sourced<Cow<'static, str>>,
    pub fullconn: WithOrigin<Option<u64>>,
    /// nginx `zone`: state shared between workers.
    pub zone: Option<String>,
}

impl Default for BackendExtras {
    fn default() -> BackendExtras {
        DEFAULT_BACKEND_EXTRAS.clone()
    }
}

/// What a backend without [`BackendExtras`] has: the built-in defaults.
static DEFAULT_BACKEND_EXTRAS: BackendExtras = BackendExtras {
    hash_type: Sourced {
        value: Cow::Borrowed("map-based"),
        origin: Origin::BuiltIn,
        span: None,
    },
    fullconn: WithOrigin {
        value: None,
        origin: Origin::BuiltIn,
    },
    zone: None,
};

impl Backend {
    fn extras(&self) -> &BackendExtras {
        self.extras.as_deref().unwrap_or(&DEFAULT_BACKEND_EXTRAS)
    }

    pub fn hash_type(&self) -> &Sourced<Cow<'static, str>> {
        &self.extras().hash_type
    }

    pub fn fullconn(&self) -> &WithOrigin<Option<u64>> {
        &self.extras().fullconn
    }

    pub fn zone(&self) -> Option<&str> {
        self.extras().zone.as_deref()
    }
}

/// `timeout NAME VALUE` pairs sorted by name, in ms; shared between the
/// proxies that inherit the same set rather than copied into each.
pub type Timeouts = std::sync::Arc<[(String, Sourced<u64>)]>;

/// One server of a backend. Large configs hold hundreds of thousands, so
/// what most servers leave at the default is kept apart ([`ServerExtras`])
/// and read through methods.
#[derive(Debug, Clone)]
pub struct Server {
    /// The name, then the address as written (host or IP, with the port
    /// when given): one allocation for both, read through [`Server::name`]
    /// and [`Server::address`].
    names: Box<str>,
    /// Where the address starts in `names`; [`NAMED_BY_ADDRESS`] when the
    /// server has no name of its own (nginx).
    address_at: u32,
    pub span: Span,
    pub weight: Sourced<u32>,
    /// Per-server connection limit; `None` is unlimited.
    pub maxconn: Sourced<Option<u64>>,
    pub backup: WithOrigin<bool>,
    /// Administratively out (`disabled`, nginx `down`).
    pub disabled: WithOrigin<bool>,
    /// Active health checks on this server.
    pub check: WithOrigin<bool>,
    /// How a failing server is noticed, besides `check`.
    pub detection: FailureDetection,
    /// The settings of [`ServerExtras`], when any differs from its default.
    pub extras: Option<Box<ServerExtras>>,
    /// The address holds an unresolved environment variable.
    pub unresolved: bool,
    pub uncertain: bool,
}

/// How the software notices that a server fails.
#[derive(Debug, Clone, PartialEq)]
pub enum FailureDetection {
    /// HAProxy: the interval between checks, and how many failed (passed)
    /// checks in a row mark the server down (up).
    Active {
        inter_ms: WithOrigin<u64>,
        fall: WithOrigin<u32>,
        rise: WithOrigin<u32>,
    },
    /// nginx passive checks: failures within `fail_timeout` that mark the
    /// server unavailable (0 disables).
    Passive {
        max_fails: WithOrigin<u32>,
        fail_timeout_ms: WithOrigin<u64>,
    },
}

/// Server settings that most servers leave at their defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerExtras {
    pub maxqueue: Sourced<Option<u64>>,
    /// An agent check (HAProxy `agent-check`) may change its weight or state.
    pub agent_check: Sourced<bool>,
    pub slowstart_ms: Sourced<Option<u64>>,
    /// `track [backend/]server`: its health follows another server's.
    pub track: Option<Box<str>>,
    /// The `server-template` this server was expanded from.
    pub template: Option<Box<str>>,
}

impl Default for ServerExtras {
    fn default() -> ServerExtras {
        DEFAULT_EXTRAS.clone()
    }
}

/// What a server without [`ServerExtras`] has: the built-in defaults.
static DEFAULT_EXTRAS: ServerExtras = ServerExtras {
    maxqueue: Sourced {
        value: None,
        origin: Origin::BuiltIn,
        span: None,
    },
    agent_check: Sourced {
        value: false,
        origin: Origin::BuiltIn,
        span: None,
    },
    slowstart_ms: Sourced {
        value: None,
        origin: Origin::BuiltIn,
        span: None,
    },
    track: None,
    template: None,
};

/// `address_at` of a server whose name is its address.
const NAMED_BY_ADDRESS: u32 = u32::MAX;

impl Server {
    /// `names` and `address_at` for a server called `name` at `address`
    /// (`None`: named by its address).
    fn names(name: Option<&str>, address: &str) -> (Box<str>, u32) {
        // A name of 4 GiB cannot be read from a config: such a name is
        // only a theoretical bound, treated as none.
        let at = name.and_then(|n| u32::try_from(n.len()).ok());
        match (name, at) {
            (Some(name), Some(at)) if at != NAMED_BY_ADDRESS => {
                ([name, address].concat().into_boxed_str(), at)
            }
            _ => (address.into(), NAMED_BY_ADDRESS),
        }
    }

    pub fn name(&self) -> &str {
        match self.address_at {
            NAMED_BY_ADDRESS => &self.names,
            at => &self.names[..at as usize],
        }
    }

    /// Address as written (host or IP, with the port when given).
    pub fn address(&self) -> &str {
        match self.address_at {
            NAMED_BY_ADDRESS => &self.names,
            at => &self.names[at as usize..],
        }
    }

    fn extras(&self) -> &ServerExtras {
        self.extras.as_deref().unwrap_or(&DEFAULT_EXTRAS)
    }

    /// The extras, made (at their defaults) when the server had none.
    pub fn extras_mut(&mut self) -> &mut ServerExtras {
        self.extras.get_or_insert_with(Default::default)
    }

    pub fn maxqueue(&self) -> &Sourced<Option<u64>> {
        &self.extras().maxqueue
    }

    pub fn agent_check(&self) -> &Sourced<bool> {
        &self.extras().agent_check
    }

    pub fn slowstart_ms(&self) -> &Sourced<Option<u64>> {
        &self.extras().slowstart_ms
    }

    pub fn track(&self) -> Option<&str> {
        self.extras().track.as_deref()
    }

    pub fn template(&self) -> Option<&str> {
        self.extras().template.as_deref()
    }

    /// HAProxy's check interval (`None` for nginx).
    pub fn inter_ms(&self) -> Option<&WithOrigin<u64>> {
        match &self.detection {
            FailureDetection::Active { inter_ms, .. } => Some(inter_ms),
            FailureDetection::Passive { .. } => None,
        }
    }

    pub fn fall(&self) -> Option<&WithOrigin<u32>> {
        match &self.detection {
            FailureDetection::Active { fall, .. } => Some(fall),
            FailureDetection::Passive { .. } => None,
        }
    }

    pub fn rise(&self) -> Option<&WithOrigin<u32>> {
        match &self.detection {
            FailureDetection::Active { rise, .. } => Some(rise),
            FailureDetection::Passive { .. } => None,
        }
    }

    /// nginx `max_fails` (`None` for HAProxy).
    pub fn max_fails(&self) -> Option<&WithOrigin<u32>> {
        match &self.detection {
            FailureDetection::Passive { max_fails, .. } => Some(max_fails),
            FailureDetection::Active { .. } => None,
        }
    }

    pub fn fail_timeout_ms(&self) -> Option<&WithOrigin<u64>> {
        match &self.detection {
            FailureDetection::Passive {
                fail_timeout_ms, ..
            } => Some(fail_timeout_ms),
            FailureDetection::Active { .. } => None,
        }
    }
}
