//! One test per core rule on the hand-built world of [`super::testing`].

use serde_json::json;

use super::testing::*;
use super::*;
use crate::model::{Outcome, Record};

#[test]
fn unreachable_names_each_source_that_could_not_be_asked_or_was_not_recorded() {
    let codes = rule_codes(
        "unreachable",
        &healthy(),
        CART,
        Outcome::Error("refused".into()),
        answered(a(CART, "10.96.0.20", 30)),
    );
    assert_eq!(codes, [Code::SOURCE_UNREACHABLE]);
    let unrecorded = rule_codes(
        "unreachable",
        &healthy(),
        CART,
        Outcome::NotRecorded("not recorded in the snapshot".into()),
        answered(a(CART, "10.96.0.20", 30)),
    );
    assert_eq!(unrecorded, [Code::NOT_RECORDED]);
    let none = rule_codes(
        "unreachable",
        &healthy(),
        CART,
        answered(a(CART, "10.96.0.20", 30)),
        answered(a(CART, "10.96.0.20", 30)),
    );
    assert!(none.is_empty());
}

#[test]
fn stale_dns_cache_is_kube_dns_against_the_objects() {
    let codes = rule_codes(
        "stale-dns-cache",
        &healthy(),
        CART,
        answered(a(CART, "10.96.0.99", 30)),
        answered(a(CART, "10.96.0.20", 30)),
    );
    assert_eq!(codes, [Code::STALE_DNS_CACHE]);
    assert_quiet("stale-dns-cache");
}

#[test]
fn service_shapes_name_an_external_name() {
    let external = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "legacy", "namespace": "shop"},
        "spec": {"type": "ExternalName", "externalName": "db.example.com"}});
    let snapshot = world(vec![external], json!({}), true);
    let name = "legacy.shop.svc.cluster.local.";
    let cname = Answer::records(
        vec![Record::new(name, "CNAME", 30, "db.example.com.")],
        true,
    );
    let codes = rule_codes(
        "service-shapes",
        &snapshot,
        name,
        answered(cname.clone()),
        answered(cname),
    );
    assert_eq!(codes, [Code::EXTERNALNAME_CNAME]);
}

#[test]
fn the_closing_rules_call_a_difference_no_rule_explains_a_fault() {
    // The sidecar answers a forwarded-looking address nobody predicts: no rule accounts for it.
    let unknown = "mystery.example.";
    let odd = Answer::records(vec![Record::new(unknown, "A", 300, "203.0.113.1")], false);
    let closing = |input: &RuleInput<'_>| {
        let found: Vec<Explained> = Vec::new();
        let mut all = unexplained::sidecar_vs_kube(input, &found);
        all.extend(unexplained::expectation(input, &found));
        all
    };
    let codes = codes_of(
        &healthy(),
        unknown,
        answered(nxdomain()),
        answered(odd),
        closing,
    );
    assert_eq!(codes, [Code::UNEXPLAINED_DIFFERENCE]);
    let same = codes_of(
        &healthy(),
        CART,
        answered(a(CART, "10.96.0.20", 30)),
        answered(a(CART, "10.96.0.20", 30)),
        closing,
    );
    assert!(same.is_empty());
}

#[test]
fn stale_dns_cache_names_the_coredns_behaviour_the_expectation_follows() {
    let alias = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "alias", "namespace": "shop"},
        "spec": {"type": "ExternalName", "externalName": "cart.shop.svc.cluster.local"}});
    let snapshot = world(vec![service("cart", "10.96.0.20"), alias], json!({}), true);
    let name = "alias.shop.svc.cluster.local.";
    let stale = Answer::records(
        vec![
            Record::new(name, "CNAME", 5, CART),
            Record::new(CART, "A", 5, "10.96.0.99"),
        ],
        true,
    );
    let rule = RULES.iter().find(|r| r.name == "stale-dns-cache").unwrap();
    let findings = findings_of(
        &snapshot,
        name,
        answered(stale.clone()),
        answered(stale),
        |input| (rule.run)(input).findings,
    );
    assert_eq!(findings.len(), 1, "{findings:?}");
    let coredns = findings[0]
        .evidence
        .iter()
        .find(|e| e.field.as_deref() == Some("predicted as CoreDNS answers"))
        .expect("the CoreDNS behaviour is named");
    assert!(
        coredns
            .value
            .as_deref()
            .unwrap_or_default()
            .contains("ExternalName"),
        "{coredns:?}"
    );
}
