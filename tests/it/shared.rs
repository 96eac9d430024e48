//! A policy that takes its first steps as the policy walked before it does
//! (`Policy::shared_steps`) is handed that policy's path, without walking
//! it again, when the path went no further than those steps. Every path
//! handed on so must be the path the policy walks on its own: outcome,
//! spells and events.

use foramen::scenario::Scenario;
use foramen::simulate::patient::Scratch;

use crate::util::{Walked, walk};

/// The paths of `patients` patients under the policies `only` marks (all
/// when empty), and how many were handed on rather than walked.
fn paths(scenario: &Scenario, only: &[bool], patients: u64) -> (Vec<Walked>, u64) {
    let mut scratch = Scratch::new(scenario, true);
    (walk(scenario, &mut scratch, only, patients), scratch.reused_paths())
}

/// Walks `scenario` with every policy and each policy alone; the paths
/// must be equal. Returns how many paths were handed on.
fn assert_alike(scenario: &Scenario, file: &str, patients: u64) -> u64 {
    let policies = scenario.policies().len();
    let (together, reused) = paths(scenario, &[], patients);
    for p in 0..policies {
        let only: Vec<bool> = (0..policies).map(|q| q == p).collect();
        let (alone, none) = paths(scenario, &only, patients);
        assert_eq!(none, 0, "{file}: a policy alone has nothing to share");
        let mine: Vec<&Walked> = together.iter().filter(|w| w.0 == p).collect();
        assert_eq!(mine.len(), alone.len(), "{file}");
        for (i, (a, b)) in mine.iter().zip(&alone).enumerate() {
            assert_eq!(
                *a, b,
                "{file}: policy {p}, patient {i}: the shared path differs from its own walk"
            );
        }
    }
    reused
}

/// Policies that share their first steps, with what can take a path past
/// them or back into them: a red flag jumping beyond the shared steps,
/// relapses re-entering at a step of them, progression, death, partial
/// relief, complications, a cap and economics.
const SHARING: &str = r#"
name = "sharing"
[simulation]
patients = 1000
seed = 5
horizon_days = 900
curve_step_days = 7
[[cohort.covariates]]
name = "age"
dist = { family = "normal", mean = 70, sd = 8 }
[[cohort.covariates]]
name = "motor_deficit"
probability = 0.1
[natural_history.progression]
sets = "motor_deficit"
if = "not motor_deficit"
time = { family = "exponential", mean = 2000 }
[natural_history.mortality]
age = "age"
rate = 5.4e-5
shape = 0.087
[[interventions]]
name = "pt"
level = "conservative"
recovery_time = { family = "lognormal", mu = 3.5, sigma = 0.6 }
failure_time = { family = "weibull", shape = 1.5, scale = 60 }
max_per_window = { count = 2, days = 365 }
[interventions.response]
probability = 0.4
partial = 0.2
[interventions.relapse]
probability = 0.3
time = { family = "exponential", mean = 200 }
[[interventions]]
name = "decompression"
level = "minimally_invasive"
response = { probability = 0.7 }
recovery_time = { family = "gamma", shape = 2, scale = 20 }
failure_time = { family = "exponential", mean = 40 }
[[interventions.complications]]
name = "dural tear"
probability = 0.1
delay = { family = "fixed", value = 14 }
[[interventions]]
name = "fusion"
level = "surgical"
fusion = true
response = { probability = 0.85 }
recovery_time = { family = "gamma", shape = 3, scale = 30 }
failure_time = { family = "fixed", value = 90 }
{policies}[economics]
currency = "EUR"
discount_rate = 0.03
utility = { symptomatic = 0.5, symptom_free = 0.9, recovering = 0.4, improved = 0.7 }
daily_cost = { symptomatic = 10, symptom_free = 2, recovering = 50, improved = 5 }
"#;

/// [`SHARING`]'s policies: four steps, or the first and the surgery;
/// red flags that jump to the surgery, to the revision or are absent.
fn sharing() -> String {
    let pt = r#"{ name = "pt", intervention = "pt", attempts = 3, on_partial = "continue" }"#;
    let decompression = r#"{ intervention = "decompression", wait = { family = "exponential", mean = 20 } }"#;
    let surgery = r#"{ name = "surgery", intervention = "fusion" }"#;
    let revision = r#"{ name = "revision", intervention = "fusion", wait = { family = "fixed", value = 30 } }"#;
    let policy = |name: &str, jump_to: Option<&str>, steps: &[&str]| {
        let red_flag = jump_to.map_or(String::new(), |to| {
            format!("red_flag = {{ jump_to = \"{to}\", wait = {{ family = \"fixed\", value = 7 }} }}\n")
        });
        format!(
            "[[policies]]\nname = \"{name}\"\nrelapse_to = \"pt\"\n{red_flag}steps = [{}]\n",
            steps.join(", ")
        )
    };
    let policies = [
        policy("stepwise", Some("surgery"), &[pt, decompression, surgery, revision]),
        policy("jump-late", Some("revision"), &[pt, decompression, surgery, revision]),
        policy("skip", Some("surgery"), &[pt, surgery]),
        policy("skip-again", Some("surgery"), &[pt, surgery]),
        policy("no-red-flag", None, &[pt, surgery]),
    ];
    SHARING.replace("{policies}", &policies.concat())
}

#[test]
fn shared_paths_are_the_paths_each_policy_walks() {
    let scenario = Scenario::from_toml(&sharing(), "sharing.toml").unwrap();
    let policies = scenario.policies();
    // The same steps, but the red flag jumps elsewhere: shared up to the
    // step the first policy's red flag jumps to.
    assert_eq!(policies[0].shared_steps(&policies[1]), 2);
    assert_eq!(policies[1].shared_steps(&policies[2]), 1);
    assert_eq!(policies[2].shared_steps(&policies[3]), usize::MAX);
    assert_eq!(policies[3].shared_steps(&policies[4]), 0, "only one has a red flag");
    let reused = assert_alike(&scenario, "sharing.toml", 3_000);
    // Not vacuous: paths were handed on (every fourth policy's, and the
    // second's and third's whenever the path before never left the first
    // steps).
    assert!(reused > 3_000, "{reused} paths handed on");
}

/// Every scenario file, walked together and policy by policy; the two
/// defaults share steps between their first two policies.
#[test]
fn scenario_files_walk_alike_together_and_alone() {
    let mut compared = 0;
    for (name, scenario) in crate::util::scenario_files() {
        let reused = assert_alike(&scenario, &name, 1_000);
        if name.ends_with("foraminal-stenosis.toml") || name.ends_with("foraminal-stenosis-2025.toml") {
            assert!(reused > 100, "{name}: {reused} paths handed on");
        }
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} scenario files compared");
}
