//! What one diff derives from its inputs before any rule runs: the world (objects, mesh settings),
//! the asker and the answers, the Kubernetes DNS spec's prediction, and the name tables the mesh
//! proxy must hold, built once per proxy and run. Pure: nothing here asks anything.

use hickory_proto::rr::RecordType;

use crate::emulate::istio::{self, AgentTable, BuiltTable, LocalAnswer, ProxyContext, TableInputs};
use crate::emulate::kube_dns::{self, Prediction};
use crate::model::SourceResult;
use crate::objects::{CorednsSettings, Objects};
use crate::report::AskedQuestion;
use crate::snapshot::{ClusterInfo, MeshInfo, MeshKind, NameTable, RemoteCluster, UnreadNamespace};
use crate::workload::Workload;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The cluster as meshdig sees it: objects and mesh settings.
#[derive(Clone, Copy)]
pub struct World<'a> {
    pub cluster: &'a ClusterInfo,
    pub mesh: &'a MeshInfo,
    pub objects: &'a Objects,
    pub remote_clusters: &'a [RemoteCluster],
    /// Why some objects could not be read; predictions from partial objects would mislead.
    pub object_errors: &'a [String],
    /// Namespaces whose objects were not read: names in them get no prediction.
    pub unread_namespaces: &'a [UnreadNamespace],
}

impl<'a> World<'a> {
    /// The world a snapshot records.
    pub fn of(snapshot: &'a crate::snapshot::Snapshot) -> Self {
        Self {
            cluster: &snapshot.cluster,
            mesh: &snapshot.mesh,
            objects: &snapshot.objects,
            remote_clusters: &snapshot.remote_clusters,
            object_errors: &snapshot.object_errors,
            unread_namespaces: &snapshot.unread_namespaces,
        }
    }

    /// The unread namespace `fqdn` resolves through, asked by a pod with first search domain
    /// `first_search`, if any.
    pub fn unread_namespace(
        &self,
        fqdn: &str,
        first_search: Option<&str>,
    ) -> Option<&UnreadNamespace> {
        let named = crate::workload::namespaces_named(fqdn, first_search, &self.cluster.domain);
        self.unread_namespaces
            .iter()
            .find(|u| named.contains(&u.namespace))
    }
}

/// What the control plane said about the asking proxy's name table.
#[derive(Debug, Clone)]
pub enum TableObservation {
    /// The proxy's name table.
    Table(Arc<NameTable>),
    /// The control plane could not be asked; the text says why.
    Unavailable(String),
    /// No control plane applies (no mesh proxy, or nothing recorded); the text says why.
    NotApplicable(String),
}

/// Everything one diff reads: the world, the asker, the question and what the live sources said.
pub struct DiffInput<'a> {
    pub world: World<'a>,
    pub workload: Option<&'a Workload>,
    /// The namespace relative names belong to when there is no workload.
    pub namespace: &'a str,
    pub question: AskedQuestion,
    pub rtype: RecordType,
    pub kube_dns: SourceResult,
    pub sidecar: SourceResult,
    pub control_plane: TableObservation,
    /// Tables built for earlier questions of the same run, reused.
    pub cache: &'a DiffCache,
}

/// What a run reuses across questions asked from the same proxy: building the expected table and
/// indexing the agent's aliases is linear in the cluster, so each is done once per proxy.
#[derive(Default)]
pub struct DiffCache {
    tables: Mutex<HashMap<String, Arc<ProxyTables>>>,
    /// The Corefile's settings, parsed once.
    coredns: OnceLock<CorednsSettings>,
}

/// The tables of one asking proxy.
struct ProxyTables {
    expected: Option<(Arc<BuiltTable>, AgentTable)>,
    observed: Option<AgentTable>,
}

/// Predictions and look-ups derived once from the inputs, shared by every explanation rule.
pub struct Derived<'a> {
    pub input: &'a DiffInput<'a>,
    pub coredns: CorednsSettings,
    /// What kube-dns must answer by the Kubernetes DNS spec.
    pub spec: Prediction,
    /// The table istiod must push to the asking proxy, built from the objects.
    pub expected_table: Option<Arc<BuiltTable>>,
    /// The agent's answer from the expected table (`None`: it forwards).
    pub expected_local: Option<LocalAnswer>,
    /// The control plane's table, when it was read.
    pub observed_table: Option<&'a NameTable>,
    /// The agent's answer from the control plane's table (`None`: it forwards).
    pub observed_local: Option<LocalAnswer>,
}

