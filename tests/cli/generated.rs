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
