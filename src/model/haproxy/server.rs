//! `server`, `server-template` and `default-server` lines.
//!
//! Parameters are applied in order onto a [`ServerParams`]: a proxy's
//! servers start from its defaults section's `default-server`, then each
//! `default-server` line of the proxy seen so far, then their own words, and
//! each value remembers which of those set it.

use crate::diag::Diagnostic;
use crate::model::{FailureDetection, Origin, Server, ServerExtras, Sourced, WithOrigin};
use crate::source::Span;
use crate::syntax::haproxy::Line;
use crate::syntax::haproxy::keywords::did_you_mean;

/// Server keywords that take no argument (sorted: looked up by binary search).
const FLAGS: &[&str] = &[
    "agent-check",
    "allow-0rtt",
    "backup",
    "check",
    "check-reuse-pool",
    "check-send-proxy",
    "check-sni-auto",
    "check-ssl",
    "check-via-socks4",
    "disabled",
    "enabled",
    "force-sslv3",
    "force-tlsv10",
    "force-tlsv11",
    "force-tlsv12",
    "force-tlsv13",
    "no-agent-check",
    "no-backup",
    "no-check",
    "no-check-reuse-pool",
    "no-check-sni-auto",
    "no-check-ssl",
    "no-renegotiate",
    "no-send-proxy",
    "no-send-proxy-v2",
    "no-send-proxy-v2-ssl",
    "no-send-proxy-v2-ssl-cn",
    "no-sni-auto",
    "no-ssl",
    "no-ssl-reuse",
    "no-sslv3",
    "no-tfo",
    "no-tls-tickets",
    "no-tlsv10",
    "no-tlsv11",
    "no-tlsv12",
    "no-tlsv13",
    "no-verifyhost",
    "non-stick",
    "renegotiate",
    "send-proxy",
    "send-proxy-v2",
    "send-proxy-v2-ssl",
    "send-proxy-v2-ssl-cn",
    "sni-auto",
    "ssl",
    "ssl-reuse",
    "stick",
    "strict-maxconn",
    "tfo",
    "tls-tickets",
];

/// Server keywords that take one argument (sorted: looked up by binary search).
const VALUED: &[&str] = &[
    "addr",
    "agent-addr",
    "agent-inter",
    "agent-port",
    "agent-send",
    "alpn",
    "ca-file",
    "cc",
    "check-alpn",
    "check-pool-conn-name",
    "check-proto",
    "check-sni",
    "ciphers",
    "ciphersuites",
    "client-sigalgs",
    "cookie",
    "crl-file",
    "crt",
    "curves",
    "downinter",
    "error-limit",
    "fall",
    "fastinter",
    "guid",
    "hash-key",
    "healthcheck",
    "id",
    "idle-ping",
    "init-addr",
    "init-state",
    "inter",
    "interface",
    "ktls",
    "log-bufsize",
    "log-proto",
    "max-reuse",
    "maxconn",
    "maxqueue",
    "minconn",
    "namespace",
    "npn",
    "observe",
    "on-error",
    "on-marked-down",
    "on-marked-up",
    "pool-conn-name",
    "pool-low-conn",
    "pool-max-conn",
    "pool-purge-delay",
    "port",
    "proto",
    "proxy-v2-options",
    "quic-cc-algo",
    "redir",
    "resolve-net",
    "resolve-opts",
    "resolve-prefer",
    "resolvers",
    "rise",
    "set-proxy-v2-tlv-fmt",
    "shard",
    "sigalgs",
    "slowstart",
    "sni",
    "socks4",
    "source",
    "ssl-max-ver",
    "ssl-min-ver",
    "tcp-md5sig",
    "tcp-ut",
    "track",
    "usesrc",
    "verify",
    "verifyhost",
    "weight",
    "ws",
];

/// The parameters that matter for routing and capacity, each optional until set.
#[derive(Debug, Clone, Default)]
pub struct ServerParams {
    pub weight: Option<Sourced<u32>>,
    pub maxconn: Option<Sourced<Option<u64>>>,
    pub maxqueue: Option<Sourced<Option<u64>>>,
    pub backup: Option<Sourced<bool>>,
    pub disabled: Option<Sourced<bool>>,
    pub check: Option<Sourced<bool>>,
    pub agent_check: Option<Sourced<bool>>,
    pub inter_ms: Option<Sourced<u64>>,
    pub fall: Option<Sourced<u32>>,
    pub rise: Option<Sourced<u32>>,
    pub slowstart_ms: Option<Sourced<Option<u64>>>,
    pub track: Option<Box<str>>,
}

enum KeywordKind {
    Flag,
    Valued,
    Unknown,
}

