//! Reporters: one module per output format. Only these modules know how a
//! diagnostic or a model looks on the outside.

pub mod candidates;
pub mod comment;
pub mod diff_json;
pub mod diff_markdown;
pub mod diff_text;
pub mod findings;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod json_text;
pub mod junit;
pub mod markdown;
pub mod model_dot;
pub mod model_json;
pub mod model_text;
pub mod route;
pub mod sarif;
pub mod stream;
pub mod text;

/// A connection limit as a reader says it: no limit is "unlimited".
pub(crate) fn connections(limit: Option<u64>) -> String {
    limit.map_or_else(|| "unlimited".to_string(), |n| n.to_string())
}
