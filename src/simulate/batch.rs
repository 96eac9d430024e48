//! The batched core: a block of patients walked through a policy
//! together, event kind by event kind, the draws of each kind made in
//! SIMD lanes.
//!
//! The per-patient walk ([`crate::simulate::pathway`]) pays each draw's
//! latency one path at a time. Here a block of up to [`BLOCK`] patients
//! advances in waves, as the wavefront path tracers of Laine, Karras and
//! Aila (2013, "Megakernels considered harmful") do: every lane still on
//! its path is put in the queue of what it does next (enter a step, finish
//! a wait, resolve an attempt), each queue is drained in one pass, and the
//! draws a pass needs are made per distribution, as many lanes at a time
//! as the CPU's vector registers hold ([`Isa`], [`Dist::sample_lanes`]). Lanes whose paths end leave the
//! queues; nothing waits for the slowest path.
//!
//! **Equality with the walk.** A lane draws from its patient's streams
//! exactly what the walk draws, in the same order, and the vector maths
//! give the same bits in a lane as alone ([`crate::lanes`]); the state is
//! updated by the walk's own arithmetic. So every outcome, spell and sum
//! is the walk's, to the bit, at any lane width and block size (tested on
//! every plain scenario under scenarios/ and on generated ones). The paths
//! of a block are then handed to the sink in the walk's order: patient by
//! patient, every policy of a patient, then the end of the patient.
//!
//! **What it covers.** Plain scenarios ([`Scenario::is_plain`]: steps with
//! their skips, routes, waits and repeated full-or-nothing attempts, with
//! covariates and odds ratios) and sinks that do not read events. Any
//! other scenario or sink is walked path by path ([`covers`]).

use crate::lanes;
use crate::rng::{PatientKey, Purpose, Stream, policy_seed, stream_of};
use crate::scenario::dist::Dist;
use crate::scenario::{Level, Policy, Scenario};
use crate::simulate::cohort::draw_covariates;
use crate::simulate::ledger::{Ledger, Valuation};
use crate::simulate::pathway::{PathOutcome, Spells};
use crate::simulate::patient::Path;
use crate::simulate::sink::Sink;
use crate::simulate::tally::Untallied;

/// Patients walked together: enough lanes for full vector groups after
/// the first steps thin them out; small enough that a block's state and
/// outcomes for every policy stay in the second-level cache.
pub const BLOCK: usize = 512;

/// Whether the batched core walks `scenario` for a sink that does (or
/// does not) read events.
pub fn covers(scenario: &Scenario, events: bool) -> bool {
    scenario.is_plain() && !events
}

/// One lane: a patient's path under the policy being walked.
#[derive(Debug, Clone)]
struct Lane {
    t: f64,
    step: usize,
    /// The intervention of the current step, once routed.
    iv: usize,
    /// Attempts made at the current step.
    tries: u32,
    /// Start of the current attempt.
    start: f64,
    /// Whether the current attempt responds.
    responds: bool,
    /// The stream of the current wait or attempt.
    rng: Stream,
    /// The recovering spell (a responding procedure), if any.
    recovering: Option<(f64, f64)>,
}

/// Lanes waiting for a draw, by distribution: `lanes[d]` draw from the
/// `d`-th distribution met (`dists`, by address, in order of first use).
#[derive(Debug, Default)]
struct Queues {
    lanes: Vec<Vec<u32>>,
    used: usize,
}

impl Queues {
    fn clear(&mut self) {
        self.lanes.iter_mut().for_each(Vec::clear);
        self.used = 0;
    }

    /// Lane `l` draws from `dist` (`dists` the walk's distributions).
    #[inline]
    fn push<'a>(&mut self, dists: &mut Vec<&'a Dist>, dist: &'a Dist, l: u32) {
        let d = match dists.iter().position(|&d| std::ptr::eq(d, dist)) {
            Some(d) => d,
            None => {
                dists.push(dist);
                dists.len() - 1
            }
        };
        if self.lanes.len() <= d {
            self.lanes.resize_with(d + 1, Vec::new);
        }
        self.used = self.used.max(d + 1);
        self.lanes[d].push(l);
    }
}

/// Per-thread buffers of the batched core.
#[derive(Debug, Default)]
pub struct Batch {
    /// Per patient of the block: stream key, covariates (`slots` each).
    keys: Vec<PatientKey>,
    x: Vec<f64>,
    /// Per policy, per patient: the path's outcome and recovering spell.
    outcomes: Vec<Vec<PathOutcome>>,
    recovering: Vec<Vec<Option<(f64, f64)>>>,
    lanes: Vec<Lane>,
    /// Per lane, attempts and waits so far per intervention.
    counts: Vec<(u32, u32)>,
    /// The queues of a pass: lanes entering a step, starting an attempt
    /// (and the same for the next pass), waiting for a wait's or an
    /// attempt's time, the drawn values.
    enter: Vec<u32>,
    attempt: Vec<u32>,
    enter_next: Vec<u32>,
    attempt_next: Vec<u32>,
    waits: Queues,
    times: Queues,
    drawn: Vec<f64>,
    spells: Spells,
    ledger: Ledger,
}

