//! What the draws of a probabilistic analysis say (formulas in
//! docs/economics.md): cost-effectiveness acceptability curves and
//! frontier, the expected value of perfect information, the share of each
//! output's spread that is inner-loop Monte Carlo noise, and parameter
//! importance by partial rank correlation.

/// Per draw, per policy: a value (cost, QALYs or net benefit).
pub type Matrix = Vec<Vec<f64>>;

/// Net monetary benefit `λ E - C` per draw and policy.
pub fn net_benefit(costs: &Matrix, effects: &Matrix, wtp: f64) -> Matrix {
    costs
        .iter()
        .zip(effects)
        .map(|(c, e)| c.iter().zip(e).map(|(c, e)| wtp * e - c).collect())
        .collect()
}

/// The index of the largest value (the first of equals).
fn argmax(values: &[f64]) -> usize {
    values
        .iter()
        .enumerate()
        .fold(
            (0, f64::NEG_INFINITY),
            |best, (i, &v)| if v > best.1 { (i, v) } else { best },
        )
        .0
}

/// Column means.
fn means(m: &Matrix) -> Vec<f64> {
    let k = m.first().map_or(0, Vec::len);
    (0..k)
        .map(|p| m.iter().map(|row| row[p]).sum::<f64>() / m.len() as f64)
        .collect()
}

/// At one willingness to pay: per policy the share of draws in which it has
/// the highest net benefit (the acceptability curve), its expected net
/// benefit, and which policy has the highest expected net benefit (the
/// frontier, Fenwick et al. 2001), and the expected value of perfect
/// information per patient, `E[max_p NB] - max_p E[NB]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AtWtp {
    pub wtp: f64,
    pub probability: Vec<f64>,
    pub expected: Vec<f64>,
    pub optimal: usize,
    pub evpi: f64,
}

pub fn at_wtp(costs: &Matrix, effects: &Matrix, wtp: f64) -> AtWtp {
    let nb = net_benefit(costs, effects, wtp);
    let k = nb.first().map_or(0, Vec::len);
    let mut wins = vec![0u64; k];
    let mut best_sum = 0.0;
    for row in &nb {
        let best = argmax(row);
        wins[best] += 1;
        best_sum += row[best];
    }
    let n = nb.len() as f64;
    let expected = means(&nb);
    let optimal = argmax(&expected);
    AtWtp {
        wtp,
        probability: wins.iter().map(|&w| w as f64 / n).collect(),
        evpi: (best_sum / n - expected[optimal]).max(0.0),
        optimal,
        expected,
    }
}

/// The population over which perfect information pays:
/// `size x Σ_{t < years} (1 + r)^(-t)`, the annual number of patients
/// discounted over the years the decision stands.
pub fn effective_population(size: f64, years: u32, discount_rate: f64) -> f64 {
    (0..years).map(|t| size / (1.0 + discount_rate).powi(t as i32)).sum()
}

/// How much of an output's spread across draws is inner-loop noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// Variance of the draws' estimates.
    pub between: f64,
    /// Mean squared Monte Carlo standard error within a draw.
    pub within: f64,
    /// `within / between`, at most 1.
    pub share: f64,
    /// Patients per draw for a share under 5%: `19 n within / (between -
    /// within)`; infinite when the spread is all noise.
    pub patients_for_5_percent: f64,
}

/// The noise of an output with per-draw estimates `values` and standard
/// errors `se`, from cohorts of `patients`. Across draws the estimate's
/// variance is `V_parameters + σ² / n`; the mean of `se²` estimates
/// `σ² / n`, so the share at `n'` patients is `(σ²/n') / (V + σ²/n')`,
/// under 5% when `n' > 19 σ² / V`.
pub fn noise(values: &[f64], se: &[f64], patients: u64) -> Noise {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let between = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let within = se.iter().map(|s| s * s).sum::<f64>() / n;
    let parameters = between - within;
    Noise {
        between,
        within,
        share: if between > 0.0 {
            (within / between).min(1.0)
        } else {
            f64::NAN
        },
        patients_for_5_percent: if parameters > 0.0 {
            (19.0 * patients as f64 * within / parameters).ceil()
        } else {
            f64::INFINITY
        },
    }
}

