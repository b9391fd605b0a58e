use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::rules::health::serving;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A backend that traffic reaches with one usable server and no backup, or
    /// whose usable servers all sit on one host.
    ///
    /// ## Why it matters
    /// One failure, one deploy, one reboot takes the service down.
    ///
    /// ## Example
    /// ```text
    /// backend be_auth
    ///     server auth1 10.0.0.5:8080
    /// ```
    ///
    /// ## How to fix
    /// Add a server on another host, or a backup.
    pub struct SinglePointOfFailure {
        code: "LB204",
        name: "single-point-of-failure",
        category: Health,
        severity: Info,
    }
}

fn host(address: &str) -> &str {
    if let Some(rest) = address.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    address.rsplit_once(':').map_or(address, |(h, _)| h)
}

impl Rule for SinglePointOfFailure {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for i in serving(cx) {
            let b = &cx.model.backends[i];
            let servers = cx.usable(i);
            let backups = b
                .servers
                .iter()
                .any(|s| s.backup.value && !s.disabled.value);
            // Formatted once: the message and the entity both name it.
            let entity = cx.backend_entity(b);
            let message = match servers {
                [] => continue,
                [only] if !backups => format!(
                    "{} has one usable server ({}) and no backup",
                    entity,
                    b.servers[*only].address()
                ),
                [first, rest @ ..] => {
                    let h = host(b.servers[*first].address());
                    if backups
                        || rest.is_empty()
                        || rest.iter().any(|&j| host(b.servers[j].address()) != h)
                        || h.contains('$')
                    {
                        continue;
                    }
                    format!("every usable server of {entity} is on host {h}")
                }
            };
            out.push(finding(&Self::META, message).at(b.span).entity(entity));
        }
    }
}
