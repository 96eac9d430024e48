//! The `sweep_<outcome>` charts.

use std::path::{Path, PathBuf};

use super::chart::*;
use super::data::ChartLabels;
use super::lines::*;
use crate::analysis::sweep::SweepPoint;
use crate::outcome::OutcomeDef;

/// Writes `sweep_<outcome>.png/.svg` for each outcome: the outcome of each
/// policy (Monte Carlo 95% bands) against the swept parameter's value, the outcome in
/// its unit ([`outcome_unit`]), the parameter by its label and unit, and
/// its value in the scenario (`base`) marked.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_sweep_plots(
    parameter: &str,
    base: Option<f64>,
    points: &[SweepPoint],
    outcomes: &[&OutcomeDef],
    labels: &ChartLabels,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let name = labels.parameter(parameter);
    let mut files = Vec::new();
    let Some(first) = points.first() else { return Ok(files) };
    let xs: Vec<f64> = points.iter().map(|p| p.value).collect();
    for outcome in outcomes {
        let (k, unit) = outcome_unit(outcome.kind, false);
        let series: Vec<Series> = first
            .results
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let est: Vec<_> = points
                    .iter()
                    .map(|pt| {
                        pt.results
                            .policies
                            .get(i)
                            .map_or(crate::stats::Estimate::NAN, |p| p.overall.get(outcome.id))
                    })
                    .collect();
                let scaled = |f: fn(&crate::stats::Estimate) -> f64| est.iter().map(|e| k * f(e)).collect();
                Series::new(
                    labels.policy(&p.name),
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
        save(&chart, dir, &format!("sweep_{}", outcome.name), &mut files)?;
    }
    Ok(files)
}
