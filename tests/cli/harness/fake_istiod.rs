//! A fake istiod debug endpoint (the HTTP/1.1 server behind port 15014): `/debug/ndsz?proxyID=<id>`
//! with configurable per-proxy answers, istiod's own 400/404 texts, and any other fixed debug path.
//! Bridge it to an istiod pod with [`super::FakeApi::forward`]`(ns, pod, 15014, istiod.addr())`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::server_thread::ServerThread;

/// istiod's reply to `/debug/ndsz` without `proxyID`.
pub const MISSING_PROXY_ID: &str = "You must provide a proxyID in the query string";
/// istiod's reply for a proxy that is not connected to it.
pub const PROXY_NOT_CONNECTED: &str =
    "Proxy not connected to this Pilot instance. It may be connected to another instance.\n";

/// A canned HTTP answer.
#[derive(Debug, Clone)]
struct Canned {
    status: u16,
    content_type: String,
    body: String,
}

#[derive(Default)]
struct IstiodState {
    ndsz: HashMap<String, Canned>,
    paths: HashMap<String, Canned>,
    requests: Vec<String>,
    delay: Duration,
}

type Shared = Arc<Mutex<IstiodState>>;

fn lock(shared: &Shared) -> MutexGuard<'_, IstiodState> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The fake istiod; stopped on drop.
pub struct FakeIstiod {
    shared: Shared,
    server: ServerThread,
}

impl FakeIstiod {
    /// Starts it on 127.0.0.1:0 with no connected proxies.
    pub fn start() -> Self {
        let shared: Shared = Arc::default();
        let router = Router::new().fallback(handle).with_state(shared.clone());
        let server = ServerThread::spawn("fake-istiod", router);
        Self { shared, server }
    }

    /// The bound address (the pod's port 15014).
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Answers `/debug/ndsz?proxyID=<proxy_id>` with `status` and the JSON `body`
    /// (a proxy id is `<pod>.<namespace>`).
    pub fn set_ndsz(&self, proxy_id: &str, status: u16, body: &Value) {
        self.set_ndsz_raw(proxy_id, status, "application/json", &body.to_string());
    }

    /// Answers `/debug/ndsz?proxyID=<proxy_id>` with any status, content type and body.
    pub fn set_ndsz_raw(&self, proxy_id: &str, status: u16, content_type: &str, body: &str) {
        lock(&self.shared).ndsz.insert(
            proxy_id.to_string(),
            Canned {
                status,
                content_type: content_type.to_string(),
                body: body.to_string(),
            },
        );
    }

    /// Disconnects a proxy: its `/debug/ndsz` becomes istiod's 404.
    pub fn remove_ndsz(&self, proxy_id: &str) {
        lock(&self.shared).ndsz.remove(proxy_id);
    }

    /// Answers every request for exactly `path` (any query), e.g. `/debug/syncz`, with a JSON body.
    pub fn set_path(&self, path: &str, status: u16, body: &Value) {
        lock(&self.shared).paths.insert(
            path.to_string(),
            Canned {
                status,
                content_type: "application/json".to_string(),
                body: body.to_string(),
            },
        );
    }

    /// Delays every answer by `delay`.
    pub fn set_delay(&self, delay: Duration) {
        lock(&self.shared).delay = delay;
    }

    /// Every request so far as `path` or `path?query`.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared).requests.clone()
    }
}

fn reply(canned: &Canned) -> Response {
    let status = StatusCode::from_u16(canned.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, canned.content_type.clone())],
        canned.body.clone(),
    )
        .into_response()
}

fn text(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

async fn handle(State(shared): State<Shared>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let delay = {
        let mut state = lock(&shared);
        let logged = match request.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        state.requests.push(logged);
        state.delay
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let state = lock(&shared);
    if let Some(canned) = state.paths.get(&path) {
        return reply(canned);
    }
    if path != "/debug/ndsz" {
        return text(StatusCode::NOT_FOUND, "404 page not found\n");
    }
    let proxy_id = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .ok()
        .and_then(|q| q.0.into_iter().find(|(k, _)| k == "proxyID"))
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty());
    let Some(proxy_id) = proxy_id else {
        return text(StatusCode::BAD_REQUEST, MISSING_PROXY_ID);
    };
    match state.ndsz.get(&proxy_id) {
        Some(canned) => reply(canned),
        None => text(StatusCode::NOT_FOUND, PROXY_NOT_CONNECTED),
    }
}
