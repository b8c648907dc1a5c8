//! Faulty servers on loopback, each misbehaving one way for every request: a DNS server (UDP)
//! that replies garbage, truncated, with the wrong ID or question, without the QR bit, SERVFAIL
//! or never; and an HTTP server (standing in for the Kubernetes API or istiod's debug port) that
//! answers 500, 403, HTML, garbage, or hangs. They stop when dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{RData, Record};

/// A server thread polled until its `stop` flag is set.
struct Serving {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Serving {
    fn spawn(addr: SocketAddr, serve: impl FnOnce(Arc<AtomicBool>) + Send + 'static) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || serve(flag));
        Self {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A DNS server on 127.0.0.1 (UDP) that answers every question with one fault.
pub struct FaultyDns(Serving);

impl FaultyDns {
    /// Starts it; `fault` is one of the names [`dns_reply`] knows (panics on another).
    pub fn start(fault: &str) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("a read time-out");
        let addr = socket.local_addr().expect("an address");
        let fault = fault.to_string();
        assert!(dns_reply(&fault, &sample_query()).is_some() || fault == "silent");
        Self(Serving::spawn(addr, move |stop| {
            let mut buffer = [0u8; 4096];
            while !stop.load(Ordering::Relaxed) {
                let Ok((len, peer)) = socket.recv_from(&mut buffer) else {
                    continue;
                };
                if let Some(reply) = dns_reply(&fault, &buffer[..len]) {
                    let _ = socket.send_to(&reply, peer);
                }
            }
        }))
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr
    }
}

fn sample_query() -> Vec<u8> {
    super::dns_wire::query_bytes(
        "reviews.bookinfo.svc.cluster.local.",
        hickory_proto::rr::RecordType::A,
    )
}

/// The reply `fault` gives to `query`; None: no reply at all.
fn dns_reply(fault: &str, query: &[u8]) -> Option<Vec<u8>> {
    let answer = |edit: &dyn Fn(&mut Message)| {
        let mut message = Message::from_vec(query).ok()?;
        message.metadata.message_type = MessageType::Response;
        message.metadata.recursion_available = true;
        edit(&mut message);
        message.to_vec().ok()
    };
    match fault {
        "silent" => None,
        "garbage" => Some(b"\xde\xad\xbe\xef this is not DNS \x1b[2J\x07".repeat(8)),
        "short" => Some(query[..5.min(query.len())].to_vec()),
        "echo" => Some(query.to_vec()),
        "wrong-id" => {
            let mut reply = answer(&|_| {})?;
            reply[0] ^= 0x5a;
            Some(reply)
        }
        "wrong-question" => answer(&|m| {
            m.queries[0].name = "elsewhere.example.".parse().expect("a name");
        }),
        "truncated" => answer(&|m| m.metadata.truncation = true),
        "servfail" => answer(&|m| m.metadata.response_code = ResponseCode::ServFail),
        "refused" => answer(&|m| m.metadata.response_code = ResponseCode::Refused),
        "nxdomain" => answer(&|m| m.metadata.response_code = ResponseCode::NXDomain),
        // A working server: reviews' ClusterIP for every A question, NXDOMAIN for the rest.
        "answer" => answer(&|m| {
            let query = m.queries[0].clone();
            m.metadata.authoritative = true;
            if query.query_type() == hickory_proto::rr::RecordType::A {
                let ip = std::net::Ipv4Addr::new(10, 96, 12, 34);
                m.answers.push(Record::from_rdata(
                    query.name.clone(),
                    30,
                    RData::A(ip.into()),
                ));
            } else {
                m.metadata.response_code = ResponseCode::NXDomain;
            }
        }),
        "hostile-txt" => answer(&|m| {
            let name = m.queries[0].name.clone();
            let text = format!("\u{1b}]0;owned\u{7}\u{1b}[2J{}", "x".repeat(200));
            m.answers.push(Record::from_rdata(
                name,
                30,
                RData::TXT(TXT::new(vec![text])),
            ));
        }),
        "pointer-loop" => {
            let mut reply = answer(&|_| {})?;
            // One answer whose owner name is a compression pointer to itself.
            reply[7] = 1;
            let at = reply.len();
            reply.extend_from_slice(&[
                0xc0 | (at >> 8) as u8,
                at as u8,
                0,
                1,
                0,
                1,
                0,
                0,
                0,
                30,
                0,
                4,
                10,
                0,
                0,
                1,
            ]);
            Some(reply)
        }
        other => panic!("unknown DNS fault {other:?}"),
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that answers every request with one fault.
pub struct FaultyHttp(Serving);

impl FaultyHttp {
    /// Starts it; `fault` is one of the names [`http_reply`] knows (panics on another).
    pub fn start(fault: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a TCP listener");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("an address");
        let fault = fault.to_string();
        let _ = http_reply(&fault);
        Self(Serving::spawn(addr, move |stop| {
            let mut held = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Some(stream) = answer_http(&fault, stream) {
                            held.push(stream);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        }))
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.0.addr)
    }
}

/// Reads the request head and writes the fault's reply; a hanging fault keeps the stream open.
fn answer_http(fault: &str, mut stream: TcpStream) -> Option<TcpStream> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65_536 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    match http_reply(fault) {
        Some(reply) => {
            let _ = stream.write_all(&reply);
            None
        }
        None => Some(stream),
    }
}

/// The bytes `fault` answers every request with; None: it never answers (the connection hangs).
fn http_reply(fault: &str) -> Option<Vec<u8>> {
    let reply = |status: &str, content_type: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let hostile = format!(
        "<html>\u{1b}[2J\u{1b}]0;owned\u{7}\n{}</html>",
        "junk ".repeat(20_000)
    );
    Some(match fault {
        "hang" => return None,
        "close" => Vec::new(),
        "garbage" => b"\x00\x01\x02 NOT HTTP \x1b[2J\r\n\r\n".to_vec(),
        "500" => reply(
            "500 Internal Server Error",
            "text/plain",
            "internal error\n",
        ),
        "500-hostile" => reply("500 Internal Server Error", "text/html", &hostile),
        "403-html" => reply("403 Forbidden", "text/html", &hostile),
        "401" => reply(
            "401 Unauthorized",
            "application/json",
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#,
        ),
        "200-html" => reply("200 OK", "text/html", &hostile),
        "200-not-json" => reply(
            "200 OK",
            "application/json",
            "{\"configs\": [ {\"table\": \u{1b}[31m",
        ),
        "200-wrong-json" => reply(
            "200 OK",
            "application/json",
            r#"{"configs": 7, "kind": "Status"}"#,
        ),
        "404-hostile" => reply("404 Not Found", "text/plain", &hostile),
        other => panic!("unknown HTTP fault {other:?}"),
    })
}
