//! Inputs whose size or depth the user controls get a clear error, exit 2,
//! instead of a crash (issue: hardening).

use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{
    SMALL, SMALL_TEXT, csv_column, foramen, patients, refused, run_quiet, run_text, stderr_has, validate_edit,
    validate_text,
};

/// Six covariates of 64 levels split by all six: 6.9e10 subgroups, which
/// used to abort the process on a 15 TB allocation.
#[test]
fn huge_subgroup_splits_are_refused_with_the_estimate() {
    let mut text = SMALL_TEXT.to_string();
    let levels: Vec<String> = (0..64).map(|i| format!("\"l{i}\"")).collect();
    let weights = vec!["0.015625"; 64].join(", ");
    for c in 1..=6 {
        text += &format!(
            "\n[[cohort.covariates]]\nname = \"c{c}\"\nlevels = [{}]\nweights = [{weights}]\n",
            levels.join(", ")
        );
    }
    // TOML lets an array of tables gain entries anywhere in the file.
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("wide.toml");
    std::fs::write(&file, text).unwrap();
    foramen()
        .arg("run")
        .arg(&file)
        .args(["--patients", "10", "--by", "c1,c2,c3,c4,c5,c6", "--out"])
        .arg(tmp.path().join("run"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("accumulators would take about"))
        .stderr(predicate::str::contains("68719476736 subgroups"))
        .stderr(predicate::str::contains("the limit is 8 GiB"));
    assert!(!tmp.path().join("run").exists());
}

/// Conditions nested tens of thousands deep used to overflow the stack.
#[test]
fn deeply_nested_conditions_are_refused() {
    for (condition, says) in [
        (
            format!("{}motor_deficit{}", "(".repeat(30_000), ")".repeat(30_000)),
            "at most 1000",
        ),
        (format!("{}motor_deficit", "not ".repeat(50_000)), "at most 1000"),
        (format!("{}motor_deficit", "not ".repeat(40)), "nest more than 32 deep"),
    ] {
        validate_edit("if = \"not motor_deficit\"", &format!("if = \"{condition}\""))
            .code(2)
            .stderr(predicate::str::contains(says))
            .stderr(predicate::str::contains("natural_history.progression.if"));
    }
}

/// A contrast of medians has no paired difference: refused with what to do
/// instead (it used to exit 0 with NaN everywhere and an empty tornado).
#[test]
fn a_contrast_of_medians_is_refused() {
    let tmp = TempDir::new().unwrap();
    foramen()
        .args(["sensitivity", crate::util::SMALL, "--patients", "300"])
        .args([
            "--contrast",
            "early-surgery,stepwise",
            "--outcome",
            "median_days",
            "--out",
        ])
        .arg(tmp.path().join("s"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--contrast early-surgery,stepwise: the outcome median_days",
        ))
        .stderr(predicate::str::contains(
            "no paired difference; measure it under one policy",
        ));
    assert!(!tmp.path().join("s").exists());
}

/// `merge` of a directory that is not a shard says what a shard directory
/// is (it used to say only that partial.json could not be read).
#[test]
fn merging_a_directory_that_is_not_a_shard_says_what_one_is() {
    let tmp = TempDir::new().unwrap();
    foramen()
        .arg("merge")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a shard directory"))
        .stderr(predicate::str::contains("foramen run --shard K/N"));
}

/// A shard run without `--out` names its directory after the shard.
#[test]
fn a_shard_without_out_is_named_after_the_shard() {
    let tmp = TempDir::new().unwrap();
    let scenario = std::path::Path::new(crate::util::SMALL).canonicalize().unwrap();
    foramen()
        .current_dir(tmp.path())
        .arg("run")
        .arg(&scenario)
        .args(["--patients", "300", "--shard", "1/3", "-q"])
        .assert()
        .success();
    let names: Vec<String> = std::fs::read_dir(tmp.path().join("output"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].starts_with("small-shard-1-of-3-"), "{names:?}");
}

/// The help lists every exit code, and `--threads` shows no misleading
/// "[default: 0]" beside "one per core".
#[test]
fn help_lists_every_exit_code_and_no_default_thread_count() {
    foramen()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("130 interrupted"));
    foramen()
        .args(["run", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("one per core"))
        .stdout(predicate::str::contains("[default: 0]").not());
}

/// `validate` counts in words a person would write ("1 policy", not "1
/// policies").
#[test]
fn validate_counts_in_singular_and_plural() {
    let second = "[[policies]]\nname = \"early-surgery\"\nsteps = [\n  { intervention = \"physio\", skip_if = \"grade == 'severe' or motor_deficit\" },\n  { intervention = \"surgery\", wait = { family = \"uniform\", low = 14, high = 42 } },\n]\nred_flag = { jump_to = \"surgery\", wait = { family = \"fixed\", value = 7 } }\n";
    validate_edit(second, "")
        .success()
        .stdout(predicate::str::contains("3 covariates, 3 interventions, 1 policy)"));
}

/// Type errors are said in words, not Rust type names.
#[test]
fn type_errors_name_no_rust_types() {
    for (from, to, says) in [
        (
            "patients = 2000",
            "patients = -5",
            "expected a whole number from 0 to 18446744073709551615",
        ),
        (
            "attempts = 2",
            "attempts = -1",
            "expected a whole number from 0 to 4294967295",
        ),
    ] {
        validate_edit(from, to)
            .code(2)
            .stderr(predicate::str::contains(says))
            .stderr(predicate::str::contains("expected u").not());
    }
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

/// Every rule broken is named in one run of `validate`, across sections and
/// within one entry, with a count; before, only the first was.
#[test]
fn validate_names_every_problem_of_a_file() {
    let text = SMALL_TEXT
        .replacen("horizon_days = 365", "horizon_days = 0", 1)
        .replacen("probability = 0.1", "probability = 1.1", 1)
        .replacen(
            "response = { probability = 0.6 }",
            "response = { probability = 1.6 }",
            1,
        )
        .replacen(
            "failure_time = { family = \"fixed\", value = 21 }",
            "failure_time = { family = \"fixed\", value = -1 }",
            1,
        )
        .replacen(
            "{ intervention = \"injection\", attempts = 2 }",
            "{ intervention = \"injektion\", attempts = 0 }",
            1,
        )
        .replacen("[0.2, 0.6]", "[0.6, 0.2]", 1);
    stderr_has(
        validate_text(&text).code(2),
        &[
            "7 problems:",
            "simulation.horizon_days = 0",
            "cohort.motor_deficit.probability = 1.1",
            "interventions.injection.response.probability = 1.6",
            "interventions.injection.failure_time",
            "policies.stepwise.steps[1].intervention = \"injektion\"",
            "(did you mean `injection`?)",
            "policies.stepwise.steps[1].attempts = 0",
            "ranges.\"interventions.physio.response.probability\" = [0.6, 0.2]",
        ],
    );
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
    assert!(stdout.contains("recovered % (95% CI)"), "{stdout}");
    for value in ["0.2", "0.5"] {
        for policy in ["stepwise", "early-surgery"] {
            assert!(
                stdout.lines().any(|l| l.starts_with(value) && l.contains(policy)),
                "no row for {value}, {policy}:\n{stdout}"
            );
        }
    }
}

/// A `--range` whose points are not whole, on a whole-number key, is
/// refused with the whole values to give instead.
#[test]
fn a_fractional_range_on_a_whole_key_suggests_values() {
    let param = "policies.stepwise.steps[1].attempts";
    let sweep = foramen()
        .args(["sweep", SMALL, "--param", param, "--range", "1..4", "--steps", "3"])
        .assert()
        .code(2);
    stderr_has(sweep, &["gives 1, 2.5, 4", "--values 1,2,3,4"]);
}

/// `describe` shows what the engine does: a step's own failure time, the
/// routed intervention's numbers under its route, complications, and the
/// subgroups of a continuous covariate's breaks.
#[test]
fn describe_says_what_the_engine_does() {
    let out = foramen().arg("describe").assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let extended = &stdout[stdout.find("policy extended-conservative").unwrap()..];
    assert!(
        extended.contains("failure declared after 84 d (this step's own)"),
        "{extended}"
    );
    let routed = &stdout[stdout
        .find("if instability: lumbar decompression with fusion (TLIF)")
        .unwrap()..];
    let routed_block: Vec<&str> = routed.lines().take(3).collect();
    assert!(
        routed_block[1].trim() == "response 0.8, ignoring the frailty",
        "{routed_block:?}"
    );
    assert!(
        routed_block[2].contains("recover after lognormal(median 70 d"),
        "{routed_block:?}"
    );
    for line in [
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

/// A curve step off the 1/8-day grid of the bins is refused with the two
/// nearest steps on it; `--horizon` shorter than the step shrinks the step
/// to a whole number of eighths.
#[test]
fn a_curve_step_off_the_eighth_day_grid_is_refused() {
    refused(
        "curve_step_days = 7",
        "curve_step_days = 7.3",
        &["simulation.curve_step_days = 7.3", "7.25 or 7.375 instead"],
    );
    let tmp = TempDir::new().unwrap();
    let out = run_quiet(tmp.path(), "run", SMALL, &["--horizon", "1.3", "--patients", "50"]);
    let curves = std::fs::read_to_string(out.join("curves.csv")).unwrap();
    let days: Vec<&str> = curves
        .lines()
        .filter(|l| l.starts_with("stepwise,recovered,"))
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(days, ["0.0", "1.25", "1.3"], "{curves}");
}

/// Under `--independent` a "pair" joins two different patients: the paired
/// columns of subgroup_differences.csv are NaN (before, pairs were grouped
/// by the first policy's patient, mixing subgroups); comparison.csv keeps
/// its paired interval.
#[test]
fn independent_runs_have_no_paired_subgroup_differences() {
    let tmp = TempDir::new().unwrap();
    let out = run_quiet(tmp.path(), "run", SMALL, &["--independent", "--patients", "400"]);
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    let subgroup = read("subgroup_differences.csv");
    let paired = csv_column(&subgroup, "paired_se");
    assert!(!paired.is_empty() && paired.iter().all(|v| v == "NaN"), "{subgroup}");
    let overall = read("comparison.csv");
    assert!(
        csv_column(&overall, "paired_se").iter().any(|v| v != "NaN"),
        "{overall}"
    );
}

/// patients.parquet under `--independent` gives each policy's rows that
/// policy's own patients' covariates (each policy draws its own patients);
/// under common random numbers the rows of one patient agree. Before, every
/// policy's rows showed the first policy's patients.
#[test]
fn independent_patient_records_keep_each_policys_covariates() {
    let tmp = TempDir::new().unwrap();
    let ages = |name: &str, extra: &[&str]| {
        let args = [&["--patients", "200", "--patients-out"], extra].concat();
        let out = run_quiet(tmp.path(), name, SMALL, &args);
        let frame = patients(&out);
        let age: Vec<f64> = frame
            .column("age")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        let (first, second) = age.split_at(200);
        (first.to_vec(), second.to_vec())
    };
    let (a, b) = ages("common", &[]);
    assert_eq!(a, b, "common random numbers: one patient, one age");
    let (a, b) = ages("independent", &["--independent"]);
    assert!(
        a.iter().zip(&b).filter(|(x, y)| x != y).count() > 190,
        "independent patients differ"
    );
}

/// A relapse loop whose times are all zero is refused at validation; one
/// whose times are merely tiny runs to the end, with the paths cut by the
/// step guard counted in the manifest and a warning on stderr (before, the
/// guard was silent).
#[test]
fn zero_length_relapse_cycles_are_refused_and_tiny_ones_reported() {
    let scenario = |times: &str| {
        format!(
            r#"
name = "cycle"
[simulation]
patients = 3
seed = 1
horizon_days = 30
[[cohort.covariates]]
name = "x"
probability = 0.5
[[interventions]]
name = "loop"
level = "conservative"
response = {{ probability = 1 }}
recovery_time = {times}
failure_time = {{ family = "fixed", value = 1 }}
relapse = {{ probability = 1, time = {times} }}
[[policies]]
name = "only"
steps = [{{ intervention = "loop" }}]
"#
        )
    };
    stderr_has(
        validate_text(&scenario(r#"{ family = "fixed", value = 0 }"#)).code(2),
        &["interventions.loop.relapse.time", "cycle of no length"],
    );
    let tmp = TempDir::new().unwrap();
    let tiny = tmp.path().join("tiny.toml");
    std::fs::write(&tiny, scenario(r#"{ family = "exponential", mean = 1e-9 }"#)).unwrap();
    let out = tmp.path().join("run");
    let run = foramen()
        .arg("run")
        .arg(&tiny)
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    stderr_has(run, &["warning: 3 patient-paths never reached the horizon"]);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"stalled_paths\": 3"), "{manifest}");
}

/// Progression while waiting for surgery fast-tracks it: with progression
/// on day 10 during a 100-day wait and a 7-day red-flag wait, surgery
/// starts on day 17 and (recovery 5 days, response certain) everybody
/// recovers on day 22; before, the full wait kept recovery at day 105.
/// Without progression in the wait (progression on day 200) nothing moves.
#[test]
fn a_red_flag_while_waiting_for_surgery_fast_tracks_it() {
    let scenario = |progression_day: u32| {
        format!(
            r#"
name = "fast-track"
[simulation]
patients = 200
seed = 1
horizon_days = 365
[[cohort.covariates]]
name = "deficit"
probability = 0
[natural_history.progression]
sets = "deficit"
time = {{ family = "fixed", value = {progression_day} }}
[[interventions]]
name = "surgery"
level = "surgical"
response = {{ probability = 1 }}
recovery_time = {{ family = "fixed", value = 5 }}
failure_time = {{ family = "fixed", value = 30 }}
[[policies]]
name = "elective"
steps = [{{ intervention = "surgery", wait = {{ family = "fixed", value = 100 }} }}]
red_flag = {{ jump_to = "surgery", wait = {{ family = "fixed", value = 7 }} }}
"#
        )
    };
    let tmp = TempDir::new().unwrap();
    let median = |progression_day: u32| {
        let out = run_text(
            tmp.path(),
            &format!("p{progression_day}"),
            &scenario(progression_day),
            &[],
        );
        let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
        csv_column(&summary, "median_days")[0].parse::<f64>().unwrap()
    };
    // Times are fixed, so the median lies in the 1/8-day bin of the day.
    let fast = median(10);
    assert!((22.0..22.125).contains(&fast), "median {fast}");
    let elective = median(200);
    assert!((105.0..105.125).contains(&elective), "median {elective}");
}
