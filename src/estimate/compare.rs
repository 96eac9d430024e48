//! Paired comparisons of policies under common random numbers.
//!
//! Every synthetic patient is simulated under every policy, so the
//! difference between two policies can be estimated from per-patient
//! differences `d_i = y_i(policy) - y_i(reference)`:
//!
//! * paired: `mean(d) ± z s_d / sqrt(n)`, `s_d` the sample standard
//!   deviation of the `d_i`;
//! * unpaired (what independent cohorts would give): `diff ± z sqrt(se_a² +
//!   se_b²)` from the two marginal standard errors.
//!
//! With common random numbers the `d_i` are mostly zero and the paired
//! interval is far narrower.
//!
//! The median time to recovery is not a mean of per-patient values. Its
//! paired interval is the delta method's (Bahadur's representation of a
//! quantile): with `se_a`, `se_b` the medians' standard errors (their
//! Brookmeyer-Crowley half-widths over z) and `rho` the correlation of
//! the indicators `T_a <= m_a` and `T_b <= m_b` over the patients,
//!
//! ```text
//! se(m_a - m_b) = sqrt(se_a² + se_b² - 2 rho se_a se_b),   rho = 4 P(T_a <= m_a, T_b <= m_b) - 1
//! ```
//!
//! (each indicator has mean 1/2 at its median, so variance 1/4). The joint
//! share comes from [`RecoveryPairs`]: exact for patients who recover in
//! the same bin under both policies, on a 64 x 64 geometric grid of days
//! for the rest.

use crate::accumulate::{PairAcc, PolicyAcc, RecoveryPairs};
use crate::estimate::summary::{Curve, GroupSummary, PolicyResults};
use crate::outcome::{Estimator, OUTCOMES};
use crate::stats::{Estimate, Z95, paired_mean};

/// One outcome compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub outcome: &'static str,
    pub policy_value: f64,
    pub reference_value: f64,
    /// Difference with its paired interval (NaN where not available).
    pub paired: Estimate,
    /// Difference with the interval independent cohorts would give.
    pub unpaired: Estimate,
}

/// A policy against the reference.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub policy: String,
    pub reference: String,
    /// One per outcome, in summary.csv order.
    pub differences: Vec<Difference>,
    /// Difference in cumulative recovery on the day grid, paired band.
    pub recovered_difference: Curve,
    /// Per subgroup: (label, values of the `--by` covariates, differences).
    pub subgroups: Vec<(String, Vec<String>, Vec<Difference>)>,
}

/// Compares every policy but the reference (index `r`) with it.
pub fn compare(policies: &[PolicyResults], r: usize, accs: &[PolicyAcc], subgroups: &[Vec<String>]) -> Vec<Comparison> {
    let reference = &policies[r];
    policies
        .iter()
        .zip(accs)
        .enumerate()
        .filter(|(p, _)| *p != r)
        .map(|(_, (policy, acc))| {
            let subgroup_diffs = subgroups
                .iter()
                .zip(&acc.paired_subgroups)
                .filter_map(|(values, pair)| {
                    let a = policy.subgroups.iter().find(|s| &s.values == values)?;
                    let b = reference.subgroups.iter().find(|s| &s.values == values)?;
                    Some((
                        a.label.clone(),
                        values.clone(),
                        differences(&a.summary, &b.summary, pair),
                    ))
                })
                .collect();
            Comparison {
                policy: policy.name.clone(),
                reference: reference.name.clone(),
                differences: differences(&policy.overall, &reference.overall, &acc.paired),
                recovered_difference: recovered_difference(
                    &policy.curves.recovered,
                    &reference.curves.recovered,
                    &acc.curves.discordant_diff,
                    acc.overall.patients,
                ),
                subgroups: subgroup_diffs,
            }
        })
        .collect()
}

fn differences(a: &GroupSummary, b: &GroupSummary, pair: &PairAcc) -> Vec<Difference> {
    OUTCOMES
        .iter()
        .enumerate()
        .map(|(k, def)| {
            let (ea, eb) = (a.estimates[k], b.estimates[k]);
            let diff = ea.value - eb.value;
            let se = (ea.se * ea.se + eb.se * eb.se).sqrt();
            let paired = match def.estimator {
                _ if def.paired => paired_mean(pair.sum[k], pair.sum_sq[k], pair.patients, def.kind.scale()),
                Estimator::Median => paired_median(ea, eb, &pair.recovery, pair.patients),
                _ => Estimate::NAN,
            };
            Difference {
                outcome: def.name,
                policy_value: ea.value,
                reference_value: eb.value,
                paired,
                unpaired: Estimate {
                    value: diff,
                    lo: diff - Z95 * se,
                    hi: diff + Z95 * se,
                    se,
                },
            }
        })
        .collect()
}

/// `F_policy(d) - F_reference(d)` with a paired band: on day `d` the
/// per-patient differences are -1, 0 or 1, and `discordant` counts the
/// non-zero ones (their sum of squares).
fn recovered_difference(a: &Curve, b: &Curve, discordant_diff: &[i64], n: u64) -> Curve {
    let mut curve = Curve::default();
    let mut discordant = 0i64;
    let nf = n as f64;
    for (i, &day) in a.day.iter().enumerate() {
        discordant += discordant_diff.get(i).copied().unwrap_or(0);
        let diff = a.value[i] - b.value[i];
        let variance = if n > 1 {
            ((discordant as f64 / nf) - diff * diff).max(0.0) * nf / (nf - 1.0)
        } else {
            f64::NAN
        };
        let se = (variance / nf).sqrt();
        curve.day.push(day);
        curve.value.push(diff);
        curve.lo.push(diff - Z95 * se);
        curve.hi.push(diff + Z95 * se);
    }
    curve
}

/// The difference of two medians `a - b` of days to recovery with its
/// paired interval (see the module's documentation); NaN where either
/// median or its interval is.
fn paired_median(a: Estimate, b: Estimate, pairs: &RecoveryPairs, patients: u64) -> Estimate {
    if patients == 0 || [a.value, b.value, a.se, b.se].iter().any(|x| !x.is_finite()) {
        return Estimate::NAN;
    }
    let rho = (4.0 * pairs.both_by(a.value, b.value, patients) - 1.0).clamp(-1.0, 1.0);
    // (se_a - se_b)² + 2 (1 - rho) se_a se_b: no cancellation when rho is 1.
    let se = ((a.se - b.se).powi(2) + 2.0 * (1.0 - rho) * a.se * b.se).sqrt();
    let value = a.value - b.value;
    Estimate {
        value,
        lo: value - Z95 * se,
        hi: value + Z95 * se,
        se,
    }
}
