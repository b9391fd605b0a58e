//! `.if` / `.elif` conditions, evaluated statically where the answer is
//! knowable and *unknown* where it depends on the build or the environment.
//!
//! Grammar, as HAProxy's: `expr = and ('||' and)*`, `and = term ('&&' term)*`,
//! `term = '!'* (number | '(' expr ')' | predicate '(' args ')')`.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, digit1, hex_digit1, space0};
use nom::combinator::{opt, recognize};
use nom::multi::many0;
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use super::lexer::Env;
use crate::version::Version;

/// Three-valued truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    /// Not knowable statically; the text says on what it depends.
    Unknown(String),
}

impl Truth {
    fn from_bool(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    pub fn negate(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            u => u,
        }
    }

    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            (Truth::Unknown(u), _) | (_, Truth::Unknown(u)) => Truth::Unknown(u),
        }
    }

    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            (Truth::Unknown(u), _) | (_, Truth::Unknown(u)) => Truth::Unknown(u),
        }
    }
}

/// What a condition may consult.
pub struct CondContext<'e> {
    pub env: &'e Env,
    pub version: Version,
}

type Res<'a, O> = IResult<&'a str, O>;

const MAX_DEPTH: usize = 64;

struct Eval<'c, 'e> {
    ctx: &'c CondContext<'e>,
}

impl Eval<'_, '_> {
    fn expr<'a>(&self, i: &'a str, depth: usize) -> Res<'a, Truth> {
        let (mut i, mut acc) = self.and(i, depth)?;
        while let Ok((r, _)) = preceded(space0, tag::<_, _, nom::error::Error<&str>>("||")).parse(i)
        {
            let (r, t) = self.and(r, depth)?;
            acc = acc.or(t);
            i = r;
        }
        Ok((i, acc))
    }

    fn and<'a>(&self, i: &'a str, depth: usize) -> Res<'a, Truth> {
        let (mut i, mut acc) = self.term(i, depth)?;
        while let Ok((r, _)) = preceded(space0, tag::<_, _, nom::error::Error<&str>>("&&")).parse(i)
        {
            let (r, t) = self.term(r, depth)?;
            acc = acc.and(t);
            i = r;
        }
        Ok((i, acc))
    }

    fn term<'a>(&self, i: &'a str, depth: usize) -> Res<'a, Truth> {
        if depth > MAX_DEPTH {
            return Err(nom::Err::Failure(nom::error::Error::new(
                i,
                nom::error::ErrorKind::TooLarge,
            )));
        }
        let (i, _) = space0(i)?;
        let (i, bangs) = many0(preceded(char('!'), space0)).parse(i)?;
        let (i, truth) = alt((
            |i| number(i),
            |i| self.paren(i, depth),
            |i| self.predicate(i),
            |i| unresolved_term(i),
        ))
        .parse(i)?;
        let (i, _) = space0(i)?;
        let truth = if bangs.len() % 2 == 1 {
            truth.negate()
        } else {
            truth
        };
        Ok((i, truth))
    }

    fn paren<'a>(&self, i: &'a str, depth: usize) -> Res<'a, Truth> {
        delimited(
            preceded(char('('), space0),
            |i| self.expr(i, depth + 1),
            preceded(space0, char(')')),
        )
        .parse(i)
    }

    fn predicate<'a>(&self, i: &'a str) -> Res<'a, Truth> {
        let (i, name) = take_while1(|c: char| c.is_ascii_alphanumeric() || c == '_').parse(i)?;
        let (i, args) = delimited(char('('), take_while(|c| c != ')'), char(')')).parse(i)?;
        let args: Vec<&str> = if args.trim().is_empty() {
            Vec::new()
        } else {
            args.split(',').map(|a| unquote(a.trim())).collect()
        };
        let truth = match self.apply(name, &args) {
            Some(t) => t,
            None => {
                return Err(nom::Err::Error(nom::error::Error::new(
                    i,
                    nom::error::ErrorKind::Tag,
                )));
            }
        };
        Ok((i, truth))
    }

    /// `None` for a predicate name HAProxy does not know.
    fn apply(&self, name: &str, args: &[&str]) -> Option<Truth> {
        let arg = |n: usize| args.get(n).copied().unwrap_or("");
        let env_dependent = args.iter().any(|a| a.contains('$'));
        if env_dependent && name != "defined" {
            let what = args.iter().find(|a| a.contains('$')).unwrap_or(&"");
            return Some(Truth::Unknown(format!(
                "{name}() reads the environment variable in '{what}'"
            )));
        }
        Some(match name {
            "defined" => match self.ctx.env {
                Env::Unresolved => Truth::Unknown(format!(
                    "defined({}) depends on the environment (pass --env to read it)",
                    arg(0)
                )),
                Env::Values(v) => Truth::from_bool(v.contains_key(arg(0))),
            },
            "streq" => Truth::from_bool(arg(0) == arg(1)),
            "strneq" => Truth::from_bool(arg(0) != arg(1)),
            "strstr" => Truth::from_bool(arg(0).contains(arg(1))),
            "version_atleast" | "version_before" => match arg(0).parse::<Version>() {
                Ok(v) => {
                    let atleast = self.ctx.version >= v;
                    Truth::from_bool(if name == "version_atleast" {
                        atleast
                    } else {
                        !atleast
                    })
                }
                Err(_) => Truth::Unknown(format!(
                    "{name}({}) is not a version lbcheck can compare",
                    arg(0)
                )),
            },
            "feature"
            | "enabled"
            | "osname"
            | "openssl_version_atleast"
            | "openssl_version_before"
            | "ssllib_name_startswith"
            | "awslc_api_atleast"
            | "awslc_api_before" => Truth::Unknown(format!(
                "{name}({}) depends on how HAProxy was built or started",
                arg(0)
            )),
            _ => return None,
        })
    }
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(s)
}

