//! Expected load per entry point and per backend, from the traffic profile.
//!
//! An entry point's figure is its own entry, else the profile's `default`.
//! A backend's figure is its own entry under `backends:`; otherwise the
//! traffic of the entry points that route to it flows in: all of it when the
//! backend is the entry point's only destination; else the routes share it
//! equally, a `split_clients` target by its percentages. Every assumption is
//! recorded so a finding can say it.

use std::collections::BTreeMap;

use crate::model::{Model, Target};
use crate::policy::TrafficProfile;

/// An expected figure and how it was arrived at.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub connections: u64,
    /// Empty when the profile states it directly.
    pub assumption: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ExpectedLoad {
    /// Per entry point, in model order.
    pub entries: Vec<Option<Expected>>,
    /// Per backend, in model order.
    pub backends: Vec<Option<Expected>>,
    /// A profile was given at all.
    pub profiled: bool,
}

/// A name under the profile's `entry_points:` or `backends:` that the
/// config does not define, though it defines one close to it.
#[derive(Debug, Clone, PartialEq)]
pub struct UnmatchedName<'a> {
    /// `"entry_points"` or `"backends"`.
    pub section: &'static str,
    pub name: &'a str,
    pub nearest: &'a str,
}

/// Work spent looking for the names closest to the unmatched ones: quick
/// comparisons (length and letters present), and edit distances.
const QUICK_COMPARISONS: usize = 1 << 24;
const EDIT_DISTANCES: usize = 1 << 16;

/// The profile's names that match nothing in the model but are a few edits
/// from a name it has: a typo, whose figures would be silently unused and
/// the capacity rules off for it. A name far from all of them is taken to
/// be another config's (one profile may serve several).
pub fn unmatched_names<'a>(
    model: &'a Model,
    profile: &'a TrafficProfile,
) -> Vec<UnmatchedName<'a>> {
    use foldhash::HashSet;
    let entries: HashSet<&str> = model.entry_points.iter().map(|e| e.name.as_str()).collect();
    let backends: HashSet<&str> = model.backends.iter().map(|b| b.name.as_str()).collect();
    let mut budget = Budget {
        quick: QUICK_COMPARISONS,
        edits: EDIT_DISTANCES,
    };
    let mut out = Vec::new();
    for (section, listed, known) in [
        ("entry_points", &profile.entry_points, &entries),
        ("backends", &profile.backends, &backends),
    ] {
        let unmatched: Vec<&String> = listed
            .keys()
            .filter(|n| !known.contains(n.as_str()))
            .collect();
        if unmatched.is_empty() {
            continue;
        }
        let mut candidates: Vec<(&str, u64)> = known.iter().map(|&c| (c, letters(c))).collect();
        candidates.sort_unstable();
        for name in unmatched {
            let Some(nearest) = nearest_name(name, &candidates, &mut budget) else {
                continue;
            };
            out.push(UnmatchedName {
                section,
                name,
                nearest,
            });
        }
    }
    out
}

/// What is left to spend, see [`QUICK_COMPARISONS`].
struct Budget {
    quick: usize,
    edits: usize,
}

/// The letters a name holds, folded into 64 bits.
fn letters(name: &str) -> u64 {
    name.bytes().fold(0, |set, b| set | 1 << (b % 64))
}

