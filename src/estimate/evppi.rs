//! The expected value of partial perfect information (EVPPI) of a group of
//! parameters, by regression on the draws of a probabilistic analysis
//! (Strong, Oakley and Brennan 2014, Med Decis Making 34:311-326):
//!
//! `EVPPI(θ_g) = (1/n) Σ_i max_d ĝ_d(θ_g,i) - max_d (1/n) Σ_i ĝ_d(θ_g,i)`
//!
//! where `ĝ_d` estimates `E[NB_d | θ_g]` by a smooth regression of the
//! draws' net benefit on the group's values. Net benefit is taken against
//! the reference policy (`ĝ_ref = 0`), which changes nothing in the
//! difference and conditions the regression better. Since
//! `NB_d(λ) = λ Q_d - C_d`, the incremental QALYs and the incremental cost
//! of each policy are each regressed once, and `ĝ_d(λ) = λ Q̂_d - Ĉ_d` is
//! formed for every willingness to pay `λ` without refitting.
//!
//! Each parameter enters scaled to [0, 1] by its range in the sample, so
//! that one penalty suits every margin of a tensor product; a line in a
//! parameter stays a line, in the penalty's null space.
//!
//! The regressions ([`Method`]):
//!
//! - **GAM** (1 to 4 parameters): a penalized regression spline, cubic
//!   B-splines on equally spaced knots with a second-order difference
//!   penalty (Eilers and Marx 1996; 10 basis functions for one parameter
//!   as mgcv's `s(x)`, and for 2, 3 or 4 parameters the tensor product of
//!   6, 5 or 4 per margin with the sum of the margins' penalties, as
//!   mgcv's `te()`, but under one smoothing parameter). The smoothing
//!   parameter minimises the generalized cross-validation score
//!   `n RSS / (n - tr A)²` (mgcv's `GCV.Cp` default), searched on a grid
//!   of 400 values over the whole range of the penalty's eigenvalues.
//! - **GP** (5 parameters or more): the Gaussian process of Strong 2014
//!   (as SAVI and voi): mean `β₀ + βᵀx`, squared-exponential
//!   correlation `exp(-Σ_j ((x_j - x'_j)/δ_j)²)` and a noise ratio `ν`,
//!   the coefficients and the variance integrated out; the
//!   hyperparameters at their posterior mode (the priors of Strong 2014)
//!   on the first 300 draws (pattern search on their logarithms), the
//!   posterior mean from the first 1,000 draws (all of them in smaller
//!   analyses; the cost grows as the cube of the draws).
//! - **binned** (one parameter, a cross-check): the draws ordered by the
//!   parameter and cut into `⌊√n⌋` bins of equal count, `ĝ_d` the mean in
//!   the draw's bin (Strong and Oakley 2013, Med Decis Making 33:755-766).
//!   Noise in the bin means biases it upward by a little; no standard error.
//!
//! **Standard error** (GAM and GP): the regression's own uncertainty, as in
//! Strong 2014. [`SE_DRAWS`] draws of every fitted curve from
//! the fit's approximate posterior (GAM: the coefficients `N(β̂, σ²(XᵀX +
//! λS)⁻¹)`, mgcv's `Vp`; GP: the posterior of the mean function at the
//! draws), the responses' draws correlated as their residuals are, and the
//! EVPPI recomputed from each; the standard error is their standard
//! deviation. It is the error of estimating `E[NB | θ_g]` from this sample
//! of draws, not of the draws' inner-loop noise.

use super::linalg::{cholesky, cholesky_semidefinite, solve_lower, solve_lower_transposed, symmetric_eigen};
use super::psa::Matrix;
use crate::rng::{Purpose, stream};
use crate::scenario::dist::normal_quantile;

/// The most parameters the GAM takes; larger groups use the GP.
pub const GAM_MAX_PARAMETERS: usize = 4;
/// Draws from the fits' posterior for the standard error.
pub const SE_DRAWS: usize = 200;
/// Draws the GP's hyperparameters are fitted on.
pub const GP_HYPER_DRAWS: usize = 300;
/// Draws the GP is fitted on (the first of the sample; 1,000 take a few
/// seconds a response in a release build, and the time grows as the cube).
pub const GP_MAX_DRAWS: usize = 1000;

/// How `E[NB | θ_g]` is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Gam,
    Gp,
    Binned,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Gam => "gam",
            Method::Gp => "gp",
            Method::Binned => "binned",
        }
    }

    /// The regression for a group of `size` parameters: the GAM up to
    /// [`GAM_MAX_PARAMETERS`], the GP beyond.
    pub fn for_group(size: usize) -> Method {
        if size <= GAM_MAX_PARAMETERS {
            Method::Gam
        } else {
            Method::Gp
        }
    }
}

/// The draws of a probabilistic analysis as the regression sees them: per
/// draw, the parameters' values and each policy's mean cost and QALYs.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    pub parameters: &'a Matrix,
    pub costs: &'a Matrix,
    pub effects: &'a Matrix,
    /// The policy net benefit is taken against.
    pub reference: usize,
}

/// A group's EVPPI per patient at each willingness to pay asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Evppi {
    pub method: Method,
    pub value: Vec<f64>,
    /// The standard error of each value (`None` for [`Method::Binned`]).
    pub se: Vec<Option<f64>>,
}