/// A number as `strtol(.., 0)` reads it: non-zero is true.
fn number(i: &str) -> Res<'_, Truth> {
    let (i, neg) = opt(alt((char('-'), char('+')))).parse(i)?;
    let _ = neg;
    let (i, text) = alt((
        recognize(preceded(alt((tag("0x"), tag("0X"))), hex_digit1)),
        digit1,
    ))
    .parse(i)?;
    let zero = text
        .trim_start_matches("0x")
        .trim_start_matches("0X")
        .bytes()
        .all(|b| b == b'0');
    Ok((i, Truth::from_bool(!zero)))
}

/// A term that is an unexpanded `${VAR}`: its value decides.
fn unresolved_term(i: &str) -> Res<'_, Truth> {
    let (i, var) = recognize(preceded(
        char('$'),
        take_while1(|c: char| c != ' ' && c != ')' && c != '&' && c != '|'),
    ))
    .parse(i)?;
    Ok((i, Truth::Unknown(format!("the value of {var} decides"))))
}

/// Evaluates a condition's text. `Err` carries a message and the byte
/// position in `text` where it went wrong.
pub fn evaluate(text: &str, ctx: &CondContext) -> Result<Truth, (String, usize)> {
    let eval = Eval { ctx };
    if text.trim().is_empty() {
        return Err(("missing condition".to_string(), 0));
    }
    match eval.expr(text, 0) {
        Ok((rest, t)) if rest.trim().is_empty() => Ok(t),
        Ok((rest, _)) => Err((
            format!("unexpected '{}' in conditional expression", rest.trim()),
            text.len() - rest.len(),
        )),
        Err(nom::Err::Error(e)) | Err(nom::Err::Failure(e)) => Err((
            format!("unparsable conditional expression '{}'", e.input.trim()),
            text.len() - e.input.len(),
        )),
        Err(nom::Err::Incomplete(_)) => {
            Err(("incomplete conditional expression".to_string(), text.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn eval(text: &str) -> Result<Truth, (String, usize)> {
        evaluate(
            text,
            &CondContext {
                env: &Env::Unresolved,
                version: Version::new(2, 6),
            },
        )
    }

    #[test]
    fn static_terms() {
        assert_eq!(eval("1"), Ok(Truth::True));
        assert_eq!(eval("0"), Ok(Truth::False));
        assert_eq!(eval("!0 && (1 || 0)"), Ok(Truth::True));
        assert_eq!(eval("0x10"), Ok(Truth::True));
        assert_eq!(eval("streq(a,a) && strneq(a,b)"), Ok(Truth::True));
        assert_eq!(eval("version_atleast(2.4)"), Ok(Truth::True));
        assert_eq!(eval("version_atleast(2.8)"), Ok(Truth::False));
        assert_eq!(eval("version_before(3.0)"), Ok(Truth::True));
    }

    #[test]
    fn environment_and_build_are_unknown() {
        assert!(matches!(eval("defined(HOME)"), Ok(Truth::Unknown(_))));
        assert!(matches!(eval("feature(OPENSSL)"), Ok(Truth::Unknown(_))));
        assert!(matches!(eval("streq(${MODE},prod)"), Ok(Truth::Unknown(_))));
        assert_eq!(eval("feature(LUA) && 0"), Ok(Truth::False));
        assert_eq!(eval("feature(LUA) || 1"), Ok(Truth::True));
        let env = Env::Values(HashMap::from([("HOME".into(), "/".into())]));
        let ctx = CondContext {
            env: &env,
            version: Version::new(2, 6),
        };
        assert_eq!(
            evaluate("defined(HOME) && !defined(NOPE)", &ctx),
            Ok(Truth::True)
        );
    }

    #[test]
    fn bad_expressions_are_errors() {
        assert!(eval("").is_err());
        assert!(eval("nosuchpred(x)").is_err());
        assert!(eval("(1").is_err());
        assert!(eval("1 2").is_err());
        assert!(eval(&"(".repeat(10_000)).is_err());
    }
}
