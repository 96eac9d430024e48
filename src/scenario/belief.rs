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

use toml::{Table, Value};

use crate::error::Invalid;
use crate::scenario::dist::{LAWS, Prior};

/// The most distributions of belief a scenario may have.
pub const MAX_BELIEFS: usize = 1_000;

/// Whether a table is a distribution of belief: it holds the first key of
/// some family's belief form (`beta`, `gamma_mean`, ...).
fn is_belief(t: &Table) -> bool {
    LAWS.iter()
        .flat_map(|law| law.belief_forms)
        .any(|form| t.contains_key(form[0]))
}

/// An uncertain number of the scenario: its key path and distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Belief {
    pub path: String,
    pub prior: Prior,
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
    // `[[joint_beliefs]]` holds no number of the model (`scenario::joint`).
    for (k, v) in doc.iter_mut().filter(|(k, _)| *k != "joint_beliefs") {
        walk(v, k.clone(), &mut found, &mut problems);
    }
    if found.len() > MAX_BELIEFS {
        problems.push(Invalid::new(
            &found[MAX_BELIEFS].path,
            format!("distribution of belief {} of {}", MAX_BELIEFS + 1, found.len()),
            format!("a scenario has at most {MAX_BELIEFS} distributions of belief (the importance analysis is quadratic in their number)"),
        ));
    }
    if problems.is_empty() { Ok(found) } else { Err(problems) }
}

fn walk(v: &mut Value, path: String, found: &mut Vec<Belief>, problems: &mut Vec<Invalid>) {
    match v {
        Value::Table(t) if is_belief(t) && path.starts_with("simulation.") => problems.push(Invalid::new(
            &path,
            Value::Table(t.clone()).to_string(),
            "the simulation's settings (horizon, curve grid) are the same for every draw, so that draws can be compared day by day: give a number",
        )),
        Value::Table(t) if is_belief(t) => match prior(t, &path) {
            Ok(prior) => {
                let written = ["beta_mean", "gamma_mean", "lognormal_mean", "one_minus_gamma_mean"]
                    .iter()
                    .find_map(|k| {
                        t.get(*k)
                            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
                    });
                let mean = written.unwrap_or_else(|| prior.mean());
                *v = Value::Float(mean);
                found.push(Belief { path, prior, mean });
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

/// The distribution a belief table describes: the one belief form, among
/// every family's, whose keys are exactly those written (besides
/// `source`); a form of one key takes a pair `[x, y]`, the others a number
/// each. Its parameters are checked as every distribution's are, so that a
/// derived parameter that overflows or underflows is refused here.
fn prior(t: &Table, path: &str) -> Result<Prior, Invalid> {
    let shown = Value::Table(t.clone()).to_string();
    let bad = |problem: String| Invalid::new(path, &shown, problem);
    let keys: Vec<&str> = t.keys().map(String::as_str).filter(|k| *k != "source").collect();
    let number = |v: &Value| {
        v.as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .filter(|x| x.is_finite())
    };
    let forms = LAWS
        .iter()
        .flat_map(|law| law.belief_forms.iter().enumerate().map(move |(i, f)| (law, i, *f)));
    for (law, i, form) in forms {
        if !(keys.len() == form.len() && form.iter().all(|k| keys.contains(k))) {
            continue;
        }
        let values = if let [key] = form {
            let pair: Option<Vec<f64>> = t
                .get(*key)
                .and_then(Value::as_array)
                .map(|a| a.iter().map(number).collect::<Option<_>>())
                .unwrap_or(None);
            match pair {
                Some(v) if v.len() == 2 => v,
                _ => return Err(bad(format!("`{key}` must be two finite numbers, `{key} = [x, y]`"))),
            }
        } else {
            let mut values = Vec::with_capacity(form.len());
            for key in form.iter() {
                match t.get(*key).and_then(number) {
                    Some(x) => values.push(x),
                    None => return Err(bad(format!("`{key}` must be a finite number"))),
                }
            }
            values
        };
        let prior = (law.from_belief)(i, &values).map_err(|(_, _, problem)| bad(problem))?;
        return prior.checked().map_err(|e| {
            bad(format!(
                "it gives {prior}, which cannot be drawn from: {e}; give a smaller spread or another form"
            ))
        });
    }
    let all: Vec<String> = LAWS
        .iter()
        .flat_map(|law| law.belief_forms)
        .map(|form| match form {
            [key] => format!("{{ {key} = [_, _] }}"),
            keys => format!(
                "{{ {} }}",
                keys.iter().map(|k| format!("{k} = _")).collect::<Vec<_>>().join(", ")
            ),
        })
        .collect();
    Err(bad(format!(
        "a distribution of belief is one of {} (and an optional source)",
        all.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The free-scale density integrates to 1 and gives the family's mean
    /// (trapezoid rule on a fine grid; exact to the grid's error), and the
    /// scale round-trips.
    #[test]
    fn free_scale_densities_are_the_priors() {
        use crate::scenario::dist::{Beta, Family, Gamma, LogNormal, Normal, Uniform};
        let families = [
            Prior::of(Family::Beta(Beta { a: 2.5, b: 7.0 })),
            Prior::of(Family::Gamma(Gamma { shape: 3.0, scale: 2.0 })),
            Prior::of(Family::LogNormal(LogNormal { mu: 0.3, sigma: 0.4 })),
            Prior::of(Family::Normal(Normal { mean: -1.0, sd: 2.0 })),
            Prior::of(Family::Uniform(Uniform { low: 2.0, high: 5.0 })),
            Prior::one_minus(Family::Gamma(Gamma {
                shape: 4.0,
                scale: 0.05,
            })),
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
            assert!((b.prior.mean() - m).abs() < 1e-12, "{text}");
            let mut rng = stream(7, 0, Purpose::Cohort);
            let xs: Vec<f64> = (0..n).map(|_| b.prior.sample(&mut rng)).collect();
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
            // Derived parameters that overflow or underflow: refused as
            // psa's draws would be, not left to panic there.
            ("x = { gamma_mean = 900, sd = 1e300 }", "shape must be > 0, got 0"),
            (
                "x = { uniform = [-1e308, 1e308] }",
                "high - low must be a finite number",
            ),
            ("x = { lognormal_mean = 1e-300, sd = 1e300 }", "cannot be drawn from"),
            (
                "x = { one_minus_gamma_mean = 0.5, sd = 1e-200 }",
                "cannot be drawn from",
            ),
        ];
        for (text, words) in cases {
            let problems = one(text).unwrap_err();
            assert_eq!(problems[0].path, "x", "{text}");
            assert!(problems[0].problem.contains(words), "{text}: {}", problems[0].problem);
        }
    }
}
