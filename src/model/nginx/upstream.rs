//! `upstream { ... }` blocks: servers with their parameters, the balancing
//! method, `keepalive` and `zone`, and what nginx refuses in them
//! (`weight=0`, `backup` under a hashing method, no servers at all).

use std::borrow::Cow;

use crate::diag::Diagnostic;
use crate::model::WithOrigin;
use crate::model::haproxy::parse_time_ms;
use crate::model::{
    Algorithm, AlgorithmKind, Backend, BackendExtras, BackendKind, FailureDetection, Health, Mode,
    Origin, Server, Sourced, Timeouts,
};
use crate::source::Span;
use crate::syntax::nginx::Directive;

/// Parses an nginx time (`10s`, `1m`, `500ms`, `30`) into milliseconds.
/// nginx units: ms, s, m, h, d, w, M, y; a bare number is seconds.
pub fn parse_nginx_time(text: &str) -> Option<u64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == text.len() {
        return text.parse::<u64>().ok().map(|s| s * 1000);
    }
    match &text[digits..] {
        "w" => text[..digits]
            .parse::<u64>()
            .ok()
            .map(|n| n * 7 * 86_400_000),
        "M" => text[..digits]
            .parse::<u64>()
            .ok()
            .map(|n| n * 30 * 86_400_000),
        "y" => text[..digits]
            .parse::<u64>()
            .ok()
            .map(|n| n * 365 * 86_400_000),
        _ => parse_time_ms(text),
    }
}

/// A server's address as nginx reads it: `unix:` paths as is, a missing port
/// is 80.
pub fn normalize_address(addr: &str) -> String {
    if addr.starts_with("unix:") {
        return addr.to_string();
    }
    let has_port = if let Some(rest) = addr.strip_prefix('[') {
        rest.contains("]:")
    } else {
        addr.contains(':')
    };
    if has_port {
        addr.to_string()
    } else {
        format!("{addr}:80")
    }
}

/// A server with nginx's defaults for everything not written.
pub fn default_server(address: String, span: Span) -> Server {
    let (names, address_at) = Server::names(None, &address);
    Server {
        names,
        address_at,
        span,
        weight: Sourced::built_in(1),
        maxconn: Sourced::built_in(None),
        backup: WithOrigin::built_in(false),
        disabled: WithOrigin::built_in(false),
        check: WithOrigin::built_in(false),
        detection: FailureDetection::Passive {
            max_fails: WithOrigin::built_in(1),
            fail_timeout_ms: WithOrigin::built_in(10_000),
        },
        extras: None,
        unresolved: false,
        uncertain: false,
    }
}

fn invalid(d: &Directive, i: usize, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::error(format!("invalid parameter \"{}\"", d.arg(i).unwrap_or("")))
            .at(d.arg_span(i))
            .label("nginx refuses this"),
    );
}

