//! Defects the job skeleton fixed, and the registry's hold on the README.

use std::fs;

use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{SMALL, foramen};

/// `sensitivity --force` replaces a finished directory (it used to refuse
/// any existing --out before the run directory was created).
#[test]
fn sensitivity_force_replaces_a_finished_directory() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("sens");
    let sensitivity = || {
        let mut c = foramen();
        c.args(["sensitivity", SMALL, "--patients", "500", "-q", "--out"])
            .arg(&out);
        c
    };
    sensitivity().assert().success();
    sensitivity()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    fs::write(out.join("stale.txt"), "from before").unwrap();
    sensitivity().arg("--force").assert().success();
    assert!(out.join("sensitivity.csv").exists());
    assert!(!out.join("stale.txt").exists(), "--force replaced the directory");
}

/// `merge` names a `--by` covariate the scenario does not have (it used to
/// drop it silently and write a table split by fewer covariates).
#[test]
fn merge_refuses_an_unknown_by_covariate() {
    let tmp = TempDir::new().unwrap();
    let dirs: Vec<_> = (0..2).map(|k| tmp.path().join(format!("s{k}"))).collect();
    for (k, dir) in dirs.iter().enumerate() {
        foramen()
            .args(["run", SMALL, "--patients", "5000", "--by", "grade", "-q"])
            .args(["--shard", &format!("{k}/2"), "--out"])
            .arg(dir)
            .assert()
            .success();
        let partial = dir.join("partial.json");
        let text = fs::read_to_string(&partial).unwrap();
        let edited = text.replace(r#""subgroups_by":["grade"]"#, r#""subgroups_by":["grade","shoe_size"]"#);
        assert_ne!(text, edited, "partial.json lists the --by covariates");
        fs::write(&partial, edited).unwrap();
    }
    foramen()
        .arg("merge")
        .args(&dirs)
        .arg("--out")
        .arg(tmp.path().join("merged"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("shoe_size"))
        .stderr(predicate::str::contains("no such covariate"));
    assert!(!tmp.path().join("merged").exists());
}

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
