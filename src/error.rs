//! Library errors: what stops lbcheck from reading its input at all.
//!
//! Problems *inside* a config (syntax errors, unknown keywords) are not errors
//! of this kind: they are [`crate::diag::Diagnostic`]s, all collected and
//! reported together. Only the binary turns these errors into messages.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: is a directory", .0.display())]
    IsDirectory(PathBuf),
    #[error("{}: file is {size} bytes, over the {limit}-byte limit", path.display())]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{}: no configuration files found in this directory", .0.display())]
    EmptyDirectory(PathBuf),
    #[error("{} is an HAProxy or nginx configuration, and {} is the other: check them separately", .0.display(), .1.display())]
    MixedFormats(PathBuf, PathBuf),
    #[error("{}: cannot tell whether this is an HAProxy or an nginx configuration; pass --format-in", .0.display())]
    UnknownFormat(PathBuf),
}
