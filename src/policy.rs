//! `.lbcheck.yaml`: rule selection, severity overrides, thresholds, target
//! versions and the expected traffic. Unknown keys are errors that point at
//! the key and suggest the closest known one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Diagnostic, Severity};
use crate::source::{SourceDb, Span};

/// The policy file name searched for upward from a config.
pub const POLICY_FILE: &str = ".lbcheck.yaml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default)]
    pub rules: RuleSelection,
    #[serde(default)]
    pub thresholds: Thresholds,
    #[serde(default)]
    pub versions: Versions,
    #[serde(default)]
    pub traffic: Option<TrafficProfile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSelection {
    /// Codes or prefixes (`LB3`) to run; all when empty.
    #[serde(default)]
    pub select: Vec<String>,
    /// Codes or prefixes not to run.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Severity per code.
    #[serde(default)]
    pub severity: BTreeMap<String, Level>,
}

/// A severity as written in a policy or on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl From<Level> for Severity {
    fn from(l: Level) -> Severity {
        match l {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Info => Severity::Info,
        }
    }
}

impl std::str::FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Level, String> {
        match s {
            "error" => Ok(Level::Error),
            "warning" => Ok(Level::Warning),
            "info" => Ok(Level::Info),
            _ => Err(format!("unknown severity '{s}' (error, warning or info)")),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// LB301: a server's share above this many times the fair share.
    pub uneven_ratio: f64,
    /// LB301: one server's share above this fraction (with 2+ servers).
    pub max_server_share: f64,
    /// LB303: share of traffic over share of capacity above this ratio.
    pub capacity_mismatch_ratio: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            uneven_ratio: 2.0,
            max_server_share: 0.85,
            capacity_mismatch_ratio: 1.5,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Versions {
    /// Target HAProxy version (`2.6`, `3.2`).
    pub haproxy: Option<String>,
}

/// Expected peak load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Load {
    pub peak_connections: Option<u64>,
    pub peak_rps: Option<u64>,
}

/// The expected traffic.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficProfile {
    /// Any entry point not listed.
    pub default: Option<Load>,
    /// By HAProxy frontend/listen name; nginx `server_name:port` or `addr:port`.
    #[serde(default)]
    pub entry_points: BTreeMap<String, Load>,
    /// Traffic known per backend/upstream.
    #[serde(default)]
    pub backends: BTreeMap<String, Load>,
    /// The file it was read from, for findings about its names.
    #[serde(skip)]
    pub source: Option<std::sync::Arc<ProfileSource>>,
}

/// Where a traffic profile was written.
#[derive(Debug)]
pub struct ProfileSource {
    pub path: PathBuf,
    pub text: String,
}

/// A policy file that could not be used: the diagnostic and the database
/// holding the file's text, for rendering.
#[derive(Debug)]
pub struct PolicyError {
    pub db: SourceDb,
    pub diagnostic: Diagnostic,
}

/// `did you mean` for serde's "unknown field `x`, expected one of `a`, `b`".
fn suggestion(message: &str) -> Option<String> {
    let field = message.split("unknown field `").nth(1)?.split('`').next()?;
    let expected = message.split("expected").nth(1)?;
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    crate::syntax::haproxy::keywords::did_you_mean(field, known.into_iter())
        .map(|s| format!("did you mean '{s}'?"))
}

fn parse<T: for<'de> Deserialize<'de>>(path: &Path, text: String) -> Result<T, Box<PolicyError>> {
    match serde_yaml::from_str::<T>(&text) {
        Ok(v) => Ok(v),
        Err(e) => {
            let offset = e.location().map_or(0, |l| l.index());
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            let end = text[offset..]
                .find([':', '\n', ' '])
                .map_or(text.len(), |n| offset + n.max(1));
            let help = suggestion(&message);
            let mut err = error_at(path, &text, Some(offset..end), message);
            if let Some(help) = help {
                err.diagnostic = err.diagnostic.help(help);
            }
            Err(err)
        }
    }
}

fn read(path: &Path) -> Result<String, Box<PolicyError>> {
    std::fs::read_to_string(path).map_err(|e| {
        Box::new(PolicyError {
            db: SourceDb::new(),
            diagnostic: Diagnostic::error(format!("cannot read {}: {e}", path.display())),
        })
    })
}

