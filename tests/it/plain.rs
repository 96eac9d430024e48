//! The walk of a plain scenario (`Scenario::is_plain`) is compiled without
//! the features such a scenario lacks; it must give every path exactly as
//! the full walk does. The full walk is the default scratch's
//! (`Scratch::default`), the plain one the engine's (`Scratch::new`).

use foramen::scenario::Scenario;
use foramen::simulate::patient::Scratch;

use crate::util::{Walked, walk};

/// A plain scenario with what a plain walk keeps: waits, routes, skips,
/// repeated attempts, a step's own failure time, responses that vary by
/// covariate, and several policies sharing a patient (common random
/// numbers and the kept response probabilities).
pub const PLAIN: &str = r#"
name = "plain"
[simulation]
patients = 1000
seed = 7
horizon_days = 400
curve_step_days = 7
[[cohort.covariates]]
name = "unstable"
probability = 0.3
[[cohort.covariates]]
name = "age"
dist = { family = "normal", mean = 60, sd = 10 }
[[interventions]]
name = "pt"
level = "conservative"
response = { probability = 0.4, odds_ratios = [{ if = "age > 65", or = 0.5 }] }
recovery_time = { family = "lognormal", mu = 3.5, sigma = 0.6 }
failure_time = { family = "weibull", shape = 1.5, scale = 60 }
[[interventions]]
name = "decompression"
level = "minimally_invasive"
response = { probability = 0.7 }
recovery_time = { family = "gamma", shape = 2, scale = 20 }
failure_time = { family = "exponential", mean = 40 }
[[interventions]]
name = "fusion"
level = "surgical"
fusion = true
response = { probability = 0.85, odds_ratios = [{ if = "unstable", or = 0.6 }] }
recovery_time = { family = "gamma", shape = 3, scale = 30 }
failure_time = { family = "fixed", value = 90 }
[[policies]]
name = "stepwise"
steps = [
  { intervention = "pt", attempts = 2, wait = { family = "exponential", mean = 10 } },
  { intervention = "decompression", skip_if = "unstable", failure_time = { family = "fixed", value = 30 } },
  { name = "surgery", intervention = "decompression", route = [{ if = "unstable", to = "fusion" }], wait = { family = "fixed", value = 21 } },
]
[[policies]]
name = "early"
steps = [{ intervention = "fusion", attempts = 2 }]
"#;

/// The paths of `scenario`, the same whichever way they are walked.
fn assert_same_paths(scenario: &Scenario, file: &str) -> Vec<Walked> {
    assert!(scenario.is_plain(), "{file} is not plain");
    let plain = walk(scenario, &mut Scratch::new(scenario, false), &[], 5_000);
    let full = walk(scenario, &mut Scratch::default(), &[], 5_000);
    assert_eq!(plain.len(), full.len(), "{file}");
    for (i, (a, b)) in plain.iter().zip(&full).enumerate() {
        assert_eq!(a, b, "{file}: path {i} differs between the plain and the full walk");
    }
    plain
}

#[test]
fn the_plain_walk_gives_the_paths_of_the_full_walk() {
    let scenario = Scenario::from_toml(PLAIN, "plain.toml").unwrap();
    let paths = assert_same_paths(&scenario, "plain.toml");
    // Not a vacuous comparison: paths of every kind were compared.
    let outcomes = || paths.iter().map(|p| &p.1);
    assert!(outcomes().any(|o| o.recovered) && outcomes().any(|o| !o.recovered));
    assert!(outcomes().any(|o| o.fusion) && outcomes().any(|o| o.interventions > 2));
    assert!(outcomes().any(|o| o.recovering_days > 0.0));
}

/// The scenario files that are plain, walked both ways; those that are
/// not plain are recognised as such.
#[test]
fn plain_scenario_files_walk_alike_and_others_are_not_plain() {
    let mut plain = Vec::new();
    for (name, scenario) in crate::util::scenario_files() {
        if scenario.is_plain() {
            assert_same_paths(&scenario, &name);
            plain.push(name);
        }
    }
    plain.sort();
    assert!(
        plain.contains(&"scenarios/reference/three-step.toml".to_string()),
        "{plain:?}"
    );
    assert!(plain.len() >= 3, "too few plain scenario files to compare: {plain:?}");
    for full in [
        "scenarios/foraminal-stenosis.toml",
        "scenarios/reference/foraminal-stenosis-2025.toml",
    ] {
        assert!(
            !plain.contains(&full.to_string()),
            "{full} should use features a plain walk lacks"
        );
    }
}
