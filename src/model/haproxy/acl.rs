//! HAProxy ACLs and `if`/`unless` conditions, lowered into [`Condition`]s.
//!
//! `acl NAME FETCH [flags] [values]` lines with the same name are OR'ed.
//! A condition is a list of terms with implicit AND, `||`/`or` between
//! groups (AND binds tighter), `!` negating a term, and `{ ... }` anonymous
//! ACLs. Derived fetch names (`hdr_beg(host)`, `path_end`) are split into the
//! fetch and its match method.

use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::model::{Condition, MatchMethod, Predicate};
use crate::pcre;
use crate::syntax::haproxy::Line;

/// Named ACLs of one proxy. HAProxy refuses a name that no line has
/// declared before the rule using it, yet later lines of that name still
/// join it (the rule refers to the ACL, not a copy). So the table is filled
/// from every `acl` line first, and a name becomes usable once the walk of
/// the section reaches its first line. Each body (its one line, or the OR
/// of its lines) is shared with every condition that uses it.
#[derive(Debug)]
pub struct AclTable {
    acls: foldhash::HashMap<Arc<str>, Acl>,
}

#[derive(Debug)]
struct Acl {
    body: Arc<Condition>,
    declared: bool,
}

impl AclTable {
    pub fn with_capacity(lines: usize) -> AclTable {
        let acls = foldhash::HashMap::with_capacity_and_hasher(lines, Default::default());
        AclTable { acls }
    }

    /// Records an `acl` line; reports a malformed one.
    pub fn add(&mut self, line: &Line, diags: &mut Vec<Diagnostic>) {
        let Some(name) = line.word(1) else {
            diags.push(
                Diagnostic::error("'acl' needs a name and a criterion").at(line.word_span(0)),
            );
            return;
        };
        let words: Vec<&str> = line.words[2..].iter().map(|w| w.as_str()).collect();
        if words.is_empty() {
            diags.push(
                Diagnostic::error(format!("acl '{name}' has no criterion"))
                    .at(line.word_span(1))
                    .help("write 'acl NAME FETCH [flags] [patterns]', e.g. 'acl is_api path_beg /api'"),
            );
            return;
        }
        let (pred, values_at) = predicate(&words);
        check_regexes(line, 2 + values_at, &pred, diags);
        match self.acls.get_mut(name) {
            None => {
                let body = Arc::new(pred);
                let declared = false;
                self.acls.insert(name.into(), Acl { body, declared });
            }
            Some(acl) => match Arc::make_mut(&mut acl.body) {
                Condition::Or(lines) => lines.push(pred),
                first => {
                    *first = Condition::Or(vec![std::mem::replace(first, Condition::Never), pred])
                }
            },
        }
    }

    /// The walk of the section reached this `acl` line: rules after it may
    /// use its name.
    pub fn declare(&mut self, line: &Line) {
        if let Some(acl) = line.word(1).and_then(|name| self.acls.get_mut(name)) {
            acl.declared = true;
        }
    }

    fn lookup(&self, name: &str) -> Option<Condition> {
        let (name, acl) = self.acls.get_key_value(name)?;
        acl.declared
            .then(|| Condition::Acl(name.clone(), acl.body.clone()))
    }
}

/// The match suffixes of derived fetch names, longest first where they overlap.
const SUFFIXES: &[(&str, Option<MatchMethod>)] = &[
    ("_found", Some(MatchMethod::Found)),
    ("_beg", Some(MatchMethod::Beg)),
    ("_end", Some(MatchMethod::End)),
    ("_sub", Some(MatchMethod::Sub)),
    ("_reg", Some(MatchMethod::Reg)),
    ("_dom", Some(MatchMethod::Dom)),
    ("_dir", Some(MatchMethod::Dir)),
    ("_len", Some(MatchMethod::Len)),
    ("_str", Some(MatchMethod::Str)),
    ("_ip", Some(MatchMethod::Ip)),
    ("_val", Some(MatchMethod::Int)),
];

/// Splits `hdr_beg(host)` into `hdr(host)` and `beg`.
fn split_fetch(fetch: &str) -> (String, Option<MatchMethod>) {
    let (name, args) = match fetch.find('(') {
        Some(i) => (&fetch[..i], &fetch[i..]),
        None => (fetch, ""),
    };
    for (suffix, method) in SUFFIXES {
        if let Some(base) = name.strip_suffix(suffix)
            && !base.is_empty()
            && !base.ends_with('.')
        {
            return (format!("{base}{args}"), *method);
        }
    }
    (fetch.to_string(), None)
}

