//! The rules of a scenario as a whole: [`Scenario::from_raw`] turns the
//! serde mirror into validated types, section by section (each concept
//! module checks its own: cohort, natural_history, intervention, policy,
//! economics), and names every rule broken, not only the first. Here too:
//! the rules that span sections (the name, `[ranges]`, `[[expected]]`,
//! `[labels]`) and the small checks the concept modules share.
//!
//! Each entry (a covariate, an intervention, a policy's step, an expected
//! value) is checked field by field, its problems collected in
//! [`Problems`]. Sections that refer to one another are checked from the
//! names as written, so a broken intervention does not hide a broken policy;
//! a check that needs a broken part (a subgroup's levels, a red flag's
//! target step) is skipped rather than guessed at.

use super::cohort::{covariates, declared_slots, frailty, simulation};
use super::economics::economics;
use super::intervention::{interventions, reprice};
use super::natural_history::natural_history;
use super::policy::policies;
use super::raw::{RawExpected, RawPolicy, RawScenario};
use super::rules::{finite, label};
use super::*;
use crate::error::{Invalid, Problems, did_you_mean};

impl Scenario {
    /// Validates the serde mirror.
    ///
    /// # Errors
    /// Every rule broken, in the order of the document's sections.
    pub fn from_raw(raw: &RawScenario) -> Result<Scenario, Vec<Invalid>> {
        let mut p = Problems::default();
        p.take(scenario_name(&raw.name));
        let slots = declared_slots(&raw.cohort);
        let covariates = covariates(&raw.cohort, &mut p);
        let frailty = p.take(raw.cohort.frailty.as_ref().map(frailty).transpose());
        let simulation = simulation(&raw.simulation, covariates.as_deref(), &mut p);
        let natural_history = natural_history(&raw.natural_history, &slots, &mut p);
        let frailty_declared = raw.cohort.frailty.is_some();
        let mut interventions = interventions(&raw.interventions, &slots, frailty_declared, &mut p);
        let policies = policies(&raw.policies, &raw.interventions, &slots, &mut p);
        p.take(red_flags_need_progression(raw));
        let partial = raw.interventions.iter().any(|iv| iv.response.declares_partial());
        let deficit = raw.natural_history.permanent_deficit.is_some();
        let economics = p.take(
            raw.economics
                .as_ref()
                .map(|e| economics(e, partial, deficit, &slots))
                .transpose(),
        );
        if let Some(ivs) = &mut interventions {
            let prices = economics.as_ref().and_then(|e| e.as_ref()?.prices.as_ref());
            reprice(&raw.interventions, prices, ivs, &mut p);
        }
        if let (Some(Some(e)), Some(sim)) = (&economics, &simulation) {
            for problem in daily_costs_within_range(e, sim.horizon_days) {
                p.push(problem);
            }
        }
        let expected = expected(&raw.expected, &raw.policies, simulation.as_ref(), &mut p);
        let outcomes = outcome_labels(&raw.labels.outcomes, &mut p);
        // Every part is `Some` exactly when no problem was recorded.
        let built = || {
            Some(Scenario {
                name: raw.name.clone(),
                description: raw.description.clone(),
                simulation: simulation?,
                covariates: covariates?,
                frailty: frailty?,
                natural_history: natural_history?,
                interventions: interventions?,
                policies: policies?,
                economics: economics?,
                ranges: Vec::new(),
                expected: expected?,
                beliefs: Vec::new(),
                joint_beliefs: Vec::new(),
                // Parameter labels are checked with the ranges
                // (`Document::scenario`).
                labels: Labels {
                    outcomes,
                    parameters: Default::default(),
                },
                // Found with the ranges and beliefs (`Document::scenario`).
                unused: Vec::new(),
            })
        };
        match built() {
            Some(scenario) if p.is_empty() => Ok(scenario),
            _ => Err(p.into_vec()),
        }
    }
}

/// A daily cost paid every day of the horizon stays within the
/// per-patient money range ([`crate::outcome::MONEY_RANGE`]), so that a
/// valid scenario is not refused after its run for it.
fn daily_costs_within_range(e: &super::Economics, horizon_days: f64) -> Vec<Invalid> {
    let range = crate::outcome::MONEY_RANGE;
    e.daily_cost
        .named()
        .into_iter()
        .filter(|&(_, c)| c * horizon_days > range)
        .map(|(state, c)| {
            Invalid::new(
                format!("economics.daily_cost.{state}"),
                c,
                format!(
                    "over the horizon of {horizon_days} days it adds up to {:e}, beyond the per-patient range {range:e} kept exactly (docs/economics.md): at most {:e} a day",
                    c * horizon_days,
                    range / horizon_days
                ),
            )
        })
        .collect()
}

