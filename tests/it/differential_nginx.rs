//! lbcheck against the real `nginx -t`: on every fixture, both accept or both
//! reject, and a rejection points at the same line.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{fixtures, real_binary};

/// Debian builds the stream module as a dynamic module.
const STREAM_MODULE: &str = "/usr/lib/nginx/modules/ngx_stream_module.so";

/// Runs `nginx -t` on a config in a scratch prefix: (accepted, stderr).
fn nginx_t(nginx: &Path, config: &Path) -> (bool, String) {
    let scratch = std::env::temp_dir().join(format!("lbcheck-nginx-{}", std::process::id()));
    std::fs::create_dir_all(scratch.join("logs")).expect("scratch dir");
    let mut globals = format!("error_log stderr; pid {}/nginx.pid;", scratch.display());
    if std::fs::read_to_string(config)
        .unwrap_or_default()
        .contains("stream {")
        && Path::new(STREAM_MODULE).exists()
    {
        globals = format!("load_module {STREAM_MODULE}; {globals}");
    }
    let out = Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(&scratch)
        .arg("-c")
        .arg(config)
        .arg("-g")
        .arg(globals)
        .output()
        .expect("nginx runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The line of nginx's first `[emerg] ... in FILE:LINE`.
fn emerg_line(stderr: &str) -> Option<usize> {
    let line = stderr.lines().find(|l| l.contains("[emerg]"))?;
    line.rsplit(':').next()?.trim().parse().ok()
}

fn configs(dir: &str) -> Vec<PathBuf> {
    let root = fixtures().join("nginx").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .map(|p| if p.is_dir() { p.join("nginx.conf") } else { p })
        .collect();
    files.sort();
    files
}

fn check(dir: &str, expect_valid: bool) -> usize {
    let Some(nginx) = real_binary("nginx") else {
        return 0;
    };
    let files = configs(dir);
    let mut mismatches = Vec::new();
    for path in &files {
        let (real_ok, stderr) = nginx_t(&nginx, path);
        let name = path
            .strip_prefix(fixtures())
            .unwrap_or(path)
            .display()
            .to_string();
        assert_eq!(
            real_ok, expect_valid,
            "{name}: fixture in the wrong directory; nginx says:\n{stderr}"
        );
        let loaded =
            lbcheck::load(std::slice::from_ref(path), &lbcheck::Options::default()).expect("loads");
        let ours_ok = !loaded.has_errors();
        if real_ok != ours_ok {
            mismatches.push(format!(
                "{name}: nginx ok={real_ok}, lbcheck ok={ours_ok}\n{stderr}{:#?}",
                loaded.diagnostics
            ));
            continue;
        }
        if !real_ok {
            let ours = loaded
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .and_then(|d| d.primary)
                .map(|s| loaded.db.location(s).line);
            if emerg_line(&stderr) != ours {
                mismatches.push(format!(
                    "{name}: nginx reports line {:?}, lbcheck {ours:?}\n{stderr}",
                    emerg_line(&stderr)
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    files.len()
}

#[test]
fn valid_nginx_fixtures_are_accepted_by_both() {
    let n = check("valid", true);
    assert!(n == 0 || n >= 3);
}

#[test]
fn invalid_nginx_fixtures_are_rejected_by_both_at_the_same_line() {
    let n = check("invalid", false);
    assert!(n == 0 || n >= 15);
}

/// `nginx -t` warns of each server name it ignores on an address; LB107
/// reports the same names, no more.
#[test]
fn conflicting_server_names_are_the_ones_nginx_warns_of() {
    let Some(nginx) = real_binary("nginx") else {
        return;
    };
    let dir = fixtures().join("rules").join("LB107");
    for file in ["fire.conf", "quiet.conf"] {
        let config = dir.join(file);
        let (accepted, stderr) = nginx_t(&nginx, &config);
        assert!(accepted, "{file}: {stderr}");
        let mut warned: Vec<String> = stderr
            .lines()
            .filter_map(|l| l.split("conflicting server name \"").nth(1))
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_ascii_lowercase)
            .collect();
        let opts = lbcheck::check::CheckOptions::default();
        let result = lbcheck::check::check(&[config], &opts, None).expect("checks");
        let mut reported: Vec<String> = result
            .findings
            .iter()
            .filter(|d| d.code == Some("LB107"))
            .filter_map(|d| d.message().strip_prefix("server name "))
            .filter_map(|rest| rest.split(' ').next())
            .map(str::to_string)
            .collect();
        warned.sort();
        reported.sort();
        assert_eq!(reported, warned, "{file}");
        assert_eq!(file == "fire.conf", !warned.is_empty());
    }
}

/// A main configuration without `events` (an empty file too): `nginx -t`
/// refuses it, and so does lbcheck; with `events {}` both accept it.
#[test]
fn a_main_configuration_needs_events_for_both() {
    let Some(nginx) = real_binary("nginx") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("lbcheck-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let http = "http {\n    server { listen 8080; return 200; }\n}\n";
    for (text, accepted) in [
        (String::new(), false),
        (format!("worker_processes 1;\n{http}"), false),
        (format!("events {{}}\n{http}"), true),
    ] {
        let path = dir.join("nginx.conf");
        std::fs::write(&path, &text).unwrap();
        let (real, stderr) = nginx_t(&nginx, &path);
        assert_eq!(real, accepted, "{text}: {stderr}");
        assert_eq!(real, !stderr.contains("no \"events\" section"), "{stderr}");
        let loaded = lbcheck::load(std::slice::from_ref(&path), &lbcheck::Options::default())
            .expect("loads");
        assert_eq!(
            !loaded.has_errors(),
            accepted,
            "{text}: {:#?}",
            loaded.diagnostics
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
