//! The event log (`run --events-out`): targets recomputed by hand from
//! events.parquet equal `foramen targets`' counts; its rows and columns.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use foramen::scenario::{Level, Scenario};
use polars::prelude::*;
use tempfile::TempDir;

use crate::util::{foramen, patients, run_quiet};

/// One row of events.parquet, as read back.
#[derive(Debug, Clone)]
struct Row {
    day: f64,
    event: String,
    intervention: Option<String>,
    complications: Option<u32>,
}

/// The events.parquet of run directory `out`.
fn events(out: &Path) -> DataFrame {
    let file = fs::File::open(out.join("events.parquet")).unwrap();
    ParquetReader::new(file).finish().unwrap()
}

/// The cells of column `name` (null as `None`), each read by `get`.
fn cells<T>(df: &DataFrame, name: &str, get: impl Fn(&Column, usize) -> Option<T>) -> Vec<Option<T>> {
    let column = df.column(name).unwrap();
    (0..df.height()).map(|i| get(column, i)).collect()
}

/// Text cells of column `name`.
fn texts(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    cells(df, name, |c, i| c.str().unwrap().get(i).map(str::to_string))
}

/// Cells of column `name` of 32-bit integers.
fn counts(df: &DataFrame, name: &str) -> Vec<Option<u32>> {
    cells(df, name, |c, i| c.u32().unwrap().get(i))
}

/// Cells of column `name` of floats.
fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    cells(df, name, |c, i| c.f64().unwrap().get(i))
}

/// The paths of policy `policy` in `df`, by patient.
fn paths(df: &DataFrame, policy: &str) -> HashMap<u64, Vec<Row>> {
    let policies = texts(df, "policy");
    let patient = cells(df, "patient", |c, i| c.u64().unwrap().get(i));
    let day = floats(df, "day");
    let event = texts(df, "event");
    let intervention = texts(df, "intervention");
    let complications = counts(df, "complications");
    let mut by_patient: HashMap<u64, Vec<Row>> = HashMap::new();
    for i in 0..df.height() {
        if policies[i].as_deref() == Some(policy) {
            by_patient.entry(patient[i].unwrap()).or_default().push(Row {
                day: day[i].unwrap(),
                event: event[i].clone().unwrap(),
                intervention: intervention[i].clone(),
                complications: complications[i],
            });
        }
    }
    by_patient
}

/// A path's follow-up from an origin, read off its events as
/// docs/targets.md defines the target quantities.
struct FollowUp<'a> {
    rows: &'a [Row],
    /// Index of the origin attempt's row (`None`: presentation).
    first: Option<usize>,
    origin: f64,
    end: f64,
    levels: &'a HashMap<String, Level>,
}

impl FollowUp<'_> {
    /// Attempts after the origin's own, started by the end, with their level.
    fn attempts_after(&self) -> impl Iterator<Item = Level> + '_ {
        self.rows
            .iter()
            .enumerate()
            .filter(|&(i, r)| self.first.is_none_or(|f| i > f) && r.event == "attempt" && r.day <= self.end)
            .map(|(_, r)| self.levels[r.intervention.as_ref().unwrap()])
    }

    fn procedure(&self) -> bool {
        self.attempts_after().any(|l| l != Level::Conservative)
    }

    fn further_attempt(&self) -> bool {
        self.attempts_after().next().is_some()
    }

    fn within(&self, events: &[&str]) -> bool {
        let (o, e) = (self.origin, self.end);
        self.rows
            .iter()
            .any(|r| events.contains(&r.event.as_str()) && r.day >= o && r.day <= e)
    }

    /// A symptom-free spell starts with a recovery or a resolution and
    /// ends with a relapse or death: the last of these by the end decides.
    fn symptom_free(&self) -> bool {
        let last =
            self.rows.iter().rev().find(|r| {
                r.day <= self.end && ["recovery", "resolution", "relapse", "death"].contains(&r.event.as_str())
            });
        last.is_some_and(|r| r.event == "recovery" || r.event == "resolution")
    }
}

/// (with the outcome, in the population) of a patient-unit target:
/// `origin` an intervention (its first attempt) or presentation, `day`
/// days of follow-up, `has` the outcome, over the patients `included`.
fn tally(
    paths: &HashMap<u64, Vec<Row>>,
    patients: u64,
    levels: &HashMap<String, Level>,
    horizon: f64,
    (origin, day): (Option<&str>, f64),
    included: impl Fn(u64) -> bool,
    has: impl Fn(&FollowUp) -> bool,
) -> (u64, u64) {
    let none = Vec::new();
    let (mut k, mut n) = (0, 0);
    for patient in (0..patients).filter(|&p| included(p)) {
        let rows = paths.get(&patient).unwrap_or(&none);
        let first = match origin {
            None => Some((0.0, None)),
            Some(iv) => rows
                .iter()
                .position(|r| r.event == "attempt" && r.intervention.as_deref() == Some(iv))
                .map(|i| (rows[i].day, Some(i))),
        };
        let Some((o, first)) = first else { continue };
        if o + day > horizon {
            continue;
        }
        let follow = FollowUp {
            rows,
            first,
            origin: o,
            end: o + day,
            levels,
        };
        n += 1;
        k += u64::from(has(&follow));
    }
    (k, n)
}

