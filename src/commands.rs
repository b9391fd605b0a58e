//! The `check`, `rules` and `explain` subcommands.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use rayon::prelude::*;

use crate::cli::{CheckArgs, CheckFormat, DiffArgs, DiffFormat, severity_override};
use crate::{EXIT_ERROR, EXIT_FINDINGS, options, print, print_with, use_color};
use lbcheck::check::{CheckOptions, CheckResult};
use lbcheck::diag::Severity;
use lbcheck::policy;
use lbcheck::report;
use lbcheck::rules;
use lbcheck::traffic_names;

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
    let patterns = (args.select.iter().map(|p| ("--select", p, true)))
        .chain(args.ignore.iter().map(|p| ("--ignore", p, true)))
        .chain(severity.iter().map(|(code, _)| ("--severity", code, false)));
    for (flag, pattern, prefix) in patterns {
        if let Some(message) = rules::unknown_code(pattern, prefix) {
            eprintln!("error: {flag}: {message}");
            return ExitCode::from(EXIT_ERROR);
        }
    }
    let total = args.input.paths.len();
    let mut base = CheckOptions {
        load: lbcheck::Options {
            // Configs are checked side by side: one thread each.
            one_thread: total > 1,
            ..options(&args.input)
        },
        haproxy_version: args.input.haproxy_version,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        severity,
        release_text: args.format != CheckFormat::Text,
        return_freed_memory: Some(crate::return_freed_memory),
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
    // Progress for long runs, on a terminal only.
    let progress = total > 1 && std::io::stderr().is_terminal();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let outcomes: Vec<Outcome> = args
        .input
        .paths
        .clone()
        .into_par_iter()
        .map(|p| {
            let outcome = check_one(p, &base, explicit);
            if progress {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                eprint!("\rlbcheck: checked {n}/{total} configs");
            }
            outcome
        })
        .collect();
    if progress {
        eprintln!();
    }
    let mut failed = false;
    let mut findings_fail = false;
    let mut checked: Vec<Box<CheckResult>> = Vec::new();
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
    if let Some(path) = &args.baseline {
        let baseline: report::findings::Baseline = match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: baseline {}: {e}", path.display());
                return ExitCode::from(EXIT_ERROR);
            }
        };
        let accepted = baseline.fingerprints();
        for r in &mut checked {
            let db = &r.loaded.db;
            r.findings
                .retain(|d| d.code.is_none() || !accepted.contains(db, d));
        }
        findings_fail = checked
            .iter()
            .flat_map(|r| &r.findings)
            .any(|d| args.fail_on.fails(d.severity));
    }
    let sets: Vec<report::findings::FindingSet> = checked
        .iter()
        .map(|r| report::findings::FindingSet {
            db: &r.loaded.db,
            findings: &r.findings,
        })
        .collect();
    if let Some(path) = &args.write_baseline {
        let baseline = report::findings::Baseline::from_sets(&sets);
        let written = std::fs::File::create(path).and_then(|file| {
            let mut file = std::io::BufWriter::new(file);
            serde_json::to_writer_pretty(&mut file, &baseline)?;
            file.write_all(b"\n")?;
            file.flush()
        });
        if let Err(e) = written {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(EXIT_ERROR);
        }
    }
    let files: Vec<String> = checked
        .iter()
        .flat_map(|r| {
            r.loaded
                .db
                .files()
                .map(|(_, f)| f.path.display().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let printed = match args.format {
        CheckFormat::Json => print_with(|w| {
            report::json::write(w, sets.iter().map(|s| (s.db, s.findings)), checked.len())
        }),
        CheckFormat::Text => print_with(|w| write_text(w, &checked, color)),
        CheckFormat::Sarif => print_with(|w| report::sarif::write(w, &sets)),
        CheckFormat::Github => print_with(|w| report::github::write(w, &sets)),
        CheckFormat::Markdown => print(&report::markdown::render(&sets)),
        CheckFormat::Junit => print(&report::junit::render(&sets, &files)),
        CheckFormat::Gitlab => print_with(|w| report::gitlab::write(w, &sets)),
    };
    // The process ends here: freeing a large config's model piece by piece
    // would only cost time, so leave it to the exit.
    drop(sets);
    std::mem::forget(checked);
    if printed != ExitCode::SUCCESS || failed {
        return ExitCode::from(EXIT_ERROR);
    }
    ExitCode::from(if findings_fail { EXIT_FINDINGS } else { 0 })
}

/// The text report: every finding as a snippet, then the totals.
fn write_text(
    w: &mut impl Write,
    results: &[Box<CheckResult>],
    color: bool,
) -> std::io::Result<()> {
    let count = |s: Severity| {
        results
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|d| d.severity == s)
            .count()
    };
    let findings: Vec<_> = results
        .iter()
        .flat_map(|r| r.findings.iter().map(|d| (&r.loaded.db, d)))
        .collect();
    report::stream::write_rendered(w, &findings, |_, (db, d), out| {
        out.extend_from_slice(report::text::render(db, d, color).as_bytes());
        out.push(b'\n');
    })?;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    writeln!(
        w,
        "lbcheck: {}, {}, {} in {}",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Info), "note"),
        plural(results.len(), "config"),
    )?;
    if results.iter().any(|r| !r.expected.profiled) {
        w.write_all(
            b"note: capacity rules LB401-LB405 need the expected traffic: add 'traffic:' to .lbcheck.yaml or pass \
             --traffic FILE (see README)\n",
        )?;
    }
    Ok(())
}

