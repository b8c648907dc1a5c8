//! Reading objects from the API server: paginated lists and gets of any kind, returned as the JSON the
//! API serves (with `apiVersion` and `kind` filled in), and errors that name what RBAC is missing.

use std::fmt;

use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use kube::core::GroupVersionKind;
use serde_json::Value;

use crate::live::connect::Kube;

/// Objects per list page.
const PAGE_SIZE: u32 = 500;

/// A kind meshdig reads.
#[derive(Debug, Clone)]
pub struct Kind {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
}

impl Kind {
    pub const SERVICE: Self = Self::core("Service", "services");
    pub const POD: Self = Self::core("Pod", "pods");
    pub const CONFIG_MAP: Self = Self::core("ConfigMap", "configmaps");
    pub const ENDPOINT_SLICE: Self = Self {
        group: "discovery.k8s.io",
        version: "v1",
        kind: "EndpointSlice",
        plural: "endpointslices",
    };
    pub const DEPLOYMENT: Self = Self {
        group: "apps",
        version: "v1",
        kind: "Deployment",
        plural: "deployments",
    };

    const fn core(kind: &'static str, plural: &'static str) -> Self {
        Self {
            group: "",
            version: "v1",
            kind,
            plural,
        }
    }

    /// A custom resource kind of `group` at `version` (a mesh's own objects).
    pub const fn custom(
        group: &'static str,
        version: &'static str,
        kind: &'static str,
        plural: &'static str,
    ) -> Self {
        Self {
            group,
            version,
            kind,
            plural,
        }
    }

    fn resource(&self) -> ApiResource {
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(self.group, self.version, self.kind),
            self.plural,
        )
    }

    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `endpointslices.discovery.k8s.io`, as RBAC names resources.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// Why an API request failed, in words that say what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// RBAC denied `verb` on `resource` in `namespace` (None: cluster-wide).
    Forbidden {
        verb: &'static str,
        resource: String,
        namespace: Option<String>,
    },
    /// The API server does not serve this resource (e.g. the Istio CRDs are not installed).
    NotServed(String),
    /// 401: the credentials were refused.
    Unauthorized(String),
    /// The API server could not be reached or did not answer in time.
    Unreachable(String),
    /// Anything else the API server said.
    Other(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Forbidden {
                verb,
                resource,
                namespace,
            } => {
                let scope = namespace
                    .as_deref()
                    .map_or("cluster-wide".to_string(), |ns| {
                        format!("in namespace {ns}")
                    });
                write!(
                    f,
                    "RBAC forbids {verb} {resource} {scope}; grant it (docs/rbac.yaml has the read-only role meshdig needs)"
                )
            }
            Self::NotServed(resource) => write!(f, "the API server does not serve {resource}"),
            Self::Unauthorized(server) => {
                write!(
                    f,
                    "the API server {server} refused the credentials (401); refresh them or check --context"
                )
            }
            Self::Unreachable(why) => write!(f, "cannot reach the Kubernetes API: {why}"),
            Self::Other(why) => f.write_str(why),
        }
    }
}

/// Reads objects through one client.
#[derive(Clone)]
pub struct Reader {
    kube: Kube,
}

impl Reader {
    pub fn new(kube: Kube) -> Self {
        Self { kube }
    }

    /// The connection this reader uses.
    pub fn kube(&self) -> &Kube {
        &self.kube
    }

    fn api(&self, kind: &Kind, namespace: Option<&str>) -> Api<DynamicObject> {
        let resource = kind.resource();
        match namespace {
            Some(ns) => Api::namespaced_with(self.kube.client.clone(), ns, &resource),
            None => Api::all_with(self.kube.client.clone(), &resource),
        }
    }

    /// Lists every `kind` in `namespace` (None: all namespaces) matching the selectors, page by page.
    pub async fn list(
        &self,
        kind: &Kind,
        namespace: Option<&str>,
        labels: Option<&str>,
        fields: Option<&str>,
    ) -> Result<Vec<Value>, ApiError> {
        let api = self.api(kind, namespace);
        let mut params = ListParams::default().limit(PAGE_SIZE);
        if let Some(labels) = labels {
            params = params.labels(labels);
        }
        if let Some(fields) = fields {
            params = params.fields(fields);
        }
        let mut items = Vec::new();
        loop {
            let page = self
                .bounded(api.list(&params))
                .await
                .map_err(|e| self.classify(e, "list", kind, namespace))?;
            items.extend(page.items.into_iter().map(|o| self.to_json(kind, o)));
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(items),
            }
        }
    }

    /// Gets `kind` `namespace/name`; `None` when it does not exist.
    pub async fn get(
        &self,
        kind: &Kind,
        namespace: &str,
        name: &str,
    ) -> Result<Option<Value>, ApiError> {
        let api = self.api(kind, Some(namespace));
        match self.bounded(api.get_opt(name)).await {
            Ok(object) => Ok(object.map(|o| self.to_json(kind, o))),
            Err(e) => Err(self.classify(e, "get", kind, Some(namespace))),
        }
    }

    async fn bounded<T>(&self, request: impl Future<Output = kube::Result<T>>) -> kube::Result<T> {
        let limit = self.kube.request_timeout;
        match tokio::time::timeout(limit, request).await {
            Ok(result) => result,
            Err(_) => Err(kube::Error::Service(
                format!(
                    "no reply within {} (--request-timeout)",
                    crate::sources::dns::human(limit)
                )
                .into(),
            )),
        }
    }

    fn to_json(&self, kind: &Kind, object: DynamicObject) -> Value {
        let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
        if let Some(map) = value.as_object_mut() {
            map.insert("apiVersion".into(), Value::String(kind.api_version()));
            map.insert("kind".into(), Value::String(kind.kind.to_string()));
        }
        value
    }

    fn classify(
        &self,
        error: kube::Error,
        verb: &'static str,
        kind: &Kind,
        namespace: Option<&str>,
    ) -> ApiError {
        match error {
            kube::Error::Api(status) if status.code == 403 => ApiError::Forbidden {
                verb,
                resource: kind.qualified(),
                namespace: namespace.map(str::to_string),
            },
            kube::Error::Api(status) if status.code == 401 => {
                ApiError::Unauthorized(self.kube.server.clone())
            }
            kube::Error::Api(status) if status.code == 404 && verb == "list" => {
                ApiError::NotServed(kind.qualified())
            }
            kube::Error::Api(status) => ApiError::Other(format!(
                "the Kubernetes API {} answered {verb} {} with {} ({})",
                self.kube.server,
                kind.qualified(),
                status.code,
                crate::error::quoted(&status.message)
            )),
            // A credential plugin's error can carry its output, and so the credential.
            kube::Error::Auth(e) => ApiError::Unreachable(format!(
                "{}: the kubeconfig's credentials could not be obtained ({}; details are not shown: they can hold credentials)",
                self.kube.server,
                crate::error::redacted(&e.to_string())
            )),
            other => ApiError::Unreachable(format!(
                "{} ({})",
                self.kube.server,
                crate::error::redacted(&other.to_string())
            )),
        }
    }
}
