//! A loopback fake Kubernetes API server speaking the real protocol: discovery (legacy and
//! aggregated v2), list/get with label and field selectors and `limit`/`continue` pagination,
//! `Status` errors, RBAC (with resource names) and bearer-token checks, and pod port-forward over
//! WebSocket bridged to local TCP targets. Every request is recorded, and [`ApiRequest::attributes`]
//! says what RBAC checks for it, as the API server decides. It runs on its own thread and runtime
//! and stops on drop.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api_resources::{self, ISTIO_GROUP, ResourceType};
use super::kubeconfig::{KubeContext, Kubeconfig};
use super::portforward::{self, PortPlan};
use super::selectors;
use super::server_thread::ServerThread;

/// The user named in RBAC messages unless [`FakeApi::set_user`] changes it.
pub const DEFAULT_USER: &str = "system:serviceaccount:default:meshdig";

/// One RBAC rule: `verb` on `resource` (a plural such as `services`, or `pods/portforward`) of API
/// `group` (`""` for core), in `namespace` (a RoleBinding) or everywhere (None: a ClusterRoleBinding),
/// and only on the objects `names` lists when it lists any (`resourceNames`: never a list).
/// `"*"` matches any verb, group or resource.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `get`, `list`, `watch`, `create` (port-forward) or `*`.
    pub verb: String,
    /// API group, `""` for core, or `*`.
    pub group: String,
    /// Plural resource (`services`, `pods/portforward`) or `*`.
    pub resource: String,
    /// The namespace of a RoleBinding; None for a ClusterRoleBinding.
    pub namespace: Option<String>,
    /// `resourceNames`: empty for every object.
    pub names: Vec<String>,
}

impl Rule {
    /// Whether the rule allows `attributes`, as RBAC decides.
    pub fn allows(&self, attributes: &Attributes) -> bool {
        let any = |pattern: &str, value: &str| pattern == "*" || pattern == value;
        any(&self.verb, &attributes.verb)
            && any(&self.group, &attributes.group)
            && any(&self.resource, &attributes.resource)
            && match &self.namespace {
                None => true,
                Some(bound) => attributes.namespace.as_deref() == Some(bound.as_str()),
            }
            && (self.names.is_empty()
                || attributes
                    .name
                    .as_ref()
                    .is_some_and(|name| self.names.contains(name)))
    }
}

/// What RBAC is asked about one request to a resource: the verb on the resource (with its
/// subresource, `pods/portforward`) of an API group, in a namespace, of an object by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

/// The permissions of the requesting user: anything not allowed by a rule gets a 403 `Status`.
#[derive(Debug, Clone, Default)]
pub struct Role {
    /// The rules, any of which may allow a request.
    pub rules: Vec<Rule>,
}

impl Role {
    /// A role that allows nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rule; `namespace` None means every namespace and the cluster scope.
    pub fn allow(self, verb: &str, group: &str, resource: &str, namespace: Option<&str>) -> Self {
        self.allow_named(verb, group, resource, namespace, &[])
    }

    /// Adds a rule for the objects named `names` only (`resourceNames`; none: every object).
    pub fn allow_named(
        mut self,
        verb: &str,
        group: &str,
        resource: &str,
        namespace: Option<&str>,
        names: &[&str],
    ) -> Self {
        self.rules.push(Rule {
            verb: verb.to_string(),
            group: group.to_string(),
            resource: resource.to_string(),
            namespace: namespace.map(str::to_string),
            names: names.iter().map(|n| n.to_string()).collect(),
        });
        self
    }

    /// Adds `get` and `list` on `resource`.
    pub fn read(self, group: &str, resource: &str, namespace: Option<&str>) -> Self {
        self.allow("get", group, resource, namespace)
            .allow("list", group, resource, namespace)
    }

    /// Whether any rule allows `attributes`.
    pub fn allows(&self, attributes: &Attributes) -> bool {
        self.rules.iter().any(|r| r.allows(attributes))
    }

    /// Whether any rule allows `verb` on `resource` in `namespace`, of the object `name`.
    fn allows_on(
        &self,
        verb: &str,
        group: &str,
        resource: &str,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> bool {
        self.allows(&Attributes {
            verb: verb.to_string(),
            group: group.to_string(),
            resource: resource.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
        })
    }
}

/// One request as received: method, path and raw query string (without `?`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// `GET`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string, without `?` (kube-rs sends e.g. `&ports=53`).
    pub query: String,
}

