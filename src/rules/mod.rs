//! The rules: one per file, each with a stable code, a kebab-case name, a
//! category, a default severity and a doc comment with fixed headings
//! (*What it checks*, *Why it matters*, *Example*, *How to fix*) that
//! `lbcheck rules` and `lbcheck explain` print. A rule reads the model (never
//! the text) and emits findings.

pub mod balance;
pub mod capacity;
pub mod health;
pub mod hygiene;
pub mod routing;

use std::sync::OnceLock;

use crate::diag::{Diagnostic, Severity};
use crate::expected::ExpectedLoad;
use crate::model::{Backend, Model, Server};
use crate::policy::Policy;
use crate::traffic::Shares;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Routing,
    Health,
    Balance,
    Capacity,
    Hygiene,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Routing => "routing",
            Category::Health => "health",
            Category::Balance => "balance",
            Category::Capacity => "capacity",
            Category::Hygiene => "hygiene",
        }
    }
}

/// What a rule is.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// The doc comment: the text of `lbcheck explain`.
    pub doc: &'static str,
}

/// What a rule may read.
pub struct Context<'a> {
    pub model: &'a Model,
    /// Per backend, in model order.
    pub shares: &'a [Shares],
    pub policy: &'a Policy,
    pub expected: &'a ExpectedLoad,
    /// Per backend: some route reaches it, certainly or possibly.
    pub routed: Vec<bool>,
    /// Backend indexes by name.
    pub index: foldhash::HashMap<&'a str, usize>,
    /// Per backend, its usable servers (see [`health::usable`]): worked out
    /// once for every rule, in one list with each backend's start.
    usable: Vec<usize>,
    usable_starts: Vec<usize>,
}

impl<'a> Context<'a> {
    pub fn new(
        model: &'a Model,
        shares: &'a [Shares],
        policy: &'a Policy,
        expected: &'a ExpectedLoad,
    ) -> Context<'a> {
        Context::prepare(model, policy, expected).with_shares(shares)
    }

    /// A context without traffic shares yet: the part that does not need
    /// them, so that it can be built while they are computed.
    pub fn prepare(
        model: &'a Model,
        policy: &'a Policy,
        expected: &'a ExpectedLoad,
    ) -> Context<'a> {
        let usable_lists = || {
            let mut usable = Vec::new();
            let mut starts = Vec::with_capacity(model.backends.len() + 1);
            starts.push(0);
            for b in &model.backends {
                usable.extend(health::usable(b));
                starts.push(usable.len());
            }
            (usable, starts)
        };
        let routing = || {
            let index = model.backend_index();
            (model.routed_backends(&index), index)
        };
        // Both walk every backend of a large config: side by side.
        let ((usable, usable_starts), (routed, index)) = rayon::join(usable_lists, routing);
        Context {
            model,
            shares: &[],
            policy,
            expected,
            routed,
            index,
            usable,
            usable_starts,
        }
    }

    /// The context with the shares of every backend, in model order.
    pub fn with_shares(self, shares: &'a [Shares]) -> Context<'a> {
        Context { shares, ..self }
    }

    /// The usable servers of the backend at `backend` (model order).
    pub fn usable(&self, backend: usize) -> &[usize] {
        &self.usable[self.usable_starts[backend]..self.usable_starts[backend + 1]]
    }

    /// `backend NAME` or `upstream NAME`, for a finding's entity.
    pub fn backend_entity(&self, b: &Backend) -> String {
        format!("{} {}", self.model.format.backend_word(), b.name)
    }

    /// `backend NAME/SERVER` (nginx: `upstream NAME/ADDRESS`), for a
    /// finding's entity: formatted in one step, since some rules fire on
    /// tens of thousands of servers.
    pub fn server_entity(&self, b: &Backend, s: &Server) -> String {
        format!(
            "{} {}/{}",
            self.model.format.backend_word(),
            b.name,
            s.name()
        )
    }
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>);
}

/// Shows a number rounded to a whole one, as `{:.0}` does (halves to even),
/// but without the general float formatter where an integer says the same:
/// rules that fire tens of thousands of times format a few each.
pub(crate) struct Whole(pub f64);

impl std::fmt::Display for Whole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const EXACT: f64 = (1u64 << 53) as f64;
        let x = self.0;
        if x.is_sign_positive() && x < EXACT {
            write!(f, "{}", x.round_ties_even() as u64)
        } else {
            write!(f, "{x:.0}")
        }
    }
}

/// A finding of `meta`'s rule at its default severity.
pub fn finding(meta: &RuleMeta, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(meta.severity, message).code(meta.code)
}

/// Declares a rule type and its metadata; the doc comment becomes the
/// rule's explanation.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        pub struct $name:ident {
            code: $code:literal,
            name: $rname:literal,
            category: $cat:ident,
            severity: $sev:ident $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                code: $code,
                name: $rname,
                category: $crate::rules::Category::$cat,
                severity: $crate::diag::Severity::$sev,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}