/// The EVPPI of the parameters in `columns` (of `sample.parameters`) at
/// each willingness to pay in `wtp`, by `method`; the standard error's
/// draws come from the stream `(seed, key)`, so each group's are its own.
/// [`Method::Binned`] takes the first column only.
///
/// # Panics
/// Never on a sample of a probabilistic analysis (two draws or more, every
/// row as long as the first); `columns` must index its parameters.
pub fn evppi(sample: &Sample, columns: &[usize], method: Method, wtp: &[f64], seed: u64, key: u64) -> Evppi {
    // The GP's cost and memory grow as n³ and n²: it takes the first
    // GP_MAX_DRAWS draws.
    let n = match method {
        Method::Gp => sample.parameters.len().min(GP_MAX_DRAWS),
        Method::Gam | Method::Binned => sample.parameters.len(),
    };
    let others: Vec<usize> = (0..sample.costs.first().map_or(0, Vec::len))
        .filter(|&p| p != sample.reference)
        .collect();
    // Responses 2k and 2k + 1: incremental QALYs and cost of others[k].
    let responses: Vec<Vec<f64>> = others
        .iter()
        .flat_map(|&p| {
            let r = sample.reference;
            [
                (0..n).map(|i| sample.effects[i][p] - sample.effects[i][r]).collect(),
                (0..n).map(|i| sample.costs[i][p] - sample.costs[i][r]).collect(),
            ]
        })
        .collect();
    let inputs: Vec<Vec<f64>> = columns
        .iter()
        .map(|&c| unit_range(&sample.parameters[..n].iter().map(|row| row[c]).collect::<Vec<_>>()))
        .collect();
    let fits: Vec<Fit> = match method {
        Method::Gam => {
            let design = Design::new(&inputs);
            responses.iter().map(|y| design.fit(y)).collect()
        }
        Method::Gp => responses.iter().map(|y| gp_fit(&inputs, y)).collect(),
        Method::Binned => {
            let value = values(
                &responses.iter().map(|y| binned(&inputs[0], y)).collect::<Vec<_>>(),
                wtp,
            );
            return Evppi {
                method,
                se: vec![None; value.len()],
                value,
            };
        }
    };
    let fitted: Vec<Vec<f64>> = fits.iter().map(|f| f.fitted.clone()).collect();
    let value = values(&fitted, wtp);
    let se = standard_errors(&fits, &responses, wtp, seed, key);
    Evppi {
        method,
        value,
        se: se.into_iter().map(Some).collect(),
    }
}

/// `(1/n) Σ_i max(0, max_k ĝ_k,i) - max(0, max_k mean ĝ_k)` at each
/// willingness to pay, with `ĝ_k = λ Q̂_k - Ĉ_k` from the fitted
/// responses (QALYs then cost of each policy against the reference).
#[allow(clippy::needless_range_loop)] // i runs over draws across all the responses
fn values(fitted: &[Vec<f64>], wtp: &[f64]) -> Vec<f64> {
    let n = fitted.first().map_or(0, Vec::len);
    let k = fitted.len() / 2;
    wtp.iter()
        .map(|&w| {
            let mut sums = vec![0.0; k];
            let mut best_sum = 0.0;
            for i in 0..n {
                let mut best = 0.0f64;
                for (p, sum) in sums.iter_mut().enumerate() {
                    let v = w * fitted[2 * p][i] - fitted[2 * p + 1][i];
                    *sum += v;
                    best = best.max(v);
                }
                best_sum += best;
            }
            let mean_best = sums.iter().fold(0.0f64, |m, s| m.max(s / n as f64));
            best_sum / n as f64 - mean_best
        })
        .collect()
}

