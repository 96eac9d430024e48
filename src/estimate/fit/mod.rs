//! Distributions from data (`foramen fit`, docs/fitting.md): parametric
//! time-to-event models fitted by maximum likelihood with right censoring,
//! left truncation and covariates on the location parameter, as flexsurv
//! fits them ([`family`] gives the families); the Kaplan-Meier curve they
//! are drawn over ([`km`]); response probabilities from counts
//! ([`response`]). Plain numbers in, plain numbers out.
//!
//! The log-likelihood of rows `i` with time `t_i`, event indicator `d_i`
//! and entry time `e_i` (0 without truncation) is
//!
//! ```text
//! ℓ(θ) = Σ d_i ln f(t_i | θ_i) + (1 - d_i) ln S(t_i | θ_i) - ln S(e_i | θ_i)
//! ```
//!
//! where `θ_i` is `θ` with the location parameter moved, on its fitting
//! scale, by `Σ_j β_j x_ij`. It is maximised by Newton's method
//! ([`newton`]) from family-specific starting values (the generalised
//! gamma from the best of its Weibull, gamma and lognormal special cases),
//! with covariates centred and scaled for the search and the estimates and
//! their covariance mapped back. Standard errors are the square roots of
//! the diagonal of the inverse observed information on the fitting scale
//! (the log of each positive parameter), from which the TOML fragment's
//! multivariate normal belief is made.

pub mod data;
pub mod family;
pub mod km;
pub mod newton;
pub mod response;

pub use family::{FAMILIES, Family, Scale};

/// Time-to-event data, checked: every time positive and finite, every
/// entry time at least 0 and below its time.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub time: Vec<f64>,
    pub event: Vec<bool>,
    /// Left truncation: each row was observed only because its time
    /// exceeded its entry time.
    pub entry: Option<Vec<f64>>,
    /// Columns of the design (a factor already as 0/1 columns).
    pub covariates: Vec<Covariate>,
}

/// One column of the design: its name and its value in each row.
#[derive(Debug, Clone)]
pub struct Covariate {
    pub name: String,
    pub values: Vec<f64>,
}

impl Sample {
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    pub fn events(&self) -> usize {
        self.event.iter().filter(|&&e| e).count()
    }

    /// Why no family can be fitted to these data, if none can: too few
    /// rows or events for the parameters, or a covariate that never varies.
    pub fn unfittable(&self) -> Option<String> {
        let (n, d) = (self.len(), self.events());
        let needed = 3 + self.covariates.len();
        if n < 2 {
            return Some(format!("{n} row: a fit needs at least 2 rows"));
        }
        if d == 0 {
            return Some(format!(
                "all {n} rows are censored (event 0): without an event no time distribution can be fitted"
            ));
        }
        if d < needed {
            return Some(format!(
                "{d} event(s) in {n} rows: fitting every family{} needs at least {needed} events",
                if self.covariates.is_empty() {
                    ""
                } else {
                    " with these covariates"
                }
            ));
        }
        for c in &self.covariates {
            if c.values.iter().all(|&v| v == c.values[0]) {
                return Some(format!(
                    "covariate {} is {} in every row: it cannot have an effect to estimate",
                    c.name, c.values[0]
                ));
            }
        }
        None
    }
}

/// One family fitted to a sample.
#[derive(Debug, Clone)]
pub struct Fit {
    pub family: Family,
    /// Names of the estimated quantities: the family's parameters, then
    /// one coefficient per covariate (named as the covariate).
    pub names: Vec<String>,
    /// The estimates on the fitting scale ([`Family::parameters`]; a
    /// coefficient acts on the location's scale).
    pub estimate: Vec<f64>,
    /// Their covariance (row-major), the inverse observed information;
    /// NaN where the fit did not converge.
    pub covariance: Vec<f64>,
    pub log_likelihood: f64,
    pub rows: usize,
    /// Newton steps, or why there is no maximum.
    pub converged: Result<usize, String>,
}

impl Fit {
    /// Parameters estimated.
    pub fn k(&self) -> usize {
        self.estimate.len()
    }

    pub fn aic(&self) -> f64 {
        2.0 * self.k() as f64 - 2.0 * self.log_likelihood
    }

    /// With the number of rows as `n` (as flexsurv's `BIC` does).
    pub fn bic(&self) -> f64 {
        (self.rows as f64).ln() * self.k() as f64 - 2.0 * self.log_likelihood
    }

