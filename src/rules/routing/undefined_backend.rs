use crate::declare_rule;
use crate::diag::{Diagnostic, Severity};
use crate::model::{BackendKind, SourceFormat, Target};
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// A route (`use_backend`, `default_backend`) names a backend that no section
    /// defines. nginx: a `proxy_pass http://NAME` where `NAME` is no `upstream` is
    /// taken as a host name, resolved once when nginx starts.
    ///
    /// ## Why it matters
    /// HAProxy refuses to start; if the name comes from a template, the deploy
    /// fails. nginx sends the traffic to whatever the name resolves to at
    /// startup, and keeps that address until reload: often not the pool meant.
    ///
    /// ## Example
    /// ```text
    /// use_backend be_api if is_api      # but the section is "backend be-api"
    /// ```
    ///
    /// ## How to fix
    /// Correct the name, or define the backend. nginx: declare the `upstream`,
    /// or use an address on purpose.
    pub struct UndefinedBackend {
        code: "LB101",
        name: "undefined-backend",
        category: Routing,
        severity: Error,
    }
}

impl Rule for UndefinedBackend {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for e in &cx.model.entry_points {
            for r in &e.routes {
                let Target::Backend { name } = &r.target else {
                    continue;
                };
                match cx.index.get(name.as_str()).map(|&i| &cx.model.backends[i]) {
                    None => out.push(
                        finding(
                            &Self::META,
                            format!("'{}' routes to '{name}', which is not defined", e.name),
                        )
                        .at(r.span)
                        .entity(format!("entry point {}", e.name))
                        .label("no backend has this name")
                        .help("correct the name or define the backend"),
                    ),
                    Some(b)
                        if cx.model.format == SourceFormat::Nginx
                            && b.kind == BackendKind::Implicit =>
                    {
                        let host = name.rsplit_once(':').map_or(name.as_str(), |(h, _)| h);
                        let is_address = host.parse::<std::net::IpAddr>().is_ok()
                            || host
                                .trim_matches(['[', ']'])
                                .parse::<std::net::IpAddr>()
                                .is_ok()
                            || name.starts_with("unix:");
                        if !is_address {
                            out.push(
                                finding(
                                    &Self::META,
                                    format!("'{host}' is no upstream: nginx resolves it as a host name once, at startup"),
                                )
                                .at(r.span)
                                .entity(format!("entry point {}", e.name))
                                .help(format!("declare 'upstream {host} {{ ... }}' if a pool was meant"))
                                .with_severity(Severity::Warning),
                            );
                        }
                    }
                    Some(_) => {}
                }
            }
        }
    }
}
