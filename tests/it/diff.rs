//! `lbcheck diff` on before/after pairs for each kind of change, in both
//! formats; `--base` on a temporary git repository; the incidents diffed
//! fixed -> broken name their cause first; snapshots of every format.

use std::path::{Path, PathBuf};
use std::process::Command;

use lbcheck::check::{CheckOptions, CheckResult, check};
use lbcheck::diff::matching::ChangeKind;
use lbcheck::diff::{DiffReport, diff};

use crate::common::{fixtures, git, lbcheck_in, manifest_dir};

fn load(path: &Path) -> CheckResult {
    let r = check(&[path.to_path_buf()], &CheckOptions::default(), None).expect("loads");
    assert!(!r.failed, "{}: {:#?}", path.display(), r.findings);
    r
}

fn pair(kind: &str, ext: &str) -> DiffReport {
    let dir = fixtures().join("diff").join(kind);
    diff(
        &mut load(&dir.join(format!("old.{ext}"))),
        &mut load(&dir.join(format!("new.{ext}"))),
    )
}

fn has_change(r: &DiffReport, kind: ChangeKind, attribute: Option<&str>) -> bool {
    r.changes
        .iter()
        .any(|c| c.kind == kind && (attribute.is_none() || c.attribute.as_deref() == attribute))
}

#[test]
fn weight_change_shifts_shares() {
    for ext in ["cfg", "conf"] {
        let r = pair("weight-change", ext);
        assert!(
            has_change(&r, ChangeKind::Changed, Some("weight")),
            "{ext}: {:?}",
            r.changes
        );
        let top = &r.shares[0];
        assert!(
            (top.before - 1.0 / 3.0).abs() < 1e-9 && (top.after - 40.0 / 60.0).abs() < 1e-9,
            "{top:?}"
        );
        assert!(
            r.risks[0].contains("goes from 33.3% to 66.7%"),
            "{:?}",
            r.risks
        );
    }
}

#[test]
fn removed_and_disabled_servers_lose_their_share() {
    for ext in ["cfg", "conf"] {
        for kind in ["server-removed", "server-disabled"] {
            let r = pair(kind, ext);
            let expected = if kind == "server-removed" {
                (ChangeKind::Removed, None)
            } else {
                (ChangeKind::Changed, Some("disabled"))
            };
            assert!(
                has_change(&r, expected.0, expected.1),
                "{kind}.{ext}: {:?}",
                r.changes
            );
            let lost = r
                .shares
                .iter()
                .find(|s| s.address == "10.0.2.3:8080")
                .expect("the server's share moved");
            assert_eq!(lost.after, 0.0);
        }
    }
}

#[test]
fn algorithm_change_is_reported() {
    for ext in ["cfg", "conf"] {
        assert!(
            has_change(
                &pair("algorithm-change", ext),
                ChangeKind::Changed,
                Some("balance")
            ),
            "{ext}"
        );
    }
}

#[test]
fn a_renamed_backend_is_one_rename_not_a_reroute() {
    for ext in ["cfg", "conf"] {
        let r = pair("backend-renamed", ext);
        assert!(
            has_change(&r, ChangeKind::Renamed, None),
            "{ext}: {:?}",
            r.changes
        );
        assert!(r.routes.is_empty(), "{ext}: {:?}", r.routes);
        assert!(r.shares.is_empty(), "{ext}: {:?}", r.shares);
        assert!(r.risks[0].starts_with("renames"), "{:?}", r.risks);
    }
}

#[test]
fn route_and_default_changes_move_probes() {
    for ext in ["cfg", "conf"] {
        let r = pair("route-condition-changed", ext);
        let api = if ext == "cfg" { "be_api" } else { "api" };
        assert!(
            r.routes
                .iter()
                .any(|c| c.probe.path.starts_with("/api/") && c.before == api),
            "{ext}: {:?}",
            r.routes
        );
        assert!(
            r.routes
                .iter()
                .any(|c| c.probe.path.starts_with("/v2/") && c.after == api),
            "{ext}: {:?}",
            r.routes
        );
        let r = pair("default-backend-changed", ext);
        assert!(
            r.routes
                .iter()
                .any(|c| c.probe.host == lbcheck::diff::probes::UNMATCHED_HOST
                    && c.probe.path == "/"
                    && c.after == api),
            "{ext}: {:?}",
            r.routes
        );
    }
}

