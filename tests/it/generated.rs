//! The benchmark generator's planted problems (`--inject`) are exactly what
//! lbcheck reports on its configs, in both formats, and nothing without them.

use std::path::PathBuf;
use std::process::Command;

use crate::common::manifest_dir;

fn generate(kind: &str, inject: bool) -> Option<PathBuf> {
    let script = manifest_dir().join("../shared/bench/gen_configs.py");
    if !script.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the generator is missing"
        );
        eprintln!("SKIPPED: no generator at {}", script.display());
        return None;
    }
    let (count, per) = if kind == "haproxy" {
        ("--backends", "--servers-per-backend")
    } else {
        ("--upstreams", "--servers-per-upstream")
    };
    let mut cmd = Command::new("python3");
    cmd.arg(&script)
        .args([kind, count, "1000", per, "3", "--seed", "7"]);
    if inject {
        cmd.arg("--inject");
    }
    let out = cmd.output().expect("python3 runs the generator");
    assert!(out.status.success());
    let ext = if kind == "haproxy" { "cfg" } else { "conf" };
    let dir = manifest_dir().join("target/test-tmp");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("gen-{kind}-{inject}-{}.{ext}", std::process::id()));
    std::fs::write(&path, out.stdout).unwrap();
    Some(path)
}

fn planted(path: &PathBuf) -> Vec<(String, String)> {
    let opts = lbcheck::check::CheckOptions {
        select: vec!["LB102".into(), "LB201".into(), "LB301".into()],
        haproxy_version: Some(lbcheck::version::Version::new(2, 6)),
        ..Default::default()
    };
    let r = lbcheck::check::check(std::slice::from_ref(path), &opts, None).expect("loads");
    assert!(!r.failed);
    let mut found: Vec<(String, String)> = r
        .findings
        .iter()
        .map(|d| {
            (
                d.code.unwrap_or("").to_string(),
                d.entity_name().unwrap_or_default().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn the_planted_problems_and_only_they_are_found() {
    for (kind, prefix, word) in [("haproxy", "be_", "backend"), ("nginx", "", "upstream")] {
        let (Some(clean), Some(injected)) = (generate(kind, false), generate(kind, true)) else {
            return;
        };
        assert_eq!(
            planted(&clean),
            Vec::<(String, String)>::new(),
            "{kind}: nothing without --inject"
        );
        let found = planted(&injected);
        let codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["LB102", "LB201", "LB301"], "{kind}: {found:?}");
        assert_eq!(found[0].1, format!("{word} {prefix}legacy_reports"));
        assert_eq!(found[1].1, format!("{word} {prefix}maint_billing"));
        assert!(
            found[2]
                .1
                .starts_with(&format!("{word} {prefix}canary_search/")),
            "{found:?}"
        );
    }
}
