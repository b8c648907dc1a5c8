//! The seam every mesh plugs into. A mesh is one folder under `src/mesh/` with one value that
//! implements [`Mesh`], and one line in [`MESHES`]: how to tell its pods (detection), what a live
//! run must read and ask (capture plan), how its control plane's name table is read (table parser),
//! what its DNS proxy answers for one candidate (data-plane emulator), and the rules and finding
//! codes it owns. "No mesh" and "a mesh without a DNS proxy" are outcomes of their own
//! ([`DnsPath`]).

pub mod istio_ambient;
pub mod istio_sidecar;
pub mod linkerd;

use std::sync::Arc;

use hickory_proto::rr::RecordType;
use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use crate::derive::{Derived, ProxyPrediction};
use crate::error::{Error, Result};
use crate::finding::Code;
use crate::model::Answer;
use crate::name_table::NameTable;
use crate::objects::Objects;
use crate::rules::Rule;
use crate::snapshot::{MeshInfo, MeshSettings, NONE, ProxyInfo, Snapshot};
use crate::workload::{DnsPath, Workload};

/// Every mesh meshdig knows, in detection order (the first that claims a pod wins).
pub static MESHES: &[&dyn Mesh] = &[
    &istio_sidecar::IstioSidecar,
    &istio_ambient::IstioAmbient,
    &linkerd::Linkerd,
];

/// One mesh: detection, capture plan, and (when it has them) its control plane's table, its DNS
/// proxy's emulator, and its rules.
pub trait Mesh: Send + Sync {
    /// The mesh's name in reports and docs (`istio-sidecar`).
    fn name(&self) -> &'static str;
    /// The mesh family, as snapshots write `mesh.kind` (`istio`).
    fn family(&self) -> &'static str;
    /// The proxy kind within the family, as snapshots write `proxies[].kind` (`sidecar`).
    fn proxy_kind(&self) -> &'static str;

    /// The snapshot's `proxies[]` entry for `pod`, when this mesh runs a proxy for it.
    fn detect(&self, pod: &Pod) -> Option<Value>;
    /// What the mesh does with the DNS queries of a pod with `proxy`, in a mesh of `mesh`'s release
    /// and settings (its version unknown in a live run's detection).
    fn dns_path(&self, mesh: &MeshInfo, proxy: &ProxyInfo) -> DnsPath;
    /// A one-line description of `proxy` for reports.
    fn describe(&self, proxy: &ProxyInfo) -> String;

    /// What a live run reads and asks for this mesh.
    fn capture_plan(&self) -> &'static CapturePlan;
    /// The snapshot's `mesh` section, from the control plane's ready pods.
    fn settings(&self, control_plane: &[Pod]) -> Value;
    /// Reads and checks the mesh's settings in the snapshot's `mesh` section (for the first mesh of
    /// each family); on error, where and what is wrong.
    fn read_settings(&self, mesh: &mut MeshInfo) -> std::result::Result<(), SettingsError> {
        no_settings(&mesh.settings)
    }
    /// Reads and checks the mesh's settings for one proxy (`proxies[]`).
    fn read_proxy(&self, proxy: &mut ProxyInfo) -> std::result::Result<(), SettingsError> {
        no_settings(&proxy.settings)
    }
    /// Types the mesh's own objects among `objects`' raw ones and stores them
    /// ([`Objects::set_mesh`]); on error, where in the snapshot and what is wrong.
    fn claim_objects(&self, _objects: &mut Objects) -> std::result::Result<(), (String, String)> {
        Ok(())
    }
    /// How many of the mesh's own objects of each kind `objects` holds.
    fn count_objects(&self, _objects: &Objects) -> Vec<(&'static str, usize)> {
        Vec::new()
    }
    /// The names of the mesh's own objects an audit asks (`host.` of each ServiceEntry), with the
    /// namespace each lives in.
    fn audit_names(&self, _objects: &Objects) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The control plane's name table for each proxy, when meshdig reads one.
    fn name_tables(&self) -> Option<&dyn NameTables> {
        None
    }
    /// The emulator of the pod-local DNS proxy, when the mesh has one meshdig emulates.
    fn dns_proxy(&self) -> Option<&dyn DnsProxy> {
        None
    }
    /// The rules the mesh owns; they run only for pods of this mesh.
    fn rules(&self) -> &'static [Rule] {
        &[]
    }
}

