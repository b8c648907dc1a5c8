//! The layers meshdig asks, behind two traits: resolvers that answer DNS questions, and control planes
//! that hand out a proxy's name table. Live sources ask a cluster; recorded ones replay a snapshot.

pub mod dns;
pub mod http;
pub mod live;
pub mod recorded;
pub mod udp;

use std::sync::Arc;

use hickory_proto::rr::RecordType;
use serde_json::Value;

use crate::derive::TableObservation;
use crate::mesh::{self, NameTables};
use crate::model::SourceResult;
use crate::name_table::NameTable;
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

/// Which proxy's name table to ask a control plane for, and how its mesh reads it.
pub struct TableRequest {
    pub tables: &'static dyn NameTables,
    pub namespace: String,
    pub pod: String,
    /// The control plane's debug path that serves the proxy's table.
    pub path: String,
}

impl TableRequest {
    /// The request for `workload`'s proxy, when a mesh DNS proxy runs beside it.
    pub fn of(workload: Option<&Workload>) -> Option<Self> {
        let workload = workload?;
        let tables = mesh::named(workload.dns_proxy()?)?.name_tables()?;
        Some(Self {
            tables,
            namespace: workload.namespace.clone(),
            pod: workload.pod.clone(),
            path: tables.path(workload),
        })
    }
}

/// What a control plane said about a proxy's name table.
#[derive(Debug, Clone, PartialEq)]
pub enum TableReply {
    /// The body of the table, as the control plane serves it.
    Body(Value),
    /// The name table, already parsed (from a snapshot).
    Table(Arc<NameTable>),
    /// The control plane could not be asked; the text says why.
    Failed(String),
    /// No control plane applies; the text says why.
    NotApplicable(String),
}

impl TableReply {
    /// The name table this reply holds, for the diff; `tables` reads a body.
    pub fn observation(&self, tables: Option<&dyn NameTables>) -> TableObservation {
        match (self, tables) {
            (Self::Body(body), Some(tables)) => tables
                .parse(&body.to_string())
                .map_or_else(TableObservation::Unavailable, |t| {
                    TableObservation::Table(Arc::new(t))
                }),
            (Self::Body(_), None) => {
                TableObservation::NotApplicable("no mesh reads this table".to_string())
            }
            (Self::Table(table), _) => TableObservation::Table(Arc::clone(table)),
            (Self::Failed(why), Some(tables)) => {
                TableObservation::Unavailable(format!("{}: {why}", tables.source()))
            }
            (Self::Failed(why), None) => TableObservation::Unavailable(why.clone()),
            (Self::NotApplicable(why), _) => TableObservation::NotApplicable(why.clone()),
        }
    }
}

/// A control plane that knows the name table it pushed to each proxy.
pub trait ControlPlane {
    /// The name table of the proxy `request` names (`None`: the asker has no mesh DNS proxy).
    fn name_table(&self, request: Option<&TableRequest>)
    -> impl Future<Output = TableReply> + Send;
}
