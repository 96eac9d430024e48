//! Runs a cohort through every policy, in chunks, in parallel.
//!
//! Patients are cut into fixed chunks of [`CHUNK`] indices. Each chunk walks
//! its patients through every policy ([`simulate_patient`], common random
//! numbers) and hands each path to a [`Sink`]. Chunks are folded into one
//! sink per worker over contiguous ranges and the sinks appended in chunk
//! order, so a sink that keeps records keeps them in patient order, and
//! one whose sums are exact integers gives the same bits on any thread
//! count. Memory is bounded by the chunk and the sinks, not by the cohort
//! (unless a sink keeps per-patient records).
//!
//! This module knows nothing of what is accumulated, nor of files.

use rayon::prelude::*;

use crate::error::Error;
use crate::scenario::Scenario;
use crate::simulate::batch::{self, Batch};
use crate::simulate::patient::{Scratch, simulate_patient};
use crate::simulate::shard::Shard;
pub use crate::simulate::sink::Sink;
use crate::simulate::tally::Untallied;

/// Patients per chunk: the unit of parallel work.
pub const CHUNK: u64 = 4096;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Patients per policy (the scenario's unless overridden).
    pub patients: u64,
    pub seed: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Covariate indices the subgroup table is split by.
    pub by: Vec<usize>,
    /// Keep one record per patient and policy.
    pub keep_patients: bool,
    /// Keep every path's events.
    pub keep_events: bool,
    /// Give each policy its own streams instead of common random numbers.
    pub independent: bool,
    /// Index of the policy paired differences are taken against.
    pub reference: usize,
    /// The share of the cohort to simulate (all of it by default).
    pub shard: Shard,
    /// Patients per chunk, the unit of parallel work and of shards
    /// ([`CHUNK`] by default). Results do not depend on it (tested).
    pub chunk: u64,
    /// Per policy, whether to simulate it; empty: every policy. Only for
    /// sinks that read each path on its own (the targets'): the sums of a
    /// run pair every policy's path.
    pub only: Vec<bool>,
    /// Which core walks the paths (the same results either way).
    pub core: Core,
    /// Lanes of the batched core's draws: 1, 2, 4 or 8, or 0 for the
    /// CPU's widest ([`batch::Isa::width`]); the same results at each.
    pub lanes: usize,
}

/// Which core walks a run's paths. Both give the same bits: the
/// per-patient walk is the specification the batched core is tested
/// against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Core {
    /// The batched core ([`crate::simulate::batch`]) where it covers the
    /// scenario, the walk elsewhere.
    #[default]
    Batched,
    /// The per-patient walk ([`crate::simulate::pathway`]) for every path.
    Scalar,
}

impl Core {
    /// The core that walks `scenario` for a sink that does (or does not)
    /// read events, when this one is asked for.
    pub fn for_run(self, scenario: &Scenario, events: bool) -> Core {
        match self {
            Core::Batched if batch::covers(scenario, events) => Core::Batched,
            _ => Core::Scalar,
        }
    }

    /// Its name, as the manifest and describe give it.
    pub fn name(self) -> &'static str {
        match self {
            Core::Batched => "batched",
            Core::Scalar => "scalar",
        }
    }

    /// What the manifest says of it: "scalar", or "batched, 8 lanes
    /// (avx512)" with the lanes `lanes` (0: the CPU's) and the
    /// instructions used.
    pub fn describe(self, lanes: usize) -> String {
        match self {
            Core::Scalar => self.name().to_string(),
            Core::Batched => {
                let isa = batch::Isa::detect();
                let lanes = if lanes == 0 { isa.width() } else { lanes };
                format!("batched, {lanes} lanes ({})", isa.name())
            }
        }
    }
}

impl RunSpec {
    /// How many policies each patient is simulated under.
    pub fn policies(&self, scenario: &Scenario) -> u64 {
        let all = scenario.policies().len();
        (0..all).filter(|&p| self.only.get(p) != Some(&false)).count() as u64
    }

    /// `patients` patients under `seed`, on one thread per core, with
    /// everything else at its default: no subgroups, no records or events, common
    /// random numbers, the first policy as reference, the whole cohort.
    pub fn new(patients: u64, seed: u64) -> RunSpec {
        RunSpec {
            patients,
            seed,
            threads: 0,
            by: Vec::new(),
            keep_patients: false,
            keep_events: false,
            independent: false,
            reference: 0,
            shard: Shard::default(),
            chunk: CHUNK,
            only: Vec::new(),
            core: Core::Batched,
            lanes: 0,
        }
    }
}

