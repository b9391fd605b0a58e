//! The `check`, `rules` and `explain` subcommands.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use rayon::prelude::*;

use crate::cli::{CheckArgs, CheckFormat, severity_override};
use crate::{EXIT_ERROR, EXIT_FINDINGS, options, print, use_color};
use lbcheck::check::{CheckOptions, CheckResult};
use lbcheck::diag::Severity;
use lbcheck::policy;
use lbcheck::report;
use lbcheck::rules::{self, DOC_HEADINGS};

/// One config's outcome, or why it could not be checked.
enum Outcome {
    Checked(Box<CheckResult>),
    Unreadable(String),
}

fn check_one(path: PathBuf, base: &CheckOptions, explicit_policy: bool) -> Outcome {
    let mut opts = base.clone();
    let mut policy_path = None;
    if !explicit_policy && let Some(found) = policy::find(&path) {
        match policy::load(&found) {
            Ok(p) => opts.policy = Some(p),
            Err(e) => {
                return Outcome::Unreadable(report::text::render(&e.db, &e.diagnostic, false));
            }
        }
        policy_path = Some(found);
    }
    match lbcheck::check::check(&[path], &opts, policy_path.as_deref()) {
        Ok(r) => Outcome::Checked(Box::new(r)),
        Err(e) => Outcome::Unreadable(format!("error: {e}")),
    }
}

pub fn check(args: CheckArgs) -> ExitCode {
    let color = use_color(args.input.color, &std::io::stdout());
    let mut severity = Vec::new();
    for s in &args.severities {
        match severity_override(s) {
            Ok(pair) => severity.push(pair),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    let mut base = CheckOptions {
        load: options(&args.input),
        haproxy_version: args.input.haproxy_version,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        severity,
        ..Default::default()
    };
    let policy_error = |e: Box<policy::PolicyError>| {
        eprintln!("{}", report::text::render(&e.db, &e.diagnostic, color));
        ExitCode::from(EXIT_ERROR)
    };
    if let Some(p) = &args.policy {
        match policy::load(p) {
            Ok(p) => base.policy = Some(p),
            Err(e) => return policy_error(e),
        }
    }
    if let Some(t) = &args.traffic {
        match policy::load_traffic(t) {
            Ok(t) => base.traffic = Some(t),
            Err(e) => return policy_error(e),
        }
    }
    let explicit = args.policy.is_some();
    let outcomes: Vec<Outcome> = args
        .input
        .paths
        .clone()
        .into_par_iter()
        .map(|p| check_one(p, &base, explicit))
        .collect();
    let mut failed = false;
    let mut findings_fail = false;
    let mut checked = Vec::new();
    let mut err = std::io::stderr().lock();
    for outcome in outcomes {
        match outcome {
            Outcome::Unreadable(message) => {
                failed = true;
                let _ = writeln!(err, "{message}");
            }
            Outcome::Checked(r) => {
                failed |= r.failed;
                findings_fail |= r.findings.iter().any(|d| args.fail_on.fails(d.severity));
                checked.push(r);
            }
        }
    }
    let out = match args.format {
        CheckFormat::Json => report::json::render(
            checked
                .iter()
                .map(|r| (&r.loaded.db, r.findings.as_slice())),
            checked.len(),
        ),
        CheckFormat::Text => text(&checked, color),
    };
    let printed = print(&out);
    if printed != ExitCode::SUCCESS || failed {
        return ExitCode::from(EXIT_ERROR);
    }
    ExitCode::from(if findings_fail { EXIT_FINDINGS } else { 0 })
}

fn text(results: &[Box<CheckResult>], color: bool) -> String {
    let mut out = String::new();
    let count = |s: Severity| {
        results
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|d| d.severity == s)
            .count()
    };
    for r in results {
        for d in &r.findings {
            out.push_str(&report::text::render(&r.loaded.db, d, color));
            out.push('\n');
        }
    }
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "lbcheck: {}, {}, {} in {}\n",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Info), "note"),
        plural(results.len(), "config"),
    ));
    if results.iter().any(|r| !r.expected.profiled) {
        out.push_str(
            "note: capacity rules LB401-LB405 need the expected traffic: add 'traffic:' to .lbcheck.yaml or pass \
             --traffic FILE (see README)\n",
        );
    }
    out
}

pub fn rules() -> ExitCode {
    let mut out = format!(
        "{:<7} {:<32} {:<9} {:<8} {}\n",
        "CODE", "NAME", "CATEGORY", "SEVERITY", "CHECKS"
    );
    for m in rules::all_meta() {
        let summary = summary(m.doc);
        out.push_str(&format!(
            "{:<7} {:<32} {:<9} {:<8} {summary}\n",
            m.code,
            m.name,
            m.category.name(),
            m.severity.as_str()
        ));
    }
    print(&out)
}

/// The first sentence of a rule's "What it checks".
fn summary(doc: &str) -> String {
    let body: String = doc
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with(DOC_HEADINGS[0]))
        .skip(1)
        .take_while(|l| !l.starts_with("##"))
        .collect::<Vec<_>>()
        .join(" ");
    let sentence = body.split(". ").next().unwrap_or(&body);
    let short = sentence
        .split(": ")
        .next()
        .unwrap_or(sentence)
        .trim()
        .trim_end_matches('.');
    format!("{short}.")
}

pub fn explain(code: &str) -> ExitCode {
    let Some(m) = rules::all_meta()
        .into_iter()
        .find(|m| m.code.eq_ignore_ascii_case(code) || m.name == code)
    else {
        eprintln!("error: no rule '{code}'; `lbcheck rules` lists them");
        return ExitCode::from(EXIT_ERROR);
    };
    let body: Vec<&str> = m
        .doc
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let out = format!(
        "{} {} ({}, {} by default)\n\n{}\n",
        m.code,
        m.name,
        m.category.name(),
        m.severity.as_str(),
        body.join("\n").trim()
    );
    print(&out)
}
