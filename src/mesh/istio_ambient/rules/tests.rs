//! The ambient rules on a hand-built world: the pod `shop/client` in the ambient mesh, a few
//! objects, and ztunnel's config dump for it.

use serde_json::{Value, json};

use super::super::codes;
use crate::finding::Code;
use crate::model::{Answer, Outcome, Rcode, Record};
use crate::rules::testing::{a, answered, nxdomain, rule_codes, service};
use crate::snapshot::Snapshot;

const KUBERNETES: &str = "kubernetes.default.shop.svc.cluster.local.";
const CART: &str = "cart.shop.svc.cluster.local.";
const API: &str = "api.example.com.";

fn kubernetes() -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default"},
           "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"]}})
}

/// A ServiceEntry for `api.example.com` with an allocated VIP, bound to a waypoint.
fn api_entry() -> Value {
    json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
           "metadata": {"name": "api", "namespace": "shop", "labels": {"istio.io/use-waypoint": "waypoint"}},
           "spec": {"hosts": ["api.example.com"], "resolution": "DNS", "ports": [{"number": 443, "name": "https", "protocol": "TLS"}]},
           "status": {"addresses": [{"value": "240.240.0.7", "host": "api.example.com"}]}})
}

/// ztunnel's dump: the client (when `knows_client`) and `services` as `(host, namespace, vip)`.
fn dump(knows_client: bool, services: &[(&str, &str, &str)]) -> Value {
    let workloads: Vec<Value> = knows_client
        .then(|| json!({"uid": "c", "name": "client", "namespace": "shop", "serviceAccount": "default", "workloadIps": ["10.244.0.9"]}))
        .into_iter()
        .collect();
    let services: Vec<Value> = services
        .iter()
        .map(|(host, ns, vip)| json!({"name": host.split('.').next(), "namespace": ns, "hostname": host, "vips": [format!("/{vip}")]}))
        .collect();
    json!({"workloads": workloads, "services": services, "config": {"clusterDomain": "cluster.local"}})
}

fn world(version: &str, objects: Vec<Value>, dump: Value) -> Snapshot {
    let mut objects = objects;
    objects.push(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "client", "namespace": "shop", "annotations": {"ambient.istio.io/redirection": "enabled"}},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Running", "podIP": "10.244.0.9"}}));
    let doc = json!({
        "schema_version": 1,
        "cluster": {"domain": "cluster.local"},
        "mesh": {"kind": "istio", "version": version},
        "objects": objects,
        "proxies": [{"namespace": "shop", "pod": "client", "kind": "ambient", "service_account": "default", "ndsz": dump}],
    });
    crate::engine::snapshot_of(&doc, "an ambient test world").expect("a valid world")
}

fn codes(name: &str, snapshot: &Snapshot, fqdn: &str, kube: Answer, sidecar: Outcome) -> Vec<Code> {
    rule_codes(name, snapshot, fqdn, answered(kube), sidecar)
}

fn stripped_answer() -> Answer {
    Answer::records(
        vec![
            Record::new(KUBERNETES, "CNAME", 30, "kubernetes.default."),
            Record::new("kubernetes.default.", "A", 30, "10.96.0.1"),
        ],
        true,
    )
}

#[test]
fn the_stripped_name_cname_is_a_warning_outside_the_cluster_domain() {
    let all = [(
        "kubernetes.default.svc.cluster.local",
        "default",
        "10.96.0.1",
    )];
    let snapshot = world("1.27.0", vec![kubernetes()], dump(true, &all));
    let got = codes(
        "ztunnel-stripped-cname",
        &snapshot,
        KUBERNETES,
        nxdomain(),
        answered(stripped_answer()),
    );
    assert_eq!(got, vec![codes::ZTUNNEL_STRIPPED_CNAME]);
    let quiet = codes(
        "ztunnel-only-name",
        &snapshot,
        KUBERNETES,
        nxdomain(),
        answered(stripped_answer()),
    );
    assert!(quiet.is_empty(), "{quiet:?}");
}

