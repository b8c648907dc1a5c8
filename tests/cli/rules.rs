//! The explanation rules against their documentation and the fixtures: `docs/findings.md` has one
//! section per code the registered rules declare, and no other, and every finding any fixture
//! produces carries a declared code. Each rule's own behaviour is unit-tested in `src/rules/`.

use std::collections::BTreeSet;

use meshdig::mesh;

use crate::support::{diff_json, fixture, repo};

/// The codes `docs/findings.md` documents: its `## code` sections between the terms and the
/// example snapshots.
fn documented_codes() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo().join("docs/findings.md")).expect("docs/findings.md");
    let start = text.find("## Terms used below").expect("the terms section");
    let end = text
        .find("## Example snapshots")
        .expect("the examples section");
    text[start..end]
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter(|title| *title != "Terms used below")
        .map(str::to_string)
        .collect()
}

fn declared_codes() -> BTreeSet<String> {
    mesh::declared_codes()
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

#[test]
fn docs_document_exactly_the_codes_the_rules_declare() {
    let declared = declared_codes();
    assert!(declared.len() >= 19, "{declared:?}");
    assert_eq!(documented_codes(), declared);
}

#[test]
fn every_rule_declares_codes_and_every_fixture_finding_is_declared() {
    let mesh_rules = mesh::MESHES.iter().flat_map(|m| m.rules());
    for rule in meshdig::rules::RULES.iter().chain(mesh_rules) {
        assert!(!rule.codes.is_empty(), "{} declares no code", rule.name);
    }
    let declared = declared_codes();
    let table = std::fs::read_to_string(fixture("forms.tsv")).unwrap();
    for line in table
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let fields: Vec<&str> = line.split('\t').collect();
        for name in fields[1].split_whitespace() {
            for libc in ["glibc", "musl"] {
                let mut args = vec![name, "--libc", libc];
                args.extend(fields[2].split_whitespace());
                let (doc, _) = diff_json(fields[0], &args);
                for finding in doc["findings"].as_array().unwrap() {
                    let code = finding["code"].as_str().unwrap().to_string();
                    assert!(declared.contains(&code), "{code} is not declared by a rule");
                }
            }
        }
    }
}
