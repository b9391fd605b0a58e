//! Where one request goes: which entry point takes it, which route matches,
//! and which backend (or terminal action) answers.
//!
//! HAProxy: the entry point is the frontend bound to the request's port; its
//! routes are tried in order. nginx: the `server` block is chosen among those
//! listening on the port by `server_name` as nginx does (exact name, longest
//! `*.` wildcard, longest `.*` wildcard, first regex, then the port's
//! `default_server` or its first server); the URI is normalized as nginx
//! does before location matching. Undecidable conditions make the answer
//! uncertain and say why.

pub mod matching;
mod prefilter;

use std::borrow::Cow;
use std::net::IpAddr;

use foldhash::{HashMap, HashMapExt};

use self::matching::{Evaluation, Tri};
use self::prefilter::RouteFilter;
use crate::model::{EntryKind, EntryPoint, Model, SourceFormat, Target};

/// One request to route.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Path with the query string, e.g. `/v1/users?id=1`.
    pub path: String,
    pub method: String,
    /// Headers, names lowercased; `host` among them.
    pub headers: Vec<(String, String)>,
    pub src: Option<IpAddr>,
    pub port: u16,
    pub tls: bool,
}

impl Request {
    pub fn new(host: Option<&str>, path: &str, port: u16) -> Request {
        let mut headers = Vec::new();
        if let Some(h) = host {
            headers.push(("host".to_string(), h.to_string()));
        }
        Request {
            path: if path.is_empty() {
                "/".to_string()
            } else {
                path.to_string()
            },
            method: "GET".to_string(),
            headers,
            src: None,
            port,
            tls: false,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or(&self.path)
    }

    /// The host without its port, lowercased, as nginx compares it.
    fn host_name(&self) -> Option<String> {
        let h = self.header("host")?;
        let h = if h.starts_with('[') {
            h.split(']').next().map(|s| format!("{s}]"))
        } else {
            h.split(':').next().map(str::to_string)
        }?;
        Some(h.trim_end_matches('.').to_ascii_lowercase())
    }
}

/// What happened to the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Index of the entry point that took it.
    pub entry: usize,
    /// Index of the route that matched, if any.
    pub route: Option<usize>,
    /// Where it went; `None` when no route matched.
    pub target: Option<Target>,
    /// False when an earlier route might have matched, or this one might not.
    pub certain: bool,
    /// Why the answer is uncertain, predicate by predicate.
    pub unknown: Vec<String>,
}

fn listens_on(e: &EntryPoint, port: u16) -> bool {
    e.binds
        .iter()
        .any(|b| b.ports.is_some_and(|(lo, hi)| lo <= port && port <= hi))
}

/// nginx URI normalization before location matching: percent-decoding,
/// merged slashes, `.` and `..` segments resolved.
pub fn normalize_uri(path: &str) -> String {
    let raw = path.split('?').next().unwrap_or(path);
    let mut bytes = Vec::with_capacity(raw.len());
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && b.len() - i >= 3 {
            let hex = &b[i + 1..i + 3];
            if hex.iter().all(u8::is_ascii_hexdigit) {
                let digit = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                bytes.push(digit(hex[0]) * 16 + digit(hex[1]));
                i += 3;
                continue;
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    let decoded = String::from_utf8_lossy(&bytes).into_owned();
    let mut segments: Vec<&str> = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = format!("/{}", segments.join("/"));
    if decoded.ends_with('/') && out != "/" {
        out.push('/');
    }
    out
}

/// A model prepared for routing many requests: entry points by port, and
/// nginx server names lowercased and indexed once.
pub struct Router<'m> {
    model: &'m Model,
    by_port: HashMap<u16, Vec<usize>>,
    /// Entry points on port ranges too wide to index.
    wide: Vec<usize>,
    /// nginx: lowercased server names per entry point.
    names: Vec<Vec<String>>,
    /// nginx: (port, exact name) -> first server block.
    exact: HashMap<(u16, String), usize>,
    /// nginx: server blocks with a wildcard or regex name, in source order;
    /// only these can match a host that no exact name does.
    patterned: Vec<usize>,
    /// Per entry point, which of its routes a request may meet: made the
    /// first time a request reaches it (a diff probes only the entry points
    /// whose routes changed, a route lookup one).
    filters: Vec<std::sync::OnceLock<RouteFilter>>,
    /// nginx: the `http` server blocks of each indexed port, worked out once
    /// (a port may have thousands).
    port_servers: HashMap<u16, PortServers>,
}

/// nginx: the `http` server blocks listening on one port, in source order,
/// and the ones that take requests no name picks.
#[derive(Clone, Default)]
struct PortServers {
    http: Vec<usize>,
    /// The first with an empty `server_name` (for requests without `Host`).
    unnamed: Option<usize>,
    /// The port's `default_server`, else its first block.
    fallback: Option<usize>,
}

impl PortServers {
    fn new(model: &Model, names: &[Vec<String>], candidates: &[usize]) -> PortServers {
        let http: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| model.entry_points[i].kind == EntryKind::HttpServer)
            .collect();
        let unnamed = http
            .iter()
            .copied()
            .find(|&i| names[i].iter().any(|n| n.is_empty()));
        let fallback = http
            .iter()
            .copied()
            .find(|&i| model.entry_points[i].binds.iter().any(|b| b.default_server))
            .or_else(|| http.first().copied());
        PortServers {
            http,
            unnamed,
            fallback,
        }
    }
}

