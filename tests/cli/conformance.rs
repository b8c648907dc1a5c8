//! Conformance of meshdig's emulators with the upstream projects' own test tables, translated into
//! `fixtures/conformance/`: every case is replayed through the emulator and must give the answer
//! the upstream test expects; skipped cases carry their reason in the fixture.

use std::sync::Arc;

use hickory_proto::rr::RecordType;
use meshdig::emulate::istio::AgentTable;
use meshdig::snapshot::NameTable;
use serde::Deserialize;

use crate::support::repo;

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

/// `"forward"`, or the local answer's records as `[name, type, data]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Expect {
    Forward(String),
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
            Expect::Forward(word) => {
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
