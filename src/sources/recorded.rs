//! Sources replayed from a snapshot: the answers and name tables recorded when it was captured.

use crate::model::{Layer, Outcome, SourceResult};
use crate::snapshot::{Snapshot, WorkloadRef};
use crate::sources::{ControlPlane, Question, Resolver, TableReply, TableRequest};
use crate::workload::{DnsPath, Workload};

/// A resolver whose answers come from a snapshot's `answers`.
pub struct RecordedResolver<'a> {
    pub snapshot: &'a Snapshot,
    pub kind: Layer,
}

impl Resolver for RecordedResolver<'_> {
    async fn ask(&self, question: &Question<'_>) -> SourceResult {
        if self.kind == Layer::SIDECAR
            && let Some(why) = no_proxy_to_ask(question.from)
        {
            return SourceResult::new(Layer::SIDECAR, Outcome::NotApplicable(why), None);
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

/// Why the asker's DNS goes through no mesh proxy to ask, when it does not.
fn no_proxy_to_ask(from: Option<&Workload>) -> Option<String> {
    let Some(workload) = from else {
        return Some("no pod given (--from): there is no sidecar to ask".to_string());
    };
    match workload.dns {
        DnsPath::Captured { .. } => None,
        DnsPath::NoMesh => Some("the pod has no mesh proxy".to_string()),
        DnsPath::NoDnsProxy { why, .. } | DnsPath::NotCaptured { why, .. } => Some(why.to_string()),
    }
}

/// Why a question has no recorded answer, and the command that records it.
fn not_recorded(kind: Layer, question: &Question<'_>, rtype: &str) -> Outcome {
    let from = question.from.map_or(String::new(), |w| {
        format!(" --from pod/{} -n {}", w.pod, w.namespace)
    });
    Outcome::NotRecorded(format!(
        "not recorded in the snapshot: it holds no {kind} answer for {} {rtype}; record it with `meshdig snapshot {} -t {rtype}{from} -o FILE` (`meshdig snapshot show FILE` lists what a snapshot holds)",
        question.fqdn, question.fqdn
    ))
}

/// A control plane whose name tables come from a snapshot's `proxies[].ndsz`.
pub struct RecordedControlPlane<'a> {
    pub snapshot: &'a Snapshot,
}

impl ControlPlane for RecordedControlPlane<'_> {
    async fn name_table(&self, request: Option<&TableRequest>) -> TableReply {
        let Some(request) = request else {
            return TableReply::NotApplicable(
                "no mesh DNS proxy: no control plane name table applies".to_string(),
            );
        };
        let (namespace, pod) = (&request.namespace, &request.pod);
        let Some(proxy) = self.snapshot.proxy(namespace, pod) else {
            return TableReply::NotApplicable(
                "the snapshot records no proxy for this pod".to_string(),
            );
        };
        match (self.snapshot.proxy_table(namespace, pod), &proxy.ndsz_error) {
            (_, Some(error)) => TableReply::Failed(error.clone()),
            (Some(table), None) => TableReply::Table(table),
            (None, None) => TableReply::NotApplicable(
                "the snapshot records no name table for this proxy".to_string(),
            ),
        }
    }
}
