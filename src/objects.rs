//! The cluster objects meshdig reasons about, typed, and the look-ups the emulators need.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use k8s_openapi::api::core::v1::{
    ConfigMap, Pod, PodDNSConfig, PodIP, PodSpec, PodStatus, Service,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

/// The label that ties an EndpointSlice to its Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// The fields of a Pod that meshdig reads (who it is, how the kubelet builds its resolv.conf, its
/// addresses). Pods are held as this, so their containers, volumes and the rest are skipped
/// rather than kept: in a large cluster they are most of a snapshot.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DnsPod {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    spec: Option<DnsPodSpec>,
    #[serde(default)]
    status: Option<DnsPodStatus>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DnsPodSpec {
    #[serde(default)]
    host_network: Option<bool>,
    #[serde(default)]
    dns_policy: Option<String>,
    #[serde(default)]
    dns_config: Option<PodDNSConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DnsPodStatus {
    #[serde(default, rename = "podIP")]
    pod_ip: Option<String>,
    #[serde(default, rename = "podIPs")]
    pod_ips: Option<Vec<PodIP>>,
}

impl DnsPod {
    /// The Pod with only these fields set.
    pub fn to_pod(&self) -> Pod {
        Pod {
            metadata: self.metadata.clone(),
            spec: self.spec.as_ref().map(|spec| PodSpec {
                host_network: spec.host_network,
                dns_policy: spec.dns_policy.clone(),
                dns_config: spec.dns_config.clone(),
                ..PodSpec::default()
            }),
            status: self.status.as_ref().map(|status| PodStatus {
                pod_ip: status.pod_ip.clone(),
                pod_ips: status.pod_ips.clone(),
                ..PodStatus::default()
            }),
        }
    }
}

/// Every object of one cluster that DNS answers depend on.
///
/// Look-ups go through an index built on first use, so the lists must be complete before the first
/// look-up (they are filled once, when a snapshot is read).
#[derive(Debug, Clone, Default)]
pub struct Objects {
    pub services: Vec<Service>,
    pub endpoint_slices: Vec<EndpointSlice>,
    pub pods: Vec<DnsPod>,
    pub config_maps: Vec<ConfigMap>,
    /// Objects of the kinds the core does not read, kept raw until a mesh claims its own
    /// ([`crate::mesh::prepare`]); the rest are then dropped.
    pub others: Vec<RawObject>,
    /// Each mesh's own objects, typed by that mesh ([`Objects::mesh`]).
    pub meshes: MeshObjects,
    pub(crate) index: OnceLock<ObjectIndex>,
}

/// An object of a kind the core does not read, as the snapshot holds it.
#[derive(Debug, Clone)]
pub struct RawObject {
    pub kind: String,
    /// Where it is in the snapshot document (`$.objects[3]`), for errors.
    pub path: String,
    pub raw: Box<serde_json::value::RawValue>,
}

/// The meshes' own typed objects, one value per type; only the mesh that stored a type reads it.
#[derive(Clone, Default)]
pub struct MeshObjects(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl std::fmt::Debug for MeshObjects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MeshObjects({} kinds of mesh)", self.0.len())
    }
}

impl Objects {
    /// The objects of type `T` a mesh stored, if it stored any.
    pub fn mesh<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.meshes.0.get(&TypeId::of::<T>())?.downcast_ref()
    }

    /// Stores a mesh's own objects.
    pub fn set_mesh<T: Any + Send + Sync>(&mut self, objects: T) {
        self.meshes.0.insert(TypeId::of::<T>(), Arc::new(objects));
    }

    /// The raw objects of `kind`.
    pub fn others_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a RawObject> {
        self.others.iter().filter(move |o| o.kind == kind)
    }
}

/// Positions of objects by namespace and name, so that look-ups do not scan the lists.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObjectIndex {
    services: HashMap<(String, String), usize>,
    pods: HashMap<(String, String), usize>,
    /// EndpointSlices by the namespace and name of their Service.
    slices: HashMap<(String, String), Vec<usize>>,
    /// The kubernetes plugin's options, read once from the Corefile.
    kubernetes: KubernetesOptions,
    /// Every namespace some object lives in.
    namespaces: HashSet<String>,
}

