//! The features for patients who differ and consequences that last:
//! frailty, caps across relapses, harm of delay, partial relief and health
//! states. Their exact answers are in scenarios/validation/ (`verify`);
//! these tests hold the checks, the outputs and the wording.

use tempfile::TempDir;

use crate::util::{
    SMALL, SMALL_TEXT, csv_column, foramen, patients, refused, run_quiet, run_text, stderr_has, validate_text,
};

/// small.toml with a permanent deficit on motor_deficit.
fn with_deficit(text: &str) -> String {
    text.replacen(
        "[[interventions]]",
        "[natural_history.permanent_deficit]\ncovariate = \"motor_deficit\"\nprobability = 0.1\nodds_ratio_per_week = 1.1\n\n[[interventions]]",
        1,
    )
}

/// `[cohort.frailty]`: patients.parquet gets the frailty column (with sd
/// about the declared one), and a loading without a frailty is refused.
#[test]
fn frailty_is_recorded_and_a_loading_needs_it() {
    refused(
        "response = { probability = 0.6 }",
        "response = { probability = 0.6, frailty_loading = 2 }",
        &[
            "interventions.injection.response.frailty_loading = 2",
            "declare [cohort.frailty]",
        ],
    );
    let tmp = TempDir::new().unwrap();
    let text = SMALL_TEXT.replacen(
        "[[cohort.covariates]]",
        "[cohort.frailty]\nsd = 0.8\n\n[[cohort.covariates]]",
        1,
    );
    let out = run_text(tmp.path(), "frail", &text, &["--patients", "2000", "--patients-out"]);
    let frame = patients(&out);
    let values: Vec<f64> = frame
        .column("frailty")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt();
    // The sd of 4,000 rows (2,000 patients under each of two policies,
    // the same values twice): its standard error is about 0.8 / sqrt(2 x
    // 2000) = 0.013; 0.06 is more than four of them.
    assert!((sd - 0.8).abs() < 0.06, "sd {sd}");
}

/// `max_per_window`: out-of-range counts and windows are refused with the
/// key path, and `describe` states the rule.
#[test]
fn window_caps_are_checked_and_described() {
    let from = "relapse = { probability = 0.3, time = { family = \"uniform\", low = 90, high = 180 } }";
    let capped = format!("{from}\nmax_per_window = {{ count = 3, days = 365 }}");
    refused(
        from,
        &capped.replace("count = 3", "count = 0"),
        &["interventions.injection.max_per_window.count = 0"],
    );
    refused(
        from,
        &capped.replace("days = 365", "days = -1"),
        &["interventions.injection.max_per_window.days = -1"],
    );
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("capped.toml");
    std::fs::write(&file, SMALL_TEXT.replacen(from, &capped, 1)).unwrap();
    crate::util::foramen()
        .arg("describe")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "at most 3 attempts started in any 365 days of the path, relapses included",
        ));
}

/// `permanent_deficit` is reported (summary.csv, comparison.csv,
/// patients.parquet) only by a scenario that declares it; a deficit that is
/// not a boolean covariate is refused.
#[test]
fn permanent_deficit_appears_only_where_declared() {
    let declared = with_deficit(SMALL_TEXT);
    let bad = declared.replacen("covariate = \"motor_deficit\"", "covariate = \"grade\"", 1);
    crate::util::stderr_has(
        crate::util::validate_text(&bad).code(2),
        &["natural_history.permanent_deficit.covariate = \"grade\""],
    );
    let tmp = TempDir::new().unwrap();
    for (name, text, present) in [("with", declared.as_str(), true), ("without", SMALL_TEXT, false)] {
        let out = run_text(tmp.path(), name, text, &["--patients", "300", "--patients-out"]);
        for csv in ["summary.csv", "comparison.csv"] {
            let text = std::fs::read_to_string(out.join(csv)).unwrap();
            assert_eq!(text.contains("permanent_deficit"), present, "{name}: {csv}");
        }
        let has_column = patients(&out).column("permanent_deficit").is_ok();
        assert_eq!(has_column, present, "{name}: patients.parquet");
    }
}

