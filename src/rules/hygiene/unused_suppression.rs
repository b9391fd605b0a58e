//! Raised by the suppression pass, declared here for its code and
//! explanation.

use crate::declare_rule;
use crate::rules::RuleMeta;

declare_rule! {
    /// ## What it checks
    /// An inline suppression (`# lbcheck: ignore LB301 -- reason`) that
    /// suppresses nothing, or that gives no reason after `--`.
    ///
    /// ## Why it matters
    /// A stale suppression hides the next real finding on that line; one
    /// without a reason cannot be reviewed.
    ///
    /// ## Example
    /// ```text
    /// # lbcheck: ignore LB301
    /// server web1 10.0.0.1:80 weight 10
    /// ```
    ///
    /// ## How to fix
    /// Remove it, or give the reason: `# lbcheck: ignore LB301 -- canary`.
    pub struct UnusedSuppression {
        code: "LB001",
        name: "unused-suppression",
        category: Hygiene,
        severity: Warning,
    }
}

pub static META: &RuleMeta = &UnusedSuppression::META;
