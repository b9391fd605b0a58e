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
