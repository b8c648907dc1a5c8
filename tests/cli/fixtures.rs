//! Scenario fixtures: each models a real-world DNS report and asserts the verdict, the exit code, the
//! exact set of finding codes and one fact that only that scenario produces.

use serde_json::{Value, json};

use crate::support::{assert_contract, codes, diff_json, fixture, questions, run, source};

/// The question a scenario fixture was captured for.
fn args_of(file: &str) -> Vec<String> {
    questions()
        .into_iter()
        .find(|(name, _)| name == file)
        .map(|(_, args)| args)
        .unwrap_or_else(|| panic!("{file} is not in fixtures/questions.tsv"))
}

/// Runs the scenario's own question and checks the JSON contract, verdict, exit code and codes.
fn scenario(file: &str, verdict: &str, exit: i32, expected_codes: &[&str]) -> Value {
    let args = args_of(file);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    scenario_with(file, &args, verdict, exit, expected_codes)
}

fn scenario_with(
    file: &str,
    args: &[&str],
    verdict: &str,
    exit: i32,
    expected_codes: &[&str],
) -> Value {
    let (doc, code) = diff_json(file, args);
    assert_contract(&doc);
    assert_eq!(doc["verdict"], verdict, "{file}: {doc:#}");
    assert_eq!(code, exit, "{file}: exit code");
    assert_eq!(doc["exit_code"], exit, "{file}: exit_code in JSON");
    assert_eq!(codes(&doc), expected_codes, "{file}: finding codes");
    doc
}

/// `TYPE DATA` of every record of a source, in order.
fn records(doc: &Value, name: &str) -> Vec<String> {
    source(doc, name)["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["type"].as_str().unwrap(),
                r["data"].as_str().unwrap()
            )
        })
        .collect()
}

/// The one finding with `code`.
fn finding<'a>(doc: &'a Value, code: &str) -> &'a Value {
    let found: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect();
    assert_eq!(found.len(), 1, "exactly one {code} finding: {doc:#}");
    found[0]
}

