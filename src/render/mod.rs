//! Renderers: turn a [`crate::report::Report`] into a table or JSON. They decide nothing.

pub mod json;
pub mod table;