impl ApiRequest {
    /// What RBAC checks for this request, as the API server's request-info resolver decides it,
    /// one entry per check; empty for a non-resource path (discovery, `/version`). A port-forward
    /// opened by WebSocket (an HTTP GET) is checked as `get` on `pods/portforward`, and from
    /// Kubernetes 1.35 (`AuthorizePodWebsocketUpgradeCreatePermission`) as `create` too; over SPDY
    /// (a POST) as `create`.
    pub fn attributes(&self) -> Vec<Attributes> {
        let segments: Vec<&str> = self.path.split('/').filter(|s| !s.is_empty()).collect();
        let (group, rest) = match segments.as_slice() {
            ["api", _version, rest @ ..] => ("", rest),
            ["apis", group, _version, rest @ ..] => (*group, rest),
            _ => return Vec::new(),
        };
        let (namespace, rest) = match rest {
            ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(*ns), rest),
            _ => (None, rest),
        };
        let (resource, name) = match rest {
            [] => return Vec::new(),
            [plural] => (plural.to_string(), None),
            [plural, name] => (plural.to_string(), Some(*name)),
            [plural, name, sub, ..] => (format!("{plural}/{sub}"), Some(*name)),
        };
        let watch = matches!(self.param("watch").as_deref(), Some("true" | "1"));
        let verbs: &[&str] = match (self.method.as_str(), name) {
            ("GET", _) if resource == "pods/portforward" => &["get", "create"],
            ("GET", _) if watch => &["watch"],
            ("GET", Some(_)) => &["get"],
            ("GET", None) => &["list"],
            ("POST", _) => &["create"],
            ("PUT", _) => &["update"],
            ("PATCH", _) => &["patch"],
            ("DELETE", Some(_)) => &["delete"],
            ("DELETE", None) => &["deletecollection"],
            (other, _) => panic!("unexpected method {other} for {}", self.path),
        };
        verbs
            .iter()
            .map(|verb| Attributes {
                verb: verb.to_string(),
                group: group.to_string(),
                resource: resource.clone(),
                namespace: namespace.map(str::to_string),
                name: name.map(str::to_string),
            })
            .collect()
    }

    /// The decoded value of query parameter `key`, if present.
    pub fn param(&self, key: &str) -> Option<String> {
        Query::<Vec<(String, String)>>::try_from_uri(
            &format!("/?{}", self.query).parse().expect("a valid URI"),
        )
        .ok()?
        .0
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
    }
}

type ObjectKey = (String, String, String, String); // group, plural, namespace, name

struct ApiState {
    objects: BTreeMap<ObjectKey, Value>,
    resource_version: u64,
    role: Option<Role>,
    user: String,
    token: Option<String>,
    delay: Duration,
    page_size_cap: Option<usize>,
    istio_versions: Vec<String>,
    aggregated_discovery: bool,
    portforward_protocols: Vec<String>,
    targets: HashMap<(String, String, u16), SocketAddr>,
    requests: Vec<ApiRequest>,
    server_address: String,
}

impl ApiState {
    fn versions(&self, group: &str) -> Vec<String> {
        if group == ISTIO_GROUP {
            return self.istio_versions.clone();
        }
        if group.is_empty() || api_resources::GROUPS.contains(&group) {
            return vec!["v1".to_string()];
        }
        Vec::new()
    }
}

type Shared = Arc<Mutex<ApiState>>;

fn lock(shared: &Shared) -> MutexGuard<'_, ApiState> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The fake API server. Configure it through `&self` at any time, also while a client is running.
pub struct FakeApi {
    shared: Shared,
    server: ServerThread,
}

