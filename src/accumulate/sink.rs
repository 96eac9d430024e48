//! The sinks of a run: exact sums per policy (with subgroups and paired
//! differences) and, when asked for, one record per patient and policy
//! and every path's events.

use crate::accumulate::{PolicyAcc, Values, first_recovery, write_values};
use crate::error::Error;
use crate::outcome::{FEATURES, Feature, Id, MONEY_RANGE, N, YEARS_RANGE};
use crate::scenario::{Covariate, Scenario};
use crate::simulate::engine::{self, Observer, RunSpec, Sink};
use crate::simulate::ledger::Valuation;
use crate::simulate::pathway::{Event, PathOutcome};
use crate::simulate::patient::Path;

/// How patients are split into subgroups by the `--by` covariates: a
/// mixed-radix index over their groups.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    covariates: &'a [Covariate],
    by: Vec<usize>,
    /// Group counts of the `by` covariates (mixed-radix digits).
    radix: Vec<usize>,
}

impl<'a> Split<'a> {
    pub fn new(scenario: &'a Scenario, by: &[usize]) -> Split<'a> {
        let radix = by
            .iter()
            .map(|&c| scenario.covariates()[c].group_values().map_or(1, |g| g.len()))
            .collect();
        Split {
            covariates: scenario.covariates(),
            by: by.to_vec(),
            radix,
        }
    }

    /// Number of subgroups (0 when not split).
    ///
    /// # Panics
    /// When the count does not fit in a `usize`; check [`Split::count`]
    /// first (`analysis::Settings::spec` does).
    pub fn len(&self) -> usize {
        self.count().expect("the subgroup count was checked")
    }

    /// Number of subgroups (0 when not split), `None` when it does not fit
    /// in a `usize`.
    pub fn count(&self) -> Option<usize> {
        if self.by.is_empty() {
            return Some(0);
        }
        self.radix.iter().try_fold(1usize, |a, &r| a.checked_mul(r))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The subgroup of covariates `x`, when split.
    #[inline]
    pub fn group(&self, x: &[f64]) -> Option<usize> {
        if self.by.is_empty() {
            return None;
        }
        Some(self.by.iter().zip(&self.radix).fold(0, |index, (&c, &radix)| {
            index * radix + self.covariates[c].group_of(x[c]).min(radix - 1)
        }))
    }

    /// Each subgroup in mixed-radix order: the value of every `by`
    /// covariate (`["severe", "true"]`).
    pub fn labels(&self) -> Vec<Vec<String>> {
        if self.by.is_empty() {
            return Vec::new();
        }
        let mut groups: Vec<Vec<String>> = vec![Vec::new()];
        for &c in &self.by {
            let values = self.covariates[c].group_values().unwrap_or_default();
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
}

/// The sums of a run: one [`PolicyAcc`] per policy.
#[derive(Debug, Clone)]
pub struct Sums<'a> {
    split: &'a Split<'a>,
    reference: usize,
    /// Policies draw their own patients (`--independent`): each path has
    /// its own subgroup.
    independent: bool,
    horizon_days: f64,
    pub accs: Vec<PolicyAcc>,
    /// The current patient's path under each policy, for the paired
    /// differences: its day of first recovery and its values.
    current: Vec<(f64, Values)>,
    /// The current patient's subgroup under the first policy.
    group: Option<usize>,
    /// With `[economics]`, the current patient's (cost, QALYs) per policy.
    joint: Vec<(i64, i64)>,
    /// Per [`Feature`], whether the scenario declares it: the outcomes
    /// whose values are written.
    declared: [bool; FEATURES],
}

impl<'a> Sums<'a> {
    pub fn new(scenario: &Scenario, split: &'a Split<'a>, reference: usize, independent: bool) -> Sums<'a> {
        let sim = &scenario.simulation();
        let policies = scenario.policies().len();
        let economics = scenario.provides(Feature::Economics);
        let declared = Feature::ALL.map(|f| scenario.provides(f));
        Sums {
            split,
            reference,
            independent,
            horizon_days: sim.horizon_days,
            accs: (0..policies)
                .map(|p| {
                    PolicyAcc::new(
                        sim.horizon_days,
                        sim.curve_step_days,
                        split.len(),
                        declared,
                        economics.then_some(policies - p),
                    )
                })
                .collect(),
            joint: Vec::with_capacity(if economics { policies } else { 0 }),
            current: vec![(f64::INFINITY, [0; N]); scenario.policies().len()],
            group: None,
            declared,
        }
    }
}

impl Sink for Sums<'_> {
    #[inline]
    fn path(&mut self, _patient: u64, path: Path) {
        let p = path.policy;
        if p == 0 {
            self.group = self.split.group(path.covariates);
        }
        // Under common random numbers every policy sees the same covariates.
        let own = if self.independent {
            self.split.group(path.covariates)
        } else {
            self.group
        };
        let (recovery, values) = &mut self.current[p];
        *recovery = first_recovery(path.outcome);
        write_values(path.outcome, values, &self.declared);
        self.accs[p].record((path.outcome, values), path.spells, self.horizon_days, own);
    }

    /// Pairs are grouped by the patient's subgroup, the same under every
    /// policy with common random numbers. Under `--independent` a "pair"
    /// joins two different patients, whose subgroups differ: pairs are then
    /// not split by subgroup (the subgroup comparisons have the unpaired
    /// interval only), while the overall pairing stays valid (its pairs are
    /// independent of each other).
    #[inline]
    fn end_patient(&mut self) {
        let group = if self.independent { None } else { self.group };
        // One policy without economics: its pair with itself is a count.
        if let [only] = self.accs.as_mut_slice()
            && only.joint.is_none()
        {
            only.record_own_pair(group);
            return;
        }
        let (reference, reference_values) = &self.current[self.reference];
        for (p, (acc, &(recovery, ref values))) in self.accs.iter_mut().zip(&self.current).enumerate() {
            if p == self.reference {
                acc.record_own_pair(group);
            } else {
                acc.record_pair((recovery, values), (*reference, reference_values), group);
            }
        }
        if self.accs[0].joint.is_some() {
            self.joint.clear();
            let (cost, qalys) = (Id::Cost as usize, Id::Qalys as usize);
            self.joint.extend(self.current.iter().map(|(_, v)| (v[cost], v[qalys])));
            for (p, acc) in self.accs.iter_mut().enumerate() {
                if let Some(joint) = &mut acc.joint {
                    joint.record(p, &self.joint);
                }
            }
        }
    }

    fn append(&mut self, later: Self) {
        for (a, b) in self.accs.iter_mut().zip(&later.accs) {
            a.merge(b);
        }
    }
}

/// The memory of one [`Sums`] of `scenario` split into `subgroups`
/// subgroups, in bytes (its arrays; small fixed parts left out).
pub fn sums_bytes(scenario: &Scenario, subgroups: usize) -> u128 {
    let sim = scenario.simulation();
    let bins = (sim.horizon_days * crate::outcome::BINS_PER_DAY).ceil() as u128;
    let grid = crate::accumulate::grid_len(sim.horizon_days, sim.curve_step_days) as u128 + 1;
    let n = N as u128;
    let group = 2 * 16 * n + 64 + 8 * bins * crate::outcome::MEDIANS.len() as u128;
    let pair = 32 * n + 8;
    // Six difference arrays over the grid, two histograms.
    let curves = 6 * 8 * grid + 2 * 8 * bins;
    let groups = 1 + subgroups as u128;
    scenario.policies().len() as u128 * (groups * (group + pair) + curves)
}

/// A list that grows in segments of fixed capacity: a push never moves
/// what is stored (a `Vec` that doubles copies it all again, into fresh
/// memory), and appending a list moves its segments, not their elements.
/// A million patients' records under four policies are 700 MB.
#[derive(Clone)]
pub struct Segments<T> {
    segments: Vec<Vec<T>>,
}

/// The elements as one list: where segments begin depends on how the
/// cohort was cut into chunks, which the results do not.
impl<T: Copy + std::fmt::Debug> std::fmt::Debug for Segments<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> Default for Segments<T> {
    fn default() -> Self {
        Segments { segments: Vec::new() }
    }
}

impl<T: Copy> Segments<T> {
    /// Elements per segment (1 MB to 16 MB of records).
    const CAPACITY: usize = 1 << 16;

