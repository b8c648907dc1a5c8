//! `meshdig dig` against real servers: every record type compared section by section with real `dig`
//! (BIND) and real `kdig` (Knot) asking the same Knot server, and the mesh layers through the fake
//! API server (kube-dns and the sidecar over port-forwards, istiod's name table).

use std::net::SocketAddr;
use std::process::Command;

use serde_json::{Value, json};

use crate::harness::sample::{
    BOOKINFO, COREDNS_POD, ISTIOD_POD, PENDING_POD, PRODUCTPAGE_POD, PRODUCTPAGE_PROXY_ID,
    sample_cluster,
};
use crate::harness::{
    Dnsmasq, FakeApi, FakeIstiod, Knot, Kubeconfig, SidecarDns, coredns_zone, require_binary,
};
use crate::support::{Run, run};

/// The zone every comparison asks: one owner per record type, a CNAME chain, an SRV with glue and a
/// TXT RRset too big for one UDP reply.
fn dig_zone() -> String {
    let mut zone = "$ORIGIN dig.test.\n$TTL 300\n\
        @ IN SOA ns.dig.test. hostmaster.dig.test. 2024010101 7200 1800 86400 60\n\
        @ IN NS ns.dig.test.\n\
        ns IN A 127.0.0.1\n\
        www IN A 192.0.2.10\n\
        www IN AAAA 2001:db8::10\n\
        alias IN CNAME www.dig.test.\n\
        _http._tcp IN SRV 10 60 8080 www.dig.test.\n\
        txt IN TXT \"hello world\" \"with \\\"quotes\\\" and \\\\backslash\" \"semi;colon\"\n\
        a-rather-long-owner-name-past-the-ttl-column.dig.test. 86400 IN A 192.0.2.11\n"
        .to_string();
    for i in 0..40 {
        zone.push_str(&format!(
            "big IN TXT \"record {i:02} padding the answer past one UDP datagram of 1232 bytes\"\n"
        ));
    }
    zone
}

const REVERSE_V4: &str = "$ORIGIN 2.0.192.in-addr.arpa.\n$TTL 300\n\
    @ IN SOA ns.dig.test. hostmaster.dig.test. 1 7200 1800 86400 60\n\
    @ IN NS ns.dig.test.\n\
    10 IN PTR www.dig.test.\n";

/// The reverse zone of 2001:db8::/32, with the PTR of 2001:db8::10.
const REVERSE_V6: &str = "$ORIGIN 8.b.d.0.1.0.0.2.ip6.arpa.\n$TTL 300\n\
    @ IN SOA ns.dig.test. hostmaster.dig.test. 1 7200 1800 86400 60\n\
    @ IN NS ns.dig.test.\n\
    0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR www.dig.test.\n";

fn start_knot() -> Knot {
    let zone = dig_zone();
    Knot::start_zones(&[
        ("dig.test", zone.as_str()),
        ("2.0.192.in-addr.arpa", REVERSE_V4),
        ("8.b.d.0.1.0.0.2.ip6.arpa", REVERSE_V6),
    ])
}

/// A reply reduced to what must agree between tools: status, flags, counts, EDNS, and each
/// section's records with whitespace normalised (dig and meshdig pad with tabs, kdig with spaces).
#[derive(Debug, Default, PartialEq, Eq)]
struct Reply {
    status: String,
    flags: Vec<String>,
    /// QUERY, ANSWER, AUTHORITY, ADDITIONAL (the OPT record counted in ADDITIONAL, as on the wire).
    counts: [u64; 4],
    /// `version 0 udp 1232 do false`, or None without an OPT record.
    edns: Option<String>,
    question: Vec<String>,
    answer: Vec<String>,
    authority: Vec<String>,
    additional: Vec<String>,
}

impl Reply {
    /// The types of the answer records.
    fn answer_types(&self) -> Vec<String> {
        self.answer
            .iter()
            .map(|r| r.split(' ').nth(3).unwrap_or_default().to_string())
            .collect()
    }
}

