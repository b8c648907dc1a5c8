//! The agent's own state: a SERVFAIL before its first table, or an answer from an old table.

use super::super::codes;
use super::super::settings::SidecarSettings;
use super::evidence::{pod_evidence, source_evidence, table_evidence};
use crate::finding::{Code, Severity};
use crate::model::{Layer, Rcode};

use super::{RuleInput, RuleOutput};

/// The codes this rule may emit.
pub(super) const CODES: &[Code] = &[
    codes::NOT_SYNCED,
    codes::STALE_SIDECAR,
    Code::UNEXPLAINED_DIFFERENCE,
];

/// The agent's own state: a SERVFAIL before its first table, or an answer from an old table.
pub(super) fn run(input: &RuleInput<'_>) -> RuleOutput {
    let derived = input.derived;
    let answers = &input.answers;
    let mut out = RuleOutput::default();
    let Some(sidecar) = answers.sidecar else {
        return out;
    };
    let workload = derived
        .input
        .workload
        .expect("a sidecar answer implies a workload");
    if sidecar.rcode == Rcode::ServFail && answers.kube.is_none_or(|k| k.rcode != Rcode::ServFail) {
        let received = workload
            .proxy
            .as_ref()
            .and_then(|p| SidecarSettings::of(p).name_table_received);
        let (code, why) = if received == Some(true) {
            (
                Code::UNEXPLAINED_DIFFERENCE,
                "the agent has a name table, so its upstream query failed".to_string(),
            )
        } else {
            (
                codes::NOT_SYNCED,
                if received == Some(false) {
                    "the agent has not received a name table from istiod yet and answers SERVFAIL to everything (e.g. init containers that run before the proxy is ready)".to_string()
                } else {
                    "most likely the agent has not received a name table from istiod yet (it answers SERVFAIL to everything until then); its /debug/ndsz was not recorded to confirm".to_string()
                },
            )
        };
        let mut evidence = pod_evidence(
            derived,
            "agent /debug/ndsz",
            match received {
                Some(true) => "200 (table received)".into(),
                Some(false) => "404 (no table yet)".into(),
                None => "not recorded".into(),
            },
        );
        evidence.push(source_evidence(Layer::SIDECAR, sidecar));
        out.add(
            code,
            Severity::Error,
            format!("the sidecar answers SERVFAIL: {why}"),
            evidence,
        );
        out.explains_sidecar_vs_kube = true;
        return out;
    }
    let Some(view) = super::view(input).filter(|_| derived.observed_table().is_some()) else {
        return out;
    };
    let stale = match &view.observed_local {
        Some(local) if !sidecar.same_as(&local.answer) => {
            Some((local.host.clone(), local.answer.brief()))
        }
        None if super::super::looks_synthesized(sidecar)
            && answers.kube.is_some_and(|k| !sidecar.same_as(k)) =>
        {
            Some((
                derived
                    .input
                    .question
                    .fqdn
                    .trim_end_matches('.')
                    .to_string(),
                "no entry (forwarded)".to_string(),
            ))
        }
        _ => None,
    };
    if let Some((host, table_says)) = stale {
        out.add(
            codes::STALE_SIDECAR,
            Severity::Error,
            format!(
                "the sidecar answers {} but istiod's current table for {} gives {table_says}: the agent holds an old name table (NDS push not received or not applied)",
                sidecar.brief(),
                workload.proxy_id()
            ),
            vec![table_evidence(derived, &host), source_evidence(Layer::SIDECAR, sidecar)],
        );
        out.explains_sidecar_vs_kube = true;
    }
    out
}