    /// The standard error of estimate `i` on its fitting scale.
    pub fn se(&self, i: usize) -> f64 {
        self.covariance[i * self.k() + i].sqrt()
    }

    /// The family's parameters on their natural scale, covariates at 0.
    pub fn natural(&self) -> Vec<f64> {
        let parameters = self.family.parameters();
        parameters
            .iter()
            .zip(&self.estimate)
            .map(|((_, s), &x)| s.natural(x))
            .collect()
    }

    /// The family's parameters at covariate values `x` (one per covariate).
    pub fn natural_at(&self, x: &[f64]) -> Vec<f64> {
        let parameters = self.family.parameters();
        let mut theta = self.estimate[..parameters.len()].to_vec();
        theta[self.family.location()] += self.estimate[parameters.len()..]
            .iter()
            .zip(x)
            .map(|(b, x)| b * x)
            .sum::<f64>();
        parameters.iter().zip(theta).map(|((_, s), x)| s.natural(x)).collect()
    }

    /// The correlation of estimates `i` and `j`.
    pub fn correlation(&self, i: usize, j: usize) -> f64 {
        self.covariance[i * self.k() + j] / (self.se(i) * self.se(j))
    }
}

/// The log-likelihood of `family` at fitting-scale `theta` (parameters,
/// then one coefficient per covariate).
pub fn log_likelihood(sample: &Sample, family: Family, theta: &[f64]) -> f64 {
    let parameters = family.parameters();
    let (p, location) = (parameters.len(), family.location());
    let natural: Vec<f64> = parameters.iter().zip(theta).map(|((_, s), &x)| s.natural(x)).collect();
    let mut row_parameters = natural.clone();
    let mut total = 0.0;
    for i in 0..sample.len() {
        if !sample.covariates.is_empty() {
            let shift: f64 = sample
                .covariates
                .iter()
                .zip(&theta[p..])
                .map(|(c, b)| b * c.values[i])
                .sum();
            row_parameters[location] = parameters[location].1.natural(theta[location] + shift);
        }
        let (ln_f, ln_s) = family.ln_density_survival(&row_parameters, sample.time[i]);
        total += if sample.event[i] { ln_f } else { ln_s };
        if let Some(entry) = &sample.entry {
            total -= family.ln_survival(&row_parameters, entry[i]);
        }
    }
    total
}

