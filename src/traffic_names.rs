//! The names of the expected traffic (`entry_points:`, `backends:`) that a
//! config does not define: LB002. One close to a name the config has is a
//! typo; one the config's previous version defined was renamed away. Either
//! way its figures would go unused and the capacity rules quiet for it.

use crate::diag::Diagnostic;
use crate::model::Model;
use crate::policy::{self, ProfileSource, TrafficProfile};
use crate::rules::{self, hygiene::unmatched_traffic_name};
use crate::source::{FileId, SourceDb, Span};

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
pub fn unmatched<'a>(model: &'a Model, profile: &'a TrafficProfile) -> Vec<UnmatchedName<'a>> {
    if profile.entry_points.is_empty() && profile.backends.is_empty() {
        return Vec::new();
    }
    let (entries, backends) = (defined(model, ENTRY_POINTS), defined(model, BACKENDS));
    let mut budget = Budget {
        quick: QUICK_COMPARISONS,
        edits: EDIT_DISTANCES,
    };
    let mut out = Vec::new();
    for (section, listed, known) in [
        (ENTRY_POINTS, &profile.entry_points, &entries),
        (BACKENDS, &profile.backends, &backends),
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

/// The names a config defines under one section of the profile.
fn defined<'m>(model: &'m Model, section: &str) -> foldhash::HashSet<&'m str> {
    match section {
        ENTRY_POINTS => model.entry_points.iter().map(|e| e.name.as_str()).collect(),
        _ => model.backends.iter().map(|b| b.name.as_str()).collect(),
    }
}

const ENTRY_POINTS: &str = "entry_points";
const BACKENDS: &str = "backends";

/// LB002 for each name of the expected traffic that the config does not
/// define but comes close to, at the name in the traffic file (which joins
/// the config's files, so the finding shows it and a suppression there
/// applies).
pub fn findings(db: &mut SourceDb, model: &Model, profile: &TrafficProfile) -> Vec<Diagnostic> {
    let unmatched = unmatched(model, profile);
    if unmatched.is_empty() {
        return Vec::new();
    }
    let file = profile_file(db, profile);
    unmatched
        .iter()
        .map(|u| {
            let near = format!("did you mean '{}'?", u.nearest);
            finding(file, u.section, u.name, "does not define", near)
        })
        .collect()
}

/// For `diff`: LB002 for each name of the expected traffic that the old
/// config defined and the new one does not (renamed or removed), however
/// far from the new names, unless `reported` (the new side's findings)
/// holds it already.
pub fn renamed(
    db: &mut SourceDb,
    old: &Model,
    new: &Model,
    profile: &TrafficProfile,
    reported: &[Diagnostic],
) -> Vec<Diagnostic> {
    let known: foldhash::HashSet<&str> = reported
        .iter()
        .filter(|d| d.code == Some(unmatched_traffic_name::META.code))
        .filter_map(|d| d.entity_name())
        .collect();
    let mut lost = Vec::new();
    for (section, listed) in [
        (ENTRY_POINTS, &profile.entry_points),
        (BACKENDS, &profile.backends),
    ] {
        if listed.is_empty() {
            continue;
        }
        let (before, after) = (defined(old, section), defined(new, section));
        for name in listed.keys() {
            let gone = before.contains(name.as_str()) && !after.contains(name.as_str());
            if gone && !known.contains(&*entity(section, name)) {
                lost.push((section, name.as_str()));
            }
        }
    }
    if lost.is_empty() {
        return Vec::new();
    }
    let file = profile_file(db, profile);
    let help = "the old config defined it: rename it in the traffic profile too, or remove it";
    lost.into_iter()
        .map(|(section, name)| finding(file, section, name, "no longer defines", help.into()))
        .collect()
}

/// The traffic file among the config's files: added once.
fn profile_file<'p>(
    db: &mut SourceDb,
    profile: &'p TrafficProfile,
) -> Option<(&'p ProfileSource, FileId)> {
    let source = profile.source.as_deref()?;
    let added = db
        .files()
        .find(|(_, f)| f.path == source.path)
        .map(|(id, _)| id);
    Some((
        source,
        added.unwrap_or_else(|| db.add(&source.path, source.text.clone())),
    ))
}

/// What a finding about `name` is about: `entry point fe_www`.
fn entity(section: &str, name: &str) -> String {
    match section {
        ENTRY_POINTS => format!("entry point {name}"),
        _ => format!("backend {name}"),
    }
}

/// One LB002 finding: the config `does` not have `name`.
fn finding(
    file: Option<(&ProfileSource, FileId)>,
    section: &str,
    name: &str,
    does: &str,
    help: String,
) -> Diagnostic {
    let entity = entity(section, name);
    let message = format!(
        "the expected traffic names {entity}, which this config {does}: its figures are not used"
    );
    let mut d = rules::finding(unmatched_traffic_name::META, message).entity(entity);
    let place =
        file.and_then(|(s, id)| policy::key_at(&s.text, section, name).map(|r| Span::new(id, r)));
    if let Some(span) = place {
        d = d.at(span);
    }
    d.help(help)
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
