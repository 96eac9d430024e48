//! Comparing policies: pairing under common random numbers, sweeps and
//! sensitivity.

use std::fs;

use foramen::analysis::{self, Settings, sweep};
use foramen::scenario::Scenario;
use foramen::scenario::document::{Document, Overrides};
use foramen::simulate::engine::{RunSpec, Unobserved};
use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{SMALL, SMALL_TEXT, csv_column, foramen, patients, run_quiet, spec};

/// The surgery difference of `policy` against the reference (stepwise).
fn surgery_difference(s: &Scenario, independent: bool, policy: &str) -> foramen::estimate::compare::Difference {
    let spec = RunSpec {
        threads: 2,
        independent,
        ..spec(s, 20_000)
    };
    let (_, results) = analysis::run(s, &spec).unwrap();
    let c = results.comparisons.iter().find(|c| c.policy == policy).unwrap();
    c.differences.iter().find(|d| d.outcome == "surgery").unwrap().clone()
}

#[test]
fn common_random_numbers_narrow_the_surgery_difference_at_least_twofold() {
    // On the default scenario: the paired interval under common random
    // numbers against the interval the same paired estimator gives on
    // independent streams, for extended-conservative against stepwise (the
    // two share every step but differ in trial length and injections). For
    // policies whose difference is structural (open-first sends to open
    // surgery everyone stepwise sends to minimally invasive decompression)
    // most patients are discordant and the gain is smaller, about 1.8-fold
    // (docs/comparing.md).
    let s = Scenario::default_scenario().unwrap();
    let paired = surgery_difference(&s, false, "extended-conservative");
    let independent = surgery_difference(&s, true, "extended-conservative");
    let (w_paired, w_independent) = (
        paired.paired.hi - paired.paired.lo,
        independent.paired.hi - independent.paired.lo,
    );
    assert!(
        w_independent >= 2.0 * w_paired,
        "paired width {w_paired}, independent width {w_independent}"
    );
    // On independent streams pairing gains nothing: the paired and unpaired
    // standard errors agree to within Monte Carlo noise (20%).
    let ratio = independent.paired.se / independent.unpaired.se;
    assert!((0.8..1.2).contains(&ratio), "ratio {ratio}");
}

#[test]
fn sweep_direction_is_known_in_advance() {
    // A higher conservative response probability can only spare patients
    // surgery: with common random numbers a patient who responds at p also
    // responds at any p' > p (u < p < p'), so the stepwise surgery share is
    // non-increasing, exactly, point by point.
    let doc = Document::parse(SMALL_TEXT, SMALL).unwrap();
    let overrides = Overrides {
        patients: Some(4000),
        ..Overrides::default()
    };
    let values = [0.1, 0.3, 0.5, 0.7, 0.9];
    let path = "interventions.physio.response.probability";
    let scenarios = sweep::sweep_scenarios(&doc, &overrides, path, &values).unwrap();
    let points = sweep::sweep(&scenarios, &values, &Settings::default(), &Unobserved).unwrap();
    let surgery: Vec<f64> = points
        .iter()
        .map(|p| p.results.policies[0].overall["surgery"].value)
        .collect();
    assert!(surgery.windows(2).all(|w| w[1] <= w[0]), "{surgery:?}");
    assert!(surgery[4] < surgery[0] - 0.1, "{surgery:?}");
}

