//! `foramen psa`: probabilistic sensitivity analysis; writes the draws,
//! their cost-effectiveness summaries and charts.

use std::path::PathBuf;

use crate::analysis::Settings;
use crate::analysis::psa::{self, MAX_DRAWS, PsaResults};
use crate::error::Error;
use crate::estimate::psa::effective_population;
use crate::jobs::{Destination, Job, Loaded, Work, plot_error, threads, timed};
use crate::output::Manifest;
use crate::report::progress::Terminal;
use crate::report::{plot, tables};

/// What `foramen psa` is asked for beyond the scenario and settings.
#[derive(Debug, Clone)]
pub struct PsaOptions {
    pub draws: u64,
    /// Inner-cohort patients per policy and draw.
    pub patients: u64,
    /// The top of the willingness-to-pay grid (default twice the
    /// scenario's largest value).
    pub wtp_max: Option<f64>,
    /// Patients a year the decision concerns, and for how many years.
    pub population: Option<f64>,
    pub years: u32,
}

/// Runs the draws and writes the analysis into a new directory.
///
/// # Errors
/// Bad options ([`Error::Usage`]), a scenario without distributions of
/// belief, a draw that breaks a rule, run and write failures.
pub fn psa(
    loaded: &Loaded,
    settings: &Settings,
    dest: &Destination,
    options: &PsaOptions,
    progress: bool,
) -> Result<(PathBuf, PsaResults, Manifest), Error> {
    if !(2..=MAX_DRAWS).contains(&options.draws) {
        return Err(Error::Usage(format!(
            "--draws {}: use from 2 to {MAX_DRAWS} draws",
            options.draws
        )));
    }
    if let Some(w) = options.wtp_max
        && !(w.is_finite() && w > 0.0)
    {
        return Err(Error::Usage(format!("--wtp-max {w}: give a positive amount per QALY")));
    }
    if let Some(n) = options.population
        && !(n.is_finite() && n > 0.0)
    {
        return Err(Error::Usage(format!(
            "--population {n}: give a positive number of patients a year"
        )));
    }
    let scenario = &loaded.scenario;
    let spec = settings.spec(scenario)?;
    let mut job = Job::start(format!("psa --draws {}", options.draws), loaded, dest, "-psa")?;
    let terminal = Terminal::new(
        options.draws * options.patients * scenario.policies().len() as u64,
        progress,
    );
    let ran = timed(|| {
        psa::run(
            &loaded.document,
            &loaded.overrides,
            0..options.draws,
            options.patients,
            settings.threads,
            &terminal,
        )
    });
    terminal.finish();
    let (draws, simulation_seconds) = ran?;
    let stalled_paths = draws.iter().map(|d| d.stalled_paths).sum();
    let rate = scenario.economics().map_or(0.0, |e| e.discount_effects.annual);
    let population = options.population.map(|n| effective_population(n, options.years, rate));
    let results = psa::summarise(
        scenario,
        draws,
        options.patients,
        spec.reference,
        options.wtp_max,
        population,
    );
    for (name, frame) in tables::psa_frames(&results)? {
        tables::write_frame(frame, &job.dir().join(name))?;
        job.wrote([name]);
    }
    job.wrote(plot::write_psa_plots(&results, job.dir()).map_err(plot_error)?);
    let inner = crate::simulate::engine::RunSpec {
        patients: options.patients,
        ..spec.clone()
    };
    let (dir, manifest) = job.finish(&Work {
        spec: &inner,
        threads: threads(settings),
        runs: options.draws as usize,
        simulation_seconds,
        paths_per_second: None,
        stalled_paths,
    })?;
    Ok((dir, results, manifest))
}
