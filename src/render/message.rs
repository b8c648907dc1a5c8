//! A whole DNS message the way dig prints it (header, flags, EDNS, every section, query time), and the
//! same as one JSON document, for `meshdig dig`.
//!
//! The text follows BIND's default presentation so that a DNS engineer can diff it against `dig`
//! line by line: the same column stops, the same mnemonics, RDATA in master-file form.

use std::fmt::Write as _;
use std::time::Duration;

use hickory_proto::op::{Edns, Message, ResponseCode};
use hickory_proto::rr::rdata::opt::EdnsOption;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use serde::Serialize;

/// The version of the `meshdig dig -o json` document; bumped only when a field is renamed or removed.
pub const DIG_JSON_SCHEMA_VERSION: u32 = 1;

/// BIND's column stops for records (`dns_master_style_debug`): TTL, class, type, RDATA.
const TTL_COLUMN: usize = 24;
const CLASS_COLUMN: usize = 32;
const TYPE_COLUMN: usize = 40;
const RDATA_COLUMN: usize = 48;
const TAB_WIDTH: usize = 8;

/// How a message was obtained: what was asked, of which layer, over what.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `kube-dns`, `sidecar`, `control-plane` or `address`.
    pub source: &'static str,
    /// The words that were asked, for the banner: `@kube-dns reviews.bookinfo.svc.cluster.local. A`.
    pub asked: String,
    /// The name on the wire, with its trailing dot.
    pub name: String,
    pub rtype: RecordType,
    pub recursion_desired: bool,
    /// Who answered: `10.96.0.10#53(10.96.0.10)`, `pod kube-system/coredns-…#53`, `istiod …`.
    pub server: String,
    /// `udp`, `tcp` or `tcp (port-forward)`; None when the message is synthesized, not exchanged.
    pub transport: Option<&'static str>,
    pub rtt: Option<Duration>,
    /// The bytes received; None for a synthesized answer.
    pub size: Option<usize>,
    /// When the question was asked, in the local time zone.
    pub when: Option<jiff::Zoned>,
    /// Comment lines on how the reply came to be (a TCP retry, a synthesized or forwarded answer).
    pub notes: Vec<String>,
}

/// What of a reply is printed, as dig's `+[no]cmd`, `+[no]comments`, `+[no]question`,
/// `+[no]answer`, `+[no]authority`, `+[no]additional`, `+[no]stats` and `+short` choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    pub cmd: bool,
    pub comments: bool,
    pub question: bool,
    pub answer: bool,
    pub authority: bool,
    pub additional: bool,
    pub stats: bool,
    /// Only the answer's RDATA, one record a line.
    pub short: bool,
}

impl Shown {
    /// Everything, as dig prints by default.
    pub const ALL: Self = Self {
        cmd: true,
        comments: true,
        question: true,
        answer: true,
        authority: true,
        additional: true,
        stats: true,
        short: false,
    };
    /// Nothing (`+noall`), for options to turn parts back on.
    pub const NONE: Self = Self {
        cmd: false,
        comments: false,
        question: false,
        answer: false,
        authority: false,
        additional: false,
        stats: false,
        short: false,
    };
}

/// Renders `message` (None: there is no message, the notes say why) like dig, the parts `shown`.
pub fn text(message: Option<&Message>, exchange: &Exchange, shown: Shown) -> String {
    let mut out = String::new();
    if shown.short {
        for record in message.map_or(&[][..], |m| m.answers.as_slice()) {
            let _ = writeln!(out, "{}", rdata_text(&record.data));
        }
        return out;
    }
    if shown.cmd {
        let _ = writeln!(
            out,
            "\n; <<>> meshdig {} <<>> {}",
            env!("CARGO_PKG_VERSION"),
            exchange.asked
        );
    }
    if shown.comments {
        for note in &exchange.notes {
            let _ = writeln!(out, ";; {note}");
        }
    }
    match message {
        // Every section ends in a blank line already.
        Some(message) => {
            if shown.comments {
                out.push_str(";; Got answer:\n");
            }
            write_message(&mut out, message, shown);
        }
        None if shown.comments => out.push('\n'),
        None => {}
    }
    if shown.stats {
        write_stats(&mut out, exchange);
    }
    out
}

