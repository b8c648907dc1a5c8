//! One test per rule on a hand-built world: a pod `shop/client` with an Istio sidecar, a few
//! objects, istiod's table for the proxy, and the answers kube-dns and the sidecar give. Each test
//! runs one rule (or the closing rules) and checks the codes it emits.

use std::sync::Arc;

use hickory_proto::rr::RecordType;
use serde_json::{Value, json};

use super::*;
use crate::derive::{DiffCache, DiffInput, TableObservation, World, derive};
use crate::model::{Outcome, Rcode, Record};
use crate::report::AskedQuestion;
use crate::snapshot::Snapshot;
use crate::workload::{self, KubeletDns};

/// A Service `name.shop` with ClusterIP `ip`.
fn service(name: &str, ip: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "shop"},
           "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                    "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}})
}

/// A snapshot of `objects` plus the asking pod, whose sidecar captures DNS when `capture`, with
/// istiod's `table` for it.
fn world(objects: Vec<Value>, table: Value, capture: bool) -> Snapshot {
    let mut objects = objects;
    objects.push(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "client", "namespace": "shop", "labels": {"app": "client"}},
        "spec": {"containers": [{"name": "app"}, {"name": "istio-proxy"}]},
        "status": {"phase": "Running", "podIP": "10.244.0.9"}}));
    let doc = json!({
        "schema_version": 1,
        "cluster": {"domain": "cluster.local"},
        "mesh": {"kind": "istio", "version": "1.28.0"},
        "objects": objects,
        "proxies": [{"namespace": "shop", "pod": "client", "kind": "sidecar", "dns_capture": capture,
                     "name_table_received": true,
                     "ndsz": {"configs": [{"@type": "type.googleapis.com/istio.networking.nds.v1.NameTable",
                                           "table": table}]}}],
    });
    Snapshot::from_value(&doc, "a test world").expect("a valid world")
}

/// A Kubernetes entry of istiod's table.
fn entry(name: &str, ip: &str) -> Value {
    json!({"ips": [ip], "registry": "Kubernetes", "shortname": name, "namespace": "shop"})
}

fn a(name: &str, ip: &str, ttl: u32) -> Answer {
    Answer::records(vec![Record::new(name, "A", ttl, ip)], true)
}

fn nxdomain() -> Answer {
    Answer::empty(Rcode::NxDomain, true)
}

