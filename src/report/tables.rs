//! The only polars code: results to DataFrames, DataFrames to CSV and
//! Parquet.
//!
//! Column meanings are documented in README.md ("Outputs"). Every estimate
//! `x` comes as four columns: `x`, `x_lo`, `x_hi` (95% interval) and `x_se`
//! (Monte Carlo standard error). Shares are fractions in [0, 1]; times are
//! in days. A value that cannot be estimated is written as `NaN`.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use crate::accumulate::sink::{PatientRecords, Record, Segments};
use crate::analysis::bench::{BenchRow, DrawCounts};
use crate::analysis::calibrate::Fit;
use crate::analysis::floor::{Floor, Primitive, Way};
use crate::analysis::psa::PsaResults;
use crate::analysis::sweep::{SensitivityResults, SweepPoint};
use crate::error::{Error, Invalid};
use crate::estimate::RunResults;
use crate::estimate::cea::{Cea, CeaRow};
use crate::estimate::compare::Difference;
use crate::estimate::summary::{Bin, Curve, GroupSummary, Subgroup};
use crate::estimate::targets::Assessment;
use crate::outcome::{Feature, Id, LEVELS, OutcomeDef};
use crate::report::plot::{ComparisonCharts, Contrast, Labels, PolicyCharts, RunCharts};
use crate::scenario::targets::Target;
use crate::scenario::{CovariateKind, Scenario};
use crate::stats::Estimate;

/// Writes `summary.csv`, `curves.csv`, `subgroups.csv` and, with two or more
/// policies, `comparison.csv` (and `subgroup_differences.csv` with
/// subgroups) into `dir`; returns the file names.
///
/// # Errors
/// [`Error::Output`] naming the file that could not be written.
pub fn write_tables(results: &RunResults, dir: &Path) -> Result<Vec<String>, Error> {
    let mut frames = vec![
        ("summary.csv", summary_frame(results)?),
        ("curves.csv", curves_frame(results)?),
        ("subgroups.csv", subgroups_frame(results)?),
        ("pathway.csv", pathway_frame(results)?),
        ("time_to_recovery.csv", time_to_recovery_frame(results)?),
        (AT_RISK, at_risk_frame(results)?),
    ];
    if !results.comparisons.is_empty() {
        frames.push(("comparison.csv", comparison_frame(results, false)?));
        frames.push(("recovery_difference.csv", recovery_difference_frame(results)?));
        if !results.subgroup_by.is_empty() {
            frames.push(("subgroup_differences.csv", comparison_frame(results, true)?));
        }
    }
    if let Some(cea) = &results.cea {
        frames.push(("cea.csv", cea_frame(cea)?));
        if !cea.nmb.is_empty() {
            frames.push(("nmb.csv", nmb_frame(cea)?));
        }
    }
    for (name, frame) in &mut frames {
        write_csv(frame, &dir.join(name))?;
    }
    Ok(frames.into_iter().map(|(name, _)| name.to_string()).collect())
}

/// The name of the labels table of a run.
pub const LABELS: &str = "labels.csv";

/// labels.csv: what charts and tables call the scenario's things, one row
/// each: `kind` (`policy`, `covariate`, `level`, `outcome`, `parameter`),
/// `name` (a level as `covariate=value`, as subgroups.csv names
/// subgroups; a parameter by its key path) and `label` (the scenario's,
/// or the name; an outcome's built-in words). For joining in R or Python,
/// and read back by `foramen plot`.
pub fn labels_frame(scenario: &Scenario) -> Result<DataFrame, Error> {
    let rows = label_rows(scenario);
    let mut t = Table::default();
    t.strings("kind", rows.iter().map(|r| r.0.to_string()).collect());
    t.strings("name", rows.iter().map(|r| r.1.clone()).collect());
    t.strings("label", rows.into_iter().map(|r| r.2).collect());
    t.finish()
}

/// What charts call the scenario's things: the rows of labels.csv.
pub fn labels_of(scenario: &Scenario) -> Labels {
    let mut labels = Labels::default();
    for (kind, name, label) in label_rows(scenario) {
        labels.insert(kind, &name, &label);
    }
    labels
}

/// The rows of labels.csv: `(kind, name, label)`.
fn label_rows(scenario: &Scenario) -> Vec<(&'static str, String, String)> {
    let mut rows: Vec<(&str, String, String)> = Vec::new();
    for p in scenario.policies() {
        rows.push(("policy", p.name.clone(), p.label.clone()));
    }
    for c in scenario.covariates() {
        rows.push(("covariate", c.name.clone(), c.label.clone()));
        if let (Some(values), Some(labels)) = (c.group_values(), c.group_labels()) {
            for (v, l) in values.iter().zip(labels) {
                rows.push(("level", format!("{}={v}", c.name), l));
            }
        }
    }
    let labels = scenario.labels();
    for def in crate::outcome::OUTCOMES
        .iter()
        .filter(|d| scenario.provides(d.requires))
    {
        rows.push(("outcome", def.name.to_string(), labels.outcome(def).to_string()));
    }
    let paths = scenario
        .ranges()
        .iter()
        .map(|(path, _, _)| path.as_str())
        .chain(scenario.beliefs().iter().map(|b| b.path.as_str()));
    let mut seen = Vec::new();
    for path in paths {
        if !seen.contains(&path) {
            seen.push(path);
            rows.push(("parameter", path.to_string(), labels.parameter(path).to_string()));
        }
    }
    rows
}

/// Writes labels.csv ([`labels_frame`]) into `dir`; returns its name.
pub fn write_labels(scenario: &Scenario, dir: &Path) -> Result<String, Error> {
    write_csv(&mut labels_frame(scenario)?, &dir.join(LABELS))?;
    Ok(LABELS.to_string())
}

/// A run's labels.csv, read back; none (names everywhere) for a run
/// directory made before runs wrote one.
pub fn read_labels(dir: &Path) -> Result<Labels, Error> {
    let mut labels = Labels::default();
    if !dir.join(LABELS).exists() {
        return Ok(labels);
    }
    let table = Cells::read(dir, LABELS)?;
    let (kind, name, label) = (table.text("kind")?, table.text("name")?, table.text("label")?);
    for i in 0..kind.len() {
        labels.insert(&kind[i], &name[i], &label[i]);
    }
    Ok(labels)
}

