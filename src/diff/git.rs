//! `--base REV`: the old side of a diff is the config as it was at a git
//! revision. The repository's tree at that revision is exported into a
//! temporary directory (nothing is written to the repository), so includes
//! resolve at that revision too.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A revision's tree on disk, removed when dropped.
pub struct Snapshot {
    dir: tempfile::TempDir,
    top: PathBuf,
}

impl Snapshot {
    /// The path of `path` (a path in the working tree) inside the snapshot.
    pub fn map(&self, path: &Path) -> Result<PathBuf, String> {
        let abs = std::fs::canonicalize(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let rel = abs.strip_prefix(&self.top).map_err(|_| {
            format!(
                "{} is not inside the repository at {}",
                path.display(),
                self.top.display()
            )
        })?;
        Ok(self.dir.path().join(rel))
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

/// Exports the tree at `rev` of the repository holding `path`.
pub fn snapshot(path: &Path, rev: &str) -> Result<Snapshot, String> {
    let abs = std::fs::canonicalize(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let start = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone())
    };
    let top = String::from_utf8_lossy(&git(&start, &["rev-parse", "--show-toplevel"])?)
        .trim()
        .to_string();
    let top = std::fs::canonicalize(top).map_err(|e| e.to_string())?;
    let archive = git(&top, &["archive", "--format=tar", rev])?;
    let dir = tempfile::Builder::new()
        .prefix("lbcheck-base-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    tar::Archive::new(archive.as_slice())
        .unpack(dir.path())
        .map_err(|e| format!("unpacking {rev}: {e}"))?;
    Ok(Snapshot { dir, top })
}
