//! Faults of ztunnel's own state, read from its config dump: a client pod it does not know (it
//! answers SERVFAIL to everything), and services it holds otherwise than the objects imply.

use super::super::codes;
use super::super::server::Reply;
use super::{state_evidence, view};
use crate::finding::{Code, Severity};
use crate::model::{Answer, Evidence, Rcode};
use crate::rules::evidence::pod_evidence;
use crate::rules::{RuleInput, RuleOutput};

/// The codes [`unknown_client`] may emit.
pub(super) const UNKNOWN_CLIENT: &[Code] = &[codes::ZTUNNEL_UNKNOWN_CLIENT];

/// ztunnel has no workload for the asking pod: it answers every query SERVFAIL.
pub(super) fn unknown_client(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let (Some(view), Some(workload)) = (view(input), input.derived.input.workload) else {
        return out;
    };
    let dump_says = matches!(view.observed, Some(Reply::UnknownClient));
    let servfail = input
        .answers
        .sidecar
        .is_some_and(|a| a.rcode == Rcode::ServFail);
    let objects_know = !matches!(view.expected, Some(Reply::UnknownClient));
    // Without the dump, a SERVFAIL from ztunnel for a pod the objects enroll says the same.
    let servfail_unread = servfail && objects_know && view.observed.is_none();
    if !(dump_says || servfail_unread) {
        return out;
    }
    let mut evidence = pod_evidence(input.derived, "metadata.name", workload.pod.clone());
    if dump_says {
        evidence.push(
            Evidence::object("ZtunnelConfigDump", None, &workload.proxy_id())
                .field("workloads[name, namespace, serviceAccount]", "(no match)"),
        );
    }
    out.add(
        codes::ZTUNNEL_UNKNOWN_CLIENT,
        Severity::Error,
        format!(
            "ztunnel {} no workload for pod {}/{}, so its DNS proxy answers every query SERVFAIL (after waiting 5s for it); is the pod's workload pushed to ztunnel (istiod's WDS) and is ztunnel on the pod's node healthy?",
            if dump_says { "holds" } else { "appears to hold" },
            workload.namespace,
            workload.pod
        ),
        evidence,
    );
    out.explains_sidecar_vs_kube = true;
    out
}

/// The codes [`stale`] may emit.
pub(super) const STALE: &[Code] = &[codes::STALE_ZTUNNEL];

/// ztunnel's state answers the question otherwise than the objects imply.
pub(super) fn stale(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let Some(view) = view(input).filter(|v| v.stale()) else {
        return out;
    };
    let (Some(observed), Some(expected)) = (&view.observed, &view.expected) else {
        return out;
    };
    let (said, implied) = (observed.answer(), expected.answer());
    let host = [observed, expected]
        .iter()
        .find_map(|r| match r {
            Reply::Local(l) => Some(l.host.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let describe = |a: &Option<Answer>| a.as_ref().map_or("forwards".to_string(), Answer::brief);
    out.add(
        codes::STALE_ZTUNNEL,
        Severity::Error,
        format!(
            "ztunnel's state gives {} for {}, but the current objects give {}: istiod has not pushed the change to ztunnel (WDS), or ztunnel has not applied it",
            describe(&said),
            input.derived.input.question.fqdn,
            describe(&implied)
        ),
        vec![state_evidence(view, &host)],
    );
    out.explains_sidecar_vs_kube = true;
    out
}
