//! Large inputs are lowered on a second thread while the parser reads on
//! (HAProxy: section by section; nginx: each upstream): the model and
//! diagnostics must be exactly those of loading on one thread.

use lbcheck::source::SourceDb;

/// A config well over the size where lowering moves to its own thread,
/// with named defaults passing rules on, and a few refused lines.
fn big_config() -> String {
    let mut cfg = String::from(
        "global\n    maxconn 50000\n\ndefaults web\n    mode http\n    timeout client 5s\n    acl internal src 10.0.0.0/8\n    http-request deny if !internal\n\ndefaults pool\n    mode http\n    timeout server 5s\n    timeout connect 1s\n\n",
    );
    for f in 0..4 {
        cfg += &format!("frontend fe_{f} from web\n    bind :{}\n", 8000 + f);
        for b in (f..4000).step_by(4) {
            cfg += &format!("    use_backend be_{b} if {{ hdr(host) -i h{b}.example.com }}\n");
        }
        cfg += "    default_backend be_0\n\n";
    }
    for b in 0..4000 {
        cfg += &format!("backend be_{b} from pool\n    balance roundrobin\n");
        if b % 997 == 0 {
            cfg += "    bogus-keyword on\n";
        }
        for s in 0..3 {
            cfg += &format!(
                "    server s{s} 10.0.{}.{s}:80 weight {} maxconn {} check\n",
                b % 250,
                1 + (b + s) % 7,
                100 + s * 50
            );
        }
        cfg += "\n";
    }
    cfg
}

#[test]
fn lowering_beside_the_parser_gives_the_model_of_the_whole_tree() {
    let text = big_config();
    assert!(text.len() > 1 << 20, "{} bytes", text.len());
    let mut db = SourceDb::new();
    let id = db.add("big.cfg", text);
    let opts = lbcheck::Options::default();
    let (model, diags) = lbcheck::lower_haproxy(&db, &[id], &opts);

    let parse_opts = lbcheck::syntax::haproxy::ParseOptions {
        env: opts.env.clone(),
        version: opts.haproxy_version,
    };
    let (tree, mut tree_diags) = lbcheck::syntax::haproxy::parse(&db, &[id], &parse_opts);
    let (tree_model, lower_diags) = lbcheck::model::haproxy::lower(&tree, opts.haproxy_version);
    tree_diags.extend(lower_diags);

    assert_eq!(model.backends.len(), 4000);
    assert_eq!(format!("{model:?}"), format!("{tree_model:?}"));
    let codes = |d: &[lbcheck::diag::Diagnostic]| {
        let mut v: Vec<String> = d
            .iter()
            .map(|d| format!("{:?} {}", d.primary, d.message()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(codes(&diags), codes(&tree_diags));
    assert!(
        diags.iter().any(|d| d.message().contains("bogus-keyword")),
        "{diags:#?}"
    );
    let one_thread = lbcheck::Options {
        one_thread: true,
        ..Default::default()
    };
    let (model_one, diags_one) = lbcheck::lower_haproxy(&db, &[id], &one_thread);
    assert_eq!(format!("{model_one:?}"), format!("{model:?}"));
    assert_eq!(codes(&diags_one), codes(&diags));
}

fn messages(d: &[lbcheck::diag::Diagnostic]) -> Vec<String> {
    d.iter()
        .map(|d| format!("{:?} {}", d.primary, d.message()))
        .collect()
}

/// An nginx config well over that size, with upstreams before and after
/// the servers that use them, a duplicate, a typo inside an upstream, and a
/// `stream` block with its own namespace.
fn big_nginx_config() -> String {
    let mut cfg = String::from("events { worker_connections 1024; }\nhttp {\n");
    let upstream = |u: usize| {
        format!(
            "    upstream pool_{u} {{\n        least_conn;\n        server 10.{}.{}.1:8080 weight={} max_fails=2;\n        server 10.{}.{}.2:8080;\n        server 10.{}.{}.3:8080 backup;\n{}    }}\n",
            u / 250,
            u % 250,
            1 + u % 5,
            u / 250,
            u % 250,
            u / 250,
            u % 250,
            if u.is_multiple_of(1999) {
                "        keepaliv 8;\n"
            } else {
                ""
            }
        )
    };
    (0..3000).for_each(|u| cfg += &upstream(u));
    cfg += "    upstream pool_7 { server 10.99.0.1:80; }\n";
    for s in 0..2000 {
        cfg += &format!(
            "    server {{\n        listen {};\n        server_name s{s}.example.com;\n        location / {{ proxy_pass http://pool_{}; }}\n        location /static/ {{ proxy_pass http://10.200.{}.9:80; }}\n    }}\n",
            8000 + s % 4,
            (s * 7) % 6000,
            s % 100
        );
    }
    (3000..6000).for_each(|u| cfg += &upstream(u));
    cfg += "}\nstream {\n    upstream pool_7 { server 10.98.0.1:5432; }\n    server { listen 5432; proxy_pass pool_7; }\n}\n";
    cfg
}

#[test]
fn nginx_upstreams_lowered_beside_the_parser_give_the_one_thread_model() {
    let text = big_nginx_config();
    assert!(text.len() > 1 << 20, "{} bytes", text.len());
    let load = |opts: &lbcheck::Options| {
        let mut db = SourceDb::new();
        let id = db.add("big.conf", text.clone());
        let (model, diags) = lbcheck::lower_nginx(&mut db, &[id], opts);
        (format!("{model:?}"), messages(&diags))
    };
    let beside = load(&lbcheck::Options::default());
    let one_thread = load(&lbcheck::Options {
        one_thread: true,
        ..Default::default()
    });
    assert_eq!(beside, one_thread);
    assert!(
        beside
            .1
            .iter()
            .any(|m| m.contains("duplicate upstream \"pool_7\""))
    );
    assert!(
        beside
            .1
            .iter()
            .any(|m| m.contains("unknown directive \"keepaliv\""))
    );
}