impl Derived<'_> {
    /// The search domain the agent pre-stores CNAMEs for: the pod's first one.
    pub fn search_domain(&self) -> Option<&str> {
        self.input.workload.and_then(Workload::first_search)
    }

    /// The zone whose records the spec predicts, for comparing with it: the cluster domain, or
    /// `arpa` for reverse look-ups (whose PTR records live outside the cluster domain).
    pub fn comparison_zone(&self) -> &str {
        if kube_dns::reverse_address(&self.input.question.fqdn).is_some() {
            "arpa"
        } else {
            &self.input.world.cluster.domain
        }
    }

    /// The asking proxy's namespace.
    pub fn namespace(&self) -> &str {
        self.input
            .workload
            .map_or(self.input.namespace, |w| w.namespace.as_str())
    }

    /// The local answer the sidecar should give: from the control plane's table when it was read,
    /// else from the table the objects imply.
    pub fn reference_local(&self) -> Option<&LocalAnswer> {
        if self.observed_table.is_some() {
            self.observed_local.as_ref()
        } else {
            self.expected_local.as_ref()
        }
    }
}

/// Derives the predictions and look-ups of one diff.
pub fn derive<'a>(input: &'a DiffInput<'a>) -> Derived<'a> {
    let world = input.world;
    let coredns = *input.cache.coredns.get_or_init(|| {
        CorednsSettings::from_corefile(world.objects.corefile(), &world.cluster.domain)
    });
    let fqdn = input.question.fqdn.as_str();
    let complete = world.object_errors.is_empty();
    let search = input.workload.and_then(Workload::first_search);
    let predictable = complete && world.unread_namespace(fqdn, search).is_none();
    let spec = if predictable {
        kube_dns::predict(
            world.objects,
            &world.cluster.domain,
            coredns.kubernetes_ttl,
            fqdn,
            input.rtype,
        )
    } else {
        Prediction {
            answer: None,
            subject: kube_dns::Subject::Unpredicted,
        }
    };
    let observed_arc = match &input.control_plane {
        TableObservation::Table(table) => Some(table),
        _ => None,
    };
    let observed_table = observed_arc.map(|t| &**t);
    let mut derived = Derived {
        input,
        coredns,
        spec,
        expected_table: None,
        expected_local: None,
        observed_table,
        observed_local: None,
    };
    let Some(workload) = input
        .workload
        .filter(|w| w.has_sidecar() && world.mesh.kind == MeshKind::Istio)
    else {
        return derived;
    };
    let tables = proxy_tables(input, workload, observed_arc, complete);
    derived.observed_local = tables
        .observed
        .as_ref()
        .and_then(|agent| agent.lookup(fqdn, input.rtype));
    if let Some((built, agent)) = tables.expected.as_ref().filter(|_| predictable) {
        derived.expected_local = agent.lookup(fqdn, input.rtype);
        derived.expected_table = Some(Arc::clone(built));
    }
    derived
}

/// The expected table and the agent indexes of `workload`'s proxy, built once per run.
fn proxy_tables(
    input: &DiffInput<'_>,
    workload: &Workload,
    observed: Option<&Arc<NameTable>>,
    complete: bool,
) -> Arc<ProxyTables> {
    let key = workload.proxy_id();
    let mut cache = input
        .cache
        .tables
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(tables) = cache.get(&key) {
        return Arc::clone(tables);
    }
    let world = input.world;
    let search = workload.first_search();
    let domain = &world.cluster.domain;
    let observed_agent = observed
        .map(|table| AgentTable::new(Arc::clone(table), &workload.namespace, domain, search));
    let expected = complete.then(|| {
        let proxy = workload
            .proxy
            .as_ref()
            .expect("has_sidecar implies a proxy");
        let context = ProxyContext {
            namespace: workload.namespace.clone(),
            labels: workload.labels.clone(),
            dns_capture: proxy.dns_capture,
            dns_auto_allocate: proxy.dns_auto_allocate,
            families: workload.families,
        };
        let built = build_table(world, &context, observed.map(|t| &**t));
        let agent = AgentTable::new(
            Arc::new(built.table.clone()),
            &workload.namespace,
            domain,
            search,
        );
        (Arc::new(built), agent)
    });
    let tables = Arc::new(ProxyTables {
        expected,
        observed: observed_agent,
    });
    cache.insert(key, Arc::clone(&tables));
    tables
}

/// Builds the table istiod must push to a proxy with `context`.
pub fn build_table(
    world: World<'_>,
    context: &ProxyContext,
    observed: Option<&NameTable>,
) -> BuiltTable {
    istio::build_table(&TableInputs {
        objects: world.objects,
        remote_clusters: world.remote_clusters,
        mesh: world.mesh,
        cluster: world.cluster,
        proxy: context,
        observed,
    })
}
