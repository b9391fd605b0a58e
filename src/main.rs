//! The `lbcheck` binary: parses arguments, runs the library, prints, and
//! turns the outcome into an exit status (0 clean, 1 findings, 2 error).

mod cli;
mod commands;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, ColorChoice, Command, InputArgs, ModelFormat, RouteFormat, WhatIfArgs};
use lbcheck::diag::Severity;
use lbcheck::report;
use lbcheck::syntax::haproxy::lexer::Env;
use lbcheck::version::Version;

// Parsing and lowering a large config is allocation-bound (many small
// strings and vectors); mimalloc is markedly faster than glibc malloc here.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Hands the memory freed so far back to the system. mimalloc keeps freed
/// pages for a second before it returns them, and a check ends sooner: the
/// configs' text (as large as the config), let go before the rules, stayed
/// resident through the run's peak.
pub(crate) fn return_freed_memory() {
    // SAFETY: mi_collect only walks mimalloc's own free lists; it may be
    // called from any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

pub(crate) const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_ERROR: u8 = 2;

/// Keeps this process on 4 KiB pages. mimalloc asks for transparent huge
/// pages on its arenas, and where the kernel grants them (THP "madvise"):
/// every touched byte makes a 2 MiB page resident, so a 50k-backend check
/// held 34 MiB more, and a fault that must first compact memory stalled
/// some runs to twice their time. mimalloc's own switch (`allow_thp`) is
/// read when it starts, before `main`; the process flag is read at each
/// fault, so setting it first thing still covers every later allocation.
fn keep_to_small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process; it
    // takes no pointers, and failure (an old kernel) leaves things as
    // they were.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Lets mimalloc commit memory as it is used rather than a whole arena up
/// front: on Linux an eagerly committed arena left 4 MB resident before any
/// work (a tiny check: 9.8 -> 5.9 MB max RSS), with no gain in speed. The
/// arena is made at the first allocation, which the Rust runtime makes
/// before `main`: so this runs as a constructor, before the runtime starts.
#[cfg(target_os = "linux")]
extern "C" fn commit_on_demand() {
    /// `mi_option_arena_eager_commit` in mimalloc's option list.
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    // SAFETY: sets one of mimalloc's option values, before any thread but
    // the first exists.
    unsafe { libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0) };
}

#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static COMMIT_ON_DEMAND: extern "C" fn() = commit_on_demand;

fn main() -> ExitCode {
    keep_to_small_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
    };
    match cli.command {
        Command::Model(args) => model(args),
        Command::Route(args) => route(args),
        Command::Check(args) => commands::check(args),
        Command::Diff(args) => commands::diff(args),
        Command::Rules => commands::rules(),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "lbcheck", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            if clap_mangen::Man::new(cmd).render(&mut out).is_err() {
                return ExitCode::from(EXIT_ERROR);
            }
            print(&String::from_utf8_lossy(&out))
        }
        Command::Explain { code } => commands::explain(&code),
    }
}

/// Whether to colour output written to `stream` (auto: a terminal, and no
/// NO_COLOR in the environment).
pub(crate) fn use_color(choice: ColorChoice, stream: &impl IsTerminal) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && stream.is_terminal(),
    }
}

pub(crate) fn options(input: &InputArgs) -> lbcheck::Options {
    lbcheck::Options {
        haproxy_version: input.haproxy_version.unwrap_or(Version::HAPROXY_DEFAULT),
        env: if input.env {
            Env::Values(std::env::vars().collect())
        } else {
            Env::Unresolved
        },
        format: input.format_in,
        nginx_context: input.context,
        nginx_prefix: input.prefix.clone(),
        allow_include_outside: input.allow_include_outside,
        cpus: input.cpus,
        one_thread: false,
    }
}

