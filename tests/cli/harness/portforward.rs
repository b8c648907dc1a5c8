//! One pod port-forward session over WebSocket (`v4.channel.k8s.io`/`v5.channel.k8s.io`), as the
//! kubelet runs it behind the API server: an initial `[channel, port_lo, port_hi]` frame on every
//! channel, then binary frames whose first byte is the channel (port i: data `2i`, error `2i+1`),
//! bridged to a loopback TCP target per port.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

/// What one forwarded port is bridged to.
pub(crate) struct PortPlan {
    pub(crate) port: u16,
    /// None: nothing listens on that port in the pod.
    pub(crate) target: Option<SocketAddr>,
}

/// The `ports` query parameter(s): repeated and/or comma-separated, as kube-rs and kubectl send them.
pub(crate) fn parse_ports(params: &[(String, String)]) -> Result<Vec<u16>, String> {
    let mut ports = Vec::new();
    for (key, value) in params {
        if key != "ports" {
            continue;
        }
        for item in value.split(',').filter(|p| !p.is_empty()) {
            let port: u16 = item
                .trim()
                .parse()
                .map_err(|_| format!("unable to parse \"{item}\" as a port"))?;
            if port == 0 {
                return Err("port \"0\" must be in the range 1-65535".to_string());
            }
            ports.push(port);
        }
    }
    if ports.is_empty() {
        return Err("at least one port must be specified".to_string());
    }
    Ok(ports)
}

/// A stable 64-hex-digit sandbox id for a pod uid, as CRI runtimes name pod sandboxes.
fn sandbox_id(pod_uid: &str) -> String {
    let mut out = String::new();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for round in 0..4u8 {
        for b in pod_uid.bytes().chain([round]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{hash:016x}"));
    }
    out
}

/// The kubelet/containerd message for a port nothing listens on (or that cannot be reached).
fn forwarding_error(port: u16, pod_uid: &str, cause: &str) -> String {
    let sandbox = sandbox_id(pod_uid);
    format!(
        "error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network namespace \
         \"/var/run/netns/cni-{netns}\": failed to connect to localhost:{port} inside namespace \"{sandbox}\", \
         IPv4: dial tcp4 127.0.0.1:{port}: {cause} IPv6 dial tcp6 [::1]:{port}: {cause} ",
        netns = &sandbox[..12],
    )
}

fn connect_cause(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => "connect: connection refused".to_string(),
        std::io::ErrorKind::TimedOut => "i/o timeout".to_string(),
        _ => format!("connect: {error}"),
    }
}

async fn connect(plan: &PortPlan, pod_uid: &str) -> Result<TcpStream, String> {
    let refused = || forwarding_error(plan.port, pod_uid, "connect: connection refused");
    let addr = plan.target.ok_or_else(refused)?;
    match tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(forwarding_error(plan.port, pod_uid, &connect_cause(&e))),
        Err(_) => Err(forwarding_error(plan.port, pod_uid, "i/o timeout")),
    }
}

fn frame(channel: usize, payload: &[u8]) -> Message {
    let mut bytes = Vec::with_capacity(payload.len() + 1);
    bytes.push(u8::try_from(channel).expect("fewer than 128 ports"));
    bytes.extend_from_slice(payload);
    Message::Binary(Bytes::from(bytes))
}

enum Event {
    Data(usize, Vec<u8>),
    Eof(usize),
}

async fn pump(index: usize, mut reader: OwnedReadHalf, events: mpsc::Sender<Event>) {
    let mut buffer = vec![0u8; 32 * 1024];
    loop {
        match reader.read(&mut buffer).await {
            Ok(0) | Err(_) => {
                let _ = events.send(Event::Eof(index)).await;
                return;
            }
            Ok(n) => {
                if events
                    .send(Event::Data(index, buffer[..n].to_vec()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

type Sink = futures::stream::SplitSink<WebSocket, Message>;
type Stream = futures::stream::SplitStream<WebSocket>;

/// Sends our Close, then reads until the peer's Close reply (or the end) so the handshake completes.
async fn close_and_drain(mut sink: Sink, stream: Stream) {
    let _ = sink.send(Message::Close(None)).await;
    drain(stream).await;
}

/// Keeps reading until None: that is what flushes tungstenite's queued Close reply.
async fn drain(mut stream: Stream) {
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
}

/// Runs one session until the client closes it or every port's target has closed.
pub(crate) async fn run_session(socket: WebSocket, plans: Vec<PortPlan>, pod_uid: String) {
    let (mut sink, stream) = socket.split();
    for (i, plan) in plans.iter().enumerate() {
        let port = plan.port.to_le_bytes();
        for channel in [2 * i, 2 * i + 1] {
            if sink.send(frame(channel, &port)).await.is_err() {
                return;
            }
        }
    }
    let (events_tx, events) = mpsc::channel::<Event>(64);
    let mut writers: Vec<Option<OwnedWriteHalf>> = Vec::with_capacity(plans.len());
    let mut open = 0usize;
    let mut pumps = tokio::task::JoinSet::new();
    for (i, plan) in plans.iter().enumerate() {
        match connect(plan, &pod_uid).await {
            Ok(tcp) => {
                let (reader, writer) = tcp.into_split();
                writers.push(Some(writer));
                open += 1;
                pumps.spawn(pump(i, reader, events_tx.clone()));
            }
            Err(message) => {
                writers.push(None);
                if sink
                    .send(frame(2 * i + 1, message.as_bytes()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    }
    drop(events_tx);
    if open == 0 {
        close_and_drain(sink, stream).await;
        return;
    }
    bridge(sink, stream, events, writers, open).await;
    pumps.abort_all();
}

async fn bridge(
    mut sink: Sink,
    mut stream: Stream,
    mut events: mpsc::Receiver<Event>,
    mut writers: Vec<Option<OwnedWriteHalf>>,
    mut open: usize,
) {
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Binary(data))) if !data.is_empty() => {
                    let channel = usize::from(data[0]);
                    if channel % 2 == 0
                        && let Some(slot) = writers.get_mut(channel / 2)
                        && let Some(writer) = slot
                        && writer.write_all(&data[1..]).await.is_err()
                    {
                        *slot = None;
                    }
                }
                Some(Ok(Message::Close(_))) => {
                    writers.clear();
                    drain(stream).await;
                    return;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
            event = events.recv() => match event {
                Some(Event::Data(i, bytes)) => {
                    if sink.send(frame(2 * i, &bytes)).await.is_err() {
                        return;
                    }
                }
                Some(Event::Eof(i)) => {
                    writers[i] = None;
                    open -= 1;
                    if open == 0 {
                        close_and_drain(sink, stream).await;
                        return;
                    }
                }
                None => {
                    close_and_drain(sink, stream).await;
                    return;
                }
            },
        }
    }
}