/// Ranks 1..n (ties share their mean rank).
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k] = rank;
        }
        i = j + 1;
    }
    r
}

/// Inverse of a symmetric positive definite matrix by Gauss-Jordan
/// elimination; `None` when singular.
fn inverse(mut a: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut inv: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for c in 0..n {
        let pivot = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[pivot][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, pivot);
        inv.swap(c, pivot);
        let d = a[c][c];
        for j in 0..n {
            a[c][j] /= d;
            inv[c][j] /= d;
        }
        for i in 0..n {
            if i != c {
                let f = a[i][c];
                for j in 0..n {
                    a[i][j] -= f * a[c][j];
                    inv[i][j] -= f * inv[c][j];
                }
            }
        }
    }
    Some(inv)
}

/// Partial rank correlation coefficients of each parameter (columns of
/// `x`, one row per draw) with `y`: the correlation of the ranks of `x_j`
/// and `y` once the ranks of the other parameters are accounted for,
/// `-P_jy / sqrt(P_jj P_yy)` with `P` the inverse of the rank correlation
/// matrix (Marino et al. 2008). NaN when a column is constant or the
/// matrix singular, as it is whenever there are no more draws than
/// parameters plus one (then nothing is computed).
///
/// A column whose ranks are an earlier column's (members of a comonotone
/// joint belief), or their mirror (the two shares of a Dirichlet), is one
/// parameter in rank terms: it is left out of the matrix, which it would
/// make singular, and takes that column's coefficient (negated when
/// mirrored).
pub fn prcc(x: &Matrix, y: &[f64]) -> Vec<f64> {
    let all = x.first().map_or(0, Vec::len);
    let n = x.len() as f64;
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(all + 1);
    // Per column: its position among those kept, and the sign.
    let mut kept: Vec<(usize, f64)> = Vec::with_capacity(all);
    for j in 0..all {
        let r = ranks(&x.iter().map(|row| row[j]).collect::<Vec<_>>());
        let twin = columns.iter().position(|c| *c == r).map(|i| (i, 1.0)).or_else(|| {
            columns
                .iter()
                .position(|c| c.iter().zip(&r).all(|(a, b)| a + b == n + 1.0))
                .map(|i| (i, -1.0))
        });
        match twin {
            Some(t) => kept.push(t),
            None => {
                kept.push((columns.len(), 1.0));
                columns.push(r);
            }
        }
    }
    let k = columns.len();
    if x.len() <= k + 1 {
        return vec![f64::NAN; all];
    }
    columns.push(ranks(y));
    let centred: Vec<Vec<f64>> = columns
        .iter()
        .map(|c| {
            let m = c.iter().sum::<f64>() / c.len() as f64;
            c.iter().map(|v| v - m).collect()
        })
        .collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let corr: Vec<Vec<f64>> = centred
        .iter()
        .map(|a| {
            centred
                .iter()
                .map(|b| dot(a, b) / (dot(a, a) * dot(b, b)).sqrt())
                .collect()
        })
        .collect();
    if corr.iter().flatten().any(|v| !v.is_finite()) {
        return vec![f64::NAN; all];
    }
    let Some(p) = inverse(corr) else {
        return vec![f64::NAN; all];
    };
    kept.iter()
        .map(|&(j, sign)| sign * -p[j][k] / (p[j][j] * p[k][k]).sqrt())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Must-hold check of issue 14: two policies whose incremental net
    /// benefit is normal with mean μ and sd σ have EVPI = σ φ(μ/σ) + μ
    /// Φ(μ/σ) - max(μ, 0). Policy 0 has net benefit 0, policy 1 the
    /// normal draws (by inverse transform on a stratified grid, so that the
    /// sample mean and sd are near exact): checked to 0.5% of σ.
    #[test]
    fn evpi_of_a_normal_incremental_net_benefit() {
        use crate::scenario::dist::normal_quantile;
        let (mu, sigma) = (300.0, 1000.0);
        let n = 200_000;
        let effects: Matrix = (0..n)
            .map(|i| {
                let u = (i as f64 + 0.5) / n as f64;
                vec![0.0, mu + sigma * normal_quantile(u)]
            })
            .collect();
        let costs: Matrix = vec![vec![0.0, 0.0]; n];
        let got = at_wtp(&costs, &effects, 1.0);
        let z = mu / sigma;
        let phi = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let cdf = 1.0 - 0.5 * libm::erfc(z / std::f64::consts::SQRT_2);
        let exact = sigma * phi + mu * cdf - mu.max(0.0);
        assert!((got.evpi - exact).abs() < 0.005 * sigma, "{} vs {exact}", got.evpi);
        assert_eq!(got.optimal, 1);
        assert!((got.probability[1] - cdf).abs() < 1e-3);
    }

    #[test]
    fn noise_share_and_the_patients_it_needs() {
        // Between-draw variance 2, within 0.5: share 0.25; the parameter
        // variance is 1.5, so n' = 19 x 1000 x 0.5 / 1.5.
        let values = [1.0, 3.0, 1.0, 3.0, 2.0 - 2f64.sqrt(), 2.0 + 2f64.sqrt()];
        let mean = values.iter().sum::<f64>() / 6.0;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 5.0;
        let se = vec![(0.5f64).sqrt(); 6];
        let got = noise(&values, &se, 1000);
        assert!((got.between - var).abs() < 1e-12);
        assert!((got.share - 0.5 / var).abs() < 1e-12);
        assert_eq!(got.patients_for_5_percent, (19.0 * 1000.0 * 0.5 / (var - 0.5)).ceil());
    }

    /// y = x0 + noise, x1 unrelated: PRCC of x0 near 1, of x1 near 0.
    #[test]
    fn prcc_finds_the_parameter_that_matters() {
        use rand::RngExt;
        let mut rng = crate::rng::stream(1, 2, crate::rng::Purpose::Cohort);
        let x: Matrix = (0..2000)
            .map(|_| vec![rng.random::<f64>(), rng.random::<f64>()])
            .collect();
        let y: Vec<f64> = x.iter().map(|r| r[0] + 0.05 * rng.random::<f64>()).collect();
        let p = prcc(&x, &y);
        assert!(p[0] > 0.95, "{p:?}");
        assert!(p[1].abs() < 0.1, "{p:?}");
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
    }

    /// A column with an earlier column's ranks (a comonotone member) or
    /// their mirror (the other share of a Dirichlet pair) takes its
    /// coefficient, or its negative, and leaves the others as they were
    /// without it (instead of making the matrix singular).
    #[test]
    fn prcc_of_comonotone_and_mirrored_columns() {
        use rand::RngExt;
        let mut rng = crate::rng::stream(1, 3, crate::rng::Purpose::Cohort);
        let base: Matrix = (0..500)
            .map(|_| vec![rng.random::<f64>(), rng.random::<f64>()])
            .collect();
        let y: Vec<f64> = base
            .iter()
            .map(|r| r[0] - 0.5 * r[1] + 0.2 * rng.random::<f64>())
            .collect();
        let alone = prcc(&base, &y);
        let tied: Matrix = base
            .iter()
            .map(|r| vec![r[0], r[0].powi(3), 1.0 - r[0], r[1]])
            .collect();
        let p = prcc(&tied, &y);
        assert_eq!(p, [alone[0], alone[0], -alone[0], alone[1]]);
        assert!(alone.iter().all(|v| v.is_finite()), "{alone:?}");
    }

    #[test]
    fn effective_population_discounts_each_year() {
        assert_eq!(effective_population(1000.0, 1, 0.035), 1000.0);
        let two = effective_population(1000.0, 2, 0.035);
        assert!((two - (1000.0 + 1000.0 / 1.035)).abs() < 1e-9);
    }
}