/// Long format, one row per policy (other than the reference) and outcome,
/// and per subgroup when `by_subgroup`: `policy, reference, [subgroup,
/// covariates...,] outcome, policy_value, reference_value, difference,
/// paired_lo, paired_hi, paired_se, unpaired_lo, unpaired_hi, unpaired_se`.
pub fn comparison_frame(results: &RunResults, by_subgroup: bool) -> Result<DataFrame, Error> {
    type Row<'a> = (&'a str, &'a str, Option<(&'a str, &'a [String])>, &'a Difference);
    let mut rows: Vec<Row> = Vec::new();
    let shown = |d: &Difference| crate::outcome::find(d.outcome).is_some_and(|def| results.shows(def));
    for c in &results.comparisons {
        if by_subgroup {
            for (label, values, diffs) in &c.subgroups {
                rows.extend(diffs.iter().filter(|d| shown(d)).map(|d| {
                    (
                        c.policy.as_str(),
                        c.reference.as_str(),
                        Some((label.as_str(), values.as_slice())),
                        d,
                    )
                }));
            }
        } else {
            rows.extend(
                c.differences
                    .iter()
                    .filter(|d| shown(d))
                    .map(|d| (c.policy.as_str(), c.reference.as_str(), None, d)),
            );
        }
    }
    let mut t = Table::default();
    t.strings("policy", rows.iter().map(|r| r.0.to_string()).collect());
    t.strings("reference", rows.iter().map(|r| r.1.to_string()).collect());
    if by_subgroup {
        t.strings(
            "subgroup",
            rows.iter()
                .map(|r| r.2.map_or(String::new(), |s| s.0.to_string()))
                .collect(),
        );
        for (i, name) in results.subgroup_by.iter().enumerate() {
            t.strings(
                name,
                rows.iter()
                    .map(|r| r.2.map_or(String::new(), |s| s.1[i].clone()))
                    .collect(),
            );
        }
    }
    t.strings("outcome", rows.iter().map(|r| r.3.outcome.to_string()).collect());
    t.floats("policy_value", rows.iter().map(|r| r.3.policy_value).collect());
    t.floats("reference_value", rows.iter().map(|r| r.3.reference_value).collect());
    t.floats("difference", rows.iter().map(|r| r.3.unpaired.value).collect());
    for (kind, pick) in [("paired", true), ("unpaired", false)] {
        let est = |r: &Row| if pick { r.3.paired } else { r.3.unpaired };
        t.floats(&format!("{kind}_lo"), rows.iter().map(|r| est(r).lo).collect());
        t.floats(&format!("{kind}_hi"), rows.iter().map(|r| est(r).hi).collect());
        t.floats(&format!("{kind}_se"), rows.iter().map(|r| est(r).se).collect());
    }
    t.finish()
}

/// The incremental analysis, one row per policy in order of cost:
/// `policy, currency, cost(_lo, _hi, _se), qalys(...), status,
/// compared_with, incremental_cost(...), incremental_qalys(...), icer,
/// icer_lo, icer_hi`. ICERs only on the frontier; empty cells where there
/// is no value (see docs/economics.md).
pub fn cea_frame(cea: &Cea) -> Result<DataFrame, Error> {
    let rows = &cea.rows;
    let finite = |v: f64| v.is_finite().then_some(v);
    let mut t = Table::default();
    t.strings("policy", rows.iter().map(|r| r.policy.clone()).collect());
    t.strings("currency", rows.iter().map(|_| cea.currency.clone()).collect());
    t.estimate("cost", rows.iter().map(|r| r.cost));
    t.estimate("qalys", rows.iter().map(|r| r.qalys));
    t.strings("status", rows.iter().map(|r| r.status.name().to_string()).collect());
    t.strings(
        "compared_with",
        rows.iter()
            .map(|r| r.compared_with.clone().unwrap_or_default())
            .collect(),
    );
    for (name, pick) in [("incremental_cost", false), ("incremental_qalys", true)] {
        let get = |r: &CeaRow| if pick { r.incremental_qalys } else { r.incremental_cost };
        t.optional_floats(name, rows.iter().map(|r| finite(get(r).value)).collect());
        t.optional_floats(&format!("{name}_lo"), rows.iter().map(|r| finite(get(r).lo)).collect());
        t.optional_floats(&format!("{name}_hi"), rows.iter().map(|r| finite(get(r).hi)).collect());
        t.optional_floats(&format!("{name}_se"), rows.iter().map(|r| finite(get(r).se)).collect());
    }
    t.optional_floats("icer", rows.iter().map(|r| finite(r.icer)).collect());
    t.optional_floats("icer_lo", rows.iter().map(|r| finite(r.icer_lo)).collect());
    t.optional_floats("icer_hi", rows.iter().map(|r| finite(r.icer_hi)).collect());
    t.finish()
}

/// Net monetary benefit, one row per willingness to pay and policy:
/// `willingness_to_pay, policy, nmb(_lo, _hi, _se), incremental_nmb(...)
/// (against the reference policy, paired), best`.
pub fn nmb_frame(cea: &Cea) -> Result<DataFrame, Error> {
    let rows = &cea.nmb;
    let mut t = Table::default();
    t.floats(
        "willingness_to_pay",
        rows.iter().map(|r| r.willingness_to_pay).collect(),
    );
    t.strings("policy", rows.iter().map(|r| r.policy.clone()).collect());
    t.estimate("nmb", rows.iter().map(|r| r.nmb));
    t.estimate("incremental_nmb", rows.iter().map(|r| r.incremental));
    t.columns.push(Column::new(
        "best".into(),
        rows.iter().map(|r| r.best).collect::<Vec<bool>>(),
    ));
    t.finish()
}

/// One row per policy.
pub fn summary_frame(results: &RunResults) -> Result<DataFrame, Error> {
    let mut t = Table::default();
    t.strings("policy", results.policies.iter().map(|p| p.name.clone()).collect());
    let groups: Vec<&GroupSummary> = results.policies.iter().map(|p| &p.overall).collect();
    t.group_columns(results, &groups);
    t.finish()
}

/// One row per policy and subgroup, with one column per `--by` covariate.
pub fn subgroups_frame(results: &RunResults) -> Result<DataFrame, Error> {
    let rows: Vec<(&str, &Subgroup)> = results
        .policies
        .iter()
        .flat_map(|p| p.subgroups.iter().map(move |s| (p.name.as_str(), s)))
        .collect();
    let mut t = Table::default();
    t.strings("policy", rows.iter().map(|(p, _)| p.to_string()).collect());
    t.strings("subgroup", rows.iter().map(|(_, s)| s.label.clone()).collect());
    for (i, name) in results.subgroup_by.iter().enumerate() {
        t.strings(name, rows.iter().map(|(_, s)| s.values[i].clone()).collect());
    }
    let groups: Vec<&GroupSummary> = rows.iter().map(|(_, s)| &s.summary).collect();
    t.group_columns(results, &groups);
    t.finish()
}

/// The data of the `pathway` chart: one row per policy, deepest level of
/// care reached (`none`, then the levels) and status at the horizon
/// (`symptom_free`, or `not_symptom_free`: symptomatic, improved,
/// recovering or dead): `patients` and their `share` of the policy's
/// patients.
pub fn pathway_frame(results: &RunResults) -> Result<DataFrame, Error> {
    let levels: Vec<&str> = std::iter::once("none").chain(LEVELS).collect();
    let mut rows: Vec<(String, &str, &str, u64, f64)> = Vec::new();
    for p in &results.policies {
        let total: u64 = p.pathway.iter().flatten().sum();
        for (level, counts) in levels.iter().zip(&p.pathway) {
            for (status, &n) in ["symptom_free", "not_symptom_free"].iter().zip(counts) {
                let share = if total == 0 { f64::NAN } else { n as f64 / total as f64 };
                rows.push((p.name.clone(), level, status, n, share));
            }
        }
    }
    let mut t = Table::default();
    t.strings("policy", rows.iter().map(|r| r.0.clone()).collect());
    t.strings("deepest_level", rows.iter().map(|r| r.1.to_string()).collect());
    t.strings("status_at_horizon", rows.iter().map(|r| r.2.to_string()).collect());
    t.integers("patients", rows.iter().map(|r| r.3).collect());
    t.floats("share", rows.iter().map(|r| r.4).collect());
    t.finish()
}

