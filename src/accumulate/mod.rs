//! Exact, mergeable accumulators of patient outcomes.
//!
//! Everything is an integer: counts, histograms of times on a grid of 1/8
//! day, and sums of symptomatic days in fixed point (2^-16 day). Integer
//! addition is associative, so merging chunk results in any order (threads,
//! shards) gives the same bits, and the final estimates depend only on the
//! scenario and the seed.

pub mod sink;
pub mod targets;

use serde::{Deserialize, Serialize};

use crate::outcome::{
    ALWAYS, BINS_PER_DAY, DAY_FIXED_POINT, Estimator, FEATURES, Feature, Id, MEANS, MEDIANS, MONEY_FIXED_POINT,
    MONEY_RANGE, N, OPTIONAL, OUTCOMES, PAIRED, PROPORTIONS, YEAR_FIXED_POINT, YEARS_RANGE,
};
use crate::scenario::MAX_PATIENTS;

// Per-patient money and years are bounded ([`MONEY_RANGE`],
// [`YEARS_RANGE`]; a path outside is counted in `out_of_range` and the run
// refused), so that a sum of squares, or of squared paired differences
// (twice the range), over every patient a run may have stays below 2^128:
// no sum can wrap.
const _: () = {
    let money = 2.0 * MONEY_RANGE * MONEY_FIXED_POINT;
    let years = 2.0 * YEARS_RANGE * YEAR_FIXED_POINT;
    assert!(money * money * (MAX_PATIENTS as f64) < u128::MAX as f64);
    assert!(years * years * (MAX_PATIENTS as f64) < u128::MAX as f64);
};
use crate::outcome::HORIZON_STATUSES;
use crate::simulate::pathway::{PathOutcome, Spells};

/// Deepest level reached (row: none, conservative, minimally invasive,
/// surgical) by status at the horizon (column: [`HORIZON_STATUSES`]), as
/// patient counts.
pub type PathwayCounts = [[u64; HORIZON_STATUSES.len()]; 4];

/// A path's column of [`HORIZON_STATUSES`]: dead, else symptom-free (with
/// a permanent deficit or not), else improved, else symptomatic.
pub fn horizon_status(o: &PathOutcome) -> usize {
    match () {
        () if o.died => 4,
        () if o.symptom_free_at_horizon && o.permanent_deficit => 1,
        () if o.symptom_free_at_horizon => 0,
        () if o.improved_at_horizon => 2,
        () => 3,
    }
}

/// Counts of times in bins of 1/8 day over `[0, horizon)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeHistogram {
    pub counts: Vec<u64>,
}

impl TimeHistogram {
    pub fn new(horizon_days: f64) -> TimeHistogram {
        TimeHistogram {
            counts: vec![0; (horizon_days * BINS_PER_DAY).ceil() as usize],
        }
    }

    /// Records a time in `[0, horizon)`; later times are not recorded.
    #[inline]
    pub fn record(&mut self, t: f64) {
        // (Through i64: one instruction where f64 -> usize takes several;
        // infinity saturates to a bin past the end, as it did.)
        self.record_bin((t * BINS_PER_DAY) as i64 as usize);
    }

    /// Records a time by its bin; bins at or after the horizon are not
    /// recorded.
    #[inline]
    pub fn record_bin(&mut self, bin: usize) {
        if let Some(c) = self.counts.get_mut(bin) {
            *c += 1;
        }
    }

    pub fn merge(&mut self, other: &TimeHistogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }
}

/// One patient's outcomes as exact integers, in [`OUTCOMES`] order.
pub type Values = [i64; N];

/// One patient's value of outcome `id` as an exact integer: shares 0 or 1,
/// counts as they are, mean days in fixed point, and a median's time as its
/// bin (`-1` when the event did not happen).
#[inline(always)]
fn value(id: Id, o: &PathOutcome) -> i64 {
    let b = |x: bool| i64::from(x);
    let level = |l: u8| i64::from((o.levels_started >> l) & 1);
    match id {
        Id::Recovered => b(o.recovered),
        Id::MedianDays => {
            if o.recovered {
                (o.time_to_recovery * BINS_PER_DAY) as i64
            } else {
                -1
            }
        }
        Id::SymptomaticDays => fixed_days(o.symptomatic_days) as i64,
        Id::SymptomFree => b(o.symptom_free_at_horizon),
        Id::ReachedConservative => level(0),
        Id::ReachedMinimallyInvasive => level(1),
        Id::ReachedSurgical => level(2),
        Id::Surgery => b(o.surgery),
        Id::Fusion => b(o.fusion),
        Id::Complication => b(o.complications > 0),
        Id::Relapse => b(o.relapses > 0),
        Id::Interventions => i64::from(o.interventions),
        Id::PermanentDeficit => b(o.permanent_deficit),
        Id::Improved => b(o.improved_at_horizon),
        Id::ImprovedDays => fixed_days(o.improved_days) as i64,
        Id::SymptomFreeDays if o.permanent_deficit => 0,
        Id::SymptomFreeDays => fixed_days(o.symptom_free_days) as i64,
        Id::RecoveringDays => fixed_days(o.recovering_days) as i64,
        Id::ResidualDeficitDays if o.permanent_deficit => fixed_days(o.symptom_free_days) as i64,
        Id::ResidualDeficitDays => 0,
        Id::Died => b(o.died),
        Id::ProceduralDeath => b(o.procedural_death),
        // Alive days are symptomatic or symptom-free.
        Id::AliveDays => fixed_days(o.symptomatic_days + o.symptom_free_days) as i64,
        Id::Cost => fixed(o.valuation.cost, MONEY_FIXED_POINT),
        Id::Qalys => fixed(o.valuation.qalys, YEAR_FIXED_POINT),
        Id::LifeYears => fixed(o.valuation.life_years, YEAR_FIXED_POINT),
        Id::CostUndiscounted => fixed(o.valuation.cost_undiscounted, MONEY_FIXED_POINT),
        Id::QalysUndiscounted => fixed(o.valuation.qalys_undiscounted, YEAR_FIXED_POINT),
        Id::LifeYearsUndiscounted => fixed(o.valuation.life_years_undiscounted, YEAR_FIXED_POINT),
    }
}

