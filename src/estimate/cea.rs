//! The incremental cost-effectiveness analysis of a run's policies, as
//! health economists do it (Drummond et al., *Methods for the Economic
//! Evaluation of Health Care Programmes*, 4th ed., ch. 4; dampack's
//! `calculate_icers`), with intervals from the paired per-patient values
//! under common random numbers. Formulas in docs/economics.md.
//!
//! 1. Sort the policies by mean discounted cost (ties: more QALYs first).
//! 2. Remove the strongly dominated: another policy costs no more and
//!    gives at least as many QALYs (identical policies: the later one).
//! 3. Remove the extendedly dominated: along the rest, a policy whose ICER
//!    is higher than the next one's; repeat until ICERs increase.
//! 4. The ICER of each policy on the frontier is against the previous one:
//!    `ΔC / ΔE`, with Fieller's 95% interval.
//!
//! Net monetary benefit at a willingness to pay `λ` is `λ E - C`; its
//! interval, and that of its difference from the reference policy, come
//! from the exact sums of per-patient costs, QALYs and their products.

use crate::accumulate::{JointAcc, PolicyAcc};
use crate::outcome::{Id, MONEY_FIXED_POINT, YEAR_FIXED_POINT};
use crate::stats::{Estimate, Z95};

/// Where a policy stands in the incremental analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// On the cost-effectiveness frontier.
    Frontier,
    /// Another policy costs no more and gives at least as many QALYs.
    Dominated,
    /// A mix of two frontier policies would give more QALYs for the cost.
    ExtendedlyDominated,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Frontier => "frontier",
            Status::Dominated => "dominated",
            Status::ExtendedlyDominated => "extendedly dominated",
        }
    }
}

/// The incremental analysis of points `(cost, effect)`: per point its
/// status and the point it is compared with (the previous frontier point
/// for the frontier, none for the cheapest; the dominating point; the
/// frontier point below an extendedly dominated one), and the order by
/// cost.
pub fn incremental(points: &[(f64, f64)]) -> (Vec<(Status, Option<usize>)>, Vec<usize>) {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        let (ca, ea) = points[a];
        let (cb, eb) = points[b];
        ca.total_cmp(&cb).then(eb.total_cmp(&ea)).then(a.cmp(&b))
    });
    let mut out = vec![(Status::Frontier, None); points.len()];
    // Strong dominance: an earlier point (in cost order) with at least the
    // effect dominates (it costs no more).
    for (k, &i) in order.iter().enumerate() {
        if let Some(&j) = order[..k].iter().find(|&&j| points[j].1 >= points[i].1) {
            out[i] = (Status::Dominated, Some(j));
        }
    }
    let mut frontier: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| out[i].0 == Status::Frontier)
        .collect();
    // Extended dominance: effects increase strictly along `frontier`.
    let icer = |a: usize, b: usize| (points[b].0 - points[a].0) / (points[b].1 - points[a].1);
    while let Some(k) = (1..frontier.len().saturating_sub(1))
        .find(|&k| icer(frontier[k - 1], frontier[k]) > icer(frontier[k], frontier[k + 1]))
    {
        let i = frontier.remove(k);
        out[i] = (Status::ExtendedlyDominated, Some(frontier[k - 1]));
    }
    for w in frontier.windows(2) {
        out[w[1]].1 = Some(w[0]);
    }
    // An extendedly dominated policy is compared with the frontier policy
    // just below it in cost on the final frontier (the one it was compared
    // with when removed may have been removed after it).
    let rank: Vec<usize> = {
        let mut rank = vec![0; points.len()];
        for (k, &i) in order.iter().enumerate() {
            rank[i] = k;
        }
        rank
    };
    for &i in &order {
        if out[i].0 == Status::ExtendedlyDominated {
            out[i].1 = frontier.iter().copied().take_while(|&f| rank[f] < rank[i]).last();
        }
    }
    (out, order)
}

/// The five-policy example of docs/economics.md, `(cost, QALYs)` of A to
/// E, solved by hand there and checked by `foramen verify`.
pub const FIVE_POLICY_EXAMPLE: [(f64, f64); 5] = [
    (1000.0, 1.00),
    (2000.0, 0.95),
    (3000.0, 1.10),
    (4000.0, 1.12),
    (6000.0, 1.20),
];

