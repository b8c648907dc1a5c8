//! Istio's ambient mode: istio-cni redirects the pod's traffic to ztunnel on its node, and ztunnel
//! proxies its DNS. meshdig recognises these pods but does not ask or emulate ztunnel yet, so the
//! app's answer is compared through kube-dns and the spec only.

use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use super::istio_sidecar::IstioSidecar;
use super::{CapturePlan, Mesh, SettingsError};
use crate::snapshot::{MeshInfo, ProxyInfo};
use crate::workload::DnsPath;

/// Istio's ambient mode.
pub struct IstioAmbient;

/// The mesh's name.
pub const NAME: &str = "istio-ambient";

/// The pod annotation istio-cni sets once it has redirected the pod to ztunnel.
const REDIRECTION_ANNOTATION: &str = "ambient.istio.io/redirection";

/// Nothing is asked or read for ambient pods yet beyond what every diff reads.
static PLAN: CapturePlan = CapturePlan {
    control_plane: None,
    dns_proxy_port: None,
    objects: &[],
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
        let redirected = pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(REDIRECTION_ANNOTATION))
            .is_some_and(|v| v == "enabled");
        redirected.then(|| {
            json!({
                "namespace": pod.metadata.namespace.clone().unwrap_or_default(),
                "pod": pod.metadata.name.clone().unwrap_or_default(),
                "kind": "ambient",
            })
        })
    }

    fn dns_path(&self, _proxy: &ProxyInfo) -> DnsPath {
        DnsPath::NoDnsProxy {
            mesh: NAME,
            why: "the pod is in the ambient mesh: ztunnel, not a sidecar, proxies its DNS",
        }
    }

    fn describe(&self, _proxy: &ProxyInfo) -> String {
        "istio ambient: ztunnel proxies DNS on the node (not compared yet; kube-dns and the spec only)"
            .to_string()
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_redirected_pods_only() {
        let pod = |annotations: Value| -> Pod {
            serde_json::from_value(json!({"metadata": {"name": "p", "namespace": "ns", "annotations": annotations}, "spec": {"containers": [{"name": "app"}]}})).unwrap()
        };
        let entry = IstioAmbient.detect(&pod(json!({REDIRECTION_ANNOTATION: "enabled"})));
        assert_eq!(entry.unwrap()["kind"], "ambient");
        assert_eq!(IstioAmbient.detect(&pod(json!({}))), None);
    }
}
