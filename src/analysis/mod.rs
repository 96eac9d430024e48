//! Analyses that run the simulation once or repeatedly, or check it, and
//! return plain data: policy sweeps and one-way sensitivity ([`sweep`]),
//! timing against the draws-only baseline ([`bench`]), exact answers
//! ([`verify`]) and a scenario in words ([`describe`]). No files, no
//! polars, no plotters.

pub mod bench;
pub mod calibrate;
pub mod describe;
pub mod evppi;
pub mod floor;
pub mod psa;
pub mod sweep;
pub mod targets;
pub mod variants;
pub mod verify;

use crate::accumulate::PolicyAcc;
use crate::accumulate::sink::{self, RunOutput, Split};
use crate::error::{Error, Setting};
use crate::estimate::{self, RunResults};
use crate::scenario::Scenario;
use crate::simulate::engine::{Core, Observer, RunSpec, Unobserved};
use crate::simulate::shard::Shard;

/// How to run a scenario, beyond the scenario itself: what the command
/// line says about threads, streams, records, the reference and the shard.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Worker threads; 0: one per core.
    pub threads: usize,
    /// Keep one record per patient and policy.
    pub keep_patients: bool,
    /// Keep every path's events.
    pub keep_events: bool,
    /// Each policy on its own streams (no common random numbers).
    pub independent: bool,
    /// The policy the others are compared with; `None`: the first.
    pub reference: Option<String>,
    /// Simulate only this share of the cohort.
    pub shard: Option<Shard>,
    /// The core that walks the paths.
    pub core: Core,
    /// Lanes of the batched core's draws; 0: the CPU's widest.
    pub lanes: usize,
}

/// The most patients whose records `--patients-out` keeps in memory.
pub const MAX_KEPT_PATIENTS: u64 = 10_000_000;

/// The most patients whose events `--events-out` keeps in memory (40
/// bytes an event, about ten a path).
pub const MAX_LOGGED_PATIENTS: u64 = 1_000_000;

/// The most memory a run's accumulators may take (all workers' together):
/// 8 GiB.
pub const MAX_ACCUMULATOR_BYTES: u128 = 8 << 30;

impl Settings {
    /// What the engine runs for `scenario`.
    ///
    /// # Errors
    /// [`Error::Usage`] naming the flag: an unknown reference policy, or
    /// too many patients to keep.
    pub fn spec(&self, scenario: &Scenario) -> Result<RunSpec, Error> {
        let sim = &scenario.simulation();
        if self.keep_patients && sim.patients > MAX_KEPT_PATIENTS {
            return Err(Error::setting(
                Setting::PatientsOut,
                format!("with {} patients per policy", sim.patients),
                format!("keeping every patient in memory accepts at most {MAX_KEPT_PATIENTS} patients per policy"),
            ));
        }
        if self.keep_events && sim.patients > MAX_LOGGED_PATIENTS {
            return Err(Error::setting(
                Setting::EventsOut,
                format!("with {} patients per policy", sim.patients),
                format!("keeping every event in memory accepts at most {MAX_LOGGED_PATIENTS} patients per policy"),
            ));
        }
        let by: Vec<usize> = sim
            .subgroups
            .iter()
            .filter_map(|n| scenario.covariate_index(n))
            .collect();
        check_memory(scenario, &by, self.threads)?;
        let names = || scenario.policies().iter().map(|p| p.name.as_str());
        let reference = match &self.reference {
            None => 0,
            Some(name) => names().position(|p| p == name).ok_or_else(|| {
                Error::setting(
                    Setting::Reference,
                    name,
                    format!(
                        "no such policy{}; the scenario has {}",
                        crate::error::did_you_mean(name, names()),
                        names().collect::<Vec<_>>().join(", ")
                    ),
                )
            })?,
        };
        Ok(RunSpec {
            threads: self.threads,
            // Validated with the scenario: every name is a covariate.
            by: sim
                .subgroups
                .iter()
                .filter_map(|n| scenario.covariate_index(n))
                .collect(),
            keep_patients: self.keep_patients,
            keep_events: self.keep_events,
            independent: self.independent,
            reference,
            shard: self.shard.unwrap_or_default(),
            core: self.core,
            lanes: self.lanes,
            ..RunSpec::new(sim.patients, sim.seed)
        })
    }
}

