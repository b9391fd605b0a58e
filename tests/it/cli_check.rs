//! `lbcheck check`, `rules` and `explain` as a user runs them.

use crate::common::{fixtures, lbcheck_in, manifest_dir};

fn lbcheck(args: &[&str]) -> (i32, String, String) {
    lbcheck_in(manifest_dir(), args)
}

fn scratch(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = manifest_dir()
        .join("target/test-tmp")
        .join(format!("check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

const UNEVEN: &str = "global\n    maxconn 100\ndefaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    \
                      timeout server 1s\nfrontend fe\n    bind :80\n    default_backend be\nbackend be\n    \
                      server a 10.0.0.1:80 check weight 1\n    server b 10.0.0.2:80 check weight 9\n";

#[test]
fn exit_status_follows_fail_on() {
    let dir = scratch("failon", &[("lb.cfg", UNEVEN)]);
    let f = dir.join("lb.cfg");
    let f = f.to_str().unwrap();
    let (code, stdout, _) = lbcheck(&["check", f, "--color", "never"]);
    assert_eq!(code, 0, "a warning does not fail by default: {stdout}");
    assert!(stdout.contains("warning[LB301]"), "{stdout}");
    assert!(stdout.contains("1 warning"), "{stdout}");
    assert_eq!(lbcheck(&["check", f, "--fail-on", "warning"]).0, 1);
    assert_eq!(lbcheck(&["check", f, "--severity", "LB301=error"]).0, 1);
    assert_eq!(
        lbcheck(&["check", f, "--fail-on", "warning", "--ignore", "LB3"]).0,
        0
    );
    let (_, stdout, _) = lbcheck(&["check", f, "--select", "LB2", "--color", "never"]);
    assert!(!stdout.contains("LB301"), "{stdout}");
}

#[test]
fn unparsable_input_exits_2() {
    let bad = fixtures().join("haproxy/invalid/unmatched_quote.cfg");
    let (code, stdout, _) = lbcheck(&["check", bad.to_str().unwrap(), "--color", "never"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("error: unmatched quote"), "{stdout}");
    assert_eq!(lbcheck(&["check", "/nonexistent.cfg"]).0, 2);
}

#[test]
fn suppressions_need_a_reason_and_are_reported_when_unused() {
    let suppressed = UNEVEN.replace(
        "    server b 10.0.0.2:80 check weight 9\n",
        "    # lbcheck: ignore LB301 -- b is the big machine\n    server b 10.0.0.2:80 check weight 9\n",
    );
    let no_reason = UNEVEN.replace(
        "    server b 10.0.0.2:80 check weight 9\n",
        "    # lbcheck: ignore LB301\n    server b 10.0.0.2:80 check weight 9\n",
    );
    let stale = UNEVEN.replace("weight 9", "weight 1").replace(
        "backend be\n",
        "backend be\n    # lbcheck: ignore-file LB102 -- legacy\n",
    );
    let dir = scratch(
        "suppress",
        &[
            ("ok.cfg", &suppressed),
            ("noreason.cfg", &no_reason),
            ("stale.cfg", &stale),
        ],
    );
    let (_, out, _) = lbcheck(&[
        "check",
        dir.join("ok.cfg").to_str().unwrap(),
        "--color",
        "never",
    ]);
    assert!(!out.contains("LB301") && !out.contains("LB001"), "{out}");
    let (_, out, _) = lbcheck(&[
        "check",
        dir.join("noreason.cfg").to_str().unwrap(),
        "--color",
        "never",
    ]);
    assert!(
        out.contains("warning[LB301]") && out.contains("gives no reason"),
        "{out}"
    );
    let (_, out, _) = lbcheck(&[
        "check",
        dir.join("stale.cfg").to_str().unwrap(),
        "--color",
        "never",
    ]);
    assert!(
        out.contains("warning[LB001]") && out.contains("suppresses nothing"),
        "{out}"
    );
}

#[test]
fn a_policy_is_found_upward_and_its_errors_point_at_the_key() {
    let dir = scratch(
        "policy",
        &[
            ("lb.cfg", UNEVEN),
            (".lbcheck.yaml", "rules:\n  severity:\n    LB301: error\n"),
        ],
    );
    let f = dir.join("lb.cfg");
    let (code, out, _) = lbcheck(&["check", f.to_str().unwrap(), "--color", "never"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[LB301]"), "{out}");
    std::fs::write(
        dir.join(".lbcheck.yaml"),
        "traffic:\n  entry_point:\n    fe: { peak_connections: 10 }\n",
    )
    .unwrap();
    let (code, out, err) = lbcheck(&["check", f.to_str().unwrap(), "--color", "never"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("unknown field `entry_point`"), "{err}");
    assert!(err.contains(".lbcheck.yaml:2:3"), "{err}");
    assert!(err.contains("did you mean 'entry_points'?"), "{err}");
}

/// A code that names no rule would switch rules off in silence (`--select
/// LB1O1` runs nothing): on the command line and in a policy it is an error.
#[test]
fn a_rule_code_that_names_no_rule_is_an_error() {
    let dir = scratch("codes", &[("lb.cfg", UNEVEN)]);
    let f = dir.join("lb.cfg");
    let f = f.to_str().unwrap();
    for (args, message) in [
        (
            ["--select", "LB1O1"],
            "--select: 'LB1O1' is not a rule code or the start of one (did you mean 'LB101'?)",
        ),
        (
            ["--ignore", "lb3"],
            "--ignore: 'lb3' is not a rule code or the start of one (did you mean 'LB3'?)",
        ),
        (
            ["--severity", "LB3=error"],
            "--severity: 'LB3' is not a rule code (did you mean 'LB301'?)",
        ),
    ] {
        let (code, out, err) = lbcheck(&["check", f, args[0], args[1]]);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    assert_eq!(lbcheck(&["check", f, "--select", "LB30,LB2"]).0, 0);
    std::fs::write(
        dir.join(".lbcheck.yaml"),
        "rules:\n  select: [LB3]\n  severity: { LB999: error }\n",
    )
    .unwrap();
    let (code, out, err) = lbcheck(&["check", f, "--color", "never"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("invalid policy: 'LB999' is not a rule code"),
        "{err}"
    );
    assert!(err.contains(".lbcheck.yaml:3:15"), "{err}");
}

/// A traffic profile that misspells an nginx entry point (`server_name:port`)
/// is reported at the name, with the config's; a name far from every one of
/// the config's is taken to be another config's.
#[test]
fn a_misspelt_traffic_name_is_reported_where_it_is_written() {
    let nginx = "events {}\nhttp {\n    upstream app { server 10.0.0.1:80; }\n    \
                 server { listen 80; server_name www.example.com; location / { proxy_pass http://app; } }\n}\n";
    let traffic = "traffic:\n  entry_points:\n    www.exmaple.com:80: { peak_connections: 10 }\n    \
                   fe_other_config: { peak_connections: 10 }\n  backends:\n    app: { peak_connections: 10 }\n";
    let dir = scratch(
        "traffic-names",
        &[("nginx.conf", nginx), ("traffic.yaml", traffic)],
    );
    let (code, out, err) = lbcheck_in(
        &dir,
        &[
            "check",
            "nginx.conf",
            "--traffic",
            "traffic.yaml",
            "--color",
            "never",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "warning[LB002]: the expected traffic names entry point www.exmaple.com:80, \
             which this config does not define: its figures are not used"
        ),
        "{out}"
    );
    assert!(out.contains("--> traffic.yaml:3:5"), "{out}");
    assert!(out.contains("did you mean 'www.example.com:80'?"), "{out}");
    assert_eq!(out.matches("[LB002]").count(), 1, "{out}");
}

#[test]
fn json_findings() {
    let dir = scratch("json", &[("lb.cfg", UNEVEN)]);
    let (_, out, _) = lbcheck(&[
        "check",
        dir.join("lb.cfg").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["version"], 1);
    let f = &v["findings"][0];
    assert_eq!(f["code"], "LB301");
    assert_eq!(f["name"], "uneven-weights");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["line"], 13);
    assert_eq!(f["entity"], "backend be/b");
    assert!((f["data"]["share"].as_f64().unwrap() - 0.9).abs() < 1e-9);
    assert_eq!(v["summary"]["warnings"], 1);
}

#[test]
fn the_readme_incident_command_reports_the_cause() {
    let (code, out, _) = lbcheck(&[
        "check",
        "configs/incidents/connection-limit-reached/haproxy-broken.cfg",
        "--color",
        "never",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("error[LB401]: fe_www accepts 2000 connections"),
        "{out}"
    );
}

#[test]
fn rules_and_explain() {
    let (code, out, _) = lbcheck(&["rules"]);
    assert_eq!(code, 0);
    for m in lbcheck::rules::all_meta() {
        assert!(
            out.contains(m.code) && out.contains(m.name),
            "{} missing",
            m.code
        );
    }
    let (code, out, _) = lbcheck(&["explain", "LB203"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("LB203 no-health-check (health, warning by default)"),
        "{out}"
    );
    assert!(out.contains("## How to fix"));
    assert_eq!(lbcheck(&["explain", "uneven-weights"]).0, 0);
    assert_eq!(lbcheck(&["explain", "LB999"]).0, 2);
}

#[test]
fn completions_and_man_page() {
    let (code, out, _) = lbcheck(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("lbcheck") && out.contains("diff") && out.contains("--fail-on"),
        "{out}"
    );
    let (code, out, _) = lbcheck(&["man"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(".ie") || out.contains(".TH lbcheck"),
        "{}",
        &out[..out.len().min(200)]
    );
}
