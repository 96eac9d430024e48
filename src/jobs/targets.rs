//! `foramen targets`: a scenario's model value of every published target;
//! writes `targets.csv` and the `targets` chart.

use std::path::{Path, PathBuf};

use crate::analysis::Settings;
use crate::analysis::targets::{Evaluated, evaluate, used_policies};
use crate::error::Error;
use crate::jobs::plot::{Pictures, draw_targets};
use crate::jobs::{Destination, Job, Loaded, Work, load, read_text, timed};
use crate::output::Manifest;
use crate::report::progress::Terminal;
use crate::report::{tables, terminal};
use crate::scenario::document::Overrides;
use crate::scenario::targets::{ParsedTargets, Targets};
use crate::scenario::{DEFAULT_TARGETS_FILE, DEFAULT_TARGETS_TOML};
use crate::simulate::engine::{Observer, RunSpec};

/// What a finished `foramen targets` reports.
#[derive(Debug, Clone)]
pub struct TargetsReport {
    pub dir: PathBuf,
    pub targets: Targets,
    pub evaluated: Evaluated,
    pub manifest: Manifest,
}

impl std::fmt::Display for TargetsReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}",
            terminal::format_targets(&self.targets.targets, &self.evaluated.assessed)
        )?;
        let m = &self.manifest;
        let used: std::collections::BTreeSet<usize> = self.targets.targets.iter().map(|t| t.policy).collect();
        writeln!(
            f,
            "{} patients under {} of {} policies (those the targets name) in {:.2} s\nwrote {}",
            m.patients_per_policy,
            used.len(),
            m.policies.len(),
            m.simulation_seconds,
            self.dir.display()
        )
    }
}

/// A scenario and the targets checked against it.
#[derive(Debug, Clone)]
pub struct WithTargets {
    pub loaded: Loaded,
    pub targets: Targets,
    /// `(scenario's, used)` when the horizon was extended to the targets'
    /// follow-up.
    pub extended_horizon: Option<(f64, f64)>,
}

/// Reads the scenario at `scenario` (the embedded default when `None`)
/// and the targets at `targets` (the embedded default targets when
/// `None`), extending the scenario's horizon to the targets' follow-up
/// (`horizon_days`) unless `overrides` sets one.
///
/// # Errors
/// As [`load`], [`ParsedTargets::parse`] and [`ParsedTargets::check`].
pub fn load_with_targets(
    scenario: Option<&Path>,
    overrides: &Overrides,
    targets: Option<&Path>,
) -> Result<WithTargets, Error> {
    with_targets(load(scenario, overrides)?, targets)
}

/// The scenario `loaded` with the targets at `targets` (the embedded
/// default targets when `None`), its horizon extended to the targets'
/// follow-up unless its overrides set one.
///
/// # Errors
/// As [`ParsedTargets::parse`] and [`ParsedTargets::check`].
pub fn with_targets(mut loaded: Loaded, targets: Option<&Path>) -> Result<WithTargets, Error> {
    let (text, file) = match targets {
        Some(path) => (read_text(path, "targets file")?, path.display().to_string()),
        None => (DEFAULT_TARGETS_TOML.to_string(), DEFAULT_TARGETS_FILE.to_string()),
    };
    let parsed = ParsedTargets::parse(&text, &file)?;
    let own = loaded.scenario.simulation().horizon_days;
    let mut extended = None;
    if let Some(need) = parsed.horizon_days()
        && loaded.overrides.horizon_days.is_none()
        && need > own
    {
        loaded.overrides.horizon_days = Some(need);
        loaded.scenario = loaded.document.scenario(&loaded.overrides)?;
        extended = Some((own, need));
    }
    let targets = parsed.check(&loaded.scenario)?;
    Ok(WithTargets {
        loaded,
        targets,
        extended_horizon: extended,
    })
}

/// Evaluates `targets` on `loaded` and writes the directory.
///
/// # Errors
/// Bad settings, an interrupted run, write failures.
pub fn targets(
    input: WithTargets,
    settings: &Settings,
    dest: &Destination,
    progress: bool,
    pictures: &Pictures,
) -> Result<TargetsReport, Error> {
    let scenario = &input.loaded.scenario;
    let used = RunSpec {
        only: used_policies(scenario, &input.targets),
        ..settings.spec(scenario)?
    };
    let terminal = Terminal::new(used.patients * used.policies(scenario), progress);
    let report = targets_observed(input, settings, dest, pictures, &terminal);
    terminal.finish();
    report
}

/// [`targets`], telling `observer` of progress and stopping when it asks.
///
/// # Errors
/// As [`targets`].
pub fn targets_observed(
    input: WithTargets,
    settings: &Settings,
    dest: &Destination,
    pictures: &Pictures,
    observer: &dyn Observer,
) -> Result<TargetsReport, Error> {
    let WithTargets { loaded, targets, .. } = input;
    let loaded = &loaded;
    let scenario = &loaded.scenario;
    let spec = settings.spec(scenario)?;
    let command = format!("targets --targets {}", targets.file);
    let mut job = Job::start(command, loaded, dest, "-targets")?;
    let (evaluated, simulation_seconds) = timed(|| evaluate(scenario, &targets, &spec, observer))?;
    let frame = tables::targets_frame(scenario, &targets.targets, &evaluated.assessed)?;
    job.wrote([tables::write(job.dir(), &tables::targets::TARGETS, frame)?]);
    job.wrote(draw_targets(job.dir(), job.dir(), pictures)?);
    let (dir, manifest) = job.finish(&Work {
        spec: &spec,
        threads: evaluated.threads,
        runs: 1,
        simulation_seconds,
        paths_per_second: None,
        stalled_paths: evaluated.stalled_paths,
    })?;
    Ok(TargetsReport {
        dir,
        targets,
        evaluated,
        manifest,
    })
}