/// One `server` line of an upstream.
fn server(d: &Directive, diags: &mut Vec<Diagnostic>) -> Option<(Server, Option<Span>)> {
    let Some(addr) = d.arg(0) else {
        diags.push(Diagnostic::error("\"server\" needs an address").at(d.name_span()));
        return None;
    };
    let mut s = default_server(normalize_address(addr), d.span());
    s.unresolved = addr.contains('$');
    let mut backup_at = None;
    for i in 1..d.args().len() {
        let word = d.arg(i).unwrap_or("");
        let span = d.arg_span(i);
        let (key, value) = word.split_once('=').unwrap_or((word, ""));
        let number = || value.parse::<u64>().ok();
        match key {
            "weight" => match number() {
                Some(w) if w > 0 => s.weight = Sourced::explicit(w as u32, span),
                Some(_) => diags.push(
                    Diagnostic::error(
                        "invalid parameter \"weight=0\": nginx refuses a zero weight",
                    )
                    .code(crate::rules::balance::zero_weight_server::ZeroWeightServer::META.code)
                    .at(span)
                    .help("mark the server 'down' to take it out"),
                ),
                None => invalid(d, i, diags),
            },
            "max_conns" => match number() {
                Some(n) => s.maxconn = Sourced::explicit((n > 0).then_some(n), span),
                None => invalid(d, i, diags),
            },
            "max_fails" => match number() {
                Some(n) => {
                    if let FailureDetection::Passive { max_fails, .. } = &mut s.detection {
                        *max_fails = WithOrigin::explicit(n as u32);
                    }
                }
                None => invalid(d, i, diags),
            },
            "fail_timeout" => match parse_nginx_time(value) {
                Some(ms) => {
                    if let FailureDetection::Passive {
                        fail_timeout_ms, ..
                    } = &mut s.detection
                    {
                        *fail_timeout_ms = WithOrigin::explicit(ms);
                    }
                }
                None => invalid(d, i, diags),
            },
            "slow_start" => match parse_nginx_time(value) {
                Some(ms) => {
                    s.extras_mut().slowstart_ms = Sourced::explicit((ms > 0).then_some(ms), span)
                }
                None => invalid(d, i, diags),
            },
            "backup" if value.is_empty() => {
                s.backup = WithOrigin::explicit(true);
                backup_at = Some(span);
            }
            "down" if value.is_empty() => s.disabled = WithOrigin::explicit(true),
            "drain" | "resolve" if value.is_empty() => {}
            "service" | "route" => {}
            _ => invalid(d, i, diags),
        }
    }
    Some((s, backup_at))
}

/// The balancing method of an upstream body, with where it was set.
fn method(d: &Directive, diags: &mut Vec<Diagnostic>) -> Option<Sourced<Algorithm>> {
    let params: Vec<String> = d.args().iter().map(|w| w.as_str().to_string()).collect();
    let kind = match d.name() {
        "least_conn" => AlgorithmKind::LeastConn,
        "ip_hash" => AlgorithmKind::IpHash,
        "random" => AlgorithmKind::Random,
        "hash" => {
            if d.arg(0).is_none() {
                diags.push(Diagnostic::error("\"hash\" needs a key").at(d.name_span()));
                return None;
            }
            if let Some(extra) = d.arg(1).filter(|a| *a != "consistent") {
                let _ = extra;
                invalid(d, 1, diags);
            }
            AlgorithmKind::Hash
        }
        _ => return None,
    };
    Some(Sourced::explicit(Algorithm { kind, params }, d.span()))
}

