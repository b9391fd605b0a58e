//! Probe requests for comparing routes: for each port whose entry points
//! differ between the configs, every host, path and port literal of those
//! entry points' conditions (and nginx `server_name`s), plus a host nothing
//! names, evaluated on both models.

use std::borrow::Cow;
use std::collections::BTreeSet;

use foldhash::HashMap;

use serde::Serialize;

use crate::model::condition::SameConditions;
use crate::model::{Condition, EntryPoint, MatchMethod, Model, Route, Target};
use crate::route::matching::{anchored_literal, ascii_lowercase};
use crate::route::{Request, Router};

/// Most probes evaluated; past that the list is cut (and the report says so).
pub const MAX_PROBES: usize = 5000;

/// How many entry points the comparison of ports may read (each port's
/// listeners on both sides) before it stops and says the probes were cut.
const PORT_WORK: usize = 1 << 24;

/// A host that no config names, to see where unmatched requests go.
pub const UNMATCHED_HOST: &str = "unmatched.invalid";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Probe {
    pub host: String,
    pub path: String,
    pub port: u16,
}

/// Host and path literals, borrowed from the model where they are used as
/// written; [`Literals::sorted`] orders them and drops repeats.
#[derive(Default)]
struct Literals<'m> {
    hosts: Vec<Cow<'m, str>>,
    paths: Vec<Cow<'m, str>>,
    /// Named ACL bodies already read: thousands of routes may name one.
    acls_read: foldhash::HashSet<*const Condition>,
}

impl<'m> Literals<'m> {
    /// With the root path and a host no route names, which every probe
    /// set needs.
    fn with_defaults(mut self) -> Literals<'m> {
        self.paths.push(Cow::Borrowed("/"));
        self.hosts.push(Cow::Borrowed(UNMATCHED_HOST));
        self
    }

    fn sorted(mut self) -> Literals<'m> {
        use rayon::slice::ParallelSliceMut;
        for list in [&mut self.hosts, &mut self.paths] {
            // Every literal of a large config's changed ports: sorted in
            // parallel, beside the diff's other parts.
            list.par_sort_unstable();
            list.dedup();
        }
        self
    }
}

/// `prefix` at the start of `s`, in any case.
fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

fn is_host_fetch(fetch: &str) -> bool {
    let f = if starts_with_ignore_case(fetch, "req.") {
        &fetch[4..]
    } else {
        fetch
    };
    starts_with_ignore_case(f, "hdr(host")
        || starts_with_ignore_case(f, "fhdr(host")
        || f.eq_ignore_ascii_case("ssl_sni")
        || f.eq_ignore_ascii_case("ssl_fc_sni")
}

/// A host as requests carry it: lowercase (borrowed when it already is).
fn lowercase(host: Cow<'_, str>) -> Cow<'_, str> {
    match host {
        Cow::Borrowed(host) => ascii_lowercase(host),
        Cow::Owned(mut host) => {
            host.make_ascii_lowercase();
            Cow::Owned(host)
        }
    }
}

/// The literal start of an anchored regex, when it is a path
/// (`^/api/v[0-9]` gives `/api/v`).
fn regex_prefix(re: &str) -> Option<String> {
    let (literal, _) = anchored_literal(re)?;
    literal.starts_with('/').then(|| literal.to_string())
}

fn collect<'m>(cond: &'m Condition, lit: &mut Literals<'m>) {
    match cond {
        Condition::Pred(p) => {
            let host_fetch = is_host_fetch(&p.fetch);
            let path_fetch = ["path", "url", "base"]
                .iter()
                .any(|f| p.fetch.eq_ignore_ascii_case(f));
            for v in &p.values {
                if host_fetch {
                    let host = match p.method.unwrap_or(MatchMethod::Str) {
                        MatchMethod::Str | MatchMethod::Sub => Cow::Borrowed(v.as_str()),
                        MatchMethod::Beg => Cow::Owned(format!("{v}probe.example")),
                        MatchMethod::End | MatchMethod::Dom => {
                            Cow::Owned(format!("probe.{}", v.trim_start_matches('.')))
                        }
                        _ => continue,
                    };
                    lit.hosts.push(lowercase(host));
                } else if path_fetch {
                    let path = match p.method.unwrap_or(MatchMethod::Str) {
                        MatchMethod::Str => Cow::Borrowed(v.as_str()),
                        MatchMethod::Beg => {
                            lit.paths.push(Cow::Owned(format!("{v}probe")));
                            Cow::Borrowed(v.as_str())
                        }
                        MatchMethod::End => Cow::Owned(format!("/probe{v}")),
                        MatchMethod::Dir => Cow::Owned(format!("/{}/probe", v.trim_matches('/'))),
                        MatchMethod::Sub => Cow::Owned(format!("/probe{v}probe")),
                        MatchMethod::Reg => match regex_prefix(v) {
                            Some(prefix) => Cow::Owned(format!("{prefix}probe")),
                            None => continue,
                        },
                        _ => continue,
                    };
                    if path.starts_with('/') {
                        lit.paths.push(path);
                    }
                }
            }
        }
        Condition::Not(c) => collect(c, lit),
        // Each body once (an ACL read before falls through to nothing).
        Condition::Acl(_, c) if lit.acls_read.insert(std::sync::Arc::as_ptr(c)) => collect(c, lit),
        Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| collect(c, lit)),
        _ => {}
    }
}

