//! Engine results against closed-form answers on small scenarios.
//!
//! Each test runs a fixed seed and checks |estimate - exact| <= 4 standard
//! errors, the Monte Carlo standard error of the estimate (binomial for
//! shares, the sample standard deviation over sqrt(n) for means, the
//! Brookmeyer-Crowley half-width / 1.96 for medians). With a fixed seed the
//! outcome is deterministic; were the seed drawn at random, a correct engine
//! would fail one such check with probability about 6e-5.

use foramen::accumulate::sink;
use foramen::estimate::{GroupSummary, RunResults};
use foramen::scenario::Scenario;
use foramen::simulate::engine::{RunSpec, Unobserved};
use foramen::stats::Estimate;

use crate::util::spec;

const PATIENTS: u64 = 20_000;

/// A scenario with one boolean covariate `unstable` (probability 0.3), the
/// given interventions and policies, and an optional natural history.
fn scenario(extra: &str) -> Scenario {
    let text = format!(
        r#"
name = "closed-form"
[simulation]
patients = {PATIENTS}
seed = 11
horizon_days = 365
[[cohort.covariates]]
name = "unstable"
probability = 0.3
[[cohort.covariates]]
name = "deficit"
probability = 0.0
{extra}
"#
    );
    Scenario::from_toml(&text, "closed-form test").unwrap_or_else(|e| panic!("{e}"))
}

fn run(s: &Scenario) -> RunResults {
    let spec = RunSpec {
        threads: 2,
        ..spec(s, s.simulation().patients)
    };
    let out = sink::run(s, &spec, &Unobserved).unwrap();
    foramen::analysis::estimate_sums(s, &spec, &out.accs)
}

fn overall(r: &RunResults, policy: usize) -> &GroupSummary {
    &r.policies[policy].overall
}

#[track_caller]
fn assert_close(what: &str, e: Estimate, exact: f64) {
    let z = (e.value - exact) / e.se;
    assert!(
        z.abs() <= 4.0,
        "{what}: simulated {} (se {}), exact {exact}, z = {z:.2}",
        e.value,
        e.se
    );
}

#[test]
fn single_step_recovers_with_its_probability_and_time() {
    // One attempt, p = 0.4, recovery ~ Exp(mean 20 d): recovered share
    // P = 0.4 (1 - exp(-365/20)); failures wait 400 d (beyond H).
    let s = scenario(
        r#"
[[interventions]]
name = "pt"
level = "conservative"
response = { probability = 0.4 }
recovery_time = { family = "exponential", mean = 20 }
failure_time = { family = "fixed", value = 400 }
[[policies]]
name = "only"
steps = [{ intervention = "pt" }]
"#,
    );
    let r = run(&s);
    let g = overall(&r, 0);
    let p = 0.4 * (1.0 - (-365.0f64 / 20.0).exp());
    assert_close("recovered", g["recovered"], p);
    // Symptomatic days: responders min(T, H) with T ~ Exp(20), others H.
    let mean = 0.4 * 20.0 * (1.0 - (-365.0f64 / 20.0).exp()) + 0.6 * 365.0;
    assert_close("symptomatic days", g["symptomatic_days"], mean);
    assert_eq!(g["surgery"].value, 0.0);
}

#[test]
fn kaplan_meier_median_of_an_exponential() {
    // Everyone responds; T ~ Exp(mean 30): median 30 ln 2.
    let s = scenario(
        r#"
[[interventions]]
name = "pt"
level = "conservative"
response = { probability = 1.0 }
recovery_time = { family = "exponential", mean = 30 }
failure_time = { family = "fixed", value = 1 }
[[policies]]
name = "only"
steps = [{ intervention = "pt" }]
"#,
    );
    let r = run(&s);
    let median = overall(&r, 0)["median_days"];
    // The estimate is reported at the end of its 1/8-day bin: allow that.
    let exact = 30.0 * std::f64::consts::LN_2;
    let z = (median.value - exact).abs() / (median.se + 0.125);
    assert!(z <= 4.0, "median {median:?} vs {exact}");
}

