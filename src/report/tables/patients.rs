//! patients.parquet: one row per patient and policy (`--patients-out`).

use std::path::Path;

use polars::prelude::*;

use super::write_parquet;
use crate::accumulate::sink::{PatientRecords, Record, Segments};
use crate::error::Error;
use crate::outcome::{Feature, LEVELS};
use crate::scenario::{CovariateKind, Scenario};

/// The file of per-patient records.
pub const PATIENTS: &str = "patients.parquet";

/// The file of shard K of N's per-patient records: `patients.part-K-of-N.parquet`
/// (K and N in five digits).
pub fn shard_file(number: u64, count: u64) -> String {
    format!("patients.part-{number:05}-of-{count:05}.parquet")
}

/// Writes `patients.parquet`: one row per patient and policy.
///
/// # Errors
/// [`Error::Output`] naming the file.
pub fn write_patients(scenario: &Scenario, records: &PatientRecords, path: &Path) -> Result<(), Error> {
    let (rows, columns) = patient_columns(scenario, records);
    write_parquet(rows, columns, path)
}

/// The per-patient records as a frame: patients.parquet's rows.
///
/// # Errors
/// [`Error::Runtime`] if polars refuses the columns.
pub fn patients_frame(scenario: &Scenario, records: &PatientRecords) -> Result<DataFrame, Error> {
    let (rows, columns) = patient_columns(scenario, records);
    DataFrame::new(rows, columns).map_err(|e| Error::Runtime(format!("cannot build the patients' frame: {e}")))
}

/// The row count and columns of patients.parquet.
fn patient_columns(scenario: &Scenario, records: &PatientRecords) -> (usize, Vec<Column>) {
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
    if scenario.provides(Feature::PartialRelief) {
        fills.push(fill("improved", rows, |o| o.improved));
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
    (rows, columns)
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
