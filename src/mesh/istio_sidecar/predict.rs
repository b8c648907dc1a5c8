//! The Istio sidecar's prediction for one candidate: the table istiod must push to the asking proxy
//! (built from the objects once per proxy and run), and what the agent answers from it and from
//! istiod's own table.

use std::sync::Arc;

use hickory_proto::rr::RecordType;

use super::agent::{AgentTable, LocalAnswer};
use super::settings::{IstioSettings, SidecarSettings};
use super::table::{self, BuiltTable, ProxyContext, TableInputs};
use crate::derive::{Derived, ProxyPrediction, TableObservation, World};
use crate::model::{Answer, Outcome};
use crate::name_table::NameTable;
use crate::workload::Workload;

/// What the Istio rules read beyond the generic prediction.
pub struct IstioView {
    /// The table istiod must push to the asking proxy, built from the objects.
    pub expected_table: Option<Arc<BuiltTable>>,
    /// The agent's answer from the expected table (`None`: it forwards).
    pub expected_local: Option<LocalAnswer>,
    /// The agent's answer from istiod's table, when it was read (`None`: it forwards).
    pub observed_local: Option<LocalAnswer>,
}

impl IstioView {
    /// The local answer the sidecar should give: from istiod's table when it was read, else from
    /// the table the objects imply.
    pub fn reference_local(&self, derived: &Derived<'_>) -> Option<&LocalAnswer> {
        if derived.observed_table().is_some() {
            self.observed_local.as_ref()
        } else {
            self.expected_local.as_ref()
        }
    }
}

/// The tables of one asking proxy, built once per run.
struct ProxyTables {
    expected: Option<(Arc<BuiltTable>, AgentTable)>,
    observed: Option<AgentTable>,
}

/// The prediction of the asking proxy for the candidate of `derived`.
pub(super) fn predict(derived: &Derived<'_>) -> Option<Box<dyn ProxyPrediction>> {
    let input = derived.input;
    let workload = input.workload.filter(|w| w.dns_proxy().is_some())?;
    let tables = input
        .cache
        .proxy(&workload.proxy_id(), || proxy_tables(derived, workload));
    let (fqdn, rtype) = (input.question.fqdn.as_str(), input.rtype);
    let observed_local = tables.observed.as_ref().and_then(|a| a.lookup(fqdn, rtype));
    let (expected_table, expected_local) = match tables.expected.as_ref() {
        Some((built, agent)) if derived.predictable => {
            (Some(Arc::clone(built)), agent.lookup(fqdn, rtype))
        }
        _ => (None, None),
    };
    Some(Box::new(IstioView {
        expected_table,
        expected_local,
        observed_local,
    }))
}

impl ProxyPrediction for IstioView {
    fn expected(&self) -> Option<&Answer> {
        self.expected_local.as_ref().map(|l| &l.answer)
    }

    fn observed(&self) -> Option<&Answer> {
        self.observed_local.as_ref().map(|l| &l.answer)
    }

    /// The control-plane layer's outcome once istiod's table was read.
    fn table_outcome(&self, rtype: RecordType) -> Outcome {
        table_outcome(self.observed_local.as_ref(), rtype)
    }
}

fn table_outcome(local: Option<&LocalAnswer>, rtype: RecordType) -> Outcome {
    match local {
        Some(local) => Outcome::Answered(local.answer.clone()),
        None if !matches!(rtype, RecordType::A | RecordType::AAAA) => {
            Outcome::NotApplicable(format!(
                "the agent answers only A and AAAA from its table; {rtype} queries go upstream"
            ))
        }
        None => Outcome::NotApplicable(
            "not in this proxy's name table: the agent forwards the query upstream unchanged"
                .to_string(),
        ),
    }
}

/// The expected table and the agent indexes of `workload`'s proxy.
fn proxy_tables(derived: &Derived<'_>, workload: &Workload) -> ProxyTables {
    let world = derived.input.world;
    let search = workload.first_search();
    let domain = &world.cluster.domain;
    let observed = match &derived.input.control_plane {
        TableObservation::Table(table) => Some(table),
        _ => None,
    };
    let observed_agent = observed
        .map(|table| AgentTable::new(Arc::clone(table), &workload.namespace, domain, search));
    let expected = world.object_errors.is_empty().then(|| {
        let built = build_table(world, &context(workload, None), observed.map(|t| &**t));
        let agent = AgentTable::new(
            Arc::new(built.table.clone()),
            &workload.namespace,
            domain,
            search,
        );
        (Arc::new(built), agent)
    });
    ProxyTables {
        expected,
        observed: observed_agent,
    }
}

/// The proxy context of `workload`, with DNS capture forced to `capture` when given.
pub fn context(workload: &Workload, capture: Option<bool>) -> ProxyContext {
    let proxy = workload.proxy.as_ref().map(SidecarSettings::of);
    ProxyContext {
        namespace: workload.namespace.clone(),
        labels: workload.labels.clone(),
        dns_capture: capture.unwrap_or(proxy.is_some_and(|p| p.dns_capture)),
        dns_auto_allocate: proxy.is_some_and(|p| p.dns_auto_allocate),
        families: workload.families,
    }
}

/// Builds the table istiod must push to a proxy with `context`.
pub fn build_table(
    world: World<'_>,
    context: &ProxyContext,
    observed: Option<&NameTable>,
) -> BuiltTable {
    table::build_table(&TableInputs {
        objects: world.objects,
        remote_clusters: world.remote_clusters,
        mesh: IstioSettings::of(world.mesh),
        cluster: world.cluster,
        proxy: context,
        observed,
    })
}