impl Batch {
    pub fn new() -> Batch {
        Batch::default()
    }
}

/// Patients `start..end` of the run under every policy (those `only`
/// keeps), into `sink` in the walk's order. `width` is the lane width of
/// the draws: 1, 2, 4 or 8, or 0 for the CPU's ([`Isa::width`]); the same
/// bits at each.
#[allow(clippy::too_many_arguments)]
pub fn block<S: Sink>(
    scenario: &Scenario,
    seed: u64,
    independent: bool,
    only: &[bool],
    start: u64,
    end: u64,
    width: usize,
    batch: &mut Batch,
    sink: &mut S,
) {
    debug_assert!(covers(scenario, S::EVENTS));
    let n = (end - start) as usize;
    let slots = scenario.slot_count();
    let policies = scenario.policies();
    batch.outcomes.resize_with(policies.len(), Vec::new);
    batch.recovering.resize_with(policies.len(), Vec::new);
    // Under common random numbers every policy sees the same patients;
    // otherwise each its own (drawn per policy, kept per policy).
    let per_policy = if independent { policies.len() } else { 1 };
    batch.keys.resize(n * per_policy, PatientKey::new(0, 0));
    batch.x.resize(n * per_policy * slots, 0.0);
    for q in 0..per_policy {
        let seed = if independent { policy_seed(seed, q) } else { seed };
        for i in 0..n {
            let key = PatientKey::new(seed, start + i as u64);
            let at = q * n + i;
            batch.keys[at] = key;
            draw_covariates(
                scenario,
                key,
                &mut batch.x[at * slots..(at + 1) * slots],
                &mut Untallied,
            );
        }
    }
    for (p, policy) in policies.iter().enumerate() {
        if only.get(p) == Some(&false) {
            continue;
        }
        let q = if independent { p } else { 0 };
        walk(scenario, policy, p, q * n, n, slots, width, batch);
    }
    for i in 0..n {
        for p in 0..policies.len() {
            if only.get(p) == Some(&false) {
                continue;
            }
            let at = if independent { p * n + i } else { i };
            let outcome = &batch.outcomes[p][i];
            let spells = &mut batch.spells;
            spells.symptom_free.clear();
            spells.recovering.clear();
            if outcome.symptom_free_at_horizon {
                spells
                    .symptom_free
                    .push((outcome.time_to_recovery, scenario.simulation().horizon_days));
            }
            spells.recovering.extend(batch.recovering[p][i]);
            sink.path(
                start + i as u64,
                Path {
                    policy: p,
                    covariates: &batch.x[at * slots..(at + 1) * slots],
                    outcome,
                    spells: &batch.spells,
                    events: &[],
                    ledger: &batch.ledger,
                },
            );
        }
        sink.end_patient();
    }
}

/// The outcome a path starts from (the walk's).
fn fresh(horizon: f64) -> PathOutcome {
    PathOutcome {
        time_to_recovery: horizon,
        surgery_time: f64::INFINITY,
        death_time: f64::INFINITY,
        valuation: Valuation::default(),
        ..PathOutcome::default()
    }
}

