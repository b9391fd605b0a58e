//! `bind` addresses: `[family@]host:port[-port]`, comma-separated lists,
//! and sockets that are not IP ports (`unix@`, `abns@`, `fd@`, `sockpair@`).

use crate::model::Bind;
use crate::source::Span;

/// Expands one `bind` word (which may list several addresses).
pub fn parse(word: &str, tls: bool, span: Span) -> Vec<Bind> {
    word.split(',')
        .filter(|a| !a.is_empty())
        .map(|a| one(a, tls, span))
        .collect()
}

/// A bind whose address holds an unresolved environment variable.
pub fn unresolved(word: &str, tls: bool, span: Span) -> Bind {
    Bind {
        address: word.to_string(),
        host: None,
        ports: None,
        tls,
        default_server: false,
        span,
    }
}

fn one(address: &str, tls: bool, span: Span) -> Bind {
    let (family, rest) = match address.split_once('@') {
        Some((f, r)) => (Some(f), r),
        None => (None, address),
    };
    let quic = family.is_some_and(|f| f.starts_with("quic"));
    let ip = match family {
        None => !rest.starts_with('/'),
        Some(f) => matches!(
            f,
            "ipv4" | "ipv6" | "tcp" | "tcp4" | "tcp6" | "udp" | "udp4" | "udp6" | "quic4" | "quic6"
        ),
    };
    let (host, ports) = if ip {
        split_host_port(rest)
    } else {
        (None, None)
    };
    Bind {
        address: address.to_string(),
        host,
        ports,
        tls: tls || quic,
        default_server: false,
        span,
    }
}

fn split_host_port(text: &str) -> (Option<String>, Option<(u16, u16)>) {
    let Some((host, port)) = text.rsplit_once(':') else {
        return (Some(text.to_string()), None);
    };
    let host = match host.trim_start_matches('[').trim_end_matches(']') {
        "" | "*" | "0.0.0.0" | "::" => "*".to_string(),
        h => h.to_string(),
    };
    let ports = match port.split_once('-') {
        Some((a, b)) => a.parse().ok().zip(b.parse().ok()),
        None => port.parse().ok().map(|p| (p, p)),
    };
    (Some(host), ports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn span() -> Span {
        Span::new(FileId::new(0), 0..0)
    }

    #[test]
    fn addresses() {
        let b = parse("*:80,10.0.0.1:8000-8002", false, span());
        assert_eq!(b[0].host.as_deref(), Some("*"));
        assert_eq!(b[0].ports, Some((80, 80)));
        assert_eq!(b[1].host.as_deref(), Some("10.0.0.1"));
        assert_eq!(b[1].ports, Some((8000, 8002)));
        let b = &parse(":::443", true, span())[0];
        assert_eq!(
            (b.host.as_deref(), b.ports, b.tls),
            (Some("*"), Some((443, 443)), true)
        );
        let b = &parse("unix@/run/haproxy.sock", false, span())[0];
        assert_eq!((b.host.as_deref(), b.ports), (None, None));
        assert!(parse("quic4@:443", false, span())[0].tls);
    }
}
