//! Expected load per entry point and per backend, from the traffic profile.
//!
//! An entry point's figure is its own entry, else the profile's `default`.
//! A backend's figure is its own entry under `backends:`; otherwise the
//! traffic of the entry points that route to it flows in: all of it when the
//! backend is the entry point's only destination, else an equal split among
//! its destinations. Every assumption is recorded so a finding can say it.

use std::collections::BTreeSet;

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

/// The backends an entry point may send traffic to.
fn destinations(model: &Model, entry: usize) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for r in &model.entry_points[entry].routes {
        let names: Vec<&str> = match &r.target {
            Target::Backend { name } => vec![name],
            Target::Dynamic { candidates, .. } => {
                candidates.iter().map(|c| c.backend.as_str()).collect()
            }
            Target::Terminal { .. } => Vec::new(),
        };
        for n in names {
            if let Some(i) = model.backends.iter().position(|b| b.name == n) {
                out.insert(i);
            }
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
    for (ei, expected) in entries.iter().enumerate() {
        let Some(expected) = expected else { continue };
        let dest = destinations(model, ei);
        if dest.is_empty() {
            continue;
        }
        let part = expected.connections / dest.len() as u64;
        for bi in dest {
            if stated[bi] {
                continue;
            }
            let why = if part == expected.connections {
                format!(
                    "all of {}'s {} connections",
                    model.entry_points[ei].name, expected.connections
                )
            } else {
                format!(
                    "an equal share ({part}) of {}'s {} connections; give backends: in the traffic profile for exact figures",
                    model.entry_points[ei].name, expected.connections
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
