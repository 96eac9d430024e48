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
use crate::simulate::engine::Observer;
use crate::stats::Estimate;

/// The estimates of `scenario` run as `settings` say, and the number of
/// paths the step guard cut short.
fn run(scenario: &Scenario, settings: &Settings, observer: &dyn Observer) -> Result<(RunResults, u64), Error> {
    let spec = settings.spec(scenario)?;
    let (output, results) = analysis::run_observed(scenario, &spec, observer)?;
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
/// with the same seed and settings, stopping when `observer` asks.
///
/// # Errors
/// A run failure, or [`Error::Interrupted`].
pub fn sweep(
    scenarios: &[Scenario],
    values: &[f64],
    settings: &Settings,
    observer: &dyn Observer,
) -> Result<Vec<SweepPoint>, Error> {
    scenarios
        .iter()
        .zip(values)
        .map(|(scenario, &value)| {
            let (results, stalled_paths) = run(scenario, settings, observer)?;
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

/// What a sensitivity analysis measures: an outcome of one policy, the
/// paired difference of an outcome between two policies, or the decision
/// itself, the incremental net benefit of one policy over another.
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
    /// Incremental net monetary benefit `λ ΔQALYs - Δcost` of `contrast`
    /// (A minus B, paired) at the willingness to pay `wtp` (`λ`, one of
    /// the scenario's values). Without a contrast, the policy with the
    /// highest net benefit in the base case against the runner-up.
    NetBenefit {
        contrast: Option<(String, String)>,
        wtp: f64,
        currency: String,
    },
}

impl Measure {
    /// What a sensitivity analysis measures, from its options: with
    /// `[economics]` and neither `outcome` nor `policy`, the net benefit
    /// at `wtp` (default the scenario's first willingness to pay) of
    /// `contrast` (default the best policy against the runner-up);
    /// otherwise `outcome` (default the share recovered) of `policy`
    /// (default the first), or of `contrast` (A minus B).
    ///
    /// # Errors
    /// [`Error::Setting`] for a willingness to pay that cannot be used.
    pub fn choose(
        scenario: &Scenario,
        outcome: Option<&'static OutcomeDef>,
        policy: Option<String>,
        contrast: Option<(String, String)>,
        wtp: Option<f64>,
    ) -> Result<Measure, Error> {
        match (outcome, scenario.economics()) {
            (None, Some(e)) if policy.is_none() => Ok(Measure::NetBenefit {
                contrast,
                wtp: wtp.or_else(|| e.willingness_to_pay.first().copied()).ok_or_else(|| {
                    Error::setting(
                        Setting::Wtp,
                        "(none)",
                        "the scenario lists no economics.willingness_to_pay: add one, or choose an outcome with --outcome",
                    )
                })?,
                currency: e.currency.clone(),
            }),
            (outcome, _) => {
                if let Some(wtp) = wtp {
                    return Err(Error::setting(
                        Setting::Wtp,
                        wtp,
                        "the net benefit needs costs and QALYs: the scenario declares no [economics]",
                    ));
                }
                let outcome = outcome.unwrap_or(crate::outcome::Id::Recovered.def());
                Ok(match contrast {
                    Some((a, b)) => Measure::Contrast {
                        outcome,
                        policy: a,
                        reference: b,
                    },
                    None => Measure::Policy {
                        outcome,
                        policy: policy.unwrap_or_else(|| scenario.policies()[0].name.clone()),
                    },
                })
            }
        }
    }

    pub fn label(&self) -> String {
        match self {
            Measure::Policy { outcome, policy } => format!("{} under {policy}", outcome.name),
            Measure::Contrast {
                outcome,
                policy,
                reference,
            } => format!("difference in {}, {policy} minus {reference}", outcome.name),
            Measure::NetBenefit {
                contrast,
                wtp,
                currency,
            } => {
                let pair = contrast
                    .as_ref()
                    .map_or("the best minus the runner-up".to_string(), |(a, b)| {
                        format!("{a} minus {b}")
                    });
                format!("incremental net benefit at {wtp} {currency} per QALY, {pair}")
            }
        }
    }

    /// The measure whose [`Measure::label`] is `label` (the `target`
    /// column of sensitivity.csv), if it is one.
    pub fn from_label(label: &str) -> Option<Measure> {
        let find = crate::outcome::find;
        if let Some(rest) = label.strip_prefix("incremental net benefit at ") {
            let (amount, rest) = rest.split_once(' ')?;
            let (currency, pair) = rest.split_once(" per QALY, ")?;
            let contrast = match pair {
                "the best minus the runner-up" => None,
                _ => pair.split_once(" minus ").map(|(a, b)| (a.to_string(), b.to_string())),
            };
            return Some(Measure::NetBenefit {
                contrast,
                wtp: amount.parse().ok()?,
                currency: currency.to_string(),
            });
        }
        if let Some(rest) = label.strip_prefix("difference in ") {
            let (outcome, pair) = rest.split_once(", ")?;
            let (policy, reference) = pair.split_once(" minus ")?;
            return Some(Measure::Contrast {
                outcome: find(outcome)?,
                policy: policy.to_string(),
                reference: reference.to_string(),
            });
        }
        let (outcome, policy) = label.split_once(" under ")?;
        Some(Measure::Policy {
            outcome: find(outcome)?,
            policy: policy.to_string(),
        })
    }

    /// The settings this target needs (the contrast's reference).
    fn settings(&self, settings: &Settings) -> Settings {
        let mut settings = settings.clone();
        match self {
            Measure::Contrast { reference, .. }
            | Measure::NetBenefit {
                contrast: Some((_, reference)),
                ..
            } => settings.reference = Some(reference.clone()),
            _ => {}
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
            Measure::NetBenefit { contrast, wtp, .. } => r
                .cea
                .as_ref()
                .and_then(|cea| {
                    let (policy, _) = contrast.as_ref()?;
                    cea.nmb
                        .iter()
                        .find(|n| &n.policy == policy && n.willingness_to_pay == *wtp)
                })
                .map_or(Estimate::NAN, |n| n.incremental),
        }
    }

    /// The willingness to pay the decision is taken at, for a net-benefit
    /// measure.
    pub fn wtp(&self) -> Option<f64> {
        match self {
            Measure::NetBenefit { wtp, .. } => Some(*wtp),
            _ => None,
        }
    }
}

/// The policies of a run in decreasing order of net benefit at `wtp` (ties
/// to the first in scenario order); empty without `[economics]` or when
/// `wtp` is not one of the scenario's values.
pub fn ranked(r: &RunResults, wtp: f64) -> Vec<String> {
    let Some(cea) = &r.cea else { return Vec::new() };
    let mut rows: Vec<_> = cea.nmb.iter().filter(|n| n.willingness_to_pay == wtp).collect();
    // A stable sort keeps scenario order among equal values.
    rows.sort_by(|a, b| b.nmb.value.total_cmp(&a.nmb.value));
    rows.into_iter().map(|n| n.policy.clone()).collect()
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
    /// Whether either end changes the estimate at all: `false` when both
    /// ends give the base case's estimate to the last bit (the same
    /// patients, so the parameter is not on any path the measure counts).
    pub moves: bool,
    /// For a net-benefit measure: the policy with the highest net benefit
    /// at each end.
    pub best_at_low: Option<String>,
    pub best_at_high: Option<String>,
    /// For a net-benefit measure: where the decision changes between the
    /// base value and an end whose best policy differs from the base
    /// case's (see [`Threshold`]).
    pub threshold_low: Option<Threshold>,
    pub threshold_high: Option<Threshold>,
}

impl Sensitivity {
    /// |effect at high - effect at low|: the tornado's sort key.
    pub fn swing(&self) -> f64 {
        (self.at_high.value - self.at_low.value).abs()
    }
}

/// The value of a parameter at which the best policy changes, found by
/// bisection between the base value (where the base case's best policy is
/// best) and a range end (where another is): `below` and `above` bracket
/// it, `value` is their midpoint, and `to` is the policy best at the end.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub value: f64,
    pub bracket: (f64, f64),
    pub to: String,
}

/// Bisection steps for a threshold: the bracket is the distance from the
/// base value to the end over 2^7 = 128.
pub const THRESHOLD_STEPS: u32 = 7;

/// The result of a sensitivity analysis, rows sorted by decreasing swing.
#[derive(Debug, Clone)]
pub struct SensitivityResults {
    pub target: Measure,
    pub base: Estimate,
    /// For a net-benefit measure: the best policy in the base case.
    pub base_best: Option<String>,
    pub rows: Vec<Sensitivity>,
    /// Paths the step guard cut short, over every run.
    pub stalled_paths: u64,
    /// Runs made (base, ends, and the bisections of thresholds).
    pub runs: usize,
}

impl SensitivityResults {
    /// The rows whose range cannot move the estimate.
    pub fn unmoved(&self) -> impl Iterator<Item = &Sensitivity> {
        self.rows.iter().filter(|r| !r.moves)
    }
}

/// Whether two estimates are the same to the last bit.
fn same(a: &Estimate, b: &Estimate) -> bool {
    [a.value, a.lo, a.hi, a.se]
        .iter()
        .zip([b.value, b.lo, b.hi, b.se])
        .all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Checks that `name` is one of the scenario's policies.
fn check_policy(scenario: &Scenario, name: &str) -> Result<(), Error> {
    let names: Vec<&str> = scenario.policies().iter().map(|p| p.name.as_str()).collect();
    if names.contains(&name) {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "no policy `{name}`{}; the scenario has {}",
            crate::error::did_you_mean(name, names.iter().copied()),
            names.join(", ")
        )))
    }
}

