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

const TWO_STEPS_TARGETS: &str = r#"
[[target]]
name = "recovered-14"
source = "exact"
published = 0.5
range = [0, 1]
comparability = "good"
day = 14
outcome = "recovered"

[[target]]
name = "x-recovered-14"
source = "exact"
published = 0.5
range = [0, 1]
comparability = "good"
population = "x"
day = 14
outcome = "recovered"

[[target]]
name = "after-b-recovered-20"
source = "exact"
published = 0.5
range = [0, 1]
comparability = "good"
origin = "b"
day = 20
outcome = "recovered"

[[target]]
name = "operated"
source = "exact"
published = 0.5
range = [0, 1]
comparability = "good"
day = 365
outcome = "operated"

[[target]]
name = "complications-per-b"
source = "exact"
published = 0.5
range = [0, 1]
comparability = "good"
origin = "b"
unit = "attempt"
outcome = "complication"

[[target]]
name = "symptom-free-100"
source = "exact"
published = 0.5
range = [0, 1]
comparability = "good"
day = 100
outcome = "symptom-free"

[[target]]
name = "no-further-29"
source = "exact"
published = 0.5
range = [0, 1]
comparability = "good"
origin = "a"
day = 29
outcome = "no further-attempt"

[[target]]
name = "no-further-30"
source = "exact"
published = 0.5
range = [0, 1]
comparability = "good"
origin = "a"
day = 30
outcome = "no further-attempt"

[[target]]
name = "symptom-free-100-without-surgery"
source = "exact"
published = 0.5
range = [0, 1]
comparability = "good"
day = 100
outcome = "symptom-free"
without = "operated"
"#;

/// Each target's model share equals its exact value within four Monte
/// Carlo standard errors (binomial, `sqrt(p (1 - p) / n)` at the exact
/// `p`, over the units counted); the seed is fixed, so the test is
/// deterministic. Deterministic quantities must be exact.
#[test]
fn target_quantities_match_exact_answers() {
    let scenario = Scenario::from_toml(TWO_STEPS, "two-steps.toml").unwrap();
    let targets = Targets::from_toml(TWO_STEPS_TARGETS, "two-steps-targets.toml", &scenario).unwrap();
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

#[test]
fn target_counts_do_not_depend_on_threads() {
    let long = foramen::scenario::DEFAULT_TOML.replace("horizon_days = 730", "horizon_days = 1826");
    let scenario = Scenario::from_toml(&long, "default, 5-year horizon").unwrap();
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
    let assert = foramen()
        .args(["targets", "--patients", "3000", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("injection-alone-1y"), "{stdout}");
    assert!(stdout.contains("weighted distance"), "{stdout}");
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
origin = "tfesi"
day = 365
outcome = "no procedure"
"#;
    let cases: [(&str, &str, &[&str]); 9] = [
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
            &["target.t.day = 9999", "at most the scenario's horizon"],
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
