//! lbcheck against the real `haproxy -c`: on every fixture, both accept or
//! both reject, and a rejection points at the same line.

use std::path::Path;
use std::process::Command;

use crate::common::{fixtures, haproxy_version, real_binary};

/// The line of HAProxy's first `[ALERT] ... [file.cfg:LINE]`, if any.
fn first_alert_line(stderr: &str) -> Option<usize> {
    stderr
        .lines()
        .filter(|l| l.contains("[ALERT]"))
        .find_map(|l| {
            let rest = &l[l.find(".cfg:")? + 5..];
            rest[..rest.find(']')?].trim().parse().ok()
        })
}

/// HAProxy reports these at a different line than lbcheck, by design:
/// lbcheck points at the `.if` left open, HAProxy at the end of the file.
const LINE_DIFFERS: &[&str] = &["unterminated_if.cfg"];

fn check_dir(haproxy: &Path, dir: &str, expect_valid: bool) -> usize {
    let version = haproxy_version(haproxy);
    let opts = lbcheck::Options {
        haproxy_version: version,
        ..Default::default()
    };
    let mut files: Vec<_> = std::fs::read_dir(fixtures().join("haproxy").join(dir))
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let mut mismatches = Vec::new();
    for path in &files {
        let out = Command::new(haproxy)
            .arg("-c")
            .arg("-f")
            .arg(path)
            .output()
            .expect("haproxy runs");
        let stderr = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let real_ok = out.status.success();
        let loaded = lbcheck::load(std::slice::from_ref(path), &opts).expect("fixture loads");
        let ours_ok = !loaded.has_errors();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            real_ok, expect_valid,
            "{name}: fixture is in the wrong directory; haproxy says:\n{stderr}"
        );
        if real_ok != ours_ok {
            mismatches.push(format!(
                "{name}: haproxy ok={real_ok}, lbcheck ok={ours_ok}\n{stderr}{:#?}",
                loaded.diagnostics
            ));
            continue;
        }
        if !real_ok && !LINE_DIFFERS.contains(&name.as_str()) {
            let real_line = first_alert_line(&stderr);
            let our_line = loaded
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .and_then(|d| d.primary)
                .map(|s| loaded.db.location(s).line);
            if real_line != our_line {
                mismatches.push(format!(
                    "{name}: haproxy reports line {real_line:?}, lbcheck {our_line:?}\n{stderr}"
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    files.len()
}

#[test]
fn valid_fixtures_are_accepted_by_both() {
    let Some(haproxy) = real_binary("haproxy") else {
        return;
    };
    assert!(check_dir(&haproxy, "valid", true) >= 5);
}

#[test]
fn invalid_fixtures_are_rejected_by_both_at_the_same_line() {
    let Some(haproxy) = real_binary("haproxy") else {
        return;
    };
    assert!(check_dir(&haproxy, "invalid", false) >= 20);
}
