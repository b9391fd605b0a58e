//! JUnit XML: one test suite per config file, one test case per file × rule
//! that ran; a rule's findings in that file make its case fail.

use std::collections::BTreeMap;

use crate::report::findings::{FindingSet, position};
use crate::rules;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `files` are every config file checked (those without findings pass).
pub fn render(sets: &[FindingSet], files: &[String]) -> String {
    // file -> code -> messages
    let mut by_file: BTreeMap<String, BTreeMap<String, Vec<String>>> =
        files.iter().map(|f| (f.clone(), BTreeMap::new())).collect();
    for set in sets {
        for d in set.findings {
            let (file, line) = position(set.db, d).map_or((String::new(), 0), |p| (p.path, p.line));
            by_file
                .entry(file)
                .or_default()
                .entry(d.code.unwrap_or("syntax").to_string())
                .or_default()
                .push(format!(
                    "line {line}: {} {}",
                    d.severity.as_str(),
                    d.message()
                ));
        }
    }
    let codes: Vec<&str> = rules::all_meta().iter().map(|m| m.code).collect();
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"lbcheck\">\n");
    for (file, found) in &by_file {
        let mut cases: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        cases.extend(
            found
                .keys()
                .filter(|k| !codes.contains(&k.as_str()))
                .cloned(),
        );
        let failures = cases.iter().filter(|c| found.contains_key(*c)).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
            escape(file),
            cases.len()
        ));
        for code in &cases {
            let name = rules::meta(code).map_or(code.clone(), |m| format!("{} {}", m.code, m.name));
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(file),
                escape(&name)
            ));
            match found.get(code) {
                None => out.push_str("/>\n"),
                Some(messages) => {
                    out.push_str(">\n");
                    let text = messages.join("\n");
                    out.push_str(&format!(
                        "      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                        escape(&messages[0]),
                        escape(&text)
                    ));
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
