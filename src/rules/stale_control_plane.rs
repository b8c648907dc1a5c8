//! istiod's name table for the proxy behind the objects.

use super::evidence::{provenance_evidence, table_evidence};
use crate::emulate::istio::LocalAnswer;
use crate::finding::{Code, Severity};

use super::{RuleInput, RuleOutput};

/// The codes this rule may emit.
pub(super) const CODES: &[Code] = &[Code::StaleControlPlane];

/// istiod's name table for the proxy behind the objects.
pub(super) fn run(input: &RuleInput<'_>) -> RuleOutput {
    let derived = input.derived;
    let mut out = RuleOutput::default();
    let captures = derived
        .input
        .workload
        .is_some_and(crate::workload::Workload::captures_dns);
    if derived.observed_table.is_none() || derived.expected_table.is_none() || !captures {
        return out;
    }
    let describe = |local: Option<&LocalAnswer>| {
        local.map_or("no entry (forwarded)".to_string(), |l| l.answer.brief())
    };
    let (observed, expected) = (
        derived.observed_local.as_ref(),
        derived.expected_local.as_ref(),
    );
    let same = match (observed, expected) {
        (Some(o), Some(e)) => o.answer.same_as(&e.answer),
        (None, None) => true,
        _ => false,
    };
    if same {
        return out;
    }
    let host = observed
        .or(expected)
        .map(|l| l.host.clone())
        .unwrap_or_default();
    let mut evidence = vec![table_evidence(derived, &host)];
    evidence.extend(provenance_evidence(derived, &host));
    out.add(
        Code::StaleControlPlane,
        Severity::Error,
        format!(
            "istiod's name table for {} gives {} for {host}, but the current objects give {}: the control plane has not rebuilt or pushed the table since they changed",
            derived.input.workload.map(|w| w.proxy_id()).unwrap_or_default(),
            describe(observed),
            describe(expected)
        ),
        evidence,
    );
    out.explains_sidecar_vs_kube = true;
    out
}
