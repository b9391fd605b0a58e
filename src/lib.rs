//! lbcheck: a static sanity checker for load-balancer configurations.
//!
//! The pipeline (see DESIGN.md): files are loaded into a [`source::SourceDb`],
//! parsed into a syntax tree that borrows from the text ([`syntax`]), lowered
//! into a format-neutral routing [`model::Model`], and rendered by the
//! [`report`] modules. Problems found on the way are [`diag::Diagnostic`]s.
//!
//! ```no_run
//! let loaded = lbcheck::load(&["haproxy.cfg".into()], &lbcheck::Options::default()).unwrap();
//! for backend in &loaded.model.backends {
//!     println!("{} has {} servers", backend.name, backend.servers.len());
//! }
//! ```

pub mod diag;
pub mod error;
pub mod model;
pub mod report;
pub mod source;
pub mod syntax;
pub mod version;

use std::path::{Path, PathBuf};

use diag::Diagnostic;
use error::LoadError;
use model::Model;
use source::SourceDb;
use syntax::haproxy::lexer::Env;
use version::Version;

/// What a load may assume.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Target HAProxy version for version-dependent defaults.
    pub haproxy_version: Version,
    /// Environment variables to resolve; unresolved by default (hermetic).
    pub env: Env,
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

/// The files HAProxy would read for these paths: files as given, and for a
/// directory its non-hidden `*.cfg` files in byte order of their names.
pub fn config_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            out.extend(directory_files(path)?);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn directory_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
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
            !name.starts_with('.') && name.ends_with(".cfg") && p.is_file()
        })
        .collect();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    if files.is_empty() {
        return Err(LoadError::EmptyDirectory(dir.to_path_buf()));
    }
    Ok(files)
}

/// Loads HAProxy configuration files (read in order, as `haproxy -f a -f b`)
/// and lowers them into a model.
pub fn load(paths: &[PathBuf], opts: &Options) -> Result<Loaded, LoadError> {
    let mut db = SourceDb::new();
    let mut ids = Vec::new();
    for path in config_files(paths)? {
        ids.push(db.load(&path)?);
    }
    let (model, diagnostics) = lower_haproxy(&db, &ids, opts);
    Ok(Loaded {
        db,
        model,
        diagnostics,
    })
}

/// Parses and lowers HAProxy files already in `db`.
pub fn lower_haproxy(
    db: &SourceDb,
    files: &[source::FileId],
    opts: &Options,
) -> (Model, Vec<Diagnostic>) {
    let parse_opts = syntax::haproxy::ParseOptions {
        env: opts.env.clone(),
        version: opts.haproxy_version,
    };
    let (config, mut diagnostics) = syntax::haproxy::parse(db, files, &parse_opts);
    let (model, lower_diags) = model::haproxy::lower(&config, opts.haproxy_version);
    diagnostics.extend(lower_diags);
    diag::sort(&mut diagnostics);
    (model, diagnostics)
}
