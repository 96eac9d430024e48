//! The `fits` chart of `foramen fit`: the Kaplan-Meier curve of the data
//! as black steps with its 95% log-log band (grey), and each fitted
//! family's survival curve over it (averaged over the rows' covariates
//! when there are any), the legend giving each family's AIC; under the x
//! axis the number at risk at each labelled tick.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::chart::*;
use super::lines::*;
use super::style::{Format, Style};

/// A fitted family's survival curve: its name in the legend, times and
/// survival at each.
pub struct FittedCurve {
    pub name: String,
    pub time: Vec<f64>,
    pub survival: Vec<f64>,
}

/// The Kaplan-Meier curve as the chart draws it: steps from `(0, 1)`.
pub struct KmCurve {
    pub time: Vec<f64>,
    pub survival: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

/// Writes `fits.png` and `fits.svg` (and any other `formats`) into `dir`.
/// `end` is the last time shown; `days` puts the x axis in days, weeks or
/// months as the run charts do (else plain numbers in `unit`); `at_risk`
/// gives the number at risk at a time.
///
/// # Errors
/// [`PlotError`] naming the file.
#[allow(clippy::too_many_arguments)]
pub fn write_fits(
    title: &str,
    km: &KmCurve,
    curves: &[FittedCurve],
    (end, days, unit): (f64, bool, &str),
    at_risk: &dyn Fn(f64) -> u64,
    dir: &Path,
    style: &Style,
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let grey = RGBColor(90, 90, 90);
    let km_points = |v: &[f64]| {
        let x = std::iter::once(0.0).chain(km.time.iter().copied());
        stepped(x.zip(std::iter::once(1.0).chain(v.iter().copied())))
    };
    let path = km_points(&km.survival);
    let (lo, hi) = (km_points(&km.lower), km_points(&km.upper));
    let mut series = vec![Series::new(
        "Kaplan-Meier (95% band)",
        grey,
        path.iter().map(|p| p.0).collect(),
        path.iter().map(|p| p.1).collect(),
        Some((lo.iter().map(|p| p.1).collect(), hi.iter().map(|p| p.1).collect())),
    )];
    for (i, c) in curves.iter().enumerate() {
        series.push(Series::new(
            &c.name,
            colour(i),
            c.time.clone(),
            c.survival.clone(),
            None,
        ));
    }
    let ticks = if days {
        time_ticks(end, style.time_unit)
    } else {
        Vec::new()
    };
    let chart = Lines {
        title: title.to_string(),
        x_desc: format!("Time ({unit})"),
        y_desc: "Still without the event (survival)".into(),
        x: 0.0..end,
        y: 0.0..1.0,
        percent: true,
        series,
        time_axis: days,
        table_title: "Number at risk".into(),
        table: if days {
            vec![TableRow {
                name: "data".into(),
                colour: grey,
                counts: ticks.iter().map(|&t| (t, at_risk(t))).collect(),
            }]
        } else {
            Vec::new()
        },
        ..Lines::default()
    };
    let mut files = Vec::new();
    save_as(&chart, dir, "fits", style, formats, &mut files)?;
    Ok(files)
}
