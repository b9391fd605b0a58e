//! The HAProxy front end (lexer, parser, keyword checks, lowering) on any
//! bytes, with `${VAR}` references kept as written and resolved (as
//! `--env` does), which the lexer does on different paths.
#![no_main]

use lbcheck::source::SourceDb;
use lbcheck::syntax::haproxy::lexer::Env;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut db = SourceDb::new();
    let id = db.add("fuzz.cfg", String::from_utf8_lossy(data).into_owned());
    let _ = lbcheck::lower_haproxy(&db, &[id], &lbcheck::Options::default());
    let values = [("A", "x"), ("PORT", "80"), ("E", "")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    let resolved = lbcheck::Options {
        env: Env::Values(values),
        ..Default::default()
    };
    let _ = lbcheck::lower_haproxy(&db, &[id], &resolved);
});
