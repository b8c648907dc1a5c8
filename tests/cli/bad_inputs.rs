//! A corpus of bad inputs: every one is refused before anything is asked, with one line on stderr
//! that says what is wrong, and exit code 2 — never a panic.

use crate::support::run;
use crate::usage::{assert_flag_error, assert_usage_error, diff_healthy};

/// (arguments after `meshdig diff`, with the healthy snapshot appended; a piece of the message).
const DIFF_CASES: &[(&[&str], &str)] = &[
    // Names.
    (&[""], "the name is empty"),
    (&["."], "root name"),
    (&["a..b"], "label 2 is empty"),
    (&[".reviews"], "label 1 is empty"),
    (&["reviews.."], "label 2 is empty"),
    (&["a.-b.c"], "label 2 ('-b') starts with '-'"),
    (&["re\u{200b}views"], "IDNA would turn it into 'reviews'"),
    (
        &["ｒｅｖｉｅｗｓ.bookinfo"],
        "IDNA would turn it into 'reviews.bookinfo'",
    ),
    (&["-"], "label 1 ('-') starts with '-'"),
    (&["re views"], "contains ' '"),
    (&["reviews!"], "contains '!'"),
    (&["rev@ews"], "contains '@'"),
    (&["reviews/bookinfo"], "contains '/'"),
    (&["a*b.example.com"], "wildcard"),
    (&["*x.example.com"], "wildcard"),
    (&["ex\u{7f}ample.com"], "contains"),
    (&["tab\there"], "contains '\\t'"),
    (&["semi;colon"], "contains ';'"),
    (&["quote\"d"], "contains '\"'"),
    (&["under_score..x"], "label 2 is empty"),
    // Addresses that are not addresses.
    (&["10.96.0.300"], "looks like an IP address"),
    (&["256.1.1.1"], "looks like an IP address"),
    (&["fd00::zz"], "looks like an IP address"),
    (&["fd00:::1"], "looks like an IP address"),
    (&["10.1.2.3:53"], "looks like an IP address"),
    // Types.
    (&["reviews", "-t", "BOGUS"], "unknown record type 'BOGUS'"),
    (&["reviews", "-t", ""], "unknown record type ''"),
    (&["reviews", "-t", "A AAAA"], "unknown record type"),
    (&["reviews", "--type", "TYPE99999"], "unknown record type"),
    // Flags and their values.
    (&["reviews", "--bogus"], "unexpected argument '--bogus'"),
    (
        &["reviews", "--snapshott", "x"],
        "a similar argument exists: '--snapshot'",
    ),
    (&["reviews", "-o", "xml"], "invalid value 'xml'"),
    (
        &["reviews", "--color", "sometimes"],
        "invalid value 'sometimes'",
    ),
    (&["reviews", "ratings..bookinfo"], "label 2 is empty"),
    (&["reviews", "--timeout", "90m"], "out of range"),
    (&["reviews", "--timeout", "5h"], "unknown unit 'h'"),
    (&["reviews", "--timeout", "0s"], "out of range"),
    (&["reviews", "--timeout", "soon"], "not a duration"),
    (&["reviews", "--request-timeout=-1s"], "not a duration"),
    (
        &["reviews", "--kube-dns", "kube-dns.kube-system"],
        "not an IP address",
    ),
    (
        &["reviews", "--kube-dns", "10.96.0.10:99999"],
        "not an IP address",
    ),
    (&["reviews", "--sidecar", "localhost"], "not an IP address"),
    (
        &["reviews", "--control-plane", "https://istiod:15014"],
        "not an http:// URL",
    ),
    (
        &[
            "reviews",
            "--control-plane",
            "http://istiod.istio-system:15014",
        ],
        "not an IP address",
    ),
    // Live flags next to a snapshot, and workloads.
    (
        &["reviews", "--context", "prod"],
        "--context is for a live cluster",
    ),
    (
        &[
            "reviews",
            "--kube-dns",
            "10.96.0.10",
            "--sidecar",
            "127.0.0.1",
        ],
        "--kube-dns, --sidecar are for a live cluster",
    ),
    (
        &["reviews", "--from", "pod/nope", "-n", "bookinfo"],
        "no pod 'nope' in namespace 'bookinfo'",
    ),
    (
        &["reviews", "--from", "statefulset/x"],
        "unsupported workload kind 'statefulset'",
    ),
    (
        &["reviews", "--from", "deploy/nope", "-n", "bookinfo"],
        "no deploy 'nope'",
    ),
];

