use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::SourceFormat;
use crate::rules::capacity::assumed;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// An entry point whose effective connection limit is below its expected
    /// peak. HAProxy: the frontend's `maxconn` (its own, from `defaults`, or
    /// the global one). nginx: `worker_processes` × `worker_connections`,
    /// halved for proxied traffic, since each proxied request holds a client
    /// and an upstream connection. Runs only with an expected-traffic profile.
    ///
    /// ## Why it matters
    /// Past the limit, new connections wait in the kernel's accept queue and
    /// then time out: the site looks down while every server is idle.
    ///
    /// ## Example
    /// ```text
    /// frontend fe_www
    ///     maxconn 2000          # expected peak: 20000
    /// ```
    ///
    /// ## How to fix
    /// Raise the limit (and the global one with it), or spread the load.
    pub struct EntryLimitBelowExpected {
        code: "LB401",
        name: "entry-limit-below-expected",
        category: Capacity,
        severity: Error,
    }
}

impl Rule for EntryLimitBelowExpected {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for (i, e) in cx.model.entry_points.iter().enumerate() {
            let Some(expected) = &cx.expected.entries[i] else {
                continue;
            };
            let (limit, how, span) = match cx.model.format {
                SourceFormat::Haproxy => match e.maxconn.value {
                    Some(m) => (m, format!("maxconn {m}"), e.maxconn.span.unwrap_or(e.span)),
                    None => continue,
                },
                SourceFormat::Nginx => {
                    let l = &cx.model.limits;
                    let Some(total) = l.nginx_connections() else {
                        continue;
                    };
                    let span = l
                        .worker_connections
                        .as_ref()
                        .and_then(|w| w.span)
                        .unwrap_or(e.span);
                    (
                        total / 2,
                        format!("{total} worker connections, half of them to upstreams"),
                        span,
                    )
                }
            };
            if expected.connections <= limit {
                continue;
            }
            let d = finding(
                &Self::META,
                format!(
                    "{} accepts {limit} connections ({how}) but expects {} at peak",
                    e.name, expected.connections
                ),
            )
            .at(span)
            .entity(format!("entry point {}", e.name))
            .data("limit", limit)
            .data("expected", expected.connections)
            .help("raise the limit, or spread the load over more entry points");
            out.push(assumed(d, expected));
        }
    }
}
