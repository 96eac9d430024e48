//! `foramen sweep`: the scenario at each value of one parameter; writes
//! `sweep.csv` and a chart per outcome.

use std::fmt;
use std::path::PathBuf;

use crate::analysis::Settings;
use crate::analysis::sweep::{self, SweepPoint};
use crate::error::Error;
use crate::jobs::plot::{Pictures, draw_sweep};
use crate::jobs::{Destination, Job, Loaded, Work, threads, timed};
use crate::outcome::OutcomeDef;
use crate::output::Manifest;
use crate::report::{tables, terminal};
use crate::simulate::engine::Observer;

/// What a finished `foramen sweep` reports: the table of outcomes at each
/// value, the runs and where they went.
#[derive(Debug, Clone)]
pub struct SweepReport {
    pub dir: PathBuf,
    pub param: String,
    pub points: Vec<SweepPoint>,
    pub outcomes: Vec<&'static OutcomeDef>,
    pub manifest: Manifest,
}

impl fmt::Display for SweepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            terminal::format_sweep(&self.param, &self.points, &self.outcomes)
        )?;
        writeln!(
            f,
            "\nswept {} over {} values ({} runs in {:.2} s)\nwrote {}",
            self.param,
            self.points.len(),
            self.manifest.runs,
            self.manifest.simulation_seconds,
            self.dir.display()
        )
    }
}

/// What a sweep varies and charts.
#[derive(Debug, Clone, Copy)]
pub struct SweepOf<'a> {
    /// The key path of the number swept.
    pub param: &'a str,
    pub values: &'a [f64],
    /// The outcomes charted.
    pub outcomes: &'a [&'static OutcomeDef],
}

/// Runs the sweep of `of.param` over `of.values` and writes its
/// directory, stopping when `observer` asks.
///
/// # Errors
/// Bad settings or paths ([`Error::Usage`]), invalid values (all checked
/// before anything is created), write failures, [`Error::Interrupted`].
pub fn sweep(
    loaded: &Loaded,
    settings: &Settings,
    dest: &Destination,
    of: SweepOf,
    pictures: &Pictures,
    observer: &dyn Observer,
) -> Result<SweepReport, Error> {
    let SweepOf {
        param,
        values,
        outcomes,
    } = of;
    let spec = settings.spec(&loaded.scenario)?;
    let scenarios = sweep::sweep_scenarios(&loaded.document, &loaded.overrides, param, values)?;
    // Tables, charts and labels name the number as every message does.
    let param = loaded.document.canonical(param);
    let param = param.as_str();
    let mut job = Job::start(format!("sweep --param {param}"), loaded, dest, "-sweep")?;
    let (points, simulation_seconds) = timed(|| sweep::sweep(&scenarios, values, settings, observer))?;
    let frame = tables::sweep_frame(param, &points, outcomes)?;
    job.wrote([tables::write(job.dir(), &tables::sweep::SWEEP, frame)?]);
    job.wrote([tables::write_labels(&loaded.scenario, job.dir())?]);
    job.wrote(draw_sweep(job.dir(), loaded, job.dir(), pictures)?);
    let (dir, manifest) = job.finish(&Work {
        spec: &spec,
        threads: threads(settings),
        runs: values.len(),
        simulation_seconds,
        paths_per_second: None,
        stalled_paths: points.iter().map(|p| p.stalled_paths).sum(),
    })?;
    Ok(SweepReport {
        dir,
        param: param.to_string(),
        points,
        outcomes: outcomes.to_vec(),
        manifest,
    })
}