/// Refuses a run whose accumulators would not fit in
/// [`MAX_ACCUMULATOR_BYTES`]: subgroups x day grid x policies, one set per
/// worker and as many again while they are merged.
///
/// # Errors
/// [`Error::Usage`] with the estimate, the limit and what to change.
fn check_memory(scenario: &Scenario, by: &[usize], threads: usize) -> Result<(), Error> {
    let workers = if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    };
    let split = Split::new(scenario, by);
    let sinks = 2 * (workers as u128 + 1);
    let bytes = split
        .count()
        .map_or(u128::MAX, |g| sink::sums_bytes(scenario, g).saturating_mul(sinks));
    if bytes <= MAX_ACCUMULATOR_BYTES {
        return Ok(());
    }
    let gib = |b: u128| b as f64 / f64::from(1u32 << 30);
    let groups = split
        .count()
        .map_or_else(|| "more than 2^64".to_string(), |g| g.to_string());
    Err(Error::Usage(format!(
        "the run's accumulators would take about {:.1} GiB ({groups} subgroups of {} x {} policies, a day grid of {} days at {}-day steps, {workers} workers); the limit is {:.0} GiB: split by fewer or coarser covariates, shorten the horizon, or widen simulation.curve_step_days",
        gib(bytes),
        if by.is_empty() {
            "-".to_string()
        } else {
            scenario.simulation().subgroups.join(" x ")
        },
        scenario.policies().len(),
        scenario.simulation().horizon_days,
        scenario.simulation().curve_step_days,
        gib(MAX_ACCUMULATOR_BYTES)
    )))
}

/// `f(0), ..., f(n - 1)` on `threads` plain threads (0: one per core),
/// each taking the next index in turn, returned in index order: the same
/// results on any thread count. A worker stops at its first failure; the
/// first failure by index is the error returned. (Plain threads, not
/// rayon: each task runs an engine of its own, whose pool rayon's
/// workers would wait on and nest without bound.)
///
/// # Errors
/// The first `f` that fails; [`Error::Interrupted`] for tasks left undone.
pub fn in_order<T: Send>(
    n: usize,
    threads: usize,
    f: impl Fn(usize) -> Result<T, Error> + Sync,
) -> Result<Vec<T>, Error> {
    let workers = if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Result<T, Error>>>> = (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers.min(n).max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let result = f(i);
                    let failed = result.is_err();
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(result);
                    }
                    if failed {
                        break;
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| slot.into_inner().ok().flatten().unwrap_or(Err(Error::Interrupted)))
        .collect()
}

/// Simulates, accumulates and estimates: the in-memory part of a run.
///
/// # Errors
/// As [`sink::run`].
pub fn run(scenario: &Scenario, spec: &RunSpec) -> Result<(RunOutput, RunResults), Error> {
    run_observed(scenario, spec, &Unobserved)
}

/// [`run`], reporting progress to `observer` and stopping when it asks.
///
/// # Errors
/// As [`sink::run`].
pub fn run_observed(
    scenario: &Scenario,
    spec: &RunSpec,
    observer: &dyn Observer,
) -> Result<(RunOutput, RunResults), Error> {
    let output = sink::run(scenario, spec, observer)?;
    let results = estimate_sums(scenario, spec, &output.accs);
    Ok((output, results))
}

/// The estimates of a run's accumulators (one per policy).
pub fn estimate_sums(scenario: &Scenario, spec: &RunSpec, accs: &[PolicyAcc]) -> RunResults {
    let labels = Split::new(scenario, &spec.by).labels();
    estimate::results(
        scenario,
        accs,
        &scenario.simulation().subgroups,
        &labels,
        spec.reference,
    )
}
