//! The HAProxy front end (lexer, parser, keyword checks, lowering) on any bytes.
#![no_main]

use lbcheck::source::SourceDb;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut db = SourceDb::new();
    let id = db.add("fuzz.cfg", String::from_utf8_lossy(data).into_owned());
    let _ = lbcheck::lower_haproxy(&db, &[id], &lbcheck::Options::default());
});
