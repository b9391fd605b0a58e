//! HAProxy on loopback: measured spreads and routes against lbcheck's.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use super::{Backends, Proxy, assert_close, free_port, get, lbcheck_model, measure, scratch};
use crate::common::{haproxy_version, real_binary};

/// A running HAProxy in front of named backend servers.
struct Lab {
    _proxy: Proxy,
    _backends: Backends,
    port: u16,
    loaded: lbcheck::Loaded,
}

/// Fills `{front}`, `{dead}` and `{NAME}` (a backend server's port) in
/// `body`, writes it under `global`/`defaults`, starts HAProxy and loads the
/// same file with lbcheck.
fn start_lab(haproxy: &PathBuf, body: &str, servers: &[&str]) -> Lab {
    let backends = Backends::start(servers);
    let port = free_port();
    let mut text = format!(
        "global\n    maxconn 1000\n\ndefaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    \
         timeout server 5s\n    default-server inter 100ms fall 1 rise 1\n\n{body}"
    );
    text = text
        .replace("{front}", &port.to_string())
        .replace("{dead}", &free_port().to_string());
    for (name, p) in servers.iter().zip(&backends.ports) {
        text = text.replace(&format!("{{{name}}}"), &p.to_string());
    }
    let dir = scratch("haproxy");
    std::fs::write(dir.join("haproxy.cfg"), &text).expect("write config");
    let mut cmd = Command::new(haproxy);
    cmd.arg("-db").arg("-f").arg(dir.join("haproxy.cfg"));
    let opts = lbcheck::Options {
        haproxy_version: haproxy_version(haproxy),
        ..Default::default()
    };
    let loaded = lbcheck_model(&dir, "haproxy.cfg", &opts);
    let proxy = Proxy::start(cmd, dir, port);
    // Let health checks (every 100 ms, one failure marks down) settle.
    std::thread::sleep(Duration::from_millis(600));
    Lab {
        _proxy: proxy,
        _backends: backends,
        port,
        loaded,
    }
}

/// The messages of `lbcheck check`'s findings of one code on the lab's config.
fn messages_of(lab: &Lab, code: &str) -> Vec<String> {
    let config = lab._proxy.dir.join("haproxy.cfg");
    let opts = lbcheck::check::CheckOptions::default();
    let result = lbcheck::check::check(&[config], &opts, None).expect("checks");
    result
        .findings
        .iter()
        .filter(|d| d.code == Some(code))
        .map(|d| d.message().to_string())
        .collect()
}

/// lbcheck's shares for one backend, by server name; `""` is the failing share.
fn predicted(lab: &Lab, backend: &str, what_if: &lbcheck::WhatIf) -> HashMap<String, f64> {
    let model = &lab.loaded.model;
    let shares = lbcheck::all_shares(model, what_if).expect("what-if resolves");
    let bi = model
        .backends
        .iter()
        .position(|b| b.name == backend)
        .expect("backend");
    let mut out: HashMap<String, f64> = model.backends[bi]
        .servers
        .iter()
        .zip(&shares[bi].servers)
        .filter(|(_, s)| !s.failing)
        .map(|(srv, s)| (srv.name().to_string(), s.share))
        .collect();
    out.insert(String::new(), shares[bi].failing_share);
    out
}

fn down(list: &[&str]) -> lbcheck::WhatIf {
    lbcheck::WhatIf {
        down: list.iter().map(|s| s.to_string()).collect(),
        concurrency: None,
    }
}

fn sequential(lab: &Lab, n: usize) -> HashMap<String, usize> {
    measure(n, |_| get(lab.port, "example.com", "/", None))
}

macro_rules! haproxy_or_skip {
    () => {
        match real_binary("haproxy") {
            Some(h) => h,
            None => return,
        }
    };
}

