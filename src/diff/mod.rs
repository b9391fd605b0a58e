//! What a change does: entity changes, traffic shifts, capacity, routes, and
//! the findings it introduces or fixes, with a risk summary on top.

pub mod git;
pub mod matching;
pub mod probes;

use std::borrow::Cow;

use rayon::prelude::*;
use serde::Serialize;

use self::matching::{Change, Sides, match_backends, server_key};
use self::probes::Probe;
use crate::check::CheckResult;
use crate::diag::{Diagnostic, Severity};
use crate::model::Backend;
use crate::rules::health::usable;
use crate::traffic::Shares;

/// One server's share of its backend, before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareChange {
    pub backend: String,
    /// HAProxy server name; nginx address.
    pub server: String,
    pub address: String,
    /// Fractions of the backend's traffic; 0 where the server is absent.
    pub before: f64,
    pub after: f64,
}

impl ShareChange {
    pub fn shift_pp(&self) -> f64 {
        (self.after - self.before) * 100.0
    }
}

/// A connection capacity before and after; `None` is unlimited or unknown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityChange {
    pub entity: String,
    pub before: Option<u64>,
    pub after: Option<u64>,
    /// With the largest server down (backends only).
    pub before_n_minus_1: Option<u64>,
    pub after_n_minus_1: Option<u64>,
    /// The expected load after, when a profile gives it.
    pub expected: Option<u64>,
}

/// A probe that now goes elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteChange {
    pub probe: Probe,
    pub before: String,
    pub after: String,
}

/// Findings introduced, fixed and unchanged by the change.
#[derive(Debug, Default)]
pub struct FindingsDelta {
    pub introduced: Vec<Diagnostic>,
    pub fixed: Vec<Diagnostic>,
    pub unchanged: Vec<Diagnostic>,
}

#[derive(Debug)]
pub struct DiffReport {
    /// The few lines a reviewer must read, most important first.
    pub risks: Vec<String>,
    pub changes: Vec<Change>,
    /// Shares that moved, the largest shift per backend first.
    pub shares: Vec<ShareChange>,
    pub capacity: Vec<CapacityChange>,
    pub routes: Vec<RouteChange>,
    /// The probe list was cut at [`probes::MAX_PROBES`].
    pub probes_truncated: bool,
    pub probes_evaluated: usize,
    pub findings: FindingsDelta,
}

/// Capacity of a backend's usable servers (limits plus queues), and with its
/// largest one down; `None` when a server is unlimited.
pub fn backend_capacity(b: &Backend) -> (Option<u64>, Option<u64>) {
    let usable: Vec<usize> = usable(b).collect();
    let full = crate::rules::capacity::capacity(b, &usable, None);
    let largest = usable
        .iter()
        .copied()
        .max_by_key(|&i| b.servers[i].maxconn.value.unwrap_or(0));
    // With no usable server there is none to lose: N-1 is what there is.
    let n1 = match largest {
        Some(l) => crate::rules::capacity::capacity(b, &usable, Some(l)),
        None => full,
    };
    (full, n1)
}

/// A side's shares: those its check worked out (computed again only for a
/// side that was not checked in full).
fn shares_of(side: &CheckResult) -> Cow<'_, [Shares]> {
    let model = &side.loaded.model;
    if side.shares.len() == model.backends.len() {
        Cow::Borrowed(&side.shares)
    } else {
        Cow::Owned(crate::all_shares(model, &crate::WhatIf::default()).unwrap_or_default())
    }
}

