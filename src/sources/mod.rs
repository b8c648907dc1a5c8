//! The layers meshdig asks, behind two traits: resolvers that answer DNS questions, and control planes
//! that hand out a proxy's name table. Live sources ask a cluster; recorded ones replay a snapshot.

pub mod dns;
pub mod istiod;
pub mod live;
pub mod recorded;
pub mod udp;

use hickory_proto::rr::RecordType;
use serde_json::Value;

use crate::derive::TableObservation;
use crate::model::SourceResult;
use std::sync::Arc;

use crate::snapshot::{NameTable, parse_ndsz};
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
    /// Asks `question`; an unreachable source is an [`crate::model::Outcome::Error`], never a panic.
    fn ask(&self, question: &Question<'_>) -> impl Future<Output = SourceResult> + Send;
}

/// What a control plane said about a proxy's name table.
#[derive(Debug, Clone, PartialEq)]
pub enum Ndsz {
    /// The body of `/debug/ndsz`, in either shape.
    Body(Value),
    /// The name table, already parsed (from a snapshot).
    Table(Arc<NameTable>),
    /// The control plane could not be asked; the text says why.
    Failed(String),
    /// No control plane applies; the text says why.
    NotApplicable(String),
}

impl Ndsz {
    /// The name table this observation holds, for the diff.
    pub fn observation(&self) -> TableObservation {
        match self {
            Self::Body(body) => parse_ndsz(body).map_or_else(TableObservation::Unavailable, |t| {
                TableObservation::Table(Arc::new(t))
            }),
            Self::Table(table) => TableObservation::Table(Arc::clone(table)),
            Self::Failed(why) => {
                TableObservation::Unavailable(format!("istiod /debug/ndsz: {why}"))
            }
            Self::NotApplicable(why) => TableObservation::NotApplicable(why.clone()),
        }
    }
}

/// A control plane that knows the name table it pushed to each proxy.
pub trait ControlPlane {
    /// istiod's `/debug/ndsz` for `workload`'s proxy.
    fn ndsz(&self, workload: Option<&Workload>) -> impl Future<Output = Ndsz> + Send;
}
