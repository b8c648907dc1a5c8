//! Where a live run's layers are, by the registered meshes' capture plans: the pods that serve
//! cluster DNS and each mesh's control plane, the asker's DNS proxy, and the mesh's own objects.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use futures::future::join_all;
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use crate::cli::GivenAddress;
use crate::error::{Error, Result};
use crate::live::api::{ApiError, Kind, Reader};
use crate::mesh::{self, ControlPlanePods, MESHES, Mesh, MeshObjects};
use crate::snapshot::{MeshInfo, MeshSettings, NONE, ProxyInfo};
use crate::sources::live::{ControlPlaneEndpoint, DnsEndpoint};
use crate::workload::{DnsPath, Workload};

/// The mesh that claims `pod`, with the snapshot's `proxies[]` entry and what it does with the
/// pod's DNS.
pub struct Detected {
    pub mesh: Option<&'static dyn Mesh>,
    pub entry: Value,
    pub proxy: Option<ProxyInfo>,
    pub dns: DnsPath,
}

/// Detects the mesh proxy beside `pod`.
pub fn detect(pod: &Pod) -> Detected {
    let claimed = MESHES.iter().find_map(|m| Some((*m, m.detect(pod)?)));
    let Some((mesh, entry)) = claimed else {
        return Detected {
            mesh: None,
            entry: json!({
                "namespace": pod.metadata.namespace.clone().unwrap_or_default(),
                "pod": pod.metadata.name.clone().unwrap_or_default(),
                "kind": NONE,
            }),
            proxy: None,
            dns: DnsPath::NoMesh,
        };
    };
    let proxy = serde_json::from_value::<ProxyInfo>(entry.clone())
        .ok()
        .and_then(|mut p| mesh.read_proxy(&mut p).ok().map(|()| p));
    // Detection knows no release: a mesh takes its current defaults.
    let release = MeshInfo {
        kind: mesh.family().to_string(),
        version: None,
        settings: MeshSettings::default(),
    };
    let dns = proxy
        .as_ref()
        .map_or(DnsPath::NoMesh, |p| mesh.dns_path(&release, p));
    Detected {
        mesh: Some(mesh),
        entry,
        proxy,
        dns,
    }
}

/// The pods that serve cluster DNS and each mesh's control plane.
pub struct Infrastructure {
    pub coredns: Vec<Pod>,
    /// The ready pods of each distinct control plane of the registered meshes.
    control_planes: Vec<(&'static ControlPlanePods, Vec<Pod>)>,
}

impl Infrastructure {
    /// The ready pods of `plan`'s control plane, when they were listed.
    fn pods_of(&self, plan: &ControlPlanePods) -> Option<&[Pod]> {
        self.control_planes
            .iter()
            .find(|(p, _)| same_place(p, plan))
            .map(|(_, pods)| pods.as_slice())
    }
}

fn same_place(a: &ControlPlanePods, b: &ControlPlanePods) -> bool {
    a.namespace == b.namespace && a.selector == b.selector
}

/// Lists the ready pods of CoreDNS and of every registered mesh's control plane.
pub async fn find_infrastructure(reader: &Reader) -> Result<Infrastructure> {
    let mut planes: Vec<&'static ControlPlanePods> = Vec::new();
    for plan in MESHES
        .iter()
        .filter_map(|m| m.capture_plan().control_plane.as_ref())
    {
        if !planes.iter().any(|p| same_place(p, plan)) {
            planes.push(plan);
        }
    }
    let (coredns, listed) = tokio::join!(
        ready_pods(reader, "kube-system", "k8s-app=kube-dns"),
        join_all(
            planes
                .iter()
                .map(|p| ready_pods(reader, p.namespace, p.selector))
        )
    );
    let mut control_planes = Vec::new();
    for (plan, pods) in planes.into_iter().zip(listed) {
        control_planes.push((plan, pods?));
    }
    Ok(Infrastructure {
        coredns: coredns?,
        control_planes,
    })
}

/// The ready pods in `namespace` with `labels`; a forbidden list is a placeholder carrying why.
async fn ready_pods(reader: &Reader, namespace: &str, labels: &str) -> Result<Vec<Pod>> {
    match reader
        .list(&Kind::POD, Some(namespace), Some(labels), None)
        .await
    {
        Ok(pods) => Ok(pods
            .into_iter()
            .filter_map(|p| serde_json::from_value::<Pod>(p).ok())
            .filter(is_ready)
            .collect()),
        Err(e @ (ApiError::Unreachable(_) | ApiError::Unauthorized(_))) => {
            Err(Error::Cluster(e.to_string()))
        }
        Err(e) => Ok(vec![forbidden_marker(e)]),
    }
}

/// True when the pod is running and not reported unready (a missing Ready condition counts as ready).
pub fn is_ready(pod: &Pod) -> bool {
    let Some(status) = pod.status.as_ref() else {
        return false;
    };
    status.phase.as_deref() == Some("Running")
        && !status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status != "True")
}

