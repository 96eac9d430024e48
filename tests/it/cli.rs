//! The real `foramen` binary, driven as a user would.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{SMALL, foramen, run_quiet, stderr_has, validate_edit};

fn run_small(dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("run");
    foramen()
        .args(["run", SMALL, "--patients", "3000", "--out"])
        .arg(&out)
        .args(extra)
        .assert()
        .success()
        .stdout(predicate::str::contains("recovered % (MC 95%)"))
        .stdout(predicate::str::contains("wrote "));
    out
}

#[test]
fn run_writes_every_output() {
    let tmp = TempDir::new().unwrap();
    let out = run_small(tmp.path(), &["--patients-out"]);
    for file in [
        "summary.csv",
        "curves.csv",
        "at_risk.csv",
        "subgroups.csv",
        "manifest.json",
        "patients.parquet",
        "recovery_curves.png",
        "recovery_curves.svg",
        "pathway.png",
        "pathway.svg",
        "time_to_recovery.png",
        "time_to_recovery.svg",
    ] {
        let meta = fs::metadata(out.join(file)).unwrap_or_else(|_| panic!("{file} is missing"));
        assert!(meta.len() > 0, "{file} is empty");
    }
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    for column in [
        "policy",
        "patients",
        "recovered",
        "recovered_lo",
        "recovered_hi",
        "median_days",
        "median_days_lo",
        "median_days_hi",
        "surgery",
        "fusion",
    ] {
        assert!(header.contains(&column), "summary.csv lacks {column}");
    }
    assert_eq!(summary.lines().count(), 3, "one row per policy");
    let curves = fs::read_to_string(out.join("curves.csv")).unwrap();
    assert!(curves.starts_with("policy,curve,day,value,lo,hi\n"));
    for curve in ["recovered", "symptom_free", "surgery_free"] {
        assert!(curves.contains(&format!("stepwise,{curve},")), "no {curve} curve");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["patients_per_policy"], 3000);
    assert_eq!(manifest["scenario_sha256"].as_str().unwrap().len(), 64);
    // Nothing is left beside the run directory.
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn thread_count_does_not_change_a_byte() {
    let tmp = TempDir::new().unwrap();
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    for (dir, threads) in [(&one, "1"), (&two, "2")] {
        foramen()
            .args([
                "run",
                SMALL,
                "--patients",
                "9000",
                "--by",
                "grade,age",
                "--threads",
                threads,
                "-q",
                "--out",
            ])
            .arg(dir)
            .assert()
            .success();
    }
    for file in ["summary.csv", "curves.csv", "subgroups.csv"] {
        assert_eq!(
            fs::read(one.join(file)).unwrap(),
            fs::read(two.join(file)).unwrap(),
            "{file} differs"
        );
    }
}

#[test]
fn subgroups_follow_by() {
    let tmp = TempDir::new().unwrap();
    let out = run_small(tmp.path(), &["--by", "grade,motor_deficit"]);
    let text = fs::read_to_string(out.join("subgroups.csv")).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("policy,subgroup,grade,motor_deficit,patients,recovered,")
    );
    assert!(text.contains("stepwise,\"grade=severe, motor_deficit=true\",severe,true,"));
}