/// The standard deviation of the EVPPI over [`SE_DRAWS`] draws of the
/// fitted responses, correlated as the responses' residuals are.
fn standard_errors(fits: &[Fit], responses: &[Vec<f64>], wtp: &[f64], seed: u64, key: u64) -> Vec<f64> {
    let j = fits.len();
    let n = responses.first().map_or(0, Vec::len);
    let residuals: Vec<Vec<f64>> = fits
        .iter()
        .zip(responses)
        .map(|(f, y)| y.iter().zip(&f.fitted).map(|(y, g)| y - g).collect())
        .collect();
    let norms: Vec<f64> = residuals
        .iter()
        .map(|r| r.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    let mut corr: Vec<f64> = (0..j * j)
        .map(|c| {
            let (a, b) = (c / j, c % j);
            if a == b {
                1.0
            } else if norms[a] > 0.0 && norms[b] > 0.0 {
                (0..n).map(|i| residuals[a][i] * residuals[b][i]).sum::<f64>() / (norms[a] * norms[b])
            } else {
                0.0
            }
        })
        .collect();
    cholesky_semidefinite(&mut corr, j);
    let r = fits.first().map_or(0, |f| f.scale.len());
    let mut rng = stream(seed, key, Purpose::Evppi);
    let mut normal = || {
        use rand::RngExt;
        normal_quantile(rng.random::<f64>().clamp(1e-300, 1.0 - 1e-16))
    };
    let (mut sum, mut sum_sq) = (vec![0.0; wtp.len()], vec![0.0; wtp.len()]);
    for _ in 0..SE_DRAWS {
        let w: Vec<Vec<f64>> = (0..j).map(|_| (0..r).map(|_| normal()).collect()).collect();
        let drawn: Vec<Vec<f64>> = (0..j)
            .map(|a| {
                let z: Vec<f64> = (0..r)
                    .map(|k| (0..=a).map(|b| corr[a * j + b] * w[b][k]).sum())
                    .collect();
                fits[a].draw(&z)
            })
            .collect();
        for (i, v) in values(&drawn, wtp).into_iter().enumerate() {
            sum[i] += v;
            sum_sq[i] += v * v;
        }
    }
    let s = SE_DRAWS as f64;
    sum.iter()
        .zip(&sum_sq)
        .map(|(a, b)| ((b - a * a / s) / (s - 1.0)).max(0.0).sqrt())
        .collect()
}

/// `x` scaled to [0, 1] by its smallest and largest value (all 1/2 when
/// it does not vary).
pub fn unit_range(x: &[f64]) -> Vec<f64> {
    let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if hi > lo {
        x.iter().map(|v| (v - lo) / (hi - lo)).collect()
    } else {
        vec![0.5; x.len()]
    }
}

/// A fitted response: its value at every draw, and draws from the fit's
/// posterior as `fitted + basis (scale ⊙ z)` for standard normal `z`.
struct Fit {
    fitted: Vec<f64>,
    /// n x r, row-major, shared by the fits of one design.
    basis: std::rc::Rc<Vec<f64>>,
    scale: Vec<f64>,
}

impl Fit {
    fn draw(&self, z: &[f64]) -> Vec<f64> {
        let r = self.scale.len();
        let scaled: Vec<f64> = z.iter().zip(&self.scale).map(|(z, s)| z * s).collect();
        self.fitted
            .iter()
            .enumerate()
            .map(|(i, f)| f + (0..r).map(|k| self.basis[i * r + k] * scaled[k]).sum::<f64>())
            .collect()
    }
}

/// The cubic B-spline of unit knot spacing, nonzero on `(0, 4)`.
fn cubic_bspline(u: f64) -> f64 {
    match u {
        u if (0.0..1.0).contains(&u) => u * u * u / 6.0,
        u if (1.0..2.0).contains(&u) => (-3.0 * u * u * u + 12.0 * u * u - 12.0 * u + 4.0) / 6.0,
        u if (2.0..3.0).contains(&u) => (3.0 * u * u * u - 24.0 * u * u + 60.0 * u - 44.0) / 6.0,
        u if (3.0..4.0).contains(&u) => (4.0 - u).powi(3) / 6.0,
        _ => 0.0,
    }
}

/// The `m` cubic B-splines on `[0, 1]` (`m - 3` equal intervals) at `x`;
/// they sum to one.
fn bspline_row(x: f64, m: usize) -> Vec<f64> {
    let h = 1.0 / (m - 3) as f64;
    (0..m).map(|j| cubic_bspline(x / h - j as f64 + 3.0)).collect()
}

/// Basis functions per margin for a group of `g` parameters.
fn margin(g: usize) -> usize {
    match g {
        1 => 10,
        2 => 6,
        3 => 5,
        _ => 4,
    }
}

/// A GAM's design, reparametrised once for every response: with `XᵀX =
/// L Lᵀ` and `L⁻¹ S L⁻ᵀ = U D Uᵀ`, the columns of `Z = X L⁻ᵀ U` are
/// orthonormal and the penalized fit is `a = Zᵀy / (1 + λ d)`, so that
/// each smoothing parameter costs `O(k)` (Wood 2017, Generalized Additive Models, 2nd ed.).
struct Design {
    n: usize,
    k: usize,
    z: std::rc::Rc<Vec<f64>>,
    d: Vec<f64>,
}

impl Design {
    fn new(inputs: &[Vec<f64>]) -> Design {
        let g = inputs.len();
        let m = margin(g);
        let k = m.pow(g as u32);
        let n = inputs.first().map_or(0, Vec::len);
        // Rows of X: the row-wise Kronecker product of the margins.
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let mut row = vec![1.0];
                for input in inputs {
                    let b = bspline_row(input[i], m);
                    row = row.iter().flat_map(|r| b.iter().map(move |v| r * v)).collect();
                }
                row
            })
            .collect();
        let mut xtx = vec![0.0; k * k];
        for row in &rows {
            for a in 0..k {
                if row[a] == 0.0 {
                    continue;
                }
                for b in a..k {
                    xtx[a * k + b] += row[a] * row[b];
                }
            }
        }
        let trace: f64 = (0..k).map(|a| xtx[a * k + a]).sum();
        for a in 0..k {
            for b in 0..a {
                xtx[a * k + b] = xtx[b * k + a];
            }
            // A ridge far below the data's scale keeps the factor defined
            // when a tensor cell holds few draws.
            xtx[a * k + a] += 1e-9 * trace / k as f64;
        }
        let mut l = xtx;
        let factored = cholesky(&mut l, k);
        debug_assert!(factored, "XᵀX with a ridge is positive definite");
        // S: the margins' second-difference penalties, summed.
        let d1: Vec<f64> = {
            let mut s = vec![0.0; m * m];
            for r in 0..m - 2 {
                let c = [1.0, -2.0, 1.0];
                for (a, ca) in c.iter().enumerate() {
                    for (b, cb) in c.iter().enumerate() {
                        s[(r + a) * m + r + b] += ca * cb;
                    }
                }
            }
            s
        };
        let digit = |index: usize, margin_index: usize| (index / m.pow((g - 1 - margin_index) as u32)) % m;
        let mut s = vec![0.0; k * k];
        for a in 0..k {
            for b in 0..k {
                s[a * k + b] = (0..g)
                    .filter(|&t| (0..g).all(|o| o == t || digit(a, o) == digit(b, o)))
                    .map(|t| d1[digit(a, t) * m + digit(b, t)])
                    .sum();
            }
        }
        // B = L⁻¹ S L⁻ᵀ, column by column.
        let mut w = vec![0.0; k * k];
        for c in 0..k {
            let mut col: Vec<f64> = (0..k).map(|r| s[r * k + c]).collect();
            solve_lower(&l, k, &mut col);
            for r in 0..k {
                w[c * k + r] = col[r]; // Wᵀ, so rows of W are read as columns
            }
        }
        let mut b = vec![0.0; k * k];
        for c in 0..k {
            let mut col: Vec<f64> = w[c * k..(c + 1) * k].to_vec();
            solve_lower(&l, k, &mut col);
            for r in 0..k {
                b[r * k + c] = col[r];
            }
        }
        for a in 0..k {
            for c in 0..a {
                let v = 0.5 * (b[a * k + c] + b[c * k + a]);
                b[a * k + c] = v;
                b[c * k + a] = v;
            }
        }
        let (d, u) = symmetric_eigen(b, k);
        let d: Vec<f64> = d.into_iter().map(|v| v.max(0.0)).collect();
        let mut z = vec![0.0; n * k];
        for (i, row) in rows.iter().enumerate() {
            let mut x = row.clone();
            solve_lower(&l, k, &mut x);
            for c in 0..k {
                z[i * k + c] = (0..k).map(|r| u[r * k + c] * x[r]).sum();
            }
        }
        Design {
            n,
            k,
            z: std::rc::Rc::new(z),
            d,
        }
    }

    /// The penalized fit of `y` with the smoothing parameter of least GCV.
    fn fit(&self, y: &[f64]) -> Fit {
        let (n, k) = (self.n, self.k);
        let mean = y.iter().sum::<f64>() / n as f64;
        let yc: Vec<f64> = y.iter().map(|v| v - mean).collect();
        let yy: f64 = yc.iter().map(|v| v * v).sum();
        let b: Vec<f64> = (0..k)
            .map(|c| (0..n).map(|i| self.z[i * k + c] * yc[i]).sum())
            .collect();
        // Outside the basis's span.
        let outside = (yy - b.iter().map(|v| v * v).sum::<f64>()).max(0.0);
        let top = self.d.iter().copied().fold(0.0, f64::max);
        let low = self.d.iter().copied().filter(|&v| v > 1e-10 * top).fold(top, f64::min);
        let score = |lambda: f64| {
            let tr: f64 = self.d.iter().map(|d| 1.0 / (1.0 + lambda * d)).sum();
            let rss = outside
                + self
                    .d
                    .iter()
                    .zip(&b)
                    .map(|(d, b)| (b * lambda * d / (1.0 + lambda * d)).powi(2))
                    .sum::<f64>();
            (n as f64 * rss / (n as f64 - tr).powi(2), rss, tr)
        };
        let (from, to) = if top > 0.0 {
            (-4.0 - top.log10(), 4.0 - low.log10())
        } else {
            (0.0, 0.0)
        };
        let (lambda, (_, rss, tr)) = (0..=400)
            .map(|i| 10f64.powf(from + (to - from) * f64::from(i) / 400.0))
            .map(|lambda| (lambda, score(lambda)))
            .filter(|(_, (_, _, tr))| n as f64 - tr > 0.5)
            .min_by(|a, c| a.1.0.total_cmp(&c.1.0))
            .unwrap_or((0.0, score(0.0)));
        let a: Vec<f64> = b.iter().zip(&self.d).map(|(b, d)| b / (1.0 + lambda * d)).collect();
        let fitted = (0..n)
            .map(|i| mean + (0..k).map(|c| self.z[i * k + c] * a[c]).sum::<f64>())
            .collect();
        let sigma = (rss / (n as f64 - tr).max(1.0)).sqrt();
        Fit {
            fitted,
            basis: self.z.clone(),
            scale: self.d.iter().map(|d| sigma / (1.0 + lambda * d).sqrt()).collect(),
        }
    }
}