/// A placeholder pod carrying why pods could not be listed, so the source reports it.
fn forbidden_marker(error: ApiError) -> Pod {
    let mut pod = Pod::default();
    pod.metadata.annotations = Some([("meshdig.error".to_string(), error.to_string())].into());
    pod
}

/// The error a placeholder carries, if `pods` is one.
fn listing_error(pods: &[Pod]) -> Option<String> {
    pods.iter().find_map(|p| {
        p.metadata
            .annotations
            .as_ref()?
            .get("meshdig.error")
            .cloned()
    })
}

/// Where kube-dns is reached: `--kube-dns`, or a ready CoreDNS pod.
pub fn kube_dns_endpoint(
    given: Option<SocketAddr>,
    infrastructure: &Infrastructure,
) -> DnsEndpoint {
    if let Some(addr) = given {
        return DnsEndpoint::Address(addr);
    }
    if let Some(why) = listing_error(&infrastructure.coredns) {
        return DnsEndpoint::Unavailable(format!("cannot find CoreDNS: {why}"));
    }
    match infrastructure.coredns.first() {
        Some(pod) => DnsEndpoint::Pod {
            namespace: "kube-system".to_string(),
            pod: pod.metadata.name.clone().unwrap_or_default(),
            port: 53,
        },
        None => DnsEndpoint::Unavailable(
            "no ready CoreDNS pod (label k8s-app=kube-dns) in kube-system; or pass --kube-dns ADDR[:PORT]".to_string(),
        ),
    }
}

/// The asker's DNS proxy, when its mesh's proxy captures the pod's DNS: `--sidecar`, or the
/// proxy's port on the pod.
pub fn dns_proxy_endpoint(
    given: Option<GivenAddress>,
    pod: Option<&Pod>,
    workload: Option<&Workload>,
) -> Option<DnsEndpoint> {
    let (pod, workload) = (pod?, workload?);
    if !workload.captures_dns() {
        return None;
    }
    let port = mesh::named(workload.dns_proxy()?)?
        .capture_plan()
        .dns_proxy_port?;
    if let Some(addr) = given {
        return Some(DnsEndpoint::Address(addr.or_port(port)));
    }
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default();
    if phase != "Running" {
        return Some(DnsEndpoint::Unavailable(format!(
            "pod {}/{} is not running (phase {}), so its sidecar cannot be asked",
            workload.namespace,
            workload.pod,
            if phase.is_empty() { "unknown" } else { &phase }
        )));
    }
    Some(DnsEndpoint::Pod {
        namespace: workload.namespace.clone(),
        pod: workload.pod.clone(),
        port,
    })
}

