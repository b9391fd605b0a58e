//! Reporters: one module per output format. Only these modules know how a
//! diagnostic or a model looks on the outside.

pub mod diff_json;
pub mod diff_markdown;
pub mod diff_text;
pub mod json;
pub mod model_dot;
pub mod model_json;
pub mod model_text;
pub mod route;
pub mod text;
