//! Conformance of meshdig's emulators with the upstream projects' own test tables, translated into
//! `fixtures/conformance/`: every case is replayed through the emulator and must give the answer
//! the upstream test expects; skipped cases carry their reason in the fixture. Served back as
//! kube-dns's answers, CoreDNS's expected answers must give no error finding.

use std::sync::Arc;

use hickory_proto::rr::RecordType;
use meshdig::emulate::kube_dns::{self, Subject};
use meshdig::mesh::istio_ambient::{Reply, Ztunnel, state};
use meshdig::mesh::istio_sidecar::AgentTable;
use meshdig::model::in_zone;
use meshdig::name_table::NameTable;
use meshdig::objects::{CorednsSettings, Objects};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::support::{assert_contract, repo, run, source};

#[derive(Deserialize)]
struct AgentSuite {
    proxy: AgentProxy,
    table: NameTable,
    cases: Vec<AgentCase>,
}

#[derive(Deserialize)]
struct AgentProxy {
    namespace: String,
    domain: String,
    search: Vec<String>,
}

#[derive(Deserialize)]
struct AgentCase {
    name: String,
    question: String,
    #[serde(rename = "type")]
    rtype: String,
    #[serde(default)]
    expect: Option<Expect>,
    #[serde(default)]
    skip: Option<String>,
}

/// A word (`"forward"`, `"servfail"`), or the local answer's records as `[name, type, data]`.
#[derive(Deserialize, Debug, PartialEq)]
#[serde(untagged)]
enum Expect {
    Word(String),
    Records(Vec<(String, String, String)>),
}

#[test]
fn istio_agent_answers_as_its_own_test_table_expects() {
    let text = std::fs::read_to_string(repo().join("fixtures/conformance/istio-agent.json"))
        .expect("the Istio agent suite");
    let suite: AgentSuite = serde_json::from_str(&text).expect("a valid suite");
    let agent = AgentTable::new(
        Arc::new(suite.table),
        &suite.proxy.namespace,
        &suite.proxy.domain,
        suite.proxy.search.first().map(String::as_str),
    );
    let mut failures = Vec::new();
    let mut replayed = 0;
    for case in &suite.cases {
        if let Some(reason) = &case.skip {
            assert!(!reason.is_empty(), "{}: a skip needs a reason", case.name);
            continue;
        }
        let rtype: RecordType = case.rtype.parse().expect("a record type");
        let got = agent.lookup(&case.question, rtype).map(|local| {
            assert!(local.answer.authoritative, "{}: AA must be set", case.name);
            assert!(local.answer.records.iter().all(|r| r.ttl_s == 30));
            local
                .answer
                .records
                .iter()
                .map(|r| (r.name.clone(), r.rtype.clone(), r.data.clone()))
                .collect::<Vec<_>>()
        });
        let want = match case.expect.as_ref().expect("a case without skip expects") {
            Expect::Word(word) => {
                assert_eq!(word, "forward", "{}", case.name);
                None
            }
            Expect::Records(records) => Some(records.clone()),
        };
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}", case.name));
        }
        replayed += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(replayed >= 30, "only {replayed} cases replayed");
}

/// ztunnel's test table: its state as a config dump, the client, and each question's answer.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ZtunnelSuite {
    #[serde(rename = "about")]
    _about: String,
    #[serde(rename = "upstream")]
    _upstream: String,
    client: ZtunnelClient,
    dump: Value,
    cases: Vec<ZtunnelCase>,
}