impl FakeApi {
    /// Starts an empty server on 127.0.0.1:0: no objects, no RBAC (everything allowed), no token,
    /// no delay, no page cap, Istio versions v1, v1beta1 and v1alpha3, aggregated discovery on,
    /// port-forward answering `v4.channel.k8s.io` (as the kubelet does; see [`Self::set_portforward_protocols`]).
    pub fn start() -> Self {
        let shared: Shared = Arc::new(Mutex::new(ApiState {
            objects: BTreeMap::new(),
            resource_version: 1000,
            role: None,
            user: DEFAULT_USER.to_string(),
            token: None,
            delay: Duration::ZERO,
            page_size_cap: None,
            istio_versions: vec!["v1".into(), "v1beta1".into(), "v1alpha3".into()],
            aggregated_discovery: true,
            portforward_protocols: vec!["v4.channel.k8s.io".into()],
            targets: HashMap::new(),
            requests: Vec::new(),
            server_address: String::new(),
        }));
        let router = Router::new().fallback(handle).with_state(shared.clone());
        let server = ServerThread::spawn("fake-kube-api", router);
        lock(&shared).server_address = server.addr().to_string();
        Self { shared, server }
    }

    /// Starts a server holding `objects`.
    pub fn with_objects(objects: impl IntoIterator<Item = Value>) -> Self {
        let api = Self::start();
        api.add_all(objects);
        api
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Adds or replaces an object (any served kind; `apiVersion`, `kind` and `metadata.name` are
    /// required, `metadata.namespace` defaults to `default` for namespaced kinds). Fills
    /// `metadata.uid`, `resourceVersion` and `creationTimestamp` when absent. Panics on an unknown kind.
    pub fn add(&self, object: Value) {
        let mut state = lock(&self.shared);
        state.resource_version += 1;
        let rv = state.resource_version;
        let (key, object) = normalize(object, rv);
        state.objects.insert(key, object);
    }

    /// Adds every object.
    pub fn add_all(&self, objects: impl IntoIterator<Item = Value>) {
        for object in objects {
            self.add(object);
        }
    }

    /// Removes the object of `kind` (e.g. `Pod`, `ServiceEntry`) named `name`; true if it existed.
    pub fn remove(&self, kind: &str, namespace: Option<&str>, name: &str) -> bool {
        let Some(rt) = api_resources::RESOURCES.iter().find(|r| r.kind == kind) else {
            panic!("the fake API server does not serve kind {kind}");
        };
        let mut state = lock(&self.shared);
        state.resource_version += 1;
        let key = (
            rt.group.to_string(),
            rt.plural.to_string(),
            namespace.unwrap_or_default().to_string(),
            name.to_string(),
        );
        state.objects.remove(&key).is_some()
    }

    /// Every stored object, as stored (for generating DNS zones from what the API serves).
    pub fn objects(&self) -> Vec<Value> {
        lock(&self.shared).objects.values().cloned().collect()
    }

    /// A stored object by kind, namespace and name (as stored, with its own `apiVersion`).
    pub fn object(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        let rt = api_resources::RESOURCES.iter().find(|r| r.kind == kind)?;
        let key = (
            rt.group.to_string(),
            rt.plural.to_string(),
            namespace.unwrap_or_default().to_string(),
            name.to_string(),
        );
        lock(&self.shared).objects.get(&key).cloned()
    }

    /// Sets the role of the requesting user; None allows everything.
    pub fn set_role(&self, role: Option<Role>) {
        lock(&self.shared).role = role;
    }

    /// Sets the user named in Forbidden messages (default [`DEFAULT_USER`]).
    pub fn set_user(&self, user: &str) {
        lock(&self.shared).user = user.to_string();
    }

    /// Requires `Authorization: Bearer <token>` on every request (401 `Status` otherwise); None: no check.
    pub fn set_token(&self, token: Option<&str>) {
        lock(&self.shared).token = token.map(str::to_string);
    }

    /// Delays every request (before any other processing) by `delay`.
    pub fn set_delay(&self, delay: Duration) {
        lock(&self.shared).delay = delay;
    }

    /// Caps the page size of lists that carry a `limit` (lists without `limit` are never paged,
    /// as on a real server). None: pages hold `limit` items.
    pub fn set_page_size_cap(&self, cap: Option<usize>) {
        lock(&self.shared).page_size_cap = cap;
    }

    /// The served versions of `networking.istio.io`, preferred first (e.g. `&["v1beta1", "v1alpha3"]`
    /// for Istio before 1.22); an empty slice removes the group (Istio not installed).
    pub fn set_istio_versions(&self, versions: &[&str]) {
        lock(&self.shared).istio_versions = versions.iter().map(|v| v.to_string()).collect();
    }

    /// Whether `/api` and `/apis` answer aggregated discovery v2 when the client asks for it first
    /// (default true, as Kubernetes 1.30+; false imitates an older server, legacy JSON only).
    pub fn set_aggregated_discovery(&self, enabled: bool) {
        lock(&self.shared).aggregated_discovery = enabled;
    }

    /// The WebSocket subprotocols the port-forward endpoint accepts, in preference order. Default
    /// `["v4.channel.k8s.io"]`: the kubelet's port-forward handler knows no v5, so a client that offers
    /// `v5.channel.k8s.io, v4.channel.k8s.io` (kube-rs 5) gets v4 from a real cluster.
    pub fn set_portforward_protocols(&self, protocols: &[&str]) {
        lock(&self.shared).portforward_protocols =
            protocols.iter().map(|p| p.to_string()).collect();
    }

    /// Bridges port-forwards to `port` of pod `namespace/pod` to the TCP server at `target`.
    /// A port with no target behaves like a port nothing listens on in the pod.
    pub fn forward(&self, namespace: &str, pod: &str, port: u16, target: SocketAddr) {
        lock(&self.shared)
            .targets
            .insert((namespace.to_string(), pod.to_string(), port), target);
    }

    /// Removes the bridge for `namespace/pod:port`.
    pub fn unforward(&self, namespace: &str, pod: &str, port: u16) {
        lock(&self.shared)
            .targets
            .remove(&(namespace.to_string(), pod.to_string(), port));
    }

    /// Every request received so far, in order (including rejected ones).
    pub fn requests(&self) -> Vec<ApiRequest> {
        lock(&self.shared).requests.clone()
    }

    /// How many requests had exactly `path`.
    pub fn count(&self, path: &str) -> usize {
        lock(&self.shared)
            .requests
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared).requests.clear();
    }

    /// A kubeconfig (in its own temporary directory) whose one context `context` points here, with
    /// default namespace `namespace` and the currently configured token, if any.
    pub fn kubeconfig(&self, context: &str, namespace: &str) -> Kubeconfig {
        let mut ctx = KubeContext::new(context, namespace);
        ctx.token = lock(&self.shared).token.clone();
        Kubeconfig::write(&self.url(), &[ctx], context)
    }
}

/// Validates and completes an object, returning its storage key.
fn normalize(mut object: Value, rv: u64) -> (ObjectKey, Value) {
    let api_version = object["apiVersion"]
        .as_str()
        .unwrap_or_else(|| panic!("object without apiVersion: {object}"))
        .to_string();
    let kind = object["kind"]
        .as_str()
        .unwrap_or_else(|| panic!("object without kind: {object}"))
        .to_string();
    let (group, _) = api_resources::split_api_version(&api_version);
    let rt = api_resources::by_kind(group, &kind)
        .unwrap_or_else(|| panic!("the fake API server does not serve {kind} in {api_version:?}"));
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("object without metadata.name: {object}"))
        .to_string();
    let metadata = object["metadata"]
        .as_object_mut()
        .expect("metadata is an object");
    let namespace = if rt.namespaced {
        metadata
            .entry("namespace")
            .or_insert_with(|| json!("default"))
            .as_str()
            .expect("metadata.namespace is a string")
            .to_string()
    } else {
        metadata.remove("namespace");
        String::new()
    };
    metadata
        .entry("uid")
        .or_insert_with(|| json!(format!("00000000-0000-4000-8000-{rv:012x}")));
    metadata.insert("resourceVersion".into(), json!(rv.to_string()));
    metadata
        .entry("creationTimestamp")
        .or_insert_with(|| json!("2025-01-01T00:00:00Z"));
    let key = (rt.group.to_string(), rt.plural.to_string(), namespace, name);
    (key, object)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A `Status` failure object as the API server sends it.
fn status(code: StatusCode, reason: &str, message: &str, details: Option<Value>) -> Response {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code.as_u16(),
    });
    if let Some(details) = details {
        body["details"] = details;
    }
    json_response(code, &body)
}

