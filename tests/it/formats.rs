//! Every output format from one shared set of findings: SARIF validated
//! against the official 2.1.0 schema, JSON against ours (docs/), snapshots of
//! each, and hostile text (backticks, `|`, `<`, `%`, newlines, `::`) that
//! cannot break any of them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jsonschema::{Retrieve, Uri};
use serde_json::Value;

use crate::common::{lbcheck_in, manifest_dir};

fn lbcheck(dir: &Path, args: &[&str]) -> (i32, String) {
    let (status, out, _) = lbcheck_in(dir, args);
    (status, out)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("schema file")).expect("JSON")
}

/// Serves our schemas to each other by their `$id`.
struct Local(HashMap<String, Value>);

impl Retrieve for Local {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0
            .get(uri.as_str())
            .cloned()
            .ok_or_else(|| format!("no schema {uri}").into())
    }
}

fn validate(schema_path: &Path, instance: &Value) {
    let schema = read_json(schema_path);
    let mut known = HashMap::new();
    for f in ["findings.schema.json", "diff.schema.json"] {
        let s = read_json(&manifest_dir().join("docs").join(f));
        known.insert(s["$id"].as_str().unwrap_or_default().to_string(), s);
    }
    let validator = jsonschema::options()
        .with_retriever(Local(known))
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}: {errors:#?}", schema_path.display());
}

fn sarif_schema() -> Option<PathBuf> {
    let p = manifest_dir().join("../shared/schemas/sarif-schema-2.1.0.json");
    if !p.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the SARIF schema is missing"
        );
        eprintln!("SKIPPED: {} not found", p.display());
        return None;
    }
    Some(p)
}

const INCIDENT: &str = "configs/incidents/uneven-weights-after-update";

#[test]
fn check_outputs_validate_and_match_their_snapshots() {
    let root = manifest_dir();
    let file = format!("{INCIDENT}/haproxy-broken.cfg");
    for format in [
        "text", "json", "sarif", "github", "markdown", "junit", "gitlab",
    ] {
        let (_, out) = lbcheck(
            root,
            &["check", &file, "--format", format, "--color", "never"],
        );
        match format {
            "json" => validate(
                &root.join("docs/findings.schema.json"),
                &serde_json::from_str(&out).unwrap(),
            ),
            "sarif" => {
                if let Some(schema) = sarif_schema() {
                    validate(&schema, &serde_json::from_str(&out).unwrap());
                }
            }
            "gitlab" => {
                let v: Value = serde_json::from_str(&out).unwrap();
                assert!(
                    v.as_array()
                        .is_some_and(|a| a.iter().all(|i| i["fingerprint"].is_string()))
                );
            }
            _ => {}
        }
        insta::assert_snapshot!(format!("check_{format}"), out);
    }
}

#[test]
fn diff_outputs_validate() {
    let root = manifest_dir();
    let (old, new) = (
        format!("{INCIDENT}/haproxy-fixed.cfg"),
        format!("{INCIDENT}/haproxy-broken.cfg"),
    );
    let (_, out) = lbcheck(root, &["diff", &old, &new, "--format", "json"]);
    validate(
        &root.join("docs/diff.schema.json"),
        &serde_json::from_str(&out).unwrap(),
    );
    if let Some(schema) = sarif_schema() {
        let (_, out) = lbcheck(root, &["diff", &new, &old, "--format", "sarif"]);
        let v: Value = serde_json::from_str(&out).unwrap();
        validate(&schema, &v);
        let states: Vec<&str> = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["baselineState"].as_str().unwrap())
            .collect();
        assert!(
            states.contains(&"absent"),
            "fixing the weights makes the findings absent: {states:?}"
        );
    }
    let (_, out) = lbcheck(root, &["diff", &old, &new, "--format", "github"]);
    assert_eq!(
        out.lines().count(),
        3,
        "one annotation per introduced finding: {out}"
    );
}

