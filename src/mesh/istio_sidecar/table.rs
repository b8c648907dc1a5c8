//! The name table istiod builds for one proxy from the cluster's objects (Istio's
//! `pkg/dns/server/name_table.go`, `BuildNameTable`): which hosts it holds, with which addresses,
//! where each comes from, and why a host the objects define is left out.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use k8s_openapi::api::core::v1::Service;

use super::objects::{EXPORT_TO_ANNOTATION, IstioObjects, ServiceEntry, Sidecar};
use super::settings::IstioSettings;
use crate::emulate::kube_dns::{self, ServiceShape};
use crate::model::Evidence;
use crate::name_table::{NameInfo, NameTable};
use crate::objects::{EndpointAddress, Objects, ns_name};
use crate::rules::evidence::join;
use crate::snapshot::{ClusterInfo, RemoteCluster};
use crate::workload::IpFamilies;

/// The TTL of every answer the agent synthesizes (`defaultTTLInSeconds`).
pub const MESH_TTL: u32 = 30;
/// The registry name istiod gives Kubernetes services.
pub(super) const KUBERNETES_REGISTRY: &str = "Kubernetes";
/// The registry name istiod gives ServiceEntries.
pub(super) const EXTERNAL_REGISTRY: &str = "External";

/// The proxy a table is built for.
#[derive(Debug, Clone, Default)]
pub struct ProxyContext {
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub dns_capture: bool,
    pub dns_auto_allocate: bool,
    /// The IP families of the pod; service VIPs of other families are dropped for single-stack proxies.
    pub families: IpFamilies,
}

/// Why a host that an object defines is absent from a proxy's name table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exclusion {
    /// exportTo hides the object from the proxy's namespace.
    NotExported(Evidence),
    /// The Sidecar resource of the proxy does not list the host among its egress hosts.
    ScopedOut(Evidence),
    /// A ServiceEntry with no address and no auto-allocated VIP; the second value says why none was allocated.
    NoAddress(Evidence, String),
    /// A headless Service with no published endpoints.
    NoEndpoints(Evidence),
    /// An ExternalName Service: it has no address of its own.
    ExternalName(Evidence),
}

impl Exclusion {
    /// The object the exclusion points at.
    pub fn evidence(&self) -> &Evidence {
        match self {
            Self::NotExported(e)
            | Self::ScopedOut(e)
            | Self::NoAddress(e, _)
            | Self::NoEndpoints(e)
            | Self::ExternalName(e) => e,
        }
    }
}

/// Where an entry's addresses came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub evidence: Evidence,
    /// The remote cluster the addresses come from, if not the local one.
    pub cluster: Option<String>,
    /// The addresses were auto-allocated by istiod.
    pub auto_allocated: bool,
    pub addresses: Vec<IpAddr>,
}

/// A name table built from objects, with the reasons behind every entry and every omission.
#[derive(Debug, Clone, Default)]
pub struct BuiltTable {
    pub table: NameTable,
    pub provenance: BTreeMap<String, Vec<Provenance>>,
    pub exclusions: BTreeMap<String, Exclusion>,
}

/// Everything [`build_table`] reads.
pub(super) struct TableInputs<'a> {
    pub objects: &'a Objects,
    pub remote_clusters: &'a [RemoteCluster],
    pub mesh: &'a IstioSettings,
    pub cluster: &'a ClusterInfo,
    pub proxy: &'a ProxyContext,
    /// The control plane's own table, used only to learn addresses istiod allocated by hash (Istio's
    /// first allocator), which no object records.
    pub observed: Option<&'a NameTable>,
}

/// Builds the name table istiod must push to `inputs.proxy`, following `BuildNameTable`'s rules.
pub(super) fn build_table(inputs: &TableInputs<'_>) -> BuiltTable {
    let mut built = BuiltTable::default();
    let scope = Scope::for_proxy(inputs);
    for service in &inputs.objects.services {
        add_service(&mut built, inputs, &scope, service, None);
    }
    for remote in inputs.remote_clusters {
        for service in &remote.objects.services {
            add_service(&mut built, inputs, &scope, service, Some(remote));
        }
    }
    for entry in &IstioObjects::of(inputs.objects).service_entries {
        add_service_entry(&mut built, inputs, &scope, entry);
    }
    built
}

