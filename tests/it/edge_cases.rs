//! Edge cases are handled, not crashed on: each either runs to a sensible
//! result or is refused with one clear message (table-driven).

use std::fs;

use foramen::analysis;
use foramen::scenario::Scenario;
use foramen::simulate::engine::RunSpec;
use tempfile::TempDir;

use crate::util::{SMALL, SMALL_TEXT, edited, foramen, spec};

fn results(text: &str, patients: u64) -> foramen::estimate::RunResults {
    let s = Scenario::from_toml(text, "edge.toml").unwrap_or_else(|e| panic!("{e}"));
    let spec = RunSpec {
        seed: 3,
        ..spec(&s, patients)
    };
    analysis::run(&s, &spec).unwrap().1
}

#[test]
fn degenerate_but_valid_inputs_run() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "probability 0",
            "response = { probability = 0.6 }",
            "response = { probability = 0.0 }",
        ),
        (
            "probability 1",
            "response = { probability = 0.6 }",
            "response = { probability = 1.0 }",
        ),
        (
            "zero variance",
            "dist = { family = \"normal\", mean = 60, sd = 10, truncate = [30, 90] }",
            "dist = { family = \"normal\", mean = 60, sd = 0 }",
        ),
        (
            "uniform of zero width",
            "low = 14, high = 42 } },\n]\nred_flag",
            "low = 20, high = 20 } },\n]\nred_flag",
        ),
        (
            "wait beyond the horizon",
            "wait = { family = \"uniform\", low = 14, high = 42 } },\n]\nred_flag",
            "wait = { family = \"fixed\", value = 5000 } },\n]\nred_flag",
        ),
        (
            "condition always false",
            "skip_if = \"motor_deficit\"",
            "skip_if = \"false\"",
        ),
        (
            "condition always true",
            "skip_if = \"motor_deficit\"",
            "skip_if = \"true\"",
        ),
    ];
    for (what, from, to) in cases {
        let r = results(&edited(from, to), 500);
        for p in &r.policies {
            let g = &p.overall;
            assert_eq!(g.patients, 500, "{what}");
            for (def, e) in g.iter() {
                if def.name != "median_days" {
                    assert!(e.value.is_finite(), "{what}: {} is {}", def.name, e.value);
                }
            }
            assert!((0.0..=1.0).contains(&g["recovered"].value), "{what}");
        }
    }
}