fn share_changes(
    sides: &Sides,
    old_side: &CheckResult,
    new_side: &CheckResult,
) -> Vec<ShareChange> {
    let (old, new) = (sides.old, sides.new);
    let (so, sn) = (shares_of(old_side), shares_of(new_side));
    let mut per_backend: Vec<Vec<ShareChange>> = Vec::new();
    for &(i, j, _) in &sides.backends {
        let (bo, bn) = (&old.backends[i], &new.backends[j]);
        let mut rows = Vec::new();
        for pair in matching::pair_servers(old, bo, new, bn) {
            let share =
                |shares: &Shares, k: Option<usize>| k.map_or(0.0, |k| shares.servers[k].share);
            let (before, after) = (share(&so[i], pair.0), share(&sn[j], pair.1));
            if (after - before).abs() <= 1e-9 {
                continue;
            }
            let s = match pair {
                (Some(k), _) => (old, &bo.servers[k]),
                (None, Some(m)) => (new, &bn.servers[m]),
                (None, None) => continue,
            };
            rows.push(ShareChange {
                backend: bn.name.clone(),
                server: server_key(s.0, s.1).to_string(),
                address: s.1.address().to_string(),
                before,
                after,
            });
        }
        rows.sort_by(|a, b| b.shift_pp().abs().total_cmp(&a.shift_pp().abs()));
        if !rows.is_empty() {
            per_backend.push(rows);
        }
    }
    per_backend.sort_by(|a, b| b[0].shift_pp().abs().total_cmp(&a[0].shift_pp().abs()));
    per_backend.into_iter().flatten().collect()
}

/// The expected connections of the `i`th entry point or backend, if known.
fn expected_connections(list: &[Option<crate::expected::Expected>], i: usize) -> Option<u64> {
    list.get(i)?.as_ref().map(|e| e.connections)
}

/// What `each` pushes for every item, in item order; the items are taken
/// in parallel chunks (a large config has tens of thousands of backends).
pub(crate) fn in_order<T: Sync, U: Send>(
    items: &[T],
    each: impl Fn(&T, &mut Vec<U>) + Sync,
) -> Vec<U> {
    const CHUNK: usize = 512;
    let parts: Vec<Vec<U>> = items
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut out = Vec::new();
            chunk.iter().for_each(|item| each(item, &mut out));
            out
        })
        .collect();
    let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    parts.into_iter().for_each(|part| all.extend(part));
    all
}

fn capacity_changes(sides: &Sides, new: &CheckResult) -> Vec<CapacityChange> {
    let (mo, mn) = (sides.old, sides.new);
    let word = mn.format.backend_word();
    let mut out = in_order(&sides.backends, |&(i, j, _), out| {
        let (before, before_n1) = backend_capacity(&mo.backends[i]);
        let (after, after_n1) = backend_capacity(&mn.backends[j]);
        if before != after || before_n1 != after_n1 {
            out.push(CapacityChange {
                entity: format!("{word} {}", mn.backends[j].name),
                before,
                after,
                before_n_minus_1: before_n1,
                after_n_minus_1: after_n1,
                expected: expected_connections(&new.expected.backends, j),
            });
        }
    });
    let old_names = matching::entry_index(&mo.entry_points);
    for (j, e) in mn.entry_points.iter().enumerate() {
        let Some(o) = old_names.get(e.name.as_str()).map(|&i| &mo.entry_points[i]) else {
            continue;
        };
        if o.maxconn.value != e.maxconn.value {
            out.push(CapacityChange {
                entity: format!("entry point {}", e.name),
                before: o.maxconn.value,
                after: e.maxconn.value,
                before_n_minus_1: None,
                after_n_minus_1: None,
                expected: expected_connections(&new.expected.entries, j),
            });
        }
    }
    out
}

fn route_changes(sides: &Sides) -> (Vec<RouteChange>, bool, usize) {
    let (old, new) = (sides.old, sides.new);
    let renamed: Vec<(String, String)> = sides
        .backends
        .iter()
        .filter(|p| p.2)
        .map(|&(i, j, _)| (old.backends[i].name.clone(), new.backends[j].name.clone()))
        .collect();
    // Each walks every route of its side: side by side.
    let (old_router, new_router) = rayon::join(
        || crate::route::Router::new(old),
        || crate::route::Router::new(new),
    );
    let (list, truncated) = probes::probes(&old_router, &new_router);
    let out = list
        .par_iter()
        .with_min_len(64)
        .filter_map(|probe| {
            let before = probes::destination(&old_router, probe);
            let after = probes::destination(&new_router, probe);
            let moved = before != after && !renamed.contains(&(before.clone(), after.clone()));
            moved.then(|| RouteChange {
                probe: probe.clone(),
                before,
                after,
            })
        })
        .collect();
    (out, truncated, list.len())
}

