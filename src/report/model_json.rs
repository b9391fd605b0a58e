//! `lbcheck model --format json`: the routing model as a stable JSON
//! contract (documented in README). Values are plain; where each came from is
//! under `origins` (`explicit`, `default-server`, `defaults`, `global`,
//! `built-in`), and every named object has `file` and `line`. Fields that do
//! not apply to a format (HAProxy `fall` on nginx) are absent.

use std::io::Write;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::model::{
    Backend, Bind, EntryPoint, Model, Origin, Originated, Route, Server, SourceFormat, Sourced,
    Target,
};
use crate::report::candidates::{CandidateListings, RouteAt};
use crate::report::json;
use crate::source::{SourceDb, Span};
use crate::traffic::{ServerShare, Shares};

/// Version of this JSON shape; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

fn origin(o: &Origin) -> Value {
    match o {
        Origin::Explicit => json!("explicit"),
        Origin::DefaultServer => json!("default-server"),
        Origin::Defaults(name) if name.is_empty() => json!("defaults"),
        Origin::Defaults(name) => json!(format!("defaults {name}")),
        Origin::Global => json!("global"),
        Origin::BuiltIn => json!("built-in"),
    }
}

/// Builds an object whose sourced fields also record their origin.
struct Obj {
    fields: Map<String, Value>,
    origins: Map<String, Value>,
}

impl Obj {
    fn new(base: Value) -> Obj {
        let Value::Object(fields) = base else {
            unreachable!("objects only")
        };
        Obj {
            fields,
            origins: Map::new(),
        }
    }

    fn sourced<T: Serialize>(mut self, key: &str, s: &impl Originated<T>) -> Obj {
        self.fields.insert(key.into(), json!(s.value()));
        self.origins.insert(key.into(), origin(&s.origin()));
        self
    }

    fn optional<T: Serialize>(self, key: &str, s: Option<&impl Originated<T>>) -> Obj {
        match s {
            Some(s) => self.sourced(key, s),
            None => self,
        }
    }

    fn at(mut self, db: &SourceDb, span: Span) -> Value {
        let loc = db.location(span);
        self.fields
            .insert("file".into(), json!(loc.path.display().to_string()));
        self.fields.insert("line".into(), json!(loc.line));
        if !self.origins.is_empty() {
            self.fields
                .insert("origins".into(), Value::Object(self.origins));
        }
        Value::Object(self.fields)
    }
}

fn bind(db: &SourceDb, b: &Bind) -> Value {
    Obj::new(json!({
        "address": b.address,
        "host": b.host,
        "ports": b.ports.map(|(lo, hi)| json!([lo, hi])),
        "tls": b.tls,
        "default_server": b.default_server,
    }))
    .at(db, b.span)
}

/// What the model's routes need to say where a shared candidate list is.
struct Routes<'a> {
    model: &'a Model,
    listings: CandidateListings,
}

impl Routes<'_> {
    /// A route's target; a long candidate list already listed at an
    /// earlier route is given by its length and that route.
    fn target(&self, at: RouteAt, target: &Target) -> Value {
        match (target, self.listings.target_listed_at(at, target)) {
            (
                Target::Dynamic {
                    expression,
                    candidates,
                },
                Some((entry, route)),
            ) => json!({
                "type": "dynamic",
                "expression": expression,
                "candidate_count": candidates.len(),
                "same_candidates_as": {
                    "entry_point": self.model.entry_points[entry].name,
                    "route": route + 1,
                },
            }),
            _ => json!(target),
        }
    }

    fn route(&self, db: &SourceDb, at: RouteAt, r: &Route) -> Value {
        Obj::new(json!({
            "kind": r.kind,
            "condition": r.condition.to_string(),
            "target": self.target(at, &r.target),
            "uncertain": r.uncertain,
        }))
        .at(db, r.span)
    }
}