/// A big frontend (more host x path combinations than the probe limit)
/// beside an untouched one: the probes go to the changed port, and the new
/// route's own host and path come first although they sort last.
fn many_routes(extra: &str) -> String {
    let mut cfg = String::from(
        "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n\nfrontend fe_big\n    bind :8001\n",
    );
    for i in 0..120 {
        cfg += &format!(
            "    use_backend be_{i} if {{ hdr(host) -i h{i:03}.example.com }} {{ path_beg /p{i:03}/ }}\n"
        );
    }
    cfg += extra;
    cfg += "    default_backend be_0\n\nfrontend fe_other\n    bind :8002\n    use_backend be_1 if { hdr(host) -i other.example.com }\n    default_backend be_0\n";
    for i in 0..120 {
        cfg += &format!("\nbackend be_{i}\n    server s 127.0.0.1:{}\n", 9000 + i);
    }
    cfg
}

#[test]
fn probes_go_where_routing_changed_and_what_changed_comes_first() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.cfg"), dir.path().join("new.cfg"));
    std::fs::write(&old, many_routes("")).unwrap();
    std::fs::write(
        &new,
        many_routes("    use_backend be_7 if { hdr(host) -i zz.example.com } { path_beg /zz/ }\n"),
    )
    .unwrap();
    let r = diff(&mut load(&old), &mut load(&new));
    assert!(
        r.probes_truncated,
        "121 x 242 combinations exceed the limit"
    );
    assert!(
        r.routes.iter().all(|c| c.probe.port == 8001),
        "{:?}",
        r.routes
    );
    assert!(
        r.routes.iter().any(|c| c.probe.host == "zz.example.com"
            && c.probe.path == "/zz/"
            && c.before == "be_0"
            && c.after == "be_7"),
        "{:?}",
        r.routes
    );
    // Unchanged routing: nothing to probe.
    let same = diff(&mut load(&old), &mut load(&old));
    assert_eq!((same.probes_evaluated, same.routes.len()), (0, 0));
}

#[test]
fn lowered_maxconn_drops_capacity() {
    for ext in ["cfg", "conf"] {
        let r = pair("maxconn-lowered", ext);
        let c = r
            .capacity
            .iter()
            .find(|c| c.entity.ends_with("api"))
            .expect("capacity change");
        assert_eq!((c.before, c.after), (Some(2000), Some(1100)), "{ext}");
        assert_eq!(
            (c.before_n_minus_1, c.after_n_minus_1),
            (Some(1000), Some(100)),
            "{ext}"
        );
    }
}

#[test]
fn removed_health_checks_are_a_change_and_a_finding() {
    for ext in ["cfg", "conf"] {
        let r = pair("health-check-removed", ext);
        let attr = if ext == "cfg" { "check" } else { "max_fails" };
        assert!(
            has_change(&r, ChangeKind::Changed, Some(attr)),
            "{ext}: {:?}",
            r.changes
        );
        assert!(
            r.findings
                .introduced
                .iter()
                .any(|d| d.code == Some("LB203")),
            "{ext}"
        );
    }
}

#[test]
fn a_change_in_an_included_file_is_seen_there() {
    let dir = fixtures().join("diff/include-file-changed");
    for (old, new, file) in [
        (
            "old-nginx/nginx.conf",
            "new-nginx/nginx.conf",
            "conf.d/web.conf",
        ),
        ("old-haproxy", "new-haproxy", "20-backends.cfg"),
    ] {
        let r = diff(&mut load(&dir.join(old)), &mut load(&dir.join(new)));
        let c = r
            .changes
            .iter()
            .find(|c| c.attribute.as_deref() == Some("weight"))
            .expect("weight change");
        assert!(c.new.as_ref().unwrap().file.ends_with(file), "{c:?}");
    }
}

