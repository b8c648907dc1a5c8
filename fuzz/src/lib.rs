//! The properties the fuzz targets check, one function per target, each taking the raw input.
//!
//! This file is shared: the `fuzz/` crate's libFuzzer targets call these functions, and the main
//! crate's integration tests include the same file to replay the committed corpus on stable Rust.
//! Every function panics when a property fails, and must never panic otherwise.

use std::path::Path;
use std::time::Duration;

use hickory_proto::op::{DnsRequest, DnsRequestOptions, Message};
use hickory_proto::rr::RecordType;
use meshdig::checks::{self, CHECK_FILE_VERSION};
use meshdig::model::{Answer, Rcode};
use meshdig::objects::CorednsSettings;
use meshdig::query::QueryName;
use meshdig::render::message::{self, Exchange};
use meshdig::search::{self, AddressFamily, Libc, Reply, ResolvConf, WalkEnd};
use meshdig::sources::dns::{answer_of, question};
use meshdig::workload::KubeletDns;

/// A fuzz target: the name of its `fuzz_targets/` file, of its corpus folder and of its
/// regression folder, and the function that checks one input.
pub type Target = (&'static str, fn(&[u8]));

/// Every fuzz target.
pub const TARGETS: [Target; 6] = [
    ("snapshot", snapshot),
    ("check_file", check_file),
    ("query_name", query_name),
    ("resolv_conf", resolv_conf),
    ("corefile", corefile),
    ("dns_message", dns_message),
];

/// A snapshot file's bytes as `--snapshot` validates them ([`engine::parse_snapshot`]), and the same
/// document handed over as parsed JSON ([`engine::snapshot_of`], the live-capture path).
///
/// A loaded snapshot finds every answer it recorded, each answer has exactly one of an rcode and
/// an error, and a document the file path accepts is accepted from memory too.
pub fn snapshot(data: &[u8]) {
    let Ok(loaded) = meshdig::engine::parse_snapshot(data, Path::new("fuzz-input.json")) else {
        return;
    };
    for answer in &loaded.answers {
        let found = loaded.recorded(
            answer.source,
            &answer.question.name,
            &answer.question.rtype,
            answer.from.as_ref(),
        );
        assert!(found.is_some(), "recorded answer not found: {answer:?}");
        assert_eq!(answer.outcome().is_ok(), answer.error.is_none());
    }
    let kubelet = KubeletDns::of_snapshot(&loaded);
    assert!(!kubelet.cluster_dns.is_empty());
    let _ = CorednsSettings::from_corefile(loaded.objects.corefile(), &loaded.cluster.domain);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let from_value = meshdig::engine::snapshot_of(&value, "fuzz input")
            .unwrap_or_else(|e| panic!("the file loads but the same JSON value does not: {e}"));
        assert_eq!(from_value.answers.len(), loaded.answers.len());
        assert_eq!(from_value.proxies.len(), loaded.proxies.len());
    }
}

/// A check file, read as YAML and as JSON ([`checks::parse`], what `meshdig check -f` reads).
///
/// An accepted file has the supported version, at least one expectation, and names that are
/// valid questions.
pub fn check_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for origin in ["fuzz.yaml", "fuzz.json"] {
        let Ok(file) = checks::parse(&text, Path::new(origin)) else {
            continue;
        };
        assert_eq!(file.version, CHECK_FILE_VERSION);
        assert!(!file.expectations.is_empty());
        for expectation in &file.expectations {
            let _ = expectation.query_type();
            let again = QueryName::parse(&expectation.name.fqdn())
                .expect("an accepted name is valid in its fully-qualified form");
            assert_eq!(again.ascii(), expectation.name.ascii());
        }
    }
}

/// A name as typed on the command line ([`QueryName::parse`]), then encoded as the sources send
/// it: the question section ([`question`]) in a request message, to bytes and back.
///
/// A name that validation accepts can be encoded (validation and the encoder agree), its
/// fully-qualified form validates to the same name, and the encoded question decodes to it.
pub fn query_name(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(name) = QueryName::parse(&text) else {
        return;
    };
    let fqdn = name.fqdn();
    assert!(fqdn.ends_with('.') && !fqdn.ends_with(".."), "{fqdn:?}");
    assert!(name.ascii().is_ascii(), "{:?}", name.ascii());
    let again = QueryName::parse(&fqdn).expect("a valid name's FQDN is valid");
    assert_eq!(again.ascii(), name.ascii());
    assert!(again.is_absolute());
    for rtype in [name.default_type().0, RecordType::AAAA] {
        let query = question(&fqdn, rtype).unwrap_or_else(|e| {
            panic!("validation accepted {text:?} but the encoder refuses: {e}")
        });
        let (request, _) =
            DnsRequest::from_query(query.clone(), DnsRequestOptions::default()).into_parts();
        let bytes = request
            .to_vec()
            .unwrap_or_else(|e| panic!("cannot encode the question for {fqdn}: {e}"));
        let decoded = Message::from_vec(&bytes).expect("an encoded question decodes");
        assert_eq!(decoded.queries.first(), Some(&query));
    }
}

