//! A small, realistic cluster to start from: kube-dns/CoreDNS, istiod, and a `bookinfo` namespace
//! with a ClusterIP, a headless and an ExternalName Service, pods (one Pending), a ServiceEntry,
//! a Sidecar, a Deployment/ReplicaSet and seven filler Services (for pagination).

use serde_json::{Value, json};

/// The application namespace.
pub const BOOKINFO: &str = "bookinfo";
/// The CoreDNS pod in `kube-system` (port 53).
pub const COREDNS_POD: &str = "coredns-5d78c9869d-abcde";
/// The istiod pod in `istio-system` (port 15014).
pub const ISTIOD_POD: &str = "istiod-7d9f8b6c5-xk2lp";
/// A Running pod with an Istio sidecar in `bookinfo` (port 15053 is its DNS proxy).
pub const PRODUCTPAGE_POD: &str = "productpage-v1-6b746f74dc-9stvx";
/// Its istiod proxy id.
pub const PRODUCTPAGE_PROXY_ID: &str = "productpage-v1-6b746f74dc-9stvx.bookinfo";
/// A Pending pod in `bookinfo`.
pub const PENDING_POD: &str = "details-v1-79f774bdb9-pendng";
/// Number of filler Services (`svc-00` … `svc-06`, label `app=filler`) in `bookinfo`.
pub const FILLER_SERVICES: usize = 7;

fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, "status": {"phase": "Active"}})
}

fn service(ns: &str, name: &str, labels: Value, spec: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": spec,
    })
}

fn pod(ns: &str, name: &str, labels: Value, phase: &str, ip: &str, sidecar: bool) -> Value {
    let mut containers = vec![json!({"name": "app", "image": "example/app:1"})];
    if sidecar {
        containers.push(
            json!({"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.26.0",
            "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}]}),
        );
    }
    let mut pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"containers": containers, "nodeName": "node-1", "serviceAccountName": "default"},
        "status": {"phase": phase},
    });
    if phase == "Running" {
        pod["status"]["podIP"] = json!(ip);
        pod["status"]["podIPs"] = json!([{"ip": ip}]);
    }
    if sidecar {
        pod["metadata"]["annotations"] = json!({
            "sidecar.istio.io/status": "{\"containers\":[\"istio-proxy\"]}",
            "proxy.istio.io/config": "proxyMetadata:\n  ISTIO_META_DNS_CAPTURE: \"true\"\n  ISTIO_META_DNS_AUTO_ALLOCATE: \"true\"\n",
        });
        pod["metadata"]["labels"]["security.istio.io/tlsMode"] = json!("istio");
    }
    pod
}

