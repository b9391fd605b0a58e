//! LB1xx: where requests go.

pub mod conflicting_listen;
pub mod duplicate_name;
pub mod dynamic_route;
mod earliest_overlap;
pub mod no_default_route;
pub mod shadowed_route;
pub mod undefined_backend;
pub mod unreachable_backend;