#[derive(Deserialize, Clone)]
struct ZtunnelClient {
    namespace: String,
    pod: String,
    service_account: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ZtunnelCase {
    name: String,
    question: String,
    #[serde(rename = "type")]
    rtype: String,
    /// Another client than the suite's.
    #[serde(default)]
    from: Option<ZtunnelClient>,
    expect: Expect,
}

/// What ztunnel's emulator replies, in the suite's terms: `forward`, `servfail` or the records,
/// CNAME first and addresses sorted (the upstream test sorts ztunnel's shuffled answer).
fn ztunnel_reply(reply: Reply) -> Expect {
    match reply {
        Reply::Forward => Expect::Word("forward".into()),
        Reply::UnknownClient => Expect::Word("servfail".into()),
        Reply::Local(local) => {
            assert!(local.answer.authoritative, "AA must be set");
            assert!(local.answer.records.iter().all(|r| r.ttl_s == 30));
            let mut records: Vec<(String, String, String)> = local
                .answer
                .records
                .iter()
                .map(|r| (r.name.clone(), r.rtype.clone(), r.data.clone()))
                .collect();
            records.sort_by_key(|(_, rtype, data)| (rtype != "CNAME", data.clone()));
            Expect::Records(records)
        }
    }
}

#[test]
fn ztunnel_answers_as_its_own_test_table_expects() {
    let text = std::fs::read_to_string(repo().join("fixtures/conformance/ztunnel.json"))
        .expect("the ztunnel suite");
    let suite: ZtunnelSuite = serde_json::from_str(&text).expect("a valid suite");
    let state = state::parse_dump(&suite.dump.to_string()).expect("a valid dump");
    let ztunnel = Ztunnel::new(&state);
    let mut failures = Vec::new();
    for case in &suite.cases {
        let client = case.from.clone().unwrap_or_else(|| suite.client.clone());
        let rtype: RecordType = case.rtype.parse().expect("a record type");
        let asker = (
            client.namespace.as_str(),
            client.pod.as_str(),
            client.service_account.as_str(),
        );
        let got = ztunnel_reply(ztunnel.lookup(asker, &case.question, rtype));
        if got != case.expect {
            failures.push(format!(
                "{}: got {got:?}, want {:?}",
                case.name, case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(suite.cases.len() >= 40, "only {} cases", suite.cases.len());
}

/// A CoreDNS test file translated: the mock API's objects, then one suite per upstream test
/// function, each with the Corefile that test configures.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorednsFixture {
    #[serde(rename = "about")]
    _about: String,
    #[serde(rename = "upstream")]
    _upstream: String,
    domain: String,
    objects: Vec<Value>,
    suites: Vec<CorednsSuite>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorednsSuite {
    upstream: String,
    corefile: String,
    cases: Vec<CorednsCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorednsCase {
    name: String,
    question: String,
    #[serde(rename = "type")]
    rtype: String,
    expect: CorednsExpect,
    /// For a case meshdig cannot predict: why, in words.
    #[serde(default)]
    why: Option<String>,
    /// For a case meshdig cannot predict: what CoreDNS answered in its test.
    #[serde(default)]
    coredns: Option<Served>,
    #[serde(default)]
    skip: Option<String>,
}

/// `"no prediction"`, or the answer CoreDNS's test expects.
#[derive(Deserialize)]
#[serde(untagged)]
enum CorednsExpect {
    NoPrediction(String),
    Answer(Served),
}

/// An answer section: rcode, records as `[name, type, data]`, and their TTL when it is not the
/// kubernetes plugin's.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Served {
    rcode: String,
    #[serde(default)]
    records: Vec<(String, String, String)>,
    #[serde(default)]
    ttl: Option<u32>,
}

impl CorednsCase {
    /// What CoreDNS answered: the expected answer, or the one kept beside "no prediction".
    fn served(&self) -> &Served {
        match &self.expect {
            CorednsExpect::Answer(served) => served,
            CorednsExpect::NoPrediction(word) => {
                assert_eq!(word, "no prediction", "{}", self.name);
                assert!(
                    self.why.as_ref().is_some_and(|w| !w.is_empty()),
                    "{}: why",
                    self.name
                );
                self.coredns
                    .as_ref()
                    .expect("CoreDNS's answer beside no prediction")
            }
        }
    }
}

fn coredns_fixture(file: &str) -> CorednsFixture {
    let path = repo().join("fixtures/conformance").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file} is not a valid suite: {e}"))
}

/// A snapshot of the fixture's objects, the suite's Corefile and `answers`.
fn coredns_snapshot(fixture: &CorednsFixture, suite: &CorednsSuite, answers: Vec<Value>) -> Value {
    let mut objects = fixture.objects.clone();
    objects.push(
        json!({"kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": suite.corefile}}),
    );
    json!({"schema_version": 1, "cluster": {"domain": fixture.domain}, "objects": objects, "answers": answers})
}

/// The records of an answer that CoreDNS itself owns (in the cluster domain or a reverse zone),
/// sorted; the rest come from upstream and are not predicted.
fn owned(
    domain: &str,
    records: impl Iterator<Item = (String, String, String)>,
) -> Vec<(String, String, String)> {
    let zone = format!("{}.", domain.trim_end_matches('.'));
    let mut owned: Vec<_> = records
        .filter(|(name, _, _)| in_zone(name, &zone) || in_zone(name, "arpa."))
        .map(|(name, rtype, data)| (name.to_ascii_lowercase(), rtype, data.to_ascii_lowercase()))
        .collect();
    owned.sort();
    owned
}

/// Replays one case through the kube-dns emulator; `Err` says how it differs.
fn replay(fixture: &CorednsFixture, objects: &Objects, case: &CorednsCase) -> Result<(), String> {
    let options = objects.kubernetes_options();
    let ttl = CorednsSettings::from_corefile(objects.corefile(), &fixture.domain).kubernetes_ttl;
    assert_eq!(ttl, options.ttl);
    let rtype: RecordType = case.rtype.parse().expect("a record type");
    let prediction = kube_dns::predict(objects, &fixture.domain, ttl, &case.question, rtype);
    let (want, got) = match (&case.expect, prediction.answer) {
        (CorednsExpect::NoPrediction(_), None) => {
            return match prediction.subject {
                Subject::NoPrediction(why) if why.starts_with("no prediction: ") => Ok(()),
                other => Err(format!("no prediction, but no reason either: {other:?}")),
            };
        }
        (CorednsExpect::NoPrediction(_), Some(got)) => {
            return Err(format!(
                "predicted {}, where meshdig cannot know",
                got.brief()
            ));
        }
        (CorednsExpect::Answer(_), None) => {
            return Err(format!("no prediction: {:?}", prediction.subject));
        }
        (CorednsExpect::Answer(want), Some(got)) => (want, got),
    };
    let want_ttl = want.ttl.unwrap_or(ttl);
    let zone = format!("{}.", fixture.domain.trim_end_matches('.'));
    if let Some(bad) = got
        .records
        .iter()
        .find(|r| in_zone(&r.name, &zone) && r.ttl_s != want_ttl)
    {
        return Err(format!(
            "TTL {} where CoreDNS gives {want_ttl}: {bad:?}",
            bad.ttl_s
        ));
    }
    let got_records = owned(
        &fixture.domain,
        got.records
            .iter()
            .map(|r| (r.name.clone(), r.rtype.clone(), r.data.clone())),
    );
    let want_records = owned(&fixture.domain, want.records.iter().cloned());
    if got.rcode.to_string() != want.rcode || got_records != want_records {
        return Err(format!(
            "got {} {got_records:?}, want {} {want_records:?}",
            got.rcode, want.rcode
        ));
    }
    Ok(())
}

/// Replays every case of a CoreDNS fixture; returns how many were replayed and skipped.
fn replay_coredns(file: &str) -> (usize, usize) {
    let fixture = coredns_fixture(file);
    let (mut replayed, mut skipped, mut failures) = (0, 0, Vec::new());
    for suite in &fixture.suites {
        let value = coredns_snapshot(&fixture, suite, Vec::new());
        let snapshot =
            meshdig::engine::snapshot_of(&value, file).expect("the fixture makes a valid snapshot");
        assert!(
            snapshot.objects.kubernetes_options().read,
            "{}: the Corefile is read",
            suite.upstream
        );
        for case in &suite.cases {
            if let Some(reason) = &case.skip {
                assert!(!reason.is_empty(), "{}: a skip needs a reason", case.name);
                skipped += 1;
                continue;
            }
            if let Err(why) = replay(&fixture, &snapshot.objects, case) {
                failures.push(format!(
                    "{} / {} ({} {}): {why}",
                    suite.upstream, case.name, case.question, case.rtype
                ));
            }
            replayed += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    (replayed, skipped)
}

#[test]
fn coredns_handler_answers_as_its_own_test_table_expects() {
    let (replayed, skipped) = replay_coredns("coredns-handler.json");
    assert_eq!((replayed, skipped), (49, 10));
}

#[test]
fn coredns_pod_modes_answer_as_their_own_test_tables_expect() {
    let (replayed, skipped) = replay_coredns("coredns-pods.json");
    assert_eq!((replayed, skipped), (13, 1));
}

#[test]
fn coredns_reverse_zones_answer_as_their_own_test_table_expects() {
    assert_eq!(replay_coredns("coredns-reverse.json"), (11, 0));
}

#[test]
fn coredns_apex_answers_as_its_own_test_table_expects() {
    assert_eq!(replay_coredns("coredns-apex.json"), (6, 0));
}

/// A recorded kube-dns answer: what CoreDNS answers to `case` with TTL `ttl`.
fn kube_dns_answer(case: &CorednsCase, ttl: u32) -> Value {
    let served = case.served();
    let records: Vec<Value> = served
        .records
        .iter()
        .map(|(name, rtype, data)| json!({"name": name, "type": rtype, "ttl_s": served.ttl.unwrap_or(ttl), "data": data}))
        .collect();
    json!({"source": "kube-dns", "question": {"name": case.question, "type": case.rtype},
        "rcode": served.rcode, "flags": {"aa": true}, "records": records})
}

/// Writes a snapshot whose kube-dns answers are CoreDNS's own for the suite's cases.
fn served_snapshot(
    fixture: &CorednsFixture,
    suite: &CorednsSuite,
    dir: &std::path::Path,
    index: usize,
) -> std::path::PathBuf {
    let value = coredns_snapshot(fixture, suite, Vec::new());
    let ttl = meshdig::engine::snapshot_of(&value, "suite")
        .expect("a valid snapshot")
        .objects
        .kubernetes_options()
        .ttl;
    let answers = suite
        .cases
        .iter()
        .filter(|c| c.skip.is_none())
        .map(|c| kube_dns_answer(c, ttl))
        .collect();
    let path = dir.join(format!("suite-{index}.json"));
    let text = serde_json::to_string(&coredns_snapshot(fixture, suite, answers)).expect("JSON");
    std::fs::write(&path, text).expect("the snapshot is written");
    path
}

#[test]
fn serving_corednss_own_answers_as_kube_dns_gives_no_error_finding() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (mut asked, mut failures) = (0, Vec::new());
    let files = [
        "coredns-handler.json",
        "coredns-pods.json",
        "coredns-reverse.json",
        "coredns-apex.json",
    ];
    for (f, file) in files.iter().enumerate() {
        let fixture = coredns_fixture(file);
        for (s, suite) in fixture.suites.iter().enumerate() {
            let path = served_snapshot(&fixture, suite, dir.path(), f * 100 + s);
            let path = path.to_str().expect("UTF-8 path");
            for case in suite.cases.iter().filter(|c| c.skip.is_none()) {
                let run = run(&[
                    "diff",
                    &case.question,
                    "-t",
                    &case.rtype,
                    "--snapshot",
                    path,
                    "-o",
                    "json",
                ]);
                let doc: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
                    panic!(
                        "{}: not JSON ({e}): {}{}",
                        case.name, run.stdout, run.stderr
                    )
                });
                assert_contract(&doc);
                assert_eq!(
                    source(&doc, "kube-dns")["status"],
                    "answered",
                    "{}",
                    case.name
                );
                let errors: Vec<&Value> = doc["findings"]
                    .as_array()
                    .expect("findings")
                    .iter()
                    .filter(|f| f["severity"] == "error")
                    .collect();
                if run.code != 0 || !errors.is_empty() {
                    failures.push(format!(
                        "{} ({} {}): exit {}, {errors:?}",
                        case.name, case.question, case.rtype, run.code
                    ));
                }
                asked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(asked, 79);
}

#[test]
fn a_prediction_meshdig_cannot_make_is_said_and_counts_neither_way() {
    let fixture = coredns_fixture("coredns-apex.json");
    let suite = &fixture.suites[0];
    let soa = suite
        .cases
        .iter()
        .find(|c| c.rtype == "SOA")
        .expect("the apex SOA case");
    assert!(matches!(soa.expect, CorednsExpect::NoPrediction(_)));
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut verdicts = Vec::new();
    // CoreDNS's own SOA, and one with another serial: with nothing predicted, neither agrees or
    // disagrees with the objects.
    for serial in ["1499347823", "42"] {
        let mut answer = kube_dns_answer(soa, 5);
        let data =
            format!("ns.dns.cluster.local. hostmaster.cluster.local. {serial} 7200 1800 86400 5");
        answer["records"][0]["data"] = json!(data);
        let path = dir.path().join(format!("soa-{serial}.json"));
        let text =
            serde_json::to_string(&coredns_snapshot(&fixture, suite, vec![answer])).expect("JSON");
        std::fs::write(&path, text).expect("written");
        let path = path.to_str().expect("UTF-8 path");
        let json = run(&[
            "diff",
            "cluster.local.",
            "-t",
            "SOA",
            "--snapshot",
            path,
            "-o",
            "json",
        ]);
        let doc: Value = serde_json::from_str(&json.stdout).expect("JSON");
        assert_contract(&doc);
        let expected = source(&doc, "expected");
        assert_eq!(expected["status"], "not-applicable");
        assert!(
            expected["rcode"].is_null()
                && expected["records"].as_array().is_some_and(Vec::is_empty)
        );
        let note = expected["note"].as_str().expect("a note says why");
        assert!(
            note.starts_with("no prediction: ") && note.contains("serial"),
            "{note}"
        );
        assert_eq!(
            doc["findings"],
            json!([]),
            "nothing is compared with a missing prediction"
        );
        verdicts.push((doc["verdict"].clone(), json.code));
        let table = run(&["diff", "cluster.local.", "-t", "SOA", "--snapshot", path]);
        assert!(
            table.stdout.contains("n/a") && table.stdout.contains("no prediction: "),
            "{}",
            table.stdout
        );
    }
    assert_eq!(verdicts[0], verdicts[1]);
    assert_eq!(verdicts[0], (json!("consistent"), 0));
}
