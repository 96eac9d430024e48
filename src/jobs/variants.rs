//! `foramen variants`: the scenario as written and each of its structural
//! variants (`[[variants]]`) on the same seed and patients; writes
//! `variants.csv`, `decision.csv` and the `decision` chart.

use std::fmt;
use std::path::PathBuf;

use crate::analysis::Settings;
use crate::analysis::variants::{self, CaseRun};
use crate::error::Error;
use crate::jobs::plot::{Pictures, draw_variants};
use crate::jobs::{Destination, Job, Loaded, Work, threads, timed};
use crate::output::Manifest;
use crate::report::{tables, terminal};

/// What a finished `foramen variants` reports: the decision under each
/// case, the runs and where they went.
#[derive(Debug, Clone)]
pub struct VariantsReport {
    pub dir: PathBuf,
    pub runs: Vec<CaseRun>,
    pub currency: String,
    pub manifest: Manifest,
}

impl fmt::Display for VariantsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", terminal::format_variants(&self.runs, &self.currency))?;
        writeln!(
            f,
            "\nran the base and {} variants on the same patients ({} runs in {:.2} s)\nwrote {}",
            self.runs.len().saturating_sub(1),
            self.manifest.runs,
            self.manifest.simulation_seconds,
            self.dir.display()
        )
    }
}

/// Runs the base and every variant of the scenario and writes the
/// directory.
///
/// # Errors
/// A scenario without variants or economics, a broken variant (all
/// checked before anything is created), run and write failures.
pub fn variants(
    loaded: &Loaded,
    settings: &Settings,
    dest: &Destination,
    pictures: &Pictures,
) -> Result<VariantsReport, Error> {
    let spec = settings.spec(&loaded.scenario)?;
    let cases = variants::cases(&loaded.document, loaded.scenario.clone(), &loaded.overrides)?;
    let economics = loaded.scenario.economics();
    let wtp = economics.map(|e| e.willingness_to_pay.clone()).unwrap_or_default();
    let currency = economics.map(|e| e.currency.clone()).unwrap_or_default();
    for case in &cases {
        settings.spec(&case.scenario)?;
    }
    let mut job = Job::start("variants".to_string(), loaded, dest, "-variants")?;
    let (runs, simulation_seconds) = timed(|| variants::run(&cases, settings, &wtp))?;
    job.wrote([tables::write(
        job.dir(),
        &tables::variants::VARIANTS,
        tables::variants_frame(&runs)?,
    )?]);
    job.wrote([tables::write(
        job.dir(),
        &tables::variants::DECISION,
        tables::decision_frame(&runs)?,
    )?]);
    job.wrote([tables::write_labels(&loaded.scenario, job.dir())?]);
    job.wrote(draw_variants(job.dir(), loaded, job.dir(), pictures)?);
    let (dir, manifest) = job.finish(&Work {
        spec: &spec,
        threads: threads(settings),
        runs: runs.len(),
        simulation_seconds,
        paths_per_second: None,
        stalled_paths: runs.iter().map(|r| r.stalled_paths).sum(),
    })?;
    Ok(VariantsReport {
        dir,
        runs,
        currency,
        manifest,
    })
}
