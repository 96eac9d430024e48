//! Distributions of belief: any number of a scenario may be written as an
//! uncertain parameter instead, for probabilistic sensitivity analysis
//! (`foramen psa`). A plain run uses each distribution's mean.
//!
//! | written | distribution | mean |
//! |---|---|---|
//! | `{ beta = [a, b] }` | Beta(a, b) | a / (a + b) |
//! | `{ beta_mean = m, sd = s }` | Beta by the method of moments: `k = m (1 - m) / s² - 1`, `a = m k`, `b = (1 - m) k` | m |
//! | `{ gamma = [shape, scale] }` | Gamma(shape, scale) | shape scale |
//! | `{ gamma_mean = m, sd = s }` | Gamma with shape `(m / s)²`, scale `s² / m` | m |
//! | `{ lognormal = [mu, sigma] }` | LogNormal(mu, sigma) | exp(mu + sigma² / 2) |
//! | `{ lognormal_mean = m, sd = s }` | LogNormal with `sigma² = ln(1 + s² / m²)`, `mu = ln m - sigma² / 2` | m |
//! | `{ normal = [mean, sd] }` | Normal | mean |
//! | `{ uniform = [low, high] }` | Uniform | (low + high) / 2 |
//! | `{ one_minus_gamma_mean = m, sd = s }` | 1 - Gamma with mean `1 - m`, sd `s` (a utility whose decrement is gamma) | m |
//!
//! Conventional choices (Briggs, Claxton and Sculpher, *Decision Modelling
//! for Health Economic Evaluation*, 2006, ch. 4): probabilities beta,
//! costs gamma, odds and hazard ratios lognormal, utilities beta or one
//! minus gamma.

use rand::Rng;
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Normal, Uniform};
use toml::{Table, Value};

use crate::error::Invalid;

/// The keys that make a table a distribution of belief.
const FORMS: [&str; 9] = [
    "beta",
    "beta_mean",
    "gamma",
    "gamma_mean",
    "lognormal",
    "lognormal_mean",
    "normal",
    "uniform",
    "one_minus_gamma_mean",
];

/// A distribution of belief, in its own parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    Beta {
        a: f64,
        b: f64,
    },
    Gamma {
        shape: f64,
        scale: f64,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    /// `1 - X`, X ~ Gamma(shape, scale).
    OneMinusGamma {
        shape: f64,
        scale: f64,
    },
}

impl Family {
    pub fn mean(&self) -> f64 {
        match *self {
            Family::Beta { a, b } => a / (a + b),
            Family::Gamma { shape, scale } => shape * scale,
            Family::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Family::Normal { mean, .. } => mean,
            Family::Uniform { low, high } => (low + high) / 2.0,
            Family::OneMinusGamma { shape, scale } => 1.0 - shape * scale,
        }
    }

    /// One draw. (Parameters were checked when the scenario was read, so
    /// the samplers' constructors cannot fail.)
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let ok = "checked when read";
        match *self {
            Family::Beta { a, b } => Beta::new(a, b).expect(ok).sample(rng),
            Family::Gamma { shape, scale } => Gamma::new(shape, scale).expect(ok).sample(rng),
            Family::LogNormal { mu, sigma } => LogNormal::new(mu, sigma).expect(ok).sample(rng),
            Family::Normal { mean, sd } => Normal::new(mean, sd).expect(ok).sample(rng),
            Family::Uniform { low, high } => Uniform::new(low, high).expect(ok).sample(rng),
            Family::OneMinusGamma { shape, scale } => 1.0 - Gamma::new(shape, scale).expect(ok).sample(rng),
        }
    }
}

/// `ln(1 + e^x)` without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `ln Γ(x)`.
fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// `ln` of the normal density of `x` with mean `m` and sd `s`.
fn ln_normal(x: f64, m: f64, s: f64) -> f64 {
    let z = (x - m) / s;
    -0.5 * z * z - s.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
}