/// Checks the measure against the scenario: its policies exist, a contrast
/// is of a paired outcome, a net benefit has `[economics]` and one of its
/// willingness-to-pay values.
fn check_measure(scenario: &Scenario, target: &Measure) -> Result<(), Error> {
    match target {
        Measure::Policy { policy, .. } => check_policy(scenario, policy),
        Measure::Contrast {
            policy,
            reference,
            outcome,
        } => {
            check_policy(scenario, policy)?;
            check_policy(scenario, reference)?;
            if outcome.paired {
                return Ok(());
            }
            let paired: Vec<&str> = crate::outcome::OUTCOMES
                .iter()
                .filter(|o| o.paired)
                .map(|o| o.name)
                .collect();
            Err(Error::setting(
                Setting::Contrast,
                format!("{policy},{reference}"),
                format!(
                    "the outcome {} is a {}, not a mean of per-patient values, so it has no paired difference; measure it under one policy or contrast {}",
                    outcome.name,
                    outcome.label,
                    paired.join(", ")
                ),
            ))
        }
        Measure::NetBenefit { contrast, wtp, .. } => {
            let Some(e) = scenario.economics() else {
                return Err(Error::Usage(
                    "the net benefit needs costs and QALYs: the scenario declares no [economics]; choose an outcome with --outcome".to_string(),
                ));
            };
            if !e.willingness_to_pay.contains(wtp) {
                let listed: Vec<String> = e.willingness_to_pay.iter().map(|w| w.to_string()).collect();
                return Err(Error::setting(
                    Setting::Wtp,
                    wtp,
                    format!(
                        "the decision is taken at one of the scenario's willingness-to-pay values ({}); add {wtp} to economics.willingness_to_pay to use it",
                        if listed.is_empty() {
                            "none".to_string()
                        } else {
                            listed.join(", ")
                        }
                    ),
                ));
            }
            if let Some((a, b)) = contrast {
                check_policy(scenario, a)?;
                check_policy(scenario, b)?;
            }
            Ok(())
        }
    }
}

