//! `foramen sweep`: the scenario at each value of one parameter; writes
//! `sweep.csv` and a chart per outcome.

use std::path::PathBuf;

use crate::analysis::Settings;
use crate::analysis::sweep::{self, SweepPoint};
use crate::error::Error;
use crate::jobs::{Destination, Job, Loaded, Work, parameter_labels, plot_error, threads, timed};
use crate::outcome::OutcomeDef;
use crate::output::Manifest;
use crate::report::{plot, tables};

/// Runs the sweep of `param` over `values` and writes its directory.
///
/// # Errors
/// Bad settings or paths ([`Error::Usage`]), invalid values (all checked
/// before anything is created), write failures.
pub fn sweep(
    loaded: &Loaded,
    settings: &Settings,
    dest: &Destination,
    param: &str,
    values: &[f64],
    outcomes: &[&OutcomeDef],
) -> Result<(PathBuf, Vec<SweepPoint>, Manifest), Error> {
    let spec = settings.spec(&loaded.scenario)?;
    let scenarios = sweep::sweep_scenarios(&loaded.document, &loaded.overrides, param, values)?;
    let mut job = Job::start(format!("sweep --param {param}"), loaded, dest, "-sweep")?;
    let (points, simulation_seconds) = timed(|| sweep::sweep(&scenarios, values, settings))?;
    let frame = tables::sweep_frame(param, &points)?;
    job.wrote([tables::write(job.dir(), &tables::sweep::SWEEP, frame)?]);
    let labels = parameter_labels(loaded, std::iter::once(param));
    job.wrote([tables::write_labels(&loaded.scenario, job.dir())?]);
    let base = loaded.document.number(param);
    let charts = plot::write_sweep_plots(param, base, &points, outcomes, &labels, job.dir());
    job.wrote(charts.map_err(plot_error)?);
    let (dir, manifest) = job.finish(&Work {
        spec: &spec,
        threads: threads(settings),
        runs: values.len(),
        simulation_seconds,
        paths_per_second: None,
        stalled_paths: points.iter().map(|p| p.stalled_paths).sum(),
    })?;
    Ok((dir, points, manifest))
}
