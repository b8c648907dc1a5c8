//! Self-tests of the harness with real clients (kubectl, kube-rs 5, dig) and real servers (Knot,
//! dnsmasq): the stand-ins must behave like the real thing, not just like our own code expects.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::dns_wire::{self, Rr};
use super::sample::{
    BOOKINFO, COREDNS_POD, FILLER_SERVICES, ISTIOD_POD, PENDING_POD, PRODUCTPAGE_POD,
    PRODUCTPAGE_PROXY_ID, sample_cluster,
};
use super::{
    DEFAULT_USER, Dnsmasq, FakeApi, FakeIstiod, Knot, KubeContext, Kubeconfig, Role, SidecarDns,
    coredns_zone, kubectl_binary, require_binary,
};

const TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Helpers

struct Kubectl {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs kubectl against `kubeconfig` with an isolated HOME (no shared discovery cache).
fn kubectl(kubeconfig: &Kubeconfig, args: &[&str]) -> Kubectl {
    let output = Command::new(kubectl_binary())
        .args(args)
        .arg("--request-timeout=20s")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", kubeconfig.home())
        .env("KUBECONFIG", kubeconfig.path())
        .output()
        .expect("kubectl runs");
    Kubectl {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn kubectl_ok(kubeconfig: &Kubeconfig, args: &[&str]) -> String {
    let run = kubectl(kubeconfig, args);
    assert_eq!(
        run.code, 0,
        "kubectl {args:?} failed:\nstdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    run.stdout
}

/// A kube-rs client from a kubeconfig file, as meshdig builds it.
async fn kube_client(kubeconfig: &Kubeconfig) -> kube::Client {
    kube_client_with(kubeconfig, |_| {}).await
}

async fn kube_client_with(
    kubeconfig: &Kubeconfig,
    adjust: impl FnOnce(&mut kube::Config),
) -> kube::Client {
    let file = kube::config::Kubeconfig::read_from(kubeconfig.path()).expect("a kubeconfig");
    let mut config = kube::Config::from_custom_kubeconfig(file, &Default::default())
        .await
        .expect("a client configuration");
    adjust(&mut config);
    kube::Client::try_from(config).expect("a client")
}

fn api_error(error: kube::Error) -> kube::core::Status {
    match error {
        kube::Error::Api(status) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn rrs(message: &hickory_proto::op::Message) -> Vec<Rr> {
    let mut rrs = dns_wire::answers(message);
    rrs.sort_by(|a, b| a.data.cmp(&b.data));
    rrs
}

fn rr(name: &str, ttl: u32, rtype: &str, data: &str) -> Rr {
    Rr {
        name: name.to_string(),
        ttl,
        rtype: rtype.to_string(),
        data: data.to_string(),
    }
}

fn sorted_names(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut names: Vec<String> = values.into_iter().collect();
    names.sort();
    names
}

/// Reads one HTTP/1.1 response (status line, headers, Content-Length body) from a stream.
async fn read_http_response(stream: &mut DuplexStream) -> (u16, String, String) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        let n = stream
            .read(&mut byte)
            .await
            .expect("read the response head");
        assert!(
            n == 1,
            "EOF inside the response head: {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("an ASCII head");
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .expect("a Content-Length");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.expect("read the body");
    (status, head, String::from_utf8(body).expect("a UTF-8 body"))
}

async fn http_get(stream: &mut DuplexStream, path: &str, close: bool) -> (u16, String, String) {
    let connection = if close { "Connection: close\r\n" } else { "" };
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost:15014\r\n{connection}\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send the request");
    read_http_response(stream).await
}

// ---------------------------------------------------------------------------------------------
// (a) kubectl

#[test]
fn kubectl_lists_gets_and_discovers_crds() {
    // No token here: kubectl (client-go) never sends a bearer token over plain http://.
    let api = FakeApi::with_objects(sample_cluster());
    let kubeconfig = api.kubeconfig("fake", BOOKINFO);

    let services = kubectl_ok(&kubeconfig, &["get", "svc", "-A"]);
    for expected in [
        "kube-dns",
        "kube-system",
        "reviews",
        "external-db",
        "svc-06",
        BOOKINFO,
    ] {
        assert!(
            services.contains(expected),
            "{expected} missing from:\n{services}"
        );
    }
    let slices = kubectl_ok(&kubeconfig, &["get", "endpointslices", "-n", BOOKINFO]);
    assert!(
        slices.contains("ratings-abc12") && slices.contains("reviews-x7k2p"),
        "{slices}"
    );
    let entries = kubectl_ok(&kubeconfig, &["get", "serviceentries", "-A"]);
    assert!(entries.contains("api-payments"), "{entries}");
    let short = kubectl_ok(&kubeconfig, &["get", "se", "-n", BOOKINFO, "-o", "name"]);
    assert_eq!(
        short.trim(),
        "serviceentry.networking.istio.io/api-payments"
    );

    let pod: Value = serde_json::from_str(&kubectl_ok(
        &kubeconfig,
        &["get", "pod", PRODUCTPAGE_POD, "-n", BOOKINFO, "-o", "json"],
    ))
    .expect("kubectl printed JSON");
    assert_eq!(pod["kind"], "Pod");
    assert_eq!(pod["metadata"]["name"], PRODUCTPAGE_POD);
    assert_eq!(pod["status"]["phase"], "Running");

    let missing = kubectl(&kubeconfig, &["get", "svc", "nope", "-n", BOOKINFO]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("Error from server (NotFound): services \"nope\" not found"),
        "{}",
        missing.stderr
    );
    // Discovery went through /api and /apis, aggregated (no per-group requests); lists carry `limit=500`.
    assert!(api.count("/apis") >= 1 && api.count("/api") >= 1);
    assert_eq!(
        api.count("/apis/networking.istio.io/v1"),
        0,
        "{:?}",
        api.requests()
    );
    let listed = api
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/services")
        .expect("kubectl listed services cluster-wide");
    assert_eq!(listed.param("limit").as_deref(), Some("500"));
}

#[test]
fn kubectl_shows_the_forbidden_message_and_the_unauthorized_error() {
    let api = FakeApi::with_objects(sample_cluster());
    api.set_role(Some(Role::new().read("", "services", Some(BOOKINFO)).read(
        "",
        "pods",
        Some(BOOKINFO),
    )));
    let kubeconfig = api.kubeconfig("fake", BOOKINFO);
    let services = kubectl_ok(&kubeconfig, &["get", "svc", "-n", BOOKINFO]);
    assert!(services.contains("reviews"), "{services}");

    let denied = kubectl(&kubeconfig, &["get", "endpointslices", "-n", BOOKINFO]);
    assert_eq!(denied.code, 1, "{}", denied.stdout);
    let expected = format!(
        "Error from server (Forbidden): endpointslices.discovery.k8s.io is forbidden: User \"{DEFAULT_USER}\" \
         cannot list resource \"endpointslices\" in API group \"discovery.k8s.io\" in the namespace \"{BOOKINFO}\""
    );
    assert!(denied.stderr.contains(&expected), "{}", denied.stderr);

    let cluster_wide = kubectl(&kubeconfig, &["get", "svc", "-A"]);
    assert!(
        cluster_wide
            .stderr
            .contains("cannot list resource \"services\" in API group \"\" at the cluster scope"),
        "{}",
        cluster_wide.stderr
    );

    api.set_token(Some("right"));
    let wrong = Kubeconfig::write(
        &api.url(),
        &[KubeContext::new("fake", BOOKINFO).token("wrong")],
        "fake",
    );
    let unauthorized = kubectl(&wrong, &["get", "svc", "-n", BOOKINFO]);
    assert_eq!(unauthorized.code, 1);
    assert!(
        unauthorized
            .stderr
            .contains("the server has asked for the client to provide credentials"),
        "{}",
        unauthorized.stderr
    );
}

#[test]
fn kubectl_works_with_legacy_discovery_and_older_istio_versions() {
    let api = FakeApi::with_objects(sample_cluster());
    api.set_aggregated_discovery(false);
    api.set_istio_versions(&["v1beta1", "v1alpha3"]);
    let kubeconfig = api.kubeconfig("fake", BOOKINFO);
    let entries: Value =
        serde_json::from_str(&kubectl_ok(&kubeconfig, &["get", "se", "-A", "-o", "json"]))
            .expect("JSON");
    assert_eq!(
        entries["items"][0]["apiVersion"],
        "networking.istio.io/v1beta1"
    );
    assert_eq!(entries["items"][0]["metadata"]["name"], "api-payments");
    assert!(
        api.requests()
            .iter()
            .any(|r| r.path == "/apis/networking.istio.io/v1beta1/serviceentries"),
        "{:?}",
        api.requests()
    );
    assert_eq!(api.count("/apis/networking.istio.io/v1/serviceentries"), 0);
    assert!(
        api.count("/apis/networking.istio.io/v1beta1") >= 1,
        "legacy per-group discovery"
    );
}

// ---------------------------------------------------------------------------------------------
// (b) kube-rs lists

#[tokio::test]
async fn kube_lists_across_pages_with_selectors() {
    let api = FakeApi::with_objects(sample_cluster());
    api.set_page_size_cap(Some(2));
    let client = kube_client(&api.kubeconfig("fake", BOOKINFO)).await;
    let services: Api<Service> = Api::all(client.clone());

    let mut params = ListParams::default().limit(3);
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let page = services.list(&params).await.expect("a page");
        pages += 1;
        assert!(page.items.len() <= 2, "the cap holds");
        assert!(page.metadata.resource_version.is_some());
        names.extend(page.items.iter().map(|s| {
            format!(
                "{}/{}",
                s.metadata.namespace.clone().unwrap(),
                s.metadata.name.clone().unwrap()
            )
        }));
        match page.metadata.continue_.filter(|t| !t.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    let total = 6 + FILLER_SERVICES; // kubernetes, kube-dns, istiod, reviews, ratings, external-db
    assert_eq!(names.len(), total, "{names:?}");
    assert_eq!(pages, total.div_ceil(2));
    assert_eq!(
        names,
        sorted_names(names.clone()),
        "served in namespace/name order"
    );
    let log = api.requests();
    let lists: Vec<_> = log
        .iter()
        .filter(|r| r.path == "/api/v1/services")
        .collect();
    assert_eq!(lists.len(), pages);
    assert!(lists[0].param("continue").is_none());
    assert!(
        lists[1..]
            .iter()
            .all(|r| r.param("continue").is_some() && r.param("limit").as_deref() == Some("3"))
    );

    // Without `limit` a list is never paged, whatever the cap.
    assert_eq!(
        services
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        total
    );

    let bookinfo: Api<Service> = Api::namespaced(client.clone(), BOOKINFO);
    let filler = bookinfo
        .list(&ListParams::default().labels("app=filler"))
        .await
        .unwrap();
    assert_eq!(filler.items.len(), FILLER_SERVICES);
    let set = bookinfo
        .list(&ListParams::default().labels("app in (reviews,ratings),app!=filler"))
        .await
        .unwrap();
    assert_eq!(
        sorted_names(set.items.iter().map(|s| s.metadata.name.clone().unwrap())),
        ["ratings", "reviews"]
    );
    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), BOOKINFO);
    let ratings = slices
        .list(&ListParams::default().labels("kubernetes.io/service-name=ratings"))
        .await
        .unwrap();
    assert_eq!(ratings.items.len(), 1);
    assert_eq!(ratings.items[0].endpoints.len(), 4);

    let pods: Api<Pod> = Api::all(client.clone());
    let running = pods
        .list(&ListParams::default().fields("status.phase=Running"))
        .await
        .unwrap();
    assert_eq!(running.items.len(), 3);
    let named = pods
        .list(&ListParams::default().fields(&format!("metadata.name={PENDING_POD}")))
        .await
        .unwrap();
    assert_eq!(
        named.items[0].status.as_ref().unwrap().phase.as_deref(),
        Some("Pending")
    );
    let bad = pods
        .list(&ListParams::default().fields("spec.bogus=1"))
        .await
        .unwrap_err();
    let bad = api_error(bad);
    assert_eq!(
        (bad.code, bad.message.as_str()),
        (400, "field label not supported: spec.bogus")
    );

    let one = bookinfo.get("reviews").await.unwrap();
    assert_eq!(one.spec.unwrap().cluster_ip.as_deref(), Some("10.96.12.34"));
    let missing = api_error(bookinfo.get("nope").await.unwrap_err());
    assert_eq!(missing.code, 404);
    assert_eq!(missing.reason, "NotFound");
    assert_eq!(missing.message, "services \"nope\" not found");
}

#[tokio::test]
async fn kube_gets_403_for_denied_resources_and_401_without_the_token() {
    let api = FakeApi::with_objects(sample_cluster());
    api.set_role(Some(
        Role::new().read("", "services", Some(BOOKINFO)).allow(
            "create",
            "",
            "pods/portforward",
            Some("kube-system"),
        ),
    ));
    api.set_token(Some("t0ken"));
    let client = kube_client(&api.kubeconfig("fake", BOOKINFO)).await;

    let services: Api<Service> = Api::namespaced(client.clone(), BOOKINFO);
    assert!(
        !services
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), BOOKINFO);
    let denied = api_error(slices.list(&ListParams::default()).await.unwrap_err());
    assert_eq!(denied.code, 403);
    assert_eq!(denied.reason, "Forbidden");
    assert_eq!(
        denied.message,
        format!(
            "endpointslices.discovery.k8s.io is forbidden: User \"{DEFAULT_USER}\" cannot list resource \
             \"endpointslices\" in API group \"discovery.k8s.io\" in the namespace \"{BOOKINFO}\""
        )
    );
    let all: Api<Service> = Api::all(client.clone());
    let scope = api_error(all.list(&ListParams::default()).await.unwrap_err());
    assert!(
        scope.message.ends_with("at the cluster scope"),
        "{}",
        scope.message
    );
    let pods: Api<Pod> = Api::namespaced(client.clone(), BOOKINFO);
    let get = api_error(pods.get(PRODUCTPAGE_POD).await.unwrap_err());
    assert_eq!(
        get.message,
        format!(
            "pods \"{PRODUCTPAGE_POD}\" is forbidden: User \"{DEFAULT_USER}\" cannot get resource \"pods\" \
             in API group \"\" in the namespace \"{BOOKINFO}\""
        )
    );
    let forward = api_error(
        pods.portforward(PRODUCTPAGE_POD, &[15053])
            .await
            .err()
            .expect("denied"),
    );
    assert_eq!(forward.code, 403);
    assert_eq!(
        forward.message,
        format!(
            "pods \"{PRODUCTPAGE_POD}\" is forbidden: User \"{DEFAULT_USER}\" cannot get resource \
             \"pods/portforward\" in API group \"\" in the namespace \"{BOOKINFO}\""
        ),
        "a WebSocket port-forward is a GET, checked as get first"
    );

    let anonymous = Kubeconfig::write(&api.url(), &[KubeContext::new("anon", BOOKINFO)], "anon");
    let anonymous = kube_client(&anonymous).await;
    let unauthorized = api_error(
        Api::<Service>::namespaced(anonymous, BOOKINFO)
            .list(&ListParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (unauthorized.code, unauthorized.reason.as_str()),
        (401, "Unauthorized")
    );
}

#[tokio::test]
async fn kube_discovers_configured_istio_versions_and_times_out_on_delay() {
    let api = FakeApi::with_objects(sample_cluster());
    api.set_istio_versions(&["v1beta1", "v1alpha3"]);
    let kubeconfig = api.kubeconfig("fake", BOOKINFO);
    let client = kube_client(&kubeconfig).await;

    let groups = client.list_api_groups().await.unwrap();
    let istio = groups
        .groups
        .iter()
        .find(|g| g.name == "networking.istio.io")
        .expect("the Istio group");
    assert_eq!(istio.preferred_version.as_ref().unwrap().version, "v1beta1");
    let aggregated = client.list_api_groups_aggregated().await.unwrap();
    let istio = aggregated
        .items
        .iter()
        .find(|g| {
            g.metadata.as_ref().and_then(|m| m.name.as_deref()) == Some("networking.istio.io")
        })
        .expect("the Istio group, aggregated");
    let versions: Vec<_> = istio
        .versions
        .iter()
        .filter_map(|v| v.version.clone())
        .collect();
    assert_eq!(versions, ["v1beta1", "v1alpha3"]);
    let resources = client
        .list_api_group_resources("networking.istio.io/v1beta1")
        .await
        .unwrap();
    let se = resources
        .resources
        .iter()
        .find(|r| r.name == "serviceentries")
        .unwrap();
    assert_eq!((se.kind.as_str(), se.namespaced), ("ServiceEntry", true));
    assert_eq!(se.short_names.as_deref(), Some(&["se".to_string()][..]));
    let core = client.list_core_api_resources("v1").await.unwrap();
    assert!(core.resources.iter().any(|r| r.name == "pods/portforward"));

    let v1beta1 = ApiResource::from_gvk(&GroupVersionKind::gvk(
        "networking.istio.io",
        "v1beta1",
        "ServiceEntry",
    ));
    let entries = Api::<DynamicObject>::all_with(client.clone(), &v1beta1)
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(entries.items.len(), 1);
    assert_eq!(
        entries.items[0].data["spec"]["hosts"][0],
        "api.payments.example.com"
    );
    assert_eq!(
        entries.items[0].types.as_ref().unwrap().api_version,
        "networking.istio.io/v1beta1"
    );
    let v1 = ApiResource::from_gvk(&GroupVersionKind::gvk(
        "networking.istio.io",
        "v1",
        "ServiceEntry",
    ));
    let gone = api_error(
        Api::<DynamicObject>::all_with(client.clone(), &v1)
            .list(&ListParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(gone.code, 404);

    api.set_delay(Duration::from_millis(1500));
    let impatient = kube_client_with(&kubeconfig, |c| {
        c.read_timeout = Some(Duration::from_millis(300))
    })
    .await;
    let started = std::time::Instant::now();
    let slow = Api::<Service>::namespaced(impatient, BOOKINFO)
        .list(&ListParams::default())
        .await;
    assert!(slow.is_err(), "the delay outlasts the client time-out");
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "{:?}",
        started.elapsed()
    );
    let patient = Api::<Service>::namespaced(client, BOOKINFO)
        .list(&ListParams::default())
        .await;
    assert!(patient.is_ok());
}

// ---------------------------------------------------------------------------------------------
// (c), (d) port-forward

#[tokio::test]
async fn kube_portforward_reaches_knot_twice_and_closes_cleanly() {
    let objects = sample_cluster();
    let knot = Knot::start(&coredns_zone(&objects));
    let api = FakeApi::with_objects(objects);
    api.forward("kube-system", COREDNS_POD, 53, knot.addr());
    let client = kube_client(&api.kubeconfig("fake", BOOKINFO)).await;
    let pods: Api<Pod> = Api::namespaced(client, "kube-system");

    for round in 0..2 {
        let mut forwarder = pods
            .portforward(COREDNS_POD, &[53])
            .await
            .expect("upgraded");
        let mut stream = forwarder.take_stream(53).expect("the port's stream");
        let reviews = dns_wire::stream_query(
            &mut stream,
            "reviews.bookinfo.svc.cluster.local.",
            RecordType::A,
        )
        .await
        .unwrap_or_else(|e| panic!("round {round}: {e}; knot log:\n{}", knot.log()));
        assert_eq!(reviews.metadata.response_code, ResponseCode::NoError);
        assert!(reviews.metadata.authoritative);
        assert_eq!(
            rrs(&reviews),
            [rr(
                "reviews.bookinfo.svc.cluster.local.",
                5,
                "A",
                "10.96.12.34"
            )]
        );
        // A second question on the same stream: the forward stays open.
        let ratings = dns_wire::stream_query(
            &mut stream,
            "ratings.bookinfo.svc.cluster.local.",
            RecordType::A,
        )
        .await
        .unwrap();
        let ips: Vec<String> = rrs(&ratings).into_iter().map(|r| r.data).collect();
        assert_eq!(
            ips,
            ["10.244.1.5", "10.244.2.6", "10.244.3.7"],
            "not-ready endpoint left out"
        );
        let missing = dns_wire::stream_query(
            &mut stream,
            "nope.bookinfo.svc.cluster.local.",
            RecordType::A,
        )
        .await
        .unwrap();
        assert_eq!(missing.metadata.response_code, ResponseCode::NXDomain);
        drop(stream);
        tokio::time::timeout(TIMEOUT, forwarder.join())
            .await
            .expect("join finishes")
            .unwrap_or_else(|e| panic!("round {round}: join failed: {e}"));
    }
    let path = format!("/api/v1/namespaces/kube-system/pods/{COREDNS_POD}/portforward");
    assert_eq!(api.count(&path), 2);
    let request = api.requests().into_iter().find(|r| r.path == path).unwrap();
    assert_eq!(request.param("ports").as_deref(), Some("53"));
}

#[tokio::test]
async fn kube_portforward_works_with_v5_and_several_ports() {
    let objects = sample_cluster();
    let knot = Knot::start(&coredns_zone(&objects));
    let istiod = FakeIstiod::start();
    istiod.set_ndsz(PRODUCTPAGE_PROXY_ID, 200, &json!({"table": {}}));
    let api = FakeApi::with_objects(objects);
    api.set_portforward_protocols(&["v5.channel.k8s.io", "v4.channel.k8s.io"]);
    api.forward(BOOKINFO, PRODUCTPAGE_POD, 15053, knot.addr());
    api.forward(BOOKINFO, PRODUCTPAGE_POD, 15014, istiod.addr());
    let client = kube_client(&api.kubeconfig("fake", BOOKINFO)).await;
    let pods: Api<Pod> = Api::namespaced(client, BOOKINFO);

    let mut forwarder = pods
        .portforward(PRODUCTPAGE_POD, &[15053, 15014])
        .await
        .unwrap();
    let mut dns = forwarder.take_stream(15053).unwrap();
    let mut http = forwarder.take_stream(15014).unwrap();
    let answer = dns_wire::stream_query(
        &mut dns,
        "kube-dns.kube-system.svc.cluster.local.",
        RecordType::A,
    )
    .await
    .unwrap();
    assert_eq!(
        rrs(&answer),
        [rr(
            "kube-dns.kube-system.svc.cluster.local.",
            5,
            "A",
            "10.96.0.10"
        )]
    );
    let (status, _, body) = http_get(
        &mut http,
        &format!("/debug/ndsz?proxyID={PRODUCTPAGE_PROXY_ID}"),
        false,
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "{\"table\":{}}"));
    drop(dns);
    drop(http);
    tokio::time::timeout(TIMEOUT, forwarder.join())
        .await
        .unwrap()
        .unwrap();
    let request = api
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/portforward"))
        .unwrap();
    assert_eq!(request.param("ports").as_deref(), Some("15053,15014"));
}

#[tokio::test]
async fn kube_portforward_reports_a_closed_port_on_the_error_channel() {
    let api = FakeApi::with_objects(sample_cluster());
    let client = kube_client(&api.kubeconfig("fake", BOOKINFO)).await;
    let pods: Api<Pod> = Api::namespaced(client, BOOKINFO);

    // No target configured: nothing listens on 15053 in the pod.
    let mut forwarder = pods.portforward(PRODUCTPAGE_POD, &[15053]).await.unwrap();
    let error = forwarder.take_error(15053).unwrap();
    let mut stream = forwarder.take_stream(15053).unwrap();
    let message = tokio::time::timeout(TIMEOUT, error)
        .await
        .expect("an error in time")
        .expect("an error message");
    assert!(
        message.starts_with("error forwarding port 15053 to pod "),
        "{message}"
    );
    assert!(
        message.contains("dial tcp4 127.0.0.1:15053: connect: connection refused"),
        "{message}"
    );
    let mut rest = Vec::new();
    let read = tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut rest)).await;
    assert!(matches!(read, Ok(Ok(0))), "the stream ends: {read:?}");
    drop(stream);
    let joined = tokio::time::timeout(TIMEOUT, forwarder.join())
        .await
        .expect("join finishes");
    // The server closed the WebSocket first (as the kubelet does once every port is done): kube-rs 5
    // then fails to send its own Close, and `join` reports it.
    assert!(
        format!("{joined:?}").contains("SendWebSocketMessage(Protocol(SendAfterClosing))"),
        "{joined:?}"
    );

    // A target that refuses connections gives the same message.
    let closed = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let closed_addr = closed.local_addr().unwrap();
    drop(closed);
    api.forward(BOOKINFO, PRODUCTPAGE_POD, 15053, closed_addr);
    let mut forwarder = pods.portforward(PRODUCTPAGE_POD, &[15053]).await.unwrap();
    let message = tokio::time::timeout(TIMEOUT, forwarder.take_error(15053).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(message.contains("connection refused"), "{message}");
    forwarder.abort();
}

#[tokio::test]
async fn kube_portforward_fails_for_missing_and_pending_pods() {
    let api = FakeApi::with_objects(sample_cluster());
    let client = kube_client(&api.kubeconfig("fake", BOOKINFO)).await;
    let pods: Api<Pod> = Api::namespaced(client, BOOKINFO);
    // kube-rs 5 decodes the Status body of a refused upgrade into `Error::Api`.
    let missing = api_error(
        pods.portforward("no-such-pod", &[15053])
            .await
            .err()
            .expect("404"),
    );
    assert_eq!(
        (missing.code, missing.message.as_str()),
        (404, "pods \"no-such-pod\" not found")
    );
    let pending = api_error(
        pods.portforward(PENDING_POD, &[15053])
            .await
            .err()
            .expect("400"),
    );
    assert_eq!(
        (pending.code, pending.message.as_str()),
        (400, "unable to upgrade connection: pod is not running")
    );
}

/// The raw protocol, without kube-rs: the 101 reply, the chosen subprotocol and the initial frames.
#[test]
fn raw_upgrade_answers_v4_and_sends_the_initial_port_frames() {
    let api = FakeApi::with_objects(sample_cluster());
    let mut tcp = TcpStream::connect(api.addr()).unwrap();
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    let request = format!(
        "GET /api/v1/namespaces/{BOOKINFO}/pods/{PRODUCTPAGE_POD}/portforward?&ports=15053 HTTP/1.1\r\n\
         Host: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\r\n\r\n",
        api.addr()
    );
    tcp.write_all(request.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        tcp.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap().to_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(
        head.contains("sec-websocket-protocol: v4.channel.k8s.io\r\n"),
        "{head}"
    );
    assert!(
        head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"),
        "{head}"
    );
    // Unmasked binary frames: [channel, port_lo, port_hi] on the data then the error channel
    // (15053 = 0x3acd), then the error text on channel 1 since no target is configured.
    let mut frames = [0u8; 10];
    tcp.read_exact(&mut frames).unwrap();
    assert_eq!(frames, [0x82, 3, 0, 0xcd, 0x3a, 0x82, 3, 1, 0xcd, 0x3a]);
    let mut header = [0u8; 2];
    tcp.read_exact(&mut header).unwrap();
    assert_eq!(header[0], 0x82);
}

#[test]
fn portforward_without_websocket_or_with_unknown_protocol_is_a_400() {
    let api = FakeApi::with_objects(sample_cluster());
    let send = |extra: &str| {
        let mut tcp = TcpStream::connect(api.addr()).unwrap();
        tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
        let request = format!(
            "GET /api/v1/namespaces/{BOOKINFO}/pods/{PRODUCTPAGE_POD}/portforward?ports=15053 HTTP/1.1\r\n\
             Host: x\r\nConnection: close\r\n{extra}\r\n"
        );
        tcp.write_all(request.as_bytes()).unwrap();
        let mut reply = String::new();
        tcp.read_to_string(&mut reply).unwrap();
        reply
    };
    let plain = send("");
    assert!(plain.starts_with("HTTP/1.1 400"), "{plain}");
    assert!(plain.contains("\"kind\":\"Status\""), "{plain}");
    let unknown = send(
        "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: portforward.k8s.io\r\n",
    );
    assert!(unknown.starts_with("HTTP/1.1 400"), "{unknown}");
}

// ---------------------------------------------------------------------------------------------
// (e) istiod through a port-forward

#[tokio::test]
async fn istiod_answers_through_a_portforward() {
    let istiod = FakeIstiod::start();
    let table = json!({"table": {"reviews.bookinfo.svc.cluster.local": {
        "ips": ["10.96.12.34"], "registry": "Kubernetes", "shortname": "reviews", "namespace": BOOKINFO}}});
    istiod.set_ndsz(PRODUCTPAGE_PROXY_ID, 200, &table);
    let api = FakeApi::with_objects(sample_cluster());
    api.forward("istio-system", ISTIOD_POD, 15014, istiod.addr());
    let client = kube_client(&api.kubeconfig("fake", BOOKINFO)).await;
    let pods: Api<Pod> = Api::namespaced(client, "istio-system");

    let mut forwarder = pods.portforward(ISTIOD_POD, &[15014]).await.unwrap();
    let mut stream = forwarder.take_stream(15014).unwrap();
    let (status, head, body) = http_get(
        &mut stream,
        &format!("/debug/ndsz?proxyID={PRODUCTPAGE_PROXY_ID}"),
        false,
    )
    .await;
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), table);
    let (status, _, body) =
        http_get(&mut stream, "/debug/ndsz?proxyID=ghost.bookinfo", false).await;
    assert_eq!(status, 404);
    assert!(
        body.starts_with("Proxy not connected to this Pilot instance"),
        "{body}"
    );
    let (status, _, body) = http_get(&mut stream, "/debug/ndsz", false).await;
    assert_eq!(
        (status, body.as_str()),
        (400, "You must provide a proxyID in the query string")
    );
    drop(stream);
    tokio::time::timeout(TIMEOUT, forwarder.join())
        .await
        .unwrap()
        .unwrap();

    // `Connection: close`: istiod closes the TCP connection, so the server ends the session first.
    let mut forwarder = pods.portforward(ISTIOD_POD, &[15014]).await.unwrap();
    let mut stream = forwarder.take_stream(15014).unwrap();
    let (status, _, _) = http_get(
        &mut stream,
        &format!("/debug/ndsz?proxyID={PRODUCTPAGE_PROXY_ID}"),
        true,
    )
    .await;
    assert_eq!(status, 200);
    let mut rest = Vec::new();
    let eof = tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut rest)).await;
    assert!(matches!(eof, Ok(Ok(0))), "{eof:?}");
    drop(stream);
    let joined = tokio::time::timeout(TIMEOUT, forwarder.join())
        .await
        .expect("join finishes");
    assert!(
        joined.is_err(),
        "kube-rs 5 reports the server-side close: {joined:?}"
    );
    assert_eq!(
        istiod.requests(),
        [
            format!("/debug/ndsz?proxyID={PRODUCTPAGE_PROXY_ID}"),
            "/debug/ndsz?proxyID=ghost.bookinfo".to_string(),
            "/debug/ndsz".to_string(),
            format!("/debug/ndsz?proxyID={PRODUCTPAGE_PROXY_ID}"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// (f) dnsmasq in front of knot, checked with dig

struct Dig {
    answers: Vec<(String, u32, String, String)>,
    status: String,
    flags: String,
}

fn dig(server: SocketAddr, name: &str, rtype: &str, tcp: bool) -> Dig {
    let binary = require_binary("dig", "bind9-dnsutils");
    let mut command = Command::new(binary);
    command.args([
        &format!("@{}", server.ip()),
        "-p",
        &server.port().to_string(),
        "+tries=1",
        "+time=3",
        "+nocookie",
        name,
        rtype,
    ]);
    if tcp {
        command.arg("+tcp");
    }
    let output = command.output().expect("dig runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "dig failed: {text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let status = text
        .split("status: ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap_or("")
        .to_string();
    let flags = text
        .split("flags: ")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .unwrap_or("")
        .to_string();
    let answers = text
        .split(";; ANSWER SECTION:\n")
        .nth(1)
        .map(|section| {
            section
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    (
                        f[0].to_string(),
                        f[1].parse().unwrap(),
                        f[3].to_string(),
                        f[4..].join(" "),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Dig {
        answers,
        status,
        flags,
    }
}

#[test]
fn dnsmasq_answers_mesh_names_locally_and_forwards_the_rest_to_knot() {
    let objects = sample_cluster();
    let knot = Knot::start(&coredns_zone(&objects));
    let sidecar = Dnsmasq::start(
        &SidecarDns::new()
            .upstream(knot.addr())
            .host_record("reviews.bookinfo.svc.cluster.local", "10.96.99.99")
            .address("api.payments.example.com", "240.240.0.1"),
    );

    for tcp in [false, true] {
        let local = dig(
            sidecar.addr(),
            "reviews.bookinfo.svc.cluster.local",
            "A",
            tcp,
        );
        assert_eq!(local.status, "NOERROR");
        assert_eq!(
            local.answers,
            [(
                "reviews.bookinfo.svc.cluster.local.".into(),
                30,
                "A".into(),
                "10.96.99.99".into()
            )]
        );
        let entry = dig(sidecar.addr(), "api.payments.example.com", "A", tcp);
        assert_eq!(entry.answers[0].1, 30);
        assert_eq!(entry.answers[0].3, "240.240.0.1");
        let forwarded = dig(
            sidecar.addr(),
            "kube-dns.kube-system.svc.cluster.local",
            "A",
            tcp,
        );
        assert_eq!(
            forwarded.answers,
            [(
                "kube-dns.kube-system.svc.cluster.local.".into(),
                5,
                "A".into(),
                "10.96.0.10".into()
            )],
            "sidecar log:\n{}",
            sidecar.log()
        );
        let cname = dig(
            sidecar.addr(),
            "external-db.bookinfo.svc.cluster.local",
            "A",
            tcp,
        );
        assert_eq!(cname.answers[0].2, "CNAME");
        assert_eq!(cname.answers[0].3, "db.example.com.");
        let srv = dig(
            sidecar.addr(),
            "_grpc._tcp.ratings.bookinfo.svc.cluster.local",
            "SRV",
            tcp,
        );
        assert_eq!(srv.answers.len(), 3);
        assert!(
            srv.answers
                .iter()
                .all(|a| a.3.starts_with("0 33 9090 ratings-")),
            "{:?}",
            srv.answers
        );
        let headless = dig(
            sidecar.addr(),
            "ratings-1.ratings.bookinfo.svc.cluster.local",
            "A",
            tcp,
        );
        assert_eq!(headless.answers[0].3, "10.244.2.6");
    }
    // Knot itself: authoritative, TTL 5, NXDOMAIN with aa for a missing name.
    let direct = dig(
        knot.addr(),
        "reviews.bookinfo.svc.cluster.local",
        "A",
        false,
    );
    assert!(direct.flags.contains("aa"), "{}", direct.flags);
    assert_eq!(direct.answers[0].1, 5);
    assert_eq!(direct.answers[0].3, "10.96.12.34");
    let nx = dig(knot.addr(), "nope.bookinfo.svc.cluster.local", "A", true);
    assert_eq!(nx.status, "NXDOMAIN");

    assert!(
        sidecar.wait_for_log(TIMEOUT, |log| log
            .contains("forwarded kube-dns.kube-system.svc.cluster.local")),
        "{}",
        sidecar.log()
    );
    let queries = sidecar.queries();
    assert!(
        queries.contains(&("A".into(), "reviews.bookinfo.svc.cluster.local".into())),
        "{queries:?}"
    );
    assert!(queries.contains(&(
        "SRV".into(),
        "_grpc._tcp.ratings.bookinfo.svc.cluster.local".into()
    )));

    // The same through the harness's own client, UDP and TCP.
    let udp = dns_wire::udp_query(
        sidecar.addr(),
        "reviews.bookinfo.svc.cluster.local.",
        RecordType::A,
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(
        rrs(&udp),
        [rr(
            "reviews.bookinfo.svc.cluster.local.",
            30,
            "A",
            "10.96.99.99"
        )]
    );
    let tcp = dns_wire::tcp_query(
        knot.addr(),
        "reviews.bookinfo.svc.cluster.local.",
        RecordType::A,
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(
        rrs(&tcp),
        [rr(
            "reviews.bookinfo.svc.cluster.local.",
            5,
            "A",
            "10.96.12.34"
        )]
    );
}

#[test]
fn servers_are_stopped_on_drop() {
    let knot = Knot::start(&coredns_zone(&sample_cluster()));
    let sidecar = Dnsmasq::start(&SidecarDns::new().upstream(knot.addr()));
    let (knot_pid, sidecar_pid) = (knot.pid(), sidecar.pid());
    let (knot_addr, api_addr, istiod_addr) = {
        let api = FakeApi::start();
        let istiod = FakeIstiod::start();
        (knot.addr(), api.addr(), istiod.addr())
    };
    drop(sidecar);
    drop(knot);
    for pid in [knot_pid, sidecar_pid] {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "process {pid} is gone"
        );
    }
    for addr in [knot_addr, api_addr, istiod_addr] {
        assert!(
            TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err(),
            "{addr} no longer accepts connections"
        );
    }
}

#[test]
fn the_zone_generator_follows_coredns() {
    let zone = coredns_zone(&sample_cluster());
    for line in [
        "$TTL 5",
        "kube-dns.kube-system.svc IN A 10.96.0.10",
        "_dns-tcp._tcp.kube-dns.kube-system.svc IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.",
        "_dns._udp.kube-dns.kube-system.svc IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.",
        "ratings.bookinfo.svc IN A 10.244.3.7",
        "ratings-2.ratings.bookinfo.svc IN A 10.244.3.7",
        "_grpc._tcp.ratings.bookinfo.svc IN SRV 0 33 9090 ratings-0.ratings.bookinfo.svc.cluster.local.",
        "external-db.bookinfo.svc IN CNAME db.example.com.",
    ] {
        assert!(
            zone.lines().any(|l| l == line),
            "{line} missing from\n{zone}"
        );
    }
    assert!(
        !zone.contains("10.244.4.8"),
        "not-ready endpoints are not published"
    );
    let dual = coredns_zone(&[json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "dual", "namespace": "default"},
        "spec": {"clusterIP": "10.96.1.1", "clusterIPs": ["10.96.1.1", "fd00::1"]}})]);
    assert!(dual.contains("dual.default.svc IN AAAA fd00::1"), "{dual}");
}