/// Lowers one `upstream NAME { ... }` (or an upstream-context snippet);
/// `close` is where the block ends (nginx reports a missing server there).
pub fn lower(
    name: &str,
    span: Span,
    close: Span,
    body: &[Directive],
    mode: Mode,
    diags: &mut Vec<Diagnostic>,
) -> Backend {
    // Sized up front, as a pushed vector keeps room it never uses.
    let mut servers = Vec::with_capacity(body.iter().filter(|d| d.name() == "server").count());
    let mut backups = Vec::new();
    let mut algorithm = None;
    let mut keepalive = None;
    let mut extras: Option<Box<BackendExtras>> = None;
    for d in body {
        match d.name() {
            "server" => {
                if let Some((s, backup)) = server(d, diags) {
                    backups.extend(backup);
                    servers.push(s);
                }
            }
            "keepalive" => {
                if let Some(n) = d.arg(0).and_then(|a| a.parse().ok()) {
                    keepalive = Some(WithOrigin::explicit(n));
                }
            }
            "zone" => {
                let zone = d.arg(0).map(str::to_string);
                extras.get_or_insert_with(Default::default).zone = zone;
            }
            _ => {
                if let Some(m) = method(d, diags) {
                    if m.value.kind == AlgorithmKind::Hash && d.arg(1) == Some("consistent") {
                        extras.get_or_insert_with(Default::default).hash_type =
                            Sourced::explicit(Cow::Borrowed("consistent"), d.span());
                    }
                    algorithm = Some(m);
                }
            }
        }
    }
    let algorithm = algorithm.unwrap_or_else(|| {
        Sourced::built_in(Algorithm {
            kind: AlgorithmKind::RoundRobin,
            params: Vec::new(),
        })
    });
    if matches!(
        algorithm.value.kind,
        AlgorithmKind::IpHash | AlgorithmKind::Hash | AlgorithmKind::Random
    ) {
        for at in backups {
            let mut d = Diagnostic::error("balancing method does not support parameter \"backup\"")
                .at(at)
                .label("nginx refuses this");
            if let Some(m) = algorithm.span {
                d = d.related(m, "the balancing method");
            }
            diags.push(d);
        }
    }
    if servers.is_empty() {
        diags.push(
            Diagnostic::error("no servers are inside upstream")
                .at(close)
                .related(span, "this upstream"),
        );
    }
    Backend {
        name: name.to_string(),
        kind: BackendKind::Upstream,
        span,
        mode: Sourced::built_in(mode),
        algorithm,
        health: Health {
            check_type: None,
            allbackups: Sourced {
                value: true,
                origin: Origin::BuiltIn,
                span: None,
            },
            redispatch: WithOrigin::built_in(true),
        },
        keepalive,
        extras,
        timeouts: Timeouts::default(),
        stick_table: false,
        serves_itself: false,
        disabled: None,
        servers,
        uncertain: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_keeps_its_name_and_address_in_a_small_record() {
        // Three servers of a backend fit a 448-byte block, not a 512-byte one.
        assert!(std::mem::size_of::<Server>() <= 144);
        let span = Span::new(crate::source::FileId::new(0), 0..1);
        let mut server = default_server("unix:/run/app.sock".into(), span);
        assert_eq!(server.name(), "unix:/run/app.sock");
        assert_eq!(server.address(), "unix:/run/app.sock");
        (server.names, server.address_at) = Server::names(Some("web1"), "10.0.0.1:80");
        assert_eq!((server.name(), server.address()), ("web1", "10.0.0.1:80"));
        (server.names, server.address_at) = Server::names(Some(""), "[::1]:8080");
        assert_eq!((server.name(), server.address()), ("", "[::1]:8080"));
    }

    /// `zone` and `hash ... consistent` reach the upstream; an upstream
    /// with neither has no extras.
    #[test]
    fn rare_upstream_settings_are_kept_apart() {
        let text = "events {}\nhttp { upstream a { zone shared 64k; hash $uri consistent; server 10.0.0.1; }\n\
                    upstream b { hash $uri; server 10.0.0.2; } }\n";
        let mut db = crate::source::SourceDb::new();
        let id = db.add("u.conf", text.to_string());
        let (model, diags) = crate::lower_nginx(&mut db, &[id], &crate::Options::default());
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
        let a = model.backend("a").unwrap();
        assert_eq!(
            (a.zone(), &*a.hash_type().value),
            (Some("shared"), "consistent")
        );
        assert_eq!(a.hash_type().origin, Origin::Explicit);
        let b = model.backend("b").unwrap();
        assert_eq!((b.zone(), &*b.hash_type().value), (None, "map-based"));
        assert!(b.extras.is_none());
    }

    #[test]
    fn times_and_addresses() {
        assert_eq!(parse_nginx_time("10"), Some(10_000));
        assert_eq!(parse_nginx_time("10s"), Some(10_000));
        assert_eq!(parse_nginx_time("1m"), Some(60_000));
        assert_eq!(parse_nginx_time("500ms"), Some(500));
        assert_eq!(parse_nginx_time("x"), None);
        assert_eq!(normalize_address("10.0.0.1"), "10.0.0.1:80");
        assert_eq!(normalize_address("app:8080"), "app:8080");
        assert_eq!(normalize_address("[::1]"), "[::1]:80");
        assert_eq!(normalize_address("unix:/tmp/s"), "unix:/tmp/s");
    }
}
