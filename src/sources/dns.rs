//! Raw DNS exchanges with a live server: one exact question, the full message back (rcode, flags,
//! every record), over a port-forward stream or TCP to an address; UDP exchanges are `udp.rs`'s.
//!
//! The high-level resolver is not used: it follows CNAMEs and turns rcodes into errors, which hides
//! exactly what meshdig must see. Every query waits for its server's [`Pacer`] first (`--qps`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hickory_net::client::Client;
use hickory_net::runtime::TokioRuntimeProvider;
use hickory_net::runtime::iocompat::AsyncIoTokioAsStd;
use hickory_net::tcp::{TcpClientStream, TcpStream};
use hickory_net::xfer::{DnsHandle, FirstAnswer};
use hickory_proto::op::{DnsRequestOptions, Message, MessageType, Query, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RecordType};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::model::{Answer, Layer, Outcome, Rcode, Record, SourceResult};
use crate::pace::Pacer;

/// A DNS client bound to one server for a whole run, so that a port-forward is opened once.
#[derive(Clone)]
pub struct DnsClient {
    client: Client<TokioRuntimeProvider>,
    transport: &'static str,
    timeout: Duration,
    /// The server's pacing, shared with every other client of the same server.
    pacer: Arc<Pacer>,
}

impl DnsClient {
    /// A client speaking DNS over TCP framing on `stream` (e.g. a pod port-forward).
    pub fn over_stream<S>(stream: S, peer: SocketAddr, timeout: Duration, pacer: Arc<Pacer>) -> Self
    where
        S: AsyncRead + AsyncWrite + Send + Sync + Unpin + 'static,
    {
        let (tcp, handle) = TcpStream::from_stream(AsyncIoTokioAsStd(stream), peer);
        let (client, background) = Client::<TokioRuntimeProvider>::with_timeout(
            TcpClientStream::from_stream(tcp),
            handle,
            timeout,
        );
        tokio::spawn(background);
        Self {
            client,
            transport: "tcp (port-forward)",
            timeout,
            pacer,
        }
    }

    /// A TCP client for `addr`.
    pub async fn tcp(
        addr: SocketAddr,
        timeout: Duration,
        pacer: Arc<Pacer>,
    ) -> Result<Self, String> {
        let (future, handle) =
            TcpClientStream::new(addr, None, Some(timeout), TokioRuntimeProvider::default());
        let stream = tokio::time::timeout(timeout, future)
            .await
            .map_err(|_| format!("TCP connect to {addr} timed out after {}", human(timeout)))?
            .map_err(|e| format!("TCP connect to {addr}: {e}"))?;
        let (client, background) =
            Client::<TokioRuntimeProvider>::with_timeout(stream, handle, timeout);
        tokio::spawn(background);
        Ok(Self {
            client,
            transport: "tcp",
            timeout,
            pacer,
        })
    }

    /// Asks `fqdn`/`rtype` and returns the answer as `source`'s result; failures are per-source errors.
    pub async fn ask(&self, source: Layer, fqdn: &str, rtype: RecordType) -> SourceResult {
        source_result(
            source,
            self.transport,
            self.exchange_timed(fqdn, rtype, DnsRequestOptions::default())
                .await,
        )
    }

    /// Sends the question; a truncated UDP answer is the caller's to retry over TCP.
    pub async fn exchange(&self, fqdn: &str, rtype: RecordType) -> Result<Message, String> {
        Ok(self
            .exchange_timed(fqdn, rtype, DnsRequestOptions::default())
            .await?
            .message)
    }

    /// Sends the question with `options` (RD, EDNS; by default RD set and EDNS, as dig sends),
    /// once the server's pacer lets it go, and returns the whole reply and the round-trip time
    /// (the wait for the pacer is not part of it, nor of `--timeout`); a truncated UDP answer is
    /// the caller's to retry over TCP.
    pub async fn exchange_timed(
        &self,
        fqdn: &str,
        rtype: RecordType,
        options: DnsRequestOptions,
    ) -> Result<Received, String> {
        let query = question(fqdn, rtype)?;
        self.pacer.wait().await;
        let started = Instant::now();
        let response = self.client.lookup(query, options).first_answer();
        let response = tokio::time::timeout(self.timeout, response)
            .await
            .map_err(|_| format!("no answer within {}", human(self.timeout)))?
            .map_err(|e| match e {
                hickory_net::NetError::Timeout => {
                    format!("no answer within {}", human(self.timeout))
                }
                other => other.to_string(),
            })?;
        let rtt = started.elapsed();
        let size = response.as_buffer().len();
        Ok(Received {
            message: response.into_message(),
            rtt,
            size,
        })
    }