/// The candidate fewest edits (Damerau) from `name`, if within a quarter
/// of its length (at least 2); `None` too once the budget is spent. Length
/// and the letters present rule out most candidates before an edit
/// distance is computed: one edit changes at most two of each.
fn nearest_name<'a>(
    name: &str,
    candidates: &[(&'a str, u64)],
    budget: &mut Budget,
) -> Option<&'a str> {
    let most = 2.max(name.len() / 4);
    let own = letters(name);
    let mut best: Option<(usize, &str)> = None;
    for &(candidate, present) in candidates {
        budget.quick = budget.quick.checked_sub(1)?;
        if name.len().abs_diff(candidate.len()) > most
            || (own ^ present).count_ones() as usize > 2 * most
        {
            continue;
        }
        budget.edits = budget.edits.checked_sub(1)?;
        let edits = strsim::damerau_levenshtein(name, candidate);
        if edits <= most && best.is_none_or(|(e, _)| edits < e) {
            best = Some((edits, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The fraction of an entry point's traffic each backend gets: routes to
/// backends share it equally; a dynamic route splits its part by the shares
/// the config fixes (`split_clients`), else equally among its candidates.
fn fractions(
    model: &Model,
    names: &foldhash::HashMap<&str, usize>,
    entry: usize,
) -> BTreeMap<usize, f64> {
    let index = |name: &str| names.get(name).copied();
    let routes: Vec<&Target> = model.entry_points[entry]
        .routes
        .iter()
        .map(|r| &r.target)
        .filter(|t| match t {
            Target::Backend { name } => index(name).is_some(),
            Target::Dynamic { candidates, .. } => {
                candidates.iter().any(|c| index(&c.backend).is_some())
            }
            Target::Terminal { .. } => false,
        })
        .collect();
    let mut out = BTreeMap::new();
    let part = 1.0 / routes.len().max(1) as f64;
    for t in routes {
        match t {
            Target::Backend { name } => {
                *out.entry(index(name).expect("filtered")).or_insert(0.0) += part
            }
            Target::Dynamic { candidates, .. } => {
                let known: Vec<_> = candidates
                    .iter()
                    .filter_map(|c| Some((index(&c.backend)?, c.share)))
                    .collect();
                let even = 1.0 / known.len() as f64;
                for (bi, share) in known {
                    *out.entry(bi).or_insert(0.0) += part * share.unwrap_or(even);
                }
            }
            Target::Terminal { .. } => {}
        }
    }
    out
}

pub fn compute(model: &Model, profile: Option<&TrafficProfile>) -> ExpectedLoad {
    let Some(profile) = profile else {
        return ExpectedLoad {
            entries: vec![None; model.entry_points.len()],
            backends: vec![None; model.backends.len()],
            profiled: false,
        };
    };
    let entries: Vec<Option<Expected>> = model
        .entry_points
        .iter()
        .map(|e| {
            match profile
                .entry_points
                .get(&e.name)
                .and_then(|l| l.peak_connections)
            {
                Some(c) => Some(Expected {
                    connections: c,
                    assumption: None,
                }),
                None => profile
                    .default
                    .and_then(|l| l.peak_connections)
                    .map(|c| Expected {
                        connections: c,
                        assumption: Some(format!(
                            "{} takes the profile's default of {c} connections",
                            e.name
                        )),
                    }),
            }
        })
        .collect();
    let mut backends: Vec<Option<Expected>> = model
        .backends
        .iter()
        .map(|b| {
            profile
                .backends
                .get(&b.name)
                .and_then(|l| l.peak_connections)
                .map(|c| Expected {
                    connections: c,
                    assumption: None,
                })
        })
        .collect();
    let stated: Vec<bool> = backends.iter().map(Option::is_some).collect();
    let names = model.backend_index();
    for (ei, expected) in entries.iter().enumerate() {
        let Some(expected) = expected else { continue };
        for (bi, fraction) in fractions(model, &names, ei) {
            if stated[bi] {
                continue;
            }
            let part = (expected.connections as f64 * fraction).round() as u64;
            let name = &model.entry_points[ei].name;
            let why = if (fraction - 1.0).abs() < 1e-9 {
                format!("all of {name}'s {} connections", expected.connections)
            } else {
                format!(
                    "{:.0}% of {name}'s {} connections (routes share an entry point's traffic equally, \
                     split_clients by its percentages; give backends: in the traffic profile for exact figures)",
                    fraction * 100.0,
                    expected.connections
                )
            };
            let slot = backends[bi].get_or_insert(Expected {
                connections: 0,
                assumption: Some(String::new()),
            });
            slot.connections += part;
            let a = slot.assumption.get_or_insert_with(String::new);
            if !a.is_empty() {
                a.push_str(", plus ");
            }
            a.push_str(&why);
        }
    }
    ExpectedLoad {
        entries,
        backends,
        profiled: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates<'a>(names: &[&'a str]) -> Vec<(&'a str, u64)> {
        names.iter().map(|&n| (n, letters(n))).collect()
    }

    fn plenty() -> Budget {
        Budget {
            quick: QUICK_COMPARISONS,
            edits: EDIT_DISTANCES,
        }
    }

    #[test]
    fn a_typo_finds_the_name_fewest_edits_away() {
        let known = candidates(&["be_api", "be_app", "be_static", "www.example.com:80"]);
        let near = |name| nearest_name(name, &known, &mut plenty());
        assert_eq!(near("be_stattic"), Some("be_static"));
        assert_eq!(near("be_apj"), Some("be_api"));
        assert_eq!(near("www.exmaple.com:80"), Some("www.example.com:80"));
        // Another config's names: nothing close.
        assert_eq!(near("fe_edge_tls"), None);
        assert_eq!(near("api.example.com:443"), None);
    }

    #[test]
    fn the_search_stops_when_its_budget_is_spent() {
        let known = candidates(&["be_api", "be_static"]);
        let mut budget = Budget { quick: 1, edits: 1 };
        assert_eq!(nearest_name("be_stattic", &known, &mut budget), None);
        let mut budget = Budget { quick: 9, edits: 0 };
        assert_eq!(nearest_name("be_apj", &known, &mut budget), None);
    }
}
