//! Runs a cohort through every policy, in chunks, in parallel.
//!
//! Patients are cut into fixed chunks of [`CHUNK`] indices. Each chunk draws
//! every patient's covariates and natural history once, walks the patient
//! through each policy (common random numbers) and records the outcomes in
//! integer accumulators. Accumulators merge exactly, so the result is the
//! same for any thread count; per-patient records, when asked for, are kept
//! in patient order. Memory is bounded by the chunk and the accumulators,
//! not by the cohort (unless per-patient records are kept).
//!
//! This module knows no polars or plotters.

use rayon::prelude::*;

use crate::accumulate::{PolicyAcc, paired_values};
use crate::cohort::draw_covariates;
use crate::error::Error;
use crate::pathway::{NaturalDraws, Outcome, Workspace, simulate};
use crate::rng::{Untallied, policy_seed};
use crate::scenario::Scenario;

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
    /// Give each policy its own streams instead of common random numbers.
    pub independent: bool,
    /// Index of the policy paired differences are taken against.
    pub reference: usize,
    /// The share of the cohort to simulate (all of it by default).
    pub shard: Shard,
}

/// Shard `index` of `count`: a contiguous range of chunks, so that the
/// shards of a cohort partition its patients exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl Shard {
    /// Parses `K/N` with 0 <= K < N.
    ///
    /// # Errors
    /// A message saying what is allowed.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {text}: write K/N with 0 <= K < N, e.g. 0/4 for the first of four shards");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count || count > 1_000_000 {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The chunks of this shard among `chunks`.
    pub fn chunks(self, chunks: u64) -> std::ops::Range<u64> {
        let at = |k: u64| (u128::from(chunks) * u128::from(k) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

/// Per-patient records, in patient order.
#[derive(Debug, Clone, Default)]
pub struct PatientRecords {
    /// Index of the first patient (non-zero in a shard).
    pub first_patient: u64,
    /// Covariate slots, `covariates.len() / patients` per patient.
    pub covariates: Vec<f64>,
    /// One vector per policy, one outcome per patient.
    pub outcomes: Vec<Vec<Outcome>>,
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// One per policy, in scenario order.
    pub accs: Vec<PolicyAcc>,
    pub patients: Option<PatientRecords>,
    /// Threads actually used.
    pub threads: usize,
}

/// The subgroups of the `by` covariates in mixed-radix order: for each, the
/// value of every `by` covariate (`["severe", "true"]`).
pub fn subgroups(scenario: &Scenario, by: &[usize]) -> Vec<Vec<String>> {
    if by.is_empty() {
        return Vec::new();
    }
    let mut groups: Vec<Vec<String>> = vec![Vec::new()];
    for &c in by {
        let values = scenario.covariates[c].group_values().unwrap_or_default();
        groups = groups
            .iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut g = prefix.clone();
                    g.push(v.clone());
                    g
                })
            })
            .collect();
    }
    groups
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

/// Simulates the cohort under every policy.
///
/// # Errors
/// [`Error::Runtime`] if the thread pool cannot be built.
pub fn run(scenario: &Scenario, spec: &RunSpec) -> Result<RunOutput, Error> {
    run_observed(scenario, spec, &Unobserved)
}

/// [`run`], reporting progress to `observer` and stopping when it asks.
///
/// # Errors
/// [`Error::Runtime`] if the thread pool cannot be built;
/// [`Error::Interrupted`] if the observer cancelled the run.
pub fn run_observed(scenario: &Scenario, spec: &RunSpec, observer: &dyn Observer) -> Result<RunOutput, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(spec.threads)
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start {} worker threads: {e}", spec.threads)))?;
    let threads = pool.current_num_threads();
    let chunks = spec.shard.chunks(spec.patients.div_ceil(CHUNK));
    let sim = ChunkSim::new(scenario, spec, observer);
    let (accs, patients) = pool.install(|| {
        if spec.keep_patients {
            let parts: Vec<(Vec<PolicyAcc>, PatientRecords)> = chunks
                .clone()
                .into_par_iter()
                .map(|c| {
                    let mut accs = sim.new_accs();
                    let mut records = PatientRecords::default();
                    sim.chunk(c, &mut accs, &mut Workspace::default(), Some(&mut records));
                    (accs, records)
                })
                .collect();
            let mut accs = sim.new_accs();
            let mut all = PatientRecords {
                first_patient: chunks.start * CHUNK,
                covariates: Vec::new(),
                outcomes: vec![Vec::new(); scenario.policies.len()],
            };
            for (part, records) in parts {
                merge_all(&mut accs, &part);
                all.covariates.extend(records.covariates);
                for (a, b) in all.outcomes.iter_mut().zip(records.outcomes) {
                    a.extend(b);
                }
            }
            (accs, Some(all))
        } else {
            let accs = chunks
                .into_par_iter()
                .fold(
                    || (sim.new_accs(), Workspace::default()),
                    |(mut accs, mut ws), c| {
                        sim.chunk(c, &mut accs, &mut ws, None);
                        (accs, ws)
                    },
                )
                .map(|(accs, _)| accs)
                .reduce(
                    || sim.new_accs(),
                    |mut a, b| {
                        merge_all(&mut a, &b);
                        a
                    },
                );
            (accs, None)
        }
    });
    if observer.cancelled() {
        return Err(Error::Interrupted);
    }
    Ok(RunOutput {
        accs,
        patients,
        threads,
    })
}