/// Partial responses: a full and a partial probability above 1 together,
/// or an unknown `on_partial`, are refused with their key paths; `improved`
/// is reported only where partial responses exist.
#[test]
fn partial_relief_is_checked_and_reported_where_declared() {
    refused(
        "response = { probability = 0.6 }",
        "response = { probability = 0.6, partial = 0.5 }",
        &["interventions.injection.response.partial = 0.5", "at most 1"],
    );
    refused(
        "{ intervention = \"injection\", attempts = 2 }",
        "{ intervention = \"injection\", attempts = 2, on_partial = \"contine\" }",
        &[
            "policies.stepwise.steps[1].on_partial = \"contine\"",
            "did you mean `continue`",
        ],
    );
    let tmp = TempDir::new().unwrap();
    let partial = SMALL_TEXT.replacen(
        "response = { probability = 0.6 }",
        "response = { probability = 0.4, partial = 0.3 }",
        1,
    );
    let with = run_text(tmp.path(), "with", &partial, &["--patients", "300", "--patients-out"]);
    let without = run_quiet(tmp.path(), "without", SMALL, &["--patients", "300", "--patients-out"]);
    for (out, present) in [(with, true), (without, false)] {
        let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
        assert_eq!(summary.contains("improved_days"), present, "{}", out.display());
        // patients.parquet has `improved` where summary.csv does, and its
        // mean is summary.csv's share.
        let df = patients(&out);
        assert_eq!(df.column("improved").is_ok(), present, "{}", out.display());
        if present {
            let improved = df.column("improved").unwrap().bool().unwrap();
            let stepwise = df.column("policy").unwrap().str().unwrap();
            let n = (0..df.height())
                .filter(|&i| stepwise.get(i) == Some("stepwise"))
                .count();
            let k = (0..df.height())
                .filter(|&i| stepwise.get(i) == Some("stepwise") && improved.get(i) == Some(true))
                .count();
            let share = csv_column(&summary, "improved")[0].parse::<f64>().unwrap();
            assert!((k as f64 / n as f64 - share).abs() < 1e-9, "{k}/{n} vs {share}");
        }
    }
}

/// Health-state occupancy: on every grid day of every policy the shares of
/// the states in curves.csv sum to 1 (they do not overlap and cover every
/// patient), with partial responses and permanent deficits declared, and
/// states.png is drawn.
#[test]
fn health_states_partition_the_cohort_on_every_day() {
    let text = with_deficit(SMALL_TEXT).replacen(
        "response = { probability = 0.85 }",
        "response = { probability = 0.6, partial = 0.05 }",
        1,
    );
    let tmp = TempDir::new().unwrap();
    let out = run_text(tmp.path(), "states", &text, &["--patients", "3000"]);
    assert!(out.join("states.png").exists() && out.join("states.svg").exists());
    let curves = std::fs::read_to_string(out.join("curves.csv")).unwrap();
    let states = [
        "symptomatic",
        "recovering",
        "improved",
        "symptom_free",
        "residual_deficit",
    ];
    let mut sums: std::collections::BTreeMap<(String, String), (f64, usize)> = Default::default();
    for line in curves.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if states.contains(&f[1]) {
            let e = sums.entry((f[0].to_string(), f[2].to_string())).or_default();
            e.0 += f[3].parse::<f64>().unwrap();
            e.1 += 1;
        }
    }
    assert!(!sums.is_empty());
    for ((policy, day), (sum, count)) in sums {
        assert_eq!(count, states.len(), "{policy} day {day}");
        assert!((sum - 1.0).abs() < 1e-12, "{policy} day {day}: states sum to {sum}");
    }
}

/// Death: the recovered curve is the Aalen-Johansen cumulative incidence,
/// computed here by hand from patients.parquet (first recovery and death
/// times, nobody censored before the horizon) on every grid day, with the
/// lifelines (delta-method) variance; it differs from 1 - Kaplan-Meier with
/// the deaths censored. The dead state is in curves.csv; describe says the
/// rules; a bad age covariate and a bad rate are refused.
#[test]
fn death_competes_with_recovery_by_aalen_johansen() {
    let text = include_str!("../../scenarios/validation/death.toml");
    let tmp = TempDir::new().unwrap();
    let out = run_text(tmp.path(), "death", text, &["--patients", "3000", "--patients-out"]);
    let frame = patients(&out);
    let column = |name: &str| frame.column(name).unwrap();
    let rows = frame.height();
    let policy: Vec<String> = (0..rows)
        .map(|i| column("policy").str().unwrap().get(i).unwrap().to_string())
        .collect();
    let recovered: Vec<bool> = (0..rows)
        .map(|i| column("recovered").bool().unwrap().get(i).unwrap())
        .collect();
    let recovery: Vec<f64> = (0..rows)
        .map(|i| column("time_to_recovery_days").f64().unwrap().get(i).unwrap())
        .collect();
    let death: Vec<Option<f64>> = (0..rows).map(|i| column("death_day").f64().unwrap().get(i)).collect();
    let curves = std::fs::read_to_string(out.join("curves.csv")).unwrap();
    let mut checked = 0;
    for line in curves.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] != "wait_and_see" || f[1] != "recovered" {
            continue;
        }
        let day: f64 = f[2].parse().unwrap();
        let value: f64 = f[3].parse().unwrap();
        // Hand Aalen-Johansen on the raw times before `day`: sort the first
        // events (recovery, or death before recovery) and walk them.
        let mut events: Vec<(f64, bool)> = (0..policy.len())
            .filter(|&i| policy[i] == "wait_and_see")
            .filter_map(|i| {
                if recovered[i] {
                    Some((recovery[i], true))
                } else {
                    death[i].map(|d| (d, false))
                }
            })
            .filter(|&(t, _)| t < day)
            .collect();
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n = policy.iter().filter(|p| *p == "wait_and_see").count() as f64;
        let (mut at_risk, mut s, mut cif, mut km) = (n, 1.0, 0.0, 1.0);
        for &(_, is_recovery) in &events {
            if is_recovery {
                cif += s / at_risk;
                km *= 1.0 - 1.0 / at_risk;
            }
            s *= 1.0 - 1.0 / at_risk;
            at_risk -= 1.0;
        }
        // Times are binned to 1/8 day in the engine: ties in a bin do not
        // change the estimate when nobody is censored.
        assert!((value - cif).abs() < 1e-9, "day {day}: curve {value}, hand {cif}");
        if day >= 100.0 {
            assert!(1.0 - km > cif + 0.005, "day {day}: 1 - KM {} vs {cif}", 1.0 - km);
        }
        let (lo, hi): (f64, f64) = (f[4].parse().unwrap(), f[5].parse().unwrap());
        assert!(lo <= value && value <= hi);
        checked += 1;
    }
    assert_eq!(checked, 366);
    assert!(curves.lines().any(|l| l.starts_with("operate,dead,")));
    let file = tmp.path().join("death.toml");
    std::fs::write(&file, text).unwrap();
    let described = crate::util::foramen().arg("describe").arg(&file).assert().success();
    let words = String::from_utf8_lossy(&described.get_output().stdout).to_string();
    assert!(words.contains("background death: Gompertz hazard 0.2"), "{words}");
    assert!(words.contains("death of the attempt"), "{words}");
    refused(
        "[[interventions]]",
        "[natural_history.mortality]\nage = \"grade\"\nrate = 0.1\nshape = 0.09\n\n[[interventions]]",
        &["natural_history.mortality.age", "continuous covariate"],
    );
    refused(
        "[[interventions]]",
        "[natural_history.mortality]\nage = \"age\"\nrate = -1\nshape = 0.09\n\n[[interventions]]",
        &["natural_history.mortality.rate", "-1"],
    );
}

