//! Timing whole runs against the floor set by their random draws.
//!
//! `foramen bench` times [`sink::run`] (the simulation and its
//! aggregation, no output files) at several cohort sizes and thread counts,
//! and times a **draws-only baseline** for each: a pass that makes the same
//! streams and takes the same draws as the simulation, and does nothing
//! else. That is the floor any simulator of this model pays, so
//!
//! `ratio = baseline seconds / simulation seconds`
//!
//! (equivalently simulation throughput over baseline throughput) says how
//! close the simulation comes to it, and
//!
//! `scaling efficiency(T) = throughput(T) / (T x throughput(1))`
//!
//! how well it uses `T` threads.
//!
//! The baseline's work is counted, not guessed: the streams, the uniform
//! draws and the draws of every distribution of the scenario made while
//! simulating the first [`COUNT_SAMPLE`] patients (or the whole cohort when
//! smaller) under every policy are counted through a counting [`Tally`].
//! The baseline then makes, for `N` patients, `N / n` times those counts,
//! spread evenly over its patient-paths, on the same number of threads, from
//! the same stream function and the same samplers.
//!
//! This module knows no polars or plotters.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::accumulate::sink;
use crate::error::Error;
use crate::rng::{PatientKey, Purpose, Stream};
use crate::scenario::Scenario;
use crate::scenario::dist::Dist;
use crate::simulate::engine::{RunSpec, Unobserved};
use crate::simulate::patient::{Scratch, simulate_patient};
use crate::simulate::tally::{Tally, Untallied};

/// Patients whose draws are counted to size the baseline.
pub const COUNT_SAMPLE: u64 = 200_000;

/// How long [`measure`] runs the simulation and the baseline before timing.
pub const WARM_UP: Duration = Duration::from_secs(2);

/// Paths the baseline hands to a worker at a time.
const BASELINE_CHUNK: u64 = 16_384;

/// The streams and draws of `paths` patient-paths.
#[derive(Debug, Clone)]
pub struct DrawCounts {
    /// Patient-paths counted (patients x policies).
    pub paths: u64,
    pub streams: u64,
    pub uniforms: u64,
    /// Draws of each distribution, in the order first drawn.
    pub samples: Vec<(Dist, u64)>,
}

impl DrawCounts {
    /// All draws: uniforms and distribution draws.
    pub fn draws(&self) -> u64 {
        self.uniforms + self.samples.iter().map(|(_, n)| n).sum::<u64>()
    }

    /// Streams per patient-path.
    pub fn streams_per_path(&self) -> f64 {
        self.streams as f64 / self.paths.max(1) as f64
    }

    /// Draws per patient-path.
    pub fn draws_per_path(&self) -> f64 {
        self.draws() as f64 / self.paths.max(1) as f64
    }
}

/// A [`Tally`] that counts, keyed by the distribution's address (each
/// distribution of a scenario lives at one place).
#[derive(Default)]
struct Counter {
    streams: u64,
    uniforms: u64,
    index: HashMap<*const Dist, usize>,
    samples: Vec<(Dist, u64)>,
}

impl Tally for Counter {
    fn stream(&mut self, key: PatientKey, purpose: Purpose) -> Stream {
        self.streams += 1;
        Untallied.stream(key, purpose)
    }

    fn uniform(&mut self, rng: &mut Stream) -> f64 {
        self.uniforms += 1;
        Untallied.uniform(rng)
    }

    fn sample(&mut self, dist: &Dist, rng: &mut Stream) -> f64 {
        let next = self.samples.len();
        let k = *self.index.entry(dist as *const Dist).or_insert(next);
        if k == next {
            self.samples.push((dist.clone(), 0));
        }
        self.samples[k].1 += 1;
        Untallied.sample(dist, rng)
    }
}