/// The query time, server and time of day, as dig's closing `;;` lines.
fn write_stats(out: &mut String, exchange: &Exchange) {
    if let Some(rtt) = exchange.rtt {
        let _ = writeln!(out, ";; Query time: {} msec", rtt.as_millis());
    }
    match exchange.transport {
        Some(transport) => {
            let _ = writeln!(
                out,
                ";; SERVER: {} ({})",
                exchange.server,
                transport_text(transport)
            );
        }
        None => {
            let _ = writeln!(out, ";; SERVER: {}", exchange.server);
        }
    }
    if let Some(when) = &exchange.when {
        let _ = writeln!(out, ";; WHEN: {}", when.strftime("%a %b %d %H:%M:%S %Z %Y"));
    }
    if let Some(size) = exchange.size {
        let _ = writeln!(out, ";; MSG SIZE  rcvd: {size}");
    }
    out.push('\n');
}

/// `UDP`, `TCP`, `TCP, port-forward`, as dig names the protocol.
fn transport_text(transport: &str) -> String {
    match transport.split_once(" (") {
        Some((protocol, rest)) => format!(
            "{}, {}",
            protocol.to_ascii_uppercase(),
            rest.trim_end_matches(')')
        ),
        None => transport.to_ascii_uppercase(),
    }
}

/// The header, flags, EDNS and sections of `message`, as dig prints them after `;; Got answer:`.
fn write_message(out: &mut String, message: &Message, shown: Shown) {
    if shown.comments {
        write_header(out, message);
    }
    if shown.question && !message.queries.is_empty() {
        if shown.comments {
            out.push_str(";; QUESTION SECTION:\n");
        }
        for query in &message.queries {
            let mut line = String::from(";");
            // BIND counts columns from after the ';'.
            let mut column = push(&mut line, &query.name().to_ascii(), 0);
            column = indent(&mut line, column, CLASS_COLUMN);
            column = push(&mut line, &class_text(query.query_class()), column);
            indent(&mut line, column, TYPE_COLUMN);
            line.push_str(&type_text(query.query_type()));
            let _ = writeln!(out, "{line}");
        }
        if shown.comments {
            out.push('\n');
        }
    }
    for (title, records, show) in [
        ("ANSWER", &message.answers, shown.answer),
        ("AUTHORITY", &message.authorities, shown.authority),
        ("ADDITIONAL", &message.additionals, shown.additional),
    ] {
        if records.is_empty() || !show {
            continue;
        }
        if shown.comments {
            let _ = writeln!(out, ";; {title} SECTION:");
        }
        for record in records {
            let _ = writeln!(out, "{}", record_line(record));
        }
        if shown.comments {
            out.push('\n');
        }
    }
}

/// The header, its flags and the OPT pseudosection, as dig prints them after `;; Got answer:`.
fn write_header(out: &mut String, message: &Message) {
    let header = &message.metadata;
    let _ = writeln!(
        out,
        ";; ->>HEADER<<- opcode: {}, status: {}, id: {}",
        header.op_code,
        rcode_text(header.response_code),
        header.id
    );
    let flags: String = flag_list(message)
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(flag, _)| format!(" {flag}"))
        .collect();
    let counts = Counts::of(message);
    let _ = writeln!(
        out,
        ";; flags:{flags}; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}",
        counts.query, counts.answer, counts.authority, counts.additional
    );
    if header.recursion_desired && !header.recursion_available {
        out.push_str(";; WARNING: recursion requested but not available\n");
    }
    out.push('\n');
    if let Some(edns) = &message.edns {
        write_edns(out, edns);
    }
}

/// `; EDNS: version: 0, flags: do; udp: 1232` and one line per option, as dig's OPT pseudosection.
fn write_edns(out: &mut String, edns: &Edns) {
    out.push_str(";; OPT PSEUDOSECTION:\n");
    let flags = edns.flags();
    let mbz = if flags.z == 0 {
        String::new()
    } else {
        format!(" MBZ: 0x{:04x},", flags.z)
    };
    let _ = writeln!(
        out,
        "; EDNS: version: {}, flags:{};{mbz} udp: {}",
        edns.version(),
        if flags.dnssec_ok { " do" } else { "" },
        edns.max_payload()
    );
    for (code, option) in &edns.options().options {
        let (name, value) = option_text(u16::from(*code), option);
        let _ = writeln!(out, "; {name}: {value}");
    }
}

