//! `meshdig dig`: one exact question to one layer, and the whole reply printed the way dig prints it
//! (or as JSON). The escape hatch under `meshdig diff`: no search list, no diff, no explanation.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::{DnsRequestOptions, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME};
use hickory_proto::rr::{Name, RData, Record, RecordType};

use crate::cli::DigArgs;
use crate::error::{Error, ExitCode, Result, quoted};
use crate::live::api::Reader;
use crate::live::capture::{CaptureRequest, SourceOverrides, endpoints};
use crate::live::connect::{KubeSettings, connect};
use crate::live::forward::Forwards;
use crate::mesh;
use crate::model::Rcode;
use crate::pace::Pacers;
use crate::query::{QueryName, QueryType};
use crate::render::message::{self, Exchange, Shown};
use crate::sources::dns::{DnsClient, Received};
use crate::sources::live::{DnsEndpoint, LiveControlPlane};
use crate::sources::udp::UdpExchanger;
use crate::sources::{ControlPlane, TableReply, TableRequest};
use crate::workload::Workload;

/// How long to wait for a port-forward's error message after a failed exchange.
const ERROR_GRACE: Duration = Duration::from_millis(300);
/// The sources a `@` word can name, for messages.
const SOURCES: &str = "@kube-dns, @sidecar, @control-plane or @IP[:PORT]";

/// The layer a `@` word names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    KubeDns,
    Sidecar,
    ControlPlane,
    Address(SocketAddr),
}

impl Source {
    /// The layer's name in output.
    fn label(self) -> &'static str {
        match self {
            Self::KubeDns => "kube-dns",
            Self::Sidecar => "sidecar",
            Self::ControlPlane => "control-plane",
            Self::Address(_) => "address",
        }
    }
}

/// The question the words ask, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    source: Source,
    /// The `@` word as typed (or `@kube-dns`), for the banner.
    source_word: String,
    /// The name on the wire: as typed plus a trailing dot, or the reverse name of an IP address.
    fqdn: String,
    rtype: RecordType,
    /// `+tcp` (Some(true)), `+notcp` (Some(false)), or neither.
    tcp: Option<bool>,
    recursion_desired: bool,
    /// What of the reply is printed.
    shown: Shown,
    /// `+timeout=N`, in place of --timeout.
    timeout: Option<Duration>,
    /// `+tries=N`: how many times a UDP question is sent before the layer counts as silent.
    tries: u32,
    /// `+noedns` (false): no OPT record; `+bufsize=N`: the UDP size it offers; `+dnssec`: DO set.
    edns: bool,
    bufsize: Option<u16>,
    dnssec_ok: bool,
}

impl Request {
    /// What the question is sent with: RD, and EDNS with its UDP size and DO bit, as dig sends them.
    fn options(&self) -> DnsRequestOptions {
        let mut options = DnsRequestOptions::default();
        options.recursion_desired = self.recursion_desired;
        options.use_edns = self.edns;
        options.edns_set_dnssec_ok = self.dnssec_ok;
        if let Some(size) = self.bufsize {
            options.edns_payload_len = size;
        }
        options
    }

    /// The question as words: `@kube-dns reviews.bookinfo.svc.cluster.local. A +norec`.
    fn asked(&self) -> String {
        let mut words = format!("{} {} {}", self.source_word, self.fqdn, self.rtype);
        match self.tcp {
            Some(true) => words.push_str(" +tcp"),
            Some(false) => words.push_str(" +notcp"),
            None => {}
        }
        if !self.recursion_desired {
            words.push_str(" +norec");
        }
        words
    }
}

/// What came back, and from where.
struct Reply {
    /// None when the layer would not answer itself (a name the agent forwards).
    message: Option<Message>,
    server: String,
    transport: Option<&'static str>,
    rtt: Option<Duration>,
    /// The bytes received; None for a synthesized answer.
    size: Option<usize>,
    notes: Vec<String>,
}

