//! Renderers: turn a [`crate::report::Report`] into a table, JSON or YAML. They decide nothing.

pub mod audit;
pub mod check;
pub mod dto;
pub mod json;
pub mod message;
pub mod table;

/// `document` as pretty-printed JSON with a trailing newline.
pub fn json_text(document: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(document).expect("JSON values always serialize");
    text.push('\n');
    text
}

/// `document` as YAML, the same fields as its JSON.
pub fn yaml_text(document: &serde_json::Value) -> String {
    serde_yaml_ng::to_string(document).expect("JSON values always serialize as YAML")
}
