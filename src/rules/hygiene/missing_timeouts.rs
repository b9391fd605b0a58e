use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::{EntryKind, SourceFormat};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// An HAProxy proxy without the timeouts HAProxy warns about:
    /// `timeout client` on frontends, `timeout connect` and `timeout server` on
    /// backends (a `listen` needs all three), set in the proxy or inherited
    /// from its `defaults`.
    ///
    /// ## Why it matters
    /// Without them a stuck client or server holds a connection forever, and
    /// the connection limits fill with dead sessions.
    ///
    /// ## Example
    /// ```text
    /// defaults
    ///     mode http
    ///     # no timeouts
    /// ```
    ///
    /// ## How to fix
    /// Set `timeout connect`, `timeout client` and `timeout server`, usually
    /// once in `defaults`.
    pub struct MissingTimeouts {
        code: "LB502",
        name: "missing-timeouts",
        category: Hygiene,
        severity: Warning,
    }
}

impl Rule for MissingTimeouts {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        if cx.model.format != SourceFormat::Haproxy {
            return;
        }
        let has = |timeouts: &[(String, crate::model::Sourced<u64>)], name: &str| {
            timeouts.iter().any(|(k, v)| k == name && v.value > 0)
        };
        // One finding per proxy, naming every missing timeout.
        let mut report = |named: &str, entity: String, span, missing: Vec<&str>| {
            out.push(
                finding(
                    &Self::META,
                    format!("{named} has no timeout {}", missing.join(", no timeout ")),
                )
                .at(span)
                .entity(entity)
                .help("set the timeouts, usually once in defaults"),
            );
        };
        for e in &cx.model.entry_points {
            let mut missing: Vec<&str> = Vec::new();
            if !has(&e.timeouts, "client") {
                missing.push("client");
            }
            if e.kind == EntryKind::Listen {
                missing.extend(
                    ["connect", "server"]
                        .into_iter()
                        .filter(|t| !has(&e.timeouts, t)),
                );
            }
            if !missing.is_empty() {
                report(&e.name, format!("entry point {}", e.name), e.span, missing);
            }
        }
        for b in cx
            .model
            .backends
            .iter()
            .filter(|b| b.kind == crate::model::BackendKind::Backend)
        {
            let missing: Vec<&str> = ["connect", "server"]
                .into_iter()
                .filter(|t| !has(&b.timeouts, t))
                .collect();
            if !missing.is_empty() {
                let entity = cx.backend_entity(b);
                report(&entity, entity.clone(), b.span, missing);
            }
        }
    }
}