/// An EDNS option's dig name and value.
fn option_text(code: u16, option: &EdnsOption) -> (String, String) {
    match option {
        EdnsOption::NSID(payload) => {
            let bytes = payload.as_ref();
            (
                "NSID".to_string(),
                format!("{} (\"{}\")", hex(bytes), printable(bytes)),
            )
        }
        EdnsOption::Subnet(subnet) => (
            "CLIENT-SUBNET".to_string(),
            format!(
                "{}/{}/{}",
                subnet.addr(),
                subnet.source_prefix(),
                subnet.scope_prefix()
            ),
        ),
        EdnsOption::Unknown(_, data) => {
            let name = match code {
                10 => "COOKIE".to_string(),
                15 => "EDE".to_string(),
                _ => format!("OPT={code}"),
            };
            let value = match (code, data.as_slice()) {
                (15, [high, low, text @ ..]) => {
                    let info = u16::from_be_bytes([*high, *low]);
                    let purpose = EDE_PURPOSES
                        .get(usize::from(info))
                        .map(|p| format!(" ({p})"))
                        .unwrap_or_default();
                    if text.is_empty() {
                        format!("{info}{purpose}")
                    } else {
                        format!("{info}{purpose}: ({})", printable(text))
                    }
                }
                _ => hex(data),
            };
            (name, value)
        }
        other => (format!("OPT={code}"), format!("{other:?}")),
    }
}

/// The extended DNS error codes' purposes (RFC 8914 and the IANA registry), by code, as dig names them.
const EDE_PURPOSES: [&str; 31] = [
    "Other",
    "Unsupported DNSKEY Algorithm",
    "Unsupported DS Digest Type",
    "Stale Answer",
    "Forged Answer",
    "DNSSEC Indeterminate",
    "DNSSEC Bogus",
    "Signature Expired",
    "Signature Not Yet Valid",
    "DNSKEY Missing",
    "RRSIGs Missing",
    "No Zone Key Bit Set",
    "NSEC Missing",
    "Cached Error",
    "Not Ready",
    "Blocked",
    "Censored",
    "Filtered",
    "Prohibited",
    "Stale NXDOMAIN Answer",
    "Not Authoritative",
    "Not Supported",
    "No Reachable Authority",
    "Network Error",
    "Invalid Data",
    "Signature Expired before Valid",
    "Too Early",
    "Unsupported NSEC3 Iterations Value",
    "Unable to conform to policy",
    "Synthesized",
    "Invalid Query Type",
];

/// One record as dig prints it: `name.<tab>TTL<tab>IN<tab>TYPE<tab>RDATA` at BIND's column stops.
pub fn record_line(record: &Record) -> String {
    let mut line = String::new();
    let mut column = push(&mut line, &record.name.to_ascii(), 0);
    column = indent(&mut line, column, TTL_COLUMN);
    column = push(&mut line, &record.ttl.to_string(), column);
    column = indent(&mut line, column, CLASS_COLUMN);
    column = push(&mut line, &class_text(record.dns_class), column);
    column = indent(&mut line, column, TYPE_COLUMN);
    column = push(&mut line, &type_text(record.record_type()), column);
    indent(&mut line, column, RDATA_COLUMN);
    line.push_str(&rdata_text(&record.data));
    line
}

fn push(line: &mut String, text: &str, column: usize) -> usize {
    line.push_str(text);
    column + text.len()
}

/// Pads from `column` to `to` with tabs then spaces, at least one character, as BIND's `indent()`.
fn indent(line: &mut String, column: usize, to: usize) -> usize {
    let to = to.max(column + 1);
    let tabs = to / TAB_WIDTH - column / TAB_WIDTH;
    let from = if tabs > 0 {
        line.extend(std::iter::repeat_n('\t', tabs));
        to / TAB_WIDTH * TAB_WIDTH
    } else {
        column
    };
    line.extend(std::iter::repeat_n(' ', to - from));
    to
}