/// Runs `run` (one rule, or the closing rules) on `fqdn` A asked from the pod; its codes.
fn codes_of(
    snapshot: &Snapshot,
    fqdn: &str,
    kube: Outcome,
    sidecar: Outcome,
    run: impl Fn(&RuleInput<'_>) -> Vec<Finding>,
) -> Vec<Code> {
    findings_of(snapshot, fqdn, kube, sidecar, run)
        .iter()
        .map(|f| f.code)
        .collect()
}

/// Runs `run` on `fqdn` A asked from the pod; its findings.
fn findings_of(
    snapshot: &Snapshot,
    fqdn: &str,
    kube: Outcome,
    sidecar: Outcome,
    run: impl Fn(&RuleInput<'_>) -> Vec<Finding>,
) -> Vec<Finding> {
    let kubelet = KubeletDns::of_snapshot(snapshot);
    let pod = workload::resolve(&snapshot.objects, "shop", "pod/client").expect("the pod");
    let proxy = snapshot.proxy("shop", "client");
    let client = workload::from_pod(&pod.to_pod(), &kubelet, proxy);
    let table = snapshot.proxy_table("shop", "client").expect("a table");
    let cache = DiffCache::default();
    let input = DiffInput {
        world: World::of(snapshot),
        workload: Some(&client),
        namespace: "shop",
        question: AskedQuestion {
            input: fqdn.into(),
            fqdn: fqdn.into(),
            rtype: "A".into(),
            derivation: None,
        },
        rtype: RecordType::A,
        kube_dns: SourceResult::new(SourceKind::KubeDns, kube, None),
        sidecar: SourceResult::new(SourceKind::Sidecar, sidecar, None),
        control_plane: TableObservation::Table(Arc::clone(&table)),
        cache: &cache,
    };
    let sources = crate::diff::diff(&input).sources;
    let derived = derive(&input);
    run(&RuleInput::new(&derived, &sources))
}

/// The codes one registered rule emits, checked against the codes it declares.
fn rule_codes(
    name: &str,
    snapshot: &Snapshot,
    fqdn: &str,
    kube: Outcome,
    sidecar: Outcome,
) -> Vec<Code> {
    let rule = RULES
        .iter()
        .find(|r| r.name == name)
        .expect("a registered rule");
    let codes = codes_of(snapshot, fqdn, kube, sidecar, |input| {
        (rule.run)(input).findings
    });
    for code in &codes {
        assert!(
            rule.codes.contains(code),
            "{name} emitted undeclared {code}"
        );
    }
    codes
}

/// Asserts that rule `name` finds nothing where kube-dns and the sidecar agree with the objects.
fn assert_quiet(name: &str) {
    let agree = || answered(a(CART, "10.96.0.20", 30));
    let codes = rule_codes(name, &healthy(), CART, agree(), agree());
    assert!(
        codes.is_empty(),
        "{name} found {codes:?} in a healthy world"
    );
}

fn answered(answer: Answer) -> Outcome {
    Outcome::Answered(answer)
}

const CART: &str = "cart.shop.svc.cluster.local.";

fn healthy() -> Snapshot {
    world(
        vec![service("cart", "10.96.0.20")],
        json!({"cart.shop.svc.cluster.local": entry("cart", "10.96.0.20")}),
        true,
    )
}

#[test]
fn unreachable_names_each_source_that_could_not_be_asked_or_was_not_recorded() {
    let codes = rule_codes(
        "unreachable",
        &healthy(),
        CART,
        Outcome::Error("refused".into()),
        answered(a(CART, "10.96.0.20", 30)),
    );
    assert_eq!(codes, [Code::SourceUnreachable]);
    let unrecorded = rule_codes(
        "unreachable",
        &healthy(),
        CART,
        Outcome::NotRecorded("not recorded in the snapshot".into()),
        answered(a(CART, "10.96.0.20", 30)),
    );
    assert_eq!(unrecorded, [Code::NotRecorded]);
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
fn capture_off_applies_only_to_a_sidecar_that_does_not_capture() {
    let off = world(vec![service("cart", "10.96.0.20")], json!({}), false);
    let na = Outcome::NotApplicable("no capture".into());
    assert_eq!(
        rule_codes(
            "capture-off",
            &off,
            CART,
            answered(a(CART, "10.96.0.20", 30)),
            na
        ),
        [Code::DnsCaptureOff]
    );
    assert_quiet("capture-off");
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
    assert_eq!(codes, [Code::StaleDnsCache]);
    assert_quiet("stale-dns-cache");
}

#[test]
fn stale_control_plane_is_istiods_table_against_the_objects() {
    let behind = world(
        vec![service("cart", "10.96.0.20")],
        json!({"cart.shop.svc.cluster.local": entry("cart", "10.96.0.7")}),
        true,
    );
    let codes = rule_codes(
        "stale-control-plane",
        &behind,
        CART,
        answered(a(CART, "10.96.0.20", 30)),
        answered(a(CART, "10.96.0.7", 30)),
    );
    assert_eq!(codes, [Code::StaleControlPlane]);
    assert_quiet("stale-control-plane");
}

#[test]
fn sidecar_state_tells_an_old_table_and_a_servfail() {
    let stale = rule_codes(
        "sidecar-state",
        &healthy(),
        CART,
        answered(a(CART, "10.96.0.20", 30)),
        answered(a(CART, "10.96.0.5", 30)),
    );
    assert_eq!(stale, [Code::StaleSidecar]);
    let servfail = rule_codes(
        "sidecar-state",
        &healthy(),
        CART,
        answered(a(CART, "10.96.0.20", 30)),
        answered(Answer::empty(Rcode::ServFail, false)),
    );
    assert_eq!(
        servfail,
        [Code::UnexplainedDifference],
        "a synced agent's SERVFAIL is its upstream failing"
    );
}

#[test]
fn search_domain_cname_is_a_known_name_plus_the_first_search_domain() {
    let candidate = "cart.shop.svc.cluster.local.shop.svc.cluster.local.";
    let cname = Answer::records(
        vec![
            Record::new(candidate, "CNAME", 30, CART),
            Record::new(CART, "A", 30, "10.96.0.20"),
        ],
        true,
    );
    let codes = rule_codes(
        "search-domain-cname",
        &healthy(),
        candidate,
        answered(nxdomain()),
        answered(cname),
    );
    assert_eq!(codes, [Code::SearchDomainCname]);
}

#[test]
fn short_name_is_an_alias_kube_dns_does_not_serve() {
    let codes = rule_codes(
        "short-name",
        &healthy(),
        "cart.",
        answered(nxdomain()),
        answered(a("cart.", "10.96.0.20", 30)),
    );
    assert_eq!(codes, [Code::MeshOnlyName]);
    assert!(
        rule_codes(
            "short-name",
            &healthy(),
            CART,
            answered(nxdomain()),
            answered(a(CART, "10.96.0.20", 30))
        )
        .is_empty()
    );
}

fn with_service_entry(address: &str) -> Snapshot {
    let entry = json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
        "metadata": {"name": "partner", "namespace": "shop"},
        "spec": {"hosts": ["api.partner.example"], "addresses": [address], "resolution": "STATIC",
                 "ports": [{"number": 443, "name": "https", "protocol": "TLS"}],
                 "endpoints": [{"address": "198.51.100.7"}]}});
    world(
        vec![entry],
        json!({"api.partner.example": {"ips": [address], "registry": "External"}}),
        true,
    )
}

#[test]
fn mesh_only_name_is_a_service_entry_host_kube_dns_does_not_know() {
    let host = "api.partner.example.";
    let codes = rule_codes(
        "mesh-only-name",
        &with_service_entry("192.0.2.40"),
        host,
        answered(nxdomain()),
        answered(a(host, "192.0.2.40", 30)),
    );
    assert_eq!(codes, [Code::MeshOnlyName]);
}

#[test]
fn auto_allocated_vip_is_an_address_from_the_allocation_prefix() {
    let host = "api.partner.example.";
    let snapshot = with_service_entry("240.240.0.9");
    let codes = rule_codes(
        "auto-allocated-vip",
        &snapshot,
        host,
        answered(a(host, "198.51.100.7", 60)),
        answered(a(host, "240.240.0.9", 30)),
    );
    assert!(
        codes.is_empty(),
        "declared in spec.addresses, not allocated: {codes:?}"
    );
    let allocated = json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
        "metadata": {"name": "partner", "namespace": "shop"},
        "spec": {"hosts": ["api.partner.example"], "resolution": "DNS",
                 "ports": [{"number": 443, "name": "https", "protocol": "TLS"}]},
        "status": {"addresses": [{"value": "240.240.0.9", "host": "api.partner.example"}]}});
    let table = json!({"api.partner.example": {"ips": ["240.240.0.9"], "registry": "External"}});
    let snapshot = world(vec![allocated], table, true);
    let kube = answered(a(host, "198.51.100.7", 60));
    let sidecar = answered(a(host, "240.240.0.9", 30));
    let codes = rule_codes("auto-allocated-vip", &snapshot, host, kube, sidecar);
    assert_eq!(codes, [Code::AutoAllocatedVip]);
}