/// Probe hosts for an entry point's `server_name`s.
fn names<'m>(e: &'m EntryPoint, lit: &mut Literals<'m>) {
    for n in &e.server_names {
        if n.is_empty() || n == "_" || n.starts_with('~') {
            continue;
        }
        let host = if let Some(rest) = n.strip_prefix("*.") {
            Cow::Owned(format!("probe.{rest}"))
        } else if let Some(rest) = n.strip_suffix(".*") {
            Cow::Owned(format!("{rest}.probe"))
        } else {
            Cow::Borrowed(n.trim_start_matches('.'))
        };
        lit.hosts.push(lowercase(host));
    }
}

fn literals<'m>(e: &'m EntryPoint, lit: &mut Literals<'m>) {
    names(e, lit);
    for r in &e.routes {
        collect(&r.condition, lit);
    }
}

/// Whether two entry points send every request to the same place: the
/// router reads only their kind, ports, names and ordered routes.
fn routes_alike(a: &EntryPoint, b: &EntryPoint, same: &mut SameConditions) -> bool {
    let binds = |e: &EntryPoint| {
        e.binds
            .iter()
            .map(|b| (b.ports, b.default_server))
            .collect::<Vec<_>>()
    };
    a.kind == b.kind
        && a.server_names == b.server_names
        && binds(a) == binds(b)
        && a.routes.len() == b.routes.len()
        && a.routes
            .iter()
            .zip(&b.routes)
            .all(|(x, y)| x.target == y.target && same.eq(&x.condition, &y.condition))
}

/// Whether entry points of the old and new model (by index) route alike,
/// each pair worked out once.
struct EntryPairs<'m> {
    old: &'m Model,
    new: &'m Model,
    same: SameConditions,
    alike: HashMap<(usize, usize), bool>,
}

impl EntryPairs<'_> {
    fn alike(&mut self, i: usize, j: usize) -> bool {
        if let Some(&known) = self.alike.get(&(i, j)) {
            return known;
        }
        let alike = routes_alike(
            &self.old.entry_points[i],
            &self.new.entry_points[j],
            &mut self.same,
        );
        self.alike.insert((i, j), alike);
        alike
    }
}

/// Routes of `a` with no route of the same condition and target in `b`:
/// `b`'s routes are looked up by their condition as text, then compared.
fn routes_not_in<'m>(
    a: &'m EntryPoint,
    b: &EntryPoint,
    same: &mut SameConditions,
) -> Vec<&'m Route> {
    let mut by_text: HashMap<String, Vec<&Route>> = HashMap::default();
    for y in &b.routes {
        by_text.entry(y.condition.to_string()).or_default().push(y);
    }
    a.routes
        .iter()
        .filter(|x| {
            let alike = by_text.get(&x.condition.to_string());
            !alike
                .into_iter()
                .flatten()
                .any(|y| x.target == y.target && same.eq(&x.condition, &y.condition))
        })
        .collect()
}