fn normalise(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses dig's (and so meshdig's) text output.
fn parse_dig_text(text: &str) -> Reply {
    let mut reply = Reply::default();
    let mut section: Option<&str> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(";; ->>HEADER<<- ") {
            let status = rest.split(", ").find_map(|f| f.strip_prefix("status: "));
            reply.status = status.expect("a status").to_string();
        } else if let Some(rest) = line.strip_prefix(";; flags:") {
            let (flags, counts) = rest.split_once(';').expect("flags; counts");
            reply.flags = flags.split_whitespace().map(str::to_string).collect();
            reply.flags.sort();
            for (i, field) in counts.split(',').enumerate() {
                let n = field.rsplit(' ').next().unwrap().trim();
                reply.counts[i] = n.parse().unwrap_or_else(|_| panic!("count in {line:?}"));
            }
        } else if let Some(rest) = line.strip_prefix("; EDNS: ") {
            // `version: 0, flags: do; udp: 1232`
            let version = rest
                .strip_prefix("version: ")
                .and_then(|r| r.split(',').next())
                .unwrap();
            let flags = rest
                .split("flags:")
                .nth(1)
                .unwrap()
                .split(';')
                .next()
                .unwrap();
            let udp = rest.rsplit("udp: ").next().unwrap().trim();
            reply.edns = Some(format!(
                "version {version} udp {udp} do {}",
                flags.contains("do")
            ));
        } else if let Some(title) = line
            .strip_prefix(";; ")
            .and_then(|l| l.strip_suffix(" SECTION:"))
        {
            section = Some(match title {
                "QUESTION" => "question",
                "ANSWER" => "answer",
                "AUTHORITY" => "authority",
                "ADDITIONAL" => "additional",
                other => panic!("unknown section {other}"),
            });
        } else if line.trim().is_empty() {
            section = None;
        } else if let Some(name) = section {
            let target = match name {
                "question" => &mut reply.question,
                "answer" => &mut reply.answer,
                "authority" => &mut reply.authority,
                _ => &mut reply.additional,
            };
            target.push(normalise(line.strip_prefix(';').unwrap_or(line)));
        }
    }
    reply
}

/// The section lines of dig-style text exactly as printed (tabs included).
fn section_lines(text: &str) -> Vec<&str> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.ends_with(" SECTION:") {
            inside = true;
        } else if line.is_empty() {
            inside = false;
        }
        if inside {
            lines.push(line);
        }
    }
    lines
}

fn rcode_name(code: u64) -> String {
    match code {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        other => panic!("rcode {other} not expected here"),
    }
    .to_string()
}

/// Parses `kdig +json` (RFC 8427).
fn parse_kdig_json(text: &str) -> Reply {
    let doc: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("kdig +json ({e}): {text}"));
    let number = |key: &str| {
        doc[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {doc}"))
    };
    let mut reply = Reply {
        status: rcode_name(number("RCODE")),
        counts: [
            number("QDCOUNT"),
            number("ANCOUNT"),
            number("NSCOUNT"),
            number("ARCOUNT"),
        ],
        ..Reply::default()
    };
    for flag in ["QR", "AA", "TC", "RD", "RA", "AD", "CD"] {
        if number(flag) == 1 {
            reply.flags.push(flag.to_ascii_lowercase());
        }
    }
    reply.flags.sort();
    if doc.get("QNAME").is_some() {
        reply.question.push(format!(
            "{} {} {}",
            doc["QNAME"].as_str().unwrap(),
            doc["QCLASSname"].as_str().unwrap(),
            doc["QTYPEname"].as_str().unwrap()
        ));
    }
    for (key, target) in [
        ("answerRRs", &mut reply.answer),
        ("authorityRRs", &mut reply.authority),
        ("additionalRRs", &mut reply.additional),
    ] {
        for rr in doc[key].as_array().into_iter().flatten() {
            if rr["TYPE"] == 41 {
                let ttl = rr["TTL"].as_u64().unwrap();
                reply.edns = Some(format!(
                    "version {} udp {} do {}",
                    (ttl >> 16) & 0xff,
                    rr["CLASS"],
                    ttl & 0x8000 != 0
                ));
                continue;
            }
            let rtype = rr["TYPEname"].as_str().unwrap();
            target.push(normalise(&format!(
                "{} {} {} {rtype} {}",
                rr["NAME"].as_str().unwrap(),
                rr["TTL"],
                rr["CLASSname"].as_str().unwrap(),
                rr[format!("rdata{rtype}")]
                    .as_str()
                    .unwrap_or_else(|| panic!("no rdata{rtype} in {rr}"))
            )));
        }
    }
    reply
}