/// Where a mesh's control plane serves the name table of one proxy, and how it is read.
pub trait NameTables: Send + Sync {
    /// Where the table comes from, as errors name it (`istiod /debug/ndsz`).
    fn source(&self) -> &'static str;
    /// Who holds the table, as reports name it (`istiod`).
    fn holder(&self) -> &'static str;
    /// The control plane's debug path that serves the name table of `workload`'s proxy.
    fn path(&self, workload: &Workload) -> String;
    /// Parses the table's body.
    fn parse(&self, body: &str) -> std::result::Result<NameTable, String>;
    /// Tells what a control-plane replica's HTTP reply (`status`, `body`) to `path` says.
    fn reply(&self, status: u16, body: &[u8], path: &str) -> TableFetch;
    /// Why the table could not be read when none of `replicas` replicas holds the proxy.
    fn unclaimed_proxy(&self, replicas: usize) -> String;
}

/// The data-plane emulator: what the pod-local DNS proxy answers for one candidate.
pub trait DnsProxy: Send + Sync {
    /// What the proxy answers for the candidate of `derived`, from the tables the objects and the
    /// control plane imply.
    fn predict(&self, derived: &Derived<'_>) -> Option<Box<dyn ProxyPrediction>>;
    /// True when `answer` has the shape of the proxy's own synthesized answers.
    fn synthesized(&self, answer: &Answer) -> bool;
    /// What the proxy of `workload` answers for `fqdn` and `rtype` from `table`, in a cluster of
    /// `domain`; `None`: it forwards the query upstream.
    fn answer_from(
        &self,
        table: Arc<NameTable>,
        workload: &Workload,
        domain: &str,
        question: (&str, RecordType),
    ) -> Option<TableAnswer>;
}

/// A DNS proxy's answer from its name table, and the table's entry it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct TableAnswer {
    pub answer: Answer,
    pub host: String,
}

/// What a live run reads and asks for one mesh.
#[derive(Debug)]
pub struct CapturePlan {
    /// Where the control plane's pods run, when it holds a name table meshdig reads.
    pub control_plane: Option<ControlPlanePods>,
    /// The port of the pod-local DNS proxy, when meshdig asks it.
    pub dns_proxy_port: Option<u16>,
    /// The mesh's own objects that change its answers.
    pub objects: &'static [MeshObjects],
}

/// The control plane's pods and the port of its debug endpoint.
#[derive(Debug)]
pub struct ControlPlanePods {
    /// What errors call it (`istiod`).
    pub name: &'static str,
    pub namespace: &'static str,
    /// A label selector (`app=istiod`).
    pub selector: &'static str,
    pub debug_port: u16,
    /// The flag that names the control plane's URL instead.
    pub url_flag: &'static str,
    /// Each pod serves only the proxies of its own node (a DaemonSet): only the one on the asking
    /// pod's node is asked.
    pub per_node: bool,
}

/// One custom resource kind a mesh reads.
#[derive(Debug)]
pub struct MeshObjects {
    pub group: &'static str,
    /// The versions to try, newest first: the first the API server serves is read.
    pub versions: &'static [&'static str],
    pub kind: &'static str,
    pub plural: &'static str,
    /// Read in every namespace, or only in the asker's and the control plane's.
    pub cluster_wide: bool,
    /// Read only when the asking pod is in this mesh (no other mesh's answers depend on them).
    pub asker_only: bool,
}

/// What one control-plane replica said about a proxy's name table.
#[derive(Debug, Clone, PartialEq)]
pub enum TableFetch {
    /// The body of the table.
    Table(Value),
    /// The proxy is connected to another replica (or not at all).
    NotHere,
    /// Any other failure; the text says what and how to fix it.
    Failed(String),
}

/// The mesh `name`, when it is registered.
pub fn named(name: &str) -> Option<&'static dyn Mesh> {
    MESHES.iter().copied().find(|m| m.name() == name)
}

/// The mesh a proxy of `kind` belongs to in a mesh of `family`.
pub fn of_proxy(family: &str, kind: &str) -> Option<&'static dyn Mesh> {
    MESHES
        .iter()
        .copied()
        .find(|m| m.family() == family && m.proxy_kind() == kind)
}

/// What the mesh of `mesh` does with the DNS of a pod with `proxy`.
pub fn dns_path(mesh: &MeshInfo, proxy: Option<&ProxyInfo>) -> DnsPath {
    proxy
        .and_then(|p| Some((of_proxy(&mesh.kind, &p.kind)?, p)))
        .map_or(DnsPath::NoMesh, |(m, p)| m.dns_path(mesh, p))
}

