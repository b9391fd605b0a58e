//! SARIF 2.1.0 for code scanning: one run, every rule with its full
//! explanation, results with physical locations, levels and
//! `partialFingerprints`; for `diff`, `baselineState` says whether a result
//! is new, unchanged or absent (fixed).

use std::io::Write;

use serde_json::{Value, json};

use crate::diag::{Diagnostic, Severity};
use crate::report::findings::{FindingSet, fingerprint, flatten, position};
use crate::report::json;
use crate::rules;
use crate::source::SourceDb;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rules_array() -> Vec<Value> {
    rules::all_meta()
        .iter()
        .map(|m| {
            let text: Vec<&str> = m
                .doc
                .lines()
                .map(|l| l.strip_prefix(' ').unwrap_or(l))
                .collect();
            let text = text.join("\n");
            let short = rules::summary(m.doc);
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": {"text": short},
                "fullDescription": {"text": text.trim()},
                "help": {"text": text.trim(), "markdown": text.trim()},
                "defaultConfiguration": {"level": level(m.severity)},
                "properties": {"category": m.category.name()},
            })
        })
        .collect()
}

/// Findings without a code (syntax errors) report under this id.
const SYNTAX_RULE: &str = "syntax";

fn result(db: &SourceDb, d: &Diagnostic, baseline_state: Option<&str>) -> Value {
    let rule = d.code.unwrap_or(SYNTAX_RULE);
    let mut message = d.message().to_string();
    if let Some(help) = d.help_text() {
        message.push_str(&format!(" ({help})"));
    }
    let mut r = json!({
        "ruleId": rule,
        "level": level(d.severity),
        "message": {"text": message},
        "partialFingerprints": {"lbcheck/v1": fingerprint(db, d)},
    });
    if let Some(i) = rules::all_meta().iter().position(|m| m.code == rule) {
        r["ruleIndex"] = json!(i);
    }
    if let Some(p) = position(db, d) {
        r["locations"] = json!([{
            "physicalLocation": {
                "artifactLocation": {"uri": p.path},
                "region": {"startLine": p.line, "startColumn": p.column, "endLine": p.end_line, "endColumn": p.end_column},
            }
        }]);
    }
    let related: Vec<Value> = d
        .more()
        .related
        .iter()
        .enumerate()
        .map(|(i, (span, text))| {
            let loc = db.location(*span);
            json!({
                "id": i,
                "message": {"text": text},
                "physicalLocation": {
                    "artifactLocation": {"uri": loc.path.display().to_string()},
                    "region": {"startLine": loc.line, "startColumn": loc.column},
                },
            })
        })
        .collect();
    if !related.is_empty() {
        r["relatedLocations"] = json!(related);
    }
    if let Some(state) = baseline_state {
        r["baselineState"] = json!(state);
    }
    r
}

/// The run's `tool`: lbcheck and every rule.
fn tool() -> Value {
    let mut rules = rules_array();
    rules.push(json!({
        "id": SYNTAX_RULE,
        "name": "syntax-error",
        "shortDescription": {"text": "The configuration cannot be parsed."},
        "defaultConfiguration": {"level": "error"},
    }));
    json!({"driver": {
        "name": "lbcheck",
        "version": env!("CARGO_PKG_VERSION"),
        "informationUri": "https://example.invalid/lbcheck",
        "rules": rules,
    }})
}

/// A finding with the config it is in and, for `diff`, its baseline state.
type Entry<'a> = (&'a SourceDb, &'a Diagnostic, Option<&'static str>);

/// GitHub code scanning rejects a run of more results than this.
pub const MAX_RESULTS: usize = 25_000;

/// The most severe [`MAX_RESULTS`] of `results` (errors, then warnings,
/// then notes, each in order), in their order, and how many were left out.
fn most_severe<'a>(results: &[Entry<'a>]) -> (Vec<Entry<'a>>, usize) {
    if results.len() <= MAX_RESULTS {
        return (results.to_vec(), 0);
    }
    let mut order: Vec<usize> = (0..results.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(results[i].1.severity));
    order.truncate(MAX_RESULTS);
    order.sort_unstable();
    let kept = order.iter().map(|&i| results[i]).collect();
    (kept, results.len() - MAX_RESULTS)
}

