//! An ambient pod's settings in a snapshot (`proxies[].*`): its DNS capture override, identity
//! and node, read and checked when a snapshot is loaded; with them, ztunnel's
//! state typed from the recorded config dump (`proxies[].ndsz`), for the emulator.

use std::sync::{Arc, LazyLock};

use serde::Deserialize;

use super::state::{self, ZtunnelState};
use crate::mesh::SettingsError;
use crate::snapshot::{MeshInfo, MeshSettings, ProxyInfo};
use crate::workload::Workload;

/// One ambient pod's settings that change its DNS.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AmbientSettings {
    /// The pod's `ambient.istio.io/dns-capture` annotation (unset: the mesh-wide default).
    #[serde(default)]
    pub dns_capture: Option<bool>,
    /// `spec.serviceAccountName`: with name and namespace, what ztunnel identifies the client by.
    #[serde(default)]
    pub service_account: Option<String>,
    /// `spec.nodeName`: whose ztunnel serves the pod.
    #[serde(default)]
    pub node: Option<String>,
    /// ztunnel's state, typed from the recorded config dump.
    #[serde(skip)]
    pub ztunnel: Option<Arc<ZtunnelState>>,
}

static NO_SETTINGS: LazyLock<AmbientSettings> = LazyLock::new(AmbientSettings::default);

/// The first Istio minor release whose istio-cni captures ambient DNS by default
/// (`values.cni.ambient.dnsCapture`, istio/istio `manifests/charts/istio-cni/values.yaml`).
const DNS_CAPTURE_DEFAULT_SINCE: u32 = 25;

impl AmbientSettings {
    /// The settings of `proxy`, none set when none were read.
    pub(super) fn of(proxy: &ProxyInfo) -> &Self {
        proxy.settings.typed().unwrap_or(&NO_SETTINGS)
    }

    /// The settings of `workload`'s proxy.
    pub(super) fn of_workload(workload: &Workload) -> &Self {
        workload.proxy.as_ref().map_or(&NO_SETTINGS, Self::of)
    }

    /// Reads and keeps `proxy`'s settings and the ztunnel state of its recorded config dump.
    pub(super) fn read(proxy: &mut ProxyInfo) -> Result<(), SettingsError> {
        let mut settings = typed(&proxy.settings)?;
        if let Some(body) = &proxy.ndsz {
            let dump = state::parse_dump(body.get()).map_err(|message| SettingsError {
                field: "ndsz".to_string(),
                message,
            })?;
            settings.ztunnel = Some(Arc::new(dump));
        }
        proxy.settings.set_typed(settings);
        Ok(())
    }

    /// Whether istio-cni redirects the pod's DNS to ztunnel: the pod's annotation, else the
    /// default of the mesh's Istio release (on since 1.25; on when the release is unknown).
    pub(super) fn captures(&self, mesh: &MeshInfo) -> bool {
        self.dns_capture
            .unwrap_or_else(|| minor(mesh).is_none_or(|m| m >= DNS_CAPTURE_DEFAULT_SINCE))
    }
}

/// The minor release of the mesh's Istio version (`1.24.3` → 24).
fn minor(mesh: &MeshInfo) -> Option<u32> {
    mesh.version
        .as_deref()?
        .trim_start_matches('v')
        .split('.')
        .nth(1)?
        .parse()
        .ok()
}

fn typed(settings: &MeshSettings) -> Result<AmbientSettings, SettingsError> {
    let written = serde_json::Value::Object(settings.written.clone());
    serde_path_to_error::deserialize(written).map_err(|e| SettingsError {
        field: e.path().to_string(),
        message: crate::error::plain(&e.inner().to_string()),
    })
}