#[test]
fn chain_of_steps_multiplies_failure_probabilities() {
    // Steps with p = 0.3, 0.5 (two attempts of p = 0.5 each), then surgery
    // p = 0.8; each failure is declared after 10 days, recoveries after 5.
    // P(reach surgery) = 0.7 * 0.5^2; P(recover) = 1 - 0.7 * 0.25 * 0.2.
    let s = scenario(
        r#"
[[interventions]]
name = "a"
level = "conservative"
response = { probability = 0.3 }
recovery_time = { family = "fixed", value = 5 }
failure_time = { family = "fixed", value = 10 }
[[interventions]]
name = "b"
level = "minimally_invasive"
response = { probability = 0.5 }
recovery_time = { family = "fixed", value = 5 }
failure_time = { family = "fixed", value = 10 }
[[interventions]]
name = "c"
level = "surgical"
response = { probability = 0.8 }
recovery_time = { family = "fixed", value = 5 }
failure_time = { family = "fixed", value = 10 }
[[policies]]
name = "chain"
steps = [{ intervention = "a" }, { intervention = "b", attempts = 2 }, { intervention = "c" }]
"#,
    );
    let r = run(&s);
    let g = overall(&r, 0);
    assert_close("surgery", g["surgery"], 0.7 * 0.25);
    assert_close("reached minimally invasive", g["reached_minimally_invasive"], 0.7);
    assert_close("recovered", g["recovered"], 1.0 - 0.7 * 0.25 * 0.2);
    // Interventions: 1 + 0.7 * (1 + 0.5) + 0.7 * 0.25 (the surgery).
    assert_close("interventions", g["interventions"], 1.0 + 0.7 * 1.5 + 0.175);
}

#[test]
fn routing_by_a_covariate_mixes_the_interventions() {
    // Unstable patients (30%) are routed to fusion (p = 0.6), the others
    // get decompression (p = 0.9): recovered 0.3 * 0.6 + 0.7 * 0.9.
    let s = scenario(
        r#"
[[interventions]]
name = "decompression"
level = "surgical"
response = { probability = 0.9 }
recovery_time = { family = "fixed", value = 5 }
failure_time = { family = "fixed", value = 10 }
[[interventions]]
name = "fusion"
level = "surgical"
fusion = true
response = { probability = 0.6 }
recovery_time = { family = "fixed", value = 5 }
failure_time = { family = "fixed", value = 10 }
[[policies]]
name = "routed"
steps = [{ intervention = "decompression", route = [{ if = "unstable", to = "fusion" }] }]
"#,
    );
    let r = run(&s);
    let g = overall(&r, 0);
    assert_close("fusion", g["fusion"], 0.3);
    assert_close("recovered", g["recovered"], 0.3 * 0.6 + 0.7 * 0.9);
}

#[test]
fn red_flag_is_a_competing_exponential() {
    // Conservative care never works and lasts past the horizon; progression
    // ~ Exp(mean 200 d) jumps to surgery (p = 1, fixed 10 d) after 5 d.
    // P(surgery by H) = P(T_p < H - 5) = 1 - exp(-(H - 5) / 200); recovered
    // additionally needs T_p + 5 + 10 < H.
    let s = scenario(
        r#"
[natural_history.progression]
sets = "deficit"
time = { family = "exponential", mean = 200 }
[[interventions]]
name = "pt"
level = "conservative"
response = { probability = 0.0 }
recovery_time = { family = "fixed", value = 5 }
failure_time = { family = "fixed", value = 1000 }
[[interventions]]
name = "surgery"
level = "surgical"
response = { probability = 1.0 }
recovery_time = { family = "fixed", value = 10 }
failure_time = { family = "fixed", value = 10 }
[[policies]]
name = "watchful"
steps = [{ intervention = "pt" }, { intervention = "surgery", wait = { family = "fixed", value = 90 } }]
red_flag = { jump_to = "surgery", wait = { family = "fixed", value = 5 } }
"#,
    );
    let r = run(&s);
    let g = overall(&r, 0);
    assert_close("surgery", g["surgery"], 1.0 - (-(365.0f64 - 5.0) / 200.0).exp());
    assert_close("recovered", g["recovered"], 1.0 - (-(365.0f64 - 15.0) / 200.0).exp());
}

