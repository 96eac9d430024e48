//! Shards for clusters: `run --shard K/N` then `merge` equals the plain run
//! byte for byte, and merging refuses shards that do not belong together.

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{SMALL, foramen, resealed};

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
            &format!("{}/{n}", k + 1),
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
    assert!(t.join("s3/patients.part-00004-of-00004.parquet").exists());
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
        .stderr(predicate::str::contains("shard 2/2 is missing"));
    merge(&["a0", "a0", "a1"])
        .code(2)
        .stderr(predicate::str::contains("shard 1/2 is given twice"));
    foramen()
        .args(["run", SMALL, "--shard", "5/4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value '5/4' for '--shard <K/N>': write K/N with 1 <= K <= N",
        ));
    // Shards count from 1, as nextest's partitions do.
    foramen()
        .args(["run", SMALL, "--shard", "0/4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("shards are counted from 1").and(predicate::str::contains("4/4 the last")));
    assert!(!t.join("m").exists());
}

/// Results do not depend on how the cohort is cut into chunks (the unit of
/// parallel work): sums, subgroup sums, per-patient records and the event
/// log are identical for chunks of 1, 7, 1000, the default and more than
/// the cohort, on 1 and 2 threads; keeping the event log changes no sum
/// or record.
#[test]
fn results_do_not_depend_on_the_chunk_size() {
    use foramen::accumulate::sink;
    use foramen::simulate::engine::{CHUNK, Unobserved};
    let s = foramen::scenario::Scenario::from_toml(crate::util::SMALL_TEXT, "small.toml").unwrap();
    let run = |chunk: u64, threads: usize, keep_events: bool| {
        let spec = foramen::simulate::engine::RunSpec {
            chunk,
            threads,
            by: vec![0, 2],
            keep_patients: true,
            keep_events,
            ..crate::util::spec(&s, 5000)
        };
        let out = sink::run(&s, &spec, &Unobserved).unwrap();
        (
            format!("{:?} {:?}", out.accs, out.patients),
            format!("{:?}", out.events),
        )
    };
    let reference = run(CHUNK, 1, true);
    assert!(reference.1.contains("Attempt"), "no events kept");
    assert!(
        run(CHUNK, 1, false).0 == reference.0,
        "the event log changed the results"
    );
    for (chunk, threads) in [(1, 2), (7, 1), (7, 2), (1000, 2), (CHUNK, 2), (1 << 20, 2)] {
        assert!(
            run(chunk, threads, true) == reference,
            "chunk {chunk}, {threads} threads"
        );
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
            .args(["--shard", &format!("{}/2", k + 1), "--out"])
            .arg(dir)
            .assert()
            .success();
        let partial = dir.join("partial.json");
        let text = fs::read_to_string(&partial).unwrap();
        let edited = text.replace(r#""subgroups_by":["grade"]"#, r#""subgroups_by":["grade","shoe_size"]"#);
        assert_ne!(text, edited, "partial.json lists the --by covariates");
        fs::write(&partial, resealed(&edited)).unwrap();
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

/// Two shards of one run, and their directories.
fn two_shards(tmp: &std::path::Path) -> Vec<std::path::PathBuf> {
    let dirs: Vec<_> = (0..2).map(|k| tmp.join(format!("s{k}"))).collect();
    for (k, dir) in dirs.iter().enumerate() {
        foramen()
            .args(["run", SMALL, "--patients", "4000", "-q"])
            .args(["--shard", &format!("{}/2", k + 1), "--out"])
            .arg(dir)
            .assert()
            .success();
    }
    dirs
}

/// merge verifies what it reads: a partial.json changed after the shard
/// wrote it (its checksum), a scenario text edited under its old SHA-256,
/// and, when the checksum is made again, impossible counts and sums of the
/// wrong shape. Each used to be merged without a word (a share of 1.59
/// recovered; short vectors silently zipped).
#[test]
fn merge_verifies_each_shard() {
    let tmp = TempDir::new().unwrap();
    let dirs = two_shards(tmp.path());
    let partial = dirs[1].join("partial.json");
    let good = fs::read_to_string(&partial).unwrap();
    let merge = |name: &str| {
        foramen()
            .arg("merge")
            .args(&dirs)
            .arg("--out")
            .arg(tmp.path().join(name))
            .assert()
    };
    // Any change to the payload: the checksum.
    let at = good.rfind(r#""stalled_paths":"#).unwrap() + r#""stalled_paths":"#.len();
    let bumped = format!(
        "{}7{}",
        &good[..at],
        &good[at + good[at..].find(|c: char| !c.is_ascii_digit()).unwrap()..]
    );
    assert_ne!(bumped, good);
    fs::write(&partial, &bumped).unwrap();
    merge("a")
        .code(2)
        .stderr(predicate::str::contains("does not match its content"));
    // A scenario edited under its old hash, resealed.
    let edited = good.replacen("name = \\\"small\\\"", "name = \\\"large\\\"", 1);
    assert_ne!(edited, good, "partial.json carries the scenario text");
    fs::write(&partial, resealed(&edited)).unwrap();
    merge("b")
        .code(2)
        .stderr(predicate::str::contains("does not match the scenario's SHA-256"));
    // More recovered than patients, resealed.
    let patients: u64 = {
        let at = good.find(r#""overall":{"patients":"#).unwrap() + r#""overall":{"patients":"#.len();
        good[at..at + good[at..].find(',').unwrap()].parse().unwrap()
    };
    let sum_at = good.find(r#""overall":{"patients":"#).unwrap();
    let sum_start = sum_at + good[sum_at..].find(r#""sum":["#).unwrap() + r#""sum":["#.len();
    let first_end = sum_start + good[sum_start..].find(',').unwrap();
    let absurd = format!("{}{}{}", &good[..sum_start], patients * 2, &good[first_end..]);
    fs::write(&partial, resealed(&absurd)).unwrap();
    merge("c")
        .code(2)
        .stderr(predicate::str::contains("its sums are impossible"));
    // A short curve, resealed.
    let short = good.replacen(r#""symptom_free_diff":[0,"#, r#""symptom_free_diff":["#, 1);
    assert_ne!(short, good);
    fs::write(&partial, resealed(&short)).unwrap();
    merge("d").code(2).stderr(predicate::str::contains("not shaped like"));
    for name in ["a", "b", "c", "d"] {
        assert!(!tmp.path().join(name).exists());
    }
}

/// The code block after `heading` in docs/cluster.md.
fn cluster_recipe(heading: &str) -> String {
    let doc = fs::read_to_string("docs/cluster.md").unwrap();
    let after = &doc[doc
        .find(heading)
        .unwrap_or_else(|| panic!("docs/cluster.md has no {heading}"))..];
    let start = after.find("```sh\n").unwrap() + "```sh\n".len();
    after[start..start + after[start..].find("```").unwrap()].to_string()
}

#[test]
fn the_slurm_recipe_of_docs_cluster_runs() {
    // docs/cluster.md's job script, run as Slurm would run its array (each
    // task with its SLURM_ARRAY_TASK_ID, 1 to N), on the small scenario,
    // 3 shards of 9,000 patients; then its merge script. The result must
    // be the plain run's.
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    let job = cluster_recipe("## Slurm job array")
        .replace(
            "scenarios/my-scenario.toml",
            &fs::canonicalize(SMALL).unwrap().display().to_string(),
        )
        .replace("1000000000", "9000")
        .replace("N=64", "N=3");
    assert!(job.contains("${SLURM_ARRAY_TASK_ID}/${N}"), "{job}");
    let bin = assert_cmd::cargo::cargo_bin("foramen");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let bash = |script: &str, task: Option<u32>| {
        let mut c = std::process::Command::new("bash");
        c.arg("-c").arg(script).current_dir(t).env("PATH", &path);
        if let Some(k) = task {
            c.env("SLURM_ARRAY_TASK_ID", k.to_string())
                .env("SLURM_CPUS_PER_TASK", "1");
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{script}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for k in 1..=3 {
        bash(&job, Some(k));
    }
    let merge = cluster_recipe("Submit with");
    assert!(merge.contains("foramen merge shards/*"), "{merge}");
    bash(&merge, None);
    foramen()
        .args(["run", SMALL, "--patients", "9000", "-q", "--out"])
        .arg(t.join("plain"))
        .assert()
        .success();
    for table in ["summary.csv", "comparison.csv", "curves.csv"] {
        let merged = fs::read(t.join("results/my-run").join(table)).unwrap();
        assert_eq!(merged, fs::read(t.join("plain").join(table)).unwrap(), "{table}");
    }
}