/// Every rule, sorted by code.
pub static RULES: &[&dyn Rule] = &[
    &routing::undefined_backend::UndefinedBackend,
    &routing::unreachable_backend::UnreachableBackend,
    &routing::no_default_route::NoDefaultRoute,
    &routing::shadowed_route::ShadowedRoute,
    &routing::dynamic_route::DynamicRoute,
    &routing::duplicate_name::DuplicateName,
    &routing::conflicting_listen::ConflictingListen,
    &health::dead_backend::DeadBackend,
    &health::backup_only::BackupOnly,
    &health::no_health_check::NoHealthCheck,
    &health::single_point_of_failure::SinglePointOfFailure,
    &health::duplicate_server_address::DuplicateServerAddress,
    &balance::uneven_weights::UnevenWeights,
    &balance::zero_weight_server::ZeroWeightServer,
    &balance::weight_capacity_mismatch::WeightCapacityMismatch,
    &balance::hash_skew::HashSkew,
    &balance::first_without_maxconn::FirstWithoutMaxconn,
    &capacity::entry_limit_below_expected::EntryLimitBelowExpected,
    &capacity::backend_capacity_below_expected::BackendCapacityBelowExpected,
    &capacity::server_overload::ServerOverload,
    &capacity::global_limit_below_entries::GlobalLimitBelowEntries,
    &capacity::capacity_after_failure::CapacityAfterFailure,
    &capacity::implicit_limit::ImplicitLimit,
    &hygiene::missing_timeouts::MissingTimeouts,
];

/// Metadata of the codes that are not `Rule`s: findings raised while
/// loading, and suppression bookkeeping.
pub static OTHER_CODES: &[&RuleMeta] = &[
    hygiene::unused_suppression::META,
    hygiene::refused_config::META,
    hygiene::unknown_keyword::META,
    hygiene::unmatched_traffic_name::META,
];

/// Every code's metadata, sorted by code.
pub fn all_meta() -> &'static [&'static RuleMeta] {
    static ALL: OnceLock<Vec<&'static RuleMeta>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static RuleMeta> = RULES
            .iter()
            .map(|r| r.meta())
            .chain(OTHER_CODES.iter().copied())
            .collect();
        v.sort_by_key(|m| m.code);
        v
    })
}

pub fn meta(code: &str) -> Option<&'static RuleMeta> {
    let all = all_meta();
    all.binary_search_by(|m| m.code.cmp(code))
        .ok()
        .map(|i| all[i])
}

/// Why `pattern` names no code, or `None` when it does: a code prefix
/// (`LB3`, as `--select`/`--ignore` and a policy's `select`/`ignore` take)
/// must start at least one code, an exact code (`--severity`, a policy's
/// `severity`) must be one. A typo there would otherwise switch rules off
/// in silence.
pub fn unknown_code(pattern: &str, prefix: bool) -> Option<String> {
    let names = |m: &&RuleMeta| {
        if prefix {
            m.code.starts_with(pattern)
        } else {
            m.code == pattern
        }
    };
    if all_meta().iter().any(names) {
        return None;
    }
    let what = if prefix {
        "is not a rule code or the start of one"
    } else {
        "is not a rule code"
    };
    let upper = pattern.to_ascii_uppercase();
    let codes = all_meta().iter().map(|m| m.code);
    let near = if upper != pattern && all_meta().iter().any(|m| m.code.starts_with(&upper)) {
        Some(upper.as_str())
    } else {
        crate::syntax::haproxy::keywords::did_you_mean(&upper, codes)
    };
    Some(match near {
        Some(near) => format!("'{pattern}' {what} (did you mean '{near}'?)"),
        None => format!("'{pattern}' {what} (see `lbcheck rules`)"),
    })
}

/// Runs the wanted rules (in parallel) and appends their findings to `out`
/// in rule order. Appended in one step, with the room reserved once: large
/// configs draw tens of thousands of findings.
pub fn run(cx: &Context, wanted: impl Fn(&str) -> bool + Sync, out: &mut Vec<Diagnostic>) {
    use rayon::prelude::*;
    let found: Vec<Vec<Diagnostic>> = RULES
        .par_iter()
        .filter(|r| wanted(r.meta().code))
        .map(|rule| {
            let mut found = Vec::new();
            rule.check(cx, &mut found);
            found
        })
        .collect();
    out.reserve_exact(found.iter().map(Vec::len).sum());
    for mut f in found {
        out.append(&mut f);
    }
}

/// The headings every rule's documentation must have, in order.
pub const DOC_HEADINGS: &[&str] = &[
    "## What it checks",
    "## Why it matters",
    "## Example",
    "## How to fix",
];

/// The first sentence of a rule's "What it checks".
pub fn summary(doc: &str) -> String {
    let body: String = doc
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with(DOC_HEADINGS[0]))
        .skip(1)
        .take_while(|l| !l.starts_with("##"))
        .collect::<Vec<_>>()
        .join(" ");
    let sentence = body
        .split(". ")
        .next()
        .unwrap_or(&body)
        .trim()
        .trim_end_matches('.');
    format!("{sentence}.")
}

#[cfg(test)]
mod tests {
    use super::Whole;
    use proptest::prelude::*;

    #[test]
    fn whole_numbers_print_as_the_float_formatter_rounds_them() {
        for x in [
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -2.5,
            99.5,
            1e15 + 0.5,
            9007199254740992.0,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ] {
            assert_eq!(Whole(x).to_string(), format!("{x:.0}"), "{x}");
        }
    }

    proptest! {
        #[test]
        fn any_number_prints_as_with_precision_zero(x in any::<f64>(), k in 0u64..1_000_000) {
            prop_assert_eq!(Whole(x).to_string(), format!("{x:.0}"));
            let tie = k as f64 + 0.5;
            prop_assert_eq!(Whole(tie).to_string(), format!("{tie:.0}"));
        }
    }
}
