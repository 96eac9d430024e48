//! `foramen sensitivity`: each ranged parameter at its low and high value;
//! writes `sensitivity.csv` and the tornado diagram.

use std::path::PathBuf;

use crate::analysis::Settings;
use crate::analysis::sweep::{self, Measure, SensitivityResults};
use crate::error::Error;
use crate::jobs::plot::{Pictures, draw_sensitivity};
use crate::jobs::{Destination, Job, Loaded, Work, threads, timed};
use crate::output::Manifest;
use crate::report::{tables, terminal};
use crate::simulate::engine::Observer;

/// Runs the one-way sensitivity analysis of `target` and writes its
/// directory.
///
/// # Errors
/// As [`sweep::sensitivity`], an existing directory without `--force`, and
/// write failures.
pub fn sensitivity(
    loaded: &Loaded,
    settings: &Settings,
    dest: &Destination,
    target: Measure,
    pictures: &Pictures,
    observer: &dyn Observer,
) -> Result<SensitivityReport, Error> {
    let spec = settings.spec(&loaded.scenario)?;
    let mut job = Job::start(
        format!("sensitivity ({})", target.label()),
        loaded,
        dest,
        "-sensitivity",
    )?;
    let (results, simulation_seconds) =
        timed(|| sweep::sensitivity(&loaded.document, &loaded.overrides, settings, target, observer))?;
    let frame = tables::sensitivity_frame(&results)?;
    job.wrote([tables::write(job.dir(), &tables::sweep::SENSITIVITY, frame)?]);
    job.wrote([tables::write_labels(&loaded.scenario, job.dir())?]);
    job.wrote(draw_sensitivity(job.dir(), loaded, job.dir(), pictures)?);
    let (dir, manifest) = job.finish(&Work {
        spec: &spec,
        threads: threads(settings),
        runs: results.runs,
        simulation_seconds,
        paths_per_second: None,
        stalled_paths: results.stalled_paths,
    })?;
    Ok(SensitivityReport { dir, results, manifest })
}

/// What a finished `foramen sensitivity` reports.
#[derive(Debug, Clone)]
pub struct SensitivityReport {
    pub dir: PathBuf,
    pub results: SensitivityResults,
    pub manifest: Manifest,
}

impl std::fmt::Display for SensitivityReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", terminal::format_sensitivity(&self.results))?;
        writeln!(
            f,
            "{} runs in {:.2} s\nwrote {}",
            self.manifest.runs,
            self.manifest.simulation_seconds,
            self.dir.display()
        )
    }
}
