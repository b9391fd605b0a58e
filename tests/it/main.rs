//! lbcheck's integration tests, in one binary.

mod action;
mod cli;
mod cli_check;
mod common;
mod corpus;
mod diff;
mod differential;
mod differential_nginx;
mod formats;
mod generated;
mod hostile;
mod incidents;
mod live;
mod properties;
mod roundtrip;
mod routing_index;
mod rules;
mod snapshots;
mod streaming;
