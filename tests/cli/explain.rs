//! Actionable findings: `meshdig explain CODE` prints each code's documentation offline, every
//! finding carries what to do and its reference, and the JSON says who intercepts DNS.

use serde_json::Value;

use crate::support::{diff_json, run};
use crate::usage::assert_usage_error;

#[test]
fn explain_prints_every_declared_codes_section() {
    for code in meshdig::mesh::declared_codes() {
        let shown = run(&["explain", code.as_str()]);
        assert_eq!(shown.code, 0, "{code}: {}", shown.stderr);
        assert!(
            shown.stdout.starts_with(&format!("## {code}\n")),
            "{}",
            shown.stdout
        );
        assert!(shown.stdout.contains("What to do."), "{code}");
        assert!(
            !shown.stdout.contains("**") && !shown.stdout.contains("](#"),
            "{code}"
        );
    }
    let listed = run(&["explain"]);
    assert_eq!(listed.code, 0);
    assert_eq!(
        listed.stdout.lines().count(),
        meshdig::mesh::declared_codes().len()
    );
    assert_usage_error(
        &run(&["explain", "no-such-code"]),
        "unknown finding code 'no-such-code'",
    );
}

#[test]
fn findings_carry_what_to_do_and_the_reference_explain_gives() {
    let (doc, _) = diff_json(
        "stale-sidecar.json",
        &[
            "details",
            "--from",
            "pod/productpage-v1-7d9",
            "-n",
            "bookinfo",
        ],
    );
    let finding = &doc["findings"][0];
    assert_eq!(finding["code"], "stale-sidecar");
    let explained: Value =
        serde_json::from_str(&run(&["explain", "stale-sidecar", "-o", "json"]).stdout).unwrap();
    assert_eq!(finding["what_to_do"], explained["what_to_do"]);
    assert_eq!(finding["reference"], explained["reference"]);
    assert!(
        finding["what_to_do"]
            .as_str()
            .unwrap()
            .starts_with("Check that the proxy is connected and in sync."),
        "{finding}"
    );
    assert_eq!(
        doc["summary"],
        "the app gets 10.96.5.17 through sidecar: a fault (stale-sidecar)"
    );
}

#[test]
fn json_says_which_layer_intercepts_dns_and_names_the_mesh() {
    let intercepts = |doc: &Value| -> Vec<String> {
        doc["sources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["intercepts_dns"] == true)
            .map(|s| s["source"].as_str().unwrap().to_string())
            .collect()
    };
    let (captured, _) = diff_json(
        "bookinfo-healthy.json",
        &[
            "reviews",
            "--from",
            "pod/productpage-v1-7d9",
            "-n",
            "bookinfo",
        ],
    );
    assert_eq!(captured["from"]["mesh"], "istio-sidecar");
    assert_eq!(captured["from"]["proxy_kind"], "sidecar");
    assert_eq!(captured["from"]["captures_dns"], true);
    assert_eq!(intercepts(&captured), ["sidecar"]);
    let (off, _) = diff_json(
        "dns-capture-off.json",
        &[
            "orders-db.corp.example.net.",
            "--from",
            "deploy/orders-api",
            "-n",
            "shop",
        ],
    );
    assert_eq!(off["from"]["captures_dns"], false);
    assert_eq!(off["from"]["mesh"], "istio-sidecar");
    assert!(intercepts(&off).is_empty(), "{off:#}");
    let (none, _) = diff_json(
        "stale-dns-cache.json",
        &[
            "postgres-replicas",
            "--from",
            "deploy/reporting",
            "-n",
            "data",
        ],
    );
    assert_eq!(none["from"]["mesh"], Value::Null);
    assert!(intercepts(&none).is_empty());
}