/// The `n` patients from `first` (their keys and covariates) under
/// `policy` (index `p`), into `batch.outcomes[p]`, in passes: every lane
/// entering a step routes and queues its wait; the waits are drawn; every
/// lane starting an attempt draws its response and queues its time; the
/// times are drawn, and each lane ends, tries again or moves on (in the
/// next pass).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn walk_block<const N: usize>(
    scenario: &Scenario,
    policy: &Policy,
    p: usize,
    first: usize,
    n: usize,
    slots: usize,
    batch: &mut Batch,
) {
    let horizon = scenario.simulation().horizon_days;
    let interventions = scenario.interventions();
    let ivs = interventions.len();
    let steps = &policy.steps;
    let Batch {
        keys,
        x,
        outcomes,
        recovering,
        lanes,
        counts,
        enter,
        attempt,
        enter_next,
        attempt_next,
        waits,
        times,
        drawn,
        ..
    } = batch;
    let outcomes = &mut outcomes[p];
    outcomes.clear();
    outcomes.resize(n, fresh(horizon));
    lanes.clear();
    lanes.resize(
        n,
        Lane {
            t: 0.0,
            step: 0,
            iv: 0,
            tries: 0,
            start: 0.0,
            responds: false,
            rng: stream_of(PatientKey::new(0, 0), Purpose::Cohort),
            recovering: None,
        },
    );
    drawn.clear();
    drawn.resize(n, 0.0);
    counts.clear();
    counts.resize(n * ivs, (0, 0));
    enter.clear();
    enter.extend(0..n as u32);
    attempt.clear();
    // The distributions drawn from, in order of first use.
    let mut dists: Vec<&Dist> = Vec::new();
    let key = |i: usize| keys[first + i];
    let xs = |i: usize| &x[(first + i) * slots..(first + i + 1) * slots];
    while !enter.is_empty() || !attempt.is_empty() {
        enter_next.clear();
        attempt_next.clear();
        waits.clear();
        times.clear();
        // Entering a step: skips, the route, the wait's stream.
        for &l in enter.iter() {
            let i = l as usize;
            let lane = &mut lanes[i];
            let xi = xs(i);
            let mut step = lane.step;
            while step < steps.len() && steps[step].skip_if.as_ref().is_some_and(|(_, c)| c.eval(xi)) {
                step += 1;
            }
            lane.step = step;
            if step == steps.len() {
                // Pathway exhausted: symptomatic until H.
                lane.t = horizon;
                finish_symptomatic(&mut outcomes[i], horizon);
                continue;
            }
            let st = &steps[step];
            let iv = st.routes.iter().find(|r| r.1.eval(xi)).map_or(st.intervention, |r| r.2);
            lane.iv = iv;
            lane.tries = 0;
            let visit = counts[i * ivs + iv].1;
            counts[i * ivs + iv].1 += 1;
            match &st.wait {
                Some(d) => {
                    let purpose = Purpose::Wait {
                        key: interventions[iv].key,
                        visit,
                    };
                    lane.rng = stream_of(key(i), purpose);
                    waits.push(&mut dists, d, l);
                }
                // No wait: an empty phase (t < H here).
                None => attempt.push(l),
            }
        }
        // The waits, then their ends.
        for (d, queue) in waits.lanes[..waits.used].iter().enumerate() {
            draw_lanes::<N>(dists[d], queue, lanes, drawn);
            for &l in queue {
                let (i, wait) = (l as usize, drawn[l as usize]);
                let lane = &mut lanes[i];
                let wait_end = lane.t + wait;
                if !(wait == 0.0 && lane.t < horizon) {
                    if wait_end >= horizon {
                        lane.t = horizon;
                        finish_symptomatic(&mut outcomes[i], horizon);
                        continue;
                    }
                    lane.t = wait_end;
                }
                attempt.push(l);
            }
        }
        // Starting attempts: the stream, the response, the time to draw.
        for &l in attempt.iter() {
            let i = l as usize;
            let lane = &mut lanes[i];
            let st = &steps[lane.step];
            if lane.tries == st.attempts {
                lane.step += 1;
                enter_next.push(l);
                continue;
            }
            lane.tries += 1;
            let iv = lane.iv;
            let intervention = &interventions[iv];
            let number = counts[i * ivs + iv].0;
            counts[i * ivs + iv].0 += 1;
            lane.rng = stream_of(
                key(i),
                Purpose::Attempt {
                    key: intervention.key,
                    attempt: number,
                },
            );
            lane.start = lane.t;
            let out = &mut outcomes[i];
            out.started(intervention, lane.t);
            let prob = intervention.response.for_patient(xs(i));
            let u = lanes::uniform(rand_core::Rng::next_u64(&mut lane.rng));
            lane.responds = u < prob * intervention.full_share;
            let time = if lane.responds {
                &intervention.recovery_time
            } else {
                st.failure_time.as_ref().unwrap_or(&intervention.failure_time)
            };
            times.push(&mut dists, time, l);
        }
        // The attempts' times, then their ends.
        for (d, queue) in times.lanes[..times.used].iter().enumerate() {
            draw_lanes::<N>(dists[d], queue, lanes, drawn);
            for &l in queue {
                let i = l as usize;
                let lane = &mut lanes[i];
                let out = &mut outcomes[i];
                let end = lane.t + drawn[i] + 0.0;
                let start = lane.start;
                let recovering = lane.responds && interventions[lane.iv].level != Level::Conservative;
                let censored = end >= horizon;
                lane.t = if censored { horizon } else { end };
                if recovering {
                    lane.recovering = Some((start, lane.t));
                    out.recovering_days += lane.t - start;
                }
                if censored {
                    finish_symptomatic(out, horizon);
                } else if lane.responds {
                    out.recovered = true;
                    out.time_to_recovery = lane.t;
                    out.symptomatic_days += lane.t - 0.0;
                    out.symptom_free_days += horizon - lane.t;
                    out.symptom_free_at_horizon = true;
                } else {
                    attempt_next.push(l);
                }
            }
        }
        std::mem::swap(enter, enter_next);
        std::mem::swap(attempt, attempt_next);
    }
    let rec = &mut recovering[p];
    rec.clear();
    rec.extend(lanes.iter().map(|l| l.recovering));
}

