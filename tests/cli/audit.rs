//! `meshdig audit`: on every shipped fixture, the audit of the fixture's workload finds exactly the
//! problem planted there, and nothing else.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{diff_json, fixture, questions, run};

/// The value after `flag` in `args`.
fn flag<'a>(args: &'a [String], flag: &str) -> &'a str {
    let at = args
        .iter()
        .position(|a| a == flag)
        .unwrap_or_else(|| panic!("{flag} in {args:?}"));
    &args[at + 1]
}

#[test]
fn audit_finds_every_planted_problem_and_nothing_else() {
    let mut planted = 0;
    for (file, args) in questions() {
        let (from, namespace) = (flag(&args, "--from"), flag(&args, "-n"));
        // What the fixture plants: its own question, when the audit's A look-up covers it.
        let borrowed: Vec<&str> = args.iter().map(String::as_str).collect();
        let (diff, _) = diff_json(&file, &borrowed);
        // The audit asks every name fully qualified, so the walk's own findings do not arise.
        let walk_codes = [
            "ndots-amplification",
            "search-domain-cname",
            "search-walk-divergence",
            "ztunnel-stripped-cname",
        ];
        let needs_attention = ["discrepancy", "incomplete"]
            .contains(&diff["verdict"].as_str().unwrap())
            || diff["findings"].as_array().unwrap().iter().any(|f| {
                f["severity"] != "info" && !walk_codes.contains(&f["code"].as_str().unwrap())
            });
        let mut expected = BTreeSet::new();
        if needs_attention && diff["query"]["type"] == "A" {
            expected.insert(diff["query"]["name"].as_str().unwrap().to_string());
        }
        let snapshot = fixture(&file);
        let out = run(&[
            "audit",
            "-A",
            "--from",
            from,
            "-n",
            namespace,
            "--snapshot",
            snapshot.to_str().unwrap(),
            "-o",
            "json",
        ]);
        let audit: Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{file}: {e}: {}", out.stdout));
        let found: BTreeSet<String> = audit["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(found, expected, "{file}: {audit:#}");
        assert_eq!(audit["exit_code"], out.code, "{file}");
        if !expected.is_empty() {
            planted += 1;
            let codes: Vec<&str> = audit["by_code"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["code"].as_str().unwrap())
                .collect();
            for finding in diff["findings"].as_array().unwrap() {
                if walk_codes.contains(&finding["code"].as_str().unwrap()) {
                    continue;
                }
                assert!(
                    codes.contains(&finding["code"].as_str().unwrap()),
                    "{file}: {codes:?}"
                );
            }
        }
    }
    assert!(
        planted >= 7,
        "the fixtures plant problems the audit must find; found {planted}"
    );
}

#[test]
fn the_text_report_groups_findings_by_code() {
    let snapshot = fixture("headless-stale-after-rollout.json");
    let out = run(&[
        "audit",
        "-n",
        "shop",
        "--from",
        "pod/checkout-6f7d9c8b4-x2k4q",
        "--snapshot",
        snapshot.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("1 name diffed: 0 consistent, 0 explained, 1 discrepancy"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("stale-control-plane"), "{}", out.stdout);
    assert!(
        out.stdout.contains("Names that need attention"),
        "{}",
        out.stdout
    );
}

/// Runs `meshdig audit` under a terminal (util-linux `script`), as a user would, and presses
/// Ctrl-C once the progress bar shows that names are being diffed.
#[test]
fn ctrl_c_during_the_diffs_prints_the_partial_report() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("cluster.json");
    let generated = std::process::Command::new("python3")
        .arg(crate::support::repo().join("benches/gen_snapshot.py"))
        .args(["--services", "6000", "-o"])
        .arg(&snapshot)
        .output()
        .unwrap();
    assert!(generated.status.success(), "{generated:?}");
    // The generator's summary ends with `names=N answers=M`.
    let summary = String::from_utf8_lossy(&generated.stderr);
    let names: u64 = summary
        .split_whitespace()
        .find_map(|field| field.strip_prefix("names="))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no name count in {summary}"));
    let report = dir.path().join("report.json");
    let command = format!(
        "'{}' audit -A --from pod/checkout-6f7d9c8b4-x2k4q -n ns-0000 --snapshot '{}' -o json > '{}'",
        assert_cmd::cargo::cargo_bin("meshdig").display(),
        snapshot.display(),
        report.display()
    );
    let mut terminal = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut screen = Vec::new();
    let mut output = terminal.stdout.take().unwrap();
    while !String::from_utf8_lossy(&screen).contains(" names") {
        let mut chunk = [0u8; 4096];
        let n = std::io::Read::read(&mut output, &mut chunk).unwrap();
        assert!(n > 0, "meshdig ended before showing progress: {screen:?}");
        screen.extend_from_slice(&chunk[..n]);
    }
    let mut keyboard = terminal.stdin.take().unwrap();
    std::io::Write::write_all(&mut keyboard, b"\x03").unwrap();
    std::io::Read::read_to_end(&mut output, &mut screen).unwrap();
    let status = terminal.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&screen)
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(report["interrupted"], true, "{report:#}");
    let diffed = report["totals"]["names"].as_u64().unwrap();
    assert!(
        diffed > 0 && diffed < names,
        "some but not all of the {names} names are in the partial report: {diffed}"
    );
}

/// The audit of a fixture's workload as JSON, with `extra` flags.
fn audit_json(file: &str, args: &[String], extra: &[&str]) -> (Value, i32) {
    let snapshot = fixture(file);
    let mut argv = vec![
        "audit",
        "-A",
        "--from",
        flag(args, "--from"),
        "-n",
        flag(args, "-n"),
        "--snapshot",
        snapshot.to_str().unwrap(),
        "-o",
        "json",
    ];
    argv.extend_from_slice(extra);
    let out = run(&argv);
    let doc = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{file}: {e}: {}{}", out.stdout, out.stderr));
    (doc, out.code)
}

/// The codes of an audit's problems, without those the search walk itself causes.
fn problem_causes(audit: &Value) -> BTreeSet<String> {
    let walk_codes = [
        "ndots-amplification",
        "search-domain-cname",
        "search-walk-divergence",
    ];
    audit["problems"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["codes"].as_array().unwrap().iter())
        .map(|c| c.as_str().unwrap().to_string())
        .filter(|c| !walk_codes.contains(&c.as_str()))
        .collect()
}

#[test]
fn names_as_typed_find_the_same_problems_under_glibc_and_musl() {
    for (file, args) in questions() {
        let (fqdn, code) = audit_json(&file, &args, &[]);
        for libc in ["glibc", "musl"] {
            let (typed, typed_code) = audit_json(&file, &args, &["--as-typed", "--libc", libc]);
            assert_eq!(typed_code, code, "{file} ({libc}): {typed:#}");
            assert_eq!(
                problem_causes(&typed),
                problem_causes(&fqdn),
                "{file} ({libc})"
            );
            for problem in typed["problems"].as_array().unwrap() {
                let name = problem["name"].as_str().unwrap();
                assert!(!name.ends_with('.'), "{file}: {name} is asked as typed");
            }
        }
    }
}

#[test]
fn a_walk_without_names_as_typed_is_a_usage_error() {
    let snapshot = fixture("stale-sidecar.json");
    let out = run(&[
        "audit",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--libc",
        "musl",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("add --as-typed"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1);
}

#[test]
fn an_audit_that_diffs_nothing_does_not_pass() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("bookinfo-healthy.json")).unwrap())
            .unwrap();
    doc["answers"] = Value::Array(Vec::new());
    let path = dir.path().join("no-answers.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let args = [
        "audit",
        "-A",
        "--from",
        "pod/productpage-v1-7d9",
        "-n",
        "bookinfo",
        "--snapshot",
        path.to_str().unwrap(),
    ];
    let text = run(&args);
    assert_eq!(text.code, 3, "{}", text.stdout);
    assert!(text.stdout.starts_with("0 names diffed"), "{}", text.stdout);
    assert!(
        text.stdout
            .contains("Not recorded, not diffed: productpage.bookinfo.svc.cluster.local."),
        "{}",
        text.stdout
    );
    let mut json_args = args.to_vec();
    json_args.extend(["-o", "json"]);
    let out = run(&json_args);
    let audit: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(audit["exit_code"], 3);
    assert_eq!(
        audit["not_recorded"].as_array().unwrap().len(),
        2,
        "{audit:#}"
    );
}
