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
    pub fetch: String,
    /// `None`: the fetch's own default method.
    pub method: Option<MatchMethod>,
    pub ignore_case: bool,
    pub values: Vec<String>,
    /// Patterns also come from files (`-f`), which lbcheck does not read.
    pub pattern_files: Vec<String>,
}

/// A boolean expression over predicates.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "op", content = "args")]
pub enum Condition {
    Always,
    Never,
    Pred(Predicate),
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
