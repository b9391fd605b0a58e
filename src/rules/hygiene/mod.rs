//! LB0xx, LB100, LB5xx: the config's own hygiene, and lbcheck's bookkeeping.

pub mod missing_timeouts;
pub mod refused_config;
pub mod unknown_keyword;
pub mod unmatched_traffic_name;
pub mod unused_suppression;
