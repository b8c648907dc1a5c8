//! A question a snapshot did not record is `not-recorded`: its own status and finding, how to
//! record it, never a pass; `meshdig snapshot show` lists what a snapshot does hold.

use serde_json::Value;

use crate::support::{assert_contract, codes, diff_json, fixture, run, source};

const FROM: [&str; 4] = ["--from", "pod/productpage-v1-7d9", "-n", "bookinfo"];

#[test]
fn an_unrecorded_question_is_not_recorded_and_says_how_to_record_it() {
    let mut args = vec!["reviews.bookinfo.svc.cluster.local.", "-t", "AAAA"];
    args.extend(FROM);
    let (doc, code) = diff_json("bookinfo-healthy.json", &args);
    assert_contract(&doc);
    assert_eq!((doc["verdict"].as_str(), code), (Some("incomplete"), 3));
    assert!(codes(&doc).contains(&"not-recorded".to_string()), "{doc:#}");
    assert!(!codes(&doc).contains(&"source-unreachable".to_string()));
    for layer in ["kube-dns", "sidecar"] {
        let result = source(&doc, layer);
        assert_eq!(result["status"], "not-recorded", "{result}");
        let note = result["note"].as_str().unwrap();
        assert!(
            note.contains("not recorded in the snapshot")
                && note.contains("meshdig snapshot reviews.bookinfo.svc.cluster.local. -t AAAA --from pod/productpage-v1-7d9 -n bookinfo -o FILE"),
            "{note}"
        );
    }
}

#[test]
fn a_check_never_passes_on_an_unrecorded_question() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checks.yaml");
    std::fs::write(
        &file,
        "version: 1\ndefaults: {from: pod/productpage-v1-7d9, namespace: bookinfo}\nexpectations:\n  - name: reviews.bookinfo.svc.cluster.local.\n    type: AAAA\n    resolves: false\n  - name: reviews.bookinfo.svc.cluster.local.\n    type: AAAA\n    max_severity: info\n",
    )
    .unwrap();
    let snapshot = fixture("bookinfo-healthy.json");
    let out = run(&[
        "check",
        "-f",
        file.to_str().unwrap(),
        "--snapshot",
        snapshot.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(out.code, 3, "{}", out.stdout);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    for result in doc["results"].as_array().unwrap() {
        assert_eq!(result["status"], "error", "{result:#}");
        let reasons = result["reasons"].to_string();
        assert!(reasons.contains("not recorded"), "{reasons}");
    }
}

#[test]
fn snapshot_show_lists_what_a_snapshot_holds() {
    let path = fixture("istiod-forbidden.json");
    let text = run(&["snapshot", "show", path.to_str().unwrap()]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    for line in [
        "cluster domain cluster.local; mesh istio 1.30.0",
        "objects: 2 Service, 1 EndpointSlice, 1 Pod, 1 ConfigMap, 0 ServiceEntry, 0 Sidecar",
        "  bookinfo/productpage-v1-7d9: sidecar, DNS capture on, istiod's name table not read: 403 Forbidden",
        "  reviews.bookinfo.svc.cluster.local. A: kube-dns NOERROR, 1 record; sidecar from bookinfo/productpage-v1-7d9 NOERROR, 1 record",
    ] {
        assert!(text.stdout.contains(line), "{line:?} in {}", text.stdout);
    }
    let json = run(&["snapshot", "show", path.to_str().unwrap(), "-o", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["proxies"][0]["name_table_hosts"], Value::Null);
    let question = &doc["questions"][0];
    assert_eq!(question["name"], "reviews.bookinfo.svc.cluster.local.");
    assert_eq!(question["answers"][0]["source"], "kube-dns");
    assert_eq!(
        question["answers"][1]["from"],
        "bookinfo/productpage-v1-7d9"
    );
    assert_eq!(question["answers"][1]["records"], 1);
    let healthy = run(&[
        "snapshot",
        "show",
        fixture("bookinfo-healthy.json").to_str().unwrap(),
        "-o",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&healthy.stdout).unwrap();
    assert_eq!(doc["proxies"][0]["name_table_hosts"], 2);
}

#[test]
fn snapshot_show_refuses_what_a_replay_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("v2.json");
    std::fs::write(&bad, r#"{"schema_version": 2, "cluster": {}}"#).unwrap();
    let out = run(&["snapshot", "show", bad.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("version 2 is not supported"),
        "{}",
        out.stderr
    );
    let out = run(&["snapshot", "show", "x.json", "-o", "xml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("snapshot show --help") || out.stderr.contains("snapshot --help"),
        "{}",
        out.stderr
    );
}