/// Reads a policy file.
pub fn load(path: &Path) -> Result<Policy, Box<PolicyError>> {
    from_text(path, read(path)?)
}

/// A policy from its text, as read from `path`.
pub fn from_text(path: &Path, text: String) -> Result<Policy, Box<PolicyError>> {
    let mut policy: Policy = parse(path, text.clone())?;
    check_codes(path, &text, &policy.rules)?;
    check_values(path, &text, &policy)?;
    if let Some(traffic) = &mut policy.traffic {
        traffic.source = Some(ProfileSource::new(path, text));
    }
    Ok(policy)
}

impl ProfileSource {
    /// A policy found upward has an absolute path: findings name it from
    /// the working directory when it lies below it, as CI annotations need.
    fn new(path: &Path, text: String) -> std::sync::Arc<ProfileSource> {
        let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
        let path = match cwd {
            Ok(cwd) if path.is_absolute() => path.strip_prefix(&cwd).unwrap_or(path),
            _ => path,
        };
        std::sync::Arc::new(ProfileSource {
            path: path.to_path_buf(),
            text,
        })
    }
}

/// Every code in `rules:` names a rule (see [`crate::rules::unknown_code`]);
/// the first that does not is an error at its place in the file.
fn check_codes(path: &Path, text: &str, rules: &RuleSelection) -> Result<(), Box<PolicyError>> {
    let patterns = (rules.select.iter().map(|p| (p, true)))
        .chain(rules.ignore.iter().map(|p| (p, true)))
        .chain(rules.severity.keys().map(|c| (c, false)));
    for (pattern, prefix) in patterns {
        if let Some(message) = crate::rules::unknown_code(pattern, prefix) {
            return Err(error_at(path, text, word_at(text, pattern), message));
        }
    }
    Ok(())
}

/// Values serde takes but that mean nothing: a target version that is not
/// one (it would fall back to the default), thresholds that are not finite
/// or lie outside what their rule can use (a share ratio below 1 flags
/// every server).
fn check_values(path: &Path, text: &str, policy: &Policy) -> Result<(), Box<PolicyError>> {
    if let Some(version) = &policy.versions.haproxy
        && let Err(message) = version.parse::<crate::version::Version>()
    {
        let place = key_at(text, "haproxy", version);
        return Err(error_at(
            path,
            text,
            place,
            format!("versions.haproxy: {message}"),
        ));
    }
    let t = &policy.thresholds;
    let ranges = [
        (
            "uneven_ratio",
            t.uneven_ratio,
            "at least 1",
            t.uneven_ratio >= 1.0,
        ),
        (
            "max_server_share",
            t.max_server_share,
            "above 0 and at most 1",
            t.max_server_share > 0.0 && t.max_server_share <= 1.0,
        ),
        (
            "capacity_mismatch_ratio",
            t.capacity_mismatch_ratio,
            "at least 1",
            t.capacity_mismatch_ratio >= 1.0,
        ),
    ];
    for (key, value, wanted, fits) in ranges {
        if !(fits && value.is_finite()) {
            let message = format!("thresholds.{key} is {value}: it must be {wanted}");
            return Err(error_at(
                path,
                text,
                key_at(text, "thresholds", key),
                message,
            ));
        }
    }
    Ok(())
}

/// An error about a policy file, at `place` when known.
fn error_at(
    path: &Path,
    text: &str,
    place: Option<std::ops::Range<usize>>,
    message: String,
) -> Box<PolicyError> {
    let mut db = SourceDb::new();
    let id = db.add(path, text.to_string());
    let mut diagnostic = Diagnostic::error(format!("invalid policy: {message}"));
    if let Some(range) = place {
        diagnostic = diagnostic.at(Span::new(id, range));
    }
    Box::new(PolicyError { db, diagnostic })
}

/// Where `name` is written as a key under `section` (the first place it
/// stands alone after the section's own key).
pub(crate) fn key_at(text: &str, section: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let from = word_at(text, section).map_or(0, |r| r.end);
    word_at(&text[from..], name).map(|r| from + r.start..from + r.end)
}

