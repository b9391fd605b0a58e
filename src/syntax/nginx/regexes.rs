//! The regexes nginx compiles as it loads a config (`location ~`,
//! `server_name ~`, `rewrite`, `if (... ~ ...)`, `map` keys, and a few
//! directives that take one): one that PCRE2 refuses makes `nginx -t` fail
//! at its directive's line.

use crate::diag::Diagnostic;
use crate::pcre;
use crate::syntax::nginx::Directive;

/// Checks the regexes of a directive outside table blocks.
pub fn check_directive(d: &Directive, diags: &mut Vec<Diagnostic>) {
    match d.name() {
        "location" => location(d, diags),
        "server_name" => {
            for (i, name) in d.args().iter().enumerate() {
                if let Some(pattern) = name.as_str().strip_prefix('~') {
                    report(d, i, pattern, true, diags);
                }
            }
        }
        "rewrite" => {
            if let Some(pattern) = d.arg(0) {
                report(d, 0, pattern, false, diags);
            }
        }
        "if" => condition(d, diags),
        "fastcgi_split_path_info" => {
            if let Some(pattern) = d.arg(0) {
                report(d, 0, pattern, false, diags);
            }
        }
        "gzip_disable" => {
            for (i, word) in d.args().iter().enumerate() {
                if !matches!(word.as_str(), "msie6" | "degradation") {
                    report(d, i, word.as_str(), true, diags);
                }
            }
        }
        "valid_referers" => {
            for (i, word) in d.args().iter().enumerate() {
                if let Some(pattern) = word.as_str().strip_prefix('~') {
                    report(d, i, pattern, true, diags);
                }
            }
        }
        "proxy_redirect" | "proxy_cookie_path" | "proxy_cookie_domain" => {
            if let Some((pattern, caseless)) = d.arg(0).and_then(tilde) {
                report(d, 0, pattern, caseless, diags);
            }
        }
        _ => {}
    }
}

/// A word that is a regex by its `~` (`~*`: ignoring case) prefix.
fn tilde(word: &str) -> Option<(&str, bool)> {
    let rest = word.strip_prefix('~')?;
    Some(match rest.strip_prefix('*') {
        Some(rest) => (rest, true),
        None => (rest, false),
    })
}

/// Checks an entry of a `map` block, whose key is a regex when it starts
/// with `~` (`~*`: ignoring case).
pub fn check_map_entry(entry: &Directive, diags: &mut Vec<Diagnostic>) {
    let Some((pattern, caseless)) = tilde(entry.name()) else {
        return;
    };
    if let Err(refusal) = pcre::check(pattern, options(caseless)) {
        diags.push(refused(pattern, &refusal).at(entry.name_span()));
    }
}

/// `location ~ RE`, `location ~* RE`, or the modifier attached (`~RE`):
/// the pattern is the last word either way.
fn location(d: &Directive, diags: &mut Vec<Diagnostic>) {
    let last = d.args().len().saturating_sub(1);
    match d.location_parts() {
        Some(("~", pattern)) => report(d, last, pattern, false, diags),
        Some(("~*", pattern)) => report(d, last, pattern, true, diags),
        _ => {}
    }
}

/// `if ($var ~ RE)` and its `~*`, `!~`, `!~*` forms, read as nginx reads
/// them: the parentheses may stand alone or touch the first and last words.
fn condition(d: &Directive, diags: &mut Vec<Diagnostic>) {
    let args = d.args();
    let (Some(first), Some(last)) = (args.first(), args.last()) else {
        return;
    };
    let first = first.as_str();
    let cur = if first == "(" { 1 } else { 0 };
    let (last_index, pattern) = if last.as_str() == ")" {
        match args.len().checked_sub(2) {
            Some(i) => (i, args[i].as_str()),
            None => return,
        }
    } else {
        let word = last.as_str();
        // A quoted word keeps its text whole: the lexer took the `)` after
        // its closing quote (`"^/(a|b)")`) as a separator.
        let quoted = (last.end() - last.start) as usize != word.len();
        match word.strip_suffix(')') {
            _ if quoted => (args.len() - 1, word),
            Some(pattern) => (args.len() - 1, pattern),
            None => return,
        }
    };
    let operand = if cur == 0 {
        first.strip_prefix('(').unwrap_or(first)
    } else {
        args.get(cur).map_or("", |w| w.as_str())
    };
    if !operand.starts_with('$') || cur + 2 != last_index {
        return;
    }
    let caseless = match args[cur + 1].as_str() {
        "~" | "!~" => false,
        "~*" | "!~*" => true,
        _ => return,
    };
    report(d, last_index, pattern, caseless, diags);
}

fn options(caseless: bool) -> pcre::Options {
    pcre::Options {
        caseless,
        no_auto_capture: false,
    }
}

fn report(d: &Directive, arg: usize, pattern: &str, caseless: bool, diags: &mut Vec<Diagnostic>) {
    if let Err(refusal) = pcre::check(pattern, options(caseless)) {
        diags.push(refused(pattern, &refusal).at(d.arg_span(arg)));
    }
}

fn refused(pattern: &str, refusal: &pcre::Refusal) -> Diagnostic {
    let rest = pattern.get(refusal.offset..).unwrap_or_default();
    let at = if rest.is_empty() {
        String::new()
    } else {
        format!(" at \"{rest}\"")
    };
    Diagnostic::error(format!(
        "regex \"{pattern}\" is invalid: {}{at}",
        refusal.message
    ))
    .code(crate::rules::hygiene::refused_config::META.code)
    .help(
        "nginx compiles it with PCRE2 and refuses the config; escape a literal character with '\\'",
    )
}
