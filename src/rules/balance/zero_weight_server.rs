use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::SourceFormat;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// An active (not backup, not disabled) server with weight 0. HAProxy
    /// sends it nothing and does not count it as a fallback: backups engage
    /// as if it were down. nginx refuses `weight=0` outright (an error there).
    ///
    /// ## Why it matters
    /// Weight 0 is often a "drain" left behind, or a templating bug; the
    /// server looks present in the config but carries nothing.
    ///
    /// ## Example
    /// ```text
    /// server web2 10.0.0.2:80 weight 0
    /// ```
    ///
    /// ## How to fix
    /// Give it a weight, or mark it `disabled` (`down` in nginx) if it is
    /// meant to be out.
    pub struct ZeroWeightServer {
        code: "LB302",
        name: "zero-weight-server",
        category: Balance,
        severity: Warning,
    }
}

impl Rule for ZeroWeightServer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        if cx.model.format != SourceFormat::Haproxy {
            return; // nginx refuses weight=0 while loading, under this code.
        }
        for b in &cx.model.backends {
            for s in b
                .servers
                .iter()
                .filter(|s| s.weight.value == 0 && !s.disabled.value && !s.backup.value)
            {
                out.push(
                    finding(
                        &Self::META,
                        format!(
                            "server {} has weight 0: it gets no traffic and is no fallback",
                            s.name()
                        ),
                    )
                    .at(s.weight.span.unwrap_or(s.span))
                    .entity(cx.server_entity(b, s))
                    .help("give it a weight, or mark it disabled if it is meant to be out"),
                );
            }
        }
    }
}