/// Fieller's 95% interval for the ratio `dc / de` of two means with
/// variances `vc`, `ve` and covariance `cov` (of the means): the `R` with
/// `(dc - R de)² <= z² (vc - 2 R cov + R² ve)`. `None` when that set is not
/// a bounded interval (the effect difference is not distinguishable from 0
/// at 95%).
pub fn fieller(dc: f64, de: f64, vc: f64, ve: f64, cov: f64) -> Option<(f64, f64)> {
    let z2 = Z95 * Z95;
    let a = de * de - z2 * ve;
    let b = de * dc - z2 * cov;
    let c = dc * dc - z2 * vc;
    let disc = b * b - a * c;
    if a <= 0.0 || disc < 0.0 {
        return None;
    }
    let root = disc.sqrt();
    Some(((b - root) / a, (b + root) / a))
}

/// One policy in the incremental analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct CeaRow {
    pub policy: String,
    pub cost: Estimate,
    pub qalys: Estimate,
    pub status: Status,
    /// The policy it is compared with (see [`incremental`]).
    pub compared_with: Option<String>,
    /// Against `compared_with`, with paired intervals (NaN without one).
    pub incremental_cost: Estimate,
    pub incremental_qalys: Estimate,
    /// ICER against `compared_with`, frontier policies only (NaN otherwise),
    /// with Fieller's interval (NaN when unbounded).
    pub icer: f64,
    pub icer_lo: f64,
    pub icer_hi: f64,
}

/// Net monetary benefit of a policy at one willingness to pay.
#[derive(Debug, Clone, PartialEq)]
pub struct NmbRow {
    pub policy: String,
    pub willingness_to_pay: f64,
    pub nmb: Estimate,
    /// Against the reference policy, paired.
    pub incremental: Estimate,
    /// The highest NMB at this willingness to pay.
    pub best: bool,
}

/// A run's cost-effectiveness results.
#[derive(Debug, Clone, PartialEq)]
pub struct Cea {
    pub currency: String,
    /// In order of cost.
    pub rows: Vec<CeaRow>,
    /// Per willingness to pay, per policy in scenario order.
    pub nmb: Vec<NmbRow>,
}

/// A variable of the joint sums: a policy's cost (`false`) or QALYs.
type Var = (usize, bool);

/// Exact sums of per-patient costs and QALYs of every policy, and of
/// their cross-products.
struct Moments<'a> {
    n: u64,
    accs: &'a [PolicyAcc],
}

impl Moments<'_> {
    fn sum(&self, (p, qaly): Var) -> i128 {
        let id = if qaly { Id::Qalys } else { Id::Cost };
        self.accs[p].overall.sum[id as usize]
    }

    fn cross(&self, a: Var, b: Var) -> i128 {
        let (a, b) = if a.0 <= b.0 { (a, b) } else { (b, a) };
        let joint: &JointAcc = self.accs[a.0].joint.as_ref().expect("joint sums with economics");
        joint.cross[b.0 - a.0][usize::from(a.1) * 2 + usize::from(b.1)]
    }

    /// Sum and cross-product sums of the linear combination `Σ w v` (of
    /// integer weights), as (Σ x, Σ x y) with another such combination.
    fn combo(&self, x: &[(i128, Var)], y: &[(i128, Var)]) -> (i128, i128, i128) {
        let sx = x.iter().map(|&(w, v)| w * self.sum(v)).sum();
        let sy = y.iter().map(|&(w, v)| w * self.sum(v)).sum();
        let sxy = x
            .iter()
            .flat_map(|&(wx, vx)| y.iter().map(move |&(wy, vy)| (wx * wy, vx, vy)))
            .map(|(w, vx, vy)| w * self.cross(vx, vy))
            .sum();
        (sx, sy, sxy)
    }

    /// Covariance of the means of two combinations, in real units.
    fn cov(&self, x: &[(i128, Var)], y: &[(i128, Var)]) -> f64 {
        let scale = |c: &[(i128, Var)]| {
            if c[0].1.1 { YEAR_FIXED_POINT } else { MONEY_FIXED_POINT }
        };
        let (sx, sy, sxy) = self.combo(x, y);
        cov_of_means(self.n, sx, sy, sxy) / (scale(x) * scale(y))
    }

    fn mean(&self, x: &[(i128, Var)]) -> f64 {
        let scale = if x[0].1.1 { YEAR_FIXED_POINT } else { MONEY_FIXED_POINT };
        let s: i128 = x.iter().map(|&(w, v)| w * self.sum(v)).sum();
        s as f64 / self.n as f64 / scale
    }
}

/// `(n Σxy - Σx Σy) / (n² (n - 1))`: the covariance of two sample means
/// (exact in integers while it fits, then in floating point).
fn cov_of_means(n: u64, sx: i128, sy: i128, sxy: i128) -> f64 {
    if n < 2 {
        return f64::NAN;
    }
    let nf = n as f64;
    let spread = i128::from(n)
        .checked_mul(sxy)
        .zip(sx.checked_mul(sy))
        .and_then(|(a, b)| a.checked_sub(b))
        .map_or_else(|| nf * sxy as f64 - sx as f64 * sy as f64, |d| d as f64);
    spread / (nf * nf * (nf - 1.0))
}