#[test]
fn roundrobin_equal_and_weighted() {
    let h = haproxy_or_skip!();
    let lab = start_lab(
        &h,
        "listen l\n    bind 127.0.0.1:{front}\n    balance roundrobin\n    server a 127.0.0.1:{a}\n    \
         server b 127.0.0.1:{b}\n    server c 127.0.0.1:{c}\n",
        &["a", "b", "c"],
    );
    assert_close(
        "equal roundrobin",
        &sequential(&lab, 300),
        &predicted(&lab, "l", &down(&[])),
        0.02,
    );
    let lab = lab_weights(&h);
    assert_close(
        "weights 1:2:7",
        &sequential(&lab, 500),
        &predicted(&lab, "l", &down(&[])),
        0.02,
    );
}

fn lab_weights(h: &PathBuf) -> Lab {
    start_lab(
        h,
        "listen l\n    bind 127.0.0.1:{front}\n    balance roundrobin\n    server a 127.0.0.1:{a} weight 1\n    \
         server b 127.0.0.1:{b} weight 2\n    server c 127.0.0.1:{c} weight 7\n",
        &["a", "b", "c"],
    )
}

#[test]
fn weight_zero_and_disabled_servers_take_nothing_and_backups_engage() {
    let h = haproxy_or_skip!();
    let lab = start_lab(
        &h,
        "listen l\n    bind 127.0.0.1:{front}\n    server a 127.0.0.1:{a} weight 0\n    \
         server b 127.0.0.1:{b} disabled\n    server c 127.0.0.1:{c}\n    server d 127.0.0.1:{d}\n",
        &["a", "b", "c", "d"],
    );
    assert_close(
        "weight 0 and disabled",
        &sequential(&lab, 200),
        &predicted(&lab, "l", &down(&[])),
        0.03,
    );
    let lab = start_lab(
        &h,
        "listen l\n    bind 127.0.0.1:{front}\n    server a 127.0.0.1:{a} weight 0\n    \
         server k 127.0.0.1:{k} backup\n",
        &["a", "k"],
    );
    let p = predicted(&lab, "l", &down(&[]));
    assert_eq!(
        p["k"], 1.0,
        "weight 0 leaves no primary: the backup takes over"
    );
    assert_close(
        "weight 0 engages the backup",
        &sequential(&lab, 100),
        &p,
        0.0,
    );
}

#[test]
fn a_dead_server_fails_over_only_when_checked() {
    let h = haproxy_or_skip!();
    let body = "listen l\n    bind 127.0.0.1:{front}\n    balance roundrobin\n    server a 127.0.0.1:{dead} CHECK\n    \
                server b 127.0.0.1:{b} CHECK\n    server c 127.0.0.1:{c} CHECK\n";
    let checked = start_lab(&h, &body.replace("CHECK", "check"), &["b", "c"]);
    let p = predicted(&checked, "l", &down(&["l/a"]));
    assert_eq!(p[""], 0.0);
    assert_close(
        "dead server with check",
        &sequential(&checked, 200),
        &p,
        0.03,
    );
    // `retries 0` makes each failure immediate (HAProxy waits between retries).
    let unchecked = start_lab(
        &h,
        &body
            .replace(" CHECK", "")
            .replace("roundrobin\n", "roundrobin\n    retries 0\n"),
        &["b", "c"],
    );
    let p = predicted(&unchecked, "l", &down(&["l/a"]));
    assert!(
        (p[""] - 1.0 / 3.0).abs() < 1e-9,
        "without check a third of requests fail: {p:?}"
    );
    assert_close(
        "dead server without check",
        &sequential(&unchecked, 300),
        &p,
        0.03,
    );
    // With a retry and `option redispatch`, the retry goes to another server.
    let redispatch = start_lab(
        &h,
        &body.replace(" CHECK", "").replace(
            "roundrobin\n",
            "roundrobin\n    retries 1\n    option redispatch\n    timeout connect 50ms\n",
        ),
        &["b", "c"],
    );
    let p = predicted(&redispatch, "l", &down(&["l/a"]));
    assert_eq!(p[""], 0.0, "{p:?}");
    assert_close(
        "dead server, redispatched",
        &sequential(&redispatch, 60),
        &p,
        0.1,
    );
}