/// Asks the question and prints the reply; exit 0 whatever the status, like dig.
pub async fn run(args: &DigArgs) -> Result<ExitCode> {
    if args.snapshot.is_some() {
        return Err(Error::Usage(
            "meshdig dig asks a live layer and cannot replay a snapshot: drop --snapshot (meshdig diff NAME --snapshot FILE replays one)"
                .to_string(),
        ));
    }
    let request = parse_words(&words_of(args), &Dial::of(args))?;
    check_from(&request, args)?;
    tracing::debug!(question = %request.asked(), "dig");
    let reply = ask(&request, args).await?;
    let exchange = Exchange {
        source: request.source.label(),
        asked: request.asked(),
        name: request.fqdn.clone(),
        rtype: request.rtype,
        recursion_desired: request.recursion_desired,
        server: reply.server,
        transport: reply.transport,
        rtt: reply.rtt,
        size: reply.size,
        when: Some(jiff::Zoned::now()),
        notes: reply.notes,
    };
    super::print(
        args.output.format,
        |_| message::text(reply.message.as_ref(), &exchange, request.shown),
        || message::document(reply.message.as_ref(), &exchange),
    )?;
    Ok(ExitCode::Agree)
}

/// The words with dig's `-x ADDR` and `-t TYPE` among them: an address word asks its reverse name.
fn words_of(args: &DigArgs) -> Vec<String> {
    let mut words = args.words.clone();
    words.extend(args.reverse.map(|ip| ip.to_string()));
    words.extend(args.rtype.clone());
    words
}

/// How an `@` address is dialled: dig's `-p`, `-4` and `-6`.
#[derive(Debug, Clone, Copy, Default)]
struct Dial {
    port: Option<u16>,
    ipv4: bool,
    ipv6: bool,
}

impl Dial {
    fn of(args: &DigArgs) -> Self {
        Self {
            port: args.port,
            ipv4: args.ipv4,
            ipv6: args.ipv6,
        }
    }

    /// `ip` at `port` (else -p, else 53), refused when -4 or -6 rules its family out.
    fn address(self, ip: IpAddr, port: Option<u16>, word: &str) -> Result<SocketAddr> {
        if (self.ipv4 && ip.is_ipv6()) || (self.ipv6 && ip.is_ipv4()) {
            let flag = if self.ipv4 { "-4" } else { "-6" };
            return Err(usage(format!("{word} is not reachable with {flag}")));
        }
        Ok(SocketAddr::new(ip, port.or(self.port).unwrap_or(53)))
    }
}

/// A `+option` that changes what is printed; false when `option` is not one.
fn show_option(shown: &mut Shown, option: &str) -> bool {
    let (on, part) = match option.strip_prefix("no") {
        Some(part) => (false, part),
        None => (true, option),
    };
    let short = shown.short;
    match part {
        "all" => *shown = if on { Shown::ALL } else { Shown::NONE },
        "cmd" => shown.cmd = on,
        "comments" => shown.comments = on,
        "question" => shown.question = on,
        "answer" => shown.answer = on,
        "authority" => shown.authority = on,
        "additional" => shown.additional = on,
        "stats" => shown.stats = on,
        "short" => shown.short = on,
        _ => return false,
    }
    if part == "all" {
        shown.short = short;
    }
    true
}

/// The number in `+timeout=N` or `+tries=N`, from 1 to `max`.
fn option_number(word: &str, value: &str, max: u32) -> Result<u32> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| usage(format!("'{}' needs a number from 1 to {max}", quoted(word))))
}

/// A usage error about the words, pointing at the help.
fn usage(message: String) -> Error {
    Error::Usage(format!("{message} (see 'meshdig dig --help')"))
}