/// Checks a loaded snapshot's mesh and proxy kinds against the registered meshes, and has the
/// meshes read their settings, objects and each proxy's name table. Errors name the JSON path.
pub fn prepare(mut snapshot: Snapshot, origin: &std::path::Path) -> Result<Snapshot> {
    let invalid = |(json_path, message): (String, String)| Error::SnapshotInvalid {
        path: origin.to_path_buf(),
        json_path,
        message,
    };
    read_settings(&mut snapshot.mesh).map_err(|e| invalid(e.at("$.mesh")))?;
    claim_objects(&mut snapshot.objects).map_err(invalid)?;
    for remote in &mut snapshot.remote_clusters {
        claim_objects(&mut remote.objects).map_err(invalid)?;
    }
    let family = snapshot.mesh.kind.clone();
    let mut tables = Vec::new();
    for (i, proxy) in snapshot.proxies.iter_mut().enumerate() {
        let at = |field: &str, message: String| (format!("$.proxies[{i}]{field}"), message);
        let Some(mesh) = of_proxy(&family, &proxy.kind) else {
            if proxy.kind != NONE {
                return Err(invalid(at(".kind", unknown_proxy(&family, &proxy.kind))));
            }
            if proxy.ndsz.is_some() {
                let why = "a proxy of kind none has no name table; give its `kind`";
                return Err(invalid(at(".ndsz", why.to_string())));
            }
            no_settings(&proxy.settings).map_err(|e| invalid(e.at(&format!("$.proxies[{i}]"))))?;
            continue;
        };
        mesh.read_proxy(proxy)
            .map_err(|e| invalid(e.at(&format!("$.proxies[{i}]"))))?;
        if let Some(table) = read_table(mesh, proxy).map_err(|m| invalid(at(".ndsz", m)))? {
            tables.push((proxy.namespace.clone(), proxy.pod.clone(), table));
        }
    }
    for (namespace, pod, table) in tables {
        snapshot.set_proxy_table(&namespace, &pod, table);
    }
    Ok(snapshot)
}

/// Checks the mesh family and has its first mesh read the mesh's settings.
fn read_settings(mesh: &mut MeshInfo) -> std::result::Result<(), SettingsError> {
    let family = mesh.kind.clone();
    match MESHES.iter().find(|m| m.family() == family) {
        Some(first) => first.read_settings(mesh),
        None if family == NONE => no_settings(&mesh.settings),
        None => {
            let mut families: Vec<&str> = MESHES.iter().map(|m| m.family()).collect();
            families.dedup();
            Err(SettingsError {
                field: "kind".into(),
                message: format!(
                    "unknown mesh {}; expected none or one of {}",
                    crate::error::quoted(&family),
                    families.join(", ")
                ),
            })
        }
    }
}

/// What is wrong with a mesh's fields in a snapshot section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The field's path inside the section (`autoallocate_prefixes[0]`); empty for the section.
    pub field: String,
    pub message: String,
}

impl SettingsError {
    /// The JSON path of the field in the section at `section`, and the message.
    fn at(self, section: &str) -> (String, String) {
        let path = match self.field.as_str() {
            "" | "." => section.to_string(),
            field => format!("{section}.{field}"),
        };
        (path, self.message)
    }
}

/// Refuses settings a mesh does not read.
pub fn no_settings(settings: &MeshSettings) -> std::result::Result<(), SettingsError> {
    match settings.written.keys().next() {
        None => Ok(()),
        Some(field) => Err(SettingsError {
            field: field.clone(),
            message: "unknown field: no mesh of this kind reads it".to_string(),
        }),
    }
}

/// `proxy`'s name table, parsed by `mesh`, when the snapshot holds one.
fn read_table(
    mesh: &dyn Mesh,
    proxy: &mut ProxyInfo,
) -> std::result::Result<Option<NameTable>, String> {
    let Some(body) = proxy.ndsz.take() else {
        return Ok(None);
    };
    let reader = mesh
        .name_tables()
        .ok_or_else(|| format!("meshdig reads no name table of {} proxies", mesh.name()))?;
    reader.parse(body.get()).map(Some)
}

/// Has every mesh claim its objects, and drops the raw objects no mesh claimed.
fn claim_objects(objects: &mut Objects) -> std::result::Result<(), (String, String)> {
    for mesh in MESHES {
        mesh.claim_objects(objects)?;
    }
    objects.others = Vec::new();
    Ok(())
}

