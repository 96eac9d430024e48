//! Each policy's results: its accumulators turned into estimates with 95%
//! intervals (formulas in docs/model.md and in [`crate::stats`]), curves
//! and the counts its charts are drawn from.

use crate::accumulate::{CurveAcc, GroupAcc, PolicyAcc, grid_days};
use crate::outcome::{BINS_PER_DAY, Estimator, Feature, Id, N, OUTCOMES, OutcomeDef};
use crate::scenario::Scenario;
use crate::stats::{Estimate, aalen_johansen, kaplan_meier, km_median, loglog_band, mean, proportion};

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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Curve {
    pub day: Vec<f64>,
    pub value: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// The curves of one policy.
#[derive(Debug, Clone, Default)]
pub struct Curves {
    /// Cumulative recovery: 1 - Kaplan-Meier, or the Aalen-Johansen
    /// cumulative incidence when death competes (the same value, since
    /// nobody is censored before the horizon; a different variance formula
    /// with the same value too, see [`crate::stats::aalen_johansen`]).
    pub recovered: Curve,
    /// Share symptom-free on each day.
    pub symptom_free: Curve,
    /// Share not yet operated on, Kaplan-Meier.
    pub surgery_free: Curve,
    /// Health-state occupancy besides `symptom_free`: the share in each
    /// state on each day, with Wilson intervals, named as in curves.csv
    /// (`symptomatic`, `recovering`, and `improved` and `residual_deficit`
    /// when the scenario has partial responses and permanent deficits).
    pub states: Vec<(&'static str, Curve)>,
}

pub use crate::accumulate::PathwayCounts;

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
    /// Patients at risk of a first recovery (neither recovered nor dead
    /// before the day) on each whole day from 0 and on the horizon:
    /// `(day, patients)`.
    pub at_risk: Vec<(f64, u64)>,
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
                    recovered: if scenario.provides(Feature::Death) {
                        incidence_curve(
                            &acc.overall.recovery().counts,
                            &acc.curves.death_before_recovery.counts,
                            n,
                            &days,
                        )
                    } else {
                        cumulative_curve(&acc.overall.recovery().counts, n, &days, false)
                    },
                    symptom_free: occupancy_curve(&prefix_sums(&acc.curves.symptom_free_diff), n, &days),
                    surgery_free: cumulative_curve(&acc.curves.surgery.counts, n, &days, true),
                    states: state_curves(scenario, &acc.curves, n, &days),
                },
                pathway: acc.overall.pathway,
                recovery_time_hist: weekly_bins(&acc.overall.recovery().counts, horizon),
                at_risk: at_risk(
                    &acc.overall.recovery().counts,
                    &acc.curves.death_before_recovery.counts,
                    n,
                    horizon,
                ),
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
/// binned event times on grid days, with its 95% band ([`survival_band`]).
/// `F(d)` counts events strictly before day `d`.
fn cumulative_curve(events: &[u64], n: u64, days: &[f64], survival: bool) -> Curve {
    let km = kaplan_meier(events, n);
    let mut curve = Curve::default();
    for &d in days {
        let bins = ((d * BINS_PER_DAY).round() as usize).min(km.len());
        // Nothing happens before day 0: S(0) = 1 exactly.
        let (s, (lo, hi)) = match bins {
            0 => (1.0, (1.0, 1.0)),
            b => (km[b - 1].0, survival_band(km[b - 1].0, km[b - 1].1, n)),
        };
        let (value, lo, hi) = if survival {
            (s, lo, hi)
        } else {
            (1.0 - s, 1.0 - hi, 1.0 - lo)
        };
        curve.day.push(d);
        curve.value.push(value);
        curve.lo.push(lo);
        curve.hi.push(hi);
    }
    curve
}

/// The Aalen-Johansen cumulative incidence of the events `cause` with
/// `competing` events (both binned) on grid days, with its 95% band:
/// log-log on `F` (as lifelines), the Wilson interval where that is
/// undefined. `F(d)` counts events strictly before day `d`.
fn incidence_curve(cause: &[u64], competing: &[u64], n: u64, days: &[f64]) -> Curve {
    let aj = aalen_johansen(cause, competing, &[], n);
    let mut curve = Curve::default();
    for &d in days {
        let bins = ((d * BINS_PER_DAY).round() as usize).min(aj.len());
        let (f, (lo, hi)) = match bins {
            0 => (0.0, (0.0, 0.0)),
            b => {
                let (f, se) = aj[b - 1];
                let band = loglog_band(f, se).unwrap_or_else(|| {
                    let e = proportion((f * n as f64).round() as u64, n);
                    (e.lo, e.hi)
                });
                (f, band)
            }
        };
        curve.day.push(d);
        curve.value.push(f);
        curve.lo.push(lo);
        curve.hi.push(hi);
    }
    curve
}

/// The 95% band of a Kaplan-Meier survival `s` (Greenwood se `se`) of `n`
/// patients: log-log ([`loglog_band`]); where that is undefined (no event
/// yet, or all had one) the Wilson interval of the share with an event,
/// which the Kaplan-Meier estimate equals when nobody is censored before
/// the horizon, as here.
fn survival_band(s: f64, se: f64, n: u64) -> (f64, f64) {
    loglog_band(s, se).unwrap_or_else(|| {
        let events = ((1.0 - s) * n as f64).round() as u64;
        let f = proportion(events, n);
        (1.0 - f.hi, 1.0 - f.lo)
    })
}

/// Patients in a state on each grid day, from its difference array.
fn prefix_sums(diff: &[i64]) -> Vec<i64> {
    diff.iter()
        .scan(0i64, |count, &delta| {
            *count += delta;
            Some(*count)
        })
        .collect()
}

/// The share of `n` patients in a state on each grid day (`counts` from
/// [`prefix_sums`]), with Wilson intervals.
fn occupancy_curve(counts: &[i64], n: u64, days: &[f64]) -> Curve {
    let mut curve = Curve::default();
    for (&d, &count) in days.iter().zip(counts) {
        let e = proportion(count.max(0) as u64, n);
        curve.day.push(d);
        curve.value.push(e.value);
        curve.lo.push(e.lo);
        curve.hi.push(e.hi);
    }
    curve
}

/// The occupancy of every state but symptom-free; symptomatic is what the
/// others leave (they do not overlap).
fn state_curves(scenario: &Scenario, acc: &CurveAcc, n: u64, days: &[f64]) -> Vec<(&'static str, Curve)> {
    let symptom_free = prefix_sums(&acc.symptom_free_diff);
    let recovering = prefix_sums(&acc.recovering_diff);
    let improved = prefix_sums(&acc.improved_diff);
    let residual = prefix_sums(&acc.residual_diff);
    let dead = prefix_sums(&acc.dead_diff);
    let symptomatic: Vec<i64> = (0..days.len())
        .map(|i| n as i64 - symptom_free[i] - recovering[i] - improved[i] - residual[i] - dead[i])
        .collect();
    let mut states = vec![
        ("symptomatic", occupancy_curve(&symptomatic, n, days)),
        ("recovering", occupancy_curve(&recovering, n, days)),
    ];
    if scenario.provides(Feature::PartialRelief) {
        states.push(("improved", occupancy_curve(&improved, n, days)));
    }
    if scenario.provides(Feature::PermanentDeficit) {
        states.push(("residual_deficit", occupancy_curve(&residual, n, days)));
    }
    if scenario.provides(Feature::Death) {
        states.push(("dead", occupancy_curve(&dead, n, days)));
    }
    states
}

/// Patients at risk of a first recovery on each whole day from 0 to the
/// horizon, and on the horizon when it is not whole: `n` less the first
/// recoveries and the deaths before recovery (binned times, nobody
/// censored before the horizon) strictly before the day, as
/// [`incidence_curve`] counts them.
fn at_risk(recovery: &[u64], death_before_recovery: &[u64], n: u64, horizon: f64) -> Vec<(f64, u64)> {
    let mut days: Vec<f64> = (0..=horizon.floor() as u64).map(|d| d as f64).collect();
    if horizon.fract() != 0.0 {
        days.push(horizon);
    }
    // Events in the bins before each bin boundary.
    let gone: Vec<u64> = std::iter::once(0)
        .chain(
            recovery
                .iter()
                .zip(death_before_recovery.iter().chain(std::iter::repeat(&0)))
                .scan(0, |total, (r, d)| {
                    *total += r + d;
                    Some(*total)
                }),
        )
        .collect();
    days.into_iter()
        .map(|d| {
            let bins = ((d * BINS_PER_DAY).round() as usize).min(gone.len() - 1);
            (d, n.saturating_sub(gone[bins]))
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Z95;

    fn binomial_pmf(n: u64, k: u64, p: f64) -> f64 {
        let (n, k) = (n as f64, k as f64);
        let log_choose = libm::lgamma(n + 1.0) - libm::lgamma(k + 1.0) - libm::lgamma(n - k + 1.0);
        (log_choose + k * p.ln() + (n - k) * (1.0 - p).ln()).exp()
    }

    /// Exact coverage of the band of `S` at one time point, for `n`
    /// patients each with an event before it with probability `p`: nobody
    /// is censored, so the number of events is binomial and coverage is a
    /// finite sum over it (no Monte Carlo error).
    fn coverage(n: u64, p: f64, band: impl Fn(f64, f64, u64) -> (f64, f64)) -> f64 {
        (0..=n)
            .map(|k| {
                let (s, se) = kaplan_meier(&[k], n)[0];
                let (lo, hi) = band(s, se, n);
                if lo <= 1.0 - p && 1.0 - p <= hi {
                    binomial_pmf(n, k, p)
                } else {
                    0.0
                }
            })
            .sum()
    }

    fn wald(s: f64, se: f64, _n: u64) -> (f64, f64) {
        ((s - Z95 * se).clamp(0.0, 1.0), (s + Z95 * se).clamp(0.0, 1.0))
    }

    /// The log-log band covers at least 92% (nominal 95%, less the
    /// discreteness of small counts) where the Wald band it replaced falls
    /// short, in small groups and near 0 and 1.
    #[test]
    fn curve_bands_cover_in_small_groups_and_near_the_ends() {
        for (n, p) in [
            (20, 0.05),
            (30, 0.1),
            (30, 0.9),
            (50, 0.2),
            (100, 0.5),
            (200, 0.02),
            (1000, 0.005),
        ] {
            let loglog = coverage(n, p, survival_band);
            assert!(loglog >= 0.92, "n {n}, p {p}: log-log band covers {loglog:.4}");
        }
        // Where the Wald band failed (0.64, 0.81, 0.91, 0.87).
        for (n, p) in [(20, 0.05), (30, 0.1), (200, 0.02), (1000, 0.005)] {
            let wald = coverage(n, p, wald);
            assert!(wald < 0.92, "n {n}, p {p}: Wald band covers {wald:.4}");
        }
    }

    /// No event yet: the band still has width (the Wilson bound for zero
    /// events), where the Wald band was [0, 0].
    #[test]
    fn a_band_before_any_event_has_width() {
        let (lo, hi) = survival_band(1.0, 0.0, 100);
        assert_eq!(hi, 1.0);
        assert!((1.0 - lo - Z95 * Z95 / (100.0 + Z95 * Z95)).abs() < 1e-12, "{lo}");
        let (lo, hi) = survival_band(0.0, 0.0, 100);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.03, "{hi}");
    }
}
