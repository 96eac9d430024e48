//! `foramen run`: a scenario in, a complete run directory out; with
//! `--shard K/N`, one shard's mergeable partial results.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::accumulate::sink::RunOutput;
use crate::analysis::{Settings, run_observed};
use crate::error::Error;
use crate::estimate::RunResults;
use crate::jobs::plot::draw;
use crate::jobs::report::{REPORT, write_report};
use crate::jobs::{Destination, Job, Loaded, Work, manifest, timed};
use crate::output::Manifest;
use crate::output::partial::Partial;
use crate::report::plot::{Format, Style};
use crate::report::progress::Terminal;
use crate::report::{tables, terminal};
use crate::simulate::engine::{Observer, RunSpec};

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub dir: PathBuf,
    /// The results (`None` for a shard: they come with the merge).
    pub results: Option<RunResults>,
    pub manifest: Manifest,
    /// The shards merged into it (`foramen merge`), if any.
    pub merged_shards: Option<usize>,
}

impl std::fmt::Display for RunReport {
    /// The results table and what was run (or, for a shard, where it
    /// went), then the directory.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let dir = self.dir.display();
        let Some(results) = &self.results else {
            return writeln!(f, "wrote shard {dir} (merge all shards with `foramen merge`)");
        };
        write!(f, "{}", terminal::format_table(results))?;
        let m = &self.manifest;
        match self.merged_shards {
            Some(n) => writeln!(f, "\nmerged {n} shards")?,
            None => writeln!(
                f,
                "\n{} patients x {} policies in {:.2} s ({:.0} patient-paths per second, {} threads)",
                m.patients_per_policy,
                m.policies.len(),
                m.simulation_seconds,
                m.patients_per_second,
                m.threads
            )?,
        }
        writeln!(f, "wrote {dir}")
    }
}

/// A simulated run, not yet written: what [`write`] puts in a run
/// directory.
#[derive(Debug)]
pub struct Simulated {
    pub spec: RunSpec,
    pub output: RunOutput,
    /// The estimates (of the shard's patients alone for a shard).
    pub results: RunResults,
    pub simulation_seconds: f64,
    /// A shard of the cohort (`--shard`, even `1/1`): written as mergeable
    /// partial results.
    pub sharded: bool,
    pub started: SystemTime,
}

impl Simulated {
    /// What manifest.json says of the run, before it is written anywhere
    /// (no files; the wall time is the simulation's).
    pub fn manifest(&self, loaded: &Loaded) -> Manifest {
        let work = Work {
            spec: &self.spec,
            threads: self.output.threads,
            runs: 1,
            simulation_seconds: self.simulation_seconds,
            paths_per_second: None,
            stalled_paths: self.output.stalled_paths,
        };
        manifest(
            "run".into(),
            loaded,
            &work,
            self.started,
            self.simulation_seconds,
            Vec::new(),
        )
    }
}

/// Simulates `loaded` on `settings`, telling `observer` of progress and
/// stopping when it asks.
///
/// # Errors
/// Bad settings ([`Error::Usage`]), or an interrupted run.
pub fn simulate(loaded: &Loaded, settings: &Settings, observer: &dyn Observer) -> Result<Simulated, Error> {
    let spec = settings.spec(&loaded.scenario)?;
    let started = SystemTime::now();
    let ((output, results), simulation_seconds) = timed(|| run_observed(&loaded.scenario, &spec, observer))?;
    Ok(Simulated {
        spec,
        output,
        results,
        simulation_seconds,
        sharded: settings.shard.is_some(),
        started,
    })
}

/// Simulates and writes every output into a new run directory: tables,
/// patient records and events when asked for, charts, the manifest. With
/// a shard, `partial.json` (and its records and events) instead.
///
/// # Errors
/// Bad settings ([`Error::Usage`]), an interrupted run, or a failure to
/// write ([`Error::Output`]).
pub fn run(loaded: &Loaded, settings: &Settings, dest: &Destination, progress: bool) -> Result<RunReport, Error> {
    let scenario = &loaded.scenario;
    let spec = settings.spec(scenario)?;
    // The directory first: a destination that cannot be written is told
    // before the simulation, not after.
    let job = start(loaded, settings, dest)?;
    let shard_patients = spec.shard.patients(spec.patients, spec.chunk);
    let terminal = Terminal::new(
        (shard_patients.end - shard_patients.start) * scenario.policies().len() as u64,
        progress,
    );
    let simulated = simulate(loaded, settings, &terminal);
    terminal.finish();
    write(job, loaded, &simulated?)
}