#[test]
fn never_writes_into_an_existing_directory() {
    let tmp = TempDir::new().unwrap();
    let out = run_small(tmp.path(), &[]);
    let before = fs::read(out.join("summary.csv")).unwrap();
    foramen()
        .args(["run", SMALL, "--patients", "100", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(fs::read(out.join("summary.csv")).unwrap(), before);
}

#[test]
fn default_scenario_validates_and_describes() {
    foramen()
        .args(["validate", "scenarios/foraminal-stenosis.toml", SMALL])
        .assert()
        .success()
        .stdout(predicate::str::contains("ok: scenarios/foraminal-stenosis.toml"));
    foramen()
        .arg("describe")
        .assert()
        .success()
        .stdout(predicate::str::contains("policy "))
        .stdout(predicate::str::contains("red flag"));
}

/// Writes `small.toml` with `from` replaced by `to` and runs `validate`.
#[test]
fn bad_input_gets_one_clear_message_and_exit_code_2() {
    let cases: &[(&str, &str, &[&str])] = &[
        // unknown key, with line and column
        (
            "failure_time = { family = \"fixed\", value = 21 }",
            "failure_tme = { family = \"fixed\", value = 21 }",
            &["line 42", "unknown field `failure_tme`"],
        ),
        // probability outside [0, 1]
        (
            "probability = 0.6 }",
            "probability = 1.6 }",
            &[
                "interventions.injection.response.probability = 1.6",
                "a probability must be a number in [0, 1]",
            ],
        ),
        // impossible distribution parameter
        (
            "shape = 1.5, scale = 30",
            "shape = -1.5, scale = 30",
            &[
                "interventions.surgery.recovery_time.family",
                "shape must be > 0, got -1.5",
            ],
        ),
        // NaN and infinity
        (
            "mean = 10, sd = 4",
            "mean = nan, sd = 4",
            &["interventions.injection.recovery_time.mean = NaN", "finite"],
        ),
        (
            "value = 90 }",
            "value = inf }",
            &["interventions.surgery.failure_time.value = inf", "finite"],
        ),
        // a condition naming an unknown covariate
        (
            "skip_if = \"motor_deficit\"",
            "skip_if = \"motor_defecit\"",
            &[
                "policies.stepwise.steps[0].skip_if = \"motor_defecit\"",
                "did you mean `motor_deficit`",
            ],
        ),
        // a step naming an unknown intervention
        (
            "{ intervention = \"injection\", attempts = 2 }",
            "{ intervention = \"injections\", attempts = 2 }",
            &[
                "policies.stepwise.steps[1].intervention = \"injections\"",
                "did you mean `injection`",
            ],
        ),
        // TOML syntax error
        (
            "name = \"small\"",
            "name = \"small",
            &["line 2, column", "name = \"small"],
        ),
    ];
    for (from, to, expected) in cases {
        let assert = validate_edit(from, to).code(2);
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains("bad.toml"), "no file name in: {stderr}");
        for e in *expected {
            assert!(stderr.contains(e), "expected `{e}` in: {stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn bad_flags_exit_2() {
    foramen()
        .args(["run", SMALL, "--patients", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--patients 0: patients per policy must be between 1 and",
        ));
    foramen()
        .args(["run", SMALL, "--by", "grde"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `grade`"));
    foramen()
        .args(["run", "no/such/file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read scenario no/such/file.toml"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_run_and_leaves_nothing() {
    use std::process::{Command as Std, Stdio};
    use std::time::{Duration, Instant};
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("big");
    let child = Std::new(assert_cmd::cargo::cargo_bin("foramen"))
        .args(["run", "--patients", "200000000", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run directory is being written, then interrupt.
    let started = Instant::now();
    while fs::read_dir(tmp.path()).unwrap().count() == 0 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = Std::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "something was left behind"
    );
}

#[test]
fn force_replaces_a_finished_run_only_after_completion() {
    let tmp = TempDir::new().unwrap();
    let out = run_small(tmp.path(), &[]);
    foramen()
        .args([
            "run",
            SMALL,
            "--patients",
            "500",
            "--seed",
            "99",
            "--force",
            "-q",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"seed\": 99"));
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn verify_passes_against_exact_answers() {
    // The validation scenarios at 50,000 patients per policy (the command's
    // default is each file's 200,000); thresholds are stated in src/verify.rs.
    foramen()
        .args(["verify", "--patients", "50000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("checks, 0 failed"));
}

#[test]
fn bench_reports_throughput_scaling_and_the_baseline_ratio() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("bench");
    foramen()
        .args([
            "bench",
            SMALL,
            "--patients",
            "2000,5000",
            "--threads",
            "1,2",
            "--repeats",
            "1",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("draws per patient-path"))
        .stdout(predicate::str::contains("ratio"))
        .stdout(predicate::str::contains("wrote "));
    let csv = fs::read_to_string(out.join("bench.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4, "two sizes x two thread counts:\n{csv}");
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let value = |row: &[&str], name: &str| -> f64 { row[col(name)].parse().unwrap() };
    for row in &rows {
        for name in [
            "paths_per_second",
            "ns_per_path",
            "baseline_paths_per_second",
            "ratio_to_baseline",
        ] {
            let v = value(row, name);
            assert!(v.is_finite() && v > 0.0, "{name} = {v} in {row:?}");
        }
        // Each row's rates agree with its own seconds and sizes.
        let paths = value(row, "paths");
        let rate = paths / value(row, "seconds");
        assert!((value(row, "paths_per_second") / rate - 1.0).abs() < 1e-9);
        let ratio = value(row, "baseline_seconds") / value(row, "seconds");
        assert!((value(row, "ratio_to_baseline") / ratio - 1.0).abs() < 1e-9);
    }
    // Scaling efficiency: empty for 1 thread, a share for 2 threads.
    assert_eq!(rows[0][col("scaling_efficiency")], "");
    assert!(value(&rows[1], "scaling_efficiency") > 0.0);
    // The floor: every kind of draw priced, the path against the sum of
    // the floors, and the path's own ns the one-thread row's of the
    // larger size.
    let floor = fs::read_to_string(out.join("floor.csv")).unwrap();
    let mut lines = floor.lines();
    assert_eq!(lines.next().unwrap(), "kind,per_path,own_ns,floor_ns,times_floor");
    let floor_rows: Vec<&str> = lines.collect();
    let row_of = |kind: &str| -> Vec<f64> {
        let line = floor_rows
            .iter()
            .find(|l| l.starts_with(&format!("{kind},")))
            .unwrap_or_else(|| panic!("no {kind} row in\n{floor}"));
        line.rsplitn(5, ',')
            .take(4)
            .map(|v| v.parse().unwrap_or(f64::NAN))
            .collect()
    };
    for kind in ["stream", "uniform", "draws of a path"] {
        let r = row_of(kind); // times_floor, floor_ns, own_ns, per_path (reversed)
        assert!(r.iter().all(|v| v.is_finite() && *v > 0.0), "{kind}: {r:?}");
        assert!((r[0] - r[2] / r[1]).abs() < 1e-9 * r[0]);
    }
    let path = row_of("path");
    assert_eq!(
        path[2],
        value(&rows[2], "ns_per_path"),
        "the 5000-patient, one-thread row"
    );
    assert!(floor_rows.iter().any(|l| l.starts_with("primitive: normal quantile")));
    for file in ["scaling.png", "scaling.svg", "manifest.json"] {
        assert!(out.join(file).exists(), "{file} is missing");
    }
    foramen()
        .args(["bench", SMALL, "--threads", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--threads 0"));
}

/// A run directory carries its scenario (scenario.toml) and its command
/// line (manifest.json, argv): running the copy with the recorded options
/// gives the same tables, byte for byte.
#[test]
fn a_run_directory_reproduces_itself() {
    let tmp = TempDir::new().unwrap();
    let options = [
        "--patients",
        "3000",
        "--seed",
        "11",
        "--by",
        "grade",
        "--horizon",
        "200",
    ];
    let first = run_quiet(tmp.path(), "first", SMALL, &options);
    let copy = first.join("scenario.toml");
    assert_eq!(fs::read_to_string(&copy).unwrap(), fs::read_to_string(SMALL).unwrap());
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(first.join("manifest.json")).unwrap()).unwrap();
    let argv: Vec<&str> = manifest["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for option in options {
        assert!(argv.contains(&option), "argv {argv:?} lacks {option}");
    }
    assert!(
        manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "scenario.toml")
    );
    let again = run_quiet(tmp.path(), "again", &copy, &options);
    for file in ["summary.csv", "curves.csv", "subgroups.csv", "comparison.csv"] {
        assert_eq!(
            fs::read(first.join(file)).unwrap(),
            fs::read(again.join(file)).unwrap(),
            "{file} differs"
        );
    }
}

/// Every chart's data is a table: pathway.csv counts every patient once,
/// time_to_recovery.csv every recovered patient once, and
/// recovery_difference.csv has one row per compared policy and grid day.
#[test]
fn chart_data_tables_add_up() {
    let tmp = TempDir::new().unwrap();
    let out = run_small(tmp.path(), &[]);
    let read = |file: &str| -> Vec<Vec<String>> {
        fs::read_to_string(out.join(file))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let summary = read("summary.csv");
    let header: Vec<String> = fs::read_to_string(out.join("summary.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for row in &summary {
        let policy = &row[0];
        let patients: u64 = row[col("patients")].parse().unwrap();
        let recovered: f64 = row[col("recovered")].parse().unwrap();
        let pathway: u64 = read("pathway.csv")
            .iter()
            .filter(|r| &r[0] == policy)
            .map(|r| r[3].parse::<u64>().unwrap())
            .sum();
        assert_eq!(pathway, patients, "{policy}: pathway.csv");
        let bins: u64 = read("time_to_recovery.csv")
            .iter()
            .filter(|r| &r[0] == policy)
            .map(|r| r[3].parse::<u64>().unwrap())
            .sum();
        assert_eq!(
            bins,
            (recovered * patients as f64).round() as u64,
            "{policy}: time_to_recovery.csv"
        );
    }
    let days = read("curves.csv")
        .iter()
        .filter(|r| r[0] == summary[0][0] && r[1] == "recovered")
        .count();
    assert_eq!(read("recovery_difference.csv").len(), (summary.len() - 1) * days);
}

/// `foramen diff` sets two run directories side by side, and says what
/// differs between them besides the results.
#[test]
fn diff_compares_two_runs() {
    let tmp = TempDir::new().unwrap();
    let a = run_quiet(tmp.path(), "a", SMALL, &["--patients", "2000"]);
    let b = run_quiet(tmp.path(), "b", SMALL, &["--patients", "2000", "--seed", "99"]);
    let out = foramen().arg("diff").arg(&a).arg(&b).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("unpaired MC 95%"), "{stdout}");
    assert!(stdout.contains("stepwise") && stdout.contains("recovered"), "{stdout}");
    assert!(!stdout.contains("the scenarios differ"), "{stdout}");
    // Against itself: every difference is 0, and it says the runs are identical.
    let same = foramen().arg("diff").arg(&a).arg(&a).assert().success();
    let same = String::from_utf8_lossy(&same.get_output().stdout).to_string();
    assert!(same.contains("the runs are identical, as they should be"), "{same}");
    // A copy whose summary.csv lost a policy: named, and not called identical
    // (it used to say "the runs should be identical").
    let copy = tmp.path().join("copy");
    fs::create_dir(&copy).unwrap();
    for entry in fs::read_dir(&a).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
        }
    }
    let summary = fs::read_to_string(copy.join("summary.csv")).unwrap();
    let kept: Vec<&str> = summary.lines().filter(|l| !l.starts_with("early-surgery")).collect();
    assert!(kept.len() < summary.lines().count(), "small.toml has early-surgery");
    fs::write(copy.join("summary.csv"), kept.join("\n") + "\n").unwrap();
    let dropped = foramen().arg("diff").arg(&a).arg(&copy).assert().success();
    let dropped = String::from_utf8_lossy(&dropped.get_output().stdout).to_string();
    assert!(
        dropped.contains("not in B's summary.csv, so not compared: early-surgery"),
        "{dropped}"
    );
    assert!(dropped.contains("yet the summaries differ"), "{dropped}");
    // And the other way round: a policy only B has is named as missing from A.
    let added = foramen().arg("diff").arg(&copy).arg(&a).assert().success();
    let added = String::from_utf8_lossy(&added.get_output().stdout).to_string();
    assert!(
        added.contains("not in A's summary.csv, so not compared: early-surgery"),
        "{added}"
    );
    assert!(
        !added.lines().any(|l| l.starts_with("early-surgery ")),
        "a policy of one run has no row of differences: {added}"
    );
    // Another scenario is named; a folder that is not a run is refused.
    let other = tmp.path().join("other.toml");
    fs::write(
        &other,
        fs::read_to_string(SMALL)
            .unwrap()
            .replacen("seed = 7", "seed = 7\n# edited", 1),
    )
    .unwrap();
    let c = run_quiet(tmp.path(), "c", &other, &["--patients", "2000"]);
    let notes = foramen().arg("diff").arg(&a).arg(&c).assert().success();
    let notes = String::from_utf8_lossy(&notes.get_output().stdout).to_string();
    assert!(notes.contains("the scenarios differ"), "{notes}");
    foramen()
        .arg("diff")
        .arg(&a)
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("manifest.json"));
}

/// Curves end at the horizon (365 days, off the 7-day grid: the last row
/// used to be day 364), where cumulative recovery is the summary's share.
#[test]
fn curves_end_at_the_horizon_and_agree_with_the_summary() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    foramen()
        .args(["run", crate::util::SMALL, "--patients", "2000", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    let curves = std::fs::read_to_string(out.join("curves.csv")).unwrap();
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let recovered_column = summary
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "recovered")
        .unwrap();
    for row in summary.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        let (policy, share): (&str, f64) = (cells[0], cells[recovered_column].parse().unwrap());
        let at_horizon = curves
            .lines()
            .find(|l| l.starts_with(&format!("{policy},recovered,365.0,")))
            .unwrap_or_else(|| panic!("no recovered row at day 365 for {policy}"));
        let value: f64 = at_horizon.split(',').nth(3).unwrap().parse().unwrap();
        // 1 - S(H) (a product of Kaplan-Meier factors) against k / n.
        assert!((value - share).abs() < 1e-12, "{policy}: {value} vs {share}");
    }
    for curve in ["recovered", "symptom_free", "surgery_free"] {
        let last = curves.lines().rfind(|l| l.contains(&format!(",{curve},"))).unwrap();
        assert!(last.contains(",365.0,"), "{curve} ends at {last}");
    }
}

/// The terminal table prints a value that cannot be estimated as the CSVs
/// do (NaN), not as NA: at a 1-day horizon nobody recovers, so the median
/// is not reached.
#[test]
fn the_terminal_says_nan_where_the_csvs_do() {
    let tmp = TempDir::new().unwrap();
    let out = foramen()
        .args(["run", SMALL, "--horizon", "1", "--patients", "200", "--out"])
        .arg(tmp.path().join("run"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("NaN (NaN-NaN)"), "{stdout}");
    assert!(!stdout.contains("NA"), "{stdout}");
    let summary = std::fs::read_to_string(tmp.path().join("run/summary.csv")).unwrap();
    assert!(summary.contains("NaN"), "{summary}");
}

/// `sweep` prints its results (one row per value and policy), as
/// `sensitivity` does; before, only where it wrote them.
#[test]
fn sweep_prints_its_results() {
    let tmp = TempDir::new().unwrap();
    let param = "interventions.physio.response.probability";
    let out = foramen()
        .args([
            "sweep",
            SMALL,
            "--param",
            param,
            "--values",
            "0.2,0.5",
            "--patients",
            "300",
            "--out",
        ])
        .arg(tmp.path().join("sweep"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("value  policy"), "{stdout}");
    assert!(stdout.contains("recovered % (MC 95%)"), "{stdout}");
    assert!(stdout.contains("(MC 95%: intervals of Monte Carlo error"), "{stdout}");
    for value in ["0.2", "0.5"] {
        for policy in ["stepwise", "early-surgery"] {
            assert!(
                stdout.lines().any(|l| l.starts_with(value) && l.contains(policy)),
                "no row for {value}, {policy}:\n{stdout}"
            );
        }
    }
}

/// `describe` shows what the engine does: a step's own failure time (as
/// what a policy changes), a route's intervention and its numbers,
/// complications, and the subgroups of a continuous covariate's breaks.
#[test]
fn describe_says_what_the_engine_does() {
    let out = foramen().arg("describe").assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let extended = &stdout[stdout.find("policy extended-conservative").unwrap()..];
    assert!(
        extended.contains("failure declared after 84 d (this step's own)"),
        "{extended}"
    );
    let tlif = &stdout[stdout
        .find("\n  tlif (lumbar decompression with fusion (TLIF), surgical, a fusion)\n")
        .unwrap()..];
    let tlif: Vec<&str> = tlif.lines().skip(2).take(2).collect();
    assert_eq!(
        tlif[0].trim(),
        "response: full 0.8, partial 0.07; any response 0.87, ignoring the frailty, split full : partial as declared",
        "{tlif:?}"
    );
    assert!(tlif[1].contains("recover after lognormal(median 70 d"), "{tlif:?}");
    for line in [
        "if instability and region == 'cervical': acdf (surgical) instead; if instability: tlif (surgical) instead",
        "complication dural tear: 0.02, fails the attempt",
        "complication durotomy: 0.06, odds x1.4 if diabetes, delays the outcome by 14 d",
        "age: normal(mean 62, sd 11) truncated to [30, 90]; subgroups <50, [50,65), [65,75), >=75",
    ] {
        assert!(stdout.contains(line), "no `{line}` in:\n{stdout}");
    }
}

/// A run removes the temporary directory a killed run left beside its
/// target (`.NAME.partial-PID` whose process is gone) and says so; one
/// whose process is alive (this test's) is left alone.
#[test]
fn a_killed_runs_leftovers_are_removed() {
    let tmp = TempDir::new().unwrap();
    // No process has this id: Linux caps them at 2^22.
    let dead = tmp.path().join(".old.partial-999999999");
    let alive = tmp.path().join(format!(".other.partial-{}", std::process::id()));
    for dir in [&dead, &alive] {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(dir.join("summary.csv"), "half-written").unwrap();
    }
    let run = foramen()
        .args(["run", SMALL, "--patients", "100", "--quiet", "--out"])
        .arg(tmp.path().join("run"))
        .assert()
        .success();
    stderr_has(run, &["note: removed", ".old.partial-999999999"]);
    assert!(!dead.exists());
    assert!(alive.exists());
    assert!(tmp.path().join("run/manifest.json").exists());
}

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

/// The run's table says what its intervals are: Monte Carlo error of this
/// cohort size, not uncertainty in the inputs (issue 33, item 5).
#[test]
fn the_run_table_says_its_intervals_are_monte_carlo_error() {
    let tmp = TempDir::new().unwrap();
    let out = foramen()
        .args(["run", SMALL, "--patients", "500", "--out"])
        .arg(tmp.path().join("run"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let table_end = stdout
        .find("(MC 95%: intervals of Monte Carlo error")
        .expect("the note");
    assert!(stdout[..table_end].contains("recovered % (MC 95%)"), "{stdout}");
    assert!(
        stdout[..table_end].contains("ICER (MC 95% Fieller)") || !stdout.contains("ICER"),
        "{stdout}"
    );
    assert!(stdout.contains("not uncertainty in the inputs"), "{stdout}");
}

#[test]
fn time_axes_take_the_unit_asked_for() {
    // The small scenario's horizon chooses its own unit; --time-unit weeks
    // says weeks on every time axis, and a unit foramen does not know is
    // refused with the ones it does.
    let tmp = TempDir::new().unwrap();
    let run = crate::util::run_quiet(tmp.path(), "run", crate::util::SMALL, &["--patients", "500"]);
    let out = tmp.path().join("weeks");
    crate::util::plot(&run, &out, &["--format", "svg", "--time-unit", "weeks"]).success();
    for chart in ["recovery_curves", "symptom_free", "states"] {
        let svg = std::fs::read_to_string(out.join(format!("{chart}.svg"))).unwrap();
        assert!(svg.contains("Weeks since presentation"), "{chart} is not in weeks");
    }
    crate::util::stderr_has(
        crate::util::plot(&run, &out, &["--time-unit", "fortnights"]).failure(),
        &["`fortnights` is not a time unit: use days, weeks, months or years"],
    );
}