/// Runs `body` with `$k` bound to each entry of a constant list of at
/// most 32 positions, as straight-line code: every `$k` is a constant, so
/// [`value`]'s match folds to one arm per outcome. (A plain loop over the
/// list was not unrolled: it compiled to an indirect jump per outcome and
/// per path.)
macro_rules! for_each_position {
    ($list:expr, |$k:ident| $body:expr) => {
        for_each_position!(@ $list, $k, $body,
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
    };
    (@ $list:expr, $k:ident, $body:expr, $($i:literal)*) => {
        const _: () = assert!($list.len() <= 32, "extend for_each_position");
        $(
            if let Some(&$k) = $list.get($i) {
                $body;
            }
        )*
    };
}

/// Writes one patient's [`Values`] in place: every scenario's outcomes,
/// and those of the features in `declared` (indexed by
/// [`crate::outcome::Feature`]` as usize`); the others are left as they are (0: they are
/// neither summed nor paired).
#[inline]
pub fn write_values(o: &PathOutcome, out: &mut Values, declared: &[bool; FEATURES]) {
    for_each_position!(ALWAYS, |k| out[k] = value(Id::ALL[k], o));
    // (`requires` is a constant for each `k`: one test per feature.)
    for_each_position!(OPTIONAL, |k| if declared[OUTCOMES[k].requires as usize] {
        out[k] = value(Id::ALL[k], o)
    });
}

/// The outcomes of one group of patients (a policy, or a subgroup within
/// a policy), as exact sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupAcc {
    pub patients: u64,
    /// Per outcome: the sum of the per-patient values, and of their squares
    /// (used for means; zero for the proportions every scenario has).
    pub sum: [i128; N],
    pub sum_sq: [u128; N],
    /// Per outcome: the histogram of a median's times (empty for others).
    pub times: Vec<TimeHistogram>,
    /// Deepest level (none, conservative, minimally invasive, surgical) by
    /// status at the horizon ([`crate::outcome::HORIZON_STATUSES`]).
    pub pathway: PathwayCounts,
    /// Paths whose cost, QALYs or life-years lie outside [`MONEY_RANGE`]
    /// or [`YEARS_RANGE`] (their sums are not exact: the run is refused).
    pub out_of_range: u64,
}

impl GroupAcc {
    pub fn new(horizon_days: f64) -> GroupAcc {
        GroupAcc {
            patients: 0,
            sum: [0; N],
            sum_sq: [0; N],
            times: OUTCOMES
                .iter()
                .map(|o| match o.estimator {
                    Estimator::Median => TimeHistogram::new(horizon_days),
                    _ => TimeHistogram { counts: Vec::new() },
                })
                .collect(),
            pathway: [[0; HORIZON_STATUSES.len()]; 4],
            out_of_range: 0,
        }
    }

    /// The histogram of days to first recovery.
    pub fn recovery(&self) -> &TimeHistogram {
        &self.times[Id::MedianDays as usize]
    }

