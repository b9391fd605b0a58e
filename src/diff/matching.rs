//! Entity changes between two models: backends, entry points and servers
//! matched by name (nginx servers by address), renamed backends found by
//! their servers, and every attribute that changed, with its line on each side.

use std::collections::{BTreeSet, VecDeque};

use foldhash::{HashMap, HashMapExt, HashSet};

use serde::Serialize;

use crate::model::condition::SameConditions;
use crate::model::{Backend, EntryPoint, Model, Server, SourceFormat, Sourced, WithOrigin};
use crate::source::{SourceDb, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Renamed,
    Changed,
}

/// Where something stands on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    pub file: String,
    pub line: usize,
}

/// One change of the config's meaning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// `backend be_web`, `backend be_web/web3`, `frontend fe`.
    pub entity: String,
    /// The attribute that changed (`weight`), for `changed`.
    pub attribute: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub old: Option<Place>,
    pub new: Option<Place>,
}

fn place(db: &SourceDb, span: Span) -> Place {
    let loc = db.location(span);
    Place {
        file: loc.path.display().to_string(),
        line: loc.line,
    }
}

/// Both sides, for building changes.
pub struct Sides<'a> {
    pub old_db: &'a SourceDb,
    pub new_db: &'a SourceDb,
    pub old: &'a Model,
    pub new: &'a Model,
    /// The backends paired across the sides ([`match_backends`]).
    pub backends: Vec<(usize, usize, bool)>,
}

impl Sides<'_> {
    fn changed<T: std::fmt::Display + PartialEq>(
        &self,
        out: &mut Vec<Change>,
        entity: &dyn std::fmt::Display,
        attribute: &str,
        before: (&Sourced<T>, Span),
        after: (&Sourced<T>, Span),
    ) {
        let at = |(s, fallback): (&Sourced<T>, Span)| s.span.unwrap_or(fallback);
        self.changed_as(
            out,
            entity,
            attribute,
            (&before.0.value, at(before)),
            (&after.0.value, at(after)),
            |v| v.to_string(),
        );
    }

    fn text_changed(
        &self,
        out: &mut Vec<Change>,
        entity: &dyn std::fmt::Display,
        attribute: &str,
        before: (String, Span),
        after: (String, Span),
    ) {
        self.changed_as(out, entity, attribute, before, after, String::clone);
    }

    /// A change of `attribute` when the two values differ, each shown by
    /// `show` (only then, and the entity named only then: most attributes
    /// do not change).
    fn changed_as<T: PartialEq>(
        &self,
        out: &mut Vec<Change>,
        entity: &dyn std::fmt::Display,
        attribute: &str,
        before: (T, Span),
        after: (T, Span),
        show: impl Fn(&T) -> String,
    ) {
        if before.0 == after.0 {
            return;
        }
        out.push(Change {
            kind: ChangeKind::Changed,
            entity: entity.to_string(),
            attribute: Some(attribute.to_string()),
            before: Some(show(&before.0)),
            after: Some(show(&after.0)),
            old: Some(place(self.old_db, before.1)),
            new: Some(place(self.new_db, after.1)),
        });
    }

    fn presence(&self, out: &mut Vec<Change>, kind: ChangeKind, entity: String, span: Span) {
        let (old, new) = match kind {
            ChangeKind::Removed => (Some(place(self.old_db, span)), None),
            _ => (None, Some(place(self.new_db, span))),
        };
        out.push(Change {
            kind,
            entity,
            attribute: None,
            before: None,
            after: None,
            old,
            new,
        });
    }
}

fn opt(v: &Option<u64>) -> String {
    v.map_or("none".to_string(), |n| n.to_string())
}

/// The key a server is matched by on both sides.
pub fn server_key<'m>(model: &Model, s: &'m Server) -> &'m str {
    match model.format {
        SourceFormat::Haproxy => s.name(),
        SourceFormat::Nginx => s.address(),
    }
}

