//! The tables of `foramen sweep` and `foramen sensitivity`.

use polars::prelude::*;

use super::{ColumnKind, Schema, Table};
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