fn estimate(value: f64, variance: f64) -> Estimate {
    let se = variance.max(0.0).sqrt();
    Estimate {
        value,
        lo: value - Z95 * se,
        hi: value + Z95 * se,
        se,
    }
}

/// The incremental analysis and net monetary benefits of a run, from its
/// accumulators (which carry the joint sums when the scenario declares
/// `[economics]`); `names` in scenario order, `reference` the policy NMB
/// differences are taken against. `None` without joint sums.
pub fn analyse(
    accs: &[PolicyAcc],
    names: &[String],
    reference: usize,
    currency: &str,
    willingness_to_pay: &[f64],
) -> Option<Cea> {
    if accs.iter().any(|a| a.joint.is_none()) {
        return None;
    }
    let m = Moments {
        n: accs.first()?.overall.patients,
        accs,
    };
    let cost = |p: usize| [(1, (p, false))];
    let qaly = |p: usize| [(1, (p, true))];
    let diff = |b: usize, a: usize, q: bool| [(1, (b, q)), (-1, (a, q))];
    let points: Vec<(f64, f64)> = (0..accs.len()).map(|p| (m.mean(&cost(p)), m.mean(&qaly(p)))).collect();
    let (fates, order) = incremental(&points);
    let rows = order
        .iter()
        .map(|&p| {
            let (status, with) = fates[p];
            let (dc, de, icer) = match with {
                Some(a) => {
                    let (dcx, dex) = (diff(p, a, false), diff(p, a, true));
                    let (vc, ve, cov) = (m.cov(&dcx, &dcx), m.cov(&dex, &dex), m.cov(&dcx, &dex));
                    let (dc, de) = (estimate(m.mean(&dcx), vc), estimate(m.mean(&dex), ve));
                    let icer = if status == Status::Frontier {
                        let (lo, hi) = fieller(dc.value, de.value, vc, ve, cov).unwrap_or((f64::NAN, f64::NAN));
                        (dc.value / de.value, lo, hi)
                    } else {
                        (f64::NAN, f64::NAN, f64::NAN)
                    };
                    (dc, de, icer)
                }
                None => (Estimate::NAN, Estimate::NAN, (f64::NAN, f64::NAN, f64::NAN)),
            };
            CeaRow {
                policy: names[p].clone(),
                cost: estimate(points[p].0, m.cov(&cost(p), &cost(p))),
                qalys: estimate(points[p].1, m.cov(&qaly(p), &qaly(p))),
                status,
                compared_with: with.map(|a| names[a].clone()),
                incremental_cost: dc,
                incremental_qalys: de,
                icer: icer.0,
                icer_lo: icer.1,
                icer_hi: icer.2,
            }
        })
        .collect();
    let mut nmb = Vec::new();
    for &wtp in willingness_to_pay {
        let value = |p: usize| wtp * points[p].1 - points[p].0;
        let best = (0..accs.len()).max_by(|&a, &b| value(a).total_cmp(&value(b)).then(b.cmp(&a)));
        for (p, name) in names.iter().enumerate() {
            // Var(λ E - C) = λ² Var E - 2 λ Cov(E, C) + Var C.
            let variance =
                |c: &[(i128, Var)], e: &[(i128, Var)]| wtp * wtp * m.cov(e, e) - 2.0 * wtp * m.cov(e, c) + m.cov(c, c);
            let own = variance(&cost(p), &qaly(p));
            let paired = variance(&diff(p, reference, false), &diff(p, reference, true));
            nmb.push(NmbRow {
                policy: name.clone(),
                willingness_to_pay: wtp,
                nmb: estimate(value(p), own),
                incremental: estimate(value(p) - value(reference), paired),
                best: best == Some(p),
            });
        }
    }
    Some(Cea {
        currency: currency.to_string(),
        rows,
        nmb,
    })
}

/// The decision at one willingness to pay: the policy with the highest
/// mean net monetary benefit, the runner-up, and the difference between
/// them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// Index (scenario order) of the policy with the highest mean `λ E - C`
    /// (ties: the first).
    pub best: usize,
    /// The next highest (`None` with one policy).
    pub runner_up: Option<usize>,
    /// NMB(best) - NMB(runner-up), with its paired interval:
    /// `Var = λ² Var ΔE - 2 λ Cov(ΔE, ΔC) + Var ΔC` of the paired means.
    /// NaN without a runner-up.
    pub incremental: Estimate,
}

