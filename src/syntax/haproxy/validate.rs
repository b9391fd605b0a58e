//! Keyword checks for the sections lbcheck interprets: a keyword HAProxy does
//! not know, or no longer accepts, is reported with a suggestion (LB501).

use super::ast::{Line, Section, SectionKind};
use super::keywords::{self, ProxyKind};
use crate::diag::Diagnostic;
use crate::version::Version;

/// The code of the unknown-keyword rule.
pub const UNKNOWN_KEYWORD: &str = "LB501";

/// The keyword checks of one section.
pub fn check_section(section: &Section, version: Version, diags: &mut Vec<Diagnostic>) {
    let kind = match section.kind {
        SectionKind::Global => None,
        SectionKind::Defaults => Some(ProxyKind::Defaults),
        SectionKind::Frontend => Some(ProxyKind::Frontend),
        SectionKind::Listen => Some(ProxyKind::Listen),
        SectionKind::Backend => Some(ProxyKind::Backend),
        SectionKind::Other(_) => return,
    };
    for line in &section.lines {
        match kind {
            None => check_global(line, version, diags),
            Some(kind) => check_proxy(section, kind, line, version, diags),
        }
    }
}

/// `no option X` and `default option X` name the keyword in their second word.
fn keyword_index(line: &Line) -> usize {
    match line.keyword() {
        "no" | "default" if line.words.len() > 1 => 1,
        _ => 0,
    }
}

fn removed(line: &Line, i: usize, version: Version, diags: &mut Vec<Diagnostic>) -> bool {
    let word = line.word(i).unwrap_or("");
    let found = if i > 0 && line.word(i - 1) == Some("option") {
        keywords::removed_option(word)
    } else {
        keywords::removed(word)
    };
    let Some(r) = found else {
        return false;
    };
    if version >= Version::new(r.since.0, r.since.1) {
        diags.push(
            Diagnostic::error(format!(
                "'{}' is not supported since HAProxy {}.{} (target version {version})",
                r.keyword, r.since.0, r.since.1
            ))
            .code(UNKNOWN_KEYWORD)
            .at(line.word_span(i))
            .label("removed keyword")
            .help(r.hint),
        );
    }
    true
}

fn unknown(
    line: &Line,
    i: usize,
    place: &str,
    suggestion: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) {
    let word = line.word(i).unwrap_or("");
    let mut d = Diagnostic::error(format!("unknown keyword '{word}' in {place}"))
        .code(UNKNOWN_KEYWORD)
        .at(line.word_span(i))
        .label("HAProxy refuses this line");
    if let Some(s) = suggestion {
        d = d.help(format!("did you mean '{s}'?"));
    }
    diags.push(d);
}

/// Reports a keyword newer than the target version; `true` when it did.
fn too_new(
    line: &Line,
    i: usize,
    since: Version,
    version: Version,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if since <= version {
        return false;
    }
    diags.push(
        Diagnostic::error(format!(
            "'{}' is not known to HAProxy {version}: it appeared in {since}",
            line.word(i).unwrap_or("")
        ))
        .code(UNKNOWN_KEYWORD)
        .at(line.word_span(i))
        .label("too new for the target version")
        .help("set --haproxy-version to the version you deploy, or remove this line"),
    );
    true
}

fn check_global(line: &Line, version: Version, diags: &mut Vec<Diagnostic>) {
    let i = keyword_index(line);
    let word = line.word(i).unwrap_or("");
    if removed(line, i, version, diags) || word.starts_with('[') {
        return;
    }
    if let Some(since) = keywords::global_keyword(word) {
        too_new(line, i, since, version, diags);
        return;
    }
    let s = keywords::did_you_mean(word, keywords::GLOBAL_KEYWORDS.iter().map(|(k, _)| *k));
    unknown(line, i, "section 'global'", s, diags);
}

fn check_proxy(
    section: &Section,
    kind: ProxyKind,
    line: &Line,
    version: Version,
    diags: &mut Vec<Diagnostic>,
) {
    let i = keyword_index(line);
    let word = line.word(i).unwrap_or("");
    let place = || format!("{} section", section.kind.keyword());
    if removed(line, i, version, diags) {
        return;
    }
    let Some((allowed, since)) = keywords::proxy_keyword(word) else {
        let s = keywords::did_you_mean(word, keywords::PROXY_KEYWORDS.iter().map(|(k, _, _)| *k));
        unknown(line, i, &place(), s, diags);
        return;
    };
    if too_new(line, i, since, version, diags) {
        return;
    }
    let anonymous = section.name().is_none_or(|n| n == "from");
    if kind == ProxyKind::Defaults && anonymous && keywords::NAMED_DEFAULTS_ONLY.contains(&word) {
        diags.push(
            Diagnostic::error(format!("'{word}' is not allowed in an anonymous defaults section"))
                .code(UNKNOWN_KEYWORD)
                .at(line.word_span(i))
                .help("name the section and inherit it with 'from NAME', or move the rule into the proxies"),
        );
        return;
    }
    if word == "option"
        && let Some(opt) = line.word(i + 1)
        && !removed(line, i + 1, version, diags)
    {
        match keywords::option(opt) {
            Some(since) => {
                too_new(line, i + 1, since, version, diags);
            }
            None => {
                let s = keywords::did_you_mean(opt, keywords::OPTIONS.iter().map(|(k, _)| *k));
                let mut d = Diagnostic::error(format!("unknown option '{opt}' in {}", place()))
                    .code(UNKNOWN_KEYWORD)
                    .at(line.word_span(i + 1))
                    .label("HAProxy refuses this line");
                if let Some(s) = s {
                    d = d.help(format!("did you mean 'option {s}'?"));
                }
                diags.push(d);
            }
        }
    }
    if !allowed[kind as usize] {
        let what = section.kind.keyword();
        let d = if matches!(word, "server" | "server-template") || kind == ProxyKind::Defaults {
            Diagnostic::error(format!("'{word}' is not allowed in a {what} section"))
        } else {
            Diagnostic::warning(format!(
                "'{word}' has no effect in a {what} section: HAProxy ignores it"
            ))
        };
        diags.push(
            d.code(UNKNOWN_KEYWORD)
                .at(line.word_span(i))
                .label("not for this section"),
        );
    }
}
