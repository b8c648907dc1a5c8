//! The Istio ambient rules: what ztunnel's DNS proxy does by design (the stripped-name CNAME,
//! names only it answers), the faults of ztunnel's state (an unknown client, a stale table), and
//! what happens when the pod's DNS does not reach it (capture off, a waypoint skipped). Each rule
//! reads the ambient prediction ([`AmbientView`]) beside the core's.

mod by_design;
mod capture;
mod ztunnel_state;

use super::predict::AmbientView;
use super::server::{LocalAnswer, Reply};
use crate::model::{Answer, Evidence};
use crate::rules::{Rule, RuleInput};

/// The Istio ambient rules.
pub(super) const RULES: &[Rule] = &[
    Rule::new(
        "ztunnel-stripped-cname",
        by_design::STRIPPED_CNAME,
        by_design::stripped_cname,
    ),
    Rule::new(
        "ztunnel-only-name",
        by_design::ONLY_NAME,
        by_design::only_name,
    ),
    Rule::new(
        "ztunnel-unknown-client",
        ztunnel_state::UNKNOWN_CLIENT,
        ztunnel_state::unknown_client,
    ),
    Rule::new("stale-ztunnel", ztunnel_state::STALE, ztunnel_state::stale),
    Rule::new(
        "ambient-dns-capture-off",
        capture::CAPTURE_OFF,
        capture::capture_off,
    ),
    Rule::new(
        "waypoint-without-vip",
        capture::WAYPOINT,
        capture::waypoint_without_vip,
    ),
];

/// The ambient prediction of the candidate the rules look at, when the asker is an ambient pod.
fn view<'a>(input: &'a RuleInput<'a>) -> Option<&'a AmbientView> {
    input.derived.mesh_detail::<AmbientView>()
}

/// ztunnel's own answer, when the app got exactly that from it.
fn answered_locally<'a>(input: &'a RuleInput<'a>) -> Option<(&'a LocalAnswer, &'a Answer)> {
    let sidecar = input.answers.sidecar?;
    match view(input)?.reference()? {
        Reply::Local(local) if local.answer.same_as(sidecar) => Some((local, sidecar)),
        _ => None,
    }
}

/// ztunnel's config dump entry for `host` as evidence (the objects' state when none was read).
fn state_evidence(view: &AmbientView, host: &str) -> Evidence {
    let (state, what) = match (&view.observed_state, &view.expected_state) {
        (Some(state), _) => (Some(state), "ZtunnelConfigDump"),
        (None, state) => (state.as_ref(), "ExpectedZtunnelState"),
    };
    let vips = state
        .and_then(|s| s.services_named(host).next())
        .map(|s| {
            let vips: Vec<String> = s.vips.iter().map(|(n, ip)| format!("{n}/{ip}")).collect();
            if vips.is_empty() {
                "(none)".to_string()
            } else {
                vips.join(", ")
            }
        })
        .unwrap_or_else(|| "(absent)".to_string());
    Evidence::object(what, None, host).field(format!("services[{host}].vips"), vips)
}

#[cfg(test)]
mod tests;
