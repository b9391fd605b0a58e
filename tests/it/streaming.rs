//! Large HAProxy inputs are lowered section by section on a second thread
//! while the parser reads on: the model and diagnostics must be exactly
//! those of parsing the whole tree first and lowering it afterwards.

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
            .map(|d| format!("{:?} {}", d.primary, d.message))
            .collect();
        v.sort();
        v
    };
    assert_eq!(codes(&diags), codes(&tree_diags));
    assert!(
        diags.iter().any(|d| d.message.contains("bogus-keyword")),
        "{diags:#?}"
    );
}