fn unknown_proxy(family: &str, kind: &str) -> String {
    let kinds: Vec<&str> = MESHES
        .iter()
        .filter(|m| m.family() == family)
        .map(|m| m.proxy_kind())
        .collect();
    format!(
        "unknown proxy kind {} in mesh {}; expected none{}{}",
        crate::error::quoted(kind),
        crate::error::quoted(family),
        if kinds.is_empty() { "" } else { " or one of " },
        kinds.join(", ")
    )
}

/// Every code a rule may emit: the core's, the search walk's and every registered mesh's, sorted.
pub fn declared_codes() -> Vec<Code> {
    let mut codes: Vec<Code> = crate::rules::core_codes()
        .into_iter()
        .chain(
            MESHES
                .iter()
                .flat_map(|m| m.rules().iter().flat_map(|r| r.codes.iter().copied())),
        )
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// The finding code spelled `text`, when a rule declares it.
pub fn code_named(text: &str) -> Option<Code> {
    declared_codes().into_iter().find(|c| c.as_str() == text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prepared(doc: Value) -> std::result::Result<Snapshot, String> {
        let snapshot = Snapshot::from_value(&doc, "t").map_err(|e| e.to_string())?;
        prepare(snapshot, std::path::Path::new("t")).map_err(|e| e.to_string())
    }

    fn with(mesh: Value, proxy: Value) -> Value {
        json!({"schema_version": 1, "cluster": {}, "mesh": mesh, "proxies": [proxy]})
    }

    #[test]
    fn every_mesh_and_proxy_kind_is_a_registered_one() {
        let sidecar = json!({"namespace": "n", "pod": "p", "kind": "sidecar", "dns_capture": true});
        let ok = prepared(with(json!({"kind": "istio"}), sidecar.clone())).unwrap();
        let proxy = ok.proxy("n", "p").unwrap();
        assert_eq!(
            dns_path(&ok.mesh, Some(proxy)),
            DnsPath::Captured {
                mesh: "istio-sidecar"
            }
        );
        let unknown = prepared(with(json!({"kind": "kuma"}), sidecar.clone())).unwrap_err();
        assert!(
            unknown.contains("$.mesh.kind") && unknown.contains("expected none or one of istio"),
            "{unknown}"
        );
        let kind = json!({"namespace": "n", "pod": "p", "kind": "dataplane"});
        let unknown = prepared(with(json!({"kind": "istio"}), kind)).unwrap_err();
        assert!(
            unknown.contains("$.proxies[0].kind") && unknown.contains("sidecar, ambient"),
            "{unknown}"
        );
    }

    #[test]
    fn a_mesh_checks_its_own_settings() {
        let typo = json!({"namespace": "n", "pod": "p", "kind": "sidecar", "dns_captur": true});
        let err = prepared(with(json!({"kind": "istio"}), typo)).unwrap_err();
        assert!(
            err.contains("$.proxies[0]") && err.contains("dns_captur"),
            "{err}"
        );
        let none = json!({"namespace": "n", "pod": "p", "kind": "none"});
        let err = prepared(with(json!({"kind": "none", "root_namespace": "x"}), none)).unwrap_err();
        assert!(
            err.contains("$.mesh") && err.contains("root_namespace"),
            "{err}"
        );
        let ambient = json!({"namespace": "n", "pod": "p", "kind": "ambient"});
        let path_in = |mesh: Value| {
            let ok = prepared(with(mesh, ambient.clone())).unwrap();
            dns_path(&ok.mesh, ok.proxy("n", "p"))
        };
        let current = path_in(json!({"kind": "istio", "root_namespace": "mesh-root"}));
        assert_eq!(
            current,
            DnsPath::Captured {
                mesh: "istio-ambient"
            }
        );
        // istio-cni captured no ambient DNS by default before 1.25.
        let old = path_in(json!({"kind": "istio", "version": "1.24.2"}));
        assert!(
            matches!(
                old,
                DnsPath::NotCaptured {
                    mesh: "istio-ambient",
                    ..
                }
            ),
            "{old:?}"
        );
        let typo = json!({"namespace": "n", "pod": "p", "kind": "ambient", "dns_captur": false});
        let err = prepared(with(json!({"kind": "istio"}), typo)).unwrap_err();
        assert!(err.contains("dns_captur"), "{err}");
    }
}