/// Declaring death leaves every other draw where it was: with a death
/// probability of 0 on the surgery and a background hazard of 0, every
/// column the plain scenario has is byte-identical (the death uniform is
/// the attempt stream's last draw; background death has its own stream),
/// and nobody dies.
#[test]
fn death_that_never_happens_changes_nothing_else() {
    let tmp = TempDir::new().unwrap();
    let plain = run_text(tmp.path(), "plain", SMALL_TEXT, &["--patients", "3000"]);
    let with_death = SMALL_TEXT
        .replacen(
            "level = \"surgical\"",
            "level = \"surgical\"\ndeath = { probability = 0 }",
            1,
        )
        .replacen(
            "[natural_history.progression]",
            "[natural_history.mortality]\nage = \"age\"\nrate = 0\nshape = 0\n\n[natural_history.progression]",
            1,
        );
    let deathly = run_text(tmp.path(), "deathly", &with_death, &["--patients", "3000"]);
    let read = |dir: &std::path::Path| std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let (a, b) = (read(&plain), read(&deathly));
    let columns: Vec<&str> = a.lines().next().unwrap().split(',').collect();
    for c in &columns {
        assert_eq!(csv_column(&a, c), csv_column(&b, c), "column {c}");
    }
    assert!(csv_column(&b, "died").iter().all(|v| v.parse::<f64>().unwrap() == 0.0));
    assert!(columns.len() < b.lines().next().unwrap().split(',').count());
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

/// docs/model.md never says a feature is absent that the scenario format
/// has: for each feature (by the key docs/scenario.md documents), the
/// phrases that would deny it. (model.md said "no death", "no partial
/// relief" and "no patient-level frailty" after each had been added.)
#[test]
fn the_model_document_denies_no_feature_the_format_has() {
    let read = |file: &str| {
        let text = std::fs::read_to_string(format!("{}/docs/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
    };
    let (model, scenario) = (read("model.md"), read("scenario.md"));
    let features: [(&str, &[&str]); 7] = [
        (
            "[natural_history.mortality]",
            &["no death", "no mortality", "never dies", "nobody dies"],
        ),
        ("death", &["no procedural death"]),
        (
            "partial",
            &["no partial relief", "no partial response", "recovery is all-or-nothing"],
        ),
        ("[cohort.frailty]", &["no frailty", "no patient-level frailty"]),
        ("max_per_window", &["no caps", "no cap across"]),
        (
            "[natural_history.permanent_deficit]",
            &["there is no permanent deficit", "no harm of delay"],
        ),
        ("[economics]", &["no costs", "no qalys"]),
    ];
    for (key, denials) in features {
        assert!(
            scenario.contains(key),
            "docs/scenario.md no longer documents {key}: update this list"
        );
        for denial in denials {
            assert!(
                !model.contains(denial),
                "docs/model.md says \"{denial}\", but the format has {key}"
            );
        }
    }
}
