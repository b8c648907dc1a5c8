//! ztunnel's prediction for one candidate: what it answers the asking pod from the state the
//! objects imply (built once per pod and run) and from the state its config dump shows.

use std::sync::Arc;

use hickory_proto::rr::RecordType;

use super::expected::expected_state;
use super::server::{Reply, Ztunnel};
use super::settings::AmbientSettings;
use super::state::ZtunnelState;
use crate::derive::{Derived, ProxyPrediction, TableObservation};
use crate::model::{Answer, Outcome};
use crate::workload::Workload;

/// What the ambient rules read beyond the generic prediction.
pub struct AmbientView {
    /// The state the objects imply (`None`: the objects are incomplete for this name).
    pub expected_state: Option<Arc<ZtunnelState>>,
    /// ztunnel's reply from the state the objects imply.
    pub expected: Option<Reply>,
    /// ztunnel's state as its config dump shows it, when it was read.
    pub observed_state: Option<Arc<ZtunnelState>>,
    /// ztunnel's reply from its own state, when that was read.
    pub observed: Option<Reply>,
    /// The answers of `expected` and `observed`, for the core.
    answers: (Option<Answer>, Option<Answer>),
}

impl ProxyPrediction for AmbientView {
    fn expected(&self) -> Option<&Answer> {
        self.answers.0.as_ref()
    }

    fn observed(&self) -> Option<&Answer> {
        self.answers.1.as_ref()
    }

    fn table_outcome(&self, rtype: RecordType) -> Outcome {
        table_outcome(self.answers.1.as_ref(), rtype)
    }
}

impl AmbientView {
    /// The reply ztunnel should give: from its own state when it was read, else from the objects.
    pub fn reference(&self) -> Option<&Reply> {
        self.observed.as_ref().or(self.expected.as_ref())
    }

    /// True when ztunnel's own state answers (for a client it knows) otherwise than the objects.
    pub fn stale(&self) -> bool {
        let (Some(observed), Some(expected)) = (&self.observed, &self.expected) else {
            return false;
        };
        let unknown = |r: &Reply| matches!(r, Reply::UnknownClient);
        if unknown(observed) || unknown(expected) {
            return false;
        }
        match (observed.answer(), expected.answer()) {
            (Some(o), Some(e)) => !o.same_as(&e),
            (None, None) => false,
            _ => true,
        }
    }
}

/// The prediction for the candidate of `derived` asked by an ambient pod.
pub(super) fn predict(derived: &Derived<'_>) -> Option<Box<dyn ProxyPrediction>> {
    let input = derived.input;
    let workload = input
        .workload
        .filter(|w| w.dns_proxy() == Some(super::NAME))?;
    let expected_state = input.cache.proxy(&workload.proxy_id(), || {
        expected_state(input.world, workload)
    });
    let observed_state = match &input.control_plane {
        TableObservation::Table(_) => AmbientSettings::of_workload(workload).ztunnel.clone(),
        _ => None,
    };
    let question = (input.question.fqdn.as_str(), input.rtype);
    let ask = |state: &ZtunnelState| reply(state, workload, question);
    let expected = derived.predictable.then(|| ask(&expected_state));
    let observed = observed_state.as_deref().map(ask);
    let answers = (
        expected.as_ref().and_then(Reply::answer),
        observed.as_ref().and_then(Reply::answer),
    );
    Some(Box::new(AmbientView {
        expected,
        expected_state: derived.predictable.then_some(expected_state),
        observed,
        observed_state,
        answers,
    }))
}

/// ztunnel's reply to `question` from `state`, asked by `workload`.
pub(super) fn reply(
    state: &ZtunnelState,
    workload: &Workload,
    question: (&str, RecordType),
) -> Reply {
    let account = AmbientSettings::of_workload(workload)
        .service_account
        .as_deref()
        .unwrap_or_default();
    Ztunnel::new(state).lookup(
        (&workload.namespace, &workload.pod, account),
        question.0,
        question.1,
    )
}

/// The control-plane layer's outcome once ztunnel's config dump was read.
fn table_outcome(answer: Option<&Answer>, rtype: RecordType) -> Outcome {
    match answer {
        Some(answer) => Outcome::Answered(answer.clone()),
        None if !matches!(rtype, RecordType::A | RecordType::AAAA) => Outcome::NotApplicable(
            format!("ztunnel answers only A and AAAA itself; {rtype} queries go upstream"),
        ),
        None => Outcome::NotApplicable(
            "no service ztunnel knows has this name: it forwards the query upstream unchanged"
                .to_string(),
        ),
    }
}
