//! The nginx front end (lexer, tree, tables, locations, lowering) on any
//! bytes; and, as a differential check, loading with the upstreams lowered
//! beside the parser and the servers in halves must give what loading in
//! order gives.
#![no_main]

use lbcheck::source::SourceDb;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    if let Some((concurrent, in_order)) = lbcheck::nginx_loading_orders_differ(&text) {
        panic!("concurrent loading differs:\n{concurrent}\n--- in order:\n{in_order}");
    }
    let mut db = SourceDb::new();
    let id = db.add("fuzz.conf", text);
    let _ = lbcheck::lower_nginx(&mut db, &[id], &lbcheck::Options::default());
});