impl ObjectIndex {
    fn build(objects: &Objects) -> Self {
        let key = |meta: &ObjectMeta| {
            let (ns, name) = ns_name(meta);
            (ns.to_string(), name.to_string())
        };
        let mut index = Self {
            kubernetes: KubernetesOptions::from_corefile(objects.corefile()),
            ..Self::default()
        };
        for (i, service) in objects.services.iter().enumerate() {
            index.services.entry(key(&service.metadata)).or_insert(i);
        }
        for (i, pod) in objects.pods.iter().enumerate() {
            index.pods.entry(key(&pod.metadata)).or_insert(i);
        }
        let metas = objects
            .services
            .iter()
            .map(|o| &o.metadata)
            .chain(objects.endpoint_slices.iter().map(|o| &o.metadata))
            .chain(objects.pods.iter().map(|o| &o.metadata))
            .chain(objects.config_maps.iter().map(|o| &o.metadata));
        index.namespaces = metas.map(|m| ns_name(m).0.to_string()).collect();
        for (i, slice) in objects.endpoint_slices.iter().enumerate() {
            let owner = slice
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(SERVICE_NAME_LABEL));
            if let Some(owner) = owner {
                let namespace = ns_name(&slice.metadata).0.to_string();
                index
                    .slices
                    .entry((namespace, owner.clone()))
                    .or_default()
                    .push(i);
            }
        }
        index
    }
}

/// The namespace and name of an object, for look-ups and evidence.
pub fn ns_name(meta: &ObjectMeta) -> (&str, &str) {
    (
        meta.namespace.as_deref().unwrap_or("default"),
        meta.name.as_deref().unwrap_or(""),
    )
}

/// An address of one endpoint, with the per-pod hostname it is published under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointAddress {
    pub ip: IpAddr,
    pub hostname: Option<String>,
    pub ready: bool,
    /// The EndpointSlice it came from, for evidence.
    pub slice: String,
    pub index: usize,
}

impl Objects {
    /// The Service `namespace/name`, if present.
    pub fn service(&self, namespace: &str, name: &str) -> Option<&Service> {
        let index = self.index();
        index
            .services
            .get(&(namespace.to_string(), name.to_string()))
            .map(|i| &self.services[*i])
    }

    fn index(&self) -> &ObjectIndex {
        self.index.get_or_init(|| ObjectIndex::build(self))
    }

    /// The pod `namespace/name`, if present.
    pub fn pod(&self, namespace: &str, name: &str) -> Option<&DnsPod> {
        self.index()
            .pods
            .get(&(namespace.to_string(), name.to_string()))
            .map(|i| &self.pods[*i])
    }

    /// The EndpointSlices of Service `namespace/name`.
    pub fn slices_of(&self, namespace: &str, name: &str) -> impl Iterator<Item = &EndpointSlice> {
        self.index()
            .slices
            .get(&(namespace.to_string(), name.to_string()))
            .into_iter()
            .flatten()
            .map(|i| &self.endpoint_slices[*i])
    }

    /// Every endpoint address of Service `namespace/name`, across its EndpointSlices.
    pub fn endpoints(&self, namespace: &str, name: &str) -> Vec<EndpointAddress> {
        let mut out = Vec::new();
        for slice in self.slices_of(namespace, name) {
            let slice_name = ns_name(&slice.metadata).1;
            for (index, endpoint) in slice.endpoints.iter().enumerate() {
                // The API treats a missing `ready` condition as ready.
                let ready = endpoint
                    .conditions
                    .as_ref()
                    .and_then(|c| c.ready)
                    .unwrap_or(true);
                for address in &endpoint.addresses {
                    if let Ok(ip) = address.parse() {
                        out.push(EndpointAddress {
                            ip,
                            hostname: endpoint.hostname.clone(),
                            ready,
                            slice: slice_name.to_string(),
                            index,
                        });
                    }
                }
            }
        }
        out
    }

