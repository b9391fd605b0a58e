//! Every rule is documented with the fixed headings and has fixtures that
//! must fire (at the lines marked `# expect: CODE`) and fixtures that must
//! not, in `tests/fixtures/rules/<CODE>/` (`fire.cfg`/`quiet.cfg` for HAProxy,
//! `fire.conf`/`quiet.conf` for nginx, `traffic.yaml` when the rule needs
//! expected traffic).

use std::path::{Path, PathBuf};

use lbcheck::check::{CheckOptions, check};
use lbcheck::rules::{DOC_HEADINGS, all_meta};

use crate::common::fixtures;

/// Findings as (code, file name, line): a finding about the expected
/// traffic is in `traffic.yaml`.
fn run(path: &Path, dir: &Path) -> Vec<(String, String, usize)> {
    let traffic = dir.join("traffic.yaml");
    let opts = CheckOptions {
        traffic: traffic
            .exists()
            .then(|| lbcheck::policy::load_traffic(&traffic).expect("traffic file")),
        ..Default::default()
    };
    let result = check(&[path.to_path_buf()], &opts, None).expect("fixture loads");
    assert!(!result.failed, "{}: {:#?}", path.display(), result.findings);
    let file_name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    result
        .findings
        .iter()
        .filter_map(|d| {
            let at = result.loaded.db.location(d.primary?);
            Some((d.code?.to_string(), file_name(&at.path), at.line))
        })
        .collect()
}

/// Lines marked `# expect: CODE`, with the file's name.
fn expected_lines(path: &Path, code: &str) -> Vec<(String, usize)> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let marker = format!("expect: {code}");
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&marker))
        .map(|(i, _)| (name.clone(), i + 1))
        .collect()
}

#[test]
fn every_rule_is_documented_with_the_fixed_headings() {
    for m in all_meta() {
        let mut at = 0;
        for h in DOC_HEADINGS {
            let found = m.doc[at..]
                .find(h)
                .unwrap_or_else(|| panic!("{} lacks '{h}' (in order)", m.code));
            at += found + h.len();
        }
        assert!(
            m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{} name is not kebab-case",
            m.code
        );
        assert!(m.code.starts_with("LB") && m.code.len() == 5, "{}", m.code);
    }
    let codes: Vec<&str> = all_meta().iter().map(|m| m.code).collect();
    let mut sorted = codes.clone();
    sorted.dedup();
    assert_eq!(codes.len(), sorted.len(), "duplicate codes");
}

#[test]
fn every_rule_fires_on_its_fixtures_and_stays_quiet_on_the_others() {
    let root = fixtures().join("rules");
    for m in all_meta() {
        let dir = root.join(m.code);
        let files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("{} has no fixture directory {}", m.code, dir.display()))
            .map(|e| e.expect("entry").path())
            .collect();
        let fire: Vec<&PathBuf> = files
            .iter()
            .filter(|p| p.file_stem().is_some_and(|s| s == "fire"))
            .collect();
        let quiet: Vec<&PathBuf> = files
            .iter()
            .filter(|p| p.file_stem().is_some_and(|s| s == "quiet"))
            .collect();
        assert!(
            !fire.is_empty() && !quiet.is_empty(),
            "{} needs fire and quiet fixtures",
            m.code
        );
        for path in fire {
            let mut want = expected_lines(path, m.code);
            want.extend(expected_lines(&dir.join("traffic.yaml"), m.code));
            assert!(
                !want.is_empty(),
                "{} has no '# expect: {}' marker",
                path.display(),
                m.code
            );
            let got: Vec<(String, usize)> = run(path, &dir)
                .into_iter()
                .filter(|(c, _, _)| c == m.code)
                .map(|(_, f, l)| (f, l))
                .collect();
            let mut got = got;
            got.dedup();
            assert_eq!(
                got,
                want,
                "{}: {} must fire at exactly the marked lines",
                path.display(),
                m.code
            );
        }
        for path in quiet {
            let got: Vec<(String, String, usize)> = run(path, &dir)
                .into_iter()
                .filter(|(c, _, _)| c == m.code)
                .collect();
            assert!(
                got.is_empty(),
                "{}: {} must not fire, got {got:?}",
                path.display(),
                m.code
            );
        }
    }
}

/// A duplicate name points back at the first definition, however many
/// follow and whichever way the servers were compared (scanned or hashed).
#[test]
fn duplicate_names_point_at_the_first_definition() {
    let path = fixtures().join("rules/LB106/fire.cfg");
    let result =
        check(std::slice::from_ref(&path), &CheckOptions::default(), None).expect("fixture loads");
    let text = std::fs::read_to_string(&path).unwrap();
    let line_of = |offset: u32| text[..offset as usize].matches('\n').count() + 1;
    let first_line = |prefix: &str| text.lines().position(|l| l.starts_with(prefix)).unwrap() + 1;
    let mut seen = 0;
    for d in result.findings.iter().filter(|d| d.code == Some("LB106")) {
        let at = &text[d.primary.unwrap().range()];
        let first = if at.starts_with("backend twice") {
            first_line("backend twice")
        } else if at.starts_with("server a ") {
            first_line("    server a ")
        } else {
            first_line("    server m3 ")
        };
        assert_eq!(
            line_of(d.more().related[0].0.start),
            first,
            "{}",
            d.message()
        );
        seen += 1;
    }
    assert_eq!(seen, 6);
}
