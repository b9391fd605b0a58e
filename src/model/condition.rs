//! Route conditions: a small expression language over request predicates.
//! What lbcheck cannot interpret is kept as [`Condition::Opaque`] text, so
//! evaluation can answer "unknown" instead of guessing.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// How a predicate compares the fetched value with its patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchMethod {
    /// Exact string.
    Str,
    Beg,
    End,
    Sub,
    Reg,
    /// Delimited word (`-m dom`, `hdr_dom`).
    Dom,
    /// Slash-delimited path element (`-m dir`, `path_dir`).
    Dir,
    Len,
    Found,
    Ip,
    Int,
    Bool,
}

impl MatchMethod {
    pub fn from_name(name: &str) -> Option<MatchMethod> {
        Some(match name {
            "str" => MatchMethod::Str,
            "beg" => MatchMethod::Beg,
            "end" => MatchMethod::End,
            "sub" => MatchMethod::Sub,
            "reg" => MatchMethod::Reg,
            "dom" => MatchMethod::Dom,
            "dir" => MatchMethod::Dir,
            "len" => MatchMethod::Len,
            "found" => MatchMethod::Found,
            "ip" => MatchMethod::Ip,
            "int" => MatchMethod::Int,
            "bool" => MatchMethod::Bool,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            MatchMethod::Str => "str",
            MatchMethod::Beg => "beg",
            MatchMethod::End => "end",
            MatchMethod::Sub => "sub",
            MatchMethod::Reg => "reg",
            MatchMethod::Dom => "dom",
            MatchMethod::Dir => "dir",
            MatchMethod::Len => "len",
            MatchMethod::Found => "found",
            MatchMethod::Ip => "ip",
            MatchMethod::Int => "int",
            MatchMethod::Bool => "bool",
        }
    }
}

/// One test on the request: `fetch` compared by `method` against `values`
/// (any of them matching makes it true).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Predicate {
    /// The sample fetch without its match suffix (`hdr(host)`, `path`, `src`).
    pub fetch: Box<str>,
    /// `None`: the fetch's own default method.
    pub method: Option<MatchMethod>,
    pub ignore_case: bool,
    pub values: Vec<String>,
    /// Patterns also come from files (`-f`), which lbcheck does not read.
    pub pattern_files: Box<[String]>,
}

/// A boolean expression over predicates.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "op", content = "args")]
pub enum Condition {
    Always,
    Never,
    Pred(Box<Predicate>),
    /// A named ACL, kept by name for display; its body is the OR of its lines.
    Acl(Arc<str>, Arc<Condition>),
    Not(Box<Condition>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    /// Not interpretable statically; the text as written.
    Opaque(String),
}

impl Condition {
    pub fn is_always(&self) -> bool {
        matches!(self, Condition::Always)
    }
}

/// What a pass over conditions found for each named ACL's body, keyed by
/// the body's shared allocation: thousands of routes may name one ACL of
/// thousands of patterns, and a pass that read the body for each route
/// would take their product.
#[derive(Debug)]
pub struct AclMemo<T>(foldhash::HashMap<*const Condition, T>);

impl<T> Default for AclMemo<T> {
    fn default() -> AclMemo<T> {
        AclMemo(foldhash::HashMap::default())
    }
}

impl<T: Clone> AclMemo<T> {
    pub fn get(&self, body: &Arc<Condition>) -> Option<T> {
        self.0.get(&Arc::as_ptr(body)).cloned()
    }

