//! Cheap necessary conditions of a route: the hosts and path prefixes it
//! can only match under. A probe whose host or path fails them skips the
//! route without evaluating its condition, which would be false anyway;
//! frontends with thousands of `use_backend` rules are routed many times
//! by `lbcheck diff`, so an entry point's routes are also indexed by those
//! hosts and prefixes: a request looks up the few routes it may meet.

use super::matching::fetch_name;
use crate::model::condition::AclMemo;
use crate::model::{Condition, MatchMethod, Predicate, Route};

/// An entry point's routes, indexed by what a request must have to meet
/// them.
#[derive(Debug, Clone, Default)]
pub struct RouteFilter {
    each: Vec<Prefilter>,
    /// Whether the indexes below are built: a short list is scanned.
    indexed: bool,
    /// In a scanned list, the keys of the routes whose prefilter has none
    /// but whose condition does (an OR of a host and a path, ...), as the
    /// index would have them.
    scanned_keys: Vec<(usize, Vec<Key>)>,
    /// Routes that need one of their hosts, under each host.
    by_host: foldhash::HashMap<String, Vec<usize>>,
    /// Routes that need one of their path prefixes, under each prefix.
    by_prefix: foldhash::HashMap<String, Vec<usize>>,
    /// The lengths of those prefixes, each once.
    prefix_lengths: Vec<usize>,
    /// Routes any request may meet, as far as the index can tell.
    open: Vec<usize>,
}

/// One thing a request can have that lets it meet a route.
#[derive(Debug, Clone)]
enum Key {
    Host(String),
    PathPrefix(String),
}

/// Entry points with at most this many routes are scanned, not indexed:
/// an nginx config has tens of thousands of servers with a few locations.
const SCANNED_ROUTES: usize = 16;

