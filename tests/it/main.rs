//! lbcheck's integration tests, in one binary.

mod cli;
mod common;
mod corpus;
mod differential;
mod properties;
mod snapshots;
