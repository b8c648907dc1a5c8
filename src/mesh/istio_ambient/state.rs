//! What ztunnel knows, typed: the workloads and services of its admin `config_dump` (istio/ztunnel
//! `src/admin.rs` `ConfigDump`, `src/state.rs` `ProxyStateSerialization`, `src/state/service.rs`
//! `Service`, `src/state/workload.rs` `Workload`) and the settings of its `config` section that
//! change DNS answers. The same shape holds the state the objects imply (`expected.rs`), so
//! one emulator answers from either.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::name_table::{NameInfo, NameTable};

/// Which address families a service serves (`ipFamilies`); `None` in the dump means any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum IpFamily {
    Dual,
    IPv4,
    IPv6,
}

/// Who may resolve a service: everyone, or clients of its own namespace (`visibility`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Visibility {
    #[default]
    Public,
    Namespace,
}

/// One service as ztunnel holds it, its headless endpoints resolved to their workloads' addresses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZService {
    pub name: String,
    pub namespace: String,
    /// The hostname, lower-case, without a trailing dot (`reviews.bookinfo.svc.cluster.local`).
    pub hostname: String,
    /// `(network, address)` of every VIP.
    pub vips: Vec<(String, IpAddr)>,
    pub ip_families: Option<IpFamily>,
    pub canonical: bool,
    pub visibility: Visibility,
    /// The service is bound to a waypoint.
    pub waypoint: bool,
    /// Each endpoint's workload addresses (used when the service has no VIP).
    pub endpoints: Vec<Vec<IpAddr>>,
}

/// One workload as ztunnel holds it: what identifies a DNS client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZWorkload {
    pub name: String,
    pub namespace: String,
    pub service_account: String,
    pub network: String,
}

/// ztunnel's settings that change DNS answers (`config` of the dump; istio/ztunnel `src/config.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZConfig {
    /// `CLUSTER_DOMAIN`.
    pub cluster_domain: String,
    /// `PREFERED_SERVICE_NAMESPACE`.
    pub preferred_namespace: Option<String>,
    /// `IPV6_ENABLED` (default true).
    pub ipv6_enabled: bool,
    /// Whether ztunnel runs its DNS server at all (proxy metadata `DNS_CAPTURE`, default on).
    pub dns_proxy: bool,
}

/// The state one ztunnel answers DNS from.
#[derive(Debug, Clone)]
pub struct ZtunnelState {
    pub services: Vec<ZService>,
    pub workloads: Vec<ZWorkload>,
    pub config: ZConfig,
    /// The positions in `services` of each hostname, as ztunnel indexes services by host.
    by_host: HashMap<String, Vec<usize>>,
}

impl ZConfig {
    /// ztunnel's defaults in a cluster of `domain`.
    pub fn defaults(domain: &str) -> Self {
        Self {
            cluster_domain: domain.trim_end_matches('.').to_ascii_lowercase(),
            preferred_namespace: None,
            ipv6_enabled: true,
            dns_proxy: true,
        }
    }
}

impl ZtunnelState {
    /// The state of `services`, `workloads` and `config`, indexed.
    pub fn new(services: Vec<ZService>, workloads: Vec<ZWorkload>, config: ZConfig) -> Self {
        let mut by_host: HashMap<String, Vec<usize>> = HashMap::new();
        for (at, service) in services.iter().enumerate() {
            by_host
                .entry(service.hostname.clone())
                .or_default()
                .push(at);
        }
        Self {
            services,
            workloads,
            config,
            by_host,
        }
    }

    /// The services whose hostname is `host` (lower-case, no trailing dot), in dump order.
    pub fn services_named(&self, host: &str) -> impl Iterator<Item = &ZService> + use<'_> {
        let found = self.by_host.get(host).map_or(&[][..], Vec::as_slice);
        found.iter().map(|at| &self.services[*at])
    }

    /// The workload ztunnel identifies the client pod `namespace/name` by (istio/ztunnel
    /// `WorkloadStore::find_by_info`: name, namespace and service account).
    pub fn client(&self, namespace: &str, name: &str, service_account: &str) -> Option<&ZWorkload> {
        self.workloads.iter().find(|w| {
            w.namespace == namespace
                && w.name == name
                && (service_account.is_empty() || w.service_account == service_account)
        })
    }

    /// The names of the state as a name table (hostname → addresses), the shape every mesh's
    /// control-plane layer shares; a hostname held in several namespaces keeps the first.
    pub fn names(&self) -> NameTable {
        let mut table = NameTable::new();
        for service in &self.services {
            let mut ips: Vec<String> = service.vips.iter().map(|(_, ip)| ip.to_string()).collect();
            ips.extend(service.endpoints.iter().flatten().map(ToString::to_string));
            let suffix = format!(".svc.{}", self.config.cluster_domain);
            table
                .entry(service.hostname.clone())
                .or_insert_with(|| NameInfo {
                    ips,
                    registry: if service.hostname.ends_with(&suffix) {
                        "Kubernetes"
                    } else {
                        "External"
                    }
                    .to_string(),
                    shortname: service.name.clone(),
                    namespace: service.namespace.clone(),
                    alt_hosts: Vec::new(),
                });
        }
        table
    }
}

/// The parts of a config dump meshdig reads; everything else is dropped at capture.
const KEPT: &[&str] = &["workloads", "services", "config"];