impl<'m> Router<'m> {
    pub fn new(model: &'m Model) -> Router<'m> {
        let mut by_port: HashMap<u16, Vec<usize>> = HashMap::new();
        let mut wide = Vec::new();
        for (i, e) in model.entry_points.iter().enumerate() {
            for (lo, hi) in e.binds.iter().filter_map(|b| b.ports) {
                if hi.saturating_sub(lo) > 1024 {
                    wide.push(i);
                    continue;
                }
                for p in lo..=hi {
                    let list = by_port.entry(p).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
        }
        let names: Vec<Vec<String>> = model
            .entry_points
            .iter()
            .map(|e| {
                e.server_names
                    .iter()
                    .map(|n| n.to_ascii_lowercase())
                    .collect()
            })
            .collect();
        let mut exact = HashMap::new();
        for (&port, list) in &by_port {
            for &i in list {
                for n in &names[i] {
                    let bare = n.strip_prefix('.').unwrap_or(n);
                    if !n.starts_with('*') && !n.ends_with('*') && !n.starts_with('~') {
                        exact.entry((port, bare.to_string())).or_insert(i);
                    }
                }
            }
        }
        let patterned = (0..names.len())
            .filter(|&i| {
                names[i]
                    .iter()
                    .any(|n| n.starts_with(['*', '.', '~']) || n.ends_with('*'))
            })
            .collect();
        let port_servers = if model.format == SourceFormat::Nginx {
            by_port
                .iter()
                .map(|(&port, list)| (port, PortServers::new(model, &names, list)))
                .collect()
        } else {
            HashMap::new()
        };
        let filters = model
            .entry_points
            .iter()
            .map(|_| std::sync::OnceLock::new())
            .collect();
        Router {
            model,
            by_port,
            wide,
            names,
            exact,
            patterned,
            filters,
            port_servers,
        }
    }

    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// Entry points listening on `port`, in source order. Borrowed from the
    /// index when no wide port range can add to it: probes call this often.
    pub fn listening(&self, port: u16) -> Cow<'_, [usize]> {
        let indexed = self.by_port.get(&port).map_or(&[][..], Vec::as_slice);
        if self.wide.is_empty() {
            return Cow::Borrowed(indexed);
        }
        let mut list = indexed.to_vec();
        list.extend(
            self.wide
                .iter()
                .copied()
                .filter(|&i| listens_on(&self.model.entry_points[i], port)),
        );
        list.sort_unstable();
        list.dedup();
        Cow::Owned(list)
    }

    /// What [`Router::listening`] reads for `port`: its indexed entry
    /// points and every wide port range.
    pub fn listening_work(&self, port: u16) -> usize {
        self.by_port.get(&port).map_or(0, Vec::len) + self.wide.len()
    }

    /// nginx: the `http` server blocks listening on `port`.
    fn port_servers(&self, port: u16) -> Cow<'_, PortServers> {
        match self.port_servers.get(&port) {
            Some(servers) if self.wide.is_empty() => Cow::Borrowed(servers),
            _ => Cow::Owned(PortServers::new(
                self.model,
                &self.names,
                &self.listening(port),
            )),
        }
    }

    /// nginx's choice of `server` block among a port's for a host name.
    fn nginx_server(&self, servers: &PortServers, port: u16, host: Option<&str>) -> Option<usize> {
        let candidates = &servers.http;
        if let Some(host) = host {
            if let Some(&i) = self
                .exact
                .get(&(port, host.to_string()))
                .filter(|i| candidates.binary_search(i).is_ok())
            {
                return Some(i);
            }
            let patterned: Vec<usize> = self
                .patterned
                .iter()
                .copied()
                .filter(|i| candidates.binary_search(i).is_ok())
                .collect();
            let mut best: Option<(usize, usize)> = None;
            for &i in patterned.iter() {
                for n in &self.names[i] {
                    let suffix = n
                        .strip_prefix('*')
                        .or_else(|| n.strip_prefix('.').map(|_| &n[..]));
                    if let Some(suffix) =
                        suffix.filter(|s| s.starts_with('.') && host.ends_with(*s))
                        && best.is_none_or(|(len, _)| suffix.len() > len)
                    {
                        best = Some((suffix.len(), i));
                    }
                }
            }
            if let Some((_, i)) = best {
                return Some(i);
            }
            for &i in patterned.iter() {
                for n in &self.names[i] {
                    if let Some(prefix) = n
                        .strip_suffix('*')
                        .filter(|p| p.ends_with('.') && host.starts_with(*p))
                        && best.is_none_or(|(len, _)| prefix.len() > len)
                    {
                        best = Some((prefix.len(), i));
                    }
                }
            }
            if let Some((_, i)) = best {
                return Some(i);
            }
            for &i in patterned.iter() {
                for n in &self.model.entry_points[i].server_names {
                    if let Some(re) = n.strip_prefix('~')
                        && matching::regex_match(re, true, host) == Some(true)
                    {
                        return Some(i);
                    }
                }
            }
        } else if let Some(i) = servers.unnamed {
            return Some(i);
        }
        servers.fallback
    }

    /// Routes `req`.
    pub fn route(&self, req: &Request) -> Result<Decision, String> {
        let model = self.model;
        let candidates = self.listening(req.port);
        let entry = match model.format {
            SourceFormat::Haproxy => candidates.first().copied(),
            SourceFormat::Nginx => {
                let servers = self.port_servers(req.port);
                if servers.http.is_empty() {
                    candidates.first().copied()
                } else {
                    self.nginx_server(&servers, req.port, req.host_name().as_deref())
                }
            }
        }
        .ok_or_else(|| format!("no entry point listens on port {}", req.port))?;
        let mut request = req.clone();
        if model.format == SourceFormat::Nginx {
            let query = req
                .path
                .split_once('?')
                .map(|(_, q)| format!("?{q}"))
                .unwrap_or_default();
            request.path = format!("{}{query}", normalize_uri(&req.path));
        }
        let mut unknown = Vec::new();
        let host = request.header("host").map(str::to_ascii_lowercase);
        let path = request.path_only();
        let routes = &model.entry_points[entry].routes;
        // Routes whose condition is certainly false for this request are
        // not evaluated.
        let mut evaluation = Evaluation::new(&request);
        let filter = self.filters[entry].get_or_init(|| RouteFilter::new(routes));
        for i in filter.candidates(host.as_deref(), path) {
            let r = &routes[i];
            match evaluation.eval(&r.condition) {
                Tri::True => {
                    return Ok(Decision {
                        entry,
                        route: Some(i),
                        target: Some(r.target.clone()),
                        certain: unknown.is_empty() && !r.uncertain,
                        unknown,
                    });
                }
                Tri::Unknown(why) => unknown.push(why),
                Tri::False => {}
            }
        }
        Ok(Decision {
            entry,
            route: None,
            target: None,
            certain: unknown.is_empty(),
            unknown,
        })
    }
}

/// Routes one request through `model` (see [`Router`] for many).
pub fn route(model: &Model, req: &Request) -> Result<Decision, String> {
    Router::new(model).route(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_uri_normalization() {
        assert_eq!(normalize_uri("/a//b/./c/../d"), "/a/b/d");
        assert_eq!(normalize_uri("/%61pi/x?y=1"), "/api/x");
        assert_eq!(normalize_uri("/static/"), "/static/");
        assert_eq!(normalize_uri("/../.."), "/");
    }
}
