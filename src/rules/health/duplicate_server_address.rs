use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// The same address and port listed twice in one backend (servers
    /// expanded from one `server-template` aside).
    ///
    /// ## Why it matters
    /// That machine gets two shares of the traffic, and the capacity figures
    /// count it twice.
    ///
    /// ## Example
    /// ```text
    /// server web1 10.0.0.1:80
    /// server web2 10.0.0.1:80     # meant 10.0.0.2
    /// ```
    ///
    /// ## How to fix
    /// Correct the address, or remove the duplicate.
    pub struct DuplicateServerAddress {
        code: "LB205",
        name: "duplicate-server-address",
        category: Health,
        severity: Warning,
    }
}

impl Rule for DuplicateServerAddress {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        // One map for every backend, emptied between backends.
        let mut seen = foldhash::HashMap::default();
        for b in &cx.model.backends {
            seen.clear();
            for s in b
                .servers
                .iter()
                .filter(|s| s.template().is_none() && !s.unresolved)
            {
                if let Some(first) = seen.insert(s.address(), s.span) {
                    out.push(
                        finding(
                            &Self::META,
                            format!(
                                "{} lists {} twice: it gets a double share",
                                cx.backend_entity(b),
                                s.address()
                            ),
                        )
                        .at(s.span)
                        .related(first, "first listed here")
                        .entity(format!(
                            "{}/{}",
                            cx.backend_entity(b),
                            s.name()
                        )),
                    );
                }
            }
        }
    }
}