/// Every object of the sample cluster.
pub fn sample_cluster() -> Vec<Value> {
    let mut objects = vec![
        namespace("default"),
        namespace("kube-system"),
        namespace("istio-system"),
        namespace(BOOKINFO),
        service(
            "default",
            "kubernetes",
            json!({"component": "apiserver"}),
            json!({
            "type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}),
        ),
        service(
            "kube-system",
            "kube-dns",
            json!({"k8s-app": "kube-dns"}),
            json!({
            "type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
            "selector": {"k8s-app": "kube-dns"},
            "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                      {"name": "metrics", "port": 9153, "protocol": "TCP"}]}),
        ),
        pod(
            "kube-system",
            COREDNS_POD,
            json!({"k8s-app": "kube-dns"}),
            "Running",
            "10.244.0.3",
            false,
        ),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"},
            "data": {"Corefile": ".:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 5\n    }\n    forward . /etc/resolv.conf\n    cache 30\n}\n"}}),
        service(
            "istio-system",
            "istiod",
            json!({"app": "istiod"}),
            json!({
            "type": "ClusterIP", "clusterIP": "10.96.100.10", "clusterIPs": ["10.96.100.10"], "selector": {"app": "istiod"},
            "ports": [{"name": "grpc-xds", "port": 15010, "protocol": "TCP"}, {"name": "https-dns", "port": 15012, "protocol": "TCP"},
                      {"name": "https-webhook", "port": 443, "protocol": "TCP"}, {"name": "http-monitoring", "port": 15014, "protocol": "TCP"}]}),
        ),
        pod(
            "istio-system",
            ISTIOD_POD,
            json!({"app": "istiod", "istio": "pilot"}),
            "Running",
            "10.244.0.9",
            false,
        ),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "istio", "namespace": "istio-system"},
            "data": {"mesh": "defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: \"true\"\n"}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "istiod", "namespace": "istio-system", "labels": {"app": "istiod"}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "istiod"}}, "template": {"metadata": {"labels": {"app": "istiod"}}, "spec": {"containers": [{"name": "discovery", "image": "docker.io/istio/pilot:1.26.0"}]}}},
            "status": {"replicas": 1, "readyReplicas": 1}}),
        service(
            BOOKINFO,
            "reviews",
            json!({"app": "reviews"}),
            json!({
            "type": "ClusterIP", "clusterIP": "10.96.12.34", "clusterIPs": ["10.96.12.34"], "selector": {"app": "reviews"},
            "ports": [{"name": "http", "port": 9080, "protocol": "TCP"}]}),
        ),
        service(
            BOOKINFO,
            "ratings",
            json!({"app": "ratings"}),
            json!({
            "type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"], "selector": {"app": "ratings"},
            "ports": [{"name": "grpc", "port": 9090, "protocol": "TCP"}]}),
        ),
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "ratings-abc12", "namespace": BOOKINFO,
                     "labels": {"kubernetes.io/service-name": "ratings", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}},
        "addressType": "IPv4",
        "ports": [{"name": "grpc", "port": 9090, "protocol": "TCP"}],
        "endpoints": [
            {"addresses": ["10.244.1.5"], "hostname": "ratings-0", "conditions": {"ready": true}},
            {"addresses": ["10.244.2.6"], "hostname": "ratings-1", "conditions": {"ready": true}},
            {"addresses": ["10.244.3.7"], "hostname": "ratings-2", "conditions": {"ready": true}},
            {"addresses": ["10.244.4.8"], "hostname": "ratings-3", "conditions": {"ready": false}},
        ]}),
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "reviews-x7k2p", "namespace": BOOKINFO, "labels": {"kubernetes.io/service-name": "reviews"}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 9080, "protocol": "TCP"}],
            "endpoints": [{"addresses": ["10.244.1.20"], "conditions": {"ready": true}}]}),
        service(
            BOOKINFO,
            "external-db",
            json!({}),
            json!({"type": "ExternalName", "externalName": "db.example.com"}),
        ),
        pod(
            BOOKINFO,
            PRODUCTPAGE_POD,
            json!({"app": "productpage", "version": "v1"}),
            "Running",
            "10.244.1.10",
            true,
        ),
        pod(
            BOOKINFO,
            PENDING_POD,
            json!({"app": "details", "version": "v1"}),
            "Pending",
            "",
            true,
        ),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "productpage-v1", "namespace": BOOKINFO, "labels": {"app": "productpage"}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "productpage", "version": "v1"}}},
            "status": {"replicas": 1, "readyReplicas": 1}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "productpage-v1-6b746f74dc", "namespace": BOOKINFO,
                "labels": {"app": "productpage", "pod-template-hash": "6b746f74dc"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "productpage-v1", "uid": "11111111-2222-4333-8444-555555555555", "controller": true}]},
            "spec": {"replicas": 1}, "status": {"replicas": 1}}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry", "metadata": {"name": "api-payments", "namespace": BOOKINFO},
            "spec": {"hosts": ["api.payments.example.com"], "location": "MESH_EXTERNAL", "resolution": "DNS",
                     "ports": [{"number": 443, "name": "https", "protocol": "TLS"}]},
            "status": {"addresses": [{"value": "240.240.0.1", "host": "api.payments.example.com"}]}}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": "Sidecar", "metadata": {"name": "default", "namespace": BOOKINFO},
            "spec": {"egress": [{"hosts": ["./*", "istio-system/*"]}]}}),
    ];
    for i in 0..FILLER_SERVICES {
        objects.push(service(BOOKINFO, &format!("svc-{i:02}"), json!({"app": "filler"}), json!({
            "type": "ClusterIP", "clusterIP": format!("10.96.200.{}", i + 1), "clusterIPs": [format!("10.96.200.{}", i + 1)],
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]})));
    }
    objects
}