/// Whether a server keyword takes an argument. The keywords lbcheck reads
/// (most of the words of most server lines) are matched without a table.
fn keyword_kind(kw: &str) -> KeywordKind {
    match kw {
        "backup" | "no-backup" | "disabled" | "enabled" | "check" | "no-check" | "agent-check"
        | "no-agent-check" => KeywordKind::Flag,
        "weight" | "maxconn" | "maxqueue" | "fall" | "rise" | "inter" | "slowstart" | "track" => {
            KeywordKind::Valued
        }
        _ if FLAGS.binary_search(&kw).is_ok() => KeywordKind::Flag,
        _ if VALUED.binary_search(&kw).is_ok() => KeywordKind::Valued,
        _ => KeywordKind::Unknown,
    }
}

/// Parses an HAProxy time (`500`, `2s`, `1m30s` is not valid HAProxy; units
/// us, ms, s, m, h, d) into milliseconds.
pub fn parse_time_ms(text: &str) -> Option<u64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let value: u64 = text[..digits].parse().ok()?;
    let factor = match &text[digits..] {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    Some((value as f64 * factor) as u64)
}

impl ServerParams {
    /// Applies the words of a `server`/`default-server` line from `first` on.
    pub fn apply(
        &mut self,
        line: &Line,
        first: usize,
        origin: &Origin,
        diags: &mut Vec<Diagnostic>,
    ) {
        let mut i = first;
        while i < line.words.len() {
            let kw = line.words[i].as_str();
            let span = line.word_span(i);
            let set = |span: Span| Sourced {
                value: true,
                origin: *origin,
                span: Some(span),
            };
            let unset = |span: Span| Sourced {
                value: false,
                origin: *origin,
                span: Some(span),
            };
            match keyword_kind(kw) {
                KeywordKind::Flag => {
                    match kw {
                        "backup" => self.backup = Some(set(span)),
                        "no-backup" => self.backup = Some(unset(span)),
                        "disabled" => self.disabled = Some(set(span)),
                        "enabled" => self.disabled = Some(unset(span)),
                        "check" => self.check = Some(set(span)),
                        "no-check" => self.check = Some(unset(span)),
                        "agent-check" => self.agent_check = Some(set(span)),
                        "no-agent-check" => self.agent_check = Some(unset(span)),
                        _ => {}
                    }
                    i += 1;
                    continue;
                }
                KeywordKind::Unknown => {
                    let mut d = Diagnostic::error(format!("unknown server keyword '{kw}'"))
                        .code(crate::syntax::haproxy::validate::UNKNOWN_KEYWORD)
                        .at(span)
                        .label("HAProxy refuses this line");
                    if let Some(s) = did_you_mean(kw, FLAGS.iter().chain(VALUED).copied()) {
                        d = d.help(format!("did you mean '{s}'?"));
                    }
                    diags.push(d);
                    i += 1;
                    continue;
                }
                KeywordKind::Valued => {}
            }
            let Some(arg) = line.words.get(i + 1) else {
                diags.push(Diagnostic::error(format!("'{kw}' expects an argument")).at(span));
                return;
            };
            let arg_span = line.word_span(i + 1).to(span);
            let value = arg.as_str();
            let number = |diags: &mut Vec<Diagnostic>| -> Option<u64> {
                let n = value.parse::<u64>().ok();
                if n.is_none() && !arg.env() {
                    diags.push(
                        Diagnostic::error(format!("'{kw}' expects an integer, not '{value}'"))
                            .at(line.word_span(i + 1)),
                    );
                }
                n
            };
            match kw {
                "weight" => {
                    if let Some(w) = number(diags) {
                        if w > 256 {
                            diags.push(
                                Diagnostic::error(format!("weight {w} is out of range"))
                                    .at(line.word_span(i + 1))
                                    .help("HAProxy weights go from 0 to 256"),
                            );
                        } else {
                            self.weight = Some(Sourced::new(w as u32, origin, arg_span));
                        }
                    }
                }
                "maxconn" => {
                    self.maxconn =
                        number(diags).map(|n| Sourced::new((n > 0).then_some(n), origin, arg_span))
                }
                "maxqueue" => {
                    self.maxqueue =
                        number(diags).map(|n| Sourced::new((n > 0).then_some(n), origin, arg_span))
                }
                "fall" => {
                    self.fall = number(diags).map(|n| Sourced::new(n as u32, origin, arg_span))
                }
                "rise" => {
                    self.rise = number(diags).map(|n| Sourced::new(n as u32, origin, arg_span))
                }
                "inter" | "slowstart" => match parse_time_ms(value) {
                    Some(ms) if kw == "inter" => {
                        self.inter_ms = Some(Sourced::new(ms, origin, arg_span))
                    }
                    Some(ms) => {
                        self.slowstart_ms =
                            Some(Sourced::new((ms > 0).then_some(ms), origin, arg_span))
                    }
                    None if arg.env() => {}
                    None => diags.push(
                        Diagnostic::error(format!(
                            "'{kw}' expects a time like 2s or 500ms, not '{value}'"
                        ))
                        .at(line.word_span(i + 1)),
                    ),
                },
                "track" => self.track = Some(value.into()),
                _ => {}
            }
            i += 2;
        }
    }

