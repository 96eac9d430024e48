//! Plain-number results of a run: what tables and plots are made from.
//!
//! [`summarize`] turns exact accumulators into estimates with 95% intervals
//! (formulas in docs/model.md and in [`crate::stats`]). Nothing here knows
//! polars or plotters.

/// One estimate with its 95% interval and Monte Carlo standard error.
///
/// `value`, `lo` and `hi` are NaN when the quantity is not estimable (for
/// example a median time to recovery when fewer than half recover by the
/// horizon).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
    pub se: f64,
}

/// Levels of care, in the order a pathway escalates through them.
pub const LEVEL_NAMES: [&str; 3] = ["conservative", "minimally_invasive", "surgical"];

/// The scalar outcomes of one group of patients (a policy, or a subgroup
/// within a policy).
#[derive(Debug, Clone)]
pub struct GroupSummary {
    pub patients: u64,
    /// Share recovered (first recovery) by the horizon.
    pub recovered: Estimate,
    /// Kaplan-Meier median days to first recovery.
    pub median_days: Estimate,
    /// Restricted mean of symptomatic days within the horizon.
    pub symptomatic_days: Estimate,
    /// Share symptom-free at the horizon.
    pub symptom_free: Estimate,
    /// Share that started at least one intervention of each level
    /// (indexed as [`LEVEL_NAMES`]).
    pub level_reached: [Estimate; 3],
    pub surgery: Estimate,
    pub fusion: Estimate,
    /// Share with at least one complication.
    pub complication: Estimate,
    /// Share with at least one relapse.
    pub relapse: Estimate,
    /// Mean number of intervention attempts started per patient.
    pub interventions: Estimate,
}

/// The outcomes of a [`GroupSummary`], in the column order of summary.csv.
pub const OUTCOMES: [&str; 12] = [
    "recovered",
    "median_days",
    "symptomatic_days",
    "symptom_free",
    "reached_conservative",
    "reached_minimally_invasive",
    "reached_surgical",
    "surgery",
    "fusion",
    "complication",
    "relapse",
    "interventions",
];

impl GroupSummary {
    /// Every estimate with its outcome name, in [`OUTCOMES`] order.
    pub fn estimates(&self) -> [(&'static str, Estimate); 12] {
        [
            ("recovered", self.recovered),
            ("median_days", self.median_days),
            ("symptomatic_days", self.symptomatic_days),
            ("symptom_free", self.symptom_free),
            ("reached_conservative", self.level_reached[0]),
            ("reached_minimally_invasive", self.level_reached[1]),
            ("reached_surgical", self.level_reached[2]),
            ("surgery", self.surgery),
            ("fusion", self.fusion),
            ("complication", self.complication),
            ("relapse", self.relapse),
            ("interventions", self.interventions),
        ]
    }

    /// The estimate of one outcome by name.
    pub fn estimate(&self, outcome: &str) -> Option<Estimate> {
        self.estimates()
            .into_iter()
            .find(|(n, _)| *n == outcome)
            .map(|(_, e)| e)
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

/// Everything a run produces, ready for tables and plots.
#[derive(Debug, Clone)]
pub struct RunResults {
    pub scenario: String,
    pub horizon_days: f64,
    /// Covariates the subgroup table is split by.
    pub subgroup_by: Vec<String>,
    pub policies: Vec<PolicyResults>,
    /// Index of the reference policy for comparisons.
    pub reference: usize,
    /// Each other policy against the reference (empty with one policy).
    pub comparisons: Vec<crate::compare::Comparison>,
}

use crate::accumulate::{BINS_PER_DAY, DAY_FIXED_POINT, GroupAcc, PolicyAcc, grid_len};
use crate::stats::{kaplan_meier, km_median, mean, proportion};

impl GroupSummary {
    /// Estimates from one group's exact counts.
    pub fn from_acc(g: &GroupAcc) -> GroupSummary {
        let n = g.patients;
        GroupSummary {
            patients: n,
            recovered: proportion(g.recovered, n),
            median_days: km_median(&g.recovery.counts, n, BINS_PER_DAY),
            symptomatic_days: mean(g.symptomatic, g.symptomatic_sq, n, DAY_FIXED_POINT),
            symptom_free: proportion(g.symptom_free, n),
            level_reached: g.level_reached.map(|k| proportion(k, n)),
            surgery: proportion(g.surgery, n),
            fusion: proportion(g.fusion, n),
            complication: proportion(g.complicated, n),
            relapse: proportion(g.relapsed, n),
            interventions: mean(u128::from(g.interventions), g.interventions_sq, n, 1.0),
        }
    }
}

/// Builds the results of a run from its accumulators (one per policy, in
/// scenario order) and the labels of the subgroups.
pub fn summarize(
    scenario: &crate::scenario::Scenario,
    accs: &[PolicyAcc],
    subgroup_by: &[String],
    subgroups: &[Vec<String>],
    reference: usize,
) -> RunResults {
    let horizon = scenario.simulation.horizon_days;
    let step = scenario.simulation.curve_step_days;
    let days: Vec<f64> = (0..grid_len(horizon, step)).map(|i| i as f64 * step).collect();
    let policies = scenario
        .policies
        .iter()
        .zip(accs)
        .map(|(policy, acc)| {
            let n = acc.overall.patients;
            PolicyResults {
                name: policy.name.clone(),
                overall: GroupSummary::from_acc(&acc.overall),
                curves: Curves {
                    recovered: cumulative_curve(&acc.overall.recovery.counts, n, &days, false),
                    symptom_free: symptom_free_curve(&acc.curves.symptom_free_diff, n, &days),
                    surgery_free: cumulative_curve(&acc.curves.surgery.counts, n, &days, true),
                },
                pathway: acc.overall.pathway,
                recovery_time_hist: weekly_bins(&acc.overall.recovery.counts, horizon),
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
        .collect();
    let mut results = RunResults {
        scenario: scenario.name.clone(),
        horizon_days: horizon,
        subgroup_by: subgroup_by.to_vec(),
        policies,
        reference,
        comparisons: Vec::new(),
    };
    results.comparisons = crate::compare::compare(&results, accs, subgroups);
    results
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
            (s, s - crate::stats::Z95 * se, s + crate::stats::Z95 * se)
        } else {
            (
                1.0 - s,
                1.0 - s - crate::stats::Z95 * se,
                1.0 - s + crate::stats::Z95 * se,
            )
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
