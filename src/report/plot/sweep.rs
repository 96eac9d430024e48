//! The `sweep_<outcome>` charts.

use std::path::{Path, PathBuf};

use super::chart::*;
use super::data::Labels;
use super::lines::*;
use crate::analysis::sweep::SweepPoint;
use crate::outcome::OutcomeDef;

/// Writes `sweep_<outcome>.png/.svg` for each outcome: the outcome of each
/// policy (95% bands) against the swept parameter's value.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_sweep_plots(
    parameter: &str,
    points: &[SweepPoint],
    outcomes: &[&OutcomeDef],
    labels: &Labels,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let parameter = labels.parameter(parameter);
    let mut files = Vec::new();
    let Some(first) = points.first() else { return Ok(files) };
    let xs: Vec<f64> = points.iter().map(|p| p.value).collect();
    for outcome in outcomes {
        let share = outcome.is_share();
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
                Series::new(
                    labels.policy(&p.name),
                    colour(i),
                    xs.clone(),
                    est.iter().map(|e| e.value).collect(),
                    Some((est.iter().map(|e| e.lo).collect(), est.iter().map(|e| e.hi).collect())),
                )
            })
            .collect();
        let values = series.iter().flat_map(Series::all_values);
        let chart = Lines {
            title: format!("{} against {parameter} (95% bands)", labels.outcome(outcome)),
            x_desc: parameter.to_string(),
            y_desc: labels.outcome(outcome).to_string(),
            x: padded_range(xs.iter().copied(), 0.0, 0.0),
            y: padded_range(values, 0.08, if share { 0.005 } else { 0.5 }),
            percent: share,
            zero_line: false,
            discrete_x: false,
            series,
            note: None,
            ..Lines::default()
        };
        save(&chart, dir, &format!("sweep_{}", outcome.name), &mut files)?;
    }
    Ok(files)
}