    /// A server with every unset parameter at HAProxy's built-in default.
    pub fn build(&self, name: String, address: String, span: Span, unresolved: bool) -> Server {
        let or = |v: &Option<Sourced<bool>>| v.clone().unwrap_or_else(|| Sourced::built_in(false));
        let flag = |v: &Option<Sourced<bool>>| WithOrigin::from(or(v));
        let given = |v: &Option<Sourced<u32>>, default| {
            v.clone()
                .map_or(WithOrigin::built_in(default), WithOrigin::from)
        };
        let has_extras = self.maxqueue.is_some()
            || self.agent_check.is_some()
            || self.slowstart_ms.is_some()
            || self.track.is_some();
        let extras = has_extras.then(|| {
            Box::new(ServerExtras {
                maxqueue: self
                    .maxqueue
                    .clone()
                    .unwrap_or_else(|| Sourced::built_in(None)),
                agent_check: or(&self.agent_check),
                slowstart_ms: self
                    .slowstart_ms
                    .clone()
                    .unwrap_or_else(|| Sourced::built_in(None)),
                track: self.track.clone(),
                template: None,
            })
        });
        let (names, address_at) = Server::names(Some(&name), &address);
        Server {
            names,
            address_at,
            span,
            weight: self.weight.clone().unwrap_or_else(|| Sourced::built_in(1)),
            maxconn: self
                .maxconn
                .clone()
                .unwrap_or_else(|| Sourced::built_in(None)),
            backup: flag(&self.backup),
            disabled: flag(&self.disabled),
            check: flag(&self.check),
            detection: FailureDetection::Active {
                inter_ms: self
                    .inter_ms
                    .clone()
                    .map_or(WithOrigin::built_in(2000), WithOrigin::from),
                fall: given(&self.fall, 3),
                rise: given(&self.rise, 2),
            },
            extras,
            unresolved,
            uncertain: false,
        }
    }
}

/// Most servers one `server-template` may declare (a bound against typos
/// like `1-100000000`).
pub const MAX_TEMPLATE_SERVERS: u64 = 10_000;

/// The numbers a `server-template` range (`5` or `1-5`) expands to.
pub fn template_range(text: &str) -> Result<std::ops::RangeInclusive<u64>, String> {
    let bad = || format!("'{text}' is not a server count or range like 3 or 1-3");
    let (lo, hi) = match text.split_once('-') {
        Some((a, b)) => (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?),
        None => (1, text.parse::<u64>().map_err(|_| bad())?),
    };
    if hi == 0 || hi < lo {
        return Err(bad());
    }
    if hi - lo + 1 > MAX_TEMPLATE_SERVERS {
        return Err(format!(
            "'{text}' declares {} servers, over lbcheck's limit of {MAX_TEMPLATE_SERVERS}",
            hi - lo + 1
        ));
    }
    Ok(lo..=hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_tables_do_not_overlap_and_are_sorted_for_binary_search() {
        assert!(FLAGS.iter().all(|f| !VALUED.contains(f)));
        // The fast path agrees with the tables.
        for kw in FLAGS {
            assert!(matches!(keyword_kind(kw), KeywordKind::Flag), "{kw}");
        }
        for kw in VALUED {
            assert!(matches!(keyword_kind(kw), KeywordKind::Valued), "{kw}");
        }
        assert!(FLAGS.windows(2).all(|w| w[0] < w[1]));
        assert!(VALUED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn times() {
        assert_eq!(parse_time_ms("2s"), Some(2000));
        assert_eq!(parse_time_ms("500"), Some(500));
        assert_eq!(parse_time_ms("1m"), Some(60_000));
        assert_eq!(parse_time_ms("x"), None);
        assert_eq!(parse_time_ms("5parsecs"), None);
    }

    #[test]
    fn template_ranges() {
        assert_eq!(template_range("3"), Ok(1..=3));
        assert_eq!(template_range("5-7"), Ok(5..=7));
        assert!(template_range("0").is_err());
        assert_eq!(template_range("0-9"), Ok(0..=9));
        assert!(template_range("1-100000000").unwrap_err().contains("limit"));
    }
}