/// The run's `invocations` when results were left out: a warning saying
/// how many, and where to find them.
fn left_out(count: usize) -> Value {
    json!([{
        "executionSuccessful": true,
        "toolExecutionNotifications": [{
            "level": "warning",
            "message": {"text": format!(
                "the {count} least severe results were left out: GitHub code scanning \
                 rejects a run of more than {MAX_RESULTS}; --format json lists them all"
            )},
        }],
    }])
}

/// The whole log: the document is laid out as serde_json lays it out, with
/// the results streamed into it rather than built as one value. At most
/// [`MAX_RESULTS`] results, so that code scanning accepts it.
fn write_log(w: &mut impl Write, results: &[Entry], category: &str) -> std::io::Result<()> {
    write!(
        w,
        "{{\n  \"$schema\": {},\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": ",
        json!(SCHEMA)
    )?;
    json::write_nested(w, &tool(), 3)?;
    w.write_all(b",\n      \"automationDetails\": ")?;
    json::write_nested(w, &json!({ "id": category }), 3)?;
    let (results, omitted) = most_severe(results);
    if omitted > 0 {
        w.write_all(b",\n      \"invocations\": ")?;
        json::write_nested(w, &left_out(omitted), 3)?;
    }
    w.write_all(b",\n      \"results\": ")?;
    json::write_array(w, &results, 3, |&(db, d, state)| result(db, d, state))?;
    w.write_all(b"\n    }\n  ]\n}\n")
}

/// The run's category (`automationDetails.id`): code scanning keeps the
/// alerts of each category apart, and rejects an upload that combines two
/// runs of one tool and category (as a pull-request job uploading a log
/// per config does). One config's run is named after its path.
fn category(db: Option<&SourceDb>) -> String {
    match db.and_then(|db| db.files().next()) {
        Some((_, file)) => format!("lbcheck/{}/", file.path.display()),
        None => "lbcheck/".to_string(),
    }
}

/// The findings of `check`.
pub fn write(w: &mut impl Write, sets: &[FindingSet]) -> std::io::Result<()> {
    let results: Vec<Entry> = flatten(sets)
        .into_iter()
        .map(|(db, d)| (db, d, None))
        .collect();
    let one_config = match sets {
        [set] => Some(set.db),
        _ => None,
    };
    write_log(w, &results, &category(one_config))
}

/// The findings of `diff`: new, unchanged, and absent (fixed, located in the old config).
pub fn write_diff(
    w: &mut impl Write,
    new: FindingSet,
    unchanged: &[Diagnostic],
    old: FindingSet,
) -> std::io::Result<()> {
    let mut results: Vec<Entry> = Vec::new();
    results.extend(new.findings.iter().map(|d| (new.db, d, Some("new"))));
    results.extend(unchanged.iter().map(|d| (new.db, d, Some("unchanged"))));
    results.extend(old.findings.iter().map(|d| (old.db, d, Some("absent"))));
    write_log(w, &results, &category(Some(new.db)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::check::{CheckOptions, check};
    use crate::report::findings::FindingSet;

    /// The streamed log is serde_json's pretty layout of the whole document,
    /// with no results and with findings that have related locations.
    #[test]
    fn streamed_log_is_serde_jsons_layout_of_the_document() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/incidents");
        let path = dir.join("routing-change-wrong-pool/haproxy-broken.cfg");
        let checked = check(std::slice::from_ref(&path), &CheckOptions::default(), None).unwrap();
        let all = &checked.findings;
        assert!(all.iter().any(|d| !d.more().related.is_empty()));
        for findings in [&all[..0], &all[..]] {
            let set = FindingSet {
                db: &checked.loaded.db,
                findings,
            };
            let mut streamed = Vec::new();
            super::write(&mut streamed, &[set]).unwrap();
            let results: Vec<_> = findings
                .iter()
                .map(|d| super::result(set.db, d, None))
                .collect();
            let document = json!({
                "$schema": super::SCHEMA,
                "version": "2.1.0",
                "runs": [{
                    "tool": super::tool(),
                    "automationDetails": {"id": format!("lbcheck/{}/", path.display())},
                    "results": results,
                }],
            });
            let expected = serde_json::to_string_pretty(&document).unwrap() + "\n";
            assert_eq!(String::from_utf8(streamed).unwrap(), expected);
        }
    }
}
