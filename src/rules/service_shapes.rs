//! The Service's shape: a headless Service's endpoints, an ExternalName's CNAME.

use super::evidence::{endpoint_evidence, subject_evidence};
use crate::emulate::kube_dns::{ServiceShape, Subject};
use crate::finding::{Code, Severity};

use super::{RuleInput, RuleOutput};

/// The codes this rule may emit.
pub(super) const CODES: &[Code] = &[Code::HEADLESS_ENDPOINTS, Code::EXTERNALNAME_CNAME];

/// The Service's shape: a headless Service's endpoints, an ExternalName's CNAME.
pub(super) fn run(input: &RuleInput<'_>) -> RuleOutput {
    let derived = input.derived;
    let answers = &input.answers;
    let mut out = RuleOutput::default();
    let Subject::Service {
        namespace,
        name,
        shape,
    } = &derived.spec.subject
    else {
        if let Subject::PodHostname {
            namespace,
            service,
            hostname,
        } = &derived.spec.subject
        {
            out.add(
                Code::HEADLESS_ENDPOINTS,
                Severity::Info,
                format!("{hostname} is one endpoint of headless service {service}: its address is the pod's own and changes when the pod is replaced"),
                endpoint_evidence(derived.input.world.objects, namespace, service),
            );
        }
        return out;
    };
    match shape {
        ServiceShape::Headless => {
            let count = derived.spec.answer.as_ref().map_or(0, |a| a.records.len());
            out.add(
                Code::HEADLESS_ENDPOINTS,
                Severity::Info,
                format!(
                    "{name}.{namespace} is headless: DNS answers the {count} published endpoint address(es) of its pods, not a VIP, and the set changes with every rollout"
                ),
                endpoint_evidence(derived.input.world.objects, namespace, name),
            );
        }
        ServiceShape::ExternalName(target) => {
            let through_mesh = if answers.sidecar.is_some() {
                "; the mesh has no table entry for it, so the sidecar forwards the query and passes the CNAME through"
            } else {
                ""
            };
            out.add(
                Code::EXTERNALNAME_CNAME,
                Severity::Info,
                format!("{name}.{namespace} is an ExternalName Service: kube-dns answers CNAME {target}{through_mesh}"),
                subject_evidence(derived),
            );
            out.explains_sidecar_vs_kube = true;
        }
        _ => {}
    }
    out
}
