//! The tables of a run directory (`foramen run`, `merge`): written from
//! the results, and read back by `foramen plot`, report.html and `diff`.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use super::{ColumnKind, Schema, Table, TextTable, write_csv};
use crate::error::Error;
use crate::estimate::RunResults;
use crate::estimate::cea::{Cea, CeaRow};
use crate::estimate::compare::Difference;
use crate::estimate::summary::{Bin, Curve, GroupSummary, Subgroup};
use crate::outcome::{HORIZON_STATUSES, LEVELS};
use crate::report::plot::{ChartLabels, ComparisonCharts, Contrast, PolicyCharts, RunCharts};
use crate::scenario::Scenario;

use ColumnKind::{Count, Estimate, Flag, Number, OptionalNumber, Text};

/// summary.csv: one row per policy; every outcome the run reports follows
/// `patients` (as an estimate: four columns).
pub const SUMMARY: Schema = Schema {
    file: "summary.csv",
    columns: &[("policy", Text), ("patients", Count)],
};
/// subgroups.csv: per policy and subgroup; one column per `--by`
/// covariate between `subgroup` and `patients`, the outcomes after.
pub const SUBGROUPS: Schema = Schema {
    file: "subgroups.csv",
    columns: &[("policy", Text), ("subgroup", Text), ("patients", Count)],
};
/// The differences of a comparison, after the keys of its rows.
const DIFFERENCE: [(&str, ColumnKind); 10] = [
    ("outcome", Text),
    ("policy_value", Number),
    ("reference_value", Number),
    ("difference", Number),
    ("paired_lo", Number),
    ("paired_hi", Number),
    ("paired_se", Number),
    ("unpaired_lo", Number),
    ("unpaired_hi", Number),
    ("unpaired_se", Number),
];

