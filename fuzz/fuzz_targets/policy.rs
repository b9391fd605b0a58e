//! Any bytes as a policy file: parsed and checked (codes, versions,
//! thresholds), and its traffic names matched against a small config's,
//! each unmatched one placed in the text.
#![no_main]

use std::path::Path;

use lbcheck::source::SourceDb;
use libfuzzer_sys::fuzz_target;

const CONFIG: &str = "frontend fe_public\n    bind :80\n    default_backend be_api\n\
                      backend be_api\n    server a 10.0.0.1:80\nbackend be_static\n    server s 10.0.0.2:80\n";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let Ok(policy) = lbcheck::policy::from_text(Path::new("p.yaml"), text) else {
        return;
    };
    let Some(traffic) = &policy.traffic else {
        return;
    };
    let mut db = SourceDb::new();
    let id = db.add("fuzz.cfg", CONFIG.to_string());
    let (model, _) = lbcheck::lower_haproxy(&db, &[id], &lbcheck::Options::default());
    let _ = lbcheck::expected::compute(&model, Some(traffic));
    for unmatched in lbcheck::traffic_names::unmatched(&model, traffic) {
        assert!(
            model.backends.iter().any(|b| b.name == unmatched.nearest)
                || model
                    .entry_points
                    .iter()
                    .any(|e| e.name == unmatched.nearest)
        );
    }
});