/// Counts the streams and draws of the first `patients` patients of `spec`
/// under every policy (common random numbers, as [`sink::run`] does by
/// default), walked as the engine walks them: a path handed on from a
/// policy that shares its steps draws nothing again.
pub fn count_draws(scenario: &Scenario, spec: &RunSpec, patients: u64) -> DrawCounts {
    let mut counter = Counter::default();
    let mut scratch = Scratch::new(scenario, false);
    for patient in 0..patients {
        simulate_patient(
            scenario,
            spec.seed,
            false,
            &[],
            patient,
            &mut scratch,
            &mut counter,
            |_| {},
        );
    }
    DrawCounts {
        paths: patients * scenario.policies().len() as u64,
        streams: counter.streams,
        uniforms: counter.uniforms,
        samples: counter.samples,
    }
}

/// One timed pass.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub seconds: f64,
    /// Threads actually used.
    pub threads: usize,
}

/// Times the simulation of `spec` (aggregation included, no output).
///
/// # Errors
/// As [`sink::run`].
pub fn time_run(scenario: &Scenario, spec: &RunSpec) -> Result<Timing, Error> {
    let clock = Instant::now();
    let out = sink::run(scenario, spec, &Unobserved)?;
    let seconds = clock.elapsed().as_secs_f64();
    black_box(&out.accs);
    Ok(Timing {
        seconds,
        threads: out.threads,
    })
}

/// One measured configuration: the best of its repeats.
#[derive(Debug, Clone)]
pub struct BenchRow {
    /// Patients per policy.
    pub patients: u64,
    /// Patient-paths: patients x policies.
    pub paths: u64,
    pub threads: usize,
    /// Wall-clock seconds of the simulation (with aggregation).
    pub seconds: f64,
    /// Wall-clock seconds of the draws-only baseline for the same paths.
    pub baseline_seconds: f64,
    /// Against the 1-thread row of the same size, when measured.
    pub scaling_efficiency: Option<f64>,
    pub baseline_scaling_efficiency: Option<f64>,
}

impl BenchRow {
    /// Cohort patients (each through every policy) per second.
    pub fn patients_per_second(&self) -> f64 {
        self.patients as f64 / self.seconds
    }

    pub fn paths_per_second(&self) -> f64 {
        self.paths as f64 / self.seconds
    }

    /// Core-nanoseconds per patient-path: wall time x threads / paths.
    pub fn ns_per_path(&self) -> f64 {
        self.seconds * self.threads as f64 / self.paths as f64 * 1e9
    }

    pub fn baseline_paths_per_second(&self) -> f64 {
        self.paths as f64 / self.baseline_seconds
    }

    pub fn baseline_ns_per_path(&self) -> f64 {
        self.baseline_seconds * self.threads as f64 / self.paths as f64 * 1e9
    }

    /// Simulation throughput as a share of the draws-only throughput.
    pub fn ratio(&self) -> f64 {
        self.baseline_seconds / self.seconds
    }
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    /// Patients per policy, one row per size and thread count.
    pub sizes: Vec<u64>,
    pub threads: Vec<usize>,
    /// Timings per configuration; the fastest is kept (the least disturbed
    /// by the rest of the machine).
    pub repeats: u32,
}

