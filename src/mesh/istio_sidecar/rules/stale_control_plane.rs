//! istiod's name table for the proxy behind the objects.

use super::super::agent::LocalAnswer;
use super::super::codes;
use super::evidence::{provenance_evidence, table_evidence};
use crate::finding::{Code, Severity};

use super::{RuleInput, RuleOutput};

/// The codes this rule may emit.
pub(super) const CODES: &[Code] = &[codes::STALE_CONTROL_PLANE];

/// istiod's name table for the proxy behind the objects.
pub(super) fn run(input: &RuleInput<'_>) -> RuleOutput {
    let derived = input.derived;
    let mut out = RuleOutput::default();
    let Some(view) = super::capturing_view(input) else {
        return out;
    };
    if derived.observed_table().is_none() || view.expected_table.is_none() {
        return out;
    }
    let describe = |local: Option<&LocalAnswer>| {
        local.map_or("no entry (forwarded)".to_string(), |l| l.answer.brief())
    };
    let (observed, expected) = (view.observed_local.as_ref(), view.expected_local.as_ref());
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
    evidence.extend(provenance_evidence(view, &host));
    out.add(
        codes::STALE_CONTROL_PLANE,
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