/// The squared-exponential correlation `exp(-Σ_j ((x_j - x'_j)/δ_j)²)`
/// of the first `n` draws of `inputs`, plus `ν` on the diagonal:
/// `A* = C + ν I` (Strong 2014).
fn correlation(inputs: &[Vec<f64>], n: usize, h: &[f64]) -> Vec<f64> {
    let g = inputs.len();
    let inv: Vec<f64> = h[..g].iter().map(|l| (-2.0 * l).exp()).collect();
    let nu = h[g].exp();
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..i {
            let s: f64 = inputs.iter().zip(&inv).map(|(x, w)| (x[i] - x[j]).powi(2) * w).sum();
            let v = (-s).exp();
            a[i * n + j] = v;
            a[j * n + i] = v;
        }
        a[i * n + i] = 1.0 + nu;
    }
    a
}

/// What the GP needs of `A* = L Lᵀ` and the mean's design `H = [1, x]`:
/// `M = Hᵀ A*⁻¹ H` (factored), `β̂ = M⁻¹ Hᵀ A*⁻¹ y`, the residual sum of
/// squares `(y - Hβ̂)ᵀ A*⁻¹ (y - Hβ̂)`, `Σ ln L_ii` and `Σ ln M-factor_ii`.
struct Gls {
    beta: Vec<f64>,
    m_factor: Vec<f64>,
    resid_ss: f64,
    half_log_det_a: f64,
    half_log_det_m: f64,
}