/// Watches a run: told of finished work, asked whether to stop.
pub trait Observer: Sync {
    /// `paths` more patient-paths (patients x policies) are done.
    fn done(&self, paths: u64);
    /// Whether the run should stop (checked before each chunk).
    fn cancelled(&self) -> bool;
}

/// An observer that sees nothing and never cancels.
pub struct Unobserved;

impl Observer for Unobserved {
    fn done(&self, _: u64) {}
    fn cancelled(&self) -> bool {
        false
    }
}

/// Simulates the cohort of `spec` (its shard) under every policy into sinks
/// made by `new_sink`; returns the sink of the whole range and the number
/// of threads used.
///
/// # Errors
/// [`Error::Runtime`] if the thread pool cannot be built;
/// [`Error::Interrupted`] if the observer cancelled the run.
pub fn run<S: Sink>(
    scenario: &Scenario,
    spec: &RunSpec,
    new_sink: impl Fn() -> S + Sync,
    observer: &dyn Observer,
) -> Result<Ran<S>, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(spec.threads)
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start {} worker threads: {e}", spec.threads)))?;
    let chunks = spec.shard.chunks(spec.patients.div_ceil(spec.chunk));
    let core = spec.core.for_run(scenario, S::EVENTS);
    let sink = pool.install(|| {
        chunks
            .into_par_iter()
            .fold(
                || (new_sink(), Scratch::new(scenario, S::EVENTS), Batch::new()),
                |(mut sink, mut scratch, mut batch), c| {
                    let buffers = match core {
                        Core::Batched => Buffers::Batch(&mut batch),
                        Core::Scalar => Buffers::Walk(&mut scratch),
                    };
                    chunk(scenario, spec, c, &mut sink, buffers, observer);
                    (sink, scratch, batch)
                },
            )
            .map(|(sink, scratch, _)| (sink, scratch.stalled_paths()))
            .reduce(
                || (new_sink(), 0),
                |(mut a, stalled_a), (b, stalled_b)| {
                    a.append(b);
                    (a, stalled_a + stalled_b)
                },
            )
    });
    if observer.cancelled() {
        return Err(Error::Interrupted);
    }
    let (sink, stalled_paths) = sink;
    Ok(Ran {
        sink,
        threads: pool.current_num_threads(),
        stalled_paths,
        core,
    })
}

/// What [`run`] returns.
#[derive(Debug)]
pub struct Ran<S> {
    pub sink: S,
    /// Threads actually used.
    pub threads: usize,
    /// Paths cut short by the step guard
    /// ([`crate::simulate::pathway::MAX_STEPS_PER_PATIENT`]).
    pub stalled_paths: u64,
    /// The core that walked the paths.
    pub core: Core,
}

/// A worker's buffers for the core that walks the run.
enum Buffers<'a> {
    Walk(&'a mut Scratch),
    Batch(&'a mut Batch),
}

/// Patients of chunk `chunk` into `sink`.
fn chunk<S: Sink>(
    scenario: &Scenario,
    spec: &RunSpec,
    chunk: u64,
    sink: &mut S,
    buffers: Buffers,
    observer: &dyn Observer,
) {
    if observer.cancelled() {
        return;
    }
    let start = chunk * spec.chunk;
    let end = (start + spec.chunk).min(spec.patients);
    let scratch = match buffers {
        Buffers::Walk(scratch) => scratch,
        Buffers::Batch(batch) => {
            for from in (start..end).step_by(batch::BLOCK) {
                let to = (from + batch::BLOCK as u64).min(end);
                batch::block(
                    scenario,
                    spec.seed,
                    spec.independent,
                    &spec.only,
                    from,
                    to,
                    spec.lanes,
                    batch,
                    sink,
                );
            }
            observer.done((end - start) * spec.policies(scenario));
            return;
        }
    };
    for patient in start..end {
        simulate_patient(
            scenario,
            spec.seed,
            spec.independent,
            &spec.only,
            patient,
            scratch,
            &mut Untallied,
            |path| sink.path(patient, path),
        );
        sink.end_patient();
    }
    observer.done((end - start) * spec.policies(scenario));
}