fn scenario_name(name: &str) -> Result<(), Invalid> {
    if name.trim().is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(Invalid::new(
            "name",
            format!("\"{name}\""),
            "a scenario name is non-empty and uses only letters, digits, '-', '_' and '.' (it names output folders)",
        ));
    }
    Ok(())
}

/// The outcome labels of `[labels]`: each names an outcome.
pub(crate) fn outcome_labels(
    raw: &std::collections::BTreeMap<String, String>,
    p: &mut Problems,
) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for (name, text) in raw {
        let key = format!("labels.outcomes.{name}");
        if crate::outcome::find(name).is_none() {
            p.push(Invalid::new(
                key,
                format!("\"{name}\""),
                format!(
                    "no outcome has this name{}; outcomes are the columns of summary.csv ({})",
                    did_you_mean(name, crate::outcome::names()),
                    crate::outcome::names().collect::<Vec<_>>().join(", ")
                ),
            ));
        } else if let Some(text) = p.take(label(&key, Some(text))).flatten() {
            out.insert(name.clone(), text);
        }
    }
    out
}

/// The one-way sensitivity ranges: each names a number of the document and
/// has finite ends in order; each path as [`paths::canonical`] spells it.
pub(crate) fn ranges(raw: &RawScenario, doc: &toml::Table, p: &mut Problems) -> Vec<(String, f64, f64)> {
    let mut out = Vec::new();
    for (path, &[lo, hi]) in &raw.ranges {
        let key = format!("ranges.\"{path}\"");
        if paths::get_number(doc, path).is_none() {
            let mut probe = doc.clone();
            let problem = paths::set_number(&mut probe, path, lo).err().unwrap_or_default();
            p.push(Invalid::new(key, format!("[{lo}, {hi}]"), problem));
        } else if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            p.push(Invalid::new(
                key,
                format!("[{lo}, {hi}]"),
                "a range is [low, high] with finite low <= high",
            ));
        } else {
            // Spelt as every message spells it: named elements by name.
            out.push((paths::canonical(doc, path), lo, hi));
        }
    }
    out
}

/// The exact answers of a validation scenario; days are checked against
/// the curve grid only when the simulation settings are valid.
fn expected(
    raw: &[RawExpected],
    policies: &[RawPolicy],
    sim: Option<&Simulation>,
    p: &mut Problems,
) -> Option<Vec<Expected>> {
    let out: Vec<Option<Expected>> = raw
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let path = format!("expected[{i}]");
            let policy = p.take(policies.iter().position(|p| p.name == e.policy).ok_or_else(|| {
                Invalid::new(
                    format!("{path}.policy"),
                    format!("\"{}\"", e.policy),
                    format!(
                        "no such policy{}",
                        did_you_mean(&e.policy, policies.iter().map(|p| p.name.as_str()))
                    ),
                )
            }));
            let outcome = p.take(expected_outcome(&path, e, sim));
            let value = p.take(finite(&format!("{path}.value"), e.value));
            Some(Expected {
                policy: policy?,
                outcome: outcome?,
                day: e.day,
                value: value?,
                derivation: e.derivation.clone(),
            })
        })
        .collect();
    out.into_iter().collect()
}

fn expected_outcome(path: &str, e: &RawExpected, sim: Option<&Simulation>) -> Result<String, Invalid> {
    let known = crate::outcome::find(&e.outcome).is_some();
    match (e.outcome.as_str(), e.day) {
        ("recovered_by_day", Some(day)) => {
            if let Some(sim) = sim {
                let on_grid = (day / sim.curve_step_days).fract() == 0.0 && (0.0..=sim.horizon_days).contains(&day);
                if !on_grid {
                    return Err(Invalid::new(
                        format!("{path}.day"),
                        day,
                        format!(
                            "the day must be on the curve grid (multiples of {} up to the horizon)",
                            sim.curve_step_days
                        ),
                    ));
                }
            }
        }
        (_, None) if known => {}
        _ => {
            return Err(Invalid::new(
                format!("{path}.outcome"),
                format!("\"{}\"", e.outcome),
                format!(
                    "expected a column of summary.csv ({}) or `recovered_by_day` with `day`",
                    crate::outcome::names().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    Ok(e.outcome.clone())
}

fn red_flags_need_progression(raw: &RawScenario) -> Result<(), Invalid> {
    if raw.natural_history.progression.is_none()
        && let Some((i, p, rf)) = raw
            .policies
            .iter()
            .enumerate()
            .find_map(|(i, p)| Some((i, p, p.red_flag.as_ref()?)))
    {
        return Err(Invalid::new(
            format!("{}.red_flag", super::paths::named("policies", i, Some(&p.name))),
            format!("{{ jump_to = \"{}\" }}", rf.jump_to),
            "a red flag fires on neurological progression, and the scenario declares no [natural_history.progression]: declare one, or remove the red flag",
        ));
    }
    Ok(())
}