    /// True when some object lives in `namespace`. meshdig reads no Namespace objects, so this is
    /// what it knows of a namespace's existence.
    pub fn has_namespace(&self, namespace: &str) -> bool {
        self.index().namespaces.contains(namespace)
    }

    /// The options of CoreDNS's kubernetes plugin, from the Corefile.
    pub fn kubernetes_options(&self) -> &KubernetesOptions {
        &self.index().kubernetes
    }

    /// The Corefile of the cluster DNS, from the `coredns` ConfigMap in kube-system.
    pub fn corefile(&self) -> Option<&str> {
        self.config_maps
            .iter()
            .find(|c| ns_name(&c.metadata) == ("kube-system", "coredns"))
            .and_then(|c| c.data.as_ref())
            .and_then(|d| d.get("Corefile"))
            .map(String::as_str)
    }
}

/// What the Corefile says about the answers of the kubernetes plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorednsSettings {
    /// The `ttl` of the kubernetes plugin (CoreDNS's default is 5).
    pub kubernetes_ttl: u32,
    /// The `cache` plugin's TTL cap, when a cache sits in front of the cluster zone.
    pub cache_ttl: Option<u32>,
}

impl CorednsSettings {
    /// Reads the settings from a Corefile for cluster domain `domain`; absent directives take
    /// CoreDNS's defaults. Only the server block that runs the kubernetes plugin counts, and a `cache`
    /// whose block disables success caching for the domain does not sit in front of it.
    pub fn from_corefile(corefile: Option<&str>, domain: &str) -> Self {
        let mut settings = Self {
            kubernetes_ttl: KubernetesOptions::from_corefile(corefile).ttl,
            cache_ttl: None,
        };
        let Some(server) = corefile.and_then(kubernetes_server_block) else {
            return settings;
        };
        let domain = domain.trim_end_matches('.');
        let mut block = Block::None;
        for line in server.lines.iter().map(|l| l.trim()) {
            let words: Vec<&str> = line.split_whitespace().collect();
            match (block, words.as_slice()) {
                (_, ["}", ..]) => block = Block::None,
                (Block::None, ["cache", rest @ ..]) => {
                    let ttl = rest
                        .first()
                        .and_then(|w| w.trim_end_matches('{').parse().ok());
                    settings.cache_ttl = Some(ttl.unwrap_or(3600));
                    if line.ends_with('{') {
                        block = Block::Cache;
                    }
                }
                (Block::None, [_, ..]) if line.ends_with('{') => block = Block::Other,
                (Block::Cache, ["disable", "success", zones @ ..])
                    if zones.iter().any(|z| z.trim_end_matches('.') == domain) =>
                {
                    settings.cache_ttl = None;
                }
                _ => {}
            }
        }
        settings
    }
}

/// The `pods` option of CoreDNS's kubernetes plugin: whether `<a-b-c-d>.<ns>.pod.<zone>` names
/// are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodsMode {
    /// No pod records (CoreDNS's default).
    Disabled,
    /// Any well-formed address is answered, whether or not a pod has it.
    Insecure,
    /// Only an address a pod in that namespace has.
    Verified,
}

/// The options of CoreDNS's kubernetes plugin that change its answers, as CoreDNS reads them
/// (coredns plugin/kubernetes/setup.go `ParseStanza`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubernetesOptions {
    /// Whether a Corefile running the kubernetes plugin was read. Without one, the fields below
    /// hold CoreDNS's defaults, except `pods`, which is then unknown.
    pub read: bool,
    /// The zones the plugin serves, lower case with a trailing dot: the `kubernetes` line's
    /// arguments, else the server block's keys.
    pub zones: Vec<String>,
    /// `pods`; `None` when no Corefile was read.
    pub pods: Option<PodsMode>,
    /// `endpoint_pod_names`: an endpoint without hostname is named after its pod.
    pub endpoint_pod_names: bool,
    /// `ignore empty_service`: a ClusterIP Service without ready endpoints is NXDOMAIN.
    pub ignore_empty_service: bool,
    /// `noendpoints`: EndpointSlices are not watched.
    pub noendpoints: bool,
    /// `namespaces`: the only namespaces served (empty: all).
    pub namespaces: Vec<String>,
    /// `fallthrough`: the zones whose unknown names go to the next plugin (empty: every zone);
    /// `None` when the option is absent.
    pub fallthrough: Option<Vec<String>>,
    /// `ttl` (CoreDNS's default is 5).
    pub ttl: u32,
}