/// The data of the `time_to_recovery` chart: per policy and weekly bin
/// `[start_day, end_day)` of days to first recovery, the `recovered`
/// patients in it and their `share` of the policy's recovered patients.
pub fn time_to_recovery_frame(results: &RunResults) -> Result<DataFrame, Error> {
    let mut rows: Vec<(String, f64, f64, u64, f64)> = Vec::new();
    for p in &results.policies {
        let total: u64 = p.recovery_time_hist.iter().map(|b| b.count).sum();
        for b in &p.recovery_time_hist {
            rows.push((
                p.name.clone(),
                b.start,
                b.end,
                b.count,
                b.count as f64 / total.max(1) as f64,
            ));
        }
    }
    let mut t = Table::default();
    t.strings("policy", rows.iter().map(|r| r.0.clone()).collect());
    t.floats("start_day", rows.iter().map(|r| r.1).collect());
    t.floats("end_day", rows.iter().map(|r| r.2).collect());
    t.integers("recovered", rows.iter().map(|r| r.3).collect());
    t.floats("share", rows.iter().map(|r| r.4).collect());
    t.finish()
}

/// The name of the number-at-risk table of a run.
pub const AT_RISK: &str = "at_risk.csv";

/// The number-at-risk table under the `recovery_curves` chart: per policy
/// and whole day from 0 to the horizon (and the horizon itself), the
/// `at_risk` patients, neither recovered nor dead before that day.
pub fn at_risk_frame(results: &RunResults) -> Result<DataFrame, Error> {
    let rows: Vec<(&str, f64, u64)> = results
        .policies
        .iter()
        .flat_map(|p| p.at_risk.iter().map(|&(day, n)| (p.name.as_str(), day, n)))
        .collect();
    let mut t = Table::default();
    t.strings("policy", rows.iter().map(|r| r.0.to_string()).collect());
    t.floats("day", rows.iter().map(|r| r.1).collect());
    t.integers("at_risk", rows.iter().map(|r| r.2).collect());
    t.finish()
}

/// The data of the `recovery_difference` chart: per policy other than the
/// reference and day of the grid, the difference in cumulative recovery
/// from the reference with its paired 95% band: `policy, reference, day,
/// difference, lo, hi`.
pub fn recovery_difference_frame(results: &RunResults) -> Result<DataFrame, Error> {
    let rows = results
        .comparisons
        .iter()
        .map(|c| (vec![c.policy.clone(), c.reference.clone()], &c.recovered_difference));
    long_curves(&["policy", "reference"], "difference", rows)
}

/// Long format: `policy, curve, day, value, lo, hi`.
pub fn curves_frame(results: &RunResults) -> Result<DataFrame, Error> {
    let rows = results.policies.iter().flat_map(|p| {
        let named = [
            ("recovered", &p.curves.recovered),
            ("symptom_free", &p.curves.symptom_free),
            ("surgery_free", &p.curves.surgery_free),
        ];
        let states = p.curves.states.iter().map(|(name, c)| (*name, c));
        named
            .into_iter()
            .chain(states)
            .map(|(name, c)| (vec![p.name.clone(), name.to_string()], c))
    });
    long_curves(&["policy", "curve"], "value", rows)
}

/// Curves in long format: the `keys` columns (one value per curve,
/// repeated on each of its days), then `day`, `value` (named `value`),
/// `lo`, `hi`.
fn long_curves<'a>(
    keys: &[&str],
    value: &str,
    curves: impl Iterator<Item = (Vec<String>, &'a crate::estimate::summary::Curve)>,
) -> Result<DataFrame, Error> {
    let mut key_columns: Vec<Vec<String>> = vec![Vec::new(); keys.len()];
    let (mut day, mut values, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (key, c) in curves {
        for (column, k) in key_columns.iter_mut().zip(key) {
            column.extend(std::iter::repeat_n(k, c.day.len()));
        }
        day.extend_from_slice(&c.day);
        values.extend_from_slice(&c.value);
        lo.extend_from_slice(&c.lo);
        hi.extend_from_slice(&c.hi);
    }
    let mut t = Table::default();
    for (name, column) in keys.iter().zip(key_columns) {
        t.strings(name, column);
    }
    t.floats("day", day);
    t.floats(value, values);
    t.floats("lo", lo);
    t.floats("hi", hi);
    t.finish()
}

/// Writes `patients.parquet`: one row per patient and policy.
///
/// # Errors
/// [`Error::Output`] naming the file.
pub fn write_patients(scenario: &Scenario, records: &PatientRecords, path: &Path) -> Result<(), Error> {
    let k = scenario.slot_count();
    let n = records.outcomes.first().map_or(0, Segments::len);
    let policies = records.outcomes.len();
    let mut columns: Vec<Column> = Vec::new();
    let rows = n * policies;
    // Text columns are built from borrowed names: one allocation per
    // column, not per row (a million patients under four policies made
    // 20 million strings).
    let mut policy: Vec<&str> = Vec::with_capacity(rows);
    for p in scenario.policies() {
        policy.extend(std::iter::repeat_n(p.name.as_str(), n));
    }
    columns.push(Column::new("policy".into(), policy));
    let first = records.first_patient;
    let mut patient: Vec<u64> = Vec::with_capacity(rows);
    for _ in 0..policies {
        patient.extend(first..first + n as u64);
    }
    columns.push(Column::new("patient".into(), patient));
    // Slot `j` of every patient, policy by policy.
    let slot = |j: usize| {
        let mut values = Vec::with_capacity(rows);
        for p in 0..policies {
            values.extend(records.covariate_rows(p, k).map(|row| row[j]));
        }
        values
    };
    for (j, c) in scenario.covariates().iter().enumerate() {
        let values = slot(j);
        let name: PlSmallStr = c.name.as_str().into();
        columns.push(match &c.kind {
            CovariateKind::Boolean { .. } => Column::new(name, values.iter().map(|&v| v != 0.0).collect::<Vec<bool>>()),
            CovariateKind::Categorical { levels, .. } => Column::new(
                name,
                values
                    .iter()
                    .map(|&v| levels[v as usize].as_str())
                    .collect::<Vec<&str>>(),
            ),
            CovariateKind::Continuous { .. } => Column::new(name, values),
        });
    }
    if scenario.frailty().is_some() {
        columns.push(Column::new("frailty".into(), slot(scenario.covariates().len())));
    }
    let level = |o: &Record| match o.deepest_level {
        0 => "none",
        l => LEVELS[usize::from(l.min(3)) - 1],
    };
    let mut fills: Vec<Box<dyn Fill>> = vec![
        fill("recovered", rows, |o| o.recovered),
        fill("time_to_recovery_days", rows, |o| o.time_to_recovery),
        fill("symptom_free_at_horizon", rows, |o| o.symptom_free_at_horizon),
        fill("symptomatic_days", rows, |o| o.symptomatic_days),
        fill("deepest_level", rows, level),
        fill("surgery", rows, |o| o.surgery),
        fill("fusion", rows, |o| o.fusion),
        fill("complications", rows, |o| o.complications),
        fill("relapses", rows, |o| o.relapses),
        fill("interventions", rows, |o| o.interventions),
        fill("red_flag", rows, |o| o.red_flag),
    ];
    if scenario.natural_history().permanent_deficit.is_some() {
        fills.push(fill("permanent_deficit", rows, |o| o.permanent_deficit));
    }
    if scenario.provides(Feature::Death) {
        fills.push(fill("died", rows, |o| o.died));
        fills.push(fill("procedural_death", rows, |o| o.procedural_death));
        // Null when alive at the horizon.
        fills.push(fill("death_day", rows, |o| o.died.then_some(o.death_time)));
    }
    if scenario.provides(Feature::Economics) {
        fills.push(fill("cost", rows, |o| o.valuation.cost));
        fills.push(fill("cost_undiscounted", rows, |o| o.valuation.cost_undiscounted));
        fills.push(fill("qalys", rows, |o| o.valuation.qalys));
        fills.push(fill("qalys_undiscounted", rows, |o| o.valuation.qalys_undiscounted));
        fills.push(fill("life_years", rows, |o| o.valuation.life_years));
        fills.push(fill("life_years_undiscounted", rows, |o| {
            o.valuation.life_years_undiscounted
        }));
    }
    // Block by block, every column: each record is read from memory
    // once, not once per column (a column at a time read the records of
    // every path twenty times over).
    for block in records
        .outcomes
        .iter()
        .flat_map(|o| o.segments())
        .flat_map(|s| s.chunks(4096))
    {
        for f in &mut fills {
            f.fill(block);
        }
    }
    columns.extend(fills.into_iter().map(|f| f.column()));
    let mut df = DataFrame::new(rows, columns).map_err(|e| polars_error(path, e))?;
    let file = File::create(path).map_err(|source| Error::Output {
        path: path.to_path_buf(),
        source,
    })?;
    ParquetWriter::new(file)
        .finish(&mut df)
        .map_err(|e| polars_error(path, e))?;
    Ok(())
}

/// A column of `patients.parquet` read off the records, filled a block of
/// paths at a time.
trait Fill {
    fn fill(&mut self, block: &[Record]);
    fn column(self: Box<Self>) -> Column;
}

struct RecordColumn<T, F> {
    name: &'static str,
    values: Vec<T>,
    get: F,
}

impl<T, F: Fn(&Record) -> T> Fill for RecordColumn<T, F>
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    fn fill(&mut self, block: &[Record]) {
        self.values.extend(block.iter().map(&self.get));
    }

    fn column(self: Box<Self>) -> Column {
        Column::new(self.name.into(), self.values)
    }
}

