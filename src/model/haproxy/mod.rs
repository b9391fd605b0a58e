//! Lowers an HAProxy syntax tree into the routing [`Model`].
//!
//! Sections are walked in file order, as HAProxy does: a `defaults` section
//! starts from scratch (or from the one named by `from`) and becomes the base
//! of the proxies after it; a proxy starts from its defaults and applies its
//! own lines in order, so `default-server` lines only reach the servers that
//! follow them and ACLs must be declared before they are used.

mod acl;
mod bind;
mod regexes;
mod server;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

pub use server::parse_time_ms;

use self::acl::AclTable;
use self::server::ServerParams;
use crate::diag::Diagnostic;
use crate::model::{
    Algorithm, AlgorithmKind, Backend, BackendExtras, BackendKind, Candidate, Condition,
    DefaultsName, EntryKind, EntryPoint, Health, Mode, Model, Origin, Route, RouteKind,
    SourceFormat, Sourced, Target, Timeouts, WithOrigin,
};
use crate::source::Span;
use crate::syntax::haproxy::{Config, Line, Section, SectionKind};
use crate::version::Version;

/// Settings a proxy takes from its defaults section or sets itself.
#[derive(Debug, Clone, Default)]
struct ProxySettings<'a> {
    mode: Option<Sourced<Mode>>,
    maxconn: Option<Sourced<Option<u64>>>,
    balance: Option<Sourced<Algorithm>>,
    hash_type: Option<Sourced<Cow<'static, str>>>,
    check_type: Option<WithOrigin<Cow<'static, str>>>,
    allbackups: Option<Sourced<bool>>,
    redispatch: Option<Sourced<bool>>,
    timeouts: Timeouts,
    retries: Option<Sourced<u64>>,
    fullconn: Option<Sourced<Option<u64>>>,
    default_backend: Option<(String, Span, bool)>,
    /// `disabled` (in a defaults section, for the proxies after it): the
    /// proxy is stopped. `enabled` undoes it.
    disabled: Option<Span>,
    servers: ServerParams,
    /// ACLs and rules of a named defaults section, inherited by its proxies
    /// (HAProxy 2.5+). Shared, since every proxy's settings start as a copy.
    rules: Vec<Arc<Line<'a>>>,
    /// The defaults section these settings came from: its index among the
    /// sections, and its header.
    defaults_section: Option<(usize, Span)>,
}

/// Keywords of rules a named defaults section passes on.
const RULE_KEYWORDS: &[&str] = &[
    "acl",
    "http-request",
    "http-response",
    "http-after-response",
    "tcp-request",
    "tcp-response",
];

/// Active-check options (`option httpchk`, ...) and the check they select.
const CHECK_OPTIONS: &[&str] = &[
    "httpchk",
    "ssl-hello-chk",
    "smtpchk",
    "pgsql-check",
    "redis-check",
    "mysql-check",
    "ldap-check",
    "spop-check",
    "tcp-check",
    "external-check",
];

/// Terminal `http-request` / `tcp-request` actions: routing ends there.
const TERMINAL_ACTIONS: &[&str] = &[
    "deny",
    "reject",
    "tarpit",
    "redirect",
    "return",
    "use-service",
    "silent-drop",
];

/// An integer argument. HAProxy reads proxy `maxconn`/`fullconn` with
/// `atol()`, so a non-number silently becomes 0: warn, and do the same.
fn parse_count(line: &Line, i: usize, lenient: bool, diags: &mut Vec<Diagnostic>) -> Option<u64> {
    let word = line.words.get(i)?;
    match word.as_str().parse::<u64>() {
        Ok(n) => Some(n),
        Err(_) if word.env() => None,
        Err(_) => {
            let message = format!(
                "'{}' expects an integer, not '{}'",
                line.keyword(),
                word.as_str()
            );
            if lenient {
                diags.push(
                    Diagnostic::warning(message)
                        .at(line.word_span(i))
                        .label("HAProxy reads this as 0"),
                );
                Some(0)
            } else {
                diags.push(Diagnostic::error(message).at(line.word_span(i)));
                None
            }
        }
    }
}

