//! The review-bot flow as a library user: check the old and the new config,
//! diff them, and print the Markdown comment a bot would post.
//!
//! cargo run --example bot -- OLD NEW

use std::path::PathBuf;

use lbcheck::check::{CheckOptions, check};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [old, new] = args.as_slice() else {
        return Err("usage: bot OLD NEW".into());
    };
    // The policy (expected traffic, thresholds) of the new config applies to both sides.
    let policy = lbcheck::policy::find(new)
        .map(|p| lbcheck::policy::load(&p))
        .transpose()
        .map_err(|e| e.diagnostic.message().to_string())?;
    let opts = CheckOptions {
        policy,
        ..Default::default()
    };
    let mut before = check(std::slice::from_ref(old), &opts, None)?;
    let mut after = check(std::slice::from_ref(new), &opts, None)?;
    let report = lbcheck::diff::diff(&mut before, &mut after);
    print!("{}", lbcheck::report::diff_markdown::render(&report));
    // A bot fails the check run when the change introduces an error.
    let introduced_errors = report
        .findings
        .introduced
        .iter()
        .filter(|d| d.is_error())
        .count();
    std::process::exit(i32::from(introduced_errors > 0));
}