fn details(rt: &ResourceType, name: Option<&str>) -> Value {
    let mut d = json!({"kind": rt.plural});
    if !rt.group.is_empty() {
        d["group"] = json!(rt.group);
    }
    if let Some(name) = name {
        d["name"] = json!(name);
    }
    d
}

fn server_could_not_find() -> Response {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        "the server could not find the requested resource",
        Some(json!({})),
    )
}

fn bad_request(message: &str) -> Response {
    status(StatusCode::BAD_REQUEST, "BadRequest", message, None)
}

async fn handle(State(shared): State<Shared>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    let (delay, token) = {
        let mut state = lock(&shared);
        state.requests.push(ApiRequest {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
        });
        (state.delay, state.token.clone())
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(token) = token {
        let expected = format!("Bearer {token}");
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if given != Some(expected.as_str()) {
            return status(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "Unauthorized",
                None,
            );
        }
    }
    let params = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .map(|q| q.0)
        .unwrap_or_default();
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    match segments.as_slice() {
        ["version"] => json_response(StatusCode::OK, &version()),
        ["api"] | ["apis"] => discovery_root(&shared, segments[0] == "api", &accept),
        ["api", "v1"] => discovery_group(&shared, "", "v1"),
        ["apis", group, version] => discovery_group(&shared, group, version),
        ["api", "v1", rest @ ..] => resource(&shared, "", "v1", rest, &params, request).await,
        ["apis", group, version, rest @ ..] => {
            resource(&shared, group, version, rest, &params, request).await
        }
        _ => server_could_not_find(),
    }
}

fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "emulationMajor": "1",
        "emulationMinor": "33",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "32",
        "gitVersion": "v1.33.1",
        "gitCommit": "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828",
        "gitTreeState": "clean",
        "buildDate": "2025-05-15T08:19:08Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

fn discovery_root(shared: &Shared, core: bool, accept: &str) -> Response {
    let state = lock(shared);
    let versions = |g: &str| state.versions(g);
    if state.aggregated_discovery && api_resources::wants_aggregated(accept) {
        let body = api_resources::aggregated(core, &versions);
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, api_resources::AGGREGATED_CONTENT_TYPE)],
            body.to_string(),
        )
            .into_response();
    }
    let body = if core {
        api_resources::api_versions(&state.server_address)
    } else {
        api_resources::group_list(&versions)
    };
    json_response(StatusCode::OK, &body)
}