/// Parses `meshdig dig -o json`.
fn parse_meshdig_json(doc: &Value) -> Reply {
    assert_eq!(doc["schema_version"], 1, "{doc:#}");
    let header = &doc["header"];
    let mut reply = Reply {
        status: header["status"].as_str().unwrap().to_string(),
        counts: ["query", "answer", "authority", "additional"]
            .map(|k| header["counts"][k].as_u64().unwrap()),
        edns: doc["edns"]
            .as_object()
            .map(|e| format!("version {} udp {} do {}", e["version"], e["udp"], e["do"])),
        ..Reply::default()
    };
    for (flag, set) in header["flags"].as_object().unwrap() {
        if set.as_bool().unwrap() {
            reply.flags.push(flag.clone());
        }
    }
    reply.flags.sort();
    for q in doc["question"].as_array().unwrap() {
        reply.question.push(format!(
            "{} {} {}",
            q["name"].as_str().unwrap(),
            q["class"].as_str().unwrap(),
            q["type"].as_str().unwrap()
        ));
    }
    for (key, target) in [
        ("answer", &mut reply.answer),
        ("authority", &mut reply.authority),
        ("additional", &mut reply.additional),
    ] {
        for r in doc[key].as_array().unwrap() {
            target.push(normalise(&format!(
                "{} {} {} {} {}",
                r["name"].as_str().unwrap(),
                r["ttl_s"],
                r["class"].as_str().unwrap(),
                r["type"].as_str().unwrap(),
                r["data"].as_str().unwrap()
            )));
        }
    }
    reply
}

