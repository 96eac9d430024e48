//! `foramen bench`: the scenario timed at each size and thread count of a
//! plan against its draws-only baseline, and its draws priced at the
//! floor; writes `bench.csv`, `floor.csv` and the `scaling` chart.

use std::path::PathBuf;

use crate::analysis::Settings;
use crate::analysis::bench::{self, BenchPlan, BenchRow, DrawCounts};
use crate::analysis::floor::{self, Floor};
use crate::error::Error;
use crate::jobs::plot::{Pictures, draw_bench};
use crate::jobs::{Destination, Job, Loaded, Work, timed};
use crate::output::Manifest;
use crate::report::{tables, terminal};
use crate::simulate::engine::RunSpec;

/// What `foramen bench` measured.
#[derive(Debug, Clone)]
pub struct Benched {
    pub dir: PathBuf,
    pub rows: Vec<BenchRow>,
    pub floor: Floor,
    /// The simulation's ns per path on one thread (the largest size
    /// measured on one thread), when measured.
    pub one_thread_ns: Option<f64>,
    pub manifest: Manifest,
}

impl std::fmt::Display for Benched {
    /// The floor and the directory (the rows are shown as they are
    /// measured).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "\n{}", terminal::format_floor(&self.floor, self.one_thread_ns))?;
        writeln!(f, "wrote {}", self.dir.display())
    }
}

/// Measures `plan`; `on_row` sees each row as it is measured, after
/// `on_counts` has seen the draws counted.
///
/// # Errors
/// Bad settings ([`Error::Usage`]), or a failure to write ([`Error::Output`]).
pub fn bench(
    loaded: &Loaded,
    dest: &Destination,
    plan: &BenchPlan,
    pictures: &Pictures,
    on_counts: impl FnOnce(&DrawCounts),
    on_row: impl FnMut(&BenchRow),
) -> Result<Benched, Error> {
    let spec = Settings::default().spec(&loaded.scenario)?;
    let mut job = Job::start("bench", loaded, dest, "-bench")?;
    let largest = plan.sizes.iter().copied().max().unwrap_or(0);
    let counts = bench::count_draws(&loaded.scenario, &spec, largest.min(bench::COUNT_SAMPLE));
    on_counts(&counts);
    let (rows, simulation_seconds) = timed(|| bench::measure(&loaded.scenario, &spec, plan, &counts, on_row))?;
    let bench_table = tables::write(job.dir(), &tables::bench::BENCH, tables::bench_frame(&rows, &counts)?)?;
    let floor = floor::floor(&counts);
    let one_thread_ns = rows
        .iter()
        .filter(|r| r.threads == 1)
        .max_by_key(|r| r.patients)
        .map(BenchRow::ns_per_path);
    let floor_table = tables::write(
        job.dir(),
        &tables::bench::FLOOR,
        tables::floor_frame(&floor, one_thread_ns)?,
    )?;
    job.wrote([bench_table, floor_table]);
    job.wrote(draw_bench(job.dir(), job.dir(), pictures)?);
    let (dir, manifest) = job.finish(&Work {
        spec: &RunSpec {
            patients: largest,
            ..spec
        },
        threads: rows.iter().map(|r| r.threads).max().unwrap_or(0),
        runs: rows.len() * plan.repeats.max(1) as usize,
        simulation_seconds,
        // The rate of the last row (largest size, last thread count);
        // bench.csv has them all.
        stalled_paths: 0,
        paths_per_second: Some(rows.last().map_or(0.0, BenchRow::paths_per_second)),
    })?;
    Ok(Benched {
        dir,
        rows,
        floor,
        one_thread_ns,
        manifest,
    })
}
