//! The agent's own state: a SERVFAIL before its first table, or an answer from an old table.

use super::evidence::{pod_evidence, source_evidence, table_evidence};
use crate::finding::{Code, Severity};
use crate::model::{Rcode, SourceKind};

use super::{RuleInput, RuleOutput};

/// The codes this rule may emit.
pub(super) const CODES: &[Code] = &[
    Code::NotSynced,
    Code::StaleSidecar,
    Code::UnexplainedDifference,
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
        let received = workload.proxy.as_ref().and_then(|p| p.name_table_received);
        let (code, why) = if received == Some(true) {
            (
                Code::UnexplainedDifference,
                "the agent has a name table, so its upstream query failed".to_string(),
            )
        } else {
            (
                Code::NotSynced,
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
        evidence.push(source_evidence(SourceKind::Sidecar, sidecar));
        out.add(
            code,
            Severity::Error,
            format!("the sidecar answers SERVFAIL: {why}"),
            evidence,
        );
        out.explains_sidecar_vs_kube = true;
        return out;
    }
    if derived.observed_table.is_none() {
        return out;
    }
    let stale = match &derived.observed_local {
        Some(local) if !sidecar.same_as(&local.answer) => {
            Some((local.host.clone(), local.answer.brief()))
        }
        None if super::looks_synthesized(sidecar)
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
            Code::StaleSidecar,
            Severity::Error,
            format!(
                "the sidecar answers {} but istiod's current table for {} gives {table_says}: the agent holds an old name table (NDS push not received or not applied)",
                sidecar.brief(),
                workload.proxy_id()
            ),
            vec![table_evidence(derived, &host), source_evidence(SourceKind::Sidecar, sidecar)],
        );
        out.explains_sidecar_vs_kube = true;
    }
    out
}
