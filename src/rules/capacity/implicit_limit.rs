use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::{Origin, SourceFormat};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A connection limit left to the environment: HAProxy without a global
    /// `maxconn` (it derives one from the file-descriptor limit of wherever it
    /// runs), nginx with the default `worker_connections` (512) or
    /// `worker_processes auto` (one per CPU of the machine).
    ///
    /// ## Why it matters
    /// The same config has a different capacity on each machine, and nobody
    /// wrote down what it is.
    ///
    /// ## Example
    /// ```text
    /// events { }       # worker_connections 512
    /// ```
    ///
    /// ## How to fix
    /// State the limit explicitly. For `auto`, pass `--cpus` to let lbcheck
    /// compute it.
    pub struct ImplicitLimit {
        code: "LB406",
        name: "implicit-limit",
        category: Capacity,
        severity: Info,
    }
}

impl Rule for ImplicitLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        let l = &cx.model.limits;
        let Some(anchor) = cx.model.entry_points.first().map(|e| e.span) else {
            return;
        };
        match cx.model.format {
            SourceFormat::Haproxy => {
                if l.global_maxconn.value.is_none() {
                    out.push(
                        finding(&Self::META, "no global maxconn: HAProxy derives it from the machine's file-descriptor limit")
                            .at(anchor)
                            .entity("global".to_string())
                            .help("set 'maxconn' in the global section"),
                    );
                }
            }
            SourceFormat::Nginx => {
                if let Some(w) = l
                    .worker_connections
                    .as_ref()
                    .filter(|w| w.origin == Origin::BuiltIn)
                {
                    out.push(
                        finding(
                            &Self::META,
                            format!("worker_connections is left at its default of {}", w.value),
                        )
                        .at(anchor)
                        .entity("events".to_string())
                        .help("set worker_connections in the events block"),
                    );
                }
                if let Some(p) = l.worker_processes.as_ref().filter(|p| p.value.is_none()) {
                    out.push(
                        finding(&Self::META, "worker_processes auto: the connection limit depends on the machine's CPUs")
                            .at(p.span.unwrap_or(anchor))
                            .entity("main".to_string())
                            .help("pass --cpus N to compute the limit, or set a number"),
                    );
                }
            }
        }
    }
}