impl Family {
    /// The value `x` on the unbounded scale calibration searches:
    /// `t = logit x` for beta, `ln x` for gamma and lognormal,
    /// `logit((x - low) / (high - low))` for uniform, `ln(1 - x)` for one
    /// minus gamma, `x` for normal.
    pub fn free(&self, x: f64) -> f64 {
        let logit = |u: f64| (u / (1.0 - u)).ln();
        match *self {
            Family::Beta { .. } => logit(x),
            Family::Gamma { .. } | Family::LogNormal { .. } => x.ln(),
            Family::Normal { .. } => x,
            Family::Uniform { low, high } => logit((x - low) / (high - low)),
            Family::OneMinusGamma { .. } => (1.0 - x).ln(),
        }
    }

    /// The value at `t` on the unbounded scale ([`Family::free`]'s inverse).
    pub fn from_free(&self, t: f64) -> f64 {
        let expit = |t: f64| 1.0 / (1.0 + (-t).exp());
        match *self {
            Family::Beta { .. } => expit(t),
            Family::Gamma { .. } | Family::LogNormal { .. } => t.exp(),
            Family::Normal { .. } => t,
            Family::Uniform { low, high } => low + (high - low) * expit(t),
            Family::OneMinusGamma { .. } => 1.0 - t.exp(),
        }
    }

    /// `ln` of the density of `t` = [`Family::free`]`(x)` when `x` has this
    /// distribution (the density of `x` times `|dx/dt|`):
    ///
    /// - beta: `a ln x + b ln(1 - x) - ln B(a, b)`, `x = expit t`;
    /// - gamma (and one minus gamma, on `1 - x`): `k t - e^t / θ - ln Γ(k) - k ln θ`;
    /// - lognormal: the normal density of `t` with mean `μ` and sd `σ`;
    /// - normal: its own density;
    /// - uniform: `ln u + ln(1 - u)`, `u = expit t`.
    pub fn ln_density_free(&self, t: f64) -> f64 {
        match *self {
            Family::Beta { a, b } => {
                -a * softplus(-t) - b * softplus(t) - (ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b))
            }
            Family::Gamma { shape, scale } | Family::OneMinusGamma { shape, scale } => {
                shape * t - t.exp() / scale - ln_gamma(shape) - shape * scale.ln()
            }
            Family::LogNormal { mu, sigma } => ln_normal(t, mu, sigma),
            Family::Normal { mean, sd } => ln_normal(t, mean, sd),
            Family::Uniform { .. } => -softplus(-t) - softplus(t),
        }
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = |x: f64| {
            format!("{x:.4}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        };
        match *self {
            Family::Beta { a, b } => write!(f, "beta({}, {})", g(a), g(b)),
            Family::Gamma { shape, scale } => write!(f, "gamma(shape {}, scale {})", g(shape), g(scale)),
            Family::LogNormal { mu, sigma } => write!(f, "lognormal(mu {}, sigma {})", g(mu), g(sigma)),
            Family::Normal { mean, sd } => write!(f, "normal({}, sd {})", g(mean), g(sd)),
            Family::Uniform { low, high } => write!(f, "uniform({}, {})", g(low), g(high)),
            Family::OneMinusGamma { shape, scale } => {
                write!(f, "1 - gamma(shape {}, scale {})", g(shape), g(scale))
            }
        }
    }
}

/// An uncertain number of the scenario: its key path and distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Belief {
    pub path: String,
    pub family: Family,
    /// The value of a plain run: the distribution's mean, exactly as
    /// written for the `*_mean` forms.
    pub mean: f64,
}

impl Belief {
    /// Whether the number can change a patient's path: false for the
    /// numbers that only value paths (everything under `economics`, and an
    /// intervention's or complication's `cost`, `utility` and
    /// `qaly_loss`), which no target of the pathway can inform.
    pub fn changes_paths(&self) -> bool {
        let last = self.path.rsplit('.').next().unwrap_or_default();
        !(self.path.starts_with("economics.") || matches!(last, "cost" | "utility" | "qaly_loss"))
    }
}

