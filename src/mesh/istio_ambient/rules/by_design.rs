//! What ztunnel does by design when it answers itself: the CNAME from a search-expanded name to
//! the stripped, non-FQDN name (istio#57276, #55979), and names only it answers. Each applies only
//! when the app got exactly ztunnel's own answer.

use super::super::codes;
use super::super::predict::AmbientView;
use super::{answered_locally, state_evidence, view};
use crate::finding::{Code, Severity};
use crate::model::{Answer, in_zone};
use crate::rules::evidence::source_evidence;
use crate::rules::{RuleInput, RuleOutput};

/// The codes [`stripped_cname`] may emit.
pub(super) const STRIPPED_CNAME: &[Code] = &[codes::ZTUNNEL_STRIPPED_CNAME];

/// A question ztunnel matched only once it stripped a search domain, answered with a CNAME to the
/// stripped name: a relative name the wire makes absolute (`kubernetes.default.svc.`).
pub(super) fn stripped_cname(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let Some((local, answer)) = answered_locally(input) else {
        return out;
    };
    let Some(stripped) = &local.stripped else {
        return out;
    };
    let derived = input.derived;
    let domain = derived.input.world.cluster.domain.trim_end_matches('.');
    let canonical = format!("{stripped}.");
    let kube = input
        .answers
        .kube
        .map_or("nothing".to_string(), Answer::brief);
    let mut evidence = vec![source_evidence(crate::model::Layer::SIDECAR, answer)];
    evidence.extend(view(input).map(|v| state_evidence(v, &local.host)));
    let (severity, consequence) = if in_zone(&canonical, &format!("{domain}.")) {
        (Severity::Info, "a name of the cluster domain")
    } else {
        (
            Severity::Warning,
            "which lacks the cluster domain and which kube-dns does not answer: clients that compare or re-resolve the canonical name (TLS and proxy host checks, getaddrinfo's AI_CANONNAME) break",
        )
    };
    out.add(
        codes::ZTUNNEL_STRIPPED_CNAME,
        severity,
        format!(
            "ztunnel finds {} in {} only once it strips a search domain, and answers CNAME {canonical} (the stripped name, sent without a trailing dot and so made absolute) with the addresses under it; the app's canonical name is {canonical}, {consequence}; kube-dns answers {kube} here",
            local.host, derived.input.question.fqdn
        ),
        evidence,
    );
    out.explains_sidecar_vs_kube = true;
    out
}

/// The codes [`only_name`] may emit.
pub(super) const ONLY_NAME: &[Code] = &[codes::ZTUNNEL_ONLY_NAME];

/// A name ztunnel answers itself where kube-dns answers otherwise: a short form of a service, a
/// ServiceEntry host's VIP.
pub(super) fn only_name(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let Some((local, answer)) = answered_locally(input) else {
        return out;
    };
    let kube = input.answers.kube;
    // A state behind the objects is stale-ztunnel's to explain, not a name only ztunnel knows.
    if view(input).is_some_and(AmbientView::stale)
        || local.stripped.is_some()
        || kube.is_some_and(|k| k.same_as(answer))
    {
        return out;
    }
    let mut evidence = vec![source_evidence(crate::model::Layer::SIDECAR, answer)];
    evidence.extend(view(input).map(|v| state_evidence(v, &local.host)));
    out.add(
        codes::ZTUNNEL_ONLY_NAME,
        Severity::Info,
        format!(
            "ztunnel answers {} itself from service {}/{}: {}; kube-dns answers {}, so only pods whose DNS ztunnel captures get this answer",
            input.derived.input.question.fqdn,
            local.namespace,
            local.host,
            answer.brief(),
            kube.map_or("nothing".to_string(), Answer::brief)
        ),
        evidence,
    );
    out.explains_sidecar_vs_kube = true;
    out
}
