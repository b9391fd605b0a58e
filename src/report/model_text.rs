//! `lbcheck model` for people: each entry point with its routes, each backend
//! with its servers, defaults marked as such.

use std::fmt::Write;

use crate::model::{EntryKind, Model, Origin, Sourced, Target};
use crate::source::{SourceDb, Span};

fn at(db: &SourceDb, span: Span) -> String {
    let loc = db.location(span);
    format!("{}:{}", loc.path.display(), loc.line)
}

fn tag<T>(s: &Sourced<T>) -> &'static str {
    match s.origin {
        Origin::Explicit => "",
        Origin::DefaultServer => " (default-server)",
        Origin::Defaults(_) => " (defaults)",
        Origin::Global => " (global)",
        Origin::BuiltIn => " (default)",
    }
}

fn limit(v: Option<u64>) -> String {
    v.map_or_else(
        || "unknown (left to the environment)".to_string(),
        |n| n.to_string(),
    )
}

pub fn render(db: &SourceDb, model: &Model) -> String {
    let mut out = String::new();
    let gm = &model.limits.global_maxconn;
    let _ = writeln!(out, "global maxconn {}{}", limit(gm.value), tag(gm));
    for e in &model.entry_points {
        let kind = match e.kind {
            EntryKind::Frontend => "frontend",
            EntryKind::Listen => "listen",
            EntryKind::HttpServer => "server",
            EntryKind::StreamServer => "stream server",
        };
        let _ = writeln!(
            out,
            "\n{kind} {}{}  [{}]\n  mode {}{}  maxconn {}{}",
            e.name,
            if e.uncertain { " (uncertain)" } else { "" },
            at(db, e.span),
            mode_name(e.mode.value),
            tag(&e.mode),
            limit(e.maxconn.value),
            tag(&e.maxconn)
        );
        for b in &e.binds {
            let _ = writeln!(
                out,
                "  bind {}{}",
                b.address,
                if b.tls { " (tls)" } else { "" }
            );
        }
        for (i, r) in e.routes.iter().enumerate() {
            let target = match &r.target {
                Target::Backend { name } => name.clone(),
                Target::Dynamic {
                    expression,
                    candidates,
                } if candidates.is_empty() => {
                    format!("{expression} (dynamic)")
                }
                Target::Dynamic {
                    expression,
                    candidates,
                } => {
                    let names: Vec<String> = candidates
                        .iter()
                        .map(|c| match c.share {
                            Some(share) => format!("{} {:.1}%", c.backend, share * 100.0),
                            None => c.backend.clone(),
                        })
                        .collect();
                    format!("{expression} (dynamic: {})", names.join(", "))
                }
                Target::Terminal { action } => format!("[{action}]"),
            };
            let cond = if r.condition.is_always() {
                "always".to_string()
            } else {
                format!("if {}", r.condition)
            };
            let maybe = if r.uncertain { " (uncertain)" } else { "" };
            let _ = writeln!(
                out,
                "  {}. {cond} -> {target}{maybe}  [{}]",
                i + 1,
                at(db, r.span)
            );
        }
    }
    for b in &model.backends {
        let algo = &b.algorithm.value;
        let args = algo.args.get(1..).map(|a| a.join(" ")).unwrap_or_default();
        let _ = writeln!(
            out,
            "\nbackend {}{}  [{}]\n  balance {}{}{}  health {}",
            b.name,
            if b.uncertain { " (uncertain)" } else { "" },
            at(db, b.span),
            algo.kind.name(),
            if args.is_empty() {
                String::new()
            } else {
                format!(" {args}")
            },
            tag(&b.algorithm),
            b.health
                .check_type
                .as_ref()
                .map_or("tcp connect", |c| c.value.as_str())
        );
        for s in &b.servers {
            let mut flags = String::new();
            if s.backup.value {
                flags.push_str(" backup");
            }
            if s.disabled.value {
                flags.push_str(" disabled");
            }
            flags.push_str(if s.check.value { " check" } else { " no-check" });
            let _ = writeln!(
                out,
                "  server {} {}  weight {}{}  maxconn {}{}{flags}  [{}]",
                s.name,
                s.address,
                s.weight.value,
                tag(&s.weight),
                s.maxconn
                    .value
                    .map_or("unlimited".to_string(), |n| n.to_string()),
                tag(&s.maxconn),
                at(db, s.span)
            );
        }
    }
    for (span, why) in &model.uncertain {
        let _ = writeln!(out, "\nuncertain: {why}  [{}]", at(db, *span));
    }
    out
}

fn mode_name(mode: crate::model::Mode) -> &'static str {
    match mode {
        crate::model::Mode::Http => "http",
        crate::model::Mode::Tcp => "tcp",
    }
}
