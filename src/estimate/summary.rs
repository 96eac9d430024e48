//! Each policy's results: its accumulators turned into estimates with 95%
//! intervals (formulas in docs/model.md and in [`crate::stats`]), curves
//! and the counts its charts are drawn from.

use crate::accumulate::{GroupAcc, PolicyAcc, grid_days};
use crate::outcome::{BINS_PER_DAY, Estimator, Id, N, OUTCOMES, OutcomeDef};
use crate::scenario::Scenario;
use crate::stats::{Estimate, Z95, kaplan_meier, km_median, mean, proportion};

/// The outcomes of one group of patients (a policy, or a subgroup within
/// a policy): one estimate per outcome of [`OUTCOMES`], in its order.
#[derive(Debug, Clone)]
pub struct GroupSummary {
    pub patients: u64,
    pub estimates: [Estimate; N],
}

impl GroupSummary {
    /// Estimates from one group's exact sums.
    pub fn from_acc(g: &GroupAcc) -> GroupSummary {
        let n = g.patients;
        let estimates = std::array::from_fn(|k| {
            let def = &OUTCOMES[k];
            match def.estimator {
                Estimator::Proportion => proportion(g.sum[k] as u64, n),
                Estimator::Mean => mean(g.sum[k], g.sum_sq[k], n, def.kind.scale()),
                Estimator::Median => km_median(&g.times[k].counts, n, BINS_PER_DAY),
            }
        });
        GroupSummary { patients: n, estimates }
    }

    /// The estimate of outcome `id`.
    pub fn get(&self, id: Id) -> Estimate {
        self.estimates[id as usize]
    }

    /// The estimate of an outcome by name.
    pub fn estimate(&self, outcome: &str) -> Option<Estimate> {
        OUTCOMES
            .iter()
            .position(|o| o.name == outcome)
            .map(|k| self.estimates[k])
    }

    /// Every estimate with its outcome, in column order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static OutcomeDef, Estimate)> + '_ {
        OUTCOMES.iter().zip(self.estimates)
    }
}

/// `summary["recovered"]`: the estimate of an outcome by name.
///
/// # Panics
/// On a name that is not an outcome.
impl std::ops::Index<&str> for GroupSummary {
    type Output = Estimate;

    fn index(&self, outcome: &str) -> &Estimate {
        let k = OUTCOMES
            .iter()
            .position(|o| o.name == outcome)
            .unwrap_or_else(|| panic!("no outcome `{outcome}`"));
        &self.estimates[k]
    }
}

/// A curve on the day grid: `value[i]` at `day[i]` with its 95% band.
#[derive(Debug, Clone, Default)]
pub struct Curve {
    pub day: Vec<f64>,
    pub value: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// The curves of one policy.
#[derive(Debug, Clone, Default)]
pub struct Curves {
    /// Cumulative recovery, 1 - Kaplan-Meier.
    pub recovered: Curve,
    /// Share symptom-free on each day.
    pub symptom_free: Curve,
    /// Share not yet operated on, Kaplan-Meier.
    pub surgery_free: Curve,
}

/// Deepest level reached (row: none, conservative, minimally invasive,
/// surgical) by outcome at the horizon (column: symptom-free, symptomatic),
/// as patient counts.
pub type PathwayCounts = [[u64; 2]; 4];

/// A histogram bin of days to first recovery among recovered patients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    pub start: f64,
    pub end: f64,
    pub count: u64,
}

#[derive(Debug, Clone)]
pub struct PolicyResults {
    pub name: String,
    pub overall: GroupSummary,
    pub curves: Curves,
    pub pathway: PathwayCounts,
    /// Days to first recovery among the recovered, in weekly bins.
    pub recovery_time_hist: Vec<Bin>,
    /// One summary per non-empty subgroup.
    pub subgroups: Vec<Subgroup>,
}

