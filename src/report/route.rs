//! `lbcheck route` output: the entry point, the matching rule, the backend
//! and its servers with their shares, and whether the answer is certain.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::model::{Model, Target};
use crate::route::Decision;
use crate::source::SourceDb;
use crate::traffic::Shares;

fn backend_of(d: &Decision) -> Option<&str> {
    match &d.target {
        Some(Target::Backend { name }) => Some(name),
        _ => None,
    }
}

pub fn to_value(db: &SourceDb, model: &Model, shares: &[Shares], d: &Decision) -> Value {
    let entry = &model.entry_points[d.entry];
    let rule = d.route.map(|i| {
        let loc = db.location(entry.routes[i].span);
        json!({"file": loc.path.display().to_string(), "line": loc.line, "condition": entry.routes[i].condition.to_string()})
    });
    let backend = backend_of(d);
    let index = backend.and_then(|name| model.backends.iter().position(|b| b.name == name));
    let failing = index.map_or(0.0, |bi| shares[bi].failing_share);
    let notes = index.map_or(&[][..], |bi| &shares[bi].notes[..]);
    let servers: Vec<Value> = index
        .map(|bi| {
            model.backends[bi]
                .servers
                .iter()
                .zip(&shares[bi].servers)
                .map(|(s, sh)| json!({"name": s.name(), "address": s.address(), "share": sh.share}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "entry_point": entry.name,
        "rule": rule,
        "backend": backend,
        "target": d.target,
        "servers": servers,
        "failing_share": failing,
        "notes": notes,
        "certain": d.certain,
        "unknown": d.unknown,
    })
}

pub fn render_json(db: &SourceDb, model: &Model, shares: &[Shares], d: &Decision) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(db, model, shares, d)).unwrap_or_default();
    s.push('\n');
    s
}

pub fn render_text(db: &SourceDb, model: &Model, shares: &[Shares], d: &Decision) -> String {
    let entry = &model.entry_points[d.entry];
    let mut out = String::new();
    let _ = writeln!(out, "entry point  {}", entry.name);
    match d.route {
        Some(i) => {
            let r = &entry.routes[i];
            let loc = db.location(r.span);
            let _ = writeln!(
                out,
                "rule         {}:{}  {}",
                loc.path.display(),
                loc.line,
                r.condition
            );
        }
        None => {
            let _ = writeln!(
                out,
                "rule         none matched: the request gets an error response"
            );
        }
    }
    match &d.target {
        Some(Target::Backend { name }) => {
            let _ = writeln!(out, "backend      {name}");
            if let Some(bi) = model.backends.iter().position(|b| b.name == *name) {
                for (s, sh) in model.backends[bi].servers.iter().zip(&shares[bi].servers) {
                    let _ = writeln!(
                        out,
                        "  {:5.1}%  {} {}",
                        sh.share * 100.0,
                        s.name(),
                        s.address()
                    );
                }
                let failing = shares[bi].failing_share;
                if failing > 0.0 {
                    let _ = writeln!(
                        out,
                        "  {:5.1}%  fail: no server takes them",
                        failing * 100.0
                    );
                }
                for note in &shares[bi].notes {
                    let _ = writeln!(out, "  note: {note}");
                }
            } else {
                let _ = writeln!(out, "  (no such backend is defined)");
            }
        }
        Some(Target::Dynamic {
            expression,
            candidates,
        }) => {
            let names: Vec<&str> = candidates.iter().map(|c| c.backend.as_str()).collect();
            let _ = writeln!(
                out,
                "backend      computed at run time: {expression} (may be: {})",
                names.join(", ")
            );
        }
        Some(Target::Terminal { action }) => {
            let _ = writeln!(out, "answered by  {action}");
        }
        None => {}
    }
    if d.certain {
        let _ = writeln!(out, "certain      yes");
    } else {
        let _ = writeln!(out, "certain      no");
        for why in &d.unknown {
            let _ = writeln!(out, "  because {why}");
        }
    }
    out
}