/// The `len` elements `element` makes when `listed`; otherwise the
/// placeholder of a list streamed in its place ([`write_objects`]).
fn list(listed: bool, len: usize, element: impl Fn(usize) -> Value) -> Value {
    if listed {
        (0..len).map(element).collect()
    } else {
        Value::Null
    }
}

/// Route `ri` of entry point `index`.
fn entry_route(
    db: &SourceDb,
    routes: &Routes,
    (index, e): (usize, &EntryPoint),
    ri: usize,
) -> Value {
    routes.route(db, (index, ri), &e.routes[ri])
}

/// Server `si` of a backend, with its share.
fn backend_server(db: &SourceDb, (b, shares): (&Backend, &Shares), si: usize) -> Value {
    server(db, &b.servers[si], &shares.servers[si])
}

/// An entry point, with its routes when `listed`.
fn entry(db: &SourceDb, routes: &Routes, index: usize, e: &EntryPoint, listed: bool) -> Value {
    let route = |ri| entry_route(db, routes, (index, e), ri);
    Obj::new(json!({
        "name": e.name,
        "kind": e.kind,
        "binds": e.binds.iter().map(|b| bind(db, b)).collect::<Vec<_>>(),
        "server_names": e.server_names,
        "routes": list(listed, e.routes.len(), route),
        "uncertain": e.uncertain,
    }))
    .sourced("mode", &e.mode)
    .sourced("maxconn", &e.maxconn)
    .at(db, e.span)
}

fn server(db: &SourceDb, s: &Server, share: &ServerShare) -> Value {
    Obj::new(json!({
        "name": s.name(),
        "address": s.address(),
        "share": share.share,
        "failing": share.failing,
        "track": s.track(),
        "template": s.template(),
        "unresolved": s.unresolved,
        "uncertain": s.uncertain,
    }))
    .sourced("weight", &s.weight)
    .sourced("maxconn", &s.maxconn)
    .sourced("maxqueue", s.maxqueue())
    .sourced("backup", &s.backup)
    .sourced("disabled", &s.disabled)
    .sourced("check", &s.check)
    .sourced("agent_check", s.agent_check())
    .optional("inter_ms", s.inter_ms())
    .optional("fall", s.fall())
    .optional("rise", s.rise())
    .optional("max_fails", s.max_fails())
    .optional("fail_timeout_ms", s.fail_timeout_ms())
    .sourced("slowstart_ms", s.slowstart_ms())
    .at(db, s.span)
}

/// A backend, with its servers when `listed`.
fn backend(
    db: &SourceDb,
    format: SourceFormat,
    (b, shares): (&Backend, &Shares),
    listed: bool,
) -> Value {
    let server = |si| backend_server(db, (b, shares), si);
    Obj::new(json!({
        "name": b.name,
        "kind": b.kind,
        "algorithm_args": b.algorithm.value.params,
        "health_check": b.health.check_type.as_ref().map(|c| c.value.clone()),
        "zone": b.zone(),
        "servers": list(listed, b.servers.len(), server),
        "failing_share": shares.failing_share,
        "backups_engaged": shares.backups_engaged,
        "assumed_concurrency": shares.assumed_concurrency,
        "traffic_notes": shares.notes,
        "uncertain": b.uncertain,
    }))
    .sourced("mode", &b.mode)
    .sourced(
        "algorithm",
        &Sourced {
            value: b.algorithm.value.kind.name_in(format),
            origin: b.algorithm.origin,
            span: None,
        },
    )
    .sourced("hash_type", b.hash_type())
    .sourced("allbackups", &b.health.allbackups)
    .sourced("fullconn", b.fullconn())
    .optional("keepalive", b.keepalive.as_ref())
    .at(db, b.span)
}