    /// The last segment, with room for `n` more elements.
    #[inline]
    fn room(&mut self, n: usize) -> &mut Vec<T> {
        let full = self.segments.last().is_none_or(|s| s.capacity() - s.len() < n);
        if full {
            self.segments.push(Vec::with_capacity(Self::CAPACITY.max(n)));
        }
        self.segments.last_mut().expect("a segment was just pushed")
    }

    #[inline]
    pub fn push(&mut self, value: T) {
        self.room(1).push(value);
    }

    /// Appends `values`, all in one segment.
    #[inline]
    pub fn extend_from_slice(&mut self, values: &[T]) {
        self.room(values.len()).extend_from_slice(values);
    }

    /// Moves the segments of `later` after this list's.
    pub fn append(&mut self, later: Segments<T>) {
        self.segments.extend(later.segments);
    }

    pub fn len(&self) -> usize {
        self.segments.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.segments.iter().all(Vec::is_empty)
    }

    /// The segments, in order (each slice whole as it was extended).
    pub fn segments(&self) -> impl Iterator<Item = &[T]> {
        self.segments.iter().map(Vec::as_slice)
    }

    /// The elements, in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.segments.iter().flatten()
    }
}

/// What a per-patient record keeps of a path: the fields of its
/// [`PathOutcome`] that `patients.parquet` writes (96 bytes, where the
/// outcome takes 160: a million patients under four policies touch 250 MB
/// less).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    pub time_to_recovery: f64,
    pub symptomatic_days: f64,
    pub death_time: f64,
    pub valuation: Valuation,
    pub interventions: u32,
    pub complications: u32,
    pub relapses: u32,
    pub deepest_level: u8,
    pub recovered: bool,
    pub symptom_free_at_horizon: bool,
    pub surgery: bool,
    pub fusion: bool,
    pub red_flag: bool,
    pub permanent_deficit: bool,
    pub died: bool,
    pub procedural_death: bool,
    pub improved: bool,
}

