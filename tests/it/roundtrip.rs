//! Property: a valid HAProxy config, lowered to the model, written back out
//! from the model and lowered again, gives the same model; and its shares sum
//! to 1 over the servers that take traffic.

use std::fmt::Write;

use proptest::prelude::*;

use lbcheck::model::{Condition, Model, Target};
use lbcheck::source::SourceDb;

#[derive(Debug, Clone)]
struct Server {
    weight: u32,
    maxconn: Option<u32>,
    backup: bool,
    disabled: bool,
    check: bool,
}

#[derive(Debug, Clone)]
struct Backend {
    balance: &'static str,
    servers: Vec<Server>,
}

#[derive(Debug, Clone)]
struct Frontend {
    acls: Vec<(&'static str, String)>,
    rules: Vec<(usize, usize, bool)>,
    default: Option<usize>,
}

fn server() -> impl Strategy<Value = Server> {
    (
        0u32..=256,
        proptest::option::of(1u32..5000),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(weight, maxconn, backup, disabled, check)| Server {
            weight,
            maxconn,
            backup,
            disabled,
            check,
        })
}

fn backend() -> impl Strategy<Value = Backend> {
    (
        prop::sample::select(vec![
            "roundrobin",
            "static-rr",
            "leastconn",
            "first",
            "source",
            "uri",
            "random",
        ]),
        prop::collection::vec(server(), 0..5),
    )
        .prop_map(|(balance, servers)| Backend { balance, servers })
}

fn frontend(backends: usize) -> impl Strategy<Value = Frontend> {
    let acl = (
        prop::sample::select(vec![
            "path_beg",
            "path_end",
            "hdr(host) -i",
            "hdr_dom(host) -i",
            "path -m reg",
        ]),
        "[a-z]{1,6}",
    )
        .prop_map(|(fetch, v)| (fetch, format!("/{v}")));
    (
        prop::collection::vec(acl, 0..4),
        prop::collection::vec((0usize..4, 0..backends, any::<bool>()), 0..4),
        proptest::option::of(0..backends),
    )
        .prop_map(|(acls, rules, default)| Frontend {
            acls,
            rules,
            default,
        })
}

fn config() -> impl Strategy<Value = (Vec<Frontend>, Vec<Backend>)> {
    prop::collection::vec(backend(), 1..5).prop_flat_map(|backends| {
        let n = backends.len();
        (prop::collection::vec(frontend(n), 1..4), Just(backends))
    })
}

/// The generated config as HAProxy text.
fn write_generated(frontends: &[Frontend], backends: &[Backend]) -> String {
    let mut out = String::from("defaults\n    mode http\n");
    for (i, f) in frontends.iter().enumerate() {
        let _ = writeln!(out, "frontend fe{i}\n    bind :{}", 8000 + i);
        for (j, (fetch, value)) in f.acls.iter().enumerate() {
            let _ = writeln!(out, "    acl a{j} {fetch} {value}");
        }
        for &(acl, be, negate) in &f.rules {
            if acl < f.acls.len() {
                let _ = writeln!(
                    out,
                    "    use_backend be{be} {} a{acl}",
                    if negate { "unless" } else { "if" }
                );
            }
        }
        if let Some(d) = f.default {
            let _ = writeln!(out, "    default_backend be{d}");
        }
    }
    for (i, b) in backends.iter().enumerate() {
        let _ = writeln!(out, "backend be{i}\n    balance {}", b.balance);
        for (j, s) in b.servers.iter().enumerate() {
            let _ = write!(out, "    server s{j} 10.0.{i}.{j}:80 weight {}", s.weight);
            if let Some(m) = s.maxconn {
                let _ = write!(out, " maxconn {m}");
            }
            for (flag, word) in [
                (s.backup, "backup"),
                (s.disabled, "disabled"),
                (s.check, "check"),
            ] {
                if flag {
                    let _ = write!(out, " {word}");
                }
            }
            out.push('\n');
        }
    }
    out
}

/// ACL definitions a condition uses, for writing them back.
fn acls(c: &Condition, out: &mut Vec<(String, String)>) {
    match c {
        Condition::Acl(name, body) => {
            if let Condition::Pred(p) = body.as_ref()
                && !out.iter().any(|(n, _)| **n == **name)
            {
                out.push((name.to_string(), p.to_string()));
            }
        }
        Condition::Not(c) => acls(c, out),
        Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| acls(c, out)),
        _ => {}
    }
}