/// Measures every size at every thread count, simulation and baseline
/// alternately, calling `on_row` as each row is done.
///
/// # Errors
/// As [`sink::run`].
pub fn measure(
    scenario: &Scenario,
    spec: &RunSpec,
    plan: &BenchPlan,
    counts: &DrawCounts,
    mut on_row: impl FnMut(&BenchRow),
) -> Result<Vec<BenchRow>, Error> {
    let policies = scenario.policies().len() as u64;
    // Warm up until WARM_UP has passed: on shared virtual machines the
    // first seconds of a process run measurably slower (seen here: 800
    // ns/path at first, 520 after a few seconds, with a 10,000-patient
    // warm-up only), which would penalise whichever row comes first.
    let warm = RunSpec {
        patients: 20_000,
        ..spec.clone()
    };
    let clock = Instant::now();
    while clock.elapsed() < WARM_UP {
        time_run(scenario, &warm)?;
        time_draws_only(counts, warm.patients * policies, spec.seed, spec.threads)?;
    }
    let mut rows: Vec<BenchRow> = Vec::new();
    for &patients in &plan.sizes {
        for &threads in &plan.threads {
            let run = RunSpec {
                patients,
                threads,
                ..spec.clone()
            };
            let mut best = (f64::INFINITY, f64::INFINITY);
            let mut used = threads;
            for _ in 0..plan.repeats.max(1) {
                let sim = time_run(scenario, &run)?;
                let base = time_draws_only(counts, patients * policies, spec.seed, threads)?;
                best = (best.0.min(sim.seconds), best.1.min(base.seconds));
                used = sim.threads;
            }
            let one = rows.iter().find(|r| r.patients == patients && r.threads == 1);
            let efficiency = |t1: f64, t: f64| t1 / (t * used as f64);
            let row = BenchRow {
                patients,
                paths: patients * policies,
                threads: used,
                seconds: best.0,
                baseline_seconds: best.1,
                scaling_efficiency: one.map(|r| efficiency(r.seconds, best.0)),
                baseline_scaling_efficiency: one.map(|r| efficiency(r.baseline_seconds, best.1)),
            };
            on_row(&row);
            rows.push(row);
        }
    }
    Ok(rows)
}

/// Times the draws-only baseline for `paths` patient-paths with the draws of
/// `counts` scaled to them, on `threads` threads (0: one per core).
///
/// Path `i` gets `floor((i + 1) r) - floor(i r)` of each kind of draw, `r`
/// being the kind's mean per counted path, so the totals match `counts`
/// scaled to `paths` to within one draw. A path's draws are spread over its
/// streams in order.
///
/// # Errors
/// [`Error::Runtime`] if the thread pool cannot be built.
pub fn time_draws_only(counts: &DrawCounts, paths: u64, seed: u64, threads: usize) -> Result<Timing, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start {threads} worker threads: {e}")))?;
    let totals: Vec<u64> = [counts.streams, counts.uniforms]
        .into_iter()
        .chain(counts.samples.iter().map(|(_, n)| *n))
        .collect();
    let dists: Vec<&Dist> = counts.samples.iter().map(|(d, _)| d).collect();
    let per = counts.paths.max(1);
    let clock = Instant::now();
    let sink: f64 = pool.install(|| {
        (0..paths.div_ceil(BASELINE_CHUNK))
            .into_par_iter()
            .map(|c| {
                let start = c * BASELINE_CHUNK;
                let end = (start + BASELINE_CHUNK).min(paths);
                baseline_chunk(start..end, &totals, per, &dists, seed)
            })
            .sum()
    });
    let seconds = clock.elapsed().as_secs_f64();
    black_box(sink);
    Ok(Timing {
        seconds,
        threads: pool.current_num_threads(),
    })
}

/// The draws of paths `range` (kind 0: streams, 1: uniforms, then one per
/// distribution).
fn baseline_chunk(range: std::ops::Range<u64>, totals: &[u64], per: u64, dists: &[&Dist], seed: u64) -> f64 {
    let mut spread = Spread::new(range.start, totals, per);
    let mut sink = 0.0;
    for path in range {
        sink += baseline_path(path, seed, spread.next_path(), dists);
    }
    sink
}

/// Integer error diffusion of `totals[k] / per` draws of kind `k` per path:
/// path `i` gets `floor((i + 1) t / per) - floor(i t / per)`, so any run of
/// paths gets its exact share and chunks can start anywhere.
struct Spread<'a> {
    totals: &'a [u64],
    per: u64,
    rest: Vec<u64>,
    counts: Vec<u64>,
}

