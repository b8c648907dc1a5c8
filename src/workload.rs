//! The asking workload: which pod `--from` names, its DNS search path and its mesh proxy.

use std::collections::BTreeMap;
use std::net::IpAddr;

use k8s_openapi::api::core::v1::Pod;

use crate::error::{Error, Result};
use crate::objects::{DnsPod, Objects, ns_name};
use crate::query::QueryName;
use crate::search::{self, Libc, ResolvConf, SearchLimits};
use crate::snapshot::{ProxyInfo, Snapshot};

/// A pod that asks the question, with what decides how its queries are answered.
#[derive(Debug, Clone)]
pub struct Workload {
    pub namespace: String,
    pub pod: String,
    pub labels: BTreeMap<String, String>,
    /// The pod's resolv.conf, as the kubelet writes it.
    pub resolv_conf: ResolvConf,
    /// The mesh proxy beside the pod, if any.
    pub proxy: Option<ProxyInfo>,
    /// What the pod's mesh does with its DNS queries.
    pub dns: DnsPath,
    /// The IP families of the pod's own addresses (`status.podIPs`).
    pub families: IpFamilies,
}

impl Workload {
    /// True when a mesh DNS proxy captures the pod's DNS queries.
    pub fn captures_dns(&self) -> bool {
        matches!(self.dns, DnsPath::Captured { .. })
    }

    /// The mesh whose DNS proxy runs beside the pod, capturing its queries or not.
    pub fn dns_proxy(&self) -> Option<&'static str> {
        match self.dns {
            DnsPath::Captured { mesh } | DnsPath::NotCaptured { mesh, .. } => Some(mesh),
            DnsPath::NoMesh | DnsPath::NoDnsProxy { .. } => None,
        }
    }

    /// The proxy ID istiod knows the pod's proxy by.
    pub fn proxy_id(&self) -> String {
        format!("{}.{}", self.pod, self.namespace)
    }

    /// The pod's first search domain, which the Istio agent pre-stores CNAMEs for.
    pub fn first_search(&self) -> Option<&str> {
        self.resolv_conf.search.first().map(String::as_str)
    }
}

/// What happens to a pod's DNS queries before they reach kube-dns. No mesh, and a mesh without a
/// DNS proxy, are outcomes of their own: each says why the app asks kube-dns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsPath {
    /// No mesh proxy runs beside the pod: its queries go to kube-dns.
    NoMesh,
    /// The pod is in `mesh`, which does not proxy its DNS (or whose DNS proxy meshdig does not ask
    /// yet); `why` says which.
    NoDnsProxy {
        mesh: &'static str,
        why: &'static str,
    },
    /// `mesh`'s DNS proxy runs beside the pod but does not capture its queries; `why` names the
    /// setting.
    NotCaptured {
        mesh: &'static str,
        why: &'static str,
    },
    /// `mesh`'s DNS proxy captures the pod's queries and answers from its name table.
    Captured { mesh: &'static str },
}

/// What the kubelet writes into pods' resolv.conf besides the pod's own settings.
#[derive(Debug, Clone)]
pub struct KubeletDns {
    /// The cluster domain (`--cluster-domain`).
    pub domain: String,
    /// The cluster DNS servers (`--cluster-dns`).
    pub cluster_dns: Vec<IpAddr>,
    /// The node's resolv.conf (`--resolv-conf`).
    pub node: ResolvConf,
}

impl KubeletDns {
    /// What the kubelet puts into pods' resolv.conf in the cluster `snapshot` records.
    pub fn of_snapshot(snapshot: &Snapshot) -> Self {
        let mut cluster_dns = snapshot.cluster.cluster_dns.clone();
        if cluster_dns.is_empty() {
            cluster_dns = snapshot
                .objects
                .service("kube-system", "kube-dns")
                .map(crate::emulate::kube_dns::cluster_ips)
                .unwrap_or_default();
        }
        if cluster_dns.is_empty() {
            // Unknown but present: only whether there is one changes the pods' search paths.
            cluster_dns.push(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        }
        Self {
            domain: snapshot.cluster.domain.trim_end_matches('.').to_string(),
            cluster_dns,
            node: snapshot
                .cluster
                .node_resolv_conf
                .as_deref()
                .map(ResolvConf::parse)
                .unwrap_or_default(),
        }
    }

    /// The resolv.conf of a `ClusterFirst` pod in `namespace`, for questions asked without `--from`.
    pub fn namespace_resolv_conf(&self, namespace: &str) -> ResolvConf {
        let pod: Pod = Pod {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                namespace: Some(namespace.to_string()),
                ..Default::default()
            },
            ..Default::default()
        };
        self.pod_resolv_conf(&pod)
    }

    fn pod_resolv_conf(&self, pod: &Pod) -> ResolvConf {
        search::pod_resolv_conf(
            pod,
            &self.cluster_dns,
            &self.domain,
            &self.node,
            SearchLimits::Expanded,
        )
        .0
    }
}

