//! The nginx front end (lexer, tree, tables, locations, lowering) on any bytes.
#![no_main]

use lbcheck::source::SourceDb;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut db = SourceDb::new();
    let id = db.add("fuzz.conf", String::from_utf8_lossy(data).into_owned());
    let _ = lbcheck::lower_nginx(&mut db, &[id], &lbcheck::Options::default());
});
