//! Where a backend's requests go: the expected share of each server, by the
//! rules of the real software, and what fails when servers die.
//!
//! Rules (checked against the real binaries in the tests):
//! - A server takes traffic when it is not disabled/down and its weight is
//!   above 0. HAProxy uses its backups only when no primary can take traffic
//!   (weight 0 counts as unable): the first backup alone, or every backup
//!   by weight with `option allbackups`. nginx uses all its backups, by
//!   weight, when no primary is left.
//! - Weighted algorithms (round robin, random, the hashes over many keys)
//!   give each server its weight's share. HAProxy `leastconn` on idle
//!   servers (requests one after another) spreads evenly whatever the
//!   weights; nginx `least_conn` follows the weights. HAProxy `balance first`
//!   fills servers in declaration order up to their `maxconn`, so it depends
//!   on how many requests are in flight: the concurrency assumed is reported.
//! - What-if (`down`): a dead server is skipped by HAProxy only when a health
//!   check finds it (`check`, or `track` of a checked server); without one,
//!   HAProxy keeps sending it its share and those requests fail. nginx
//!   retries the next server on error (`proxy_next_upstream`), so a dead
//!   server's share moves to the others without failures.

use std::collections::HashSet;

use serde::Serialize;

use crate::model::{AlgorithmKind, Backend, Model, SourceFormat};

/// What one server gets.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServerShare {
    /// Fraction of the backend's requests it is sent (those that fail included).
    pub share: f64,
    /// It is dead in the what-if and still gets traffic: that share fails.
    pub failing: bool,
}

/// The spread of one backend's requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shares {
    /// One per server, in declaration order.
    pub servers: Vec<ServerShare>,
    /// Fraction of requests that fail (no server can take them, or they go
    /// to a dead server nobody noticed).
    pub failing_share: f64,
    /// Backup servers are taking the traffic.
    pub backups_engaged: bool,
    /// Concurrency assumed for `balance first`.
    pub assumed_concurrency: Option<u64>,
    /// Caveats a reader should know (hash variance, /24 grouping, ...);
    /// sized to fit, as each of tens of thousands of backends has its own.
    pub notes: Box<[&'static str]>,
}

/// What a computation may assume.
#[derive(Debug, Clone, Default)]
pub struct TrafficOptions {
    /// Servers assumed dead, by index in the backend.
    pub down: HashSet<usize>,
    /// Requests in flight at once (for `balance first`); 1 when unknown.
    pub concurrency: Option<u64>,
}

fn detects_failure(backend: &Backend, format: SourceFormat, i: usize) -> bool {
    match format {
        SourceFormat::Nginx => true,
        SourceFormat::Haproxy => {
            let s = &backend.servers[i];
            s.check.value || s.agent_check().value || s.track().is_some()
        }
    }
}

/// Splits `1.0` among `members` by weight (or evenly).
fn spread(backend: &Backend, members: &[usize], by_weight: bool, out: &mut [f64]) {
    let weight = |i: usize| {
        if by_weight {
            f64::from(backend.servers[i].weight.value)
        } else {
            1.0
        }
    };
    let total: f64 = members.iter().map(|&i| weight(i)).sum();
    if total <= 0.0 {
        return;
    }
    for &i in members {
        out[i] = weight(i) / total;
    }
}

/// `balance first`: servers in order, each up to its maxconn.
fn fill_first(backend: &Backend, members: &[usize], concurrency: u64, out: &mut [f64]) {
    let mut left = concurrency;
    for &i in members {
        if left == 0 {
            break;
        }
        let take = backend.servers[i]
            .maxconn
            .value
            .unwrap_or(u64::MAX)
            .min(left);
        out[i] = take as f64 / concurrency as f64;
        left -= take;
    }
    // Beyond every maxconn, requests queue on the backend; count them on the
    // last server, which takes them as slots free up.
    if left > 0
        && let Some(&last) = members.last()
    {
        out[last] += left as f64 / concurrency as f64;
    }
}

