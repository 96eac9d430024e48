//! The batched core (`simulate::batch`) against the per-patient walk, its
//! specification: every path handed to the sink (patient, policy,
//! outcome, spells, covariates, in order) must be the same to the bit, at
//! every lane width, block of chunk sizes, thread count, shard and with
//! independent streams, on every plain scenario under scenarios/, on the
//! plain test scenario and on generated ones.

use foramen::rng::{Purpose, stream};
use foramen::scenario::Scenario;
use foramen::simulate::engine::{Core, RunSpec, Sink, Unobserved, run};
use foramen::simulate::patient::Path;
use foramen::simulate::shard::Shard;
use rand_core::Rng;

/// Every path as the sink sees it, written out exactly (`{:?}` of a
/// double is its shortest round-trip form: distinct bits, distinct text).
#[derive(Default)]
struct Recorded(Vec<String>);

impl Sink for Recorded {
    fn path(&mut self, patient: u64, path: Path) {
        self.0.push(format!(
            "{patient} {} {:?} {:?} {:?} {:?}",
            path.policy, path.outcome, path.spells, path.covariates, path.ledger
        ));
    }

    fn end_patient(&mut self) {
        self.0.push("end".into());
    }

    fn append(&mut self, later: Self) {
        self.0.extend(later.0);
    }
}

fn paths(scenario: &Scenario, spec: &RunSpec) -> Vec<String> {
    let ran = run(scenario, spec, Recorded::default, &Unobserved).unwrap();
    assert_eq!(ran.core, spec.core.for_run(scenario, false));
    ran.sink.0
}

/// The walk's paths of `scenario` against the batched core's under
/// several settings; the number of paths compared.
fn assert_batched_is_walked(scenario: &Scenario, name: &str, patients: u64) -> usize {
    assert_eq!(
        Core::Batched.for_run(scenario, false),
        Core::Batched,
        "{name} is not covered"
    );
    let spec = |core, lanes, chunk, threads| RunSpec {
        core,
        lanes,
        chunk,
        threads,
        ..RunSpec::new(patients, 11)
    };
    let walked = paths(scenario, &spec(Core::Scalar, 4, 4096, 1));
    for (lanes, chunk, threads) in [(4, 4096, 2), (1, 4096, 1), (2, 700, 2), (8, 97, 1), (4, 1, 1)] {
        let batched = paths(scenario, &spec(Core::Batched, lanes, chunk, threads));
        assert_eq!(batched.len(), walked.len(), "{name}");
        for (i, (a, b)) in walked.iter().zip(&batched).enumerate() {
            assert_eq!(
                a, b,
                "{name}: entry {i} differs, walked vs batched ({lanes} lanes, chunks of {chunk}, {threads} threads)"
            );
        }
    }
    // Independent streams, one policy left out, a shard.
    let other = RunSpec {
        independent: true,
        only: (0..scenario.policies().len()).map(|p| p != 1).collect(),
        shard: Shard::parse("2/2").unwrap(),
        chunk: 300,
        ..spec(Core::Scalar, 4, 300, 1)
    };
    let walked_other = paths(scenario, &other);
    assert_eq!(
        walked_other,
        paths(
            scenario,
            &RunSpec {
                core: Core::Batched,
                ..other.clone()
            }
        ),
        "{name}: independent streams, policy 2 left out, shard 2 of 2"
    );
    walked.len()
}

#[test]
fn the_batched_core_walks_the_plain_test_scenario_as_the_walk() {
    let scenario = Scenario::from_toml(crate::plain::PLAIN, "plain.toml").unwrap();
    assert_batched_is_walked(&scenario, "plain.toml", 3000);
}

#[test]
fn the_batched_core_walks_every_plain_scenario_file_as_the_walk() {
    let mut covered = Vec::new();
    for (name, scenario) in crate::util::scenario_files() {
        if scenario.is_plain() {
            assert_batched_is_walked(&scenario, &name, 2000);
            covered.push(name);
        } else {
            assert_eq!(Core::Batched.for_run(&scenario, false), Core::Scalar, "{name}");
        }
    }
    assert!(covered.len() >= 3, "{covered:?}");
}