/// `family` fitted to `sample` by maximum likelihood (the sample is
/// assumed [`Sample::unfittable`]-checked).
pub fn fit(sample: &Sample, family: Family) -> Fit {
    // The search runs on a standard form: times divided by their geometric
    // mean T, covariates centred and scaled (x' = (x - m) / s), so that
    // every parameter is of order 1. Then θ = J θ' + c: a log scale or mu
    // gains ln T, a log rate loses it, the Gompertz shape is divided by T,
    // each β = β' / s, and the location loses Σ β'_j m_j / s_j.
    let ln_t = sample.time.iter().map(|t| t.ln()).sum::<f64>() / sample.len() as f64;
    let big_t = ln_t.exp();
    let centre: Vec<(f64, f64)> = sample.covariates.iter().map(|c| mean_sd(&c.values)).collect();
    let standard = Sample {
        time: sample.time.iter().map(|t| t / big_t).collect(),
        event: sample.event.clone(),
        entry: sample.entry.as_ref().map(|e| e.iter().map(|e| e / big_t).collect()),
        covariates: sample
            .covariates
            .iter()
            .zip(&centre)
            .map(|(c, &(m, s))| Covariate {
                name: c.name.clone(),
                values: c.values.iter().map(|x| (x - m) / s).collect(),
            })
            .collect(),
    };
    let parameters = family.parameters();
    let p = parameters.len();
    let k = p + centre.len();
    let ll = |theta: &[f64]| log_likelihood(&standard, family, theta);
    let best = starts(&standard, family)
        .into_iter()
        .map(|s| (ll(&s), s))
        .filter(|(v, _)| v.is_finite())
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let maximum = match best {
        Some((_, start)) => newton::maximise(&ll, &start),
        None => newton::Maximum {
            x: vec![f64::NAN; k],
            value: f64::NAN,
            information: vec![f64::NAN; k * k],
            converged: Err("the log-likelihood is not finite at any starting value".into()),
        },
    };
    let mut j = vec![0.0; k * k];
    let mut c = vec![0.0; k];
    for i in 0..k {
        j[i * k + i] = if i < p { 1.0 } else { 1.0 / centre[i - p].1 };
    }
    for (i, (name, _)) in parameters.iter().enumerate() {
        match (family, *name) {
            (Family::Gompertz, "shape") => j[i * k + i] = 1.0 / big_t,
            (_, "scale" | "mu") => c[i] = ln_t,
            (_, "rate") => c[i] = -ln_t,
            _ => {}
        }
    }
    for (col, &(m, s)) in centre.iter().enumerate() {
        j[family.location() * k + p + col] = -m / s;
    }
    let estimate: Vec<f64> = (0..k)
        .map(|r| c[r] + (0..k).map(|col| j[r * k + col] * maximum.x[col]).sum::<f64>())
        .collect();
    let mut converged = maximum.converged;
    let covariance = match (&converged, newton::inverse(&maximum.information, k)) {
        (Ok(_), Some(v)) => {
            let jv: Vec<f64> = (0..k * k)
                .map(|rc| (0..k).map(|m| j[rc / k * k + m] * v[m * k + rc % k]).sum())
                .collect();
            let mut cov: Vec<f64> = (0..k * k)
                .map(|rc| (0..k).map(|m| jv[rc / k * k + m] * j[rc % k * k + m]).sum())
                .collect();
            // Exactly symmetric, as a joint belief's correlation must be.
            for r in 0..k {
                for c in 0..r {
                    let mean = 0.5 * (cov[r * k + c] + cov[c * k + r]);
                    (cov[r * k + c], cov[c * k + r]) = (mean, mean);
                }
            }
            cov
        }
        (Ok(_), None) => {
            converged = Err("the maximum is flat in some direction (the information is singular): the parameters are not identified by these data".into());
            vec![f64::NAN; k * k]
        }
        (Err(_), _) => vec![f64::NAN; k * k],
    };
    let mut names: Vec<String> = parameters.iter().map(|(n, _)| n.to_string()).collect();
    names.extend(sample.covariates.iter().map(|c| c.name.clone()));
    Fit {
        family,
        names,
        estimate,
        covariance,
        // Each event's density in t is its density in t / T over T.
        log_likelihood: maximum.value - sample.events() as f64 * ln_t,
        rows: sample.len(),
        converged,
    }
}

/// Every family of `families` fitted to `sample`, in that order.
pub fn fit_all(sample: &Sample, families: &[Family]) -> Vec<Fit> {
    families.iter().map(|&f| fit(sample, f)).collect()
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt();
    (m, if sd > 0.0 { sd } else { 1.0 })
}