/// A finding's identity across the two sides: its code and what it is
/// about, with its hash worked out once (on the thread pool, where reading
/// tens of thousands of boxed findings is spread over the cores).
#[derive(Eq)]
struct Key<'a> {
    hash: u64,
    code: Option<&'static str>,
    entity: Option<&'a str>,
    /// Without an entity, the message minus its numbers identifies it.
    message: String,
}

impl<'a> Key<'a> {
    fn of(d: &'a Diagnostic) -> Key<'a> {
        use std::hash::BuildHasher;
        let entity = d.entity_name();
        let message = if entity.is_some() {
            String::new()
        } else {
            d.message()
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .collect()
        };
        let hash = foldhash::fast::FixedState::default().hash_one((d.code, entity, &message));
        Key {
            hash,
            code: d.code,
            entity,
            message,
        }
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Key) -> bool {
        self.hash == other.hash
            && self.code == other.code
            && self.entity == other.entity
            && self.message == other.message
    }
}

impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

fn findings_delta(old: Vec<Diagnostic>, new: Vec<Diagnostic>) -> FindingsDelta {
    let old_keys: Vec<Key> = old.par_iter().map(Key::of).collect();
    let new_keys: Vec<Key> = new.par_iter().map(Key::of).collect();
    // Old findings of one key are chained in source order: a new finding
    // takes the first one left, so that repeated keys pair up one to one
    // (in linear time, without a list per key).
    const END: usize = usize::MAX;
    let mut first_left: foldhash::HashMap<&Key, usize> = foldhash::HashMap::default();
    first_left.reserve(old.len());
    let mut next = vec![END; old.len()];
    for (i, k) in old_keys.iter().enumerate().rev() {
        next[i] = first_left.insert(k, i).unwrap_or(END);
    }
    // Paired first, moved after: the keys borrow from both lists.
    let mut taken = vec![false; old.len()];
    let paired: Vec<bool> = new_keys
        .iter()
        .map(|k| {
            let Some(head) = first_left.get_mut(k).filter(|head| **head != END) else {
                return false;
            };
            taken[*head] = true;
            *head = next[*head];
            true
        })
        .collect();
    drop(first_left);
    drop((old_keys, new_keys));
    let mut delta = FindingsDelta::default();
    for (d, paired) in new.into_iter().zip(paired) {
        if paired {
            delta.unchanged.push(d);
        } else {
            delta.introduced.push(d);
        }
    }
    delta.fixed = old
        .into_iter()
        .zip(taken)
        .filter_map(|(d, taken)| (!taken).then_some(d))
        .collect();
    delta
}

fn risks(report: &DiffReport) -> Vec<String> {
    let mut out = Vec::new();
    for d in report
        .findings
        .introduced
        .iter()
        .filter(|d| d.severity == Severity::Error)
    {
        out.push(format!(
            "introduces {}: {}",
            d.code.unwrap_or("an error"),
            d.message()
        ));
    }
    for s in report
        .shares
        .iter()
        .filter(|s| s.shift_pp().abs() >= 10.0)
        .take(5)
    {
        out.push(format!(
            "{}/{} goes from {:.1}% to {:.1}% of {}'s traffic ({:+.1} pp)",
            s.backend,
            s.server,
            s.before * 100.0,
            s.after * 100.0,
            s.backend,
            s.shift_pp()
        ));
    }
    if !report.routes.is_empty() {
        let first = &report.routes[0];
        out.push(format!(
            "{} probe request(s) now go elsewhere, e.g. Host: {} {} (port {}): {} -> {}",
            report.routes.len(),
            first.probe.host,
            first.probe.path,
            first.probe.port,
            first.before,
            first.after
        ));
    }
    for c in &report.capacity {
        if let (Some(b), Some(a)) = (c.before, c.after)
            && a < b
            && (b - a) * 5 >= b
        {
            out.push(format!(
                "{} capacity drops from {b} to {a} ({:.0}%)",
                c.entity,
                (a as f64 - b as f64) / b as f64 * 100.0
            ));
        }
    }
    let warnings: Vec<&str> = report
        .findings
        .introduced
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .filter_map(|d| d.code)
        .collect();
    if !warnings.is_empty() {
        out.push(format!(
            "introduces {} warning(s): {}",
            warnings.len(),
            warnings.join(", ")
        ));
    }
    if !report.findings.fixed.is_empty() {
        out.push(format!("fixes {} finding(s)", report.findings.fixed.len()));
    }
    for c in report
        .changes
        .iter()
        .filter(|c| c.kind == matching::ChangeKind::Renamed)
    {
        out.push(format!(
            "renames {} to {} (same servers)",
            c.entity,
            c.after.as_deref().unwrap_or("")
        ));
    }
    if out.is_empty() {
        out.push("no change to routing, traffic shares, capacity or findings".to_string());
    }
    out
}

/// Compares two checked configs. Their findings move into the report (as
/// introduced, fixed or unchanged) rather than being copied: a large
/// config's run holds tens of thousands.
pub fn diff(old: &mut CheckResult, new: &mut CheckResult) -> DiffReport {
    let old_findings = std::mem::take(&mut old.findings);
    let new_findings = std::mem::take(&mut new.findings);
    let (old, new) = (&*old, &*new);
    let sides = Sides {
        old_db: &old.loaded.db,
        new_db: &new.loaded.db,
        old: &old.loaded.model,
        new: &new.loaded.model,
        backends: match_backends(&old.loaded.model, &new.loaded.model),
    };
    // The parts are independent: let the cores share them.
    let ((routes, changes), (shares, (capacity, findings))) = rayon::join(
        || rayon::join(|| route_changes(&sides), || matching::changes(&sides)),
        || {
            rayon::join(
                || share_changes(&sides, old, new),
                || {
                    rayon::join(
                        || capacity_changes(&sides, new),
                        || findings_delta(old_findings, new_findings),
                    )
                },
            )
        },
    );
    let (routes, probes_truncated, probes_evaluated) = routes;
    let mut report = DiffReport {
        risks: Vec::new(),
        changes,
        shares,
        capacity,
        routes,
        probes_truncated,
        probes_evaluated,
        findings,
    };
    report.risks = risks(&report);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: &'static str, entity: Option<&str>, message: &str) -> Diagnostic {
        let d = Diagnostic::warning(message).code(code);
        match entity {
            Some(e) => d.entity(e),
            None => d,
        }
    }

