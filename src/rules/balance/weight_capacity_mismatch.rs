use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::rules::{Context, Rule, RuleMeta, Whole, finding};

declare_rule! {
    /// ## What it checks
    /// In a backend whose servers all declare a connection limit (`maxconn`,
    /// `max_conns`), a server whose share of the traffic exceeds its share of
    /// the capacity by more than `capacity_mismatch_ratio` (default 1.5). It
    /// says which server saturates first and at what total load.
    ///
    /// ## Why it matters
    /// The small server fills up and queues (or refuses) while the big ones
    /// idle: requests are sent to an overloaded server with capacity to spare.
    ///
    /// ## Example
    /// ```text
    /// server big   10.0.0.1:80 weight 1 maxconn 1000
    /// server small 10.0.0.2:80 weight 1 maxconn 100
    /// ```
    ///
    /// ## How to fix
    /// Make weights proportional to capacity (here 10 and 1).
    pub struct WeightCapacityMismatch {
        code: "LB303",
        name: "weight-capacity-mismatch",
        category: Balance,
        severity: Warning,
    }
}

impl Rule for WeightCapacityMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for (bi, b) in cx.model.backends.iter().enumerate() {
            let servers = cx.usable(bi);
            let declared = |k: usize| b.servers[servers[k]].maxconn.value;
            if servers.len() < 2 || (0..servers.len()).any(|k| declared(k).is_none()) {
                continue;
            }
            let limit = |k: usize| declared(k).unwrap_or(0);
            let capacity: u64 = (0..servers.len()).map(limit).sum();
            let shares = &cx.shares[bi].servers;
            // The server that saturates first: lowest total load at which it is full.
            let saturation =
                |k: usize| limit(k) as f64 / shares[servers[k]].share.max(f64::MIN_POSITIVE);
            let first = (0..servers.len()).min_by(|&x, &y| saturation(x).total_cmp(&saturation(y)));
            let Some(k) = first else { continue };
            let traffic_share = shares[servers[k]].share;
            let capacity_share = limit(k) as f64 / capacity as f64;
            if traffic_share <= cx.policy.thresholds.capacity_mismatch_ratio * capacity_share {
                continue;
            }
            let s = &b.servers[servers[k]];
            let at = saturation(k);
            out.push(
                finding(
                    &Self::META,
                    format!(
                        "{} gets {}% of the traffic for {}% of the capacity: it is full at {} connections to {}, \
                         which could take {capacity}",
                        s.name(),
                        Whole(traffic_share * 100.0),
                        Whole(capacity_share * 100.0),
                        Whole(at),
                        b.name
                    ),
                )
                .at(s.span)
                .entity(cx.server_entity(b, s))
                .data("traffic_share", traffic_share)
                .data("capacity_share", capacity_share)
                .data("saturates_at", at)
                .data("backend_capacity", capacity)
                .help("make the weights proportional to the servers' connection limits"),
            );
        }
    }
}
