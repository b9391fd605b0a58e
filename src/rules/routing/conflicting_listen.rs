use std::borrow::Cow;

use foldhash::{HashMap, HashMapExt};

use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::{Bind, EntryKind, EntryPoint};
use crate::route::matching::ascii_lowercase;
use crate::rules::{Context, Rule, RuleMeta, finding};

use super::earliest_overlap::EarliestOverlap;

declare_rule! {
    /// ## What it checks
    /// Two entry points that claim the same address and port: two HAProxy
    /// frontends binding it, or two nginx `server` blocks on one `listen` with a
    /// `server_name` in common. Port ranges clash on any port they share. A
    /// wildcard address and a specific one on the same port do not clash: the
    /// system (and nginx) hand each connection to the most specific.
    ///
    /// ## Why it matters
    /// Only one of them gets the traffic. HAProxy's second bind fails at
    /// startup (or silently shares the port with `SO_REUSEPORT`, splitting
    /// traffic between two configs); nginx ignores the second server block for
    /// that name.
    ///
    /// ## Example
    /// ```text
    /// frontend fe_a
    ///     bind :80
    /// frontend fe_b
    ///     bind :80
    /// ```
    ///
    /// ## How to fix
    /// Merge the entry points, or give each its own port or name.
    pub struct ConflictingListen {
        code: "LB107",
        name: "conflicting-listen",
        category: Routing,
        severity: Warning,
    }
}

/// Two binds share a socket: the same address (the wildcard only with the
/// wildcard) and a port in common.
fn overlap(a: &Bind, b: &Bind) -> bool {
    let (Some((a_lo, a_hi)), Some((b_lo, b_hi))) = (a.ports, b.ports) else {
        return false;
    };
    a.host.is_some() && a.host == b.host && a_lo <= b_hi && b_lo <= a_hi
}

/// What an entry point claims a port for: its kind, its address, and for an
/// nginx `server` block one of its names (lowercased; `""` when it has none).
type Key<'m> = (EntryKind, &'m str, Cow<'m, str>);

/// The names an entry point claims its ports for.
fn keys(entry: &EntryPoint) -> Vec<Cow<'_, str>> {
    if entry.kind == EntryKind::HttpServer && !entry.server_names.is_empty() {
        entry
            .server_names
            .iter()
            .map(|n| ascii_lowercase(n))
            .collect()
    } else {
        vec![Cow::Borrowed("")]
    }
}

/// One bind of a port range under one key: the entry point, the key's
/// place among its names, and the ports.
#[derive(Clone, Copy)]
struct Claim {
    entry: usize,
    name: usize,
    ports: (u16, u16),
}

impl Rule for ConflictingListen {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        let entries = &cx.model.entry_points;
        // Claims tagged with their key's number, then sorted into runs: one
        // list instead of a vector per key (most keys have one claim).
        // Sized up front for every (bind, name) pair: grown by doubling,
        // the tables' and lists' earlier copies are memory the process
        // holds through the other rules' findings.
        let pairs: usize = entries
            .iter()
            .map(|e| e.binds.len() * e.server_names.len().max(1))
            .sum();
        let mut key_ids: HashMap<Key, u32> = HashMap::with_capacity(pairs);
        let mut claims: Vec<(u32, Claim)> = Vec::with_capacity(pairs);
        for (j, entry) in entries.iter().enumerate() {
            let names = keys(entry);
            for bind in &entry.binds {
                let (Some(ports), Some(host)) = (bind.ports, bind.host.as_deref()) else {
                    continue;
                };
                for (name, key) in names.iter().enumerate() {
                    let next = key_ids.len() as u32;
                    let id = *key_ids
                        .entry((entry.kind, host, key.clone()))
                        .or_insert(next);
                    let claim = Claim {
                        entry: j,
                        name,
                        ports,
                    };
                    claims.push((id, claim));
                }
            }
        }
        claims.sort_unstable_by_key(|&(id, c)| (id, c.entry));
        // Each later entry point is reported once: at its lowest clashing
        // port, then its first clashing name.
        let mut first_clash: HashMap<usize, (u16, usize, usize)> = HashMap::new();
        for run in claims.chunk_by(|a, b| a.0 == b.0) {
            if run[0].1.entry == run[run.len() - 1].1.entry {
                continue;
            }
            let ranges: Vec<(u16, u16, usize)> = run
                .iter()
                .map(|(_, c)| (c.ports.0, c.ports.1, c.entry))
                .collect();
            let index = EarliestOverlap::new(&ranges);
            for (_, claim) in run {
                let Some(earlier) = index
                    .earliest(claim.ports.0, claim.ports.1)
                    .filter(|&e| e < claim.entry)
                else {
                    continue;
                };
                let rank = (claim.ports.0, claim.name, earlier);
                first_clash
                    .entry(claim.entry)
                    .and_modify(|best| {
                        if (rank.0, rank.1) < (best.0, best.1) {
                            *best = rank;
                        }
                    })
                    .or_insert(rank);
            }
        }
        let mut clashing: Vec<_> = first_clash.into_iter().collect();
        clashing.sort_unstable_by_key(|&(j, _)| j);
        for (j, (_, name, i)) in clashing {
            let (later, earlier) = (&entries[j], &entries[i]);
            let Some((bind, first)) = later
                .binds
                .iter()
                .find_map(|b| earlier.binds.iter().find(|e| overlap(e, b)).map(|e| (b, e)))
            else {
                continue;
            };
            let message = if later.kind == EntryKind::HttpServer {
                let name = match &keys(later)[name] {
                    key if key.is_empty() => "\"\"".to_string(),
                    key => key.to_string(),
                };
                format!(
                    "server name {name} on {} is claimed twice: nginx ignores this server block for it",
                    bind.address
                )
            } else {
                format!(
                    "{} and {} both bind {}",
                    earlier.name, later.name, bind.address
                )
            };
            out.push(
                finding(&Self::META, message)
                    .at(bind.span)
                    .related(first.span, "already claimed here")
                    .entity(format!("entry point {}", later.name)),
            );
        }
    }
}