/// The process-wide limits, each with its origin.
fn limits(model: &Model) -> Value {
    let mut limits = Obj::new(json!({}))
        .sourced("global_maxconn", &model.limits.global_maxconn)
        .optional("worker_processes", model.limits.worker_processes.as_ref())
        .optional(
            "worker_connections",
            model.limits.worker_connections.as_ref(),
        )
        .optional(
            "worker_rlimit_nofile",
            model.limits.worker_rlimit_nofile.as_ref(),
        );
    limits.fields.insert(
        "origins".into(),
        Value::Object(std::mem::take(&mut limits.origins)),
    );
    Value::Object(limits.fields)
}

fn uncertain(db: &SourceDb, (span, why): &(Span, String)) -> Value {
    let loc = db.location(*span);
    json!({"file": loc.path.display().to_string(), "line": loc.line, "reason": why})
}

/// Writes the model with each backend's shares: laid out as serde_json lays
/// out the whole document, with its entry points and backends streamed (a
/// large config's model is several times the size of its text).
pub fn write(
    w: &mut impl Write,
    db: &SourceDb,
    model: &Model,
    shares: &[Shares],
) -> std::io::Result<()> {
    write!(w, "{{\n  \"version\": {SCHEMA_VERSION},\n  \"format\": ")?;
    json::write_nested(w, &model.format, 1)?;
    w.write_all(b",\n  \"target_version\": ")?;
    json::write_nested(w, &model.version.map(|v| v.to_string()), 1)?;
    w.write_all(b",\n  \"limits\": ")?;
    json::write_nested(w, &limits(model), 1)?;
    w.write_all(b",\n  \"entry_points\": ")?;
    let routes = Routes {
        model,
        listings: CandidateListings::new(model),
    };
    let entries: Vec<(usize, &EntryPoint)> = model.entry_points.iter().enumerate().collect();
    write_objects(
        w,
        &entries,
        "routes",
        |&(_, e)| e.routes.len(),
        |&(i, e), listed| entry(db, &routes, i, e, listed),
        |&entry, ri| entry_route(db, &routes, entry, ri),
    )?;
    w.write_all(b",\n  \"backends\": ")?;
    let backends: Vec<(&Backend, &Shares)> = model.backends.iter().zip(shares).collect();
    write_objects(
        w,
        &backends,
        "servers",
        |&(b, _)| b.servers.len(),
        |&pair, listed| backend(db, model.format, pair, listed),
        |&pair, si| backend_server(db, pair, si),
    )?;
    w.write_all(b",\n  \"uncertain\": ")?;
    json::write_array(w, &model.uncertain, 1, |u| uncertain(db, u))?;
    w.write_all(b"\n}\n")
}

/// Lists longer than this are streamed inside their entry point or backend
/// rather than rendered with it.
const STREAMED_LIST: usize = 4096;

