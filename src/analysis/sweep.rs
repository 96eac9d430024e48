//! Drivers that run the engine repeatedly on edited copies of a scenario:
//! policy sweeps over one parameter and one-way sensitivity analysis.
//!
//! Every run uses the same seed, so every point and every range end
//! simulates the same synthetic patients (common random numbers across
//! runs as well as across policies).

use crate::analysis::{self, Settings};
use crate::error::{Error, Invalid, Setting};
use crate::estimate::RunResults;
use crate::outcome::OutcomeDef;
use crate::scenario::Scenario;
use crate::scenario::document::{Document, Overrides};
use crate::stats::Estimate;

/// The estimates of `scenario` run as `settings` say, and the number of
/// paths the step guard cut short.
fn run(scenario: &Scenario, settings: &Settings) -> Result<(RunResults, u64), Error> {
    let spec = settings.spec(scenario)?;
    let (output, results) = analysis::run(scenario, &spec)?;
    Ok((results, output.stalled_paths))
}

/// One point of a sweep.
#[derive(Debug, Clone)]
pub struct SweepPoint {
    pub value: f64,
    pub results: RunResults,
    /// Paths the step guard cut short.
    pub stalled_paths: u64,
}

/// The scenario at each value of the parameter at `path`, validated, all
/// before any is run.
///
/// # Errors
/// A bad path ([`Error::Usage`] naming the closest valid ones) or a value
/// that breaks a rule ([`Error::Invalid`]).
pub fn sweep_scenarios(
    doc: &Document,
    overrides: &Overrides,
    path: &str,
    values: &[f64],
) -> Result<Vec<Scenario>, Error> {
    values
        .iter()
        .map(|&value| doc.with_number(path, value)?.scenario(overrides))
        .collect()
}

/// Runs each scenario of a sweep (`values[i]` gives `scenarios[i]`), all
/// with the same seed and settings.
///
/// # Errors
/// A run failure.
pub fn sweep(scenarios: &[Scenario], values: &[f64], settings: &Settings) -> Result<Vec<SweepPoint>, Error> {
    scenarios
        .iter()
        .zip(values)
        .map(|(scenario, &value)| {
            let (results, stalled_paths) = run(scenario, settings)?;
            Ok(SweepPoint {
                value,
                results,
                stalled_paths,
            })
        })
        .collect()
}

/// A range of values `lo..hi` (`lo < hi`, both finite), run at evenly
/// spaced points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub lo: f64,
    pub hi: f64,
}

impl Span {
    /// Reads `LO..HI`.
    ///
    /// # Errors
    /// The rule, when the text is not two numbers `LO < HI`.
    pub fn parse(text: &str) -> Result<Span, String> {
        let bad = || "write LO..HI with numbers LO < HI, e.g. 4..12".to_string();
        let (lo, hi) = text.split_once("..").ok_or_else(bad)?;
        let (lo, hi): (f64, f64) = (
            lo.trim().parse().map_err(|_| bad())?,
            hi.trim().parse().map_err(|_| bad())?,
        );
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(bad());
        }
        Ok(Span { lo, hi })
    }

    /// `steps` (at least 2) evenly spaced points, ends included.
    pub fn points(self, steps: usize) -> Vec<f64> {
        let steps = steps.max(2);
        (0..steps)
            .map(|i| self.lo + (self.hi - self.lo) * i as f64 / (steps - 1) as f64)
            .collect()
    }
}

/// What a sensitivity analysis measures: an outcome of one policy, or the
/// paired difference of an outcome between two policies.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    Policy {
        outcome: &'static OutcomeDef,
        policy: String,
    },
    Contrast {
        outcome: &'static OutcomeDef,
        policy: String,
        reference: String,
    },
}

impl Measure {
    pub fn label(&self) -> String {
        match self {
            Measure::Policy { outcome, policy } => format!("{} under {policy}", outcome.name),
            Measure::Contrast {
                outcome,
                policy,
                reference,
            } => format!("difference in {}, {policy} minus {reference}", outcome.name),
        }
    }

    /// The settings this target needs (the contrast's reference).
    fn settings(&self, settings: &Settings) -> Settings {
        let mut settings = settings.clone();
        if let Measure::Contrast { reference, .. } = self {
            settings.reference = Some(reference.clone());
        }
        settings
    }