/// Sorts dig-style words into source, name, type and options, and validates each.
fn parse_words(words: &[String], dial: &Dial) -> Result<Request> {
    let mut source: Option<(Source, &str)> = None;
    let mut tcp = None;
    let mut recursion_desired = true;
    let mut shown = Shown::ALL;
    let mut timeout = None;
    let mut tries = 1;
    let (mut edns, mut dnssec_ok, mut bufsize) = (true, false, None);
    let mut plain: Vec<&str> = Vec::new();
    for word in words {
        if let Some(spec) = word.strip_prefix('@') {
            if let Some((_, first)) = source {
                return Err(usage(format!(
                    "two sources given ('{first}' and '{word}'); meshdig dig asks one layer at a time"
                )));
            }
            source = Some((parse_source(spec, word, dial)?, word));
        } else if let Some(option) = word.strip_prefix('+') {
            let option = option.to_ascii_lowercase();
            let (key, value) = option.split_once('=').unwrap_or((&option, ""));
            match key {
                "tcp" | "vc" => tcp = Some(true),
                "notcp" | "novc" => tcp = Some(false),
                "rec" | "recurse" => recursion_desired = true,
                "norec" | "norecurse" => recursion_desired = false,
                "timeout" => {
                    let seconds = option_number(word, value, 3600)?;
                    timeout = Some(Duration::from_secs(u64::from(seconds)));
                }
                "tries" => tries = option_number(word, value, 10)?,
                "edns" => edns = true,
                "noedns" => edns = false,
                "dnssec" | "do" => dnssec_ok = true,
                "nodnssec" | "nodo" => dnssec_ok = false,
                "bufsize" => {
                    let size = option_number(word, value, u32::from(u16::MAX))?;
                    bufsize = Some(u16::try_from(size).expect("at most u16::MAX"));
                }
                "retry" => tries = option_number(word, value, 9)? + 1,
                _ if value.is_empty() && show_option(&mut shown, key) => {}
                _ => {
                    return Err(usage(format!(
                        "unknown option '{}': meshdig dig takes +[no]tcp, +[no]rec, +[no]edns, +[no]dnssec, +bufsize=N, +timeout=N, +tries=N, +short and +[no]all, +[no]cmd, +[no]comments, +[no]question, +[no]answer, +[no]authority, +[no]additional, +[no]stats",
                        quoted(word)
                    )));
                }
            }
        } else {
            plain.push(word);
        }
    }
    // `IN` after the name is the class, as dig allows; it is the only class meshdig asks.
    let mut plain = plain
        .into_iter()
        .enumerate()
        .filter_map(|(i, w)| (i == 0 || !w.eq_ignore_ascii_case("IN")).then_some(w));
    let (first, second) = (plain.next(), plain.next());
    if let Some(extra) = plain.next() {
        return Err(usage(format!(
            "unexpected word '{extra}': give one NAME and at most one TYPE"
        )));
    }
    let is_type = |w: &str| w.parse::<IpAddr>().is_err() && w.parse::<QueryType>().is_ok();
    let (name, rtype) = match (first, second) {
        (None, _) => {
            return Err(usage(
                "no NAME given; e.g. meshdig dig @kube-dns kubernetes.default.svc.cluster.local"
                    .to_string(),
            ));
        }
        // `dig MX example.com` names the type first.
        (Some(a), Some(b)) if is_type(a) && !is_type(b) => (b, Some(a)),
        (Some(a), b) => (a, b),
    };
    let (fqdn, reverse) = wire_name(name)?;
    let rtype = match rtype {
        Some(word) => word.parse::<QueryType>()?.0,
        None if reverse => RecordType::PTR,
        None => RecordType::A,
    };
    if matches!(rtype, RecordType::AXFR | RecordType::IXFR) {
        return Err(usage(format!(
            "{rtype} is a zone transfer, not a question meshdig dig asks; use dig or kdig"
        )));
    }
    let (source, source_word) = source.unwrap_or((Source::KubeDns, "@kube-dns"));
    Ok(Request {
        source,
        source_word: source_word.to_string(),
        fqdn,
        rtype,
        tcp,
        recursion_desired,
        shown,
        timeout,
        tries,
        edns,
        bufsize,
        dnssec_ok,
    })
}

