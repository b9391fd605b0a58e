use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::rules::health::serving;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A backend whose primary servers are all unusable (disabled, down or
    /// weight 0), so its backup servers carry all of its traffic, with nothing
    /// having failed.
    ///
    /// ## Why it matters
    /// Backups are usually the smallest or farthest pool. Running on them by
    /// configuration hides the lost redundancy until they fail too.
    ///
    /// ## Example
    /// ```text
    /// backend be_web
    ///     server w1 10.0.0.1:80 disabled
    ///     server spare 10.0.9.1:80 backup
    /// ```
    ///
    /// ## How to fix
    /// Bring a primary back, or make the backups primaries if that is the intent.
    pub struct BackupOnly {
        code: "LB202",
        name: "backup-only",
        category: Health,
        severity: Warning,
    }
}

impl Rule for BackupOnly {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for i in serving(cx) {
            if !cx.shares[i].backups_engaged {
                continue;
            }
            let b = &cx.model.backends[i];
            out.push(
                finding(
                    &Self::META,
                    format!(
                        "{} runs on its backup servers only: no primary can take traffic",
                        cx.backend_entity(b)
                    ),
                )
                .at(b.span)
                .entity(cx.backend_entity(b)),
            );
        }
    }
}
