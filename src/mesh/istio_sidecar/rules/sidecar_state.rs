//! The agent's own state: a SERVFAIL before its first table, or an answer from an old table.

use super::super::codes;
use super::super::settings::SidecarSettings;
use super::evidence::{pod_evidence, source_evidence, table_evidence};
use crate::finding::{Code, Severity};
use crate::model::{Answer, Layer, Rcode};

use super::{RuleInput, RuleOutput};

/// The codes this rule may emit.
pub(super) const CODES: &[Code] = &[
    codes::NOT_SYNCED,
    codes::STALE_SIDECAR,
    Code::UNEXPLAINED_DIFFERENCE,
];

/// The agent's own state: a SERVFAIL before its first table, or an answer from an old table.
pub(super) fn run(input: &RuleInput<'_>) -> RuleOutput {
    let mut out = RuleOutput::default();
    let Some(sidecar) = input.answers.sidecar else {
        return out;
    };
    let kube_fails = input
        .answers
        .kube
        .is_some_and(|k| k.rcode == Rcode::ServFail);
    if sidecar.rcode == Rcode::ServFail && !kube_fails {
        servfail(input, sidecar, &mut out);
    } else {
        stale(input, sidecar, &mut out);
    }
    out
}

/// The sidecar answers SERVFAIL where kube-dns does not: no table yet, or a failed upstream.
fn servfail(input: &RuleInput<'_>, sidecar: &Answer, out: &mut RuleOutput) {
    let derived = input.derived;
    let received = derived
        .input
        .workload
        .and_then(|w| w.proxy.as_ref())
        .and_then(|p| SidecarSettings::of(p).name_table_received);
    let (code, why) = match received {
        Some(true) => (
            Code::UNEXPLAINED_DIFFERENCE,
            "the agent has a name table, so its upstream query failed",
        ),
        Some(false) => (
            codes::NOT_SYNCED,
            "the agent has not received a name table from istiod yet and answers SERVFAIL to everything (e.g. init containers that run before the proxy is ready)",
        ),
        None => (
            codes::NOT_SYNCED,
            "most likely the agent has not received a name table from istiod yet (it answers SERVFAIL to everything until then); its /debug/ndsz was not recorded to confirm",
        ),
    };
    let status = match received {
        Some(true) => "200 (table received)",
        Some(false) => "404 (no table yet)",
        None => "not recorded",
    };
    let mut evidence = pod_evidence(derived, "agent /debug/ndsz", status.into());
    evidence.push(source_evidence(Layer::SIDECAR, sidecar));
    out.add(
        code,
        Severity::Error,
        format!("the sidecar answers SERVFAIL: {why}"),
        evidence,
    );
    out.explains_sidecar_vs_kube = true;
}

/// The sidecar answers other than istiod's current table says: it holds an old table.
fn stale(input: &RuleInput<'_>, sidecar: &Answer, out: &mut RuleOutput) {
    let derived = input.derived;
    let Some(view) = super::view(input).filter(|_| derived.observed_table().is_some()) else {
        return;
    };
    let stale = match &view.observed_local {
        Some(local) if !sidecar.same_as(&local.answer) => {
            Some((local.host.clone(), local.answer.brief()))
        }
        None if super::super::looks_synthesized(sidecar)
            && input.answers.kube.is_some_and(|k| !sidecar.same_as(k)) =>
        {
            let host = derived.input.question.fqdn.trim_end_matches('.');
            Some((host.to_string(), "no entry (forwarded)".to_string()))
        }
        _ => None,
    };
    let Some((host, table_says)) = stale else {
        return;
    };
    let proxy = derived
        .input
        .workload
        .map(|w| w.proxy_id())
        .unwrap_or_default();
    out.add(
        codes::STALE_SIDECAR,
        Severity::Error,
        format!(
            "the sidecar answers {} but istiod's current table for {proxy} gives {table_says}: the agent holds an old name table (NDS push not received or not applied)",
            sidecar.brief(),
        ),
        vec![table_evidence(derived, &host), source_evidence(Layer::SIDECAR, sidecar)],
    );
    out.explains_sidecar_vs_kube = true;
}
