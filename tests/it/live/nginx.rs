//! nginx on loopback: measured spreads and routes against lbcheck's.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Command;

use super::{Backends, Proxy, assert_close, free_port, get, lbcheck_model, measure, scratch};
use crate::common::real_binary;

struct Lab {
    _proxy: Proxy,
    _backends: Backends,
    port: u16,
    loaded: lbcheck::Loaded,
}

/// Fills `{front}`, `{dead}` and `{NAME}` in `http_body`, wraps it in a
/// complete nginx.conf, starts nginx in the foreground and loads the same
/// file with lbcheck.
fn start_lab(nginx: &PathBuf, http_body: &str, servers: &[&str]) -> Lab {
    let backends = Backends::start(servers);
    let port = free_port();
    let dir = scratch("nginx");
    let d = dir.display();
    let mut text = format!(
        "worker_processes 1;\nerror_log {d}/logs/error.log;\npid {d}/nginx.pid;\nevents {{\n    worker_connections 256;\n}}\n\
         http {{\n    access_log off;\n    client_body_temp_path {d}/body;\n    proxy_temp_path {d}/proxy;\n    \
         fastcgi_temp_path {d}/fastcgi;\n    uwsgi_temp_path {d}/uwsgi;\n    scgi_temp_path {d}/scgi;\n{http_body}}}\n"
    );
    text = text
        .replace("{front}", &port.to_string())
        .replace("{dead}", &free_port().to_string());
    for (name, p) in servers.iter().zip(&backends.ports) {
        text = text.replace(&format!("{{{name}}}"), &p.to_string());
    }
    std::fs::write(dir.join("nginx.conf"), &text).expect("write config");
    let loaded = lbcheck_model(&dir, "nginx.conf", &lbcheck::Options::default());
    let mut cmd = Command::new(nginx);
    cmd.arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-g")
        .arg("daemon off; master_process off;");
    let proxy = Proxy::start(cmd, dir, port);
    Lab {
        _proxy: proxy,
        _backends: backends,
        port,
        loaded,
    }
}

/// lbcheck's shares of one upstream by server address's port name, mapped
/// to the names the backends answer with.
fn predicted(
    lab: &Lab,
    upstream: &str,
    names: &[(&str, &str)],
    what_if: &lbcheck::WhatIf,
) -> HashMap<String, f64> {
    let model = &lab.loaded.model;
    let shares = lbcheck::all_shares(model, what_if).expect("what-if resolves");
    let bi = model
        .backends
        .iter()
        .position(|b| b.name == upstream)
        .expect("upstream");
    let mut out = HashMap::new();
    for (srv, s) in model.backends[bi].servers.iter().zip(&shares[bi].servers) {
        if let Some((_, name)) = names.iter().find(|(addr, _)| *srv.address() == **addr) {
            *out.entry(name.to_string()).or_insert(0.0) += s.share;
        }
    }
    out.insert(String::new(), shares[bi].failing_share);
    out
}

/// `(address, name)` pairs for the backends of a lab, for [`predicted`].
fn addresses<'n>(lab: &Lab, names: &[&'n str]) -> Vec<(String, &'n str)> {
    names
        .iter()
        .zip(&lab._backends.ports)
        .map(|(n, p)| (format!("127.0.0.1:{p}"), *n))
        .collect()
}

