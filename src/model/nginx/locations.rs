//! nginx's location selection, lowered into ordered routes.
//!
//! nginx picks a location in this order: an exact `=` match; else the
//! longest matching prefix, which ends the search when it is `^~`; else the
//! first matching regex (`~`, `~*`) in file order; else that longest prefix.
//! As ordered routes: exact locations first, then `^~` prefixes under the
//! condition that no longer prefix extends them, then regexes in file order,
//! then plain prefixes under the same "longest" condition. A nested
//! location's route comes before its parent's and requires the parent's
//! condition. `return` and redirecting `rewrite`s at server level run
//! before any location and come first.

use crate::diag::Diagnostic;
use crate::model::{Condition, MatchMethod, Predicate, Route, RouteKind, Target};
use crate::syntax::nginx::Directive;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocationKind {
    Exact,
    /// `^~`: a prefix that stops the regex search.
    PrefixFinal,
    Prefix,
    Regex {
        ignore_case: bool,
    },
    Named,
}

/// A location block with its parsed modifier.
pub struct Location<'d, 'a> {
    pub kind: LocationKind,
    pub path: String,
    pub directive: &'d Directive<'a>,
}

/// Reads `location [=|^~|~|~*] path` and `location @name`, modifiers
/// attached or not, as nginx does.
pub fn parse_location<'d, 'a>(
    d: &'d Directive<'a>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Location<'d, 'a>> {
    let Some((modifier, path)) = d.location_parts() else {
        diags.push(Diagnostic::error("\"location\" needs a path").at(d.name_span()));
        return None;
    };
    let path = path.to_string();
    let kind = if modifier.is_empty() {
        if path.starts_with('@') {
            LocationKind::Named
        } else {
            LocationKind::Prefix
        }
    } else {
        match kind_of(modifier) {
            Some(k) => k,
            None => {
                diags.push(
                    Diagnostic::error(format!("invalid location modifier \"{modifier}\""))
                        .at(d.arg_span(0)),
                );
                return None;
            }
        }
    };
    Some(Location {
        kind,
        path,
        directive: d,
    })
}

fn kind_of(modifier: &str) -> Option<LocationKind> {
    Some(match modifier {
        "=" => LocationKind::Exact,
        "^~" => LocationKind::PrefixFinal,
        "~" => LocationKind::Regex { ignore_case: false },
        "~*" => LocationKind::Regex { ignore_case: true },
        _ => return None,
    })
}

fn path_pred(method: MatchMethod, value: &str, ignore_case: bool) -> Condition {
    Condition::Pred(Box::new(Predicate {
        fetch: "path".into(),
        method: Some(method),
        ignore_case,
        values: vec![value.to_string()],
        pattern_files: Box::default(),
    }))
}

/// The prefix locations of one block sorted by path, so that the longer
/// prefixes extending one are found without comparing every pair: a server
/// may have tens of thousands of locations.
struct Prefixes<'l> {
    /// Each prefix location's path and its index among the block's locations.
    sorted: Vec<(&'l str, usize)>,
}

impl<'l> Prefixes<'l> {
    fn new(siblings: &'l [Location]) -> Prefixes<'l> {
        let mut sorted: Vec<(&str, usize)> = siblings
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.kind, LocationKind::Prefix | LocationKind::PrefixFinal))
            .map(|(i, s)| (s.path.as_str(), i))
            .collect();
        sorted.sort_unstable();
        Prefixes { sorted }
    }

    /// The indexes, in block order, of the prefix locations longer than
    /// `path` that start with it (paths that do are contiguous in order).
    fn extending(&self, path: &str) -> Vec<usize> {
        let from = self.sorted.partition_point(|(p, _)| *p <= path);
        let mut found: Vec<usize> = self.sorted[from..]
            .iter()
            .take_while(|(p, _)| p.starts_with(path))
            .map(|&(_, i)| i)
            .collect();
        found.sort_unstable();
        found
    }
}

/// The condition under which nginx selects this location among `siblings`
/// (whose prefix locations are `prefixes`).
fn selects(loc: &Location, siblings: &[Location], prefixes: &Prefixes) -> Condition {
    match loc.kind {
        LocationKind::Exact => path_pred(MatchMethod::Str, &loc.path, false),
        LocationKind::Regex { ignore_case } => path_pred(MatchMethod::Reg, &loc.path, ignore_case),
        LocationKind::Named => Condition::Never,
        LocationKind::Prefix | LocationKind::PrefixFinal => {
            let mut all = vec![path_pred(MatchMethod::Beg, &loc.path, false)];
            for longer in prefixes.extending(&loc.path) {
                all.push(Condition::Not(Box::new(path_pred(
                    MatchMethod::Beg,
                    &siblings[longer].path,
                    false,
                ))));
            }
            if all.len() == 1 {
                all.pop().expect("one")
            } else {
                Condition::And(all)
            }
        }
    }
}

/// `rewrite REGEX REPLACEMENT redirect|permanent` (or a replacement that is
/// an absolute URL): a redirect for the URIs the regex matches.
fn redirect_rule(d: &Directive) -> Option<(Condition, Target)> {
    let (regex, replacement) = (d.arg(0)?, d.arg(1)?);
    let flag = d.arg(2).unwrap_or("");
    let absolute = ["http://", "https://", "$scheme://"]
        .iter()
        .any(|p| replacement.starts_with(p));
    if !(matches!(flag, "redirect" | "permanent") || absolute) {
        return None;
    }
    let action = format!("rewrite {regex} {replacement} {flag}")
        .trim_end()
        .to_string();
    Some((
        path_pred(MatchMethod::Reg, regex, false),
        Target::Terminal { action },
    ))
}