/// One ACL criterion: `FETCH [flags] [values]`, and the index of its first
/// value among `words`.
fn predicate(words: &[&str]) -> (Condition, usize) {
    let (fetch, mut method) = split_fetch(words[0]);
    let mut ignore_case = false;
    let mut pattern_files = Vec::new();
    let mut i = 1;
    while i < words.len() {
        match words[i] {
            "-i" => ignore_case = true,
            "-n" | "-M" => {}
            "-f" | "-u" => {
                if words[i] == "-f"
                    && let Some(f) = words.get(i + 1)
                {
                    pattern_files.push(f.to_string());
                }
                i += 1;
            }
            "-m" => {
                if let Some(m) = words.get(i + 1).and_then(|m| MatchMethod::from_name(m)) {
                    method = Some(m);
                }
                i += 1;
            }
            "--" => {
                i += 1;
                break;
            }
            _ => break,
        }
        i += 1;
    }
    let values_at = i.min(words.len());
    let values = words[values_at..].iter().map(|v| v.to_string()).collect();
    let pred = Condition::Pred(Box::new(Predicate {
        fetch: fetch.into_boxed_str(),
        method,
        ignore_case,
        values,
        pattern_files: pattern_files.into_boxed_slice(),
    }));
    (pred, values_at)
}

/// HAProxy compiles a regex criterion's patterns with PCRE2 as it loads the
/// ACL, and refuses the config when one does not compile. `first_value` is
/// the word index of the first pattern on `line`.
fn check_regexes(line: &Line, first_value: usize, pred: &Condition, diags: &mut Vec<Diagnostic>) {
    let Condition::Pred(p) = pred else { return };
    if p.method != Some(MatchMethod::Reg) {
        return;
    }
    let options = pcre::Options {
        caseless: p.ignore_case,
        no_auto_capture: true,
    };
    for (k, pattern) in p.values.iter().enumerate() {
        if let Some(d) = super::regexes::refused(pattern, options) {
            diags.push(d.at(line.word_span(first_value + k)));
        }
    }
}

fn pred(fetch: &str, method: MatchMethod, values: &[&str]) -> Condition {
    Condition::Pred(Box::new(Predicate {
        fetch: fetch.into(),
        method: Some(method),
        ignore_case: false,
        values: values.iter().map(|v| v.to_string()).collect(),
        pattern_files: Box::default(),
    }))
}

/// HAProxy's predefined ACLs.
fn predefined(name: &str) -> Option<Condition> {
    let meth = |m: &[&str]| Some(pred("method", MatchMethod::Str, m));
    let body = match name {
        "TRUE" => Some(Condition::Always),
        "FALSE" => Some(Condition::Never),
        "LOCALHOST" => Some(pred("src", MatchMethod::Ip, &["127.0.0.1/8", "::1"])),
        "METH_GET" => meth(&["GET", "HEAD"]),
        "METH_CONNECT" => meth(&["CONNECT"]),
        "METH_DELETE" => meth(&["DELETE"]),
        "METH_HEAD" => meth(&["HEAD"]),
        "METH_OPTIONS" => meth(&["OPTIONS"]),
        "METH_POST" => meth(&["POST"]),
        "METH_PUT" => meth(&["PUT"]),
        "METH_TRACE" => meth(&["TRACE"]),
        "HTTP_URL_SLASH" => Some(pred("url", MatchMethod::Beg, &["/"])),
        "HTTP_URL_STAR" => Some(pred("url", MatchMethod::Str, &["*"])),
        "HTTP_1.0" => Some(pred("req.ver", MatchMethod::Str, &["1.0"])),
        "HTTP_1.1" => Some(pred("req.ver", MatchMethod::Str, &["1.1"])),
        "HTTP_2.0" => Some(pred("req.ver", MatchMethod::Str, &["2.0"])),
        "HTTP_3.0" => Some(pred("req.ver", MatchMethod::Str, &["3.0"])),
        "HTTP" | "HTTP_CONTENT" | "HTTP_URL_ABS" | "RDP_COOKIE" | "REQ_CONTENT" | "WAIT_END" => {
            Some(Condition::Opaque(name.to_string()))
        }
        _ => None,
    }?;
    Some(Condition::Acl(name.into(), Arc::new(body)))
}