    /// Records one patient; `declared` says, per [`crate::outcome::Feature`],
    /// whether the scenario declares it: the outcomes of
    /// [`crate::outcome::OPTIONAL`] that need it are summed only then.
    #[inline]
    pub fn record(&mut self, o: &PathOutcome, values: &Values, declared: &[bool; FEATURES]) {
        self.patients += 1;
        // Values of proportions are 0 or 1; of means of any sign (QALYs).
        // (Squares through u64: one 64 x 64 -> 128-bit multiply.)
        let square = |k: usize| {
            let a = u128::from(values[k].unsigned_abs());
            a * a
        };
        for k in PROPORTIONS {
            self.sum[k] += i128::from(values[k]);
        }
        for k in MEANS {
            self.sum[k] += i128::from(values[k]);
            self.sum_sq[k] += square(k);
        }
        // (Squares of optional proportions are kept too. Unrolled: each
        // `k` a constant, its test one load of a flag that never changes.)
        for_each_position!(OPTIONAL, |k| if declared[OUTCOMES[k].requires as usize] {
            self.sum[k] += i128::from(values[k]);
            self.sum_sq[k] += square(k);
        });
        for k in MEDIANS {
            if let Ok(bin) = usize::try_from(values[k]) {
                self.times[k].record_bin(bin);
            }
        }
        self.pathway[usize::from(o.deepest_level.min(3))][horizon_status(o)] += 1;
        if declared[Feature::Economics as usize] {
            // Costs are at least 0 and discounting (at a rate of at least
            // 0) only shrinks them, so the undiscounted cost bounds both;
            // life-years lie within the horizon (at most 200 years).
            // QALYs may be of either sign. (NaN fails every test.)
            let v = &o.valuation;
            let inside = v.cost_undiscounted.abs() <= MONEY_RANGE
                && v.qalys_undiscounted.abs() <= YEARS_RANGE
                && v.qalys.abs() <= YEARS_RANGE;
            self.out_of_range += u64::from(!inside);
        }
    }

    pub fn merge(&mut self, other: &GroupAcc) {
        self.patients += other.patients;
        self.out_of_range += other.out_of_range;
        for k in 0..N {
            self.sum[k] += other.sum[k];
            self.sum_sq[k] += other.sum_sq[k];
            self.times[k].merge(&other.times[k]);
        }
        for (row, other_row) in self.pathway.iter_mut().zip(other.pathway) {
            for (a, b) in row.iter_mut().zip(other_row) {
                *a += b;
            }
        }
    }
}

/// The day of first recovery, infinite when not recovered.
#[inline]
pub fn first_recovery(o: &PathOutcome) -> f64 {
    if o.recovered { o.time_to_recovery } else { f64::INFINITY }
}

/// A signed value in fixed point (`1 / scale`), rounded half away from
/// zero (adding ±1/2 and truncating: `f64::round` is a library call).
#[inline]
fn fixed(v: f64, scale: f64) -> i64 {
    let x = v * scale;
    (x + 0.5f64.copysign(x)) as i64
}

/// Days in fixed point (2^-16 day), rounded half up; negatives count as 0.
#[inline]
pub fn fixed_days(days: f64) -> u64 {
    // (Through i64: one instruction, where f64 -> u64 is several; the value
    // is far below 2^63.)
    (days.max(0.0) * DAY_FIXED_POINT + 0.5) as i64 as u64
}

/// Sums of per-patient differences (policy minus reference) and of their
/// squares, for the outcomes that are compared patient by patient: the
/// paired mean difference and its standard error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairAcc {
    pub patients: u64,
    pub sum: [i128; N],
    pub sum_sq: [u128; N],
    /// The joint counts of the days to first recovery, for the paired
    /// interval of the difference in medians.
    pub recovery: RecoveryPairs,
}

impl PairAcc {
    pub fn new(horizon_days: f64) -> PairAcc {
        PairAcc {
            patients: 0,
            sum: [0; N],
            sum_sq: [0; N],
            recovery: RecoveryPairs::new(horizon_days),
        }
    }

    /// Records one patient's [`Values`] under the policy and under the
    /// reference.
    #[inline]
    pub fn record(&mut self, policy: &Values, reference: &Values, declared: &[bool; FEATURES]) {
        self.patients += 1;
        let k = Id::MedianDays as usize;
        self.recovery.record(policy[k], reference[k]);
        // Many patients take the same path under both policies: nothing
        // to add.
        if policy.iter().zip(reference).all(|(a, b)| a == b) {
            return;
        }
        // Two loops, not a chained iterator: the first has a constant
        // length and unrolls.
        for k in PAIRED {
            self.add(policy[k] - reference[k], k);
        }
        for_each_position!(OPTIONAL, |k| if declared[OUTCOMES[k].requires as usize] {
            self.add(policy[k] - reference[k], k)
        });
    }

    #[inline(always)]
    fn add(&mut self, d: i64, k: usize) {
        if d != 0 {
            let a = u128::from(d.unsigned_abs());
            self.sum[k] += i128::from(d);
            self.sum_sq[k] += a * a;
        }
    }

    pub fn merge(&mut self, other: &PairAcc) {
        self.patients += other.patients;
        for k in 0..N {
            self.sum[k] += other.sum[k];
            self.sum_sq[k] += other.sum_sq[k];
        }
        self.recovery.merge(&other.recovery);
    }
}

/// Cells per axis of [`RecoveryPairs::apart`].
pub const RECOVERY_CELLS: usize = 64;

