//! The `scaling` chart of `foramen bench`.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::chart::*;
use super::data::ScalingPoint;
use super::lines::*;

/// Writes `scaling` for `foramen bench`, in `style`, one file per format: million patient-paths per
/// second against threads, for the simulation (solid colour) and its
/// draws-only baseline (light shade of the same colour) at each cohort
/// size, with perfect linear scaling of the largest simulation from its
/// 1-thread rate (grey) when that was measured.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_scaling(
    rows: &[ScalingPoint],
    dir: &Path,
    style: &Style,
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let mut sizes: Vec<u64> = rows.iter().map(|r| r.patients).collect();
    sizes.dedup();
    let mut series = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        let at: Vec<&ScalingPoint> = rows.iter().filter(|r| r.patients == n).collect();
        let x: Vec<f64> = at.iter().map(|r| r.threads as f64).collect();
        let mega = |f: fn(&ScalingPoint) -> f64| at.iter().map(|r| f(r) / 1e6).collect::<Vec<f64>>();
        let label = format!("{n} patients");
        series.push(Series::new(
            &format!("simulation, {label}"),
            colour(i),
            x.clone(),
            mega(|r| r.paths_per_second),
            None,
        ));
        series.push(Series::new(
            &format!("draws only, {label}"),
            tint(colour(i), 0.55),
            x,
            mega(|r| r.baseline_paths_per_second),
            None,
        ));
    }
    let largest = sizes.last().copied();
    let one = rows.iter().find(|r| Some(r.patients) == largest && r.threads == 1);
    let threads: Vec<f64> = rows.iter().map(|r| r.threads as f64).collect();
    if let Some(one) = one {
        let top = threads.iter().copied().fold(1.0, f64::max);
        let rate = one.paths_per_second / 1e6;
        series.push(Series::new(
            &format!("linear scaling of {} patients from 1 thread", one.patients),
            RGBColor(150, 150, 150),
            vec![1.0, top],
            vec![rate, rate * top],
            None,
        ));
    }
    let values = series.iter().flat_map(Series::all_values).chain([0.0]);
    let chart = Lines {
        title: "Throughput against threads".into(),
        x_desc: "threads".into(),
        y_desc: "million patient-paths per second".into(),
        x: padded_range(threads.into_iter(), 0.05, 0.1),
        y: padded_range(values, 0.05, 0.1),
        percent: false,
        zero_line: false,
        discrete_x: true,
        series,
        note: rows.is_empty().then(|| "nothing measured".to_string()),
        ..Lines::default()
    };
    let mut files = Vec::new();
    save_as(&chart, dir, "scaling", style, formats, &mut files)?;
    Ok(files)
}
