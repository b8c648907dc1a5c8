//! Evidence shared by the rules: pointers to the objects and answers a finding rests on.

use std::net::IpAddr;

use crate::derive::Derived;
use crate::emulate::kube_dns::{ServiceShape, Subject};
use crate::model::{Answer, Evidence, Layer};

/// A source's answer as evidence.
pub fn source_evidence(kind: Layer, answer: &Answer) -> Evidence {
    Evidence::object("Answer", None, kind.as_str()).field("answer", answer.brief())
}

/// The asking pod's `field` as evidence.
pub fn pod_evidence(derived: &Derived<'_>, field: &str, value: String) -> Vec<Evidence> {
    derived
        .input
        .workload
        .map(|w| Evidence::object("Pod", Some(&w.namespace), &w.pod).field(field, value))
        .into_iter()
        .collect()
}

/// Evidence for the object the spec resolves the question through.
pub fn subject_evidence(derived: &Derived<'_>) -> Vec<Evidence> {
    let objects = derived.input.world.objects;
    match &derived.spec.subject {
        Subject::Service {
            namespace,
            name,
            shape,
        } => {
            let service = Evidence::object("Service", Some(namespace), name);
            match shape {
                ServiceShape::Headless => endpoint_evidence(objects, namespace, name),
                ServiceShape::ExternalName(target) => {
                    vec![service.field("spec.externalName", target.clone())]
                }
                ServiceShape::ClusterIp => {
                    let ips = objects
                        .service(namespace, name)
                        .map(crate::emulate::kube_dns::cluster_ips)
                        .unwrap_or_default();
                    vec![service.field("spec.clusterIPs", join(&ips))]
                }
            }
        }
        Subject::PodHostname {
            namespace, service, ..
        } => endpoint_evidence(objects, namespace, service),
        _ => Vec::new(),
    }
}

pub fn endpoint_evidence(
    objects: &crate::objects::Objects,
    namespace: &str,
    service: &str,
) -> Vec<Evidence> {
    let mut by_slice: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    for e in objects.endpoints(namespace, service) {
        by_slice.entry(e.slice.clone()).or_default().push(format!(
            "{}{}",
            e.ip,
            if e.ready { "" } else { " (not ready)" }
        ));
    }
    by_slice
        .into_iter()
        .map(|(slice, ips)| {
            Evidence::object("EndpointSlice", Some(namespace), &slice)
                .field("endpoints[].addresses", ips.join(", "))
        })
        .collect()
}

/// Addresses joined for evidence values.
pub fn join(ips: &[IpAddr]) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where the expectation follows CoreDNS rather than the spec, the CoreDNS rules it follows, so a
/// reader can tell a CoreDNS behaviour from the spec's.
pub fn coredns_evidence(derived: &Derived<'_>) -> Option<Evidence> {
    let predicted = derived.spec.answer.as_ref()?;
    (!predicted.coredns.is_empty()).then(|| {
        Evidence::object("ConfigMap", Some("kube-system"), "coredns")
            .field("predicted as CoreDNS answers", predicted.coredns.join("; "))
    })
}