impl From<&PathOutcome> for Record {
    #[inline]
    fn from(o: &PathOutcome) -> Record {
        Record {
            time_to_recovery: o.time_to_recovery,
            symptomatic_days: o.symptomatic_days,
            death_time: o.death_time,
            valuation: o.valuation,
            interventions: o.interventions,
            complications: o.complications,
            relapses: o.relapses,
            deepest_level: o.deepest_level,
            recovered: o.recovered,
            symptom_free_at_horizon: o.symptom_free_at_horizon,
            surgery: o.surgery,
            fusion: o.fusion,
            red_flag: o.red_flag,
            permanent_deficit: o.permanent_deficit,
            died: o.died,
            procedural_death: o.procedural_death,
            improved: o.improved_at_horizon,
        }
    }
}

/// Per-patient records, in patient order.
#[derive(Debug, Clone, Default)]
pub struct PatientRecords {
    /// Index of the first patient (non-zero in a shard).
    pub first_patient: u64,
    /// Covariate slots, `Scenario::slot_count` per patient: one list
    /// shared by every policy under common random numbers, one per policy
    /// under `--independent` (each policy draws its own patients).
    pub covariates: Vec<Segments<f64>>,
    /// One list per policy, one record per patient.
    pub outcomes: Vec<Segments<Record>>,
}

