//! `lbcheck check`: load a config, run every rule, apply suppressions and the
//! policy's selection, and say what the exit status should be.

use std::path::{Path, PathBuf};

use crate::diag::{self, Diagnostic, Severity};
use crate::error::LoadError;
use crate::expected::{self, ExpectedLoad};
use crate::policy::{Level, Policy, TrafficProfile};
use crate::rules::{self, Context};
use crate::suppress::Suppressions;
use crate::traffic::Shares;
use crate::version::Version;
use crate::{Loaded, Options, WhatIf};

/// How to check.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub load: Options,
    /// Target HAProxy version given on the command line (wins over the policy).
    pub haproxy_version: Option<Version>,
    /// The policy in force (`--policy`, or `.lbcheck.yaml` found upward).
    pub policy: Option<Policy>,
    /// `--traffic`: replaces the policy's `traffic:`.
    pub traffic: Option<TrafficProfile>,
    /// `--select` / `--ignore` (added to the policy's).
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// `--severity CODE=LEVEL` (over the policy's).
    pub severity: Vec<(String, Level)>,
    /// The report shows no snippets: the configs' text may be let go once
    /// the model is made ([`crate::source::SourceDb::release_text`]).
    pub release_text: bool,
    /// Called once the text is let go, before the rules whose findings
    /// make the run's peak: the binary hands the memory freed so far back
    /// to the system (the library does not know the allocator).
    pub return_freed_memory: Option<fn()>,
}

impl CheckOptions {
    /// The expected traffic in force: `--traffic`, else the policy's.
    pub fn profile(&self) -> Option<&TrafficProfile> {
        let policy = self.policy.as_ref().and_then(|p| p.traffic.as_ref());
        self.traffic.as_ref().or(policy)
    }
}

/// The outcome for one config.
#[derive(Debug)]
pub struct CheckResult {
    pub loaded: Loaded,
    /// Findings, suppressions applied, in the stable order.
    pub findings: Vec<Diagnostic>,
    /// The config could not be parsed: exit status 2.
    pub failed: bool,
    pub expected: ExpectedLoad,
    /// Traffic shares per backend (model order) with every server up; empty
    /// when the config could not be parsed.
    pub shares: Vec<Shares>,
    /// Where the policy came from, if anywhere.
    pub policy_path: Option<PathBuf>,
}

fn matches(code: &str, patterns: &[&String]) -> bool {
    patterns.iter().any(|p| code.starts_with(p.as_str()))
}

/// A code runs when selected (all are, by default) and not ignored.
fn wanted(code: &str, select: &[&String], ignore: &[&String]) -> bool {
    (select.is_empty() || matches(code, select)) && !matches(code, ignore)
}

/// Loads and checks one config (files or a directory read as one).
pub fn check(
    paths: &[PathBuf],
    opts: &CheckOptions,
    policy_path: Option<&Path>,
) -> Result<CheckResult, LoadError> {
    let policy = opts.policy.clone().unwrap_or_default();
    let mut load = opts.load.clone();
    load.haproxy_version = opts
        .haproxy_version
        .or_else(|| {
            policy
                .versions
                .haproxy
                .as_deref()
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(Version::HAPROXY_DEFAULT);
    let mut loaded = crate::load(paths, &load)?;
    // Problems without a code are syntax errors: the config cannot be read.
    let failed = loaded
        .diagnostics
        .iter()
        .any(|d| d.is_error() && d.code.is_none());
    let profile = opts.profile();
    let expected = expected::compute(&loaded.model, profile);
    let select: Vec<&String> = policy.rules.select.iter().chain(&opts.select).collect();
    let ignore: Vec<&String> = policy.rules.ignore.iter().chain(&opts.ignore).collect();
    let mut findings: Vec<Diagnostic> = loaded.diagnostics.clone();
    if let Some(profile) = profile.filter(|_| !failed) {
        let unmatched = crate::traffic_names::findings(&mut loaded.db, &loaded.model, profile);
        findings.extend(unmatched);
    }
    let mut shares = Vec::new();
    let suppressions = if failed {
        Suppressions::collect(&loaded.db)
    } else {
        // The suppressions and the line index are all the rules' stage
        // needs of the text: made first, they let the text go before the
        // shares and the context are built beside each other.
        let (suppressions, ()) = rayon::join(
            || Suppressions::collect(&loaded.db),
            || {
                if opts.release_text {
                    loaded.db.index_lines();
                }
            },
        );
        if opts.release_text {
            loaded.db.release_text();
            if let Some(return_freed_memory) = opts.return_freed_memory {
                return_freed_memory();
            }
        }
        let (computed, cx) = rayon::join(
            || crate::all_shares(&loaded.model, &WhatIf::default()).unwrap_or_default(),
            || Context::prepare(&loaded.model, &policy, &expected),
        );
        shares = computed;
        let cx = cx.with_shares(&shares);
        rules::run(&cx, |code| wanted(code, &select, &ignore), &mut findings);
        suppressions
    };
    if !findings.is_empty() {
        // Suppressions look up each finding's line, and reports show it.
        loaded.db.index_lines();
    }
    let mut findings = suppressions.apply(&loaded.db, findings);
    select_and_grade(&mut findings, opts, &policy);
    diag::sort(&mut findings);
    Ok(CheckResult {
        loaded,
        findings,
        failed,
        expected,
        shares,
        policy_path: policy_path.map(Path::to_path_buf),
    })
}

/// Keeps the findings whose codes `opts` and `policy` select, at the
/// severity they give them.
fn select_and_grade(findings: &mut Vec<Diagnostic>, opts: &CheckOptions, policy: &Policy) {
    let select: Vec<&String> = policy.rules.select.iter().chain(&opts.select).collect();
    let ignore: Vec<&String> = policy.rules.ignore.iter().chain(&opts.ignore).collect();
    findings.retain(|d| d.code.is_none_or(|code| wanted(code, &select, &ignore)));
    for d in findings {
        let Some(code) = d.code else { continue };
        let level = opts
            .severity
            .iter()
            .rev()
            .find(|(c, _)| c == code)
            .map(|(_, l)| *l)
            .or_else(|| policy.rules.severity.get(code).copied());
        if let Some(level) = level {
            d.severity = Severity::from(level);
        }
    }
}

impl CheckResult {
    /// Adds findings raised after the check (by `diff`, which sees both
    /// configs), selected and graded as the check's own and in the same
    /// order; inline suppressions do not apply to them.
    pub fn add_findings(&mut self, opts: &CheckOptions, mut extra: Vec<Diagnostic>) {
        let policy = opts.policy.clone().unwrap_or_default();
        select_and_grade(&mut extra, opts, &policy);
        if extra.is_empty() {
            return;
        }
        self.loaded.db.index_lines();
        self.findings.append(&mut extra);
        diag::sort(&mut self.findings);
    }
}

/// The severity at or above which findings fail a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl std::str::FromStr for FailOn {
    type Err = String;

    fn from_str(s: &str) -> Result<FailOn, String> {
        match s {
            "error" => Ok(FailOn::Error),
            "warning" => Ok(FailOn::Warning),
            "info" => Ok(FailOn::Info),
            "never" => Ok(FailOn::Never),
            _ => Err(format!("unknown level '{s}' (error, warning, info, never)")),
        }
    }
}

impl FailOn {
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Never => false,
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
        }
    }
}