impl ProxySettings<'_> {
    /// Sets one timeout: a new shared list, since others may hold this one.
    fn set_timeout(&mut self, name: &str, value: Sourced<u64>) {
        let mut list = self.timeouts.to_vec();
        match list.binary_search_by(|(k, _)| k.as_str().cmp(name)) {
            Ok(i) => list[i].1 = value,
            Err(i) => list.insert(i, (name.to_string(), value)),
        }
        self.timeouts = list.into();
    }

    /// Applies a line that defaults sections and proxies share. Returns
    /// `false` when the line is not one of those.
    fn apply(&mut self, line: &Line, origin: &Origin, diags: &mut Vec<Diagnostic>) -> bool {
        let sourced_at = |i: usize| line.word_span(i).to(line.word_span(0));
        let negated = line.keyword() == "no";
        let kw_at = usize::from(negated || line.keyword() == "default");
        match line.word(kw_at).unwrap_or("") {
            "mode" => match line.word(kw_at + 1) {
                Some("http") => self.mode = Some(Sourced::new(Mode::Http, origin, sourced_at(1))),
                Some("tcp") => self.mode = Some(Sourced::new(Mode::Tcp, origin, sourced_at(1))),
                Some("log" | "spop") => {}
                other => diags.push(
                    Diagnostic::error(format!("unknown mode '{}'", other.unwrap_or("")))
                        .at(line.word_span(1))
                        .help("use 'mode http' or 'mode tcp'"),
                ),
            },
            "maxconn" => {
                if let Some(n) = parse_count(line, 1, true, diags) {
                    self.maxconn = Some(Sourced::new((n > 0).then_some(n), origin, sourced_at(1)));
                }
            }
            "timeout" => {
                if let (Some(name), Some(value)) = (line.word(1), line.word(2))
                    && let Some(ms) = server::parse_time_ms(value)
                {
                    self.set_timeout(name, Sourced::new(ms, origin, sourced_at(2)));
                }
            }
            "retries" => {
                if let Some(n) = parse_count(line, 1, false, diags) {
                    self.retries = Some(Sourced::new(n, origin, sourced_at(1)));
                }
            }
            "fullconn" => {
                if let Some(n) = parse_count(line, 1, true, diags) {
                    self.fullconn = Some(Sourced::new((n > 0).then_some(n), origin, sourced_at(1)));
                }
            }
            "balance" => {
                // A bare `balance` selects roundrobin, as in HAProxy.
                let word = line.word(1).unwrap_or("roundrobin");
                match AlgorithmKind::from_haproxy(word) {
                    Some(kind) => {
                        let params = line.words.iter().skip(2).map(|w| w.as_str().to_string()).collect();
                        let end = line.words.len() - 1;
                        self.balance = Some(Sourced::new(Algorithm { kind, params }, origin, sourced_at(end)));
                    }
                    None => diags.push(
                        Diagnostic::error(format!("unknown balance algorithm '{word}'"))
                            .at(line.word_span(1))
                            .help(
                                "use roundrobin, static-rr, leastconn, first, source, uri, url_param, \
                                 hdr(<name>), random, rdp-cookie or hash",
                            ),
                    ),
                }
            }
            "hash-type" => {
                let text: Vec<&str> = line.words[1..].iter().map(|w| w.as_str()).collect();
                self.hash_type = Some(Sourced::new(
                    Cow::Owned(text.join(" ")),
                    origin,
                    sourced_at(line.words.len() - 1),
                ));
            }
            "option" => {
                let Some(name) = line.word(kw_at + 1) else {
                    return true;
                };
                if name == "allbackups" {
                    self.allbackups = Some(Sourced::new(!negated, origin, sourced_at(kw_at + 1)));
                } else if name == "redispatch" {
                    self.redispatch = Some(Sourced::new(!negated, origin, sourced_at(kw_at + 1)));
                } else if CHECK_OPTIONS.contains(&name) {
                    self.check_type = match CHECK_OPTIONS.iter().find(|o| **o == name) {
                        Some(check) if !negated => Some(WithOrigin {
                            value: Cow::Borrowed(*check),
                            origin: *origin,
                        }),
                        _ => None,
                    };
                }
            }
            "default_backend" => match line.words.get(1) {
                Some(w) => {
                    self.default_backend =
                        Some((w.as_str().to_string(), line.span(), line.uncertain));
                }
                None => diags.push(
                    Diagnostic::error("'default_backend' needs a backend name")
                        .at(line.word_span(0)),
                ),
            },
            // Only where it is certain: an undecided `.if` may not hold it.
            "disabled" if !line.uncertain => self.disabled = Some(line.span()),
            "enabled" if !line.uncertain => self.disabled = None,
            "disabled" | "enabled" => {}
            "default-server" => {
                let origin = match origin {
                    Origin::Explicit => Origin::DefaultServer,
                    o => *o,
                };
                self.servers.apply(line, 1, &origin, diags);
            }
            _ => return false,
        }
        true
    }
}