#[test]
fn backups_engage_when_every_primary_is_dead() {
    let h = haproxy_or_skip!();
    let body = "listen l\n    bind 127.0.0.1:{front}\n    OPTION\n    server a 127.0.0.1:{dead} check\n    \
                server k1 127.0.0.1:{k1} check backup\n    server k2 127.0.0.1:{k2} check backup\n";
    let single = start_lab(
        &h,
        &body.replace("OPTION", "no option allbackups"),
        &["k1", "k2"],
    );
    let p = predicted(&single, "l", &down(&["l/a"]));
    assert_eq!(p["k1"], 1.0, "only the first backup: {p:?}");
    assert_close("first backup", &sequential(&single, 100), &p, 0.0);
    let all = start_lab(
        &h,
        &body.replace("OPTION", "option allbackups"),
        &["k1", "k2"],
    );
    let p = predicted(&all, "l", &down(&["l/a"]));
    assert_close("allbackups", &sequential(&all, 200), &p, 0.03);
}

#[test]
fn balance_first_fills_servers_in_order_up_to_maxconn() {
    let h = haproxy_or_skip!();
    let lab = start_lab(
        &h,
        "listen l\n    bind 127.0.0.1:{front}\n    balance first\n    server a 127.0.0.1:{a} maxconn 2\n    \
         server b 127.0.0.1:{b} maxconn 2\n    server c 127.0.0.1:{c} maxconn 2\n",
        &["a", "b", "c"],
    );
    // Five slow requests in flight at once, twenty times.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for _ in 0..20 {
        let threads: Vec<_> = (0..5)
            .map(|i| {
                let port = lab.port;
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20 * i));
                    get(port, "example.com", "/slow", None)
                })
            })
            .collect();
        for t in threads {
            *counts
                .entry(t.join().expect("client thread").unwrap_or_default())
                .or_insert(0) += 1;
        }
    }
    let what_if = lbcheck::WhatIf {
        down: Vec::new(),
        concurrency: Some(5),
    };
    assert_close(
        "balance first, 5 in flight",
        &counts,
        &predicted(&lab, "l", &what_if),
        0.05,
    );
    assert_close(
        "balance first, one at a time",
        &sequential(&lab, 50),
        &predicted(&lab, "l", &down(&[])),
        0.0,
    );
}

#[test]
fn source_hashing_over_many_clients_follows_weights() {
    let h = haproxy_or_skip!();
    let lab = start_lab(
        &h,
        "listen l\n    bind 127.0.0.1:{front}\n    balance source\n    server a 127.0.0.1:{a} weight 1\n    \
         server b 127.0.0.1:{b} weight 1\n    server c 127.0.0.1:{c} weight 2\n",
        &["a", "b", "c"],
    );
    // Map-based source hashing takes the address modulo the total weight, so
    // the clients' last octets are spread evenly, as many real clients are.
    let counts = measure(600, |i| {
        let src = Ipv4Addr::new(127, 1, (i / 250) as u8, 1 + (i % 250) as u8);
        get(lab.port, "example.com", "/", Some(src))
    });
    assert_close(
        "source hashing",
        &counts,
        &predicted(&lab, "l", &down(&[])),
        0.05,
    );
    // Clients whose addresses all end alike land on one server, as the note says.
    let counts = measure(40, |i| {
        get(
            lab.port,
            "example.com",
            "/",
            Some(Ipv4Addr::new(127, 2, i as u8, 4)),
        )
    });
    assert_eq!(counts.len(), 1, "{counts:?}");
    let shares = lbcheck::all_shares(&lab.loaded.model, &down(&[])).unwrap();
    assert!(
        shares[0].notes.iter().any(|n| n.contains("modulo")),
        "{:?}",
        shares[0].notes
    );
}

