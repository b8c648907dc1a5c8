//! Pod port-forwards through the API server (WebSocket), opened once per pod and port for a run and
//! closed cleanly at its end.

use std::pin::Pin;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::Portforwarder;
use tokio::io::DuplexStream;
use tokio::sync::Mutex;

use crate::live::connect::Kube;

/// Resolves with the port-forward's error message, if the API server or kubelet sends one.
pub type ErrorWatch = Pin<Box<dyn Future<Output = Option<String>> + Send>>;

/// The port-forwards of one run.
pub struct Forwards {
    kube: Kube,
    open: Mutex<Vec<Portforwarder>>,
}

impl Forwards {
    pub fn new(kube: Kube) -> Self {
        Self {
            kube,
            open: Mutex::new(Vec::new()),
        }
    }

    /// Opens a forward to `port` of pod `namespace/pod`: the byte stream, and a watch on its errors.
    pub async fn open(
        &self,
        namespace: &str,
        pod: &str,
        port: u16,
    ) -> Result<(DuplexStream, ErrorWatch), String> {
        let pods: Api<Pod> = Api::namespaced(self.kube.client.clone(), namespace);
        let describe = || format!("port-forward to pod {namespace}/{pod}:{port}");
        let mut forwarder = tokio::time::timeout(self.kube.request_timeout, pods.portforward(pod, &[port]))
            .await
            .map_err(|_| format!("{} timed out", describe()))?
            .map_err(|e| match e {
                kube::Error::Api(status) if status.code == 403 => format!(
                    "{}: RBAC forbids get or create pods/portforward in namespace {namespace}; grant both (docs/rbac.yaml)",
                    describe()
                ),
                kube::Error::Api(status) => format!("{}: {} ({})", describe(), status.message, status.code),
                other => format!("{}: {other}", describe()),
            })?;
        let stream = forwarder
            .take_stream(port)
            .ok_or_else(|| format!("{}: no stream for the port", describe()))?;
        let errors: ErrorWatch = match forwarder.take_error(port) {
            Some(watch) => Box::pin(watch),
            None => Box::pin(std::future::pending()),
        };
        self.open.lock().await.push(forwarder);
        Ok((stream, errors))
    }

    /// Closes every forward, waiting briefly for each to finish its close handshake.
    pub async fn close(&self) {
        let forwarders: Vec<Portforwarder> = self.open.lock().await.drain(..).collect();
        for forwarder in forwarders {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), forwarder.join()).await;
        }
    }
}
