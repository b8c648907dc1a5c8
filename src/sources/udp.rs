//! UDP exchanges with one DNS server for a whole run: one socket bound once, replies matched to
//! their questions by message ID and question section, as load generators such as dnsperf do.
//!
//! A socket per question (what a stub resolver does, for a fresh source port each time) costs a
//! `socket`, `bind` and `close` and a spawned task per question, which bounded a live audit's rate.
//! The server is always one the user named (`--kube-dns`, `--sidecar`), and the socket is connected
//! to it, so only its datagrams are read; a reply whose ID or question does not match a pending
//! question is dropped. Every question, and its TCP retry, waits for the server's pacer (`--qps`).

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use hickory_proto::op::{DnsRequest, DnsRequestOptions, Message, Query};
use hickory_proto::rr::RecordType;
use tokio::net::UdpSocket;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::model::{Layer, Outcome, SourceResult};
use crate::pace::Pacer;
use crate::sources::dns::{DnsClient, Received, human, question, source_result};

/// The largest DNS message over UDP (with EDNS, a server may send up to 65,535 bytes).
const MAX_DATAGRAM: usize = 65_535;

/// Questions sent and not yet answered, by message ID.
type Pending = Arc<Mutex<HashMap<u16, Waiting>>>;

/// One question waiting for its reply.
struct Waiting {
    /// Which exchange registered it: once a reply frees an ID, a new question may take it.
    exchange: u64,
    query: Query,
    reply: oneshot::Sender<Result<(Message, usize), String>>,
}

/// A UDP socket connected to one DNS server, shared by every question of the run.
pub struct UdpExchanger {
    server: SocketAddr,
    socket: Arc<UdpSocket>,
    pending: Pending,
    reader: JoinHandle<()>,
    timeout: Duration,
    exchanges: AtomicU64,
    pacer: Arc<Pacer>,
}

impl UdpExchanger {
    /// Binds a socket of `server`'s family and connects it to `server`, whose questions `pacer` paces.
    pub fn bind(server: SocketAddr, timeout: Duration, pacer: Arc<Pacer>) -> Result<Self, String> {
        let local: SocketAddr = if server.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = std::net::UdpSocket::bind(local)
            .and_then(|s| s.connect(server).map(|()| s))
            .and_then(|s| s.set_nonblocking(true).map(|()| s))
            .and_then(UdpSocket::from_std)
            .map_err(|e| format!("cannot open a UDP socket to {server}: {e}"))?;
        let socket = Arc::new(socket);
        let pending = Pending::default();
        let reader = tokio::spawn(read_replies(
            Arc::clone(&socket),
            Arc::clone(&pending),
            server,
        ));
        Ok(Self {
            server,
            socket,
            pending,
            reader,
            timeout,
            exchanges: AtomicU64::new(0),
            pacer,
        })
    }

    /// Asks `fqdn`/`rtype` with RD set, and again over TCP when the answer is truncated, as stub
    /// resolvers do; failures are per-source errors.
    pub async fn ask(&self, source: Layer, fqdn: &str, rtype: RecordType) -> SourceResult {
        match self
            .exchange(fqdn, rtype, DnsRequestOptions::default())
            .await
        {
            Ok(received) if received.message.metadata.truncation => {
                match DnsClient::tcp(self.server, self.timeout, Arc::clone(&self.pacer)).await {
                    Ok(tcp) => tcp.ask(source, fqdn, rtype).await,
                    Err(error) => SourceResult::new(source, Outcome::Error(error), None),
                }
            }
            exchanged => source_result(source, "udp", exchanged),
        }
    }

    /// Sends one question with `options` (by default RD set and EDNS, as dig sends) and waits for
    /// its reply and round-trip time. A port nobody listens on fails at once, on the host's ICMP reply.
    pub async fn exchange(
        &self,
        fqdn: &str,
        rtype: RecordType,
        options: DnsRequestOptions,
    ) -> Result<Received, String> {
        if self.reader.is_finished() {
            return Err(format!("the UDP reader for {} stopped", self.server));
        }
        let query = question(fqdn, rtype)?;
        self.pacer.wait().await;
        let (mut message, _) = DnsRequest::from_query(query.clone(), options).into_parts();
        let (reply, replied) = oneshot::channel();
        let exchange = self.exchanges.fetch_add(1, Ordering::Relaxed);
        let id = self.register(message.metadata.id, exchange, query, reply)?;
        // Whatever ends this exchange (reply, time-out, the caller giving up) frees the ID.
        let _registered = Registered {
            pending: &self.pending,
            id,
            exchange,
        };
        message.metadata.id = id;
        let bytes = message
            .to_vec()
            .map_err(|e| format!("cannot encode the question for {fqdn}: {e}"))?;
        let started = Instant::now();
        self.socket
            .send(&bytes)
            .await
            .map_err(|e| format!("cannot send to {}: {e}", self.server))?;
        match tokio::time::timeout(self.timeout, replied).await {
            Ok(Ok(Ok((message, size)))) => Ok(Received {
                message,
                rtt: started.elapsed(),
                size,
            }),
            Ok(Ok(Err(error))) => Err(error),
            Ok(Err(_)) => Err(format!("the UDP reader for {} stopped", self.server)),
            Err(_) => Err(format!("no answer within {}", human(self.timeout))),
        }
    }