/// Runs an external client and returns its stdout.
fn client(program: &str, package: &str, args: &[String]) -> String {
    let output = Command::new(require_binary(program, package))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{program} {} failed: {stdout}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// `dig -r @IP -p PORT ARGS` (-r: ignore ~/.digrc).
fn dig(addr: SocketAddr, args: &[&str]) -> String {
    let mut all = vec![
        "-r".to_string(),
        format!("@{}", addr.ip()),
        "-p".to_string(),
        addr.port().to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    client("dig", "bind9-dnsutils", &all)
}

/// `kdig @IP -p PORT ARGS +edns +json` (+edns: send an OPT record as dig and meshdig do).
fn kdig(addr: SocketAddr, args: &[&str]) -> String {
    let mut all = vec![
        format!("@{}", addr.ip()),
        "-p".to_string(),
        addr.port().to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    all.extend(["+edns".to_string(), "+json".to_string()]);
    client("kdig", "knot-dnsutils", &all)
}

/// Runs `meshdig ARGS` and asserts it exited 0 with nothing on stderr.
fn meshdig_ok(args: &[&str]) -> Run {
    let run = run(args);
    assert_eq!(run.code, 0, "meshdig {}: {}", args.join(" "), run.stderr);
    assert!(run.stderr.is_empty(), "stderr: {}", run.stderr);
    run
}

/// Asks `question` with meshdig (text and JSON), dig and kdig, asserts all four agree and that
/// meshdig's section lines equal dig's byte for byte, and returns the reply.
fn assert_agree(knot: &Knot, question: &[&str], dig_question: &[&str]) -> Reply {
    let server = format!("@{}", knot.addr());
    let mut args = vec!["dig", server.as_str()];
    args.extend_from_slice(question);
    let text = meshdig_ok(&args).stdout;
    args.extend_from_slice(&["-o", "json"]);
    let doc: Value = serde_json::from_str(&meshdig_ok(&args).stdout).expect("JSON");

    let dig_text = dig(knot.addr(), dig_question);
    let ours = parse_dig_text(&text);
    let context = format!("{question:?}\nmeshdig:\n{text}\ndig:\n{dig_text}");
    assert!(!ours.status.is_empty(), "{context}");
    assert_eq!(ours, parse_dig_text(&dig_text), "dig: {context}");
    assert_eq!(
        section_lines(&text),
        section_lines(&dig_text),
        "same bytes as dig: {context}"
    );
    assert_eq!(
        ours,
        parse_kdig_json(&kdig(knot.addr(), dig_question)),
        "kdig: {context}"
    );
    assert_eq!(ours, parse_meshdig_json(&doc), "-o json: {context}");
    ours
}

#[test]
fn every_record_type_agrees_with_dig_and_kdig() {
    let knot = start_knot();
    let cases: &[(&str, &str, &[&str])] = &[
        ("www.dig.test", "A", &["A"]),
        ("www.dig.test", "AAAA", &["AAAA"]),
        ("alias.dig.test", "CNAME", &["CNAME"]),
        ("alias.dig.test", "A", &["CNAME", "A"]),
        ("_http._tcp.dig.test", "SRV", &["SRV"]),
        ("10.2.0.192.in-addr.arpa", "PTR", &["PTR"]),
        ("txt.dig.test", "TXT", &["TXT"]),
        (
            "a-rather-long-owner-name-past-the-ttl-column.dig.test",
            "a",
            &["A"],
        ),
        ("nope.dig.test", "A", &[]),
        ("www.dig.test", "TXT", &[]),
    ];
    for (name, rtype, answer_types) in cases {
        let reply = assert_agree(&knot, &[name, rtype, "+norec"], &[name, rtype, "+norec"]);
        assert_eq!(reply.answer_types(), *answer_types, "{name} {rtype}");
        assert_eq!(reply.flags, ["aa", "qr"], "{name} {rtype}");
    }
    let srv = assert_agree(
        &knot,
        &["_http._tcp.dig.test", "SRV", "+norec"],
        &["_http._tcp.dig.test", "SRV", "+norec"],
    );
    assert_eq!(srv.additional.len(), 2, "glue A and AAAA: {srv:?}");
    let nxdomain = assert_agree(
        &knot,
        &["nope.dig.test", "+norec"],
        &["nope.dig.test", "+norec"],
    );
    assert_eq!(nxdomain.status, "NXDOMAIN");
    assert!(nxdomain.authority[0].contains(" SOA "), "{nxdomain:?}");
}

#[test]
fn recursion_desired_by_default_as_dig() {
    let knot = start_knot();
    let reply = assert_agree(&knot, &["www.dig.test", "TXT"], &["www.dig.test", "TXT"]);
    assert_eq!(reply.flags, ["aa", "qr", "rd"]);
    let text = meshdig_ok(&["dig", &format!("@{}", knot.addr()), "www.dig.test"]).stdout;
    assert!(
        text.contains(";; WARNING: recursion requested but not available"),
        "{text}"
    );
}

#[test]
fn tcp_on_request_and_after_truncation() {
    let knot = start_knot();
    let server = format!("@{}", knot.addr());
    assert_agree(
        &knot,
        &["+tcp", "_http._tcp.dig.test", "SRV"],
        &["_http._tcp.dig.test", "SRV", "+tcp"],
    );
    let text = meshdig_ok(&["dig", &server, "www.dig.test", "+tcp"]).stdout;
    assert!(text.contains(&format!(
        ";; SERVER: 127.0.0.1#{}(127.0.0.1) (TCP)",
        knot.port()
    )));
    let udp = meshdig_ok(&["dig", &server, "www.dig.test", "+notcp"]).stdout;
    assert!(udp.contains("(127.0.0.1) (UDP)"), "{udp}");

    // 40 TXT records do not fit in 1232 bytes: a truncated UDP reply, then the whole RRset over TCP.
    let reply = assert_agree(&knot, &["big.dig.test", "TXT"], &["big.dig.test", "TXT"]);
    assert_eq!(reply.answer.len(), 40);
    assert!(!reply.flags.contains(&"tc".to_string()));
    let text = meshdig_ok(&["dig", &server, "big.dig.test", "TXT"]).stdout;
    assert!(
        text.contains(";; Truncated, retrying in TCP mode.") && text.contains("(TCP)\n"),
        "{text}"
    );
}

#[test]
fn an_ip_address_asks_its_reverse_name_like_dig_x() {
    let knot = start_knot();
    for ip in ["192.0.2.10", "2001:db8::10"] {
        let reply = assert_agree(&knot, &[ip], &["-x", ip]);
        assert_eq!(reply.answer_types(), ["PTR"], "{ip}");
        assert!(reply.answer[0].ends_with(" PTR www.dig.test."), "{reply:?}");
    }
}

#[test]
fn json_carries_the_same_records_and_the_exchange() {
    let knot = start_knot();
    let server = format!("@{}", knot.addr());
    let run = meshdig_ok(&[
        "dig",
        "www.dig.test",
        "AAAA",
        &server,
        "+tcp",
        "+norec",
        "-o",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["source"], "address");
    assert_eq!(doc["transport"], "tcp");
    assert_eq!(doc["synthesized"], false);
    assert_eq!(
        doc["query"],
        json!({"name": "www.dig.test.", "type": "AAAA", "rd": false})
    );
    assert!(doc["rtt_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    assert_eq!(doc["header"]["flags"]["aa"], true);
    assert_eq!(doc["header"]["flags"]["rd"], false);
    assert_eq!(
        doc["answer"],
        json!([{"name": "www.dig.test.", "type": "AAAA", "class": "IN", "ttl_s": 300, "data": "2001:db8::10"}])
    );
    assert_eq!(doc["edns"]["udp"], 1232);
}

/// Asserts the documented failure shape: `code`, nothing on stdout, one line on stderr with `needle`.
fn assert_fails(run: &Run, code: i32, needle: &str) {
    assert_eq!(run.code, code, "stderr: {}", run.stderr);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {:?}", run.stderr);
    assert!(run.stderr.starts_with("meshdig: "), "{}", run.stderr);
    assert!(
        run.stderr.contains(needle),
        "{needle:?} in {:?}",
        run.stderr
    );
}

#[test]
fn bad_words_are_one_line_usage_errors() {
    for (args, needle) in [
        (&["@", "www.dig.test"][..], "'@' names no source"),
        (&["@nonsense", "www.dig.test"], "unknown source '@nonsense'"),
        (&["@10.0.0.1:99999", "www.dig.test"], "unknown source"),
        (&["www.dig.test", "BOGUS"], "unknown record type 'BOGUS'"),
        (&["a..b"], "label 2 is empty"),
        (&["bad name!"], "contains ' '"),
        (&["www.dig.test", "+bogus"], "unknown option '+bogus'"),
        (
            &["@::1", "-4", "www.dig.test"],
            "@::1 is not reachable with -4",
        ),
        (&["www.dig.test", "A", "AAAA"], "unexpected word 'AAAA'"),
        (&["@kube-dns", "@sidecar", "x.y"], "two sources"),
        (&["@sidecar", "x.y"], "--from POD"),
        (&["@control-plane", "x.y"], "--from POD"),
        (&["x.y", "--from", "pod/a"], "only applies to @sidecar"),
    ] {
        let mut all = vec!["dig"];
        all.extend_from_slice(args);
        assert_fails(&run(&all), 2, needle);
    }
    assert_fails(
        &run(&["dig", "x.y", "--snapshot", "case.json"]),
        2,
        "cannot replay a snapshot",
    );
    let missing = run(&["dig"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);
}

#[test]
fn a_silent_server_exits_3_naming_it() {
    // A TCP port nobody listens on: the connection is refused at once.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let run = run(&[
        "dig",
        &format!("@{addr}"),
        "www.dig.test",
        "+tcp",
        "--timeout",
        "1s",
    ]);
    assert_fails(&run, 3, &format!("cannot ask @{addr}"));
}

/// The sidecar's DNS port and istiod's debug port, as meshdig port-forwards to them.
const SIDECAR_PORT: u16 = 15053;
const ISTIOD_PORT: u16 = 15014;

/// The sample cluster behind a fake API server: Knot as CoreDNS, dnsmasq as productpage's sidecar
/// (answering reviews itself, forwarding the rest to Knot) and istiod with productpage's name table.
struct Mesh {
    api: FakeApi,
    kubeconfig: Kubeconfig,
    kube_dns: Knot,
    sidecar: Dnsmasq,
    _istiod: FakeIstiod,
}

impl Mesh {
    fn start() -> Self {
        let api = FakeApi::with_objects(sample_cluster());
        let zone = coredns_zone(&api.objects());
        let kube_dns = Knot::start(&zone);
        let sidecar = Dnsmasq::start(
            &SidecarDns::new()
                .host_record("reviews.bookinfo.svc.cluster.local", "10.96.12.34")
                .upstream(kube_dns.addr()),
        );
        let istiod = FakeIstiod::start();
        let table = json!({
            "reviews.bookinfo.svc.cluster.local": {"ips": ["10.96.12.34"], "registry": "Kubernetes", "shortname": "reviews", "namespace": BOOKINFO},
            "api.payments.example.com": {"ips": ["240.240.0.1"], "registry": "External"},
        });
        istiod.set_ndsz(
            PRODUCTPAGE_PROXY_ID,
            200,
            &json!({"configs": [{"@type": "type.googleapis.com/istio.networking.nds.v1.NameTable", "table": table}]}),
        );
        api.forward("kube-system", COREDNS_POD, 53, kube_dns.addr());
        api.forward(BOOKINFO, PRODUCTPAGE_POD, SIDECAR_PORT, sidecar.addr());
        api.forward("istio-system", ISTIOD_POD, ISTIOD_PORT, istiod.addr());
        let kubeconfig = api.kubeconfig("test", BOOKINFO);
        Self {
            api,
            kubeconfig,
            kube_dns,
            sidecar,
            _istiod: istiod,
        }
    }

    /// `meshdig dig ARGS --kubeconfig …`.
    fn dig(&self, args: &[&str]) -> Run {
        let mut all = vec!["dig"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--kubeconfig", self.kubeconfig.path_str()]);
        let run = run(&all);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        run
    }
}

const REVIEWS: &str = "reviews.bookinfo.svc.cluster.local";

fn from_productpage() -> String {
    format!("pod/{PRODUCTPAGE_POD}")
}

#[test]
fn kube_dns_is_asked_through_a_port_forward_to_coredns() {
    let mesh = Mesh::start();
    let run = mesh.dig(&[REVIEWS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!(
            ";; SERVER: pod kube-system/{COREDNS_POD}#53 (TCP, port-forward)"
        )),
        "{}",
        run.stdout
    );
    let direct = dig(mesh.kube_dns.addr(), &[REVIEWS, "+tcp"]);
    assert_eq!(parse_dig_text(&run.stdout), parse_dig_text(&direct));
    assert_eq!(
        parse_dig_text(&run.stdout).answer,
        ["reviews.bookinfo.svc.cluster.local. 5 IN A 10.96.12.34"]
    );

    // --kube-dns asks the address instead, without the API server.
    let kube_dns = mesh.kube_dns.addr().to_string();
    let srv = format!("_http._tcp.{REVIEWS}");
    let run = crate::support::run(&["dig", &srv, "SRV", "--kube-dns", &kube_dns]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("(UDP)"), "{}", run.stdout);
    assert_eq!(
        parse_dig_text(&run.stdout).answer,
        [format!("{srv}. 5 IN SRV 0 100 9080 {REVIEWS}.")]
    );
}

#[test]
fn the_sidecar_is_asked_through_a_port_forward_to_15053() {
    let mesh = Mesh::start();
    let from = from_productpage();
    let run = mesh.dig(&["@sidecar", REVIEWS, "--from", &from, "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["source"], "sidecar");
    assert_eq!(doc["transport"], "tcp (port-forward)");
    assert_eq!(
        doc["server"],
        format!("pod {BOOKINFO}/{PRODUCTPAGE_POD}#{SIDECAR_PORT}")
    );
    let direct = dig(mesh.sidecar.addr(), &[REVIEWS, "+tcp"]);
    assert_eq!(parse_meshdig_json(&doc), parse_dig_text(&direct));
    assert_eq!(doc["answer"][0]["ttl_s"], 30, "dnsmasq's local TTL");
    assert!(
        mesh.sidecar
            .queries()
            .contains(&("A".to_string(), REVIEWS.to_string())),
        "the sidecar was asked"
    );

    let pending = format!("pod/{PENDING_POD}");
    let run = mesh.dig(&["@sidecar", REVIEWS, "--from", &pending]);
    assert_fails(&run, 3, "is not running (phase Pending)");
    let coredns = format!("pod/{COREDNS_POD}");
    let run = mesh.dig(&["@sidecar", REVIEWS, "--from", &coredns, "-n", "kube-system"]);
    assert_fails(&run, 3, "has no Istio sidecar that captures DNS");
}

#[test]
fn the_control_plane_answer_is_synthesized_from_the_name_table() {
    let mesh = Mesh::start();
    let from = from_productpage();
    let run = mesh.dig(&["@control-plane", "reviews.bookinfo", "--from", &from]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = &run.stdout;
    assert!(
        text.contains(";; Synthesized from istiod's name table for proxy"),
        "{text}"
    );
    let reply = parse_dig_text(text);
    assert_eq!(reply.flags, ["aa", "qr", "rd"]);
    assert_eq!(reply.question, ["reviews.bookinfo. IN A"]);
    assert_eq!(reply.answer, ["reviews.bookinfo. 30 IN A 10.96.12.34"]);
    assert!(
        text.contains(&format!(
            ";; SERVER: istiod /debug/ndsz?proxyID={PRODUCTPAGE_PROXY_ID}"
        )),
        "{text}"
    );

    let run = mesh.dig(&[
        "@control-plane",
        "db.example.org",
        "--from",
        &from,
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["synthesized"], true);
    assert_eq!(doc["header"], Value::Null);
    assert_eq!(doc["answer"], json!([]));
    assert!(
        doc["notes"][0]
            .as_str()
            .unwrap()
            .contains("would forward the query to kube-dns"),
        "{doc:#}"
    );

    let run = mesh.dig(&["@control-plane", REVIEWS, "TXT", "--from", &from]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("answers only A and AAAA"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_layer_that_cannot_be_found_exits_3_naming_the_cause() {
    let mesh = Mesh::start();
    assert!(mesh.api.remove("Pod", Some("kube-system"), COREDNS_POD));
    assert_fails(
        &mesh.dig(&["@kube-dns", REVIEWS]),
        3,
        "no ready CoreDNS pod",
    );
    let from = from_productpage();
    mesh.api.unforward(BOOKINFO, PRODUCTPAGE_POD, SIDECAR_PORT);
    assert_fails(
        &mesh.dig(&["@sidecar", REVIEWS, "--from", &from, "--timeout", "2s"]),
        3,
        &format!("pod {BOOKINFO}/{PRODUCTPAGE_POD}"),
    );
}

/// `meshdig dig ARGS` and `dig ARGS` on the same server print the same text.
fn assert_prints_as_dig(knot: &Knot, ours: &[&str], theirs: &[&str]) {
    let mut args = vec!["dig"];
    args.extend_from_slice(ours);
    let text = meshdig_ok(&args).stdout;
    let dig_text = dig(knot.addr(), theirs);
    assert_eq!(text, dig_text, "meshdig {ours:?} and dig {theirs:?}");
}

#[test]
fn dig_habits_print_what_dig_prints() {
    let knot = start_knot();
    let (host, port) = (format!("@{}", knot.addr().ip()), knot.port().to_string());
    let hash = format!("@{}#{port}", knot.addr().ip());
    for (ours, theirs) in [
        (
            vec![host.as_str(), "-p", &port, "www.dig.test", "+short"],
            vec!["www.dig.test", "+short"],
        ),
        (
            vec![hash.as_str(), "-t", "AAAA", "www.dig.test", "+short"],
            vec!["-t", "AAAA", "www.dig.test", "+short"],
        ),
        (
            vec![
                "@localhost",
                "-4",
                "-p",
                &port,
                "alias.dig.test",
                "+noall",
                "+answer",
            ],
            vec!["alias.dig.test", "+noall", "+answer"],
        ),
        (
            vec![hash.as_str(), "-x", "192.0.2.10", "+short"],
            vec!["-x", "192.0.2.10", "+short"],
        ),
        (
            vec![
                hash.as_str(),
                "_http._tcp.dig.test",
                "SRV",
                "+noall",
                "+answer",
                "+additional",
            ],
            vec![
                "_http._tcp.dig.test",
                "SRV",
                "+noall",
                "+answer",
                "+additional",
            ],
        ),
        (
            vec![hash.as_str(), "www.dig.test", "TYPE65", "+short"],
            vec!["www.dig.test", "TYPE65", "+short"],
        ),
    ] {
        assert_prints_as_dig(&knot, &ours, &theirs);
    }
    // The root, which Knot does not serve here: the same status as dig's.
    let root = assert_agree(&knot, &[".", "NS", "+norec"], &[".", "NS", "+norec"]);
    assert!(!root.status.is_empty());
    let text = meshdig_ok(&["dig", &hash, "www.dig.test"]).stdout;
    let when = text
        .lines()
        .find_map(|l| l.strip_prefix(";; WHEN: "))
        .expect(";; WHEN:");
    let dig_when = dig(knot.addr(), &["www.dig.test"]);
    let dig_when = dig_when
        .lines()
        .find_map(|l| l.strip_prefix(";; WHEN: "))
        .unwrap();
    assert_eq!(
        when.split_whitespace().count(),
        dig_when.split_whitespace().count(),
        "{when} / {dig_when}"
    );
    let json = meshdig_ok(&["dig", &hash, "www.dig.test", "-o", "json"]).stdout;
    let json: Value = serde_json::from_str(&json).unwrap();
    let stamp = json["when"].as_str().unwrap();
    assert!(
        stamp.parse::<jiff::Timestamp>().is_ok(),
        "RFC 3339: {stamp}"
    );
}

#[test]
fn timeout_and_tries_bound_a_silent_udp_server() {
    // A UDP socket that reads nothing and answers nothing.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let started = std::time::Instant::now();
    let run = run(&[
        "dig",
        &format!("@{addr}"),
        "www.dig.test",
        "+timeout=1",
        "+tries=2",
    ]);
    let took = started.elapsed();
    assert_fails(&run, 3, "no answer within 1 s");
    assert!(
        took >= std::time::Duration::from_secs(2) && took < std::time::Duration::from_secs(5),
        "{took:?}"
    );
}

#[test]
fn a_closed_udp_port_fails_at_once_as_with_dig() {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    drop(socket);
    let started = std::time::Instant::now();
    let run = run(&[
        "dig",
        &format!("@{addr}"),
        "www.dig.test",
        "--timeout",
        "10s",
    ]);
    assert_fails(&run, 3, "Connection refused");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn edns_options_are_sent_as_dig_sends_them() {
    let knot = start_knot();
    let dnssec = assert_agree(
        &knot,
        &["www.dig.test", "+dnssec"],
        &["www.dig.test", "+dnssec"],
    );
    assert!(
        dnssec
            .edns
            .as_deref()
            .is_some_and(|e| e.ends_with("do true")),
        "{dnssec:?}"
    );
    let sized = ["big.dig.test", "TXT", "+bufsize=512"];
    assert_eq!(assert_agree(&knot, &sized, &sized).answer.len(), 40);
    // kdig is asked with +edns by the helper, so +noedns is compared with dig alone.
    let hash = format!("@{}#{}", knot.addr().ip(), knot.port());
    let ours = meshdig_ok(&["dig", &hash, "www.dig.test", "+noedns"]).stdout;
    let theirs = dig(knot.addr(), &["www.dig.test", "+noedns"]);
    let (ours, theirs) = (parse_dig_text(&ours), parse_dig_text(&theirs));
    assert_eq!(ours, theirs);
    assert_eq!(ours.edns, None, "no OPT record without EDNS");
}

#[test]
fn the_message_size_is_what_dig_receives() {
    let knot = start_knot();
    let hash = format!("@{}#{}", knot.addr().ip(), knot.port());
    let size = |text: &str| {
        text.lines()
            .find(|l| l.starts_with(";; MSG SIZE  rcvd: "))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no MSG SIZE in {text}"))
    };
    for question in [
        &["www.dig.test"][..],
        &["_http._tcp.dig.test", "SRV"],
        &["nope.dig.test"],
        &["big.dig.test", "TXT"],
    ] {
        let mut ours = vec!["dig", hash.as_str()];
        ours.extend_from_slice(question);
        let text = meshdig_ok(&ours).stdout;
        let dig_text = dig(knot.addr(), question);
        assert_eq!(size(&text), size(&dig_text), "{question:?}");
    }
    let json = meshdig_ok(&["dig", &hash, "www.dig.test", "-o", "json"]).stdout;
    let json: Value = serde_json::from_str(&json).unwrap();
    assert!(json["size"].as_u64().is_some_and(|n| n > 12), "{json}");
}
