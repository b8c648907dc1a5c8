//! Minimal DNS client helpers for tests: one question over UDP, TCP or any async byte stream (a pod
//! port-forward) with TCP framing (2-byte big-endian length prefix), the full message back.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RecordType};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

fn invalid(error: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error.to_string())
}

/// The wire form of a recursive query for `name`/`rtype` (with a random id).
pub fn query_bytes(name: &str, rtype: RecordType) -> Vec<u8> {
    let name = Name::from_ascii(name).unwrap_or_else(|e| panic!("bad DNS name {name}: {e}"));
    let mut message = Message::query();
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(name, rtype));
    message.to_vec().expect("a query encodes")
}

fn decode(bytes: &[u8], sent: &[u8]) -> io::Result<Message> {
    let message = Message::from_vec(bytes).map_err(invalid)?;
    let sent_id = u16::from_be_bytes([sent[0], sent[1]]);
    if message.metadata.id != sent_id {
        return Err(invalid(format!(
            "answer id {} does not match query id {sent_id}",
            message.metadata.id
        )));
    }
    Ok(message)
}

/// Asks `addr` over UDP.
pub fn udp_query(
    addr: SocketAddr,
    name: &str,
    rtype: RecordType,
    timeout: Duration,
) -> io::Result<Message> {
    let socket = UdpSocket::bind(("127.0.0.1", 0))?;
    socket.set_read_timeout(Some(timeout))?;
    let query = query_bytes(name, rtype);
    socket.send_to(&query, addr)?;
    let mut buffer = vec![0u8; 65535];
    let (n, _) = socket.recv_from(&mut buffer)?;
    decode(&buffer[..n], &query)
}

/// Asks `addr` over TCP.
pub fn tcp_query(
    addr: SocketAddr,
    name: &str,
    rtype: RecordType,
    timeout: Duration,
) -> io::Result<Message> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let query = query_bytes(name, rtype);
    let length = u16::try_from(query.len()).expect("a short query");
    stream.write_all(&length.to_be_bytes())?;
    stream.write_all(&query)?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix)?;
    let mut answer = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut answer)?;
    decode(&answer, &query)
}

/// Asks over an already connected byte stream with TCP framing; the stream stays open for more.
pub async fn stream_query<S>(stream: &mut S, name: &str, rtype: RecordType) -> io::Result<Message>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let query = query_bytes(name, rtype);
    let length = u16::try_from(query.len()).expect("a short query");
    let mut framed = length.to_be_bytes().to_vec();
    framed.extend_from_slice(&query);
    stream.write_all(&framed).await?;
    stream.flush().await?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).await?;
    let mut answer = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut answer).await?;
    decode(&answer, &query)
}

/// One answer record in presentation form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rr {
    /// Owner name, fully qualified with a trailing dot.
    pub name: String,
    /// TTL in seconds.
    pub ttl: u32,
    /// `A`, `AAAA`, `CNAME`, `SRV`, …
    pub rtype: String,
    /// Rdata as in a zone file (`10.96.0.10`, `db.example.com.`, `0 100 9080 reviews…`).
    pub data: String,
}

/// The answer section of `message`.
pub fn answers(message: &Message) -> Vec<Rr> {
    message
        .answers
        .iter()
        .map(|r| Rr {
            name: r.name.to_ascii(),
            ttl: r.ttl,
            rtype: r.record_type().to_string(),
            data: r.data.to_string(),
        })
        .collect()
}
