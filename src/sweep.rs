//! Drivers that run the engine repeatedly on edited copies of a scenario:
//! policy sweeps over one parameter and one-way sensitivity analysis.
//!
//! Every run uses the same seed, so every point and every range end
//! simulates the same synthetic patients (common random numbers across
//! runs as well as across policies).

use crate::error::{Error, Invalid};
use crate::run::{Loaded, RunOptions, prepare, simulate};
use crate::scenario::{Scenario, paths, raw::RawScenario};
use crate::summary::{Estimate, OUTCOMES, RunResults};

/// The scenario with the number at `path` set to `value`, validated.
///
/// # Errors
/// [`Error::Usage`] naming the path (and the closest valid ones) when it does
/// not lead to a number; [`Error::Invalid`] when the value breaks a rule.
pub fn with_value(loaded: &Loaded, path: &str, value: f64) -> Result<Scenario, Error> {
    let mut doc: toml::Table = loaded.text.parse().map_err(|e: toml::de::Error| Error::Syntax {
        file: loaded.file.clone(),
        message: e.to_string(),
    })?;
    paths::set_number(&mut doc, path, value).map_err(|problem| Error::Usage(format!("--param {path}: {problem}")))?;
    let raw: RawScenario = toml::Value::Table(doc)
        .try_into()
        .map_err(|e: toml::de::Error| Error::Syntax {
            file: loaded.file.clone(),
            message: e.to_string(),
        })?;
    Scenario::from_raw(&raw).map_err(|invalid| Error::Invalid {
        file: format!("{} with {path} = {value}", loaded.file),
        invalid,
    })
}

/// Checks an outcome name against summary.csv's outcomes.
///
/// # Errors
/// [`Error::Usage`] with the allowed names.
pub fn check_outcome(name: &str) -> Result<&'static str, Error> {
    OUTCOMES.iter().copied().find(|o| *o == name).ok_or_else(|| {
        Error::Usage(format!(
            "--outcome {name}: unknown outcome{}; choose from {}",
            crate::error::did_you_mean(name, OUTCOMES),
            OUTCOMES.join(", ")
        ))
    })
}

/// One point of a sweep.
#[derive(Debug, Clone)]
pub struct SweepPoint {
    pub value: f64,
    pub results: RunResults,
}

/// Runs the scenario at each value of the parameter at `path`.
///
/// # Errors
/// A bad path or value (see [`with_value`]), or a run failure.
pub fn sweep(loaded: &Loaded, path: &str, values: &[f64], opts: &RunOptions) -> Result<Vec<SweepPoint>, Error> {
    values
        .iter()
        .map(|&value| {
            let scenario = with_value(loaded, path, value)?;
            let (scenario, spec) = prepare(&scenario, opts)?;
            let (_, results) = simulate(&scenario, &spec)?;
            Ok(SweepPoint { value, results })
        })
        .collect()
}

/// `LO..HI` with `steps` evenly spaced points (ends included).
///
/// # Errors
/// [`Error::Usage`] when the range does not parse or `steps < 2`.
pub fn parse_range(text: &str, steps: usize) -> Result<Vec<f64>, Error> {
    let bad = || Error::Usage(format!("--range {text}: write LO..HI with numbers LO < HI, e.g. 4..12"));
    let (lo, hi) = text.split_once("..").ok_or_else(bad)?;
    let (lo, hi): (f64, f64) = (
        lo.trim().parse().map_err(|_| bad())?,
        hi.trim().parse().map_err(|_| bad())?,
    );
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(bad());
    }
    if !(2..=1000).contains(&steps) {
        return Err(Error::Usage(format!("--steps {steps}: use between 2 and 1000 points")));
    }
    Ok((0..steps)
        .map(|i| lo + (hi - lo) * i as f64 / (steps - 1) as f64)
        .collect())
}

/// What a sensitivity analysis measures: an outcome of one policy, or the
/// paired difference of an outcome between two policies.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Policy {
        outcome: &'static str,
        policy: String,
    },
    Contrast {
        outcome: &'static str,
        policy: String,
        reference: String,
    },
}

impl Target {
    pub fn label(&self) -> String {
        match self {
            Target::Policy { outcome, policy } => format!("{outcome} under {policy}"),
            Target::Contrast {
                outcome,
                policy,
                reference,
            } => format!("difference in {outcome}, {policy} minus {reference}"),
        }
    }