/// The evidence entry of `finding` of `kind` named `name`.
fn evidence<'a>(finding: &'a Value, kind: &str, name: &str) -> &'a Value {
    finding["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == kind && e["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in evidence: {finding:#}"))
}

#[test]
fn bookinfo_healthy_is_consistent() {
    let doc = scenario("bookinfo-healthy.json", "consistent", 0, &[]);
    assert_eq!(doc["query"]["name"], "reviews.bookinfo.svc.cluster.local.");
    for name in ["kube-dns", "sidecar", "control-plane", "expected"] {
        assert_eq!(records(&doc, name), ["A 10.96.12.34"], "{name}");
    }
    assert_eq!(source(&doc, "sidecar")["origin"], "name-table");
}

/// Linkerd proxies TCP only: the app's answer is kube-dns's, and the missing DNS proxy is said
/// plainly, never counted as an unreachable layer.
#[test]
fn a_linkerd_pod_has_no_dns_proxy_and_gets_kube_dns_answer() {
    for name in ["reviews", "reviews.bookinfo.svc.cluster.local."] {
        let mut args = vec![name];
        args.extend(["--from", "pod/productpage-v1-7d9", "-n", "bookinfo"]);
        let doc = scenario_with("linkerd-healthy.json", &args, "consistent", 0, &[]);
        assert_eq!(doc["app_source"], "kube-dns", "{name}");
        let sidecar = source(&doc, "sidecar");
        assert_eq!(sidecar["status"], "not-applicable", "{name}");
        assert!(
            sidecar["note"]
                .as_str()
                .unwrap()
                .starts_with("no DNS proxy in this mesh"),
            "{sidecar}"
        );
        assert!(
            doc["from"]["proxy"]
                .as_str()
                .unwrap()
                .starts_with("linkerd proxy")
        );
        assert_eq!(records(&doc, "kube-dns"), ["A 10.96.12.34"], "{name}");
    }
}

#[test]
fn bookinfo_healthy_from_a_deployment_is_the_same() {
    let doc = scenario_with(
        "bookinfo-healthy.json",
        &[
            "reviews",
            "--from",
            "deploy/productpage-v1",
            "-n",
            "bookinfo",
        ],
        "consistent",
        0,
        &[],
    );
    assert_eq!(doc["from"]["pod"], "productpage-v1-7d9");
    assert_eq!(records(&doc, "sidecar"), ["A 10.96.12.34"]);
}

// See: https://github.com/istio/istio/issues/39080
#[test]
fn r39080_serviceentry_auto_vip() {
    let doc = scenario(
        "serviceentry-auto-vip.json",
        "explained",
        0,
        &["auto-allocated-vip", "mesh-ttl"],
    );
    assert_eq!(doc["query"]["name"], "api.payments.example.com.");
    assert_eq!(records(&doc, "sidecar"), ["A 240.240.12.7"]);
    assert_eq!(records(&doc, "kube-dns"), ["A 203.0.113.25"]);
    let vip = finding(&doc, "auto-allocated-vip");
    assert_eq!(
        vip["severity"], "warning",
        "the name resolves elsewhere too"
    );
    assert!(
        vip["summary"].as_str().unwrap().contains("9444"),
        "names the routed port: {vip}"
    );
    let se = evidence(vip, "ServiceEntry", "payments-api");
    assert_eq!(se["field"], "status.addresses");
    assert!(se["value"].as_str().unwrap().contains("240.240.12.7"));
    assert_eq!(finding(&doc, "mesh-ttl")["severity"], "info");
}

// See: https://github.com/istio/istio/issues/37502
#[test]
fn r37502_serviceentry_no_address() {
    let doc = scenario(
        "serviceentry-no-address.json",
        "explained",
        0,
        &["serviceentry-unresolvable"],
    );
    assert_eq!(source(&doc, "sidecar")["rcode"], "NXDOMAIN");
    assert_eq!(source(&doc, "sidecar")["origin"], "forwarded");
    assert_eq!(source(&doc, "control-plane")["status"], "not-applicable");
    let unresolvable = finding(&doc, "serviceentry-unresolvable");
    assert_eq!(unresolvable["severity"], "warning");
    assert!(
        unresolvable["summary"]
            .as_str()
            .unwrap()
            .contains("auto-allocation is off")
    );
    let se = evidence(unresolvable, "ServiceEntry", "corp-ledger");
    assert_eq!(se["namespace"], "finance");
    assert_eq!(se["value"], "DNS");
}

// See: https://github.com/istio/istio/issues/49769
#[test]
fn r49769_headless_stale_after_rollout() {
    let doc = scenario(
        "headless-stale-after-rollout.json",
        "discrepancy",
        1,
        &["headless-endpoints", "stale-control-plane"],
    );
    let stale = finding(&doc, "stale-control-plane");
    assert_eq!(stale["severity"], "error");
    let table = evidence(stale, "NameTable", "checkout-6f7d9c8b4-x2k4q.shop");
    assert_eq!(
        table["value"], "10.244.2.15, 10.244.1.52",
        "the old pod IPs"
    );
    let slice = evidence(stale, "EndpointSlice", "inventory-grpc-9hq2w");
    assert_eq!(
        slice["value"], "10.244.2.41, 10.244.3.17",
        "the new pod IPs"
    );
    let mut sidecar = records(&doc, "sidecar");
    sidecar.sort();
    assert_eq!(sidecar, ["A 10.244.1.52", "A 10.244.2.15"]);
    assert_eq!(finding(&doc, "headless-endpoints")["severity"], "info");
}

// See: https://github.com/istio/istio/issues/35421
#[test]
fn r35421_kubernetes_default_cname() {
    let doc = scenario(
        "kubernetes-default-cname.json",
        "explained",
        0,
        &["search-domain-cname", "search-walk-divergence"],
    );
    // The walk: through the sidecar the app stops at the first candidate (CNAME shortcut); kube-dns
    // alone would answer at the second, kubernetes.default.svc.cluster.local.
    let layers = doc["resolution"]["layers"].as_array().unwrap();
    let end_of = |layer: &str| {
        let walk = layers.iter().find(|l| l["source"] == layer).unwrap();
        (walk["answered_by"].clone(), walk["queries"].clone())
    };
    assert_eq!(
        end_of("sidecar"),
        (
            json!("kubernetes.default.bookinfo.svc.cluster.local."),
            json!(1)
        )
    );
    assert_eq!(
        end_of("kube-dns"),
        (json!("kubernetes.default.svc.cluster.local."), json!(2))
    );
    assert_eq!(
        doc["query"]["name"],
        "kubernetes.default.bookinfo.svc.cluster.local."
    );
    assert_eq!(source(&doc, "kube-dns")["rcode"], "NXDOMAIN");
    assert_eq!(
        records(&doc, "sidecar"),
        ["CNAME kubernetes.default.", "A 10.96.0.1"]
    );
    let cname = finding(&doc, "search-domain-cname");
    assert_eq!(cname["severity"], "info");
    assert_eq!(
        evidence(cname, "Service", "kubernetes")["namespace"],
        "default"
    );
    assert_eq!(
        evidence(cname, "Pod", "productpage-v1-7d9")["value"],
        "bookinfo.svc.cluster.local"
    );
}

// See: https://github.com/istio/istio/issues/31250
#[test]
fn r31250_aaaa_nodata() {
    // No mesh-only-name: the agent's answer carries no address, by design.
    let doc = scenario("aaaa-nodata.json", "explained", 0, &["nodata-vs-nxdomain"]);
    assert_eq!(doc["query"]["type"], "AAAA");
    let sidecar = source(&doc, "sidecar");
    assert_eq!(sidecar["rcode"], "NOERROR");
    assert_eq!(sidecar["authoritative"], true);
    assert!(records(&doc, "sidecar").is_empty(), "NODATA");
    assert_eq!(source(&doc, "kube-dns")["rcode"], "NXDOMAIN");
    let nodata = finding(&doc, "nodata-vs-nxdomain");
    assert_eq!(nodata["severity"], "info");
    assert_eq!(
        evidence(nodata, "ServiceEntry", "internal-billing")["value"],
        "10.20.30.40"
    );
}

#[test]
fn dns_capture_off() {
    let doc = scenario("dns-capture-off.json", "explained", 0, &["dns-capture-off"]);
    assert!(
        doc["from"]["proxy"]
            .as_str()
            .unwrap()
            .contains("DNS capture off")
    );
    assert_eq!(source(&doc, "sidecar")["status"], "not-applicable");
    assert_eq!(source(&doc, "kube-dns")["rcode"], "NXDOMAIN");
    let off = finding(&doc, "dns-capture-off");
    assert_eq!(
        off["severity"], "warning",
        "the mesh would resolve what kube-dns does not"
    );
    assert!(
        off["summary"].as_str().unwrap().contains("240.240.3.9"),
        "names the VIP: {off}"
    );
    assert_eq!(
        evidence(off, "Pod", "orders-api-6b8d7c9f4-q7wzn")["namespace"],
        "shop"
    );
}

#[test]
fn sidecar_scoped_out() {
    let doc = scenario("sidecar-scoped-out.json", "consistent", 0, &["scoped-out"]);
    assert_eq!(records(&doc, "sidecar"), ["A 10.96.44.12"]);
    assert_eq!(source(&doc, "sidecar")["origin"], "forwarded");
    assert_eq!(source(&doc, "control-plane")["status"], "not-applicable");
    let scoped = finding(&doc, "scoped-out");
    assert_eq!(scoped["severity"], "info");
    let sidecar = evidence(scoped, "Sidecar", "default");
    assert_eq!(sidecar["namespace"], "frontend");
    assert_eq!(sidecar["value"], "./*, istio-system/*");
}

#[test]
fn stale_sidecar() {
    let doc = scenario("stale-sidecar.json", "discrepancy", 1, &["stale-sidecar"]);
    assert_eq!(records(&doc, "sidecar"), ["A 10.96.5.17"]);
    assert_eq!(records(&doc, "control-plane"), ["A 10.96.23.99"]);
    let stale = finding(&doc, "stale-sidecar");
    assert_eq!(stale["severity"], "error");
    assert_eq!(
        evidence(stale, "NameTable", "productpage-v1-7d9.bookinfo")["value"],
        "10.96.23.99"
    );
}

#[test]
fn stale_dns_cache() {
    let doc = scenario(
        "stale-dns-cache.json",
        "discrepancy",
        1,
        &["headless-endpoints", "stale-dns-cache"],
    );
    assert_eq!(doc["from"]["proxy"], "no mesh proxy");
    let kube = source(&doc, "kube-dns");
    assert_eq!(kube["origin"], "cache");
    assert_eq!(kube["records"][0]["ttl_s"], 12);
    let stale = finding(&doc, "stale-dns-cache");
    assert_eq!(stale["severity"], "error");
    assert_eq!(evidence(stale, "ConfigMap", "coredns")["value"], "cache 30");
    assert_eq!(
        evidence(stale, "EndpointSlice", "postgres-replicas-t8d4k")["value"],
        "10.244.3.88"
    );
}

// See: https://github.com/istio/istio/issues/29639
#[test]
fn r29639_not_synced() {
    // Through the unsynced agent glibc walks every candidate (SERVFAIL moves on); kube-dns answers at
    // the first.
    let doc = scenario(
        "not-synced.json",
        "discrepancy",
        1,
        &[
            "ndots-amplification",
            "not-synced",
            "search-walk-divergence",
        ],
    );
    assert_eq!(source(&doc, "sidecar")["rcode"], "SERVFAIL");
    assert_eq!(records(&doc, "kube-dns"), ["A 10.96.40.77"]);
    let synced = finding(&doc, "not-synced");
    assert_eq!(synced["severity"], "error");
    let pod = evidence(synced, "Pod", "orders-api-6b8d7c9f4-q7wzn");
    assert_eq!(pod["field"], "agent /debug/ndsz");
    assert!(pod["value"].as_str().unwrap().starts_with("404"));
}

#[test]
fn istiod_forbidden() {
    let doc = scenario(
        "istiod-forbidden.json",
        "incomplete",
        3,
        &["source-unreachable"],
    );
    let control_plane = source(&doc, "control-plane");
    assert_eq!(control_plane["status"], "error");
    assert!(
        control_plane["error"]
            .as_str()
            .unwrap()
            .contains("403 Forbidden")
    );
    let unreachable = finding(&doc, "source-unreachable");
    assert_eq!(unreachable["severity"], "warning");
    assert_eq!(
        evidence(unreachable, "Answer", "control-plane")["field"],
        "error"
    );
    assert_eq!(records(&doc, "sidecar"), ["A 10.96.12.34"]);
}

// See: https://github.com/istio/istio/issues/33070
#[test]
fn r33070_multicluster_headless() {
    let doc = scenario(
        "multicluster-headless.json",
        "explained",
        0,
        &["headless-endpoints", "multicluster-endpoints"],
    );
    assert_eq!(records(&doc, "kube-dns").len(), 2);
    assert_eq!(records(&doc, "sidecar").len(), 5);
    let multi = finding(&doc, "multicluster-endpoints");
    assert_eq!(multi["severity"], "info");
    assert!(multi["summary"].as_str().unwrap().contains("secondary"));
    assert_eq!(
        evidence(multi, "EndpointSlice", "recommendation-q9z2c")["value"],
        "10.245.1.12, 10.245.2.19, 10.245.3.8"
    );
}

#[test]
fn externalname() {
    // kube-dns and the sidecar agree exactly; the spec predicts the in-zone CNAME they both carry and
    // cannot predict the upstream A record of db.example.com, so nothing differs that needs explaining.
    let doc = scenario(
        "externalname.json",
        "consistent",
        0,
        &["externalname-cname"],
    );
    assert_eq!(
        records(&doc, "sidecar"),
        ["CNAME db.example.com.", "A 192.0.2.80"]
    );
    assert_eq!(source(&doc, "sidecar")["origin"], "forwarded");
    let cname = finding(&doc, "externalname-cname");
    assert_eq!(cname["severity"], "info");
    let service = evidence(cname, "Service", "legacy-db");
    assert_eq!(service["field"], "spec.externalName");
    assert_eq!(service["value"], "db.example.com");
}

#[test]
fn every_fixture_renders_a_table_with_a_verdict() {
    let mut files: Vec<String> = std::fs::read_dir(fixture(""))
        .expect("fixtures/ is readable")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for file in &files {
        let path = fixture(file);
        let args = args_of(file);
        let mut all = vec!["diff"];
        all.extend(args.iter().map(String::as_str));
        all.extend_from_slice(&["--snapshot", path.to_str().unwrap()]);
        let out = run(&all);
        assert!(out.stderr.is_empty(), "{file}: stderr: {}", out.stderr);
        assert!([0, 1, 3].contains(&out.code), "{file}: exit {}", out.code);
        assert!(out.stdout.contains("verdict:"), "{file}: {}", out.stdout);
        let description = std::fs::read_to_string(&path).unwrap();
        let doc: Value = serde_json::from_str(&description).unwrap();
        assert!(
            doc["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{file} has a description"
        );
    }
}

#[test]
fn reverse_lookup_of_a_cluster_ip() {
    let doc = scenario("reverse-lookup.json", "consistent", 0, &[]);
    assert_eq!(doc["query"]["name"], "34.12.96.10.in-addr.arpa.");
    assert_eq!(doc["query"]["type"], "PTR");
    assert_eq!(doc["query"]["derivation"], "reverse lookup of 10.96.12.34");
    assert_eq!(
        source(&doc, "expected")["records"][0]["data"],
        "reviews.bookinfo.svc.cluster.local."
    );
    assert_eq!(
        source(&doc, "control-plane")["status"],
        "not-applicable",
        "the agent forwards PTR"
    );
}

#[test]
fn dual_stack_aaaa_agrees_across_layers() {
    let doc = scenario("dual-stack.json", "consistent", 0, &[]);
    for layer in ["kube-dns", "sidecar", "control-plane", "expected"] {
        assert_eq!(
            source(&doc, layer)["records"][0]["data"],
            "fd00:10:96::1234",
            "{layer}"
        );
    }
}

// See: https://github.com/coredns/coredns/issues/2133
#[test]
fn r2133_ndots_amplification_of_an_external_name() {
    let doc = scenario(
        "ndots-amplification.json",
        "consistent",
        0,
        &["ndots-amplification"],
    );
    let walk = &doc["resolution"];
    assert_eq!(walk["libc"], "glibc");
    assert_eq!(walk["ndots"], 5);
    let layer = &walk["layers"][0];
    assert_eq!(layer["source"], "kube-dns");
    assert_eq!(layer["queries"], 4);
    assert_eq!(layer["answered_by"], "api.github.example.");
    assert_eq!(layer["steps"].as_array().unwrap().len(), 4);
    let finding = &doc["findings"][0];
    assert!(
        finding["summary"]
            .as_str()
            .unwrap()
            .contains("sends 4 queries, 3 of them before"),
        "{finding}"
    );
}

#[test]
fn af_unspec_walks_send_a_and_aaaa_for_every_candidate() {
    let args = args_of("ndots-amplification.json");
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend_from_slice(&["--family", "unspec"]);
    let doc = scenario_with(
        "ndots-amplification.json",
        &args,
        "consistent",
        0,
        &["ndots-amplification"],
    );
    let layer = &doc["resolution"]["layers"][0];
    assert_eq!(layer["queries"], 8, "A and AAAA for each of four names");
    assert_eq!(layer["answered_by"], "api.github.example.");
    assert_eq!(layer["missing"].as_array().unwrap().len(), 0);
    let last = &layer["steps"][3]["answers"];
    assert_eq!(last[1]["type"], "AAAA");
    assert_eq!(last[1]["answer"], "NODATA");
}

#[test]
fn ambient_healthy_is_consistent_through_ztunnel() {
    let doc = scenario("ambient-healthy.json", "consistent", 0, &[]);
    for name in ["kube-dns", "sidecar", "control-plane", "expected"] {
        assert_eq!(records(&doc, name), ["A 10.96.12.34"], "{name}");
    }
    assert_eq!(source(&doc, "sidecar")["origin"], "name-table");
    let proxy = doc["from"]["proxy"].as_str().unwrap();
    assert!(proxy.contains("ztunnel on node node-a"), "{proxy}");
}

#[test]
fn ambient_stripped_cname_istio_57276() {
    let doc = scenario(
        "ambient-stripped-cname.json",
        "explained",
        0,
        &["search-walk-divergence", "ztunnel-stripped-cname"],
    );
    // ztunnel answers the first candidate with the search domain stripped, and says so relatively.
    assert_eq!(
        doc["query"]["name"],
        "kubernetes.default.svc.bookinfo.svc.cluster.local."
    );
    assert_eq!(
        records(&doc, "sidecar"),
        ["CNAME kubernetes.default.svc.", "A 10.96.0.1"]
    );
    assert_eq!(records(&doc, "control-plane"), records(&doc, "sidecar"));
    let stripped = finding(&doc, "ztunnel-stripped-cname");
    assert_eq!(stripped["severity"], "warning");
    evidence(
        stripped,
        "ZtunnelConfigDump",
        "kubernetes.default.svc.cluster.local",
    );
}

#[test]
fn ambient_dns_capture_off_istio_54896() {
    let doc = scenario(
        "ambient-dns-capture-off.json",
        "explained",
        0,
        &["ambient-dns-capture-off", "waypoint-without-vip"],
    );
    assert_eq!(records(&doc, "kube-dns"), ["A 203.0.113.10"]);
    let off = finding(&doc, "ambient-dns-capture-off");
    assert!(
        off["summary"].as_str().unwrap().contains("240.240.0.1"),
        "{off:#}"
    );
    evidence(off, "Mesh", "istio");
    let skipped = finding(&doc, "waypoint-without-vip");
    evidence(skipped, "ServiceEntry", "payments-api");
}