/// The servers of two versions of a backend, paired by key: each old server
/// with the first new one of its key (if any), then each new server whose
/// key no old one has. Small backends are paired by scanning, large ones
/// through an index.
pub fn pair_servers(
    old_model: &Model,
    old: &Backend,
    new_model: &Model,
    new: &Backend,
) -> Vec<(Option<usize>, Option<usize>)> {
    // The usual case: a few servers, each key once, the same on both sides
    // in the same order (a repeated key pairs with its first occurrence).
    let (olds, news) = (&old.servers, &new.servers);
    let key = |i: usize| server_key(old_model, &olds[i]);
    let n = olds.len();
    let same = |i: usize| key(i) == server_key(new_model, &news[i]);
    let distinct = || (1..n).all(|i| (0..i).all(|j| key(i) != key(j)));
    if n <= 16 && n == news.len() && (0..n).all(same) && distinct() {
        return (0..n).map(|i| (Some(i), Some(i))).collect();
    }
    let old_keys: Vec<&str> = old
        .servers
        .iter()
        .map(|s| server_key(old_model, s))
        .collect();
    let new_keys: Vec<&str> = new
        .servers
        .iter()
        .map(|s| server_key(new_model, s))
        .collect();
    // For each old server its new counterpart; for each new one, whether an
    // old one has its key.
    let (counterparts, known): (Vec<Option<usize>>, Vec<bool>) =
        if old_keys.len() * new_keys.len() <= 256 {
            (
                old_keys
                    .iter()
                    .map(|k| new_keys.iter().position(|x| x == k))
                    .collect(),
                new_keys.iter().map(|k| old_keys.contains(k)).collect(),
            )
        } else {
            let mut index: HashMap<&str, usize> = HashMap::with_capacity(new_keys.len());
            for (j, k) in new_keys.iter().enumerate() {
                index.entry(k).or_insert(j);
            }
            let old_set: HashSet<&str> = old_keys.iter().copied().collect();
            (
                old_keys.iter().map(|k| index.get(k).copied()).collect(),
                new_keys.iter().map(|k| old_set.contains(k)).collect(),
            )
        };
    let mut pairs: Vec<(Option<usize>, Option<usize>)> = counterparts
        .into_iter()
        .enumerate()
        .map(|(i, j)| (Some(i), j))
        .collect();
    pairs.extend(
        known
            .iter()
            .enumerate()
            .filter(|(_, known)| !**known)
            .map(|(j, _)| (None, Some(j))),
    );
    pairs
}

/// A backend's server addresses as a set: sorted, without repeats.
fn addresses(b: &Backend) -> Vec<&str> {
    let mut set: Vec<&str> = b.servers.iter().map(|s| s.address()).collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// Entry point name → index of the first entry point of that name.
pub fn entry_index(entries: &[EntryPoint]) -> HashMap<&str, usize> {
    let mut index = HashMap::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        index.entry(e.name.as_str()).or_insert(i);
    }
    index
}

/// Old backend index → new backend index, by name, then renames (same
/// non-empty server addresses under a new name).
pub fn match_backends(old: &Model, new: &Model) -> Vec<(usize, usize, bool)> {
    let mut pairs = Vec::new();
    let mut used = vec![false; new.backends.len()];
    let mut unmatched_old = Vec::new();
    let index = new.backend_index();
    for (i, b) in old.backends.iter().enumerate() {
        match index.get(b.name.as_str()).copied() {
            Some(j) => {
                used[j] = true;
                pairs.push((i, j, false));
            }
            None => unmatched_old.push(i),
        }
    }
    // Unclaimed new backends by their server addresses, in source order.
    let mut by_addresses: HashMap<Vec<&str>, VecDeque<usize>> = HashMap::new();
    if !unmatched_old.is_empty() {
        for (j, b) in new.backends.iter().enumerate() {
            if !used[j] {
                by_addresses.entry(addresses(b)).or_default().push_back(j);
            }
        }
    }
    for i in unmatched_old {
        let key = addresses(&old.backends[i]);
        if key.is_empty() {
            continue;
        }
        if let Some(j) = by_addresses.get_mut(&key).and_then(VecDeque::pop_front) {
            pairs.push((i, j, true));
        }
    }
    pairs.sort();
    pairs
}

/// A yes/no attribute of a server.
type ServerFlag = fn(&Server) -> &WithOrigin<bool>;

