//! Istio's ambient mode: istio-cni redirects the pod's traffic, port 53 included, to ztunnel on its
//! node, and ztunnel answers DNS per client workload from the workloads and services istiod pushes
//! it (WDS). meshdig asks ztunnel's DNS listener inside the pod's network namespace (port 15053,
//! through a port-forward to the pod), reads ztunnel's state from the admin `config_dump` of the
//! ztunnel pod on the pod's node, and emulates ztunnel's answers (istio/ztunnel `src/dns/server.rs`)
//! from that state and from the objects.
//!
//! ztunnel's typed state rides with the proxy's settings (`settings::AmbientSettings`), read
//! from the recorded dump when the snapshot is loaded; the core's control-plane layer gets the
//! dump's names ([`state::ZtunnelState::names`]).

mod admin;
pub mod codes;
mod detect;
mod expected;
mod objects;
mod predict;
mod rules;
pub mod server;
mod settings;
pub mod state;

pub use predict::AmbientView;
pub use server::{LocalAnswer, Reply, ZTUNNEL_TTL, Ztunnel};

use std::sync::Arc;

use hickory_proto::rr::RecordType;
use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::istio_sidecar::IstioSidecar;
use super::{
    CapturePlan, ControlPlanePods, DnsProxy, Mesh, MeshObjects, NameTables, SettingsError,
    TableAnswer, TableFetch,
};
use crate::derive::{Derived, ProxyPrediction};
use crate::model::Answer;
use crate::name_table::NameTable;
use crate::objects::Objects;
use crate::rules::Rule;
use crate::snapshot::{MeshInfo, ProxyInfo};
use crate::workload::{DnsPath, Workload};
use settings::AmbientSettings;
use state::{ZConfig, ZService, ZWorkload, ZtunnelState};

/// Istio's ambient mode.
pub struct IstioAmbient;

/// The mesh's name.
pub const NAME: &str = "istio-ambient";

/// What a live run reads and asks for ambient pods: ztunnel's DNS listener in the pod (15053),
/// the admin port of the ztunnel pod on the same node, the Namespaces (their waypoint labels bind
/// the services in them), and Istio's ServiceEntries (listed for the Istio family by the
/// sidecar's plan).
static PLAN: CapturePlan = CapturePlan {
    control_plane: Some(ControlPlanePods {
        name: "ztunnel",
        namespace: "istio-system",
        selector: "app=ztunnel",
        debug_port: 15000,
        url_flag: "--control-plane",
        per_node: true,
    }),
    dns_proxy_port: Some(15053),
    objects: &[MeshObjects {
        group: "",
        versions: &["v1"],
        kind: "Namespace",
        plural: "namespaces",
        cluster_wide: true,
        asker_only: true,
    }],
};

impl Mesh for IstioAmbient {
    fn name(&self) -> &'static str {
        NAME
    }

    fn family(&self) -> &'static str {
        "istio"
    }

    fn proxy_kind(&self) -> &'static str {
        "ambient"
    }

    fn detect(&self, pod: &Pod) -> Option<Value> {
        detect::proxy_entry(pod)
    }

    fn dns_path(&self, mesh: &MeshInfo, proxy: &ProxyInfo) -> DnsPath {
        let settings = AmbientSettings::of(proxy);
        if settings
            .ztunnel
            .as_ref()
            .is_some_and(|z| !z.config.dns_proxy)
        {
            DnsPath::NoDnsProxy {
                mesh: NAME,
                why: "ztunnel runs no DNS server (its proxy metadata DNS_CAPTURE is not true), so the pod's queries go to kube-dns",
            }
        } else if settings.captures(mesh) {
            DnsPath::Captured { mesh: NAME }
        } else if settings.dns_capture == Some(false) {
            DnsPath::NotCaptured {
                mesh: NAME,
                why: "the pod's ambient.istio.io/dns-capture annotation is false: istio-cni does not redirect its DNS to ztunnel",
            }
        } else {
            DnsPath::NotCaptured {
                mesh: NAME,
                why: "istio-cni does not redirect ambient DNS to ztunnel by default before Istio 1.25 (values.cni.ambient.dnsCapture)",
            }
        }
    }

    fn describe(&self, proxy: &ProxyInfo) -> String {
        let settings = AmbientSettings::of(proxy);
        format!(
            "istio ambient: ztunnel{} proxies DNS, capture {}",
            settings
                .node
                .as_ref()
                .map(|n| format!(" on node {n}"))
                .unwrap_or_default(),
            match settings.dns_capture {
                Some(true) => "on (pod annotation)",
                Some(false) => "off (pod annotation)",
                None => "by the mesh-wide default",
            }
        )
    }

    fn capture_plan(&self) -> &'static CapturePlan {
        &PLAN
    }

    fn settings(&self, control_plane: &[Pod]) -> Value {
        IstioSidecar.settings(control_plane)
    }

    fn read_settings(&self, mesh: &mut MeshInfo) -> Result<(), SettingsError> {
        IstioSidecar.read_settings(mesh)
    }

    fn read_proxy(&self, proxy: &mut ProxyInfo) -> Result<(), SettingsError> {
        AmbientSettings::read(proxy)
    }

    fn claim_objects(&self, objects: &mut Objects) -> Result<(), (String, String)> {
        objects::AmbientObjects::claim(objects)
    }

    fn name_tables(&self) -> Option<&dyn NameTables> {
        Some(self)
    }

    fn dns_proxy(&self) -> Option<&dyn DnsProxy> {
        Some(self)
    }

    fn rules(&self) -> &'static [Rule] {
        rules::RULES
    }
}