/// A sweep point is validated as a scenario, not held again to the
/// `[ranges]` of its document, which it does not use: a point whose value
/// would make a range end break a rule (a partial response that no longer
/// fits beside the full one) runs, while the document read with that value
/// is refused for the range end.
#[test]
fn sweep_points_are_not_held_to_range_ends() {
    let text = SMALL_TEXT
        .replace(
            "response = { probability = 0.6 }",
            "response = { probability = 0.6, partial = 0.1 }",
        )
        .replace(
            "[ranges]\n",
            "[ranges]\n\"interventions.injection.response.partial\" = [0.1, 0.35]\n",
        );
    let doc = Document::parse(&text, "partial.toml").unwrap();
    let path = "interventions.injection.response.probability";
    let points = sweep::sweep_scenarios(&doc, &Overrides::default(), path, &[0.6, 0.8]).unwrap();
    assert_eq!(points.len(), 2);
    let high = text.replace("probability = 0.6, partial", "probability = 0.8, partial");
    let refused = Document::parse(&high, "high.toml")
        .unwrap()
        .scenario(&Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(refused.contains("the range end 0.35 breaks a rule"), "{refused}");
}

#[test]
fn sweep_and_sensitivity_write_their_files() {
    let tmp = TempDir::new().unwrap();
    let sweep = tmp.path().join("sweep");
    foramen()
        .args(["sweep", SMALL, "--param", "policies.stepwise.steps[1].attempts"])
        .args(["--values", "1,2,3", "--patients", "2000", "-q", "--out"])
        .arg(&sweep)
        .assert()
        .success();
    let csv = fs::read_to_string(sweep.join("sweep.csv")).unwrap();
    assert!(csv.starts_with("parameter,value,policy,outcome,estimate,estimate_lo,estimate_hi,estimate_se,charted\n"));
    // small.toml has neither partial responses nor permanent deficits.
    let shown = foramen::outcome::OUTCOMES
        .iter()
        .filter(|o| o.requires == foramen::outcome::Feature::Always)
        .count();
    assert_eq!(csv.lines().count(), 1 + 3 * 2 * shown);
    for f in ["sweep_recovered.png", "sweep_surgery.svg", "manifest.json"] {
        assert!(sweep.join(f).exists(), "{f}");
    }
    let sens = tmp.path().join("sens");
    foramen()
        .args(["sensitivity", SMALL, "--outcome", "surgery", "--policy", "stepwise"])
        .args(["--patients", "2000", "-q", "--out"])
        .arg(&sens)
        .assert()
        .success();
    let csv = fs::read_to_string(sens.join("sensitivity.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3, "one row per range");
    assert!(sens.join("tornado.png").exists());
}

/// The sweep chart's axes: the parameter with the unit written beside it
/// in the scenario (`unit = "weeks"`), a share in percent and days in days
/// (as the tornado draws them), and the parameter's value in the scenario
/// marked.
#[test]
fn sweep_axes_say_their_units_and_mark_the_base() {
    let tmp = TempDir::new().unwrap();
    let sweep = tmp.path().join("sweep");
    foramen()
        .args(["sweep", SMALL, "--param", "interventions.physio.failure_time.value"])
        .args([
            "--values",
            "4,12",
            "--outcome",
            "surgery,median_days",
            "--patients",
            "500",
            "-q",
            "--out",
        ])
        .arg(&sweep)
        .assert()
        .success();
    let svg = fs::read_to_string(sweep.join("sweep_surgery.svg")).unwrap();
    let text = |t: &str| svg.contains(&format!(">\n{t}\n</text>"));
    assert!(
        text("interventions.physio.failure_time.value (weeks)"),
        "x axis without its unit"
    );
    assert!(text("surgery (%)"), "y axis without its unit");
    assert!(text("base 8"), "the base value is not marked");
    let days = fs::read_to_string(sweep.join("sweep_median_days.svg")).unwrap();
    assert!(days.contains("(days)\n</text>"), "days without their unit");
}

#[test]
fn a_bad_key_path_names_the_closest_valid_ones() {
    foramen()
        .args(["sweep", SMALL, "--param", "interventions.physio.respose.probability"])
        .args(["--values", "0.1,0.2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "closest valid paths: `interventions.physio.response.probability`",
        ));
    foramen()
        .args(["sweep", SMALL, "--param", "name", "--values", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not the path of a number"));
}

#[test]
fn a_sweep_value_that_breaks_a_rule_is_named() {
    foramen()
        .args(["sweep", SMALL, "--param", "interventions.physio.response.probability"])
        .args(["--values", "0.5,1.5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "interventions.physio.response.probability = 1.5",
        ));
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
