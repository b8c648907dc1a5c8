//! Detection of Istio's sidecar: what a live pod says about its proxy (DNS capture and
//! auto-allocation flags, from the injected istio-proxy container), and what istiod's pods say about
//! the mesh (version and features).

use k8s_openapi::api::core::v1::{Container, Pod};
use serde_json::{Value, json};

/// The name of Istio's injected proxy container.
const ISTIO_PROXY: &str = "istio-proxy";

/// The istio-proxy container of a pod: a regular container, or a native sidecar (init container).
fn istio_proxy(pod: &Pod) -> Option<&Container> {
    let spec = pod.spec.as_ref()?;
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|c| c.name == ISTIO_PROXY)
}

/// The value of environment variable `name` on `container`.
fn env<'a>(container: &'a Container, name: &str) -> Option<&'a str> {
    container
        .env
        .iter()
        .flatten()
        .find(|e| e.name == name)
        .and_then(|e| e.value.as_deref())
}

/// The annotation that overrides a pod's ProxyConfig, including `proxyMetadata`.
const PROXY_CONFIG_ANNOTATION: &str = "proxy.istio.io/config";

/// The value of `key` in the `proxyMetadata` of a `proxy.istio.io/config` annotation (YAML or JSON).
fn annotated_metadata<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    let config = pod
        .metadata
        .annotations
        .as_ref()?
        .get(PROXY_CONFIG_ANNOTATION)?;
    config.match_indices(key).find_map(|(at, _)| {
        let rest = config[at + key.len()..].trim_start_matches(['"', '\'']);
        let value = rest.trim_start().strip_prefix(':')?;
        let end = value.find([',', '}', '\n']).unwrap_or(value.len());
        Some(value[..end].trim().trim_matches(['"', '\'']))
    })
}

/// The `proxies[]` entry of the snapshot format for `pod`, without the name table, when an
/// istio-proxy container runs beside it.
///
/// The injector turns `proxyMetadata` into environment variables of istio-proxy; the pod's
/// `proxy.istio.io/config` annotation is read when the variable is absent.
pub(super) fn proxy_entry(pod: &Pod) -> Option<Value> {
    let proxy = istio_proxy(pod)?;
    let flag = |key: &str| {
        env(proxy, key)
            .or_else(|| annotated_metadata(pod, key))
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    };
    Some(json!({
        "namespace": pod.metadata.namespace.clone().unwrap_or_default(),
        "pod": pod.metadata.name.clone().unwrap_or_default(),
        "kind": "sidecar",
        "dns_capture": flag("ISTIO_META_DNS_CAPTURE"),
        "dns_auto_allocate": flag("ISTIO_META_DNS_AUTO_ALLOCATE"),
    }))
}

/// The `mesh` section of the snapshot format, from the running istiod pods.
pub(super) fn mesh_entry(istiods: &[Pod]) -> Value {
    let discovery = istiods.iter().find_map(|p| {
        p.spec
            .as_ref()?
            .containers
            .iter()
            .find(|c| c.name == "discovery")
    });
    let version = discovery
        .and_then(|c| c.image.as_deref())
        .and_then(image_tag);
    let minor = version
        .as_deref()
        .and_then(|v| v.trim_start_matches('v').split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    let setting = |name: &str| {
        discovery
            .and_then(|c| env(c, name))
            .map(|v| v.eq_ignore_ascii_case("true"))
    };
    // PILOT_ENABLE_IP_AUTOALLOCATE has defaulted to true since Istio 1.25.
    let autoallocate =
        setting("PILOT_ENABLE_IP_AUTOALLOCATE").unwrap_or(minor.is_none_or(|m| m >= 25));
    json!({
        "kind": "istio",
        "version": version,
        "pilot_enable_ip_autoallocate": autoallocate,
        "enable_multicluster_headless": setting("ENABLE_MULTICLUSTER_HEADLESS").unwrap_or(true),
    })
}

/// The tag of an image reference (`registry:5000/istio/pilot:1.26.0` → `1.26.0`); none for a digest
/// reference or an untagged image.
fn image_tag(image: &str) -> Option<String> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next()?;
    last.split_once(':').map(|(_, tag)| tag.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(env: Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [{"name": "app"}, {"name": "istio-proxy", "env": env}]}
        }))
        .unwrap()
    }

    #[test]
    fn reads_dns_flags_from_the_injected_proxy() {
        let entry = proxy_entry(&pod(
            json!([{"name": "ISTIO_META_DNS_CAPTURE", "value": "true"}]),
        ));
        let entry = entry.unwrap();
        assert_eq!(entry["kind"], "sidecar");
        assert_eq!(entry["dns_capture"], true);
        assert_eq!(entry["dns_auto_allocate"], false);
        let plain: Pod = serde_json::from_value(
            json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "app"}]}}),
        )
        .unwrap();
        assert_eq!(proxy_entry(&plain), None);
    }

    #[test]
    fn reads_dns_flags_from_the_proxy_config_annotation() {
        let mut annotated = pod(json!([]));
        annotated.metadata.annotations = Some(
            [(
                PROXY_CONFIG_ANNOTATION.to_string(),
                "proxyMetadata:\n  ISTIO_META_DNS_CAPTURE: \"true\"\n  ISTIO_META_DNS_AUTO_ALLOCATE: 'false'\n".to_string(),
            )]
            .into(),
        );
        assert_eq!(proxy_entry(&annotated).unwrap()["dns_capture"], true);
        assert_eq!(proxy_entry(&annotated).unwrap()["dns_auto_allocate"], false);
        let json_style = r#"{"proxyMetadata": {"ISTIO_META_DNS_CAPTURE": "true"}}"#;
        annotated.metadata.annotations =
            Some([(PROXY_CONFIG_ANNOTATION.to_string(), json_style.to_string())].into());
        assert_eq!(proxy_entry(&annotated).unwrap()["dns_capture"], true);
    }

    #[test]
    fn derives_mesh_defaults_from_the_istiod_version() {
        let istiod = |tag: &str| -> Pod {
            serde_json::from_value(json!({"metadata": {"name": "istiod"}, "spec": {"containers": [{"name": "discovery", "image": format!("docker.io/istio/pilot:{tag}")}]}})).unwrap()
        };
        assert_eq!(
            mesh_entry(&[istiod("1.24.3")])["pilot_enable_ip_autoallocate"],
            false
        );
        assert_eq!(
            mesh_entry(&[istiod("1.27.0")])["pilot_enable_ip_autoallocate"],
            true
        );
        assert_eq!(
            image_tag("registry:5000/istio/pilot:1.26.0").as_deref(),
            Some("1.26.0")
        );
        assert_eq!(image_tag("registry:5000/istio/pilot"), None);
        assert_eq!(image_tag("istio/pilot@sha256:0123"), None);
    }
}