fn gls(l: &[f64], n: usize, design: &[Vec<f64>], y: &[f64]) -> Option<Gls> {
    let q = design.len();
    let mut yt = y.to_vec();
    solve_lower(l, n, &mut yt);
    let ht: Vec<Vec<f64>> = design
        .iter()
        .map(|c| {
            let mut c = c[..n].to_vec();
            solve_lower(l, n, &mut c);
            c
        })
        .collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut m: Vec<f64> = (0..q * q).map(|k| dot(&ht[k / q], &ht[k % q])).collect();
    if !cholesky(&mut m, q) {
        return None;
    }
    let mut beta: Vec<f64> = ht.iter().map(|c| dot(c, &yt)).collect();
    solve_lower(&m, q, &mut beta);
    solve_lower_transposed(&m, q, &mut beta);
    let resid_ss: f64 = (0..n)
        .map(|i| yt[i] - (0..q).map(|k| ht[k][i] * beta[k]).sum::<f64>())
        .map(|r| r * r)
        .sum();
    Some(Gls {
        beta,
        half_log_det_a: (0..n).map(|i| l[i * n + i].ln()).sum(),
        half_log_det_m: (0..q).map(|i| m[i * q + i].ln()).sum(),
        m_factor: m,
        resid_ss,
    })
}

/// The negative log posterior density of the hyperparameters `h` = (ln
/// δ_1..g, ln ν) given the first `n` draws, with the mean's coefficients
/// (flat prior) and the variance σ² (inverse gamma (0.001, 0.001))
/// integrated out and ν inverse gamma (0.001, 1), as Strong 2014 (and
/// SAVI and voi) do; the log-normal prior of sd 316 on each δ is flat here.
fn neg_log_posterior(inputs: &[Vec<f64>], design: &[Vec<f64>], y: &[f64], h: &[f64]) -> f64 {
    let (a_sigma, b_sigma, a_nu, b_nu) = (0.001, 0.001, 0.001, 1.0);
    let n = y.len();
    let q = design.len() as f64;
    let mut l = correlation(inputs, n, h);
    if !cholesky(&mut l, n) {
        return f64::INFINITY;
    }
    let Some(fit) = gls(&l, n, design, y) else {
        return f64::INFINITY;
    };
    let ln_nu = h[h.len() - 1];
    let log_prior = -(a_nu + 1.0) * ln_nu - b_nu / ln_nu.exp();
    fit.half_log_det_a + fit.half_log_det_m + (n as f64 - q + 2.0 * a_sigma) / 2.0 * (fit.resid_ss / 2.0 + b_sigma).ln()
        - log_prior
}

