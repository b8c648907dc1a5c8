//! istiod's debug endpoint: `GET /debug/ndsz?proxyID=<pod>.<ns>` over HTTP/1.1, on any byte stream
//! (a port-forward to an istiod pod's 15014) or a URL given with `--control-plane`.

use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};

/// What one istiod replica said about a proxy's name table.
#[derive(Debug, Clone, PartialEq)]
pub enum NdszReply {
    /// 200: the body (either ndsz shape).
    Table(Value),
    /// 404: the proxy is connected to another replica (or not at all).
    NotHere,
    /// 401/403 or any other failure; the text says what and how to fix it.
    Failed(String),
}

/// The request path for `proxy_id`.
pub fn ndsz_path(proxy_id: &str) -> String {
    format!("/debug/ndsz?proxyID={proxy_id}")
}

/// Sends `GET path` over `stream` (with `Host: authority`) and interprets the reply.
pub async fn fetch_ndsz<S>(stream: S, authority: &str, path: &str, timeout: Duration) -> NdszReply
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    match tokio::time::timeout(timeout, get(stream, authority, path)).await {
        Err(_) => NdszReply::Failed(format!(
            "no reply to {path} within {}",
            super::dns::human(timeout)
        )),
        Ok(Err(e)) => NdszReply::Failed(format!("{path}: {e}")),
        Ok(Ok((status, body))) => interpret(status, &body, path),
    }
}

async fn get<S>(stream: S, authority: &str, path: &str) -> Result<(u16, Bytes), hyper::Error>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::ACCEPT, "application/json")
        .body(Empty::<Bytes>::new())
        .expect("a GET with a valid path is a valid request");
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

fn interpret(status: u16, body: &[u8], path: &str) -> NdszReply {
    let text = String::from_utf8_lossy(body);
    let text = crate::error::quoted(text.trim());
    match status {
        200 => match serde_json::from_slice(body) {
            Ok(value) => NdszReply::Table(value),
            Err(e) => NdszReply::Failed(format!(
                "{path} returned 200 but not JSON ({}); is istiod's monitoring port 15014 what answers there?",
                crate::error::plain(&e.to_string())
            )),
        },
        404 => NdszReply::NotHere,
        401 | 403 => NdszReply::Failed(format!(
            "istiod refused {path} with {status} ({text}); debug endpoints need a loopback caller or a token istiod accepts (ENABLE_DEBUG_ENDPOINT_AUTH)"
        )),
        400 if text.contains("DNS capture") => NdszReply::Failed(format!(
            "istiod answered 400 ({text}): before Istio 1.25 it builds no name table for proxies without DNS capture"
        )),
        other => NdszReply::Failed(format!("{path} returned {other} ({text})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_status_codes_to_replies() {
        assert_eq!(
            interpret(404, b"Proxy not connected to this Pilot instance", "/p"),
            NdszReply::NotHere
        );
        assert!(matches!(
            interpret(200, br#"{"configs":[]}"#, "/p"),
            NdszReply::Table(_)
        ));
        let NdszReply::Failed(why) = interpret(403, b"forbidden", "/p") else {
            panic!()
        };
        assert!(why.contains("403") && why.contains("loopback"));
        let NdszReply::Failed(why) = interpret(200, b"<html>", "/p") else {
            panic!()
        };
        assert!(why.contains("not JSON"));
    }
}
