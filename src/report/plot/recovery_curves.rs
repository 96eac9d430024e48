//! The `recovery_curves` chart.

use super::chart::*;
use super::lines::*;
use crate::estimate::RunResults;

/// The `recovery_curves` chart.
pub(super) fn recovery_curves(results: &RunResults) -> Lines {
    Lines {
        title: format!("Cumulative recovery by policy (95% bands), {}", results.scenario),
        x_desc: "Days since presentation".into(),
        y_desc: "Recovered (cumulative share)".into(),
        x: 0.0..horizon(results),
        y: 0.0..1.0,
        percent: true,
        zero_line: false,
        discrete_x: false,
        series: results
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| Series::curve(&p.name, colour(i), &p.curves.recovered))
            .collect(),
        note: None,
    }
}
