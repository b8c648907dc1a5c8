//! The command-line surface: bad input gives one clear line and exit 2, help and plugin naming, colour.

use crate::support::{fixture, meshdig, run};

const POD: &str = "pod/productpage-v1-7d9";

/// Runs `meshdig diff` against the healthy fixture with `args` in place of the name and flags.
pub fn diff_healthy(args: &[&str]) -> crate::support::Run {
    let snapshot = fixture("bookinfo-healthy.json");
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--snapshot", snapshot.to_str().unwrap()]);
    run(&all)
}

/// Asserts the documented failure shape: exit 2, nothing on stdout, one line on stderr containing `needle`.
pub fn assert_usage_error(run: &crate::support::Run, needle: &str) {
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert_eq!(
        run.stderr.lines().count(),
        1,
        "one line only: {:?}",
        run.stderr
    );
    assert!(run.stderr.starts_with("meshdig: "), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(
        run.stderr.contains(needle),
        "expected {needle:?} in {:?}",
        run.stderr
    );
}

/// A flag or argument error also points at the help of the command it belongs to.
pub fn assert_flag_error(run: &crate::support::Run, needle: &str) {
    assert_usage_error(run, needle);
    assert!(
        run.stderr.trim_end().ends_with("--help')"),
        "points at help: {}",
        run.stderr
    );
}

#[test]
fn live_flags_are_refused_next_to_a_snapshot() {
    assert_usage_error(
        &diff_healthy(&["reviews", "--context", "prod", "--kube-dns", "10.96.0.10"]),
        "--context, --kube-dns are for a live cluster and cannot be combined with --snapshot",
    );
}

#[test]
fn bare_meshdig_prints_one_line_naming_the_commands_and_exits_2() {
    let run = run(&[]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("meshdig: a command is needed: diff, ")
            && run.stderr.contains("(see 'meshdig --help')")
            && !run.stderr.contains("generate"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_workloads_name_the_namespace_and_the_pods_there() {
    let run = diff_healthy(&["reviews", "--from", "pod/nope", "-n", "bookinfo"]);
    assert_usage_error(
        &run,
        "no pod 'nope' in namespace 'bookinfo' (pods there: productpage-v1-7d9)",
    );
    let run = diff_healthy(&["reviews", "--from", "statefulset/x", "-n", "bookinfo"]);
    assert_usage_error(&run, "unsupported workload kind 'statefulset'");
}

#[test]
fn broken_snapshots_name_the_file_and_the_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let healthy = std::fs::read_to_string(fixture("bookinfo-healthy.json")).unwrap();
    let cases = [
        (
            write("truncated.json", &healthy[..healthy.len() / 2]),
            "not valid JSON",
        ),
        (
            write("v2.json", r#"{"schema_version": 2, "cluster": {}}"#),
            "at $.schema_version: version 2 is not supported",
        ),
        (
            write("noversion.json", r#"{"cluster": {}}"#),
            "missing field `schema_version`",
        ),
        (
            write(
                "domain.json",
                &healthy.replacen("\"domain\": \"cluster.local\"", "\"domain\": \"a..b\"", 1),
            ),
            "at $.cluster.domain: label 2 is empty",
        ),
        (
            write(
                "badtype.json",
                &healthy.replacen("\"ttl_s\": 30", "\"ttl_s\": \"thirty\"", 1),
            ),
            "at $.answers[0].records[0].ttl_s:",
        ),
        (
            write(
                "badobject.json",
                &healthy.replacen("\"clusterIP\": \"10.96.12.34\"", "\"clusterIP\": 7", 1),
            ),
            "at $.objects[1].spec.clusterIP:",
        ),
        (
            write(
                "typo.json",
                &healthy.replacen("\"answers\"", "\"answerz\"", 1),
            ),
            "unknown field `answerz`",
        ),
        (write("empty.json", ""), "not valid JSON"),
    ];
    for (path, needle) in &cases {
        let run = run(&["diff", "reviews", "--snapshot", path.to_str().unwrap()]);
        assert_usage_error(&run, needle);
        assert!(
            run.stderr
                .contains(path.file_name().unwrap().to_str().unwrap()),
            "{}",
            run.stderr
        );
    }
    let missing = dir.path().join("missing.json");
    let run = run(&["diff", "reviews", "--snapshot", missing.to_str().unwrap()]);
    assert_usage_error(&run, "cannot read snapshot");
}

#[test]
fn help_documents_exit_codes() {
    let run = run(&["diff", "--help"]);
    assert_eq!(run.code, 0);
    for line in [
        "Exit codes:",
        "  1    a discrepancy",
        "  3    a source could not be asked",
        "  130  interrupted",
    ] {
        assert!(run.stdout.contains(line), "{line:?} missing from help");
    }
}

#[test]
fn usage_says_kubectl_meshdig_when_run_as_a_kubectl_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("kubectl-meshdig");
    std::os::unix::fs::symlink(assert_cmd::cargo::cargo_bin("meshdig"), &plugin).unwrap();
    let output = std::process::Command::new(&plugin)
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        help.contains("Usage: kubectl meshdig [OPTIONS] <COMMAND>"),
        "{help}"
    );
    let output = std::process::Command::new(&plugin)
        .arg("--bogus")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("kubectl meshdig: "), "{stderr}");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let snapshot = fixture("bookinfo-healthy.json");
    let args = [
        "diff",
        "reviews",
        "--from",
        POD,
        "-n",
        "bookinfo",
        "--snapshot",
        snapshot.to_str().unwrap(),
    ];
    let plain = meshdig().args(args).output().unwrap();
    assert!(
        !String::from_utf8(plain.stdout).unwrap().contains('\u{1b}'),
        "no colour when not a terminal"
    );
    let forced = meshdig()
        .args(args)
        .args(["--color", "always"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(forced.stdout).unwrap().contains('\u{1b}'),
        "colour when forced"
    );
    let never = meshdig()
        .args(args)
        .args(["--color", "never"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8(never.stdout).unwrap().contains('\u{1b}'));
    let no_color = meshdig().args(args).env("NO_COLOR", "1").output().unwrap();
    assert!(
        !String::from_utf8(no_color.stdout)
            .unwrap()
            .contains('\u{1b}')
    );
}
