//! The asking workload: which pod `--from` names, its DNS search path and its mesh proxy.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use crate::emulate::istio::IpFamilies;
use crate::error::{Error, Result};
use crate::objects::{Objects, ns_name};
use crate::query::QueryName;
use crate::snapshot::{ProxyInfo, ProxyKind};

/// The default `ndots` of pods with a cluster DNS policy.
const CLUSTER_NDOTS: usize = 5;

/// A pod that asks the question, with what decides how its queries are answered.
#[derive(Debug, Clone)]
pub struct Workload {
    pub namespace: String,
    pub pod: String,
    pub labels: BTreeMap<String, String>,
    /// The search domains of the pod's resolv.conf, in order.
    pub search: Vec<String>,
    pub ndots: usize,
    /// The mesh proxy beside the pod, if any.
    pub proxy: Option<ProxyInfo>,
    /// The IP families of the pod's own addresses (`status.podIPs`).
    pub families: IpFamilies,
}

impl Workload {
    /// True when an Istio sidecar captures the pod's DNS queries.
    pub fn captures_dns(&self) -> bool {
        self.proxy
            .as_ref()
            .is_some_and(|p| p.kind == ProxyKind::Sidecar && p.dns_capture)
    }

    /// True when the pod has an Istio sidecar, capturing DNS or not.
    pub fn has_sidecar(&self) -> bool {
        self.proxy
            .as_ref()
            .is_some_and(|p| p.kind == ProxyKind::Sidecar)
    }

    /// The proxy ID istiod knows the pod's proxy by.
    pub fn proxy_id(&self) -> String {
        format!("{}.{}", self.pod, self.namespace)
    }
}

/// Finds the pod `spec` names (`pod/NAME`, `deploy/NAME`, or a bare pod name) in `namespace`.
pub fn resolve<'a>(objects: &'a Objects, namespace: &str, spec: &str) -> Result<&'a Pod> {
    let in_ns = || {
        objects
            .pods
            .iter()
            .filter(move |p| ns_name(&p.metadata).0 == namespace)
    };
    let (kind, name) = spec.split_once('/').unwrap_or(("pod", spec));
    let found = match kind {
        "pod" | "pods" | "po" => in_ns().find(|p| ns_name(&p.metadata).1 == name),
        "deploy" | "deployment" | "deployments" => in_ns().find(|p| owned_by_deployment(p, name)),
        other => {
            return Err(Error::UnknownWorkload(format!(
                "unsupported workload kind '{other}' in --from {spec}; use pod/NAME, deploy/NAME or a pod name"
            )));
        }
    };
    found.ok_or_else(|| {
        let known: Vec<&str> = in_ns().map(|p| ns_name(&p.metadata).1).collect();
        Error::UnknownWorkload(format!(
            "no {kind} '{name}' in namespace '{namespace}'{}; check --from and -n",
            if known.is_empty() {
                String::new()
            } else {
                format!(" (pods there: {})", known.join(", "))
            }
        ))
    })
}

/// True when the pod belongs to a ReplicaSet of Deployment `name` (`<name>-<hash>`).
fn owned_by_deployment(pod: &Pod, name: &str) -> bool {
    pod.metadata.owner_references.iter().flatten().any(|o| {
        o.kind == "ReplicaSet"
            && o.name
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|hash| !hash.is_empty() && !hash.contains('-'))
    })
}

/// Builds the workload for `pod`, deriving its search path like the kubelet does.
pub fn from_pod(pod: &Pod, domain: &str, proxy: Option<&ProxyInfo>) -> Workload {
    let (namespace, name) = ns_name(&pod.metadata);
    let spec = pod.spec.as_ref();
    let host_network = spec.and_then(|s| s.host_network).unwrap_or(false);
    let policy = spec
        .and_then(|s| s.dns_policy.as_deref())
        .unwrap_or("ClusterFirst");
    let cluster_dns = match policy {
        "ClusterFirstWithHostNet" => true,
        "ClusterFirst" => !host_network,
        _ => false,
    };
    let mut search = if cluster_dns {
        vec![
            format!("{namespace}.svc.{domain}"),
            format!("svc.{domain}"),
            domain.to_string(),
        ]
    } else {
        Vec::new()
    };
    let config = spec.and_then(|s| s.dns_config.as_ref());
    for extra in config
        .and_then(|c| c.searches.as_ref())
        .into_iter()
        .flatten()
    {
        if !search.contains(extra) {
            search.push(extra.clone());
        }
    }
    let ndots = config
        .and_then(|c| c.options.as_ref())
        .and_then(|opts| opts.iter().find(|o| o.name.as_deref() == Some("ndots")))
        .and_then(|o| o.value.as_deref())
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cluster_dns { CLUSTER_NDOTS } else { 1 });
    let pod_ips: Vec<std::net::IpAddr> = pod
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
        search,
        ndots,
        proxy: proxy.cloned(),
    }
}

/// The fully-qualified name a pod's resolver asks first for `name`, with how it was derived.
///
/// A relative name with fewer dots than `ndots` is first tried with the first search domain, as
/// glibc and musl both do; otherwise it is first tried as it is.
pub fn first_candidate(
    name: &QueryName,
    search: &[String],
    ndots: usize,
) -> (String, Option<String>) {
    if name.is_absolute() {
        return (name.fqdn(), None);
    }
    match search.first() {
        Some(first) if name.dots() < ndots => (
            format!("{}.{}.", name.ascii(), first.trim_end_matches('.')),
            Some(format!(
                "first search candidate: '{}' has {} dot(s), fewer than ndots:{ndots}, so the resolver appends '{first}' first",
                name.ascii(),
                name.dots()
            )),
        ),
        _ => (
            name.fqdn(),
            Some(format!(
                "asked as-is: '{}' has at least ndots:{ndots} dot(s) or there is no search domain",
                name.ascii()
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_relative_names_like_a_resolver() {
        let search = vec!["bookinfo.svc.cluster.local".to_string()];
        let q = |s: &str| QueryName::parse(s).unwrap();
        assert_eq!(
            first_candidate(&q("reviews"), &search, 5).0,
            "reviews.bookinfo.svc.cluster.local."
        );
        assert_eq!(first_candidate(&q("reviews."), &search, 5).0, "reviews.");
        assert_eq!(first_candidate(&q("a.b.c"), &search, 2).0, "a.b.c.");
        assert_eq!(first_candidate(&q("reviews"), &[], 5).0, "reviews.");
    }

    #[test]
    fn derives_cluster_first_search_path() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [], "dnsConfig": {"searches": ["corp.example"], "options": [{"name": "ndots", "value": "2"}]}}
        }))
        .unwrap();
        let w = from_pod(&pod, "cluster.local", None);
        assert_eq!(
            w.search,
            [
                "shop.svc.cluster.local",
                "svc.cluster.local",
                "cluster.local",
                "corp.example"
            ]
        );
        assert_eq!(w.ndots, 2);
    }
}
