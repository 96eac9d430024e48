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