/// How the days to first recovery under a policy and under the reference
/// lie together: what the paired interval of the difference in medians
/// needs, `P(T_policy <= m_policy, T_reference <= m_reference)` at the two
/// medians, which are known only once every patient is counted.
///
/// Patients who recover in the same time bin (of `1 / BINS_PER_DAY` day)
/// under both, most of them under common random numbers, are counted per
/// bin, exactly as the medians are. Those who recover under both in
/// different bins are counted on a grid of [`RECOVERY_CELLS`]² cells,
/// geometric in days: cell 0 holds the first day, and cells 1 to 63
/// divide day 1 to the horizon in equal ratios. Patients who do not
/// recover under one of the two never count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryPairs {
    /// The horizon in bins (it places the grid's cells).
    pub horizon_bins: u64,
    /// Per bin: the patients who recover in it under both.
    pub same: Vec<u64>,
    /// Row-major, policy's cell by reference's cell: the others who
    /// recover under both (empty until one does).
    pub apart: Vec<u64>,
}

impl RecoveryPairs {
    pub fn new(horizon_days: f64) -> RecoveryPairs {
        RecoveryPairs {
            horizon_bins: (horizon_days * BINS_PER_DAY).ceil().max(1.0) as u64,
            same: Vec::new(),
            apart: Vec::new(),
        }
    }

    /// Records one patient's bins of first recovery under the policy and
    /// the reference ([`Values`]' median entry: `-1` when not recovered).
    #[inline]
    pub fn record(&mut self, policy: i64, reference: i64) {
        let (Ok(a), Ok(b)) = (usize::try_from(policy), usize::try_from(reference)) else {
            return;
        };
        if a == b {
            if self.same.len() <= a {
                self.same.resize(a + 1, 0);
            }
            self.same[a] += 1;
        } else {
            if self.apart.is_empty() {
                self.apart = vec![0; RECOVERY_CELLS * RECOVERY_CELLS];
            }
            let (i, j) = (self.cell(a as f64 + 0.5), self.cell(b as f64 + 0.5));
            self.apart[i * RECOVERY_CELLS + j] += 1;
        }
    }

    /// The cell of a time in bins.
    fn cell(&self, bins: f64) -> usize {
        let day = bins / BINS_PER_DAY;
        if day < 1.0 {
            return 0;
        }
        let span = self.edge(RECOVERY_CELLS).ln().max(f64::MIN_POSITIVE);
        let steps = (RECOVERY_CELLS - 1) as f64;
        (1 + (steps * day.ln() / span) as usize).min(RECOVERY_CELLS - 1)
    }

    /// The lower edge of cell `i` in days (`i = RECOVERY_CELLS`: the upper
    /// edge of the last, at least one day past the first).
    fn edge(&self, i: usize) -> f64 {
        let horizon = (self.horizon_bins as f64 / BINS_PER_DAY).max(2.0);
        match i {
            0 => 0.0,
            _ => horizon.powf((i - 1) as f64 / (RECOVERY_CELLS - 1) as f64),
        }
    }

    /// The share of all `patients` who recover by day `x` under the policy
    /// and by day `y` under the reference: within a bin (a cell), times
    /// spread evenly, as for the medians.
    pub fn both_by(&self, x: f64, y: f64, patients: u64) -> f64 {
        let by_bin = |t: f64, bin: usize| (t * BINS_PER_DAY - bin as f64).clamp(0.0, 1.0);
        let m = x.min(y);
        let same: f64 = self
            .same
            .iter()
            .enumerate()
            .map(|(bin, &c)| c as f64 * by_bin(m, bin))
            .sum();
        let by_cell = |t: f64, i: usize| {
            let (lo, hi) = (self.edge(i), self.edge(i + 1));
            ((t - lo) / (hi - lo)).clamp(0.0, 1.0)
        };
        let mut apart = 0.0;
        for (i, row) in self.apart.chunks(RECOVERY_CELLS).enumerate() {
            let fx = by_cell(x, i);
            if fx > 0.0 {
                apart += fx
                    * row
                        .iter()
                        .enumerate()
                        .map(|(j, &c)| c as f64 * by_cell(y, j))
                        .sum::<f64>();
            }
        }
        (same + apart) / patients as f64
    }

    pub fn merge(&mut self, other: &RecoveryPairs) {
        if self.same.len() < other.same.len() {
            self.same.resize(other.same.len(), 0);
        }
        for (a, b) in self.same.iter_mut().zip(&other.same) {
            *a += b;
        }
        if self.apart.is_empty() {
            self.apart = other.apart.clone();
        } else {
            for (a, b) in self.apart.iter_mut().zip(&other.apart) {
                *a += b;
            }
        }
    }
}