/// The status mnemonic dig prints (`NOERROR`, `NXDOMAIN`, …).
pub fn rcode_text(code: ResponseCode) -> String {
    match u16::from(code) {
        0 => "NOERROR".into(),
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        6 => "YXDOMAIN".into(),
        7 => "YXRRSET".into(),
        8 => "NXRRSET".into(),
        9 => "NOTAUTH".into(),
        10 => "NOTZONE".into(),
        16 => "BADVERS".into(),
        23 => "BADCOOKIE".into(),
        other => format!("RESERVED{other}"),
    }
}

/// `A`, `SRV`, or `TYPE65534` for a type hickory does not name.
fn type_text(rtype: RecordType) -> String {
    match rtype {
        RecordType::Unknown(code) => format!("TYPE{code}"),
        known => known.to_string(),
    }
}

/// `IN`, `CH`, `HS`, or `CLASS<n>`.
fn class_text(class: DNSClass) -> String {
    match class {
        DNSClass::IN => "IN".into(),
        DNSClass::CH => "CH".into(),
        DNSClass::HS => "HS".into(),
        other => format!("CLASS{}", u16::from(other)),
    }
}

/// The RDATA in master-file form as dig prints it: names in ASCII with their trailing dot, TXT as
/// quoted strings with BIND's escapes, unknown types in RFC 3597 form.
pub fn rdata_text(data: &RData) -> String {
    let name = Name::to_ascii;
    match data {
        RData::CNAME(target) => name(&target.0),
        RData::NS(target) => name(&target.0),
        RData::PTR(target) => name(&target.0),
        RData::ANAME(target) => name(&target.0),
        RData::MX(mx) => format!("{} {}", mx.preference, name(&mx.exchange)),
        RData::SRV(srv) => format!(
            "{} {} {} {}",
            srv.priority,
            srv.weight,
            srv.port,
            name(&srv.target)
        ),
        RData::SOA(soa) => format!(
            "{} {} {} {} {} {} {}",
            name(&soa.mname),
            name(&soa.rname),
            soa.serial,
            soa.refresh,
            soa.retry,
            soa.expire,
            soa.minimum
        ),
        RData::TXT(txt) => txt
            .txt_data
            .iter()
            .map(|s| quoted(s))
            .collect::<Vec<_>>()
            .join(" "),
        RData::Unknown { rdata, .. } | RData::NULL(rdata) => unknown_rdata(&rdata.anything),
        other => other.to_string(),
    }
}

/// `\# <length> <HEX>` (RFC 3597), or `\# 0` for empty RDATA.
fn unknown_rdata(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "\\# 0".to_string()
    } else {
        format!("\\# {} {}", bytes.len(), hex(bytes))
    }
}

/// A character-string in double quotes: `"` and `\` escaped, bytes outside printable ASCII as `\DDD`.
fn quoted(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
    out.push('"');
    out
}

/// Printable ASCII as is, anything else as `.`, for option payloads shown as text.
fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if (0x20..=0x7e).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02X}");
        out
    })
}

/// The header flags in dig's order, each with whether it is set.
fn flag_list(message: &Message) -> [(&'static str, bool); 7] {
    let h = &message.metadata;
    [
        (
            "qr",
            h.message_type == hickory_proto::op::MessageType::Response,
        ),
        ("aa", h.authoritative),
        ("tc", h.truncation),
        ("rd", h.recursion_desired),
        ("ra", h.recursion_available),
        ("ad", h.authentic_data),
        ("cd", h.checking_disabled),
    ]
}

/// The section counts as the header carries them: ADDITIONAL includes the OPT and TSIG records.
#[derive(Serialize)]
struct Counts {
    query: usize,
    answer: usize,
    authority: usize,
    additional: usize,
}

impl Counts {
    fn of(message: &Message) -> Self {
        Self {
            query: message.queries.len(),
            answer: message.answers.len(),
            authority: message.authorities.len(),
            additional: message.additionals.len()
                + usize::from(message.edns.is_some())
                + usize::from(message.signature.is_some()),
        }
    }
}

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    source: &'a str,
    server: &'a str,
    transport: Option<&'a str>,
    /// True when nothing was exchanged on the wire: the message (if any) was built from a name table.
    synthesized: bool,
    query: AskedQuery<'a>,
    rtt_ms: Option<f64>,
    /// When the question was asked (RFC 3339, UTC).
    when: Option<String>,
    /// The bytes received; null for a synthesized answer.
    size: Option<usize>,
    notes: &'a [String],
    header: Option<Header>,
    edns: Option<EdnsDoc>,
    question: Vec<QuestionDoc>,
    answer: Vec<RecordDoc>,
    authority: Vec<RecordDoc>,
    additional: Vec<RecordDoc>,
}

