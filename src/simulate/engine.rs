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
use crate::simulate::patient::{Path, Scratch, simulate_patient};
use crate::simulate::shard::Shard;
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
        }
    }
}

/// Where the paths of a run go: told of every path, then of the end of each
/// patient; sinks of consecutive chunks are appended in order.
pub trait Sink: Send + Sized {
    /// The sink reads [`Path::events`] (the walk keeps them only then).
    const EVENTS: bool = false;
    /// One path of patient `patient`.
    fn path(&mut self, patient: u64, path: Path);
    /// Every policy's path of the current patient has been given.
    fn end_patient(&mut self) {}
    /// Appends the sink of the chunks that follow this one's.
    fn append(&mut self, later: Self);
}

impl<A: Sink, B: Sink> Sink for (A, B) {
    const EVENTS: bool = A::EVENTS || B::EVENTS;

    #[inline]
    fn path(&mut self, patient: u64, path: Path) {
        self.0.path(patient, path);
        self.1.path(patient, path);
    }

    #[inline]
    fn end_patient(&mut self) {
        self.0.end_patient();
        self.1.end_patient();
    }

    fn append(&mut self, later: Self) {
        self.0.append(later.0);
        self.1.append(later.1);
    }
}

/// An optional sink (per-patient records only when asked for).
impl<S: Sink> Sink for Option<S> {
    const EVENTS: bool = S::EVENTS;

    #[inline]
    fn path(&mut self, patient: u64, path: Path) {
        if let Some(s) = self {
            s.path(patient, path);
        }
    }

    #[inline]
    fn end_patient(&mut self) {
        if let Some(s) = self {
            s.end_patient();
        }
    }

    fn append(&mut self, later: Self) {
        if let (Some(a), Some(b)) = (self, later) {
            a.append(b);
        }
    }
}

/// No sink: a run that keeps nothing more (compiled away).
impl Sink for () {
    #[inline]
    fn path(&mut self, _patient: u64, _path: Path) {}

    fn append(&mut self, _later: Self) {}
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
    let sink = pool.install(|| {
        chunks
            .into_par_iter()
            .fold(
                || (new_sink(), Scratch::new(scenario, S::EVENTS)),
                |(mut sink, mut scratch), c| {
                    chunk(scenario, spec, c, &mut sink, &mut scratch, observer);
                    (sink, scratch)
                },
            )
            .map(|(sink, scratch)| (sink, scratch.stalled_paths()))
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
}

/// Patients of chunk `chunk` into `sink`.
fn chunk<S: Sink>(
    scenario: &Scenario,
    spec: &RunSpec,
    chunk: u64,
    sink: &mut S,
    scratch: &mut Scratch,
    observer: &dyn Observer,
) {
    if observer.cancelled() {
        return;
    }
    let start = chunk * spec.chunk;
    let end = (start + spec.chunk).min(spec.patients);
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