impl PatientRecords {
    fn new(policies: usize, independent: bool) -> PatientRecords {
        PatientRecords {
            first_patient: 0,
            covariates: (0..if independent { policies } else { 1 })
                .map(|_| Segments::default())
                .collect(),
            outcomes: (0..policies).map(|_| Segments::default()).collect(),
        }
    }

    /// The covariate slots of each patient under `policy`, in patient
    /// order, `slots` (at least 1) per patient.
    pub fn covariate_rows(&self, policy: usize, slots: usize) -> impl Iterator<Item = &[f64]> {
        let own = &self.covariates[policy.min(self.covariates.len() - 1)];
        own.segments().flat_map(move |s| s.chunks_exact(slots))
    }

    fn is_empty(&self) -> bool {
        self.outcomes.iter().all(Segments::is_empty)
    }
}

impl Sink for PatientRecords {
    #[inline]
    fn path(&mut self, patient: u64, path: Path) {
        if path.policy == 0 && self.is_empty() {
            self.first_patient = patient;
        }
        if let Some(own) = self.covariates.get_mut(path.policy) {
            own.extend_from_slice(path.covariates);
        }
        self.outcomes[path.policy].push(Record::from(path.outcome));
    }

    fn append(&mut self, later: Self) {
        if later.is_empty() {
            return;
        }
        if self.is_empty() {
            self.first_patient = later.first_patient;
        }
        for (a, b) in self.covariates.iter_mut().zip(later.covariates) {
            a.append(b);
        }
        for (a, b) in self.outcomes.iter_mut().zip(later.outcomes) {
            a.append(b);
        }
    }
}

/// Every path's events, in patient order.
#[derive(Debug, Clone)]
pub struct EventRecords {
    /// Index of the first patient (non-zero in a shard).
    pub first_patient: u64,
    /// Per policy, the number of events of each patient's path.
    pub counts: Vec<Segments<u32>>,
    /// Per policy, the events of each patient's path, path after path.
    pub events: Vec<Segments<Event>>,
}

impl EventRecords {
    fn new(policies: usize) -> EventRecords {
        EventRecords {
            first_patient: 0,
            counts: (0..policies).map(|_| Segments::default()).collect(),
            events: (0..policies).map(|_| Segments::default()).collect(),
        }
    }

    fn is_empty(&self) -> bool {
        self.counts.iter().all(Segments::is_empty)
    }
}

impl Sink for EventRecords {
    const EVENTS: bool = true;

    #[inline]
    fn path(&mut self, patient: u64, path: Path) {
        if self.is_empty() {
            self.first_patient = patient;
        }
        self.counts[path.policy].push(path.events.len() as u32);
        self.events[path.policy].extend_from_slice(path.events);
    }

    fn append(&mut self, later: Self) {
        if later.is_empty() {
            return;
        }
        if self.is_empty() {
            self.first_patient = later.first_patient;
        }
        for (a, b) in self.counts.iter_mut().zip(later.counts) {
            a.append(b);
        }
        for (a, b) in self.events.iter_mut().zip(later.events) {
            a.append(b);
        }
    }
}

/// What a run accumulated.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// One per policy, in scenario order.
    pub accs: Vec<PolicyAcc>,
    pub patients: Option<PatientRecords>,
    pub events: Option<EventRecords>,
    /// Threads actually used.
    pub threads: usize,
    /// Paths cut short by the step guard.
    pub stalled_paths: u64,
}

/// The empty sums of a run of `scenario` under `spec`, one per policy (a
/// merge checks its shards' shapes against them).
pub fn empty(scenario: &Scenario, spec: &RunSpec) -> Vec<PolicyAcc> {
    let split = Split::new(scenario, &spec.by);
    Sums::new(scenario, &split, spec.reference, spec.independent).accs
}

