//! The router skips routes whose host or path prefix a request cannot meet,
//! and finds the others through an index of those hosts and prefixes
//! (`route::prefilter`). Over every real config of the corpus, the fixtures
//! and a large generated one, each request built from the configs' own host
//! and path literals gets exactly the decision of evaluating every route in
//! order.

use std::path::Path;

use lbcheck::model::{Condition, MatchMethod, Model, SourceFormat};
use lbcheck::route::matching::{Tri, eval};
use lbcheck::route::{Request, Router, normalize_uri};

use crate::common::{fixtures, manifest_dir};

/// Host and path literals of a condition, as requests would carry them.
fn literals(c: &Condition, hosts: &mut Vec<String>, paths: &mut Vec<String>) {
    match c {
        Condition::Pred(p) => {
            let fetch = p.fetch.to_ascii_lowercase();
            for v in &p.values {
                if fetch.contains("host") {
                    hosts.push(v.clone());
                    hosts.push(v.to_ascii_uppercase());
                } else if fetch == "path" || fetch == "url" {
                    paths.push(v.clone());
                    if p.method == Some(MatchMethod::Beg) {
                        paths.push(format!("{v}x"));
                    }
                }
            }
        }
        Condition::Acl(_, c) => literals(c, hosts, paths),
        Condition::Not(c) => literals(c, hosts, paths),
        Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| literals(c, hosts, paths)),
        _ => {}
    }
}

/// Every route of the entry point in order, as the router did before.
fn in_order(model: &Model, entry: usize, req: &Request) -> (Option<usize>, Vec<String>) {
    let mut request = req.clone();
    if model.format == SourceFormat::Nginx {
        request.path = normalize_uri(&req.path);
    }
    let mut unknown = Vec::new();
    for (i, r) in model.entry_points[entry].routes.iter().enumerate() {
        match eval(&r.condition, &request) {
            Tri::True => return (Some(i), unknown),
            Tri::Unknown(why) => unknown.push(why),
            Tri::False => {}
        }
    }
    (None, unknown)
}

/// Routes every host x path literal pair (and none) on every port; the
/// number of requests compared.
fn compare(model: &Model, name: &str) -> usize {
    let (mut hosts, mut paths) = (vec![String::new()], vec!["/".to_string()]);
    for e in &model.entry_points {
        hosts.extend(e.server_names.iter().cloned());
        e.routes
            .iter()
            .for_each(|r| literals(&r.condition, &mut hosts, &mut paths));
    }
    hosts.sort();
    hosts.dedup();
    paths.sort();
    paths.dedup();
    let ports: Vec<u16> = model
        .entry_points
        .iter()
        .flat_map(|e| e.binds.iter().filter_map(|b| b.ports.map(|p| p.0)))
        .collect();
    let router = Router::new(model);
    let mut compared = 0;
    for &port in &ports {
        for host in hosts.iter().take(30) {
            for path in paths.iter().take(30) {
                let host = (!host.is_empty()).then_some(host.as_str());
                let req = Request::new(host, path, port);
                let Ok(d) = router.route(&req) else { continue };
                let (route, unknown) = in_order(model, d.entry, &req);
                assert_eq!((d.route, &d.unknown), (route, &unknown), "{name}: {req:?}");
                compared += 1;
            }
        }
    }
    compared
}

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn skipping_routes_that_cannot_match_changes_no_decision() {
    let corpus = manifest_dir().join("../shared/corpus");
    let mut configs = Vec::new();
    for kind in ["haproxy", "nginx"] {
        configs.extend(files(&corpus.join(kind)));
    }
    configs.extend(files(&fixtures().join("diff/route-condition-changed")));
    let mut compared = 0;
    for path in &configs {
        let Ok(loaded) = lbcheck::load(std::slice::from_ref(path), &lbcheck::Options::default())
        else {
            continue;
        };
        compared += compare(&loaded.model, &path.display().to_string());
    }
    // A frontend with a thousand host and path rules, in every shape the
    // route index reads: hosts, prefixes, both, either, ACLs of several
    // lines, and rules it cannot narrow down (negations, other fetches).
    let mut cfg = String::from("frontend fe\n    mode http\n    bind :80\n");
    for i in 0..1400 {
        let rule = match i % 7 {
            0 => format!("{{ hdr(host) -i h{i}.example.com }}"),
            1 => format!("{{ path_beg /p{i}/ }}"),
            2 => format!(
                "{{ hdr(host) -i h{i}.example.com }} {{ path_beg /p{i}/ }} || {{ src 10.0.0.1 }}"
            ),
            3 => format!("{{ hdr(host) -i h{i}.example.com }} || {{ path_beg /p{i} /q{i}/x }}"),
            4 => {
                cfg += &format!("    acl a{i} hdr(host) -i h{i}.example.com H{i}b.example.com\n");
                cfg += &format!("    acl a{i} path_beg /p{i}/\n");
                format!("a{i}")
            }
            5 => format!("!{{ hdr(host) -i h{i}.example.com }}"),
            _ => format!("{{ path_beg /p{i}/ }} {{ hdr(host) -i h{i}.example.com }}"),
        };
        cfg += &format!("    use_backend be if {rule}\n");
    }
    cfg += "    default_backend be\nbackend be\n    server s 127.0.0.1:8080\n";
    let mut db = lbcheck::source::SourceDb::new();
    let id = db.add("big.cfg", cfg);
    let (model, _) = lbcheck::lower_haproxy(&db, &[id], &lbcheck::Options::default());
    compared += compare(&model, "big.cfg");
    assert!(compared > 10_000, "only {compared} requests compared");
}
