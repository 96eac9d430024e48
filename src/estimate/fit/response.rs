//! Response probabilities from counts (`foramen fit --response`).
//!
//! Without covariates: a beta belief from `k` successes in `n` trials,
//! Beta(k, n - k) (Briggs, Claxton and Sculpher 2006, *Decision Modelling
//! for Health Economic Evaluation*, section 4.3.1), whose mean is `k / n`;
//! with no success or no failure that is improper, and Jeffreys' Beta(k +
//! 1/2, n - k + 1/2) is used instead.
//!
//! With covariates: a logistic regression `logit p_i = β₀ + Σ β_j x_ij`,
//! fitted by Newton's method on the exact gradient `Xᵀ(y - n p)` and
//! information `Xᵀ W X`, `W = diag(n_i p_i (1 - p_i))` (iteratively
//! reweighted least squares); `exp β_j` is the odds ratio of covariate
//! `j`, and the inverse information the joint normal belief of the
//! `β`s.

use super::Covariate;
use super::newton::inverse;
use crate::scenario::dist::{beta_quantile, softplus};

/// Binomial data: per row, successes out of trials (1 trial a row when the
/// data are one row per patient).
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub successes: Vec<f64>,
    pub trials: Vec<f64>,
    pub covariates: Vec<Covariate>,
}

/// A beta belief about one probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BetaBelief {
    pub successes: f64,
    pub trials: f64,
    pub a: f64,
    pub b: f64,
    /// Jeffreys' prior was added (no success or no failure).
    pub jeffreys: bool,
}

impl BetaBelief {
    pub fn from_counts(successes: f64, trials: f64) -> BetaBelief {
        let jeffreys = successes == 0.0 || successes == trials;
        let add = if jeffreys { 0.5 } else { 0.0 };
        BetaBelief {
            successes,
            trials,
            a: successes + add,
            b: trials - successes + add,
            jeffreys,
        }
    }

    pub fn mean(&self) -> f64 {
        self.a / (self.a + self.b)
    }

    /// The central 95% interval.
    pub fn interval(&self) -> (f64, f64) {
        (
            beta_quantile(self.a, self.b, 0.025),
            beta_quantile(self.a, self.b, 0.975),
        )
    }
}

/// A logistic regression fitted to counts.
#[derive(Debug, Clone)]
pub struct Logistic {
    /// `intercept`, then the covariates' names.
    pub names: Vec<String>,
    /// `β₀` (the log odds with every covariate 0), then each log odds ratio.
    pub estimate: Vec<f64>,
    /// Row-major inverse information.
    pub covariance: Vec<f64>,
    pub log_likelihood: f64,
    pub rows: usize,
    pub converged: Result<usize, String>,
}

impl Logistic {
    pub fn se(&self, i: usize) -> f64 {
        self.covariance[i * self.estimate.len() + i].sqrt()
    }
}

/// The largest |log odds ratio| before the fit is said to separate.
const SEPARATION: f64 = 25.0;