    /// Registers a question under `wanted` or the next free ID.
    fn register(
        &self,
        wanted: u16,
        exchange: u64,
        query: Query,
        reply: oneshot::Sender<Result<(Message, usize), String>>,
    ) -> Result<u16, String> {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let id = (0..=u16::MAX)
            .map(|step| wanted.wrapping_add(step))
            .find(|id| !pending.contains_key(id))
            .ok_or_else(|| {
                format!(
                    "65,536 questions to {} are already waiting; lower --concurrency",
                    self.server
                )
            })?;
        pending.insert(
            id,
            Waiting {
                exchange,
                query,
                reply,
            },
        );
        Ok(id)
    }
}

impl Drop for UdpExchanger {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Removes a question's entry when its exchange ends, however it ends, unless a reply removed it
/// already and another question has since taken the ID.
struct Registered<'a> {
    pending: &'a Pending,
    id: u16,
    exchange: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if pending
            .get(&self.id)
            .is_some_and(|waiting| waiting.exchange == self.exchange)
        {
            pending.remove(&self.id);
        }
    }
}

/// Hands each datagram from the server to the question it answers. An error on the connected
/// socket fails every question then waiting: "connection refused" (the server's host said nobody
/// listens on the port) is said of those questions only; any other error ends the reader, and later
/// questions fail at once.
async fn read_replies(socket: Arc<UdpSocket>, pending: Pending, server: SocketAddr) {
    let mut buffer = vec![0u8; MAX_DATAGRAM];
    loop {
        match socket.recv(&mut buffer).await {
            Ok(len) => {
                let Ok(message) = Message::from_vec(&buffer[..len]) else {
                    continue;
                };
                let mut pending = pending.lock().unwrap_or_else(PoisonError::into_inner);
                let answers_it = pending
                    .get(&message.metadata.id)
                    .is_some_and(|waiting| same_question(&waiting.query, message.queries.first()));
                if answers_it && let Some(waiting) = pending.remove(&message.metadata.id) {
                    let _ = waiting.reply.send(Ok((message, len)));
                }
            }
            Err(e) => {
                let why = format!("{server}: {e}");
                let waiting: Vec<Waiting> = pending
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .drain()
                    .map(|(_, waiting)| waiting)
                    .collect();
                for waiting in waiting {
                    let _ = waiting.reply.send(Err(why.clone()));
                }
                if e.kind() != std::io::ErrorKind::ConnectionRefused {
                    return;
                }
            }
        }
    }
}

/// True when a reply's question is the one asked (names compare without regard to case).
fn same_question(asked: &Query, replied: Option<&Query>) -> bool {
    replied.is_some_and(|replied| {
        replied.query_type() == asked.query_type()
            && replied.query_class() == asked.query_class()
            && replied.name() == asked.name()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::Name;

    fn wait(
        pending: &Pending,
        id: u16,
        exchange: u64,
    ) -> oneshot::Receiver<Result<(Message, usize), String>> {
        let (reply, replied) = oneshot::channel();
        let query = Query::query(Name::from_ascii("a.example.").unwrap(), RecordType::A);
        pending.lock().unwrap().insert(
            id,
            Waiting {
                exchange,
                query,
                reply,
            },
        );
        replied
    }

    #[test]
    fn an_ended_exchange_leaves_a_reused_id_to_its_new_question() {
        let pending = Pending::default();
        let _first = wait(&pending, 7, 1);
        let first = Registered {
            pending: &pending,
            id: 7,
            exchange: 1,
        };
        // The reply to the first question frees ID 7, and a second question takes it...
        pending.lock().unwrap().remove(&7);
        let _second = wait(&pending, 7, 2);
        // ...before the first exchange has finished.
        drop(first);
        assert_eq!(pending.lock().unwrap()[&7].exchange, 2);
        drop(Registered {
            pending: &pending,
            id: 7,
            exchange: 2,
        });
        assert!(pending.lock().unwrap().is_empty());
    }

    #[test]
    fn replies_match_their_question_whatever_the_case() {
        let asked = Query::query(
            Name::from_ascii("Reviews.Bookinfo.").unwrap(),
            RecordType::A,
        );
        let same = Query::query(
            Name::from_ascii("reviews.bookinfo.").unwrap(),
            RecordType::A,
        );
        let other_type = Query::query(
            Name::from_ascii("reviews.bookinfo.").unwrap(),
            RecordType::AAAA,
        );
        assert!(same_question(&asked, Some(&same)));
        assert!(!same_question(&asked, Some(&other_type)));
        assert!(!same_question(&asked, None));
    }
}
