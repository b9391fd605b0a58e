//! Where the model reports list a dynamic target's candidates. Thousands of
//! routes may share one computed target that thousands of backends fit;
//! listing the whole list at every route would print their product. A long
//! list is printed in full at the first route that has it, and the later
//! routes sharing it point there.

use std::sync::Arc;

use crate::model::{Candidate, Model, Target, long_list_id};

/// A route, by entry point index and route index (both 0-based).
pub type RouteAt = (usize, usize);

/// For each long candidate list shared by routes, the first route holding it.
#[derive(Debug, Default)]
pub struct CandidateListings {
    /// Keyed by [`long_list_id`].
    first: foldhash::HashMap<usize, RouteAt>,
}

impl CandidateListings {
    pub fn new(model: &Model) -> CandidateListings {
        let mut first = foldhash::HashMap::default();
        for (ei, entry) in model.entry_points.iter().enumerate() {
            for (ri, route) in entry.routes.iter().enumerate() {
                if let Target::Dynamic { candidates, .. } = &route.target
                    && let Some(id) = long_list_id(candidates)
                {
                    first.entry(id).or_insert((ei, ri));
                }
            }
        }
        CandidateListings { first }
    }

    /// [`CandidateListings::listed_at`] for any target.
    pub fn target_listed_at(&self, at: RouteAt, target: &Target) -> Option<RouteAt> {
        match target {
            Target::Dynamic { candidates, .. } => self.listed_at(at, candidates),
            _ => None,
        }
    }

    /// Where `candidates`, held by the route `at`, are listed in full when
    /// that is another route; `None` when they are to be listed here.
    pub fn listed_at(&self, at: RouteAt, candidates: &Arc<[Candidate]>) -> Option<RouteAt> {
        let first = self.first.get(&long_list_id(candidates)?).copied();
        first.filter(|&first| first != at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Condition, EntryKind, EntryPoint, Mode, Route, RouteKind, Sourced};
    use crate::source::{FileId, Span};

    fn route(candidates: &Arc<[Candidate]>) -> Route {
        Route {
            kind: RouteKind::UseBackend,
            condition: Condition::Always,
            target: Target::Dynamic {
                expression: "be_%[path]".into(),
                candidates: candidates.clone(),
            },
            span: Span::new(FileId::new(0), 0..1),
            uncertain: false,
        }
    }

    fn entry(routes: Vec<Route>) -> EntryPoint {
        EntryPoint {
            name: "fe".into(),
            kind: EntryKind::Frontend,
            span: Span::new(FileId::new(0), 0..1),
            binds: Vec::new(),
            server_names: Vec::new(),
            mode: Sourced::built_in(Mode::Http),
            maxconn: Sourced::built_in(None),
            routes,
            timeouts: Arc::new([]),
            uncertain: false,
        }
    }

    #[test]
    fn a_long_shared_list_is_listed_at_its_first_route_only() {
        let list = |n: usize| -> Arc<[Candidate]> {
            (0..n)
                .map(|i| Candidate::named(format!("be_{i}")))
                .collect()
        };
        let (long, other, short) = (list(17), list(17), list(16));
        let mut model = Model::empty(crate::model::SourceFormat::Haproxy, None);
        model.entry_points = vec![
            entry(vec![route(&short), route(&long), route(&short)]),
            entry(vec![route(&other), route(&long)]),
        ];
        let listings = CandidateListings::new(&model);
        assert_eq!(listings.listed_at((0, 0), &short), None);
        assert_eq!(listings.listed_at((0, 2), &short), None);
        assert_eq!(listings.listed_at((0, 1), &long), None);
        assert_eq!(listings.listed_at((1, 1), &long), Some((0, 1)));
        // An equal list that is not the same list is listed on its own.
        assert_eq!(listings.listed_at((1, 0), &other), None);
    }
}
