//! The GitHub Action's script (scripts/lbcheck-pr.sh), run locally against a
//! temporary repository with a stand-in `gh` that records the API calls.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{git, manifest_dir};

const FAKE_GH: &str = r#"#!/usr/bin/env bash
# Records each call; answers the comment listing from a state file.
echo "$*" >> "$FAKE_GH_DIR/calls.log"
case "$*" in
  *"-X POST"*) echo 42 > "$FAKE_GH_DIR/comment-id"; cat > /dev/null ;;
  *"-X PATCH"*) : ;;
  *) [ -f "$FAKE_GH_DIR/comment-id" ] && cat "$FAKE_GH_DIR/comment-id" ;;
esac
exit 0
"#;

fn run(repo: &Path, bin: &Path, fail_on: &str) -> (i32, String) {
    run_with(repo, bin, fail_on, "65536")
}

fn run_with(repo: &Path, bin: &Path, fail_on: &str, limit: &str) -> (i32, String) {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg(manifest_dir().join("scripts/lbcheck-pr.sh"))
        .arg("lb/haproxy.cfg")
        .current_dir(repo)
        .env("PATH", path)
        .env("LBCHECK", assert_cmd::cargo::cargo_bin("lbcheck"))
        .env("LBCHECK_BASE", "main")
        .env("LBCHECK_FAIL_ON", fail_on)
        .env("GITHUB_REPOSITORY", "example/lb")
        .env("PR_NUMBER", "7")
        .env("FAKE_GH_DIR", bin)
        .env("LBCHECK_COMMENT_LIMIT", limit)
        .output()
        .expect("bash runs the script");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn the_action_script_posts_then_updates_one_comment_and_writes_sarif() {
    let root: PathBuf = manifest_dir()
        .join("target/test-tmp")
        .join(format!("action-{}", std::process::id()));
    let (repo, bin) = (root.join("repo"), root.join("bin"));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(repo.join("lb")).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    let incident = manifest_dir().join("configs/incidents/uneven-weights-after-update");
    std::fs::copy(
        incident.join("haproxy-fixed.cfg"),
        repo.join("lb/haproxy.cfg"),
    )
    .unwrap();
    std::fs::copy(
        incident.join(".lbcheck.yaml"),
        repo.join("lb/.lbcheck.yaml"),
    )
    .unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    git(&repo, &["checkout", "-q", "-b", "change"]);
    std::fs::copy(
        incident.join("haproxy-broken.cfg"),
        repo.join("lb/haproxy.cfg"),
    )
    .unwrap();
    let gh = bin.join("gh");
    std::fs::write(&gh, FAKE_GH).unwrap();
    Command::new("chmod").arg("+x").arg(&gh).status().unwrap();

    let (code, out) = run(&repo, &bin, "error");
    assert_eq!(code, 0, "only warnings are introduced: {out}");
    assert!(
        out.contains("::warning file=lb/haproxy.cfg,line=22"),
        "annotations: {out}"
    );
    let comment = std::fs::read_to_string(repo.join("lbcheck-out/comment.md")).unwrap();
    assert!(comment.starts_with("<!-- lbcheck-pr -->"), "{comment}");
    assert!(
        comment.contains("web3 goes from 33\\.3\\% to 83\\.3\\%"),
        "{comment}"
    );
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.join("lbcheck-out/sarif/1.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["baselineState"], "new");
    let calls = std::fs::read_to_string(bin.join("calls.log")).unwrap();
    assert!(
        calls.contains("api -X POST repos/example/lb/issues/7/comments"),
        "{calls}"
    );

    let (code, out) = run(&repo, &bin, "warning");
    assert_eq!(code, 1, "warnings fail at --fail-on warning: {out}");
    let calls = std::fs::read_to_string(bin.join("calls.log")).unwrap();
    assert!(
        calls.contains("api -X PATCH repos/example/lb/issues/comments/42"),
        "the second run updates: {calls}"
    );
    assert_eq!(
        calls.matches("-X POST").count(),
        1,
        "one comment only: {calls}"
    );

    // Several configs' parts can pass the limit together: the comment is
    // cut at a line, with its folds closed and a note.
    // (This comment is about 1,200 bytes; at 1,100 the cut falls inside the
    // fold of introduced findings.)
    let (_, out) = run_with(&repo, &bin, "never", "1100");
    let comment = std::fs::read_to_string(repo.join("lbcheck-out/comment.md")).unwrap();
    assert!(comment.len() <= 1100, "{} bytes: {out}", comment.len());
    assert!(
        comment.contains("<details><summary>Introduced"),
        "{comment}"
    );
    assert!(comment.starts_with("<!-- lbcheck-pr -->"), "{comment}");
    assert!(comment.contains("_Cut to fit a comment"), "{comment}");
    assert_eq!(
        comment.matches("<details>").count(),
        comment.matches("</details>").count(),
        "{comment}"
    );
}