fn discovery_group(shared: &Shared, group: &str, version: &str) -> Response {
    let state = lock(shared);
    match api_resources::resource_list(group, version, &|g| state.versions(g)) {
        Some(body) => json_response(StatusCode::OK, &body),
        None => server_could_not_find(),
    }
}

/// What a resource path asks for.
enum Target<'a> {
    List(Option<&'a str>),
    Get(Option<&'a str>, &'a str),
    PortForward(&'a str, &'a str),
}

fn forbidden(
    user: &str,
    verb: &str,
    rt: &ResourceType,
    resource: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Response {
    let subject = match name {
        Some(name) => format!("{} \"{name}\"", rt.qualified()),
        None => rt.qualified(),
    };
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    let message = format!(
        "{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{}\" {scope}",
        rt.group
    );
    status(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &message,
        Some(details(rt, name)),
    )
}

async fn resource(
    shared: &Shared,
    group: &str,
    version: &str,
    rest: &[&str],
    params: &[(String, String)],
    request: Request,
) -> Response {
    let served = lock(shared).versions(group).iter().any(|v| v == version);
    if !served {
        return server_could_not_find();
    }
    let (plural, target) = match rest {
        [plural] => (*plural, Target::List(None)),
        [plural, name] => (*plural, Target::Get(None, name)),
        ["namespaces", ns, plural] => (*plural, Target::List(Some(ns))),
        ["namespaces", ns, plural, name] => (*plural, Target::Get(Some(ns), name)),
        ["namespaces", ns, "pods", name, "portforward"] if group.is_empty() => {
            ("pods", Target::PortForward(ns, name))
        }
        ["namespaces", ns, plural, name, "status"] => (*plural, Target::Get(Some(ns), name)),
        _ => return server_could_not_find(),
    };
    let Some(rt) = api_resources::by_plural(group, plural) else {
        return server_could_not_find();
    };
    let namespace = match &target {
        Target::List(ns) | Target::Get(ns, _) => *ns,
        Target::PortForward(ns, _) => Some(*ns),
    };
    if namespace.is_some() != rt.namespaced && !matches!(target, Target::List(None)) {
        return server_could_not_find();
    }
    if let Target::PortForward(ns, pod) = target {
        return port_forward(shared, rt, ns, pod, params, request).await;
    }
    if request.method() != Method::GET {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the fake API server is read-only",
            None,
        );
    }
    let watch = params
        .iter()
        .any(|(k, v)| k == "watch" && (v == "true" || v == "1"));
    let verb = match (&target, watch) {
        (_, true) => "watch",
        (Target::Get(..), false) => "get",
        _ => "list",
    };
    let state = lock(shared);
    let name = match &target {
        Target::Get(_, name) => Some(*name),
        _ => None,
    };
    if let Some(role) = &state.role
        && !role.allows_on(verb, group, plural, namespace, name)
    {
        return forbidden(&state.user, verb, rt, plural, namespace, name);
    }
    if watch {
        return bad_request("the fake API server does not support watch");
    }
    match target {
        Target::Get(ns, name) => get(&state, rt, version, ns, name),
        Target::List(ns) => list(&state, rt, version, ns, params),
        Target::PortForward(..) => unreachable!("handled above"),
    }
}