#[test]
fn nodata_vs_nxdomain_is_a_known_name_without_the_family() {
    let v6 = world(
        vec![],
        json!({"v6.example": {"ips": ["2001:db8::1"], "registry": "External"}}),
        true,
    );
    let host = "v6.example.";
    let codes = rule_codes(
        "nodata-vs-nxdomain",
        &v6,
        host,
        answered(nxdomain()),
        answered(Answer::empty(Rcode::NoError, true)),
    );
    assert_eq!(codes, [Code::NodataVsNxdomain]);
}

#[test]
fn mesh_ttl_is_the_agents_fixed_ttl_against_kube_dns() {
    let codes = rule_codes(
        "mesh-ttl",
        &healthy(),
        CART,
        answered(a(CART, "10.96.0.20", 5)),
        answered(a(CART, "10.96.0.20", 30)),
    );
    assert_eq!(codes, [Code::MeshTtl]);
    assert_quiet("mesh-ttl");
}

#[test]
fn forwarded_names_explain_a_service_entry_without_an_address() {
    let entry = json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
        "metadata": {"name": "ledger", "namespace": "shop"},
        "spec": {"hosts": ["ledger.corp.example"], "resolution": "DNS",
                 "ports": [{"number": 443, "name": "https", "protocol": "TLS"}]}});
    let snapshot = world(vec![entry], json!({}), true);
    let host = "ledger.corp.example.";
    let codes = rule_codes(
        "forwarded",
        &snapshot,
        host,
        answered(a(host, "198.51.100.9", 60)),
        answered(a(host, "198.51.100.9", 60)),
    );
    assert_eq!(codes, [Code::ServiceentryUnresolvable]);
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
    assert_eq!(codes, [Code::ExternalnameCname]);
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
    assert_eq!(codes, [Code::UnexplainedDifference]);
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
