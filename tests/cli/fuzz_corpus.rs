//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and the crash regressions
//! (`fuzz/regressions/<target>/`) through the fuzz targets' own property functions, on stable
//! Rust and without libFuzzer: every input must pass, except the known failures listed below,
//! which must still fail until their bug is fixed.

#[path = "../../fuzz/src/lib.rs"]
mod properties;

use std::panic;
use std::path::{Path, PathBuf};

/// Regression inputs that still fail today, as (target, file name, the bug). When a fix makes
/// one pass, the test says so: delete its line here, and the file stays as a regression.
const KNOWN_FAILURES: &[(&str, &str, &str)] = &[];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn known_failure(target: &str, file: &Path) -> Option<&'static str> {
    let name = file.file_name()?.to_str()?;
    KNOWN_FAILURES
        .iter()
        .find(|(t, f, _)| *t == target && *f == name)
        .map(|(_, _, why)| *why)
}

/// Runs every corpus and regression input of `target` and returns what went wrong, one line each.
fn replay(target: &str) -> Vec<String> {
    let (_, check) = properties::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a fuzz target of that name");
    let corpus = inputs(&fuzz_dir().join("corpus").join(target));
    let regressions = inputs(&fuzz_dir().join("regressions").join(target));
    let mut problems = Vec::new();
    if corpus.is_empty() {
        problems.push(format!("fuzz/corpus/{target}/ has no inputs"));
    }
    for file in corpus.iter().chain(&regressions) {
        let data = std::fs::read(file).expect("a readable input");
        let passed = panic::catch_unwind(|| check(&data)).is_ok();
        match (passed, known_failure(target, file)) {
            (false, None) => problems.push(format!("{} panics", file.display())),
            (true, Some(why)) => problems.push(format!(
                "{} passes now ({why} is fixed): remove it from KNOWN_FAILURES",
                file.display()
            )),
            _ => {}
        }
    }
    problems
}

fn assert_replays(target: &str) {
    let problems = replay(target);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn snapshot_inputs_replay() {
    assert_replays("snapshot");
}

#[test]
fn check_file_inputs_replay() {
    assert_replays("check_file");
}

#[test]
fn query_name_inputs_replay() {
    assert_replays("query_name");
}

#[test]
fn resolv_conf_inputs_replay() {
    assert_replays("resolv_conf");
}

#[test]
fn corefile_inputs_replay() {
    assert_replays("corefile");
}

#[test]
fn dns_message_inputs_replay() {
    assert_replays("dns_message");
}

#[test]
fn every_folder_and_known_failure_names_a_target_and_a_file() {
    let targets: Vec<&str> = properties::TARGETS.iter().map(|(name, _)| *name).collect();
    for kind in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else {
            continue;
        };
        for entry in entries {
            let name = entry.expect("a readable folder entry").file_name();
            let name = name.to_string_lossy();
            assert!(targets.contains(&&*name), "fuzz/{kind}/{name} is no target");
        }
    }
    for (target, file, _) in KNOWN_FAILURES {
        let path = fuzz_dir().join("regressions").join(target).join(file);
        assert!(path.is_file(), "{} is listed but missing", path.display());
    }
}
