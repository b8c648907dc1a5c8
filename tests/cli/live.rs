//! Live mode end to end: the real binary against a fake Kubernetes API server (real REST and
//! port-forward protocols), Knot as kube-dns, dnsmasq as the sidecar's DNS proxy (or as ztunnel's
//! in-pod DNS listener) and a fake istiod (or ztunnel's admin endpoint).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::sample::{
    BOOKINFO, COREDNS_POD, ISTIOD_POD, PENDING_POD, PRODUCTPAGE_POD, PRODUCTPAGE_PROXY_ID,
    sample_cluster,
};
use crate::harness::{
    Dnsmasq, FakeApi, FakeIstiod, Knot, Kubeconfig, Role, SidecarDns, coredns_zone, kubectl_binary,
};
use crate::support::{Run, assert_contract, codes, run, source};

/// A secret that must never appear in any output.
const TOKEN: &str = "meshdig-test-token-4c1f9e";

/// The sidecar's DNS port and istiod's debug port, as meshdig port-forwards to them.
const SIDECAR_PORT: u16 = 15053;
const ISTIOD_PORT: u16 = 15014;
/// ztunnel's admin port, and its pod on the sample's node.
const ZTUNNEL_ADMIN_PORT: u16 = 15000;
const ZTUNNEL_POD: &str = "ztunnel-8kq2x";

/// A running stand-in cluster: API server, kube-dns, the productpage sidecar and istiod.
struct LiveCluster {
    api: FakeApi,
    istiod: FakeIstiod,
    kubeconfig: Kubeconfig,
    kube_dns: Knot,
    sidecar: Dnsmasq,
    /// ztunnel's admin endpoint (the fake debug HTTP server), for ambient scenarios.
    ztunnel: Option<FakeIstiod>,
}

