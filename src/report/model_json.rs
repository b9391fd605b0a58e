//! `lbcheck model --format json`: the routing model as a stable JSON
//! contract (documented in README). Values are plain; where each came from is
//! under `origins` (`explicit`, `default-server`, `defaults`, `global`,
//! `built-in`), and every named object has `file` and `line`.

use serde_json::{Map, Value, json};

use crate::model::{Backend, Bind, EntryPoint, Model, Origin, Route, Server};
use crate::source::{SourceDb, Span};

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

fn place(db: &SourceDb, span: Span, obj: &mut Map<String, Value>) {
    let loc = db.location(span);
    obj.insert("file".into(), json!(loc.path.display().to_string()));
    obj.insert("line".into(), json!(loc.line));
}

fn with_origins(fields: &[(&str, &Origin)]) -> Value {
    let map: Map<String, Value> = fields
        .iter()
        .map(|(k, o)| (k.to_string(), origin(o)))
        .collect();
    Value::Object(map)
}

fn bind(db: &SourceDb, b: &Bind) -> Value {
    let mut v = json!({
        "address": b.address,
        "host": b.host,
        "ports": b.ports.map(|(lo, hi)| json!([lo, hi])),
        "tls": b.tls,
    });
    place(db, b.span, v.as_object_mut().expect("object"));
    v
}

fn route(db: &SourceDb, r: &Route) -> Value {
    let mut v = json!({
        "kind": r.kind,
        "condition": r.condition.to_string(),
        "target": r.target,
        "uncertain": r.uncertain,
    });
    place(db, r.span, v.as_object_mut().expect("object"));
    v
}

fn entry(db: &SourceDb, e: &EntryPoint) -> Value {
    let mut v = json!({
        "name": e.name,
        "kind": e.kind,
        "mode": e.mode.value,
        "binds": e.binds.iter().map(|b| bind(db, b)).collect::<Vec<_>>(),
        "maxconn": e.maxconn.value,
        "routes": e.routes.iter().map(|r| route(db, r)).collect::<Vec<_>>(),
        "uncertain": e.uncertain,
    });
    let obj = v.as_object_mut().expect("object");
    obj.insert("origins".into(), {
        let mut o = with_origins(&[("maxconn", &e.maxconn.origin)]);
        o["mode"] = origin(&e.mode.origin);
        o
    });
    place(db, e.span, obj);
    v
}

fn server(db: &SourceDb, s: &Server) -> Value {
    let mut v = json!({
        "name": s.name,
        "address": s.address,
        "weight": s.weight.value,
        "maxconn": s.maxconn.value,
        "maxqueue": s.maxqueue.value,
        "backup": s.backup.value,
        "disabled": s.disabled.value,
        "check": s.check.value,
        "agent_check": s.agent_check.value,
        "inter_ms": s.inter_ms.value,
        "fall": s.fall.value,
        "rise": s.rise.value,
        "slowstart_ms": s.slowstart_ms.value,
        "track": s.track,
        "template": s.template,
        "unresolved": s.unresolved,
        "uncertain": s.uncertain,
    });
    let obj = v.as_object_mut().expect("object");
    let mut origins = with_origins(&[
        ("weight", &s.weight.origin),
        ("maxconn", &s.maxconn.origin),
        ("maxqueue", &s.maxqueue.origin),
    ]);
    for (k, o) in [
        ("backup", &s.backup.origin),
        ("disabled", &s.disabled.origin),
        ("check", &s.check.origin),
        ("inter_ms", &s.inter_ms.origin),
        ("fall", &s.fall.origin),
        ("rise", &s.rise.origin),
    ] {
        origins[k] = origin(o);
    }
    obj.insert("origins".into(), origins);
    place(db, s.span, obj);
    v
}

fn backend(db: &SourceDb, b: &Backend) -> Value {
    let mut v = json!({
        "name": b.name,
        "kind": b.kind,
        "mode": b.mode.value,
        "algorithm": b.algorithm.value.kind.name(),
        "algorithm_args": b.algorithm.value.args.get(1..).unwrap_or(&[]),
        "hash_type": b.hash_type.value,
        "health_check": b.health.check_type.as_ref().map(|c| c.value.clone()),
        "allbackups": b.health.allbackups.value,
        "fullconn": b.fullconn.value,
        "servers": b.servers.iter().map(|s| server(db, s)).collect::<Vec<_>>(),
        "uncertain": b.uncertain,
    });
    let obj = v.as_object_mut().expect("object");
    let mut origins = with_origins(&[
        ("algorithm", &b.algorithm.origin),
        ("hash_type", &b.hash_type.origin),
    ]);
    origins["allbackups"] = origin(&b.health.allbackups.origin);
    origins["mode"] = origin(&b.mode.origin);
    obj.insert("origins".into(), origins);
    place(db, b.span, obj);
    v
}

/// The model as a JSON value.
pub fn to_value(db: &SourceDb, model: &Model) -> Value {
    json!({
        "version": SCHEMA_VERSION,
        "format": model.format,
        "target_version": model.version.map(|v| v.to_string()),
        "limits": {
            "global_maxconn": model.limits.global_maxconn.value,
            "origins": { "global_maxconn": origin(&model.limits.global_maxconn.origin) },
        },
        "entry_points": model.entry_points.iter().map(|e| entry(db, e)).collect::<Vec<_>>(),
        "backends": model.backends.iter().map(|b| backend(db, b)).collect::<Vec<_>>(),
        "uncertain": model.uncertain.iter().map(|(span, why)| {
            let loc = db.location(*span);
            json!({"file": loc.path.display().to_string(), "line": loc.line, "reason": why})
        }).collect::<Vec<_>>(),
    })
}

pub fn render(db: &SourceDb, model: &Model) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(db, model)).unwrap_or_default();
    s.push('\n');
    s
}
