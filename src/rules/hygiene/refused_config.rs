//! Raised while loading, declared here for its code and explanation.

use crate::declare_rule;
use crate::rules::RuleMeta;

declare_rule! {
    /// ## What it checks
    /// What the proxy itself would refuse when loading the config, beyond
    /// plain syntax: an ACL used before it is defined, a weight out of range,
    /// `backup` under nginx's `ip_hash`, a port on an upstream name, a
    /// `split_clients` over 100%, a regex that PCRE2 does not compile
    /// (HAProxy ACL patterns, `replace-*` actions, check `expect` rules,
    /// the `regsub` converter;
    /// nginx `location ~`, `server_name ~`,
    /// `rewrite`, `if` and `map` keys), an HAProxy config in which nothing
    /// listens (which `haproxy -c` says "will not start"), and the like.
    ///
    /// ## Why it matters
    /// `haproxy -c` or `nginx -t` would fail: the deploy stops, or worse, a
    /// reload is refused and the old config keeps running unnoticed.
    ///
    /// ## Example
    /// ```text
    /// use_backend be_api if is_api     # no "acl is_api" in this frontend
    /// ```
    ///
    /// ## How to fix
    /// As the message says; the check is the proxy's own.
    pub struct RefusedConfig {
        code: "LB100",
        name: "refused-config",
        category: Routing,
        severity: Error,
    }
}

pub static META: &RuleMeta = &RefusedConfig::META;