/// The GP regression of `y` on `inputs` (columns in [0, 1]): mean `Hβ`
/// with `H = [1, x]`, correlation `C` squared-exponential, noise ratio
/// `ν`; hyperparameters at their posterior mode on the first
/// [`GP_HYPER_DRAWS`] draws (pattern search from δ = ν = 1), then the
/// posterior mean at every draw, `Hβ̂ + C A*⁻¹ (y - Hβ̂)`, and its
/// covariance `σ̂² (C - C A*⁻¹ C + (H - C A*⁻¹ H) M⁻¹ (H - C A*⁻¹ H)ᵀ)`,
/// `σ̂² = RSS / (n - q - 2)` (SAVI's `V`).
fn gp_fit(inputs: &[Vec<f64>], y: &[f64]) -> Fit {
    let n = y.len();
    let g = inputs.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let sd = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    let sd = if sd > 0.0 { sd } else { 1.0 };
    let ys: Vec<f64> = y.iter().map(|v| (v - mean) / sd).collect();
    let design: Vec<Vec<f64>> = std::iter::once(vec![1.0; n]).chain(inputs.iter().cloned()).collect();
    let q = design.len();
    // Hyperparameters on the first draws, by pattern search.
    let m = n.min(GP_HYPER_DRAWS);
    let sub: Vec<Vec<f64>> = inputs.iter().map(|x| x[..m].to_vec()).collect();
    let sub_design: Vec<Vec<f64>> = design.iter().map(|x| x[..m].to_vec()).collect();
    let objective = |h: &[f64]| neg_log_posterior(&sub, &sub_design, &ys[..m], h);
    let mut h = vec![0.0; g + 1];
    let mut best = objective(&h);
    let mut step = 1.0;
    let mut evaluations = 0;
    while step > 0.02 && evaluations < 600 {
        let mut improved = false;
        for c in 0..h.len() {
            for sign in [1.0, -1.0] {
                let mut trial = h.clone();
                trial[c] = (trial[c] + sign * step).clamp(-7.0, 7.0);
                let f = objective(&trial);
                evaluations += 1;
                if f < best {
                    best = f;
                    h = trial;
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            step /= 2.0;
        }
    }
    let nu = h[g].exp();
    let mut l = correlation(inputs, n, &h);
    let mut extra = 1e-10;
    while !cholesky(&mut l, n) {
        extra *= 100.0;
        l = correlation(inputs, n, &h);
        for i in 0..n {
            l[i * n + i] += extra;
        }
    }
    let fit = gls(&l, n, &design, &ys).unwrap_or(Gls {
        beta: vec![0.0; q],
        m_factor: (0..q * q).map(|k| f64::from(u8::from(k / q == k % q))).collect(),
        resid_ss: ys.iter().map(|v| v * v).sum(),
        half_log_det_a: 0.0,
        half_log_det_m: 0.0,
    });
    let trend: Vec<f64> = (0..n)
        .map(|i| (0..q).map(|k| design[k][i] * fit.beta[k]).sum())
        .collect();
    let mut e: Vec<f64> = ys.iter().zip(&trend).map(|(y, t)| y - t).collect();
    solve_lower(&l, n, &mut e);
    solve_lower_transposed(&l, n, &mut e);
    // C A*⁻¹ r = r - ν A*⁻¹ r.
    let fitted = (0..n).map(|i| mean + sd * (ys[i] - nu * e[i])).collect();
    // L⁻¹ by columns, stored transposed (row c holds column c).
    let mut inv_t = vec![0.0; n * n];
    for c in 0..n {
        let mut col = vec![0.0; n];
        col[c] = 1.0;
        solve_lower(&l, n, &mut col);
        inv_t[c * n..(c + 1) * n].copy_from_slice(&col);
    }
    // P = A*⁻¹ H (n x q), and the q x q M⁻¹.
    let p: Vec<Vec<f64>> = design
        .iter()
        .map(|c| {
            let mut c = c.clone();
            solve_lower(&l, n, &mut c);
            solve_lower_transposed(&l, n, &mut c);
            c
        })
        .collect();
    let m_inv: Vec<f64> = (0..q)
        .flat_map(|c| {
            let mut col = vec![0.0; q];
            col[c] = 1.0;
            solve_lower(&fit.m_factor, q, &mut col);
            solve_lower_transposed(&fit.m_factor, q, &mut col);
            col
        })
        .collect();
    let sigma_sq = fit.resid_ss / (n as f64 - q as f64 - 2.0).max(1.0) * sd * sd;
    // C - C A*⁻¹ C = ν (I - ν A*⁻¹) and H - C A*⁻¹ H = ν A*⁻¹ H.
    let mut cov = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let a_inv: f64 = (i.max(j)..n).map(|k| inv_t[i * n + k] * inv_t[j * n + k]).sum();
            let trend_part: f64 = (0..q)
                .map(|a| p[a][i] * (0..q).map(|b| m_inv[a * q + b] * p[b][j]).sum::<f64>())
                .sum();
            let v = sigma_sq * (nu * (f64::from(u8::from(i == j)) - nu * a_inv) + nu * nu * trend_part);
            cov[i * n + j] = v;
            cov[j * n + i] = v;
        }
    }
    cholesky_semidefinite(&mut cov, n);
    Fit {
        fitted,
        basis: std::rc::Rc::new(cov),
        scale: vec![1.0; n],
    }
}

