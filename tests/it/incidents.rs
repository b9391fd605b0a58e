//! The reproduced incidents of `configs/incidents/`: `check` catches the
//! cause of each broken config (code and line, marked `# expect: CODE...`)
//! and finds nothing at error level in each fixed one.

use std::path::{Path, PathBuf};

use lbcheck::check::{CheckOptions, check};
use lbcheck::diag::Severity;

use crate::common::{code_lines, manifest_dir};

fn incidents() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(manifest_dir().join("configs/incidents"))
        .expect("incidents dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn run(path: &Path) -> lbcheck::check::CheckResult {
    let policy_path = lbcheck::policy::find(path).expect("each incident has a .lbcheck.yaml");
    let opts = CheckOptions {
        policy: Some(lbcheck::policy::load(&policy_path).expect("policy")),
        ..Default::default()
    };
    check(&[path.to_path_buf()], &opts, Some(&policy_path)).expect("loads")
}

/// `(code, line)` pairs marked in a broken config.
fn marks(path: &Path) -> Vec<(String, usize)> {
    let text = std::fs::read_to_string(path).expect("config");
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(codes) = line.split("# expect:").nth(1) {
            out.extend(codes.split_whitespace().map(|c| (c.to_string(), i + 1)));
        }
    }
    out
}

#[test]
fn every_incident_is_caught_in_both_formats_and_its_fix_is_clean() {
    let dirs = incidents();
    assert!(dirs.len() >= 4, "four incidents at least");
    for dir in dirs {
        for (broken, fixed) in [
            ("haproxy-broken.cfg", "haproxy-fixed.cfg"),
            ("nginx-broken.conf", "nginx-fixed.conf"),
        ] {
            let broken = dir.join(broken);
            let expected = marks(&broken);
            assert!(!expected.is_empty(), "{} marks no cause", broken.display());
            let result = run(&broken);
            assert!(
                !result.failed,
                "{}: {:#?}",
                broken.display(),
                result.findings
            );
            let got = code_lines(&result);
            for want in &expected {
                assert!(
                    got.contains(want),
                    "{}: expected {want:?}, got {got:?}",
                    broken.display()
                );
            }
            let fixed = dir.join(fixed);
            let result = run(&fixed);
            let errors: Vec<&str> = result
                .findings
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.message())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", fixed.display());
            assert!(marks(&fixed).is_empty());
        }
    }
}