/// The first place `word` stands alone in `text` (not inside a longer
/// name): where a policy value is written.
pub(crate) fn word_at(text: &str, word: &str) -> Option<std::ops::Range<usize>> {
    let part_of_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
    text.match_indices(word)
        .map(|(at, _)| at..at + word.len())
        .find(|r| {
            !text[..r.start].ends_with(part_of_name) && !text[r.end..].starts_with(part_of_name)
        })
}

/// Reads a file holding just the `traffic:` part.
pub fn load_traffic(path: &Path) -> Result<TrafficProfile, Box<PolicyError>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct OnlyTraffic {
        traffic: TrafficProfile,
    }
    let text = read(path)?;
    let mut traffic = parse::<OnlyTraffic>(path, text.clone())?.traffic;
    traffic.source = Some(ProfileSource::new(path, text));
    Ok(traffic)
}

/// The nearest `.lbcheck.yaml` in `start` or a parent directory.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        start.as_path()
    } else {
        start.parent()?
    };
    loop {
        let candidate = dir.join(POLICY_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = dir.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_shape_is_accepted() {
        let text = "traffic:\n  default:      { peak_connections: 1000 }\n  entry_points:\n    fe_www:     { peak_connections: 20000, peak_rps: 5000 }\n  backends:\n    be_api:     { peak_connections: 5000 }\n";
        let p: Policy = parse(Path::new("p.yaml"), text.to_string()).expect("parses");
        let t = p.traffic.expect("traffic");
        assert_eq!(t.default.unwrap().peak_connections, Some(1000));
        assert_eq!(t.entry_points["fe_www"].peak_rps, Some(5000));
        assert_eq!(t.backends["be_api"].peak_connections, Some(5000));
    }

    /// Values serde takes but that would switch a check off or make it
    /// fire on everything are errors at their place.
    #[test]
    fn meaningless_values_are_errors_at_their_place() {
        let cases = [
            (
                "versions:\n  haproxy: \"banana\"\n",
                (2, 13),
                "versions.haproxy: 'banana' is not a version like 2.6 or 3.2.1",
            ),
            (
                "thresholds:\n  uneven_ratio: 3\n  max_server_share: 0\n",
                (3, 3),
                "thresholds.max_server_share is 0: it must be above 0 and at most 1",
            ),
            (
                "thresholds:\n  uneven_ratio: .nan\n",
                (2, 3),
                "thresholds.uneven_ratio is NaN: it must be at least 1",
            ),
            (
                "thresholds:\n  capacity_mismatch_ratio: .inf\n",
                (2, 3),
                "thresholds.capacity_mismatch_ratio is inf: it must be at least 1",
            ),
        ];
        for (text, (line, column), message) in cases {
            let path = Path::new("p.yaml");
            let policy: Policy = parse(path, text.to_string()).expect("parses");
            let err = check_values(path, text, &policy).unwrap_err();
            let loc = err.db.location(err.diagnostic.primary.unwrap());
            assert_eq!((loc.line, loc.column), (line, column), "{text}");
            assert_eq!(
                err.diagnostic.message(),
                format!("invalid policy: {message}"),
                "{text}"
            );
        }
        let fine = "versions:\n  haproxy: \"3.1-dev4\"\nthresholds:\n  uneven_ratio: 1\n  max_server_share: 1\n";
        let policy: Policy = parse(Path::new("p.yaml"), fine.to_string()).expect("parses");
        assert!(check_values(Path::new("p.yaml"), fine, &policy).is_ok());
    }

    #[test]
    fn unknown_keys_point_at_the_key_with_a_suggestion() {
        let err = parse::<Policy>(
            Path::new("p.yaml"),
            "thresholds:\n  uneven_ration: 3\n".to_string(),
        )
        .unwrap_err();
        let loc = err.db.location(err.diagnostic.primary.unwrap());
        assert_eq!((loc.line, loc.column), (2, 3));
        assert!(
            err.diagnostic
                .message()
                .contains("unknown field `uneven_ration`")
        );
        assert_eq!(
            err.diagnostic.help_text(),
            Some("did you mean 'uneven_ratio'?")
        );
    }
}
