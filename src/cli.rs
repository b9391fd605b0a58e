//! Command-line interface (clap derive). Each flag's doc comment is its `--help` text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
}

#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Configuration files or directories, read in order (as `haproxy -f a -f b`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// Target HAProxy version for version-dependent defaults (the default
    /// `balance` is roundrobin up to 3.2 and random from 3.3; removed keywords).
    #[arg(long, value_name = "VERSION", default_value_t = Version::HAPROXY_DEFAULT)]
    pub haproxy_version: Version,

    /// Resolve `${VAR}` references and `defined()` conditions from lbcheck's own
    /// environment. Without it they stay unresolved, and the model says so.
    #[arg(long)]
    pub env: bool,

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
