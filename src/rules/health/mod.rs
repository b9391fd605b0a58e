//! LB2xx: whether a backend can serve.

pub mod backup_only;
pub mod dead_backend;
pub mod duplicate_server_address;
pub mod no_health_check;
pub mod single_point_of_failure;

use crate::model::{Backend, BackendKind};
use crate::rules::Context;

/// Backends traffic reaches: routed ones, and `listen` sections (their own
/// binds feed them, unless the section is disabled).
pub(crate) fn serving(cx: &Context) -> Vec<usize> {
    let routed = &cx.routed;
    let own_frontend = |b: &Backend| b.kind == BackendKind::Listen && b.disabled.is_none();
    (0..cx.model.backends.len())
        .filter(|&i| routed[i] || own_frontend(&cx.model.backends[i]))
        .collect()
}

/// Servers that take traffic when everything is up (none in a disabled
/// backend).
pub(crate) fn usable(b: &Backend) -> impl Iterator<Item = usize> + '_ {
    let servers = if b.disabled.is_some() {
        0
    } else {
        b.servers.len()
    };
    (0..servers).filter(|&i| {
        let s = &b.servers[i];
        !s.backup.value && !s.disabled.value && s.weight.value > 0
    })
}
