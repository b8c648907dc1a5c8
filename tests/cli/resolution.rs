//! The resolution is the unit of a diff: a name asked the way users type it (`reviews`,
//! `reviews.bookinfo`, the FQDN without and with a dot) reaches the same causes and exit code for
//! every fixture, under glibc and musl, except for the findings the walk itself causes.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{assert_contract, diff_json, fixture};

/// Findings the search walk causes: they come and go with the form of the name.
const WALK_CODES: &[&str] = &[
    "search-domain-cname",
    "ztunnel-stripped-cname",
    "search-walk-divergence",
    "ndots-amplification",
];

/// Each fixture's forms and the arguments after the name, from `fixtures/forms.tsv`.
fn forms() -> Vec<(String, Vec<String>, Vec<String>)> {
    let table = std::fs::read_to_string(fixture("forms.tsv")).expect("fixtures/forms.tsv");
    table
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let words = |i: usize| fields[i].split_whitespace().map(str::to_string).collect();
            (fields[0].to_string(), words(1), words(2))
        })
        .collect()
}

/// Finding codes with their severities.
type Causes = BTreeSet<(String, String)>;

/// The codes of a report other than the walk's, with their severities.
fn causes(doc: &Value) -> Causes {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .filter(|(code, _)| !WALK_CODES.contains(&code.as_str()))
        .collect()
}

#[test]
fn every_form_of_a_name_reaches_the_same_causes_under_glibc_and_musl() {
    let table = forms();
    assert!(
        table.len() >= 16,
        "forms.tsv lists {} fixtures",
        table.len()
    );
    for (file, names, args) in &table {
        for libc in ["glibc", "musl"] {
            let mut seen: Vec<(String, i32, Causes)> = Vec::new();
            for name in names {
                let mut argv: Vec<&str> = vec![name.as_str()];
                argv.extend(args.iter().map(String::as_str));
                argv.extend(["--libc", libc]);
                let (doc, code) = diff_json(file, &argv);
                assert_contract(&doc);
                assert_eq!(doc["query"]["input"], name.as_str(), "{file} {name}");
                seen.push((name.clone(), code, causes(&doc)));
            }
            let (first, code, want) = &seen[0];
            for (name, other_code, got) in &seen[1..] {
                assert_eq!(
                    (other_code, got),
                    (code, want),
                    "{file} ({libc}): '{name}' and '{first}' differ"
                );
            }
        }
    }
}

#[test]
fn no_healthy_fixture_gives_an_error_for_any_form_of_its_service_name() {
    for (file, names, args) in forms() {
        let absolute = names
            .iter()
            .find(|n| n.ends_with('.'))
            .expect("an absolute form");
        let mut argv: Vec<&str> = vec![absolute.as_str()];
        argv.extend(args.iter().map(String::as_str));
        let (doc, _) = diff_json(&file, &argv);
        if doc["verdict"] == "discrepancy" {
            continue;
        }
        for name in &names {
            for libc in ["glibc", "musl"] {
                let mut argv: Vec<&str> = vec![name.as_str(), "--libc", libc];
                argv.extend(args.iter().map(String::as_str));
                let (doc, code) = diff_json(&file, &argv);
                let errors: Vec<&Value> = doc["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["severity"] == "error")
                    .collect();
                assert!(errors.is_empty(), "{file} '{name}' ({libc}): {errors:?}");
                assert_ne!(code, 1, "{file} '{name}' ({libc})");
            }
        }
    }
}
