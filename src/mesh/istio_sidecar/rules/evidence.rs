//! Evidence of the Istio rules: istiod's table entry for a host, and the objects behind the entry
//! the objects imply. The core's evidence is re-exported for the rules beside this file.

pub(super) use crate::rules::evidence::*;

use super::super::predict::IstioView;
use crate::derive::Derived;
use crate::model::Evidence;

/// istiod's table entry for `host` as evidence.
pub(super) fn table_evidence(derived: &Derived<'_>, host: &str) -> Evidence {
    let workload = derived
        .input
        .workload
        .map(|w| w.proxy_id())
        .unwrap_or_default();
    let ips = derived
        .observed_table()
        .and_then(|t| t.get(host))
        .map(|info| info.ips.join(", "))
        .unwrap_or_else(|| "(absent)".to_string());
    Evidence::object("NameTable", None, &workload).field(format!("table[\"{host}\"].ips"), ips)
}

/// Provenance evidence of the expected table's entry for `host`.
pub(super) fn provenance_evidence(view: &IstioView, host: &str) -> Vec<Evidence> {
    view.expected_table
        .as_ref()
        .and_then(|t| t.provenance.get(host))
        .map(|p| p.iter().map(|p| p.evidence.clone()).collect())
        .unwrap_or_default()
}