impl RouteFilter {
    pub fn new(routes: &[Route]) -> RouteFilter {
        let mut derive = Derive::default();
        let mut filter = RouteFilter {
            each: routes
                .iter()
                .map(|r| derive.prefilter(&r.condition))
                .collect(),
            indexed: routes.len() > SCANNED_ROUTES,
            ..RouteFilter::default()
        };
        if !filter.indexed {
            filter.scanned_keys = (0..routes.len())
                .filter(|&i| filter.each[i].keys().is_none())
                .filter_map(|i| Some((i, derive.keys(&routes[i].condition)?)))
                .collect();
            return filter;
        }
        for (i, r) in routes.iter().enumerate() {
            // The route's own constraint gives the keys; only a condition
            // without one (an OR of a host and a path, ...) is looked into.
            let Some(keys) = filter.each[i].keys().or_else(|| derive.keys(&r.condition)) else {
                filter.open.push(i);
                continue;
            };
            for key in keys {
                let (index, value) = match key {
                    Key::Host(h) => (&mut filter.by_host, h),
                    Key::PathPrefix(p) => {
                        filter.prefix_lengths.push(p.len());
                        (&mut filter.by_prefix, p)
                    }
                };
                let list = index.entry(value).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        filter.prefix_lengths.sort_unstable();
        filter.prefix_lengths.dedup();
        filter
    }

    /// The routes a request with this (lowercase) host and path may meet,
    /// in route order: those whose [`Prefilter`] lets it through and, for
    /// a condition that gives keys its prefilter does not, that has one.
    pub fn candidates(&self, host: Option<&str>, path: &str) -> Vec<usize> {
        if !self.indexed {
            let has_key = |i: usize| match self.scanned_keys.iter().find(|(j, _)| *j == i) {
                None => true,
                Some((_, keys)) => keys.iter().any(|key| match key {
                    Key::Host(h) => host == Some(h.as_str()),
                    Key::PathPrefix(p) => path.starts_with(p.as_str()),
                }),
            };
            return (0..self.each.len())
                .filter(|&i| has_key(i) && self.each[i].may_match(host, path))
                .collect();
        }
        let mut found = self.open.clone();
        if let Some(list) = host.and_then(|h| self.by_host.get(h)) {
            found.extend(list);
        }
        for &len in self
            .prefix_lengths
            .iter()
            .take_while(|&&len| len <= path.len())
        {
            if let Some(list) = path.get(..len).and_then(|p| self.by_prefix.get(p)) {
                found.extend(list);
            }
        }
        found.sort_unstable();
        found.dedup();
        found.retain(|&i| self.each[i].may_match(host, path));
        found
    }
}

/// What a request must have for a condition to hold (`None`: no constraint).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prefilter {
    /// The `Host` header, lowercased, must be one of these.
    hosts: Option<Vec<String>>,
    /// The path must start with one of these.
    path_prefixes: Option<Vec<String>>,
}

/// Most hosts or path prefixes a prefilter or a route's keys hold: a
/// condition that would need more is taken as unconstrained (routing it
/// only evaluates it), so that routes naming one ACL of thousands of
/// patterns do not each hold a copy of them.
const MAX_KEYS: usize = 64;

/// A list of constraints, or `None` past [`MAX_KEYS`].
fn capped<T>(list: Vec<T>) -> Option<Vec<T>> {
    (list.len() <= MAX_KEYS).then_some(list)
}

/// Works out prefilters and keys of an entry point's conditions, each named
/// ACL's body once however many routes name it.
#[derive(Default)]
struct Derive {
    prefilters: AclMemo<Prefilter>,
    keys: AclMemo<Option<Vec<Key>>>,
}

impl Derive {
    fn prefilter(&mut self, cond: &Condition) -> Prefilter {
        match cond {
            Condition::Pred(p) => predicate(p),
            Condition::Acl(_, body) => match self.prefilters.get(body) {
                Some(known) => known,
                None => {
                    let found = self.prefilter(body);
                    self.prefilters.keep(body, found)
                }
            },
            // Every part must hold: any part's constraint holds for all
            // (the first part's that has one of each kind).
            Condition::And(cs) => {
                let mut all = Prefilter::default();
                for part in cs {
                    let part = self.prefilter(part);
                    all.hosts = all.hosts.or(part.hosts);
                    all.path_prefixes = all.path_prefixes.or(part.path_prefixes);
                    if all.hosts.is_some() && all.path_prefixes.is_some() {
                        break;
                    }
                }
                all
            }
            // One part must hold: constrained only if every part is.
            Condition::Or(cs) => {
                let parts: Vec<Prefilter> = cs.iter().map(|c| self.prefilter(c)).collect();
                let union = |f: fn(&Prefilter) -> &Option<Vec<String>>| {
                    parts
                        .iter()
                        .map(f)
                        .try_fold(Vec::new(), |mut all, one| {
                            all.extend(one.as_ref()?.iter().cloned());
                            capped(all)
                        })
                        .filter(|_| !parts.is_empty())
                };
                Prefilter {
                    hosts: union(|p| &p.hosts),
                    path_prefixes: union(|p| &p.path_prefixes),
                }
            }
            _ => Prefilter::default(),
        }
    }

    /// Keys one of which a request must have to meet a route with this
    /// condition; `None` when the index cannot narrow it down.
    fn keys(&mut self, cond: &Condition) -> Option<Vec<Key>> {
        match cond {
            Condition::Pred(p) => predicate(p).keys(),
            Condition::Acl(_, body) => match self.keys.get(body) {
                Some(known) => known,
                None => {
                    let found = self.keys(body);
                    self.keys.keep(body, found)
                }
            },
            // Every part must hold: any part's keys are necessary.
            Condition::And(cs) => cs.iter().find_map(|c| self.keys(c)),
            // One part must hold: every part needs keys.
            Condition::Or(cs) if !cs.is_empty() => cs.iter().try_fold(Vec::new(), |mut all, c| {
                all.extend(self.keys(c)?);
                capped(all)
            }),
            _ => None,
        }
    }
}

impl Prefilter {
    /// The prefilter of one condition.
    #[cfg(test)]
    fn of(cond: &Condition) -> Prefilter {
        Derive::default().prefilter(cond)
    }

    /// Keys one of which a request must have to pass: its hosts, else its
    /// path prefixes.
    fn keys(&self) -> Option<Vec<Key>> {
        match (&self.hosts, &self.path_prefixes) {
            (Some(hosts), _) => Some(hosts.iter().cloned().map(Key::Host).collect()),
            (None, Some(prefixes)) => Some(prefixes.iter().cloned().map(Key::PathPrefix).collect()),
            (None, None) => None,
        }
    }

