//! The committed completions and man pages must equal what the current CLI generates.
//!
//! Regenerate with `cargo run -- generate` (writes `completions/` and `man/`).

use crate::support::{repo, run};

#[test]
fn committed_completions_and_man_pages_are_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["generate", "--out-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut checked = 0;
    for sub in ["completions", "man"] {
        let mut generated: Vec<_> = std::fs::read_dir(dir.path().join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        generated.sort();
        let mut committed: Vec<_> = std::fs::read_dir(repo().join(sub))
            .unwrap_or_else(|e| panic!("{sub}/ is missing ({e}); run `cargo run -- generate`"))
            .map(|e| e.unwrap().file_name())
            .collect();
        committed.sort();
        assert_eq!(
            generated, committed,
            "{sub}/ holds other files than generated; run `cargo run -- generate`"
        );
        for name in generated {
            let fresh = std::fs::read(dir.path().join(sub).join(&name)).unwrap();
            let old = std::fs::read(repo().join(sub).join(&name)).unwrap();
            assert!(
                fresh == old,
                "{sub}/{} is stale; run `cargo run -- generate`",
                name.to_string_lossy()
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 7,
        "five completions and at least two man pages, got {checked}"
    );
}

/// `man -l PAGE` as text, 100 columns wide.
fn man_text(page: &std::path::Path) -> String {
    let output = std::process::Command::new("man")
        .arg("-l")
        .arg(page)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .expect("man is installed (.ci/test installs man-db)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn man_pages_show_every_section_and_no_repository_path() {
    let sections = [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "EXAMPLES",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "SEE ALSO",
    ];
    for entry in std::fs::read_dir(repo().join("man")).unwrap() {
        let page = entry.unwrap().path();
        let text = man_text(&page);
        let headings: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
        for section in sections {
            assert!(
                headings.contains(&section),
                "{} lacks {section}:\n{text}",
                page.display()
            );
        }
        assert!(
            !text.contains("docs/") && !text.contains("fixtures/"),
            "{}",
            page.display()
        );
    }
    let diff = man_text(&repo().join("man/meshdig-diff.1"));
    assert!(
        diff.contains("meshdig diff NAME... [-t TYPE]... [--from POD] [-n NS]"),
        "the synopsis names the arguments:\n{diff}"
    );
}

#[test]
fn completions_offer_nothing_hidden_and_no_files_for_pods_or_types() {
    let bash = std::fs::read_to_string(repo().join("completions/meshdig.bash")).unwrap();
    assert!(
        !bash.contains("generate"),
        "the hidden generate command is offered"
    );
    for flag in ["--from", "--type", "--namespace", "--context"] {
        let case = format!("{flag})\n");
        for at in bash.match_indices(&case).map(|(at, _)| at) {
            let body = &bash[at..at + bash[at..].find(";;").unwrap()];
            assert!(
                !body.contains("compgen -f"),
                "{flag} completes file names: {body}"
            );
        }
    }
    let dig = bash.find("meshdig__subcmd__dig)").unwrap();
    let dig_opts = &bash[dig..dig + bash[dig..].find('\n').unwrap() + 400];
    assert!(
        !dig_opts.contains("--snapshot"),
        "dig's hidden --snapshot is offered"
    );
}

#[test]
fn kubectl_completes_the_plugin_through_kubectl_complete_meshdig() {
    let dir = tempfile::tempdir().unwrap();
    let binary = assert_cmd::cargo::cargo_bin("meshdig");
    std::os::unix::fs::symlink(&binary, dir.path().join("kubectl-meshdig")).unwrap();
    std::os::unix::fs::symlink(&binary, dir.path().join("meshdig")).unwrap();
    let script = repo().join("completions/kubectl_complete-meshdig");
    std::fs::copy(&script, dir.path().join("kubectl_complete-meshdig")).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap()
    );
    let complete = |words: &[&str]| {
        let output = std::process::Command::new("kubectl")
            .args(["__complete", "meshdig"])
            .args(words)
            .env("PATH", &path)
            .env("KUBECONFIG", dir.path().join("none"))
            .output()
            .expect("kubectl is installed");
        String::from_utf8(output.stdout).unwrap()
    };
    let commands = complete(&[""]);
    assert!(
        commands.lines().any(|l| l.starts_with("diff\t")),
        "{commands}"
    );
    assert!(!commands.contains("generate"), "{commands}");
    assert!(commands.ends_with(":4\n"), "{commands}");
    let formats = complete(&["diff", "-o", "y"]);
    assert!(
        formats.starts_with("yaml\t") && formats.ends_with(":4\n"),
        "{formats}"
    );
}
