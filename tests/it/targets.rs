//! Published targets: the model quantities against exact answers, thread
//! invariance, the command and its errors.

use std::fs;

use foramen::analysis::targets::evaluate;
use foramen::scenario::Scenario;
use foramen::scenario::targets::Targets;
use foramen::simulate::engine::{RunSpec, Unobserved};
use tempfile::TempDir;

use crate::util::{foramen, spec, stderr_has};

/// Two steps: a conservative attempt `a` (response 0.4, or 0.5 with `x`:
/// odds ratio 1.5 on odds 2/3) recovering after Exp(mean 20) days, failing
/// on day 30; then a surgical attempt `b` (response 0.8, recovery
/// Exp(mean 10), failure on day 60 after it starts, a complication with
/// probability 0.1 that does not change the course). No relapse.
const TWO_STEPS: &str = r#"
name = "two-steps"
[simulation]
patients = 100000
seed = 4242
horizon_days = 365
[[cohort.covariates]]
name = "x"
probability = 0.5
[[interventions]]
name = "a"
level = "conservative"
response = { probability = 0.4, odds_ratios = [{ if = "x", or = 1.5 }] }
recovery_time = { family = "exponential", mean = 20 }
failure_time = { family = "fixed", value = 30 }
[[interventions]]
name = "b"
level = "surgical"
response = { probability = 0.8 }
recovery_time = { family = "exponential", mean = 10 }
failure_time = { family = "fixed", value = 60 }
complications = [{ name = "c", probability = 0.1 }]
[[policies]]
name = "p"
steps = [{ intervention = "a" }, { intervention = "b" }]
"#;

/// The targets of [`TWO_STEPS`], in the order of their exact values
/// below; the published side does not matter here.
fn two_steps_targets() -> String {
    let quantities = [
        ("recovered-14", "day = 14\noutcome = \"recovered\""),
        (
            "x-recovered-14",
            "population = \"x\"\nday = 14\noutcome = \"recovered\"",
        ),
        (
            "after-b-recovered-20",
            "origin = \"b\"\nday = 20\noutcome = \"recovered\"",
        ),
        ("operated", "day = 365\noutcome = \"operated\""),
        (
            "complications-per-b",
            "origin = \"b\"\nunit = \"attempt\"\noutcome = \"complication\"",
        ),
        ("symptom-free-100", "day = 100\noutcome = \"symptom-free\""),
        (
            "no-further-29",
            "origin = \"a\"\nday = 29\noutcome = \"no further-attempt\"",
        ),
        (
            "no-further-30",
            "origin = \"a\"\nday = 30\noutcome = \"no further-attempt\"",
        ),
        (
            "symptom-free-100-without-surgery",
            "day = 100\noutcome = \"symptom-free\"\nwithout = \"operated\"",
        ),
    ];
    quantities
        .iter()
        .map(|(name, quantity)| {
            format!(
                "[[target]]\nname = \"{name}\"\nsource = \"exact\"\npublished = 0.5\nrange = [0, 1]\ncomparability = \"good\"\nindependent = true\n{quantity}\n\n"
            )
        })
        .collect()
}

