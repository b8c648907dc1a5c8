//! Live sources: kube-dns and the sidecar asked over pod port-forwards (or addresses given on the
//! command line), and the control plane's debug endpoint over port-forwards to each replica (or a
//! URL).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::live::forward::{ErrorWatch, Forwards};
use crate::mesh::TableFetch;
use crate::model::{Layer, Outcome, SourceResult};
use crate::pace::{Pacer, Pacers};
use crate::sources::dns::{DnsClient, human};
use crate::sources::http;
use crate::sources::udp::UdpExchanger;
use crate::sources::{ControlPlane, Question, Resolver, TableReply, TableRequest};

/// How long to wait for a port-forward's error message after a failed exchange.
const ERROR_GRACE: Duration = Duration::from_millis(300);

/// Where a live DNS layer is reached; also the key of its server's pacing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DnsEndpoint {
    /// A port of a pod, through a port-forward (TCP only).
    Pod {
        namespace: String,
        pod: String,
        port: u16,
    },
    /// An address reachable from here, over UDP with TCP fallback.
    Address(SocketAddr),
    /// The layer cannot be reached; the text says why.
    Unavailable(String),
}

/// A live kube-dns or sidecar resolver; a port-forward is opened on first use and kept for the run.
pub struct LiveResolver<'a> {
    kind: Layer,
    endpoint: DnsEndpoint,
    forwards: &'a Forwards,
    timeout: Duration,
    /// The pacing of the server behind `endpoint`, for every client of it.
    pacer: Arc<Pacer>,
    connection: Mutex<Option<(DnsClient, ForwardErrors)>>,
    /// The socket to a [`DnsEndpoint::Address`], opened on first use and kept for the run.
    udp: std::sync::OnceLock<Result<UdpExchanger, String>>,
}

impl<'a> LiveResolver<'a> {
    /// A resolver for `endpoint`, paced by `pacers`' pacer for it.
    pub fn new(
        kind: Layer,
        endpoint: DnsEndpoint,
        forwards: &'a Forwards,
        timeout: Duration,
        pacers: &Pacers<DnsEndpoint>,
    ) -> Self {
        Self {
            kind,
            pacer: pacers.of(endpoint.clone()),
            endpoint,
            forwards,
            timeout,
            connection: Mutex::new(None),
            udp: std::sync::OnceLock::new(),
        }
    }

    fn error(&self, why: String) -> SourceResult {
        SourceResult::new(self.kind, Outcome::Error(why), None)
    }
}

impl Resolver for LiveResolver<'_> {
    async fn ask(&self, question: &Question<'_>) -> SourceResult {
        let (namespace, pod, port) = match &self.endpoint {
            DnsEndpoint::Unavailable(why) => return self.error(why.clone()),
            DnsEndpoint::Address(addr) => {
                return match self.udp.get_or_init(|| {
                    UdpExchanger::bind(*addr, self.timeout, Arc::clone(&self.pacer))
                }) {
                    Ok(udp) => udp.ask(self.kind, question.fqdn, question.rtype).await,
                    Err(why) => self.error(why.clone()),
                };
            }
            DnsEndpoint::Pod {
                namespace,
                pod,
                port,
            } => (namespace, pod, *port),
        };
        // The lock is held only to open the forward once; the client multiplexes concurrent questions.
        let client = {
            let mut connection = self.connection.lock().await;
            if connection.is_none() {
                match self.forwards.open(namespace, pod, port).await {
                    Ok((stream, errors)) => {
                        let peer = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
                        *connection = Some((
                            DnsClient::over_stream(
                                stream,
                                peer,
                                self.timeout,
                                Arc::clone(&self.pacer),
                            ),
                            ForwardErrors::Watching(errors),
                        ));
                    }
                    Err(why) => return self.error(why),
                }
            }
            connection.as_ref().expect("connected above").0.clone()
        };
        let mut result = client.ask(self.kind, question.fqdn, question.rtype).await;
        if let Outcome::Error(why) = &result.outcome {
            // A forward that failed says why on its error channel; that beats a bare time-out.
            let mut connection = self.connection.lock().await;
            let errors = &mut connection.as_mut().expect("connected above").1;
            if let Some(message) = errors.message(ERROR_GRACE).await {
                result.outcome = Outcome::Error(format!(
                    "port-forward to pod {namespace}/{pod}:{port}: {} (query: {why})",
                    message.trim()
                ));
            }
        }
        result
    }
}