/// Where the control plane of `mesh` is reached: `--control-plane`, or its ready pods (for a
/// control plane that runs per node, the one on `node`, the asking pod's).
pub fn control_plane_endpoint(
    given: Option<GivenAddress>,
    mesh: Option<&dyn Mesh>,
    infrastructure: &Infrastructure,
    node: Option<&str>,
) -> ControlPlaneEndpoint {
    let Some(plan) = mesh.and_then(|m| m.capture_plan().control_plane.as_ref()) else {
        return ControlPlaneEndpoint::Unavailable(
            "the asker's mesh has no control plane meshdig reads".to_string(),
        );
    };
    if let Some(addr) = given {
        return ControlPlaneEndpoint::Url(addr.or_port(plan.debug_port));
    }
    let pods = infrastructure.pods_of(plan).unwrap_or_default();
    if let Some(why) = listing_error(pods) {
        return ControlPlaneEndpoint::Unavailable(format!("cannot find {}: {why}", plan.name));
    }
    let on_node =
        |p: &&Pod| !plan.per_node || p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == node;
    let pods: Vec<&Pod> = pods.iter().filter(on_node).collect();
    if pods.is_empty() {
        let place = match (plan.per_node, node) {
            (true, Some(node)) => format!(" on node {node}"),
            (true, None) => " on the pod's node (the pod has no spec.nodeName)".to_string(),
            (false, _) => String::new(),
        };
        return ControlPlaneEndpoint::Unavailable(format!(
            "no ready {} pod (label {}) in {}{place}; or pass {} URL",
            plan.name, plan.selector, plan.namespace, plan.url_flag
        ));
    }
    ControlPlaneEndpoint::Replicas {
        pods: pods
            .iter()
            .map(|p| {
                (
                    plan.namespace.to_string(),
                    p.metadata.name.clone().unwrap_or_default(),
                )
            })
            .collect(),
        port: plan.debug_port,
    }
}

/// The snapshot's `mesh` section: the asker's mesh's settings, else those of the first mesh whose
/// control plane runs, else no mesh.
pub fn mesh_section(asker: Option<&dyn Mesh>, infrastructure: &Infrastructure) -> Value {
    let running = |m: &dyn Mesh| {
        let plan = m.capture_plan().control_plane.as_ref()?;
        let pods = infrastructure.pods_of(plan)?;
        (!pods.is_empty() && listing_error(pods).is_none()).then_some(pods)
    };
    if let Some(mesh) = asker {
        return mesh.settings(running(mesh).unwrap_or_default());
    }
    MESHES
        .iter()
        .find_map(|m| Some(m.settings(running(*m)?)))
        .unwrap_or_else(|| json!({ "kind": NONE }))
}

/// Lists every registered mesh's own objects: cluster-wide ones once, the others in the asker's
/// namespace and the mesh's control-plane namespace; those only the asker's mesh reads, only for it.
pub async fn mesh_objects(
    reader: &Reader,
    workload: Option<&Workload>,
) -> Vec<std::result::Result<Vec<Value>, ApiError>> {
    let mut lists = Vec::new();
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    let asker = workload.and_then(Workload::dns_proxy);
    for mesh in MESHES {
        let plan = mesh.capture_plan();
        for objects in plan.objects {
            if objects.asker_only && asker != Some(mesh.name()) {
                continue;
            }
            if !seen.insert((objects.group, objects.kind)) {
                continue;
            }
            for namespace in scopes(objects, plan.control_plane.as_ref(), workload) {
                lists.push(list_newest(reader, objects, namespace).await);
            }
        }
    }
    lists
}

/// The namespaces `objects` are listed in (`None`: cluster-wide).
fn scopes<'a>(
    objects: &MeshObjects,
    control_plane: Option<&'a ControlPlanePods>,
    workload: Option<&'a Workload>,
) -> BTreeSet<Option<&'a str>> {
    if objects.cluster_wide {
        return BTreeSet::from([None]);
    }
    control_plane
        .map(|p| p.namespace)
        .into_iter()
        .chain(workload.map(|w| w.namespace.as_str()))
        .map(Some)
        .collect()
}

/// Lists `objects` at the newest version the API server serves.
async fn list_newest(
    reader: &Reader,
    objects: &MeshObjects,
    namespace: Option<&str>,
) -> std::result::Result<Vec<Value>, ApiError> {
    let mut last = ApiError::NotServed(format!("{}.{}", objects.plural, objects.group));
    for version in objects.versions {
        let kind = Kind::custom(objects.group, version, objects.kind, objects.plural);
        match reader.list(&kind, namespace, None, None).await {
            Err(e @ ApiError::NotServed(_)) => last = e,
            other => return other,
        }
    }
    Err(last)
}
