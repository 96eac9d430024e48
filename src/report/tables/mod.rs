//! The only polars code: results to DataFrames, DataFrames to CSV and
//! Parquet, and the tables read back.
//!
//! One file per output family: [`run`] (a run directory), [`patients`]
//! (patients.parquet), [`events`] (events.parquet), [`psa`], [`evppi`], [`sweep`] (sweep and sensitivity),
//! [`mod@bench`], [`targets`] (targets and calibration), each declaring
//! its tables as [`Schema`]s. Here: what they share, the `Table` a frame
//! is built with (checked against its schema) and the `TextTable` a
//! table is read with (asked only for columns its schema declares).
//!
//! Column meanings are documented in README.md ("Outputs"). Every estimate
//! `x` comes as four columns: `x`, `x_lo`, `x_hi` (95% interval) and `x_se`
//! (Monte Carlo standard error). Shares are fractions in [0, 1]; times are
//! in days. A value that cannot be estimated is written as `NaN`.

pub mod bench;
pub mod events;
pub mod evppi;
pub mod fit;
pub mod patients;
pub mod psa;
pub mod run;
pub mod sweep;
pub mod targets;
pub mod variants;

pub use bench::{bench_frame, floor_frame, read_scaling};
pub use events::write_events;
pub use evppi::evppi_frame;
pub use patients::write_patients;
pub use psa::{psa_frames, read_psa_charts};
pub use run::{
    AT_RISK, LABELS, at_risk_frame, cea_frame, comparison_frame, curves_frame, labels_frame, labels_of, nmb_frame,
    pathway_frame, read_cells, read_labels, read_run_charts, read_summary, recovery_difference_frame, subgroups_frame,
    summary_frame, time_to_recovery_frame, write_labels, write_tables,
};
pub use sweep::{read_sensitivity, read_sweep, sensitivity_frame, sweep_frame};
pub use targets::{calibration_frame, posterior_frame, read_posterior, read_targets, targets_frame};
pub use variants::{decision_frame, read_decision_cases, variants_frame};

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Invalid};
use crate::estimate::RunResults;
use crate::estimate::summary::GroupSummary;
use crate::stats::Estimate;

/// The most bytes a CSV file read back may have.
pub const MAX_CSV_BYTES: u64 = 4 << 30;

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

/// Writes the `rows` rows of `columns` as Parquet at `path`.
fn write_parquet(rows: usize, columns: Vec<Column>, path: &Path) -> Result<(), Error> {
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

fn polars_error(path: &Path, e: PolarsError) -> Error {
    match e {
        PolarsError::IO { error, .. } => Error::Output {
            path: path.to_path_buf(),
            source: std::io::Error::new(error.kind(), error.to_string()),
        },
        other => Error::Runtime(format!("cannot build {}: {other}", path.display())),
    }
}

/// What a column of a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Names, labels, levels, `true`/`false` written as words.
    Text,
    /// A number, `NaN` where it cannot be estimated.
    Number,
    /// A number, or an empty cell where there is none.
    OptionalNumber,
    /// A whole count.
    Count,
    /// `true` or `false`.
    Flag,
    /// Four columns: `x`, `x_lo` and `x_hi` (the 95% interval) and `x_se`.
    Estimate,
}

/// A table's layout, declared once and used by its writer and its reader:
/// the file's name and its fixed columns, in order. Columns the run
/// decides (one per outcome, `--by` covariate, parameter or policy) come
/// between or after them, as the writer's documentation says.
#[derive(Debug)]
pub struct Schema {
    pub file: &'static str,
    pub columns: &'static [(&'static str, ColumnKind)],
}

impl Schema {
    /// The kind of a declared column.
    fn kind(&self, column: &str) -> Option<ColumnKind> {
        self.columns
            .iter()
            .find(|(name, _)| *name == column)
            .map(|&(_, kind)| kind)
    }
}

/// Columns in the making, each with its kind, checked against the table's
/// [`Schema`] when finished.
#[derive(Default)]
struct Table {
    columns: Vec<Column>,
    kinds: Vec<(String, ColumnKind)>,
    height: usize,
}

impl Table {
    fn push(&mut self, name: &str, kind: ColumnKind, column: Column) {
        self.height = column.len();
        self.kinds.push((name.to_string(), kind));
        self.columns.push(column);
    }

    fn strings(&mut self, name: &str, values: Vec<String>) {
        self.push(name, ColumnKind::Text, Column::new(name.into(), values));
    }

