//! One test per Istio sidecar rule on the hand-built world the core's rule tests use.

use serde_json::json;

use super::super::codes;
use crate::finding::Code;
use crate::model::{Answer, Outcome, Rcode, Record};
use crate::rules::testing::*;
use crate::snapshot::Snapshot;

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
        [codes::DNS_CAPTURE_OFF]
    );
    assert_quiet("capture-off");
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
    assert_eq!(codes, [codes::STALE_CONTROL_PLANE]);
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
    assert_eq!(stale, [codes::STALE_SIDECAR]);
    let servfail = rule_codes(
        "sidecar-state",
        &healthy(),
        CART,
        answered(a(CART, "10.96.0.20", 30)),
        answered(Answer::empty(Rcode::ServFail, false)),
    );
    assert_eq!(
        servfail,
        [Code::UNEXPLAINED_DIFFERENCE],
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
    assert_eq!(codes, [codes::SEARCH_DOMAIN_CNAME]);
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
    assert_eq!(codes, [codes::MESH_ONLY_NAME]);
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
    assert_eq!(codes, [codes::MESH_ONLY_NAME]);
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
    assert_eq!(codes, [codes::AUTO_ALLOCATED_VIP]);
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
    assert_eq!(codes, [codes::NODATA_VS_NXDOMAIN]);
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
    assert_eq!(codes, [codes::MESH_TTL]);
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
    assert_eq!(codes, [codes::SERVICEENTRY_UNRESOLVABLE]);
}
