//! Renderers: turn a [`crate::report::Report`] into a table or JSON. They decide nothing.

pub mod audit;
pub mod check;
pub mod dto;
pub mod json;
pub mod message;
pub mod table;