pub fn rules() -> ExitCode {
    let mut out = format!(
        "{:<7} {:<32} {:<9} {:<8} {}\n",
        "CODE", "NAME", "CATEGORY", "SEVERITY", "CHECKS"
    );
    for m in rules::all_meta() {
        let mut summary = rules::summary(m.doc);
        if summary.chars().count() > 90 {
            summary = summary.chars().take(89).collect::<String>() + "…";
        }
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

pub fn explain(code: &str) -> ExitCode {
    let Some(m) = rules::all_meta()
        .iter()
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

/// The policy for a run: `--policy`, else the nearest `.lbcheck.yaml` above
/// `near`; `--traffic` replaces its traffic.
fn run_policy(
    explicit: Option<&PathBuf>,
    traffic: Option<&PathBuf>,
    near: &std::path::Path,
    color: bool,
) -> Result<(Option<policy::Policy>, Option<policy::TrafficProfile>), ExitCode> {
    let report = |e: Box<policy::PolicyError>| {
        eprintln!("{}", report::text::render(&e.db, &e.diagnostic, color));
        ExitCode::from(EXIT_ERROR)
    };
    let path = explicit.cloned().or_else(|| policy::find(near));
    let policy = match path {
        Some(p) => Some(policy::load(&p).map_err(report)?),
        None => None,
    };
    let traffic = match traffic {
        Some(t) => Some(policy::load_traffic(t).map_err(report)?),
        None => None,
    };
    Ok((policy, traffic))
}

/// Why one side of a diff cannot be compared.
enum Unusable {
    Load(lbcheck::error::LoadError),
    /// It has syntax errors (shown from its findings).
    Syntax(Box<CheckResult>),
}

pub fn diff(args: DiffArgs) -> ExitCode {
    let color = use_color(args.input.color, &std::io::stderr());
    let paths = &args.input.paths;
    let snapshot;
    let (old_paths, new_paths): (Vec<PathBuf>, Vec<PathBuf>) = match &args.base {
        Some(rev) => {
            snapshot = match lbcheck::diff::git::snapshot(&paths[0], rev) {
                Ok(s) => s,
                Err(message) => {
                    eprintln!("error: {message}");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let mut old = Vec::new();
            for p in paths {
                match snapshot.map(p) {
                    Ok(o) => old.push(o),
                    Err(message) => {
                        eprintln!("error: {message}");
                        return ExitCode::from(EXIT_ERROR);
                    }
                }
            }
            (old, paths.clone())
        }
        None if paths.len() == 2 => (vec![paths[0].clone()], vec![paths[1].clone()]),
        None => {
            eprintln!("error: diff takes OLD and NEW, or --base REV and the config's path(s)");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let (policy, traffic) = match run_policy(
        args.policy.as_ref(),
        args.traffic.as_ref(),
        &new_paths[0],
        color,
    ) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let opts = CheckOptions {
        load: lbcheck::Options {
            // The two sides load side by side: one thread each.
            one_thread: true,
            ..options(&args.input)
        },
        haproxy_version: args.input.haproxy_version,
        policy,
        traffic,
        // No diff report quotes the configs: places are lines and columns.
        release_text: true,
        // Not handed back: the two sides load side by side, and memory one
        // returns the other asks for again at once (+8% time, -9 MiB).
        ..Default::default()
    };
    // Checks one side; a failure is told (with the exit status) by `fail`,
    // so that a side loaded twice is not reported twice.
    let run =
        |paths: &[PathBuf], opts: &CheckOptions| match lbcheck::check::check(paths, opts, None) {
            Err(e) => Err(Unusable::Load(e)),
            Ok(r) if r.failed => Err(Unusable::Syntax(Box::new(r))),
            Ok(r) => Ok(r),
        };
    let fail = |why: Unusable| -> ExitCode {
        match why {
            Unusable::Load(e) => eprintln!("error: {e}"),
            Unusable::Syntax(r) => {
                for d in r
                    .findings
                    .iter()
                    .filter(|d| d.is_error() && d.code.is_none())
                {
                    eprintln!("{}", report::text::render(&r.loaded.db, d, color));
                }
            }
        }
        ExitCode::from(EXIT_ERROR)
    };
    // The old side may not exist yet at the base revision: compare with nothing.
    let missing = old_paths.iter().all(|p| !p.exists()) && args.base.is_some();
    // Both sides load at once; the old one is read in the new one's format.
    let (new, old) = if missing {
        (run(&new_paths, &opts), None)
    } else {
        let (new, old) = rayon::join(|| run(&new_paths, &opts), || run(&old_paths, &opts));
        (new, Some(old))
    };
    let mut new = match new {
        Ok(r) => r,
        Err(failure) => return fail(failure),
    };
    let mut old = match old {
        None => {
            let mut db = lbcheck::source::SourceDb::new();
            let id = db.add(old_paths[0].clone(), String::new());
            let empty = match new.loaded.model.format {
                lbcheck::model::SourceFormat::Haproxy => {
                    lbcheck::lower_haproxy(&db, &[id], &opts.load)
                }
                lbcheck::model::SourceFormat::Nginx => {
                    lbcheck::lower_nginx(&mut db, &[id], &opts.load)
                }
            };
            CheckResult {
                loaded: lbcheck::Loaded {
                    db,
                    model: empty.0,
                    diagnostics: Vec::new(),
                },
                findings: Vec::new(),
                failed: false,
                expected: Default::default(),
                shares: Vec::new(),
                policy_path: None,
            }
        }
        Some(Ok(old)) if old.loaded.model.format == new.loaded.model.format => old,
        Some(Err(Unusable::Syntax(old))) if old.loaded.model.format == new.loaded.model.format => {
            return fail(Unusable::Syntax(old));
        }
        // Read in another format, or its format could not be told: again,
        // in the new side's.
        Some(_) => {
            let mut old_opts = opts.clone();
            old_opts.load.format = Some(match new.loaded.model.format {
                lbcheck::model::SourceFormat::Haproxy => lbcheck::detect::InputFormat::Haproxy,
                lbcheck::model::SourceFormat::Nginx => lbcheck::detect::InputFormat::Nginx,
            });
            match run(&old_paths, &old_opts) {
                Ok(r) => r,
                Err(failure) => return fail(failure),
            }
        }
    };
    // A name of the expected traffic that only the old config defined was
    // renamed or removed: seen only with both sides.
    if let Some(profile) = opts.profile() {
        let (db, model) = (&mut new.loaded.db, &new.loaded.model);
        let lost = traffic_names::renamed(db, &old.loaded.model, model, profile, &new.findings);
        new.add_findings(&opts, lost);
    }
    let report = lbcheck::diff::diff(&mut old, &mut new);
    let name = |p: &[PathBuf]| {
        p.iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let old_name = match &args.base {
        Some(rev) => format!("{} at {rev}", name(&new_paths)),
        None => name(&old_paths),
    };
    let introduced = [report::findings::FindingSet {
        db: &new.loaded.db,
        findings: &report.findings.introduced,
    }];
    let files: Vec<String> = new
        .loaded
        .db
        .files()
        .map(|(_, f)| f.path.display().to_string())
        .collect();
    let printed = match args.format {
        DiffFormat::Text => print(&report::diff_text::render(
            &report,
            &old_name,
            &name(&new_paths),
        )),
        DiffFormat::Json => {
            print_with(|w| report::diff_json::write(w, &report, &old.loaded.db, &new.loaded.db))
        }
        DiffFormat::Markdown => print(&report::diff_markdown::render(&report)),
        DiffFormat::Sarif => print_with(|w| {
            report::sarif::write_diff(
                w,
                introduced[0],
                &report.findings.unchanged,
                report::findings::FindingSet {
                    db: &old.loaded.db,
                    findings: &report.findings.fixed,
                },
            )
        }),
        DiffFormat::Github => print_with(|w| report::github::write(w, &introduced)),
        DiffFormat::Junit => print(&report::junit::render(&introduced, &files)),
        DiffFormat::Gitlab => print_with(|w| report::gitlab::write(w, &introduced)),
    };
    let fails = report
        .findings
        .introduced
        .iter()
        .any(|d| args.fail_on.fails(d.severity));
    // As in `check`: the exit frees both configs faster than their drops.
    std::mem::forget((old, new, report));
    if printed != ExitCode::SUCCESS {
        return ExitCode::from(EXIT_ERROR);
    }
    ExitCode::from(if fails { EXIT_FINDINGS } else { 0 })
}