/// The column `name` of `rows` values `get` reads off each outcome.
fn fill<T: 'static, F: Fn(&Record) -> T + 'static>(name: &'static str, rows: usize, get: F) -> Box<dyn Fill>
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    Box::new(RecordColumn {
        name,
        values: Vec::with_capacity(rows),
        get,
    })
}

fn write_csv(df: &mut DataFrame, path: &Path) -> Result<(), Error> {
    let mut file = File::create(path).map_err(|source| Error::Output {
        path: path.to_path_buf(),
        source,
    })?;
    CsvWriter::new(&mut file)
        .finish(df)
        .map_err(|e| polars_error(path, e))?;
    file.sync_all().map_err(|source| Error::Output {
        path: path.to_path_buf(),
        source,
    })
}

fn polars_error(path: &Path, e: PolarsError) -> Error {
    match e {
        PolarsError::IO { error, .. } => Error::Output {
            path: path.to_path_buf(),
            source: std::io::Error::new(error.kind(), error.to_string()),
        },
        other => Error::Runtime(format!("cannot build {}: {other}", path.display())),
    }
}

/// Columns in the making.
#[derive(Default)]
struct Table {
    columns: Vec<Column>,
    height: usize,
}

impl Table {
    fn strings(&mut self, name: &str, values: Vec<String>) {
        self.height = values.len();
        self.columns.push(Column::new(name.into(), values));
    }

    fn floats(&mut self, name: &str, values: Vec<f64>) {
        self.height = values.len();
        self.columns.push(Column::new(name.into(), values));
    }

    /// Floats with empty cells where there is no value.
    fn optional_floats(&mut self, name: &str, values: Vec<Option<f64>>) {
        self.height = values.len();
        self.columns.push(Column::new(name.into(), values));
    }

    fn integers(&mut self, name: &str, values: Vec<u64>) {
        self.height = values.len();
        self.columns.push(Column::new(name.into(), values));
    }

    fn estimate(&mut self, name: &str, values: impl Iterator<Item = Estimate> + Clone) {
        self.floats(name, values.clone().map(|e| e.value).collect());
        self.floats(&format!("{name}_lo"), values.clone().map(|e| e.lo).collect());
        self.floats(&format!("{name}_hi"), values.clone().map(|e| e.hi).collect());
        self.floats(&format!("{name}_se"), values.map(|e| e.se).collect());
    }

    /// The columns of summary.csv after `policy`: the outcomes the run
    /// reports.
    fn group_columns(&mut self, results: &RunResults, groups: &[&GroupSummary]) {
        self.height = groups.len();
        self.integers("patients", groups.iter().map(|g| g.patients).collect());
        for def in results.outcomes() {
            self.estimate(def.name, groups.iter().map(|g| g.get(def.id)));
        }
    }

    fn finish(self) -> Result<DataFrame, Error> {
        DataFrame::new(self.height, self.columns).map_err(|e| Error::Runtime(format!("cannot build a table: {e}")))
    }
}

/// `sweep.csv`: long format `parameter, value, policy, outcome, estimate,
/// lo, hi, se`, one row per point, policy and outcome.
pub fn sweep_frame(parameter: &str, points: &[SweepPoint]) -> Result<DataFrame, Error> {
    let mut rows: Vec<(f64, &str, &str, Estimate)> = Vec::new();
    for point in points {
        for p in &point.results.policies {
            for (def, e) in p.overall.iter().filter(|(def, _)| point.results.shows(def)) {
                rows.push((point.value, p.name.as_str(), def.name, e));
            }
        }
    }
    let mut t = Table::default();
    t.strings("parameter", vec![parameter.to_string(); rows.len()]);
    t.floats("value", rows.iter().map(|r| r.0).collect());
    t.strings("policy", rows.iter().map(|r| r.1.to_string()).collect());
    t.strings("outcome", rows.iter().map(|r| r.2.to_string()).collect());
    t.estimate("estimate", rows.iter().map(|r| r.3));
    t.finish()
}

/// `sensitivity.csv`: one row per ranged parameter, by decreasing swing.
pub fn sensitivity_frame(s: &SensitivityResults) -> Result<DataFrame, Error> {
    let mut t = Table::default();
    let rows = &s.rows;
    t.strings("parameter", rows.iter().map(|r| r.parameter.clone()).collect());
    t.floats("base_value", rows.iter().map(|r| r.base_value).collect());
    t.floats("low", rows.iter().map(|r| r.low).collect());
    t.floats("high", rows.iter().map(|r| r.high).collect());
    t.strings("target", vec![s.target.label(); rows.len()]);
    t.floats("base_estimate", vec![s.base.value; rows.len()]);
    t.estimate("at_low", rows.iter().map(|r| r.at_low));
    t.estimate("at_high", rows.iter().map(|r| r.at_high));
    t.floats("swing", rows.iter().map(|r| r.swing()).collect());
    t.finish()
}