/// `kube-dns`, `sidecar`, `control-plane`, `localhost`, or an IP address with an optional port
/// (`IP:PORT`, `[IPv6]:PORT` or dig's `IP#PORT`; else -p, else 53).
fn parse_source(spec: &str, word: &str, dial: &Dial) -> Result<Source> {
    let unknown = || {
        usage(format!(
            "unknown source '{word}': write {SOURCES} (e.g. @10.96.0.10, @[::1]:5353 or @127.0.0.1#5353)"
        ))
    };
    let (host, port) = match spec.rsplit_once('#') {
        Some((host, port)) => (host, Some(port.parse::<u16>().map_err(|_| unknown())?)),
        None => (spec, None),
    };
    match host.to_ascii_lowercase().as_str() {
        "" if port.is_none() => Err(usage(format!("'@' names no source: write {SOURCES}"))),
        "kube-dns" => Ok(Source::KubeDns),
        "sidecar" => Ok(Source::Sidecar),
        "control-plane" => Ok(Source::ControlPlane),
        "localhost" => {
            let ip = if dial.ipv6 {
                IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)
            } else {
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            };
            dial.address(ip, port, word).map(Source::Address)
        }
        _ => match host.parse::<SocketAddr>() {
            Ok(addr) if port.is_none() => dial.address(addr.ip(), Some(addr.port()), word),
            Ok(_) => Err(unknown()),
            Err(_) => {
                // Brackets must be balanced: `[::1` is no address.
                let ip = match host.strip_prefix('[') {
                    Some(inner) => inner.strip_suffix(']').ok_or_else(unknown)?,
                    None => host,
                };
                let ip = ip.parse::<IpAddr>().map_err(|_| unknown())?;
                dial.address(ip, port, word)
            }
        }
        .map(Source::Address),
    }
}

/// The name on the wire, and whether it is the reverse name of an IP address (as `dig -x`).
///
/// A name is asked exactly as typed (case included) plus a trailing dot; a Unicode name in its
/// IDNA ASCII form.
fn wire_name(word: &str) -> Result<(String, bool)> {
    if word == "." {
        return Ok((".".to_string(), false));
    }
    if let Ok(ip) = word.parse::<IpAddr>() {
        return Ok((Name::from(ip).to_ascii(), true));
    }
    let name = QueryName::parse(word)?;
    let fqdn = if !word.is_ascii() {
        name.fqdn()
    } else if word.ends_with('.') {
        word.to_string()
    } else {
        format!("{word}.")
    };
    Ok((fqdn, false))
}

/// `--from` is what @sidecar and @control-plane ask about, and nothing else.
fn check_from(request: &Request, args: &DigArgs) -> Result<()> {
    match (request.source, &args.from) {
        (Source::Sidecar, None) if args.live.sidecar.is_none_or(|a| a.port.is_none()) => Err(usage(
            "@sidecar asks the DNS proxy beside a pod: name the pod with --from POD (and -n NS), or give --sidecar ADDR:PORT (without a pod, meshdig cannot tell the mesh's port)"
                .to_string(),
        )),
        (Source::ControlPlane, None) => Err(usage(
            "@control-plane answers from the name table istiod holds for one proxy: name its pod with --from POD (and -n NS)"
                .to_string(),
        )),
        (Source::KubeDns | Source::Address(_), Some(_)) => Err(usage(format!(
            "--from only applies to @sidecar and @control-plane; {} answers every pod alike (drop --from, or ask @sidecar)",
            request.source_word
        ))),
        _ => Ok(()),
    }
}

/// An error for a layer that could not be asked (exit 3).
fn unreachable(request: &Request, why: impl std::fmt::Display) -> Error {
    Error::Cluster(format!("cannot ask {}: {why}", request.source_word))
}

