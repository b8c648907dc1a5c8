//! Istio's own objects that change DNS answers, typed: ServiceEntries and Sidecar resources
//! (`networking.istio.io` v1, v1beta1 or v1alpha3), with the fields the name table depends on.

use std::collections::BTreeMap;
use std::net::IpAddr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

use crate::objects::Objects;
use crate::snapshot::typed_object;

/// The annotation that limits which namespaces see a Service in Istio.
pub(crate) const EXPORT_TO_ANNOTATION: &str = "networking.istio.io/exportTo";
/// The label that opts a ServiceEntry out of IP auto-allocation.
pub(crate) const AUTOALLOCATE_LABEL: &str = "networking.istio.io/enable-autoallocate-ip";

/// An Istio ServiceEntry (networking.istio.io v1, v1beta1 or v1alpha3): the fields DNS depends on.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ServiceEntry {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: ServiceEntrySpec,
    #[serde(default)]
    pub status: Option<ServiceEntryStatus>,
}

/// `ServiceEntry.spec`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceEntrySpec {
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub addresses: Vec<String>,
    #[serde(default)]
    pub resolution: Option<String>,
    #[serde(default)]
    pub export_to: Vec<String>,
    #[serde(default)]
    pub ports: Vec<ServiceEntryPort>,
}

/// One port of a ServiceEntry.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ServiceEntryPort {
    pub number: u32,
}

/// `ServiceEntry.status`, where the IP auto-allocation controller writes its addresses.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ServiceEntryStatus {
    #[serde(default)]
    pub addresses: Vec<ServiceEntryAddress>,
}

/// One auto-allocated address: `{value, host}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ServiceEntryAddress {
    pub value: String,
    #[serde(default)]
    pub host: Option<String>,
}

impl ServiceEntry {
    /// The resolution mode, upper-cased; Istio's default is NONE.
    pub(crate) fn resolution(&self) -> String {
        self.spec
            .resolution
            .as_deref()
            .unwrap_or("NONE")
            .to_ascii_uppercase()
    }

    /// Auto-allocated addresses recorded in status for `host`.
    pub(crate) fn status_addresses(&self, host: &str) -> Vec<IpAddr> {
        self.status
            .iter()
            .flat_map(|s| &s.addresses)
            .filter(|a| {
                a.host
                    .as_deref()
                    .is_none_or(|h| h.eq_ignore_ascii_case(host))
            })
            .filter_map(|a| a.value.parse().ok())
            .collect()
    }

    /// True when the ServiceEntry carries the label that opts it out of auto-allocation.
    pub(crate) fn autoallocate_disabled(&self) -> bool {
        self.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(AUTOALLOCATE_LABEL))
            .is_some_and(|v| v == "false")
    }
}

/// An Istio Sidecar resource: the fields that scope which hosts a proxy knows.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Sidecar {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: SidecarSpec,
}

/// `Sidecar.spec`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SidecarSpec {
    #[serde(default)]
    pub workload_selector: Option<WorkloadSelector>,
    #[serde(default)]
    pub egress: Vec<SidecarEgress>,
}

/// `Sidecar.spec.workloadSelector`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct WorkloadSelector {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// One egress listener of a Sidecar; only its hosts matter for DNS.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SidecarEgress {
    #[serde(default)]
    pub hosts: Vec<String>,
}

/// Istio's objects of one cluster.
#[derive(Debug, Default)]
pub(crate) struct IstioObjects {
    pub service_entries: Vec<ServiceEntry>,
    pub sidecars: Vec<Sidecar>,
}

impl IstioObjects {
    /// The Istio objects of `objects` (none when none were stored).
    pub(crate) fn of(objects: &Objects) -> &Self {
        static NONE: IstioObjects = IstioObjects {
            service_entries: Vec::new(),
            sidecars: Vec::new(),
        };
        objects.mesh::<Self>().unwrap_or(&NONE)
    }

    /// Every ServiceEntry host but wildcards, as an FQDN, with the entry's namespace.
    pub(crate) fn audit_names(&self) -> Vec<(String, String)> {
        let mut names = Vec::new();
        for entry in &self.service_entries {
            let namespace = crate::objects::ns_name(&entry.metadata).0;
            for host in entry.spec.hosts.iter().filter(|h| !h.starts_with('*')) {
                let fqdn = format!("{}.", host.trim_end_matches('.').to_ascii_lowercase());
                names.push((namespace.to_string(), fqdn));
            }
        }
        names
    }

    /// Types the ServiceEntries and Sidecars among `objects`' raw objects and stores them.
    /// Errors name the object's place in the snapshot and the field.
    pub(crate) fn claim(objects: &mut Objects) -> Result<(), (String, String)> {
        let typed = Self {
            service_entries: objects
                .others_of("ServiceEntry")
                .map(typed_object)
                .collect::<Result<_, _>>()?,
            sidecars: objects
                .others_of("Sidecar")
                .map(typed_object)
                .collect::<Result<_, _>>()?,
        };
        objects.set_mesh(typed);
        Ok(())
    }
}