/// The directive as one line: words with blanks or control characters are
/// quoted and escaped, so the text stays on one line wherever it is shown.
fn words(d: &Directive) -> String {
    let w: Vec<String> = d
        .words
        .iter()
        .map(|w| {
            let t = w.as_str();
            if t.is_empty()
                || t.chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '"')
            {
                format!("\"{}\"", t.escape_debug())
            } else {
                t.to_string()
            }
        })
        .collect();
    w.join(" ")
}

/// Routes for the rewrite-phase rules of a block: `return`, redirecting
/// `rewrite`s, and `if` blocks holding them. `within` is the block's own
/// condition.
fn rewrite_phase(body: &[Directive], within: &Condition, routes: &mut Vec<Route>) {
    for d in body {
        let and = |c: Condition| match within {
            Condition::Always => c,
            w => Condition::And(vec![w.clone(), c]),
        };
        match d.name() {
            "return" => routes.push(Route {
                kind: RouteKind::Action,
                condition: within.clone(),
                target: Target::Terminal { action: words(d) },
                span: d.span(),
                uncertain: false,
            }),
            "rewrite" => {
                if let Some((cond, target)) = redirect_rule(d) {
                    routes.push(Route {
                        kind: RouteKind::Action,
                        condition: and(cond),
                        target,
                        span: d.span(),
                        uncertain: false,
                    });
                }
            }
            "if" => {
                let text: Vec<&str> = d.args().iter().map(|w| w.as_str()).collect();
                let cond = and(Condition::Opaque(format!("if {}", text.join(" "))));
                rewrite_phase(d.children(), &cond, routes);
            }
            _ => {}
        }
    }
}

/// What a location does with a request that reaches its content phase.
pub enum Handler<'d, 'a> {
    /// `proxy_pass` and its kin.
    Pass(&'d Directive<'a>),
    /// `try_files ... @name`: files first, else the named location.
    TryFiles(&'d Directive<'a>, String),
    /// Served by nginx itself (files, `stub_status`, ...).
    Local(String),
}

const PASS_DIRECTIVES: &[&str] = &[
    "proxy_pass",
    "grpc_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
    "memcached_pass",
];

pub fn handler<'d, 'a>(body: &'d [Directive<'a>]) -> Handler<'d, 'a> {
    if let Some(d) = body.iter().find(|d| PASS_DIRECTIVES.contains(&d.name())) {
        return Handler::Pass(d);
    }
    if let Some(d) = body.iter().find(|d| d.name() == "try_files")
        && let Some(last) = d
            .args()
            .last()
            .map(|w| w.as_str())
            .filter(|l| l.starts_with('@'))
    {
        return Handler::TryFiles(d, last.to_string());
    }
    let local = body
        .iter()
        .find(|d| {
            matches!(
                d.name(),
                "stub_status" | "empty_gif" | "autoindex" | "alias" | "root"
            )
        })
        .map_or("static files".to_string(), |d| words(d));
    Handler::Local(local)
}

/// Lowers the locations of one server (or of one parent location).
/// `target` turns a handler into a route target.
pub fn routes<'d, 'a>(
    body: &'d [Directive<'a>],
    parent: &Condition,
    target: &mut dyn FnMut(&Handler<'d, 'a>, &[Location<'d, 'a>]) -> Target,
    diags: &mut Vec<Diagnostic>,
    out: &mut Vec<Route>,
) {
    let locations: Vec<Location> = body
        .iter()
        .filter(|d| d.name() == "location")
        .filter_map(|d| parse_location(d, diags))
        .collect();
    let mut first_of: foldhash::HashMap<(LocationKind, &str), usize> = Default::default();
    for (i, loc) in locations.iter().enumerate() {
        let first = *first_of.entry((loc.kind, loc.path.as_str())).or_insert(i);
        if first != i {
            let first = &locations[first];
            diags.push(
                Diagnostic::error(format!("duplicate location \"{}\"", loc.path))
                    .at(loc.directive.arg_span(0))
                    .related(first.directive.arg_span(0), "first defined here"),
            );
        }
    }
    let rank = |k: LocationKind| match k {
        LocationKind::Exact => 0,
        LocationKind::PrefixFinal => 1,
        LocationKind::Regex { .. } => 2,
        LocationKind::Prefix => 3,
        LocationKind::Named => 4,
    };
    let mut order: Vec<&Location> = locations
        .iter()
        .filter(|l| l.kind != LocationKind::Named)
        .collect();
    order.sort_by_key(|l| rank(l.kind));
    let prefixes = Prefixes::new(&locations);
    for loc in order {
        let own = selects(loc, &locations, &prefixes);
        let cond = match parent {
            Condition::Always => own,
            p => Condition::And(vec![p.clone(), own]),
        };
        let body = loc.directive.children();
        // A nested location that matches takes the request away from its parent.
        routes(body, &cond, target, diags, out);
        let before = out.len();
        rewrite_phase(body, &cond, out);
        if out[before..].iter().any(|r| r.condition == cond) {
            // An unconditional `return` ends every request here.
            continue;
        }
        let t = target(&handler(body), &locations);
        out.push(Route {
            kind: RouteKind::UseBackend,
            condition: cond,
            target: t,
            span: loc.directive.span(),
            uncertain: false,
        });
    }
}

/// Server-level routes: the rewrite phase, then the locations.
pub fn server_routes<'d, 'a>(
    body: &'d [Directive<'a>],
    target: &mut dyn FnMut(&Handler<'d, 'a>, &[Location<'d, 'a>]) -> Target,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Route> {
    let mut out = Vec::new();
    rewrite_phase(body, &Condition::Always, &mut out);
    routes(body, &Condition::Always, target, diags, &mut out);
    out
}