#[test]
fn each_incident_diffed_from_its_fix_names_the_cause_first() {
    let root = manifest_dir().join("configs/incidents");
    let causes = [
        ("connection-limit-reached", "LB401"),
        ("overloaded-while-others-idle", "small"),
        ("routing-change-wrong-pool", "now go elsewhere"),
        ("uneven-weights-after-update", "to 83.3%"),
    ];
    for (name, cause) in causes {
        for (fixed, broken) in [
            ("haproxy-fixed.cfg", "haproxy-broken.cfg"),
            ("nginx-fixed.conf", "nginx-broken.conf"),
        ] {
            let dir = root.join(name);
            let out = run(&[
                "diff",
                dir.join(fixed).to_str().unwrap(),
                dir.join(broken).to_str().unwrap(),
            ]);
            let head: String = out.1.lines().take(4).collect::<Vec<_>>().join("\n");
            let cause = if name == "overloaded-while-others-idle" && fixed.starts_with("nginx") {
                "10.0.3.13"
            } else {
                cause
            };
            assert!(
                head.contains(cause),
                "{name}/{broken}: the first lines do not name {cause}:\n{}",
                out.1
            );
        }
    }
}

fn run(args: &[&str]) -> (i32, String, String) {
    lbcheck_in(manifest_dir(), args)
}