async fn ask(request: &Request, args: &DigArgs) -> Result<Reply> {
    let timeout = request.timeout.unwrap_or(args.live.timeout);
    // One server is asked, once (twice when a truncated answer is asked again over TCP).
    let pacers = Pacers::new(args.live.qps);
    // A DNS proxy address without a port is completed by the --from pod's mesh, in the cluster.
    let sidecar = args
        .live
        .sidecar
        .and_then(|a| a.port.map(|port| SocketAddr::new(a.ip, port)));
    match (request.source, args.live.kube_dns, sidecar) {
        (Source::Address(addr), _, _)
        | (Source::KubeDns, Some(addr), _)
        | (Source::Sidecar, _, Some(addr)) => ask_address(request, addr, timeout, &pacers).await,
        _ => ask_in_cluster(request, args, &pacers).await,
    }
}

/// Asks `addr` over UDP (TCP with +tcp), and again over TCP when the UDP answer is truncated.
async fn ask_address(
    request: &Request,
    addr: SocketAddr,
    timeout: Duration,
    pacers: &Pacers<DnsEndpoint>,
) -> Result<Reply> {
    let pacer = pacers.of(DnsEndpoint::Address(addr));
    let server = format!("{}#{}({})", addr.ip(), addr.port(), addr.ip());
    let mut notes = Vec::new();
    let tcp = |notes: Vec<String>| async {
        let client = DnsClient::tcp(addr, timeout, Arc::clone(&pacer))
            .await
            .map_err(|why| unreachable(request, why))?;
        exchange(request, &client, &server, notes).await
    };
    if request.tcp == Some(true) {
        return tcp(notes).await;
    }
    // A connected socket: a closed port fails at once on the ICMP reply, as dig does.
    let udp = UdpExchanger::bind(addr, timeout, Arc::clone(&pacer))
        .map_err(|why| unreachable(request, why))?;
    let ask_udp = || async {
        let exchanged = udp
            .exchange(&request.fqdn, request.rtype, request.options())
            .await;
        reply_of(request, exchanged, &server, "udp", Vec::new())
    };
    let mut reply = ask_udp().await;
    // +tries: a UDP question that timed out is sent again, as dig sends it.
    for _ in 1..request.tries {
        match &reply {
            Err(Error::Cluster(why)) if why.contains("no answer within") => reply = ask_udp().await,
            _ => break,
        }
    }
    let reply = reply?;
    if reply
        .message
        .as_ref()
        .is_some_and(|m| m.metadata.truncation)
    {
        notes.push("Truncated, retrying in TCP mode.".to_string());
        return tcp(notes).await;
    }
    Ok(reply)
}

/// One exchange on `client`.
async fn exchange(
    request: &Request,
    client: &DnsClient,
    server: &str,
    notes: Vec<String>,
) -> Result<Reply> {
    let exchanged = client
        .exchange_timed(&request.fqdn, request.rtype, request.options())
        .await;
    reply_of(request, exchanged, server, client.transport(), notes)
}

/// The reply of one exchange with `server` over `transport`, or why the layer could not be asked.
fn reply_of(
    request: &Request,
    exchanged: std::result::Result<Received, String>,
    server: &str,
    transport: &'static str,
    notes: Vec<String>,
) -> Result<Reply> {
    let received = exchanged
        .map_err(|why| unreachable(request, format!("{server} over {transport}: {why}")))?;
    // A message without the QR bit is a query, not an answer, whatever it carries.
    if received.message.metadata.message_type != MessageType::Response {
        return Err(unreachable(
            request,
            format!(
                "{server} over {transport}: the reply has the QR bit clear: it is a query, not a DNS response (is a DNS server listening there?)"
            ),
        ));
    }
    Ok(Reply {
        message: Some(received.message),
        server: server.to_string(),
        transport: Some(transport),
        rtt: Some(received.rtt),
        size: Some(received.size),
        notes,
    })
}