    /// The run options this target needs (the contrast's reference).
    fn options(&self, opts: &RunOptions) -> RunOptions {
        let mut opts = opts.clone();
        if let Target::Contrast { reference, .. } = self {
            opts.reference = Some(reference.clone());
        }
        opts
    }

    /// The estimate in a run's results.
    fn read(&self, r: &RunResults) -> Estimate {
        match self {
            Target::Policy { outcome, policy } => r
                .policies
                .iter()
                .find(|p| &p.name == policy)
                .and_then(|p| p.overall.estimate(outcome))
                .unwrap_or(Estimate::NAN),
            Target::Contrast { outcome, policy, .. } => r
                .comparisons
                .iter()
                .find(|c| &c.policy == policy)
                .and_then(|c| c.differences.iter().find(|d| d.outcome == *outcome))
                .map_or(Estimate::NAN, |d| d.paired),
        }
    }
}

/// One ranged parameter's effect.
#[derive(Debug, Clone)]
pub struct Sensitivity {
    pub parameter: String,
    pub base_value: f64,
    pub low: f64,
    pub high: f64,
    pub at_low: Estimate,
    pub at_high: Estimate,
}

impl Sensitivity {
    /// |effect at high - effect at low|: the tornado's sort key.
    pub fn swing(&self) -> f64 {
        (self.at_high.value - self.at_low.value).abs()
    }
}

/// The result of a sensitivity analysis, rows sorted by decreasing swing.
#[derive(Debug, Clone)]
pub struct SensitivityResults {
    pub target: Target,
    pub base: Estimate,
    pub rows: Vec<Sensitivity>,
}

/// Runs the base case, then each ranged parameter at its low and its high
/// value, all others at base.
///
/// # Errors
/// [`Error::Usage`] if the scenario declares no ranges or names an unknown
/// policy; errors of the runs.
pub fn sensitivity(loaded: &Loaded, target: Target, opts: &RunOptions) -> Result<SensitivityResults, Error> {
    let scenario = &loaded.scenario;
    if scenario.ranges.is_empty() {
        return Err(Error::Usage(format!(
            "{} declares no [ranges]: add plausible ranges, e.g. \"interventions.NAME.response.probability\" = [0.25, 0.70]",
            loaded.file
        )));
    }
    let names: Vec<&str> = scenario.policies.iter().map(|p| p.name.as_str()).collect();
    let check = |name: &str| {
        if names.contains(&name) {
            Ok(())
        } else {
            Err(Error::Usage(format!(
                "no policy `{name}`{}; the scenario has {}",
                crate::error::did_you_mean(name, names.iter().copied()),
                names.join(", ")
            )))
        }
    };
    match &target {
        Target::Policy { policy, .. } => check(policy)?,
        Target::Contrast { policy, reference, .. } => {
            check(policy)?;
            check(reference)?;
        }
    }
    let opts = target.options(opts);
    let estimate = |s: &Scenario| -> Result<Estimate, Error> {
        let (s, spec) = prepare(s, &opts)?;
        Ok(target.read(&simulate(&s, &spec)?.1))
    };
    let base = estimate(scenario)?;
    let doc: toml::Table = loaded.text.parse().map_err(|e: toml::de::Error| Error::Syntax {
        file: loaded.file.clone(),
        message: e.to_string(),
    })?;
    let mut rows = Vec::new();
    for (path, low, high) in &scenario.ranges {
        let base_value = paths::get_number(&doc, path).unwrap_or(f64::NAN);
        let at = |v: f64| {
            with_value(loaded, path, v).map_err(|e| match e {
                Error::Invalid { file, invalid } => Error::Invalid {
                    file,
                    invalid: Invalid::new(
                        format!("ranges.\"{path}\""),
                        format!("[{low}, {high}]"),
                        format!("the range end {v} breaks a rule: {invalid}"),
                    ),
                },
                other => other,
            })
        };
        rows.push(Sensitivity {
            parameter: path.clone(),
            base_value,
            low: *low,
            high: *high,
            at_low: estimate(&at(*low)?)?,
            at_high: estimate(&at(*high)?)?,
        });
    }
    rows.sort_by(|a, b| b.swing().total_cmp(&a.swing()));
    Ok(SensitivityResults { target, base, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_evenly_spaced() {
        assert_eq!(parse_range("4..12", 5).unwrap(), vec![4.0, 6.0, 8.0, 10.0, 12.0]);
        assert!(parse_range("12..4", 5).is_err());
        assert!(parse_range("4-12", 5).is_err());
        assert!(parse_range("4..12", 1).is_err());
    }
}
