use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::{Bind, EntryKind};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// Two entry points that claim the same address and port: two HAProxy
    /// frontends binding it, or two nginx `server` blocks on one `listen` with a
    /// `server_name` in common.
    ///
    /// ## Why it matters
    /// Only one of them gets the traffic. HAProxy's second bind fails at
    /// startup (or silently shares the port with `SO_REUSEPORT`, splitting
    /// traffic between two configs); nginx ignores the second server block for
    /// that name.
    ///
    /// ## Example
    /// ```text
    /// frontend fe_a
    ///     bind :80
    /// frontend fe_b
    ///     bind :80
    /// ```
    ///
    /// ## How to fix
    /// Merge the entry points, or give each its own port or name.
    pub struct ConflictingListen {
        code: "LB107",
        name: "conflicting-listen",
        category: Routing,
        severity: Warning,
    }
}

fn overlap(a: &Bind, b: &Bind) -> bool {
    let (Some((a_lo, a_hi)), Some((b_lo, b_hi))) = (a.ports, b.ports) else {
        return false;
    };
    let hosts = match (a.host.as_deref(), b.host.as_deref()) {
        (Some(x), Some(y)) => x == y || x == "*" || y == "*",
        _ => false,
    };
    hosts && a_lo <= b_hi && b_lo <= a_hi
}

impl Rule for ConflictingListen {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        let entries = &cx.model.entry_points;
        for (j, later) in entries.iter().enumerate() {
            for earlier in &entries[..j] {
                if earlier.kind != later.kind {
                    continue;
                }
                let Some((bind, first)) = later
                    .binds
                    .iter()
                    .find_map(|b| earlier.binds.iter().find(|e| overlap(e, b)).map(|e| (b, e)))
                else {
                    continue;
                };
                let message = if later.kind == EntryKind::HttpServer {
                    let shared: Vec<&String> = later
                        .server_names
                        .iter()
                        .filter(|n| {
                            earlier
                                .server_names
                                .iter()
                                .any(|m| m.eq_ignore_ascii_case(n))
                        })
                        .collect();
                    let both_nameless =
                        later.server_names.is_empty() && earlier.server_names.is_empty();
                    if shared.is_empty() && !both_nameless {
                        continue;
                    }
                    let name = shared.first().map_or("\"\"".to_string(), |n| n.to_string());
                    format!(
                        "server name {name} on {} is claimed twice: nginx ignores this server block for it",
                        bind.address
                    )
                } else {
                    format!(
                        "{} and {} both bind {}",
                        earlier.name, later.name, bind.address
                    )
                };
                out.push(
                    finding(&Self::META, message)
                        .at(bind.span)
                        .related(first.span, "already claimed here")
                        .entity(format!("entry point {}", later.name)),
                );
            }
        }
    }
}
