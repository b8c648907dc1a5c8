//! The state istiod must send ztunnel (WDS), built from the cluster's objects: every Service but
//! ExternalName ones with its ClusterIPs on the cluster's network (headless ones with their
//! published endpoints' addresses), every ServiceEntry host with the addresses it declares or the
//! allocator wrote in its status, each bound to a waypoint by its own or its namespace's label, and
//! the asking pod as a workload. Visibility follows exportTo (`.` keeps a host in its namespace, `~`
//! hides it), as istiod's ambient service builder (`pilot/pkg/serviceregistry/ambient/services.go`)
//! does for the default ServiceEntry visibility.

use std::net::IpAddr;

use k8s_openapi::api::core::v1::Service;

use super::objects::AmbientObjects;
use super::settings::AmbientSettings;
use super::state::{IpFamily, Visibility, ZConfig, ZService, ZWorkload, ZtunnelState};
use crate::derive::World;
use crate::emulate::kube_dns::{self, ServiceShape};
use crate::mesh::istio_sidecar::objects::{EXPORT_TO_ANNOTATION, IstioObjects, ServiceEntry};
use crate::objects::ns_name;
use crate::workload::Workload;

/// The state ztunnel must hold for the asking `workload`, from `world`'s objects.
pub(super) fn expected_state(world: World<'_>, workload: &Workload) -> ZtunnelState {
    let network = world.cluster.network.clone().unwrap_or_default();
    let settings = AmbientSettings::of_workload(workload);
    let waypoints = AmbientObjects::of(world.objects);
    let mut services: Vec<ZService> = world
        .objects
        .services
        .iter()
        .filter_map(|s| kubernetes_service(world, s, &network, waypoints))
        .collect();
    for entry in &IstioObjects::of(world.objects).service_entries {
        services.extend(service_entry_hosts(entry, &network, waypoints));
    }
    ZtunnelState::new(
        services,
        vec![ZWorkload {
            name: workload.pod.clone(),
            namespace: workload.namespace.clone(),
            service_account: settings.service_account.clone().unwrap_or_default(),
            network,
        }],
        ZConfig::defaults(&world.cluster.domain),
    )
}

/// A Service as istiod sends it to ztunnel; none for an ExternalName or a hidden one.
fn kubernetes_service(
    world: World<'_>,
    service: &Service,
    network: &str,
    waypoints: &AmbientObjects,
) -> Option<ZService> {
    let (namespace, name) = ns_name(&service.metadata);
    let annotations = service.metadata.annotations.as_ref();
    let export_to: Vec<String> = annotations
        .and_then(|a| a.get(EXPORT_TO_ANNOTATION))
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    let visibility = visibility(&export_to)?;
    let (vips, endpoints) = match kube_dns::shape(service) {
        ServiceShape::ExternalName(_) => return None,
        ServiceShape::ClusterIp => (
            on_network(kube_dns::cluster_ips(service), network),
            Vec::new(),
        ),
        ServiceShape::Headless => {
            // ztunnel keeps healthy endpoints only, all with publishNotReadyAddresses (istiod's
            // AllowAll health policy; istio/ztunnel `Service::should_include_endpoint`).
            let endpoints = kube_dns::published(world.objects, service);
            (Vec::new(), endpoints.iter().map(|e| vec![e.ip]).collect())
        }
    };
    Some(ZService {
        name: name.to_string(),
        namespace: namespace.to_string(),
        hostname: format!(
            "{name}.{namespace}.svc.{}",
            world.cluster.domain.trim_end_matches('.')
        ),
        vips,
        ip_families: single_family(service),
        canonical: true,
        visibility,
        waypoint: waypoints.bound(&service.metadata),
        endpoints,
    })
}

/// One service per host of a ServiceEntry visible at all.
fn service_entry_hosts(
    entry: &ServiceEntry,
    network: &str,
    waypoints: &AmbientObjects,
) -> Vec<ZService> {
    let (namespace, name) = ns_name(&entry.metadata);
    let Some(visibility) = visibility(&entry.spec.export_to) else {
        return Vec::new();
    };
    let waypoint = waypoints.bound(&entry.metadata);
    entry
        .spec
        .hosts
        .iter()
        .map(|raw| {
            let host = raw.trim_end_matches('.').to_ascii_lowercase();
            let declared: Vec<IpAddr> = entry
                .spec
                .addresses
                .iter()
                .filter_map(|a| a.parse().ok())
                .collect();
            let addresses = if declared.is_empty() {
                entry.status_addresses(&host)
            } else {
                declared
            };
            ZService {
                name: name.to_string(),
                namespace: namespace.to_string(),
                vips: on_network(addresses, network),
                hostname: host,
                visibility,
                waypoint,
                ..ZService::default()
            }
        })
        .collect()
}

/// The visibility of an object with `export_to`; `None`: it is exported nowhere.
fn visibility(export_to: &[String]) -> Option<Visibility> {
    match export_to {
        [only] if only == "." => Some(Visibility::Namespace),
        [only] if only == "~" => None,
        _ => Some(Visibility::Public),
    }
}

fn on_network(ips: Vec<IpAddr>, network: &str) -> Vec<(String, IpAddr)> {
    ips.into_iter()
        .map(|ip| (network.to_string(), ip))
        .collect()
}

/// The one family of a single-stack Service (`spec.ipFamilies`).
fn single_family(service: &Service) -> Option<IpFamily> {
    let families = service.spec.as_ref()?.ip_families.as_ref()?;
    match families.as_slice() {
        [one] if one == "IPv4" => Some(IpFamily::IPv4),
        [one] if one == "IPv6" => Some(IpFamily::IPv6),
        _ => None,
    }
}
