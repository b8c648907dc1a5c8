//! Exec credential plugins that never return: meshdig gives up after `--request-timeout`, or at
//! Ctrl-C, with one line and its documented exit code, and leaves none of the plugin's processes
//! running.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::run;

/// A kubeconfig whose user's exec plugin (a shell script) starts a child and waits for it forever,
/// writing both process IDs to files.
struct HangingPlugin {
    dir: TempDir,
    kubeconfig: PathBuf,
}

impl HangingPlugin {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let plugin = dir.path().join("plugin.sh");
        let script = format!(
            "#!/bin/sh\necho $$ > {dir}/plugin.pid\nsleep 600 &\necho $! > {dir}/child.tmp\nmv {dir}/child.tmp {dir}/child.pid\nwait\n",
            dir = dir.path().display()
        );
        std::fs::write(&plugin, script).unwrap();
        std::fs::set_permissions(&plugin, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:9\n\
                 users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n\
                 contexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n",
                plugin.display()
            ),
        )
        .unwrap();
        Self { dir, kubeconfig }
    }

    /// `meshdig COMMAND --from pod/x -n default --kubeconfig K` plus `extra`.
    fn args<'a>(&'a self, command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![command];
        if command == "diff" {
            args.push("reviews");
        }
        args.extend_from_slice(&["--from", "pod/x", "-n", "default", "--kubeconfig"]);
        args.push(self.kubeconfig.to_str().unwrap());
        args.extend_from_slice(extra);
        args
    }

    /// The plugin's and its child's process IDs, once the plugin has written both.
    fn pids(&self) -> (u32, u32) {
        let read = |name: &str| -> Option<u32> {
            std::fs::read_to_string(self.dir.path().join(name))
                .ok()?
                .trim()
                .parse()
                .ok()
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let (Some(plugin), Some(child)) = (read("plugin.pid"), read("child.pid")) {
                return (plugin, child);
            }
            assert!(Instant::now() < deadline, "the plugin never started");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Asserts that the plugin was reaped and that its child runs no more (an orphan's zombie,
    /// left for init to reap, runs no more).
    fn assert_left_nothing_running(&self) {
        let (plugin, child) = self.pids();
        assert!(
            !proc_dir(plugin).exists(),
            "the plugin (pid {plugin}) was left behind"
        );
        assert!(
            !running(child),
            "the plugin's child (pid {child}) still runs"
        );
    }
}

impl Drop for HangingPlugin {
    /// A failed test must not leave its sleeps behind either.
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("child.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

fn proc_dir(pid: u32) -> PathBuf {
    Path::new("/proc").join(pid.to_string())
}

/// True when `pid` exists and is not a zombie.
fn running(pid: u32) -> bool {
    std::fs::read_to_string(proc_dir(pid).join("stat"))
        .ok()
        .and_then(|stat| {
            let after = &stat[stat.rfind(") ")? + 2..];
            after.chars().next()
        })
        .is_some_and(|state| state != 'Z')
}

#[test]
fn a_plugin_that_never_returns_is_stopped_at_the_request_timeout() {
    let plugin = HangingPlugin::new();
    let started = Instant::now();
    let out = run(&plugin.args("diff", &["--request-timeout", "1s"]));
    // The documented bound: --request-timeout, then at most half a second for the plugin to stop.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(
            "meshdig: no credentials for http://127.0.0.1:9/ within 1 s (--request-timeout)"
        ) && out.stderr.contains("did not return and was stopped"),
        "{}",
        out.stderr
    );
    plugin.assert_left_nothing_running();
}

#[test]
fn ctrl_c_while_a_plugin_hangs_exits_130_and_stops_the_plugin() {
    for command in ["diff", "audit"] {
        let plugin = HangingPlugin::new();
        let child = Command::new(assert_cmd::cargo::cargo_bin("meshdig"))
            .args(plugin.args(command, &["--request-timeout", "60s"]))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        plugin.pids();
        let started = Instant::now();
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let output = child.wait_with_output().unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{command}: took {:?} after Ctrl-C",
            started.elapsed()
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "{command}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{command}: {stderr}");
        assert!(stderr.contains("interrupted"), "{command}: {stderr}");
        assert!(output.stdout.is_empty(), "{command}: no report");
        plugin.assert_left_nothing_running();
    }
}