fn merge_all(into: &mut [PolicyAcc], from: &[PolicyAcc]) {
    for (a, b) in into.iter_mut().zip(from) {
        a.merge(b);
    }
}

/// Everything a chunk needs, shared by all workers.
struct ChunkSim<'a> {
    scenario: &'a Scenario,
    spec: &'a RunSpec,
    observer: &'a dyn Observer,
    subgroups: usize,
    /// Group counts of the `by` covariates (mixed-radix digits).
    radix: Vec<usize>,
}

impl<'a> ChunkSim<'a> {
    fn new(scenario: &'a Scenario, spec: &'a RunSpec, observer: &'a dyn Observer) -> ChunkSim<'a> {
        let radix: Vec<usize> = spec
            .by
            .iter()
            .map(|&c| scenario.covariates[c].group_values().map_or(1, |g| g.len()))
            .collect();
        let subgroups = if spec.by.is_empty() { 0 } else { radix.iter().product() };
        ChunkSim {
            scenario,
            spec,
            observer,
            subgroups,
            radix,
        }
    }

    fn new_accs(&self) -> Vec<PolicyAcc> {
        let sim = &self.scenario.simulation;
        (0..self.scenario.policies.len())
            .map(|_| PolicyAcc::new(sim.horizon_days, sim.curve_step_days, self.subgroups))
            .collect()
    }

    fn subgroup(&self, x: &[f64]) -> usize {
        self.spec.by.iter().zip(&self.radix).fold(0, |index, (&c, &radix)| {
            index * radix + self.scenario.covariates[c].group_of(x[c]).min(radix - 1)
        })
    }

    fn chunk(&self, chunk: u64, accs: &mut [PolicyAcc], ws: &mut Workspace, mut records: Option<&mut PatientRecords>) {
        if self.observer.cancelled() {
            return;
        }
        let scenario = self.scenario;
        let horizon = scenario.simulation.horizon_days;
        let start = chunk * CHUNK;
        let end = (start + CHUNK).min(self.spec.patients);
        let mut x = vec![0.0; scenario.covariates.len()];
        if let Some(r) = records.as_deref_mut() {
            r.outcomes = vec![Vec::with_capacity((end - start) as usize); scenario.policies.len()];
        }
        let mut nh = NaturalDraws {
            progression: f64::INFINITY,
            resolution: f64::INFINITY,
        };
        let mut outcomes = Vec::with_capacity(scenario.policies.len());
        // Subgroup of the current covariates, and of the first policy's.
        let split = self.subgroups > 0;
        let (mut own, mut group) = (0, 0);
        for patient in start..end {
            outcomes.clear();
            for (p, (policy, acc)) in scenario.policies.iter().zip(accs.iter_mut()).enumerate() {
                let seed = if self.spec.independent {
                    policy_seed(self.spec.seed, p)
                } else {
                    self.spec.seed
                };
                if p == 0 || self.spec.independent {
                    draw_covariates(scenario, seed, patient, &mut x, &mut Untallied);
                    nh = NaturalDraws::draw(scenario, seed, patient, &x, &mut Untallied);
                    if split {
                        own = self.subgroup(&x);
                        if p == 0 {
                            group = own;
                        }
                    }
                }
                let outcome = simulate(scenario, policy, seed, patient, &x, nh, ws, &mut Untallied);
                acc.record(&outcome, ws.symptom_free(), horizon, split.then_some(own));
                if let Some(r) = records.as_deref_mut() {
                    if p == 0 {
                        r.covariates.extend_from_slice(&x);
                    }
                    r.outcomes[p].push(outcome);
                }
                outcomes.push((outcome, paired_values(&outcome)));
            }
            // Pairs are grouped by the first policy's covariates (the same
            // for all policies unless streams are independent).
            let (reference, reference_values) = &outcomes[self.spec.reference];
            for (acc, (o, values)) in accs.iter_mut().zip(&outcomes) {
                acc.record_pair((o, values), (reference, reference_values), split.then_some(group));
            }
        }
        self.observer.done((end - start) * scenario.policies.len() as u64);
    }
}
