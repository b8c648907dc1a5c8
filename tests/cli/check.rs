//! `meshdig check`: a CI job written as docs/check.md says passes on a healthy fixture and fails with
//! exit 1 and a readable reason on each broken one; a bad check file exits 2 naming its line.

use serde_json::Value;

use crate::support::{Run, fixture, run};

/// `meshdig check -f fixtures/checks/CHECK --snapshot fixtures/SNAPSHOT` with `extra` flags.
fn check(check_file: &str, snapshot: &str, extra: &[&str]) -> Run {
    let file = fixture(&format!("checks/{check_file}"));
    let snapshot = fixture(snapshot);
    let mut args = vec![
        "check",
        "-f",
        file.to_str().unwrap(),
        "--snapshot",
        snapshot.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = run(&args);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// `meshdig check` on a check file holding `text`, against fixture `snapshot`, with `extra` flags.
fn check_text(text: &str, snapshot: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checks.yaml");
    std::fs::write(&file, text).unwrap();
    let snapshot = fixture(snapshot);
    let mut args = vec![
        "check",
        "-f",
        file.to_str().unwrap(),
        "--snapshot",
        snapshot.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The JSON document of a check run.
fn check_json(check_file: &str, snapshot: &str) -> (Value, i32) {
    let run = check(check_file, snapshot, &["-o", "json"]);
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout));
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["exit_code"], run.code);
    for result in doc["results"].as_array().unwrap() {
        assert!(["pass", "fail", "error"].contains(&result["status"].as_str().unwrap()));
        assert_eq!(
            result["diff"]["schema_version"], 2,
            "each result carries its diff"
        );
    }
    (doc, run.code)
}

#[test]
fn the_documented_ci_job_passes_on_a_healthy_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let run = check(
        "bookinfo.yaml",
        "bookinfo-healthy.json",
        &["--junit", junit.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("3 passed, 0 failed, 0 could not be checked"),
        "{}",
        run.stdout
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"meshdig check\" tests=\"3\""),
        "{xml}"
    );
    assert!(!xml.contains("<failure"), "{xml}");
    let (doc, code) = check_json("bookinfo.yaml", "bookinfo-healthy.json");
    assert_eq!(code, 0);
    assert_eq!(doc["summary"]["passed"], 3);
}

#[test]
fn each_broken_fixture_fails_with_a_readable_reason() {
    let cases = [
        (
            "inventory-grpc.yaml",
            "headless-stale-after-rollout.json",
            "finding stale-control-plane is present",
        ),
        (
            "ledger.json",
            "serviceentry-no-address.json",
            "expected sidecar to resolve ledger.corp.example.net. A",
        ),
        (
            "details.yaml",
            "stale-sidecar.json",
            "expected the layers to agree, but the verdict is discrepancy",
        ),
        (
            "orders-db.yaml",
            "not-synced.json",
            "expected rcode NOERROR from sidecar, got SERVFAIL",
        ),
    ];
    for (check_file, snapshot, reason) in cases {
        let run = check(check_file, snapshot, &[]);
        assert_eq!(run.code, 1, "{check_file} on {snapshot}: {}", run.stdout);
        assert!(run.stdout.contains("FAIL "), "{}", run.stdout);
        assert!(
            run.stdout.contains(reason),
            "{check_file}: {reason:?} not in\n{}",
            run.stdout
        );
        let (doc, code) = check_json(check_file, snapshot);
        assert_eq!(code, 1);
        let failed = doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["status"] == "fail")
            .unwrap();
        assert!(
            failed["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r.as_str().unwrap().contains(reason))
        );
    }
}

#[test]
fn junit_reports_failures_with_their_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let run = check(
        "details.yaml",
        "stale-sidecar.json",
        &["--junit", junit.to_str().unwrap()],
    );
    assert_eq!(run.code, 1);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<failure"), "{xml}");
    assert!(xml.contains("verdict is discrepancy"), "{xml}");
}

#[test]
fn an_unreachable_layer_is_an_error_not_a_failure() {
    // Every assertion over the layers: agreement, forbidden codes, the maximum severity (which the
    // unreachable layer's own warning must not trip).
    for assertion in [
        "layers_agree: true",
        "no_findings: [stale-sidecar]",
        "max_severity: info",
    ] {
        unreachable_case(assertion);
    }
}

