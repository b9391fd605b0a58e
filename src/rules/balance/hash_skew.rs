use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::{AlgorithmKind, SourceFormat};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// Client-address hashing that keys on few distinct values: nginx
    /// `ip_hash` uses only the first three octets of an IPv4 client, and HAProxy
    /// `balance source` with map-based hashing takes the address modulo the
    /// total weight.
    ///
    /// ## Why it matters
    /// Behind a CDN, a corporate proxy or a NAT, most requests come from a
    /// handful of addresses (or one /24), and one server takes them all.
    ///
    /// ## Example
    /// ```text
    /// upstream app { ip_hash; server a:80; server b:80; }
    /// ```
    ///
    /// ## How to fix
    /// Hash on something with many values (`hash $http_x_forwarded_for
    /// consistent`, a cookie, the URI), or use `hash-type consistent`.
    pub struct HashSkew {
        code: "LB304",
        name: "hash-skew",
        category: Balance,
        severity: Info,
    }
}

impl Rule for HashSkew {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for (i, b) in cx.model.backends.iter().enumerate() {
            if cx.usable(i).len() < 2 {
                continue;
            }
            let kind = b.algorithm.value.kind;
            let map_based = !b.hash_type().value.starts_with("consistent");
            let message = match (cx.model.format, kind) {
                (SourceFormat::Nginx, AlgorithmKind::IpHash) => {
                    "ip_hash keys on the client's /24: a whole network, or everything behind one proxy or NAT, lands on one server"
                }
                (SourceFormat::Haproxy, AlgorithmKind::Source) if map_based => {
                    "balance source (map-based) picks the server from the client address modulo the total weight: few or \
                     patterned client addresses land on one server"
                }
                _ => continue,
            };
            out.push(
                finding(&Self::META, format!("{}: {message}", cx.backend_entity(b)))
                    .at(b.algorithm.span.unwrap_or(b.span))
                    .entity(cx.backend_entity(b)),
            );
        }
    }
}
