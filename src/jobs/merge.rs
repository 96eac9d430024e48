//! `foramen merge`: the shards of one run combined into the full outputs,
//! byte-identical to a single-machine run's tables.

use std::path::{Path, PathBuf};

use crate::analysis::{Settings, estimate_sums};
use crate::error::Error;
use crate::jobs::plot::draw;
use crate::jobs::report::{REPORT, write_report};
use crate::jobs::run::RunReport;
use crate::jobs::{Destination, Job, Loaded, Source, Work, threads};
use crate::output::{Manifest, partial};
use crate::report::plot::{Format, Style};
use crate::report::tables;
use crate::scenario::document::Overrides;

/// Merges the shard directories `dirs` into a new run directory.
///
/// # Errors
/// [`Error::Usage`] when the shards are not every shard of one run once, or
/// name a `--by` covariate the scenario does not have; read and write
/// failures.
pub fn merge(dirs: &[PathBuf], dest: &Destination) -> Result<RunReport, Error> {
    let merged = partial::merge(dirs)?;
    let source = Source {
        text: merged.scenario_text.clone(),
        file: merged.scenario_file.clone(),
    };
    let overrides = Overrides {
        patients: Some(merged.patients),
        seed: Some(merged.seed),
        horizon_days: Some(merged.horizon_days),
        by: Some(merged.subgroups_by.clone()),
    };
    let loaded = Loaded::from_source(source, overrides)?;
    let scenario = &loaded.scenario;
    let mut spec = Settings::default().spec(scenario)?;
    spec.independent = merged.independent;
    spec.reference = merged.reference;
    let shapes = |accs: &[crate::accumulate::PolicyAcc]| accs.iter().map(|a| a.shape()).collect::<Vec<_>>();
    if shapes(&merged.accs) != shapes(&crate::accumulate::sink::empty(scenario, &spec)) {
        return Err(Error::Usage(format!(
            "the shards' sums are not shaped for their scenario ({} policies, its subgroups and day grid): they were changed or written by another build",
            scenario.policies().len()
        )));
    }
    let results = estimate_sums(scenario, &spec, &merged.accs);
    let count = dirs.len();
    let mut job = Job::start(format!("merge of {count} shards"), &loaded, dest, "")?;
    let files = tables::write_tables(&results, job.dir())?;
    job.wrote(files);
    job.wrote([tables::write_labels(scenario, job.dir())?]);
    let dir = job.dir().to_path_buf();
    let (name, horizon) = (&results.scenario, results.horizon_days);
    job.wrote(draw(&dir, name, horizon, &dir, &Style::default(), &Format::RUN)?);
    let report = |dir: &Path, manifest: &Manifest| write_report(dir, dir, &loaded, manifest);
    let (dir, manifest) = job.finish_with(
        &Work {
            spec: &spec,
            threads: threads(&Settings::default()),
            runs: count,
            simulation_seconds: 0.0,
            paths_per_second: None,
            stalled_paths: merged.stalled_paths,
        },
        Some((REPORT, &report)),
    )?;
    Ok(RunReport {
        dir,
        results: Some(results),
        manifest,
        merged_shards: Some(dirs.len()),
    })
}