/// The mean of `y` in each draw's bin of `x` (`⌊√n⌋` bins of equal count
/// in the order of `x`).
fn binned(x: &[f64], y: &[f64]) -> Vec<f64> {
    let n = x.len();
    let bins = ((n as f64).sqrt().floor() as usize).max(1);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut out = vec![0.0; n];
    for b in 0..bins {
        let members = &order[b * n / bins..(b + 1) * n / bins];
        let mean = members.iter().map(|&i| y[i]).sum::<f64>() / members.len().max(1) as f64;
        for &i in members {
            out[i] = mean;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::psa::at_wtp;

    /// Standard normals from the stream `(seed, key)`.
    fn normals(key: u64, n: usize) -> Vec<f64> {
        use rand::RngExt;
        let mut rng = stream(33, key, Purpose::Evppi);
        (0..n)
            .map(|_| normal_quantile(rng.random::<f64>().clamp(1e-300, 1.0 - 1e-16)))
            .collect()
    }

    fn phi(z: f64) -> f64 {
        (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
    }

    fn cdf(z: f64) -> f64 {
        1.0 - 0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
    }

    /// `E[max(0, X)] - max(0, a)` for `X ~ N(a, v²)`: the EVPPI of two
    /// options whose expected incremental net benefit given the group is
    /// normal with mean `a` and sd `v`.
    fn two_option_exact(a: f64, v: f64) -> f64 {
        v * phi(a / v) + a * cdf(a / v) - a.max(0.0)
    }

    /// A sample of two policies (the reference with nothing) whose
    /// incremental net benefit at λ = 1 is `inb[i]`, with the QALYs
    /// carrying it and no cost.
    fn sample_of(inb: &[Vec<f64>]) -> (Matrix, Matrix) {
        let effects: Matrix = inb
            .iter()
            .map(|row| std::iter::once(0.0).chain(row.iter().copied()).collect())
            .collect();
        let costs = vec![vec![0.0; effects[0].len()]; inb.len()];
        (costs, effects)
    }

    /// The Monte Carlo standard error of `mean_i max(0, max_k g_k,i)`, the
    /// first term of an EVPPI with the exact conditional expectations `g`:
    /// the error a perfect regression still has on `n` draws.
    fn sampling_se(g: &[Vec<f64>]) -> f64 {
        let best: Vec<f64> = g.iter().map(|r| r.iter().fold(0.0f64, |m, v| m.max(*v))).collect();
        let n = best.len() as f64;
        let mean = best.iter().sum::<f64>() / n;
        (best.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt()
    }

    /// Within 5% of the exact value, or within 3 standard errors where the
    /// error combines the regression's se and the sampling se of the
    /// draws (about 0.3% of such tests fail by chance; the seed is fixed).
    fn close(got: f64, se: f64, sampling: f64, exact: f64) -> bool {
        let err = (se * se + sampling * sampling).sqrt();
        (got - exact).abs() <= (0.05 * exact).max(3.0 * err)
    }

    /// Linear-Gaussian, two options: INB = a + b1 θ1 + b2 θ2 + ε with
    /// (θ1, θ2) standard normal of correlation ρ and ε ~ N(0, s²) the rest
    /// of the uncertainty. E[INB | θ1] = a + (b1 + ρ b2) θ1, so v = |b1 +
    /// ρ b2|; E[INB | θ1, θ2] has v = sqrt(b1² + 2ρ b1 b2 + b2²).
    #[test]
    fn gam_evppi_matches_the_linear_gaussian_closed_form() {
        let (n, a, b1, b2, rho, s) = (4000, 200.0, 500.0, 300.0, 0.5, 800.0);
        let (z1, z2, e) = (normals(1, n), normals(2, n), normals(3, n));
        let theta: Matrix = (0..n)
            .map(|i| vec![z1[i], rho * z1[i] + (1.0 - rho * rho).sqrt() * z2[i]])
            .collect();
        let inb: Vec<Vec<f64>> = (0..n)
            .map(|i| vec![a + b1 * theta[i][0] + b2 * theta[i][1] + s * e[i]])
            .collect();
        let (costs, effects) = sample_of(&inb);
        let sample = Sample {
            parameters: &theta,
            costs: &costs,
            effects: &effects,
            reference: 0,
        };
        let cases = [
            (vec![0], b1 + rho * b2),
            (vec![0, 1], (b1 * b1 + 2.0 * rho * b1 * b2 + b2 * b2).sqrt()),
        ];
        for (columns, v) in cases {
            let got = evppi(&sample, &columns, Method::Gam, &[1.0], 7, 1);
            let exact = two_option_exact(a, v);
            let g: Vec<Vec<f64>> = theta
                .iter()
                .map(|t| match columns.len() {
                    1 => vec![a + (b1 + rho * b2) * t[0]],
                    _ => vec![a + b1 * t[0] + b2 * t[1]],
                })
                .collect();
            let se = got.se[0].unwrap();
            assert!(
                close(got.value[0], se, sampling_se(&g), exact),
                "{columns:?}: {} (se {se}) vs exact {exact}",
                got.value[0]
            );
            assert!(se > 0.0 && se < 0.1 * exact, "se {se}");
            let evpi = at_wtp(&costs, &effects, 1.0).evpi;
            assert!(got.value[0] <= evpi, "{} > EVPI {evpi}", got.value[0]);
        }
        // The single-parameter cross-check agrees too.
        let binned = evppi(&sample, &[0], Method::Binned, &[1.0], 7, 1);
        let g: Vec<Vec<f64>> = theta.iter().map(|t| vec![a + (b1 + rho * b2) * t[0]]).collect();
        let exact = two_option_exact(a, b1 + rho * b2);
        assert!(
            close(binned.value[0], 0.0, sampling_se(&g), exact),
            "binned {} vs {exact}",
            binned.value[0]
        );
        assert_eq!(binned.se, [None]);
    }

    /// Three options, INB_k = a_k + c_k θ1 + d_k θ2 + ε_k: given θ1 the
    /// expected net benefits are the lines a_k + c_k θ1, and EVPPI(θ1) =
    /// E[max(0, a_1 + c_1 θ1, a_2 + c_2 θ1)] - max(0, a_1, a_2), a
    /// one-dimensional normal integral done here by the midpoint rule on
    /// (-10, 10) with 200,000 cells (error far below 1e-6).
    #[test]
    fn gam_evppi_of_three_options_matches_quadrature() {
        let n = 4000;
        let (a, c, d) = ([150.0, 100.0], [400.0, -300.0], [200.0, 250.0]);
        let (z1, z2, e1, e2) = (normals(4, n), normals(5, n), normals(6, n), normals(7, n));
        let theta: Matrix = (0..n).map(|i| vec![z1[i], z2[i]]).collect();
        let inb: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                vec![
                    a[0] + c[0] * z1[i] + d[0] * z2[i] + 500.0 * e1[i],
                    a[1] + c[1] * z1[i] + d[1] * z2[i] + 500.0 * (0.6 * e1[i] + 0.8 * e2[i]),
                ]
            })
            .collect();
        let (costs, effects) = sample_of(&inb);
        let sample = Sample {
            parameters: &theta,
            costs: &costs,
            effects: &effects,
            reference: 0,
        };
        let cells = 200_000;
        let h = 20.0 / cells as f64;
        let first: f64 = (0..cells)
            .map(|j| -10.0 + (j as f64 + 0.5) * h)
            .map(|t| (a[0] + c[0] * t).max(a[1] + c[1] * t).max(0.0) * phi(t) * h)
            .sum();
        let exact = first - a[0].max(a[1]).max(0.0);
        let got = evppi(&sample, &[0], Method::Gam, &[1.0], 7, 2);
        let g: Vec<Vec<f64>> = z1.iter().map(|t| vec![a[0] + c[0] * t, a[1] + c[1] * t]).collect();
        let se = got.se[0].unwrap();
        assert!(
            close(got.value[0], se, sampling_se(&g), exact),
            "{} (se {se}) vs exact {exact}",
            got.value[0]
        );
    }

    /// Five parameters go to the Gaussian process: INB = a + bᵀθ + ε with
    /// θ independent standard normals has v = |b| given all five.
    #[test]
    fn gp_evppi_matches_the_linear_gaussian_closed_form() {
        let n = 500;
        let b = [300.0, -200.0, 150.0, 100.0, 50.0];
        let a = -100.0;
        let z: Vec<Vec<f64>> = (0..5).map(|j| normals(10 + j, n)).collect();
        let e = normals(20, n);
        let theta: Matrix = (0..n).map(|i| (0..5).map(|j| z[j][i]).collect()).collect();
        let g: Vec<Vec<f64>> = theta
            .iter()
            .map(|t| vec![a + t.iter().zip(&b).map(|(t, b)| t * b).sum::<f64>()])
            .collect();
        let inb: Vec<Vec<f64>> = (0..n).map(|i| vec![g[i][0] + 300.0 * e[i]]).collect();
        let (costs, effects) = sample_of(&inb);
        let sample = Sample {
            parameters: &theta,
            costs: &costs,
            effects: &effects,
            reference: 0,
        };
        let columns = [0, 1, 2, 3, 4];
        assert_eq!(Method::for_group(columns.len()), Method::Gp);
        let got = evppi(&sample, &columns, Method::Gp, &[1.0], 7, 3);
        let v = b.iter().map(|b| b * b).sum::<f64>().sqrt();
        let exact = two_option_exact(a, v);
        let se = got.se[0].unwrap();
        assert!(
            close(got.value[0], se, sampling_se(&g), exact),
            "{} (se {se}) vs exact {exact}",
            got.value[0]
        );
    }

    /// Without noise beyond the group, conditioning on the group is
    /// perfect information: the EVPPI of every parameter is the EVPI of
    /// the same draws, up to the spline's approximation error of a smooth
    /// nonlinear net benefit (no Monte Carlo error: the two use the same
    /// draws; asserted to 1%). Over a grid of willingness to pay, with
    /// costs and QALYs both uncertain, it never exceeds the EVPI.
    #[test]
    fn evppi_of_every_parameter_is_the_evpi_without_noise() {
        let n = 2000;
        let (z1, z2) = (normals(30, n), normals(31, n));
        let theta: Matrix = (0..n).map(|i| vec![z1[i], (0.3 * z2[i]).exp()]).collect();
        let effects: Matrix = theta
            .iter()
            .map(|t| vec![0.0, 0.02 + 0.01 * t[0] + 0.004 * t[0] * t[1], 0.03 + 0.01 * t[1]])
            .collect();
        let costs: Matrix = theta
            .iter()
            .map(|t| vec![0.0, 500.0 + 100.0 * t[1] * t[1], 1200.0 - 200.0 * t[0]])
            .collect();
        let sample = Sample {
            parameters: &theta,
            costs: &costs,
            effects: &effects,
            reference: 0,
        };
        let wtp = [0.0, 20_000.0, 50_000.0, 100_000.0];
        let all = evppi(&sample, &[0, 1], Method::Gam, &wtp, 7, 4);
        for (k, &w) in wtp.iter().enumerate() {
            let evpi = at_wtp(&costs, &effects, w).evpi;
            assert!(
                (all.value[k] - evpi).abs() <= 0.01 * evpi.max(1.0),
                "at {w}: {} vs EVPI {evpi}",
                all.value[k]
            );
            for columns in [[0], [1]] {
                let one = evppi(&sample, &columns, Method::Gam, &[w], 7, 5);
                assert!(one.value[0] <= evpi + 1e-9, "at {w}: {} > {evpi}", one.value[0]);
                assert!(one.value[0] >= 0.0);
            }
        }
    }

    #[test]
    fn a_basis_sums_to_one_and_inputs_fall_in_the_unit_interval() {
        for x in [0.0, 0.13, 0.5, 0.999, 1.0] {
            let row = bspline_row(x, 10);
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{x}: {row:?}");
        }
        assert_eq!(unit_range(&[3.0, 1.0, 5.0, 2.0]), [0.5, 0.0, 1.0, 0.25]);
        assert_eq!(unit_range(&[2.0, 2.0]), [0.5, 0.5]);
        assert_eq!(Method::for_group(4), Method::Gam);
    }
}