/// `bench.csv`: one row per cohort size and thread count (see
/// [`crate::bench`] for the definitions).
pub fn bench_frame(rows: &[BenchRow], counts: &DrawCounts) -> Result<DataFrame, Error> {
    let mut t = Table::default();
    let col = |f: &dyn Fn(&BenchRow) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    t.integers("patients", rows.iter().map(|r| r.patients).collect());
    t.integers("paths", rows.iter().map(|r| r.paths).collect());
    t.integers("threads", rows.iter().map(|r| r.threads as u64).collect());
    t.floats("seconds", col(&|r| r.seconds));
    t.floats("patients_per_second", col(&|r| r.patients_per_second()));
    t.floats("paths_per_second", col(&|r| r.paths_per_second()));
    t.floats("ns_per_path", col(&|r| r.ns_per_path()));
    t.optional_floats(
        "scaling_efficiency",
        rows.iter().map(|r| r.scaling_efficiency).collect(),
    );
    t.floats("baseline_seconds", col(&|r| r.baseline_seconds));
    t.floats("baseline_paths_per_second", col(&|r| r.baseline_paths_per_second()));
    t.floats("baseline_ns_per_path", col(&|r| r.baseline_ns_per_path()));
    t.optional_floats(
        "baseline_scaling_efficiency",
        rows.iter().map(|r| r.baseline_scaling_efficiency).collect(),
    );
    t.floats("ratio_to_baseline", col(&|r| r.ratio()));
    t.floats("streams_per_path", vec![counts.streams_per_path(); rows.len()]);
    t.floats("draws_per_path", vec![counts.draws_per_path(); rows.len()]);
    t.finish()
}

/// floor.csv: per kind of draw (streams, uniforms, each distribution), how
/// many a path takes, foramen's ns per draw, the floor's, and their
/// ratio; then the draws of a path and the whole path (the simulation's ns
/// per path on one thread, empty when no one-thread row was measured)
/// against the sum of the floors; then each primitive: how many a path
/// needs and its price (how it was obtained in the name).
///
/// # Errors
/// [`Error::Output`] if the frame cannot be built.
pub fn floor_frame(floor: &Floor, one_thread_ns: Option<f64>) -> Result<DataFrame, Error> {
    let mut t = Table::default();
    let mut kind: Vec<String> = floor.rows.iter().map(|r| r.kind.clone()).collect();
    let mut per_path: Vec<f64> = floor.rows.iter().map(|r| r.per_path).collect();
    let mut own: Vec<Option<f64>> = floor.rows.iter().map(|r| Some(r.own_ns)).collect();
    let mut at_floor: Vec<f64> = floor.rows.iter().map(|r| r.floor_ns).collect();
    kind.extend(["draws of a path".to_string(), "path".to_string()]);
    per_path.extend([1.0, 1.0]);
    own.extend([Some(floor.own_draws_ns_per_path()), one_thread_ns]);
    at_floor.extend([floor.ns_per_path(), floor.ns_per_path()]);
    for ((p, n), (price, way)) in Primitive::ALL
        .iter()
        .zip(floor.needs)
        .zip(floor.prices.0.iter().zip(floor.ways))
    {
        let way = match way {
            Way::Lanes => "four lanes",
            Way::Scalar => "one at a time",
        };
        kind.push(format!("primitive: {} ({way})", p.name()));
        per_path.push(n);
        own.push(None);
        at_floor.push(*price);
    }
    let ratio = own.iter().zip(&at_floor).map(|(o, f)| o.map(|o| o / f)).collect();
    t.strings("kind", kind);
    t.floats("per_path", per_path);
    t.optional_floats("own_ns", own);
    t.floats("floor_ns", at_floor);
    t.optional_floats("times_floor", ratio);
    t.finish()
}

/// `targets.csv`: one row per target, in file order: its name, label,
/// source, comparability and weight, the model quantity in words, the
/// published value and band (`band` says which kind: interval, range or
/// n), the model's share with its interval and standard error, the units
/// counted, the z-score and whether the model lies in the band.
///
/// # Errors
/// [`Error::Output`] if the frame cannot be built.
pub fn targets_frame(scenario: &Scenario, targets: &[Target], assessed: &[Assessment]) -> Result<DataFrame, Error> {
    let mut t = Table::default();
    let text = |f: &dyn Fn(&Target) -> String| targets.iter().map(f).collect::<Vec<String>>();
    t.strings("target", text(&|x| x.name.clone()));
    t.strings("label", text(&|x| x.label.clone()));
    t.strings("source", text(&|x| x.source.clone()));
    t.strings("comparability", text(&|x| x.comparability.name().to_string()));
    t.floats("weight", targets.iter().map(|x| x.weight).collect());
    t.strings("quantity", text(&|x| x.quantity(scenario)));
    t.floats("published", targets.iter().map(|x| x.published).collect());
    t.strings("band", text(&|x| x.band.kind.name().to_string()));
    t.floats("published_lo", targets.iter().map(|x| x.band.lo).collect());
    t.floats("published_hi", targets.iter().map(|x| x.band.hi).collect());
    t.floats("published_se", targets.iter().map(|x| x.band.se).collect());
    t.estimate("model", assessed.iter().map(|a| a.model));
    t.integers("units", assessed.iter().map(|a| a.n).collect());
    t.floats("z", assessed.iter().map(|a| a.z).collect());
    t.strings("in_band", assessed.iter().map(|a| a.in_band.to_string()).collect());
    t.strings("note", text(&|x| x.note.clone().unwrap_or_default()));
    t.finish()
}

/// `calibration.csv`: one row per distribution of belief: its key path,
/// prior, whether it was calibrated (false: it cannot change a path or was
/// left out by `--params`, and its posterior is its prior), the value the scenario is written with (the prior's mean), the
/// fitted value (posterior mode) and the posterior sample's mean with its
/// 2.5% and 97.5% quantiles.
///
/// # Errors
/// [`Error::Output`] if the frame cannot be built.
pub fn calibration_frame(fit: &Fit) -> Result<DataFrame, Error> {
    let mut t = Table::default();
    let ps = &fit.parameters;
    let summaries: Vec<(f64, f64, f64)> = (0..ps.len()).map(|i| fit.posterior.summary(i)).collect();
    t.strings("parameter", ps.iter().map(|b| b.path.clone()).collect());
    t.strings("prior", ps.iter().map(|b| b.family.to_string()).collect());
    t.strings("calibrated", fit.calibrated.iter().map(bool::to_string).collect());
    t.floats("prior_mean", fit.start.clone());
    t.floats("fitted", fit.fitted.clone());
    t.floats("posterior_mean", summaries.iter().map(|s| s.0).collect());
    t.floats("posterior_lo", summaries.iter().map(|s| s.1).collect());
    t.floats("posterior_hi", summaries.iter().map(|s| s.2).collect());
    t.finish()
}

/// `posterior.csv`: the posterior sample, one row per point: `sample`,
/// each distribution of belief by key path, and the point's weighted
/// distance to the targets. `foramen psa --posterior` reads it.
///
/// # Errors
/// [`Error::Output`] if the frame cannot be built.
pub fn posterior_frame(fit: &Fit) -> Result<DataFrame, Error> {
    let mut t = Table::default();
    let post = &fit.posterior;
    t.integers("sample", (0..post.samples.len() as u64).collect());
    for (i, b) in fit.parameters.iter().enumerate() {
        t.floats(&b.path, post.samples.iter().map(|s| s[i]).collect());
    }
    t.floats("distance", post.distances.clone());
    t.finish()
}

