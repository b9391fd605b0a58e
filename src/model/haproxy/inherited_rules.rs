//! HAProxy's refusals of proxies that inherit rules from a defaults section
//! they cannot run, or that share such a section across frontends and
//! backends.
//!
//! Whether a proxy is refused depends on the proxies before it that used
//! the same defaults section, so the proxies are recorded as they are
//! lowered and checked in order at the end: two parts of a config lowered
//! apart give, once their lists are joined, the refusals of one pass.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::source::Span;
use crate::syntax::haproxy::{Line, Section, SectionKind};

/// A proxy that inherits rules (not only ACLs) from a defaults section.
#[derive(Debug)]
pub(super) struct Heir<'a> {
    kind: SectionKind,
    header: Span,
    /// The defaults section's header, if the rules came from one.
    defaults: Option<Span>,
    rules: Vec<Arc<Line<'a>>>,
}

impl<'a> Heir<'a> {
    /// The record of `section`, lowered with `rules` inherited from the
    /// defaults section headed `defaults`; `None` when they are all ACLs.
    pub(super) fn of(
        section: &Section,
        defaults: Option<Span>,
        rules: &[Arc<Line<'a>>],
    ) -> Option<Heir<'a>> {
        rules.iter().any(|l| l.keyword() != "acl").then(|| Heir {
            kind: section.kind,
            header: section.header.span(),
            defaults,
            rules: rules.to_vec(),
        })
    }
}

/// HAProxy's refusals of `heirs`, given in file order.
pub(super) fn refusals(heirs: &[Heir]) -> Vec<Diagnostic> {
    // Each defaults section's last user so far: a frontend (true) or not.
    let mut last_user: HashMap<Span, bool> = HashMap::new();
    let mut diags = Vec::new();
    for heir in heirs {
        if let Some(header) = heir.defaults {
            let frontend = heir.kind == SectionKind::Frontend;
            match last_user.insert(header, frontend) {
                Some(other) if other != frontend && heir.kind != SectionKind::Listen => {
                    diags.push(
                        Diagnostic::error(
                            "frontends and backends cannot inherit from the same defaults section when it defines rules",
                        )
                        .at(heir.header)
                        .related(header, "the defaults section with rules")
                        .help("give frontends and backends separate defaults sections"),
                    );
                    continue;
                }
                _ => {}
            }
        }
        diags.extend(refused_rule(heir));
    }
    diags
}

/// The first inherited rule that `heir`'s kind of proxy cannot run.
fn refused_rule(heir: &Heir) -> Option<Diagnostic> {
    heir.rules.iter().find_map(|line| {
        let rule = match (line.keyword(), line.word(1)) {
            ("acl", _) => return None,
            ("tcp-request", Some(w @ ("connection" | "session"))) => format!("tcp-request {w}"),
            (k, _) => k.to_string(),
        };
        let refused = match heir.kind {
            SectionKind::Listen => true,
            SectionKind::Backend => {
                rule.starts_with("tcp-request c") || rule == "tcp-request session"
            }
            SectionKind::Frontend => rule == "tcp-response",
            _ => false,
        };
        refused.then(|| {
            Diagnostic::error(format!(
                "a {} section cannot inherit '{rule}' rules from a defaults section",
                heir.kind.keyword()
            ))
            .at(heir.header)
            .related(line.word_span(0), "the defaults section defines it here")
            .help(
                "inherit from a defaults section without such rules, or move the rule into the proxies",
            )
        })
    })
}
