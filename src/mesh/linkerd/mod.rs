//! Linkerd: a `linkerd-proxy` sidecar beside each meshed pod, which proxies TCP only. Its
//! `linkerd-init` (or the CNI plugin) redirects TCP traffic to the proxy and leaves UDP alone, so the
//! app's DNS queries reach kube-dns unchanged and kube-dns's answer is the app's answer (linkerd2
//! `proxy-init` iptables rules; linkerd/linkerd2#5183). What the proxy does with the address the
//! app resolved is Linkerd's Destination API, not DNS.

use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use super::{CapturePlan, ControlPlanePods, Mesh};
use crate::snapshot::{MeshInfo, ProxyInfo};
use crate::workload::DnsPath;

/// Linkerd.
pub struct Linkerd;

/// The mesh's name.
pub const NAME: &str = "linkerd";

/// The proxy container the injector adds.
const PROXY_CONTAINER: &str = "linkerd-proxy";

/// Linkerd's control plane; meshdig reads its pods for the mesh's version and no table.
static PLAN: CapturePlan = CapturePlan {
    control_plane: Some(ControlPlanePods {
        name: "linkerd-destination",
        namespace: "linkerd",
        selector: "linkerd.io/control-plane-component=destination",
        debug_port: 9996,
        url_flag: "--control-plane",
        per_node: false,
    }),
    dns_proxy_port: None,
    objects: &[],
};

impl Mesh for Linkerd {
    fn name(&self) -> &'static str {
        NAME
    }

    fn family(&self) -> &'static str {
        "linkerd"
    }

    fn proxy_kind(&self) -> &'static str {
        "sidecar"
    }

    fn detect(&self, pod: &Pod) -> Option<Value> {
        let spec = pod.spec.as_ref()?;
        let injected = spec
            .containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
            .any(|c| c.name == PROXY_CONTAINER);
        injected.then(|| {
            json!({
                "namespace": pod.metadata.namespace.clone().unwrap_or_default(),
                "pod": pod.metadata.name.clone().unwrap_or_default(),
                "kind": "sidecar",
            })
        })
    }

    fn dns_path(&self, _mesh: &MeshInfo, _proxy: &ProxyInfo) -> DnsPath {
        DnsPath::NoDnsProxy {
            mesh: NAME,
            why: "no DNS proxy in this mesh: Linkerd's proxy redirects TCP only, so the app's DNS queries go to kube-dns",
        }
    }

    fn describe(&self, _proxy: &ProxyInfo) -> String {
        "linkerd proxy: no DNS proxy in this mesh (the app asks kube-dns)".to_string()
    }

    fn capture_plan(&self) -> &'static CapturePlan {
        &PLAN
    }

    fn settings(&self, control_plane: &[Pod]) -> Value {
        let version = control_plane
            .iter()
            .flat_map(|p| p.spec.iter().flat_map(|s| &s.containers))
            .find(|c| c.name == "destination")
            .and_then(|c| c.image.as_deref())
            .and_then(|image| image.rsplit_once(':'))
            .map(|(_, tag)| tag.to_string());
        json!({ "kind": "linkerd", "version": version })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(containers: Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "web", "namespace": "shop"},
            "spec": {"containers": containers}}))
        .unwrap()
    }

    #[test]
    fn claims_pods_with_the_linkerd_proxy_and_leaves_their_dns_to_kube_dns() {
        let meshed = pod(json!([{"name": "web"}, {"name": "linkerd-proxy"}]));
        let entry = Linkerd.detect(&meshed).unwrap();
        assert_eq!(entry["kind"], "sidecar");
        assert_eq!(Linkerd.detect(&pod(json!([{"name": "web"}]))), None);
        let proxy: ProxyInfo = serde_json::from_value(entry).unwrap();
        assert!(matches!(
            Linkerd.dns_path(&MeshInfo::default(), &proxy),
            DnsPath::NoDnsProxy { mesh: NAME, .. }
        ));
    }

    #[test]
    fn the_mesh_version_is_the_destination_image_tag() {
        let destination: Pod = serde_json::from_value(json!({"metadata": {"name": "d"},
            "spec": {"containers": [{"name": "destination", "image": "cr.l5d.io/linkerd/controller:edge-25.11.1"}]}}))
        .unwrap();
        assert_eq!(Linkerd.settings(&[destination])["version"], "edge-25.11.1");
    }
}