/// Reads a posterior sample (`posterior.csv` of `foramen calibrate`):
/// per row, the value of each of `paths`, in that order.
///
/// # Errors
/// [`Error::Read`] when it cannot be read; [`Error::Syntax`] when it is
/// not CSV; [`Error::Invalid`] naming a missing column or an empty or
/// non-numeric cell.
pub fn read_posterior(path: &Path, paths: &[String]) -> Result<Vec<Vec<f64>>, Error> {
    let file = path.display().to_string();
    if let Err(source) = File::open(path) {
        return Err(Error::Read {
            what: "posterior sample".into(),
            file,
            source,
        });
    }
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| Error::Syntax {
            file: file.clone(),
            message: format!("not a CSV table ({e}); give the posterior.csv of a `foramen calibrate` run"),
        })?;
    let invalid = |column: &str, problem: String| Error::Invalid {
        file: file.clone(),
        problems: vec![crate::error::Invalid::new(column, "", problem)],
    };
    let mut columns = Vec::with_capacity(paths.len());
    for p in paths {
        let column = df.column(p).map_err(|_| {
            invalid(
                p,
                "missing: the posterior has no column for this distribution of belief of the scenario (calibrate this scenario to get one)".into(),
            )
        })?;
        let values = column
            .cast(&DataType::Float64)
            .ok()
            .and_then(|c| c.f64().ok().map(|c| c.iter().collect::<Option<Vec<f64>>>()))
            .flatten()
            .ok_or_else(|| invalid(p, "every cell must be a number".into()))?;
        columns.push(values);
    }
    let rows = df.height();
    if rows == 0 {
        return Err(invalid("sample", "the posterior sample has no rows".into()));
    }
    Ok((0..rows).map(|r| columns.iter().map(|c| c[r]).collect()).collect())
}

/// Reads a run's summary.csv: per policy (row), every estimate column
/// that has its `_se` beside it, as `(outcome, value, se)`.
///
/// # Errors
/// [`Error::Read`], or [`Error::Syntax`] when it is not a summary table.
pub fn read_summary(path: &Path) -> Result<Vec<crate::estimate::diff::PolicyEstimates>, Error> {
    let file = path.display().to_string();
    if let Err(source) = File::open(path) {
        return Err(Error::Read {
            what: "run summary".into(),
            file,
            source,
        });
    }
    let not_summary = |e: String| Error::Syntax {
        file: file.clone(),
        message: format!("not a foramen summary.csv ({e})"),
    };
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| not_summary(e.to_string()))?;
    let policies: Vec<String> = df
        .column("policy")
        .ok()
        .and_then(|c| {
            c.str()
                .ok()
                .map(|c| c.iter().map(|v| v.unwrap_or_default().to_string()).collect())
        })
        .ok_or_else(|| not_summary("no policy column".into()))?;
    let floats = |name: &str| -> Option<Vec<f64>> {
        let c = df.column(name).ok()?.cast(&DataType::Float64).ok()?;
        Some(c.f64().ok()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    };
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    let mut columns = Vec::new();
    for name in &names {
        if names.contains(&format!("{name}_se"))
            && let (Some(v), Some(se)) = (floats(name), floats(&format!("{name}_se")))
        {
            columns.push((name.clone(), v, se));
        }
    }
    Ok(policies
        .into_iter()
        .enumerate()
        .map(|(r, p)| (p, columns.iter().map(|(n, v, se)| (n.clone(), v[r], se[r])).collect()))
        .collect())
}

/// Writes a frame as CSV at `path`.
///
/// # Errors
/// [`Error::Output`] naming the file.
pub fn write_frame(mut df: DataFrame, path: &Path) -> Result<(), Error> {
    write_csv(&mut df, path)
}

/// The tables of a probabilistic analysis, by file name:
///
/// - `psa.csv`: one row per draw and policy: `draw, policy`, every
///   parameter's value (columns named by key path), every reported outcome;
/// - `psa_parameters.csv`, `psa_cost.csv`, `psa_effect.csv`: one row per
///   draw, the parameters and each policy's cost and QALYs as columns (the
///   layout of dampack's `make_psa_obj` and of BCEA's `c` and `e`);
/// - `psa_noise.csv`: per policy and outcome, the between-draw variance,
///   the mean within-draw squared standard error, their ratio and the
///   patients per draw that bring it under 5%;
/// - with economics, `ceac.csv` (willingness to pay, policy, probability
///   cost-effective, expected net benefit, optimal: the frontier),
///   `evpi.csv` (per patient and for the population) and `importance.csv`
///   (partial rank correlations).
///
/// # Errors
/// [`Error::Output`] when a frame cannot be built.
pub fn psa_frames(r: &PsaResults) -> Result<Vec<(&'static str, DataFrame)>, Error> {
    let shown: &[&OutcomeDef] = &r.outcomes;
    let mut frames = Vec::new();
    // Long: one row per draw and policy.
    let rows: Vec<(&crate::analysis::psa::Draw, usize)> = r
        .draws
        .iter()
        .flat_map(|d| (0..r.policies.len()).map(move |p| (d, p)))
        .collect();
    let mut t = Table::default();
    t.integers("draw", rows.iter().map(|(d, _)| d.draw).collect());
    t.strings("policy", rows.iter().map(|&(_, p)| r.policies[p].clone()).collect());
    for (j, name) in r.parameters.iter().enumerate() {
        t.floats(name, rows.iter().map(|(d, _)| d.parameters[j]).collect());
    }
    for def in shown {
        t.floats(
            def.name,
            rows.iter()
                .map(|&(d, p)| d.policies[p][def.id as usize].value)
                .collect(),
        );
    }
    frames.push(("psa.csv", t.finish()?));
    // Wide: one row per draw.
    let mut t = Table::default();
    t.integers("draw", r.draws.iter().map(|d| d.draw).collect());
    for (j, name) in r.parameters.iter().enumerate() {
        t.floats(name, r.draws.iter().map(|d| d.parameters[j]).collect());
    }
    frames.push(("psa_parameters.csv", t.finish()?));
    if r.economics.is_some() {
        for (file, id) in [("psa_cost.csv", Id::Cost), ("psa_effect.csv", Id::Qalys)] {
            let mut t = Table::default();
            t.integers("draw", r.draws.iter().map(|d| d.draw).collect());
            for (p, name) in r.policies.iter().enumerate() {
                t.floats(name, r.draws.iter().map(|d| d.policies[p][id as usize].value).collect());
            }
            frames.push((file, t.finish()?));
        }
    }
    let mut t = Table::default();
    t.strings(
        "policy",
        r.noise.iter().map(|(p, _, _)| r.policies[*p].clone()).collect(),
    );
    t.strings("outcome", r.noise.iter().map(|(_, d, _)| d.name.to_string()).collect());
    t.floats(
        "between_draw_variance",
        r.noise.iter().map(|(_, _, n)| n.between).collect(),
    );
    t.floats(
        "within_draw_variance",
        r.noise.iter().map(|(_, _, n)| n.within).collect(),
    );
    t.floats("noise_share", r.noise.iter().map(|(_, _, n)| n.share).collect());
    t.optional_floats(
        "patients_for_5_percent",
        r.noise
            .iter()
            .map(|(_, _, n)| n.patients_for_5_percent.is_finite().then_some(n.patients_for_5_percent))
            .collect(),
    );
    frames.push(("psa_noise.csv", t.finish()?));
    let mut t = Table::default();
    let rows: Vec<(usize, usize)> = (0..r.policies.len())
        .flat_map(|p| (0..r.recovery_bands[p].mean.len()).map(move |i| (p, i)))
        .collect();
    t.strings("policy", rows.iter().map(|&(p, _)| r.policies[p].clone()).collect());
    t.floats("day", rows.iter().map(|&(_, i)| r.days[i]).collect());
    t.floats("mean", rows.iter().map(|&(p, i)| r.recovery_bands[p].mean[i]).collect());
    t.floats("lo", rows.iter().map(|&(p, i)| r.recovery_bands[p].lo[i]).collect());
    t.floats("hi", rows.iter().map(|&(p, i)| r.recovery_bands[p].hi[i]).collect());
    frames.push(("psa_curves.csv", t.finish()?));
    if let Some(e) = &r.economics {
        let k = r.policies.len();
        let mut t = Table::default();
        t.floats(
            "willingness_to_pay",
            e.grid.iter().flat_map(|a| std::iter::repeat_n(a.wtp, k)).collect(),
        );
        t.strings(
            "policy",
            e.grid.iter().flat_map(|_| r.policies.iter().cloned()).collect(),
        );
        t.floats(
            "probability",
            e.grid.iter().flat_map(|a| a.probability.iter().copied()).collect(),
        );
        t.floats(
            "expected_nmb",
            e.grid.iter().flat_map(|a| a.expected.iter().copied()).collect(),
        );
        t.columns.push(Column::new(
            "optimal".into(),
            e.grid
                .iter()
                .flat_map(|a| (0..k).map(move |p| p == a.optimal))
                .collect::<Vec<bool>>(),
        ));
        frames.push(("ceac.csv", t.finish()?));
        let mut t = Table::default();
        t.floats("willingness_to_pay", e.grid.iter().map(|a| a.wtp).collect());
        t.floats("evpi_per_patient", e.grid.iter().map(|a| a.evpi).collect());
        t.optional_floats(
            "evpi_population",
            e.grid.iter().map(|a| e.population.map(|n| a.evpi * n)).collect(),
        );
        frames.push(("evpi.csv", t.finish()?));
        let rows: Vec<(usize, usize)> = (0..r.parameters.len())
            .flat_map(|j| (0..k).filter(|&p| p != e.reference).map(move |p| (j, p)))
            .collect();
        let mut t = Table::default();
        t.strings(
            "parameter",
            rows.iter().map(|&(j, _)| r.parameters[j].clone()).collect(),
        );
        t.strings("policy", rows.iter().map(|&(_, p)| r.policies[p].clone()).collect());
        t.strings(
            "reference",
            rows.iter().map(|_| r.policies[e.reference].clone()).collect(),
        );
        t.floats("willingness_to_pay", rows.iter().map(|_| e.importance_wtp).collect());
        t.floats(
            "prcc",
            rows.iter()
                .map(|&(j, p)| e.importance[j][p].unwrap_or(f64::NAN))
                .collect(),
        );
        frames.push(("importance.csv", t.finish()?));
    }
    Ok(frames)
}