/// Writes a simulated run into a new run directory, as [`run`] does.
///
/// # Errors
/// As [`run`].
pub fn save(
    loaded: &Loaded,
    settings: &Settings,
    simulated: &Simulated,
    dest: &Destination,
) -> Result<RunReport, Error> {
    write(start(loaded, settings, dest)?, loaded, simulated)
}

/// Creates the run directory of `settings` (named after the shard, if one).
fn start<'a>(loaded: &'a Loaded, settings: &Settings, dest: &Destination) -> Result<Job<'a>, Error> {
    let command = match settings.shard {
        Some(s) => format!("run --shard {s}"),
        None => "run".to_string(),
    };
    let suffix = match settings.shard {
        Some(s) => format!("-shard-{}-of-{}", s.number(), s.count),
        None => String::new(),
    };
    Job::start(command, loaded, dest, &suffix)
}

/// Writes `simulated` into the started `job`'s directory and completes it.
fn write(mut job: Job, loaded: &Loaded, simulated: &Simulated) -> Result<RunReport, Error> {
    let scenario = &loaded.scenario;
    let Simulated {
        spec,
        output,
        results,
        simulation_seconds,
        sharded,
        started: _,
    } = simulated;
    let shard_patients = spec.shard.patients(spec.patients, spec.chunk);
    let mut work = Work {
        spec,
        threads: output.threads,
        runs: 1,
        simulation_seconds: *simulation_seconds,
        paths_per_second: None,
        stalled_paths: output.stalled_paths,
    };
    if *sharded {
        let shard = spec.shard;
        let mut partial = Partial {
            foramen_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_text: loaded.source.text.clone(),
            scenario_file: loaded.source.file.clone(),
            scenario_sha256: crate::output::sha256_hex(&loaded.source.text),
            seed: spec.seed,
            patients: spec.patients,
            horizon_days: scenario.simulation().horizon_days,
            subgroups_by: scenario.simulation().subgroups.clone(),
            independent: spec.independent,
            reference: spec.reference,
            shard,
            accs: output.accs.clone(),
            stalled_paths: output.stalled_paths,
            checksum: String::new(),
        };
        job.wrote([partial.write(job.dir())?]);
        if let Some(records) = &output.patients {
            let name = tables::patients::shard_file(shard.number(), shard.count);
            tables::write_patients(scenario, records, &job.dir().join(&name))?;
            job.wrote([name]);
        }
        if let Some(events) = &output.events {
            let name = tables::events::shard_file(shard.number(), shard.count);
            tables::write_events(scenario, events, &job.dir().join(&name))?;
            job.wrote([name]);
        }
        let paths = (shard_patients.end - shard_patients.start) * scenario.policies().len() as u64;
        work.paths_per_second = Some(paths as f64 / simulation_seconds.max(1e-9));
        let (dir, manifest) = job.finish(&work)?;
        return Ok(RunReport {
            dir,
            results: None,
            manifest,
            merged_shards: None,
        });
    }
    let files = tables::write_tables(results, job.dir())?;
    job.wrote(files);
    job.wrote([tables::write_labels(scenario, job.dir())?]);
    if let Some(records) = &output.patients {
        tables::write_patients(scenario, records, &job.dir().join(tables::patients::PATIENTS))?;
        job.wrote([tables::patients::PATIENTS]);
    }
    if let Some(events) = &output.events {
        tables::write_events(scenario, events, &job.dir().join(tables::events::EVENTS))?;
        job.wrote([tables::events::EVENTS]);
    }
    let dir = job.dir().to_path_buf();
    let (name, horizon) = (&results.scenario, results.horizon_days);
    job.wrote(draw(&dir, name, horizon, &dir, &Style::default(), &Format::RUN)?);
    let report = |dir: &Path, manifest: &Manifest| write_report(dir, dir, loaded, manifest);
    let (dir, manifest) = job.finish_with(&work, Some((REPORT, &report)))?;
    Ok(RunReport {
        dir,
        results: Some(results.clone()),
        manifest,
        merged_shards: None,
    })
}
