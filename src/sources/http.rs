//! One HTTP/1.1 `GET` on any byte stream (a port-forward, or a TCP connection to a URL given on the
//! command line), bounded by a time-out: how meshdig reads a control plane's debug endpoints.

use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

/// Sends `GET path` over `stream` (with `Host: authority`): the reply's status and body, or why
/// there was none within `timeout`.
pub async fn get<S>(
    stream: S,
    authority: &str,
    path: &str,
    timeout: Duration,
) -> Result<(u16, Bytes), String>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    match tokio::time::timeout(timeout, exchange(stream, authority, path)).await {
        Err(_) => Err(format!(
            "no reply to {path} within {}",
            super::dns::human(timeout)
        )),
        Ok(Err(e)) => Err(format!("{path}: {e}")),
        Ok(Ok(reply)) => Ok(reply),
    }
}

async fn exchange<S>(stream: S, authority: &str, path: &str) -> Result<(u16, Bytes), hyper::Error>
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
