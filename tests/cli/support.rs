//! Shared helpers: run the built binary, locate fixtures, decode its JSON.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A shipped fixture by file name.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("fixtures").join(name)
}

/// The built `meshdig` binary with colour forced off and a clean environment for colour decisions.
pub fn meshdig() -> Command {
    let mut cmd = Command::cargo_bin("meshdig").expect("the meshdig binary is built");
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS");
    cmd
}

/// The question each shipped fixture was captured for, from `fixtures/questions.tsv`.
pub fn questions() -> Vec<(String, Vec<String>)> {
    let table = std::fs::read_to_string(fixture("questions.tsv"))
        .expect("fixtures/questions.tsv is readable");
    table
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (file, args) = line.split_once('\t').expect("fixture<TAB>arguments");
            (
                file.to_string(),
                args.split_whitespace().map(str::to_string).collect(),
            )
        })
        .collect()
}

/// The outcome of one run: exit code, stdout and stderr.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `meshdig` with `args` and captures everything.
pub fn run(args: &[&str]) -> Run {
    let output = meshdig().args(args).output().expect("meshdig runs");
    Run {
        code: output
            .status
            .code()
            .expect("meshdig exits normally, not by a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs `meshdig diff … -o json` on a fixture and returns the parsed document and the exit code.
pub fn diff_json(fixture_name: &str, args: &[&str]) -> (Value, i32) {
    let path = fixture(fixture_name);
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    all.extend_from_slice(&[
        "--snapshot",
        path.to_str().expect("UTF-8 path"),
        "-o",
        "json",
    ]);
    let run = run(&all);
    assert!(run.stderr.is_empty(), "unexpected stderr: {}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", run.stdout));
    (doc, run.code)
}

/// The finding codes of a diff document, sorted.
pub fn codes(doc: &Value) -> Vec<String> {
    let mut codes: Vec<String> = doc["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .map(|f| f["code"].as_str().expect("code is a string").to_string())
        .collect();
    codes.sort();
    codes
}

/// Asserts the JSON contract of `docs/json.md` on one document.
pub fn assert_contract(doc: &Value) {
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(doc["meshdig_version"], env!("CARGO_PKG_VERSION"));
    assert!(
        doc["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("the app gets "))
    );
    assert!(doc["from"]["captures_dns"].is_boolean());
    assert!(doc["from"].get("mesh").is_some() && doc["from"].get("proxy_kind").is_some());
    assert!(
        doc["query"]["name"]
            .as_str()
            .is_some_and(|n| n.ends_with('.'))
    );
    assert!(doc["query"]["type"].is_string());
    assert!(doc["from"]["namespace"].is_string());
    assert!(doc["from"].get("pod").is_some());
    let sources = doc["sources"].as_array().expect("sources is an array");
    let names: Vec<&str> = sources
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kube-dns", "sidecar", "control-plane", "expected"]);
    for source in sources {
        let status = source["status"].as_str().expect("status is a string");
        assert!(
            ["answered", "error", "not-applicable", "not-recorded"].contains(&status),
            "{status}"
        );
        assert!(source["intercepts_dns"].is_boolean(), "{source}");
        for key in ["rcode", "records", "rtt_ms", "authoritative", "error"] {
            assert!(source.get(key).is_some(), "source lacks {key}: {source}");
        }
        for record in source["records"].as_array().unwrap() {
            assert!(
                record["name"].is_string()
                    && record["type"].is_string()
                    && record["data"].is_string()
            );
            assert!(record["ttl_s"].is_u64(), "ttl_s is an integer: {record}");
        }
        if status == "answered" {
            assert!(source["rcode"].is_string());
        }
        if status == "error" {
            assert!(source["error"].is_string());
        }
    }
    let verdicts = ["consistent", "explained", "discrepancy", "incomplete"];
    let verdict = doc["verdict"].as_str().expect("verdict is a string");
    assert!(verdicts.contains(&verdict));
    if let Some(resolution) = doc.get("resolution") {
        assert!(resolution["libc"].is_string() && resolution["ndots"].is_u64());
        for layer in resolution["layers"].as_array().expect("layers") {
            assert!(layer["source"].is_string() && layer["end"].is_string());
            assert!(layer["queries"].is_u64() && layer["steps"].is_array());
            assert!(layer.get("decisive").is_some() && layer.get("answer").is_some());
        }
        let candidates = resolution["candidates"].as_array().expect("candidates");
        assert!(
            candidates.iter().any(|c| c["name"] == doc["query"]["name"]),
            "the decisive candidate is one of the candidates: {doc}"
        );
        for candidate in candidates {
            assert!(candidate["reached"].is_boolean() && candidate["findings"].is_array());
            assert!(verdicts.contains(&candidate["verdict"].as_str().unwrap()));
        }
    }
    for finding in doc["findings"].as_array().expect("findings is an array") {
        assert!(finding["code"].is_string() && finding["summary"].is_string());
        let severity = finding["severity"].as_str().unwrap();
        assert!(["info", "warning", "error"].contains(&severity));
        assert!(finding["evidence"].is_array());
        let code = finding["code"].as_str().unwrap();
        assert_eq!(finding["reference"], format!("docs/findings.md#{code}"));
        assert!(finding["what_to_do"].is_string(), "{finding}");
    }
}

/// The result of one source (`kube-dns`, `sidecar`, `control-plane`, `expected`) in a diff document.
pub fn source<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["sources"]
        .as_array()
        .expect("sources is an array")
        .iter()
        .find(|s| s["source"] == name)
        .unwrap_or_else(|| panic!("no source {name}"))
}
