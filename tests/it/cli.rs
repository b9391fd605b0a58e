//! The binary as a user runs it: exit statuses and error output.

use assert_cmd::Command;

use crate::common::fixtures;

fn lbcheck() -> Command {
    let mut cmd = Command::cargo_bin("lbcheck").expect("binary builds");
    cmd.env_remove("NO_COLOR").arg("model");
    cmd
}

fn stderr_of(args: &[&str]) -> (i32, String, String) {
    let out = lbcheck().args(args).output().expect("runs");
    (
        out.status.code().expect("exits, no signal"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_bundled_example_prints_its_model() {
    let example = crate::common::manifest_dir().join("configs/haproxy-example.cfg");
    let (code, stdout, stderr) = stderr_of(&[example.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("frontend fe_public"));
    assert!(stdout.contains("if host_api -> be_api"));
    assert!(stdout.contains("server web3 10.0.2.13:8080  weight 50  maxconn 500 check"));
}

#[test]
fn a_syntax_error_shows_file_line_column_and_a_caret_and_exits_2() {
    let f = fixtures().join("haproxy/invalid/unmatched_quote.cfg");
    let (code, stdout, stderr) = stderr_of(&[f.to_str().unwrap(), "--color", "never"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("error: unmatched quote"), "{stderr}");
    assert!(stderr.contains("unmatched_quote.cfg:11:33"), "{stderr}");
    assert!(
        stderr.contains(r#"http-request set-header X-A "unterminated"#),
        "{stderr}"
    );
    assert!(stderr.contains('^'), "{stderr}");
}

#[test]
fn a_typo_gets_a_suggestion() {
    let f = fixtures().join("haproxy/invalid/typo_server.cfg");
    let (code, _, stderr) = stderr_of(&[f.to_str().unwrap(), "--color", "never"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("error[LB501]: unknown keyword 'sever' in backend section"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean 'server'?"), "{stderr}");
}

#[test]
fn every_error_of_a_file_is_reported() {
    let dir = tempfile();
    let path = dir.join("many.cfg");
    std::fs::write(
        &path,
        "frontend fe\n    bnd :80\n    maxcon 10\n    use_backend b if nope\n",
    )
    .unwrap();
    let (code, _, stderr) = stderr_of(&[path.to_str().unwrap(), "--color", "never"]);
    assert_eq!(code, 2);
    for needle in ["'bnd'", "'maxcon'", "no such ACL: 'nope'", "3 errors"] {
        assert!(stderr.contains(needle), "missing {needle}: {stderr}");
    }
}

#[test]
fn unreadable_input_exits_2_and_invalid_utf8_is_a_warning() {
    let (code, _, stderr) = stderr_of(&["/nonexistent/haproxy.cfg"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/nonexistent/haproxy.cfg"), "{stderr}");
    let dir = tempfile();
    let bin = dir.join("binary.cfg");
    std::fs::write(&bin, b"global\n\xff\xfe\n").unwrap();
    let (code, _, stderr) = stderr_of(&[bin.to_str().unwrap(), "--color", "never"]);
    assert_eq!(
        code, 2,
        "the replaced bytes are an unknown keyword: {stderr}"
    );
    assert!(
        stderr.contains("warning: the file is not valid UTF-8 text"),
        "{stderr}"
    );
    assert!(stderr.contains("binary.cfg:2:1"), "{stderr}");
}

#[test]
fn warnings_exit_1_and_the_model_is_still_printed() {
    let dir = tempfile();
    let path = dir.join("warn.cfg");
    let text = "frontend f\n    bind :80\n    default_backend b\n\
                backend b\n    bind :80\n    server s 10.0.0.1:80\n";
    std::fs::write(&path, text).unwrap();
    let (code, stdout, stderr) = stderr_of(&[path.to_str().unwrap(), "--color", "never"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("'bind' has no effect in a backend section"),
        "{stderr}"
    );
    assert!(stdout.contains("backend b"));
}

#[test]
fn json_and_dot_outputs() {
    let f = fixtures().join("haproxy/valid/routing.cfg");
    let (code, stdout, _) = stderr_of(&[f.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(
        v["entry_points"][0]["routes"][1]["target"]["name"],
        "be_api"
    );
    assert_eq!(
        v["backends"][0]["servers"][0]["origins"]["maxconn"],
        "default-server"
    );
    let (code, stdout, _) = stderr_of(&[f.to_str().unwrap(), "--format", "dot"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("digraph lbcheck {"));
    assert!(
        stdout.contains("style=dashed"),
        "dynamic routes are dashed: {stdout}"
    );
}

#[test]
fn a_directory_is_read_in_haproxy_order() {
    let dir = tempfile();
    std::fs::write(
        dir.join("20-backend.cfg"),
        "backend be\n    server s 10.0.0.1:80\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("10-frontend.cfg"),
        "frontend fe\n    bind :80\n    default_backend be\n",
    )
    .unwrap();
    std::fs::write(dir.join("30-ignored.txt"), "not a config\n").unwrap();
    std::fs::write(dir.join(".hidden.cfg"), "not a config\n").unwrap();
    let (code, stdout, stderr) = stderr_of(&[dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        v["entry_points"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("10-frontend.cfg")
    );
    assert!(
        v["backends"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("20-backend.cfg")
    );
}

#[test]
fn the_tool_never_writes_next_to_the_config() {
    let dir = tempfile();
    let path = dir.join("ro.cfg");
    std::fs::write(&path, "listen l\n    bind :80\n    server s 10.0.0.1:80\n").unwrap();
    let before: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let _ = stderr_of(&[path.to_str().unwrap(), "--format", "json"]);
    let after: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after);
}

/// A fresh directory under the target dir for one test.
fn tempfile() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = crate::common::manifest_dir()
        .join("target/test-tmp")
        .join(format!(
            "{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