    /// Findings pair up by code and entity (or, without one, the message
    /// minus its numbers), repeated keys one to one in order.
    #[test]
    fn findings_pair_by_what_they_are_about() {
        let old = vec![
            finding("LB303", Some("backend a/s1"), "s1 gets 50%"),
            finding("LB303", Some("backend a/s2"), "s2 gets 40%"),
            finding("LB406", None, "no global maxconn: 12 servers"),
            finding("LB204", Some("backend b"), "first"),
            finding("LB204", Some("backend b"), "second"),
        ];
        let new = vec![
            finding("LB303", Some("backend a/s1"), "s1 gets 70%"),
            finding("LB301", Some("backend a/s2"), "s2 takes"),
            finding("LB406", None, "no global maxconn: 40 servers"),
            finding("LB204", Some("backend b"), "only one now"),
        ];
        let delta = findings_delta(old, new);
        let messages = |list: &[Diagnostic]| {
            list.iter()
                .map(|d| d.message().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            messages(&delta.unchanged),
            [
                "s1 gets 70%",
                "no global maxconn: 40 servers",
                "only one now"
            ]
        );
        assert_eq!(messages(&delta.introduced), ["s2 takes"]);
        assert_eq!(messages(&delta.fixed), ["s2 gets 40%", "second"]);
    }
}