/// Lowers sections one at a time, in the order HAProxy reads them, so that a
/// caller can drop each section (or parse the next) as soon as it is done.
pub struct Lowering<'a> {
    /// Named defaults sections seen so far, and the last one.
    named: HashMap<String, ProxySettings<'a>>,
    current: ProxySettings<'a>,
    /// How many sections were lowered (the index of the next one).
    sections: usize,
    /// Defaults sections with rules, and whether a frontend (true) or a
    /// backend (false) inherited them first.
    rule_defaults_users: HashMap<usize, bool>,
    version: Version,
    diags: Vec<Diagnostic>,
    model: Model,
    /// Something will listen (see [`Lowering::listens`]), and the first
    /// section's header, to point at when nothing does.
    listener: bool,
    first_header: Option<Span>,
}

impl<'a> Lowering<'a> {
    /// `version` decides version-dependent defaults.
    pub fn new(version: Version) -> Lowering<'a> {
        Lowering {
            named: HashMap::new(),
            current: ProxySettings::default(),
            sections: 0,
            rule_defaults_users: HashMap::new(),
            version,
            diags: Vec::new(),
            model: Model::empty(SourceFormat::Haproxy, Some(version)),
            listener: false,
            first_header: None,
        }
    }

    /// Whether a section other than a proxy makes HAProxy listen somewhere,
    /// as `haproxy -c` requires: a `stats socket`, a `log-forward` with a
    /// bind, or a `peers` section (whose local peer depends on the host's
    /// name, so any counts). A frontend or listen does when it binds and is
    /// not disabled ([`Lowering::proxy`]).
    fn listens(section: &Section) -> bool {
        let has = |keyword: &str| section.lines.iter().any(|l| l.keyword() == keyword);
        match section.kind {
            SectionKind::Global => section
                .lines
                .iter()
                .any(|l| l.keyword() == "stats" && l.word(1) == Some("socket")),
            SectionKind::Other("log-forward") => has("bind") || has("dgram-bind"),
            SectionKind::Other("peers") => !section.lines.is_empty(),
            _ => false,
        }
    }

    /// Makes room for `n` more backends: the model's list of them is one
    /// large block, and growing it by doubling copies it into fresh memory
    /// each time.
    pub fn reserve_backends(&mut self, n: usize) {
        self.model.backends.reserve_exact(n);
    }

    /// Lowers the next section.
    pub fn section(&mut self, section: &Section<'a>) {
        let si = self.sections;
        self.sections += 1;
        self.listener = self.listener || Lowering::listens(section);
        self.first_header.get_or_insert(section.header.span());
        if !matches!(section.kind, SectionKind::Global | SectionKind::Other(_)) {
            for line in &section.lines {
                regexes::check_line(line, &mut self.diags);
            }
        }
        match section.kind {
            SectionKind::Global => self.global(section),
            SectionKind::Defaults => {
                let name = section
                    .name()
                    .filter(|n| *n != "from")
                    .unwrap_or("")
                    .to_string();
                let named = std::mem::take(&mut self.named);
                let mut settings = self.base(section, &named, &ProxySettings::default());
                self.named = named;
                settings.defaults_section = Some((si, section.header.span()));
                let origin = Origin::Defaults(DefaultsName::new(&name));
                for line in &section.lines {
                    if RULE_KEYWORDS.contains(&line.keyword()) {
                        settings.rules.push(Arc::new(line.clone()));
                    } else {
                        settings.apply(line, &origin, &mut self.diags);
                    }
                }
                if !name.is_empty() {
                    self.named.insert(name, settings.clone());
                }
                self.current = settings;
            }
            SectionKind::Frontend | SectionKind::Backend | SectionKind::Listen => {
                let named = std::mem::take(&mut self.named);
                let current = std::mem::take(&mut self.current);
                let base = self.base(section, &named, &current);
                (self.named, self.current) = (named, current);
                self.proxy(section, base);
            }
            SectionKind::Other(_) => {}
        }
    }

    /// HAProxy's refusal to start a config in which nothing listens (see
    /// [`Lowering::listens`]), once every section is lowered. `haproxy -c`
    /// looks for a listener only when it found no error, so the caller
    /// adds this only then. Undecided `.if` branches are kept, so a
    /// listener they may hold was seen.
    pub fn no_listener(&self) -> Option<Diagnostic> {
        if self.listener {
            return None;
        }
        let mut refused = Diagnostic::error(
            "nothing listens: no enabled frontend or listen binds an address, so HAProxy \
             refuses to start (haproxy -c: \"no listener\", exit 2)",
        )
        .help(
            "add a frontend with a bind; if this file is one part of a config, check all of \
             its files together (several paths, or their directory)",
        );
        if let Some(span) = self.first_header {
            refused = refused.at(span);
        }
        Some(refused)
    }

    /// The model, once every section is lowered; `uncertain` lists the
    /// `.if` conditions that could not be decided.
    pub fn finish(mut self, uncertain: Vec<(Span, String)>) -> (Model, Vec<Diagnostic>) {
        self.resolve_dynamic_targets();
        self.model.uncertain = uncertain;
        (self.model, self.diags)
    }

    /// The settings a section starts from: `from NAME`, else `fallback`.
    fn base(
        &mut self,
        section: &Section,
        named: &HashMap<String, ProxySettings<'a>>,
        fallback: &ProxySettings<'a>,
    ) -> ProxySettings<'a> {
        let Some(from) = section.from_defaults() else {
            return fallback.clone();
        };
        match named.get(from) {
            Some(s) => s.clone(),
            None => {
                let at = section
                    .header
                    .words
                    .iter()
                    .position(|w| w.as_str() == from)
                    .unwrap_or(0);
                self.diags.push(
                    Diagnostic::error(format!(
                        "no defaults section named '{from}' before this point"
                    ))
                    .at(section.header.word_span(at))
                    .help(
                        "a named defaults section must be declared before the sections that use it",
                    ),
                );
                fallback.clone()
            }
        }
    }

    fn global(&mut self, section: &Section) {
        for line in &section.lines {
            if line.keyword() == "maxconn"
                && let Some(n) = parse_count(line, 1, false, &mut self.diags)
            {
                self.model.limits.global_maxconn = Sourced {
                    value: Some(n),
                    origin: Origin::Explicit,
                    span: Some(line.span()),
                };
            }
        }
    }

    fn proxy(&mut self, section: &Section, mut settings: ProxySettings) {
        let name = section.name().unwrap_or("").to_string();
        let header_span = section.header.span();
        // Lists sized up front: servers are most of a model's memory, a
        // large frontend has tens of thousands of ACLs and rules, and a list
        // grown by doubling is copied into fresh memory at each step.
        let count = |keyword: &str| {
            section
                .lines
                .iter()
                .filter(|l| l.keyword() == keyword)
                .count()
        };
        let mut acls = AclTable::with_capacity(count("acl"));
        let mut binds = Vec::new();
        let mut actions = Vec::new();
        let mut redirects = Vec::new();
        let mut use_backends = Vec::with_capacity(count("use_backend"));
        let mut servers = Vec::with_capacity(count("server"));
        let stick_table = section.lines.iter().any(|l| l.keyword() == "stick-table");
        let serves_itself = section.lines.iter().any(|l| {
            (l.keyword() == "stats" && matches!(l.word(1), Some("enable" | "uri")))
                || l.words.iter().any(|w| w.as_str() == "use-service")
        });
        self.check_inherited_rules(section, &settings);
        let acl_lines = settings.rules.iter().map(|l| &**l).chain(&section.lines);
        for line in acl_lines.filter(|l| l.keyword() == "acl") {
            acls.add(line, &mut self.diags);
        }
        for line in &settings.rules {
            if line.keyword() == "acl" {
                acls.declare(line);
            } else if section.kind != SectionKind::Backend
                && let Some(route) = self.action(line, &acls)
            {
                actions.push(route);
            }
        }
        for line in &section.lines {
            if settings.apply(line, &Origin::Explicit, &mut self.diags) {
                continue;
            }
            match line.keyword() {
                "acl" => acls.declare(line),
                "bind" => {
                    let tls = line.words.iter().skip(2).any(|w| w.as_str() == "ssl");
                    match line.words.get(1) {
                        Some(w) if !w.env() => {
                            for b in bind::parse(w.as_str(), tls, line.word_span(1)) {
                                if b.host.is_some() && b.ports.is_none() {
                                    self.diags.push(
                                        Diagnostic::error(format!("missing or invalid port in '{}'", b.address))
                                            .at(line.word_span(1))
                                            .help("write the address as host:port, e.g. *:80 or 10.0.0.1:8080-8089"),
                                    );
                                }
                                binds.push(b);
                            }
                        }
                        Some(w) => binds.push(bind::unresolved(w.as_str(), tls, line.word_span(1))),
                        None => self.diags.push(
                            Diagnostic::error("'bind' needs an address").at(line.word_span(0)),
                        ),
                    }
                }
                "http-request" | "tcp-request" => {
                    if let Some(route) = self.action(line, &acls) {
                        actions.push(route);
                    }
                }
                "redirect" => {
                    let (cond, end) = self.condition_of(line, 1, &acls);
                    let action = words_text(line, 0, end);
                    redirects.push(route(
                        RouteKind::Action,
                        cond,
                        Target::Terminal { action },
                        line,
                    ));
                }
                "use_backend" => {
                    let Some(target) = line.word(1) else {
                        self.diags.push(
                            Diagnostic::error("'use_backend' needs a backend name")
                                .at(line.word_span(0)),
                        );
                        continue;
                    };
                    let (cond, _) = self.condition_of(line, 2, &acls);
                    use_backends.push(route(
                        RouteKind::UseBackend,
                        cond,
                        backend_target(target),
                        line,
                    ));
                }
                "server" => self.server(line, &settings.servers, &mut servers),
                "server-template" => self.server_template(line, &settings.servers, &mut servers),
                _ => {}
            }
        }
        let uncertain = section.header.uncertain;
        let mode = settings
            .mode
            .clone()
            .unwrap_or_else(|| Sourced::built_in(Mode::Tcp));
        if matches!(section.kind, SectionKind::Frontend | SectionKind::Listen) {
            let mut routes =
                Vec::with_capacity(actions.len() + redirects.len() + use_backends.len() + 1);
            routes.append(&mut actions);
            routes.append(&mut redirects);
            routes.append(&mut use_backends);
            if let Some((backend, span, uncertain)) = &settings.default_backend {
                routes.push(Route {
                    kind: RouteKind::Default,
                    condition: Condition::Always,
                    target: backend_target(backend),
                    span: *span,
                    uncertain: *uncertain,
                });
            } else if section.kind == SectionKind::Listen {
                routes.push(Route {
                    kind: RouteKind::Default,
                    condition: Condition::Always,
                    target: Target::Backend { name: name.clone() },
                    span: header_span,
                    uncertain,
                });
            }
            let maxconn = self.entry_maxconn(settings.maxconn.clone());
            // A disabled frontend does not listen: it is no entry point.
            self.listener = self.listener || (settings.disabled.is_none() && !binds.is_empty());
            let entry = settings.disabled.is_none().then(|| EntryPoint {
                name: name.clone(),
                kind: if section.kind == SectionKind::Listen {
                    EntryKind::Listen
                } else {
                    EntryKind::Frontend
                },
                span: header_span,
                binds,
                timeouts: settings.timeouts.clone(),
                server_names: Vec::new(),
                mode: mode.clone(),
                maxconn,
                routes,
                uncertain,
            });
            self.model.entry_points.extend(entry);
        }
        if matches!(section.kind, SectionKind::Backend | SectionKind::Listen) {
            let default_algorithm = if self.version >= Version::new(3, 3) {
                AlgorithmKind::Random
            } else {
                AlgorithmKind::RoundRobin
            };
            self.model.backends.push(Backend {
                name,
                kind: if section.kind == SectionKind::Listen {
                    BackendKind::Listen
                } else {
                    BackendKind::Backend
                },
                span: header_span,
                mode,
                algorithm: settings.balance.take().unwrap_or_else(|| {
                    Sourced::built_in(Algorithm {
                        kind: default_algorithm,
                        params: Vec::new(),
                    })
                }),
                health: Health {
                    check_type: settings.check_type.take(),
                    allbackups: settings
                        .allbackups
                        .take()
                        .unwrap_or_else(|| Sourced::built_in(false)),
                    redispatch: {
                        // Redispatch needs a retry to act on; the default is 3 retries.
                        let retries = settings.retries.as_ref().map_or(3, |r| r.value);
                        let mut r = settings
                            .redispatch
                            .take()
                            .map_or(WithOrigin::built_in(false), WithOrigin::from);
                        r.value &= retries > 0;
                        r
                    },
                },
                keepalive: None,
                extras: backend_extras(&mut settings),
                timeouts: settings.timeouts.clone(),
                stick_table,
                serves_itself,
                disabled: settings.disabled,
                servers,
                uncertain,
            });
        }
    }

    /// HAProxy refuses proxies that would inherit rules they cannot run.
    fn check_inherited_rules(&mut self, section: &Section, settings: &ProxySettings) {
        let has_rules = settings.rules.iter().any(|line| line.keyword() != "acl");
        if let (true, Some((d, header))) = (has_rules, settings.defaults_section) {
            let side = matches!(section.kind, SectionKind::Frontend);
            match self.rule_defaults_users.insert(d, side) {
                Some(other) if other != side && section.kind != SectionKind::Listen => {
                    self.diags.push(
                        Diagnostic::error(
                            "frontends and backends cannot inherit from the same defaults section when it defines rules",
                        )
                        .at(section.header.span())
                        .related(header, "the defaults section with rules")
                        .help("give frontends and backends separate defaults sections"),
                    );
                    return;
                }
                _ => {}
            }
        }
        for line in &settings.rules {
            let rule = match (line.keyword(), line.word(1)) {
                ("acl", _) => continue,
                ("tcp-request", Some(w @ ("connection" | "session"))) => format!("tcp-request {w}"),
                (k, _) => k.to_string(),
            };
            let refused = match section.kind {
                SectionKind::Listen => true,
                SectionKind::Backend => {
                    rule.starts_with("tcp-request c") || rule == "tcp-request session"
                }
                SectionKind::Frontend => rule == "tcp-response",
                _ => false,
            };
            if refused {
                self.diags.push(
                    Diagnostic::error(format!(
                        "a {} section cannot inherit '{rule}' rules from a defaults section",
                        section.kind.keyword()
                    ))
                    .at(section.header.span())
                    .related(line.word_span(0), "the defaults section defines it here")
                    .help("inherit from a defaults section without such rules, or move the rule into the proxies"),
                );
                return;
            }
        }
    }

    /// A frontend's limit: its own or its defaults', else (since 2.0) the
    /// global maxconn, else (before 2.0) 2000.
    fn entry_maxconn(&self, own: Option<Sourced<Option<u64>>>) -> Sourced<Option<u64>> {
        match own {
            Some(s) if s.value.is_some() => s,
            _ if self.version < Version::new(2, 0) => Sourced::built_in(Some(2000)),
            _ => {
                let global = &self.model.limits.global_maxconn;
                Sourced {
                    value: global.value,
                    origin: Origin::Global,
                    span: global.span,
                }
            }
        }
    }

    /// `if`/`unless` from word `from` on: the condition, and where the words
    /// before it end.
    fn condition_of(&mut self, line: &Line, from: usize, acls: &AclTable) -> (Condition, usize) {
        let at = (from..line.words.len()).find(|&i| matches!(line.word(i), Some("if" | "unless")));
        match at {
            None => (Condition::Always, line.words.len()),
            Some(i) => {
                let negate = line.word(i) == Some("unless");
                (
                    acl::condition(line, i + 1, negate, acls, &mut self.diags),
                    i,
                )
            }
        }
    }

    /// A terminal `http-request`/`tcp-request` rule, or `None` for rules that
    /// let the request go on.
    fn action(&mut self, line: &Line, acls: &AclTable) -> Option<Route> {
        let action_at = match (line.keyword(), line.word(1)) {
            ("tcp-request", Some("connection" | "content" | "session")) => 2,
            ("tcp-request", _) => return None,
            _ => 1,
        };
        let action = line.word(action_at)?;
        let action = action.split('(').next().unwrap_or(action);
        if !TERMINAL_ACTIONS.contains(&action) {
            return None;
        }
        let (cond, end) = self.condition_of(line, action_at + 1, acls);
        let text = words_text(line, 0, end);
        Some(route(
            RouteKind::Action,
            cond,
            Target::Terminal { action: text },
            line,
        ))
    }

    fn server(
        &mut self,
        line: &Line,
        defaults: &ServerParams,
        servers: &mut Vec<crate::model::Server>,
    ) {
        let (Some(name), Some(addr)) = (line.word(1), line.words.get(2)) else {
            self.diags.push(
                Diagnostic::error("'server' needs a name and an address")
                    .at(line.span())
                    .help("write 'server <name> <address>[:<port>] [params]'"),
            );
            return;
        };
        let mut params = defaults.clone();
        params.apply(line, 3, &Origin::Explicit, &mut self.diags);
        let mut server = params.build(
            name.to_string(),
            addr.as_str().to_string(),
            line.span(),
            addr.env(),
        );
        server.uncertain = line.uncertain;
        servers.push(server);
    }

    fn server_template(
        &mut self,
        line: &Line,
        defaults: &ServerParams,
        servers: &mut Vec<crate::model::Server>,
    ) {
        let (Some(prefix), Some(count), Some(addr)) =
            (line.word(1), line.word(2), line.words.get(3))
        else {
            self.diags.push(
                Diagnostic::error("'server-template' needs a prefix, a count and an address")
                    .at(line.span())
                    .help(
                        "write 'server-template <prefix> <num | range> <fqdn>[:<port>] [params]'",
                    ),
            );
            return;
        };
        let range = match server::template_range(count) {
            Ok(r) => r,
            Err(message) => {
                self.diags
                    .push(Diagnostic::error(message).at(line.word_span(2)));
                return;
            }
        };
        let mut params = defaults.clone();
        params.apply(line, 4, &Origin::Explicit, &mut self.diags);
        for n in range {
            let mut server = params.build(
                format!("{prefix}{n}"),
                addr.as_str().to_string(),
                line.span(),
                addr.env(),
            );
            server.extras_mut().template = Some(prefix.into());
            server.uncertain = line.uncertain;
            servers.push(server);
        }
    }

    /// Fills the backends a dynamic `use_backend` may reach: names fitting the
    /// literal text around `%[...]`, and a `map(...)` default.
    fn resolve_dynamic_targets(&mut self) {
        let names: Vec<String> = self.model.backends.iter().map(|b| b.name.clone()).collect();
        // Each expression once: routes that repeat one share its list.
        let mut resolved: HashMap<String, Arc<[Candidate]>> = HashMap::new();
        for entry in &mut self.model.entry_points {
            for route in &mut entry.routes {
                if let Target::Dynamic {
                    expression,
                    candidates,
                } = &mut route.target
                {
                    let list = resolved.entry(expression.clone()).or_insert_with(|| {
                        dynamic_candidates(expression, &names)
                            .into_iter()
                            .map(Candidate::named)
                            .collect()
                    });
                    *candidates = Arc::clone(list);
                }
            }
        }
    }
}