/// Starting values on the fitting scale, covariates at 0: from the mean
/// `m` and sd `s` of the log times (each family's log-time location and
/// spread), the exponential's closed-form rate `events / time at risk`,
/// and for the generalised gamma the fits of its special cases.
fn starts(sample: &Sample, family: Family) -> Vec<Vec<f64>> {
    let logs: Vec<f64> = sample.time.iter().map(|t| t.ln()).collect();
    let (m, s) = mean_sd(&logs);
    let s = s.max(1e-3);
    let at_risk: f64 = match &sample.entry {
        Some(entry) => sample.time.iter().zip(entry).map(|(t, e)| t - e).sum(),
        None => sample.time.iter().sum(),
    };
    let ln_rate = (sample.events() as f64 / at_risk).ln();
    let euler = 0.577_215_664_901_532_9;
    let base = match family {
        Family::Exponential => vec![ln_rate],
        Family::Weibull => {
            let k = std::f64::consts::PI / (6f64.sqrt() * s);
            vec![k.ln(), m + euler / k]
        }
        Family::LogNormal => vec![m, s.ln()],
        Family::LogLogistic => vec![(std::f64::consts::PI / (3f64.sqrt() * s)).ln(), m],
        Family::Gamma => {
            let a = (1.0 / (s * s)).max(0.05);
            vec![a.ln(), m - a.ln()]
        }
        Family::Gompertz => vec![0.0, ln_rate],
        Family::GenGamma => {
            let covariates = sample.covariates.len();
            let mut starts = Vec::new();
            let special = |f: Family| {
                let fitted = fit(sample, f);
                fitted.converged.is_ok().then_some(fitted)
            };
            if let Some(w) = special(Family::Weibull) {
                // Q = 1: mu = ln scale, sigma = 1 / shape.
                starts.push([vec![w.estimate[1], -w.estimate[0], 1.0], w.estimate[2..].to_vec()].concat());
            }
            if let Some(g) = special(Family::Gamma) {
                // Q = sigma = shape^-1/2, mu = ln scale + ln shape.
                let a = g.estimate[0];
                let q = (-0.5 * a).exp();
                starts.push([vec![g.estimate[1] + a, q.ln(), q], g.estimate[2..].to_vec()].concat());
            }
            if let Some(l) = special(Family::LogNormal) {
                for q in [0.05, -0.05] {
                    starts.push([vec![l.estimate[0], l.estimate[1], q], l.estimate[2..].to_vec()].concat());
                }
            }
            starts.push([vec![m, s.ln(), 0.5], vec![0.0; covariates]].concat());
            return starts;
        }
    };
    vec![[base, vec![0.0; sample.covariates.len()]].concat()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exponential data with censoring at a fixed time: the MLE is
    /// `events / time at risk` exactly, with SE of ln rate `1 / sqrt(events)`.
    #[test]
    fn the_exponential_fit_is_the_closed_form() {
        let time = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        let event = vec![true, true, false, true, true, false, true, true, false, true];
        let sample = Sample {
            time: time.clone(),
            event,
            ..Sample::default()
        };
        let f = fit(&sample, Family::Exponential);
        assert!(f.converged.is_ok());
        let rate: f64 = 7.0 / 55.0;
        assert!((f.estimate[0] - rate.ln()).abs() < 1e-8, "{}", f.estimate[0]);
        assert!((f.se(0) - 1.0 / 7f64.sqrt()).abs() < 1e-6, "{}", f.se(0));
        let ll = 7.0 * rate.ln() - rate * 55.0;
        assert!((f.log_likelihood - ll).abs() < 1e-10);
        assert!((f.aic() - (2.0 - 2.0 * ll)).abs() < 1e-9);
    }

    /// With left truncation the exponential's time at risk is `Σ (t - e)`.
    #[test]
    fn left_truncation_removes_the_time_before_entry() {
        let sample = Sample {
            time: vec![5.0, 6.0, 9.0, 12.0],
            event: vec![true, false, true, true],
            entry: Some(vec![1.0, 2.0, 0.0, 4.0]),
            covariates: vec![],
        };
        let f = fit(&sample, Family::Exponential);
        let rate: f64 = 3.0 / (4.0 + 4.0 + 9.0 + 8.0);
        assert!((f.estimate[0] - rate.ln()).abs() < 1e-8);
    }

    /// A binary covariate on the exponential's rate: the fit is each
    /// group's own rate (the model is saturated), the coefficient their
    /// log ratio.
    #[test]
    fn a_binary_covariate_gives_each_group_its_rate() {
        let sample = Sample {
            time: vec![2.0, 4.0, 6.0, 8.0, 1.0, 2.0, 3.0, 5.0],
            event: vec![true, true, false, true, true, true, true, false],
            entry: None,
            covariates: vec![Covariate {
                name: "x".into(),
                values: vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0],
            }],
        };
        let f = fit(&sample, Family::Exponential);
        assert!(f.converged.is_ok(), "{:?}", f.converged);
        let (r0, r1): (f64, f64) = (3.0 / 20.0, 3.0 / 11.0);
        assert!((f.estimate[0] - r0.ln()).abs() < 1e-7, "{:?}", f.estimate);
        assert!((f.estimate[1] - (r1 / r0).ln()).abs() < 1e-7, "{:?}", f.estimate);
        // Var ln r0 = 1/3, Var(ln r1 - ln r0) = 2/3, Cov = -1/3.
        for (got, want) in f.covariance.iter().zip([1.0 / 3.0, -1.0 / 3.0, -1.0 / 3.0, 2.0 / 3.0]) {
            assert!((got - want).abs() < 1e-6, "{:?}", f.covariance);
        }
        assert!((f.natural_at(&[1.0])[0] - r1).abs() < 1e-8);
    }

    #[test]
    fn says_why_data_cannot_be_fitted() {
        let one = Sample {
            time: vec![3.0],
            event: vec![true],
            ..Sample::default()
        };
        assert!(one.unfittable().unwrap().contains("at least 2 rows"));
        let censored = Sample {
            time: vec![3.0, 4.0],
            event: vec![false, false],
            ..Sample::default()
        };
        assert!(censored.unfittable().unwrap().contains("censored"));
    }
}