#[test]
fn a_client_ztunnel_does_not_know_gets_servfail() {
    let snapshot = world(
        "1.27.0",
        vec![service("cart", "10.96.0.20")],
        dump(false, &[]),
    );
    let servfail = answered(Answer::empty(Rcode::ServFail, false));
    let got = codes(
        "ztunnel-unknown-client",
        &snapshot,
        CART,
        a(CART, "10.96.0.20", 5),
        servfail,
    );
    assert_eq!(got, vec![codes::ZTUNNEL_UNKNOWN_CLIENT]);
    let stale = codes(
        "stale-ztunnel",
        &snapshot,
        CART,
        a(CART, "10.96.0.20", 5),
        answered(nxdomain()),
    );
    assert!(
        stale.is_empty(),
        "an unknown client is not a stale table: {stale:?}"
    );
}

#[test]
fn a_vip_ztunnel_holds_otherwise_than_the_objects_is_stale() {
    let cart = [("cart.shop.svc.cluster.local", "shop", "10.96.0.99")];
    let snapshot = world(
        "1.27.0",
        vec![service("cart", "10.96.0.20")],
        dump(true, &cart),
    );
    let got = codes(
        "stale-ztunnel",
        &snapshot,
        CART,
        a(CART, "10.96.0.20", 5),
        answered(a(CART, "10.96.0.99", 30)),
    );
    assert_eq!(got, vec![codes::STALE_ZTUNNEL]);
    let healthy = [("cart.shop.svc.cluster.local", "shop", "10.96.0.20")];
    let snapshot = world(
        "1.27.0",
        vec![service("cart", "10.96.0.20")],
        dump(true, &healthy),
    );
    for rule in super::RULES {
        let agree = || a(CART, "10.96.0.20", 30);
        let got = codes(rule.name, &snapshot, CART, agree(), answered(agree()));
        assert!(
            got.is_empty(),
            "{} found {got:?} in a healthy world",
            rule.name
        );
    }
}

#[test]
fn capture_off_by_the_release_default_skips_the_serviceentry_vip_and_its_waypoint() {
    let api = [("api.example.com", "shop", "240.240.0.7")];
    let snapshot = world("1.24.3", vec![api_entry()], dump(true, &api));
    let upstream = a(API, "203.0.113.10", 60);
    let not_asked = Outcome::NotApplicable("capture off".into());
    let got = codes(
        "ambient-dns-capture-off",
        &snapshot,
        API,
        upstream.clone(),
        not_asked.clone(),
    );
    assert_eq!(got, vec![codes::AMBIENT_DNS_CAPTURE_OFF]);
    let got = codes("waypoint-without-vip", &snapshot, API, upstream, not_asked);
    assert_eq!(got, vec![codes::WAYPOINT_WITHOUT_VIP]);
    // Bound through its namespace instead, or opted out of the namespace's waypoint.
    let mut unlabelled = api_entry();
    unlabelled["metadata"]["labels"] = json!({});
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "shop", "labels": {"istio.io/use-waypoint": "waypoint"}}});
    let by_namespace = world(
        "1.24.3",
        vec![unlabelled, namespace.clone()],
        dump(true, &api),
    );
    let upstream = a(API, "203.0.113.10", 60);
    let not_asked = || Outcome::NotApplicable("capture off".into());
    let got = codes(
        "waypoint-without-vip",
        &by_namespace,
        API,
        upstream.clone(),
        not_asked(),
    );
    assert_eq!(got, vec![codes::WAYPOINT_WITHOUT_VIP]);
    let mut opted_out = api_entry();
    opted_out["metadata"]["labels"] = json!({"istio.io/use-waypoint": "none"});
    let none = world("1.24.3", vec![opted_out, namespace], dump(true, &api));
    let got = codes("waypoint-without-vip", &none, API, upstream, not_asked());
    assert!(got.is_empty(), "{got:?}");
    let on = world("1.25.0", vec![api_entry()], dump(true, &api));
    let vip = a(API, "240.240.0.7", 30);
    let got = codes(
        "waypoint-without-vip",
        &on,
        API,
        nxdomain(),
        answered(vip.clone()),
    );
    assert!(got.is_empty(), "{got:?}");
    let got = codes("ztunnel-only-name", &on, API, nxdomain(), answered(vip));
    assert_eq!(got, vec![codes::ZTUNNEL_ONLY_NAME]);
}