/// What the curves need beyond the group scalars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveAcc {
    /// Difference array over the day grid: symptom-free counts per grid day
    /// are its prefix sums.
    pub symptom_free_diff: Vec<i64>,
    /// The same for the other health states but symptomatic (the rest):
    /// recovering, improved, and residual deficit (symptom-free with a
    /// permanent deficit, counted here instead of in `symptom_free_diff`).
    pub recovering_diff: Vec<i64>,
    pub improved_diff: Vec<i64>,
    pub residual_diff: Vec<i64>,
    /// Dead, from death to the horizon.
    pub dead_diff: Vec<i64>,
    /// Day of first surgery.
    pub surgery: TimeHistogram,
    /// Day of death of patients who died before a first recovery: the
    /// competing event of the cumulative incidence of recovery (empty when
    /// the scenario has no death).
    pub death_before_recovery: TimeHistogram,
    /// Difference array over the day grid: patients whose recovered status
    /// on each day differs from the reference policy's (the squared paired
    /// differences of the cumulative-recovery curve).
    pub discordant_diff: Vec<i64>,
    grid: Grid,
}

impl CurveAcc {
    /// The curve accumulators over a horizon and grid; `deaths`: the
    /// scenario has death, whose times are then kept.
    pub fn new(horizon_days: f64, grid_step: f64, deaths: bool) -> CurveAcc {
        CurveAcc {
            symptom_free_diff: vec![0; grid_len(horizon_days, grid_step) + 1],
            recovering_diff: vec![0; grid_len(horizon_days, grid_step) + 1],
            improved_diff: vec![0; grid_len(horizon_days, grid_step) + 1],
            residual_diff: vec![0; grid_len(horizon_days, grid_step) + 1],
            dead_diff: vec![0; grid_len(horizon_days, grid_step) + 1],
            surgery: TimeHistogram::new(horizon_days),
            death_before_recovery: TimeHistogram::new(if deaths { horizon_days } else { 0.0 }),
            discordant_diff: vec![0; grid_len(horizon_days, grid_step) + 1],
            grid: Grid::new(grid_step),
        }
    }

    /// Records the grid days on which exactly one of the two first-recovery
    /// times (infinite when not recovered) lies strictly before the day.
    #[inline]
    pub fn record_discordance(&mut self, recovery: f64, reference: f64) {
        let last = self.discordant_diff.len() - 1;
        let (lo, hi) = if recovery <= reference {
            (recovery, reference)
        } else {
            (reference, recovery)
        };
        if lo == hi || !lo.is_finite() {
            return;
        }
        // First grid index whose day is strictly after t (truncation is
        // the floor: t >= 0).
        let after = |t: f64| {
            if t.is_finite() {
                (self.grid.floor(t) + 1).min(last)
            } else {
                last
            }
        };
        let (first, end) = (after(lo), after(hi));
        if first < end {
            self.discordant_diff[first] += 1;
            self.discordant_diff[end] -= 1;
        }
    }

    /// Records a patient's health-state spells `[from, to)` (a spell ending
    /// at the horizon includes the horizon) and first surgery. Symptom-free
    /// spells of a patient whose deficit became permanent are residual
    /// deficit.
    #[inline]
    pub fn record(&mut self, o: &PathOutcome, spells: &Spells, horizon_days: f64) {
        let symptom_free = if o.permanent_deficit {
            &mut self.residual_diff
        } else {
            &mut self.symptom_free_diff
        };
        let grid = self.grid;
        add_spells(symptom_free, &spells.symptom_free, grid, horizon_days);
        add_spells(&mut self.recovering_diff, &spells.recovering, grid, horizon_days);
        add_spells(&mut self.improved_diff, &spells.improved, grid, horizon_days);
        self.surgery.record(o.surgery_time);
        if o.died {
            add_spells(&mut self.dead_diff, &spells.dead, grid, horizon_days);
            if !o.recovered {
                self.death_before_recovery.record(o.death_time);
            }
        }
    }

    pub fn merge(&mut self, other: &CurveAcc) {
        for (mine, theirs) in [
            (&mut self.symptom_free_diff, &other.symptom_free_diff),
            (&mut self.recovering_diff, &other.recovering_diff),
            (&mut self.improved_diff, &other.improved_diff),
            (&mut self.residual_diff, &other.residual_diff),
            (&mut self.dead_diff, &other.dead_diff),
        ] {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
        self.surgery.merge(&other.surgery);
        self.death_before_recovery.merge(&other.death_before_recovery);
        for (a, b) in self.discordant_diff.iter_mut().zip(&other.discordant_diff) {
            *a += b;
        }
    }
}

/// Adds spells `[from, to)` to a difference array over the day grid: grid
/// days d with from <= d < to count (a spell ending at the horizon counts
/// on the horizon too).
#[inline]
fn add_spells(diff: &mut [i64], spells: &[(f64, f64)], grid: Grid, horizon_days: f64) {
    let last = diff.len() - 1;
    for &(from, to) in spells {
        let first = grid.ceil(from).min(last);
        let end = if to >= horizon_days {
            last
        } else {
            grid.ceil(to).min(last)
        };
        if first < end {
            diff[first] += 1;
            diff[end] -= 1;
        }
    }
}

/// The day grid's step, and the position of a time on it: `t / step`
/// rounded down or up, exactly as the division would give it, but by a
/// multiplication (a division takes several times longer and was 5% of
/// the reference model's time).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Grid {
    step: f64,
    /// `1 / step`, rounded.
    inverse: f64,
}