/// Probes for the ports where the two models may route differently (on
/// the others, every probe would go to the same place on both sides),
/// bounded by [`MAX_PROBES`]; `true` when cut. Requests for what changed
/// come first: the names of entry points whose routes changed with the
/// literals of those routes, then the literals of entry points on one side
/// only, then each of those hosts and paths with every path or host, then
/// the rest of the combinations.
pub fn probes<'m>(old: &Router<'m>, new: &Router<'m>) -> (Vec<Probe>, bool) {
    let (mo, mn) = (old.model(), new.model());
    let mut ports = BTreeSet::new();
    for model in [mo, mn] {
        for e in &model.entry_points {
            ports.extend(e.binds.iter().filter_map(|b| b.ports).map(|(p, _)| p));
        }
    }
    // The changed ports, with their entry points on each side.
    let mut changed: Vec<(u16, Vec<&EntryPoint>)> = Vec::new();
    // The literals of entry points on both sides whose routes differ; the
    // entry points on one side only.
    let mut hot = Literals::default();
    let mut one_sided = Vec::new();
    let mut pairs = EntryPairs {
        old: mo,
        new: mn,
        same: SameConditions::default(),
        alike: HashMap::default(),
    };
    // An entry point may listen on thousands of ports: what differs in
    // it is read once, not once per port.
    let mut read_pairs = foldhash::HashSet::default();
    let mut read_one_sided = foldhash::HashSet::default();
    // Entry points read over all ports: thousands of frontends on
    // overlapping wide port ranges would make it their square.
    let mut work = 0;
    let mut ports_cut = false;
    for port in ports {
        work += old.listening_work(port) + new.listening_work(port);
        if work > PORT_WORK {
            ports_cut = true;
            break;
        }
        let (o, n) = (old.listening(port), new.listening(port));
        let alike = o.len() == n.len() && o.iter().zip(n.iter()).all(|(&i, &j)| pairs.alike(i, j));
        if alike {
            continue;
        }
        let entries = o
            .iter()
            .map(|&i| &mo.entry_points[i])
            .chain(n.iter().map(|&j| &mn.entry_points[j]))
            .collect();
        changed.push((port, entries));
        // What differs, pairing entry points by name: the names of those
        // whose routes changed and the literals of routes only one side has;
        // all the literals of one without a counterpart.
        let by_name = |m: &'m Model, list: &[usize]| -> HashMap<&'m str, usize> {
            list.iter()
                .map(|&i| (m.entry_points[i].name.as_str(), i))
                .collect()
        };
        let (old_named, new_named) = (by_name(mo, &o), by_name(mn, &n));
        for (name, &j) in &new_named {
            let b = &mn.entry_points[j];
            match old_named.get(name) {
                Some(&i) if pairs.alike(i, j) => {}
                Some(&i) if read_pairs.insert((i, j)) => {
                    let a = &mo.entry_points[i];
                    names(a, &mut hot);
                    names(b, &mut hot);
                    let mut changed = routes_not_in(a, b, &mut pairs.same);
                    changed.extend(routes_not_in(b, a, &mut pairs.same));
                    for r in changed {
                        collect(&r.condition, &mut hot);
                    }
                }
                Some(_) => {}
                None if read_one_sided.insert((false, j)) => one_sided.push(b),
                None => {}
            }
        }
        for (name, &i) in &old_named {
            if !new_named.contains_key(name) && read_one_sided.insert((true, i)) {
                one_sided.push(&mo.entry_points[i]);
            }
        }
    }
    let ports: Vec<u16> = changed.iter().map(|(p, _)| *p).collect();
    let hot = hot.with_defaults().sorted();
    let mut all = Literals::default();
    let mut probes = ProbeList::default();
    if probes.add(&ports, &hot.hosts, &hot.paths) {
        return (probes.list, true);
    }
    // Worked out only when the hot probes leave room: a large change moves
    // tens of thousands of literals.
    let mut lit = Literals::default();
    one_sided.iter().for_each(|e| literals(e, &mut lit));
    let moved = lit.with_defaults().sorted();
    if probes.add(&ports, &moved.hosts, &moved.paths) {
        return (probes.list, true);
    }
    // The other combinations need every literal of the changed ports (of
    // each entry point once, however many of those ports it listens on).
    let mut read = foldhash::HashSet::default();
    for e in changed.iter().flat_map(|(_, entries)| entries) {
        if read.insert(std::ptr::from_ref::<EntryPoint>(e)) {
            literals(e, &mut all);
        }
    }
    let all = all.with_defaults().sorted();
    let either = Literals {
        hosts: hot.hosts.iter().chain(&moved.hosts).cloned().collect(),
        paths: hot.paths.iter().chain(&moved.paths).cloned().collect(),
        ..Literals::default()
    }
    .sorted();
    let (either_hosts, either_paths) = (&either.hosts, &either.paths);
    let cut = probes.add(&ports, either_hosts, &all.paths)
        || probes.add(&ports, &all.hosts, either_paths)
        || probes.add(&ports, &all.hosts, &all.paths);
    (probes.list, cut || ports_cut)
}

/// Probes in the order they were added, each once, at most [`MAX_PROBES`].
#[derive(Default)]
struct ProbeList<'s> {
    list: Vec<Probe>,
    seen: foldhash::HashSet<(u16, &'s str, &'s str)>,
}

impl<'s> ProbeList<'s> {
    /// Adds every port x host x path not yet in; `true` once the list is full.
    fn add(&mut self, ports: &[u16], hosts: &'s [Cow<'_, str>], paths: &'s [Cow<'_, str>]) -> bool {
        for &port in ports {
            for host in hosts {
                for path in paths {
                    let (host, path) = (host.as_ref(), path.as_ref());
                    if self.seen.contains(&(port, host, path)) {
                        continue;
                    }
                    if self.list.len() == MAX_PROBES {
                        return true;
                    }
                    self.seen.insert((port, host, path));
                    self.list.push(Probe {
                        host: host.to_string(),
                        path: path.to_string(),
                        port,
                    });
                }
            }
        }
        false
    }
}

/// Where a probe goes in a model, in words: a backend name, a computed
/// target, a terminal action, or why it goes nowhere.
pub fn destination(router: &Router, probe: &Probe) -> String {
    let req = Request::new(Some(&probe.host), &probe.path, probe.port);
    match router.route(&req) {
        Err(_) => "(nothing listens on this port)".to_string(),
        Ok(d) => match d.target {
            Some(Target::Backend { name }) => name,
            Some(Target::Dynamic { expression, .. }) => format!("(computed: {expression})"),
            Some(Target::Terminal { action }) => format!("[{action}]"),
            None => "(no route: error response)".to_string(),
        },
    }
}