impl<'a> Spread<'a> {
    fn new(first_path: u64, totals: &'a [u64], per: u64) -> Spread<'a> {
        let rest = totals
            .iter()
            .map(|&t| (u128::from(first_path) * u128::from(t) % u128::from(per)) as u64)
            .collect();
        Spread {
            totals,
            per,
            rest,
            counts: vec![0; totals.len()],
        }
    }

    #[inline]
    fn next_path(&mut self) -> &[u64] {
        for ((n, r), &t) in self.counts.iter_mut().zip(&mut self.rest).zip(self.totals) {
            *r += t;
            *n = *r / self.per;
            *r -= *n * self.per;
        }
        &self.counts
    }
}

/// Makes `counts[0]` streams and takes `counts[1]` uniforms and `counts[2 +
/// k]` draws of `dists[k]`, the draws spread evenly over the streams.
#[inline]
fn baseline_path(path: u64, seed: u64, counts: &[u64], dists: &[&Dist]) -> f64 {
    let streams = counts[0].max(1);
    let draws: u64 = counts[1..].iter().sum();
    let mut tally = Untallied;
    let mut source = Source {
        key: PatientKey::new(seed, path),
        per_stream: draws.div_ceil(streams).max(1),
        made: 1,
        taken: 0,
        rng: tally.stream(PatientKey::new(seed, path), Purpose::Attempt { key: 0, attempt: 0 }),
    };
    let mut sink = 0.0;
    for _ in 0..counts[1] {
        sink += tally.uniform(source.next());
    }
    for (d, &n) in dists.iter().zip(&counts[2..]) {
        for _ in 0..n {
            sink += tally.sample(d, source.next());
        }
    }
    while source.made < streams {
        source.fresh();
    }
    black_box(&source.rng);
    sink
}

/// The baseline's streams for one path, handed out `per_stream` draws each.
struct Source {
    key: PatientKey,
    per_stream: u64,
    made: u64,
    taken: u64,
    rng: Stream,
}

impl Source {
    #[inline]
    fn next(&mut self) -> &mut Stream {
        if self.taken == self.per_stream {
            self.fresh();
        }
        self.taken += 1;
        &mut self.rng
    }

    #[inline]
    fn fresh(&mut self) {
        black_box(&self.rng);
        let purpose = Purpose::Attempt {
            key: 0,
            attempt: self.made as u32,
        };
        self.rng = Untallied.stream(self.key, purpose);
        self.made += 1;
        self.taken = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> (Scenario, RunSpec) {
        let scenario = Scenario::default_scenario().unwrap();
        let spec = RunSpec {
            threads: 1,
            ..RunSpec::new(1000, 7)
        };
        (scenario, spec)
    }

    #[test]
    fn counting_sees_every_patient_stream() {
        let (scenario, spec) = small();
        let c = count_draws(&scenario, &spec, 1000);
        assert_eq!(c.paths, 1000 * scenario.policies().len() as u64);
        // A cohort and a natural-history stream per patient, and one stream
        // per attempt started (waits add more).
        let attempts: u64 = sink::run(&scenario, &spec, &Unobserved)
            .unwrap()
            .accs
            .iter()
            .map(|a| a.overall.sum[crate::outcome::Id::Interventions as usize] as u64)
            .sum();
        assert!(
            c.streams >= 2 * 1000 + attempts,
            "{} streams, {attempts} attempts",
            c.streams
        );
        // Every covariate takes a draw per patient, every attempt a uniform.
        assert!(c.uniforms >= attempts);
        assert!(c.draws() >= 1000 * scenario.covariates().len() as u64 + attempts);
    }

    #[test]
    fn spread_keeps_totals_exactly_from_any_start() {
        let totals = [7, 10, 0, 123_457];
        let per = 9;
        let mut one = Spread::new(0, &totals, per);
        let mut sums = [0u64; 4];
        let mut per_path = Vec::new();
        for _ in 0..27 {
            let counts = one.next_path().to_vec();
            for (s, c) in sums.iter_mut().zip(&counts) {
                *s += c;
            }
            per_path.push(counts);
        }
        // 27 paths are 3 x 9: three times the totals.
        assert_eq!(sums, totals.map(|t| 3 * t));
        // A chunk starting at path 11 continues the same sequence.
        let mut later = Spread::new(11, &totals, per);
        for counts in &per_path[11..] {
            assert_eq!(later.next_path(), counts.as_slice());
        }
    }
}