/// The proxy's view: its Sidecar resource, if any, and its namespace.
struct Scope<'a> {
    namespace: &'a str,
    sidecar: Option<&'a Sidecar>,
}

impl<'a> Scope<'a> {
    fn for_proxy(inputs: &TableInputs<'a>) -> Self {
        let namespace = inputs.proxy.namespace.as_str();
        let sidecars = &IstioObjects::of(inputs.objects).sidecars;
        let in_ns = |ns: &'a str| {
            sidecars
                .iter()
                .filter(move |s| ns_name(&s.metadata).0 == ns)
        };
        let selected = in_ns(namespace).find(|s| {
            s.spec.workload_selector.as_ref().is_some_and(|sel| {
                !sel.labels.is_empty()
                    && sel
                        .labels
                        .iter()
                        .all(|(k, v)| inputs.proxy.labels.get(k) == Some(v))
            })
        });
        let sidecar = selected
            .or_else(|| in_ns(namespace).find(|s| s.spec.workload_selector.is_none()))
            .or_else(|| {
                in_ns(&inputs.mesh.root_namespace).find(|s| s.spec.workload_selector.is_none())
            });
        Self { namespace, sidecar }
    }

    /// None when the host is in scope; otherwise the Sidecar evidence that scopes it out.
    fn excludes(&self, object_namespace: &str, host: &str) -> Option<Evidence> {
        let sidecar = self.sidecar?;
        let (sc_ns, sc_name) = ns_name(&sidecar.metadata);
        let hosts: Vec<&String> = sidecar.spec.egress.iter().flat_map(|e| &e.hosts).collect();
        let allowed = hosts.iter().any(|entry| {
            let (ns, pattern) = entry.split_once('/').unwrap_or(("*", entry));
            let ns_ok = match ns {
                "*" => true,
                // A mesh-wide default Sidecar in the root namespace applies in each workload's
                // namespace, so '.' always means the proxy's own namespace.
                "." => object_namespace == self.namespace,
                "~" => false,
                other => object_namespace == other,
            };
            ns_ok && host_matches(pattern, host)
        });
        (!allowed).then(|| {
            Evidence::object("Sidecar", Some(sc_ns), sc_name).field(
                "spec.egress[].hosts",
                hosts
                    .iter()
                    .map(|h| h.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
    }
}

/// Istio host matching: `*`, `*.suffix` or an exact host.
fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix('*') {
        Some("") => true,
        Some(suffix) => host.ends_with(suffix) || host == pattern,
        None => pattern == host,
    }
}

/// True when `export_to` (an exportTo list; empty means everywhere) lets `proxy_ns` see an object of `object_ns`.
fn exported(export_to: &[String], object_ns: &str, proxy_ns: &str) -> bool {
    export_to.is_empty()
        || export_to.iter().any(|e| match e.as_str() {
            "*" => true,
            "." => object_ns == proxy_ns,
            "~" => false,
            ns => ns == proxy_ns,
        })
}

fn service_export_to(service: &Service) -> Vec<String> {
    service
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(EXPORT_TO_ANNOTATION))
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default()
}

fn add_service(
    built: &mut BuiltTable,
    inputs: &TableInputs<'_>,
    scope: &Scope<'_>,
    service: &Service,
    remote: Option<&RemoteCluster>,
) {
    let (namespace, name) = ns_name(&service.metadata);
    let host = format!("{name}.{namespace}.svc.{}", inputs.cluster.domain);
    let evidence = Evidence::object("Service", Some(namespace), name);
    let export_to = service_export_to(service);
    if !exported(&export_to, namespace, scope.namespace) {
        let ev = evidence.field(
            format!("metadata.annotations[{EXPORT_TO_ANNOTATION}]"),
            export_to.join(","),
        );
        built.exclusions.insert(host, Exclusion::NotExported(ev));
        return;
    }
    if let Some(sidecar) = scope.excludes(namespace, &host) {
        built.exclusions.insert(host, Exclusion::ScopedOut(sidecar));
        return;
    }
    let cluster = remote.map(|r| r.name.clone());
    match kube_dns::shape(service) {
        ServiceShape::ExternalName(target) => {
            built
                .exclusions
                .entry(host)
                .or_insert(Exclusion::ExternalName(
                    evidence.field("spec.externalName", target),
                ));
        }
        ServiceShape::ClusterIp => {
            if remote.is_some() && inputs.objects.service(namespace, name).is_some() {
                // The proxy's own cluster has a VIP for this service; that one is used.
                return;
            }
            let ips = inputs.proxy.families.keep(kube_dns::cluster_ips(service));
            let ev = evidence
                .field("spec.clusterIPs", join(&ips))
                .in_cluster(cluster.as_deref());
            insert_kubernetes(built, &host, name, namespace, ips, ev, cluster);
        }
        ServiceShape::Headless => add_headless(built, inputs, service, &host, evidence, remote),
    }
}

/// Adds a headless Service's endpoints: each pod's hostname as a name of its own, and the
/// Service's name with every endpoint address. A remote cluster's endpoints count only with
/// `ENABLE_MULTICLUSTER_HEADLESS` and on the same network.
fn add_headless(
    built: &mut BuiltTable,
    inputs: &TableInputs<'_>,
    service: &Service,
    host: &str,
    evidence: Evidence,
    remote: Option<&RemoteCluster>,
) {
    let (namespace, name) = ns_name(&service.metadata);
    let same_network = remote.is_none_or(|r| r.network == inputs.cluster.network);
    if remote.is_some() && !(inputs.mesh.enable_multicluster_headless && same_network) {
        return;
    }
    let objects = remote.map_or(inputs.objects, |r| &r.objects);
    let cluster = remote.map(|r| r.name.clone());
    let endpoints = kube_dns::published(objects, service);
    let mut by_slice: BTreeMap<String, Vec<IpAddr>> = BTreeMap::new();
    for endpoint in &endpoints {
        by_slice
            .entry(endpoint.slice.clone())
            .or_default()
            .push(endpoint.ip);
        if let Some(hostname) = &endpoint.hostname {
            let pod_host = format!("{hostname}.{host}");
            // A remote cluster's pod never replaces a local one of the same name.
            if !(remote.is_some() && built.table.contains_key(&pod_host)) {
                add_pod_host(
                    built,
                    (namespace, name),
                    endpoint,
                    hostname,
                    pod_host,
                    &cluster,
                );
            }
        }
    }
    if endpoints.is_empty() {
        if remote.is_none() {
            built
                .exclusions
                .insert(host.to_string(), Exclusion::NoEndpoints(evidence));
        }
        return;
    }
    for (slice, ips) in by_slice {
        let ev = Evidence::object("EndpointSlice", Some(namespace), &slice)
            .field("endpoints[].addresses", join(&ips))
            .in_cluster(cluster.as_deref());
        insert_kubernetes(built, host, name, namespace, ips, ev, cluster.clone());
    }
}

/// Adds one headless endpoint's own name, `hostname.<service host>`, of Service `namespace/name`.
fn add_pod_host(
    built: &mut BuiltTable,
    (namespace, name): (&str, &str),
    endpoint: &EndpointAddress,
    hostname: &str,
    pod_host: String,
    cluster: &Option<String>,
) {
    let ev = Evidence::object("EndpointSlice", Some(namespace), &endpoint.slice).field(
        format!("endpoints[{}].hostname", endpoint.index),
        hostname.to_string(),
    );
    built.table.insert(
        pod_host.clone(),
        NameInfo {
            ips: vec![endpoint.ip.to_string()],
            registry: KUBERNETES_REGISTRY.to_string(),
            shortname: format!("{hostname}.{name}"),
            namespace: namespace.to_string(),
            ..NameInfo::default()
        },
    );
    built.provenance.insert(
        pod_host,
        vec![Provenance {
            evidence: ev,
            cluster: cluster.clone(),
            auto_allocated: false,
            addresses: vec![endpoint.ip],
        }],
    );
}

/// Adds Kubernetes addresses to `host`: a new entry, or more addresses for the same service.
fn insert_kubernetes(
    built: &mut BuiltTable,
    host: &str,
    name: &str,
    namespace: &str,
    ips: Vec<IpAddr>,
    evidence: Evidence,
    cluster: Option<String>,
) {
    if ips.is_empty() {
        return;
    }
    built.exclusions.remove(host);
    let entry = built
        .table
        .entry(host.to_string())
        .or_insert_with(|| NameInfo {
            ips: Vec::new(),
            registry: KUBERNETES_REGISTRY.to_string(),
            shortname: name.to_string(),
            namespace: namespace.to_string(),
            ..NameInfo::default()
        });
    for ip in &ips {
        let text = ip.to_string();
        if !entry.ips.contains(&text) {
            entry.ips.push(text);
        }
    }
    built
        .provenance
        .entry(host.to_string())
        .or_default()
        .push(Provenance {
            evidence,
            cluster,
            auto_allocated: false,
            addresses: ips,
        });
}

fn add_service_entry(
    built: &mut BuiltTable,
    inputs: &TableInputs<'_>,
    scope: &Scope<'_>,
    entry: &ServiceEntry,
) {
    let (namespace, name) = ns_name(&entry.metadata);
    let evidence = Evidence::object("ServiceEntry", Some(namespace), name);
    let resolution = entry.resolution();
    for raw_host in &entry.spec.hosts {
        let host = raw_host.trim_end_matches('.').to_ascii_lowercase();
        if !exported(&entry.spec.export_to, namespace, scope.namespace) {
            let ev = evidence
                .clone()
                .field("spec.exportTo", entry.spec.export_to.join(","));
            built
                .exclusions
                .entry(host)
                .or_insert(Exclusion::NotExported(ev));
            continue;
        }
        if let Some(sidecar) = scope.excludes(namespace, &host) {
            built
                .exclusions
                .entry(host)
                .or_insert(Exclusion::ScopedOut(sidecar));
            continue;
        }
        if built
            .table
            .get(&host)
            .is_some_and(|e| e.registry == KUBERNETES_REGISTRY)
        {
            // A Kubernetes Service with the same host wins over the ServiceEntry.
            continue;
        }
        let (ips, field, auto_allocated) =
            match service_entry_addresses(inputs, entry, &host, &resolution) {
                Ok(found) => found,
                Err(why) => {
                    let ev = evidence
                        .clone()
                        .field("spec.resolution", resolution.clone());
                    if !built.table.contains_key(&host) {
                        built.exclusions.insert(host, Exclusion::NoAddress(ev, why));
                    }
                    continue;
                }
            };
        let ips = inputs.proxy.families.keep(ips);
        if ips.is_empty() {
            if !built.table.contains_key(&host) {
                let ev = evidence
                    .clone()
                    .field(field, "(addresses of the other IP family only)");
                let why = "the pod is single-stack and every address is of the other IP family"
                    .to_string();
                built.exclusions.insert(host, Exclusion::NoAddress(ev, why));
            }
            continue;
        }
        built.exclusions.remove(&host);
        let info = built.table.entry(host.clone()).or_insert_with(|| NameInfo {
            registry: EXTERNAL_REGISTRY.to_string(),
            ..NameInfo::default()
        });
        for ip in &ips {
            let text = ip.to_string();
            if !info.ips.contains(&text) {
                info.ips.push(text);
            }
        }
        built.provenance.entry(host).or_default().push(Provenance {
            evidence: evidence.clone().field(field, join(&ips)),
            cluster: None,
            auto_allocated,
            addresses: ips,
        });
    }
}

/// The addresses a ServiceEntry host gets for this proxy, with the field they come from, or why it gets none.
fn service_entry_addresses(
    inputs: &TableInputs<'_>,
    entry: &ServiceEntry,
    host: &str,
    resolution: &str,
) -> Result<(Vec<IpAddr>, &'static str, bool), String> {
    let declared: Vec<IpAddr> = entry
        .spec
        .addresses
        .iter()
        .filter_map(|a| a.parse().ok())
        .collect();
    if !declared.is_empty() {
        return Ok((declared, "spec.addresses", false));
    }
    let proxy = inputs.proxy;
    let allocator_on = inputs.mesh.pilot_enable_ip_autoallocate || proxy.dns_auto_allocate;
    let why_not = if !allocator_on {
        Some("IP auto-allocation is off (PILOT_ENABLE_IP_AUTOALLOCATE and ISTIO_META_DNS_AUTO_ALLOCATE are false)".to_string())
    } else if !proxy.dns_capture {
        Some("auto-allocated addresses are only used by proxies that capture DNS, and this one does not".to_string())
    } else if resolution == "NONE" {
        Some("resolution NONE is never auto-allocated".to_string())
    } else if entry.autoallocate_disabled() {
        Some(format!(
            "the label {}=false opts it out of auto-allocation",
            super::objects::AUTOALLOCATE_LABEL
        ))
    } else if host.starts_with('*') && resolution != "DYNAMIC_DNS" {
        Some("wildcard hosts are only auto-allocated with resolution DYNAMIC_DNS".to_string())
    } else {
        None
    };
    if let Some(why) = why_not {
        return Err(why);
    }
    let allocated = entry.status_addresses(host);
    if !allocated.is_empty() {
        return Ok((allocated, "status.addresses", true));
    }
    // Istio's first allocator hashes hosts to addresses in each istiod and records them nowhere: take
    // the control plane's if they lie in the allocation prefixes.
    let hashed: Vec<IpAddr> = inputs
        .observed
        .and_then(|t| t.get(host))
        .map(|info| {
            info.ips
                .iter()
                .filter_map(|ip| ip.parse().ok())
                .collect::<Vec<IpAddr>>()
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|ip| in_prefixes(&inputs.mesh.autoallocate_prefixes, *ip))
        .collect();
    if proxy.dns_auto_allocate && !hashed.is_empty() {
        return Ok((hashed, "(hash-allocated by istiod)", true));
    }
    Err("no address is listed and none has been allocated in status.addresses yet".to_string())
}

/// True when `ip` lies in one of `prefixes`.
pub(super) fn in_prefixes(prefixes: &[IpNet], ip: IpAddr) -> bool {
    prefixes.iter().any(|p| p.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_stack_proxies_get_vips_of_their_family_only() {
        let v4: IpAddr = "240.240.0.1".parse().unwrap();
        let v6: IpAddr = "2001:2::f0f0:1".parse().unwrap();
        let v4_only = IpFamilies::of(&["10.244.0.9".parse().unwrap()]);
        assert_eq!(v4_only.keep(vec![v4, v6]), vec![v4]);
        assert_eq!(IpFamilies::of(&[]).keep(vec![v4, v6]), vec![v4, v6]);
    }

    #[test]
    fn host_patterns_follow_istio() {
        assert!(host_matches("*", "a.b"));
        assert!(host_matches("*.example.com", "api.example.com"));
        assert!(!host_matches("*.example.com", "example.org"));
        assert!(host_matches(
            "reviews.bookinfo.svc.cluster.local",
            "reviews.bookinfo.svc.cluster.local."
        ));
        assert!(exported(&[], "a", "b"));
        assert!(!exported(&[".".into()], "a", "b"));
        assert!(exported(&["b".into()], "a", "b"));
    }
}
