//! Sources replayed from a snapshot: the answers and name tables recorded when it was captured.

use crate::model::{Outcome, SourceKind, SourceResult};
use crate::snapshot::{ProxyKind, Snapshot, WorkloadRef};
use crate::sources::{ControlPlane, Ndsz, Question, Resolver};
use crate::workload::Workload;

/// A resolver whose answers come from a snapshot's `answers`.
pub struct RecordedResolver<'a> {
    pub snapshot: &'a Snapshot,
    pub kind: SourceKind,
}

impl Resolver for RecordedResolver<'_> {
    async fn ask(&self, question: &Question<'_>) -> SourceResult {
        if self.kind == SourceKind::Sidecar {
            match question.from {
                None => return not_applicable("no pod given (--from): there is no sidecar to ask"),
                Some(w)
                    if w.proxy
                        .as_ref()
                        .is_some_and(|p| p.kind == ProxyKind::Ambient) =>
                {
                    return not_applicable(
                        "the pod is in the ambient mesh: ztunnel, not a sidecar, proxies its DNS",
                    );
                }
                Some(w) if !w.has_sidecar() => return not_applicable("the pod has no mesh proxy"),
                Some(w) if !w.captures_dns() => {
                    return not_applicable(
                        "the sidecar does not capture DNS (ISTIO_META_DNS_CAPTURE is off)",
                    );
                }
                Some(_) => {}
            }
        }
        let from = question.from.map(|w| WorkloadRef {
            namespace: w.namespace.clone(),
            pod: w.pod.clone(),
        });
        let rtype = question.rtype.to_string();
        let Some(recorded) =
            self.snapshot
                .recorded(self.kind, question.fqdn, &rtype, from.as_ref())
        else {
            return SourceResult::new(self.kind, not_recorded(self.kind, question, &rtype), None);
        };
        let outcome = match recorded.outcome() {
            Ok(answer) => Outcome::Answered(answer),
            Err(error) => Outcome::Error(error),
        };
        SourceResult {
            source: self.kind,
            outcome,
            origin: None,
            rtt_ms: recorded.rtt_ms,
            transport: recorded.transport.clone(),
        }
    }
}

/// Why a question has no recorded answer, and the command that records it.
fn not_recorded(kind: SourceKind, question: &Question<'_>, rtype: &str) -> Outcome {
    let from = question.from.map_or(String::new(), |w| {
        format!(" --from pod/{} -n {}", w.pod, w.namespace)
    });
    Outcome::NotRecorded(format!(
        "not recorded in the snapshot: it holds no {kind} answer for {} {rtype}; record it with `meshdig snapshot {} -t {rtype}{from} -o FILE` (`meshdig snapshot show FILE` lists what a snapshot holds)",
        question.fqdn, question.fqdn
    ))
}

fn not_applicable(why: &str) -> SourceResult {
    SourceResult::new(
        SourceKind::Sidecar,
        Outcome::NotApplicable(why.to_string()),
        None,
    )
}

/// A control plane whose name tables come from a snapshot's `proxies[].ndsz`.
pub struct RecordedControlPlane<'a> {
    pub snapshot: &'a Snapshot,
}

impl ControlPlane for RecordedControlPlane<'_> {
    async fn ndsz(&self, workload: Option<&Workload>) -> Ndsz {
        let Some(workload) = workload.filter(|w| w.has_sidecar()) else {
            return Ndsz::NotApplicable(
                "no mesh proxy: no control plane name table applies".to_string(),
            );
        };
        let Some(proxy) = self.snapshot.proxy(&workload.namespace, &workload.pod) else {
            return Ndsz::NotApplicable("the snapshot records no proxy for this pod".to_string());
        };
        let table = self
            .snapshot
            .proxy_table(&workload.namespace, &workload.pod);
        match (table, &proxy.ndsz_error) {
            (_, Some(error)) => Ndsz::Failed(error.clone()),
            (Some(table), None) => Ndsz::Table(table),
            (None, None) => {
                Ndsz::NotApplicable("the snapshot records no name table for this proxy".to_string())
            }
        }
    }
}