fn condition_text(c: &Condition) -> String {
    match c {
        Condition::Acl(name, _) => name.to_string(),
        Condition::Not(c) => format!("!{}", condition_text(c)),
        Condition::And(cs) => cs.iter().map(condition_text).collect::<Vec<_>>().join(" "),
        other => panic!("the generator makes no {other:?}"),
    }
}

/// The model written back out as HAProxy text.
fn write_model(m: &Model) -> String {
    let mut out = String::from("defaults\n    mode http\n");
    for e in &m.entry_points {
        let _ = writeln!(out, "frontend {}", e.name);
        for b in &e.binds {
            let _ = writeln!(out, "    bind {}", b.address);
        }
        let mut defs = Vec::new();
        for r in &e.routes {
            acls(&r.condition, &mut defs);
        }
        for (name, pred) in defs {
            let _ = writeln!(out, "    acl {name} {pred}");
        }
        for r in &e.routes {
            let Target::Backend { name } = &r.target else {
                panic!("no other targets")
            };
            if r.condition.is_always() {
                let _ = writeln!(out, "    default_backend {name}");
            } else {
                let _ = writeln!(
                    out,
                    "    use_backend {name} if {}",
                    condition_text(&r.condition)
                );
            }
        }
    }
    for b in &m.backends {
        let _ = writeln!(
            out,
            "backend {}\n    balance {}",
            b.name,
            b.algorithm.value.kind.name()
        );
        for s in &b.servers {
            let _ = write!(
                out,
                "    server {} {} weight {}",
                s.name(),
                s.address(),
                s.weight.value
            );
            if let Some(mc) = s.maxconn.value {
                let _ = write!(out, " maxconn {mc}");
            }
            for (flag, word) in [
                (s.backup.value, "backup"),
                (s.disabled.value, "disabled"),
                (s.check.value, "check"),
            ] {
                if flag {
                    let _ = write!(out, " {word}");
                }
            }
            out.push('\n');
        }
    }
    out
}

fn lower(text: &str) -> Model {
    let mut db = SourceDb::new();
    let id = db.add("roundtrip.cfg", text.to_string());
    let (model, diags) = lbcheck::lower_haproxy(&db, &[id], &lbcheck::Options::default());
    let errors: Vec<&str> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{text}");
    model
}

/// What must survive the round trip, without spans and provenance.
fn essence(m: &Model) -> String {
    let mut out = String::new();
    for e in &m.entry_points {
        let _ = writeln!(
            out,
            "entry {} {:?}",
            e.name,
            e.binds.iter().map(|b| &b.address).collect::<Vec<_>>()
        );
        for r in &e.routes {
            let _ = writeln!(out, "  {} -> {:?}", r.condition, r.target);
        }
    }
    for b in &m.backends {
        let _ = writeln!(out, "backend {} {:?}", b.name, b.algorithm.value.kind);
        for s in &b.servers {
            let _ = writeln!(
                out,
                "  {} {} w{} m{:?} b{} d{} c{}",
                s.name(),
                s.address(),
                s.weight.value,
                s.maxconn.value,
                s.backup.value,
                s.disabled.value,
                s.check.value
            );
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn config_model_config_model_is_the_same_model((frontends, backends) in config()) {
        let first = lower(&write_generated(&frontends, &backends));
        let again = lower(&write_model(&first));
        prop_assert_eq!(essence(&first), essence(&again));
        for s in lbcheck::all_shares(&first, &Default::default()).unwrap() {
            let total: f64 = s.servers.iter().map(|x| x.share).sum();
            let usable = total > 0.0;
            prop_assert!(!usable || (total - 1.0).abs() < 1e-9, "shares sum to {}", total);
            prop_assert!(usable || s.failing_share == 1.0);
        }
    }
}
