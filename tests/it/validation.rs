//! Interval coverage by repeated simulation, the golden summary, and common
//! random numbers as a property.

use std::fs;

use foramen::accumulate::sink;
use foramen::analysis;
use foramen::scenario::Scenario;
use foramen::simulate::engine::{RunSpec, Unobserved};
use proptest::prelude::*;
use tempfile::TempDir;

use crate::util::{SMALL, foramen, spec};

fn two_policies(p: f64, q: f64) -> Scenario {
    let text = format!(
        r#"
name = "coverage"
[simulation]
patients = 400
seed = 1
horizon_days = 365
[[cohort.covariates]]
name = "x"
probability = 0.5
[[interventions]]
name = "first"
level = "conservative"
response = {{ probability = {p} }}
recovery_time = {{ family = "fixed", value = 5 }}
failure_time = {{ family = "fixed", value = 10 }}
[[interventions]]
name = "second"
level = "surgical"
response = {{ probability = {q} }}
recovery_time = {{ family = "fixed", value = 5 }}
failure_time = {{ family = "fixed", value = 10 }}
[[policies]]
name = "one-step"
steps = [{{ intervention = "first" }}]
[[policies]]
name = "two-steps"
steps = [{{ intervention = "first" }}, {{ intervention = "second" }}]
"#
    );
    Scenario::from_toml(&text, "coverage").unwrap()
}

#[test]
fn intervals_cover_the_truth_95_percent_of_the_time() {
    // 2,000 independent replications of 400 patients (seeds 0..2000). True
    // values: recovered under one-step p = 0.4; difference two-steps minus
    // one-step 0.6 * 0.5 = 0.3. The coverage estimate has a standard error
    // of sqrt(0.95 * 0.05 / 2000) = 0.0049, so 93.5-96.5% is +-3 se.
    let s = two_policies(0.4, 0.5);
    let reps = 2000;
    let (mut share, mut paired) = (0, 0);
    for seed in 0..reps {
        let spec = RunSpec { seed, ..spec(&s, 400) };
        let (_, r) = analysis::run(&s, &spec).unwrap();
        let e = r.policies[0].overall["recovered"];
        share += usize::from(e.lo <= 0.4 && 0.4 <= e.hi);
        let d = r.comparisons[0]
            .differences
            .iter()
            .find(|d| d.outcome == "recovered")
            .unwrap()
            .paired;
        paired += usize::from(d.lo <= 0.3 && 0.3 <= d.hi);
    }
    let (share, paired) = (share as f64 / reps as f64, paired as f64 / reps as f64);
    println!("coverage: Wilson {share}, paired difference {paired}");
    assert!((0.935..=0.965).contains(&share), "Wilson coverage {share}");
    assert!((0.935..=0.965).contains(&paired), "paired-difference coverage {paired}");
}

/// One policy whose patients all respond, recovering after `recovery`.
fn one_step(recovery: &str) -> Scenario {
    let text = format!(
        r#"
name = "median-coverage"
[simulation]
patients = 400
seed = 1
horizon_days = 365
[[cohort.covariates]]
name = "x"
probability = 0.5
[[interventions]]
name = "pt"
level = "conservative"
response = {{ probability = 1.0 }}
recovery_time = {recovery}
failure_time = {{ family = "fixed", value = 1 }}
[[policies]]
name = "only"
steps = [{{ intervention = "pt" }}]
"#
    );
    Scenario::from_toml(&text, "median coverage").unwrap()
}