impl Grid {
    fn new(step: f64) -> Grid {
        Grid {
            step,
            inverse: 1.0 / step,
        }
    }

    /// `t * inverse` differs from the rounded `t / step` by at most two
    /// units in the last place, so it has the same floor and ceiling unless
    /// it lies that close to a whole number: then divide.
    #[inline(always)]
    fn near_whole(&self, t: f64) -> Option<f64> {
        let q = t * self.inverse;
        // (Through i64: one instruction each way, where u64 takes several;
        // q >= 2^63 saturates, leaves frac negative and divides.)
        let frac = q - (q as i64) as f64;
        let margin = 4.0 * f64::EPSILON * q;
        (frac > margin && 1.0 - frac > margin).then_some(q)
    }

    /// `floor(t / step)` for `t >= 0`.
    #[inline(always)]
    fn floor(&self, t: f64) -> usize {
        match self.near_whole(t) {
            Some(q) => q as i64 as usize,
            None => (t / self.step) as usize,
        }
    }

    /// `ceil(t / step)` for `t >= 0`.
    #[inline(always)]
    fn ceil(&self, t: f64) -> usize {
        match self.near_whole(t) {
            Some(q) => q as i64 as usize + 1,
            None => ceil_index(t / self.step),
        }
    }
}

/// `x.ceil() as usize` for `x >= 0`, without a call to `ceil` (which is
/// not one instruction on baseline x86-64): truncate, then add one when
/// something was cut. Exact below 2^52.
#[inline(always)]
fn ceil_index(x: f64) -> usize {
    // (Through i64, as above; x < 2^52.)
    let whole = x as i64;
    (whole + i64::from((whole as f64) < x)) as usize
}

/// The day grid of the curves: `0, step, 2 step, ...` up to the horizon,
/// then the horizon itself when it is not on that grid (a curve ends at
/// the horizon). A time `t` before the horizon falls between grid points
/// `floor(t / step)` and `ceil(t / step)`, the last being the horizon.
pub fn grid_days(horizon_days: f64, step: f64) -> Vec<f64> {
    let steps = (horizon_days / step + 1e-9).floor() as usize;
    let mut days: Vec<f64> = (0..=steps).map(|i| i as f64 * step).collect();
    if horizon_days - steps as f64 * step > 1e-9 * step {
        days.push(horizon_days);
    }
    days
}

/// Number of days of [`grid_days`].
pub fn grid_len(horizon_days: f64, step: f64) -> usize {
    let steps = (horizon_days / step + 1e-9).floor() as usize;
    steps + 1 + usize::from(horizon_days - steps as f64 * step > 1e-9 * step)
}

/// Cross-products of per-patient discounted cost and QALYs between this
/// policy (`p`) and every policy `q >= p` (in scenario order), in fixed
/// point: with the sums of [`GroupAcc`], the covariance of any two
/// policies' means, so that the incremental analysis can give paired
/// intervals between any two policies (not only against the reference).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointAcc {
    /// Per `q`: Σ c_p c_q, Σ c_p e_q, Σ e_p c_q, Σ e_p e_q.
    pub cross: Vec<[i128; 4]>,
}

impl JointAcc {
    /// Records one patient: `values[q]` are policy `q`'s (cost, QALYs),
    /// this policy being `p`.
    #[inline]
    pub fn record(&mut self, p: usize, values: &[(i64, i64)]) {
        let (c, e) = (i128::from(values[p].0), i128::from(values[p].1));
        for (sums, &(cq, eq)) in self.cross.iter_mut().zip(&values[p..]) {
            let (cq, eq) = (i128::from(cq), i128::from(eq));
            sums[0] += c * cq;
            sums[1] += c * eq;
            sums[2] += e * cq;
            sums[3] += e * eq;
        }
    }

    pub fn merge(&mut self, other: &JointAcc) {
        for (a, b) in self.cross.iter_mut().zip(&other.cross) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
}

/// All accumulators of one policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyAcc {
    pub overall: GroupAcc,
    pub curves: CurveAcc,
    /// One per subgroup, in mixed-radix order of the `--by` covariates.
    pub subgroups: Vec<GroupAcc>,
    /// Paired differences against the reference policy.
    pub paired: PairAcc,
    /// The same within each subgroup.
    pub paired_subgroups: Vec<PairAcc>,
    /// With `[economics]`: cost and QALY cross-products with the later
    /// policies.
    pub joint: Option<JointAcc>,
    /// Per [`crate::outcome::Feature`], whether the scenario declares it:
    /// the optional outcomes accumulated; not part of the sums.
    #[serde(skip)]
    pub declared: [bool; FEATURES],
}

