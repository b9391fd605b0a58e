use std::fmt::Write;

use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::condition::AclMemo;
use crate::model::{Condition, MatchMethod, RouteKind};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A route that can never be taken because an earlier route of the same
    /// entry point always matches first: an unconditional rule, or the same
    /// condition written again.
    ///
    /// ## Why it matters
    /// The later rule looks like it routes traffic, and reviewers trust it, but
    /// nothing ever reaches its backend.
    ///
    /// ## Example
    /// ```text
    /// use_backend be_v1 if is_api
    /// use_backend be_v2 if is_api     # never taken
    /// ```
    ///
    /// ## How to fix
    /// Make the conditions distinct, reorder the rules, or remove the dead one.
    pub struct ShadowedRoute {
        code: "LB104",
        name: "shadowed-route",
        category: Routing,
        severity: Warning,
    }
}

/// Entry points with more routes than this find repeated conditions through
/// a hash map; shorter lists are searched.
const INDEXED_ROUTES: usize = 16;

/// Whether a condition is one every request meets: always, or a test every
/// path passes (a prefix of `/`, a regex such as `^/`). Each named ACL's
/// body is looked into once, however many routes name it.
#[derive(Default)]
struct CatchAll {
    acls: AclMemo<bool>,
}

impl CatchAll {
    fn matches_everything(&mut self, c: &Condition) -> bool {
        match c {
            Condition::Always => true,
            Condition::Pred(p) if &*p.fetch == "path" && p.pattern_files.is_empty() => {
                match p.method {
                    Some(MatchMethod::Beg) => p.values.iter().any(|v| v == "/"),
                    Some(MatchMethod::Reg) => p.values.iter().any(|v| {
                        matches!(v.as_str(), "" | "^" | "/" | "^/" | ".*" | "^.*" | "^/.*")
                    }),
                    _ => false,
                }
            }
            Condition::Acl(_, body) => match self.acls.get(body) {
                Some(known) => known,
                None => {
                    let found = self.matches_everything(body);
                    self.acls.keep(body, found)
                }
            },
            Condition::And(cs) => cs.iter().all(|c| self.matches_everything(c)),
            Condition::Or(cs) => cs.iter().any(|c| self.matches_everything(c)),
            _ => false,
        }
    }
}

impl Rule for ShadowedRoute {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        // Every route's condition as text, in one buffer reused from one
        // entry point to the next (nginx configs have tens of thousands).
        let mut texts = String::new();
        let mut bounds: Vec<std::ops::Range<usize>> = Vec::new();
        let mut catch_alls = CatchAll::default();
        for e in &cx.model.entry_points {
            texts.clear();
            bounds.clear();
            for r in &e.routes {
                let start = texts.len();
                let _ = write!(texts, "{}", r.condition);
                bounds.push(start..texts.len());
            }
            let text = |j: usize| &texts[bounds[j].clone()];
            // The first route (not uncertain) with each condition: looked up
            // in a long list, searched in a short one.
            let first_with: Option<foldhash::HashMap<&str, usize>> =
                (e.routes.len() > INDEXED_ROUTES).then(|| {
                    let mut first = foldhash::HashMap::default();
                    for j in (0..e.routes.len()).filter(|&j| !e.routes[j].uncertain) {
                        first.entry(text(j)).or_insert(j);
                    }
                    first
                });
            let earlier_same = |j: usize| match &first_with {
                Some(first) => first.get(text(j)).copied().filter(|&i| i < j),
                None => (0..j).find(|&i| !e.routes[i].uncertain && text(i) == text(j)),
            };
            // One pass: the first route that takes everything, and the first
            // earlier route with the same condition.
            let mut catch_all: Option<usize> = None;
            for (j, later) in e.routes.iter().enumerate() {
                let skip = later.kind == RouteKind::Default || later.uncertain;
                let same = earlier_same(j);
                if !later.uncertain
                    && catch_all.is_none()
                    && catch_alls.matches_everything(&later.condition)
                {
                    catch_all = Some(j);
                }
                if skip {
                    continue;
                }
                let shadow = match (catch_all.filter(|&c| c < j), same) {
                    (Some(c), Some(s)) => Some(c.min(s)),
                    (c, s) => c.or(s),
                };
                if let Some(i) = shadow {
                    let earlier = &e.routes[i];
                    // The same condition is the same text (an earlier catch-all
                    // with it would be the first with that text).
                    let why = if same == Some(i) {
                        "has the same condition"
                    } else {
                        "matches every request"
                    };
                    out.push(
                        finding(
                            &Self::META,
                            format!(
                                "this route of {} is never taken: an earlier one {why}",
                                e.name
                            ),
                        )
                        .at(later.span)
                        .related(earlier.span, "this route takes its requests")
                        .entity(format!("entry point {}", e.name)),
                    );
                }
            }
        }
    }
}
