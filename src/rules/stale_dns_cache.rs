//! kube-dns behind the objects: a cache, or a CoreDNS watch that has not caught up.

use super::evidence::{coredns_evidence, source_evidence, subject_evidence};
use crate::finding::{Code, Severity};
use crate::model::{Evidence, Layer, Origin};

use super::{RuleInput, RuleOutput};

/// The codes this rule may emit.
pub(super) const CODES: &[Code] = &[Code::STALE_DNS_CACHE];

/// kube-dns behind the objects: a cache, or a CoreDNS watch that has not caught up.
pub(super) fn run(input: &RuleInput<'_>) -> RuleOutput {
    let derived = input.derived;
    let answers = &input.answers;
    let sources = input.sources;
    let mut out = RuleOutput::default();
    let (Some(kube), Some(spec)) = (answers.kube, derived.spec.answer.as_ref()) else {
        return out;
    };
    let zone = derived.comparison_zone();
    if kube.within_zone(zone).same_as(&spec.within_zone(zone)) {
        return out;
    }
    let cached = sources
        .iter()
        .any(|s| s.source == Layer::KUBE_DNS && s.origin == Some(Origin::Cache));
    let mut evidence = subject_evidence(derived);
    evidence.extend(coredns_evidence(derived));
    evidence.push(source_evidence(Layer::KUBE_DNS, kube));
    if let Some(cache) = derived.coredns.cache_ttl {
        evidence.push(
            Evidence::object("ConfigMap", Some("kube-system"), "coredns")
                .field("data.Corefile", format!("cache {cache}")),
        );
    }
    let why = if cached {
        format!(
            "its TTL is below the kubernetes plugin's {} s and counting down, so a cache in front of the cluster zone (CoreDNS cache or NodeLocal DNSCache) serves an old answer",
            derived.coredns.kubernetes_ttl
        )
    } else {
        "kube-dns has not caught up with the objects (a CoreDNS watch behind, or a cache in front of it)".to_string()
    };
    out.add(
        Code::STALE_DNS_CACHE,
        Severity::Error,
        format!(
            "kube-dns answers {} but the objects say {}: {why}",
            kube.brief(),
            spec.brief()
        ),
        evidence,
    );
    out.explains_sidecar_vs_kube = true;
    out
}