    fn floats(&mut self, name: &str, values: Vec<f64>) {
        self.push(name, ColumnKind::Number, Column::new(name.into(), values));
    }

    /// Floats with empty cells where there is no value.
    fn optional_floats(&mut self, name: &str, values: Vec<Option<f64>>) {
        self.push(name, ColumnKind::OptionalNumber, Column::new(name.into(), values));
    }

    fn integers(&mut self, name: &str, values: Vec<u64>) {
        self.push(name, ColumnKind::Count, Column::new(name.into(), values));
    }

    fn flags(&mut self, name: &str, values: Vec<bool>) {
        self.push(name, ColumnKind::Flag, Column::new(name.into(), values));
    }

    fn estimate(&mut self, name: &str, values: impl Iterator<Item = Estimate> + Clone) {
        self.kinds.push((name.to_string(), ColumnKind::Estimate));
        let parts = [
            (name.to_string(), values.clone().map(|e| e.value).collect::<Vec<f64>>()),
            (format!("{name}_lo"), values.clone().map(|e| e.lo).collect()),
            (format!("{name}_hi"), values.clone().map(|e| e.hi).collect()),
            (format!("{name}_se"), values.map(|e| e.se).collect()),
        ];
        for (column, values) in parts {
            self.height = values.len();
            self.columns.push(Column::new(column.into(), values));
        }
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

    /// The frame, once its columns are checked to be `schema`'s: every
    /// declared column, in the declared order and of the declared kind
    /// (columns the run decides may come between them).
    fn finish(self, schema: &Schema) -> Result<DataFrame, Error> {
        let declared: Vec<(&str, ColumnKind)> = self
            .kinds
            .iter()
            .filter(|(name, _)| schema.kind(name).is_some())
            .map(|(name, kind)| (name.as_str(), *kind))
            .collect();
        if declared != schema.columns {
            return Err(Error::Runtime(format!(
                "{}: the columns written, {declared:?}, are not the table's schema, {:?}",
                schema.file, schema.columns
            )));
        }
        DataFrame::new(self.height, self.columns)
            .map_err(|e| Error::Runtime(format!("cannot build {}: {e}", schema.file)))
    }
}

/// Writes `frame` as the table `schema` into `dir`; returns the file's
/// name.
///
/// # Errors
/// [`Error::Output`] naming the file.
pub fn write(dir: &Path, schema: &Schema, mut frame: DataFrame) -> Result<&'static str, Error> {
    write_csv(&mut frame, &dir.join(schema.file))?;
    Ok(schema.file)
}

/// A CSV file of a run, every cell read as text (numbers are parsed here,
/// exactly: the files hold each float's shortest round-trip form).
struct TextTable {
    file: String,
    df: DataFrame,
    schema: Option<&'static Schema>,
}

impl TextTable {
    /// Reads the table `schema` of the run directory `dir`.
    fn read(dir: &Path, schema: &'static Schema) -> Result<TextTable, Error> {
        TextTable::read_file(&dir.join(schema.file), Some(schema))
    }

    /// Reads the CSV file at `path`, of `schema` when known.
    fn read_file(path: &Path, schema: Option<&'static Schema>) -> Result<TextTable, Error> {
        TextTable::read_csv(path, schema, "run table", "give a directory written by `foramen run`")
    }

