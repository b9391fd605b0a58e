use crate::declare_rule;
use crate::diag::Diagnostic;
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

/// A condition every request meets: always, or a test every path passes
/// (a prefix of `/`, a regex such as `^/`).
fn matches_everything(c: &Condition) -> bool {
    match c {
        Condition::Always => true,
        Condition::Pred(p) if p.fetch == "path" && p.pattern_files.is_empty() => match p.method {
            Some(MatchMethod::Beg) => p.values.iter().any(|v| v == "/"),
            Some(MatchMethod::Reg) => p
                .values
                .iter()
                .any(|v| matches!(v.as_str(), "" | "^" | "/" | "^/" | ".*" | "^.*" | "^/.*")),
            _ => false,
        },
        Condition::Acl(_, body) => matches_everything(body),
        Condition::And(cs) => cs.iter().all(matches_everything),
        Condition::Or(cs) => cs.iter().any(matches_everything),
        _ => false,
    }
}

impl Rule for ShadowedRoute {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for e in &cx.model.entry_points {
            // One pass: the first route that takes everything, and the first
            // route seen with each condition.
            let mut catch_all: Option<usize> = None;
            let mut first_with: foldhash::HashMap<String, usize> = Default::default();
            for (j, later) in e.routes.iter().enumerate() {
                let key = later.condition.to_string();
                let skip = later.kind == RouteKind::Default || later.uncertain;
                let same = first_with.get(&key).copied();
                if !later.uncertain {
                    first_with.entry(key).or_insert(j);
                    if catch_all.is_none() && matches_everything(&later.condition) {
                        catch_all = Some(j);
                    }
                }
                if skip {
                    continue;
                }
                let shadow = match (catch_all.filter(|&c| c < j), same) {
                    (Some(c), Some(s)) => Some(c.min(s)),
                    (c, s) => c.or(s),
                }
                .map(|i| &e.routes[i]);
                if let Some(earlier) = shadow {
                    let why = if earlier.condition == later.condition {
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
