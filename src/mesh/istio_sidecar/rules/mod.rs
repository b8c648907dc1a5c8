//! The Istio sidecar's explanation rules: what istio-agent and istiod do by design, and the faults
//! of either. Each rule reads the Istio prediction ([`IstioView`]) beside the core's.

mod by_design;
mod capture_off;
mod evidence;
mod forwarded;
mod sidecar_state;
mod stale_control_plane;

use super::predict::IstioView;
use crate::rules::{Rule, RuleInput, RuleOutput};

/// The Istio sidecar's rules.
pub(super) const RULES: &[Rule] = &[
    Rule::new("capture-off", capture_off::CODES, capture_off::run),
    Rule::new(
        "stale-control-plane",
        stale_control_plane::CODES,
        stale_control_plane::run,
    ),
    Rule::new("sidecar-state", sidecar_state::CODES, sidecar_state::run),
    Rule::new(
        "search-domain-cname",
        by_design::SEARCH_DOMAIN_CNAME,
        by_design::search_domain_cname,
    ),
    Rule::new("short-name", by_design::SHORT_NAME, by_design::short_name),
    Rule::new(
        "mesh-only-name",
        by_design::MESH_ONLY_NAME,
        by_design::mesh_only_name,
    ),
    Rule::new(
        "auto-allocated-vip",
        by_design::AUTO_ALLOCATED_VIP,
        by_design::auto_allocated_vip,
    ),
    Rule::new(
        "nodata-vs-nxdomain",
        by_design::NODATA_VS_NXDOMAIN,
        by_design::nodata_vs_nxdomain,
    ),
    Rule::new("mesh-ttl", by_design::MESH_TTL, by_design::mesh_ttl),
    Rule::new("forwarded", forwarded::CODES, forwarded::run),
];

/// The Istio prediction of the candidate the rules look at, when the asker has a sidecar.
fn view<'a>(input: &'a RuleInput<'a>) -> Option<&'a IstioView> {
    input.derived.mesh_detail::<IstioView>()
}

/// [`view`], when the sidecar also captures the asker's DNS.
fn capturing_view<'a>(input: &'a RuleInput<'a>) -> Option<&'a IstioView> {
    let captures = input
        .derived
        .input
        .workload
        .is_some_and(crate::workload::Workload::captures_dns);
    view(input).filter(|_| captures)
}

#[cfg(test)]
mod tests;