/// resolv.conf text ([`ResolvConf::parse`]), rendered back ([`ResolvConf::render`]), and the
/// search walk of both C libraries over it ([`search::walk`]).
///
/// The first line is the name looked up; the rest is the resolv.conf. The replies come from the
/// input's bytes. Rendering loses nothing that parsing keeps, and every walk is self-consistent.
pub fn resolv_conf(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (first, conf_text) = text.split_once('\n').unwrap_or((&text, ""));
    let conf = ResolvConf::parse(conf_text);
    let rendered = conf.render();
    assert_eq!(
        ResolvConf::parse(&rendered),
        conf,
        "render lost something: {rendered:?}"
    );
    assert_eq!(ResolvConf::parse(&rendered).render(), rendered);
    let name = QueryName::parse(first.trim())
        .unwrap_or_else(|_| QueryName::parse("reviews").expect("a valid name"));
    let script: Vec<Reply> = data.iter().map(|b| reply_of(*b)).collect();
    for libc in [Libc::Glibc, Libc::Musl] {
        for family in [
            AddressFamily::Inet,
            AddressFamily::Inet6,
            AddressFamily::Unspec,
        ] {
            let mut asked = 0usize;
            let walk = search::walk(&name, &conf, libc, family, |candidate, _| {
                assert!(candidate.ends_with('.'), "{candidate:?}");
                asked += 1;
                script
                    .get(asked % script.len().max(1))
                    .copied()
                    .unwrap_or(Reply::Empty(Rcode::NxDomain))
            });
            assert_eq!(walk.asked.len(), walk.sends.len());
            for sends in &walk.sends {
                assert_eq!(sends.len(), family.query_types().len());
            }
            let listed: usize = walk.sends.iter().flatten().sum();
            assert!(walk.sent >= listed);
            if let WalkEnd::Answered(answered) = &walk.end {
                assert!(walk.asked.contains(answered), "{answered} was never asked");
            }
        }
        let all = search::candidates_of_any_libc(&name, &conf);
        for candidate in search::candidates(&name, &conf, libc) {
            assert!(all.contains(&candidate));
        }
    }
}

/// The reply a walk gets for one byte of the input.
fn reply_of(byte: u8) -> Reply {
    match byte % 8 {
        0 => Reply::Records,
        1 => Reply::Empty(Rcode::NoError),
        2 => Reply::Empty(Rcode::ServFail),
        3 => Reply::Empty(Rcode::Refused),
        4 => Reply::Empty(Rcode::FormErr),
        5 => Reply::Empty(Rcode::NotImp),
        6 => Reply::Timeout,
        _ => Reply::Empty(Rcode::NxDomain),
    }
}

/// A Corefile ([`CorednsSettings::from_corefile`]); the first line is the cluster domain.
///
/// A trailing dot on the domain changes nothing, and a Corefile without the kubernetes plugin
/// gives CoreDNS's defaults.
pub fn corefile(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (domain, corefile) = text.split_once('\n').unwrap_or(("cluster.local", &text));
    let settings = CorednsSettings::from_corefile(Some(corefile), domain);
    let dotted = format!("{domain}.");
    assert_eq!(
        CorednsSettings::from_corefile(Some(corefile), &dotted),
        settings
    );
    if !corefile.contains("kubernetes") {
        assert_eq!(settings, CorednsSettings::from_corefile(None, domain));
    }
}

/// A DNS reply as the sources decode it: the bytes as a message ([`Message::from_vec`], what the
/// UDP reader and the TCP client do), then the meshdig answer ([`answer_of`]), and the message as
/// `meshdig dig` prints it, in text and in JSON.
///
/// The answer keeps every record and survives a JSON round trip; the JSON rendering is JSON.
pub fn dns_message(data: &[u8]) {
    let Ok(reply) = Message::from_vec(data) else {
        return;
    };
    let answer = answer_of(&reply);
    assert_eq!(answer.records.len(), reply.answers.len());
    for record in &answer.records {
        let _ = record.identity();
    }
    let json = serde_json::to_string(&answer).expect("an answer serializes");
    let back: Answer = serde_json::from_str(&json).expect("a serialized answer deserializes");
    assert_eq!(back, answer);
    let exchange = Exchange {
        source: "kube-dns",
        asked: "@kube-dns fuzz.example. A".to_string(),
        name: "fuzz.example.".to_string(),
        rtype: RecordType::A,
        recursion_desired: true,
        server: "127.0.0.1#53(127.0.0.1)".to_string(),
        transport: Some("udp"),
        rtt: Some(Duration::from_millis(1)),
        size: None,
        when: None,
        notes: Vec::new(),
    };
    let _ = message::text(Some(&reply), &exchange, message::Shown::ALL);
    let document = meshdig::render::json_text(&message::document(Some(&reply), &exchange));
    serde_json::from_str::<serde_json::Value>(&document).expect("dig's JSON is JSON");
}