/// A CSV file of a run, every cell read as text (numbers are parsed here,
/// exactly: the files hold each float's shortest round-trip form).
struct Cells {
    file: String,
    df: DataFrame,
}

impl Cells {
    /// Reads `dir/name`.
    fn read(dir: &Path, name: &str) -> Result<Cells, Error> {
        let path = dir.join(name);
        let file = path.display().to_string();
        if let Err(source) = File::open(&path) {
            return Err(Error::Read {
                what: "run table".into(),
                file,
                source,
            });
        }
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.clone()))
            .and_then(|r| r.finish())
            .map_err(|e| Error::Syntax {
                file: file.clone(),
                message: format!("not a CSV table ({e}); give a directory written by `foramen run`"),
            })?;
        Ok(Cells { file, df })
    }

    fn invalid(&self, column: &str, row: usize, value: &str, problem: &str) -> Error {
        Error::Invalid {
            file: self.file.clone(),
            problems: vec![Invalid::new(
                format!("column {column}, line {}", row + 2),
                value,
                problem.to_string(),
            )],
        }
    }

    /// The cells of `column`, as text.
    fn text(&self, column: &str) -> Result<Vec<String>, Error> {
        let missing = || Error::Invalid {
            file: self.file.clone(),
            problems: vec![Invalid::new(
                column,
                "",
                "missing: the table has no such column (was it written by `foramen run`?)",
            )],
        };
        let c = self.df.column(column).map_err(|_| missing())?;
        let c = c.str().map_err(|_| missing())?;
        c.iter()
            .enumerate()
            .map(|(i, v)| {
                v.map(str::to_string)
                    .ok_or_else(|| self.invalid(column, i, "", "an empty cell; every cell of this column has a value"))
            })
            .collect()
    }

    /// The cells of `column` as numbers (`NaN` allowed).
    fn numbers(&self, column: &str) -> Result<Vec<f64>, Error> {
        self.parsed(column, "not a number")
    }

    /// The cells of `column` as counts.
    fn counts(&self, column: &str) -> Result<Vec<u64>, Error> {
        self.parsed(column, "not a whole number of patients")
    }

    /// The cells of `column` parsed as `T`; a cell that is not one is
    /// refused with `problem`.
    fn parsed<T: std::str::FromStr>(&self, column: &str, problem: &str) -> Result<Vec<T>, Error> {
        let text = self.text(column)?;
        text.iter()
            .enumerate()
            .map(|(i, v)| v.trim().parse::<T>().map_err(|_| self.invalid(column, i, v, problem)))
            .collect()
    }

    /// The row's policy as an index into `policies` (from summary.csv).
    fn policy_index(&self, policies: &[String], row: usize, name: &str) -> Result<usize, Error> {
        policies.iter().position(|p| p == name).ok_or_else(|| {
            let problem = format!(
                "a policy summary.csv does not have (it has {}); the tables are not of one run",
                policies.join(", ")
            );
            self.invalid("policy", row, name, &problem)
        })
    }
}

/// Reads a CSV file of a run as text cells (for report.html).
///
/// # Errors
/// [`Error::Read`] or [`Error::Syntax`] naming the file.
pub fn read_cells(path: &Path) -> Result<crate::report::html::Cells, Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let cells = Cells::read(dir, &name)?;
    let header: Vec<String> = cells.df.get_column_names().iter().map(|n| n.to_string()).collect();
    let columns = header
        .iter()
        .map(|h| {
            let c = cells
                .df
                .column(h)
                .and_then(|c| c.str().cloned())
                .map_err(|e| Error::Syntax {
                    file: cells.file.clone(),
                    message: format!("column {h} cannot be read as text ({e})"),
                })?;
            Ok(c.iter().map(|v| v.unwrap_or("").to_string()).collect::<Vec<String>>())
        })
        .collect::<Result<Vec<Vec<String>>, Error>>()?;
    let rows = (0..cells.df.height())
        .map(|r| columns.iter().map(|c| c[r].clone()).collect())
        .collect();
    Ok(crate::report::html::Cells { header, rows })
}

/// Runs of equal keys: `(key, first row, end row)` for each stretch of
/// consecutive rows with the same key.
fn stretches<K: PartialEq + Clone>(keys: &[K]) -> Vec<(K, usize, usize)> {
    let mut out: Vec<(K, usize, usize)> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        match out.last_mut() {
            Some(last) if &last.0 == k => last.2 = i + 1,
            _ => out.push((k.clone(), i, i + 1)),
        }
    }
    out
}

/// Rows `range` of day, value, lo and hi columns as a curve.
fn curve_of(day: &[f64], value: &[f64], lo: &[f64], hi: &[f64], range: std::ops::Range<usize>) -> Curve {
    Curve {
        day: day[range.clone()].to_vec(),
        value: value[range.clone()].to_vec(),
        lo: lo[range.clone()].to_vec(),
        hi: hi[range].to_vec(),
    }
}

/// The outcome named in row `row` of `column`.
fn outcome_at(cells: &Cells, column: &str, row: usize, name: &str) -> Result<&'static str, Error> {
    crate::outcome::find(name).map(|o| o.name).ok_or_else(|| {
        let problem = format!(
            "not an outcome of this foramen version{}",
            crate::error::did_you_mean(name, crate::outcome::names())
        );
        cells.invalid(column, row, name, &problem)
    })
}