/// Finds the layer through the Kubernetes API and asks it through port-forwards.
async fn ask_in_cluster(
    request: &Request,
    args: &DigArgs,
    pacers: &Pacers<DnsEndpoint>,
) -> Result<Reply> {
    let timeout = request.timeout.unwrap_or(args.live.timeout);
    let live = &args.live;
    let kube = connect(&KubeSettings {
        kubeconfig: live.cluster.kubeconfig.clone(),
        context: live.cluster.context.clone(),
        request_timeout: live.cluster.request_timeout,
    })
    .await?;
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| kube.default_namespace.clone());
    tracing::debug!(server = %kube.server, %namespace, "connected");
    let reader = Reader::new(kube.clone());
    let overrides = SourceOverrides {
        kube_dns: live.kube_dns,
        sidecar: live.sidecar,
        control_plane: live.control_plane,
        timeout,
    };
    let domain = live.cluster.cluster_domain.trim_end_matches('.');
    let found = endpoints(
        &reader,
        &CaptureRequest {
            from: args.from.as_deref(),
            namespace: &namespace,
            domain,
            questions: &[],
            overrides: &overrides,
            concurrency: 1,
            pacers,
            all_namespaces: false,
        },
    )
    .await?;
    let forwards = Forwards::new(kube);
    let reply = match request.source {
        Source::Sidecar => match (found.sidecar, &found.workload) {
            (Some(endpoint), _) => {
                ask_endpoint(request, endpoint, &forwards, timeout, pacers).await
            }
            (None, Some(w)) => Err(unreachable(
                request,
                format!(
                    "pod {}/{} has no Istio sidecar that captures DNS (no istio-proxy container, or ISTIO_META_DNS_CAPTURE is not true), so no DNS proxy listens on port 15053",
                    w.namespace, w.pod
                ),
            )),
            (None, None) => Err(usage("@sidecar needs --from POD".to_string())),
        },
        Source::ControlPlane => {
            let Some(workload) = &found.workload else {
                return Err(usage("@control-plane needs --from POD".to_string()));
            };
            let control_plane = LiveControlPlane {
                endpoint: found.control_plane,
                forwards: &forwards,
                timeout,
            };
            ask_table(request, &control_plane, workload, domain).await
        }
        Source::KubeDns | Source::Address(_) => {
            ask_endpoint(request, found.kube_dns, &forwards, timeout, pacers).await
        }
    };
    forwards.close().await;
    reply
}

/// Asks a DNS layer wherever it is: a pod port through a port-forward (TCP only), or an address.
async fn ask_endpoint(
    request: &Request,
    endpoint: DnsEndpoint,
    forwards: &Forwards,
    timeout: Duration,
    pacers: &Pacers<DnsEndpoint>,
) -> Result<Reply> {
    let pacer = pacers.of(endpoint.clone());
    let (namespace, pod, port) = match endpoint {
        DnsEndpoint::Unavailable(why) => return Err(unreachable(request, why)),
        DnsEndpoint::Address(addr) => return ask_address(request, addr, timeout, pacers).await,
        DnsEndpoint::Pod {
            namespace,
            pod,
            port,
        } => (namespace, pod, port),
    };
    let (stream, mut errors) = forwards
        .open(&namespace, &pod, port)
        .await
        .map_err(|why| unreachable(request, why))?;
    let client = DnsClient::over_stream(
        stream,
        SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        timeout,
        pacer,
    );
    let mut notes = Vec::new();
    if request.tcp == Some(false) {
        notes.push("+notcp ignored: a port-forward carries TCP only.".to_string());
    }
    let server = format!("pod {namespace}/{pod}#{port}");
    let result = client
        .exchange_timed(&request.fqdn, request.rtype, request.options())
        .await;
    let transport = client.transport();
    // The forward closes cleanly only once its stream is gone.
    drop(client);
    match result {
        Ok(received) => reply_of(request, Ok(received), &server, transport, notes),
        Err(why) => {
            // A forward that failed says why on its error channel; that beats a bare time-out.
            let why = match tokio::time::timeout(ERROR_GRACE, errors.as_mut()).await {
                Ok(Some(message)) => format!(
                    "port-forward to pod {namespace}/{pod}:{port}: {} (query: {why})",
                    message.trim()
                ),
                _ => format!("{server} through a port-forward: {why}"),
            };
            Err(unreachable(request, why))
        }
    }
}