fn server_changes(
    sides: &Sides,
    entity: &dyn std::fmt::Display,
    old: &Server,
    new: &Server,
    out: &mut Vec<Change>,
) {
    sides.changed(
        out,
        entity,
        "weight",
        (&old.weight, old.span),
        (&new.weight, new.span),
    );
    sides.changed_as(
        out,
        entity,
        "maxconn",
        (old.maxconn.value, old.maxconn.span.unwrap_or(old.span)),
        (new.maxconn.value, new.maxconn.span.unwrap_or(new.span)),
        opt,
    );
    let flags: [(&str, ServerFlag); 3] = [
        ("backup", |s| &s.backup),
        ("disabled", |s| &s.disabled),
        ("check", |s| &s.check),
    ];
    // These settings keep no place of their own: their server's line.
    for (attribute, flag) in flags {
        sides.changed_as(
            out,
            entity,
            attribute,
            (flag(old).value, old.span),
            (flag(new).value, new.span),
            bool::to_string,
        );
    }
    sides.changed_as(
        out,
        entity,
        "address",
        (old.address(), old.span),
        (new.address(), new.span),
        |a| a.to_string(),
    );
    if let (Some(a), Some(b)) = (old.max_fails(), new.max_fails()) {
        let (a, b) = ((a.value, old.span), (b.value, new.span));
        sides.changed_as(out, entity, "max_fails", a, b, u32::to_string);
    }
}

fn backend_changes(sides: &Sides, old: &Backend, new: &Backend, out: &mut Vec<Change>) {
    // Formatted only for a change: most backends have none.
    let entity = Entity(sides.new.format.backend_word(), &new.name);
    // The algorithm by its kind and arguments after the first (its name).
    fn algo(b: &Backend) -> (crate::model::AlgorithmKind, &[String]) {
        let a = &b.algorithm.value;
        (a.kind, a.params.as_slice())
    }
    let show_algo = |(kind, args): &(_, &[String])| {
        let kind: &crate::model::AlgorithmKind = kind;
        format!("{} {}", kind.name_in(sides.new.format), args.join(" "))
            .trim()
            .to_string()
    };
    sides.changed_as(
        out,
        &entity,
        "balance",
        (algo(old), old.algorithm.span.unwrap_or(old.span)),
        (algo(new), new.algorithm.span.unwrap_or(new.span)),
        show_algo,
    );
    sides.changed(
        out,
        &entity,
        "hash-type",
        (old.hash_type(), old.span),
        (new.hash_type(), new.span),
    );
    fn check(b: &Backend) -> Option<&str> {
        b.health.check_type.as_ref().map(|c| &*c.value)
    }
    sides.changed_as(
        out,
        &entity,
        "health check",
        (check(old), old.span),
        (check(new), new.span),
        |c| c.unwrap_or("none").to_string(),
    );
    sides.changed_as(
        out,
        &entity,
        "disabled",
        (old.disabled.is_some(), old.disabled.unwrap_or(old.span)),
        (new.disabled.is_some(), new.disabled.unwrap_or(new.span)),
        bool::to_string,
    );
    sides.changed(
        out,
        &entity,
        "allbackups",
        (&old.health.allbackups, old.span),
        (&new.health.allbackups, new.span),
    );
    timeouts(
        sides,
        &entity,
        (&old.timeouts, old.span),
        (&new.timeouts, new.span),
        out,
    );
    for pair in pair_servers(sides.old, old, sides.new, new) {
        match pair {
            (Some(i), Some(j)) => {
                let (s, n) = (&old.servers[i], &new.servers[j]);
                let k = server_key(sides.old, s);
                server_changes(sides, &ServerEntity(&entity, k), s, n, out);
            }
            (Some(i), None) => {
                let s = &old.servers[i];
                let k = server_key(sides.old, s);
                sides.presence(out, ChangeKind::Removed, format!("{entity}/{k}"), s.span);
            }
            (None, Some(j)) => {
                let n = &new.servers[j];
                let k = server_key(sides.new, n);
                sides.presence(out, ChangeKind::Added, format!("{entity}/{k}"), n.span);
            }
            (None, None) => {}
        }
    }
}

