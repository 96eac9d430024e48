//! The `sweep_<outcome>` charts.

use std::path::{Path, PathBuf};

use super::chart::*;
use super::data::{ChartLabels, SweepCharts};
use super::lines::*;

/// Writes `sweep_<outcome>` in each of `formats` for each outcome of
/// `sweep`: the outcome of each policy (Monte Carlo 95% bands) against
/// the swept parameter's value, the outcome in its unit
/// ([`outcome_unit`]), the parameter by its label and unit, and its value
/// in the scenario marked.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_sweep_plots(
    sweep: &SweepCharts,
    labels: &ChartLabels,
    dir: &Path,
    style: &Style,
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let parameter = sweep.parameter.as_str();
    let name = labels.parameter(parameter);
    let mut files = Vec::new();
    let xs = &sweep.values;
    let base = sweep.base;
    for (outcome, estimates) in &sweep.outcomes {
        let (k, unit) = outcome_unit(outcome.kind, false);
        let series: Vec<Series> = sweep
            .policies
            .iter()
            .zip(estimates)
            .enumerate()
            .map(|(i, (policy, est))| {
                let scaled = |f: fn(&crate::stats::Estimate) -> f64| est.iter().map(|e| k * f(e)).collect();
                Series::new(
                    labels.policy(policy),
                    colour(i),
                    xs.clone(),
                    scaled(|e| e.value),
                    Some((scaled(|e| e.lo), scaled(|e| e.hi))),
                )
            })
            .collect();
        let values = series.iter().flat_map(Series::all_values);
        let chart = Lines {
            title: format!("{} against {name} (Monte Carlo 95% bands)", labels.outcome(outcome)),
            x_desc: labels.parameter_with_unit(parameter),
            y_desc: with_unit(labels.outcome(outcome), unit),
            x: padded_range(xs.iter().copied().chain(base), 0.0, 0.0),
            y: padded_range(values, 0.08, 0.5),
            series,
            x_mark: base.map(|b| (b, format!("base {}", number(b)))),
            ..Lines::default()
        };
        save_as(
            &chart,
            dir,
            &format!("sweep_{}", outcome.name),
            style,
            formats,
            &mut files,
        )?;
    }
    Ok(files)
}
