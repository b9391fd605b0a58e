//! Snapshots of the routing model (text and JSON) for a set of configs, and
//! of rendered diagnostics. Review changes with `cargo insta review`.

use std::path::PathBuf;

use lbcheck::version::Version;

fn load(rel: &str, version: Version) -> lbcheck::Loaded {
    // Relative paths keep the snapshots independent of the checkout location.
    let opts = lbcheck::Options {
        haproxy_version: version,
        ..Default::default()
    };
    lbcheck::load(&[PathBuf::from(rel)], &opts).expect("fixture loads")
}

fn model_snapshot(name: &str, rel: &str, version: Version) {
    let loaded = load(rel, version);
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    let shares = lbcheck::all_shares(&loaded.model, &Default::default()).expect("no what-if");
    insta::assert_snapshot!(
        format!("{name}_text"),
        lbcheck::report::model_text::render(&loaded.db, &loaded.model, &shares)
    );
    insta::assert_snapshot!(
        format!("{name}_json"),
        lbcheck::report::model_json::render(&loaded.db, &loaded.model, &shares)
    );
}

#[test]
fn model_of_the_bundled_example() {
    model_snapshot(
        "example",
        "configs/haproxy-example.cfg",
        Version::HAPROXY_DEFAULT,
    );
}

#[test]
fn model_of_routing_fixture() {
    model_snapshot(
        "routing",
        "tests/fixtures/haproxy/valid/routing.cfg",
        Version::new(2, 6),
    );
}

#[test]
fn model_of_named_defaults_fixture() {
    model_snapshot(
        "named_defaults",
        "tests/fixtures/haproxy/valid/named_defaults.cfg",
        Version::new(2, 6),
    );
}

#[test]
fn model_of_conditions_fixture_marks_uncertain_lines() {
    model_snapshot(
        "conditions",
        "tests/fixtures/haproxy/valid/conditions.cfg",
        Version::new(2, 6),
    );
}

#[test]
fn default_balance_follows_the_target_version() {
    let rel = "tests/fixtures/haproxy/valid/other_sections.cfg";
    let old = load(rel, Version::new(3, 2));
    let new = load(rel, Version::new(3, 3));
    assert_eq!(
        old.model.backends[0].algorithm.value.kind,
        lbcheck::model::AlgorithmKind::RoundRobin
    );
    assert_eq!(
        new.model.backends[0].algorithm.value.kind,
        lbcheck::model::AlgorithmKind::Random
    );
    assert!(new.model.backends[0].algorithm.is_default());
}

#[test]
fn rendered_diagnostics() {
    let mut out = String::new();
    for f in [
        "typo_server",
        "unknown_option",
        "removed_keyword",
        "no_such_acl",
        "unterminated_if",
        "bad_condition",
    ] {
        let loaded = load(
            &format!("tests/fixtures/haproxy/invalid/{f}.cfg"),
            Version::new(2, 6),
        );
        for d in &loaded.diagnostics {
            out.push_str(&lbcheck::report::text::render(&loaded.db, d, false));
            out.push_str("\n\n");
        }
    }
    insta::assert_snapshot!("diagnostics", out);
}

#[test]
fn model_of_nginx_routing_fixture() {
    model_snapshot(
        "nginx_routing",
        "tests/fixtures/nginx/valid/routing.conf",
        Version::HAPROXY_DEFAULT,
    );
}

#[test]
fn model_of_nginx_include_tree() {
    model_snapshot(
        "nginx_tree",
        "tests/fixtures/nginx/valid/tree/nginx.conf",
        Version::HAPROXY_DEFAULT,
    );
}

#[test]
fn model_of_nginx_stream_fixture() {
    model_snapshot(
        "nginx_stream",
        "tests/fixtures/nginx/valid/stream.conf",
        Version::HAPROXY_DEFAULT,
    );
}

#[test]
fn rendered_nginx_diagnostics() {
    let mut out = String::new();
    for f in [
        "missing_semicolon",
        "backup_with_ip_hash",
        "duplicate_location",
        "split_clients_over_100",
        "upstream_with_port",
    ] {
        let loaded = load(
            &format!("tests/fixtures/nginx/invalid/{f}.conf"),
            Version::HAPROXY_DEFAULT,
        );
        for d in &loaded.diagnostics {
            out.push_str(&lbcheck::report::text::render(&loaded.db, d, false));
            out.push_str("\n\n");
        }
    }
    insta::assert_snapshot!("nginx_diagnostics", out);
}

#[test]
fn rendered_check_output_for_the_incidents() {
    let mut out = String::new();
    let mut dirs: Vec<_> = std::fs::read_dir("configs/incidents")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        for file in ["haproxy-broken.cfg", "nginx-broken.conf"] {
            let path = dir.join(file);
            let policy_path = lbcheck::policy::find(&path).expect("policy");
            let opts = lbcheck::check::CheckOptions {
                policy: Some(lbcheck::policy::load(&policy_path).unwrap()),
                ..Default::default()
            };
            let r = lbcheck::check::check(&[path], &opts, None).unwrap();
            for d in &r.findings {
                out.push_str(&lbcheck::report::text::render(&r.loaded.db, d, false));
                out.push('\n');
            }
        }
    }
    insta::assert_snapshot!("incidents_check", out);
}
