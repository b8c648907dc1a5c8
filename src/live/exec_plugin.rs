//! Exec credential plugins meshdig gave up on (after `--request-timeout`, or on Ctrl-C) are ended
//! with every process they started, and reaped, so that none outlives the run.
//!
//! kube-rs runs a kubeconfig's `exec` plugin with `std::process::Command::output` on a blocking
//! thread and hands out no handle to the child. meshdig starts no other process, so while a plugin
//! may be running, its processes are exactly meshdig's descendants: they are found in `/proc` by
//! parent process ID, sent SIGTERM, then SIGKILL, and the plugin itself is reaped. Without `/proc`
//! (macOS, BSDs) nothing is found and a plugin that never returns is left running.

use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, WaitOptions, kill_process, waitpid};

/// How long the plugin's processes get to exit after SIGTERM before they get SIGKILL.
const GRACE: Duration = Duration::from_millis(500);
/// The most the ending may take, whatever the processes do.
const GIVE_UP: Duration = Duration::from_secs(2);
/// How often the process table is read again while waiting.
const POLL: Duration = Duration::from_millis(20);

/// Held while kube-rs may be running an exec plugin: dropped without [`Self::disarm`] (the wait
/// timed out, or the future was dropped on Ctrl-C), it ends the plugin's processes.
pub struct PluginGuard {
    armed: bool,
}

impl PluginGuard {
    /// Arms the guard before the client is built.
    pub fn arm() -> Self {
        Self { armed: true }
    }

    /// The client was built (or failed to be): no plugin runs any more.
    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for PluginGuard {
    fn drop(&mut self) {
        if self.armed {
            end_descendants();
        }
    }
}

/// One line of the process table: process ID, parent process ID, state (`Z`: a zombie).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    pid: u32,
    ppid: u32,
    state: char,
}

/// Ends every running descendant of this process: SIGTERM, SIGKILL after [`GRACE`], and reaps
/// the children among them, within [`GIVE_UP`].
fn end_descendants() {
    let me = std::process::id();
    let started = Instant::now();
    loop {
        let table = process_table();
        reap_zombie_children(me, &table);
        let running: Vec<u32> = descendants(me, &table)
            .into_iter()
            .filter(|pid| table.iter().any(|e| e.pid == *pid && e.state != 'Z'))
            .collect();
        if running.is_empty() || started.elapsed() > GIVE_UP {
            return;
        }
        let signal = if started.elapsed() < GRACE {
            Signal::TERM
        } else {
            Signal::KILL
        };
        for pid in running.iter().filter_map(|&p| as_pid(p)) {
            let _ = kill_process(pid, signal);
        }
        std::thread::sleep(POLL);
    }
}

/// Reaps this process's children that have exited (kube-rs's own wait may get there first).
fn reap_zombie_children(me: u32, table: &[Entry]) {
    let zombies = table.iter().filter(|e| e.ppid == me && e.state == 'Z');
    for pid in zombies.filter_map(|e| as_pid(e.pid)) {
        let _ = waitpid(Some(pid), WaitOptions::NOHANG);
    }
}

fn as_pid(pid: u32) -> Option<Pid> {
    Pid::from_raw(i32::try_from(pid).ok()?)
}

/// Every process in `/proc` (empty without it).
fn process_table() -> Vec<Entry> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let entry = entry.ok()?;
        entry.file_name().to_str()?.parse::<u32>().ok()?;
        parse_stat(&std::fs::read_to_string(entry.path().join("stat")).ok()?)
    })
    .collect()
}

/// `pid (comm) state ppid …` of `/proc/PID/stat`; the command name may hold spaces and parentheses.
fn parse_stat(stat: &str) -> Option<Entry> {
    let (pid, rest) = stat.split_once(" (")?;
    let after_comm = &rest[rest.rfind(") ")? + 2..];
    let mut fields = after_comm.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some(Entry {
        pid: pid.trim().parse().ok()?,
        ppid,
        state,
    })
}

/// Every process below `root` in `table`, children before their own children.
fn descendants(root: u32, table: &[Entry]) -> Vec<u32> {
    let mut found = vec![root];
    let mut next = 0;
    while let Some(&parent) = found.get(next) {
        found.extend(
            table
                .iter()
                .filter(|e| e.ppid == parent && e.pid != root && !found.contains(&e.pid))
                .map(|e| e.pid)
                .collect::<Vec<_>>(),
        );
        next += 1;
    }
    found.remove(0);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pid: u32, ppid: u32, state: char) -> Entry {
        Entry { pid, ppid, state }
    }

    #[test]
    fn stat_lines_parse_whatever_the_command_name() {
        assert_eq!(
            parse_stat("4242 (sleep) S 4200 4242 17 0 -1 4194304"),
            Some(entry(4242, 4200, 'S'))
        );
        assert_eq!(
            parse_stat("7 (a (b) c) Z 1 7 7 0"),
            Some(entry(7, 1, 'Z')),
            "the name ends at the last ') '"
        );
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn descendants_are_the_whole_subtree_and_nothing_else() {
        let table = [
            entry(1, 0, 'S'),
            entry(10, 1, 'S'),  // meshdig
            entry(11, 10, 'S'), // the plugin
            entry(12, 11, 'S'), // its child
            entry(13, 12, 'Z'), // a grandchild that exited
            entry(20, 1, 'S'),  // a sibling of meshdig
            entry(21, 20, 'S'), // and its child
        ];
        assert_eq!(descendants(10, &table), [11, 12, 13]);
        assert!(descendants(21, &table).is_empty());
    }

    #[test]
    fn this_process_is_in_the_table_when_there_is_a_proc() {
        if std::path::Path::new("/proc/self/stat").exists() {
            let me = std::process::id();
            assert!(process_table().iter().any(|e| e.pid == me));
        }
    }
}
