//! The regexes HAProxy compiles as it loads a section, besides ACL patterns
//! (see `acl.rs`): the `replace-*` actions and the `expect` rules of
//! active checks. One that PCRE2 refuses makes `haproxy -c` fail there.

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