fn timeouts(
    sides: &Sides,
    entity: &dyn std::fmt::Display,
    old: (&[(String, Sourced<u64>)], Span),
    new: (&[(String, Sourced<u64>)], Span),
    out: &mut Vec<Change>,
) {
    // The usual case, and the cheap test: the same names and values.
    let same = |i: usize| old.0[i].0 == new.0[i].0 && old.0[i].1.value == new.0[i].1.value;
    if old.0.len() == new.0.len() && (0..old.0.len()).all(same) {
        return;
    }
    let names: BTreeSet<&String> = old.0.iter().chain(new.0).map(|(k, _)| k).collect();
    for name in names {
        let find = |list: &[(String, Sourced<u64>)]| {
            list.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        };
        let (a, b) = (find(old.0), find(new.0));
        let value = |v: &Option<Sourced<u64>>| v.as_ref().map(|v| v.value);
        if value(&a) == value(&b) {
            continue;
        }
        let span = |v: &Option<Sourced<u64>>, fallback: Span| {
            v.as_ref().and_then(|v| v.span).unwrap_or(fallback)
        };
        sides.changed_as(
            out,
            entity,
            &format!("timeout {name}"),
            (value(&a), span(&a, old.1)),
            (value(&b), span(&b, new.1)),
            |v| v.map_or("none".to_string(), |ms| format!("{ms}ms")),
        );
    }
}

fn entry_changes(sides: &Sides, old: &EntryPoint, new: &EntryPoint, out: &mut Vec<Change>) {
    let entity = format!("entry point {}", new.name);
    sides.changed_as(
        out,
        &entity,
        "maxconn",
        (old.maxconn.value, old.maxconn.span.unwrap_or(old.span)),
        (new.maxconn.value, new.maxconn.span.unwrap_or(new.span)),
        opt,
    );
    let binds = |e: &EntryPoint| {
        e.binds
            .iter()
            .map(|b| b.address.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    sides.text_changed(
        out,
        &entity,
        "binds",
        (binds(old), old.span),
        (binds(new), new.span),
    );
    let names = |e: &EntryPoint| e.server_names.join(" ");
    sides.text_changed(
        out,
        &entity,
        "server_name",
        (names(old), old.span),
        (names(new), new.span),
    );
    timeouts(
        sides,
        &entity,
        (&old.timeouts, old.span),
        (&new.timeouts, new.span),
        out,
    );
    // Routes, compared as "condition -> target" lines, in order; only when
    // they differ (most entry points keep theirs, and large ones have many).
    let mut same = SameConditions::default();
    let same_routes = old.routes.len() == new.routes.len()
        && old
            .routes
            .iter()
            .zip(&new.routes)
            .all(|(x, y)| x.target == y.target && same.eq(&x.condition, &y.condition));
    if same_routes {
        return;
    }
    let lines = |e: &EntryPoint| -> Vec<(String, Span)> {
        e.routes
            .iter()
            .map(|r| {
                let target = match &r.target {
                    crate::model::Target::Backend { name } => name.clone(),
                    crate::model::Target::Dynamic { expression, .. } => expression.clone(),
                    crate::model::Target::Terminal { action } => format!("[{action}]"),
                };
                (format!("{} -> {target}", r.condition), r.span)
            })
            .collect()
    };
    let (a, b) = (lines(old), lines(new));
    fn texts(list: &[(String, Span)]) -> HashSet<&str> {
        list.iter().map(|(t, _)| t.as_str()).collect()
    }
    let (in_a, in_b) = (texts(&a), texts(&b));
    // Routes only on one side: removed from the old, added in the new.
    for (kind, only, other, db) in [
        (ChangeKind::Removed, &a, &in_b, sides.old_db),
        (ChangeKind::Added, &b, &in_a, sides.new_db),
    ] {
        for (text, span) in only.iter().filter(|(t, _)| !other.contains(t.as_str())) {
            let removed = kind == ChangeKind::Removed;
            out.push(Change {
                kind,
                entity: format!("{entity} route"),
                attribute: None,
                before: removed.then(|| text.clone()),
                after: (!removed).then(|| text.clone()),
                old: removed.then(|| place(db, *span)),
                new: (!removed).then(|| place(db, *span)),
            });
        }
    }
    let common_a: Vec<&String> = a
        .iter()
        .map(|(t, _)| t)
        .filter(|t| in_b.contains(t.as_str()))
        .collect();
    let common_b: Vec<&String> = b
        .iter()
        .map(|(t, _)| t)
        .filter(|t| in_a.contains(t.as_str()))
        .collect();
    if common_a != common_b {
        out.push(Change {
            kind: ChangeKind::Changed,
            entity,
            attribute: Some("route order".to_string()),
            before: Some(
                common_a
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            after: Some(
                common_b
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            old: Some(place(sides.old_db, old.span)),
            new: Some(place(sides.new_db, new.span)),
        });
    }
}

/// `backend NAME` (`upstream NAME`), written out only for a change that
/// names it.
struct Entity<'a>(&'a str, &'a str);

impl std::fmt::Display for Entity<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0, self.1)
    }
}

/// `backend NAME/SERVER`, likewise.
struct ServerEntity<'a>(&'a Entity<'a>, &'a str);