/// Targets of scenarios/targets/foraminal-stenosis.toml recomputed by
/// hand from events.parquet (and the `region` of patients.parquet) of a
/// run with the seed and cohort of `foramen targets`: the same paths, so
/// exactly the same counts (units, and the share's numerator).
#[test]
fn targets_recomputed_from_the_event_log_match_targets_csv() {
    let patients_n = 4000;
    let n = patients_n.to_string();
    let file = "scenarios/foraminal-stenosis.toml";
    let tmp = TempDir::new().unwrap();
    let targets = tmp.path().join("targets");
    foramen()
        .args(["targets", file, "--quiet", "--patients", &n, "--out"])
        .arg(&targets)
        .assert()
        .success();
    let run = run_quiet(
        tmp.path(),
        "run",
        file,
        &["--patients", &n, "--events-out", "--patients-out"],
    );
    let scenario = Scenario::from_toml(&fs::read_to_string(file).unwrap(), file).unwrap();
    let horizon = scenario.simulation().horizon_days;
    let levels: HashMap<String, Level> = scenario
        .interventions()
        .iter()
        .map(|iv| (iv.name.clone(), iv.level))
        .collect();
    // The targets name no policy: the first.
    let policy = scenario.policies()[0].name.as_str();
    let paths = paths(&events(&run), policy);
    let people = patients(&run);
    let region = texts(&people, "region");
    let policies = texts(&people, "policy");
    let cervical: Vec<bool> = region
        .iter()
        .zip(&policies)
        .filter(|(_, p)| p.as_deref() == Some(policy))
        .map(|(r, _)| r.as_deref() == Some("cervical"))
        .collect();
    let count = |origin, included: &dyn Fn(u64) -> bool, has: &dyn Fn(&FollowUp) -> bool| {
        tally(&paths, patients_n, &levels, horizon, origin, included, has)
    };
    let all = |_| true;
    let cervical = |p: u64| cervical[p as usize];
    let mut recomputed: Vec<(&str, (u64, u64))> = vec![
        ("surgery-1y", count((None, 365.0), &all, &|f| f.procedure())),
        (
            "recovered-1y",
            count((None, 365.0), &all, &|f| f.within(&["recovery", "resolution"])),
        ),
        (
            "injection-alone-1y",
            count((Some("tfesi"), 365.0), &all, &|f| !f.procedure()),
        ),
        (
            "one-injection-sufficed",
            count((Some("tfesi"), 365.0), &all, &|f| {
                f.within(&["recovery", "resolution"]) && !f.further_attempt()
            }),
        ),
        (
            "cervical-recurrence-5y",
            count((None, 1790.0), &cervical, &|f| f.within(&["relapse"])),
        ),
        (
            "cervical-endoscopic-2y",
            count((Some("endoscopic"), 730.0), &cervical, &|f| {
                f.symptom_free() && !f.procedure()
            }),
        ),
    ];
    // Complications per endoscopic attempt: every attempt counts.
    let endoscopic = paths
        .values()
        .flatten()
        .filter(|r| r.event == "attempt" && r.intervention.as_deref() == Some("endoscopic"));
    let (k, n) = endoscopic.fold((0, 0), |(k, n), r| (k + u64::from(r.complications.unwrap() > 0), n + 1));
    recomputed.push(("endoscopic-complications", (k, n)));

    // (Quoted cells hold commas: read as CSV.)
    let csv = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(targets.join("targets.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let names = texts(&csv, "target");
    let model = floats(&csv, "model");
    let units = cells(&csv, "units", |c, i| c.i64().unwrap().get(i));
    for (name, (k, n)) in recomputed {
        let row = names
            .iter()
            .position(|t| t.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("targets.csv has no {name}"));
        let units = units[row].unwrap() as u64;
        let model = model[row].unwrap();
        assert!(n > 0, "{name}: no units");
        assert_eq!(
            (k, n),
            ((model * units as f64).round() as u64, units),
            "{name}: (k, n) from the events"
        );
    }
}

/// Every path's rows agree with its row of patients.parquet (attempts,
/// complications, relapses, red flag, permanent deficit, death, first
/// recovery), come in order before the horizon, and fill the columns
/// their event has; a cohort larger than the log keeps is refused.
#[test]
fn event_rows_agree_with_patients_parquet() {
    let tmp = TempDir::new().unwrap();
    let file = "scenarios/foraminal-stenosis.toml";
    let run = run_quiet(
        tmp.path(),
        "run",
        file,
        &["--patients", "1500", "--events-out", "--patients-out"],
    );
    let scenario = Scenario::from_toml(&fs::read_to_string(file).unwrap(), file).unwrap();
    let horizon = scenario.simulation().horizon_days;
    let df = events(&run);
    let people = patients(&run);
    let steps: Vec<String> = scenario
        .policies()
        .iter()
        .flat_map(|p| p.steps.iter().map(|s| s.name.clone()))
        .collect();
    // Columns filled by event: (intervention, step and attempt; outcome
    // and complications).
    let filled = |event: &str| match event {
        "attempt" => (true, true),
        "recovery" | "improved" | "failure" => (true, false),
        "relapse" | "progression" | "red-flag" | "resolution" | "permanent-deficit" | "death" => (false, false),
        other => panic!("unknown event {other}"),
    };
    let event = texts(&df, "event");
    let step = texts(&df, "step");
    let outcome = texts(&df, "outcome");
    let attempt = counts(&df, "attempt");
    for i in 0..df.height() {
        let (of_attempt, drawn) = filled(event[i].as_deref().unwrap());
        assert_eq!(step[i].is_some(), of_attempt, "row {i}");
        assert!(step[i].as_ref().is_none_or(|s| steps.contains(s)), "row {i}");
        assert_eq!(attempt[i].is_some_and(|a| a >= 1), of_attempt, "row {i}");
        assert_eq!(outcome[i].is_some(), drawn, "row {i}");
        assert!(
            outcome[i]
                .as_deref()
                .is_none_or(|o| ["recovers", "improves", "fails", "dies"].contains(&o)),
            "row {i}"
        );
    }
    let policies = texts(&people, "policy");
    let kinds_seen: std::collections::BTreeSet<&str> = event.iter().map(|e| e.as_deref().unwrap()).collect();
    for word in [
        "attempt",
        "recovery",
        "failure",
        "relapse",
        "progression",
        "red-flag",
        "death",
    ] {
        assert!(kinds_seen.contains(word), "no {word} event in 1500 patients");
    }
    let int = |name: &str| counts(&people, name);
    let flag = |name: &str| cells(&people, name, |c, i| c.bool().unwrap().get(i));
    let (interventions, complications, relapses) = (int("interventions"), int("complications"), int("relapses"));
    let (red_flag, deficit, died, recovered) = (
        flag("red_flag"),
        flag("permanent_deficit"),
        flag("died"),
        flag("recovered"),
    );
    let time_to_recovery = floats(&people, "time_to_recovery_days");
    let death_day = floats(&people, "death_day");
    let patient = cells(&people, "patient", |c, i| c.u64().unwrap().get(i));
    let mut checked = 0;
    for policy in scenario.policies() {
        let paths = paths(&df, &policy.name);
        for row in (0..people.height()).filter(|&r| policies[r].as_deref() == Some(policy.name.as_str())) {
            let patient = patient[row].unwrap();
            let rows = paths.get(&patient).map_or(&[][..], Vec::as_slice);
            let of = |kind: &'static str| rows.iter().filter(move |r| r.event == kind);
            let at = format!("{} patient {patient}", policy.name);
            assert!(rows.windows(2).all(|w| w[0].day <= w[1].day), "{at}: out of order");
            assert!(rows.iter().all(|r| r.day < horizon), "{at}: at or after the horizon");
            assert_eq!(Some(of("attempt").count() as u32), interventions[row], "{at}");
            let total: u32 = of("attempt").map(|r| r.complications.unwrap()).sum();
            assert_eq!(Some(total), complications[row], "{at}");
            assert_eq!(Some(of("relapse").count() as u32), relapses[row], "{at}");
            assert_eq!(Some(of("red-flag").count() == 1), red_flag[row], "{at}");
            assert_eq!(Some(of("permanent-deficit").count() == 1), deficit[row], "{at}");
            let death: Vec<f64> = of("death").map(|r| r.day).collect();
            assert_eq!(death.first().copied(), death_day[row], "{at}");
            assert_eq!(Some(death.len() == 1), died[row], "{at}");
            assert!(
                death.is_empty() || rows.last().unwrap().event == "death",
                "{at}: death is last"
            );
            let first_recovery = rows.iter().find(|r| r.event == "recovery" || r.event == "resolution");
            assert_eq!(Some(first_recovery.is_some()), recovered[row], "{at}");
            if let Some(r) = first_recovery {
                assert_eq!(Some(r.day), time_to_recovery[row], "{at}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 1500 * scenario.policies().len());

    let refused = foramen()
        .args(["run", file, "--patients", "1000001", "--events-out", "--out"])
        .arg(tmp.path().join("big"))
        .assert()
        .failure();
    crate::util::stderr_has(
        refused,
        &[
            "--events-out",
            "1000001 patients",
            "at most 1000000 patients per policy",
        ],
    );
}