/// A port-forward's error channel: watched until it speaks once, then remembered.
enum ForwardErrors {
    Watching(ErrorWatch),
    Said(Option<String>),
}

impl ForwardErrors {
    /// The forward's error message, waiting at most `grace` for it; a resolved watch is never polled again.
    async fn message(&mut self, grace: Duration) -> Option<String> {
        if let Self::Watching(watch) = self
            && let Ok(said) = tokio::time::timeout(grace, watch.as_mut()).await
        {
            *self = Self::Said(said);
        }
        match self {
            Self::Said(message) => message.clone(),
            Self::Watching(_) => None,
        }
    }
}

/// Where a control plane's debug endpoint is reached.
#[derive(Debug, Clone)]
pub enum ControlPlaneEndpoint {
    /// Ready control-plane pods (namespace, name), tried in turn over port-forwards to `port`.
    Replicas {
        pods: Vec<(String, String)>,
        port: u16,
    },
    /// A URL given on the command line (`http://host:port`).
    Url(SocketAddr),
    /// The control plane cannot be reached; the text says why.
    Unavailable(String),
}

/// A live control plane: the asking proxy's mesh says which path holds its table and what the
/// replies mean.
pub struct LiveControlPlane<'a> {
    pub endpoint: ControlPlaneEndpoint,
    pub forwards: &'a Forwards,
    pub timeout: Duration,
}

impl ControlPlane for LiveControlPlane<'_> {
    async fn name_table(&self, request: Option<&TableRequest>) -> TableReply {
        let Some(request) = request else {
            return TableReply::NotApplicable(
                "no mesh DNS proxy: no control plane name table applies".to_string(),
            );
        };
        match &self.endpoint {
            ControlPlaneEndpoint::Unavailable(why) => TableReply::Failed(why.clone()),
            ControlPlaneEndpoint::Url(addr) => self.ask_url(*addr, request).await,
            ControlPlaneEndpoint::Replicas { pods, port } => {
                let mut failures = Vec::new();
                for (namespace, pod) in pods {
                    let reply = match self.forwards.open(namespace, pod, *port).await {
                        Ok((stream, _)) => fetch(stream, "localhost", request, self.timeout).await,
                        Err(why) => TableFetch::Failed(why),
                    };
                    match reply {
                        TableFetch::NotHere => continue,
                        TableFetch::Failed(why) => failures.push(format!("{pod}: {why}")),
                        table => return reply_of(table, request, 1),
                    }
                }
                if failures.is_empty() {
                    reply_of(TableFetch::NotHere, request, pods.len())
                } else {
                    TableReply::Failed(failures.join("; "))
                }
            }
        }
    }
}

impl LiveControlPlane<'_> {
    async fn ask_url(&self, addr: SocketAddr, request: &TableRequest) -> TableReply {
        let connect =
            tokio::time::timeout(self.timeout, tokio::net::TcpStream::connect(addr)).await;
        match connect {
            Ok(Ok(stream)) => reply_of(
                fetch(stream, &addr.to_string(), request, self.timeout).await,
                request,
                1,
            ),
            Ok(Err(e)) => TableReply::Failed(format!("cannot connect to {addr}: {e}")),
            Err(_) => TableReply::Failed(format!(
                "connect to {addr} timed out after {}",
                human(self.timeout)
            )),
        }
    }
}

/// Asks one replica over `stream`; the mesh tells what its reply means.
async fn fetch<S>(
    stream: S,
    authority: &str,
    request: &TableRequest,
    timeout: Duration,
) -> TableFetch
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    match http::get(stream, authority, &request.path, timeout).await {
        Ok((status, body)) => request.tables.reply(status, &body, &request.path),
        Err(why) => TableFetch::Failed(why),
    }
}

/// Turns one reply (or the last of `replicas` saying the proxy is not theirs) into the reply.
fn reply_of(fetched: TableFetch, request: &TableRequest, replicas: usize) -> TableReply {
    match fetched {
        TableFetch::Table(body) => TableReply::Body(body),
        TableFetch::Failed(why) => TableReply::Failed(why),
        TableFetch::NotHere => TableReply::Failed(request.tables.unclaimed_proxy(replicas)),
    }
}