/// Runs the base case, then each ranged parameter at its low and its high
/// value, all others at base. For a net-benefit measure, also the best
/// policy at each end and, where it differs from the base case's, the
/// value where the decision changes ([`Threshold`]).
///
/// # Errors
/// [`Error::Usage`] if the scenario declares no ranges or names an unknown
/// policy; a range end that breaks a rule; errors of the runs.
pub fn sensitivity(
    doc: &Document,
    overrides: &Overrides,
    settings: &Settings,
    target: Measure,
    observer: &dyn Observer,
) -> Result<SensitivityResults, Error> {
    let scenario = doc.scenario(overrides)?;
    if scenario.ranges().is_empty() {
        return Err(Error::Usage(format!(
            "{} declares no [ranges]: add plausible ranges, e.g. \"interventions.NAME.response.probability\" = [0.25, 0.70]",
            doc.file()
        )));
    }
    check_measure(&scenario, &target)?;
    // Every range end validated before anything runs.
    let mut ends = Vec::new();
    for (path, low, high) in scenario.ranges() {
        let at = |v: f64| edited(doc, overrides, path, *low, *high, v);
        ends.push((path, *low, *high, at(*low)?, at(*high)?));
    }
    let mut stalled_paths = 0;
    let mut runs = 0;
    let mut run_one = |s: &Scenario, settings: &Settings| -> Result<RunResults, Error> {
        let (results, stalled) = run(s, settings, observer)?;
        stalled_paths += stalled;
        runs += 1;
        Ok(results)
    };
    let mut target = target;
    let mut base_results = run_one(&scenario, &target.settings(settings))?;
    let wtp = target.wtp();
    if let Measure::NetBenefit {
        contrast: contrast @ None,
        ..
    } = &mut target
    {
        // The decision in the base case: the best against the runner-up,
        // measured again with the runner-up as the reference.
        let order = ranked(&base_results, wtp.unwrap_or_default());
        let [best, runner_up, ..] = order.as_slice() else {
            return Err(Error::Usage(
                "the net benefit of a decision needs two policies or more; the scenario has one".to_string(),
            ));
        };
        *contrast = Some((best.clone(), runner_up.clone()));
        base_results = run_one(&scenario, &target.settings(settings))?;
    }
    let settings = target.settings(settings);
    let best = |r: &RunResults| wtp.and_then(|w| ranked(r, w).into_iter().next());
    let base = target.read(&base_results);
    let base_best = best(&base_results);
    let mut rows = Vec::new();
    for (path, low, high, at_low, at_high) in ends {
        let (low_results, high_results) = (run_one(&at_low, &settings)?, run_one(&at_high, &settings)?);
        let (at_low, at_high) = (target.read(&low_results), target.read(&high_results));
        let base_value = doc.number(path).unwrap_or(f64::NAN);
        let (best_at_low, best_at_high) = (best(&low_results), best(&high_results));
        let mut threshold = |end: f64, best_at_end: &Option<String>| -> Result<Option<Threshold>, Error> {
            match (&base_best, best_at_end) {
                (Some(b), Some(e)) if b != e && base_value.is_finite() => {
                    let mut flips = |v: f64| -> Result<bool, Error> {
                        let s = edited(doc, overrides, path, low, high, v)?;
                        Ok(best(&run_one(&s, &settings)?).as_ref() != Some(b))
                    };
                    let whole = doc.is_whole(path);
                    let (mut stays, mut goes) = (base_value, end);
                    for _ in 0..THRESHOLD_STEPS {
                        let mut mid = 0.5 * (stays + goes);
                        if whole {
                            mid = mid.round();
                            if mid == stays || mid == goes {
                                break;
                            }
                        }
                        if flips(mid)? {
                            goes = mid;
                        } else {
                            stays = mid;
                        }
                    }
                    Ok(Some(Threshold {
                        value: 0.5 * (stays + goes),
                        bracket: (stays.min(goes), stays.max(goes)),
                        to: e.clone(),
                    }))
                }
                _ => Ok(None),
            }
        };
        let threshold_low = threshold(low, &best_at_low)?;
        let threshold_high = threshold(high, &best_at_high)?;
        rows.push(Sensitivity {
            parameter: path.clone(),
            base_value,
            low,
            high,
            moves: !(same(&at_low, &base) && same(&at_high, &base)),
            at_low,
            at_high,
            best_at_low,
            best_at_high,
            threshold_low,
            threshold_high,
        });
    }
    rows.sort_by(|a, b| b.swing().total_cmp(&a.swing()));
    Ok(SensitivityResults {
        target,
        base,
        base_best,
        rows,
        stalled_paths,
        runs,
    })
}