/// Each target's model share equals its exact value within four Monte
/// Carlo standard errors (binomial, `sqrt(p (1 - p) / n)` at the exact
/// `p`, over the units counted); the seed is fixed, so the test is
/// deterministic. Deterministic quantities must be exact.
#[test]
fn target_quantities_match_exact_answers() {
    let scenario = Scenario::from_toml(TWO_STEPS, "two-steps.toml").unwrap();
    let targets = Targets::from_toml(&two_steps_targets(), "two-steps-targets.toml", &scenario).unwrap();
    let spec = spec(&scenario, 100_000);
    let evaluated = evaluate(&scenario, &targets, &spec, &Unobserved).unwrap();
    let e = |x: f64| (-x).exp();
    // P(a responds) without and with x.
    let (p0, p1) = (0.4, 0.5);
    let mean_pa = 0.5 * (p0 + p1);
    let sf100 = |pa: f64| pa * (1.0 - e(100.0 / 20.0)) + (1.0 - pa) * 0.8 * (1.0 - e(70.0 / 10.0));
    let exact = [
        mean_pa * (1.0 - e(14.0 / 20.0)),
        p1 * (1.0 - e(14.0 / 20.0)),
        0.8 * (1.0 - e(20.0 / 10.0)),
        1.0 - mean_pa,
        0.1,
        0.5 * (sf100(p0) + sf100(p1)),
        1.0,
        mean_pa,
        0.5 * (p0 + p1) * (1.0 - e(100.0 / 20.0)),
    ];
    for ((t, a), p) in targets.targets.iter().zip(&evaluated.assessed).zip(exact) {
        let se = (p * (1.0 - p) / a.n as f64).sqrt();
        let got = a.model.value;
        assert!(a.n > 10_000, "{}: only {} units", t.name, a.n);
        assert!(
            (got - p).abs() <= 4.0 * se,
            "{}: model {got}, exact {p}, 4 se = {}",
            t.name,
            4.0 * se
        );
    }
    // The population after `b` is who failed `a`; the attempt unit counts
    // each attempt of `b` (one per such patient).
    let after_b = evaluated.assessed[2].n;
    let attempts_b = evaluated.assessed[4].n;
    assert_eq!(after_b, attempts_b);
    assert_eq!((evaluated.assessed[3].model.value * 100_000.0).round() as u64, after_b);
}

/// The source IDs of a target (`"B (T5-T8, T10)"`: B, T5, T6, T7, T8,
/// T10).
fn source_ids(source: &str) -> Vec<String> {
    let split = |id: &str| {
        let digits = id.find(|c: char| c.is_ascii_digit()).unwrap_or(id.len());
        (id[..digits].to_string(), id[digits..].parse::<u32>().ok())
    };
    let mut ids = Vec::new();
    for word in source.split([',', ';', '(', ')', ' ']).filter(|w| !w.is_empty()) {
        match word.split_once('-') {
            Some((from, to)) => {
                let ((prefix, Some(a)), (_, Some(b))) = (split(from), split(to)) else {
                    panic!("source {source}: cannot read the range {word}");
                };
                ids.extend((a..=b).map(|k| format!("{prefix}{k}")));
            }
            None => ids.push(word.to_string()),
        }
    }
    ids
}

/// Each default target is marked dependent exactly when one of its source
/// IDs (ranges expanded; B, the proposed default set, is itself an ID) is
/// cited in a comment of the default scenario, where inputs give their
/// sources.
#[test]
fn default_targets_are_dependent_exactly_when_the_scenario_cites_a_source() {
    let scenario = Scenario::default_scenario().unwrap();
    let targets = Targets::from_toml(foramen::scenario::DEFAULT_TARGETS_TOML, "default targets", &scenario).unwrap();
    let comments: Vec<&str> = foramen::scenario::DEFAULT_TOML
        .lines()
        .filter_map(|l| l.split_once('#').map(|(_, c)| c))
        .collect();
    let cited = |id: &str| {
        comments
            .iter()
            .any(|c| c.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == id))
    };
    assert_eq!(source_ids("B (T5-T8, T10)"), ["B", "T5", "T6", "T7", "T8", "T10"]);
    for t in &targets.targets {
        let ids = source_ids(&t.source);
        let inputs: Vec<&String> = ids.iter().filter(|id| cited(id)).collect();
        assert_eq!(
            t.independent,
            inputs.is_empty(),
            "{}: source {}, of which the scenario cites {inputs:?}",
            t.name,
            t.source
        );
    }
}

#[test]
fn target_counts_do_not_depend_on_threads() {
    let scenario = Scenario::default_scenario().unwrap();
    let targets = Targets::from_toml(foramen::scenario::DEFAULT_TARGETS_TOML, "default targets", &scenario).unwrap();
    let one = evaluate(&scenario, &targets, &spec(&scenario, 9000), &Unobserved).unwrap();
    let two = RunSpec {
        threads: 2,
        chunk: 1000,
        ..spec(&scenario, 9000)
    };
    let two = evaluate(&scenario, &targets, &two, &Unobserved).unwrap();
    assert!(one.assessed.iter().all(|a| a.n > 0));
    assert_eq!(one.assessed, two.assessed);
}