    /// Keeps what was found for `body`, and returns it.
    pub fn keep(&mut self, body: &Arc<Condition>, found: T) -> T {
        self.0.insert(Arc::as_ptr(body), found.clone());
        found
    }
}

/// Compares conditions as `==` does, each pair of named ACL bodies once:
/// comparing the routes of two configs whose thousands of routes name one
/// ACL of thousands of patterns would otherwise take their product.
#[derive(Default)]
pub struct SameConditions {
    acls: foldhash::HashMap<(*const Condition, *const Condition), bool>,
}

impl SameConditions {
    pub fn eq(&mut self, a: &Condition, b: &Condition) -> bool {
        use Condition::*;
        match (a, b) {
            (Always, Always) | (Never, Never) => true,
            (Pred(x), Pred(y)) => x == y,
            (Opaque(x), Opaque(y)) => x == y,
            (Not(x), Not(y)) => self.eq(x, y),
            (And(xs), And(ys)) | (Or(xs), Or(ys)) => {
                xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| self.eq(x, y))
            }
            (Acl(x_name, x), Acl(y_name, y)) => {
                if x_name != y_name {
                    return false;
                }
                if Arc::ptr_eq(x, y) {
                    return true;
                }
                let key = (Arc::as_ptr(x), Arc::as_ptr(y));
                if let Some(&known) = self.acls.get(&key) {
                    return known;
                }
                let same = self.eq(x, y);
                self.acls.insert(key, same);
                same
            }
            _ => false,
        }
    }
}

impl fmt::Display for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.fetch)?;
        if self.ignore_case {
            write!(f, " -i")?;
        }
        if let Some(m) = self.method {
            write!(f, " -m {}", m.name())?;
        }
        for file in &self.pattern_files {
            write!(f, " -f {file}")?;
        }
        for v in &self.values {
            write!(f, " {v}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Always => write!(f, "always"),
            Condition::Never => write!(f, "never"),
            Condition::Pred(p) => write!(f, "{{ {p} }}"),
            Condition::Acl(name, _) => write!(f, "{name}"),
            Condition::Not(c) => write!(f, "!{c}"),
            Condition::And(cs) => join(f, cs, " "),
            Condition::Or(cs) => {
                write!(f, "(")?;
                join(f, cs, " || ")?;
                write!(f, ")")
            }
            Condition::Opaque(t) => write!(f, "{{ {t} }}"),
        }
    }
}

fn join(f: &mut fmt::Formatter<'_>, cs: &[Condition], sep: &str) -> fmt::Result {
    for (i, c) in cs.iter().enumerate() {
        if i > 0 {
            write!(f, "{sep}")?;
        }
        write!(f, "{c}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pred(fetch: &str, value: &str) -> Condition {
        Condition::Pred(Box::new(Predicate {
            fetch: fetch.into(),
            method: None,
            ignore_case: false,
            values: vec![value.to_string()],
            pattern_files: Box::default(),
        }))
    }

    /// Every route holds a condition, and an `AND` of two ACLs a list of
    /// them: a predicate is boxed so that those (ACL references, `AND`,
    /// `OR`) do not each carry a predicate's 64 bytes.
    #[test]
    fn a_condition_is_four_words() {
        assert!(std::mem::size_of::<Condition>() <= 32);
    }

    #[test]
    fn same_conditions_agrees_with_eq() {
        let hosts = Arc::new(Condition::Or(vec![
            pred("hdr(host)", "a"),
            pred("hdr(host)", "b"),
        ]));
        let hosts_again = Arc::new((*hosts).clone());
        let other_hosts = Arc::new(Condition::Or(vec![pred("hdr(host)", "a")]));
        let acl = |name: &str, body: &Arc<Condition>| Condition::Acl(name.into(), body.clone());
        let mut all = vec![
            Condition::Always,
            Condition::Never,
            pred("path", "/a"),
            pred("path", "/b"),
            Condition::Opaque("x".into()),
            acl("h", &hosts),
            acl("h", &hosts_again),
            acl("h", &other_hosts),
            acl("g", &hosts),
        ];
        let parts = all.clone();
        for (i, c) in parts.iter().enumerate() {
            all.push(Condition::Not(Box::new(c.clone())));
            let next = parts[(i + 1) % parts.len()].clone();
            all.push(Condition::And(vec![c.clone(), next.clone()]));
            all.push(Condition::Or(vec![c.clone(), next]));
        }
        // One comparer across every pair, as the diff uses it.
        let mut same = SameConditions::default();
        for a in &all {
            for b in &all {
                assert_eq!(same.eq(a, b), a == b, "{a} vs {b}");
            }
        }
    }
}
