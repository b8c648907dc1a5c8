//! A corpus of bad inputs (`fixtures/bad-inputs/`, run by [`crate::corpus`]): command lines,
//! snapshots, check files, kubeconfigs, resolv.conf files and faulty servers. Each is refused with
//! its documented exit code and one escaped, bounded line, or reported per source, never with a
//! panic, a raw control character or a secret, and within a bounded time.

use crate::corpus::{cases, run_corpus};
use crate::support::run;

/// The replay every snapshot case runs.
const REPLAY: &[&str] = &[
    "diff",
    "reviews",
    "--from",
    "pod/productpage-v1-7d9",
    "-n",
    "bookinfo",
    "--snapshot",
    "{file}",
];

#[test]
fn command_lines() {
    run_corpus("argv.jsonl", &[], &[""]);
}

#[test]
fn snapshots() {
    run_corpus("snapshots.jsonl", REPLAY, &[""]);
}

#[test]
fn check_files() {
    run_corpus(
        "checks.jsonl",
        &["check", "-f", "{file}", "--snapshot", "{healthy}"],
        &[""],
    );
}

#[test]
fn kubeconfigs_at_every_verbosity() {
    let live = [
        "diff",
        "reviews",
        "--from",
        "pod/x",
        "-n",
        "default",
        "--kubeconfig",
        "{file}",
        "--request-timeout",
        "2s",
        "--timeout",
        "500ms",
    ];
    run_corpus("kubeconfigs.jsonl", &live, &["", "-v", "-vv"]);
}

#[test]
fn node_resolv_confs() {
    let resolvconf = [
        "resolvconf",
        "--from",
        "pod/productpage-v1-7d9",
        "-n",
        "bookinfo",
        "--snapshot",
        "{healthy}",
        "--node-resolv-conf",
        "{file}",
    ];
    run_corpus("resolv-confs.jsonl", &resolvconf, &[""]);
}

#[test]
fn faulty_servers() {
    run_corpus("servers.jsonl", &[], &["", "-vv"]);
}

#[test]
fn the_corpus_holds_at_least_200_cases() {
    let files = [
        "argv.jsonl",
        "snapshots.jsonl",
        "checks.jsonl",
        "kubeconfigs.jsonl",
        "resolv-confs.jsonl",
        "servers.jsonl",
    ];
    let total: usize = files.iter().map(|f| cases(f).len()).sum();
    assert!(total >= 200, "the corpus has {total} cases");
}

#[test]
fn endless_and_writerless_files_neither_hang_nor_exhaust_memory() {
    let zero = run(&["diff", "reviews", "--snapshot", "/dev/zero"]);
    assert_eq!(zero.code, 2, "{}", zero.stderr);
    assert!(
        zero.stderr.contains("larger than 512 MiB"),
        "{}",
        zero.stderr
    );
    // A FIFO nobody writes to: the read waits, and Ctrl-C still ends the run at once.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_meshdig"))
        .args(["diff", "reviews", "--snapshot", fifo.to_str().unwrap()])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "meshdig ignored Ctrl-C while waiting on a FIFO"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
}

#[test]
fn flag_errors_point_at_the_help_of_their_command() {
    use crate::usage::assert_flag_error;
    assert_flag_error(
        &run(&["diff", "x", "--timeout", "5h"]),
        "(see 'meshdig diff --help')",
    );
    assert_flag_error(
        &run(&["check", "-f", "x.yaml", "-o", "xml"]),
        "(see 'meshdig check --help')",
    );
    assert_flag_error(
        &run(&["diff", "x", "--from", "svc/x"]),
        "--from <POD>: unsupported",
    );
}