impl PolicyAcc {
    /// The length of every vector it holds, in a fixed order: two
    /// accumulators of the same scenario and settings have the same shape,
    /// so merging them (which zips) loses and misplaces nothing.
    pub fn shape(&self) -> Vec<usize> {
        let group = |g: &GroupAcc, out: &mut Vec<usize>| {
            out.push(g.times.len());
            out.extend(g.times.iter().map(|t| t.counts.len()));
        };
        let mut out = Vec::new();
        group(&self.overall, &mut out);
        out.push(self.subgroups.len());
        for g in &self.subgroups {
            group(g, &mut out);
        }
        out.push(self.paired_subgroups.len());
        let c = &self.curves;
        out.extend([
            c.symptom_free_diff.len(),
            c.recovering_diff.len(),
            c.improved_diff.len(),
            c.residual_diff.len(),
            c.dead_diff.len(),
            c.surgery.counts.len(),
            c.death_before_recovery.counts.len(),
            c.discordant_diff.len(),
        ]);
        out.push(self.joint.as_ref().map_or(0, |j| j.cross.len() + 1));
        out
    }

    /// Whether its counts are possible: every group of at most the
    /// patients of the whole, each share's count within its group, and the
    /// pathway table summing to the group.
    ///
    /// # Errors
    /// What is impossible, in words.
    pub fn check_counts(&self) -> Result<(), String> {
        for (i, g) in std::iter::once(&self.overall).chain(&self.subgroups).enumerate() {
            let name = if i == 0 {
                "all patients".to_string()
            } else {
                format!("subgroup {}", i - 1)
            };
            for k in PROPORTIONS {
                if !(0..=i128::from(g.patients)).contains(&g.sum[k]) {
                    return Err(format!(
                        "{name}: {} of {} patients counted for {}",
                        g.sum[k], g.patients, OUTCOMES[k].name
                    ));
                }
            }
            let tabled: u64 = g.pathway.iter().flatten().sum();
            if tabled != g.patients {
                return Err(format!(
                    "{name}: the pathway table holds {tabled} of {} patients",
                    g.patients
                ));
            }
        }
        Ok(())
    }
    /// The accumulators of a policy over a horizon and grid, split into
    /// `subgroups`; `declared` says, per [`crate::outcome::Feature`], whether
    /// the scenario declares it (with death, the times of death are kept);
    /// `joint`: with economics, the number of policies from this one on.
    pub fn new(
        horizon_days: f64,
        grid_step: f64,
        subgroups: usize,
        declared: [bool; FEATURES],
        joint: Option<usize>,
    ) -> PolicyAcc {
        PolicyAcc {
            joint: joint.map(|later| JointAcc {
                cross: vec![[0; 4]; later],
            }),
            declared,
            overall: GroupAcc::new(horizon_days),
            curves: CurveAcc::new(horizon_days, grid_step, declared[Feature::Death as usize]),
            subgroups: vec![GroupAcc::new(horizon_days); subgroups],
            paired: PairAcc::new(horizon_days),
            paired_subgroups: vec![PairAcc::new(horizon_days); subgroups],
        }
    }

    /// Records one patient's path under this policy: its outcome, its
    /// symptom-free spells and, when split by subgroups, its subgroup.
    #[inline]
    pub fn record(
        &mut self,
        (o, values): (&PathOutcome, &Values),
        spells: &Spells,
        horizon_days: f64,
        subgroup: Option<usize>,
    ) {
        // Split runs sum into the subgroup only: the overall sums are the
        // subgroups' ([`PolicyAcc::finish`]), half the work per path.
        match subgroup {
            Some(g) => self.subgroups[g].record(o, values, &self.declared),
            None => self.overall.record(o, values, &self.declared),
        }
        self.curves.record(o, spells, horizon_days);
    }

    /// Records how the patient's path under this policy differs from the
    /// path under the reference policy, in the patient's subgroup if
    /// split: each path as its day of first recovery
    /// ([`first_recovery`]) and its [`Values`].
    #[inline]
    pub fn record_pair(
        &mut self,
        (recovery, values): (f64, &Values),
        (reference_recovery, reference_values): (f64, &Values),
        subgroup: Option<usize>,
    ) {
        match subgroup {
            Some(g) => self.paired_subgroups[g].record(values, reference_values, &self.declared),
            None => self.paired.record(values, reference_values, &self.declared),
        }
        self.curves.record_discordance(recovery, reference_recovery);
    }

    /// Records the reference policy's pair with itself: every difference
    /// is 0, so only the counts move.
    #[inline]
    pub fn record_own_pair(&mut self, subgroup: Option<usize>) {
        match subgroup {
            Some(g) => self.paired_subgroups[g].patients += 1,
            None => self.paired.patients += 1,
        }
    }