/// The logistic regression of `counts` on its covariates.
pub fn logistic(counts: &Counts) -> Logistic {
    let k = 1 + counts.covariates.len();
    let rows = counts.trials.len();
    let x = |i: usize, j: usize| {
        if j == 0 {
            1.0
        } else {
            counts.covariates[j - 1].values[i]
        }
    };
    let mut names = vec!["intercept".to_string()];
    names.extend(counts.covariates.iter().map(|c| c.name.clone()));
    let (y, n) = (&counts.successes, &counts.trials);
    let total: f64 = n.iter().sum();
    let p0 = (y.iter().sum::<f64>() / total).clamp(0.01, 0.99);
    let mut beta = vec![0.0; k];
    beta[0] = (p0 / (1.0 - p0)).ln();
    // The log-likelihood, its gradient and the information at β.
    let score = |beta: &[f64]| {
        let (mut ll, mut g, mut information) = (0.0, vec![0.0; k], vec![0.0; k * k]);
        for i in 0..rows {
            let eta: f64 = (0..k).map(|j| beta[j] * x(i, j)).sum();
            let p = 1.0 / (1.0 + (-eta).exp());
            // ln p = -softplus(-eta), ln(1 - p) = -softplus(eta)
            ll -= y[i] * softplus(-eta) + (n[i] - y[i]) * softplus(eta);
            let w = n[i] * p * (1.0 - p);
            for a in 0..k {
                g[a] += x(i, a) * (y[i] - n[i] * p);
                for b in 0..k {
                    information[a * k + b] += w * x(i, a) * x(i, b);
                }
            }
        }
        (ll, g, information)
    };
    let mut result = Err("no maximum within 100 Newton steps".to_string());
    for iteration in 0..100 {
        let (_, g, information) = score(&beta);
        let Some(inv) = inverse(&information, k) else {
            result = Err("the information is singular: a covariate is constant or a combination of others".into());
            break;
        };
        let step: Vec<f64> = (0..k).map(|a| (0..k).map(|b| inv[a * k + b] * g[b]).sum()).collect();
        let decrement: f64 = g.iter().zip(&step).map(|(g, s)| g * s).sum();
        beta.iter_mut().zip(&step).for_each(|(b, s)| *b += s);
        if let Some(j) = (1..k).find(|&j| beta[j].abs() > SEPARATION) {
            result = Err(format!(
                "covariate {} separates the responses (its log odds ratio passed {SEPARATION}): with these data every row with one value responds, or none does",
                names[j]
            ));
            break;
        }
        // Once the step is this small the one just taken (quadratic
        // convergence) leaves the estimates at rounding.
        if decrement < 1e-12 {
            result = Ok(iteration + 1);
            break;
        }
    }
    let (ll, _, information) = score(&beta);
    let covariance = match (&result, inverse(&information, k)) {
        (Ok(_), Some(v)) => v,
        _ => vec![f64::NAN; k * k],
    };
    Logistic {
        names,
        estimate: beta,
        covariance,
        log_likelihood: ll,
        rows,
        converged: result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_from_counts_has_mean_k_over_n_unless_it_needs_jeffreys() {
        let b = BetaBelief::from_counts(12.0, 40.0);
        assert_eq!((b.a, b.b, b.jeffreys), (12.0, 28.0, false));
        assert!((b.mean() - 0.3).abs() < 1e-15);
        let none = BetaBelief::from_counts(0.0, 10.0);
        assert_eq!((none.a, none.b, none.jeffreys), (0.5, 10.5, true));
        let (lo, hi) = b.interval();
        assert!(lo < 0.3 && 0.3 < hi);
    }

    /// One binary covariate: the fit is saturated, so the intercept is the
    /// log odds of the group at 0 and the coefficient the log odds ratio,
    /// with Woolf's variance `1/a + 1/b + 1/c + 1/d`.
    #[test]
    fn a_binary_covariate_gives_the_two_by_two_table() {
        // Group 0: 6 of 20; group 1: 12 of 20, as rows of counts.
        let counts = Counts {
            successes: vec![6.0, 12.0],
            trials: vec![20.0, 20.0],
            covariates: vec![Covariate {
                name: "x".into(),
                values: vec![0.0, 1.0],
            }],
        };
        let f = logistic(&counts);
        assert!(f.converged.is_ok(), "{:?}", f.converged);
        let or: f64 = (12.0 / 8.0) / (6.0 / 14.0);
        assert!(
            (f.estimate[0] - (6.0f64 / 14.0).ln()).abs() < 1e-10,
            "{:?} {:?}",
            f.estimate,
            f.converged
        );
        assert!((f.estimate[1] - or.ln()).abs() < 1e-10);
        let woolf: f64 = 1.0 / 6.0 + 1.0 / 14.0 + 1.0 / 12.0 + 1.0 / 8.0;
        assert!((f.se(1) - woolf.sqrt()).abs() < 1e-10, "{}", f.se(1));
    }

    #[test]
    fn separation_is_named() {
        let counts = Counts {
            successes: vec![0.0, 10.0],
            trials: vec![10.0, 10.0],
            covariates: vec![Covariate {
                name: "grade".into(),
                values: vec![0.0, 1.0],
            }],
        };
        let why = logistic(&counts).converged.unwrap_err();
        assert!(why.contains("grade separates"), "{why}");
    }
}
