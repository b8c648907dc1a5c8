//! Istio's sidecar: istio-agent's DNS proxy (port 15053) beside each injected pod answers from the
//! name table istiod pushes (NDS), read back from istiod's `/debug/ndsz`. Sources: Istio's
//! `pkg/dns/client/dns.go` (the agent) and `pilot/pkg/networking/core/nds.go` (the table).

mod agent;
pub mod codes;
mod detect;
mod istiod;
mod ndsz;
pub(super) mod objects;
mod predict;
mod rules;
mod settings;
mod table;

pub use agent::{AgentTable, LocalAnswer, Match};
pub use predict::{IstioView, build_table, context};
pub use table::{BuiltTable, Exclusion, MESH_TTL, Provenance, ProxyContext};

use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use std::sync::Arc;

use hickory_proto::rr::RecordType;

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
use objects::IstioObjects;
use settings::{IstioSettings, SidecarSettings};

/// Istio's sidecar mode.
pub struct IstioSidecar;

/// The mesh's name.
pub const NAME: &str = "istio-sidecar";

/// What a live run reads and asks for Istio: istiod's pods in `istio-system`, the agent's DNS
/// port, ServiceEntries everywhere and Sidecars where they apply.
static PLAN: CapturePlan = CapturePlan {
    control_plane: Some(ControlPlanePods {
        name: "istiod",
        namespace: "istio-system",
        selector: "app=istiod",
        debug_port: 15014,
        url_flag: "--control-plane",
        per_node: false,
    }),
    dns_proxy_port: Some(15053),
    objects: &[
        MeshObjects {
            group: "networking.istio.io",
            versions: &["v1", "v1beta1", "v1alpha3"],
            kind: "ServiceEntry",
            plural: "serviceentries",
            cluster_wide: true,
            asker_only: false,
        },
        MeshObjects {
            group: "networking.istio.io",
            versions: &["v1", "v1beta1", "v1alpha3"],
            kind: "Sidecar",
            plural: "sidecars",
            cluster_wide: false,
            asker_only: false,
        },
    ],
};

impl Mesh for IstioSidecar {
    fn name(&self) -> &'static str {
        NAME
    }

    fn family(&self) -> &'static str {
        "istio"
    }

    fn proxy_kind(&self) -> &'static str {
        "sidecar"
    }

    fn detect(&self, pod: &Pod) -> Option<Value> {
        detect::proxy_entry(pod)
    }

    fn dns_path(&self, _mesh: &MeshInfo, proxy: &ProxyInfo) -> DnsPath {
        if SidecarSettings::of(proxy).dns_capture {
            DnsPath::Captured { mesh: NAME }
        } else {
            DnsPath::NotCaptured {
                mesh: NAME,
                why: "the sidecar does not capture DNS (ISTIO_META_DNS_CAPTURE is off)",
            }
        }
    }

    fn describe(&self, proxy: &ProxyInfo) -> String {
        let proxy = SidecarSettings::of(proxy);
        format!(
            "istio sidecar, DNS capture {}{}",
            if proxy.dns_capture { "on" } else { "off" },
            if proxy.dns_auto_allocate {
                ", DNS auto-allocate on"
            } else {
                ""
            }
        )
    }

    fn capture_plan(&self) -> &'static CapturePlan {
        &PLAN
    }

    fn settings(&self, control_plane: &[Pod]) -> Value {
        detect::mesh_entry(control_plane)
    }

    fn read_settings(&self, mesh: &mut MeshInfo) -> Result<(), SettingsError> {
        IstioSettings::read(mesh)
    }

    fn read_proxy(&self, proxy: &mut ProxyInfo) -> Result<(), SettingsError> {
        SidecarSettings::read(proxy)
    }

    fn claim_objects(&self, objects: &mut Objects) -> Result<(), (String, String)> {
        IstioObjects::claim(objects)
    }

    fn count_objects(&self, objects: &Objects) -> Vec<(&'static str, usize)> {
        let own = IstioObjects::of(objects);
        vec![
            ("ServiceEntry", own.service_entries.len()),
            ("Sidecar", own.sidecars.len()),
        ]
    }

    fn audit_names(&self, objects: &Objects) -> Vec<(String, String)> {
        IstioObjects::of(objects).audit_names()
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

/// istiod's `/debug/ndsz`.
impl NameTables for IstioSidecar {
    fn source(&self) -> &'static str {
        "istiod /debug/ndsz"
    }

    fn holder(&self) -> &'static str {
        "istiod"
    }

    fn path(&self, workload: &Workload) -> String {
        istiod::ndsz_path(&workload.proxy_id())
    }

    fn parse(&self, body: &str) -> Result<NameTable, String> {
        ndsz::parse_ndsz(&mut serde_json::Deserializer::from_str(body))
    }

    fn reply(&self, status: u16, body: &[u8], path: &str) -> TableFetch {
        istiod::interpret(status, body, path)
    }

    fn unclaimed_proxy(&self, replicas: usize) -> String {
        format!(
            "the proxy is not connected to istiod ({replicas} replica(s) answered 404 Proxy not connected); is the sidecar running and synced?"
        )
    }
}

/// istio-agent's DNS proxy.
impl DnsProxy for IstioSidecar {
    fn predict(&self, derived: &Derived<'_>) -> Option<Box<dyn ProxyPrediction>> {
        predict::predict(derived)
    }

    fn synthesized(&self, answer: &Answer) -> bool {
        looks_synthesized(answer)
    }

    fn answer_from(
        &self,
        table: Arc<NameTable>,
        workload: &Workload,
        domain: &str,
        (fqdn, rtype): (&str, RecordType),
    ) -> Option<TableAnswer> {
        let agent = AgentTable::new(table, &workload.namespace, domain, workload.first_search());
        agent.lookup(fqdn, rtype).map(|local| TableAnswer {
            answer: local.answer,
            host: local.host,
        })
    }
}

/// An answer shaped like the agent's own: AA set and every record at the fixed mesh TTL.
pub fn looks_synthesized(answer: &Answer) -> bool {
    answer.authoritative
        && !answer.records.is_empty()
        && answer.records.iter().all(|r| r.ttl_s == MESH_TTL)
}