/// The scenario with the number at `path` (ranged `[low, high]`) set to
/// `v`, its errors named as the range's.
fn edited(doc: &Document, overrides: &Overrides, path: &str, low: f64, high: f64, v: f64) -> Result<Scenario, Error> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every measure is read back from its label (sensitivity.csv's
    /// `target`), and text that is no label is refused.
    #[test]
    fn a_measure_is_read_back_from_its_label() {
        let recovered = crate::outcome::Id::Recovered.def();
        let measures = [
            Measure::Policy {
                outcome: recovered,
                policy: "early-surgery".into(),
            },
            Measure::Contrast {
                outcome: crate::outcome::Id::Surgery.def(),
                policy: "a".into(),
                reference: "b".into(),
            },
            Measure::NetBenefit {
                contrast: Some(("stepwise".into(), "early".into())),
                wtp: 50_000.0,
                currency: "USD".into(),
            },
            Measure::NetBenefit {
                contrast: None,
                wtp: 20_000.5,
                currency: "GBP".into(),
            },
        ];
        for m in measures {
            let back = Measure::from_label(&m.label()).unwrap_or_else(|| panic!("{} is not read back", m.label()));
            assert_eq!(back.label(), m.label());
        }
        assert!(Measure::from_label("recovery under").is_none());
        assert!(Measure::from_label("nothing under stepwise").is_none());
    }

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