#[test]
fn leastconn_with_sequential_requests_ignores_weights() {
    let h = haproxy_or_skip!();
    let lab = start_lab(
        &h,
        "listen l\n    bind 127.0.0.1:{front}\n    balance leastconn\n    server a 127.0.0.1:{a} weight 1\n    \
         server b 127.0.0.1:{b} weight 3\n",
        &["a", "b"],
    );
    assert_close(
        "leastconn, sequential",
        &sequential(&lab, 200),
        &predicted(&lab, "l", &down(&[])),
        0.05,
    );
}

#[test]
fn consistent_hashing_over_many_paths_follows_weights() {
    let h = haproxy_or_skip!();
    let lab = start_lab(
        &h,
        "listen l\n    bind 127.0.0.1:{front}\n    balance uri\n    hash-type consistent\n    \
         server a 127.0.0.1:{a} weight 10\n    server b 127.0.0.1:{b} weight 10\n    server c 127.0.0.1:{c} weight 20\n",
        &["a", "b", "c"],
    );
    let counts = measure(800, |i| {
        get(lab.port, "example.com", &format!("/item/{i}"), None)
    });
    assert_close(
        "consistent uri hashing",
        &counts,
        &predicted(&lab, "l", &down(&[])),
        0.07,
    );
}

#[test]
fn acl_routing_matches_lbcheck_route() {
    let h = haproxy_or_skip!();
    let lab = start_lab(
        &h,
        "frontend fe\n    bind 127.0.0.1:{front}\n    acl host_api hdr(host) -i api.example.com\n    \
         acl is_img path_end .png .jpg\n    acl is_admin path_beg /admin\n    acl dom hdr_dom(host) -i internal\n    \
         acl versioned path_reg -i ^/(?!internal/)v[0-9]++/(?<=v1/|v2/)\n    \
         http-request deny if is_admin !dom\n    use_backend be_api if host_api || versioned\n    \
         use_backend be_img if is_img || { path_reg ^/media/[0-9]+$ }\n    use_backend be_internal if dom\n    \
         default_backend be_web\n\
         backend be_api\n    server be_api 127.0.0.1:{be_api}\n\
         backend be_img\n    server be_img 127.0.0.1:{be_img}\n\
         backend be_internal\n    server be_internal 127.0.0.1:{be_internal}\n\
         backend be_web\n    server be_web 127.0.0.1:{be_web}\n",
        &["be_api", "be_img", "be_internal", "be_web"],
    );
    let probes = [
        ("api.example.com", "/v1/users"),
        ("API.Example.com", "/logo.png"),
        ("www.example.com", "/logo.png"),
        ("www.example.com", "/media/42"),
        ("www.example.com", "/media/x42"),
        // PCRE2-only syntax (look-around, possessive), caseless: evaluated
        // as HAProxy evaluates it.
        ("www.example.com", "/V2/users"),
        ("www.example.com", "/v3/users"),
        ("www.example.com", "/internal/v1/x"),
        ("docs.internal.example.com", "/"),
        ("docs.internal.example.com", "/admin/x"),
        ("www.example.com", "/admin/x"),
        ("www.example.com", "/"),
    ];
    for (host, path) in probes {
        let mut req = lbcheck::route::Request::new(Some(host), path, lab.port);
        req.src = Some("127.0.0.1".parse().unwrap());
        let d = lbcheck::route::route(&lab.loaded.model, &req).expect("routes");
        assert!(d.certain, "{host}{path}: {:?}", d.unknown);
        let predicted = match d.target {
            Some(lbcheck::model::Target::Backend { name }) => name,
            other => format!("{other:?}"),
        };
        let real = get(lab.port, host, path, None).unwrap_or_else(|| "denied".to_string());
        let predicted = if predicted.contains("deny") {
            "denied".to_string()
        } else {
            predicted
        };
        assert_eq!(real, predicted, "Host: {host} {path}");
    }
}