/// Finds every distribution of belief in `doc`, replaces each by its mean,
/// and returns them in document order (tables in key order, arrays in
/// element order; paths as in `[ranges]`).
///
/// # Errors
/// Every malformed distribution of belief, with its key path.
pub fn extract(doc: &mut Table) -> Result<Vec<Belief>, Vec<Invalid>> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for (k, v) in doc.iter_mut() {
        walk(v, k.clone(), &mut found, &mut problems);
    }
    if problems.is_empty() { Ok(found) } else { Err(problems) }
}

fn walk(v: &mut Value, path: String, found: &mut Vec<Belief>, problems: &mut Vec<Invalid>) {
    match v {
        Value::Table(t) if FORMS.iter().any(|k| t.contains_key(*k)) => match family(t, &path) {
            Ok(family) => {
                let written = ["beta_mean", "gamma_mean", "lognormal_mean", "one_minus_gamma_mean"]
                    .iter()
                    .find_map(|k| {
                        t.get(*k)
                            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
                    });
                let mean = written.unwrap_or_else(|| family.mean());
                *v = Value::Float(mean);
                found.push(Belief { path, family, mean });
            }
            Err(e) => problems.push(e),
        },
        Value::Table(t) => {
            for (k, v) in t.iter_mut() {
                walk(v, format!("{path}.{k}"), found, problems);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let seg = crate::scenario::paths::element(&path, i, item);
                walk(item, seg, found, problems);
            }
        }
        _ => {}
    }
}

