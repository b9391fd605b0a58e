//! lbcheck: a static sanity checker for load-balancer configurations.
//!
//! The pipeline (see DESIGN.md): files are loaded into a [`source::SourceDb`],
//! parsed into a syntax tree that borrows from the text ([`syntax`]), lowered
//! into a format-neutral routing [`model::Model`], and rendered by the
//! [`report`] modules. Problems found on the way are [`diag::Diagnostic`]s.
//! HAProxy sections are lowered as soon as each is parsed (on a second
//! thread for large inputs), so that tree never exists whole.
//!
//! ```no_run
//! let loaded = lbcheck::load(&["haproxy.cfg".into()], &lbcheck::Options::default()).unwrap();
//! for backend in &loaded.model.backends {
//!     println!("{} has {} servers", backend.name, backend.servers.len());
//! }
//! ```

pub mod check;
pub mod detect;
pub mod diag;
pub mod diff;
pub mod error;
pub mod expected;
pub mod model;
pub mod pcre;
mod pipeline;
pub mod policy;
pub mod report;
pub mod route;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod syntax;
pub mod traffic;
pub mod traffic_names;
pub mod version;

use std::path::{Path, PathBuf};

pub use pipeline::lower_haproxy;
#[doc(hidden)]
pub use pipeline::nginx_loading_orders_differ;

use detect::InputFormat;
use diag::Diagnostic;
use error::LoadError;
use model::Model;
use source::SourceDb;
use syntax::haproxy::lexer::Env;
use syntax::nginx::Context;
use version::Version;

/// What a load may assume.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Target HAProxy version for version-dependent defaults.
    pub haproxy_version: Version,
    /// Environment variables to resolve; unresolved by default (hermetic).
    pub env: Env,
    /// The input's format; detected from content and name when `None`.
    pub format: Option<InputFormat>,
    /// The nginx context the files stand in; detected when `None`.
    pub nginx_context: Option<Context>,
    /// Directory nginx includes are resolved against (default: the first
    /// file's directory).
    pub nginx_prefix: Option<PathBuf>,
    /// Let nginx includes read files outside the prefix directory.
    pub allow_include_outside: bool,
    /// CPUs of the target machine (resolves nginx `worker_processes auto`).
    pub cpus: Option<u64>,
    /// Parse and lower on the calling thread, never beside it: for loads
    /// that already run side by side (a diff's two sides, many configs),
    /// where a thread of their own would only compete for the cores.
    pub one_thread: bool,
}

/// A loaded configuration: its sources, its model, and what was found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub db: SourceDb,
    pub model: Model,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The files to read for these paths: files as given; for a directory, its
/// non-hidden files in byte order of their names (HAProxy reads only
/// `*.cfg` files of a directory, so for HAProxy only those).
pub fn config_files(
    paths: &[PathBuf],
    format: Option<InputFormat>,
) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            out.extend(directory_files(path, format)?);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn directory_files(dir: &Path, format: Option<InputFormat>) -> Result<Vec<PathBuf>, LoadError> {
    let io = |source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            !name.starts_with('.') && p.is_file()
        })
        .collect();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    let is_cfg = |p: &PathBuf| p.extension().is_some_and(|e| e == "cfg");
    let haproxy = match format {
        Some(f) => f == InputFormat::Haproxy,
        None => files.iter().any(is_cfg),
    };
    if haproxy {
        files.retain(is_cfg);
    }
    if files.is_empty() {
        return Err(LoadError::EmptyDirectory(dir.to_path_buf()));
    }
    Ok(files)
}

/// Loads configuration files (HAProxy files in order, as `haproxy -f a -f b`;
/// nginx files with their includes) and lowers them into a model.
pub fn load(paths: &[PathBuf], opts: &Options) -> Result<Loaded, LoadError> {
    let mut db = SourceDb::new();
    let mut ids = Vec::new();
    for path in config_files(paths, opts.format)? {
        ids.push(db.load(&path)?);
    }
    let format = match opts.format {
        Some(f) => f,
        None => detect_all(&db, &ids)?,
    };
    let (model, mut diagnostics) = match format {
        InputFormat::Haproxy => lower_haproxy(&db, &ids, opts),
        InputFormat::Nginx => lower_nginx(&mut db, &ids, opts),
    };
    for (id, file) in db.files() {
        if let Some(at) = file.invalid_utf8_at {
            diagnostics.push(
                Diagnostic::warning("the file is not valid UTF-8 text")
                    .at(source::Span::new(id, at..at))
                    .label(
                        "invalid bytes from here on were replaced; positions after this may be off",
                    ),
            );
        }
    }
    diag::sort(&mut diagnostics);
    Ok(Loaded {
        db,
        model,
        diagnostics,
    })
}

