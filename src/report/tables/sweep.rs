//! The tables of `foramen sweep` and `foramen sensitivity`.

use polars::prelude::*;

use super::{ColumnKind, Schema, Table, TextTable};
use crate::analysis::sweep::{SensitivityResults, SweepPoint, Threshold};
use crate::error::Error;
use crate::outcome::OutcomeDef;
use crate::stats::Estimate;

use ColumnKind::{Estimate as Interval, Flag, Number, OptionalNumber, Text};

/// sweep.csv: one row per point, policy and outcome; `charted` is true
/// for the outcomes charted (`--outcome`).
pub const SWEEP: Schema = Schema {
    file: "sweep.csv",
    columns: &[
        ("parameter", Text),
        ("value", Number),
        ("policy", Text),
        ("outcome", Text),
        ("estimate", Interval),
        ("charted", Flag),
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
/// lo, hi, se, charted`, one row per point, policy and outcome; the
/// outcomes of `charted` are charted.
pub fn sweep_frame(parameter: &str, points: &[SweepPoint], charted: &[&OutcomeDef]) -> Result<DataFrame, Error> {
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
    t.flags(
        "charted",
        rows.iter().map(|r| charted.iter().any(|o| o.name == r.2)).collect(),
    );
    t.finish(&SWEEP)
}

/// A sweep read back from sweep.csv in `dir`, as its charts draw it: the
/// parameter, the values in the order run, the policies in the order of
/// the table, and each charted outcome (in the order of the table) with
/// its estimates; `base` is left to the caller (the scenario has it).
///
/// # Errors
/// As [`TextTable::read`]; [`Error::Invalid`] naming the cell that is not
/// what `foramen sweep` writes, or a table without rows.
pub fn read_sweep(dir: &std::path::Path) -> Result<crate::report::plot::SweepCharts, Error> {
    let table = TextTable::read(dir, &SWEEP)?;
    let (parameter, value) = (table.text("parameter")?, table.numbers("value")?);
    let (policy, outcome, charted) = (table.text("policy")?, table.text("outcome")?, table.text("charted")?);
    let [est, lo, hi, se] =
        ["", "_lo", "_hi", "_se"].map(|end| table.parsed::<f64>(&format!("estimate{end}"), "not a number"));
    let (est, lo, hi, se) = (est?, lo?, hi?, se?);
    let Some(first) = parameter.first() else {
        return Err(table.invalid(
            "parameter",
            0,
            "",
            "no rows: a sweep has a row per value, policy and outcome",
        ));
    };
    let mut chart = crate::report::plot::SweepCharts {
        parameter: first.clone(),
        base: None,
        values: Vec::new(),
        policies: Vec::new(),
        outcomes: Vec::new(),
    };
    let mut cells = Vec::new();
    for i in 0..parameter.len() {
        if parameter[i] != *first {
            return Err(table.invalid("parameter", i, &parameter[i], "one parameter per sweep"));
        }
        let shown = match charted[i].as_str() {
            "true" => true,
            "false" => false,
            other => return Err(table.invalid("charted", i, other, "true or false")),
        };
        let v = match chart.values.iter().position(|x| x.to_bits() == value[i].to_bits()) {
            Some(v) => v,
            None => {
                chart.values.push(value[i]);
                chart.values.len() - 1
            }
        };
        let p = match chart.policies.iter().position(|x| *x == policy[i]) {
            Some(p) => p,
            None => {
                chart.policies.push(policy[i].clone());
                chart.policies.len() - 1
            }
        };
        if !shown {
            continue;
        }
        let def = crate::outcome::find(&outcome[i])
            .ok_or_else(|| table.invalid("outcome", i, &outcome[i], "not an outcome foramen reports"))?;
        if !chart.outcomes.iter().any(|(o, _)| o.name == def.name) {
            chart.outcomes.push((def, Vec::new()));
        }
        let e = Estimate {
            value: est[i],
            lo: lo[i],
            hi: hi[i],
            se: se[i],
        };
        cells.push((def.name, p, v, e));
    }
    let (policies, values) = (chart.policies.len(), chart.values.len());
    for (def, estimates) in &mut chart.outcomes {
        *estimates = vec![vec![Estimate::NAN; values]; policies];
        for (_, p, v, e) in cells.iter().filter(|c| c.0 == def.name) {
            estimates[*p][*v] = *e;
        }
    }
    Ok(chart)
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