impl Default for KubernetesOptions {
    fn default() -> Self {
        Self {
            read: false,
            zones: Vec::new(),
            pods: None,
            endpoint_pod_names: false,
            ignore_empty_service: false,
            noendpoints: false,
            namespaces: Vec::new(),
            fallthrough: None,
            ttl: 5,
        }
    }
}

impl KubernetesOptions {
    /// Reads the kubernetes plugin's options from the first server block that runs it.
    pub fn from_corefile(corefile: Option<&str>) -> Self {
        let mut options = Self::default();
        let Some(server) = corefile.and_then(kubernetes_server_block) else {
            return options;
        };
        options.read = true;
        options.pods = Some(PodsMode::Disabled);
        let mut inside = false;
        for line in server.lines.iter().map(|l| l.trim()) {
            let words: Vec<&str> = line
                .split_whitespace()
                .take_while(|w| !w.starts_with('#'))
                .collect();
            match (inside, words.as_slice()) {
                (false, ["kubernetes", zones @ ..]) => {
                    let zones: Vec<&str> = zones.iter().copied().filter(|z| *z != "{").collect();
                    let zones = if zones.is_empty() {
                        &server.keys
                    } else {
                        &zones
                    };
                    options.zones = zones.iter().map(|z| zone_name(z)).collect();
                    inside = line.ends_with('{');
                }
                (true, ["}", ..]) => inside = false,
                (true, option) => options.set(option),
                _ => {}
            }
        }
        options
    }

    /// Applies one option line of the kubernetes block; malformed values keep the default.
    fn set(&mut self, option: &[&str]) {
        match option {
            ["pods", "disabled"] => self.pods = Some(PodsMode::Disabled),
            ["pods", "insecure"] => self.pods = Some(PodsMode::Insecure),
            ["pods", "verified"] => self.pods = Some(PodsMode::Verified),
            ["endpoint_pod_names"] => self.endpoint_pod_names = true,
            ["ignore", "empty_service"] => self.ignore_empty_service = true,
            ["noendpoints"] => self.noendpoints = true,
            ["namespaces", names @ ..] => {
                self.namespaces.extend(names.iter().map(|n| n.to_string()));
            }
            ["fallthrough", zones @ ..] => {
                self.fallthrough = Some(zones.iter().map(|z| zone_name(z)).collect());
            }
            ["ttl", ttl, ..] => {
                if let Some(ttl) = ttl.parse().ok().filter(|t| *t <= 3600) {
                    self.ttl = ttl;
                }
            }
            _ => {}
        }
    }
}

/// A zone as CoreDNS normalizes it: lower case, trailing dot, no `dns://` scheme or port.
fn zone_name(zone: &str) -> String {
    let zone = zone.strip_prefix("dns://").unwrap_or(zone);
    let zone = zone.rsplit_once(':').map_or(zone, |(host, _)| host);
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    format!("{zone}.")
}

/// One top-level server block of a Corefile: its keys and the lines inside its braces.
struct ServerBlock<'a> {
    keys: Vec<&'a str>,
    lines: Vec<&'a str>,
}