/// The one format all files are in.
fn detect_all(db: &SourceDb, ids: &[source::FileId]) -> Result<InputFormat, LoadError> {
    let mut found: Option<(InputFormat, PathBuf)> = None;
    for &id in ids {
        let file = db.file(id);
        let Some(format) = detect::detect(&file.path, file.text()) else {
            continue;
        };
        match &found {
            Some((f, first)) if *f != format => {
                return Err(LoadError::MixedFormats(first.clone(), file.path.clone()));
            }
            Some(_) => {}
            None => found = Some((format, file.path.clone())),
        }
    }
    match found {
        Some((f, _)) => Ok(f),
        None => Err(LoadError::UnknownFormat(db.file(ids[0]).path.clone())),
    }
}

/// Resolves includes, parses and lowers nginx files already in `db`; they
/// are read one after the other in the same context.
pub fn lower_nginx(
    db: &mut SourceDb,
    files: &[source::FileId],
    opts: &Options,
) -> (Model, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let first = db.file(files[0]).path.clone();
    let prefix = opts
        .nginx_prefix
        .clone()
        .unwrap_or_else(|| first.parent().map(Path::to_path_buf).unwrap_or_default());
    let prefix = if prefix.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        prefix
    };
    let root = (!opts.allow_include_outside)
        .then(|| std::fs::canonicalize(&prefix).unwrap_or(prefix.clone()));
    let include_opts = syntax::nginx::IncludeOptions { prefix, root };
    let includes = syntax::nginx::include::resolve(db, files, &include_opts, &mut diagnostics);
    let (model, lower_diags) =
        pipeline::parse_and_lower_nginx(db, files, &includes, opts, &mut diagnostics);
    diagnostics.extend(refused(lower_diags));
    diag::sort(&mut diagnostics);
    (model, diagnostics)
}

/// A what-if: servers assumed dead, and the concurrency `balance first` needs.
#[derive(Debug, Clone, Default)]
pub struct WhatIf {
    /// `BACKEND/SERVER` (nginx: `UPSTREAM/ADDRESS`).
    pub down: Vec<String>,
    pub concurrency: Option<u64>,
}

/// The shares of every backend of `model` (in backend order) under `what_if`.
/// Fails with a message naming a `--down` entry that matches no server.
pub fn all_shares(model: &Model, what_if: &WhatIf) -> Result<Vec<traffic::Shares>, String> {
    use rayon::prelude::*;
    // Servers assumed dead, by backend: few if any, so only those backends
    // have an entry (a set for each of 50k backends weighed 2.4 MB).
    let mut down: std::collections::HashMap<usize, std::collections::HashSet<usize>> =
        Default::default();
    for entry in &what_if.down {
        let (backend, server) = entry.split_once('/').ok_or_else(|| {
            format!("--down '{entry}': write BACKEND/SERVER (nginx: UPSTREAM/ADDRESS)")
        })?;
        let bi = model
            .backends
            .iter()
            .position(|b| b.name == backend)
            .ok_or_else(|| format!("--down '{entry}': no backend named '{backend}'"))?;
        let b = &model.backends[bi];
        let matches: Vec<usize> = (0..b.servers.len())
            .filter(|&i| b.servers[i].name() == server || b.servers[i].address() == server)
            .collect();
        if matches.is_empty() {
            return Err(format!(
                "--down '{entry}': backend '{backend}' has no server '{server}'"
            ));
        }
        down.entry(bi).or_default().extend(matches);
    }
    Ok(model
        .backends
        .par_iter()
        .enumerate()
        .map(|(bi, b)| {
            let opts = traffic::TrafficOptions {
                down: down.get(&bi).cloned().unwrap_or_default(),
                concurrency: what_if.concurrency,
            };
            traffic::shares(model, b, &opts)
        })
        .collect())
}

/// Errors found while lowering are the proxy's own refusals of a config that
/// parsed: they carry the refused-config code unless they have their own.
pub(crate) fn refused(diags: Vec<Diagnostic>) -> impl Iterator<Item = Diagnostic> {
    diags.into_iter().map(|mut d| {
        if d.is_error() && d.code.is_none() {
            d.code = Some(rules::hygiene::refused_config::META.code);
        }
        d
    })
}
