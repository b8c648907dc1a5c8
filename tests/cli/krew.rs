//! Installable like a kubectl plugin: the krew manifest follows krew's rules, and the release
//! script builds the archives it names, with the manifest's checksums filled in.

use serde_yaml_ng::Value;

use crate::support::repo;

/// `plugins/meshdig.yaml`, parsed.
fn manifest(path: &std::path::Path) -> Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// krew's rules for a plugin manifest (krew's `pkg/index/validation`): the API version and kind,
/// a plugin name of lower-case letters, digits and dashes, a `v`-prefixed semantic version, a
/// short description, and platforms that each select an OS, name an archive, its sha256 and a
/// `bin` that one of its files installs.
fn assert_krew_valid(plugin: &Value, placeholders: bool) {
    assert_eq!(
        plugin["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(plugin["kind"], "Plugin");
    let name = plugin["metadata"]["name"].as_str().unwrap();
    assert!(
        name.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    );
    assert_eq!(name, "meshdig", "kubectl meshdig runs kubectl-meshdig");
    let spec = &plugin["spec"];
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        spec["version"],
        version.as_str(),
        "the manifest's version is the crate's"
    );
    let short = spec["shortDescription"].as_str().unwrap();
    assert!(!short.is_empty() && short.len() <= 50, "{short}");
    assert!(
        spec["description"]
            .as_str()
            .is_some_and(|d| d.len() > short.len())
    );
    let platforms = spec["platforms"].as_sequence().unwrap();
    assert!(!platforms.is_empty());
    for platform in platforms {
        assert!(
            platform["selector"]["matchLabels"]["os"].is_string(),
            "{platform:?}"
        );
        let uri = platform["uri"].as_str().unwrap();
        assert!(uri.ends_with(".tar.gz") && uri.contains(&version), "{uri}");
        let sha = platform["sha256"].as_str().unwrap();
        if placeholders {
            assert!(sha.starts_with("SHA256_"), "{sha}");
        } else {
            assert!(
                sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{sha}"
            );
        }
        let bin = platform["bin"].as_str().unwrap();
        assert_eq!(bin, "kubectl-meshdig");
        let files = platform["files"].as_sequence().unwrap();
        assert!(files.iter().any(|f| f["from"] == bin), "{bin} is installed");
    }
}

#[test]
fn the_krew_manifest_follows_krews_rules() {
    assert_krew_valid(&manifest(&repo().join("plugins/meshdig.yaml")), true);
}

#[test]
fn the_release_script_builds_the_archives_and_fills_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    // A copy of the repository's release inputs, so that dist/ is written there.
    for path in ["Cargo.toml", "plugins", "completions", "docs"] {
        let status = std::process::Command::new("cp")
            .arg("-r")
            .arg(repo().join(path))
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    // The script packs whatever it is given; a small stand-in keeps the test fast.
    let binary = dir.path().join("meshdig-stand-in");
    std::fs::write(&binary, "#!/bin/sh\necho meshdig\n").unwrap();
    let output = std::process::Command::new("bash")
        .arg(dir.path().join("plugins/release.sh"))
        .env("RELEASE_URL", "https://example.org/meshdig/download/v0")
        .env("RELEASE_HOMEPAGE", "https://example.org/meshdig")
        .env("BINARIES", format!("amd64={0} arm64={0}", binary.display()))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let filled = manifest(&dir.path().join("dist/meshdig.yaml"));
    assert_krew_valid(&filled, false);
    for platform in filled["spec"]["platforms"].as_sequence().unwrap() {
        let uri = platform["uri"].as_str().unwrap();
        let archive = dir
            .path()
            .join("dist")
            .join(uri.rsplit('/').next().unwrap());
        let sum = std::process::Command::new("sha256sum")
            .arg(&archive)
            .output()
            .unwrap();
        let sum = String::from_utf8(sum.stdout).unwrap();
        assert_eq!(
            sum.split(' ').next().unwrap(),
            platform["sha256"].as_str().unwrap()
        );
        let listing = std::process::Command::new("tar")
            .arg("-tzf")
            .arg(&archive)
            .output()
            .unwrap();
        let listing = String::from_utf8(listing.stdout).unwrap();
        for file in platform["files"].as_sequence().unwrap() {
            let from = file["from"].as_str().unwrap();
            assert!(
                listing.lines().any(|l| l == from),
                "{from} is not in {listing}"
            );
        }
    }
}

#[test]
fn version_names_the_commit() {
    let shown = crate::support::run(&["--version"]);
    assert_eq!(shown.code, 0);
    assert!(
        shown
            .stdout
            .starts_with(&format!("meshdig {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{}",
        shown.stdout
    );
}