/// Simulates the cohort of `spec` and accumulates it: sums always,
/// per-patient records with `spec.keep_patients`, every path's events
/// with `spec.keep_events`; a run with a path whose money or years leave
/// their exact range is refused.
///
/// # Errors
/// As [`engine::run`]; [`Error::Runtime`] for paths out of range.
pub fn run(scenario: &Scenario, spec: &RunSpec, observer: &dyn Observer) -> Result<RunOutput, Error> {
    let policies = scenario.policies().len();
    // Two sinks of different types: the walk keeps events only for the
    // one that reads them.
    if spec.keep_events {
        let (output, mut events) = run_with(scenario, spec, observer, || EventRecords::new(policies))?;
        if events.is_empty() {
            events.first_patient = spec.shard.patients(spec.patients, spec.chunk).start;
        }
        Ok(RunOutput {
            events: Some(events),
            ..output
        })
    } else {
        run_with(scenario, spec, observer, || ()).map(|(output, ())| output)
    }
}

/// [`run`], with `new_extra` making a further sink of each worker.
fn run_with<E: Sink>(
    scenario: &Scenario,
    spec: &RunSpec,
    observer: &dyn Observer,
    new_extra: impl Fn() -> E + Sync,
) -> Result<(RunOutput, E), Error> {
    let split = Split::new(scenario, &spec.by);
    let policies = scenario.policies().len();
    let new_sink = || {
        (
            (
                Sums::new(scenario, &split, spec.reference, spec.independent),
                spec.keep_patients
                    .then(|| PatientRecords::new(policies, spec.independent)),
            ),
            new_extra(),
        )
    };
    let ran = engine::run(scenario, spec, new_sink, observer)?;
    let ((mut sums, mut patients), extra) = ran.sink;
    for acc in &mut sums.accs {
        acc.finish();
    }
    let outside: u64 = sums.accs.iter().map(|a| a.overall.out_of_range).sum();
    if outside > 0 {
        return Err(Error::Runtime(format!(
            "{outside} patient paths had a cost beyond ±{MONEY_RANGE:e} or QALYs or life-years beyond ±{YEARS_RANGE:e} per patient, the range whose sums are kept exactly (docs/economics.md): check the scenario's costs, utilities and QALY losses"
        )));
    }
    if let Some(records) = patients.as_mut().filter(|r| r.is_empty()) {
        records.first_patient = spec.shard.patients(spec.patients, spec.chunk).start;
    }
    let output = RunOutput {
        accs: sums.accs,
        patients,
        events: None,
        threads: ran.threads,
        stalled_paths: ran.stalled_paths,
    };
    Ok((output, extra))
}

#[cfg(test)]
mod tests {
    use super::{Record, Segments};

    #[test]
    fn a_record_is_smaller_than_an_outcome() {
        assert!(size_of::<Record>() <= 96, "{}", size_of::<Record>());
        assert!(size_of::<Record>() < size_of::<crate::simulate::pathway::PathOutcome>());
    }

    /// Elements stay in order across segments and appends; a slice
    /// extended at once stays in one segment.
    #[test]
    fn segments_keep_order_and_whole_slices() {
        let capacity = Segments::<u32>::CAPACITY as u32;
        let mut a = Segments::default();
        for i in 0..capacity + 10 {
            a.push(i);
        }
        let mut b = Segments::default();
        b.extend_from_slice(&[capacity + 10, capacity + 11, capacity + 12]);
        for i in capacity + 13..2 * capacity + 1 {
            b.push(i);
        }
        // Does not fit in the last segment's room: a new segment.
        let whole: Vec<u32> = (2 * capacity + 1..3 * capacity).collect();
        b.extend_from_slice(&whole);
        a.append(b);
        assert_eq!(a.len(), 3 * capacity as usize);
        assert!(a.iter().copied().eq(0..3 * capacity));
        assert!(a.segments().any(|s| s == whole.as_slice()));
        assert!(a.segments().all(|s| s.len() <= Segments::<u32>::CAPACITY));
    }
}
