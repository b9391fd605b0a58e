//! Property tests: no input makes the HAProxy front end panic, and quoting
//! any words then reading them back gives the same words.

use proptest::prelude::*;

use lbcheck::source::SourceDb;
use lbcheck::syntax::haproxy::lexer::{Env, lex_line, quote_word};

/// Renders every diagnostic and the model (none of it may panic) and checks
/// that each backend's shares sum to 1 over the servers that take traffic.
fn exercise(db: &SourceDb, model: &lbcheck::model::Model, diags: &[lbcheck::diag::Diagnostic]) {
    for d in diags {
        let _ = lbcheck::report::text::render(db, d, false);
    }
    let shares = lbcheck::all_shares(model, &Default::default()).expect("no what-if");
    for s in &shares {
        let total: f64 = s.servers.iter().map(|s| s.share).sum();
        assert!(
            total.abs() < 1e-9 || (total - 1.0).abs() < 1e-9,
            "shares sum to {total}"
        );
    }
    let _ = lbcheck::report::model_json::render(db, model, &shares);
    let _ = lbcheck::report::model_text::render(db, model, &shares);
}

fn load_text(text: String) {
    let mut db = SourceDb::new();
    let id = db.add("prop.cfg", text);
    let (model, diags) = lbcheck::lower_haproxy(&db, &[id], &lbcheck::Options::default());
    exercise(&db, &model, &diags);
}

/// Lines that look like HAProxy config, to reach deep into the parser.
fn config_line() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "global",
        "defaults",
        "frontend",
        "backend",
        "listen",
        "fe",
        "be",
        "server",
        "s1",
        "10.0.0.1:80",
        "weight",
        "300",
        "0",
        "maxconn",
        "use_backend",
        "default_backend",
        "if",
        "unless",
        "!",
        "||",
        "{",
        "}",
        "acl",
        "path_beg",
        "/api",
        "-i",
        "-m",
        "beg",
        "bind",
        ":80",
        "balance",
        "first",
        "hdr(host)",
        "server-template",
        "1-3",
        "default-server",
        "check",
        "backup",
        "disabled",
        "option",
        "allbackups",
        ".if",
        ".elif",
        ".else",
        ".endif",
        "defined(X)",
        "\"${X}\"",
        "'q'",
        "\"a b\"",
        "\\x4",
        "#",
        "http-request",
        "deny",
        "from",
        "mode",
        "http",
        "tcp",
        "%[req.hdr(x)]",
    ]);
    prop::collection::vec(words, 0..8).prop_map(|w| w.join(" "))
}

fn load_nginx_text(text: String) {
    let mut db = SourceDb::new();
    let id = db.add("prop.conf", text);
    let (model, diags) = lbcheck::lower_nginx(&mut db, &[id], &lbcheck::Options::default());
    exercise(&db, &model, &diags);
}

fn nginx_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "http {",
        "server {",
        "upstream u {",
        "location / {",
        "location = /x {",
        "location ~ \\.php$ {",
        "location ^~ /s/ {",
        "}",
        "listen 80;",
        "server 10.0.0.1 weight=0;",
        "server 10.0.0.2 backup;",
        "ip_hash;",
        "hash $uri consistent;",
        "proxy_pass http://u;",
        "proxy_pass http://$v;",
        "proxy_pass http://u:80;",
        "map $a $v { default u; x y; }",
        "split_clients $a $v { 60% u; 50% w; * z; }",
        "return 200;",
        "rewrite ^ http://x redirect;",
        "\"q\"",
        "'s'",
        "# c\n",
        ";",
        "{",
        "include x;",
        "content_by_lua_block { local s = \"}\" }",
        "if ($a) {",
        "events {",
        "worker_processes auto;",
        "stream {",
        "server_name a b;",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        load_text(text);
    }

    #[test]
    fn arbitrary_bytes_as_text_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        load_text(String::from_utf8_lossy(&bytes).into_owned());
    }

    #[test]
    fn config_like_lines_never_panic(lines in prop::collection::vec(config_line(), 0..40)) {
        load_text(lines.join("\n") + "\n");
    }

    #[test]
    fn quoting_words_round_trips(words in prop::collection::vec("\\PC{0,12}|[ '\"#$\\\\\t]{1,4}", 1..10)) {
        let line: Vec<String> = words.iter().map(|w| quote_word(w)).collect();
        let line = line.join(" ");
        let back = lex_line(&line, 0, 1, "prop.cfg", &Env::Unresolved).expect("quoted words lex");
        let back: Vec<String> = back.into_iter().map(|w| w.text.into_owned()).collect();
        prop_assert_eq!(back, words);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn nginx_arbitrary_text_never_panics(text in "\\PC{0,400}") {
        load_nginx_text(text);
    }

    #[test]
    fn nginx_config_like_text_never_panics(pieces in prop::collection::vec(nginx_piece(), 0..60)) {
        load_nginx_text(pieces.join(" "));
    }
}

#[test]
fn ten_thousand_nested_blocks_are_an_error_not_a_crash() {
    let mut db = SourceDb::new();
    let id = db.add(
        "deep.conf",
        "location / {".repeat(10_000) + &"}".repeat(10_000),
    );
    let (_, diags) = lbcheck::lower_nginx(&mut db, &[id], &lbcheck::Options::default());
    assert!(
        diags
            .iter()
            .any(|d| d.is_error() && d.message().contains("nested more than")),
        "{diags:#?}"
    );
}