#[test]
fn a_side_that_cannot_be_read_is_reported_once_and_an_undetectable_one_takes_the_other_format() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("new.cfg");
    std::fs::write(&good, "frontend fe\n    bind :80\n    default_backend be\n\nbackend be\n    server s 127.0.0.1:8080\n").unwrap();
    let broken = dir.path().join("old.cfg");
    std::fs::write(
        &broken,
        "frontend fe\n    bind :80\n    acl a hdr(host) -i \"x\n",
    )
    .unwrap();
    let (status, _, err) = run(&["diff", broken.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(status, 2, "{err}");
    assert_eq!(err.matches("old.cfg:3:").count(), 1, "{err}");
    // Comments only: nothing says which format; it is read as the new side's.
    let blank = dir.path().join("blank");
    std::fs::write(&blank, "# nothing yet\n").unwrap();
    let (status, out, err) = run(&[
        "diff",
        blank.to_str().unwrap(),
        good.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(status == 0 || status == 1, "{status}: {err}");
    assert!(
        out.contains("\"kind\": \"added\"") && out.contains("backend be"),
        "{out}"
    );
}

#[test]
fn base_compares_with_a_git_revision_including_its_includes() {
    let dir: PathBuf = manifest_dir()
        .join("target/test-tmp")
        .join(format!("git-base-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = fixtures().join("diff/include-file-changed");
    let copy = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to.join("conf.d")).unwrap();
        std::fs::copy(from.join("nginx.conf"), to.join("nginx.conf")).unwrap();
        std::fs::copy(from.join("conf.d/web.conf"), to.join("conf.d/web.conf")).unwrap();
    };
    copy(&src.join("old-nginx"), &dir.join("lb"));
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    copy(&src.join("new-nginx"), &dir.join("lb"));
    let (code, out, err) = run(&[
        "diff",
        "--base",
        "HEAD",
        dir.join("lb/nginx.conf").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let weight = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["attribute"] == "weight")
        .expect("weight change");
    assert_eq!(
        (weight["before"].as_str(), weight["after"].as_str()),
        (Some("10"), Some("40"))
    );
    assert_eq!(v["shares"][0]["after"], 0.8);
    // The repository is untouched: nothing but the working tree changed.
    let status = Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["status", "--porcelain"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&status.stdout).trim(),
        "M lb/conf.d/web.conf"
    );
    // A config that did not exist at the base is all new.
    std::fs::write(dir.join("lb/new.conf"), "events {}\nhttp { upstream u { server 10.0.0.1; } server { listen 80; location / { proxy_pass http://u; } } }\n").unwrap();
    let (code, out, err) = run(&[
        "diff",
        "--base",
        "HEAD",
        dir.join("lb/new.conf").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("+ upstream u"), "{out}");
}

#[test]
fn snapshots_of_text_json_and_markdown() {
    let dir = manifest_dir().join("configs/incidents/uneven-weights-after-update");
    std::env::set_current_dir(manifest_dir()).ok();
    let rel = |f: &str| format!("configs/incidents/uneven-weights-after-update/{f}");
    let _ = dir;
    for (format, name) in [
        ("text", "diff_text"),
        ("json", "diff_json"),
        ("markdown", "diff_markdown"),
    ] {
        let out = assert_cmd::Command::cargo_bin("lbcheck")
            .unwrap()
            .current_dir(manifest_dir())
            .args([
                "diff",
                &rel("haproxy-fixed.cfg"),
                &rel("haproxy-broken.cfg"),
                "--format",
                format,
            ])
            .output()
            .unwrap();
        insta::assert_snapshot!(name, String::from_utf8_lossy(&out.stdout));
    }
}

/// `diff --format markdown` of two configs written into `dir`.
fn markdown_diff(dir: &Path, old: &str, new: &str) -> String {
    std::fs::write(dir.join("old.cfg"), old).unwrap();
    std::fs::write(dir.join("new.cfg"), new).unwrap();
    let (_, out, _) = run(&[
        "diff",
        dir.join("old.cfg").to_str().unwrap(),
        dir.join("new.cfg").to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    out
}

#[test]
fn hostile_names_cannot_break_the_markdown() {
    let dir = manifest_dir()
        .join("target/test-tmp")
        .join(format!("md-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = |w: u32| {
        format!(
            "frontend fe\n    bind :80\n    default_backend be\nbackend be\n    server \"a|b`<x>*y*\" 10.0.0.1:80 weight {w}\n    server s2 10.0.0.2:80\n"
        )
    };
    let out = markdown_diff(&dir, &cfg(1), &cfg(9));
    let row = out
        .lines()
        .find(|l| l.starts_with("| be |") && l.contains("a\\|b"))
        .expect("a table row for the server");
    let unescaped = row.matches('|').count() - row.matches("\\|").count();
    assert_eq!(unescaped, 6, "five cells, six unescaped pipes: {row}");
    assert!(!out.contains("<x>"), "{out}");
}

/// A change to a large config still makes a comment GitHub accepts (at
/// most 65,536 characters): each list is cut with how many were left out,
/// every section keeps its place, and a name of thousands of characters is
/// cut in its cell. Before, renaming 20,000 servers made a 2 MB comment.
#[test]
fn a_large_change_fits_in_one_comment() {
    const N: usize = 20_000;
    let dir = manifest_dir()
        .join("target/test-tmp")
        .join(format!("md-large-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let long = "x".repeat(100_000);
    let cfg = |prefix: &str| {
        let mut text = format!(
            "frontend fe\n    bind :80\n    use_backend b{long} if {{ path_beg /l }}\n    default_backend be\n\
             backend b{long}\n    server s 10.9.0.1:80\nbackend be\n"
        );
        for i in 0..N {
            text += &format!("    server {prefix}{i} 10.0.{}.{}:80\n", i / 250, i % 250);
        }
        text
    };
    let out = markdown_diff(&dir, &cfg("s"), &cfg("t"));
    assert!(out.len() <= 65_536, "{} bytes", out.len());
    for section in ["#### Traffic shift", "#### Findings", "All changes ("] {
        assert!(out.contains(section), "{section}: {}", &out[..2_000]);
    }
    assert!(
        out.contains(&format!("…and {} more.", 2 * N - 100)),
        "{}",
        &out[out.len() - 2_000..]
    );
    assert_eq!(
        out.matches("</details>").count(),
        out.matches("<details>").count()
    );
    // The new config's own findings, with the long name cut in their cells.
    let (_, out, _) = run(&[
        "check",
        dir.join("new.cfg").to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    assert!(out.len() <= 65_536, "{} bytes", out.len());
    assert!(
        out.contains("x…") && !out.contains(&"x".repeat(1_000)),
        "{}",
        &out[..2_000]
    );
}

/// A scratch directory holding the bundled HAProxy example as `old.cfg` and
/// `edit` of it as `new.cfg`.
fn example_pair(tag: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let dir = manifest_dir()
        .join("target/test-tmp")
        .join(format!("diff-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let old = std::fs::read_to_string(manifest_dir().join("configs/haproxy-example.cfg")).unwrap();
    let new = edit(&old);
    assert_ne!(old, new, "the edit changes nothing");
    std::fs::write(dir.join("old.cfg"), &old).unwrap();
    std::fs::write(dir.join("new.cfg"), &new).unwrap();
    dir
}

/// Renaming a frontend that the expected traffic names takes the capacity
/// rules' figures away from it: their findings look fixed. The name the old
/// config defined is reported, however far the new name is from it, unless
/// the policy ignores LB002.
#[test]
fn a_renamed_entry_point_leaves_its_traffic_figures_unused() {
    let dir = example_pair("traffic-rename", |old| {
        old.replace("fe_public", "edge_main")
    });
    let traffic = "traffic:\n  entry_points:\n    fe_public: { peak_connections: 20000 }\n";
    std::fs::write(dir.join("t.yaml"), traffic).unwrap();
    let args = [
        "diff",
        "old.cfg",
        "new.cfg",
        "--traffic",
        "t.yaml",
        "--format",
        "json",
    ];
    let (code, out, err) = lbcheck_in(&dir, &args);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let introduced = report["findings"]["introduced"].as_array().unwrap();
    assert_eq!(introduced.len(), 1, "{out}");
    let lost = &introduced[0];
    assert_eq!(lost["code"], "LB002");
    assert_eq!(
        lost["message"],
        "the expected traffic names entry point fe_public, which this config no longer defines: \
         its figures are not used"
    );
    assert_eq!(
        (&lost["file"], &lost["line"], &lost["column"]),
        (&"t.yaml".into(), &3.into(), &5.into())
    );
    assert!(!report["findings"]["fixed"].as_array().unwrap().is_empty());
    std::fs::write(
        dir.join("p.yaml"),
        format!("rules:\n  ignore: [LB002]\n{traffic}"),
    )
    .unwrap();
    let args = [
        "diff", "old.cfg", "new.cfg", "--policy", "p.yaml", "--format", "json",
    ];
    let (_, out, err) = lbcheck_in(&dir, &args);
    let report: serde_json::Value = serde_json::from_str(&out).expect(&err);
    assert_eq!(
        report["findings"]["introduced"],
        serde_json::json!([]),
        "{out}"
    );
}

/// Disabling a backend (for maintenance, say) is a change of its own, and
/// the diff says what it does: its servers lose their traffic, its capacity
/// goes to nothing (N-1 too), and it is a dead backend (LB201).
#[test]
fn disabling_a_backend_is_shown_with_what_it_does() {
    let dir = example_pair("disabled", |old| {
        old.replacen("backend be_api\n", "backend be_api\n    disabled\n", 1)
    });
    let r = diff(
        &mut load(&dir.join("old.cfg")),
        &mut load(&dir.join("new.cfg")),
    );
    let change = r
        .changes
        .iter()
        .find(|c| c.attribute.as_deref() == Some("disabled"))
        .expect("a disabled change");
    assert_eq!(change.entity, "backend be_api");
    assert_eq!(
        (change.before.as_deref(), change.after.as_deref()),
        (Some("false"), Some("true"))
    );
    let introduced: Vec<&str> = r
        .findings
        .introduced
        .iter()
        .filter_map(|d| d.code)
        .collect();
    assert_eq!(introduced, ["LB201"]);
    let capacity = r
        .capacity
        .iter()
        .find(|c| c.entity == "backend be_api")
        .unwrap();
    assert_eq!(
        (capacity.after, capacity.after_n_minus_1),
        (Some(0), Some(0))
    );
}
