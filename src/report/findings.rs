//! What every findings format renders: findings with the sources they point
//! into, their stable fingerprints, and the baseline file built from them.

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::source::SourceDb;

/// The findings of one config, with its sources.
#[derive(Clone, Copy)]
pub struct FindingSet<'a> {
    pub db: &'a SourceDb,
    pub findings: &'a [Diagnostic],
}

/// Every finding of several configs, each with the sources it points into.
pub fn flatten<'a>(sets: &[FindingSet<'a>]) -> Vec<(&'a SourceDb, &'a Diagnostic)> {
    sets.iter()
        .flat_map(|s| s.findings.iter().map(move |d| (s.db, d)))
        .collect()
}

/// Where a finding is, as reporters want it: path, 1-based line and column.
pub struct Position {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn position(db: &SourceDb, d: &Diagnostic) -> Option<Position> {
    let span = d.primary?;
    let start = db.location(span);
    let (end_line, end_column) = db.file(span.file).line_col(span.end as usize);
    Some(Position {
        path: start.path.display().to_string(),
        line: start.line,
        column: start.column,
        end_line,
        end_column,
    })
}

/// FNV-1a, 64 bits: small, and stable across runs, versions and machines.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A finding's identity that survives edits elsewhere in the file: its code,
/// the entity, the file and the message with its numbers removed (so a line
/// moving or a share changing keeps the fingerprint).
pub fn fingerprint(db: &SourceDb, d: &Diagnostic) -> String {
    let path = position(db, d).map(|p| p.path).unwrap_or_default();
    let message: String = d
        .message()
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect();
    format!(
        "{:016x}",
        fnv1a(&[
            d.code.unwrap_or(""),
            d.entity_name().unwrap_or(""),
            &path,
            &message
        ])
    )
}

/// `--write-baseline` / `--baseline`: the findings accepted today.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub code: String,
    pub file: String,
    pub fingerprint: String,
    pub message: String,
}

impl Baseline {
    pub fn from_sets(sets: &[FindingSet]) -> Baseline {
        use rayon::prelude::*;
        let mut coded = flatten(sets);
        coded.retain(|(_, d)| d.code.is_some());
        // Fingerprinting locates each finding: tens of thousands on a large config.
        let mut findings: Vec<BaselineEntry> = coded
            .par_iter()
            .map(|&(db, d)| BaselineEntry {
                code: d.code.unwrap_or_default().to_string(),
                file: position(db, d).map(|p| p.path).unwrap_or_default(),
                fingerprint: fingerprint(db, d),
                message: d.message().to_string(),
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.file, &a.code, &a.fingerprint).cmp(&(&b.file, &b.code, &b.fingerprint))
        });
        Baseline {
            version: 1,
            findings,
        }
    }

    /// The accepted findings' fingerprints, to look findings up in
    /// constant time (a baseline of a large config holds tens of thousands).
    pub fn fingerprints(&self) -> AcceptedFindings<'_> {
        AcceptedFindings(
            self.findings
                .iter()
                .map(|e| e.fingerprint.as_str())
                .collect(),
        )
    }
}

/// What [`Baseline::fingerprints`] makes: a set of fingerprints.
pub struct AcceptedFindings<'a>(foldhash::HashSet<&'a str>);

impl AcceptedFindings<'_> {
    /// Whether the baseline accepted this finding.
    pub fn contains(&self, db: &SourceDb, d: &Diagnostic) -> bool {
        self.0.contains(fingerprint(db, d).as_str())
    }
}
