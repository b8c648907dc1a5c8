//! The hand-built world the rules' unit tests run on: a pod `shop/client` with an Istio sidecar, a
//! few objects, istiod's table for the proxy, and the answers kube-dns and the sidecar give. A test
//! runs one registered rule (the core's or a mesh's) or the closing rules, and checks the codes it
//! emits.

use std::sync::Arc;

use hickory_proto::rr::RecordType;
use serde_json::{Value, json};

use super::{RULES, Rule, RuleInput};
use crate::derive::{DiffCache, DiffInput, TableObservation, World};
use crate::finding::{Code, Finding};
use crate::model::{Answer, Layer, Outcome, Rcode, Record, SourceResult};
use crate::report::AskedQuestion;
use crate::snapshot::Snapshot;
use crate::workload::{self, KubeletDns};

/// A Service `name.shop` with ClusterIP `ip`.
pub(crate) fn service(name: &str, ip: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "shop"},
           "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                    "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}})
}

/// A snapshot of `objects` plus the asking pod, whose sidecar captures DNS when `capture`, with
/// istiod's `table` for it.
pub(crate) fn world(objects: Vec<Value>, table: Value, capture: bool) -> Snapshot {
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
    crate::engine::snapshot_of(&doc, "a test world").expect("a valid world")
}

/// A Kubernetes entry of istiod's table.
pub(crate) fn entry(name: &str, ip: &str) -> Value {
    json!({"ips": [ip], "registry": "Kubernetes", "shortname": name, "namespace": "shop"})
}

pub(crate) fn a(name: &str, ip: &str, ttl: u32) -> Answer {
    Answer::records(vec![Record::new(name, "A", ttl, ip)], true)
}

pub(crate) fn nxdomain() -> Answer {
    Answer::empty(Rcode::NxDomain, true)
}

/// Runs `run` (one rule, or the closing rules) on `fqdn` A asked from the pod; its codes.
pub(crate) fn codes_of(
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
pub(crate) fn findings_of(
    snapshot: &Snapshot,
    fqdn: &str,
    kube: Outcome,
    sidecar: Outcome,
    run: impl Fn(&RuleInput<'_>) -> Vec<Finding>,
) -> Vec<Finding> {
    let kubelet = KubeletDns::of_snapshot(snapshot);
    let pod = workload::resolve(&snapshot.objects, "shop", "pod/client").expect("the pod");
    let proxy = snapshot.proxy("shop", "client");
    let dns = crate::mesh::dns_path(&snapshot.mesh, proxy);
    let client = workload::from_pod(&pod.to_pod(), &kubelet, proxy, dns);
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
        asked: vec![
            SourceResult::new(Layer::KUBE_DNS, kube, None),
            SourceResult::new(Layer::SIDECAR, sidecar, None),
        ],
        control_plane: TableObservation::Table(Arc::clone(&table)),
        cache: &cache,
    };
    let sources = crate::diff::diff(&input).sources;
    let (derived, _) = crate::diff::derive_with_mesh(&input);
    run(&RuleInput::new(&derived, &sources))
}

/// The codes one registered rule emits, checked against the codes it declares.
pub(crate) fn rule_codes(
    name: &str,
    snapshot: &Snapshot,
    fqdn: &str,
    kube: Outcome,
    sidecar: Outcome,
) -> Vec<Code> {
    let rule: &Rule = RULES
        .iter()
        .chain(crate::mesh::MESHES.iter().flat_map(|m| m.rules()))
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
pub(crate) fn assert_quiet(name: &str) {
    let agree = || answered(a(CART, "10.96.0.20", 30));
    let codes = rule_codes(name, &healthy(), CART, agree(), agree());
    assert!(
        codes.is_empty(),
        "{name} found {codes:?} in a healthy world"
    );
}

pub(crate) fn answered(answer: Answer) -> Outcome {
    Outcome::Answered(answer)
}

pub(crate) const CART: &str = "cart.shop.svc.cluster.local.";

pub(crate) fn healthy() -> Snapshot {
    world(
        vec![service("cart", "10.96.0.20")],
        json!({"cart.shop.svc.cluster.local": entry("cart", "10.96.0.20")}),
        true,
    )
}