/// The columns of a comparison table: its `keys`, then [`DIFFERENCE`]
/// (`N` = the keys and the differences).
const fn differences<const K: usize, const N: usize>(
    keys: [(&'static str, ColumnKind); K],
) -> [(&'static str, ColumnKind); N] {
    assert!(K + DIFFERENCE.len() == N, "N counts the keys and the differences");
    let mut out = [("", Text); N];
    let mut i = 0;
    while i < N {
        out[i] = if i < K { keys[i] } else { DIFFERENCE[i - K] };
        i += 1;
    }
    out
}

const COMPARISON_COLUMNS: [(&str, ColumnKind); 12] = differences([("policy", Text), ("reference", Text)]);
const SUBGROUP_DIFFERENCES_COLUMNS: [(&str, ColumnKind); 13] =
    differences([("policy", Text), ("reference", Text), ("subgroup", Text)]);

/// comparison.csv: per policy other than the reference and outcome.
pub const COMPARISON: Schema = Schema {
    file: "comparison.csv",
    columns: &COMPARISON_COLUMNS,
};
/// subgroup_differences.csv: the same per subgroup; one column per `--by`
/// covariate between `subgroup` and `outcome`.
pub const SUBGROUP_DIFFERENCES: Schema = Schema {
    file: "subgroup_differences.csv",
    columns: &SUBGROUP_DIFFERENCES_COLUMNS,
};
/// cea.csv: the incremental analysis, one row per policy.
pub const CEA: Schema = Schema {
    file: "cea.csv",
    columns: &[
        ("policy", Text),
        ("currency", Text),
        ("cost", Estimate),
        ("qalys", Estimate),
        ("status", Text),
        ("compared_with", Text),
        ("incremental_cost", OptionalNumber),
        ("incremental_cost_lo", OptionalNumber),
        ("incremental_cost_hi", OptionalNumber),
        ("incremental_cost_se", OptionalNumber),
        ("incremental_qalys", OptionalNumber),
        ("incremental_qalys_lo", OptionalNumber),
        ("incremental_qalys_hi", OptionalNumber),
        ("incremental_qalys_se", OptionalNumber),
        ("icer", OptionalNumber),
        ("icer_lo", OptionalNumber),
        ("icer_hi", OptionalNumber),
    ],
};
/// nmb.csv: net monetary benefit per willingness to pay and policy.
pub const NMB: Schema = Schema {
    file: "nmb.csv",
    columns: &[
        ("willingness_to_pay", Number),
        ("policy", Text),
        ("nmb", Estimate),
        ("incremental_nmb", Estimate),
        ("best", Flag),
    ],
};
/// curves.csv: every curve of every policy, long.
pub const CURVES: Schema = Schema {
    file: "curves.csv",
    columns: &[
        ("policy", Text),
        ("curve", Text),
        ("day", Number),
        ("value", Number),
        ("lo", Number),
        ("hi", Number),
    ],
};
/// pathway.csv: the `pathway` chart's data.
pub const PATHWAY: Schema = Schema {
    file: "pathway.csv",
    columns: &[
        ("policy", Text),
        ("deepest_level", Text),
        ("status_at_horizon", Text),
        ("patients", Count),
        ("share", Number),
    ],
};
/// time_to_recovery.csv: the `time_to_recovery` chart's data.
pub const TIME_TO_RECOVERY: Schema = Schema {
    file: "time_to_recovery.csv",
    columns: &[
        ("policy", Text),
        ("start_day", Number),
        ("end_day", Number),
        ("recovered", Count),
        ("share", Number),
    ],
};
/// at_risk.csv: the number at risk under the `recovery_curves` chart.
pub const AT_RISK: Schema = Schema {
    file: "at_risk.csv",
    columns: &[("policy", Text), ("day", Number), ("at_risk", Count)],
};
/// recovery_difference.csv: the `recovery_difference` chart's data.
pub const RECOVERY_DIFFERENCE: Schema = Schema {
    file: "recovery_difference.csv",
    columns: &[
        ("policy", Text),
        ("reference", Text),
        ("day", Number),
        ("difference", Number),
        ("lo", Number),
        ("hi", Number),
    ],
};
/// labels.csv: what charts and tables call the scenario's things.
pub const LABELS: Schema = Schema {
    file: "labels.csv",
    columns: &[("kind", Text), ("name", Text), ("label", Text)],
};

/// Writes `summary.csv`, `curves.csv`, `subgroups.csv` and, with two or more
/// policies, `comparison.csv` (and `subgroup_differences.csv` with
/// subgroups) into `dir`; returns the file names.
///
/// # Errors
/// [`Error::Output`] naming the file that could not be written.
pub fn write_tables(results: &RunResults, dir: &Path) -> Result<Vec<String>, Error> {
    let mut frames = run_frames(results)?;
    for (schema, frame) in &mut frames {
        write_csv(frame, &dir.join(schema.file))?;
    }
    Ok(frames.into_iter().map(|(schema, _)| schema.file.to_string()).collect())
}

/// The tables of a run as frames, each with its schema (whose `file` names
/// its CSV): those [`write_tables`] writes.
///
/// # Errors
/// [`Error::Runtime`] if polars refuses a column.
pub fn run_frames(results: &RunResults) -> Result<Vec<(&'static Schema, DataFrame)>, Error> {
    let mut frames = vec![
        (&SUMMARY, summary_frame(results)?),
        (&CURVES, curves_frame(results)?),
        (&SUBGROUPS, subgroups_frame(results)?),
        (&PATHWAY, pathway_frame(results)?),
        (&TIME_TO_RECOVERY, time_to_recovery_frame(results)?),
        (&AT_RISK, at_risk_frame(results)?),
    ];
    if !results.comparisons.is_empty() {
        frames.push((&COMPARISON, comparison_frame(results, false)?));
        frames.push((&RECOVERY_DIFFERENCE, recovery_difference_frame(results)?));
        if !results.subgroup_by.is_empty() {
            frames.push((&SUBGROUP_DIFFERENCES, comparison_frame(results, true)?));
        }
    }
    if let Some(cea) = &results.cea {
        frames.push((&CEA, cea_frame(cea)?));
        if !cea.nmb.is_empty() {
            frames.push((&NMB, nmb_frame(cea)?));
        }
    }
    Ok(frames)
}

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
    t.finish(&LABELS)
}

/// What charts call the scenario's things: the rows of labels.csv.
pub fn labels_of(scenario: &Scenario) -> ChartLabels {
    let mut labels = ChartLabels::default();
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
    write_csv(&mut labels_frame(scenario)?, &dir.join(LABELS.file))?;
    Ok(LABELS.file.to_string())
}

/// A run's labels.csv, read back; none (names everywhere) for a run
/// directory made before runs wrote one.
pub fn read_labels(dir: &Path) -> Result<ChartLabels, Error> {
    let mut labels = ChartLabels::default();
    if !dir.join(LABELS.file).exists() {
        return Ok(labels);
    }
    let table = TextTable::read(dir, &LABELS)?;
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
    t.finish(if by_subgroup {
        &SUBGROUP_DIFFERENCES
    } else {
        &COMPARISON
    })
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
    t.finish(&CEA)
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
    t.flags("best", rows.iter().map(|r| r.best).collect());
    t.finish(&NMB)
}

/// One row per policy.
pub fn summary_frame(results: &RunResults) -> Result<DataFrame, Error> {
    let mut t = Table::default();
    t.strings("policy", results.policies.iter().map(|p| p.name.clone()).collect());
    let groups: Vec<&GroupSummary> = results.policies.iter().map(|p| &p.overall).collect();
    t.group_columns(results, &groups);
    t.finish(&SUMMARY)
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
    t.finish(&SUBGROUPS)
}

/// The data of the `pathway` chart: one row per policy, deepest level of
/// care reached (`none`, then the levels) and status at the horizon
/// (`symptom_free`, `residual_deficit`, `improved`, `symptomatic` with
/// recovering, `dead`): `patients` and their `share` of the policy's
/// patients.
pub fn pathway_frame(results: &RunResults) -> Result<DataFrame, Error> {
    let levels: Vec<&str> = std::iter::once("none").chain(LEVELS).collect();
    let mut rows: Vec<(String, &str, &str, u64, f64)> = Vec::new();
    for p in &results.policies {
        let total: u64 = p.pathway.iter().flatten().sum();
        for (level, counts) in levels.iter().zip(&p.pathway) {
            for (status, &n) in HORIZON_STATUSES.iter().zip(counts) {
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
    t.finish(&PATHWAY)
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
    t.finish(&TIME_TO_RECOVERY)
}

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
    t.finish(&AT_RISK)
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
    long_curves(&RECOVERY_DIFFERENCE, &["policy", "reference"], "difference", rows)
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
    long_curves(&CURVES, &["policy", "curve"], "value", rows)
}

/// Curves in long format: the `keys` columns (one value per curve,
/// repeated on each of its days), then `day`, `value` (named `value`),
/// `lo`, `hi`.
fn long_curves<'a>(
    schema: &Schema,
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
    t.finish(schema)
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

/// Reads a CSV file of a run as text cells (for report.html).
///
/// # Errors
/// [`Error::Read`] or [`Error::Syntax`] naming the file.
pub fn read_cells(path: &Path) -> Result<crate::report::html::Cells, Error> {
    let cells = TextTable::read_file(path, None)?;
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

/// The outcome named in row `row` of `column`.
fn outcome_at(cells: &TextTable, column: &str, row: usize, name: &str) -> Result<&'static str, Error> {
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
fn contrasts(cells: &TextTable) -> Result<Vec<Contrast>, Error> {
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
    let summary = TextTable::read(dir, &SUMMARY)?;
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

    let curves = TextTable::read(dir, &CURVES)?;
    let keys: Vec<(String, String)> = curves.text("policy")?.into_iter().zip(curves.text("curve")?).collect();
    let [day, value, lo, hi] = ["day", "value", "lo", "hi"].map(|c| curves.numbers(c));
    let (day, value, lo, hi) = (day?, value?, lo?, hi?);
    for ((policy, curve), start, end) in stretches(&keys) {
        let p = curves.policy_index(&names, start, &policy)?;
        let c = curve_of(&day, &value, &lo, &hi, start..end);
        policies[p].curves.push((curve, c));
    }

    let pathway = TextTable::read(dir, &PATHWAY)?;
    let (policy, level, status) = (
        pathway.text("policy")?,
        pathway.text("deepest_level")?,
        pathway.text("status_at_horizon")?,
    );
    let patients = pathway.counts("patients")?;
    let levels: Vec<&str> = std::iter::once("none").chain(LEVELS).collect();
    for i in 0..policy.len() {
        let p = pathway.policy_index(&names, i, &policy[i])?;
        let l = levels.iter().position(|l| *l == level[i]).ok_or_else(|| {
            let allowed = format!("not a level of care: one of {}", levels.join(", "));
            pathway.invalid("deepest_level", i, &level[i], &allowed)
        })?;
        let s = HORIZON_STATUSES.iter().position(|s| *s == status[i]).ok_or_else(|| {
            let allowed = format!("not a status: one of {}", HORIZON_STATUSES.join(", "));
            pathway.invalid("status_at_horizon", i, &status[i], &allowed)
        })?;
        policies[p].pathway[l][s] = patients[i];
    }

    let weeks = TextTable::read(dir, &TIME_TO_RECOVERY)?;
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
    if dir.join(AT_RISK.file).exists() {
        let table = TextTable::read(dir, &AT_RISK)?;
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
        let table = TextTable::read(dir, &COMPARISON)?;
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
        let find = |cells: &TextTable, row: usize, policy: &str, comparisons: &[ComparisonCharts]| {
            comparisons.iter().position(|c| c.policy == policy).ok_or_else(|| {
                cells.invalid(
                    "policy",
                    row,
                    policy,
                    "a policy comparison.csv does not compare; the tables are not of one run",
                )
            })
        };
        let table = TextTable::read(dir, &RECOVERY_DIFFERENCE)?;
        let keys = table.text("policy")?;
        let [day, value, lo, hi] = ["day", "difference", "lo", "hi"].map(|c| table.numbers(c));
        let (day, value, lo, hi) = (day?, value?, lo?, hi?);
        for (policy, start, end) in stretches(&keys) {
            let c = find(&table, start, &policy, &comparisons)?;
            comparisons[c].recovered_difference = curve_of(&day, &value, &lo, &hi, start..end);
        }
        if dir.join(SUBGROUPS.file).exists() {
            let table = TextTable::read(dir, &SUBGROUPS)?;
            let (policy, subgroup) = (table.text("policy")?, table.text("subgroup")?);
            let patients = table.counts("patients")?;
            subgroup_patients = (0..policy.len())
                .filter(|&i| policy[i] == names[0])
                .map(|i| (subgroup[i].clone(), patients[i]))
                .collect();
        }
        if dir.join(SUBGROUP_DIFFERENCES.file).exists() {
            by_subgroup = true;
            let table = TextTable::read(dir, &SUBGROUP_DIFFERENCES)?;
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