/// What differs between scenarios.
struct Scenario {
    /// Objects beyond the sample cluster (or replacing its objects of the same name).
    extra: Vec<Value>,
    /// Sample objects to leave out: (kind, namespace, name).
    remove: Vec<(&'static str, &'static str, &'static str)>,
    /// Zones beyond cluster.local that kube-dns serves (standing in for the internet upstream).
    upstream_zones: Vec<(&'static str, String)>,
    sidecar: SidecarDns,
    /// The name table istiod holds for productpage's proxy.
    table: Value,
    /// ztunnel's config dump on productpage's node, for ambient scenarios.
    ztunnel_dump: Option<Value>,
}

impl LiveCluster {
    fn start(scenario: Scenario) -> Self {
        let api = FakeApi::with_objects(sample_cluster());
        api.add_all(scenario.extra);
        for (kind, namespace, name) in scenario.remove {
            assert!(
                api.remove(kind, Some(namespace), name),
                "the sample has {kind} {namespace}/{name}"
            );
        }
        let objects = api.objects();
        let zone = coredns_zone(&objects);
        let mut zones: Vec<(&str, &str)> = vec![("cluster.local", zone.as_str())];
        zones.extend(
            scenario
                .upstream_zones
                .iter()
                .map(|(origin, text)| (*origin, text.as_str())),
        );
        let kube_dns = Knot::start_zones(&zones);
        let ztunnel = scenario.ztunnel_dump.map(|dump| {
            let admin = FakeIstiod::start();
            admin.set_path("/config_dump", 200, &dump);
            api.add(ztunnel_pod());
            api.forward(
                "istio-system",
                ZTUNNEL_POD,
                ZTUNNEL_ADMIN_PORT,
                admin.addr(),
            );
            admin
        });
        let sidecar = Dnsmasq::start(&scenario.sidecar.upstream(kube_dns.addr()));
        let istiod = FakeIstiod::start();
        istiod.set_ndsz(PRODUCTPAGE_PROXY_ID, 200, &json!({"configs": [{"@type": "type.googleapis.com/istio.networking.nds.v1.NameTable", "table": scenario.table}]}));
        api.forward("kube-system", COREDNS_POD, 53, kube_dns.addr());
        api.forward(BOOKINFO, PRODUCTPAGE_POD, SIDECAR_PORT, sidecar.addr());
        api.forward("istio-system", ISTIOD_POD, ISTIOD_PORT, istiod.addr());
        api.set_token(Some(TOKEN));
        let kubeconfig = api.kubeconfig("test", BOOKINFO);
        Self {
            api,
            istiod,
            kubeconfig,
            kube_dns,
            sidecar,
            ztunnel,
        }
    }

    /// Runs meshdig with `args` plus this cluster's kubeconfig.
    fn meshdig(&self, args: &[&str]) -> Run {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--kubeconfig", self.kubeconfig.path_str()]);
        let run = run(&all);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert!(
            !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
            "the token leaked"
        );
        run
    }

    /// `meshdig diff NAME --from pod/productpage -n bookinfo -o json`, parsed.
    fn diff(&self, name: &str, extra: &[&str]) -> (Value, i32) {
        let from = format!("pod/{PRODUCTPAGE_POD}");
        let mut args = vec!["diff", name, "--from", &from, "-n", BOOKINFO, "-o", "json"];
        args.extend_from_slice(extra);
        let run = self.meshdig(&args);
        let doc: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", run.stdout, run.stderr));
        assert_contract(&doc);
        (doc, run.code)
    }
}

/// Asserts the verdict, the exit code and the exact finding codes of a diff.
fn assert_outcome(doc: &Value, code: i32, verdict: &str, exit: i32, expected: &[&str]) {
    assert_eq!(
        (doc["verdict"].as_str(), code),
        (Some(verdict), exit),
        "{doc:#}"
    );
    assert_eq!(codes(doc), expected);
}

/// Asserts an incomplete verdict (exit 3) whose `source` failed with a message containing `needle`.
fn assert_source_error(doc: &Value, code: i32, name: &str, needle: &str) {
    assert_eq!(
        (doc["verdict"].as_str(), code),
        (Some("incomplete"), 3),
        "{doc:#}"
    );
    let error = source(doc, name)["error"].as_str().unwrap_or_default();
    assert!(error.contains(needle), "{name}: {error:?} lacks {needle:?}");
}

/// The productpage pod with DNS capture on, as the injector writes it.
fn productpage_capturing() -> Value {
    let mut pod = sample_cluster()
        .into_iter()
        .find(|o| o["metadata"]["name"] == PRODUCTPAGE_POD)
        .expect("the sample has productpage");
    pod["metadata"]["annotations"]["proxy.istio.io/config"] =
        json!("proxyMetadata:\n  ISTIO_META_DNS_CAPTURE: \"true\"\n");
    pod
}

fn table_entry(ips: &[&str], registry: &str, short: &str, ns: &str) -> Value {
    json!({"ips": ips, "registry": registry, "shortname": short, "namespace": ns})
}

/// The table istiod pushes for the healthy sample: the services its Sidecar resource
/// (`./*`, `istio-system/*`) lets productpage see.
fn healthy_table() -> Value {
    json!({
        "istiod.istio-system.svc.cluster.local": table_entry(&["10.96.100.10"], "Kubernetes", "istiod", "istio-system"),
        "api.payments.example.com": {"ips": ["240.240.0.1"], "registry": "External"},
        "reviews.bookinfo.svc.cluster.local": table_entry(&["10.96.12.34"], "Kubernetes", "reviews", BOOKINFO),
        "ratings.bookinfo.svc.cluster.local": table_entry(&["10.244.1.5", "10.244.2.6", "10.244.3.7"], "Kubernetes", "ratings", BOOKINFO),
    })
}

fn healthy() -> Scenario {
    Scenario {
        extra: vec![productpage_capturing()],
        remove: Vec::new(),
        upstream_zones: Vec::new(),
        sidecar: SidecarDns::new().host_record("reviews.bookinfo.svc.cluster.local", "10.96.12.34"),
        table: healthy_table(),
        ztunnel_dump: None,
    }
}

fn datas(doc: &Value, name: &str) -> Vec<String> {
    let mut data: Vec<String> = source(doc, name)["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["data"].as_str().unwrap().to_string())
        .collect();
    data.sort();
    data
}

#[test]
fn healthy_bookinfo_live() {
    let cluster = LiveCluster::start(healthy());
    let (doc, code) = cluster.diff("reviews", &[]);
    assert_outcome(&doc, code, "consistent", 0, &["mesh-ttl"]);
    assert_eq!(datas(&doc, "kube-dns"), ["10.96.12.34"]);
    assert_eq!(
        source(&doc, "kube-dns")["records"][0]["ttl_s"],
        5,
        "Knot serves the zone with TTL 5"
    );
    assert_eq!(
        source(&doc, "sidecar")["records"][0]["ttl_s"],
        30,
        "dnsmasq answers locally with TTL 30"
    );
    assert_eq!(source(&doc, "sidecar")["transport"], "tcp (port-forward)");
    assert_eq!(source(&doc, "control-plane")["status"], "answered");
}

// See: https://github.com/istio/istio/issues/49769
#[test]
fn r49769_headless_stale_after_rollout_live() {
    let mut scenario = healthy();
    // istiod and the sidecar still hold the pod IP from before the rollout.
    scenario.sidecar =
        SidecarDns::new().host_record("ratings.bookinfo.svc.cluster.local", "10.244.9.9");
    scenario.table["ratings.bookinfo.svc.cluster.local"] =
        table_entry(&["10.244.9.9"], "Kubernetes", "ratings", BOOKINFO);
    let cluster = LiveCluster::start(scenario);
    let (doc, code) = cluster.diff("ratings", &[]);
    assert_outcome(
        &doc,
        code,
        "discrepancy",
        1,
        &["headless-endpoints", "mesh-ttl", "stale-control-plane"],
    );
    assert_eq!(
        datas(&doc, "kube-dns"),
        ["10.244.1.5", "10.244.2.6", "10.244.3.7"]
    );
    assert_eq!(datas(&doc, "sidecar"), ["10.244.9.9"]);
}

// See: https://github.com/istio/istio/issues/39080
#[test]
fn r39080_serviceentry_auto_vip_live() {
    // The sample's ServiceEntry api.payments.example.com (port 443) has VIP 240.240.0.1 in status.
    let mut scenario = healthy();
    scenario.upstream_zones.push((
        "example.com",
        "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns.example.com. hostmaster.example.com. 1 7200 1800 86400 300\n@ IN NS ns.example.com.\nns IN A 127.0.0.1\napi.payments IN A 203.0.113.10\n".to_string(),
    ));
    scenario.sidecar = SidecarDns::new().host_record("api.payments.example.com", "240.240.0.1");
    let cluster = LiveCluster::start(scenario);
    let (doc, code) = cluster.diff("api.payments.example.com.", &[]);
    assert_outcome(
        &doc,
        code,
        "explained",
        0,
        &["auto-allocated-vip", "mesh-ttl"],
    );
    assert_eq!(datas(&doc, "kube-dns"), ["203.0.113.10"]);
    assert_eq!(datas(&doc, "sidecar"), ["240.240.0.1"]);
    let vip = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "auto-allocated-vip")
        .unwrap();
    assert_eq!(
        vip["severity"], "warning",
        "the name also resolves outside the mesh"
    );
    assert!(vip["summary"].as_str().unwrap().contains("(443)"), "{vip}");
}

// See: https://github.com/istio/istio/issues/35421
#[test]
fn r35421_kubernetes_default_cname_live() {
    let mut scenario = healthy();
    // Without the sample's Sidecar resource, productpage's table holds every service, kubernetes too.
    scenario.remove.push(("Sidecar", BOOKINFO, "default"));
    scenario.table["kubernetes.default.svc.cluster.local"] =
        table_entry(&["10.96.0.1"], "Kubernetes", "kubernetes", "default");
    scenario.sidecar = SidecarDns::new()
        .host_record("kubernetes.default", "10.96.0.1")
        .cname(
            "kubernetes.default.bookinfo.svc.cluster.local",
            "kubernetes.default",
        );
    let cluster = LiveCluster::start(scenario);
    let (doc, code) = cluster.diff("kubernetes.default", &[]);
    assert_outcome(
        &doc,
        code,
        "explained",
        0,
        // mesh-ttl: at kubernetes.default.svc.cluster.local., where kube-dns's walk stops, the
        // agent answers from its table with TTL 30 against kube-dns's 5.
        &["mesh-ttl", "search-domain-cname", "search-walk-divergence"],
    );
    assert_eq!(
        doc["query"]["name"],
        "kubernetes.default.bookinfo.svc.cluster.local."
    );
    assert_eq!(source(&doc, "kube-dns")["rcode"], "NXDOMAIN");
    assert_eq!(datas(&doc, "sidecar"), ["10.96.0.1", "kubernetes.default."]);
}

#[test]
fn a_live_run_and_its_snapshot_replay_agree() {
    let cluster = LiveCluster::start(healthy());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("case.json");
    let from = format!("pod/{PRODUCTPAGE_POD}");
    let captured = cluster.meshdig(&[
        "snapshot",
        "reviews",
        "ratings",
        "reviews.bookinfo",
        "-t",
        "A",
        "-t",
        "AAAA",
        "--from",
        &from,
        "-n",
        BOOKINFO,
        "--file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(captured.code, 0, "{}", captured.stderr);
    assert!(
        captured.stderr.contains(&format!(
            "replay with: meshdig diff NAME --from {from} -n {BOOKINFO} --snapshot"
        )),
        "{}",
        captured.stderr
    );
    let cases = [
        ("reviews", "A", "glibc"),
        ("ratings", "A", "glibc"),
        ("reviews", "AAAA", "glibc"),
        ("reviews.bookinfo", "A", "glibc"),
        ("reviews.bookinfo", "A", "musl"),
    ];
    for (name, rtype, libc) in cases {
        let (live, live_code) = cluster.diff(name, &["-t", rtype, "--libc", libc]);
        assert!(live.get("resolution").is_some(), "{name}: {live:#}");
        let replay = run(&[
            "diff",
            name,
            "-t",
            rtype,
            "--libc",
            libc,
            "--from",
            &from,
            "-n",
            BOOKINFO,
            "--snapshot",
            file.to_str().unwrap(),
            "-o",
            "json",
        ]);
        let replay_doc: Value = serde_json::from_str(&replay.stdout).unwrap();
        assert_eq!(live_code, replay.code);
        assert_eq!(
            without_timing(live),
            without_timing(replay_doc),
            "{name} {rtype} {libc}"
        );
    }
}

/// The document without round-trip times, which differ between two live runs.
fn without_timing(mut doc: Value) -> Value {
    for source in doc["sources"].as_array_mut().unwrap() {
        source["rtt_ms"] = Value::Null;
    }
    doc
}

#[test]
fn kubectl_meshdig_runs_through_real_kubectl() {
    let cluster = LiveCluster::start(healthy());
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin("meshdig"),
        bin.path().join("kubectl-meshdig"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = std::process::Command::new(kubectl_binary())
        .args([
            "meshdig",
            "diff",
            "reviews",
            "--from",
            &format!("pod/{PRODUCTPAGE_POD}"),
            "-n",
            BOOKINFO,
            "-o",
            "json",
        ])
        .args(["--kubeconfig", cluster.kubeconfig.path_str()])
        .env_clear()
        .env("PATH", path)
        .env("HOME", cluster.kubeconfig.home())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["verdict"], "consistent");
    let help = std::process::Command::new(kubectl_binary())
        .args(["meshdig", "--help"])
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.path().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", cluster.kubeconfig.home())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: kubectl meshdig"));
}

/// The role of `docs/rbac.yaml`, rule by rule, resource names included.
fn documented_role() -> Role {
    let yaml = std::fs::read_to_string(crate::support::repo().join("docs/rbac.yaml")).unwrap();
    let list = |line: &str, key: &str| -> Vec<String> {
        let Some(start) = line.find(&format!("{key}: [")).map(|i| i + key.len() + 3) else {
            return Vec::new();
        };
        let end = start + line[start..].find(']').unwrap();
        line[start..end]
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .collect()
    };
    let mut role = Role::new();
    let mut rules = 0;
    for line in yaml
        .lines()
        .filter(|l| l.trim_start().starts_with("- { apiGroups:"))
    {
        let names = list(line, "resourceNames");
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        for group in list(line, "apiGroups") {
            for resource in list(line, "resources") {
                for verb in list(line, "verbs") {
                    role = role.allow_named(&verb, &group, &resource, None, &names);
                }
            }
        }
        rules += 1;
    }
    assert_eq!(rules, 8, "docs/rbac.yaml has one rule per line");
    role
}

/// Every registered mesh's capture plan reads only what the documented role grants: its own objects
/// listed, its control plane's pods listed and port-forwarded, and its DNS proxy port-forwarded.
#[test]
fn every_mesh_capture_plan_is_within_the_documented_role() {
    let role = documented_role();
    let allows = |verb: &str, group: &str, resource: &str, namespace: Option<&str>| {
        role.allows(&crate::harness::fake_api::Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            namespace: namespace.map(str::to_string),
            name: None,
        })
    };
    let forwards = |namespace: Option<&str>| {
        allows("get", "", "pods/portforward", namespace)
            && allows("create", "", "pods/portforward", namespace)
    };
    for mesh in meshdig::mesh::MESHES {
        let plan = mesh.capture_plan();
        for objects in plan.objects {
            assert!(
                allows("list", objects.group, objects.plural, None),
                "{}: docs/rbac.yaml does not let meshdig list {}.{}",
                mesh.name(),
                objects.plural,
                objects.group
            );
        }
        if let Some(control_plane) = &plan.control_plane {
            let namespace = Some(control_plane.namespace);
            assert!(allows("list", "", "pods", namespace), "{}", mesh.name());
            assert!(forwards(namespace), "{}", mesh.name());
        }
        if plan.dns_proxy_port.is_some() {
            assert!(forwards(Some("any-app-namespace")), "{}", mesh.name());
        }
    }
}

/// Runs every command that talks to the API, live, each in the form that reaches the most of it:
/// (what ran, its outcome, the exit code it must have).
fn every_api_command(cluster: &LiveCluster) -> Vec<(String, Run, i32)> {
    let dir = tempfile::tempdir().unwrap();
    let pod = format!("pod/{PRODUCTPAGE_POD}");
    let snapshot = dir.path().join("case.json");
    let checks = dir.path().join("checks.yaml");
    std::fs::write(
        &checks,
        format!(
            "version: 1\ndefaults: {{from: {pod}, namespace: {BOOKINFO}}}\nexpectations:\n  - name: reviews\n    resolves: true\n"
        ),
    )
    .unwrap();
    let fqdn = "reviews.bookinfo.svc.cluster.local";
    let from: [&str; 4] = ["--from", &pod, "-n", BOOKINFO];
    let commands: Vec<(Vec<&str>, i32)> = vec![
        (vec!["diff", "reviews"], 0),
        (
            vec![
                "diff",
                "reviews",
                "--from",
                "deploy/productpage-v1",
                "-n",
                BOOKINFO,
            ],
            0,
        ),
        (
            vec!["snapshot", "reviews", "--file", snapshot.to_str().unwrap()],
            0,
        ),
        (vec!["check", "-f", checks.to_str().unwrap()], 0),
        // The stand-in istiod's table lacks the filler Services: a discrepancy, nothing unread.
        (vec!["audit", "-o", "json"], 1),
        (vec!["dig", "@kube-dns", fqdn], 0),
        (vec!["dig", "@sidecar", fqdn], 0),
        (vec!["dig", "@control-plane", fqdn], 0),
        (vec!["resolvconf"], 0),
    ];
    commands
        .into_iter()
        .map(|(mut args, code)| {
            let takes_from = !matches!(args.as_slice(), ["dig", "@kube-dns", ..] | ["check", ..])
                && !args.contains(&"deploy/productpage-v1");
            if takes_from {
                args.extend_from_slice(&from);
            }
            (args.join(" "), cluster.meshdig(&args), code)
        })
        .collect()
}

#[test]
fn every_command_works_with_exactly_the_documented_rbac_role() {
    let cluster = LiveCluster::start(healthy());
    cluster.api.set_role(Some(documented_role()));
    for (command, run, code) in every_api_command(&cluster) {
        assert_eq!(
            run.code, code,
            "meshdig {command}: {}{}",
            run.stdout, run.stderr
        );
        assert!(
            !run.stdout.contains("RBAC forbids") && !run.stderr.contains("RBAC forbids"),
            "meshdig {command}: {}{}",
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn every_api_request_is_a_read_the_documented_role_covers() {
    let cluster = LiveCluster::start(healthy());
    // Nothing is refused, so that a request beyond the role shows here rather than as a 403.
    let runs = every_api_command(&cluster);
    assert!(runs.iter().all(|(_, run, code)| run.code == *code));
    let ambient = ambient_cluster();
    assert!(
        every_ambient_command(&ambient)
            .iter()
            .all(|(_, run)| run.code == 0)
    );
    let mut requests = cluster.api.requests();
    // Namespaces are read for ambient pods only.
    assert!(
        !requests.iter().any(|r| r.path == "/api/v1/namespaces"),
        "{requests:?}"
    );
    requests.extend(ambient.api.requests());
    let role = documented_role();
    for request in &requests {
        assert_eq!(request.method, "GET", "only reads: {request:?}");
        assert!(
            !request.path.contains("/secrets"),
            "Secrets are never read: {request:?}"
        );
        let checks = request.attributes();
        if checks.is_empty() {
            // Discovery, which Kubernetes' built-in system:discovery role opens to every user.
            let segments: Vec<&str> = request.path.split('/').filter(|s| !s.is_empty()).collect();
            assert!(
                matches!(
                    segments.as_slice(),
                    ["version"] | ["api"] | ["api", _] | ["apis"] | ["apis", _, _]
                ),
                "a non-resource request beyond discovery: {request:?}"
            );
        }
        for check in checks {
            assert!(
                role.allows(&check),
                "docs/rbac.yaml does not cover {check:?} ({request:?})"
            );
        }
    }
    // And every right the role grants is used by some command: none is there for nothing.
    let checks: Vec<_> = requests.iter().flat_map(|r| r.attributes()).collect();
    for rule in &role.rules {
        assert!(
            checks.iter().any(|check| rule.allows(check)),
            "no command needs {rule:?}"
        );
    }
}

#[test]
fn rbac_denying_endpointslices_is_named_and_exits_3() {
    let cluster = LiveCluster::start(healthy());
    let mut role = documented_role();
    role.rules.retain(|r| r.resource != "endpointslices");
    cluster.api.set_role(Some(role));
    let (doc, code) = cluster.diff("reviews", &[]);
    assert_source_error(
        &doc,
        code,
        "expected",
        "RBAC forbids list endpointslices.discovery.k8s.io in namespace bookinfo",
    );
    assert_eq!(codes(&doc), ["mesh-ttl", "source-unreachable"]);
    assert_eq!(
        source(&doc, "sidecar")["status"],
        "answered",
        "the other sources are still asked"
    );
}

#[test]
fn coredns_gone_is_a_kube_dns_error() {
    let cluster = LiveCluster::start(healthy());
    assert!(cluster.api.remove("Pod", Some("kube-system"), COREDNS_POD));
    let (doc, code) = cluster.diff("reviews", &[]);
    assert_source_error(&doc, code, "kube-dns", "no ready CoreDNS pod");
}

#[test]
fn istiod_404_and_403_are_control_plane_errors() {
    let cluster = LiveCluster::start(healthy());
    cluster.istiod.remove_ndsz(PRODUCTPAGE_PROXY_ID);
    let (doc, code) = cluster.diff("reviews", &[]);
    assert_source_error(&doc, code, "control-plane", "not connected to istiod");

    cluster
        .istiod
        .set_ndsz(PRODUCTPAGE_PROXY_ID, 403, &json!({"error": "forbidden"}));
    let (doc, code) = cluster.diff("reviews", &[]);
    assert_eq!(code, 3);
    let error = source(&doc, "control-plane")["error"].as_str().unwrap();
    assert!(
        error.contains("403") && error.contains("refused"),
        "{error}"
    );
}

#[test]
fn a_closed_sidecar_port_is_a_sidecar_error_naming_the_forward() {
    let cluster = LiveCluster::start(healthy());
    cluster
        .api
        .unforward(BOOKINFO, PRODUCTPAGE_POD, SIDECAR_PORT);
    let started = Instant::now();
    let (doc, code) = cluster.diff("reviews", &["--timeout", "2s"]);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "no hang past the time-outs"
    );
    let forward = format!("pod {BOOKINFO}/{PRODUCTPAGE_POD}:{SIDECAR_PORT}");
    assert_source_error(&doc, code, "sidecar", &forward);
    // Several questions over the same failed forward: each is a per-source error, never a crash.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("case.json");
    let from = format!("pod/{PRODUCTPAGE_POD}");
    let run = cluster.meshdig(&[
        "snapshot",
        "reviews",
        "ratings",
        "details",
        "--from",
        &from,
        "-n",
        BOOKINFO,
        "--timeout",
        "1s",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let captured: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let sidecar: Vec<&Value> = captured["answers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["source"] == "sidecar")
        .collect();
    assert!(
        sidecar.len() >= 3,
        "every name and walk candidate is asked: {captured:#}"
    );
    assert!(
        sidecar
            .iter()
            .all(|a| a["error"].as_str().is_some_and(|e| e.contains(&forward))),
        "{captured:#}"
    );
}

#[test]
fn a_pod_that_is_not_running_cannot_have_its_sidecar_asked() {
    let cluster = LiveCluster::start(healthy());
    let from = format!("pod/{PENDING_POD}");
    let run = cluster.meshdig(&[
        "diff", "reviews", "--from", &from, "-n", BOOKINFO, "-o", "json",
    ]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(run.code, 3, "{doc:#}");
    assert!(
        source(&doc, "sidecar")["error"]
            .as_str()
            .unwrap()
            .contains("is not running (phase Pending)")
    );
}

#[test]
fn a_slow_api_server_fails_within_the_request_timeout() {
    let cluster = LiveCluster::start(healthy());
    cluster.api.set_delay(Duration::from_secs(4));
    let started = Instant::now();
    let run = cluster.meshdig(&[
        "diff",
        "reviews",
        "--from",
        &format!("pod/{PRODUCTPAGE_POD}"),
        "-n",
        BOOKINFO,
        "--request-timeout",
        "500ms",
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "gave up within the time-out, not after the reply"
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot reach the Kubernetes API") && run.stderr.contains("500 ms"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_pods_and_contexts_are_one_line_errors() {
    let cluster = LiveCluster::start(healthy());
    let run = cluster.meshdig(&["diff", "reviews", "--from", "pod/nope", "-n", BOOKINFO]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no pod 'nope' in namespace 'bookinfo'"),
        "{}",
        run.stderr
    );
    let run = cluster.meshdig(&["diff", "reviews", "--context", "missing"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("missing"), "{}", run.stderr);
}

#[test]
fn verbose_logs_never_show_the_token() {
    let cluster = LiveCluster::start(healthy());
    let run = cluster.meshdig(&[
        "-vv",
        "diff",
        "reviews",
        "--from",
        &format!("pod/{PRODUCTPAGE_POD}"),
        "-n",
        BOOKINFO,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("connected"),
        "-vv logs the steps: {}",
        run.stderr
    );
    // LiveCluster::meshdig asserts the token is absent from stdout and stderr.
}

#[test]
fn api_requests_do_not_grow_with_the_number_of_names() {
    let cluster = LiveCluster::start(healthy());
    let dir = tempfile::tempdir().unwrap();
    let from = format!("pod/{PRODUCTPAGE_POD}");
    let count = |names: &[&str]| {
        cluster.api.clear_requests();
        let file = dir.path().join("s.json");
        let mut args = vec!["snapshot"];
        args.extend_from_slice(names);
        args.extend_from_slice(&[
            "--from",
            &from,
            "-n",
            BOOKINFO,
            "--file",
            file.to_str().unwrap(),
        ]);
        assert_eq!(cluster.meshdig(&args).code, 0);
        cluster
            .api
            .requests()
            .iter()
            .filter(|r| !r.path.ends_with("/portforward"))
            .count()
    };
    let one = count(&["reviews"]);
    let five = count(&[
        "reviews",
        "ratings",
        "details",
        "productpage",
        "reviews.bookinfo.svc.cluster.local.",
    ]);
    assert_eq!(
        one, five,
        "requests for 1 name vs 5 names in the same namespaces"
    );
}

#[test]
fn sources_given_as_addresses_are_asked_directly() {
    let cluster = LiveCluster::start(healthy());
    // No port-forward may be used: each layer is named by address.
    let mut role = documented_role();
    role.rules.retain(|r| r.resource != "pods/portforward");
    cluster.api.set_role(Some(role));
    let kube_dns = cluster.kube_dns.addr().to_string();
    let sidecar = cluster.sidecar.addr().to_string();
    let istiod = format!("http://{}", cluster.istiod.addr());
    let (doc, code) = cluster.diff(
        "reviews",
        &[
            "--kube-dns",
            &kube_dns,
            "--sidecar",
            &sidecar,
            "--control-plane",
            &istiod,
        ],
    );
    assert_outcome(&doc, code, "consistent", 0, &["mesh-ttl"]);
    assert_eq!(source(&doc, "kube-dns")["transport"], "udp");
    assert_eq!(source(&doc, "sidecar")["transport"], "udp");
    assert_eq!(source(&doc, "control-plane")["status"], "answered");
    assert!(
        cluster
            .api
            .requests()
            .iter()
            .all(|r| !r.path.ends_with("/portforward")),
        "no port-forward was opened"
    );
}

#[test]
fn a_layer_given_as_an_address_fails_alone() {
    let cluster = LiveCluster::start(healthy());
    let kube_dns = cluster.kube_dns.addr().to_string();
    // A UDP port nobody listens on: the host says so (ICMP port unreachable).
    let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let closed_addr = closed.local_addr().unwrap().to_string();
    drop(closed);
    let (doc, code) = cluster.diff(
        "reviews",
        &[
            "--kube-dns",
            &kube_dns,
            "--sidecar",
            &closed_addr,
            "--timeout",
            "2s",
        ],
    );
    assert_source_error(&doc, code, "sidecar", "refused");
    assert_eq!(source(&doc, "kube-dns")["status"], "answered", "{doc:#}");
    // A UDP socket that reads and never replies: each question times out on its own.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap().to_string();
    let (doc, code) = cluster.diff(
        "reviews",
        &[
            "--kube-dns",
            &kube_dns,
            "--sidecar",
            &silent_addr,
            "--timeout",
            "1s",
        ],
    );
    assert_source_error(&doc, code, "sidecar", "no answer within 1 s");
    drop(silent);
}

#[test]
fn kubeconfig_list_context_and_namespace_follow_kubectl() {
    let cluster = LiveCluster::start(healthy());
    // KUBECONFIG lists a missing file and two others; the first's current context (its own cluster)
    // points nowhere useful.
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::write(
        &elsewhere,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: elsewhere\n  cluster:\n    server: http://127.0.0.1:9\n\
         contexts:\n- name: elsewhere\n  context:\n    cluster: elsewhere\n    user: nobody\n\
         current-context: elsewhere\nusers:\n- name: nobody\n  user: {}\n",
    )
    .unwrap();
    // A missing entry of the list is skipped, as kubectl skips it.
    let missing = dir.path().join("missing");
    let list = format!(
        "{}:{}:{}",
        missing.display(),
        elsewhere.display(),
        cluster.kubeconfig.path_str()
    );
    let from = format!("pod/{PRODUCTPAGE_POD}");
    // No -n: the namespace comes from the chosen context (bookinfo).
    let output = crate::support::meshdig()
        .args([
            "diff",
            "reviews",
            "--from",
            &from,
            "--context",
            "test",
            "-o",
            "json",
        ])
        .env("KUBECONFIG", &list)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["from"]["namespace"], BOOKINFO);
    assert_eq!(doc["verdict"], "consistent");
}

#[test]
fn lists_page_through_limit_and_continue() {
    let cluster = LiveCluster::start(healthy());
    cluster.api.set_page_size_cap(Some(2));
    let (doc, code) = cluster.diff("reviews", &[]);
    assert_outcome(&doc, code, "consistent", 0, &["mesh-ttl"]);
    let continued = cluster
        .api
        .requests()
        .iter()
        .filter(|r| r.param("continue").is_some())
        .count();
    assert!(continued > 0, "later pages were asked with continue tokens");
}

#[test]
fn older_istio_api_versions_are_read_when_v1_is_not_served() {
    let mut scenario = healthy();
    scenario.sidecar = SidecarDns::new().host_record("api.payments.example.com", "240.240.0.1");
    let cluster = LiveCluster::start(scenario);
    cluster.api.set_istio_versions(&["v1beta1"]);
    let (doc, code) = cluster.diff("api.payments.example.com.", &[]);
    // The ServiceEntry was read through v1beta1: the mesh's VIP is expected for this host.
    assert_eq!(
        source(&doc, "expected")["records"][0]["data"],
        "240.240.0.1",
        "{doc:#}"
    );
    assert_eq!(code, 0);
    assert!(
        cluster
            .api
            .requests()
            .iter()
            .any(|r| r.path.contains("/networking.istio.io/v1beta1/"))
    );
}

#[test]
fn one_port_forward_per_pod_and_port_for_a_whole_run() {
    let cluster = LiveCluster::start(healthy());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("case.json");
    let from = format!("pod/{PRODUCTPAGE_POD}");
    cluster.api.clear_requests();
    let run = cluster.meshdig(&[
        "snapshot",
        "reviews",
        "ratings",
        "details",
        "--from",
        &from,
        "-n",
        BOOKINFO,
        "--file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let forwards: Vec<String> = cluster
        .api
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/portforward"))
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        forwards.len(),
        3,
        "CoreDNS, the sidecar and istiod once each: {forwards:?}"
    );
}

/// The productpage pod as istio-cni leaves it once it redirected it to ztunnel: no sidecar.
fn productpage_ambient() -> Value {
    let mut pod = productpage_capturing();
    pod["metadata"]["annotations"] = json!({"ambient.istio.io/redirection": "enabled"});
    pod["spec"]["containers"] = json!([{"name": "app", "image": "example/app:1"}]);
    pod
}

/// ztunnel's DaemonSet pod on the sample's node.
fn ztunnel_pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": ZTUNNEL_POD, "namespace": "istio-system", "labels": {"app": "ztunnel"}},
           "spec": {"nodeName": "node-1", "containers": [{"name": "istio-proxy", "image": "docker.io/istio/ztunnel:1.26.0"}]},
           "status": {"phase": "Running", "podIP": "10.244.1.2"}})
}

/// ztunnel's config dump for the sample's Services, as ztunnel serializes it: ClusterIPs as VIPs,
/// headless Services with their EndpointSlices' addresses as workloads, and productpage as a
/// client workload when `knows_client`.
fn ztunnel_dump(knows_client: bool) -> Value {
    let objects = sample_cluster();
    let mut workloads = Vec::new();
    if knows_client {
        workloads.push(json!({"uid": "Kubernetes//Pod/bookinfo/productpage", "name": PRODUCTPAGE_POD, "namespace": BOOKINFO,
                              "serviceAccount": "default", "node": "node-1", "workloadIps": ["10.244.1.30"]}));
    }
    let mut services = Vec::new();
    // istiod sends no ExternalName Service to ztunnel.
    let services_sent = objects
        .iter()
        .filter(|o| o["kind"] == "Service" && o["spec"]["type"] != "ExternalName");
    for service in services_sent {
        let (name, ns) = (
            &service["metadata"]["name"],
            &service["metadata"]["namespace"],
        );
        let ip = service["spec"]["clusterIP"].as_str().unwrap_or("None");
        let mut endpoints = serde_json::Map::new();
        let slices = objects.iter().filter(|o| {
            o["kind"] == "EndpointSlice"
                && o["metadata"]["labels"]["kubernetes.io/service-name"] == *name
        });
        let ready = slices
            .flat_map(|s| s["endpoints"].as_array().cloned().unwrap_or_default())
            .filter(|e| e["conditions"]["ready"] != false);
        for (i, address) in ready.enumerate() {
            let uid = format!("{name}-{i}");
            workloads.push(json!({"uid": uid, "name": uid, "namespace": ns, "workloadIps": address["addresses"]}));
            endpoints.insert(uid.clone(), json!({"workloadUid": uid}));
        }
        let vips: Vec<String> = if ip == "None" {
            Vec::new()
        } else {
            vec![format!("/{ip}")]
        };
        services.push(json!({"name": name, "namespace": ns, "hostname": format!("{}.{}.svc.cluster.local", name.as_str().unwrap(), ns.as_str().unwrap()),
                             "vips": vips, "endpoints": endpoints, "visibility": "Public"}));
    }
    for entry in objects.iter().filter(|o| o["kind"] == "ServiceEntry") {
        let (name, ns) = (&entry["metadata"]["name"], &entry["metadata"]["namespace"]);
        for address in entry["status"]["addresses"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let vip = format!("/{}", address["value"].as_str().unwrap());
            services.push(
                json!({"name": name, "namespace": ns, "hostname": address["host"], "vips": [vip]}),
            );
        }
    }
    json!({"workloads": workloads, "services": services, "certificates": [],
           "config": {"clusterDomain": "cluster.local", "network": "", "dnsProxy": true}})
}

/// productpage in the ambient mesh: dnsmasq stands in for ztunnel's DNS listener in the pod
/// (answering as `ztunnel` is configured), a fake admin endpoint serves ztunnel's config dump.
fn ambient(ztunnel: SidecarDns, knows_client: bool) -> Scenario {
    Scenario {
        extra: vec![productpage_ambient()],
        sidecar: ztunnel.host_record("api.payments.example.com", "240.240.0.1"),
        ztunnel_dump: Some(ztunnel_dump(knows_client)),
        ..healthy()
    }
}

/// The port-forwards a run opened, as `namespace/pod:port`.
fn forwards(cluster: &LiveCluster) -> Vec<String> {
    cluster
        .api
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/portforward"))
        .map(|r| {
            let parts: Vec<&str> = r.path.split('/').collect();
            let port = r.query.split("ports=").nth(1).unwrap_or_default();
            format!("{}/{}:{port}", parts[4], parts[6])
        })
        .collect()
}

#[test]
fn an_ambient_pod_is_asked_through_ztunnel_in_its_network_namespace() {
    let ztunnel =
        SidecarDns::new().host_record("reviews.bookinfo.svc.cluster.local", "10.96.12.34");
    let cluster = LiveCluster::start(ambient(ztunnel, true));
    for name in ["reviews", "reviews.bookinfo.svc.cluster.local."] {
        let (doc, code) = cluster.diff(name, &[]);
        assert_outcome(&doc, code, "consistent", 0, &[]);
        assert!(
            doc["from"]["proxy"]
                .as_str()
                .unwrap()
                .starts_with("istio ambient: ztunnel on node node-1"),
            "{doc:#}"
        );
        assert_eq!(source(&doc, "sidecar")["transport"], "tcp (port-forward)");
        assert_eq!(datas(&doc, "control-plane"), ["10.96.12.34"]);
    }
    // ztunnel's listener is bound inside the app pod: the forward goes to the app pod's 15053, and
    // the state comes from the ztunnel pod on the same node.
    let opened = forwards(&cluster);
    assert!(
        opened
            .iter()
            .any(|f| f == &format!("{BOOKINFO}/{PRODUCTPAGE_POD}:{SIDECAR_PORT}")),
        "{opened:?}"
    );
    assert!(
        opened
            .iter()
            .any(|f| f == &format!("istio-system/{ZTUNNEL_POD}:{ZTUNNEL_ADMIN_PORT}")),
        "{opened:?}"
    );
    let admin = cluster
        .ztunnel
        .as_ref()
        .expect("an ambient scenario")
        .requests();
    assert!(
        admin.iter().all(|r| r.starts_with("/config_dump")) && !admin.is_empty(),
        "{admin:?}"
    );
    assert!(
        !opened.iter().any(|f| f.contains(ISTIOD_POD)),
        "istiod holds no table of ztunnel: {opened:?}"
    );
}

// See: https://github.com/istio/istio/issues/57276
#[test]
fn ztunnels_stripped_name_cname_live() {
    let ztunnel = SidecarDns::new()
        .host_record("kubernetes.default.svc", "10.96.0.1")
        .cname(
            "kubernetes.default.svc.bookinfo.svc.cluster.local",
            "kubernetes.default.svc",
        )
        .cname(
            "kubernetes.default.svc.svc.cluster.local",
            "kubernetes.default.svc",
        );
    let cluster = LiveCluster::start(ambient(ztunnel, true));
    let (doc, code) = cluster.diff("kubernetes.default.svc", &[]);
    assert_outcome(
        &doc,
        code,
        "explained",
        0,
        &["search-walk-divergence", "ztunnel-stripped-cname"],
    );
    assert_eq!(
        doc["query"]["name"],
        "kubernetes.default.svc.bookinfo.svc.cluster.local."
    );
    assert_eq!(
        datas(&doc, "sidecar"),
        ["10.96.0.1", "kubernetes.default.svc."]
    );
    assert_eq!(datas(&doc, "control-plane"), datas(&doc, "sidecar"));
}

#[test]
fn a_client_ztunnel_does_not_know_live() {
    let ztunnel =
        SidecarDns::new().host_record("reviews.bookinfo.svc.cluster.local", "10.96.12.34");
    let cluster = LiveCluster::start(ambient(ztunnel, false));
    let (doc, code) = cluster.diff("reviews.bookinfo.svc.cluster.local.", &[]);
    assert_outcome(&doc, code, "discrepancy", 1, &["ztunnel-unknown-client"]);
    assert_eq!(
        source(&doc, "control-plane")["rcode"],
        "SERVFAIL",
        "{doc:#}"
    );
}

#[test]
fn a_ztunnel_behind_the_objects_is_stale_live() {
    // ztunnel still holds (and answers) reviews' old ClusterIP.
    let ztunnel =
        SidecarDns::new().host_record("reviews.bookinfo.svc.cluster.local", "10.96.12.99");
    let mut scenario = ambient(ztunnel, true);
    let dump = scenario.ztunnel_dump.as_mut().unwrap();
    for service in dump["services"].as_array_mut().unwrap() {
        if service["name"] == "reviews" {
            service["vips"] = json!(["/10.96.12.99"]);
        }
    }
    let cluster = LiveCluster::start(scenario);
    let (doc, code) = cluster.diff("reviews", &[]);
    assert_outcome(&doc, code, "discrepancy", 1, &["stale-ztunnel"]);
    assert_eq!(datas(&doc, "control-plane"), ["10.96.12.99"]);
    assert_eq!(datas(&doc, "expected"), ["10.96.12.34"]);
}

// See: https://github.com/istio/istio/issues/54896
#[test]
fn ambient_dns_capture_off_skips_the_waypoint_live() {
    let ztunnel = SidecarDns::new();
    let mut scenario = ambient(ztunnel, true);
    // The pod opts out of DNS capture; its namespace (and so the sample's ServiceEntry in it) is
    // bound to a waypoint.
    scenario.extra[0]["metadata"]["annotations"]["ambient.istio.io/dns-capture"] = json!("false");
    let mut namespace = sample_cluster()
        .into_iter()
        .find(|o| o["kind"] == "Namespace" && o["metadata"]["name"] == BOOKINFO)
        .expect("the sample has the bookinfo Namespace");
    namespace["metadata"]["labels"] = json!({"istio.io/use-waypoint": "waypoint"});
    scenario.extra.push(namespace);
    scenario.upstream_zones.push((
        "example.com",
        "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns.example.com. hostmaster.example.com. 1 7200 1800 86400 300\n@ IN NS ns.example.com.\nns IN A 127.0.0.1\napi.payments IN A 203.0.113.10\n".to_string(),
    ));
    let cluster = LiveCluster::start(scenario);
    for name in ["api.payments.example.com.", "api.payments.example.com"] {
        let (doc, code) = cluster.diff(name, &[]);
        let mut found = codes(&doc);
        found.retain(|c| c != "ndots-amplification");
        assert_eq!(
            found,
            ["ambient-dns-capture-off", "waypoint-without-vip"],
            "{doc:#}"
        );
        assert_eq!((doc["verdict"].as_str(), code), (Some("explained"), 0));
        assert_eq!(
            source(&doc, "sidecar")["status"],
            "not-applicable",
            "{doc:#}"
        );
    }
    // With capture off, ztunnel's listener is not asked.
    let opened = forwards(&cluster);
    let listener = format!("{BOOKINFO}/{PRODUCTPAGE_POD}:{SIDECAR_PORT}");
    assert!(!opened.contains(&listener), "{opened:?}");
}

/// The ambient cluster meshdig's API-reading commands run on.
fn ambient_cluster() -> LiveCluster {
    let ztunnel =
        SidecarDns::new().host_record("reviews.bookinfo.svc.cluster.local", "10.96.12.34");
    LiveCluster::start(ambient(ztunnel, true))
}

/// Runs every command that talks to the API from the ambient productpage: (what ran, its outcome).
/// Each must exit 0.
fn every_ambient_command(cluster: &LiveCluster) -> Vec<(String, Run)> {
    let pod = format!("pod/{PRODUCTPAGE_POD}");
    let fqdn = "reviews.bookinfo.svc.cluster.local";
    let dir = tempfile::tempdir().unwrap();
    let checks = dir.path().join("checks.yaml");
    let body = format!(
        "version: 1\ndefaults: {{from: {pod}, namespace: {BOOKINFO}}}\nexpectations:\n  - name: reviews\n    resolves: true\n"
    );
    std::fs::write(&checks, body).unwrap();
    let from = ["--from", pod.as_str(), "-n", BOOKINFO];
    let commands: Vec<Vec<&str>> = vec![
        [&["diff", "reviews"][..], &from].concat(),
        [&["audit", "-o", "json"][..], &from].concat(),
        [&["dig", "@sidecar", fqdn][..], &from].concat(),
        [&["dig", "@control-plane", fqdn][..], &from].concat(),
        vec!["check", "-f", checks.to_str().unwrap()],
    ];
    commands
        .into_iter()
        .map(|args| (args.join(" "), cluster.meshdig(&args)))
        .collect()
}

#[test]
fn an_ambient_capture_replays_to_the_same_report() {
    let cluster = ambient_cluster();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ambient.json");
    let from = format!("pod/{PRODUCTPAGE_POD}");
    let args = [
        "snapshot", "reviews", "--from", &from, "-n", BOOKINFO, "--file",
    ];
    let captured = cluster.meshdig(&[&args[..], &[file.to_str().unwrap()]].concat());
    assert_eq!(captured.code, 0, "{}", captured.stderr);
    let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let proxy = &snapshot["proxies"][0];
    assert_eq!(proxy["kind"], "ambient", "{proxy:#}");
    assert!(
        proxy["ndsz"].get("certificates").is_none(),
        "the dump is cut to what meshdig reads"
    );
    let (live, live_code) = cluster.diff("reviews", &[]);
    let replay = run(&[
        "diff",
        "reviews",
        "--from",
        &from,
        "-n",
        BOOKINFO,
        "-o",
        "json",
        "--snapshot",
        file.to_str().unwrap(),
    ]);
    let replayed: Value = serde_json::from_str(&replay.stdout).unwrap();
    assert_eq!(
        (replayed["verdict"].clone(), replay.code),
        (live["verdict"].clone(), live_code)
    );
    assert_eq!(codes(&replayed), codes(&live));
    assert_eq!(
        datas(&replayed, "control-plane"),
        datas(&live, "control-plane")
    );
}

#[test]
fn ambient_commands_work_with_exactly_the_documented_rbac_role() {
    let cluster = ambient_cluster();
    cluster.api.set_role(Some(documented_role()));
    for (command, run) in every_ambient_command(&cluster) {
        assert_eq!(
            run.code, 0,
            "meshdig {command}: {}{}",
            run.stdout, run.stderr
        );
        assert!(!run.stderr.contains("RBAC forbids"), "{}", run.stderr);
    }
}

#[test]
fn a_live_audit_diffs_every_name_in_the_namespace() {
    let mut scenario = healthy();
    scenario.sidecar = SidecarDns::new()
        .host_record("reviews.bookinfo.svc.cluster.local", "10.96.12.34")
        .host_record("api.payments.example.com", "240.240.0.1");
    let cluster = LiveCluster::start(scenario);
    let from = format!("pod/{PRODUCTPAGE_POD}");
    let run = cluster.meshdig(&[
        "audit",
        "-n",
        BOOKINFO,
        "--from",
        &from,
        "-o",
        "json",
        "--concurrency",
        "4",
    ]);
    let audit: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    let totals = &audit["totals"];
    // Every Service of bookinfo, ratings' three per-pod names and the ServiceEntry host.
    assert_eq!(totals["names"], 14, "{audit:#}");
    assert_eq!(
        totals["not_recorded"], 0,
        "a live audit asks every name: {audit:#}"
    );
    // The stand-in istiod's table lacks the seven filler Services and ratings' per-pod names, which
    // istiod would push: exactly those are stale, nothing else.
    let mut planted: Vec<String> = (0..7)
        .map(|i| format!("svc-0{i}.bookinfo.svc.cluster.local."))
        .collect();
    planted.extend((0..3).map(|i| format!("ratings-{i}.ratings.bookinfo.svc.cluster.local.")));
    planted.sort();
    let mut found: Vec<String> = audit["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    found.sort();
    assert_eq!(found, planted, "{audit:#}");
    assert!(
        audit["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["codes"][0] == "stale-control-plane")
    );
    assert_eq!(run.code, 1);
}

#[test]
fn ctrl_c_stops_a_live_audit_with_exit_130() {
    let cluster = LiveCluster::start(healthy());
    // Nothing answers on the sidecar's port, so every question waits for its time-out.
    cluster
        .api
        .unforward(BOOKINFO, PRODUCTPAGE_POD, SIDECAR_PORT);
    cluster.api.set_delay(Duration::from_millis(300));
    let from = format!("pod/{PRODUCTPAGE_POD}");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("meshdig"))
        .args(["audit", "-n", BOOKINFO, "--from", &from, "--timeout", "30s"])
        .args(["--kubeconfig", cluster.kubeconfig.path_str()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stops promptly, not after the time-outs"
    );
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
}

#[test]
fn a_namespace_rbac_hides_leaves_only_its_names_unpredicted() {
    let cluster = LiveCluster::start(healthy());
    // Services and EndpointSlices may be listed in bookinfo only.
    let mut role = documented_role();
    role.rules
        .retain(|r| r.resource != "services" && r.resource != "endpointslices");
    for (group, resource) in [("", "services"), ("discovery.k8s.io", "endpointslices")] {
        role = role.read(group, resource, Some(BOOKINFO));
    }
    cluster.api.set_role(Some(role));
    // A StatefulSet pod of namespace data, typed as pod.service.namespace: the first candidate
    // lies in bookinfo, the second in data.
    let (doc, code) = cluster.diff("db-0.db.data", &[]);
    assert_eq!(code, 3, "{doc:#}");
    let candidates = doc["resolution"]["candidates"].as_array().unwrap();
    let verdict_of = |name: &str| {
        candidates
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["verdict"].clone())
            .unwrap_or_else(|| panic!("{name} is a candidate: {doc:#}"))
    };
    assert_ne!(
        verdict_of("db-0.db.data.bookinfo.svc.cluster.local."),
        "incomplete",
        "bookinfo's objects were read: {doc:#}"
    );
    assert_eq!(verdict_of("db-0.db.data.svc.cluster.local."), "incomplete");
    let unreachable = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "source-unreachable")
        .expect("the unpredicted candidate is named");
    let summary = unreachable["summary"].as_str().unwrap();
    assert!(
        summary.contains("namespace data were not read") && summary.contains("RBAC forbids"),
        "{summary}"
    );
    assert!(!summary.contains("partial objects"), "{summary}");
}

/// Asserts that no second of `seconds` (one entry per query, as [`Dnsmasq::query_seconds`] gives
/// them) holds more than `qps` queries, give or take one for timer jitter at a second's edge, and
/// that the queries took as long as that rate needs.
fn assert_paced(server: &str, seconds: &[u32], qps: usize, expected: usize) {
    assert_eq!(seconds.len(), expected, "{server}: every name asked once");
    // Seconds since the first query's, across midnight too.
    let seconds: Vec<u32> = seconds
        .iter()
        .map(|s| (s + 86_400 - seconds[0]) % 86_400)
        .collect();
    let (first, last) = (0, seconds[seconds.len() - 1]);
    for second in first..=last {
        let count = seconds.iter().filter(|&&s| s == second).count();
        assert!(
            count <= qps + 1,
            "{server}: {count} queries in second {second}: {seconds:?}"
        );
    }
    let needed = (expected - 1) / qps;
    assert!(
        (last - first) as usize + 1 >= needed,
        "{server}: {expected} queries over {} s, at most {qps}/s needs {needed} s",
        last - first + 1
    );
}

#[test]
fn qps_bounds_the_queries_each_server_receives_in_a_live_audit() {
    const QPS: usize = 20;
    const EXTRA: usize = 50;
    let mut scenario = healthy();
    scenario.sidecar = SidecarDns::new()
        .host_record("reviews.bookinfo.svc.cluster.local", "10.96.12.34")
        .host_record("api.payments.example.com", "240.240.0.1");
    scenario.extra.extend((0..EXTRA).map(|i| {
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": format!("paced-{i:02}"), "namespace": BOOKINFO},
            "spec": {"type": "ClusterIP", "clusterIP": format!("10.96.210.{}", i + 1),
                "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}})
    }));
    let cluster = LiveCluster::start(scenario);
    // kube-dns is asked by address (UDP) through a dnsmasq that counts and forwards to Knot; the
    // sidecar's dnsmasq is asked through its port-forward (TCP).
    let kube_dns = Dnsmasq::start(&SidecarDns::new().upstream(cluster.kube_dns.addr()));
    let from = format!("pod/{PRODUCTPAGE_POD}");
    let (kube_dns_addr, qps) = (kube_dns.addr().to_string(), QPS.to_string());
    let run = cluster.meshdig(&[
        "audit",
        "-n",
        BOOKINFO,
        "--from",
        &from,
        "-o",
        "json",
        "--qps",
        &qps,
        "--kube-dns",
        &kube_dns_addr,
    ]);
    let audit: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    // The sample's 14 names and the 50 Services added: every one asked and answered by both layers.
    let names = 14 + EXTRA;
    assert_eq!(audit["totals"]["names"], names, "{audit:#}");
    assert_eq!(audit["totals"]["incomplete"], 0, "{audit:#}");
    assert_eq!(audit["totals"]["not_recorded"], 0, "{audit:#}");
    assert_eq!(
        run.code, 1,
        "the stand-in istiod's table lacks the filler Services"
    );
    assert!(cluster.sidecar.wait_for_log(Duration::from_secs(2), |log| {
        log.matches(" query[").count() >= names
    }));
    assert_paced("kube-dns", &kube_dns.query_seconds(), QPS, names);
    assert_paced("sidecar", &cluster.sidecar.query_seconds(), QPS, names);
}
