//! The HAProxy front end (lexer, parser, keyword checks, lowering) on any
//! bytes; and, as a differential check, reading them cut into chunks on two
//! threads must give what reading them in one pass gives.
#![no_main]

use lbcheck::source::SourceDb;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let chunks = 2 + data.len() % 5;
    if let Some((chunked, in_order)) =
        lbcheck::haproxy_loading_orders_differ(&[("fuzz.cfg", &text)], chunks)
    {
        panic!("chunked reading differs:\n{chunked}\n--- in one pass:\n{in_order}");
    }
    let mut db = SourceDb::new();
    let id = db.add("fuzz.cfg", text);
    let _ = lbcheck::lower_haproxy(&db, &[id], &lbcheck::Options::default());
});
