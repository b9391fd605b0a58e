//! Snapshots of the model for a set of configs.
