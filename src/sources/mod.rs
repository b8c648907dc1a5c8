//! The layers meshdig asks, behind two traits: resolvers that answer DNS questions, and control planes
//! that hand out a proxy's name table. Snapshot replay implements both today; live sources plug in here.

pub mod dns;
pub mod istiod;
pub mod recorded;

use hickory_proto::rr::RecordType;

use crate::diff::TableObservation;
use crate::model::{SourceKind, SourceResult};
use crate::workload::Workload;

/// One question as sent to a resolver.
#[derive(Debug, Clone)]
pub struct Question<'a> {
    /// Fully qualified, canonical, with trailing dot.
    pub fqdn: &'a str,
    pub rtype: RecordType,
    /// The pod the question is asked from, when there is one.
    pub from: Option<&'a Workload>,
}

/// A DNS layer that answers questions: kube-dns or a mesh proxy's resolver.
pub trait Resolver {
    /// Which layer this is.
    fn kind(&self) -> SourceKind;

    /// Asks `question`; an unreachable source is an [`crate::model::Outcome::Error`], never a panic.
    fn ask(&self, question: &Question<'_>) -> impl Future<Output = SourceResult> + Send;
}

/// A control plane that knows the name table it pushed to each proxy.
pub trait ControlPlane {
    /// The name table of `workload`'s proxy.
    fn name_table(
        &self,
        workload: Option<&Workload>,
    ) -> impl Future<Output = TableObservation> + Send;
}
