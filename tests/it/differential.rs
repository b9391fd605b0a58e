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

/// `haproxy -c` will not start a config in which nothing listens (exit 2,
/// "no listener", no alert): lbcheck refuses the same configs, and only
/// them. A peers section counts only with the local peer, named after the
/// host, which lbcheck cannot know: it gives any peers section the benefit
/// of the doubt, so the case here uses this host's name.
#[test]
fn a_config_in_which_nothing_listens_is_refused_by_both() {
    let Some(haproxy) = real_binary("haproxy") else {
        return;
    };
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let defaults = "defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    \
                    timeout server 1s\n";
    let backend = "backend be\n    server a 10.0.0.1:80\n";
    let peers = format!("peers p\n    peer {} 127.0.0.1:10000\n", host.trim());
    let cases: [(&str, String); 9] = [
        ("backends only", String::new()),
        (
            "a frontend without bind",
            "frontend fe\n    default_backend be\n".into(),
        ),
        (
            "a disabled frontend",
            "frontend fe\n    bind :8080\n    disabled\n".into(),
        ),
        (
            "a frontend with bind",
            "frontend fe\n    bind :8080\n".into(),
        ),
        (
            "a listen with bind",
            "listen li\n    bind :8081\n    server a 10.0.0.1:80\n".into(),
        ),
        (
            "a unix socket",
            "frontend fe\n    bind /tmp/lbcheck-never.sock\n".into(),
        ),
        (
            "a stats socket",
            "global\n    stats socket /tmp/lbcheck-never.sock\n".into(),
        ),
        ("a local peer", peers),
        (
            "a log-forward",
            "log-forward lf\n    dgram-bind 127.0.0.1:5140\n    log global\n".into(),
        ),
    ];
    let dir = std::env::temp_dir().join(format!("lbcheck-no-listener-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let opts = lbcheck::Options {
        haproxy_version: haproxy_version(&haproxy),
        ..Default::default()
    };
    let mut refused = 0;
    for (case, body) in &cases {
        // `global` must come first, the rest after the defaults.
        let text = match body.starts_with("global") {
            true => format!("{body}{defaults}{backend}"),
            false => format!("{defaults}{body}{backend}"),
        };
        let path = dir.join("h.cfg");
        std::fs::write(&path, &text).unwrap();
        let out = Command::new(&haproxy)
            .arg("-c")
            .arg("-f")
            .arg(&path)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        let real = said.contains("will not start (no listener)");
        assert!(real || out.status.success(), "{case}: {said}");
        let loaded = lbcheck::load(std::slice::from_ref(&path), &opts).unwrap();
        let ours = loaded
            .diagnostics
            .iter()
            .any(|d| d.code == Some("LB100") && d.message().starts_with("nothing listens"));
        assert_eq!(ours, real, "{case}: haproxy says {said}");
        refused += usize::from(real);
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(refused, 3);
}