/// A config whose names and file name are hostile to every format.
fn hostile() -> (PathBuf, String) {
    let dir = manifest_dir()
        .join("target/test-tmp")
        .join(format!("hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let name = "x|y`z<b>%0A::w,v.conf";
    let text = "events { worker_connections 4096; }\nhttp {\n    upstream \"up`|<i>%0A::,\\nnext\" {\n        \
                server 10.0.0.1:80 weight=1;\n        server 10.0.0.2:80 weight=9;\n    }\n    \
                server { listen 80; location / { proxy_pass http://up; } }\n}\n";
    std::fs::write(dir.join(name), text).unwrap();
    (dir, name.to_string())
}

#[test]
fn hostile_strings_do_not_break_any_format() {
    let (dir, name) = hostile();
    let (_, json) = lbcheck(&dir, &["check", &name, "--format", "json"]);
    let v: Value = serde_json::from_str(&json).expect("valid JSON");
    validate(&manifest_dir().join("docs/findings.schema.json"), &v);
    let findings = v["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(
        findings.iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .contains("up`|<i>%0A::,\nnext")),
        "{json}"
    );
    assert_eq!(findings[0]["file"], name);
    let n = findings.len();

    let (_, gh) = lbcheck(&dir, &["check", &name, "--format", "github"]);
    assert_eq!(
        gh.lines().count(),
        n,
        "one command per finding, no injected line: {gh}"
    );
    for line in gh.lines() {
        assert!(
            line.starts_with("::warning ")
                || line.starts_with("::notice ")
                || line.starts_with("::error "),
            "{line}"
        );
        let (props, message) = line
            .split_once("::")
            .and_then(|(_, rest)| rest.split_once("::"))
            .expect("command");
        assert!(
            props.contains("file=x|y`z<b>%250A%3A%3Aw%2Cv.conf"),
            "{props}"
        );
        assert!(
            !message.contains('\n') && !message.contains("::w"),
            "{message}"
        );
    }

    let (_, md) = lbcheck(&dir, &["check", &name, "--format", "markdown"]);
    for row in md
        .lines()
        .filter(|l| l.starts_with("| warning") || l.starts_with("| info"))
    {
        let unescaped = row.matches('|').count() - row.matches("\\|").count();
        assert_eq!(unescaped, 5, "four cells: {row}");
        assert!(!row.contains("<b>") && !row.contains("<i>"), "{row}");
    }

    let (_, junit) = lbcheck(&dir, &["check", &name, "--format", "junit"]);
    assert!(
        !junit.contains("<b>") && !junit.contains("<i>") && junit.contains("&lt;b&gt;"),
        "{junit}"
    );
    assert_eq!(
        junit.matches("<testsuite ").count(),
        junit.matches("</testsuite>").count()
    );

    let (_, sarif) = lbcheck(&dir, &["check", &name, "--format", "sarif"]);
    let v: Value = serde_json::from_str(&sarif).unwrap();
    if let Some(schema) = sarif_schema() {
        validate(&schema, &v);
    }
    let (_, gitlab) = lbcheck(&dir, &["check", &name, "--format", "gitlab"]);
    let v: Value = serde_json::from_str(&gitlab).unwrap();
    assert_eq!(v[0]["location"]["path"], name);
}

#[test]
fn a_baseline_accepts_todays_findings_and_fails_on_new_ones() {
    let root = manifest_dir();
    let dir = root
        .join("target/test-tmp")
        .join(format!("baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root.join(INCIDENT).join(".lbcheck.yaml"),
        dir.join(".lbcheck.yaml"),
    )
    .unwrap();
    let original = std::fs::read_to_string(root.join(INCIDENT).join("haproxy-broken.cfg")).unwrap();
    std::fs::write(dir.join("lb.cfg"), &original).unwrap();
    let args = |extra: &[&str]| -> Vec<String> {
        [
            "check",
            "lb.cfg",
            "--fail-on",
            "warning",
            "--color",
            "never",
        ]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
    };
    let run = |a: Vec<String>| lbcheck(&dir, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let (code, _) = run(args(&["--write-baseline", "baseline.json"]));
    assert_eq!(code, 1);
    let (code, out) = run(args(&["--baseline", "baseline.json"]));
    assert_eq!(code, 0, "everything is in the baseline: {out}");
    // Lines moving does not matter; a new problem still fails, alone.
    let changed = format!(
        "# a comment moves every line\n{}",
        original.replace(
            "web1 10.0.2.11:8080 weight 10",
            "web1 10.0.2.11:8080 weight 0"
        )
    );
    std::fs::write(dir.join("lb.cfg"), changed).unwrap();
    let (code, out) = run(args(&["--baseline", "baseline.json"]));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("[LB302]") && !out.contains("[LB301]"),
        "only new findings: {out}"
    );
}

/// The Markdown comment lists errors before warnings and notes, so that a
/// comment cut to fit GitHub's limit keeps the most severe.
#[test]
fn the_markdown_comment_lists_the_most_severe_first() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut cfg = String::from("frontend fe\n    bind :80\n    default_backend be\nbackend be\n");
    for i in 0..2_000 {
        cfg += &format!("    server s{i} 10.0.{}.{}:80 weight 0\n", i / 250, i % 250);
    }
    cfg += "frontend broken\n    bind :81\n    use_backend nowhere\n";
    std::fs::write(dir.join("many.cfg"), cfg).unwrap();
    let (_, md) = lbcheck(dir, &["check", "many.cfg", "--format", "markdown"]);
    assert!(md.len() <= 65_536, "{} bytes", md.len());
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| severity"))
        .collect();
    // The undefined backend is last in the file, after 2,000 warnings.
    assert!(
        rows.iter().any(|r| r.starts_with("| error | LB101")),
        "{}",
        &md[..3_000]
    );
    let severities: Vec<&str> = rows
        .iter()
        .map(|r| r.split(" | ").next().unwrap())
        .collect();
    let rank = |s: &str| {
        ["| error", "| warning", "| info"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    assert!(
        severities.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{severities:?}"
    );
    assert!(
        md.contains("more.") && md.contains("has everything._"),
        "{}",
        &md[md.len() - 500..]
    );
}

/// GitHub code scanning rejects a SARIF run of more than 25,000 results: a
/// config with more findings keeps the most severe 25,000 and says in the
/// run how many it left out, and the log still validates.
#[test]
fn sarif_keeps_within_code_scannings_result_limit() {
    const N: usize = 26_000;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut cfg = String::from("frontend fe\n    bind :80\n    default_backend be\nbackend be\n");
    cfg += "    server live 10.9.0.1:80\n";
    for i in 0..N {
        cfg += &format!("    server s{i} 10.0.{}.{}:80 weight 0\n", i / 250, i % 250);
    }
    cfg += "frontend broken\n    bind :81\n    use_backend nowhere\n";
    std::fs::write(dir.join("many.cfg"), cfg).unwrap();
    let (_, json) = lbcheck(dir, &["check", "many.cfg", "--format", "json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let total = json["findings"].as_array().unwrap().len();
    assert!(total > 25_000, "{total}");
    let (_, sarif) = lbcheck(dir, &["check", "many.cfg", "--format", "sarif"]);
    let v: Value = serde_json::from_str(&sarif).unwrap();
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 25_000);
    // The error, last in the file, is kept; what is left out is least severe.
    assert!(results.iter().any(|r| r["ruleId"] == "LB101"));
    let notes = json["findings"].as_array().unwrap().iter();
    assert!(notes.filter(|f| f["severity"] == "info").count() > 0);
    assert!(results.iter().all(|r| r["level"] != "note"));
    let note = &run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"];
    let left_out = format!("the {} least severe results were left out", total - 25_000);
    assert!(note.as_str().unwrap().starts_with(&left_out), "{note}");
    if let Some(schema) = sarif_schema() {
        validate(&schema, &v);
    }
}

/// Code scanning rejects an upload that combines two SARIF runs of one tool
/// and category, as the pull-request job's upload of one log per config
/// does: each config's run is its own category.
#[test]
fn each_configs_sarif_run_is_its_own_category() {
    let root = manifest_dir();
    let id = |args: &[&str]| {
        let (_, out) = lbcheck(root, args);
        let v: Value = serde_json::from_str(&out).unwrap();
        v["runs"][0]["automationDetails"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (a, b) = (
        "configs/incidents/uneven-weights-after-update/haproxy-broken.cfg",
        "configs/incidents/uneven-weights-after-update/nginx-broken.conf",
    );
    let fixed = "configs/incidents/uneven-weights-after-update/haproxy-fixed.cfg";
    assert_eq!(
        id(&["check", a, "--format", "sarif"]),
        format!("lbcheck/{a}/")
    );
    assert_eq!(id(&["check", a, b, "--format", "sarif"]), "lbcheck/");
    let diff = id(&["diff", fixed, a, "--format", "sarif"]);
    assert_eq!(diff, format!("lbcheck/{a}/"));
    let other = "configs/incidents/connection-limit-reached/haproxy-broken.cfg";
    assert_ne!(diff, id(&["diff", fixed, other, "--format", "sarif"]));
}
