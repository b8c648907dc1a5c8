//! A sidecar that does not capture DNS: the app asks kube-dns, and what the mesh would answer instead.

use super::super::agent::AgentTable;
use super::super::codes;
use super::super::predict::{build_table, context};
use super::evidence::pod_evidence;
use crate::finding::{Code, Severity};
use crate::model::Answer;

use super::{RuleInput, RuleOutput};

/// The codes this rule may emit.
pub(super) const CODES: &[Code] = &[codes::DNS_CAPTURE_OFF];

/// A sidecar that does not capture DNS: the app asks kube-dns, and what the mesh would answer instead.
pub(super) fn run(input: &RuleInput<'_>) -> RuleOutput {
    let derived = input.derived;
    let answers = &input.answers;
    let mut out = RuleOutput::default();
    let Some(workload) = derived
        .input
        .workload
        .filter(|w| w.dns_proxy().is_some() && !w.captures_dns())
    else {
        return out;
    };
    // What the mesh would answer if the proxy captured DNS.
    let with_capture = context(workload, Some(true));
    let world = derived.input.world;
    let table = build_table(world, &with_capture, derived.observed_table()).table;
    let would = AgentTable::new(
        std::sync::Arc::new(table),
        &workload.namespace,
        &world.cluster.domain,
        derived.search_domain(),
    )
    .lookup(&derived.input.question.fqdn, derived.input.rtype);
    let kube_resolves = answers.kube.is_some_and(Answer::has_addresses);
    let evidence = pod_evidence(
        derived,
        "proxy metadata ISTIO_META_DNS_CAPTURE",
        "false or unset".into(),
    );
    match would {
        Some(local) if !kube_resolves && local.answer.has_addresses() => out.add(
            codes::DNS_CAPTURE_OFF,
            Severity::Warning,
            format!(
                "the sidecar of {} does not capture DNS, so the app gets kube-dns's answer ({}); with ISTIO_META_DNS_CAPTURE=true the mesh would answer {}",
                workload.proxy_id(),
                answers.kube.map_or("none".to_string(), Answer::brief),
                local.answer.brief()
            ),
            evidence,
        ),
        _ => out.add(
            codes::DNS_CAPTURE_OFF,
            Severity::Info,
            format!(
                "the sidecar of {} does not capture DNS: the app's queries go straight to kube-dns",
                workload.proxy_id()
            ),
            evidence,
        ),
    }
    out
}