    /// The estimate in a run's results.
    fn read(&self, r: &RunResults) -> Estimate {
        match self {
            Measure::Policy { outcome, policy } => r
                .policies
                .iter()
                .find(|p| &p.name == policy)
                .map_or(Estimate::NAN, |p| p.overall.get(outcome.id)),
            Measure::Contrast { outcome, policy, .. } => r
                .comparisons
                .iter()
                .find(|c| &c.policy == policy)
                .and_then(|c| c.differences.iter().find(|d| d.outcome == outcome.name))
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
    pub target: Measure,
    pub base: Estimate,
    pub rows: Vec<Sensitivity>,
    /// Paths the step guard cut short, over every run.
    pub stalled_paths: u64,
}

/// Runs the base case, then each ranged parameter at its low and its high
/// value, all others at base.
///
/// # Errors
/// [`Error::Usage`] if the scenario declares no ranges or names an unknown
/// policy; a range end that breaks a rule; errors of the runs.
pub fn sensitivity(
    doc: &Document,
    overrides: &Overrides,
    settings: &Settings,
    target: Measure,
) -> Result<SensitivityResults, Error> {
    let scenario = doc.scenario(overrides)?;
    if scenario.ranges().is_empty() {
        return Err(Error::Usage(format!(
            "{} declares no [ranges]: add plausible ranges, e.g. \"interventions.NAME.response.probability\" = [0.25, 0.70]",
            doc.file()
        )));
    }
    let names: Vec<&str> = scenario.policies().iter().map(|p| p.name.as_str()).collect();
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
        Measure::Policy { policy, .. } => check(policy)?,
        Measure::Contrast {
            policy,
            reference,
            outcome,
        } => {
            check(policy)?;
            check(reference)?;
            if !outcome.paired {
                let paired: Vec<&str> = crate::outcome::OUTCOMES
                    .iter()
                    .filter(|o| o.paired)
                    .map(|o| o.name)
                    .collect();
                return Err(Error::setting(
                    Setting::Contrast,
                    format!("{policy},{reference}"),
                    format!(
                        "the outcome {} is a {}, not a mean of per-patient values, so it has no paired difference; measure it under one policy or contrast {}",
                        outcome.name,
                        outcome.label,
                        paired.join(", ")
                    ),
                ));
            }
        }
    }
    let settings = target.settings(settings);
    // Every range end validated before anything runs.
    let mut ends = Vec::new();
    for (path, low, high) in scenario.ranges() {
        let at = |v: f64| {
            doc.with_number(path, v)?.scenario(overrides).map_err(|e| match e {
                Error::Invalid { file, problems } => Error::Invalid {
                    file,
                    problems: problems
                        .iter()
                        .map(|invalid| {
                            Invalid::new(
                                format!("ranges.\"{path}\""),
                                format!("[{low}, {high}]"),
                                format!("the range end {v} breaks a rule: {invalid}"),
                            )
                        })
                        .collect(),
                },
                other => other,
            })
        };
        ends.push((path, *low, *high, at(*low)?, at(*high)?));
    }
    let mut stalled_paths = 0;
    let mut estimate = |s: &Scenario| -> Result<Estimate, Error> {
        let (results, stalled) = run(s, &settings)?;
        stalled_paths += stalled;
        Ok(target.read(&results))
    };
    let base = estimate(&scenario)?;
    let mut rows = Vec::new();
    for (path, low, high, at_low, at_high) in ends {
        rows.push(Sensitivity {
            parameter: path.clone(),
            base_value: doc.number(path).unwrap_or(f64::NAN),
            low,
            high,
            at_low: estimate(&at_low)?,
            at_high: estimate(&at_high)?,
        });
    }
    rows.sort_by(|a, b| b.swing().total_cmp(&a.swing()));
    Ok(SensitivityResults {
        target,
        base,
        rows,
        stalled_paths,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_evenly_spaced() {
        let span = Span::parse("4..12").expect("a range");
        assert_eq!(span.points(5), vec![4.0, 6.0, 8.0, 10.0, 12.0]);
        assert_eq!(span.points(2), vec![4.0, 12.0]);
        for bad in ["12..4", "4-12", "4..x", "4..inf", "5..5"] {
            assert_eq!(
                Span::parse(bad).unwrap_err(),
                "write LO..HI with numbers LO < HI, e.g. 4..12",
                "{bad}"
            );
        }
    }
}
