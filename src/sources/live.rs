//! Live sources: kube-dns and the sidecar asked over pod port-forwards (or addresses given on the
//! command line), and istiod's `/debug/ndsz` over port-forwards to each replica (or a URL).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::live::forward::{ErrorWatch, Forwards};
use crate::model::{Outcome, SourceKind, SourceResult};
use crate::pace::{Pacer, Pacers};
use crate::sources::dns::{DnsClient, human};
use crate::sources::istiod::{NdszReply, fetch_ndsz, ndsz_path};
use crate::sources::udp::UdpExchanger;
use crate::sources::{ControlPlane, Ndsz, Question, Resolver};
use crate::workload::Workload;

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
    kind: SourceKind,
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
        kind: SourceKind,
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

/// Where istiod's debug endpoint is reached.
#[derive(Debug, Clone)]
pub enum IstiodEndpoint {
    /// Ready istiod pods (namespace, name), tried in turn over port-forwards to 15014.
    Replicas(Vec<(String, String)>),
    /// A URL given on the command line (`http://host:port`).
    Url(SocketAddr),
    /// istiod cannot be reached; the text says why.
    Unavailable(String),
}

/// istiod's monitoring port, which serves `/debug/*`.
pub const ISTIOD_DEBUG_PORT: u16 = 15014;

/// A live istiod.
pub struct LiveControlPlane<'a> {
    pub endpoint: IstiodEndpoint,
    pub forwards: &'a Forwards,
    pub timeout: Duration,
}

impl ControlPlane for LiveControlPlane<'_> {
    async fn ndsz(&self, workload: Option<&Workload>) -> Ndsz {
        let Some(workload) = workload.filter(|w| w.has_sidecar()) else {
            return Ndsz::NotApplicable(
                "no mesh proxy: no control plane name table applies".to_string(),
            );
        };
        let path = ndsz_path(&workload.proxy_id());
        match &self.endpoint {
            IstiodEndpoint::Unavailable(why) => Ndsz::Failed(why.clone()),
            IstiodEndpoint::Url(addr) => {
                let connect =
                    tokio::time::timeout(self.timeout, tokio::net::TcpStream::connect(addr)).await;
                match connect {
                    Ok(Ok(stream)) => observation(
                        fetch_ndsz(stream, &addr.to_string(), &path, self.timeout).await,
                        1,
                    ),
                    Ok(Err(e)) => Ndsz::Failed(format!("cannot connect to {addr}: {e}")),
                    Err(_) => Ndsz::Failed(format!(
                        "connect to {addr} timed out after {}",
                        human(self.timeout)
                    )),
                }
            }
            IstiodEndpoint::Replicas(replicas) => {
                let mut failures = Vec::new();
                for (namespace, pod) in replicas {
                    let reply = match self.forwards.open(namespace, pod, ISTIOD_DEBUG_PORT).await {
                        Ok((stream, _)) => {
                            fetch_ndsz(stream, "localhost", &path, self.timeout).await
                        }
                        Err(why) => NdszReply::Failed(why),
                    };
                    match reply {
                        NdszReply::NotHere => continue,
                        NdszReply::Failed(why) => failures.push(format!("{pod}: {why}")),
                        table => return observation(table, 1),
                    }
                }
                if failures.is_empty() {
                    observation(NdszReply::NotHere, replicas.len())
                } else {
                    Ndsz::Failed(failures.join("; "))
                }
            }
        }
    }
}

/// Turns one reply (or the last of `replicas` 404s) into an observation.
fn observation(reply: NdszReply, replicas: usize) -> Ndsz {
    match reply {
        NdszReply::Table(body) => Ndsz::Body(body),
        NdszReply::Failed(why) => Ndsz::Failed(why),
        NdszReply::NotHere => Ndsz::Failed(format!(
            "the proxy is not connected to istiod ({replicas} replica(s) answered 404 Proxy not connected); is the sidecar running and synced?"
        )),
    }
}