/// The distribution a belief table describes.
fn family(t: &Table, path: &str) -> Result<Family, Invalid> {
    let shown = Value::Table(t.clone()).to_string();
    let bad = |problem: String| Invalid::new(path, &shown, problem);
    let keys: Vec<&str> = t.keys().map(String::as_str).filter(|k| *k != "source").collect();
    let number = |key: &str| -> Result<f64, Invalid> {
        match t.get(key) {
            Some(Value::Float(x)) if x.is_finite() => Ok(*x),
            Some(Value::Integer(i)) => Ok(*i as f64),
            _ => Err(bad(format!("`{key}` must be a finite number"))),
        }
    };
    let pair = |key: &str| -> Result<(f64, f64), Invalid> {
        let items = t.get(key).and_then(Value::as_array);
        let numbers: Option<Vec<f64>> = items.map(|a| {
            a.iter()
                .filter_map(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
                .filter(|x| x.is_finite())
                .collect()
        });
        match numbers {
            Some(n) if n.len() == 2 && items.is_some_and(|a| a.len() == 2) => Ok((n[0], n[1])),
            _ => Err(bad(format!("`{key}` must be two finite numbers, `{key} = [x, y]`"))),
        }
    };
    let form = |want: &[&str]| keys.len() == want.len() && want.iter().all(|k| keys.contains(k));
    let positive = |name: &str, x: f64| {
        if x > 0.0 {
            Ok(x)
        } else {
            Err(bad(format!("{name} must be > 0")))
        }
    };
    if form(&["beta"]) {
        let (a, b) = pair("beta")?;
        Ok(Family::Beta {
            a: positive("beta's a", a)?,
            b: positive("beta's b", b)?,
        })
    } else if form(&["beta_mean", "sd"]) {
        let (m, s) = (number("beta_mean")?, number("sd")?);
        if !(m > 0.0 && m < 1.0) {
            return Err(bad("a beta's mean must lie strictly between 0 and 1".into()));
        }
        positive("sd", s)?;
        if s * s >= m * (1.0 - m) {
            return Err(bad(format!(
                "sd {s} is too large for a beta with mean {m}: it must be below sqrt(m (1 - m)) = {:.4}",
                (m * (1.0 - m)).sqrt()
            )));
        }
        let k = m * (1.0 - m) / (s * s) - 1.0;
        Ok(Family::Beta {
            a: m * k,
            b: (1.0 - m) * k,
        })
    } else if form(&["gamma"]) {
        let (shape, scale) = pair("gamma")?;
        Ok(Family::Gamma {
            shape: positive("gamma's shape", shape)?,
            scale: positive("gamma's scale", scale)?,
        })
    } else if form(&["gamma_mean", "sd"]) {
        let (m, s) = (
            positive("gamma_mean", number("gamma_mean")?)?,
            positive("sd", number("sd")?)?,
        );
        Ok(Family::Gamma {
            shape: (m / s).powi(2),
            scale: s * s / m,
        })
    } else if form(&["lognormal"]) {
        let (mu, sigma) = pair("lognormal")?;
        Ok(Family::LogNormal {
            mu,
            sigma: positive("lognormal's sigma", sigma)?,
        })
    } else if form(&["lognormal_mean", "sd"]) {
        let (m, s) = (
            positive("lognormal_mean", number("lognormal_mean")?)?,
            positive("sd", number("sd")?)?,
        );
        let var = (1.0 + (s / m).powi(2)).ln();
        Ok(Family::LogNormal {
            mu: m.ln() - var / 2.0,
            sigma: var.sqrt(),
        })
    } else if form(&["normal"]) {
        let (mean, sd) = pair("normal")?;
        Ok(Family::Normal {
            mean,
            sd: positive("normal's sd", sd)?,
        })
    } else if form(&["uniform"]) {
        let (low, high) = pair("uniform")?;
        if low < high {
            Ok(Family::Uniform { low, high })
        } else {
            Err(bad("uniform = [low, high] needs low < high".into()))
        }
    } else if form(&["one_minus_gamma_mean", "sd"]) {
        let (m, s) = (number("one_minus_gamma_mean")?, positive("sd", number("sd")?)?);
        if m >= 1.0 {
            return Err(bad(
                "one_minus_gamma_mean must be below 1 (the decrement 1 - m is gamma)".into(),
            ));
        }
        let d = 1.0 - m;
        Ok(Family::OneMinusGamma {
            shape: (d / s).powi(2),
            scale: s * s / d,
        })
    } else {
        Err(bad(
            "a distribution of belief is one of { beta = [a, b] }, { beta_mean = m, sd = s }, { gamma = [shape, scale] }, \
             { gamma_mean = m, sd = s }, { lognormal = [mu, sigma] }, { lognormal_mean = m, sd = s }, { normal = [mean, sd] }, \
             { uniform = [low, high] }, { one_minus_gamma_mean = m, sd = s } (and an optional source)"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The free-scale density integrates to 1 and gives the family's mean
    /// (trapezoid rule on a fine grid; exact to the grid's error), and the
    /// scale round-trips.
    #[test]
    fn free_scale_densities_are_the_priors() {
        let families = [
            Family::Beta { a: 2.5, b: 7.0 },
            Family::Gamma { shape: 3.0, scale: 2.0 },
            Family::LogNormal { mu: 0.3, sigma: 0.4 },
            Family::Normal { mean: -1.0, sd: 2.0 },
            Family::Uniform { low: 2.0, high: 5.0 },
            Family::OneMinusGamma {
                shape: 4.0,
                scale: 0.05,
            },
        ];
        for f in families {
            let (lo, hi, n) = (-40.0, 40.0, 400_000);
            let h = (hi - lo) / f64::from(n);
            let (mut mass, mut mean) = (0.0, 0.0);
            for i in 0..=n {
                let t = lo + h * f64::from(i);
                let w = if i == 0 || i == n { 0.5 } else { 1.0 };
                let p = f.ln_density_free(t).exp();
                mass += w * h * p;
                mean += w * h * p * f.from_free(t);
            }
            assert!((mass - 1.0).abs() < 1e-9, "{f}: mass {mass}");
            assert!(
                (mean - f.mean()).abs() < 1e-8 * f.mean().abs().max(1.0),
                "{f}: mean {mean}"
            );
            let x = f.mean();
            assert!((f.from_free(f.free(x)) - x).abs() < 1e-12 * x.abs().max(1.0), "{f}");
        }
    }
    use crate::rng::{Purpose, stream};

    fn one(text: &str) -> Result<Vec<Belief>, Vec<Invalid>> {
        let mut t: Table = toml::from_str(text).unwrap();
        extract(&mut t)
    }

    /// Method-of-moments forms give back the mean and sd they were given:
    /// checked on 200,000 draws against the Monte Carlo standard errors of
    /// the sample mean (sd / sqrt(n)) and of the sample sd (about
    /// sd / sqrt(2n) for these shapes, doubled for the skewed ones), at 4
    /// standard errors.
    #[test]
    fn moment_forms_match_their_mean_and_sd() {
        let n = 200_000;
        for (text, m, s) in [
            ("x = { beta_mean = 0.3, sd = 0.1 }", 0.3, 0.1),
            ("x = { gamma_mean = 900, sd = 300 }", 900.0, 300.0),
            ("x = { lognormal_mean = 0.6, sd = 0.2 }", 0.6, 0.2),
            ("x = { one_minus_gamma_mean = 0.7, sd = 0.05 }", 0.7, 0.05),
        ] {
            let b = &one(text).unwrap()[0];
            assert!((b.family.mean() - m).abs() < 1e-12, "{text}");
            let mut rng = stream(7, 0, Purpose::Cohort);
            let xs: Vec<f64> = (0..n).map(|_| b.family.sample(&mut rng)).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0)).sqrt();
            let se_mean = s / (n as f64).sqrt();
            let se_sd = 2.0 * s / (2.0 * n as f64).sqrt();
            assert!((mean - m).abs() < 4.0 * se_mean, "{text}: mean {mean}");
            assert!((sd - s).abs() < 4.0 * se_sd, "{text}: sd {sd}");
        }
    }

    #[test]
    fn beliefs_are_found_anywhere_and_replaced_by_their_mean() {
        let mut t: Table = toml::from_str(
            "[[interventions]]\nname = \"tfesi\"\ncost = { gamma_mean = 900, sd = 200 }\n\
             response = { probability = { beta = [3, 1] }, odds_ratios = [{ if = \"x\", or = { lognormal = [0, 0.5] } }] }",
        )
        .unwrap();
        let found = extract(&mut t).unwrap();
        let paths: Vec<&str> = found.iter().map(|b| b.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "interventions.tfesi.cost",
                "interventions.tfesi.response.odds_ratios[0].or",
                "interventions.tfesi.response.probability"
            ]
        );
        assert_eq!(
            crate::scenario::paths::get_number(&t, "interventions.tfesi.cost"),
            Some(900.0)
        );
        assert_eq!(
            crate::scenario::paths::get_number(&t, "interventions.tfesi.response.probability"),
            Some(0.75)
        );
    }

    #[test]
    fn impossible_beliefs_say_why() {
        let cases = [
            ("x = { beta_mean = 1.2, sd = 0.1 }", "strictly between 0 and 1"),
            ("x = { beta_mean = 0.5, sd = 0.6 }", "too large for a beta"),
            ("x = { gamma_mean = 10, sd = -1 }", "sd must be > 0"),
            ("x = { beta = [2] }", "two finite numbers"),
            ("x = { beta = [2, 3], sd = 1 }", "a distribution of belief is one of"),
            ("x = { uniform = [3, 1] }", "low < high"),
        ];
        for (text, words) in cases {
            let problems = one(text).unwrap_err();
            assert_eq!(problems[0].path, "x", "{text}");
            assert!(problems[0].problem.contains(words), "{text}: {}", problems[0].problem);
        }
    }
}