/// A scenario without `[cohort]` runs, every patient alike: with the
/// same seed it gives the bytes of the same scenario with a covariate
/// nothing depends on (covariates have their own stream), and it says
/// "none" where covariates would be listed.
#[test]
fn a_cohort_without_covariates_runs_every_patient_alike() {
    let tmp = TempDir::new().unwrap();
    let bare = "scenarios/reference/three-step.toml";
    let text = fs::read_to_string(bare).unwrap();
    assert!(
        !text.contains("[[cohort.covariates]]"),
        "{bare} should declare no covariate"
    );
    let with = tmp.path().join("with-covariate.toml");
    let covariate = "[[cohort.covariates]]\nname = \"unused\"\nprobability = 0.5\n[[interventions]]";
    fs::write(&with, text.replacen("[[interventions]]", covariate, 1)).unwrap();
    for (scenario, out) in [(bare.to_string(), "bare"), (with.display().to_string(), "with")] {
        foramen()
            .args([
                "run",
                &scenario,
                "--patients",
                "3000",
                "--quiet",
                "--patients-out",
                "--out",
            ])
            .arg(tmp.path().join(out))
            .assert()
            .success();
    }
    for table in ["summary.csv", "curves.csv", "at_risk.csv"] {
        let read = |out: &str| fs::read(tmp.path().join(out).join(table)).unwrap();
        assert_eq!(read("bare"), read("with"), "{table}");
    }
    assert!(tmp.path().join("bare/patients.parquet").exists());
    let described = foramen().args(["describe", bare]).output().unwrap();
    assert!(String::from_utf8_lossy(&described.stdout).contains("no covariates: every patient alike"));
    foramen()
        .args(["run", bare, "--patients", "100", "--by", "grade", "--out"])
        .arg(tmp.path().join("by"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no such covariate; the cohort declares none"));
}

#[test]
fn one_step_and_one_patient() {
    let one_step = "[[policies]]\nname = \"only\"\nsteps = [{ intervention = \"surgery\" }]\n";
    let text = format!("{}{one_step}", &SMALL_TEXT[..SMALL_TEXT.find("[[policies]]").unwrap()]);
    let r = results(&text, 1);
    assert_eq!(r.policies[0].overall.patients, 1);
    assert!(r.comparisons.is_empty());
}

#[test]
fn invalid_inputs_are_refused_with_their_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "\"interventions.physio.response.probability\" = [0.2, 0.6]",
            "\"interventions.physio.response.probability\" = [0.3, 1.6]",
            "ranges.\"interventions.physio.response.probability\" = [0.3, 1.6]: the range end 1.6 breaks a rule: interventions.physio.response.probability = 1.6",
        ),
        (
            "[natural_history.progression]\nsets = \"motor_deficit\"\nif = \"not motor_deficit\"\ntime = { family = \"exponential\", mean = 52, unit = \"weeks\" }\n",
            "",
            "policies.stepwise.red_flag = { jump_to = \"surgery\" }: a red flag fires on neurological progression",
        ),
        (
            "truncate = [30, 90]",
            "truncate = [300, 900]",
            "cohort.covariates.age.dist.truncate = [300, 900]: truncation [300, 900] leaves no mass",
        ),
        (
            "patients = 2000",
            "patients = 0",
            "simulation.patients = 0: patients per policy must be between 1 and",
        ),
        (
            "red_flag = { jump_to = \"surgery\", wait = { family = \"fixed\", value = 7 } }",
            "red_flag = { jump_to = \"physio\", wait = { family = \"fixed\", value = 7 } }",
            "policies.stepwise.red_flag.jump_to = \"physio\": a red flag must jump to a surgical step",
        ),
        (
            "horizon_days = 365",
            "horizon_days = nan",
            "simulation.horizon_days = NaN: the horizon must be between 1 and",
        ),
        (
            "probability = 0.1",
            "probability = inf",
            "cohort.covariates.motor_deficit.probability = inf: a probability must be a number in [0, 1]",
        ),
        (
            "weights = [0.4, 0.6]",
            "weights = [0.4, -0.6]",
            "cohort.covariates.grade.weights[1] = -0.6: weights must be finite and >= 0",
        ),
        (
            "or = 0.6 }",
            "or = 0 }",
            "interventions.physio.response.odds_ratios[0].or = 0: an odds ratio must be a finite number > 0",
        ),
        (
            "attempts = 2",
            "attempts = 0",
            "policies.stepwise.steps[1].attempts = 0: attempts must be between 1 and 1000",
        ),
        (
            "value = 90 }",
            "value = -90 }",
            "interventions.surgery.failure_time = { family = \"fixed\" }: a duration cannot be negative",
        ),
        (
            "name = \"small\"",
            "name = \"../small\"",
            "name = \"../small\": a scenario name is non-empty and uses only letters",
        ),
        (
            "{ intervention = \"physio\", skip_if = \"grade == 'severe' or motor_deficit\" }",
            "{ intervention = \"physio\", skip_if = \"grade == 'severe' or\" }",
            "policies.early-surgery.steps[0].skip_if = \"grade == 'severe' or\": expected a covariate name, `not` or `(`, found the end of the condition",
        ),
        (
            "time = { family = \"exponential\", mean = 52, unit = \"weeks\" }",
            "time = { family = \"exponential\", mean = 52, unit = \"months\" }",
            "natural_history.progression.time.unit = \"months\": allowed units are \"days\" and \"weeks\"",
        ),
        (
            "recovery_time = { family = \"gamma\", mean = 10, sd = 4 }",
            "recovery_time = { family = \"gama\", mean = 10, sd = 4 }",
            "interventions.injection.recovery_time.family = \"gama\": allowed families are fixed, uniform, normal, lognormal, gamma, weibull, exponential, loglogistic, gompertz, gengamma, beta (did you mean `gamma`?)",
        ),
        (
            "name = \"injection\"",
            "name = \"physio\"",
            "interventions[1].name = \"physio\": this name is used twice; names must be unique",
        ),
        (
            "levels = [\"moderate\", \"severe\"]",
            "levels = [\"severe\", \"severe\"]",
            "cohort.covariates.grade.levels[1] = \"severe\": levels must be unique",
        ),
        (
            "breaks = [50, 65]",
            "breaks = [65, 50]",
            "cohort.covariates.age.breaks = [65.0, 50.0]: break points must be strictly ascending",
        ),
        (
            "curve_step_days = 7",
            "curve_step_days = 0.01",
            "simulation.curve_step_days = 0.01: the curve grid step must be between 0.125 days and the horizon",
        ),
        (
            "name = \"motor_deficit\"",
            "name = \"and\"",
            "cohort.covariates[1].name = \"and\": a covariate cannot be named after a condition keyword",
        ),
        (
            "subgroups = [\"grade\"]",
            "subgroups = [\"age\", \"grad\"]",
            "simulation.subgroups[1] = \"grad\": no such covariate (did you mean `grade`?)",
        ),
        (
            "{ intervention = \"injection\", attempts = 2 },",
            "{ intervention = \"injection\", attempts = 2, route = [{ if = \"motor_deficit\", to = \"surgey\" }] },",
            "policies.stepwise.steps[1].route[0].to = \"surgey\": no intervention has this name (did you mean `surgery`?)",
        ),
        (
            "red_flag = { jump_to = \"surgery\", wait = { family = \"fixed\", value = 7 } }\n\n[[policies]]",
            "red_flag = { jump_to = \"surgery\", wait = { family = \"fixed\", value = 7 } }\nrelapse_to = \"injections\"\n\n[[policies]]",
            "policies.stepwise.relapse_to = \"injections\": no step of this policy has this name (did you mean `injection`?)",
        ),
        (
            "probability = 0.1",
            "probability = 0.1\nweights = [1.0]",
            "cohort.covariates.motor_deficit: give exactly one of `probability` (boolean)",
        ),
        (
            "sets = \"motor_deficit\"",
            "sets = \"grade\"",
            "natural_history.progression.sets = \"grade\": progression sets a boolean covariate",
        ),
        (
            "level = \"conservative\"",
            "level = \"conservatve\"",
            "interventions.physio.level = \"conservatve\": allowed levels are \"conservative\", \"minimally_invasive\" and \"surgical\" (did you mean `conservative`?)",
        ),
        (
            "\"interventions.surgery.response.probability\" = [0.75, 0.95]",
            "\"interventions.surgery.response.probabilty\" = [0.75, 0.95]",
            "ranges.\"interventions.surgery.response.probabilty\" = [0.75, 0.95]: `interventions.surgery.response.probabilty` is not the path of a number in the scenario; closest valid paths: `interventions.surgery.response.probability`",
        ),
    ];
    for (from, to, expected) in cases {
        let err = Scenario::from_toml(&edited(from, to), "edge.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("edge.toml: "), "{err}");
        assert!(err.contains(expected), "expected `{expected}` in `{err}`");
    }
}

