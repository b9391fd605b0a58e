use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::{AlgorithmKind, Backend, SourceFormat};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A server whose predicted share of its backend's traffic is more than
    /// `uneven_ratio` (default 2.0) times the fair share, or above
    /// `max_server_share` (default 0.85) in a backend of two or more servers.
    /// Not reported when the weights follow the servers' capacities (`maxconn`,
    /// `max_conns`), nor for `balance first`. For HAProxy `leastconn`, which
    /// spreads idle traffic evenly, the shares under concurrent load (by
    /// weight) are judged.
    ///
    /// ## Why it matters
    /// A typo in a weight (`weight 100` for `10`) sends most of the traffic to
    /// one server while the others idle: the classic outage after a routine
    /// update.
    ///
    /// ## Example
    /// ```text
    /// server web1 10.0.0.1:80 weight 10
    /// server web2 10.0.0.2:80 weight 10
    /// server web3 10.0.0.3:80 weight 100
    /// ```
    ///
    /// ## How to fix
    /// Correct the weight; if the server really is bigger, give every server a
    /// `maxconn` in proportion so the intent is visible.
    pub struct UnevenWeights {
        code: "LB301",
        name: "uneven-weights",
        category: Balance,
        severity: Warning,
    }
}

/// Weights proportional (within 10%) to each server's connection limit.
fn follows_capacity(b: &Backend, servers: &[usize]) -> bool {
    let ratios: Option<Vec<f64>> = servers
        .iter()
        .map(|&i| {
            b.servers[i]
                .maxconn
                .value
                .map(|m| f64::from(b.servers[i].weight.value) / m as f64)
        })
        .collect();
    match ratios {
        Some(r) if !r.is_empty() => {
            let (lo, hi) = r
                .iter()
                .fold((f64::MAX, 0.0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            hi <= lo * 1.1
        }
        _ => false,
    }
}

impl Rule for UnevenWeights {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        let t = &cx.policy.thresholds;
        for (bi, b) in cx.model.backends.iter().enumerate() {
            let kind = b.algorithm.value.kind;
            let servers = cx.usable(bi);
            let first = cx.model.format == SourceFormat::Haproxy && kind == AlgorithmKind::First;
            if first || servers.len() < 2 || follows_capacity(b, servers) {
                continue;
            }
            // HAProxy leastconn spreads idle traffic evenly, but under
            // concurrent load it follows the weights: judge the loaded case.
            let under_load =
                cx.model.format == SourceFormat::Haproxy && kind == AlgorithmKind::LeastConn;
            let total_weight: f64 = servers
                .iter()
                .map(|&i| f64::from(b.servers[i].weight.value))
                .sum();
            let share_of = |i: usize| {
                if under_load {
                    f64::from(b.servers[i].weight.value) / total_weight
                } else {
                    cx.shares[bi].servers[i].share
                }
            };
            let fair = 1.0 / servers.len() as f64;
            let Some(&top) = servers
                .iter()
                .max_by(|&&x, &&y| share_of(x).total_cmp(&share_of(y)))
            else {
                continue;
            };
            let share = share_of(top);
            if share <= t.uneven_ratio * fair + 1e-9 && share <= t.max_server_share + 1e-9 {
                continue;
            }
            let when = if under_load {
                " under concurrent load (leastconn)"
            } else {
                ""
            };
            let s = &b.servers[top];
            out.push(
                finding(
                    &Self::META,
                    format!(
                        "{} takes {:.0}% of {}'s traffic{when}, {:.1}x its fair share of {:.0}%",
                        s.name(),
                        share * 100.0,
                        b.name,
                        share / fair,
                        fair * 100.0
                    ),
                )
                .at(s.weight.span.unwrap_or(s.span))
                .related(b.span, "in this backend")
                .entity(cx.server_entity(b, s))
                .label(format!("weight {}", s.weight.value))
                .data("share", share)
                .data("fair_share", fair)
                .data("uneven_ratio", t.uneven_ratio)
                .data("max_server_share", t.max_server_share)
                .help("check the weight; if the server is bigger, give every server a maxconn in proportion"),
            );
        }
    }
}
