//! The name table a mesh's control plane pushes to one proxy: host → addresses and metadata. Every
//! mesh's table parser produces this shape, and its data-plane emulator answers from it.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A control plane's name table for one proxy: host → entry.
pub type NameTable = BTreeMap<String, NameInfo>;

/// One entry of a name table (shaped as Istio's `istio.networking.nds.v1.NameTable.NameInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct NameInfo {
    #[serde(default)]
    pub ips: Vec<String>,
    #[serde(default)]
    pub registry: String,
    #[serde(default)]
    pub shortname: String,
    #[serde(default)]
    pub namespace: String,
    /// Further names of a Kubernetes entry the agent answers (`alt_hosts`, deprecated upstream but
    /// still read by the agent), e.g. `svc.ns.svc.clusterset.local`.
    #[serde(
        default,
        rename = "altHosts",
        alias = "alt_hosts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub alt_hosts: Vec<String>,
}