/// What the control plane's name table for `workload`'s proxy answers: a message synthesized the
/// way the proxy builds its local answers, or None when the proxy would forward the question.
async fn ask_table(
    request: &Request,
    control_plane: &LiveControlPlane<'_>,
    workload: &Workload,
    domain: &str,
) -> Result<Reply> {
    let proxy = workload.proxy_id();
    let no_table = || {
        unreachable(
            request,
            format!(
                "pod {}/{} has no mesh DNS proxy whose name table meshdig reads, so no control plane holds one for it",
                workload.namespace, workload.pod
            ),
        )
    };
    let table_request = TableRequest::of(Some(workload)).ok_or_else(no_table)?;
    let emulator = mesh::named(workload.dns_proxy().unwrap_or_default())
        .and_then(|m| m.dns_proxy())
        .ok_or_else(no_table)?;
    let (source, holder) = (table_request.tables.source(), table_request.tables.holder());
    let cannot = |why: String| {
        unreachable(
            request,
            format!("{holder}'s name table for proxy {proxy}: {why}"),
        )
    };
    let table = match control_plane.name_table(Some(&table_request)).await {
        TableReply::Body(body) => table_request
            .tables
            .parse(&body.to_string())
            .map_err(cannot)?,
        TableReply::Table(table) => (*table).clone(),
        TableReply::Failed(why) => return Err(cannot(why)),
        TableReply::NotApplicable(_) => return Err(no_table()),
    };
    let hosts = table.len();
    let answered = emulator.answer_from(
        Arc::new(table),
        workload,
        domain,
        (&request.fqdn, request.rtype),
    );
    let server = format!("{source}?proxyID={proxy}");
    let (message, note) = match answered {
        Some(local) => (
            Some(synthesize(request, &local.answer)),
            format!(
                "Synthesized from {holder}'s name table for proxy {proxy} (entry {}): what its DNS proxy answers locally; no DNS message was exchanged.",
                local.host
            ),
        ),
        None if !matches!(request.rtype, RecordType::A | RecordType::AAAA) => (
            None,
            format!(
                "Not answered from the name table: the DNS proxy answers only A and AAAA from it and would forward this {} query to kube-dns (ask @sidecar or @kube-dns).",
                request.rtype
            ),
        ),
        None => (
            None,
            format!(
                "{} is not in {holder}'s name table for proxy {proxy} ({hosts} hosts): the DNS proxy would forward the query to kube-dns (ask @sidecar or @kube-dns).",
                request.fqdn
            ),
        ),
    };
    Ok(Reply {
        message,
        server,
        transport: None,
        rtt: None,
        size: None,
        notes: vec![note],
    })
}