/// A subgroup of patients defined by the values of the `--by` covariates.
#[derive(Debug, Clone)]
pub struct Subgroup {
    /// Like `grade=severe, motor_deficit=true`.
    pub label: String,
    /// One value per `--by` covariate, in order.
    pub values: Vec<String>,
    pub summary: GroupSummary,
}

/// The results of each policy from its accumulators (one per policy, in
/// scenario order), with the labels of the subgroups.
pub fn policies(
    scenario: &Scenario,
    accs: &[PolicyAcc],
    subgroup_by: &[String],
    subgroups: &[Vec<String>],
) -> Vec<PolicyResults> {
    let horizon = scenario.simulation().horizon_days;
    let step = scenario.simulation().curve_step_days;
    let days = grid_days(horizon, step);
    scenario
        .policies()
        .iter()
        .zip(accs)
        .map(|(policy, acc)| {
            let n = acc.overall.patients;
            PolicyResults {
                name: policy.name.clone(),
                overall: GroupSummary::from_acc(&acc.overall),
                curves: Curves {
                    recovered: cumulative_curve(&acc.overall.recovery().counts, n, &days, false),
                    symptom_free: symptom_free_curve(&acc.curves.symptom_free_diff, n, &days),
                    surgery_free: cumulative_curve(&acc.curves.surgery.counts, n, &days, true),
                },
                pathway: acc.overall.pathway,
                recovery_time_hist: weekly_bins(&acc.overall.recovery().counts, horizon),
                subgroups: subgroups
                    .iter()
                    .zip(&acc.subgroups)
                    .filter(|(_, g)| g.patients > 0)
                    .map(|(values, g)| Subgroup {
                        label: subgroup_by
                            .iter()
                            .zip(values)
                            .map(|(c, v)| format!("{c}={v}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        values: values.clone(),
                        summary: GroupSummary::from_acc(g),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// `1 - S(d)` (or `S(d)` when `survival`) of the Kaplan-Meier curve of
/// binned event times on grid days, with Greenwood's 95% band clipped to
/// [0, 1]. `F(d)` counts events strictly before day `d`.
fn cumulative_curve(events: &[u64], n: u64, days: &[f64], survival: bool) -> Curve {
    let km = kaplan_meier(events, n);
    let mut curve = Curve::default();
    for &d in days {
        let bins = ((d * BINS_PER_DAY).round() as usize).min(km.len());
        let (s, se) = if bins == 0 { (1.0, 0.0) } else { km[bins - 1] };
        let (value, lo, hi) = if survival {
            (s, s - Z95 * se, s + Z95 * se)
        } else {
            (1.0 - s, 1.0 - s - Z95 * se, 1.0 - s + Z95 * se)
        };
        curve.day.push(d);
        curve.value.push(value);
        curve.lo.push(lo.clamp(0.0, 1.0));
        curve.hi.push(hi.clamp(0.0, 1.0));
    }
    curve
}

/// Share symptom-free on each grid day, with Wilson intervals.
fn symptom_free_curve(diff: &[i64], n: u64, days: &[f64]) -> Curve {
    let mut curve = Curve::default();
    let mut count = 0i64;
    for (&d, &delta) in days.iter().zip(diff) {
        count += delta;
        let e = proportion(count.max(0) as u64, n);
        curve.day.push(d);
        curve.value.push(e.value);
        curve.lo.push(e.lo);
        curve.hi.push(e.hi);
    }
    curve
}

/// Recovery times regrouped into weekly bins (the last one may be shorter).
fn weekly_bins(counts: &[u64], horizon: f64) -> Vec<Bin> {
    let per_week = (7.0 * BINS_PER_DAY) as usize;
    counts
        .chunks(per_week)
        .enumerate()
        .map(|(i, c)| Bin {
            start: i as f64 * 7.0,
            end: ((i + 1) as f64 * 7.0).min(horizon),
            count: c.iter().sum(),
        })
        .collect()
}
