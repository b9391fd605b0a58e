//! LB3xx: how evenly traffic is spread.

pub mod first_without_maxconn;
pub mod hash_skew;
pub mod uneven_weights;
pub mod weight_capacity_mismatch;
pub mod zero_weight_server;
