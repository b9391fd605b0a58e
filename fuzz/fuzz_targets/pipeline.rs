//! The whole pipeline on any bytes: both formats, every rule, shares, routes,
//! a diff against the same input cut in half, and every output format.
#![no_main]

use lbcheck::check::CheckResult;
use lbcheck::source::SourceDb;
use libfuzzer_sys::fuzz_target;

fn checked(text: String, nginx: bool) -> CheckResult {
    let mut db = SourceDb::new();
    let id = db.add(if nginx { "fuzz.conf" } else { "fuzz.cfg" }, text);
    let opts = lbcheck::Options::default();
    let (model, diagnostics) = if nginx {
        lbcheck::lower_nginx(&mut db, &[id], &opts)
    } else {
        lbcheck::lower_haproxy(&db, &[id], &opts)
    };
    let shares = lbcheck::all_shares(&model, &Default::default()).unwrap_or_default();
    let policy = lbcheck::policy::Policy::default();
    let expected = lbcheck::expected::compute(&model, None);
    let cx = lbcheck::rules::Context::new(&model, &shares, &policy, &expected);
    let mut findings = diagnostics.clone();
    lbcheck::rules::run(&cx, |_| true, &mut findings);
    let findings = lbcheck::suppress::apply(&db, findings);
    CheckResult {
        loaded: lbcheck::Loaded {
            db,
            model,
            diagnostics,
        },
        findings,
        failed: false,
        expected,
        shares,
        policy_path: None,
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    for nginx in [false, true] {
        let mut full = checked(text.clone(), nginx);
        let mut half = checked(text.chars().take(text.chars().count() / 2).collect(), nginx);
        let set = [lbcheck::report::findings::FindingSet {
            db: &full.loaded.db,
            findings: &full.findings,
        }];
        let _ = lbcheck::report::sarif::write(&mut std::io::sink(), &set);
        let _ = lbcheck::report::github::write(&mut std::io::sink(), &set);
        let _ = lbcheck::report::gitlab::write(&mut std::io::sink(), &set);
        let _ = lbcheck::report::junit::render(&set, &[]);
        let _ = lbcheck::report::markdown::render(&set);
        let (db, model) = (&full.loaded.db, &full.loaded.model);
        let _ = lbcheck::report::model_json::write(&mut std::io::sink(), db, model, &full.shares);
        let _ = lbcheck::report::model_text::render(db, model, &full.shares);
        let _ = lbcheck::report::model_dot::render(model);
        let report = lbcheck::diff::diff(&mut half, &mut full);
        let _ = lbcheck::report::diff_markdown::render(&report);
        let req = lbcheck::route::Request::new(Some("example.com"), "/a/../b", 80);
        let _ = lbcheck::route::route(&full.loaded.model, &req);
        // Without its text, the config must place every finding alike.
        let placed = |r: &CheckResult| {
            let mut out = Vec::new();
            let found = std::iter::once((&r.loaded.db, &r.findings[..]));
            let _ = lbcheck::report::json::write(&mut out, found, 1);
            out
        };
        let before = placed(&full);
        full.loaded.db.release_text();
        assert!(
            placed(&full) == before,
            "findings moved when the text was let go"
        );
    }
});
