//! The regexes HAProxy compiles as it loads a section, besides ACL patterns
//! (see `acl.rs`): the `replace-*` actions, the `expect` rules of active
//! checks and the `regsub` converter. One that PCRE2 refuses makes
//! `haproxy -c` fail there.

use crate::diag::Diagnostic;
use crate::pcre;
use crate::syntax::haproxy::Line;

/// The diagnostic for a pattern HAProxy would refuse, placed by the caller.
pub(super) fn refused(pattern: &str, options: pcre::Options) -> Option<Diagnostic> {
    // HAProxy hands PCRE2 a C string: it ends at the first NUL.
    let pattern = pattern.split('\0').next().unwrap_or_default();
    let refusal = pcre::check(pattern, options).err()?;
    Some(
        Diagnostic::error(format!(
            "regex '{pattern}' is invalid: {} (at offset {})",
            refusal.message, refusal.offset
        ))
        .help("HAProxy compiles it with PCRE2 and refuses the config; escape a literal character with '\\'"),
    )
}

/// Options of the `replace-*` actions: case-sensitive, with captures (the
/// replacement refers to them).
const REPLACE: pcre::Options = pcre::Options {
    caseless: false,
    no_auto_capture: false,
};

/// Options of check expectations: case-sensitive, no numbered captures.
const EXPECT: pcre::Options = pcre::Options {
    caseless: false,
    no_auto_capture: true,
};

/// `http-check expect` / `tcp-check expect` options that take one argument
/// before the match keyword.
const EXPECT_OPTIONS: &[&str] = &[
    "min-recv",
    "comment",
    "ok-status",
    "error-status",
    "tout-status",
    "on-success",
    "on-error",
    "status-code",
];

/// Checks the regexes of one line of a proxy or defaults section.
pub fn check_line(line: &Line, diags: &mut Vec<Diagnostic>) {
    for (i, word) in line.words.iter().enumerate().skip(1) {
        // A converter follows a comma: most words have none. Words are
        // short: core's search beats the call into memchr's.
        if word.as_str().as_bytes().contains(&b',') {
            regsubs(line, i, diags);
        }
    }
    let patterns = match line.keyword() {
        "http-request" | "http-response" | "http-after-response" => match line.word(1) {
            Some("replace-header" | "replace-value") => vec![(3, REPLACE)],
            Some("replace-uri" | "replace-path" | "replace-pathq") => vec![(2, REPLACE)],
            _ => return,
        },
        "http-check" | "tcp-check" if line.word(1) == Some("expect") => expectation(line),
        _ => return,
    };
    for (index, options) in patterns {
        if let Some(pattern) = line.word(index)
            && let Some(d) = refused(pattern, options)
        {
            diags.push(d.at(line.word_span(index)));
        }
    }
}

/// The word indexes of an `expect` rule's regexes: `[options] [!]
/// rstring|rstatus|rbinary RE`, or each `-m reg RE` of a `hdr`/`fhdr` match
/// (its name and its value).
fn expectation(line: &Line) -> Vec<(usize, pcre::Options)> {
    let mut i = 2;
    while line.word(i).is_some_and(|w| EXPECT_OPTIONS.contains(&w)) {
        i += 2;
    }
    if line.word(i) == Some("!") {
        i += 1;
    }
    match line.word(i) {
        Some("rstring" | "rstatus" | "rbinary") => vec![(i + 1, EXPECT)],
        Some("hdr" | "fhdr") => (i + 1..line.words.len())
            .filter(|&j| line.word(j) == Some("-m") && line.word(j + 1) == Some("reg"))
            .map(|j| (j + 2, EXPECT))
            .collect(),
        _ => Vec::new(),
    }
}

/// Checks each `,regsub(REGEX,SUBST[,FLAGS])` converter in word `i`.
fn regsubs(line: &Line, i: usize, diags: &mut Vec<Diagnostic>) {
    let word = line.words[i].as_str();
    for (at, _) in word.match_indices(",regsub(") {
        let list = &word[at + ",regsub".len()..];
        let refusal = match converter_args(list) {
            Err(why) => Some(
                Diagnostic::error(format!("regsub{}: {why}", shorten(list)))
                    .help("quote the regex, as in regsub('^/(a|b)/','/'): unquoted, its ',' or ')' ends the argument"),
            ),
            Ok(args) => {
                let options = pcre::Options {
                    caseless: args.get(2).is_some_and(|f| f.contains('i')),
                    no_auto_capture: false,
                };
                refused(&args[0], options)
            }
        };
        if let Some(d) = refusal {
            diags.push(d.at(line.word_span(i)));
        }
    }
}

/// The first 40 characters of a converter's argument list, for messages.
fn shorten(list: &str) -> &str {
    match list.char_indices().nth(40) {
        Some((end, _)) => &list[..end],
        None => list,
    }
}

/// The arguments of a converter's `(...)` list as HAProxy splits them:
/// quotes group, a backslash escapes `\`, a blank and the quotes (`\r`,
/// `\n`, `\t` make controls; before anything else it stays), and an
/// unquoted `,` or `)` ends an argument. At least two are needed (the
/// regex and its replacement).
fn converter_args(list: &str) -> Result<Vec<String>, String> {
    let mut chars = list.strip_prefix('(').unwrap_or(list).chars().peekable();
    let mut args = vec![String::new()];
    let (mut single, mut double) = (false, false);
    let closed = loop {
        let Some(c) = chars.next() else { break false };
        let arg = args.last_mut().expect("never empty");
        match c {
            '"' if !single => double = !double,
            '\'' if !double => single = !single,
            '\\' if !single && chars.peek().is_some() => match chars.peek() {
                Some(&e @ ('\\' | ' ' | '"' | '\'')) => {
                    arg.push(e);
                    chars.next();
                }
                Some('r') => {
                    arg.push('\r');
                    chars.next();
                }
                Some('n') => {
                    arg.push('\n');
                    chars.next();
                }
                Some('t') => {
                    arg.push('\t');
                    chars.next();
                }
                _ => arg.push('\\'),
            },
            ',' if !single && !double => {
                if args.len() == 3 {
                    return Err("takes at most three arguments".into());
                }
                args.push(String::new());
            }
            ')' if !single && !double => break true,
            c => arg.push(c),
        }
    };
    if !closed {
        return Err("no ')' ends its arguments".into());
    }
    if args.len() < 2 {
        return Err(
            "needs a regex and a replacement, and a ')' ended it after one argument".into(),
        );
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::converter_args;

    #[test]
    fn converter_arguments_split_as_haproxy_splits_them() {
        assert_eq!(
            converter_args("(^/api/,/)]"),
            Ok(vec!["^/api/".into(), "/".into()])
        );
        let quoted = converter_args("('^/(a|b)/','/','g')]").unwrap();
        assert_eq!(quoted, ["^/(a|b)/", "/", "g"]);
        assert_eq!(converter_args("(^/a\\(,/)").unwrap()[0], "^/a\\(");
        assert_eq!(converter_args("(a\\ b,c)").unwrap()[0], "a b");
        assert!(converter_args("(^/(a|b),/)").is_err());
        assert!(converter_args("(a,b").is_err());
    }
}