    /// Makes the overall sums of a run split into subgroups: the sums of
    /// its subgroups (paths and pairs recorded by subgroup go to their
    /// subgroup only). Integer sums, so exact; idempotent, so a merged
    /// result may be finished again. Pairs not split by subgroup (under
    /// `--independent`) are left as recorded.
    pub fn finish(&mut self) {
        if let Some((first, rest)) = self.subgroups.split_first() {
            let mut overall = first.clone();
            for g in rest {
                overall.merge(g);
            }
            self.overall = overall;
        }
        if self.paired_subgroups.iter().any(|p| p.patients > 0) {
            let mut paired = PairAcc::new(0.0);
            paired.recovery.horizon_bins = self.paired.recovery.horizon_bins;
            for g in &self.paired_subgroups {
                paired.merge(g);
            }
            self.paired = paired;
        }
    }

    pub fn merge(&mut self, other: &PolicyAcc) {
        self.overall.merge(&other.overall);
        self.curves.merge(&other.curves);
        for (a, b) in self.subgroups.iter_mut().zip(&other.subgroups) {
            a.merge(b);
        }
        self.paired.merge(&other.paired);
        if let (Some(a), Some(b)) = (&mut self.joint, &other.joint) {
            a.merge(b);
        }
        for (a, b) in self.paired_subgroups.iter_mut().zip(&other.paired_subgroups) {
            a.merge(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symptom_free(spells: &[(f64, f64)]) -> Spells {
        Spells {
            symptom_free: spells.to_vec(),
            ..Spells::default()
        }
    }

    #[test]
    fn spells_land_on_the_grid_days_they_cover() {
        let mut c = CurveAcc::new(28.0, 7.0, false); // grid 0, 7, 14, 21, 28
        c.record(
            &PathOutcome::default(),
            &symptom_free(&[(3.0, 14.0), (20.0, 28.0)]),
            28.0,
        );
        let mut running = 0;
        let counts: Vec<i64> = c.symptom_free_diff[..5]
            .iter()
            .map(|d| {
                running += d;
                running
            })
            .collect();
        // [3, 14) covers day 7; [20, 28] covers days 21 and 28.
        assert_eq!(counts, vec![0, 1, 0, 1, 1]);
    }

    /// The grid's multiplication gives what the division gives, on
    /// multiples of the step (where they could differ) and on a sweep of
    /// times, for steps whose inverse is not exact.
    #[test]
    fn grid_positions_equal_the_division() {
        for step in [1.0, 7.0, 0.1, 3.0, 30.4375, 1.0 / 3.0] {
            let grid = Grid::new(step);
            let mut times: Vec<f64> = (0..2000).map(|i| i as f64 * step).collect();
            times.extend((0..2000).map(|i| f64::from(i) * 0.3711));
            times.extend(
                times
                    .clone()
                    .iter()
                    .flat_map(|&t| [t.next_up(), t.next_down().max(0.0)]),
            );
            for t in times {
                assert_eq!(grid.floor(t), (t / step) as usize, "floor {t} / {step}");
                assert_eq!(grid.ceil(t), ceil_index(t / step), "ceil {t} / {step}");
            }
        }
    }

    #[test]
    fn ceil_index_is_the_ceiling() {
        for x in [
            0.0,
            1e-300,
            0.5,
            1.0,
            1.0 + f64::EPSILON,
            2.0 - f64::EPSILON,
            7.0,
            104.25,
            4503599627370495.5,
        ] {
            assert_eq!(ceil_index(x), x.ceil() as usize, "{x}");
        }
    }

    #[test]
    fn the_grid_ends_at_the_horizon() {
        assert_eq!(grid_days(28.0, 7.0), vec![0.0, 7.0, 14.0, 21.0, 28.0]);
        assert_eq!(grid_days(30.0, 7.0), vec![0.0, 7.0, 14.0, 21.0, 28.0, 30.0]);
        assert_eq!(grid_len(30.0, 7.0), 6);
        // A spell reaching the horizon covers it; one ending before does not.
        let mut c = CurveAcc::new(30.0, 7.0, false);
        c.record(&PathOutcome::default(), &symptom_free(&[(29.0, 30.0)]), 30.0);
        c.record(&PathOutcome::default(), &symptom_free(&[(20.0, 29.5)]), 30.0);
        let mut running = 0;
        let counts: Vec<i64> = c.symptom_free_diff[..6]
            .iter()
            .map(|d| {
                running += d;
                running
            })
            .collect();
        assert_eq!(counts, vec![0, 0, 0, 1, 1, 1]);
    }

    #[test]
    fn histogram_ignores_times_at_or_after_the_horizon() {
        let mut h = TimeHistogram::new(2.0);
        h.record(0.0);
        h.record(1.99);
        h.record(2.0);
        assert_eq!(h.counts.iter().sum::<u64>(), 2);
        assert_eq!(h.counts[0], 1);
        assert_eq!(h.counts[15], 1);
    }
}
