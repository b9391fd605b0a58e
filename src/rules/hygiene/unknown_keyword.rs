//! Reported while parsing (the syntax modules know the keywords; rules see
//! only the model), declared here for its code and explanation.

use crate::declare_rule;
use crate::rules::RuleMeta;

declare_rule! {
    /// ## What it checks
    /// A keyword the target software does not know in the section it stands
    /// in: HAProxy keywords per section (and `option` names, server keywords),
    /// checked against the target version, with the version that added or
    /// removed it; nginx directive names that are a near miss of a standard
    /// one. Each comes with a "did you mean".
    ///
    /// ## Why it matters
    /// Typos such as `sever` or `maxcon` are real misconfigurations: HAProxy
    /// refuses them, and a keyword newer than the deployed version breaks the
    /// deploy on the machines that run the old one.
    ///
    /// ## Example
    /// ```text
    /// backend be_api
    ///     sever api1 10.0.0.1:80
    /// ```
    ///
    /// ## How to fix
    /// Correct the spelling; for a version problem, set the target version
    /// (`--haproxy-version`, `versions.haproxy` in the policy) to what you run.
    pub struct UnknownKeyword {
        code: "LB501",
        name: "unknown-keyword",
        category: Hygiene,
        severity: Error,
    }
}

pub static META: &RuleMeta = &UnknownKeyword::META;