/// The decision at willingness to pay `wtp` from a run's accumulators (in
/// scenario order), as [`analyse`] picks its best; `None` without joint
/// sums.
pub fn decision(accs: &[PolicyAcc], wtp: f64) -> Option<Decision> {
    if accs.iter().any(|a| a.joint.is_none()) {
        return None;
    }
    let m = Moments {
        n: accs.first()?.overall.patients,
        accs,
    };
    let value = |p: usize| wtp * m.mean(&[(1, (p, true))]) - m.mean(&[(1, (p, false))]);
    let top = |skip: Option<usize>| {
        (0..accs.len())
            .filter(|&p| Some(p) != skip)
            .max_by(|&a, &b| value(a).total_cmp(&value(b)).then(b.cmp(&a)))
    };
    let best = top(None)?;
    let runner_up = top(Some(best));
    let incremental = runner_up.map_or(Estimate::NAN, |r| {
        let (dc, de) = (
            [(1, (best, false)), (-1, (r, false))],
            [(1, (best, true)), (-1, (r, true))],
        );
        let variance = wtp * wtp * m.cov(&de, &de) - 2.0 * wtp * m.cov(&de, &dc) + m.cov(&dc, &dc);
        estimate(value(best) - value(r), variance)
    });
    Some(Decision {
        best,
        runner_up,
        incremental,
    })
}

#[cfg(test)]
mod tests {
    /// Cascading extended dominance: A 0/0, B 15/1, C 40/2, D 44/3 (cost /
    /// QALYs). C goes first (25 > 4), then B (15 > 14.5): both are compared
    /// with A, the frontier policy below them at the end, not C with B.
    #[test]
    fn extendedly_dominated_policies_are_compared_with_the_final_frontier() {
        let (fates, _) = super::incremental(&[(0.0, 0.0), (15.0, 1.0), (40.0, 2.0), (44.0, 3.0)]);
        assert_eq!(fates[0], (Status::Frontier, None));
        assert_eq!(fates[1], (Status::ExtendedlyDominated, Some(0)));
        assert_eq!(fates[2], (Status::ExtendedlyDominated, Some(0)));
        assert_eq!(fates[3], (Status::Frontier, Some(0)));
    }

    use super::*;

    /// The five-policy example of docs/economics.md, solved by hand: B is
    /// dominated by A; D's ICER over C (50,000) exceeds E's over D
    /// (25,000), so D is extendedly dominated; the frontier is A, C, E with
    /// ICERs 20,000 and 30,000.
    #[test]
    fn five_policy_example() {
        let (fates, order) = incremental(&FIVE_POLICY_EXAMPLE);
        assert_eq!(order, [0, 1, 2, 3, 4]);
        assert_eq!(
            fates,
            [
                (Status::Frontier, None),
                (Status::Dominated, Some(0)),
                (Status::Frontier, Some(0)),
                (Status::ExtendedlyDominated, Some(2)),
                (Status::Frontier, Some(2)),
            ]
        );
    }

    #[test]
    fn identical_policies_keep_the_first() {
        let (fates, _) = incremental(&[(5.0, 1.0), (5.0, 1.0)]);
        assert_eq!(fates, [(Status::Frontier, None), (Status::Dominated, Some(0))]);
    }

    /// Fieller's bounds solve `(dc - R de)² = z² (vc - 2 R cov + R² ve)`;
    /// with no uncertainty in the effect they are the delta interval
    /// `dc/de ± z sqrt(vc)/de`.
    #[test]
    fn fieller_bounds_solve_the_quadratic() {
        let (dc, de, vc, ve, cov) = (1000.0, 0.05, 200.0_f64.powi(2), 0.01_f64.powi(2), 0.5);
        let (lo, hi) = fieller(dc, de, vc, ve, cov).unwrap();
        for r in [lo, hi] {
            let lhs = (dc - r * de).powi(2);
            let rhs = Z95 * Z95 * (vc - 2.0 * r * cov + r * r * ve);
            assert!((lhs - rhs).abs() < 1e-6 * lhs.max(1.0), "{lhs} vs {rhs}");
        }
        assert!(lo < dc / de && dc / de < hi);
        let (lo, hi) = fieller(dc, de, vc, 0.0, 0.0).unwrap();
        let half = Z95 * vc.sqrt() / de;
        assert!((lo - (dc / de - half)).abs() < 1e-6 && (hi - (dc / de + half)).abs() < 1e-6);
        // An effect difference within noise of 0: no bounded interval.
        assert_eq!(fieller(dc, 0.01, vc, 0.01_f64.powi(2), 0.0), None);
    }
}