/// The plain test scenario with the log-logistic, Gompertz and generalised
/// gamma families (both gamma shapes of the latter, and truncated: the
/// inverse transform) for its times.
#[test]
fn the_batched_core_walks_the_flexsurv_families_as_the_walk() {
    let text = crate::plain::PLAIN
        .replace(
            r#"{ family = "lognormal", mu = 3.5, sigma = 0.6 }"#,
            r#"{ family = "gengamma", mu = 3.5, sigma = 0.6, Q = -0.4 }"#,
        )
        .replace(
            r#"{ family = "weibull", shape = 1.5, scale = 60 }"#,
            r#"{ family = "loglogistic", shape = 2.5, scale = 60 }"#,
        )
        .replace(
            r#"{ family = "gamma", shape = 2, scale = 20 }"#,
            r#"{ family = "gompertz", shape = 0.02, rate = 0.01 }"#,
        )
        .replace(
            r#"{ family = "gamma", shape = 3, scale = 30 }"#,
            r#"{ family = "gengamma", mu = 4, sigma = 0.5, Q = 1.6, truncate = [10, 200] }"#,
        )
        .replace(
            r#"{ family = "exponential", mean = 40 }"#,
            r#"{ family = "gengamma", mu = 3.6, sigma = 0.8, Q = 1.4 }"#,
        )
        .replace(
            r#"{ family = "exponential", mean = 10 }"#,
            r#"{ family = "loglogistic", shape = 3, scale = 10, truncate = [1, 40] }"#,
        );
    for family in ["gengamma", "loglogistic", "gompertz"] {
        assert!(text.contains(family), "{text}");
    }
    let scenario = Scenario::from_toml(&text, "flexsurv.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_batched_is_walked(&scenario, "flexsurv.toml", 2000);
}

/// Random plain scenarios: 1-4 interventions of random levels, response
/// probabilities with and without odds ratios, every sampled family (and
/// truncations), 1-3 policies of 1-4 steps with random attempts, waits,
/// skips, routes and failure-time overrides, horizons from 60 to 1500
/// days. Generated from foramen's own streams (seed 35): the same cases
/// on every run.
#[test]
fn the_batched_core_walks_generated_plain_scenarios_as_the_walk() {
    let texts: Vec<String> = (0..24).map(generated).collect();
    for (case, text) in texts.iter().enumerate() {
        let scenario = Scenario::from_toml(text, "generated.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(scenario.is_plain(), "{text}");
        assert_batched_is_walked(&scenario, &format!("generated case {case}:\n{text}"), 600);
    }
    // Not a narrow sample: the cases use every feature and family drawn.
    let all = texts.concat();
    for feature in [
        "truncate",
        "route",
        "skip_if",
        "wait",
        "odds_ratios",
        "lognormal",
        "weibull",
        "gamma",
        "exponential",
        "uniform",
        "fixed",
        "attempts = 3",
    ] {
        assert!(all.contains(feature), "no generated case uses {feature}");
    }
}

fn generated(case: u64) -> String {
    let mut rng = stream(35, case, Purpose::Cohort);
    let mut u = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let pick = |n: usize, u: &mut dyn FnMut() -> f64| ((u() * n as f64) as usize).min(n - 1);
    let dist = |u: &mut dyn FnMut() -> f64| -> String {
        let scale = 5.0 + 120.0 * u();
        let base = match (u() * 7.0) as usize {
            0 => format!(
                "family = \"lognormal\", mu = {}, sigma = {}",
                scale.ln(),
                0.1 + 1.2 * u()
            ),
            1 => format!("family = \"weibull\", shape = {}, scale = {scale}", 0.5 + 3.0 * u()),
            2 => format!(
                "family = \"gamma\", shape = {}, scale = {}",
                0.3 + 4.0 * u(),
                scale / 3.0
            ),
            3 => format!("family = \"exponential\", mean = {scale}"),
            4 => format!("family = \"uniform\", low = {}, high = {}", scale / 4.0, scale),
            5 => format!("family = \"fixed\", value = {}", scale.round()),
            _ => format!(
                "family = \"gamma\", shape = {}, scale = {}",
                1.0 + 3.0 * u(),
                scale / 2.0
            ),
        };
        let truncate = u() < 0.25 && !base.contains("fixed") && !base.contains("uniform");
        if truncate {
            format!("{{ {base}, truncate = [{}, {}] }}", scale / 10.0, scale * 3.0)
        } else {
            format!("{{ {base} }}")
        }
    };
    let horizon = 60.0 + (1440.0 * u()).round();
    let mut text = format!(
        "name = \"generated\"\n[simulation]\npatients = 100\nseed = 1\nhorizon_days = {horizon}\ncurve_step_days = 7\n\
         [[cohort.covariates]]\nname = \"unstable\"\nprobability = {}\n\
         [[cohort.covariates]]\nname = \"age\"\ndist = {{ family = \"normal\", mean = 62, sd = 9 }}\n",
        0.1 + 0.6 * u()
    );
    let levels = ["conservative", "minimally_invasive", "surgical"];
    let ivs = 1 + pick(4, &mut u);
    for k in 0..ivs {
        let odds = if u() < 0.5 {
            format!(
                ", odds_ratios = [{{ if = \"age > {}\", or = {} }}]",
                55 + pick(20, &mut u),
                0.3 + 2.0 * u()
            )
        } else {
            String::new()
        };
        text += &format!(
            "[[interventions]]\nname = \"i{k}\"\nlevel = \"{}\"\nfusion = {}\nresponse = {{ probability = {}{odds} }}\n\
             recovery_time = {}\nfailure_time = {}\n",
            levels[pick(3, &mut u)],
            u() < 0.3,
            0.05 + 0.9 * u(),
            dist(&mut u),
            dist(&mut u)
        );
    }
    for p in 0..1 + pick(3, &mut u) {
        let mut steps = Vec::new();
        for s in 0..1 + pick(4, &mut u) {
            let mut step = format!(
                "{{ name = \"s{s}\", intervention = \"i{}\", attempts = {}",
                pick(ivs, &mut u),
                1 + pick(3, &mut u)
            );
            if u() < 0.4 {
                step += &format!(", wait = {}", dist(&mut u));
            }
            if u() < 0.2 {
                step += ", skip_if = \"unstable\"";
            }
            if u() < 0.25 {
                step += &format!(", route = [{{ if = \"age > 65\", to = \"i{}\" }}]", pick(ivs, &mut u));
            }
            if u() < 0.2 {
                step += &format!(", failure_time = {}", dist(&mut u));
            }
            steps.push(step + " }");
        }
        text += &format!(
            "[[policies]]\nname = \"p{p}\"\nsteps = [\n  {}\n]\n",
            steps.join(",\n  ")
        );
    }
    text
}