/// The kinds of workload `--from` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    Pod,
    Deployment,
}

impl WorkloadKind {
    /// The word messages use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pod => "pod",
            Self::Deployment => "deployment",
        }
    }
}

/// The kind and name of a workload as `--from` (or a check file's `from`) gives it: `pod/NAME`,
/// `deploy/NAME` or a bare pod name; the error says what is wrong with it.
pub fn parse_spec(spec: &str) -> std::result::Result<(WorkloadKind, &str), String> {
    let (kind, name) = spec.split_once('/').unwrap_or(("pod", spec));
    let kind = match kind {
        "pod" | "pods" | "po" => WorkloadKind::Pod,
        "deploy" | "deployment" | "deployments" => WorkloadKind::Deployment,
        other => {
            return Err(format!(
                "unsupported workload kind '{}' in '{}'; use pod/NAME, deploy/NAME or a pod name",
                crate::error::quoted(other),
                crate::error::quoted(spec)
            ));
        }
    };
    if name.is_empty() {
        return Err(format!(
            "'{}' names no workload; use pod/NAME, deploy/NAME or a pod name",
            crate::error::quoted(spec)
        ));
    }
    Ok((kind, name))
}

/// Finds the pod `spec` names (`pod/NAME`, `deploy/NAME`, or a bare pod name) in `namespace`.
pub fn resolve<'a>(objects: &'a Objects, namespace: &str, spec: &str) -> Result<&'a DnsPod> {
    let in_ns = || {
        objects
            .pods
            .iter()
            .filter(move |p| ns_name(&p.metadata).0 == namespace)
    };
    let (kind, name) = parse_spec(spec).map_err(Error::UnknownWorkload)?;
    let found = match kind {
        WorkloadKind::Pod => objects.pod(namespace, name),
        WorkloadKind::Deployment => in_ns().find(|p| owned_by_deployment(p, name)),
    };
    found.ok_or_else(|| {
        let known: Vec<&str> = in_ns().map(|p| ns_name(&p.metadata).1).collect();
        Error::UnknownWorkload(format!(
            "no {} '{}' in namespace '{}'{}",
            kind.as_str(),
            crate::error::quoted(name),
            crate::error::quoted(namespace),
            if known.is_empty() {
                String::new()
            } else {
                format!(" (pods there: {})", some_of(&known))
            }
        ))
    })
}

/// Up to 8 of `names`, and how many more there are.
fn some_of(names: &[&str]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(8)
        .map(|n| crate::error::quoted(n))
        .collect();
    match names.len().saturating_sub(shown.len()) {
        0 => shown.join(", "),
        more => format!("{}, and {more} more", shown.join(", ")),
    }
}

/// True when the pod belongs to a ReplicaSet of Deployment `name` (`<name>-<hash>`).
fn owned_by_deployment(pod: &DnsPod, name: &str) -> bool {
    pod.metadata.owner_references.iter().flatten().any(|o| {
        o.kind == "ReplicaSet"
            && o.name
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|hash| !hash.is_empty() && !hash.contains('-'))
    })
}

/// Builds the workload for `pod`, deriving its resolv.conf like the kubelet does.
pub fn from_pod(
    pod: &Pod,
    kubelet: &KubeletDns,
    proxy: Option<&ProxyInfo>,
    dns: DnsPath,
) -> Workload {
    let (namespace, name) = ns_name(&pod.metadata);
    let pod_ips: Vec<IpAddr> = pod
        .status
        .iter()
        .flat_map(|s| {
            s.pod_ips
                .iter()
                .flatten()
                .map(|p| p.ip.as_str())
                .chain(s.pod_ip.as_deref())
        })
        .filter_map(|ip| ip.parse().ok())
        .collect();
    Workload {
        families: IpFamilies::of(&pod_ips),
        namespace: namespace.to_string(),
        pod: name.to_string(),
        labels: pod.metadata.labels.clone().unwrap_or_default(),
        resolv_conf: kubelet.pod_resolv_conf(pod),
        proxy: proxy.cloned(),
        dns,
    }
}

/// The fully-qualified name `libc`'s resolver asks first for `name`, with how it was derived.
pub fn first_candidate(
    name: &QueryName,
    conf: &ResolvConf,
    libc: Libc,
) -> (String, Option<String>) {
    if name.is_absolute() {
        return (name.fqdn(), None);
    }
    let first = search::candidates(name, conf, libc)
        .into_iter()
        .next()
        .unwrap_or_else(|| name.fqdn());
    let ndots = conf.ndots;
    let derivation = if first == name.fqdn() {
        format!(
            "asked as-is first: '{}' has at least ndots:{ndots} dot(s) or there is no search domain",
            name.ascii()
        )
    } else {
        format!(
            "first search candidate: '{}' has {} dot(s), fewer than ndots:{ndots}, so the resolver appends '{}' first",
            name.ascii(),
            name.dots(),
            conf.search.first().map(String::as_str).unwrap_or_default()
        )
    };
    (first, Some(derivation))
}

