//! Raised by `check` when it reads the expected traffic, declared here for
//! its code and explanation.

use crate::declare_rule;
use crate::rules::RuleMeta;

declare_rule! {
    /// ## What it checks
    /// A name under `entry_points:` or `backends:` of the expected traffic
    /// (the policy's `traffic:`, or `--traffic FILE`) that the config does
    /// not define, though it defines one close to it (a few letters apart).
    /// The finding points at the name in the traffic file. A name far from
    /// all of the config's is taken to be for another config that shares
    /// the profile, and is not reported.
    ///
    /// ## Why it matters
    /// Its figures are not used: a typo, or a frontend renamed in the
    /// config but not in the profile, silently turns the capacity rules
    /// (LB401-LB405) off for that entry point or backend.
    ///
    /// ## Example
    /// ```text
    /// traffic:
    ///   entry_points:
    ///     fe_mian: { peak_connections: 20000 }   # the frontend is fe_main
    /// ```
    ///
    /// ## How to fix
    /// Write the name as the config does (HAProxy: the frontend, listen or
    /// backend name; nginx: `server_name:port` or `addr:port`, the upstream
    /// name). If the name is right for another config sharing the profile,
    /// suppress the finding in the traffic file
    /// (`# lbcheck: ignore LB002 -- for the edge config`).
    pub struct UnmatchedTrafficName {
        code: "LB002",
        name: "unmatched-traffic-name",
        category: Hygiene,
        severity: Warning,
    }
}

pub static META: &RuleMeta = &UnmatchedTrafficName::META;