#[test]
fn targets_command_writes_its_table_and_chart() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("t");
    // A two-year horizon is extended to the targets' five years, and
    // said so.
    let old = TempDir::new().unwrap();
    let scenario = old.path().join("two-years.toml");
    fs::write(
        &scenario,
        foramen::scenario::DEFAULT_TOML.replace("horizon_days = 1826", "horizon_days = 730"),
    )
    .unwrap();
    let assert = foramen()
        .args(["targets", "--patients", "3000", "--out"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("injection-alone-1y"), "{stdout}");
    assert!(stdout.contains("weighted distance"), "{stdout}");
    assert!(stdout.contains(" of 31 targets in their published band; "), "{stdout}");
    assert!(stdout.contains(" of 3 independent targets in band"), "{stdout}");
    stderr_has(assert, &["horizon (730 days) is shorter", "1826 days"]);
    let csv = fs::read_to_string(out.join("targets.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    for column in [
        "target",
        "source",
        "published_lo",
        "model",
        "model_lo",
        "units",
        "z",
        "in_band",
        "independent",
        "held_out",
    ] {
        assert!(header.split(',').any(|c| c == column), "targets.csv lacks {column}");
    }
    let expected = foramen::scenario::DEFAULT_TARGETS_TOML.matches("[[target]]").count();
    assert_eq!(csv.lines().count(), 1 + expected, "one row per target");
    for file in ["targets.png", "targets.svg", "manifest.json"] {
        assert!(fs::metadata(out.join(file)).unwrap().len() > 0, "{file} is empty");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["horizon_days"], 1826.0);
}

/// Writes `text` as a targets file and runs `foramen targets` on the
/// default scenario with it.
fn targets_with(text: &str) -> assert_cmd::assert::Assert {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("bad-targets.toml");
    fs::write(&path, text).unwrap();
    foramen()
        .args(["targets", "--patients", "100", "--targets"])
        .arg(&path)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
}

#[test]
fn bad_targets_are_refused_with_the_key_and_what_is_allowed() {
    let good = r#"
[[target]]
name = "t"
source = "B"
published = 0.5
range = [0.25, 0.75]
comparability = "good"
independent = false
origin = "tfesi"
day = 365
outcome = "no procedure"
"#;
    let cases: [(&str, &str, &[&str]); 11] = [
        (
            "independent = false\n",
            "",
            &["target.t.independent", "missing", "independent = false when a source"],
        ),
        // A band of no width (z = -inf, distance 0, "converged" before).
        (
            "range = [0.25, 0.75]",
            "range = [0.5, 0.5]",
            &["target.t.range = [0.5, 0.5]", "low < high"],
        ),
        (
            "outcome = \"no procedure\"",
            "outcome = \"procedur\"",
            &["target.t.outcome = \"procedur\"", "did you mean `procedure`"],
        ),
        (
            "origin = \"tfesi\"",
            "origin = \"tfesy\"",
            &["target.t.origin", "did you mean `tfesi`"],
        ),
        (
            "range = [0.25, 0.75]",
            "",
            &["target.t", "give exactly one of interval"],
        ),
        (
            "range = [0.25, 0.75]",
            "range = [0.25, 0.75]\nn = 30",
            &["give exactly one of"],
        ),
        (
            "range = [0.25, 0.75]",
            "range = [0.6, 0.75]",
            &["target.t.range = [0.6, 0.75]", "low <= published"],
        ),
        (
            "day = 365",
            "day = 9999",
            &["target.t.day = 9999", "at most the horizon simulated"],
        ),
        (
            "comparability = \"good\"",
            "comparability = \"fine\"",
            &["target.t.comparability", "\"moderate\""],
        ),
        (
            "day = 365",
            "day = 365\npolicy = \"stepwize\"",
            &["target.t.policy", "did you mean `stepwise`"],
        ),
        (
            "day = 365",
            "unit = \"attempt\"",
            &["target.t.unit", "outcome = \"complication\""],
        ),
    ];
    for (from, to, expected) in cases {
        assert!(good.contains(from));
        let text = good.replacen(from, to, 1);
        stderr_has(targets_with(&text).code(2), expected);
    }
    // Unknown keys and duplicate names.
    stderr_has(
        targets_with(&format!("{good}\nsauce = 1")).code(2),
        &["bad-targets.toml", "sauce"],
    );
    stderr_has(
        targets_with(&format!("{good}{good}")).code(2),
        &["target[1].name", "unique"],
    );
    stderr_has(targets_with("").code(2), &["bad-targets.toml", "target"]);
    let tmp = TempDir::new().unwrap();
    foramen()
        .args(["targets", "--targets", "no/such/targets.toml", "--out"])
        .arg(tmp.path().join("o"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "cannot read targets file no/such/targets.toml",
        ));
}

/// One uncertain response probability `p ~ Beta(2, 2)`, recovery within
/// about a day, so the share recovered by day 365 is `p` itself; one
/// target: 120 of 400 recovered. The likelihood is then normal around
/// 0.3 with sd `s = sqrt(0.3 * 0.7 / 400 + se_mc²)`, and the posterior
/// (prior times likelihood) has mean `0.3 + s² (1/0.3 - 1/0.7)` (to first
/// order) and sd `s`. The posterior sample's mean must lie within four
/// standard errors of it: the sample's own (`s / sqrt(ESS)`) and the
/// common-random-numbers bias of the model share (`se_mc`); its sd within
/// 30% of `s` (four times the relative error `1 / sqrt(2 ESS)` at the ESS
/// reached, rounded up); the fitted mode within four `se_mc` of the
/// mode's value.
/// The one-parameter scenario of
/// [`calibration_recovers_a_known_posterior`]: one uncertain response
/// probability `p ~ Beta(2, 2)`, recovery within about a day.
const ONE_PARAMETER: &str = r#"
name = "one-parameter"
[simulation]
patients = 4000
seed = 99
horizon_days = 365
[[cohort.covariates]]
name = "x"
probability = 0.5
[[interventions]]
name = "a"
level = "conservative"
response = { probability = { beta = [2, 2] } }
recovery_time = { family = "exponential", mean = 1 }
failure_time = { family = "fixed", value = 400 }
[[policies]]
name = "p"
steps = [{ intervention = "a" }]
"#;

/// Its one target: 120 of 400 recovered by day 365.
const RECOVERED_120_OF_400: &str = r#"
[[target]]
name = "recovered"
source = "synthetic"
published = 0.3
n = 400
comparability = "good"
independent = true
day = 365
outcome = "recovered"
"#;

/// A small calibration plan on one thread.
fn small_plan() -> foramen::analysis::calibrate::Plan {
    foramen::analysis::calibrate::Plan {
        patients: 4000,
        threads: 1,
        prior_points: 300,
        batch: 50,
        rounds: 6,
        posterior: 400,
        iterations: 60,
        params: Vec::new(),
    }
}

/// A held-out target is left out of the fit: the posterior sample and the
/// mode are exactly those of the same calibration (same seed) on a
/// targets file without it, whether it is held out in the file or by
/// name; its z after fitting is reported, and it equals
/// `(p - v) / sqrt(s_p² + s_m²)` at the fitted model share.
#[test]
fn a_held_out_target_does_not_move_the_fit_and_is_assessed_after_it() {
    use foramen::analysis::calibrate::calibrate;
    use foramen::scenario::document::{Document, Overrides};
    let doc = Document::parse(ONE_PARAMETER, "one-parameter.toml").unwrap();
    let overrides = Overrides::default();
    let scenario = doc.scenario(&overrides).unwrap();
    // Far from the fitted target (0.3 by day 365): it would pull p up.
    let held = r#"
[[target]]
name = "recovered-early"
source = "synthetic"
published = 0.6
n = 400
comparability = "good"
independent = true
holdout = true
day = 2
outcome = "recovered"
"#;
    let alone = Targets::from_toml(RECOVERED_120_OF_400, "alone.toml", &scenario).unwrap();
    let with = Targets::from_toml(&format!("{RECOVERED_120_OF_400}{held}"), "with.toml", &scenario).unwrap();
    let mut by_name = Targets::from_toml(
        &format!("{RECOVERED_120_OF_400}{}", held.replace("holdout = true\n", "")),
        "by-name.toml",
        &scenario,
    )
    .unwrap();
    assert!(!by_name.targets[1].holdout);
    by_name.hold_out(&["recovered-early".to_string()]).unwrap();
    let plan = small_plan();
    let fit_alone = calibrate(&doc, &overrides, &alone, &plan, &Unobserved).unwrap();
    for targets in [&with, &by_name] {
        let fit = calibrate(&doc, &overrides, targets, &plan, &Unobserved).unwrap();
        assert_eq!(fit.posterior.samples, fit_alone.posterior.samples);
        assert_eq!(fit.fitted, fit_alone.fitted);
        assert_eq!(fit.distance_after, fit_alone.distance_after);
        assert_eq!(fit.after[0], fit_alone.after[0]);
        let a = fit.after[1];
        let t = &targets.targets[1];
        let expected = (a.model.value - 0.6) / (t.band.se.powi(2) + a.model.se.powi(2)).sqrt();
        assert!(a.z.is_finite() && a.n > 1000, "held-out z {} over {} units", a.z, a.n);
        assert!((a.z - expected).abs() < 1e-12, "z {} against {expected}", a.z);
    }
    // Holding out every target leaves nothing to fit.
    let mut none = alone.clone();
    none.hold_out(&["recovered".to_string()]).unwrap();
    let refused = calibrate(&doc, &overrides, &none, &plan, &Unobserved).unwrap_err();
    assert!(refused.to_string().contains("every target is held out"), "{refused}");
}

#[test]
fn calibration_recovers_a_known_posterior() {
    use foramen::analysis::calibrate::{Plan, calibrate};
    use foramen::scenario::document::{Document, Overrides};
    let doc = Document::parse(ONE_PARAMETER, "one-parameter.toml").unwrap();
    let overrides = Overrides::default();
    let scenario = doc.scenario(&overrides).unwrap();
    let targets = Targets::from_toml(RECOVERED_120_OF_400, "targets.toml", &scenario).unwrap();
    let plan = small_plan();
    let fit = calibrate(&doc, &overrides, &targets, &plan, &Unobserved).unwrap();
    let se_mc = (0.3f64 * 0.7 / 4000.0).sqrt();
    let s = (0.3f64 * 0.7 / 400.0 + se_mc * se_mc).sqrt();
    let mean = 0.3 + s * s * (1.0 / 0.3 - 1.0 / 0.7);
    let post = &fit.posterior;
    let (got, _, _) = post.summary(0);
    let values: Vec<f64> = post.samples.iter().map(|v| v[0]).collect();
    let sd = (values.iter().map(|v| (v - got).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt();
    let tolerance = 4.0 * (se_mc * se_mc + s * s / post.ess).sqrt();
    assert!(post.ess > 50.0, "effective sample size {}", post.ess);
    assert!(
        (got - mean).abs() <= tolerance,
        "posterior mean {got}, expected {mean} +- {tolerance}"
    );
    assert!((sd / s - 1.0).abs() <= 0.3, "posterior sd {sd}, expected {s}");
    assert!(
        (fit.fitted[0] - mean).abs() <= 4.0 * se_mc + 0.005,
        "mode {}",
        fit.fitted[0]
    );
    assert!(fit.distance_after <= fit.distance_before);
    // The whole run again, on two threads, gives the same numbers (fixed
    // seed; points are evaluated in parallel and kept in order).
    let two = Plan { threads: 2, ..plan };
    let again = calibrate(&doc, &overrides, &targets, &two, &Unobserved).unwrap();
    assert_eq!(again.posterior.samples, post.samples);
    assert_eq!(again.fitted, fit.fitted);
}

#[test]
fn calibrate_writes_a_posterior_that_psa_draws_from() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("cal");
    let assert = foramen()
        .args([
            "calibrate",
            "--patients",
            "500",
            "--prior-points",
            "20",
            "--batch",
            "10",
            "--rounds",
            "1",
            "--posterior",
            "20",
            "--iterations",
            "5",
            "--holdout",
            "cervical-endoscopic-2y",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    for line in [
        "fitted (in sample)",
        "held out (out of sample)",
        "held out cervical-endoscopic-2y: published 87.4",
    ] {
        assert!(stdout.contains(line), "{line} not in {stdout}");
    }
    let after = fs::read_to_string(out.join("targets_after.csv")).unwrap();
    let held: Vec<&str> = after
        .lines()
        .filter(|l| l.contains(",true,true,") || l.contains(",false,true,"))
        .collect();
    assert_eq!(held.len(), 1, "one held-out row in {after}");
    assert!(held[0].starts_with("cervical-endoscopic-2y,"), "{}", held[0]);
    // An unknown name is refused before anything runs, listing the names.
    stderr_has(
        foramen()
            .args([
                "calibrate",
                "--holdout",
                "cervical-endoscopic-2y,no-such-target",
                "--out",
            ])
            .arg(tmp.path().join("refused"))
            .assert()
            .code(2),
        &["--holdout", "no-such-target", "its targets: injection-alone-1y, "],
    );
    for file in [
        "calibration.csv",
        "posterior.csv",
        "targets_before.csv",
        "targets_after.csv",
        "calibration.png",
        "manifest.json",
    ] {
        assert!(fs::metadata(out.join(file)).unwrap().len() > 0, "{file} is empty");
    }
    let calibration = fs::read_to_string(out.join("calibration.csv")).unwrap();
    assert!(calibration.starts_with("parameter,prior,calibrated,prior_mean,fitted,posterior_mean"));
    assert!(calibration.contains("interventions.tfesi.response.probability,"));
    let posterior = fs::read_to_string(out.join("posterior.csv")).unwrap();
    assert_eq!(posterior.lines().count(), 21);
    // PSA draw d takes posterior row d.
    let psa = tmp.path().join("psa");
    foramen()
        .args(["psa", "--draws", "10", "--patients", "200", "--quiet", "--posterior"])
        .arg(out.join("posterior.csv"))
        .arg("--out")
        .arg(&psa)
        .assert()
        .success();
    let drawn = fs::read_to_string(psa.join("psa_parameters.csv")).unwrap();
    for (a, b) in drawn.lines().skip(1).zip(posterior.lines().skip(1)) {
        // Same values; the posterior row also ends with its distance.
        let (a, b) = (a.split_once(',').unwrap().1, b.split_once(',').unwrap().1);
        assert!(b.starts_with(a), "psa row {a} is not posterior row {b}");
    }
    // Too many draws, and a posterior of another scenario, are refused.
    foramen()
        .args(["psa", "--draws", "21", "--patients", "200", "--quiet", "--posterior"])
        .arg(out.join("posterior.csv"))
        .arg("--out")
        .arg(tmp.path().join("psa2"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("has 20 rows"));
    let header = posterior.lines().next().unwrap();
    let cut = header.replace("interventions.tfesi.cost", "something.else");
    let other = tmp.path().join("other.csv");
    fs::write(&other, posterior.replacen(header, &cut, 1)).unwrap();
    foramen()
        .args(["psa", "--draws", "5", "--patients", "200", "--quiet", "--posterior"])
        .arg(&other)
        .arg("--out")
        .arg(tmp.path().join("psa3"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("interventions.tfesi.cost: missing"));
}

/// [`TWO_STEPS`] with utilities (symptomatic and recovering 0.4,
/// symptom-free 0.8, 0.9 after a recovery `b` brought; no discounting),
/// and a second policy `q` of `b` alone.
fn two_steps_with_utilities() -> String {
    TWO_STEPS.replace(
        "complications = [{ name = \"c\", probability = 0.1 }]",
        "complications = [{ name = \"c\", probability = 0.1 }]\nutility = 0.9",
    ) + r#"
[[policies]]
name = "q"
steps = [{ intervention = "b" }]

[economics]
currency = "EUR"
discount_rate = 0
death_cost = 0
willingness_to_pay = [20000]
utility = { symptomatic = 0.4, symptom_free = 0.8, recovering = 0.4 }
daily_cost = { symptomatic = 0, symptom_free = 0, recovering = 0 }
"#
}

/// A target of `quantity` (TOML lines) with a published value and band
/// that do not matter here.
fn target(name: &str, published: f64, band: [f64; 2], quantity: &str) -> String {
    format!(
        "[[target]]\nname = \"{name}\"\nsource = \"exact\"\npublished = {published}\nrange = [{}, {}]\ncomparability = \"good\"\nindependent = true\n{quantity}\n\n",
        band[0], band[1]
    )
}

/// The new kinds of target against closed forms on [`TWO_STEPS`] (no
/// death, so no censoring but at the horizon): with `P(a responds)` 0.45
/// on average, a responder to `a` recovers after Exp(20) days, and 0.8 of
/// the others after Exp(10) days from day 30 (when `b` starts).
///
/// - median days to recovery: where `F(t) = 0.45 (1 - e^{-t/20}) + 0.44
///   (1 - e^{-(t-30)/10}) [t > 30]` is 1/2;
/// - median days to surgery: every operation starts on day 30 and 55%
///   are operated, so the median lies in the bin of day 30;
/// - mean utility on day 100: `0.4 + 0.4 P_a + 0.5 P_b`, with `P_a` and
///   `P_b` the shares symptom-free by then after `a` and after `b`;
/// - QALYs by day 100, under `p` minus under `q` (`b` from day 0): the
///   integrals of the mean utilities over 365.25.
///
/// Each within four of its own Monte Carlo standard errors (the median's
/// plus its bin of 1/8 day); the seed is fixed.
#[test]
fn time_utility_and_qaly_targets_match_closed_forms() {
    let text = two_steps_with_utilities();
    let scenario = Scenario::from_toml(&text, "two-steps.toml").unwrap();
    let targets = [
        target(
            "median-recovery",
            4.0,
            [2.0, 8.0],
            "statistic = \"median\"\noutcome = \"recovered\"\ntime_unit = \"weeks\"",
        ),
        target(
            "median-surgery",
            30.0,
            [20.0, 40.0],
            "statistic = \"median\"\noutcome = \"operated\"",
        ),
        target("utility-100", 0.6, [0.5, 0.7], "outcome = \"utility\"\nday = 100"),
        target(
            "qaly-gain-100",
            0.0,
            [-0.1, 0.1],
            "outcome = \"qalys\"\nversus = \"q\"\nday = 100",
        ),
        target(
            "qalys-100",
            0.2,
            [0.1, 0.3],
            "outcome = \"qalys\"\npolicy = \"q\"\nday = 100",
        ),
    ]
    .concat();
    let targets = Targets::from_toml(&targets, "new-kinds.toml", &scenario).unwrap();
    assert_eq!((targets.targets[0].published, targets.targets[0].band.lo), (28.0, 14.0));
    let evaluated = evaluate(&scenario, &targets, &spec(&scenario, 100_000), &Unobserved).unwrap();
    let e = |x: f64| (-x).exp();
    let pa = 0.45;
    let f = |t: f64| {
        pa * (1.0 - e(t / 20.0))
            + if t > 30.0 {
                (1.0 - pa) * 0.8 * (1.0 - e((t - 30.0) / 10.0))
            } else {
                0.0
            }
    };
    let (mut lo, mut hi) = (0.0, 365.0);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if f(mid) < 0.5 { lo = mid } else { hi = mid }
    }
    let median = lo;
    let d = 100.0;
    let (p_a, p_b) = (
        pa * (1.0 - e(d / 20.0)),
        (1.0 - pa) * 0.8 * (1.0 - e((d - 30.0) / 10.0)),
    );
    // ∫_0^D (1 - e^{-t/τ}) dt = D - τ (1 - e^{-D/τ}).
    let integral = |d: f64, tau: f64| d - tau * (1.0 - e(d / tau));
    let qalys_p = (0.4 * d + 0.4 * pa * integral(d, 20.0) + 0.5 * (1.0 - pa) * 0.8 * integral(d - 30.0, 10.0)) / 365.25;
    let qalys_q = (0.4 * d + 0.5 * 0.8 * integral(d, 10.0)) / 365.25;
    let exact = [median, 30.0, 0.4 + 0.4 * p_a + 0.5 * p_b, qalys_p - qalys_q, qalys_q];
    let slack = [0.125, 0.125, 0.0, 0.0, 0.0];
    for (((t, a), x), bin) in targets.targets.iter().zip(&evaluated.assessed).zip(exact).zip(slack) {
        let got = a.model.value;
        assert_eq!(a.n, 100_000, "{}: every patient counts", t.name);
        assert!(
            (got - x).abs() <= 4.0 * a.model.se + bin,
            "{}: model {got}, exact {x}, 4 se = {}",
            t.name,
            4.0 * a.model.se
        );
    }
    assert!(evaluated.assessed[1].model.value >= 30.0 && evaluated.assessed[1].model.value <= 30.125);
}

#[test]
fn new_kinds_of_target_refuse_what_they_cannot_mean() {
    let text = two_steps_with_utilities();
    let scenario = Scenario::from_toml(&text, "two-steps.toml").unwrap();
    let plain = Scenario::from_toml(TWO_STEPS, "two-steps.toml").unwrap();
    let refused = |scenario: &Scenario, quantity: &str, band: [f64; 2]| {
        Targets::from_toml(&target("t", band[0], band, quantity), "bad.toml", scenario)
            .unwrap_err()
            .to_string()
    };
    let cases: [(&Scenario, &str, [f64; 2], &[&str]); 7] = [
        (
            &plain,
            "outcome = \"utility\"\nday = 100",
            [0.5, 0.7],
            &["target.t.outcome = \"utility\"", "no [economics]"],
        ),
        (
            &scenario,
            "statistic = \"mean\"\noutcome = \"recovered\"",
            [20.0, 30.0],
            &["target.t.statistic = \"mean\"", "not estimable", "\"median\""],
        ),
        (
            &scenario,
            "statistic = \"median\"\noutcome = \"recovered\"\nday = 30",
            [20.0, 30.0],
            &["target.t.day", "not used with a median time"],
        ),
        (
            &scenario,
            "statistic = \"median\"\noutcome = \"symptom-free\"",
            [20.0, 30.0],
            &["target.t.outcome", "a median time is to an event", "\"recovered\""],
        ),
        (
            &scenario,
            "outcome = \"qalys\"\nversus = \"p\"\nday = 100",
            [0.0, 0.1],
            &["target.t.versus = \"p\"", "must differ"],
        ),
        (
            &scenario,
            "outcome = \"qalys\"\nversus = \"qq\"\nday = 100",
            [0.0, 0.1],
            &["target.t.versus", "did you mean `q`"],
        ),
        (
            &scenario,
            "statistic = \"median\"\noutcome = \"recovered\"\ntime_unit = \"months\"",
            [20.0, 30.0],
            &["target.t.time_unit = \"months\"", "\"weeks\""],
        ),
    ];
    for (scenario, quantity, band, expected) in cases {
        let message = refused(scenario, quantity, band);
        for e in expected {
            assert!(message.contains(e), "{quantity}: {e} not in {message}");
        }
    }
    // A sample size gives a share's interval only.
    let text = target("t", 0.6, [0.5, 0.7], "outcome = \"utility\"\nday = 100").replace("range = [0.5, 0.7]", "n = 50");
    let message = Targets::from_toml(&text, "bad.toml", &scenario)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("target.t.n = 50") && message.contains("Wilson interval of a share"),
        "{message}"
    );
}