/// The first top-level server block that runs the kubernetes plugin.
fn kubernetes_server_block(corefile: &str) -> Option<ServerBlock<'_>> {
    let mut depth = 0usize;
    let mut keys = Vec::new();
    let mut current = Vec::new();
    for line in corefile.lines() {
        let code = line.split('#').next().unwrap_or("");
        let opens = code.matches('{').count();
        let closes = code.matches('}').count();
        if depth > 0 {
            current.push(line);
        } else if opens > 0 {
            keys = code
                .split(|c: char| c == '{' || c == ',' || c.is_whitespace())
                .filter(|k| !k.is_empty())
                .collect();
        }
        depth = (depth + opens).saturating_sub(closes);
        if depth == 0 && !current.is_empty() {
            if current
                .iter()
                .any(|l| l.trim_start().starts_with("kubernetes"))
            {
                return Some(ServerBlock {
                    keys,
                    lines: current,
                });
            }
            current.clear();
        }
    }
    None
}

/// The plugin block a line sits in, as far as the cache parser cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    None,
    Cache,
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kubeadm_corefile() {
        let corefile = "\
.:53 {
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    forward . /etc/resolv.conf
    cache 30
}";
        assert_eq!(
            CorednsSettings::from_corefile(Some(corefile), "cluster.local"),
            CorednsSettings {
                kubernetes_ttl: 30,
                cache_ttl: Some(30)
            }
        );
        assert_eq!(
            CorednsSettings::from_corefile(None, "cluster.local").kubernetes_ttl,
            5
        );
        let kubeadm_132 = ".:53 {\n kubernetes cluster.local {\n  ttl 30\n }\n cache 30 {\n  disable success cluster.local\n  disable denial cluster.local\n }\n}";
        assert_eq!(
            CorednsSettings::from_corefile(Some(kubeadm_132), "cluster.local"),
            CorednsSettings {
                kubernetes_ttl: 30,
                cache_ttl: None
            }
        );
        let stub = ".:53 {\n kubernetes cluster.local\n forward . /etc/resolv.conf\n}\nconsul:53 {\n cache 30\n forward . 10.0.0.9\n}";
        assert_eq!(
            CorednsSettings::from_corefile(Some(stub), "cluster.local").cache_ttl,
            None
        );
    }

    #[test]
    fn reads_the_kubernetes_plugin_options() {
        let kubeadm = ".:53 {\n errors\n kubernetes cluster.local in-addr.arpa ip6.arpa {\n  pods insecure\n  fallthrough in-addr.arpa ip6.arpa\n  ttl 30\n }\n forward . /etc/resolv.conf {\n  max_concurrent 1000\n }\n cache 30\n}";
        let options = KubernetesOptions::from_corefile(Some(kubeadm));
        assert!(options.read);
        assert_eq!(
            options.zones,
            ["cluster.local.", "in-addr.arpa.", "ip6.arpa."]
        );
        assert_eq!(options.pods, Some(PodsMode::Insecure));
        assert_eq!(
            options.fallthrough,
            Some(vec!["in-addr.arpa.".to_string(), "ip6.arpa.".to_string()])
        );
        assert_eq!(options.ttl, 30);
        assert_eq!(
            CorednsSettings::from_corefile(Some(kubeadm), "cluster.local").cache_ttl,
            Some(30)
        );

        let custom = "cluster.local:53 {\n kubernetes {\n  pods verified # comment\n  endpoint_pod_names\n  ignore empty_service\n  noendpoints\n  namespaces a b\n  fallthrough\n  ttl 7200\n }\n}";
        let options = KubernetesOptions::from_corefile(Some(custom));
        assert_eq!(options.zones, ["cluster.local."]);
        assert_eq!(options.pods, Some(PodsMode::Verified));
        assert!(options.endpoint_pod_names && options.ignore_empty_service && options.noendpoints);
        assert_eq!(options.namespaces, ["a", "b"]);
        assert_eq!(options.fallthrough, Some(Vec::new()));
        assert_eq!(options.ttl, 5, "a ttl above 3600 is refused");

        let bare = ".:53 {\n kubernetes cluster.local\n}";
        let options = KubernetesOptions::from_corefile(Some(bare));
        assert_eq!(options.pods, Some(PodsMode::Disabled), "CoreDNS's default");
        assert_eq!(options.fallthrough, None);
        assert_eq!(KubernetesOptions::from_corefile(None).pods, None);
    }
}
