//! Three-valued evaluation of route conditions against one request.
//!
//! A predicate the request cannot answer (a fetch lbcheck does not evaluate,
//! a pattern file it does not read, a client address not given) is
//! *unknown*, and the reason travels with it, so the output can say which
//! predicate made a route uncertain.

use std::borrow::Cow;
use std::net::IpAddr;

use super::Request;
use crate::model::condition::AclMemo;
use crate::model::{Condition, MatchMethod, Predicate};

/// Three-valued truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    /// Not decidable here; why.
    Unknown(String),
}

impl Tri {
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            u => u,
        }
    }

    fn from(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }
}

pub fn eval(cond: &Condition, req: &Request) -> Tri {
    Evaluation::new(req).eval(cond)
}

/// The evaluation of one request's routes: each named ACL's body, shared by
/// every route that names it, is evaluated once. A frontend whose thousands
/// of routes name one ACL of thousands of patterns would otherwise take
/// time in their product for every request.
pub struct Evaluation<'r> {
    req: &'r Request,
    acls: AclMemo<Tri>,
}

impl<'r> Evaluation<'r> {
    pub fn new(req: &'r Request) -> Evaluation<'r> {
        Evaluation {
            req,
            acls: AclMemo::default(),
        }
    }

    pub fn eval(&mut self, cond: &Condition) -> Tri {
        match cond {
            Condition::Always => Tri::True,
            Condition::Never => Tri::False,
            Condition::Opaque(text) => {
                Tri::Unknown(format!("'{text}' is not evaluated statically"))
            }
            Condition::Acl(_, body) => match self.acls.get(body) {
                Some(known) => known,
                None => {
                    let found = self.eval(body);
                    self.acls.keep(body, found)
                }
            },
            Condition::Not(c) => self.eval(c).not(),
            Condition::And(cs) => {
                let mut unknown = None;
                for c in cs {
                    match self.eval(c) {
                        Tri::False => return Tri::False,
                        Tri::Unknown(u) => unknown = unknown.or(Some(u)),
                        Tri::True => {}
                    }
                }
                unknown.map_or(Tri::True, Tri::Unknown)
            }
            Condition::Or(cs) => {
                let mut unknown = None;
                for c in cs {
                    match self.eval(c) {
                        Tri::True => return Tri::True,
                        Tri::Unknown(u) => unknown = unknown.or(Some(u)),
                        Tri::False => {}
                    }
                }
                unknown.map_or(Tri::False, Tri::Unknown)
            }
            Condition::Pred(p) => predicate(p, self.req),
        }
    }
}

/// The literal text an anchored regex starts with, up to its first
/// metacharacter, and the rest (`^/api/v[12]/` gives `/api/v` and `[12]/`).
pub(crate) fn anchored_literal(re: &str) -> Option<(&str, &str)> {
    let body = re.strip_prefix('^')?;
    let end = body
        .find(|c: char| ".*+?()[]{}|\\$^".contains(c))
        .unwrap_or(body.len());
    Some(body.split_at(end))
}

/// `text` in ASCII lowercase, borrowed when it already is (names and
/// hosts usually are).
pub(crate) fn ascii_lowercase(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// A fetch's name as HAProxy compares it: lowercased, without `req.`.
pub(crate) fn fetch_name(fetch: &str) -> Cow<'_, str> {
    match ascii_lowercase(fetch) {
        Cow::Borrowed(n) => Cow::Borrowed(n.strip_prefix("req.").unwrap_or(n)),
        Cow::Owned(n) => Cow::Owned(n.strip_prefix("req.").unwrap_or(&n).to_string()),
    }
}

/// The sample a fetch yields: `Ok(None)` when the request has none (the
/// predicate is then false), `Err` when lbcheck cannot tell.
fn fetch<'r>(p: &Predicate, name: &str, req: &'r Request) -> Result<Option<Cow<'r, str>>, String> {
    if let Some(arg) = name
        .strip_prefix("hdr(")
        .or_else(|| name.strip_prefix("fhdr("))
        .and_then(|a| a.strip_suffix(')'))
    {
        let header = arg.split(',').next().unwrap_or(arg).trim();
        return Ok(req.header(header).map(Cow::Borrowed));
    }
    Ok(Some(match name {
        "path" => Cow::Borrowed(req.path_only()),
        "url" | "uri" => Cow::Borrowed(&req.path),
        "base" => Cow::Owned(format!(
            "{}{}",
            req.header("host").unwrap_or(""),
            req.path_only()
        )),
        "query" => match req.path.split_once('?') {
            Some((_, q)) => Cow::Borrowed(q),
            None => return Ok(None),
        },
        "method" => Cow::Borrowed(&req.method),
        "dst_port" => Cow::Owned(req.port.to_string()),
        "src" => match req.src {
            Some(ip) => Cow::Owned(ip.to_string()),
            None => return Err(format!("{} needs the client address (--src)", p.fetch)),
        },
        "ssl_fc" => Cow::Borrowed(if req.tls { "true" } else { "false" }),
        "ssl_sni" | "ssl_fc_sni" => match (req.tls, req.header("host")) {
            (true, Some(h)) => Cow::Borrowed(h.split(':').next().unwrap_or(h)),
            _ => return Ok(None),
        },
        _ => {
            return Err(format!(
                "the fetch '{}' is not evaluated statically",
                p.fetch
            ));
        }
    }))
}