fn unreachable_case(assertion: &str) {
    let text = format!(
        "version: 1\nexpectations:\n  - name: reviews\n    from: pod/productpage-v1-7d9\n    namespace: bookinfo\n    {assertion}\n"
    );
    let run = check_text(&text, "istiod-forbidden.json", &[]);
    assert_eq!(run.code, 3, "{assertion}: {}", run.stdout);
    assert!(
        run.stdout.contains("ERROR") && run.stdout.contains("control-plane could not be asked"),
        "{assertion}: {}",
        run.stdout
    );
}

#[test]
fn a_bad_check_file_names_its_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = fixture("bookinfo-healthy.json");
    let cases = [
        (
            "typo.yaml",
            "version: 1\nexpectations:\n  - name: reviews\n    resolvs: true\n",
            "typo.yaml:4 at expectations[0].resolvs: unknown field `resolvs`",
        ),
        (
            "name.yaml",
            "version: 1\nexpectations:\n  - name: a..b\n    resolves: true\n",
            "name.yaml:3 at expectations[0].name: invalid name 'a..b'",
        ),
        (
            "rcode.yaml",
            "version: 1\nexpectations:\n  - name: x\n    rcode: NXDOMIAN\n",
            "rcode.yaml:4 at expectations[0].rcode: unknown variant `NXDOMIAN`",
        ),
        (
            "negative.yaml",
            "version: 1\nexpectations:\n  - name: x\n    max_rtt_ms: -5\n",
            "at expectations[0].max_rtt_ms: -5 is not a positive number of milliseconds",
        ),
        (
            "nan.yaml",
            "version: 1\nexpectations:\n  - name: x\n    max_rtt_ms: .nan\n",
            "at expectations[0].max_rtt_ms: NaN is not a positive number of milliseconds",
        ),
        (
            "cidr.yaml",
            "version: 1\nexpectations:\n  - name: x\n    addresses_in: [10.0.0.0/33]\n",
            "cidr.yaml:4 at expectations[0].addresses_in[0]",
        ),
        (
            "empty.yaml",
            "version: 1\nexpectations:\n  - name: x\n",
            "asserts nothing",
        ),
        (
            "version.yaml",
            "version: 2\nexpectations: []\n",
            "version 2 is not supported",
        ),
        (
            "bad.json",
            "{\"version\": 1,\n \"expectations\": [{\"name\": \"x\", \"resolves\": \"yes\"}]}",
            "bad.json:2 at expectations[0].resolves",
        ),
    ];
    for (name, text, needle) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let run = run(&[
            "check",
            "-f",
            path.to_str().unwrap(),
            "--snapshot",
            snapshot.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(needle),
            "{name}: {needle:?} not in {}",
            run.stderr
        );
    }
}

#[test]
fn check_walks_names_as_the_chosen_libc_does() {
    for libc in ["glibc", "musl"] {
        let run = check(
            "details.yaml",
            "stale-sidecar.json",
            &["--libc", libc, "-o", "json"],
        );
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        let doc: Value = serde_json::from_str(&run.stdout).unwrap();
        let diff = &doc["results"][0]["diff"];
        assert_eq!(diff["query"]["input"], "details");
        assert_eq!(diff["resolution"]["libc"], libc, "{diff:#}");
        assert_eq!(doc["results"][0]["status"], "fail");
    }
}

#[test]
fn one_answering_layer_is_no_agreement() {
    let run = check_text(
        "version: 1\nexpectations:\n  - name: api.github.example.\n    namespace: bookinfo\n    layers_agree: true\n",
        "ndots-amplification.json",
        &["-o", "json"],
    );
    assert_eq!(run.code, 3, "{}", run.stdout);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let result = &doc["results"][0];
    assert_eq!(result["status"], "error");
    assert_eq!(
        result["reasons"][0],
        "only kube-dns answered, so there is no agreement to judge"
    );
    assert_eq!(
        result["diff"]["answered_layers"],
        serde_json::json!(["kube-dns"])
    );
}