#[derive(Serialize)]
struct AskedQuery<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    rtype: String,
    rd: bool,
}

#[derive(Serialize)]
struct Header {
    id: u16,
    opcode: String,
    status: String,
    flags: Flags,
    counts: Counts,
}

#[derive(Serialize)]
struct Flags {
    qr: bool,
    aa: bool,
    tc: bool,
    rd: bool,
    ra: bool,
    ad: bool,
    cd: bool,
}

#[derive(Serialize)]
struct EdnsDoc {
    version: u8,
    udp: u16,
    #[serde(rename = "do")]
    dnssec_ok: bool,
    options: Vec<OptionDoc>,
}

#[derive(Serialize)]
struct OptionDoc {
    code: u16,
    name: String,
    value: String,
}

#[derive(Serialize)]
struct QuestionDoc {
    name: String,
    #[serde(rename = "type")]
    rtype: String,
    class: String,
}

#[derive(Serialize)]
struct RecordDoc {
    name: String,
    #[serde(rename = "type")]
    rtype: String,
    class: String,
    ttl_s: u32,
    data: String,
}

impl RecordDoc {
    fn of(record: &Record) -> Self {
        Self {
            name: record.name.to_ascii(),
            rtype: type_text(record.record_type()),
            class: class_text(record.dns_class),
            ttl_s: record.ttl,
            data: rdata_text(&record.data),
        }
    }
}