/// Loads the input and prints its diagnostics to stderr; `None` when it could
/// not be read or holds errors (the caller exits 2).
fn load(input: &InputArgs) -> Result<lbcheck::Loaded, ExitCode> {
    let loaded = match lbcheck::load(&input.paths, &options(input)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(EXIT_ERROR));
        }
    };
    let color = use_color(input.color, &std::io::stderr());
    let mut err = std::io::stderr().lock();
    for d in &loaded.diagnostics {
        let _ = writeln!(err, "{}", report::text::render(&loaded.db, d, color));
    }
    if loaded.has_errors() {
        let _ = writeln!(
            err,
            "lbcheck: the configuration has errors ({})",
            report::text::summary(&loaded.diagnostics)
        );
        return Err(ExitCode::from(EXIT_ERROR));
    }
    Ok(loaded)
}

/// Shares of every backend under the what-if flags.
fn shares(
    model: &lbcheck::model::Model,
    args: &WhatIfArgs,
) -> Result<Vec<lbcheck::traffic::Shares>, ExitCode> {
    let what_if = lbcheck::WhatIf {
        down: args.down.clone(),
        concurrency: args.concurrency,
    };
    lbcheck::all_shares(model, &what_if).map_err(|message| {
        eprintln!("error: {message}");
        ExitCode::from(EXIT_ERROR)
    })
}

/// Streams a report to standard output.
pub(crate) fn print_with(
    write: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock>) -> std::io::Result<()>,
) -> ExitCode {
    // Reports write large rendered blocks: those bypass a small buffer.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(EXIT_ERROR),
    }
}

pub(crate) fn print(out: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(out.as_bytes()).is_err() {
        return ExitCode::from(EXIT_ERROR);
    }
    ExitCode::SUCCESS
}

/// Loads the inputs and computes the traffic shares under the what-if flags.
fn load_with_shares(
    input: &InputArgs,
    what_if: &WhatIfArgs,
) -> Result<(lbcheck::Loaded, Vec<lbcheck::traffic::Shares>), ExitCode> {
    let loaded = load(input)?;
    let shares = shares(&loaded.model, what_if)?;
    Ok((loaded, shares))
}

fn route(args: cli::RouteArgs) -> ExitCode {
    let (loaded, shares) = match load_with_shares(&args.input, &args.what_if) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    let port = args.port.unwrap_or(if args.tls { 443 } else { 80 });
    let mut request = lbcheck::route::Request::new(args.host.as_deref(), &args.path, port);
    request.method = args.method.clone();
    request.src = args.src;
    request.tls = args.tls;
    for h in &args.headers {
        let Some((name, value)) = h.split_once(':') else {
            eprintln!("error: --header '{h}': write NAME:VALUE");
            return ExitCode::from(EXIT_ERROR);
        };
        request
            .headers
            .push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let decision = match lbcheck::route::route(&loaded.model, &request) {
        Ok(d) => d,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let out = match args.format {
        RouteFormat::Text => {
            report::route::render_text(&loaded.db, &loaded.model, &shares, &decision)
        }
        RouteFormat::Json => {
            report::route::render_json(&loaded.db, &loaded.model, &shares, &decision)
        }
    };
    print(&out)
}

fn model(args: cli::ModelArgs) -> ExitCode {
    let (loaded, shares) = match load_with_shares(&args.input, &args.what_if) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    let printed = match args.format {
        ModelFormat::Text => print(&report::model_text::render(
            &loaded.db,
            &loaded.model,
            &shares,
        )),
        ModelFormat::Json => {
            print_with(|w| report::model_json::write(w, &loaded.db, &loaded.model, &shares))
        }
        ModelFormat::Dot => print(&report::model_dot::render(&loaded.model)),
    };
    if printed != ExitCode::SUCCESS {
        return printed;
    }
    let warned = loaded
        .diagnostics
        .iter()
        .any(|d| d.severity >= Severity::Warning);
    ExitCode::from(if warned { EXIT_FINDINGS } else { 0 })
}
