use std::borrow::Cow;
use std::collections::hash_map::Entry;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::{Bind, EntryKind};
use crate::route::matching::ascii_lowercase;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// Two entry points that claim the same address and port: two HAProxy
    /// frontends binding it, or two nginx `server` blocks on one `listen` with a
    /// `server_name` in common.
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

fn overlap(a: &Bind, b: &Bind) -> bool {
    let (Some((a_lo, a_hi)), Some((b_lo, b_hi))) = (a.ports, b.ports) else {
        return false;
    };
    let hosts = match (a.host.as_deref(), b.host.as_deref()) {
        (Some(x), Some(y)) => x == y || x == "*" || y == "*",
        _ => false,
    };
    hosts && a_lo <= b_hi && b_lo <= a_hi
}

/// Which entry points bind each port, so only those are compared.
fn by_port(cx: &Context) -> HashMap<u16, Vec<usize>> {
    let mut map: HashMap<u16, Vec<usize>> = HashMap::new();
    for (i, e) in cx.model.entry_points.iter().enumerate() {
        for b in &e.binds {
            if let Some((lo, hi)) = b.ports {
                for p in lo..=hi.min(lo.saturating_add(1024)) {
                    let list = map.entry(p).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
        }
    }
    map
}

impl Rule for ConflictingListen {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        let entries = &cx.model.entry_points;
        let mut reported: HashSet<usize> = HashSet::new();
        let mut ports: Vec<(u16, Vec<usize>)> = by_port(cx).into_iter().collect();
        ports.sort();
        for (_, list) in ports {
            // Among the entry points on a port: nginx servers clash on a shared
            // name; first come, first served.
            let mut names: HashMap<(EntryKind, Cow<str>), usize> = HashMap::new();
            for j in list {
                let later = &entries[j];
                let keys: Vec<Cow<str>> = if later.kind == EntryKind::HttpServer {
                    if later.server_names.is_empty() {
                        vec![Cow::Borrowed("")]
                    } else {
                        later
                            .server_names
                            .iter()
                            .map(|n| ascii_lowercase(n))
                            .collect()
                    }
                } else {
                    vec![Cow::Borrowed("")]
                };
                for key in keys {
                    // The key moves into the map; a clash (rare) copies it back.
                    let (i, key) = match names.entry((later.kind, key)) {
                        Entry::Occupied(first) => (*first.get(), first.key().1.clone()),
                        Entry::Vacant(slot) => {
                            slot.insert(j);
                            continue;
                        }
                    };
                    let earlier = &entries[i];
                    let Some((bind, first)) = later
                        .binds
                        .iter()
                        .find_map(|b| earlier.binds.iter().find(|e| overlap(e, b)).map(|e| (b, e)))
                    else {
                        continue;
                    };
                    if !reported.insert(j) {
                        continue;
                    }
                    let message = if later.kind == EntryKind::HttpServer {
                        let name = if key.is_empty() {
                            "\"\"".to_string()
                        } else {
                            key.into_owned()
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
    }
}
