//! The docs are true to the binary: every `meshdig` command in a shell or console block of
//! README.md and docs/*.md runs, from a directory where `fixtures/` is the repository's, and every
//! printed sample (a console block's `$ meshdig …` output, or a block right after a one-command
//! shell block) is what the binary prints, or the start of it.

use std::path::Path;

use crate::support::{meshdig, repo};

/// One code block: its language and its text.
struct Block {
    lang: String,
    text: String,
}

/// The fenced code blocks of a markdown page, in order, with whether each directly follows the
/// one before (nothing but blank lines between them).
fn blocks(page: &str) -> Vec<(Block, bool)> {
    let mut found = Vec::new();
    let mut lines = page.lines();
    let mut gap_is_blank = false;
    while let Some(line) = lines.next() {
        let Some(lang) = line.trim_start().strip_prefix("```") else {
            gap_is_blank &= line.trim().is_empty();
            continue;
        };
        let text: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.trim_start().starts_with("```"))
            .collect();
        let block = Block {
            lang: lang.trim().to_string(),
            text: text.iter().map(|l| format!("{l}\n")).collect(),
        };
        found.push((block, gap_is_blank));
        gap_is_blank = true;
    }
    found
}

/// The meshdig command lines of a shell or console block, continuations joined, without what a
/// shell adds around them (pipes, redirections, `|| …`, comments); `kubectl meshdig` is meshdig.
fn commands(block: &Block) -> Vec<Vec<String>> {
    let joined = block.text.replace("\\\n", " ");
    joined
        .lines()
        .map(|l| l.trim().trim_start_matches("$ "))
        .filter_map(|l| {
            l.strip_prefix("kubectl meshdig ")
                .or_else(|| l.strip_prefix("meshdig "))
        })
        .map(|l| {
            let end = l.find(['|', '>', '#', '&', ';']).unwrap_or(l.len());
            l[..end].split_whitespace().map(str::to_string).collect()
        })
        .collect()
}

/// Every page whose examples are checked.
fn pages() -> Vec<(String, String)> {
    let mut paths = vec![repo().join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(repo().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    paths.extend(docs);
    paths
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(repo()).unwrap().display().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Runs `args` in `dir` (where `fixtures/` is the repository's) without a cluster to talk to.
fn run_in(dir: &Path, args: &[String]) -> crate::support::Run {
    let output = meshdig()
        .current_dir(dir)
        .args(args)
        .env("KUBECONFIG", dir.join("no-kubeconfig"))
        .env("HOME", dir)
        .output()
        .unwrap();
    crate::support::Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn every_documented_command_runs_and_every_sample_matches() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(repo().join("fixtures"), dir.path().join("fixtures")).unwrap();
    let mut ran = 0;
    let mut samples = 0;
    for (page, text) in pages() {
        let found = blocks(&text);
        for (at, (block, _)) in found.iter().enumerate() {
            if !["sh", "console", "bash"].contains(&block.lang.as_str()) {
                continue;
            }
            let commands = commands(block);
            for args in &commands {
                let run = run_in(dir.path(), args);
                let shown = args.join(" ");
                assert!(
                    !run.stderr.contains("--help')") && !run.stderr.contains("panicked"),
                    "{page}: `meshdig {shown}` is not a valid command line: {}",
                    run.stderr
                );
                // A live example needs a cluster, and one naming a file of the reader's needs that file.
                let needs_more = ["kubeconfig", "cannot read", "No such file"]
                    .iter()
                    .any(|n| run.stderr.contains(n));
                assert!(
                    run.code != 2 || needs_more,
                    "{page}: `meshdig {shown}` exits 2: {}",
                    run.stderr
                );
                ran += 1;
            }
            let sample = match (block.lang.as_str(), commands.as_slice()) {
                ("console", [args]) => Some((args, block.text.split_once('\n').unwrap().1)),
                (_, [args]) => found
                    .get(at + 1)
                    .filter(|(next, follows)| {
                        *follows && !["sh", "bash"].contains(&next.lang.as_str())
                    })
                    .map(|(next, _)| (args, next.text.as_str())),
                _ => None,
            };
            if let Some((args, printed)) = sample {
                // A sample may show the start of the output only.
                let run = run_in(dir.path(), args);
                assert!(
                    run.stdout.starts_with(printed),
                    "{page}: the sample of `meshdig {}` is not what it prints:\n{}",
                    args.join(" "),
                    run.stdout
                );
                samples += 1;
            }
        }
    }
    assert!(
        ran >= 30 && samples >= 3,
        "{ran} commands, {samples} samples"
    );
}
