//! The tables of `foramen targets` and `foramen calibrate`: the model
//! against its targets, the fit and the posterior sample (read back by
//! `psa --posterior`).

use std::path::Path;

use polars::prelude::*;

use super::{ColumnKind, Schema, Table, TextTable};
use crate::analysis::calibrate::Fit;
use crate::error::Error;
use crate::estimate::targets::Assessment;
use crate::scenario::Scenario;
use crate::scenario::targets::Target;

use ColumnKind::{Count, Estimate, Number, Text};

/// The columns of a targets table.
const TARGET_COLUMNS: &[(&str, ColumnKind)] = &[
    ("target", Text),
    ("label", Text),
    ("source", Text),
    ("comparability", Text),
    ("weight", Number),
    ("independent", Text),
    ("held_out", Text),
    ("quantity", Text),
    ("statistic", Text),
    ("measure", Text),
    ("published", Number),
    ("band", Text),
    ("published_lo", Number),
    ("published_hi", Number),
    ("published_se", Number),
    ("model", Estimate),
    ("units", Count),
    ("z", Number),
    ("in_band", Text),
    ("note", Text),
];
/// targets.csv (`foramen targets`): one row per target.
pub const TARGETS: Schema = Schema {
    file: "targets.csv",
    columns: TARGET_COLUMNS,
};
/// targets_before.csv (`foramen calibrate`): the targets at the prior means.
pub const TARGETS_BEFORE: Schema = Schema {
    file: "targets_before.csv",
    columns: TARGET_COLUMNS,
};
/// targets_after.csv (`foramen calibrate`): the targets at the fit.
pub const TARGETS_AFTER: Schema = Schema {
    file: "targets_after.csv",
    columns: TARGET_COLUMNS,
};
/// calibration.csv: one row per distribution of belief.
pub const CALIBRATION: Schema = Schema {
    file: "calibration.csv",
    columns: &[
        ("parameter", Text),
        ("prior", Text),
        ("calibrated", Text),
        ("prior_mean", Number),
        ("fitted", Number),
        ("posterior_mean", Number),
        ("posterior_lo", Number),
        ("posterior_hi", Number),
    ],
};
/// posterior.csv: the posterior sample; one column per distribution of
/// belief (by key path) between `sample` and `distance`.
pub const POSTERIOR: Schema = Schema {
    file: "posterior.csv",
    columns: &[("sample", Count), ("distance", Number)],
};

/// `targets.csv`: one row per target, in file order: its name, label,
/// source, comparability and weight, whether it is independent (no
/// source of it gave an input) and held out of a calibration's fit, the
/// model quantity in words, its statistic (share, median, mean or mean
/// difference) and measure (share, days, utility or QALYs: shares as
/// fractions, times in days), the
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
    t.strings("independent", text(&|x| x.independent.to_string()));
    t.strings("held_out", text(&|x| x.holdout.to_string()));
    t.strings("quantity", text(&|x| x.quantity(scenario)));
    t.strings("statistic", text(&|x| x.quantity.statistic().to_string()));
    t.strings("measure", text(&|x| x.quantity.measure().name().to_string()));
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
    t.finish(&TARGETS)
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
    t.strings("prior", ps.iter().map(|b| b.prior.to_string()).collect());
    t.strings("calibrated", fit.calibrated.iter().map(bool::to_string).collect());
    t.floats("prior_mean", fit.start.clone());
    t.floats("fitted", fit.fitted.clone());
    t.floats("posterior_mean", summaries.iter().map(|s| s.0).collect());
    t.floats("posterior_lo", summaries.iter().map(|s| s.1).collect());
    t.floats("posterior_hi", summaries.iter().map(|s| s.2).collect());
    t.finish(&CALIBRATION)
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
    t.finish(&POSTERIOR)
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
    crate::output::readable(path, "posterior sample", super::MAX_CSV_BYTES)?;
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

/// The targets table `schema` (targets.csv, targets_before.csv or
/// targets_after.csv) in `dir` read back as the targets chart draws it:
/// each target and the model's value of it, in file order.
///
/// # Errors
/// As [`TextTable::read`]; [`Error::Invalid`] naming a cell that is not
/// what `foramen targets` or `calibrate` writes.
pub fn read_targets(
    dir: &Path,
    schema: &'static Schema,
) -> Result<(Vec<crate::report::plot::TargetRow>, Vec<Assessment>), Error> {
    use crate::scenario::targets::Measure;
    let table = TextTable::read(dir, schema)?;
    let (label, source, measure) = (table.text("label")?, table.text("source")?, table.text("measure")?);
    let flags = |column: &str| -> Result<Vec<bool>, Error> {
        let cells = table.text(column)?;
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| match c.as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                other => Err(table.invalid(column, i, other, "true or false")),
            })
            .collect()
    };
    let (independent, held_out, in_band) = (flags("independent")?, flags("held_out")?, flags("in_band")?);
    let [weight, published, lo, hi, z] =
        ["weight", "published", "published_lo", "published_hi", "z"].map(|c| table.numbers(c));
    let (weight, published, lo, hi, z) = (weight?, published?, lo?, hi?, z?);
    let [value, model_lo, model_hi, se] =
        ["", "_lo", "_hi", "_se"].map(|end| table.parsed::<f64>(&format!("model{end}"), "not a number"));
    let (value, model_lo, model_hi, se) = (value?, model_lo?, model_hi?, se?);
    let units = table.counts("units")?;
    let measures = [Measure::Share, Measure::Days, Measure::Utility, Measure::Qalys];
    let mut rows = Vec::with_capacity(label.len());
    let mut assessed = Vec::with_capacity(label.len());
    for i in 0..label.len() {
        let m = measures
            .iter()
            .find(|m| m.name() == measure[i])
            .ok_or_else(|| table.invalid("measure", i, &measure[i], "share, days, utility or QALYs"))?;
        rows.push(crate::report::plot::TargetRow {
            label: label[i].clone(),
            source: source[i].clone(),
            independent: independent[i],
            holdout: held_out[i],
            weight: weight[i],
            measure: *m,
            published: published[i],
            lo: lo[i],
            hi: hi[i],
        });
        assessed.push(Assessment {
            n: units[i],
            model: crate::stats::Estimate {
                value: value[i],
                lo: model_lo[i],
                hi: model_hi[i],
                se: se[i],
            },
            z: z[i],
            in_band: in_band[i],
        });
    }
    Ok((rows, assessed))
}