/// [`walk_block`] at lane width `width` (1, 2, 4 or 8; 0: the widest
/// the CPU computes in one instruction), compiled for the widest vector
/// instructions the CPU has (AVX-512, AVX2 or the baseline): the same
/// bits at every width and on every CPU, since no operation is fused or
/// reordered ([`crate::lanes`]).
#[allow(clippy::too_many_arguments)]
fn walk(
    scenario: &Scenario,
    policy: &Policy,
    p: usize,
    first: usize,
    n: usize,
    slots: usize,
    width: usize,
    batch: &mut Batch,
) {
    let isa = Isa::detect();
    let width = if width == 0 { isa.width() } else { width };
    macro_rules! at {
        ($n:literal) => {
            match isa {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: the CPU has the instructions (detected).
                Isa::Avx512 => unsafe { walk_avx512::<$n>(scenario, policy, p, first, n, slots, batch) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                Isa::Avx2 => unsafe { walk_avx2::<$n>(scenario, policy, p, first, n, slots, batch) },
                _ => walk_block::<$n>(scenario, policy, p, first, n, slots, batch),
            }
        };
    }
    match width {
        1 => at!(1),
        2 => at!(2),
        8 => at!(8),
        _ => at!(4),
    }
}

/// The vector instructions the batched core is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// AVX-512 (F, DQ, VL) with AVX2 and FMA: eight doubles a register.
    Avx512,
    /// AVX2 and FMA: four doubles a register.
    Avx2,
    /// The target's baseline (SSE2 on x86-64): two.
    Baseline,
}

impl Isa {
    /// The widest this CPU has (detected once, then cached by std).
    pub fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx2") && has!("fma") {
                if has!("avx512f") && has!("avx512dq") && has!("avx512vl") {
                    return Isa::Avx512;
                }
                return Isa::Avx2;
            }
        }
        Isa::Baseline
    }

    /// Doubles in one of its registers: the default lane width.
    pub fn width(self) -> usize {
        match self {
            Isa::Avx512 => 8,
            Isa::Avx2 => 4,
            Isa::Baseline => 2,
        }
    }

    /// Its name, as describe and the manifest give it.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2",
            Isa::Baseline => "baseline",
        }
    }
}

/// [`walk_block`] compiled for AVX-512. (FMA is enabled for the
/// instruction set's sake; Rust never fuses a multiply and an add.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
fn walk_avx512<const N: usize>(
    scenario: &Scenario,
    policy: &Policy,
    p: usize,
    first: usize,
    n: usize,
    slots: usize,
    batch: &mut Batch,
) {
    walk_block::<N>(scenario, policy, p, first, n, slots, batch);
}

/// [`walk_block`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn walk_avx2<const N: usize>(
    scenario: &Scenario,
    policy: &Policy,
    p: usize,
    first: usize,
    n: usize,
    slots: usize,
    batch: &mut Batch,
) {
    walk_block::<N>(scenario, policy, p, first, n, slots, batch);
}

/// One draw of `dist` for every lane of `queue`, `N` at a time (the rest
/// one at a time), into `drawn[lane]`.
#[inline(always)]
fn draw_lanes<const N: usize>(dist: &Dist, queue: &[u32], lanes: &mut [Lane], drawn: &mut [f64]) {
    let mut groups = queue.chunks_exact(N);
    for group in &mut groups {
        let mut rngs: [Stream; N] = std::array::from_fn(|k| lanes[group[k] as usize].rng.clone());
        let values = dist.sample_lanes(rngs.each_mut());
        for k in 0..N {
            let l = group[k] as usize;
            drawn[l] = values[k];
            lanes[l].rng = rngs[k].clone();
        }
    }
    for &l in groups.remainder() {
        let [value] = dist.sample_lanes([&mut lanes[l as usize].rng]);
        drawn[l as usize] = value;
    }
}

/// Censored at the horizon, symptomatic since presentation (the walk's
/// `finish_symptomatic` on a plain path).
#[inline]
fn finish_symptomatic(out: &mut PathOutcome, horizon: f64) {
    out.symptomatic_days += horizon - 0.0;
}