/// Namespaces a question can resolve through: `<..>.<ns>.svc.<domain>`, and `<short>.<ns>` after the
/// first search domain is stripped (the mesh's search-domain shortcut). The namespace node
/// `<ns>.svc.<domain>` itself names none: it holds no Service.
pub fn namespaces_named(fqdn: &str, first_search: Option<&str>, domain: &str) -> Vec<String> {
    let bare = fqdn.trim_end_matches('.');
    let mut found = Vec::new();
    let svc_suffix = format!(".svc.{}", domain.trim_end_matches('.'));
    let mut consider = |name: &str| {
        if let Some(head) = name.strip_suffix(&svc_suffix) {
            // `<ns>.svc.<domain>` alone is the namespace's own node, which no Service defines.
            if let Some((_, ns)) = head.rsplit_once('.').filter(|(_, ns)| !ns.is_empty()) {
                found.push(ns.to_string());
            }
        } else if let [_, ns] | [_, ns, "svc"] = name.split('.').collect::<Vec<_>>().as_slice() {
            found.push((*ns).to_string());
        }
    };
    consider(bare);
    if let Some(base) =
        first_search.and_then(|s| bare.strip_suffix(&format!(".{}", s.trim_end_matches('.'))))
    {
        consider(base);
    }
    found
}

/// Which IP families a pod has addresses in; both when unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpFamilies {
    pub v4: bool,
    pub v6: bool,
}

impl Default for IpFamilies {
    fn default() -> Self {
        Self { v4: true, v6: true }
    }
}

impl IpFamilies {
    /// The families of `ips`; both when `ips` is empty (not known).
    pub fn of(ips: &[IpAddr]) -> Self {
        if ips.is_empty() {
            return Self::default();
        }
        Self {
            v4: ips.iter().any(IpAddr::is_ipv4),
            v6: ips.iter().any(IpAddr::is_ipv6),
        }
    }

    /// The addresses of `ips` in these families.
    pub fn keep(self, ips: Vec<IpAddr>) -> Vec<IpAddr> {
        ips.into_iter()
            .filter(|ip| if ip.is_ipv4() { self.v4 } else { self.v6 })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubelet() -> KubeletDns {
        KubeletDns {
            domain: "cluster.local".to_string(),
            cluster_dns: vec!["10.96.0.10".parse().unwrap()],
            node: ResolvConf::default(),
        }
    }

    fn first_candidate_glibc(name: &QueryName, conf: &ResolvConf) -> (String, Option<String>) {
        first_candidate(name, conf, Libc::Glibc)
    }

    #[test]
    fn finds_the_namespaces_a_name_can_resolve_through() {
        let search = Some("bookinfo.svc.cluster.local");
        let ns = |fqdn| namespaces_named(fqdn, search, "cluster.local");
        assert_eq!(ns("reviews.bookinfo.svc.cluster.local."), ["bookinfo"]);
        assert_eq!(
            ns("kubernetes.default.bookinfo.svc.cluster.local."),
            ["bookinfo", "default"]
        );
        assert_eq!(ns("_http._tcp.ratings.shop.svc.cluster.local."), ["shop"]);
        assert!(ns("api.example.com.").is_empty());
        assert!(ns("reviews.svc.cluster.local.").is_empty());
    }

    #[test]
    fn expands_relative_names_like_a_resolver() {
        let conf = kubelet().namespace_resolv_conf("bookinfo");
        let q = |s: &str| QueryName::parse(s).unwrap();
        assert_eq!(
            first_candidate_glibc(&q("reviews"), &conf).0,
            "reviews.bookinfo.svc.cluster.local."
        );
        assert_eq!(first_candidate_glibc(&q("reviews."), &conf).0, "reviews.");
        assert_eq!(
            first_candidate_glibc(&q("a.b.c.d.e.f"), &conf).0,
            "a.b.c.d.e.f."
        );
        assert_eq!(
            first_candidate_glibc(&q("reviews"), &ResolvConf::default()).0,
            "reviews."
        );
    }

    #[test]
    fn derives_cluster_first_search_path() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [], "dnsConfig": {"searches": ["corp.example"], "options": [{"name": "ndots", "value": "2"}]}}
        }))
        .unwrap();
        let w = from_pod(&pod, &kubelet(), None, DnsPath::NoMesh);
        assert_eq!(
            w.resolv_conf.search,
            [
                "shop.svc.cluster.local",
                "svc.cluster.local",
                "cluster.local",
                "corp.example"
            ]
        );
        assert_eq!(w.resolv_conf.ndots, 2);
    }
}
