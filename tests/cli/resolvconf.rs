//! `meshdig resolvconf`: a pod's resolv.conf as the kubelet writes it, from a snapshot and live.

use serde_json::{Value, json};

use crate::harness::FakeApi;
use crate::harness::sample::{BOOKINFO, PRODUCTPAGE_POD, sample_cluster};
use crate::support::{fixture, run};

/// A copy of the healthy snapshot whose productpage pod has `spec` merged in, written to `dir`.
fn snapshot_with_pod_spec(
    dir: &std::path::Path,
    spec: Value,
    cluster: Value,
) -> std::path::PathBuf {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("bookinfo-healthy.json")).unwrap())
            .unwrap();
    for object in doc["objects"].as_array_mut().unwrap() {
        if object["kind"] == "Pod" {
            for (key, value) in spec.as_object().unwrap() {
                object["spec"][key] = value.clone();
            }
        }
    }
    doc["cluster"] = cluster;
    let path = dir.join("snapshot.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

fn resolvconf(snapshot: &std::path::Path, extra: &[&str]) -> String {
    let mut args = vec![
        "resolvconf",
        "--from",
        "pod/productpage-v1-7d9",
        "-n",
        "bookinfo",
        "--snapshot",
        snapshot.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

#[test]
fn cluster_first_pods_get_the_cluster_search_path_and_the_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = snapshot_with_pod_spec(
        dir.path(),
        json!({}),
        json!({"domain": "cluster.local", "cluster_dns": ["10.96.0.10"], "node_resolv_conf": "nameserver 192.0.2.53\nsearch corp.example\n"}),
    );
    let text = resolvconf(&snapshot, &[]);
    assert!(text.contains("nameserver 10.96.0.10\n"), "{text}");
    assert!(
        text.contains(
            "search bookinfo.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
        ),
        "{text}"
    );
    assert!(text.contains("options ndots:5\n"), "{text}");
}

#[test]
fn dns_policy_none_takes_only_dns_config() {
    let dir = tempfile::tempdir().unwrap();
    // What Consul's injector writes: dnsPolicy None with its own nameserver first.
    let snapshot = snapshot_with_pod_spec(
        dir.path(),
        json!({"dnsPolicy": "None", "dnsConfig": {"nameservers": ["127.0.0.1", "10.96.0.10"], "searches": ["bookinfo.svc.cluster.local", "svc.cluster.local"], "options": [{"name": "ndots", "value": "2"}]}}),
        json!({"domain": "cluster.local"}),
    );
    let text = resolvconf(&snapshot, &[]);
    assert!(text.contains("dnsPolicy None"), "{text}");
    assert!(
        text.contains("nameserver 127.0.0.1\nnameserver 10.96.0.10\n"),
        "{text}"
    );
    assert!(
        text.contains("search bookinfo.svc.cluster.local svc.cluster.local\n"),
        "{text}"
    );
    assert!(text.contains("options ndots:2\n"), "{text}");
}

#[test]
fn an_explicit_ndots_1_from_dns_config_is_written_as_the_kubelet_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = snapshot_with_pod_spec(
        dir.path(),
        json!({"dnsConfig": {"options": [{"name": "ndots", "value": "1"}, {"name": "edns0"}]}}),
        json!({"domain": "cluster.local", "cluster_dns": ["10.96.0.10"]}),
    );
    let text = resolvconf(&snapshot, &[]);
    assert!(text.contains("options ndots:1 edns0\n"), "{text}");
}

#[test]
fn legacy_limits_drop_search_domains_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let searches: Vec<String> = (0..8).map(|i| format!("d{i}.example")).collect();
    let snapshot = snapshot_with_pod_spec(
        dir.path(),
        json!({"dnsConfig": {"searches": searches}}),
        json!({"domain": "cluster.local"}),
    );
    let expanded = resolvconf(&snapshot, &[]);
    assert!(
        expanded.contains("d7.example") && !expanded.contains("# note"),
        "{expanded}"
    );
    let legacy = resolvconf(&snapshot, &["--limits", "legacy"]);
    assert!(!legacy.contains("d7.example"), "{legacy}");
    assert!(legacy.contains("# note:"), "{legacy}");
    let unknown = resolvconf(&snapshot, &[]);
    assert!(
        unknown.contains("# nameserver: unknown"),
        "the fixture has no kube-dns Service: {unknown}"
    );
}

#[test]
fn live_pods_use_the_kube_dns_service_as_nameserver() {
    let api = FakeApi::with_objects(sample_cluster());
    let kubeconfig = api.kubeconfig("test", BOOKINFO);
    let out = run(&[
        "resolvconf",
        "--from",
        &format!("pod/{PRODUCTPAGE_POD}"),
        "--kubeconfig",
        kubeconfig.path_str(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("nameserver 10.96.0.10\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("search bookinfo.svc.cluster.local svc.cluster.local cluster.local\n"),
        "{}",
        out.stdout
    );
    assert!(
        api.requests()
            .iter()
            .all(|r| !r.path.ends_with("/portforward"))
    );
}
