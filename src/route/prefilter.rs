//! Cheap necessary conditions of a route: the hosts and path prefixes it
//! can only match under. A probe whose host or path fails them skips the
//! route without evaluating its condition, which would be false anyway;
//! frontends with thousands of `use_backend` rules are routed many times
//! by `lbcheck diff`.

use super::matching::fetch_name;
use crate::model::{Condition, MatchMethod, Predicate};

/// What a request must have for a condition to hold (`None`: no constraint).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prefilter {
    /// The `Host` header, lowercased, must be one of these.
    hosts: Option<Vec<String>>,
    /// The path must start with one of these.
    path_prefixes: Option<Vec<String>>,
}

impl Prefilter {
    pub fn of(cond: &Condition) -> Prefilter {
        match cond {
            Condition::Pred(p) => predicate(p),
            Condition::Acl(_, body) => Prefilter::of(body),
            // Every part must hold: any part's constraint holds for all.
            Condition::And(cs) => {
                let parts: Vec<Prefilter> = cs.iter().map(Prefilter::of).collect();
                Prefilter {
                    hosts: parts.iter().find_map(|p| p.hosts.clone()),
                    path_prefixes: parts.iter().find_map(|p| p.path_prefixes.clone()),
                }
            }
            // One part must hold: constrained only if every part is.
            Condition::Or(cs) => {
                let parts: Vec<Prefilter> = cs.iter().map(Prefilter::of).collect();
                let union = |f: fn(&Prefilter) -> &Option<Vec<String>>| {
                    parts
                        .iter()
                        .map(f)
                        .try_fold(Vec::new(), |mut all, one| {
                            all.extend(one.as_ref()?.iter().cloned());
                            Some(all)
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
        ("hdr(host)" | "fhdr(host)", MatchMethod::Str) => Prefilter {
            // Folding both sides can only widen the match.
            hosts: Some(p.values.iter().map(|v| v.to_ascii_lowercase()).collect()),
            path_prefixes: None,
        },
        ("path", MatchMethod::Beg) if !p.ignore_case => Prefilter {
            hosts: None,
            path_prefixes: Some(p.values.clone()),
        },
        _ => Prefilter::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pred(fetch: &str, method: Option<MatchMethod>, values: &[&str]) -> Condition {
        Condition::Pred(Predicate {
            fetch: fetch.to_string(),
            method,
            ignore_case: true,
            values: values.iter().map(|v| v.to_string()).collect(),
            pattern_files: Vec::new(),
        })
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
}
