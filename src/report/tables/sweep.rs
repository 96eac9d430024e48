//! The tables of `foramen sweep` and `foramen sensitivity`.

use polars::prelude::*;

use super::{ColumnKind, Schema, Table, TextTable};
use crate::analysis::sweep::{SensitivityResults, SweepPoint, Threshold};
use crate::error::Error;
use crate::stats::Estimate;

use ColumnKind::{Estimate as Interval, Flag, Number, OptionalNumber, Text};

/// sweep.csv: one row per point, policy and outcome.
pub const SWEEP: Schema = Schema {
    file: "sweep.csv",
    columns: &[
        ("parameter", Text),
        ("value", Number),
        ("policy", Text),
        ("outcome", Text),
        ("estimate", Interval),
    ],
};
/// sensitivity.csv: one row per ranged parameter, by decreasing swing;
/// `moves` is false where both ends give the base estimate to the last
/// bit; the best policies and thresholds are filled for a net-benefit
/// measure (empty otherwise).
pub const SENSITIVITY: Schema = Schema {
    file: "sensitivity.csv",
    columns: &[
        ("parameter", Text),
        ("base_value", Number),
        ("low", Number),
        ("high", Number),
        ("target", Text),
        ("base_estimate", Number),
        ("at_low", Interval),
        ("at_high", Interval),
        ("swing", Number),
        ("moves", Flag),
        ("best_at_low", Text),
        ("best_at_high", Text),
        ("threshold_low", OptionalNumber),
        ("threshold_high", OptionalNumber),
    ],
};

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
    t.finish(&SWEEP)
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
    t.flags("moves", rows.iter().map(|r| r.moves).collect());
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    t.strings("best_at_low", rows.iter().map(|r| text(&r.best_at_low)).collect());
    t.strings("best_at_high", rows.iter().map(|r| text(&r.best_at_high)).collect());
    let value = |t: &Option<Threshold>| t.as_ref().map(|t| t.value);
    t.optional_floats("threshold_low", rows.iter().map(|r| value(&r.threshold_low)).collect());
    t.optional_floats(
        "threshold_high",
        rows.iter().map(|r| value(&r.threshold_high)).collect(),
    );
    t.finish(&SENSITIVITY)
}

/// A one-way sensitivity analysis read back from sensitivity.csv in
/// `dir`, as much of it as its tornado diagram draws: the measure (from
/// `target`), the base estimate's value and every row (a threshold's
/// bracket is not written: it is read as its value).
///
/// # Errors
/// As [`TextTable::read`]; [`Error::Invalid`] naming the cell that is not
/// what `foramen sensitivity` writes, or a table without rows.
pub fn read_sensitivity(dir: &std::path::Path) -> Result<SensitivityResults, Error> {
    use crate::analysis::sweep::{Measure, Sensitivity};
    let table = TextTable::read(dir, &SENSITIVITY)?;
    let (parameter, target) = (table.text("parameter")?, table.text("target")?);
    let [base_value, low, high, base] = ["base_value", "low", "high", "base_estimate"].map(|c| table.numbers(c));
    let (base_value, low, high, base) = (base_value?, low?, high?, base?);
    let estimates = |name: &str| -> Result<Vec<Estimate>, Error> {
        let [value, lo, hi, se] =
            ["", "_lo", "_hi", "_se"].map(|end| table.parsed::<f64>(&format!("{name}{end}"), "not a number"));
        let (value, lo, hi, se) = (value?, lo?, hi?, se?);
        Ok((0..value.len())
            .map(|i| Estimate {
                value: value[i],
                lo: lo[i],
                hi: hi[i],
                se: se[i],
            })
            .collect())
    };
    let (at_low, at_high) = (estimates("at_low")?, estimates("at_high")?);
    let moves = table.text("moves")?;
    let (best_low, best_high) = (
        table.text_or_empty("best_at_low")?,
        table.text_or_empty("best_at_high")?,
    );
    let (threshold_low, threshold_high) = (
        table.optional_numbers("threshold_low")?,
        table.optional_numbers("threshold_high")?,
    );
    let Some(first) = target.first() else {
        return Err(table.invalid(
            "parameter",
            0,
            "",
            "no rows: a sensitivity analysis has a row per ranged parameter",
        ));
    };
    let measure = Measure::from_label(first).ok_or_else(|| {
        table.invalid(
            "target",
            0,
            first,
            "not a measure foramen sensitivity writes (`OUTCOME under POLICY`, `difference in OUTCOME, A minus B` or `incremental net benefit at AMOUNT CURRENCY per QALY, A minus B`)",
        )
    })?;
    let named = |v: &String| (!v.is_empty()).then(|| v.clone());
    let mut rows = Vec::with_capacity(parameter.len());
    for i in 0..parameter.len() {
        let moves = match moves[i].as_str() {
            "true" => true,
            "false" => false,
            other => return Err(table.invalid("moves", i, other, "true or false")),
        };
        let threshold = |value: Option<f64>, to: &String| {
            value.map(|value| Threshold {
                value,
                bracket: (value, value),
                to: to.clone(),
            })
        };
        rows.push(Sensitivity {
            parameter: parameter[i].clone(),
            base_value: base_value[i],
            low: low[i],
            high: high[i],
            at_low: at_low[i],
            at_high: at_high[i],
            moves,
            best_at_low: named(&best_low[i]),
            best_at_high: named(&best_high[i]),
            threshold_low: threshold(threshold_low[i], &best_low[i]),
            threshold_high: threshold(threshold_high[i], &best_high[i]),
        });
    }
    Ok(SensitivityResults {
        target: measure,
        base: Estimate {
            value: base[0],
            lo: f64::NAN,
            hi: f64::NAN,
            se: f64::NAN,
        },
        base_best: None,
        rows,
        stalled_paths: 0,
        runs: 0,
    })
}
