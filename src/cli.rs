//! Command-line interface (clap derive). Each flag's doc comment is its `--help` text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use lbcheck::check::FailOn;
use lbcheck::detect::InputFormat;
use lbcheck::policy::Level;
use lbcheck::syntax::nginx::Context;
use lbcheck::version::Version;

#[derive(Debug, Parser)]
#[command(
    name = "lbcheck",
    version,
    about = "Checks HAProxy and nginx configurations for the mistakes that cause outages"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the routing model: entry points, routes, backends, servers.
    Model(ModelArgs),
    /// Show where one request goes: entry point, matching rule, backend, servers.
    Route(RouteArgs),
    /// Check configs for the mistakes that cause outages (each PATH is one config).
    Check(CheckArgs),
    /// Show what a change does: traffic shifts, routes, capacity, findings.
    Diff(DiffArgs),
    /// List every rule: code, name, category, default severity.
    Rules,
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff).
    Man,
    /// Explain a rule: what it checks, why it matters, an example, how to fix.
    Explain {
        /// The rule's code (LB301) or name (uneven-weights).
        code: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Exit with status 1 when a finding is at or above this severity
    /// (error, warning, info, never).
    #[arg(long, value_name = "LEVEL", default_value = "error")]
    pub fail_on: FailOn,

    /// Run only these rules: codes or prefixes (LB3), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,

    /// Do not run these rules: codes or prefixes, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,

    /// Override a rule's severity: CODE=error|warning|info (repeatable).
    #[arg(long = "severity", value_name = "CODE=LEVEL")]
    pub severities: Vec<String>,

    /// Policy file (default: .lbcheck.yaml found upward from each config).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// A file holding just the `traffic:` part of a policy (expected load).
    #[arg(long, value_name = "FILE")]
    pub traffic: Option<PathBuf>,

    /// Accept the findings recorded in this file (see --write-baseline): only
    /// new ones are reported and can fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record today's findings in this file, to pass as --baseline later.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// OLD NEW (two files or directories), or with --base the config's
    /// PATH(s) in the working tree.
    #[command(flatten)]
    pub input: InputArgs,

    /// Compare with the config as it was at this git revision (e.g.
    /// origin/main); its includes are read at that revision too.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// Output format; markdown is meant to be posted as a pull-request comment.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,

    /// Exit with status 1 when the change introduces a finding at or above
    /// this severity (error, warning, info, never).
    #[arg(long, value_name = "LEVEL", default_value = "error")]
    pub fail_on: FailOn,

    /// Policy file (default: .lbcheck.yaml found upward from the new config).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// A file holding just the `traffic:` part of a policy.
    #[arg(long, value_name = "FILE")]
    pub traffic: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// For people: the risk summary first.
    Text,
    /// The versioned JSON contract (docs/diff.schema.json).
    Json,
    /// A pull-request comment, posted as is.
    Markdown,
    /// SARIF 2.1.0 with baselineState new/unchanged/absent.
    Sarif,
    /// GitHub annotations for the findings the change introduces.
    Github,
    /// JUnit XML of the findings the change introduces.
    Junit,
    /// GitLab Code Quality report of the findings the change introduces.
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// For people: rustc-style snippets and a summary.
    Text,
    /// The versioned JSON contract (docs/findings.schema.json).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// A Markdown table, for a comment.
    Markdown,
    /// JUnit XML: one test case per file and rule.
    Junit,
    /// GitLab Code Quality report.
    Gitlab,
}

/// Parses `CODE=LEVEL`.
pub fn severity_override(s: &str) -> Result<(String, Level), String> {
    let (code, level) = s
        .split_once('=')
        .ok_or_else(|| format!("--severity '{s}': write CODE=LEVEL"))?;
    Ok((code.to_string(), level.parse()?))
}

#[derive(Debug, clap::Args)]
pub struct RouteArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The request's Host header (omit for a request without one).
    #[arg(long)]
    pub host: Option<String>,

    /// The request path, with a query string if any.
    #[arg(long, default_value = "/")]
    pub path: String,

    /// The request method.
    #[arg(long, default_value = "GET")]
    pub method: String,

    /// A request header, as NAME:VALUE (repeatable).
    #[arg(long = "header", value_name = "NAME:VALUE")]
    pub headers: Vec<String>,

    /// The client address (for `src` ACLs).
    #[arg(long)]
    pub src: Option<std::net::IpAddr>,

    /// The port the request arrives on (default 80, or 443 with --tls).
    #[arg(long)]
    pub port: Option<u16>,

    /// The request arrives over TLS.
    #[arg(long)]
    pub tls: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = RouteFormat::Text)]
    pub format: RouteFormat,

    #[command(flatten)]
    pub what_if: WhatIfArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RouteFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Configuration files or directories, read in order (as `haproxy -f a -f b`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// Target HAProxy version for version-dependent defaults and keywords
    /// (the default `balance` is roundrobin up to 3.2 and random from 3.3).
    /// Default: the policy's `versions.haproxy`, else 3.4.
    #[arg(long, value_name = "VERSION")]
    pub haproxy_version: Option<Version>,

    /// Resolve `${VAR}` references and `defined()` conditions from lbcheck's own
    /// environment. Without it they stay unresolved, and the model says so.
    #[arg(long)]
    pub env: bool,

    /// Input format: haproxy or nginx. Detected from each file's content
    /// (and name) when not given.
    #[arg(long, value_name = "FORMAT")]
    pub format_in: Option<InputFormat>,

    /// nginx: the context the files' directives stand in (main, events, http,
    /// server, location, upstream, stream), for snippets such as conf.d/ or
    /// sites-enabled/ files. Detected from the first directive when not given.
    #[arg(long, value_name = "CONTEXT")]
    pub context: Option<Context>,

    /// nginx: the directory relative `include` paths are resolved against
    /// (default: the directory of the first file, as nginx's conf prefix).
    #[arg(long, value_name = "DIR")]
    pub prefix: Option<PathBuf>,

    /// nginx: let `include` read files outside the prefix directory. Without
    /// it such includes are reported and skipped.
    #[arg(long)]
    pub allow_include_outside: bool,

    /// CPUs of the machine the config will run on, to resolve nginx
    /// `worker_processes auto` (otherwise the limit it implies is unknown).
    #[arg(long, value_name = "N")]
    pub cpus: Option<u64>,

    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ModelFormat::Text)]
    pub format: ModelFormat,

    #[command(flatten)]
    pub what_if: WhatIfArgs,
}

#[derive(Debug, clap::Args)]
pub struct WhatIfArgs {
    /// What-if: servers to assume dead, as BACKEND/SERVER (nginx:
    /// UPSTREAM/ADDRESS), comma-separated or repeated. Shares are recomputed
    /// the way the proxy would react (HAProxy only fails over from servers
    /// its health checks watch; nginx retries the next server).
    #[arg(long, value_name = "BACKEND/SERVER", value_delimiter = ',')]
    pub down: Vec<String>,

    /// Requests in flight at once, for `balance first` (default 1).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelFormat {
    Text,
    Json,
    Dot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