fn route(kind: RouteKind, condition: Condition, target: Target, line: &Line) -> Route {
    Route {
        kind,
        condition,
        target,
        span: line.span(),
        uncertain: line.uncertain,
    }
}

fn words_text(line: &Line, from: usize, to: usize) -> String {
    let words: Vec<&str> = line.words[from..to.min(line.words.len())]
        .iter()
        .map(|w| w.as_str())
        .collect();
    words.join(" ")
}

fn backend_target(name: &str) -> Target {
    if name.contains("%[") {
        Target::Dynamic {
            expression: name.to_string(),
            candidates: Default::default(),
        }
    } else {
        Target::Backend {
            name: name.to_string(),
        }
    }
}

/// Backends a log-format backend name can evaluate to, when knowable.
fn dynamic_candidates(expression: &str, backends: &[String]) -> Vec<String> {
    let (prefix, rest) = expression.split_once("%[").unwrap_or((expression, ""));
    let suffix = rest.rsplit_once(']').map_or("", |(_, s)| s);
    let mut out: Vec<String> = Vec::new();
    if !prefix.is_empty() || !suffix.is_empty() {
        out.extend(
            backends
                .iter()
                .filter(|b| {
                    b.len() > prefix.len() + suffix.len()
                        && b.starts_with(prefix)
                        && b.ends_with(suffix)
                })
                .cloned(),
        );
    }
    // map(file[,default]) and its map_* variants: the default is a candidate.
    if let Some(i) = rest.find("map")
        && let Some(args) = rest[i..]
            .split_once('(')
            .and_then(|(_, a)| a.split_once(')'))
            .map(|(a, _)| a)
        && let Some((_, default)) = args.split_once(',')
    {
        let name = format!("{prefix}{}{suffix}", default.trim());
        if backends.contains(&name) && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Lowers a parsed HAProxy config; `version` decides version-dependent defaults.
pub fn lower(config: &Config, version: Version) -> (Model, Vec<Diagnostic>) {
    let mut lowering = Lowering::new(version);
    for section in &config.sections {
        lowering.section(section);
    }
    lowering.finish(config.uncertain.clone())
}

/// The backend's `hash-type` and `fullconn`, when either is set (own or
/// inherited); `None` leaves both at their built-in defaults.
fn backend_extras(settings: &mut ProxySettings) -> Option<Box<BackendExtras>> {
    if settings.hash_type.is_none() && settings.fullconn.is_none() {
        return None;
    }
    let mut extras = BackendExtras::default();
    if let Some(hash_type) = settings.hash_type.take() {
        extras.hash_type = hash_type;
    }
    if let Some(fullconn) = settings.fullconn.take() {
        extras.fullconn = fullconn.into();
    }
    Some(Box::new(extras))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `disabled` in a defaults section stops the proxies after it; a
    /// proxy's `enabled` starts it again (as `haproxy -c` reads them: see
    /// the differential and live tests). A stopped frontend is no entry
    /// point; a stopped backend stays, marked, since routes may name it.
    #[test]
    fn disabled_proxies_follow_their_defaults_unless_enabled() {
        let text = "defaults\n    mode http\n    disabled\nfrontend on\n    bind :80\n    enabled\n    \
                    default_backend off\nfrontend off_fe\n    bind :81\nbackend off\n    server s 10.0.0.1:80\n\
                    backend back_on\n    enabled\n    server s 10.0.0.1:80\n";
        let mut db = crate::source::SourceDb::new();
        let id = db.add("d.cfg", text.to_string());
        let (model, diags) = crate::lower_haproxy(&db, &[id], &crate::Options::default());
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
        let entries: Vec<&str> = model.entry_points.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(entries, ["on"]);
        let disabled: Vec<(&str, bool)> = model
            .backends
            .iter()
            .map(|b| (b.name.as_str(), b.disabled.is_some()))
            .collect();
        assert_eq!(disabled, [("off", true), ("back_on", false)]);
    }

    /// `hash-type` and `fullconn` reach the backends that set or inherit
    /// them; the others keep the built-in defaults without extras.
    #[test]
    fn rare_backend_settings_are_kept_apart() {
        assert!(std::mem::size_of::<Backend>() <= 248);
        let text = "defaults first\n    mode http\n    hash-type consistent sdbm\n\
                    backend hashed\n    fullconn 300\n    server s 10.0.0.1:80\n\
                    defaults plain\n    mode http\n\
                    backend simple\n    server s 10.0.0.1:80\n\
                    backend full\n    fullconn 50\n    server s 10.0.0.1:80\n\
                    frontend fe\n    bind :80\n    default_backend simple\n";
        let mut db = crate::source::SourceDb::new();
        let id = db.add("e.cfg", text.to_string());
        let (model, diags) = crate::lower_haproxy(&db, &[id], &crate::Options::default());
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
        let seen: Vec<(&str, &str, Option<u64>, bool)> = model
            .backends
            .iter()
            .map(|b| {
                let hash = &*b.hash_type().value;
                (
                    b.name.as_str(),
                    hash,
                    b.fullconn().value,
                    b.extras.is_some(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("hashed", "consistent sdbm", Some(300), true),
                ("simple", "map-based", None, false),
                ("full", "map-based", Some(50), true),
            ]
        );
        let hashed = &model.backends[0];
        assert_eq!(
            hashed.hash_type().origin,
            Origin::Defaults(DefaultsName::new("first"))
        );
        assert_eq!(hashed.fullconn().origin, Origin::Explicit);
    }

    #[test]
    fn dynamic_candidates_follow_literal_text_and_map_defaults() {
        let b: Vec<String> = ["be_api", "be_web", "static", "be_fallback"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            dynamic_candidates("be_%[req.hdr(host)]", &b),
            ["be_api", "be_web", "be_fallback"]
        );
        assert_eq!(
            dynamic_candidates("%[req.hdr(host),lower,map(/etc/h.map,static)]", &b),
            ["static"]
        );
        assert!(dynamic_candidates("%[var(txn.be)]", &b).is_empty());
    }
}