fn default_method(fetch: &str) -> MatchMethod {
    match fetch {
        "src" => MatchMethod::Ip,
        "dst_port" => MatchMethod::Int,
        "ssl_fc" => MatchMethod::Bool,
        _ => MatchMethod::Str,
    }
}

/// `pattern` found in `value` between delimiters (or the ends).
fn delimited(value: &str, pattern: &str, delims: &[char]) -> bool {
    if pattern.is_empty() {
        return false;
    }
    value.match_indices(pattern).any(|(i, _)| {
        let before = value[..i].chars().next_back();
        let after = value[i + pattern.len()..].chars().next();
        before.is_none_or(|c| delims.contains(&c)) && after.is_none_or(|c| delims.contains(&c))
    })
}

fn cidr(ip: IpAddr, pattern: &str) -> Option<bool> {
    let (addr, bits) = match pattern.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (pattern, None),
    };
    let net: IpAddr = addr.parse().ok()?;
    let ip = match (ip, net) {
        (IpAddr::V6(v6), IpAddr::V4(_)) => IpAddr::V4(v6.to_ipv4_mapped()?),
        (ip, _) => ip,
    };
    let bits: u32 = match bits {
        Some(b) if b.contains('.') => b
            .parse::<std::net::Ipv4Addr>()
            .ok()
            .map(|m| u32::from(m).count_ones())?,
        Some(b) => b.parse().ok()?,
        None => {
            if net.is_ipv4() {
                32
            } else {
                128
            }
        }
    };
    Some(match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits.min(32))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits.min(128))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    })
}

fn int_match(value: i64, values: &[String]) -> Option<bool> {
    if let [op, n] = values
        && matches!(op.as_str(), "eq" | "ge" | "gt" | "le" | "lt")
    {
        let n: i64 = n.parse().ok()?;
        let r = match op.as_str() {
            "eq" => value == n,
            "ge" => value >= n,
            "gt" => value > n,
            "le" => value <= n,
            "lt" => value < n,
            _ => return None,
        };
        return Some(r);
    }
    Some(values.iter().any(|v| match v.split_once(':') {
        Some((lo, hi)) => {
            lo.parse().map_or(i64::MIN, |l: i64| l) <= value
                && value <= hi.parse().map_or(i64::MAX, |h: i64| h)
        }
        None => v.parse() == Ok(value),
    }))
}

/// Regexes compiled so far, case-sensitive and caseless (`None`: not
/// compilable), with how often each gave up: routing many requests
/// evaluates the same few patterns over and over.
type RegexCache = [std::collections::HashMap<String, (Option<pcre2::bytes::Regex>, u8)>; 2];

/// PCRE2 backtracks: a pattern like `^/(a+)+$` takes exponential time on
/// `/aaaa…b`. Each match may take this many steps (the proxies' own
/// default is 10,000,000) ...
const MATCH_STEPS: u32 = 1_000_000;

/// ... and a pattern that ran out of them this many times is not run
/// again: its answers are unknown, and a config of many such patterns
/// cannot stall `route` or `diff`'s probes.
const GIVE_UPS: u8 = 3;

thread_local! {
    static REGEXES: std::cell::RefCell<RegexCache> = Default::default();
}

/// Whether `pattern` matches `subject`, as the proxies match: PCRE2 on
/// bytes, caseless for `-i` / `~*`. `None` when the pattern does not
/// compile, or PCRE2 gives up on the subject (its match limit).
pub(crate) fn regex_match(pattern: &str, caseless: bool, subject: &str) -> Option<bool> {
    REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        let cache = &mut cache[usize::from(caseless)];
        if !cache.contains_key(pattern) {
            let re = pcre2::bytes::RegexBuilder::new()
                .caseless(caseless)
                .jit_if_available(true)
                .build(&format!("(*LIMIT_MATCH={MATCH_STEPS}){pattern}"))
                .ok();
            cache.insert(pattern.to_string(), (re, 0));
        }
        let (re, give_ups) = cache.get_mut(pattern)?;
        if *give_ups >= GIVE_UPS {
            return None;
        }
        let matched = re.as_ref()?.is_match(subject.as_bytes()).ok();
        if matched.is_none() {
            *give_ups += 1;
        }
        matched
    })
}

