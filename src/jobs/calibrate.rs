//! `foramen calibrate`: fits the scenario's distributions of belief to
//! published targets; writes the fit, the targets before and after, the
//! posterior sample and a chart.

use std::path::PathBuf;

use crate::analysis::Settings;
use crate::analysis::calibrate::{Fit, Plan, calibrate};
use crate::error::Error;
use crate::jobs::plot::{Pictures, draw_calibration};
use crate::jobs::targets::WithTargets;
use crate::jobs::{Destination, Job, Work, timed};
use crate::output::Manifest;
use crate::report::progress::Terminal;
use crate::report::{tables, terminal};
use crate::scenario::Scenario;
use crate::scenario::targets::Targets;
use crate::simulate::engine::{Observer, RunSpec};

/// What a finished `foramen calibrate` reports.
#[derive(Debug, Clone)]
pub struct CalibrateReport {
    pub dir: PathBuf,
    pub targets: Targets,
    pub fit: Fit,
    /// Patients per policy in each evaluation.
    pub patients: u64,
    pub manifest: Manifest,
}

impl std::fmt::Display for CalibrateReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", terminal::format_calibration(&self.fit, &self.targets.targets))?;
        writeln!(
            f,
            "{} evaluations of {} patients in {:.1} s\nwrote {}",
            self.fit.evaluations,
            self.patients,
            self.manifest.simulation_seconds,
            self.dir.display()
        )
    }
}

/// Calibrates and writes the directory: `calibration.csv` (parameters),
/// `targets_before.csv` and `targets_after.csv` (as `targets.csv`),
/// `posterior.csv` and the `calibration` chart.
///
/// # Errors
/// Bad settings, a scenario without distributions of belief, an
/// interrupted run, write failures.
pub fn calibrate_job(
    input: WithTargets,
    settings: &Settings,
    plan: &Plan,
    dest: &Destination,
    progress: bool,
    pictures: &Pictures,
) -> Result<CalibrateReport, Error> {
    let scenario = &input.loaded.scenario;
    let used = used(scenario, &input.targets, plan, 0);
    let evaluations = plan.max_evaluations(input.loaded.document.beliefs().len());
    let terminal = Terminal::new(evaluations * plan.patients * used.policies(scenario), progress);
    let report = calibrate_observed(input, settings, plan, dest, pictures, &terminal);
    terminal.finish();
    report
}

/// What each evaluation runs: the policies the targets use, `plan`'s
/// patients.
fn used(scenario: &Scenario, targets: &Targets, plan: &Plan, seed: u64) -> RunSpec {
    RunSpec {
        only: crate::analysis::targets::used_policies(scenario, targets),
        ..RunSpec::new(plan.patients, seed)
    }
}

/// [`calibrate_job`], telling `observer` of progress and stopping when it
/// asks.
///
/// # Errors
/// As [`calibrate_job`].
pub fn calibrate_observed(
    input: WithTargets,
    settings: &Settings,
    plan: &Plan,
    dest: &Destination,
    pictures: &Pictures,
    observer: &dyn Observer,
) -> Result<CalibrateReport, Error> {
    let WithTargets { loaded, targets, .. } = input;
    let loaded = &loaded;
    let scenario = &loaded.scenario;
    let spec = settings.spec(scenario)?;
    let params = if plan.params.is_empty() {
        String::new()
    } else {
        format!(" --params {}", plan.params.join(","))
    };
    let held: Vec<&str> = targets
        .targets
        .iter()
        .filter(|t| t.holdout)
        .map(|t| t.name.as_str())
        .collect();
    let holdout = if held.is_empty() {
        String::new()
    } else {
        format!(" --holdout {}", held.join(","))
    };
    let command = format!(
        "calibrate --targets {} --patients {} --prior-points {} --batch {} --rounds {} --posterior {} --iterations {}{params}{holdout}",
        targets.file, plan.patients, plan.prior_points, plan.batch, plan.rounds, plan.posterior, plan.iterations
    );
    let mut job = Job::start(command, loaded, dest, "-calibrate")?;
    let used = used(scenario, &targets, plan, spec.seed);
    let (fit, simulation_seconds) = timed(|| calibrate(&loaded.document, &loaded.overrides, &targets, plan, observer))?;
    let dir = job.dir().to_path_buf();
    job.wrote([
        tables::write(&dir, &tables::targets::CALIBRATION, tables::calibration_frame(&fit)?)?,
        tables::write(&dir, &tables::targets::POSTERIOR, tables::posterior_frame(&fit)?)?,
    ]);
    for (schema, assessed) in [
        (&tables::targets::TARGETS_BEFORE, &fit.before),
        (&tables::targets::TARGETS_AFTER, &fit.after),
    ] {
        let frame = tables::targets_frame(scenario, &targets.targets, assessed)?;
        job.wrote([tables::write(&dir, schema, frame)?]);
    }
    job.wrote(draw_calibration(&dir, &dir, pictures)?);
    let paths = fit.evaluations * plan.patients * used.policies(scenario);
    let (dir, manifest) = job.finish(&Work {
        spec: &RunSpec {
            patients: plan.patients,
            ..spec
        },
        threads: crate::jobs::threads(settings),
        runs: fit.evaluations as usize,
        simulation_seconds,
        paths_per_second: Some(paths as f64 / simulation_seconds.max(1e-9)),
        stalled_paths: fit.stalled_paths,
    })?;
    Ok(CalibrateReport {
        dir,
        targets,
        fit,
        patients: plan.patients,
        manifest,
    })
}