#[test]
fn median_intervals_cover_the_truth_95_percent_of_the_time() {
    // 2,000 replications of 400 patients, T ~ Exp(mean 30): true median 30
    // ln 2. The coverage estimate has a standard error of sqrt(0.95 * 0.05 /
    // 2000) = 0.0049, so 93.5-96.5% is +-3 se.
    let s = one_step(r#"{ family = "exponential", mean = 30 }"#);
    let truth = 30.0 * std::f64::consts::LN_2;
    let reps = 2000;
    let mut covered = 0;
    for seed in 0..reps {
        let spec = RunSpec { seed, ..spec(&s, 400) };
        let e = analysis::run(&s, &spec).unwrap().1.policies[0].overall["median_days"];
        covered += usize::from(e.lo <= truth && truth <= e.hi);
    }
    let coverage = covered as f64 / reps as f64;
    println!("median coverage {coverage}");
    assert!((0.935..=0.965).contains(&coverage), "median coverage {coverage}");
}

/// Two policies with exponential times to recovery: `pt` alone (80%
/// respond, recovering after Exp(mean 30) days) and `pt` then `second`
/// for the 20% who do not respond by day 10 (all respond, after Exp(mean
/// 10) days more). Responders to `pt` recover on the same day under both.
fn median_pair() -> Scenario {
    let text = r#"
name = "median-pair"
[simulation]
patients = 400
seed = 1
horizon_days = 365
[[cohort.covariates]]
name = "x"
probability = 0.5
[[interventions]]
name = "pt"
level = "conservative"
response = { probability = 0.8 }
recovery_time = { family = "exponential", mean = 30 }
failure_time = { family = "fixed", value = 10 }
[[interventions]]
name = "second"
level = "surgical"
response = { probability = 1.0 }
recovery_time = { family = "exponential", mean = 10 }
failure_time = { family = "fixed", value = 10 }
[[policies]]
name = "pt-only"
steps = [{ intervention = "pt" }]
[[policies]]
name = "then-second"
steps = [{ intervention = "pt" }, { intervention = "second" }]
"#;
    Scenario::from_toml(text, "median pair").unwrap()
}

/// Where an increasing `f` reaches `target` on [lo, hi], by bisection.
fn solve(f: impl Fn(f64) -> f64, target: f64, (mut lo, mut hi): (f64, f64)) -> f64 {
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < target { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi)
}

#[test]
fn paired_median_differences_cover_the_truth_95_percent_of_the_time() {
    // 2,000 replications of 400 patients of `median_pair`. True medians:
    // F_1(t) = 0.8 (1 - exp(-t/30)) and F_2(t) = F_1(t) + 0.2 (1 -
    // exp(-(t-10)/10)) for t > 10 reach 1/2. The coverage estimate has a
    // standard error of sqrt(0.95 * 0.05 / 2000) = 0.0049, so 93.5-96.5%
    // is +-3 se. The paired interval must also be narrower than the
    // unpaired one (the responders' days are shared).
    let s = median_pair();
    let f1 = |t: f64| 0.8 * (1.0 - (-t / 30.0).exp());
    let f2 = |t: f64| {
        f1(t)
            + if t > 10.0 {
                0.2 * (1.0 - (-(t - 10.0) / 10.0).exp())
            } else {
                0.0
            }
    };
    let truth = solve(f2, 0.5, (0.0, 365.0)) - solve(f1, 0.5, (0.0, 365.0));
    let reps = 2000;
    let (mut covered, mut paired_width, mut unpaired_width) = (0, 0.0, 0.0);
    for seed in 0..reps {
        let spec = RunSpec { seed, ..spec(&s, 400) };
        let (_, r) = analysis::run(&s, &spec).unwrap();
        let d = r.comparisons[0]
            .differences
            .iter()
            .find(|d| d.outcome == "median_days")
            .unwrap();
        covered += usize::from(d.paired.lo <= truth && truth <= d.paired.hi);
        paired_width += d.paired.hi - d.paired.lo;
        unpaired_width += d.unpaired.hi - d.unpaired.lo;
    }
    let coverage = covered as f64 / reps as f64;
    println!(
        "paired median difference {truth:.3}: coverage {coverage}, mean widths paired {:.2}, unpaired {:.2}",
        paired_width / reps as f64,
        unpaired_width / reps as f64
    );
    assert!((0.935..=0.965).contains(&coverage), "paired median coverage {coverage}");
    assert!(
        paired_width < unpaired_width,
        "paired {paired_width} unpaired {unpaired_width}"
    );
}

#[test]
fn a_median_known_only_to_its_bin_keeps_an_interval() {
    // Everyone recovers at exactly 14 days, a million patients: the binned
    // data place the median in [14, 14.125), so must the interval (it used
    // to be [14.125, 14.125] with se 0, excluding the truth).
    let s = one_step(r#"{ family = "fixed", value = 14 }"#);
    let spec = RunSpec {
        threads: 0,
        ..spec(&s, 1_000_000)
    };
    let e = analysis::run(&s, &spec).unwrap().1.policies[0].overall["median_days"];
    assert!(e.lo <= 14.0 && 14.0 <= e.hi, "{e:?}");
    assert!(e.se > 0.0, "{e:?}");
}

#[test]
fn golden_summary_is_unchanged() {
    // A change that moves these bytes is deliberate: regenerate with
    // UPDATE_GOLDEN=1 cargo test --test it golden, and record it in
    // CHANGELOG.md.
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run");
    foramen()
        .args(["run", SMALL, "--patients", "5000", "--threads", "2", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    let got = fs::read_to_string(out.join("summary.csv")).unwrap();
    let golden = "tests/golden/small-summary.csv";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(golden, &got).unwrap();
    }
    assert_eq!(
        got,
        fs::read_to_string(golden).unwrap(),
        "summary.csv moved from {golden}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// Two policies sharing their first step give identical outcomes to
    /// every patient who resolves within it, and the same covariates.
    #[test]
    fn shared_steps_give_identical_outcomes(p in 0.0f64..1.0, q in 0.0f64..1.0, seed in 0u64..1000) {
        let s = two_policies(p, q);
        let spec = RunSpec {
            seed,
            keep_patients: true,
            ..spec(&s, 300)
        };
        let out = sink::run(&s, &spec, &Unobserved).unwrap();
        let records = out.patients.unwrap();
        // One covariate vector shared by both policies: 300 patients.
        prop_assert_eq!(records.covariates.len(), 1);
        prop_assert_eq!(records.covariates[0].len(), 300);
        for (a, b) in records.outcomes[0].iter().zip(records.outcomes[1].iter()) {
            if a.recovered {
                prop_assert_eq!(a, b);
            } else {
                prop_assert!(b.interventions == 2 && a.interventions == 1);
            }
        }
    }
}
