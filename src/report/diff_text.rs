//! `lbcheck diff` for terminals: the risk summary first, then traffic
//! shifts, route changes, capacity, entity changes and the findings delta.

use std::fmt::Write;

use crate::diff::DiffReport;
use crate::diff::matching::{Change, ChangeKind, Place};

fn at(p: &Option<Place>) -> String {
    p.as_ref()
        .map_or(String::new(), |p| format!("{}:{}", p.file, p.line))
}

pub fn change_line(c: &Change) -> String {
    let sides = match (&c.old, &c.new) {
        (Some(_), Some(_)) => format!("  [{} -> {}]", at(&c.old), at(&c.new)),
        (Some(_), None) => format!("  [{}]", at(&c.old)),
        (None, Some(_)) => format!("  [{}]", at(&c.new)),
        (None, None) => String::new(),
    };
    match c.kind {
        ChangeKind::Added => format!(
            "+ {}{}{sides}",
            c.entity,
            c.after.as_ref().map_or(String::new(), |a| format!(": {a}"))
        ),
        ChangeKind::Removed => format!(
            "- {}{}{sides}",
            c.entity,
            c.before
                .as_ref()
                .map_or(String::new(), |b| format!(": {b}"))
        ),
        ChangeKind::Renamed => format!(
            "~ {} renamed to {}{sides}",
            c.entity,
            c.after.as_deref().unwrap_or("")
        ),
        ChangeKind::Changed => format!(
            "~ {} {}: {} -> {}{sides}",
            c.entity,
            c.attribute.as_deref().unwrap_or(""),
            c.before.as_deref().unwrap_or(""),
            c.after.as_deref().unwrap_or("")
        ),
    }
}

pub fn render(report: &DiffReport, old: &str, new: &str) -> String {
    let mut out = format!("lbcheck diff {old} -> {new}\n\nrisk summary:\n");
    for r in &report.risks {
        let _ = writeln!(out, "  ! {r}");
    }
    if !report.shares.is_empty() {
        out.push_str("\ntraffic shift (share of the backend's requests):\n");
        for s in &report.shares {
            let _ = writeln!(
                out,
                "  {}/{} {}  {:.1}% -> {:.1}%  ({:+.1} pp)",
                s.backend,
                s.server,
                s.address,
                s.before * 100.0,
                s.after * 100.0,
                s.shift_pp()
            );
        }
    }
    if !report.routes.is_empty() {
        let _ = writeln!(
            out,
            "\nrouting ({} of {} probe requests changed):",
            report.routes.len(),
            report.probes_evaluated
        );
        for r in &report.routes {
            let _ = writeln!(
                out,
                "  Host: {} {} (port {}): {} -> {}",
                r.probe.host, r.probe.path, r.probe.port, r.before, r.after
            );
        }
    }
    if report.probes_truncated {
        out.push_str("  (probes were cut at the limit; some routes were not compared)\n");
    }
    if !report.capacity.is_empty() {
        out.push_str("\ncapacity (connections):\n");
        for c in &report.capacity {
            let _ = write!(
                out,
                "  {}: {} -> {}",
                c.entity,
                super::connections(c.before),
                super::connections(c.after)
            );
            if c.before_n_minus_1.is_some() || c.after_n_minus_1.is_some() {
                let _ = write!(
                    out,
                    ", N-1 {} -> {}",
                    super::connections(c.before_n_minus_1),
                    super::connections(c.after_n_minus_1)
                );
            }
            if let Some(e) = c.expected {
                let _ = write!(out, ", expected {e}");
            }
            out.push('\n');
        }
    }
    if !report.changes.is_empty() {
        out.push_str("\nchanges:\n");
        for c in &report.changes {
            let _ = writeln!(out, "  {}", change_line(c));
        }
    }
    let f = &report.findings;
    let _ = writeln!(
        out,
        "\nfindings: {} introduced, {} fixed, {} unchanged",
        f.introduced.len(),
        f.fixed.len(),
        f.unchanged.len()
    );
    for (word, list) in [("introduced", &f.introduced), ("fixed", &f.fixed)] {
        for d in list.iter() {
            let _ = writeln!(
                out,
                "  {word} {} {}: {}",
                d.severity.as_str(),
                d.code.unwrap_or("-"),
                d.message()
            );
        }
    }
    out
}
