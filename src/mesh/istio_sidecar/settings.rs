//! Istio's settings in a snapshot: istiod's mesh-wide switches (`mesh.*`) and each sidecar's
//! proxy metadata (`proxies[].*`), read and checked when a snapshot is loaded.

use std::sync::LazyLock;

use ipnet::IpNet;
use serde::Deserialize;

use crate::mesh::SettingsError;
use crate::snapshot::{MeshInfo, MeshSettings, ProxyInfo};

/// istiod's settings that change DNS answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IstioSettings {
    /// Where mesh-wide Sidecar resources live.
    #[serde(default = "default_root_namespace")]
    pub root_namespace: String,
    /// istiod `ENABLE_MULTICLUSTER_HEADLESS` (default true).
    #[serde(default = "yes")]
    pub enable_multicluster_headless: bool,
    /// istiod `PILOT_ENABLE_IP_AUTOALLOCATE` (default true since Istio 1.25).
    #[serde(default = "yes")]
    pub pilot_enable_ip_autoallocate: bool,
    /// `PILOT_IP_AUTOALLOCATE_IPV4_PREFIX` and `..._IPV6_PREFIX`.
    #[serde(default = "default_autoallocate_prefixes")]
    pub autoallocate_prefixes: Vec<IpNet>,
}

fn default_root_namespace() -> String {
    "istio-system".to_string()
}

fn yes() -> bool {
    true
}

fn default_autoallocate_prefixes() -> Vec<IpNet> {
    vec![
        "240.240.0.0/16".parse().expect("valid prefix"),
        "2001:2::/48".parse().expect("valid prefix"),
    ]
}

/// istiod's defaults, for a mesh section that sets nothing.
static DEFAULTS: LazyLock<IstioSettings> =
    LazyLock::new(|| typed(&MeshSettings::default()).expect("the defaults are valid"));

impl IstioSettings {
    /// The settings of `mesh`, istiod's defaults when none were read.
    pub(super) fn of(mesh: &MeshInfo) -> &Self {
        mesh.settings.typed().unwrap_or(&DEFAULTS)
    }

    /// Reads and keeps `mesh`'s Istio settings.
    pub(super) fn read(mesh: &mut MeshInfo) -> Result<(), SettingsError> {
        let settings: Self = typed(&mesh.settings)?;
        mesh.settings.set_typed(settings);
        Ok(())
    }
}

/// One sidecar's proxy metadata that changes DNS answers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SidecarSettings {
    /// `ISTIO_META_DNS_CAPTURE`.
    #[serde(default)]
    pub dns_capture: bool,
    /// `ISTIO_META_DNS_AUTO_ALLOCATE` (the deprecated per-proxy switch).
    #[serde(default)]
    pub dns_auto_allocate: bool,
    /// Whether the agent had received a name table (its `/debug/ndsz` answered 200, not 404).
    #[serde(default)]
    pub name_table_received: Option<bool>,
}

static NO_METADATA: SidecarSettings = SidecarSettings {
    dns_capture: false,
    dns_auto_allocate: false,
    name_table_received: None,
};

impl SidecarSettings {
    /// The settings of `proxy`, none set when none were read.
    pub(super) fn of(proxy: &ProxyInfo) -> &Self {
        proxy.settings.typed().unwrap_or(&NO_METADATA)
    }

    /// Reads and keeps `proxy`'s sidecar settings; an error names the field.
    pub(super) fn read(proxy: &mut ProxyInfo) -> Result<(), SettingsError> {
        let settings: Self = typed(&proxy.settings)?;
        proxy.settings.set_typed(settings);
        Ok(())
    }
}

/// `settings` as written, typed as `T`; an error names the field.
fn typed<T: serde::de::DeserializeOwned>(settings: &MeshSettings) -> Result<T, SettingsError> {
    let written = serde_json::Value::Object(settings.written.clone());
    serde_path_to_error::deserialize(written).map_err(|e| SettingsError {
        field: e.path().to_string(),
        message: crate::error::plain(&e.inner().to_string()),
    })
}
