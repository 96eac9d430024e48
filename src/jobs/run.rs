//! `foramen run`: a scenario in, a complete run directory out; with
//! `--shard K/N`, one shard's mergeable partial results.

use std::path::{Path, PathBuf};

use crate::analysis::{Settings, run_observed};
use crate::error::Error;
use crate::estimate::RunResults;
use crate::jobs::plot::draw;
use crate::jobs::report::{REPORT, write_report};
use crate::jobs::{Destination, Job, Loaded, Work, timed};
use crate::output::Manifest;
use crate::output::partial::Partial;
use crate::report::plot::{Format, Style};
use crate::report::progress::Terminal;
use crate::report::{tables, terminal};

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
    let command = match settings.shard {
        Some(s) => format!("run --shard {s}"),
        None => "run".to_string(),
    };
    let suffix = match settings.shard {
        Some(s) => format!("-shard-{}-of-{}", s.number(), s.count),
        None => String::new(),
    };
    let mut job = Job::start(command, loaded, dest, &suffix)?;
    let shard_patients = spec.shard.patients(spec.patients, spec.chunk);
    let terminal = Terminal::new(
        (shard_patients.end - shard_patients.start) * scenario.policies().len() as u64,
        progress,
    );
    let simulated = timed(|| run_observed(scenario, &spec, &terminal));
    terminal.finish();
    let ((output, results), simulation_seconds) = simulated?;
    let mut work = Work {
        spec: &spec,
        threads: output.threads,
        runs: 1,
        simulation_seconds,
        paths_per_second: None,
        stalled_paths: output.stalled_paths,
    };
    if settings.shard.is_some() {
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
            accs: output.accs,
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
    let files = tables::write_tables(&results, job.dir())?;
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
        results: Some(results),
        manifest,
        merged_shards: None,
    })
}