fn synthesize(request: &Request, answer: &crate::model::Answer) -> Message {
    let mut message = Message::response(0, OpCode::Query);
    message.metadata.authoritative = answer.authoritative;
    message.metadata.recursion_desired = request.recursion_desired;
    message.metadata.response_code = match answer.rcode {
        Rcode::NoError => ResponseCode::NoError,
        Rcode::FormErr => ResponseCode::FormErr,
        Rcode::ServFail => ResponseCode::ServFail,
        Rcode::NxDomain => ResponseCode::NXDomain,
        Rcode::NotImp => ResponseCode::NotImp,
        Rcode::Refused => ResponseCode::Refused,
    };
    if let Ok(name) = Name::from_ascii(&request.fqdn) {
        message.add_query(Query::query(name, request.rtype));
    }
    for record in &answer.records {
        let data = match record.rtype.as_str() {
            "A" => record.data.parse().ok().map(|ip| RData::A(A(ip))),
            "AAAA" => record.data.parse().ok().map(|ip| RData::AAAA(AAAA(ip))),
            "CNAME" => Name::from_ascii(&record.data)
                .ok()
                .map(|target| RData::CNAME(CNAME(target))),
            _ => None,
        };
        if let (Ok(owner), Some(data)) = (Name::from_ascii(&record.name), data) {
            message.add_answer(Record::from_rdata(owner, record.ttl_s, data));
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Result<Request> {
        parse_words(
            &line
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>(),
            &Dial::default(),
        )
    }

    #[test]
    fn sorts_dig_style_words() {
        let r = words("Reviews.bookinfo SRV @sidecar +tcp +norec").unwrap();
        assert_eq!(
            (
                r.source,
                r.fqdn.as_str(),
                r.rtype,
                r.tcp,
                r.recursion_desired
            ),
            (
                Source::Sidecar,
                "Reviews.bookinfo.",
                RecordType::SRV,
                Some(true),
                false
            )
        );
        let r = words("mx example.com. IN").unwrap();
        assert_eq!((r.fqdn.as_str(), r.rtype), ("example.com.", RecordType::MX));
        assert_eq!(r.source, Source::KubeDns);
        let r = words("@[::1]:5353 10.96.0.10").unwrap();
        assert_eq!(r.source, Source::Address("[::1]:5353".parse().unwrap()));
        assert_eq!(
            (r.fqdn.as_str(), r.rtype),
            ("10.0.96.10.in-addr.arpa.", RecordType::PTR)
        );
        let r = words("@127.0.0.1#5353 . NS +noall +answer +timeout=2 +tries=3").unwrap();
        assert_eq!(r.source, Source::Address("127.0.0.1:5353".parse().unwrap()));
        assert_eq!((r.fqdn.as_str(), r.rtype), (".", RecordType::NS));
        assert!(r.shown.answer && !r.shown.question && !r.shown.stats && !r.shown.cmd);
        assert_eq!((r.timeout, r.tries), (Some(Duration::from_secs(2)), 3));
        let r = words("@localhost example.com TYPE65 +short").unwrap();
        assert_eq!(r.source, Source::Address("127.0.0.1:53".parse().unwrap()));
        assert_eq!(r.rtype, RecordType::HTTPS);
        assert!(r.shown.short);
        let r = words("@10.96.0.10 2001:db8::1").unwrap();
        assert_eq!(r.source, Source::Address("10.96.0.10:53".parse().unwrap()));
        assert!(r.fqdn.ends_with(".8.b.d.0.1.0.0.2.ip6.arpa."), "{}", r.fqdn);
    }

    #[test]
    fn rejects_bad_words_with_a_reason() {
        for (line, needle) in [
            ("@ a.b", "'@' names no source"),
            ("@nonsense a.b", "unknown source '@nonsense'"),
            ("@kube-dns @sidecar a.b", "two sources"),
            ("a.b BOGUS", "unknown record type 'BOGUS'"),
            ("a..b", "label 2 is empty"),
            ("a.b A extra", "unexpected word 'extra'"),
            ("+tcp", "no NAME"),
            ("a.b +bogus", "unknown option '+bogus'"),
            ("a.b +tries=0", "'+tries=0' needs a number from 1 to 10"),
            ("@127.0.0.1#x a.b", "unknown source"),
            ("example.com AXFR", "zone transfer"),
        ] {
            let err = words(line).unwrap_err().to_string();
            assert!(err.contains(needle), "{line}: {err}");
        }
    }
}
