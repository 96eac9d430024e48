//! The outcome registry (src/outcome.rs) decides summary.csv's columns
//! and README.md's table of them.

use std::fs;

use tempfile::TempDir;

use crate::util::{SMALL, foramen};

/// README.md's table of summary.csv columns is the registry's.
#[test]
fn readme_summary_columns_come_from_the_registry() {
    let readme = fs::read_to_string("README.md").unwrap();
    let rows = foramen::outcome::markdown_rows();
    assert!(
        readme.contains(&rows),
        "README.md's summary.csv table differs from src/outcome.rs; its outcome rows should read:\n{rows}"
    );
}

/// summary.csv's columns are the registry's, in order.
#[test]
fn summary_columns_come_from_the_registry() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    foramen()
        .args(["run", SMALL, "--patients", "500", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    let csv = fs::read_to_string(out.join("summary.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    let mut expected = vec!["policy".to_string(), "patients".to_string()];
    // small.toml declares no permanent deficit: outcomes that need one are
    // left out.
    let plain = foramen::outcome::OUTCOMES
        .iter()
        .filter(|o| o.requires == foramen::outcome::Feature::Always);
    for name in plain.map(|o| o.name) {
        for suffix in ["", "_lo", "_hi", "_se"] {
            expected.push(format!("{name}{suffix}"));
        }
    }
    assert_eq!(header, expected.join(","));
}