fn by_address<'a>(pairs: &'a [(String, &'a str)]) -> Vec<(&'a str, &'a str)> {
    pairs.iter().map(|(a, n)| (a.as_str(), *n)).collect()
}

fn none() -> lbcheck::WhatIf {
    lbcheck::WhatIf::default()
}

macro_rules! nginx_or_skip {
    () => {
        match real_binary("nginx") {
            Some(n) => n,
            None => return,
        }
    };
}

fn proxied(upstream_body: &str) -> String {
    format!(
        "    upstream u {{\n{upstream_body}    }}\n    server {{\n        listen 127.0.0.1:{{front}};\n        \
         location / {{ proxy_pass http://u; }}\n    }}\n"
    )
}

/// Sends `requests` GETs (paths from `path`) through an upstream `u` built
/// from `upstream_body` and asserts the servers' shares match lbcheck's
/// prediction within `tolerance`.
fn assert_upstream_spread(
    nginx: &PathBuf,
    label: &str,
    upstream_body: &str,
    names: &[&str],
    (requests, path): (usize, impl Fn(usize) -> String),
    tolerance: f64,
) {
    let lab = start_lab(nginx, &proxied(upstream_body), names);
    let pairs = addresses(&lab, names);
    let counts = measure(requests, |i| get(lab.port, "example.com", &path(i), None));
    assert_close(
        label,
        &counts,
        &predicted(&lab, "u", &by_address(&pairs), &none()),
        tolerance,
    );
}

#[test]
fn round_robin_equal_and_weighted() {
    let n = nginx_or_skip!();
    let names = ["a", "b", "c"];
    assert_upstream_spread(
        &n,
        "nginx equal",
        "        server 127.0.0.1:{a};\n        server 127.0.0.1:{b};\n        server 127.0.0.1:{c};\n",
        &names,
        (300, |_| "/".to_string()),
        0.02,
    );
    assert_upstream_spread(
        &n,
        "nginx weights 1:2:7",
        "        server 127.0.0.1:{a} weight=1;\n        server 127.0.0.1:{b} weight=2;\n        \
         server 127.0.0.1:{c} weight=7;\n",
        &names,
        (500, |_| "/".to_string()),
        0.02,
    );
}

#[test]
fn down_and_dead_servers_move_their_share_without_failures() {
    let n = nginx_or_skip!();
    let names = ["b", "c"];
    let lab = start_lab(
        &n,
        &proxied(
            "        server 127.0.0.1:{dead};\n        server 127.0.0.1:9 down;\n        \
             server 127.0.0.1:{b};\n        server 127.0.0.1:{c};\n",
        ),
        &names,
    );
    let pairs = addresses(&lab, &names);
    let dead = lab.loaded.model.backends[0].servers[0]
        .address()
        .to_string();
    let what_if = lbcheck::WhatIf {
        down: vec![format!("u/{dead}")],
        concurrency: None,
    };
    let p = predicted(&lab, "u", &by_address(&pairs), &what_if);
    assert_eq!(p[""], 0.0);
    let counts = measure(200, |_| get(lab.port, "example.com", "/", None));
    assert_close("nginx dead and down servers", &counts, &p, 0.03);
}

#[test]
fn backups_share_by_weight_when_primaries_are_dead() {
    let n = nginx_or_skip!();
    let names = ["k1", "k2"];
    let lab = start_lab(
        &n,
        &proxied(
            "        server 127.0.0.1:{dead};\n        server 127.0.0.1:{k1} backup;\n        \
             server 127.0.0.1:{k2} backup weight=3;\n",
        ),
        &names,
    );
    let pairs = addresses(&lab, &names);
    let dead = lab.loaded.model.backends[0].servers[0]
        .address()
        .to_string();
    let what_if = lbcheck::WhatIf {
        down: vec![format!("u/{dead}")],
        concurrency: None,
    };
    let counts = measure(200, |_| get(lab.port, "example.com", "/", None));
    assert_close(
        "nginx backups",
        &counts,
        &predicted(&lab, "u", &by_address(&pairs), &what_if),
        0.03,
    );
}

#[test]
fn ip_hash_over_many_networks_follows_weights_and_groups_a_slash_24() {
    let n = nginx_or_skip!();
    let names = ["a", "b", "c"];
    let lab = start_lab(
        &n,
        &proxied(
            "        ip_hash;\n        server 127.0.0.1:{a};\n        server 127.0.0.1:{b};\n        \
             server 127.0.0.1:{c} weight=2;\n",
        ),
        &names,
    );
    let pairs = addresses(&lab, &names);
    let counts = measure(800, |i| {
        let src = Ipv4Addr::new(127, 1 + (i / 200) as u8, (i % 200) as u8, 1);
        get(lab.port, "example.com", "/", Some(src))
    });
    assert_close(
        "ip_hash over 800 networks",
        &counts,
        &predicted(&lab, "u", &by_address(&pairs), &none()),
        0.07,
    );
    // One /24: every client lands on the same server, as the note says.
    let counts = measure(50, |i| {
        get(
            lab.port,
            "example.com",
            "/",
            Some(Ipv4Addr::new(127, 9, 9, 1 + i as u8)),
        )
    });
    assert_eq!(counts.len(), 1, "one /24 goes to one server: {counts:?}");
    assert!(
        lbcheck::all_shares(&lab.loaded.model, &none()).unwrap()[0]
            .notes
            .iter()
            .any(|n| n.contains("/24"))
    );
}

#[test]
fn least_conn_with_sequential_requests_follows_weights() {
    let n = nginx_or_skip!();
    let names = ["a", "b"];
    assert_upstream_spread(
        &n,
        "nginx least_conn",
        "        least_conn;\n        server 127.0.0.1:{a};\n        server 127.0.0.1:{b} weight=3;\n",
        &names,
        (200, |_| "/".to_string()),
        0.05,
    );
}

#[test]
fn consistent_hash_over_many_paths_follows_weights() {
    let n = nginx_or_skip!();
    let names = ["a", "b", "c"];
    assert_upstream_spread(
        &n,
        "nginx consistent hash",
        "        hash $request_uri consistent;\n        server 127.0.0.1:{a};\n        \
         server 127.0.0.1:{b};\n        server 127.0.0.1:{c} weight=2;\n",
        &names,
        (800, |i| format!("/item/{i}")),
        0.08,
    );
}

#[test]
fn split_clients_feeding_proxy_pass_splits_by_its_percentages() {
    let n = nginx_or_skip!();
    let lab = start_lab(
        &n,
        "    split_clients \"${remote_addr}\" $pool {\n        20% canary;\n        * stable;\n    }\n    \
         upstream canary { server 127.0.0.1:{canary}; }\n    upstream stable { server 127.0.0.1:{stable}; }\n    \
         server {\n        listen 127.0.0.1:{front};\n        location / { proxy_pass http://$pool; }\n    }\n",
        &["canary", "stable"],
    );
    let req = lbcheck::route::Request::new(Some("example.com"), "/", lab.port);
    let d = lbcheck::route::route(&lab.loaded.model, &req).expect("routes");
    let Some(lbcheck::model::Target::Dynamic { candidates, .. }) = d.target else {
        panic!("a variable target: {:?}", d.target);
    };
    let predicted: HashMap<String, f64> = candidates
        .iter()
        .map(|c| (c.backend.clone(), c.share.unwrap_or(0.0)))
        .collect();
    let counts = measure(1000, |i| {
        let src = Ipv4Addr::new(127, 1 + (i / 250) as u8, (i % 250) as u8, 1 + (i % 5) as u8);
        get(lab.port, "example.com", "/", Some(src))
    });
    assert_close("split_clients 20/80", &counts, &predicted, 0.05);
}

#[test]
fn server_name_and_location_routing_matches_lbcheck_route() {
    let n = nginx_or_skip!();
    let names = [
        "exact", "static", "images", "api", "admin", "root", "wild", "regex",
    ];
    let lab = start_lab(
        &n,
        "    server {\n        listen 127.0.0.1:{front} default_server;\n        server_name www.example.com;\n        \
         location = /exact { proxy_pass http://127.0.0.1:{exact}; }\n        \
         location ^~ /static/ { proxy_pass http://127.0.0.1:{static}; }\n        \
         location ~* \\.(png|jpg)$ { proxy_pass http://127.0.0.1:{images}; }\n        \
         location /api/ { proxy_pass http://127.0.0.1:{api};\n            location /api/admin/ { proxy_pass http://127.0.0.1:{admin}; }\n        }\n        \
         location / { proxy_pass http://127.0.0.1:{root}; }\n    }\n    \
         server {\n        listen 127.0.0.1:{front};\n        server_name *.example.org;\n        \
         location / { proxy_pass http://127.0.0.1:{wild}; }\n    }\n    \
         server {\n        listen 127.0.0.1:{front};\n        server_name ~^api[0-9]+\\.example\\.net$;\n        \
         location / { proxy_pass http://127.0.0.1:{regex}; }\n    }\n",
        &names,
    );
    let probes = [
        ("www.example.com", "/exact"),
        ("www.example.com", "/exact/more"),
        ("www.example.com", "/static/logo.png"),
        ("www.example.com", "/img/logo.PNG"),
        ("www.example.com", "/api/v1"),
        ("www.example.com", "/api/admin/users"),
        ("www.example.com", "/api/../static/x"),
        ("www.example.com", "//api//v1"),
        ("shop.example.org", "/anything"),
        ("api12.example.net", "/x"),
        ("unknown.example.com", "/api/v1"),
    ];
    assert_routed_as_nginx_routes(&lab, &names, &probes);
}

/// Routes each `(host, path)` probe with lbcheck and through the lab's
/// nginx, whose backends answer with their names: the two must agree, and
/// lbcheck must be certain.
fn assert_routed_as_nginx_routes(lab: &Lab, names: &[&str], probes: &[(&str, &str)]) {
    let port_name: HashMap<String, &str> = names
        .iter()
        .zip(&lab._backends.ports)
        .map(|(n, p)| (format!("127.0.0.1:{p}"), *n))
        .collect();
    for &(host, path) in probes {
        let req = lbcheck::route::Request::new(Some(host), path, lab.port);
        let d = lbcheck::route::route(&lab.loaded.model, &req).expect("routes");
        assert!(d.certain, "{host}{path}: {:?}", d.unknown);
        let predicted = match &d.target {
            Some(lbcheck::model::Target::Backend { name }) => {
                port_name.get(name).copied().unwrap_or("?")
            }
            other => panic!("{host}{path}: {other:?}"),
        };
        let real = get(lab.port, host, path, None).unwrap_or_default();
        assert_eq!(real, predicted, "Host: {host} {path}");
    }
}

/// Regex locations only PCRE2 reads (look-around,
/// possessive quantifiers): lbcheck evaluates them with PCRE2, as nginx
/// does, and routes each probe where nginx sends it.
#[test]
fn pcre_only_regex_locations_route_as_nginx_routes_them() {
    let n = nginx_or_skip!();
    let names = ["hidden", "versioned", "root"];
    let lab = start_lab(
        &n,
        "    server {\n        listen 127.0.0.1:{front} default_server;\n        \
         location ~* /\\.(?!well-known/) { proxy_pass http://127.0.0.1:{hidden}; }\n        \
         location ~ ^/(?!internal/)v[0-9]++/(?<=v1/|v2/) { proxy_pass http://127.0.0.1:{versioned}; }\n        \
         location / { proxy_pass http://127.0.0.1:{root}; }\n    }\n",
        &names,
    );
    let probes = [
        "/.git/config",
        "/.well-known/acme-challenge/x",
        "/a/.ENV",
        "/v1/users",
        "/v2/users",
        "/v3/users",
        "/internal/v1/x",
        "/",
    ];
    let probes = probes.map(|path| ("example.com", path));
    assert_routed_as_nginx_routes(&lab, &names, &probes);
}
