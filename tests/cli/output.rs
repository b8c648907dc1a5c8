//! One output convention: `-o table|wide|json|yaml` (any case) on every command, `-o` never a file,
//! `-` for standard input or output wherever a file is read or written, and `diff` over several
//! names and types with one section each and the worst exit code.

use serde_json::Value;

use crate::support::{fixture, meshdig, run};
use crate::usage::assert_usage_error;

const HEALTHY: &str = "bookinfo-healthy.json";
const FROM: [&str; 4] = ["--from", "pod/productpage-v1-7d9", "-n", "bookinfo"];

/// The offline invocations of every command that prints a report, on the healthy fixture.
fn every_command() -> Vec<Vec<String>> {
    let snapshot = fixture(HEALTHY).display().to_string();
    let checks = fixture("checks/bookinfo.yaml").display().to_string();
    let with = |words: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = words.iter().map(ToString::to_string).collect();
        all.extend(["--snapshot".to_string(), snapshot.clone()]);
        all
    };
    vec![
        with(&["diff", "reviews", FROM[0], FROM[1], FROM[2], FROM[3]]),
        with(&["check", "-f", &checks]),
        with(&["audit", "-A", FROM[0], FROM[1], FROM[2], FROM[3]]),
        with(&["resolvconf", FROM[0], FROM[1], FROM[2], FROM[3]]),
    ]
}

/// Runs `args` with `stdin` on standard input.
fn run_with_stdin(args: &[&str], stdin: &[u8]) -> crate::support::Run {
    let output = meshdig().args(args).write_stdin(stdin).output().unwrap();
    crate::support::Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn every_command_prints_table_wide_json_and_yaml_in_any_case() {
    for command in every_command() {
        let with = |format: &str| {
            let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
            args.extend(["-o", format]);
            run(&args)
        };
        let json = with("json");
        assert!(json.stderr.is_empty(), "{command:?}: {}", json.stderr);
        let document: Value = serde_json::from_str(&json.stdout).unwrap();
        let yaml = with("YAML");
        let from_yaml: Value = serde_yaml_ng::from_str(&yaml.stdout).unwrap();
        assert_eq!(
            from_yaml, document,
            "{command:?}: YAML holds the JSON's fields"
        );
        assert_eq!(yaml.code, json.code, "{command:?}");
        for format in ["table", "Wide", "TABLE", "text"] {
            let shown = with(format);
            assert_eq!(
                shown.code, json.code,
                "{command:?} -o {format}: {}",
                shown.stderr
            );
            assert!(shown.stdout.lines().count() > 1, "{command:?} -o {format}");
            assert!(serde_json::from_str::<Value>(&shown.stdout).is_err());
        }
    }
}

#[test]
fn snapshot_o_is_a_format_never_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = meshdig()
        .current_dir(dir.path())
        .args(["snapshot", "reviews", "-o", "json"])
        .output()
        .unwrap();
    let run = crate::support::Run {
        code: run.status.code().unwrap(),
        stdout: String::from_utf8(run.stdout).unwrap(),
        stderr: String::from_utf8(run.stderr).unwrap(),
    };
    assert_usage_error(
        &run,
        "a snapshot is always a JSON file: write it with --file FILE",
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file named json"
    );
}

#[test]
fn dash_reads_a_snapshot_and_a_check_file_from_standard_input() {
    let snapshot = std::fs::read(fixture(HEALTHY)).unwrap();
    let mut args = vec!["diff", "reviews"];
    args.extend(FROM);
    args.extend(["--snapshot", "-", "-o", "json"]);
    let piped = run_with_stdin(&args, &snapshot);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert_eq!(
        serde_json::from_str::<Value>(&piped.stdout).unwrap()["verdict"],
        "consistent"
    );

    let healthy = fixture(HEALTHY);
    let checks = std::fs::read(fixture("checks/bookinfo.yaml")).unwrap();
    let args = ["check", "-f", "-", "--snapshot", healthy.to_str().unwrap()];
    let checked = run_with_stdin(&args, &checks);
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(
        checked.stdout.contains("passed, 0 failed"),
        "{}",
        checked.stdout
    );

    let twice = run_with_stdin(&["check", "-f", "-", "--snapshot", "-"], b"");
    assert_usage_error(&twice, "-f, --snapshot all read standard input (-)");
}

#[test]
fn junit_dash_writes_the_xml_to_standard_output() {
    let checks = fixture("checks/bookinfo.yaml");
    let snapshot = fixture(HEALTHY);
    let run = run(&[
        "check",
        "-f",
        checks.to_str().unwrap(),
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--junit",
        "-",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("<?xml"), "{}", run.stdout);
    assert!(run.stdout.contains("<testsuite name=\"meshdig check\""));
}

#[test]
fn diff_takes_several_names_and_types_with_the_worst_exit_code() {
    let snapshot = fixture("stale-sidecar.json");
    let mut args = vec!["diff", "reviews", "details", "-t", "A", "-t", "AAAA"];
    args.extend(FROM);
    args.extend(["--snapshot", snapshot.to_str().unwrap()]);
    let table = run(&args);
    assert_eq!(table.code, 1, "details is stale: {}", table.stderr);
    let sections = table.stdout.matches("verdict: ").count();
    assert_eq!(
        sections, 4,
        "one section per name and type:\n{}",
        table.stdout
    );
    args.extend(["-o", "json"]);
    let json = run(&args);
    let document: Value = serde_json::from_str(&json.stdout).unwrap();
    let items = document["items"].as_array().unwrap();
    let asked: Vec<String> = items
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                i["query"]["input"].as_str().unwrap(),
                i["query"]["type"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        asked,
        ["reviews A", "reviews AAAA", "details A", "details AAAA"]
    );
    assert_eq!(document["exit_code"], 1);
    assert_eq!(json.code, 1);
}

#[test]
fn resolvconf_takes_no_flags_for_dns_layers() {
    let snapshot = fixture(HEALTHY);
    for flag in ["--timeout", "--qps", "--kube-dns", "--concurrency"] {
        let run = run(&[
            "resolvconf",
            FROM[0],
            FROM[1],
            "--snapshot",
            snapshot.to_str().unwrap(),
            flag,
            "1",
        ]);
        assert_usage_error(&run, &format!("unexpected argument '{flag}'"));
    }
    let help = run(&["resolvconf", "--help"]).stdout;
    assert!(
        help.contains("--kubeconfig") && !help.contains("--timeout"),
        "{help}"
    );
}
