//! Live clusters: Kubernetes access like kubectl's, port-forwards, and the capture of everything a
//! diff needs (objects, mesh settings, name tables, live answers) into the snapshot format.
//!
//! A live diff is a capture followed by the same pure diff a snapshot gets, so live and replayed
//! runs agree by construction.

pub mod api;
pub mod capture;
pub mod connect;
pub mod exec_plugin;
pub mod forward;
pub mod plan;
