//! docs/r/read_run.R, the example of reading a run directory in R (base R's
//! read.csv), run on a run directory: R reads the numbers foramen wrote,
//! to the last bit, and the labels beside them.

use std::process::Command;

use crate::util::{csv_column, r_or_skip, run_quiet};

#[test]
fn the_r_example_reads_a_run_directory_exactly() {
    if !r_or_skip("", "docs/r/read_run.R", "r-base-core") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_quiet(
        tmp.path(),
        "run",
        "scenarios/foraminal-stenosis.toml",
        &["--patients", "2000"],
    );
    let out = Command::new("Rscript")
        .arg("docs/r/read_run.R")
        .arg(&dir)
        .output()
        .expect("Rscript runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let policies = csv_column(&summary, "policy");
    let recovered = csv_column(&summary, "recovered");
    let median = csv_column(&summary, "median_days");
    let printed = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = printed.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), policies.len(), "{printed}");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], policies[i]);
        assert!(!row[1].is_empty(), "a label for {}", row[0]);
        // %.17g in R and Rust's parse of the CSV cell: the same double.
        let r: f64 = row[2].parse().unwrap();
        assert_eq!(r, recovered[i].parse::<f64>().unwrap(), "recovered, {}", row[0]);
        let r: f64 = row[3].parse().unwrap();
        assert_eq!(r, median[i].parse::<f64>().unwrap(), "median_days, {}", row[0]);
        let year: f64 = row[4].parse().unwrap();
        assert!(
            (0.0..=1.0).contains(&year) && year > 0.5,
            "recovered by a year, {}: {year}",
            row[0]
        );
    }
}