    /// `tcp` or `tcp (port-forward)`.
    pub fn transport(&self) -> &'static str {
        self.transport
    }
}

/// The question section for `fqdn`/`rtype`, class IN.
pub fn question(fqdn: &str, rtype: RecordType) -> Result<Query, String> {
    let name = Name::from_ascii(fqdn).map_err(|e| format!("cannot encode {fqdn}: {e}"))?;
    let mut query = Query::query(name, rtype);
    query.set_query_class(DNSClass::IN);
    Ok(query)
}

/// A reply as it came back: the message, the round trip and its size on the wire.
#[derive(Debug, Clone)]
pub struct Received {
    pub message: Message,
    pub rtt: Duration,
    /// The bytes received (`;; MSG SIZE  rcvd:` in dig).
    pub size: usize,
}

/// The source result of one exchange over `transport`: the answer with its round-trip time, or
/// the error.
pub fn source_result(
    source: Layer,
    transport: &str,
    exchanged: Result<Received, String>,
) -> SourceResult {
    let (outcome, rtt_ms) = match exchanged.map(|r| (r.message, r.rtt)) {
        // A message without the QR bit is a query, not an answer, whatever it carries.
        Ok((message, _)) if message.metadata.message_type != MessageType::Response => (
            Outcome::Error(
                "the reply has the QR bit clear: it is a query, not a DNS response (is a DNS server listening there?)"
                    .to_string(),
            ),
            None,
        ),
        Ok((message, rtt)) => (
            Outcome::Answered(answer_of(&message)),
            Some((rtt.as_secs_f64() * 10_000.0).round() / 10.0),
        ),
        Err(error) => (Outcome::Error(error), None),
    };
    SourceResult {
        source,
        outcome,
        origin: None,
        rtt_ms,
        transport: Some(transport.to_string()),
    }
}

/// The meshdig answer of a DNS message: rcode, AA and the answer section in presentation form.
pub fn answer_of(message: &Message) -> Answer {
    Answer {
        rcode: rcode_of(message.metadata.response_code),
        authoritative: message.metadata.authoritative,
        records: message
            .answers
            .iter()
            .map(|r| {
                Record::new(
                    &r.name.to_ascii(),
                    &r.record_type().to_string(),
                    r.ttl,
                    r.data.to_string(),
                )
            })
            .collect(),
    }
}

fn rcode_of(code: ResponseCode) -> Rcode {
    match code {
        ResponseCode::NoError => Rcode::NoError,
        ResponseCode::FormErr => Rcode::FormErr,
        ResponseCode::NXDomain => Rcode::NxDomain,
        ResponseCode::NotImp => Rcode::NotImp,
        ResponseCode::Refused => Rcode::Refused,
        _ => Rcode::ServFail,
    }
}

/// `5 s` or `1500 ms`.
pub fn human(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{DnsRequest, DnsRequestOptions};

    #[test]
    fn a_reply_without_the_qr_bit_is_no_answer() {
        let query = question("reviews.bookinfo.svc.cluster.local.", RecordType::A).unwrap();
        let (mut message, _) =
            DnsRequest::from_query(query, DnsRequestOptions::default()).into_parts();
        let echoed = source_result(
            Layer::KUBE_DNS,
            "udp",
            Ok(Received {
                message: message.clone(),
                rtt: Duration::from_millis(1),
                size: 0,
            }),
        );
        assert!(
            matches!(&echoed.outcome, Outcome::Error(why) if why.contains("QR bit clear")),
            "{echoed:?}"
        );
        message.metadata.message_type = MessageType::Response;
        let replied = source_result(
            Layer::KUBE_DNS,
            "udp",
            Ok(Received {
                message,
                rtt: Duration::ZERO,
                size: 0,
            }),
        );
        assert!(
            matches!(replied.outcome, Outcome::Answered(_)),
            "{replied:?}"
        );
    }
}