    /// Reads the CSV file at `path` (`what` it is, and the `hint` a file
    /// that is not CSV is told), of `schema` when known.
    fn read_csv(path: &Path, schema: Option<&'static Schema>, what: &str, hint: &str) -> Result<TextTable, Error> {
        let file = path.display().to_string();
        crate::output::readable(path, what, MAX_CSV_BYTES)?;
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish())
            .map_err(|e| Error::Syntax {
                file: file.clone(),
                message: format!("not a CSV table ({e}); {hint}"),
            })?;
        Ok(TextTable { file, df, schema })
    }

    /// Asks for a column the schema declares, of one of `kinds` (a reader
    /// that asks for another is wrong, not the file).
    fn declared(&self, column: &str, kinds: &[ColumnKind]) {
        if let Some(schema) = self.schema {
            let kind = schema.kind(column);
            debug_assert!(
                kind.is_some_and(|k| kinds.contains(&k)),
                "{}: column {column} is read as one of {kinds:?}, and the schema says {kind:?}",
                schema.file
            );
        }
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
        self.declared(column, &[ColumnKind::Text, ColumnKind::Flag]);
        self.cells(column)
    }

    /// The cells of `column`, as text, whatever its kind.
    fn cells(&self, column: &str) -> Result<Vec<String>, Error> {
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
        self.declared(
            column,
            &[ColumnKind::Number, ColumnKind::OptionalNumber, ColumnKind::Count],
        );
        self.parsed(column, "not a number")
    }

    /// The cells of `column`, as text, an empty cell as "".
    fn text_or_empty(&self, column: &str) -> Result<Vec<String>, Error> {
        self.declared(column, &[ColumnKind::Text]);
        let c = self
            .df
            .column(column)
            .and_then(|c| c.str().cloned())
            .map_err(|_| Error::Invalid {
                file: self.file.clone(),
                problems: vec![Invalid::new(
                    column,
                    "",
                    "missing: the table has no such column (was it written by foramen?)",
                )],
            })?;
        Ok(c.iter().map(|v| v.unwrap_or("").to_string()).collect())
    }

    /// The cells of `column` as numbers, `None` for an empty cell.
    fn optional_numbers(&self, column: &str) -> Result<Vec<Option<f64>>, Error> {
        self.declared(column, &[ColumnKind::OptionalNumber]);
        let missing = || Error::Invalid {
            file: self.file.clone(),
            problems: vec![Invalid::new(
                column,
                "",
                "missing: the table has no such column (was it written by foramen?)",
            )],
        };
        let c = self.df.column(column).map_err(|_| missing())?;
        let c = c.str().map_err(|_| missing())?;
        c.iter()
            .enumerate()
            .map(|(i, v)| match v.map(str::trim) {
                None | Some("") => Ok(None),
                Some(v) => v
                    .parse::<f64>()
                    .map(Some)
                    .map_err(|_| self.invalid(column, i, v, "not a number")),
            })
            .collect()
    }

    /// The row's name in `column` as an index into `names`, the `what`
    /// (say, "the scenario's policies") it must be one of.
    fn index_in(&self, column: &str, names: &[String], row: usize, name: &str, what: &str) -> Result<usize, Error> {
        names.iter().position(|p| p == name).ok_or_else(|| {
            let problem = format!(
                "not one of {what} ({}); the tables are not of one analysis",
                names.join(", ")
            );
            self.invalid(column, row, name, &problem)
        })
    }

    /// The cells of `column` as counts.
    fn counts(&self, column: &str) -> Result<Vec<u64>, Error> {
        self.declared(column, &[ColumnKind::Count]);
        self.parsed(column, "not a whole number of patients")
    }

    /// The cells of `column` parsed as `T`; a cell that is not one is
    /// refused with `problem`.
    fn parsed<T: std::str::FromStr>(&self, column: &str, problem: &str) -> Result<Vec<T>, Error> {
        let text = self.cells(column)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const PAIRS: Schema = Schema {
        file: "pairs.csv",
        columns: &[
            ("policy", ColumnKind::Text),
            ("x", ColumnKind::Estimate),
            ("n", ColumnKind::Count),
        ],
    };

    fn estimates() -> impl Iterator<Item = Estimate> + Clone {
        std::iter::once(Estimate {
            value: 1.0,
            lo: 0.5,
            hi: 1.5,
            se: 0.25,
        })
    }

    #[test]
    fn a_frame_is_built_only_as_its_schema_declares() {
        let mut t = Table::default();
        t.strings("policy", vec!["a".into()]);
        t.floats("decided_by_the_run", vec![2.0]);
        t.estimate("x", estimates());
        t.integers("n", vec![3]);
        let df = t.finish(&PAIRS).expect("the schema's columns, in order");
        let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
        assert_eq!(
            names,
            ["policy", "decided_by_the_run", "x", "x_lo", "x_hi", "x_se", "n"]
        );

        let mut swapped = Table::default();
        swapped.integers("n", vec![3]);
        swapped.strings("policy", vec!["a".into()]);
        swapped.estimate("x", estimates());
        let e = swapped.finish(&PAIRS).unwrap_err().to_string();
        assert!(e.contains("pairs.csv") && e.contains("not the table's schema"), "{e}");

        let mut wrong_kind = Table::default();
        wrong_kind.strings("policy", vec!["a".into()]);
        wrong_kind.floats("x", vec![1.0]);
        wrong_kind.integers("n", vec![3]);
        assert!(wrong_kind.finish(&PAIRS).is_err());

        let mut missing = Table::default();
        missing.strings("policy", vec!["a".into()]);
        assert!(missing.finish(&PAIRS).is_err());
    }
}