#[test]
fn bad_files_and_flags_exit_2_without_a_panic() {
    let tmp = TempDir::new().unwrap();
    let empty = tmp.path().join("empty.toml");
    fs::write(&empty, "").unwrap();
    let binary = tmp.path().join("binary.toml");
    fs::write(&binary, [0u8, 159, 146, 150, 255, 0, 1]).unwrap();
    let huge = tmp.path().join("huge.toml");
    fs::write(&huge, vec![b'#'; 17 << 20]).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["validate".into(), empty.display().to_string()],
            "missing field `name`",
        ),
        (vec!["validate".into(), binary.display().to_string()], "not UTF-8 text"),
        (
            vec!["validate".into(), huge.display().to_string()],
            "a scenario is at most 16777216 bytes",
        ),
        (
            vec![
                "run".into(),
                SMALL.into(),
                "--patients".into(),
                "99999999999999999".into(),
            ],
            "--patients 99999999999999999: patients per policy must be between 1 and 1000000000000",
        ),
        (
            vec!["run".into(), SMALL.into(), "--horizon=0.5".into()],
            "--horizon 0.5: the horizon must be between 1 and",
        ),
        (
            vec!["run".into(), SMALL.into(), "--reference".into(), "stepwse".into()],
            "did you mean `stepwise`",
        ),
        (
            vec!["run".into(), SMALL.into(), "--threads".into(), "5000".into()],
            "--threads 5000",
        ),
    ];
    for (args, expected) in cases {
        let out = foramen().args(&args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains(expected),
            "{args:?}: expected `{expected}` in `{stderr}`"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn the_worked_example_in_docs_validates() {
    let doc = include_str!("../../docs/scenario.md");
    let start = doc.find("```toml\nname = \"example\"").expect("worked example") + "```toml\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];
    let s = Scenario::from_toml(example, "docs/scenario.md").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.policies().len(), 2);
}

#[test]
fn an_unwritable_output_location_is_a_clear_runtime_error() {
    let out = foramen()
        .args(["run", SMALL, "--patients", "100", "--out", "/dev/null/run"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    // (After the warnings of the small scenario, one a line.)
    let error = stderr.lines().find(|l| !l.starts_with("warning: ")).unwrap_or_default();
    assert!(error.starts_with("error: cannot write /dev/null"), "{stderr}");
    assert!(stderr.contains("choose another --out"), "{stderr}");
}