/// A config dump cut to what meshdig reads (the dump also holds certificates and policies).
pub fn reduce(dump: &Value) -> Option<Value> {
    let object = dump.as_object()?;
    let kept: Map<String, Value> = object
        .iter()
        .filter(|(k, _)| KEPT.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (kept.contains_key("workloads") || kept.contains_key("services")).then(|| Value::Object(kept))
}

/// A config dump, as ztunnel serializes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Dump {
    #[serde(default)]
    workloads: Vec<DumpWorkload>,
    #[serde(default)]
    services: Vec<DumpService>,
    #[serde(default)]
    config: DumpConfig,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DumpWorkload {
    #[serde(default)]
    workload_ips: Vec<IpAddr>,
    #[serde(default)]
    uid: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    service_account: String,
    #[serde(default)]
    network: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DumpService {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
    hostname: String,
    /// `network/address`.
    #[serde(default)]
    vips: Vec<String>,
    #[serde(default)]
    endpoints: HashMap<String, DumpEndpoint>,
    #[serde(default)]
    waypoint: Option<Value>,
    #[serde(default)]
    ip_families: Option<IpFamily>,
    #[serde(default)]
    canonical: bool,
    #[serde(default)]
    visibility: Visibility,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DumpEndpoint {
    workload_uid: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DumpConfig {
    #[serde(default)]
    cluster_domain: Option<String>,
    #[serde(default)]
    prefered_service_namespace: Option<String>,
    #[serde(default)]
    ipv6_enabled: Option<bool>,
    #[serde(default)]
    dns_proxy: Option<bool>,
}

/// ztunnel's cluster domain when `CLUSTER_DOMAIN` is unset.
const DEFAULT_CLUSTER_DOMAIN: &str = "cluster.local";

/// Reads a config dump `body`.
pub fn parse_dump(body: &str) -> Result<ZtunnelState, String> {
    let dump: Dump = serde_json::from_str(body)
        .map_err(|e| format!("the ztunnel config dump is malformed: {e}"))?;
    let defaults = ZConfig::defaults(DEFAULT_CLUSTER_DOMAIN);
    let config = ZConfig {
        cluster_domain: dump
            .config
            .cluster_domain
            .map_or(defaults.cluster_domain, |d| d.to_ascii_lowercase()),
        preferred_namespace: dump.config.prefered_service_namespace,
        ipv6_enabled: dump.config.ipv6_enabled.unwrap_or(true),
        dns_proxy: dump.config.dns_proxy.unwrap_or(true),
    };
    let by_uid: BTreeMap<&str, &DumpWorkload> =
        dump.workloads.iter().map(|w| (w.uid.as_str(), w)).collect();
    let services = dump
        .services
        .iter()
        .map(|s| typed_service(s, &by_uid))
        .collect::<Result<_, _>>()?;
    let workloads = dump
        .workloads
        .iter()
        .map(|w| ZWorkload {
            name: w.name.clone(),
            namespace: w.namespace.clone(),
            service_account: w.service_account.clone(),
            network: w.network.clone(),
        })
        .collect();
    Ok(ZtunnelState::new(services, workloads, config))
}

fn typed_service(
    service: &DumpService,
    workloads: &BTreeMap<&str, &DumpWorkload>,
) -> Result<ZService, String> {
    let vips = service
        .vips
        .iter()
        .map(|vip| network_address(vip))
        .collect::<Result<_, _>>()?;
    let mut uids: Vec<&String> = service
        .endpoints
        .values()
        .map(|e| &e.workload_uid)
        .collect();
    uids.sort();
    Ok(ZService {
        name: service.name.clone(),
        namespace: service.namespace.clone(),
        hostname: service.hostname.trim_end_matches('.').to_ascii_lowercase(),
        vips,
        ip_families: service.ip_families,
        canonical: service.canonical,
        visibility: service.visibility,
        waypoint: service.waypoint.as_ref().is_some_and(|w| !w.is_null()),
        endpoints: uids
            .into_iter()
            .filter_map(|uid| workloads.get(uid.as_str()))
            .map(|w| w.workload_ips.clone())
            .collect(),
    })
}

/// `network/address` (ztunnel's `NetworkAddress` as a string; the network may be empty).
fn network_address(text: &str) -> Result<(String, IpAddr), String> {
    let (network, address) = text.rsplit_once('/').unwrap_or(("", text));
    address
        .parse()
        .map(|ip| (network.to_string(), ip))
        .map_err(|_| format!("the ztunnel config dump has a malformed VIP {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_config_dump_with_headless_endpoints_and_networks() {
        let body = serde_json::json!({
            "workloads": [
                {"uid": "c1", "name": "client", "namespace": "ns1", "serviceAccount": "sa", "network": "nw1", "workloadIps": ["10.0.0.1"]},
                {"uid": "h0", "name": "h0", "namespace": "ns1", "workloadIps": ["30.30.30.30", "2001:db8::30"]}
            ],
            "services": [
                {"name": "headless", "namespace": "ns1", "hostname": "headless.ns1.svc.cluster.local", "vips": [], "endpoints": {"h0": {"workloadUid": "h0"}}},
                {"name": "p", "namespace": "ns1", "hostname": "p.ns1.svc.cluster.local", "vips": ["nw1/9.9.9.9"], "visibility": "Namespace"}
            ],
            "config": {"clusterDomain": "cluster.local", "ipv6Enabled": true},
            "certificates": []
        });
        let reduced = reduce(&body).unwrap();
        assert!(reduced.get("certificates").is_none());
        let state = parse_dump(&reduced.to_string()).unwrap();
        assert_eq!(state.services[0].endpoints.len(), 1);
        assert_eq!(state.services[1].vips[0].0, "nw1");
        assert_eq!(state.services[1].visibility, Visibility::Namespace);
        assert!(state.client("ns1", "client", "sa").is_some());
        assert!(state.client("ns1", "client", "other").is_none());
        assert_eq!(
            state.names()["p.ns1.svc.cluster.local"].ips,
            vec!["9.9.9.9"]
        );
        assert!(parse_dump(r#"{"services":[{"hostname":"x","vips":["nw/x"]}]}"#).is_err());
    }
}
