//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    manifest_dir().join("tests/fixtures")
}

/// Runs the lbcheck binary in `dir`: exit status, stdout, stderr.
pub fn lbcheck_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("lbcheck")
        .expect("binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Each coded finding of a check as (code, line of its start).
pub fn code_lines(result: &lbcheck::check::CheckResult) -> Vec<(String, usize)> {
    result
        .findings
        .iter()
        .filter_map(|d| {
            Some((
                d.code?.to_string(),
                result.loaded.db.location(d.primary?).line,
            ))
        })
        .collect()
}

/// Runs git in `dir` with a fixed identity; it must succeed.
pub fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

/// The real binary on PATH, or `None` (with a message) when it is missing
/// outside CI. In CI a missing binary fails the test: CI installs them.
pub fn real_binary(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but `{name}` is not installed"
        );
        eprintln!("SKIPPED: `{name}` is not installed");
    }
    found
}

/// `major.minor` of the installed HAProxy, from `haproxy -v`.
pub fn haproxy_version(haproxy: &Path) -> lbcheck::version::Version {
    let out = Command::new(haproxy)
        .arg("-v")
        .output()
        .expect("haproxy -v runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .skip_while(|w| *w != "version")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("haproxy -v prints a version")
}