/// Byte equality, ASCII case folded when `ignore_case`.
fn eq(ignore_case: bool, a: &[u8], b: &[u8]) -> bool {
    if ignore_case {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

fn predicate(p: &Predicate, req: &Request) -> Tri {
    if !p.pattern_files.is_empty() {
        return Tri::Unknown(format!(
            "patterns of {} come from {}",
            p.fetch,
            p.pattern_files.join(", ")
        ));
    }
    let name = fetch_name(&p.fetch);
    let value = match fetch(p, &name, req) {
        Ok(v) => v,
        Err(why) => return Tri::Unknown(why),
    };
    let method = p.method.unwrap_or_else(|| default_method(&name));
    let Some(value) = value else {
        return Tri::False;
    };
    // `-i` folds ASCII case, as HAProxy's case-insensitive matches do.
    let ci = p.ignore_case;
    fn fold(ci: bool, s: &str) -> Cow<'_, str> {
        if ci {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    }
    let v = value.as_ref();
    let prefix = |v: &str, pat: &str| {
        v.len() >= pat.len() && eq(ci, &v.as_bytes()[..pat.len()], pat.as_bytes())
    };
    let suffix = |v: &str, pat: &str| {
        v.len() >= pat.len() && eq(ci, &v.as_bytes()[v.len() - pat.len()..], pat.as_bytes())
    };
    let any = |test: &dyn Fn(&str) -> bool| Tri::from(p.values.iter().any(|pat| test(pat)));
    let any_folded = |test: &dyn Fn(&str, &str) -> bool| {
        let v = fold(ci, v);
        Tri::from(p.values.iter().any(|pat| test(&v, &fold(ci, pat))))
    };
    match method {
        MatchMethod::Found => Tri::True,
        MatchMethod::Str => any(&|pat| eq(ci, v.as_bytes(), pat.as_bytes())),
        MatchMethod::Beg => any(&|pat| prefix(v, pat)),
        MatchMethod::End => any(&|pat| suffix(v, pat)),
        MatchMethod::Sub => any_folded(&|v, pat| v.contains(pat)),
        MatchMethod::Dom => any_folded(&|v, pat| delimited(v, pat, &['/', '?', '.', ':'])),
        MatchMethod::Dir => any_folded(&|v, pat| delimited(v, pat, &['/', '?'])),
        MatchMethod::Bool => Tri::from(value == "true"),
        MatchMethod::Len => match int_match(value.chars().count() as i64, &p.values) {
            Some(b) => Tri::from(b),
            None => Tri::Unknown(format!("cannot read the lengths in {p}")),
        },
        MatchMethod::Int => match value
            .parse::<i64>()
            .ok()
            .and_then(|n| int_match(n, &p.values))
        {
            Some(b) => Tri::from(b),
            None => Tri::Unknown(format!("cannot compare {p} as integers")),
        },
        MatchMethod::Ip => {
            let Ok(ip) = value.parse::<IpAddr>() else {
                return Tri::Unknown(format!("'{value}' is not an address"));
            };
            let mut unknown = None;
            for pat in &p.values {
                match cidr(ip, pat) {
                    Some(true) => return Tri::True,
                    Some(false) => {}
                    None => unknown = Some(format!("'{pat}' is not an address or network")),
                }
            }
            unknown.map_or(Tri::False, Tri::Unknown)
        }
        MatchMethod::Reg => {
            let mut unknown = None;
            for pat in &p.values {
                match regex_match(pat, p.ignore_case, &value) {
                    Some(true) => return Tri::True,
                    Some(false) => {}
                    None => {
                        unknown = Some(format!(
                            "the regex '{pat}' does not compile, or PCRE2 gave up matching it"
                        ))
                    }
                }
            }
            unknown.map_or(Tri::False, Tri::Unknown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_that_keeps_giving_up_is_not_run_again() {
        let slow = format!("/{}b", "a".repeat(40));
        assert_eq!(regex_match("^/(a+)+$", false, "/aa"), Some(true));
        for _ in 0..GIVE_UPS {
            assert_eq!(regex_match("^/(a+)+$", false, &slow), None);
        }
        // Even a subject it would match at once is unknown now; another
        // pattern is not held back.
        assert_eq!(regex_match("^/(a+)+$", false, "/aa"), None);
        assert_eq!(regex_match("^/(a+)+$|x", false, "/aa"), Some(true));
        assert_eq!(regex_match("^/API$", true, "/api"), Some(true));
        assert_eq!(regex_match("^/API$", false, "/api"), Some(false));
    }

    #[test]
    fn domains_networks_and_integers() {
        assert!(delimited("www.example.com", "example.com", &['.']));
        assert!(!delimited("myexample.com", "example.com", &['.']));
        assert!(delimited("/a/b/c", "b", &['/']));
        assert_eq!(cidr("10.1.2.3".parse().unwrap(), "10.1.0.0/16"), Some(true));
        assert_eq!(
            cidr("10.2.2.3".parse().unwrap(), "10.1.0.0/16"),
            Some(false)
        );
        assert_eq!(cidr("10.1.2.3".parse().unwrap(), "10.1.2.3"), Some(true));
        assert_eq!(
            cidr("::ffff:10.1.2.3".parse().unwrap(), "10.1.0.0/16"),
            Some(true)
        );
        assert_eq!(int_match(8080, &["gt".into(), "1024".into()]), Some(true));
        assert_eq!(int_match(80, &["80:90".into()]), Some(true));
        assert_eq!(int_match(79, &["80:90".into(), "443".into()]), Some(false));
    }
}