/// ztunnel's admin `config_dump`.
impl NameTables for IstioAmbient {
    fn source(&self) -> &'static str {
        "ztunnel /config_dump"
    }

    fn holder(&self) -> &'static str {
        "ztunnel"
    }

    fn path(&self, _workload: &Workload) -> String {
        admin::CONFIG_DUMP.to_string()
    }

    fn parse(&self, body: &str) -> Result<NameTable, String> {
        state::parse_dump(body).map(|s| s.names())
    }

    fn reply(&self, status: u16, body: &[u8], path: &str) -> TableFetch {
        admin::interpret(status, body, path)
    }

    fn unclaimed_proxy(&self, replicas: usize) -> String {
        format!("none of {replicas} ztunnel pod(s) serves the pod's node")
    }
}

/// ztunnel's DNS proxy.
impl DnsProxy for IstioAmbient {
    fn predict(&self, derived: &Derived<'_>) -> Option<Box<dyn ProxyPrediction>> {
        predict::predict(derived)
    }

    /// ztunnel's own answers have the agent's shape: AA set, every record at TTL 30.
    fn synthesized(&self, answer: &Answer) -> bool {
        super::istio_sidecar::looks_synthesized(answer)
    }

    /// From names only (`meshdig dig @control-plane`): every service on one network, the pod a
    /// client ztunnel knows.
    fn answer_from(
        &self,
        table: Arc<NameTable>,
        workload: &Workload,
        domain: &str,
        question: (&str, RecordType),
    ) -> Option<TableAnswer> {
        let state = state_of_names(&table, workload, domain);
        match predict::reply(&state, workload, question) {
            Reply::Local(local) => Some(TableAnswer {
                answer: local.answer,
                host: local.host,
            }),
            Reply::Forward | Reply::UnknownClient => None,
        }
    }
}

/// A ztunnel state holding `table`'s names, with `workload` its one client.
fn state_of_names(table: &NameTable, workload: &Workload, domain: &str) -> ZtunnelState {
    let services = table
        .iter()
        .map(|(host, info)| {
            let ips = info.ips.iter().filter_map(|ip| ip.parse().ok());
            ZService {
                name: info.shortname.clone(),
                namespace: info.namespace.clone(),
                hostname: host.trim_end_matches('.').to_ascii_lowercase(),
                vips: ips.map(|ip| (String::new(), ip)).collect(),
                ..ZService::default()
            }
        })
        .collect();
    let account = AmbientSettings::of_workload(workload)
        .service_account
        .clone();
    ZtunnelState::new(
        services,
        vec![ZWorkload {
            name: workload.pod.clone(),
            namespace: workload.namespace.clone(),
            service_account: account.unwrap_or_default(),
            ..ZWorkload::default()
        }],
        ZConfig::defaults(domain),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::workload::DnsPath;

    #[test]
    fn a_ztunnel_without_its_dns_server_proxies_no_dns() {
        let dump = json!({"workloads": [], "services": [], "config": {"dnsProxy": false}});
        let doc = json!({"schema_version": 1, "cluster": {}, "mesh": {"kind": "istio"},
            "proxies": [{"namespace": "n", "pod": "p", "kind": "ambient", "ndsz": dump}]});
        let snapshot = crate::engine::snapshot_of(&doc, "t").unwrap();
        let path = crate::mesh::dns_path(&snapshot.mesh, snapshot.proxy("n", "p"));
        assert!(matches!(path, DnsPath::NoDnsProxy { .. }), "{path:?}");
    }
}
