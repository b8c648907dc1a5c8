//! What one diff derives from its inputs before any rule runs: the world (objects, mesh settings),
//! the asker and the answers, the Kubernetes DNS spec's prediction, and the asking proxy's mesh's
//! prediction ([`ProxyPrediction`], made by the mesh's emulator). Pure: nothing here asks anything.

use hickory_proto::rr::RecordType;

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::emulate::kube_dns::{self, Prediction};
use crate::model::{Answer, Layer, Outcome, SourceResult};
use crate::name_table::NameTable;
use crate::objects::{CorednsSettings, Objects};
use crate::report::AskedQuestion;
use crate::snapshot::{ClusterInfo, MeshInfo, RemoteCluster, UnreadNamespace};
use crate::workload::Workload;

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
    /// What each layer meshdig asked answered (kube-dns, the app's DNS proxy, …), in any order.
    pub asked: Vec<SourceResult>,
    pub control_plane: TableObservation,
    /// Tables built for earlier questions of the same run, reused.
    pub cache: &'a DiffCache,
}

impl DiffInput<'_> {
    /// What `layer` answered, when it was asked.
    pub fn asked(&self, layer: Layer) -> Option<&SourceResult> {
        self.asked.iter().find(|s| s.source == layer)
    }
}

/// What a run reuses across questions: the Corefile's settings, and what each mesh builds once per
/// asking proxy (building a proxy's expected table is linear in the cluster).
#[derive(Default)]
pub struct DiffCache {
    /// Per proxy ID, what its mesh keeps; only that mesh reads it back ([`DiffCache::proxy`]).
    proxies: Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>,
    /// The Corefile's settings, parsed once.
    coredns: OnceLock<CorednsSettings>,
}

impl DiffCache {
    /// What a mesh built for proxy `id`, built by `build` on first use.
    pub fn proxy<T: Any + Send + Sync>(&self, id: &str, build: impl FnOnce() -> T) -> Arc<T> {
        let mut proxies = self
            .proxies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(kept) = proxies
            .get(id)
            .and_then(|k| Arc::clone(k).downcast::<T>().ok())
        {
            return kept;
        }
        let built = Arc::new(build());
        proxies.insert(
            id.to_string(),
            Arc::clone(&built) as Arc<dyn Any + Send + Sync>,
        );
        built
    }
}

/// What the asking pod's mesh predicts for one candidate: its data-plane emulator's answers from
/// the table the objects imply and from the control plane's table. The mesh's own type behind it
/// holds what its rules read back ([`Derived::mesh_detail`]).
pub trait ProxyPrediction: Any + Send + Sync {
    /// What the proxy answers from the table the objects imply; `None`: it forwards the query (or
    /// the objects are incomplete).
    fn expected(&self) -> Option<&Answer>;
    /// What the proxy answers from the control plane's table, when that was read; `None`: it forwards.
    fn observed(&self) -> Option<&Answer>;
    /// The control-plane layer's outcome when its table was read: the table's answer, or why the
    /// table has no say about a `rtype` question.
    fn table_outcome(&self, rtype: RecordType) -> Outcome;
}

/// Predictions and look-ups derived once from the inputs, shared by every explanation rule.
pub struct Derived<'a> {
    pub input: &'a DiffInput<'a>,
    pub coredns: CorednsSettings,
    /// What kube-dns must answer by the Kubernetes DNS spec.
    pub spec: Prediction,
    /// The objects are complete for this name: the spec and the mesh may predict it.
    pub predictable: bool,
    /// The asking proxy's mesh's prediction, when a mesh DNS proxy runs beside the asker.
    pub proxy: Option<Box<dyn ProxyPrediction>>,
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

    /// The control plane's table, when it was read.
    pub fn observed_table(&self) -> Option<&NameTable> {
        match &self.input.control_plane {
            TableObservation::Table(table) => Some(table),
            _ => None,
        }
    }

    /// The answer the proxy should give from its table: from the control plane's table when it was
    /// read, else from the table the objects imply; `None`: it forwards.
    pub fn reference_answer(&self) -> Option<&Answer> {
        let proxy = self.proxy.as_ref()?;
        if self.observed_table().is_some() {
            proxy.observed()
        } else {
            proxy.expected()
        }
    }

    /// The mesh's own derivations of type `T`, for that mesh's rules.
    pub fn mesh_detail<T: Any>(&self) -> Option<&T> {
        let proxy: &dyn Any = self.proxy.as_deref()?;
        proxy.downcast_ref()
    }
}

/// Derives the spec's prediction of one diff; the mesh's prediction is added by the diff.
pub fn derive<'a>(input: &'a DiffInput<'a>) -> Derived<'a> {
    let world = input.world;
    let coredns = *input.cache.coredns.get_or_init(|| {
        CorednsSettings::from_corefile(world.objects.corefile(), &world.cluster.domain)
    });
    let fqdn = input.question.fqdn.as_str();
    let search = input.workload.and_then(Workload::first_search);
    let predictable =
        world.object_errors.is_empty() && world.unread_namespace(fqdn, search).is_none();
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
    Derived {
        input,
        coredns,
        spec,
        predictable,
        proxy: None,
    }
}