#[test]
fn relapse_happens_with_its_probability() {
    // Everyone recovers on day 10; 25% relapse 30 to 60 days later and
    // re-enter a step that never works again (failure after 1000 d).
    // relapse share 0.25; symptom-free at H 0.75.
    let s = scenario(
        r#"
[[interventions]]
name = "inj"
level = "conservative"
response = { probability = 1.0 }
recovery_time = { family = "fixed", value = 10 }
failure_time = { family = "fixed", value = 1000 }
relapse = { probability = 0.25, time = { family = "uniform", low = 30, high = 60 } }
[[interventions]]
name = "never"
level = "surgical"
response = { probability = 0.0 }
recovery_time = { family = "fixed", value = 10 }
failure_time = { family = "fixed", value = 1000 }
[[policies]]
name = "p"
steps = [{ intervention = "inj" }, { intervention = "never" }]
relapse_to = "never"
"#,
    );
    let r = run(&s);
    let g = overall(&r, 0);
    assert_eq!(g["recovered"].value, 1.0);
    assert_close("relapse", g["relapse"], 0.25);
    assert_close("symptom-free", g["symptom_free"], 0.75);
    // Symptomatic days: 10 for all, plus (365 - 10 - U(30, 60)) for relapsers.
    assert_close(
        "symptomatic days",
        g["symptomatic_days"],
        10.0 + 0.25 * (365.0 - 10.0 - 45.0),
    );
}

#[test]
fn waiting_time_shifts_recovery() {
    // Wait U(20, 40) then recover on day +10 with certainty: every
    // recovery falls in [30, 50]; the curve is 0 on day 28 and 1 on day 56.
    let s = scenario(
        r#"
[[interventions]]
name = "x"
level = "conservative"
response = { probability = 1.0 }
recovery_time = { family = "fixed", value = 10 }
failure_time = { family = "fixed", value = 1 }
[[policies]]
name = "p"
steps = [{ intervention = "x", wait = { family = "uniform", low = 20, high = 40 } }]
"#,
    );
    let r = run(&s);
    let c = &r.policies[0].curves.recovered;
    let at = |day: f64| c.value[c.day.iter().position(|&d| d == day).unwrap()];
    assert_eq!(at(28.0), 0.0);
    assert_eq!(at(56.0), 1.0);
    // Median of 30 + U(0, 20) is 40.
    let m = overall(&r, 0)["median_days"];
    assert!((m.value - 40.0).abs() <= 4.0 * m.se + 0.125, "{m:?}");
}

#[test]
fn common_random_numbers_make_shared_steps_identical() {
    // Two policies share their first step; the patients who recover there
    // are the same, so the recovered shares by day 30 are equal exactly.
    let s = scenario(
        r#"
[[interventions]]
name = "pt"
level = "conservative"
response = { probability = 0.5 }
recovery_time = { family = "fixed", value = 7 }
failure_time = { family = "fixed", value = 30 }
[[interventions]]
name = "surgery"
level = "surgical"
response = { probability = 0.9 }
recovery_time = { family = "fixed", value = 7 }
failure_time = { family = "fixed", value = 30 }
[[policies]]
name = "a"
steps = [{ intervention = "pt" }, { intervention = "surgery" }]
[[policies]]
name = "b"
steps = [{ intervention = "pt" }, { intervention = "surgery", wait = { family = "fixed", value = 60 } }]
"#,
    );
    let r = run(&s);
    let day = |p: usize| {
        let c = &r.policies[p].curves.recovered;
        c.value[c.day.iter().position(|&d| d == 35.0).unwrap()]
    };
    assert_eq!(day(0), day(1));
    assert!(day(0) > 0.45 && day(0) < 0.55);
}

/// `foramen verify` embeds every validation scenario, in name order: a
/// file added to scenarios/validation/ is checked without a list to keep.
#[test]
fn verify_embeds_every_validation_scenario() {
    let mut files: Vec<(String, String)> = std::fs::read_dir("scenarios/validation")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    let embedded: Vec<(String, String)> = foramen::analysis::verify::SCENARIOS
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
    assert!(!files.is_empty(), "no validation scenario read");
    assert_eq!(embedded, files);
}