/// Renders `message` and how it was obtained as one pretty-printed JSON document with a trailing
/// newline; without a message, `header` and `edns` are null and every section is empty.
pub fn document(message: Option<&Message>, exchange: &Exchange) -> serde_json::Value {
    let records = |pick: fn(&Message) -> &Vec<Record>| -> Vec<RecordDoc> {
        message
            .map(|m| pick(m).iter().map(RecordDoc::of).collect())
            .unwrap_or_default()
    };
    let header = message.map(|m| {
        let [qr, aa, tc, rd, ra, ad, cd] = flag_list(m).map(|(_, set)| set);
        Header {
            id: m.metadata.id,
            opcode: m.metadata.op_code.to_string(),
            status: rcode_text(m.metadata.response_code),
            flags: Flags {
                qr,
                aa,
                tc,
                rd,
                ra,
                ad,
                cd,
            },
            counts: Counts::of(m),
        }
    });
    let edns = message.and_then(|m| m.edns.as_ref()).map(|edns| EdnsDoc {
        version: edns.version(),
        udp: edns.max_payload(),
        dnssec_ok: edns.flags().dnssec_ok,
        options: edns
            .options()
            .options
            .iter()
            .map(|(code, option)| {
                let code = u16::from(*code);
                let (name, value) = option_text(code, option);
                OptionDoc { code, name, value }
            })
            .collect(),
    });
    let question = message
        .map(|m| {
            m.queries
                .iter()
                .map(|q| QuestionDoc {
                    name: q.name().to_ascii(),
                    rtype: type_text(q.query_type()),
                    class: class_text(q.query_class()),
                })
                .collect()
        })
        .unwrap_or_default();
    let document = Document {
        schema_version: DIG_JSON_SCHEMA_VERSION,
        source: exchange.source,
        server: &exchange.server,
        transport: exchange.transport,
        synthesized: exchange.transport.is_none(),
        query: AskedQuery {
            name: &exchange.name,
            rtype: type_text(exchange.rtype),
            rd: exchange.recursion_desired,
        },
        rtt_ms: exchange
            .rtt
            .map(|rtt| (rtt.as_secs_f64() * 10_000.0).round() / 10.0),
        when: exchange.when.as_ref().map(|w| w.timestamp().to_string()),
        size: exchange.size,
        notes: &exchange.notes,
        header,
        edns,
        question,
        answer: records(|m| &m.answers),
        authority: records(|m| &m.authorities),
        additional: records(|m| &m.additionals),
    };
    serde_json::to_value(&document).expect("message documents always serialize")
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use hickory_proto::op::{OpCode, Query};
    use hickory_proto::rr::rdata::{A, SRV, TXT};

    use super::*;

    #[test]
    fn extended_errors_carry_their_purpose_as_dig_prints_them() {
        let ede = |data: Vec<u8>| option_text(15, &EdnsOption::Unknown(15, data));
        assert_eq!(
            ede(vec![0, 14]),
            ("EDE".to_string(), "14 (Not Ready)".to_string())
        );
        let mut blocked = vec![0, 15];
        blocked.extend_from_slice(b"by policy");
        assert_eq!(ede(blocked).1, "15 (Blocked): (by policy)");
        assert_eq!(ede(vec![1, 0]).1, "256");
    }

    fn record(name: &str, ttl: u32, data: RData) -> Record {
        Record::from_rdata(Name::from_ascii(name).unwrap(), ttl, data)
    }

    #[test]
    fn pads_columns_like_bind() {
        let a = RData::A(A(Ipv4Addr::new(192, 0, 2, 10)));
        assert_eq!(
            record_line(&record("www.example.test.", 300, a.clone())),
            "www.example.test.\t300\tIN\tA\t192.0.2.10"
        );
        assert_eq!(
            record_line(&record("example.test.", 60, a.clone())),
            "example.test.\t\t60\tIN\tA\t192.0.2.10"
        );
        let srv = RData::SRV(SRV::new(
            10,
            60,
            8080,
            Name::from_ascii("www.example.test.").unwrap(),
        ));
        assert_eq!(
            record_line(&record("_http._tcp.example.test.", 300, srv)),
            "_http._tcp.example.test. 300\tIN\tSRV\t10 60 8080 www.example.test."
        );
        let long = "long-name-for-testing-the-column-widths.sub.example.test.";
        assert_eq!(
            record_line(&record(long, 300, a)),
            format!("{long} 300 IN A 192.0.2.10")
        );
    }

    #[test]
    fn quotes_txt_with_bind_escapes() {
        let txt = RData::TXT(TXT::from_bytes(vec![
            b"hello world".as_slice(),
            b"say \"hi\" \\ bye",
            b"\x01\xff",
        ]));
        assert_eq!(
            rdata_text(&txt),
            r#""hello world" "say \"hi\" \\ bye" "\001\255""#
        );
    }

    #[test]
    fn prints_header_edns_and_sections_like_dig() {
        let mut message = Message::response(4242, OpCode::Query);
        message.metadata.authoritative = true;
        message.metadata.recursion_desired = true;
        message.add_query(Query::query(
            Name::from_ascii("www.example.test.").unwrap(),
            RecordType::A,
        ));
        message.add_answer(record(
            "www.example.test.",
            300,
            RData::A(A(Ipv4Addr::new(192, 0, 2, 10))),
        ));
        message.edns = Some({
            let mut edns = Edns::new();
            edns.set_max_payload(1232);
            edns
        });
        let exchange = Exchange {
            source: "address",
            asked: "@127.0.0.1 www.example.test. A".into(),
            name: "www.example.test.".into(),
            rtype: RecordType::A,
            recursion_desired: true,
            server: "127.0.0.1#53(127.0.0.1)".into(),
            transport: Some("udp"),
            rtt: Some(Duration::from_micros(1500)),
            size: None,
            when: None,
            notes: Vec::new(),
        };
        let text = text(Some(&message), &exchange, Shown::ALL);
        let expected = "\
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4242
;; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1
;; WARNING: recursion requested but not available

;; OPT PSEUDOSECTION:
; EDNS: version: 0, flags:; udp: 1232
;; QUESTION SECTION:
;www.example.test.\t\tIN\tA

;; ANSWER SECTION:
www.example.test.\t300\tIN\tA\t192.0.2.10

;; Query time: 1 msec
;; SERVER: 127.0.0.1#53(127.0.0.1) (UDP)
";
        assert!(text.contains(expected), "{text}");
        let doc: serde_json::Value = document(Some(&message), &exchange);
        assert_eq!(doc["header"]["flags"]["aa"], true);
        assert_eq!(doc["header"]["counts"]["additional"], 1);
        assert_eq!(doc["answer"][0]["data"], "192.0.2.10");
        assert_eq!(doc["edns"]["udp"], 1232);
        assert_eq!(doc["rtt_ms"], 1.5);
    }
}