/// The differences of a comparison table (comparison.csv or
/// subgroup_differences.csv), per row.
fn contrasts(cells: &Cells) -> Result<Vec<Contrast>, Error> {
    let outcome = cells.text("outcome")?;
    let difference = cells.numbers("difference")?;
    let [plo, phi, ulo, uhi] = ["paired_lo", "paired_hi", "unpaired_lo", "unpaired_hi"].map(|c| cells.numbers(c));
    let (plo, phi, ulo, uhi) = (plo?, phi?, ulo?, uhi?);
    (0..cells.df.height())
        .map(|i| {
            Ok(Contrast {
                outcome: outcome_at(cells, "outcome", i, &outcome[i])?,
                difference: difference[i],
                paired: (plo[i], phi[i]),
                unpaired: (ulo[i], uhi[i]),
            })
        })
        .collect()
}

/// Reads what a run's charts draw from the run directory `dir`:
/// summary.csv (the policies, in order, and their patients), curves.csv,
/// pathway.csv, time_to_recovery.csv, at_risk.csv (when there) and, with two or more policies, comparison.csv,
/// recovery_difference.csv and subgroup_differences.csv (when the run was
/// split by subgroups). `scenario` and `horizon_days` are the run's (from
/// its manifest, or its results while it is written).
///
/// # Errors
/// [`Error::Read`] for a missing table, [`Error::Syntax`] for one that is
/// not CSV, [`Error::Invalid`] naming the file, column, line and value of
/// a cell that is not what `foramen run` writes.
pub fn read_run_charts(dir: &Path, scenario: &str, horizon_days: f64) -> Result<RunCharts, Error> {
    let summary = Cells::read(dir, "summary.csv")?;
    let names = summary.text("policy")?;
    let mut policies: Vec<PolicyCharts> = names
        .iter()
        .zip(summary.counts("patients")?)
        .map(|(n, patients)| PolicyCharts {
            name: n.clone(),
            patients,
            ..PolicyCharts::default()
        })
        .collect();

    let curves = Cells::read(dir, "curves.csv")?;
    let keys: Vec<(String, String)> = curves.text("policy")?.into_iter().zip(curves.text("curve")?).collect();
    let [day, value, lo, hi] = ["day", "value", "lo", "hi"].map(|c| curves.numbers(c));
    let (day, value, lo, hi) = (day?, value?, lo?, hi?);
    for ((policy, curve), start, end) in stretches(&keys) {
        let p = curves.policy_index(&names, start, &policy)?;
        let c = curve_of(&day, &value, &lo, &hi, start..end);
        policies[p].curves.push((curve, c));
    }

    let pathway = Cells::read(dir, "pathway.csv")?;
    let (policy, level, status) = (
        pathway.text("policy")?,
        pathway.text("deepest_level")?,
        pathway.text("status_at_horizon")?,
    );
    let patients = pathway.counts("patients")?;
    let levels: Vec<&str> = std::iter::once("none").chain(LEVELS).collect();
    const STATUSES: [&str; 2] = ["symptom_free", "not_symptom_free"];
    for i in 0..policy.len() {
        let p = pathway.policy_index(&names, i, &policy[i])?;
        let l = levels.iter().position(|l| *l == level[i]).ok_or_else(|| {
            let allowed = format!("not a level of care: one of {}", levels.join(", "));
            pathway.invalid("deepest_level", i, &level[i], &allowed)
        })?;
        let s = STATUSES.iter().position(|s| *s == status[i]).ok_or_else(|| {
            pathway.invalid(
                "status_at_horizon",
                i,
                &status[i],
                "not a status: symptom_free or not_symptom_free",
            )
        })?;
        policies[p].pathway[l][s] = patients[i];
    }

    let weeks = Cells::read(dir, "time_to_recovery.csv")?;
    let policy = weeks.text("policy")?;
    let (start, end, count) = (
        weeks.numbers("start_day")?,
        weeks.numbers("end_day")?,
        weeks.counts("recovered")?,
    );
    for i in 0..policy.len() {
        let p = weeks.policy_index(&names, i, &policy[i])?;
        policies[p].recovery_weeks.push(Bin {
            start: start[i],
            end: end[i],
            count: count[i],
        });
    }

    // Runs made before at_risk.csv have their curves without the table.
    if dir.join(AT_RISK).exists() {
        let table = Cells::read(dir, AT_RISK)?;
        let (policy, day, at_risk) = (table.text("policy")?, table.numbers("day")?, table.counts("at_risk")?);
        for i in 0..policy.len() {
            let p = table.policy_index(&names, i, &policy[i])?;
            policies[p].at_risk.push((day[i], at_risk[i]));
        }
    }

    let mut comparisons: Vec<ComparisonCharts> = Vec::new();
    let mut by_subgroup = false;
    let mut subgroup_patients = Vec::new();
    if names.len() >= 2 {
        let table = Cells::read(dir, "comparison.csv")?;
        let keys: Vec<(String, String)> = table
            .text("policy")?
            .into_iter()
            .zip(table.text("reference")?)
            .collect();
        let rows = contrasts(&table)?;
        for ((policy, reference), start, end) in stretches(&keys) {
            table.policy_index(&names, start, &policy)?;
            comparisons.push(ComparisonCharts {
                policy,
                reference,
                differences: rows[start..end].to_vec(),
                ..ComparisonCharts::default()
            });
        }
        let find = |cells: &Cells, row: usize, policy: &str, comparisons: &[ComparisonCharts]| {
            comparisons.iter().position(|c| c.policy == policy).ok_or_else(|| {
                cells.invalid(
                    "policy",
                    row,
                    policy,
                    "a policy comparison.csv does not compare; the tables are not of one run",
                )
            })
        };
        let table = Cells::read(dir, "recovery_difference.csv")?;
        let keys = table.text("policy")?;
        let [day, value, lo, hi] = ["day", "difference", "lo", "hi"].map(|c| table.numbers(c));
        let (day, value, lo, hi) = (day?, value?, lo?, hi?);
        for (policy, start, end) in stretches(&keys) {
            let c = find(&table, start, &policy, &comparisons)?;
            comparisons[c].recovered_difference = curve_of(&day, &value, &lo, &hi, start..end);
        }
        if dir.join("subgroups.csv").exists() {
            let table = Cells::read(dir, "subgroups.csv")?;
            let (policy, subgroup) = (table.text("policy")?, table.text("subgroup")?);
            let patients = table.counts("patients")?;
            subgroup_patients = (0..policy.len())
                .filter(|&i| policy[i] == names[0])
                .map(|i| (subgroup[i].clone(), patients[i]))
                .collect();
        }
        if dir.join("subgroup_differences.csv").exists() {
            by_subgroup = true;
            let table = Cells::read(dir, "subgroup_differences.csv")?;
            let keys: Vec<(String, String)> = table.text("policy")?.into_iter().zip(table.text("subgroup")?).collect();
            let rows = contrasts(&table)?;
            for ((policy, label), start, end) in stretches(&keys) {
                let c = find(&table, start, &policy, &comparisons)?;
                comparisons[c].subgroups.push((label, rows[start..end].to_vec()));
            }
        }
    }
    Ok(RunCharts {
        scenario: scenario.to_string(),
        horizon_days,
        policies,
        comparisons,
        by_subgroup,
        labels: read_labels(dir)?,
        subgroup_patients,
    })
}