impl std::fmt::Display for ServerEntity<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.0, self.1)
    }
}

/// Every entity change between the two models.
pub fn changes(sides: &Sides) -> Vec<Change> {
    let (old, new) = (sides.old, sides.new);
    let word = new.format.backend_word();
    let pairs = &sides.backends;
    let mut out = super::in_order(pairs, |&(i, j, renamed), out| {
        if renamed {
            out.push(Change {
                kind: ChangeKind::Renamed,
                entity: format!("{word} {}", old.backends[i].name),
                attribute: None,
                before: Some(old.backends[i].name.clone()),
                after: Some(new.backends[j].name.clone()),
                old: Some(place(sides.old_db, old.backends[i].span)),
                new: Some(place(sides.new_db, new.backends[j].span)),
            });
        }
        backend_changes(sides, &old.backends[i], &new.backends[j], out);
    });
    let mut old_paired = vec![false; old.backends.len()];
    let mut new_paired = vec![false; new.backends.len()];
    for &(i, j, _) in pairs {
        old_paired[i] = true;
        new_paired[j] = true;
    }
    // Backends on one side only.
    for (kind, backends, paired) in [
        (ChangeKind::Removed, &old.backends, &old_paired),
        (ChangeKind::Added, &new.backends, &new_paired),
    ] {
        for (b, _) in backends.iter().zip(paired).filter(|(_, paired)| !**paired) {
            sides.presence(&mut out, kind, format!("{word} {}", b.name), b.span);
        }
    }
    let (old_names, new_names) = (
        entry_index(&old.entry_points),
        entry_index(&new.entry_points),
    );
    out.extend(super::in_order(&old.entry_points, |e, out| match new_names
        .get(e.name.as_str())
        .map(|&j| &new.entry_points[j])
    {
        Some(n) => entry_changes(sides, e, n, out),
        None => sides.presence(
            out,
            ChangeKind::Removed,
            format!("entry point {}", e.name),
            e.span,
        ),
    }));
    for n in &new.entry_points {
        if !old_names.contains_key(n.name.as_str()) {
            sides.presence(
                &mut out,
                ChangeKind::Added,
                format!("entry point {}", n.name),
                n.span,
            );
        }
    }
    let limit = |m: &Model| opt(&m.limits.global_maxconn.value);
    let span = |m: &Model| m.limits.global_maxconn.span;
    if let (Some(a), Some(b)) = (span(old), span(new)) {
        sides.text_changed(
            &mut out,
            &"global",
            "maxconn",
            (limit(old), a),
            (limit(new), b),
        );
    }
    let nginx = |m: &Model| {
        m.limits
            .nginx_connections()
            .map_or("unknown".to_string(), |n| n.to_string())
    };
    if new.format == SourceFormat::Nginx && nginx(old) != nginx(new) {
        let s = |m: &Model, db| {
            m.limits
                .worker_connections
                .as_ref()
                .and_then(|w| w.span)
                .map(|sp| place(db, sp))
        };
        out.push(Change {
            kind: ChangeKind::Changed,
            entity: "main".to_string(),
            attribute: Some("worker connections (processes x connections)".to_string()),
            before: Some(nginx(old)),
            after: Some(nginx(new)),
            old: s(old, sides.old_db),
            new: s(new, sides.new_db),
        });
    }
    out
}
