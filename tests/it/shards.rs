//! Shards for clusters: `run --shard K/N` then `merge` equals the plain run
//! byte for byte, and merging refuses shards that do not belong together.

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{SMALL, foramen};

fn shard(dir: &Path, k: u32, n: u32, extra: &[&str]) {
    foramen()
        .args([
            "run",
            SMALL,
            "--patients",
            "20000",
            "--by",
            "grade,age",
            "-q",
            "--shard",
            &format!("{k}/{n}"),
            "--out",
        ])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn four_shards_merged_equal_the_plain_run() {
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    for k in 0..4 {
        shard(&t.join(format!("s{k}")), k, 4, &["--patients-out"]);
    }
    // Merge in a shuffled order: the order cannot matter.
    foramen()
        .args(["merge", "-q", "--out"])
        .arg(t.join("merged"))
        .args([t.join("s2"), t.join("s0"), t.join("s3"), t.join("s1")])
        .assert()
        .success();
    foramen()
        .args(["run", SMALL, "--patients", "20000", "--by", "grade,age", "-q", "--out"])
        .arg(t.join("plain"))
        .assert()
        .success();
    for file in [
        "summary.csv",
        "curves.csv",
        "subgroups.csv",
        "comparison.csv",
        "subgroup_differences.csv",
    ] {
        let merged = fs::read(t.join("merged").join(file)).unwrap();
        assert_eq!(merged, fs::read(t.join("plain").join(file)).unwrap(), "{file} differs");
    }
    assert!(t.join("merged/recovery_curves.png").exists());
    assert!(t.join("s3/patients.part-00003-of-00004.parquet").exists());
}

#[test]
fn merge_refuses_mixed_missing_or_repeated_shards() {
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    shard(&t.join("a0"), 0, 2, &[]);
    shard(&t.join("a1"), 1, 2, &[]);
    shard(&t.join("b1"), 1, 2, &["--seed", "8"]);
    let merge = |dirs: &[&str]| {
        let mut cmd = foramen();
        cmd.args(["merge", "--out"]).arg(t.join("m"));
        for d in dirs {
            cmd.arg(t.join(d));
        }
        cmd.assert()
    };
    merge(&["a0", "b1"])
        .code(2)
        .stderr(predicate::str::contains("comes from a different seed (8)"));
    merge(&["a0"])
        .code(2)
        .stderr(predicate::str::contains("shard 1/2 is missing"));
    merge(&["a0", "a0", "a1"])
        .code(2)
        .stderr(predicate::str::contains("shard 0/2 is given twice"));
    foramen()
        .args(["run", SMALL, "--shard", "4/4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value '4/4' for '--shard <K/N>': write K/N with 0 <= K < N",
        ));
    assert!(!t.join("m").exists());
}

/// Results do not depend on how the cohort is cut into chunks (the unit of
/// parallel work): sums, subgroup sums and per-patient records are
/// identical for chunks of 1, 7, 1000, the default and more than the
/// cohort, on 1 and 2 threads.
#[test]
fn results_do_not_depend_on_the_chunk_size() {
    use foramen::accumulate::sink;
    use foramen::simulate::engine::{CHUNK, Unobserved};
    let s = foramen::scenario::Scenario::from_toml(crate::util::SMALL_TEXT, "small.toml").unwrap();
    let run = |chunk: u64, threads: usize| {
        let spec = foramen::simulate::engine::RunSpec {
            chunk,
            threads,
            by: vec![0, 2],
            keep_patients: true,
            ..crate::util::spec(&s, 5000)
        };
        let out = sink::run(&s, &spec, &Unobserved).unwrap();
        format!("{:?} {:?}", out.accs, out.patients)
    };
    let reference = run(CHUNK, 1);
    for (chunk, threads) in [(1, 2), (7, 1), (7, 2), (1000, 2), (CHUNK, 2), (1 << 20, 2)] {
        assert!(run(chunk, threads) == reference, "chunk {chunk}, {threads} threads");
    }
}

/// A run split into subgroups sums each path into its subgroup only and
/// makes the overall sums from them (`PolicyAcc::finish`): its overall
/// results are the unsplit run's, byte for byte, with common random numbers
/// and with independent streams (whose pairs are not split).
#[test]
fn overall_results_do_not_depend_on_the_split() {
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    for extra in [&[][..], &["--independent"][..]] {
        let run = |name: &str, by: &[&str]| {
            foramen()
                .args(["run", SMALL, "--patients", "20000", "-q", "--force", "--out"])
                .arg(t.join(name))
                .args(by)
                .args(extra)
                .assert()
                .success();
        };
        run("whole", &[]);
        run("split", &["--by", "grade,age"]);
        for file in ["summary.csv", "comparison.csv", "curves.csv"] {
            let split = fs::read(t.join("split").join(file)).unwrap();
            assert_eq!(
                split,
                fs::read(t.join("whole").join(file)).unwrap(),
                "{file} differs ({extra:?})"
            );
        }
    }
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