fn key(rt: &ResourceType, namespace: Option<&str>, name: &str) -> ObjectKey {
    (
        rt.group.to_string(),
        rt.plural.to_string(),
        namespace.unwrap_or_default().to_string(),
        name.to_string(),
    )
}

fn not_found(rt: &ResourceType, name: &str) -> Response {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("{} \"{name}\" not found", rt.qualified()),
        Some(details(rt, Some(name))),
    )
}

/// The object as served at `version`: `apiVersion` rewritten (Istio serves one schema under every version).
fn served(object: &Value, rt: &ResourceType, version: &str) -> Value {
    let mut object = object.clone();
    object["apiVersion"] = json!(rt.api_version(version));
    object["kind"] = json!(rt.kind);
    object
}

fn get(
    state: &ApiState,
    rt: &ResourceType,
    version: &str,
    namespace: Option<&str>,
    name: &str,
) -> Response {
    match state.objects.get(&key(rt, namespace, name)) {
        Some(object) => json_response(StatusCode::OK, &served(object, rt, version)),
        None => not_found(rt, name),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// An opaque continue token: the list's resourceVersion and the last key returned.
fn continue_token(rv: u64, last: &ObjectKey) -> String {
    let inner =
        json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{}/{}\u{0}", last.2, last.3)});
    hex(inner.to_string().as_bytes())
}

fn parse_continue(token: &str) -> Option<(String, String)> {
    let inner: Value = serde_json::from_slice(&unhex(token)?).ok()?;
    let start = inner["start"].as_str()?.strip_suffix('\u{0}')?;
    let (ns, name) = start.split_once('/')?;
    Some((ns.to_string(), name.to_string()))
}

fn list(
    state: &ApiState,
    rt: &ResourceType,
    version: &str,
    namespace: Option<&str>,
    params: &[(String, String)],
) -> Response {
    let param = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let labels = match param("labelSelector").map(selectors::parse_labels) {
        None => Vec::new(),
        Some(Ok(l)) => l,
        Some(Err(message)) => return bad_request(&message),
    };
    let fields = match param("fieldSelector").map(|s| selectors::parse_fields(s, rt.kind)) {
        None => Vec::new(),
        Some(Ok(f)) => f,
        Some(Err(message)) => return bad_request(&message),
    };
    let limit = match param("limit").map(str::parse::<usize>) {
        None | Some(Ok(0)) => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => return bad_request("limit must be a non-negative integer"),
    };
    let start_after = match param("continue").map(parse_continue) {
        None => None,
        Some(Some(start)) => Some(start),
        Some(None) => {
            return bad_request(
                "continue key is not valid: the continue token could not be decoded",
            );
        }
    };
    let matching: Vec<(&ObjectKey, &Value)> = state
        .objects
        .iter()
        .filter(|(k, _)| k.0 == rt.group && k.1 == rt.plural)
        .filter(|(k, _)| namespace.is_none_or(|ns| k.2 == ns))
        .filter(|(k, _)| {
            start_after
                .as_ref()
                .is_none_or(|(ns, name)| (&k.2, &k.3) > (ns, name))
        })
        .filter(|(_, o)| selectors::labels_match(&labels, o) && selectors::fields_match(&fields, o))
        .collect();
    let page_size = limit.map(|l| state.page_size_cap.map_or(l, |cap| l.min(cap.max(1))));
    let page: Vec<&(&ObjectKey, &Value)> = matching
        .iter()
        .take(page_size.unwrap_or(usize::MAX))
        .collect();
    let remaining = matching.len() - page.len();
    let items: Vec<Value> = page
        .iter()
        .map(|(_, o)| {
            let mut item = served(o, rt, version);
            if !rt.custom {
                let map = item.as_object_mut().expect("an object");
                map.remove("apiVersion");
                map.remove("kind");
            }
            item
        })
        .collect();
    let rv = state.resource_version;
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if remaining > 0
        && let Some((last, _)) = page.last()
    {
        metadata["continue"] = json!(continue_token(rv, last));
        if labels.is_empty() && fields.is_empty() {
            metadata["remainingItemCount"] = json!(remaining);
        }
    }
    let body = json!({
        "kind": format!("{}List", rt.kind),
        "apiVersion": rt.api_version(version),
        "metadata": metadata,
        "items": items,
    });
    json_response(StatusCode::OK, &body)
}

async fn port_forward(
    shared: &Shared,
    rt: &ResourceType,
    namespace: &str,
    pod: &str,
    params: &[(String, String)],
    request: Request,
) -> Response {
    let (plans, pod_uid, protocols) = {
        let state = lock(shared);
        // A WebSocket upgrade is a GET: `get`, and since Kubernetes 1.35 `create` as well.
        let verbs: &[&str] = if request.method() == Method::GET {
            &["get", "create"]
        } else {
            &["create"]
        };
        let refused = verbs.iter().find(|verb| {
            state.role.as_ref().is_some_and(|role| {
                !role.allows_on(verb, "", "pods/portforward", Some(namespace), Some(pod))
            })
        });
        if let Some(verb) = refused {
            return forbidden(
                &state.user,
                verb,
                rt,
                "pods/portforward",
                Some(namespace),
                Some(pod),
            );
        }
        let Some(object) = state.objects.get(&key(rt, Some(namespace), pod)) else {
            return not_found(rt, pod);
        };
        if object["status"]["phase"].as_str() != Some("Running") {
            return bad_request("unable to upgrade connection: pod is not running");
        }
        let ports = match portforward::parse_ports(params) {
            Ok(ports) => ports,
            Err(message) => return bad_request(&message),
        };
        let plans: Vec<PortPlan> = ports
            .into_iter()
            .map(|port| PortPlan {
                port,
                target: state
                    .targets
                    .get(&(namespace.to_string(), pod.to_string(), port))
                    .copied(),
            })
            .collect();
        let uid = object["metadata"]["uid"]
            .as_str()
            .unwrap_or(pod)
            .to_string();
        (plans, uid, state.portforward_protocols.clone())
    };
    upgrade(request, protocols, plans, pod_uid).await
}

async fn upgrade(
    request: Request,
    protocols: Vec<String>,
    plans: Vec<PortPlan>,
    pod_uid: String,
) -> Response {
    if request.method() != Method::GET || !is_websocket(request.headers()) {
        return bad_request(
            "the fake API server supports port-forward only as a WebSocket upgrade (v4.channel.k8s.io)",
        );
    }
    let (mut parts, _body) = request.into_parts();
    let ws = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(ws) => ws.protocols(protocols),
        Err(rejection) => {
            return bad_request(&format!("unable to upgrade connection: {rejection}"));
        }
    };
    if ws.selected_protocol().is_none() {
        return bad_request(
            "unable to upgrade connection: none of the requested WebSocket subprotocols is supported",
        );
    }
    ws.on_upgrade(move |socket| portforward::run_session(socket, plans, pod_uid))
}

fn is_websocket(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}