/// Lowers the words after `if`/`unless` (`negate` for `unless`).
/// Undefined ACL names are reported as HAProxy does.
pub fn condition(
    line: &Line,
    start: usize,
    negate: bool,
    acls: &AclTable,
    diags: &mut Vec<Diagnostic>,
) -> Condition {
    let mut groups: Vec<Vec<Condition>> = vec![Vec::new()];
    let mut i = start;
    let words = &line.words;
    while i < words.len() {
        let w = words[i].as_str();
        if w == "||" || w == "or" {
            groups.push(Vec::new());
            i += 1;
            continue;
        }
        let mut negated = false;
        let mut term_word = w;
        let mut at = i;
        if term_word == "!" {
            negated = true;
            at += 1;
            term_word = words.get(at).map_or("", |w| w.as_str());
        } else if let Some(rest) = term_word.strip_prefix('!') {
            negated = true;
            term_word = rest;
        }
        let (term, next) = if term_word == "{" {
            let close = (at + 1..words.len()).find(|&j| words[j].as_str() == "}");
            match close {
                Some(close) if close > at + 1 => {
                    let inner: Vec<&str> =
                        words[at + 1..close].iter().map(|w| w.as_str()).collect();
                    let (pred, values_at) = predicate(&inner);
                    check_regexes(line, at + 1 + values_at, &pred, diags);
                    (pred, close + 1)
                }
                _ => {
                    diags.push(
                        Diagnostic::error("anonymous ACL '{ ... }' is empty or not closed")
                            .at(line.word_span(at))
                            .help("write the criterion between '{ ' and ' }', separated by spaces"),
                    );
                    (Condition::Opaque(term_word.to_string()), words.len())
                }
            }
        } else if term_word.is_empty() {
            diags.push(Diagnostic::error("'!' with nothing to negate").at(line.word_span(i)));
            (Condition::Opaque("!".to_string()), words.len())
        } else {
            let term = acls
                .lookup(term_word)
                .or_else(|| predefined(term_word))
                .unwrap_or_else(|| {
                    diags.push(
                        Diagnostic::error(format!("no such ACL: '{term_word}'"))
                            .at(line.word_span(at))
                            .label("used here but never defined in this section")
                            .help(format!(
                                "define it with 'acl {term_word} <criterion>' in the same section"
                            )),
                    );
                    Condition::Opaque(term_word.to_string())
                });
            (term, at + 1)
        };
        let term = if negated {
            Condition::Not(Box::new(term))
        } else {
            term
        };
        groups.last_mut().expect("never empty").push(term);
        i = next;
    }
    let mut ors: Vec<Condition> = groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|mut g| {
            if g.len() == 1 {
                g.pop().expect("one")
            } else {
                Condition::And(g)
            }
        })
        .collect();
    let cond = match ors.len() {
        0 => {
            diags.push(
                Diagnostic::error("'if'/'unless' without a condition")
                    .at(line.word_span(start.saturating_sub(1))),
            );
            Condition::Opaque(String::new())
        }
        1 => ors.pop().expect("one"),
        _ => Condition::Or(ors),
    };
    if negate {
        Condition::Not(Box::new(cond))
    } else {
        cond
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_fetches_split() {
        assert_eq!(
            split_fetch("hdr_beg(host)"),
            ("hdr(host)".into(), Some(MatchMethod::Beg))
        );
        assert_eq!(
            split_fetch("path_beg"),
            ("path".into(), Some(MatchMethod::Beg))
        );
        assert_eq!(
            split_fetch("hdr_dom(host)"),
            ("hdr(host)".into(), Some(MatchMethod::Dom))
        );
        assert_eq!(split_fetch("req.ssl_sni"), ("req.ssl_sni".into(), None));
        assert_eq!(split_fetch("ssl_fc"), ("ssl_fc".into(), None));
        assert_eq!(split_fetch("dst_port"), ("dst_port".into(), None));
    }

    #[test]
    fn flags_are_read() {
        let (Condition::Pred(p), 4) =
            predicate(&["hdr(host)", "-i", "-m", "end", ".example.com", "x"])
        else {
            panic!()
        };
        assert!(p.ignore_case);
        assert_eq!(p.method, Some(MatchMethod::End));
        assert_eq!(p.values, [".example.com", "x"]);
        let (Condition::Pred(p), 4) = predicate(&["path", "-f", "/etc/paths.lst", "--", "-i"])
        else {
            panic!()
        };
        assert_eq!(*p.pattern_files, ["/etc/paths.lst"]);
        assert_eq!(p.values, ["-i"]);
    }
}