/// The expected share of each server of `backend`.
pub fn shares(model: &Model, backend: &Backend, opts: &TrafficOptions) -> Shares {
    let format = model.format;
    let n = backend.servers.len();
    if backend.disabled.is_some() {
        return Shares {
            servers: vec![ServerShare::default(); n],
            failing_share: 1.0,
            backups_engaged: false,
            assumed_concurrency: None,
            notes: Box::new([
                "the backend is disabled: HAProxy answers every request routed to it with 503",
            ]),
        };
    }
    let mut out = vec![0.0; n];
    let mut notes: Vec<&'static str> = Vec::new();
    let eligible = |i: usize, backup: bool| {
        let s = &backend.servers[i];
        s.backup.value == backup && !s.disabled.value && s.weight.value > 0
    };
    // A dead server's requests go elsewhere when a check notices it, or when
    // each failed request is retried on another server (redispatch).
    let moves_away = |i: usize| {
        opts.down.contains(&i)
            && (detects_failure(backend, format, i) || backend.health.redispatch.value)
    };
    let believed = |backup: bool| -> Vec<usize> {
        (0..n)
            .filter(|&i| eligible(i, backup))
            .filter(|&i| !moves_away(i))
            .collect()
    };
    if format == SourceFormat::Haproxy
        && backend.health.redispatch.value
        && (0..n).any(|i| {
            opts.down.contains(&i) && eligible(i, false) && !detects_failure(backend, format, i)
        })
    {
        notes.push(
            "option redispatch: requests sent to an unchecked dead server are retried on another one \
             after the retries: slower, not lost",
        );
    }
    let primaries = believed(false);
    let mut backups_engaged = false;
    let members: Vec<usize> = if !primaries.is_empty() {
        primaries
    } else {
        let backups = believed(true);
        backups_engaged = !backups.is_empty();
        let all = format == SourceFormat::Nginx || backend.health.allbackups.value;
        if all {
            backups
        } else {
            backups.into_iter().take(1).collect()
        }
    };
    let kind = backend.algorithm.value.kind;
    let mut assumed_concurrency = None;
    match (format, kind) {
        (SourceFormat::Haproxy, AlgorithmKind::LeastConn) => {
            spread(backend, &members, false, &mut out);
            notes.push(
                "leastconn: idle servers share requests evenly whatever their weights; \
                 weights matter only under concurrent load",
            );
        }
        (SourceFormat::Haproxy, AlgorithmKind::First) => {
            let c = opts.concurrency.unwrap_or(1);
            assumed_concurrency = Some(c);
            fill_first(backend, &members, c, &mut out);
        }
        _ => spread(backend, &members, true, &mut out),
    }
    let map_based = !backend.hash_type().value.starts_with("consistent");
    match kind {
        AlgorithmKind::Source if format == SourceFormat::Haproxy && map_based => notes.push(
            "source with map-based hashing picks the server from the client address modulo the total \
             weight: shares follow the weights only over clients whose addresses are spread evenly; \
             clients behind one proxy or NAT, or addresses sharing a pattern, land on one server",
        ),
        AlgorithmKind::Source
        | AlgorithmKind::Uri
        | AlgorithmKind::UrlParam
        | AlgorithmKind::Hdr
        | AlgorithmKind::RdpCookie
        | AlgorithmKind::Hash => notes.push(
            "hash-based: shares follow the weights over many distinct keys; a few keys can land \
             on one server",
        ),
        AlgorithmKind::IpHash => notes.push(
            "ip_hash keys on the first three octets of an IPv4 client: a whole /24 (or every \
             client behind one proxy or NAT) goes to one server",
        ),
        _ => {}
    }
    let mut failing_share = if members.is_empty() { 1.0 } else { 0.0 };
    let servers = (0..n)
        .map(|i| {
            let failing = out[i] > 0.0 && opts.down.contains(&i);
            if failing {
                failing_share += out[i];
            }
            ServerShare {
                share: out[i],
                failing,
            }
        })
        .collect();
    Shares {
        servers,
        failing_share: failing_share.min(1.0),
        backups_engaged,
        assumed_concurrency,
        notes: notes.into_boxed_slice(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceDb;

    /// The model of backends, behind a frontend (HAProxy refuses a config
    /// in which nothing listens).
    fn model(cfg: &str) -> Model {
        let mut db = SourceDb::new();
        let id = db.add("t.cfg", format!("frontend fe\n    bind :80\n{cfg}"));
        let (m, diags) = crate::lower_haproxy(&db, &[id], &crate::Options::default());
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
        m
    }

    fn nginx(cfg: &str) -> Model {
        let mut db = SourceDb::new();
        let id = db.add("t.conf", cfg.to_string());
        let (m, diags) = crate::lower_nginx(&mut db, &[id], &crate::Options::default());
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
        m
    }

    fn of(m: &Model, down: &[usize]) -> Shares {
        let opts = TrafficOptions {
            down: down.iter().copied().collect(),
            concurrency: None,
        };
        shares(m, &m.backends[0], &opts)
    }

    fn values(s: &Shares) -> Vec<f64> {
        s.servers
            .iter()
            .map(|s| (s.share * 1000.0).round() / 1000.0)
            .collect()
    }

    #[test]
    fn weights_and_weight_zero() {
        let m = model(
            "backend b\n balance roundrobin\n server a 1:1 weight 1\n server b 1:2 weight 2\n server c 1:3 weight 7\n",
        );
        assert_eq!(values(&of(&m, &[])), [0.1, 0.2, 0.7]);
        let m = model("backend b\n server a 1:1 weight 0\n server k 1:9 backup\n");
        let s = of(&m, &[]);
        assert_eq!(values(&s), [0.0, 1.0]);
        assert!(s.backups_engaged);
    }

    #[test]
    fn haproxy_backups_first_only_unless_allbackups() {
        let cfg = "backend b\n server a 1:1 check\n server k1 1:8 backup\n server k2 1:9 backup\n";
        assert_eq!(values(&of(&model(cfg), &[0])), [0.0, 1.0, 0.0]);
        let all = cfg.replace("backend b\n", "backend b\n option allbackups\n");
        assert_eq!(values(&of(&model(&all), &[0])), [0.0, 0.5, 0.5]);
    }

    #[test]
    fn haproxy_without_check_keeps_sending_to_a_dead_server() {
        let m = model("backend b\n server a 1:1\n server b 1:2\n");
        let s = of(&m, &[0]);
        assert_eq!(values(&s), [0.5, 0.5]);
        assert!((s.failing_share - 0.5).abs() < 1e-9);
        let m = model("backend b\n server a 1:1 check\n server b 1:2 check\n");
        let s = of(&m, &[0]);
        assert_eq!((values(&s), s.failing_share), (vec![0.0, 1.0], 0.0));
    }

    #[test]
    fn nothing_usable_fails_everything() {
        let m = model("backend b\n server a 1:1 weight 0\n");
        assert_eq!(of(&m, &[]).failing_share, 1.0);
    }

    #[test]
    fn leastconn_and_first() {
        let m = model(
            "backend b\n balance leastconn\n server a 1:1 weight 1\n server b 1:2 weight 3\n",
        );
        assert_eq!(values(&of(&m, &[])), [0.5, 0.5]);
        let m = model(
            "backend b\n balance first\n server a 1:1 maxconn 2\n server b 1:2 maxconn 2\n server c 1:3 maxconn 2\n",
        );
        let opts = TrafficOptions {
            down: HashSet::new(),
            concurrency: Some(5),
        };
        let s = shares(&m, &m.backends[0], &opts);
        assert_eq!(values(&s), [0.4, 0.4, 0.2]);
        assert_eq!(s.assumed_concurrency, Some(5));
        assert_eq!(values(&of(&m, &[])), [1.0, 0.0, 0.0]);
    }

    #[test]
    fn nginx_backups_all_and_dead_servers_move_without_failures() {
        let m = nginx(
            "upstream u { server a:1 weight=2; server b:1; server k:1 backup; server l:1 backup weight=3; }",
        );
        let s = of(&m, &[]);
        assert_eq!(values(&s), [0.667, 0.333, 0.0, 0.0]);
        let s = of(&m, &[0]);
        assert_eq!(
            (values(&s), s.failing_share),
            (vec![0.0, 1.0, 0.0, 0.0], 0.0)
        );
        let s = of(&m, &[0, 1]);
        assert_eq!(values(&s), [0.0, 0.0, 0.25, 0.75]);
        let s = of(&m, &[0, 1, 2, 3]);
        assert_eq!(s.failing_share, 1.0);
    }
}
