//! SARIF 2.1.0 for code scanning: one run, every rule with its full
//! explanation, results with physical locations, levels and
//! `partialFingerprints`; for `diff`, `baselineState` says whether a result
//! is new, unchanged or absent (fixed).

use serde_json::{Value, json};

use crate::diag::{Diagnostic, Severity};
use crate::report::findings::{FindingSet, fingerprint, position};
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
    let mut message = d.message.to_string();
    if let Some(help) = &d.help {
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

fn log(results: Vec<Value>) -> String {
    let mut rules = rules_array();
    rules.push(json!({
        "id": SYNTAX_RULE,
        "name": "syntax-error",
        "shortDescription": {"text": "The configuration cannot be parsed."},
        "defaultConfiguration": {"level": "error"},
    }));
    let value = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lbcheck",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/lbcheck",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}

/// The findings of `check`.
pub fn render(sets: &[FindingSet]) -> String {
    log(sets
        .iter()
        .flat_map(|s| s.findings.iter().map(|d| result(s.db, d, None)))
        .collect())
}

/// The findings of `diff`: new, unchanged, and absent (fixed, located in the old config).
pub fn render_diff(new: FindingSet, unchanged: &[Diagnostic], old: FindingSet) -> String {
    let mut results: Vec<Value> = new
        .findings
        .iter()
        .map(|d| result(new.db, d, Some("new")))
        .collect();
    results.extend(
        unchanged
            .iter()
            .map(|d| result(new.db, d, Some("unchanged"))),
    );
    results.extend(
        old.findings
            .iter()
            .map(|d| result(old.db, d, Some("absent"))),
    );
    log(results)
}
