//! `lbcheck model` for people: the limits, each entry point with its routes,
//! each backend with its servers; defaults marked as such, in the words of
//! the format the config is written in.

use std::fmt::Write;

use crate::model::{
    Backend, EntryKind, Mode, Model, Origin, Originated, Server, SourceFormat, Target,
};
use crate::report::candidates::CandidateListings;
use crate::source::{SourceDb, Span};
use crate::traffic::Shares;

fn at(db: &SourceDb, span: Span) -> String {
    let loc = db.location(span);
    format!("{}:{}", loc.path.display(), loc.line)
}

fn tag<T>(s: &impl Originated<T>) -> &'static str {
    match s.origin() {
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

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Http => "http",
        Mode::Tcp => "tcp",
    }
}

fn uncertain(flag: bool) -> &'static str {
    if flag { " (uncertain)" } else { "" }
}

fn limits(out: &mut String, model: &Model) {
    let l = &model.limits;
    match model.format {
        SourceFormat::Haproxy => {
            let _ = writeln!(
                out,
                "global maxconn {}{}",
                limit(l.global_maxconn.value),
                tag(&l.global_maxconn)
            );
        }
        SourceFormat::Nginx => {
            if let (Some(p), Some(c)) = (&l.worker_processes, &l.worker_connections) {
                let workers = p
                    .value
                    .map_or("auto (unknown without --cpus)".to_string(), |n| {
                        n.to_string()
                    });
                let _ = writeln!(
                    out,
                    "worker_processes {workers}{} x worker_connections {}{} = {} connections",
                    tag(p),
                    c.value,
                    tag(c),
                    limit(l.nginx_connections())
                );
            }
            if let Some(n) = &l.worker_rlimit_nofile {
                let _ = writeln!(out, "worker_rlimit_nofile {}", limit(n.value));
            }
        }
    }
}

/// A route's target; `listed_at` names the route of the same entry point
/// or another where a long shared candidate list is listed in full.
fn target_text(target: &Target, listed_at: Option<(&str, usize)>) -> String {
    match target {
        Target::Dynamic {
            expression,
            candidates,
        } if let Some((entry, route)) = listed_at => format!(
            "{expression} (dynamic: the {} candidates of {entry} route {})",
            candidates.len(),
            route + 1
        ),
        Target::Backend { name } => name.clone(),
        Target::Dynamic {
            expression,
            candidates,
        } if candidates.is_empty() => format!("{expression} (dynamic)"),
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
    }
}

fn server_line(format: SourceFormat, s: &Server) -> String {
    let mut line = match format {
        SourceFormat::Haproxy => format!("server {} {}", s.name(), s.address()),
        SourceFormat::Nginx => format!("server {}", s.address()),
    };
    let _ = write!(line, "  weight {}{}", s.weight.value, tag(&s.weight));
    let maxconn = super::connections(s.maxconn.value);
    let word = if format == SourceFormat::Nginx {
        "max_conns"
    } else {
        "maxconn"
    };
    let _ = write!(line, "  {word} {maxconn}{}", tag(&s.maxconn));
    if s.backup.value {
        line.push_str(" backup");
    }
    if s.disabled.value {
        line.push_str(if format == SourceFormat::Nginx {
            " down"
        } else {
            " disabled"
        });
    }
    match format {
        SourceFormat::Haproxy => line.push_str(if s.check.value { " check" } else { " no-check" }),
        SourceFormat::Nginx => {
            if let (Some(f), Some(t)) = (s.max_fails(), s.fail_timeout_ms()) {
                let _ = write!(
                    line,
                    "  max_fails {}{} fail_timeout {}ms{}",
                    f.value,
                    tag(f),
                    t.value,
                    tag(t)
                );
            }
        }
    }
    line
}

fn backend(out: &mut String, db: &SourceDb, format: SourceFormat, b: &Backend, shares: &Shares) {
    let algo = &b.algorithm.value;
    let args = algo.params.join(" ");
    let word = match (b.kind, format) {
        (crate::model::BackendKind::Implicit, _) => "address",
        (_, SourceFormat::Nginx) => "upstream",
        _ => "backend",
    };
    let health = match (&b.health.check_type, format) {
        (Some(c), _) => &*c.value,
        (None, SourceFormat::Haproxy) => "tcp connect",
        (None, SourceFormat::Nginx) => "passive",
    };
    let _ = writeln!(
        out,
        "\n{word} {}{}  [{}]\n  balance {}{}{}  health {health}",
        b.name,
        uncertain(b.uncertain),
        at(db, b.span),
        algo.kind.name_in(format),
        if args.is_empty() {
            String::new()
        } else {
            format!(" {args}")
        },
        tag(&b.algorithm),
    );
    for (s, share) in b.servers.iter().zip(&shares.servers) {
        let pct = format!("{:5.1}%", share.share * 100.0);
        let failing = if share.failing { " FAILING" } else { "" };
        let _ = writeln!(
            out,
            "  {pct}{failing}  {}  [{}]",
            server_line(format, s),
            at(db, s.span)
        );
    }
    if shares.failing_share > 0.0 {
        let _ = writeln!(
            out,
            "  {:.1}% of this backend's requests fail",
            shares.failing_share * 100.0
        );
    }
    if shares.backups_engaged {
        let _ = writeln!(
            out,
            "  backups are taking the traffic: no primary server can"
        );
    }
    if let Some(c) = shares.assumed_concurrency {
        let _ = writeln!(
            out,
            "  shares assume {c} request(s) in flight at once (--concurrency)"
        );
    }
    for note in &shares.notes {
        let _ = writeln!(out, "  note: {note}");
    }
}

pub fn render(db: &SourceDb, model: &Model, shares: &[Shares]) -> String {
    let mut out = String::new();
    limits(&mut out, model);
    let listings = CandidateListings::new(model);
    for (ei, e) in model.entry_points.iter().enumerate() {
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
            uncertain(e.uncertain),
            at(db, e.span),
            mode_name(e.mode.value),
            tag(&e.mode),
            limit(e.maxconn.value),
            tag(&e.maxconn)
        );
        if !e.server_names.is_empty() {
            let _ = writeln!(out, "  server_name {}", e.server_names.join(" "));
        }
        for b in &e.binds {
            let mut flags = String::new();
            if b.tls {
                flags.push_str(" (tls)");
            }
            if b.default_server {
                flags.push_str(" (default_server)");
            }
            let _ = writeln!(out, "  bind {}{flags}", b.address);
        }
        for (i, r) in e.routes.iter().enumerate() {
            let cond = if r.condition.is_always() {
                "always".to_string()
            } else {
                format!("if {}", r.condition)
            };
            let listed_at = listings
                .target_listed_at((ei, i), &r.target)
                .map(|(e, r)| (model.entry_points[e].name.as_str(), r));
            let _ = writeln!(
                out,
                "  {}. {cond} -> {}{}  [{}]",
                i + 1,
                target_text(&r.target, listed_at),
                uncertain(r.uncertain),
                at(db, r.span)
            );
        }
    }
    for (b, sh) in model.backends.iter().zip(shares) {
        backend(&mut out, db, model.format, b, sh);
    }
    for (span, why) in &model.uncertain {
        let _ = writeln!(out, "\nuncertain: {why}  [{}]", at(db, *span));
    }
    out
}