    /// False only when the condition certainly does not hold for a request
    /// with this `Host` header (lowercased) and path (without its query).
    pub fn may_match(&self, host: Option<&str>, path: &str) -> bool {
        let host_ok = self
            .hosts
            .as_ref()
            .is_none_or(|hosts| host.is_some_and(|h| hosts.iter().any(|x| x == h)));
        let path_ok = self
            .path_prefixes
            .as_ref()
            .is_none_or(|prefixes| prefixes.iter().any(|p| path.starts_with(p.as_str())));
        host_ok && path_ok
    }
}

/// Exact `Host` matches (`hdr(host) -i NAME`) and case-sensitive path
/// prefixes (`path_beg /api/`, nginx prefix locations) constrain; nothing
/// else does.
fn predicate(p: &Predicate) -> Prefilter {
    if !p.pattern_files.is_empty() {
        return Prefilter::default();
    }
    let name = fetch_name(&p.fetch);
    let method = p.method.unwrap_or(MatchMethod::Str);
    match (name.as_ref(), method) {
        ("hdr(host)" | "fhdr(host)", MatchMethod::Str) if p.values.len() <= MAX_KEYS => Prefilter {
            // Folding both sides can only widen the match.
            hosts: Some(p.values.iter().map(|v| v.to_ascii_lowercase()).collect()),
            path_prefixes: None,
        },
        ("path", MatchMethod::Beg) if !p.ignore_case && p.values.len() <= MAX_KEYS => Prefilter {
            hosts: None,
            path_prefixes: Some(p.values.clone()),
        },
        ("path", MatchMethod::Reg) if !p.ignore_case && p.values.len() <= MAX_KEYS => Prefilter {
            hosts: None,
            path_prefixes: p.values.iter().map(|re| regex_path_prefix(re)).collect(),
        },
        _ => Prefilter::default(),
    }
}

/// The literal start every path matching an anchored regex has (`^/api/v`
/// of `^/api/v[12]/`), when there is one and the regex is evaluated at
/// all (one lbcheck cannot compile stays a route to evaluate, which then
/// says it is unknown). An alternation anywhere could match without it,
/// and a quantifier takes its character out of it.
fn regex_path_prefix(re: &str) -> Option<String> {
    if re.contains('|') {
        return None;
    }
    let (mut prefix, rest) = super::matching::anchored_literal(re)?;
    // A quantifier may make the last literal optional: `a*`, `a?`, `a{0,}`;
    // after `+`, anything PCRE2 reads as a quantifier is taken to.
    if rest.starts_with(['*', '?', '{'])
        || (rest.starts_with('+') && rest[1..].starts_with(['*', '?', '{', '+']))
    {
        let last = prefix.chars().next_back()?;
        prefix = &prefix[..prefix.len() - last.len_utf8()];
    }
    let compiles = super::matching::regex_match(re, false, "").is_some();
    (!prefix.is_empty() && compiles).then(|| prefix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pred(fetch: &str, method: Option<MatchMethod>, values: &[&str]) -> Condition {
        Condition::Pred(Box::new(Predicate {
            fetch: fetch.into(),
            method,
            ignore_case: true,
            values: values.iter().map(|v| v.to_string()).collect(),
            pattern_files: Box::default(),
        }))
    }

    #[test]
    fn and_takes_any_constraint_or_needs_all() {
        let host = pred("hdr(host)", None, &["API.example.com"]);
        let mut path = pred("path", Some(MatchMethod::Beg), &["/v1/"]);
        if let Condition::Pred(p) = &mut path {
            p.ignore_case = false;
        }
        let src = pred("src", None, &["10.0.0.0/8"]);
        let both = Prefilter::of(&Condition::And(vec![host.clone(), path.clone()]));
        assert!(both.may_match(Some("api.example.com"), "/v1/x"));
        assert!(!both.may_match(Some("api.example.com"), "/v2/x"));
        assert!(!both.may_match(None, "/v1/x"));
        let either = Prefilter::of(&Condition::Or(vec![host.clone(), src.clone()]));
        assert!(either.may_match(Some("other"), "/"));
        let hosts = Prefilter::of(&Condition::Or(vec![
            host.clone(),
            pred("hdr(host)", None, &["b"]),
        ]));
        assert!(hosts.may_match(Some("b"), "/") && !hosts.may_match(Some("c"), "/"));
        assert_eq!(
            Prefilter::of(&Condition::Not(Box::new(host))),
            Prefilter::default()
        );
        assert_eq!(
            Prefilter::of(&Condition::Or(Vec::new())),
            Prefilter::default()
        );
    }

    proptest::proptest! {
        /// A path that a regex route's prefilter turns away is one its
        /// evaluation finds false: not true, and not unknown.
        #[test]
        fn regex_prefixes_turn_away_only_false_paths(
            re in "\\^?[/ab.*+?|()\\[\\]{}1,\\\\$^]{0,8}",
            path in "/[ab/]{0,6}",
        ) {
            let mut cond = pred("path", Some(MatchMethod::Reg), &[&re]);
            if let Condition::Pred(p) = &mut cond {
                p.ignore_case = false;
            }
            let req = crate::route::Request::new(None, &path, 80);
            let truth = crate::route::matching::eval(&cond, &req);
            if !Prefilter::of(&cond).may_match(None, &path) {
                proptest::prop_assert_eq!(truth, crate::route::matching::Tri::False, "{} {}", re, path);
            }
        }
    }

    #[test]
    fn anchored_regexes_give_their_literal_start() {
        assert_eq!(regex_path_prefix("^/api/v[12]/").as_deref(), Some("/api/v"));
        assert_eq!(regex_path_prefix("^/ab*c").as_deref(), Some("/a"));
        assert_eq!(regex_path_prefix("^/ab+").as_deref(), Some("/ab"));
        assert_eq!(regex_path_prefix("^/a|/b"), None);
        assert_eq!(regex_path_prefix("/api"), None);
        assert_eq!(regex_path_prefix("^(?i)/api"), None);
        assert_eq!(regex_path_prefix("^/a+*"), None, "PCRE2 refuses it");
        assert_eq!(regex_path_prefix("^/a(?<=a)/").as_deref(), Some("/a"));
    }

    /// Short lists are scanned and long ones indexed; both give, in order,
    /// the same routes a request may meet.
    #[test]
    fn scanned_and_indexed_lists_give_the_routes_a_request_may_meet() {
        let exact_path = |prefix: &str| {
            let mut c = pred("path", Some(MatchMethod::Beg), &[prefix]);
            if let Condition::Pred(p) = &mut c {
                p.ignore_case = false;
            }
            c
        };
        let condition = |i: usize| match i % 5 {
            0 => pred("hdr(host)", None, &[&format!("h{}.example", i % 3)]),
            1 => exact_path(&format!("/p{}/", i % 4)),
            2 => Condition::Or(vec![
                pred("hdr(host)", None, &["h1.example"]),
                exact_path("/p2/"),
            ]),
            3 => pred("src", None, &["10.0.0.0/8"]),
            _ => Condition::Always,
        };
        let route = |i: usize| Route {
            kind: crate::model::RouteKind::UseBackend,
            condition: condition(i),
            target: crate::model::Target::Terminal {
                action: String::new(),
            },
            span: crate::source::Span::new(crate::source::FileId::new(0), 0..0),
            uncertain: false,
        };
        // The first SCANNED_ROUTES routes of a longer list, scanned and
        // indexed (the longer list, its candidates cut to them).
        let routes: Vec<Route> = (0..60).map(route).collect();
        let indexed = RouteFilter::new(&routes);
        let scanned = RouteFilter::new(&routes[..SCANNED_ROUTES]);
        assert!(indexed.indexed && !scanned.indexed);
        for host in [None, Some("h0.example"), Some("h1.example"), Some("x")] {
            for path in ["/", "/p0/a", "/p2/", "/p3/x/y"] {
                let mut expected = indexed.candidates(host, path);
                expected.retain(|&i| i < SCANNED_ROUTES);
                assert_eq!(scanned.candidates(host, path), expected, "{host:?} {path}");
                assert!(
                    expected
                        .iter()
                        .all(|&i| indexed.each[i].may_match(host, path))
                );
            }
        }
        // An OR of a host and a path: neither alone narrows it, together they do.
        assert_eq!(scanned.candidates(None, "/"), [3, 4, 8, 9, 13, 14]);
    }
}