#[test]
fn diff_refuses_each_bad_input_with_one_line() {
    assert!(
        DIFF_CASES.len() >= 40,
        "the corpus has {} cases",
        DIFF_CASES.len()
    );
    for (args, needle) in DIFF_CASES {
        let run = diff_healthy(args);
        assert_usage_error(&run, needle);
    }
}

#[test]
fn other_commands_refuse_bad_inputs_with_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["diff"], "required arguments were not provided: <NAME>"),
        (&["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (
            &["snapshot", "reviews"],
            "required arguments were not provided: --file <FILE>",
        ),
        (
            &["snapshot", "a..b", "--file", "x.json"],
            "label 2 is empty",
        ),
        (
            &["snapshot", "reviews", "-t", "NOPE", "--file", "x.json"],
            "unknown record type 'NOPE'",
        ),
        (&["--color", "maybe", "diff", "x"], "invalid value 'maybe'"),
        (
            &["diff", "reviews", "--cluster-domain", ""],
            "invalid cluster domain '': the cluster domain is empty",
        ),
        (
            &["diff", "reviews", "--cluster-domain", "a..b"],
            "invalid cluster domain 'a..b': label 2 is empty",
        ),
        (
            &["diff", "reviews", "--cluster-domain", "cluster local"],
            "invalid cluster domain 'cluster local'",
        ),
        (
            &["diff", "reviews", "--cluster-domain=-bad-.local"],
            "starts with '-'",
        ),
        (
            &["diff", "reviews", "--kube-dns", "[::1"],
            "'[::1' is not an IP address",
        ),
        (
            &[
                "diff",
                "reviews",
                "--control-plane",
                "http://10.0.0.1/debug?x=1",
            ],
            "has a path or query",
        ),
    ];
    for (args, needle) in cases {
        assert_flag_error(&run(args), needle);
    }
}

#[test]
fn supplied_text_is_quoted_escaped_and_bounded() {
    for name in ["a\nb", "\u{1b}[31mred", "re\rviews"] {
        let run = diff_healthy(&[name]);
        assert_eq!(run.code, 2, "{name:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{name:?}: {}", run.stderr);
        assert!(!run.stderr.contains(['\u{1b}', '\r']), "{:?}", run.stderr);
    }
    let long = "a".repeat(100_000);
    let run = diff_healthy(&[long.as_str()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.len() < 400 && run.stderr.contains("(100000 characters)"),
        "{} bytes: {}",
        run.stderr.len(),
        &run.stderr[..run.stderr.len().min(300)]
    );
}

/// A token no output may ever contain.
const SECRET: &str = "MESHDIG-TEST-SECRET-7f3a9c";

/// Runs `meshdig diff reviews --from pod/x` with `kubeconfig` and asserts one line, exit 2, and
/// no trace of the secret.
fn refuses_without_the_secret(dir: &std::path::Path, kubeconfig: &str) {
    let path = dir.join("kubeconfig");
    std::fs::write(&path, kubeconfig).unwrap();
    for verbosity in [None, Some("-v"), Some("-vv")] {
        let mut args = vec!["diff", "reviews", "--from", "pod/x", "-n", "default"];
        args.extend(verbosity);
        args.extend([
            "--kubeconfig",
            path.to_str().unwrap(),
            "--request-timeout",
            "3s",
        ]);
        let out = run(&args);
        assert_eq!(out.code, 2, "{verbosity:?}: {}", out.stderr);
        assert!(
            !out.stderr.contains(SECRET) && !out.stdout.contains(SECRET),
            "{verbosity:?} printed the secret: {}",
            out.stderr
        );
        if verbosity.is_none() {
            assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        }
    }
}

#[test]
fn no_kubeconfig_error_prints_its_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let header = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:9\n";
    let context = "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n";
    // A YAML syntax error right after the token, and a type error on the token itself.
    let syntax = format!(
        "{header}users:\n- name: u\n  user:\n    token: {SECRET}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u\ncurrent-context: x\n"
    );
    refuses_without_the_secret(dir.path(), &syntax);
    let typed = format!("{header}users:\n- name: u\n  user:\n    token: [{SECRET}]\n{context}");
    refuses_without_the_secret(dir.path(), &typed);
    // An exec credential plugin that prints its credential as non-JSON.
    let plugin = dir.path().join("plugin.sh");
    std::fs::write(
        &plugin,
        format!("#!/bin/sh\necho 'token={SECRET} is not json'\n"),
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let exec = format!(
        "{header}users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n{context}",
        plugin.display()
    );
    refuses_without_the_secret(dir.path(), &exec);
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
