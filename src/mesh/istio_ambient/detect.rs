//! Detection of Istio's ambient mode from a live pod: istio-cni's redirection annotation (set once
//! the pod's traffic goes to ztunnel), the opt-out label, the per-pod DNS capture annotation, and
//! what ztunnel identifies the pod by (name, namespace, service account) and where (its node).

use k8s_openapi::api::core::v1::Pod;
use serde_json::{Map, Value, json};

/// The pod annotation istio-cni sets once it has redirected the pod to ztunnel
/// (istio/istio `pkg/config/annotation`, `AmbientRedirection`).
pub(super) const REDIRECTION_ANNOTATION: &str = "ambient.istio.io/redirection";
/// The label that enrolls a pod or namespace in ambient mode, or opts a pod out (`none`).
const DATAPLANE_MODE_LABEL: &str = "istio.io/dataplane-mode";
/// The per-pod override of istio-cni's `AMBIENT_DNS_CAPTURE` (`AmbientDnsCapture`, Istio ≥1.25).
pub(super) const DNS_CAPTURE_ANNOTATION: &str = "ambient.istio.io/dns-capture";

/// The `proxies[]` entry of the snapshot format for `pod`, when istio-cni redirected it to ztunnel.
pub(super) fn proxy_entry(pod: &Pod) -> Option<Value> {
    let meta = &pod.metadata;
    let annotation = |key: &str| meta.annotations.as_ref()?.get(key).map(String::as_str);
    let opted_out = meta
        .labels
        .as_ref()
        .and_then(|l| l.get(DATAPLANE_MODE_LABEL))
        .is_some_and(|v| v == "none");
    if opted_out || annotation(REDIRECTION_ANNOTATION) != Some("enabled") {
        return None;
    }
    let spec = pod.spec.as_ref();
    let mut entry = Map::new();
    entry.insert(
        "namespace".into(),
        json!(meta.namespace.clone().unwrap_or_default()),
    );
    entry.insert("pod".into(), json!(meta.name.clone().unwrap_or_default()));
    entry.insert("kind".into(), json!("ambient"));
    // istio-cni reads the annotation as a boolean; anything else leaves the mesh-wide default.
    if let Some(capture) = annotation(DNS_CAPTURE_ANNOTATION).and_then(go_bool) {
        entry.insert("dns_capture".into(), json!(capture));
    }
    let account = spec.and_then(|s| s.service_account_name.clone());
    entry.insert(
        "service_account".into(),
        json!(account.unwrap_or_else(|| "default".into())),
    );
    if let Some(node) = spec.and_then(|s| s.node_name.clone()) {
        entry.insert("node".into(), json!(node));
    }
    Some(Value::Object(entry))
}

/// A boolean as Go's `strconv.ParseBool` reads it (istio-cni's `CheckBooleanAnnotation`).
fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(labels: Value, annotations: Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "ns", "labels": labels, "annotations": annotations},
            "spec": {"containers": [{"name": "app"}], "nodeName": "node-a", "serviceAccountName": "sa"}
        }))
        .unwrap()
    }

    #[test]
    fn claims_redirected_pods_that_did_not_opt_out() {
        let redirected = json!({REDIRECTION_ANNOTATION: "enabled"});
        let entry = proxy_entry(&pod(json!({}), redirected.clone())).unwrap();
        assert_eq!(entry["kind"], "ambient");
        assert_eq!(entry["node"], "node-a");
        assert_eq!(entry["service_account"], "sa");
        assert!(entry.get("dns_capture").is_none());
        let off = json!({REDIRECTION_ANNOTATION: "enabled", DNS_CAPTURE_ANNOTATION: "false"});
        assert_eq!(
            proxy_entry(&pod(json!({}), off)).unwrap()["dns_capture"],
            false
        );
        let odd = json!({REDIRECTION_ANNOTATION: "enabled", DNS_CAPTURE_ANNOTATION: "tweedledum"});
        let entry = proxy_entry(&pod(json!({}), odd)).unwrap();
        assert!(entry.get("dns_capture").is_none());
        assert_eq!(
            proxy_entry(&pod(json!({DATAPLANE_MODE_LABEL: "none"}), redirected)),
            None
        );
        assert_eq!(
            proxy_entry(&pod(json!({DATAPLANE_MODE_LABEL: "ambient"}), json!({}))),
            None
        );
    }
}
