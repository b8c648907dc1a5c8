//! The closing rules: a difference no other rule accounts for is a fault. They run after every
//! other rule and read what those found, so they alone depend on the others' output.

use super::evidence::source_evidence;
use super::{Explained, RuleInput};
use crate::finding::{Code, Finding, Severity};
use crate::model::{Evidence, Layer, Origin};

/// The codes the closing rules may emit.
pub(super) const CODES: &[Code] = &[Code::UNEXPLAINED_DIFFERENCE];

fn finding(code: Code, severity: Severity, summary: String, evidence: Vec<Evidence>) -> Finding {
    Finding {
        code,
        severity,
        summary,
        evidence,
    }
}

/// The answer the app gets (the sidecar's when it captures DNS, else kube-dns's) must match the
/// expectation unless a fault finding already says why not.
pub(super) fn expectation(input: &RuleInput<'_>, found: &[Explained]) -> Vec<Finding> {
    let (derived, sources) = (input.derived, input.sources);
    let mut out = Vec::new();
    let answer_of = |kind| sources.iter().find(|s| s.source == kind);
    let captures = derived
        .input
        .workload
        .is_some_and(crate::workload::Workload::captures_dns);
    let app_source = if captures {
        Layer::SIDECAR
    } else {
        Layer::KUBE_DNS
    };
    let (Some(app), Some(expected)) = (answer_of(app_source), answer_of(Layer::EXPECTED)) else {
        return out;
    };
    let (Some(app_answer), Some(expected_answer)) = (app.answer(), expected.answer()) else {
        return out;
    };
    let zone = derived.comparison_zone();
    let agree = if expected.origin == Some(Origin::KubernetesSpec) {
        app_answer
            .within_zone(zone)
            .same_as(&expected_answer.within_zone(zone))
    } else {
        app_answer.same_as(expected_answer)
    };
    if agree || found.iter().any(|f| f.finding.severity == Severity::Error) {
        return out;
    }
    out.push(finding(
        Code::UNEXPLAINED_DIFFERENCE,
        Severity::Error,
        format!(
            "the app gets {} from {app_source} but the objects predict {}, and no available source shows which layer is behind",
            app_answer.brief(),
            expected_answer.brief()
        ),
        vec![source_evidence(app_source, app_answer), source_evidence(Layer::EXPECTED, expected_answer)],
    ));
    out
}

/// kube-dns and the sidecar differ, and no rule says why.
pub(super) fn sidecar_vs_kube(input: &RuleInput<'_>, found: &[Explained]) -> Vec<Finding> {
    let answers = &input.answers;
    let explained = found.iter().any(|f| f.explains_sidecar_vs_kube);
    let mut out = Vec::new();
    let (Some(kube), Some(sidecar)) = (answers.kube, answers.sidecar) else {
        return out;
    };
    if kube.same_as(sidecar) || explained {
        return out;
    }
    out.push(finding(
        Code::UNEXPLAINED_DIFFERENCE,
        Severity::Error,
        format!(
            "the sidecar answers {} and kube-dns {}, and no mesh rule or object explains the difference",
            sidecar.brief(),
            kube.brief()
        ),
        vec![source_evidence(Layer::SIDECAR, sidecar), source_evidence(Layer::KUBE_DNS, kube)],
    ));
    out
}