#[test]
fn an_acl_line_after_its_first_use_still_joins_it() {
    // HAProxy resolves `is_a` when the rule is read, but the rule refers to
    // the ACL itself: the later line widens it for that rule too.
    let h = haproxy_or_skip!();
    let lab = start_lab(
        &h,
        "frontend fe\n    bind 127.0.0.1:{front}\n    acl is_a path_beg /a\n    \
         use_backend be_a if is_a\n    acl is_a path_beg /b\n    default_backend be_d\n\
         backend be_a\n    server be_a 127.0.0.1:{be_a}\n\
         backend be_d\n    server be_d 127.0.0.1:{be_d}\n",
        &["be_a", "be_d"],
    );
    for (path, expected) in [("/a", "be_a"), ("/b", "be_a"), ("/c", "be_d")] {
        let req = lbcheck::route::Request::new(Some("example.com"), path, lab.port);
        let d = lbcheck::route::route(&lab.loaded.model, &req).expect("routes");
        let predicted = match d.target {
            Some(lbcheck::model::Target::Backend { name }) => name,
            other => format!("{other:?}"),
        };
        let real = get(lab.port, "example.com", path, None);
        assert_eq!(real.as_deref(), Some(expected), "haproxy, {path}");
        assert_eq!(predicted, expected, "lbcheck, {path}");
    }
}

#[test]
fn two_frontends_split_a_shared_address_but_not_a_wildcard_and_lb107_says_so() {
    let h = haproxy_or_skip!();
    let shared = free_port();
    let answer = |name: &str| {
        format!("    http-request return status 200 content-type text/plain string {name}\n")
    };
    let body = format!(
        "frontend fe_wild\n    bind :{{front}}\n{}frontend fe_spec\n    bind 127.0.0.1:{{front}}\n{}\
         frontend fe_a\n    bind 127.0.0.1:{shared}\n{}frontend fe_b\n    bind 127.0.0.1:{shared}\n{}",
        answer("fe_wild"),
        answer("fe_spec"),
        answer("fe_a"),
        answer("fe_b"),
    );
    let lab = start_lab(&h, &body, &[]);
    // Each connection goes to one of the sockets sharing the address; the
    // more specific address always wins over the wildcard.
    let split = measure(40, |_| get(shared, "example.com", "/", None));
    assert!(
        split.get("fe_a") > Some(&0) && split.get("fe_b") > Some(&0),
        "{split:?}"
    );
    let specific = measure(20, |_| get(lab.port, "example.com", "/", None));
    assert_eq!(specific.get("fe_spec"), Some(&20), "{specific:?}");
    assert_eq!(
        messages_of(&lab, "LB107"),
        [format!("fe_a and fe_b both bind 127.0.0.1:{shared}")]
    );
}

#[test]
fn a_disabled_backend_answers_503_and_a_disabled_frontend_does_not_listen() {
    let h = haproxy_or_skip!();
    let off = free_port();
    let body = format!(
        "frontend fe\n    bind 127.0.0.1:{{front}}\n    use_backend be_off if {{ path_beg /off }}\n    \
         default_backend be_on\n\
         frontend fe_off\n    bind 127.0.0.1:{off}\n    disabled\n    default_backend be_on\n\
         backend be_on\n    server be_on 127.0.0.1:{{be_on}}\n\
         backend be_off\n    disabled\n    server be_on 127.0.0.1:{{be_on}}\n"
    );
    let lab = start_lab(&h, &body, &["be_on"]);
    let measured = measure(10, |_| get(lab.port, "example.com", "/off", None));
    assert_eq!(measured.get(""), Some(&10), "{measured:?}");
    assert_eq!(
        get(lab.port, "example.com", "/on", None).as_deref(),
        Some("be_on")
    );
    assert_eq!(get(off, "example.com", "/", None), None, "fe_off listens");
    // lbcheck: every request to be_off fails; nothing listens on fe_off's port.
    let predicted = predicted(&lab, "be_off", &lbcheck::WhatIf::default());
    assert_close("disabled backend", &measured, &predicted, 0.0);
    let req = lbcheck::route::Request::new(Some("example.com"), "/", off);
    assert!(lbcheck::route::route(&lab.loaded.model, &req).is_err());
    assert_eq!(
        messages_of(&lab, "LB201"),
        ["backend be_off receives traffic but it is disabled: HAProxy answers 503"]
    );
}