/// Writes the top-level array of `items` (entry points or backends), each
/// made by `object` with its list under `key` (`list_len` long) when that
/// list is short. A longer list is streamed an `element` at a time inside
/// its object: one backend of 100,000 servers would otherwise be a
/// gigabyte of JSON values at once.
fn write_objects<'a, S: Sync>(
    w: &mut impl Write,
    items: &'a [S],
    key: &str,
    list_len: impl Fn(&'a S) -> usize,
    object: impl Fn(&'a S, bool) -> Value + Sync,
    element: impl Fn(&'a S, usize) -> Value + Sync,
) -> std::io::Result<()> {
    if items.is_empty() {
        return w.write_all(b"[]");
    }
    w.write_all(b"[")?;
    let mut start = 0;
    while start < items.len() {
        let long = (start..items.len()).find(|&i| list_len(&items[i]) > STREAMED_LIST);
        let end = long.unwrap_or(items.len());
        crate::report::stream::write_rendered(w, &items[start..end], |i, item, out| {
            out.extend_from_slice(if start + i == 0 {
                b"\n    "
            } else {
                b",\n    "
            });
            // Serialising these values cannot fail.
            let _ = json::write_nested(out, &object(item, true), 2);
        })?;
        if let Some(long) = long {
            let item = &items[long];
            w.write_all(if long == 0 { b"\n    " } else { b",\n    " })?;
            let Value::Object(fields) = object(item, false) else {
                unreachable!("entry points and backends are objects")
            };
            let indexes: Vec<usize> = (0..list_len(item)).collect();
            json::write_object_streaming(w, &fields, 2, key, &indexes, |&i| element(item, i))?;
        }
        start = end + 1;
    }
    w.write_all(b"\n  ]")
}

/// [`write`] into a string.
pub fn render(db: &SourceDb, model: &Model, shares: &[Shares]) -> String {
    let mut out = Vec::new();
    // Writing into memory cannot fail, and serde_json writes UTF-8.
    let _ = write(&mut out, db, model, shares);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::model::Model;
    use crate::source::SourceDb;
    use crate::traffic::Shares;
    use crate::{Options, WhatIf, all_shares, load};

    /// The model as one serde_json value, pretty-printed: what the
    /// streamed writer must produce.
    fn whole_document(db: &SourceDb, model: &Model, shares: &[Shares]) -> String {
        let routes = super::Routes {
            model,
            listings: super::CandidateListings::new(model),
        };
        let entries = model.entry_points.iter().enumerate();
        let backends = model.backends.iter().zip(shares);
        let document = json!({
            "version": super::SCHEMA_VERSION,
            "format": model.format,
            "target_version": model.version.map(|v| v.to_string()),
            "limits": super::limits(model),
            "entry_points": entries.map(|(i, e)| super::entry(db, &routes, i, e, true)).collect::<Vec<_>>(),
            "backends": backends.map(|pair| super::backend(db, model.format, pair, true)).collect::<Vec<_>>(),
            "uncertain": model.uncertain.iter().map(|u| super::uncertain(db, u)).collect::<Vec<_>>(),
        });
        serde_json::to_string_pretty(&document).unwrap() + "\n"
    }

    /// The streamed document is serde_json's pretty layout of the whole
    /// model as one value, for both formats.
    #[test]
    fn streamed_model_is_serde_jsons_layout_of_the_document() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
        for name in ["haproxy-example.cfg", "nginx-example.conf"] {
            let loaded = load(&[dir.join(name)], &Options::default()).unwrap();
            let (db, model) = (&loaded.db, &loaded.model);
            let shares = all_shares(model, &WhatIf::default()).unwrap();
            assert!(!model.entry_points.is_empty() && !model.backends.is_empty());
            let expected = whole_document(db, model, &shares);
            assert_eq!(super::render(db, model, &shares), expected, "{name}");
        }
    }

    /// A list longer than STREAMED_LIST is streamed inside its object, at
    /// the start, middle and end of the top-level arrays, in the same layout.
    #[test]
    fn long_lists_are_streamed_in_the_same_layout() {
        let n = super::STREAMED_LIST + 1;
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = String::from("defaults\n    mode http\nfrontend big\n    bind :80\n");
        for i in 0..n {
            cfg += &format!("    use_backend b{} if {{ path_beg /p{i}/ }}\n", i % 3);
        }
        cfg += "frontend small\n    bind :81\n    default_backend b1\n";
        for b in 0..3 {
            cfg += &format!("backend b{b}\n");
            let servers = if b == 1 { 2 } else { n };
            for i in 0..servers {
                let (hi, lo, weight) = (i / 250, i % 250, 1 + i % 3);
                cfg += &format!("    server s{i} 10.0.{hi}.{lo}:80 weight {weight}\n");
            }
        }
        let path = dir.path().join("long.cfg");
        std::fs::write(&path, cfg).unwrap();
        let loaded = load(&[path], &Options::default()).unwrap();
        let (db, model) = (&loaded.db, &loaded.model);
        let shares = all_shares(model, &WhatIf::default()).unwrap();
        assert_eq!(model.backends[2].servers.len(), n);
        let expected = whole_document(db, model, &shares);
        assert!(super::render(db, model, &shares) == expected);
    }
}
