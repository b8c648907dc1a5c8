//! The table fits the terminal: every fixture's table at 80, 120 and 200 columns is a reviewed
//! snapshot (`cargo insta review`, or `INSTA_UPDATE=always`), and no line is wider than the
//! terminal. Colour goes only to a terminal that can show it.

use crate::support::{fixture, meshdig, questions};

/// The table of `file`'s own question with `COLUMNS=width`, colour off.
fn table_at(file: &str, args: &[String], width: u16) -> String {
    let output = meshdig()
        .arg("diff")
        .args(args)
        .arg("--snapshot")
        .arg(fixture(file))
        .env("COLUMNS", width.to_string())
        .output()
        .unwrap();
    assert!(output.stderr.is_empty(), "{file}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn every_fixture_table_fits_80_120_and_200_columns() {
    for (file, args) in questions() {
        for width in [80, 120, 200] {
            let table = table_at(&file, &args, width);
            for line in table.lines() {
                let columns = line.chars().count();
                assert!(
                    columns <= usize::from(width),
                    "{file} at {width} columns has a line of {columns}:\n{table}"
                );
            }
            let stem = file.trim_end_matches(".json");
            insta::assert_snapshot!(format!("{stem}@{width}"), table);
        }
    }
}

#[test]
fn without_a_terminal_or_columns_nothing_is_wrapped() {
    let (file, args) = questions().swap_remove(0);
    let output = meshdig()
        .arg("diff")
        .args(&args)
        .arg("--snapshot")
        .arg(fixture(&file))
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("  the app's resolver (glibc) walks 'reviews' through sidecar: answered at reviews.bookinfo.svc.cluster.local. after 1 query")),
        "{text}"
    );
}

/// `meshdig diff` of the healthy fixture on a real terminal (`script`), with `env` set.
fn on_a_terminal(env: &str) -> String {
    let command = format!(
        "env {env} COLUMNS=100 '{}' diff reviews --from pod/productpage-v1-7d9 -n bookinfo --snapshot '{}'",
        assert_cmd::cargo::cargo_bin("meshdig").display(),
        fixture("bookinfo-healthy.json").display()
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_terminal_gets_colour_unless_term_is_dumb_or_no_color_is_set() {
    assert!(on_a_terminal("TERM=xterm-256color").contains('\u{1b}'));
    assert!(!on_a_terminal("TERM=dumb").contains('\u{1b}'));
    assert!(!on_a_terminal("TERM=xterm NO_COLOR=1").contains('\u{1b}'));
}
