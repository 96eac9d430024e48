//! The rules of a scenario: [`Scenario::from_raw`] turns the serde mirror
//! into validated types and names every rule broken, not only the first.
//!
//! Each entry (a covariate, an intervention, a policy's step, an expected
//! value) is checked field by field, its problems collected in
//! [`Problems`]. Sections that refer to one another are checked from the
//! names as written, so a broken intervention does not hide a broken policy;
//! a check that needs a broken part (a subgroup's levels, a red flag's
//! target step) is skipped rather than guessed at.

use crate::error::{Invalid, Problems, did_you_mean, names_or_none};
use crate::outcome::BINS_PER_DAY;
use crate::rng::name_key;
use crate::scenario::cond::{Cond, Kind, Slot};
use crate::scenario::dist::{self, Dist};
use crate::scenario::economics::{Adjustment, Discount, StateValues};
use crate::scenario::raw::*;
use crate::scenario::*;

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
        let interventions = interventions(&raw.interventions, &slots, frailty_declared, &mut p);
        let policies = policies(&raw.policies, &raw.interventions, &slots, &mut p);
        p.take(red_flags_need_progression(raw));
        let economics = p.take(raw.economics.as_ref().map(|e| economics(e, raw, &slots)).transpose());
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
                // Parameter labels are checked with the ranges
                // (`Document::scenario`).
                labels: Labels {
                    outcomes,
                    parameters: Default::default(),
                },
            })
        };
        match built() {
            Some(scenario) if p.is_empty() => Ok(scenario),
            _ => Err(p.into_vec()),
        }
    }
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

/// The slots conditions are compiled against, read from the covariates as
/// declared (the same as the validated covariates' slots when those are
/// valid), so that conditions are checked even when a covariate is broken.
fn declared_slots(raw: &RawCohort) -> Vec<Slot> {
    raw.covariates
        .iter()
        .filter_map(|c| {
            let kind = match (c.probability, &c.levels, &c.dist) {
                (Some(_), None, None) => Kind::Boolean,
                (None, Some(levels), None) => Kind::Categorical(levels.clone()),
                (None, None, Some(_)) => Kind::Continuous,
                _ => return None,
            };
            Some(Slot {
                name: c.name.clone(),
                kind,
            })
        })
        .collect()
}

fn red_flags_need_progression(raw: &RawScenario) -> Result<(), Invalid> {
    if raw.natural_history.progression.is_none()
        && let Some((p, rf)) = raw.policies.iter().find_map(|p| Some((p, p.red_flag.as_ref()?)))
    {
        return Err(Invalid::new(
            format!("policies.{}.red_flag", p.name),
            format!("{{ jump_to = \"{}\" }}", rf.jump_to),
            "a red flag fires on neurological progression, and the scenario declares no [natural_history.progression]: declare one, or remove the red flag",
        ));
    }
    Ok(())
}

fn check_probability(path: &str, p: f64) -> Result<f64, Invalid> {
    if p.is_finite() && (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(Invalid::new(path, p, "a probability must be a number in [0, 1]"))
    }
}

fn finite(path: &str, v: f64) -> Result<f64, Invalid> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Invalid::new(path, v, "must be a finite number"))
    }
}

fn unique_name<'a>(path: &str, name: &'a str, seen: &mut Vec<&'a str>) -> Result<(), Invalid> {
    if name.is_empty() {
        return Err(Invalid::new(format!("{path}.name"), "\"\"", "a name must not be empty"));
    }
    if seen.contains(&name) {
        return Err(Invalid::new(
            format!("{path}.name"),
            format!("\"{name}\""),
            "this name is used twice; names must be unique",
        ));
    }
    seen.push(name);
    Ok(())
}

/// The simulation settings; subgroups are checked only when the covariates
/// they name are valid.
fn simulation(raw: &RawSimulation, covariates: Option<&[Covariate]>, p: &mut Problems) -> Option<Simulation> {
    let patients = p.take(check_patients("simulation.patients", raw.patients));
    let horizon_days = p.take(check_horizon("simulation.horizon_days", raw.horizon_days));
    let curve_step_days = match raw.curve_step_days {
        None => Some(DEFAULT_CURVE_STEP_DAYS),
        Some(step) => p.take(curve_step(step, horizon_days.unwrap_or(MAX_HORIZON_DAYS))),
    };
    let mut subgroups_ok = true;
    if let Some(covariates) = covariates {
        for (i, name) in raw.subgroups.iter().enumerate() {
            let path = format!("simulation.subgroups[{i}]");
            subgroups_ok &= p.take(subgroup_covariate(&path, name, covariates)).is_some();
        }
    }
    Some(Simulation {
        patients: patients?,
        seed: raw.seed,
        horizon_days: horizon_days?,
        curve_step_days: curve_step_days?,
        subgroups: subgroups_ok.then(|| raw.subgroups.clone())?,
    })
}

/// The curve grid step: from 1/8 day to the horizon, and a whole number of
/// eighths of a day, since curves count events in 1/8-day bins (a step off
/// that grid would count events up to 1/16 day after its grid day).
fn curve_step(step: f64, horizon_days: f64) -> Result<f64, Invalid> {
    let path = "simulation.curve_step_days";
    if !(step.is_finite() && step >= 0.125 && step <= horizon_days) {
        return Err(Invalid::new(
            path,
            step,
            format!("the curve grid step must be between 0.125 days and the horizon ({horizon_days} days)"),
        ));
    }
    if (step * BINS_PER_DAY).fract() != 0.0 {
        let below = (step * BINS_PER_DAY).floor() / BINS_PER_DAY;
        return Err(Invalid::new(
            path,
            step,
            format!(
                "the curve grid step must be a whole number of eighths of a day (curves count events in 1/8-day bins): {below} or {} instead",
                below + 1.0 / BINS_PER_DAY
            ),
        ));
    }
    Ok(step)
}

/// Checks a patient count (also used for `--patients`).
pub fn check_patients(path: &str, n: u64) -> Result<u64, Invalid> {
    if n == 0 || n > MAX_PATIENTS {
        return Err(Invalid::new(
            path,
            n,
            format!("patients per policy must be between 1 and {MAX_PATIENTS}"),
        ));
    }
    Ok(n)
}

/// Checks a horizon (also used for `--horizon`).
pub fn check_horizon(path: &str, h: f64) -> Result<f64, Invalid> {
    if !(h.is_finite() && (1.0..=MAX_HORIZON_DAYS).contains(&h)) {
        return Err(Invalid::new(
            path,
            h,
            format!("the horizon must be between 1 and {MAX_HORIZON_DAYS} days"),
        ));
    }
    Ok(h)
}

/// Finds a covariate usable for subgroups (also used for `--by`).
pub fn subgroup_covariate(path: &str, name: &str, covariates: &[Covariate]) -> Result<usize, Invalid> {
    let Some(index) = covariates.iter().position(|c| c.name == name) else {
        return Err(Invalid::new(
            path,
            format!("\"{name}\""),
            format!(
                "no such covariate{}; the cohort declares {}",
                did_you_mean(name, covariates.iter().map(|c| c.name.as_str())),
                names_or_none(covariates.iter().map(|c| c.name.as_str()))
            ),
        ));
    };
    if covariates[index].group_values().is_none() {
        return Err(Invalid::new(
            path,
            format!("\"{name}\""),
            "a continuous covariate needs `breaks` in the cohort to define subgroups",
        ));
    }
    Ok(index)
}

/// The cohort's covariates, each checked on its own.
pub(crate) fn covariates(raw: &RawCohort, p: &mut Problems) -> Option<Vec<Covariate>> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, c) in raw.covariates.iter().enumerate() {
        let named = p.take(unique_name(&format!("cohort.covariates[{i}]"), &c.name, &mut seen));
        let covariate = p.take(covariate(i, c));
        out.push(named.and(covariate));
    }
    out.into_iter().collect()
}

fn covariate(i: usize, c: &RawCovariate) -> Result<Covariate, Invalid> {
    if !c.name.chars().all(|ch| ch.is_alphanumeric() || ch == '_') || c.name.starts_with(|ch: char| ch.is_ascii_digit())
    {
        return Err(Invalid::new(
            format!("cohort.covariates[{i}].name"),
            format!("\"{}\"", c.name),
            "a covariate name is letters, digits and '_', not starting with a digit (conditions refer to it)",
        ));
    }
    if ["and", "or", "not", "in", "true", "false"].contains(&c.name.as_str()) {
        return Err(Invalid::new(
            format!("cohort.covariates[{i}].name"),
            format!("\"{}\"", c.name),
            "a covariate cannot be named after a condition keyword",
        ));
    }
    let path = format!("cohort.{}", c.name);
    let kind = match (c.probability, &c.levels, &c.dist) {
        (Some(p), None, None) if c.weights.is_none() => CovariateKind::Boolean {
            probability: check_probability(&format!("{path}.probability"), p)?,
        },
        (None, Some(levels), None) => categorical(&path, levels, c.weights.as_deref())?,
        (None, None, Some(d)) if c.weights.is_none() => {
            let dist = Dist::from_raw(d, &format!("{path}.dist"))?;
            let breaks = c.breaks.clone().unwrap_or_default();
            for (j, b) in breaks.iter().enumerate() {
                finite(&format!("{path}.breaks[{j}]"), *b)?;
            }
            if breaks.windows(2).any(|w| w[0] >= w[1]) {
                return Err(Invalid::new(
                    format!("{path}.breaks"),
                    format!("{breaks:?}"),
                    "break points must be strictly ascending",
                ));
            }
            CovariateKind::Continuous { dist, breaks }
        }
        _ => {
            return Err(Invalid::new(
                path,
                "",
                "give exactly one of `probability` (boolean), `levels` with `weights` (categorical) or `dist` (continuous)",
            ));
        }
    };
    if c.breaks.is_some() && !matches!(kind, CovariateKind::Continuous { .. }) {
        return Err(Invalid::new(
            format!("{path}.breaks"),
            "",
            "only a continuous covariate takes break points",
        ));
    }
    let mut covariate = Covariate {
        name: c.name.clone(),
        label: label(&format!("{path}.label"), c.label.as_deref())?.unwrap_or_else(|| c.name.clone()),
        level_labels: None,
        kind,
    };
    if let Some(labels) = &c.level_labels {
        let key = format!("{path}.level_labels");
        let Some(groups) = covariate.group_values() else {
            return Err(Invalid::new(
                key,
                format!("{labels:?}"),
                "a continuous covariate without `breaks` has no subgroups to label",
            ));
        };
        if labels.len() != groups.len() {
            return Err(Invalid::new(
                key,
                format!("{} labels", labels.len()),
                format!(
                    "give one label per subgroup, in order: {} ({})",
                    groups.len(),
                    groups.join(", ")
                ),
            ));
        }
        for (j, l) in labels.iter().enumerate() {
            label(&format!("{key}[{j}]"), Some(l))?;
        }
        covariate.level_labels = Some(labels.clone());
    }
    Ok(covariate)
}

/// The longest label: a legend entry or a table cell, not a paragraph.
const MAX_LABEL_CHARS: usize = 80;

/// A label as written, checked: some text on one line, at most
/// [`MAX_LABEL_CHARS`] characters (trimmed).
pub(crate) fn label(key: &str, text: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(text) = text else { return Ok(None) };
    let trimmed = text.trim();
    let problem = if trimmed.is_empty() {
        "a label needs some text (leave the key out to use the name)"
    } else if trimmed.contains(['\n', '\r']) {
        "a label is one line (it becomes a legend entry or a table cell)"
    } else if trimmed.chars().count() > MAX_LABEL_CHARS {
        "a label has at most 80 characters (it becomes a legend entry or a table cell)"
    } else {
        return Ok(Some(trimmed.to_string()));
    };
    Err(Invalid::new(key, format!("\"{text}\""), problem))
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

fn categorical(path: &str, levels: &[String], weights: Option<&[f64]>) -> Result<CovariateKind, Invalid> {
    if levels.is_empty() || levels.len() > 64 {
        return Err(Invalid::new(
            format!("{path}.levels"),
            levels.len(),
            "a categorical covariate has 1 to 64 levels",
        ));
    }
    for (i, l) in levels.iter().enumerate() {
        if levels[..i].contains(l) {
            return Err(Invalid::new(
                format!("{path}.levels[{i}]"),
                format!("\"{l}\""),
                "levels must be unique",
            ));
        }
    }
    let Some(weights) = weights else {
        return Err(Invalid::new(
            format!("{path}.weights"),
            "",
            "a categorical covariate needs `weights`, one per level",
        ));
    };
    if weights.len() != levels.len() {
        return Err(Invalid::new(
            format!("{path}.weights"),
            format!("{weights:?}"),
            format!(
                "give one weight per level ({} levels, {} weights)",
                levels.len(),
                weights.len()
            ),
        ));
    }
    for (i, &w) in weights.iter().enumerate() {
        if !(w.is_finite() && w >= 0.0) {
            return Err(Invalid::new(
                format!("{path}.weights[{i}]"),
                w,
                "weights must be finite and >= 0",
            ));
        }
    }
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return Err(Invalid::new(
            format!("{path}.weights"),
            format!("{weights:?}"),
            "at least one weight must be > 0",
        ));
    }
    let mut acc = 0.0;
    let mut cumulative: Vec<f64> = weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect();
    if let Some(last) = cumulative.last_mut() {
        *last = 1.0;
    }
    Ok(CovariateKind::Categorical {
        levels: levels.to_vec(),
        cumulative,
    })
}

fn condition(path: &str, text: &str, slots: &[Slot]) -> Result<Cond, Invalid> {
    Cond::compile(text, slots).map_err(|problem| Invalid::new(path, format!("\"{text}\""), problem))
}

fn optional_condition(path: &str, text: Option<&str>, slots: &[Slot]) -> Result<Option<Cond>, Invalid> {
    text.map(|c| condition(path, c, slots)).transpose()
}

/// A probability with its odds ratios, each checked on its own.
fn probability(path: &str, base: f64, odds: &[RawOddsRatio], slots: &[Slot], p: &mut Problems) -> Option<Probability> {
    let base = p.take(check_probability(path, base));
    let parent = path.rsplit_once('.').map_or(path, |(p, _)| p);
    let odds_ratios: Vec<Option<OddsRatio>> = odds
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let at = format!("{parent}.odds_ratios[{i}]");
            let condition = p.take(condition(&format!("{at}.if"), &o.condition, slots));
            let odds_ratio = p.take(if o.odds_ratio.is_finite() && o.odds_ratio > 0.0 {
                Ok(o.odds_ratio)
            } else {
                Err(Invalid::new(
                    format!("{at}.or"),
                    o.odds_ratio,
                    "an odds ratio must be a finite number > 0",
                ))
            });
            Some(OddsRatio {
                text: o.condition.clone(),
                condition: condition?,
                odds_ratio: odds_ratio?,
            })
        })
        .collect();
    Some(Probability::new(base?, odds_ratios.into_iter().collect::<Option<_>>()?))
}

/// A duration distribution: checked like any other, and non-negative.
fn duration(path: &str, raw: &RawDist) -> Result<Dist, Invalid> {
    let d = Dist::from_raw(raw, path)?;
    if d.support_min() < 0.0 {
        return Err(Invalid::new(
            path,
            format!("{{ family = \"{}\" }}", raw.family),
            "a duration cannot be negative: use a non-negative family or `truncate = [0, ...]`",
        ));
    }
    Ok(d)
}

fn optional_duration(path: &str, raw: Option<&RawDist>) -> Result<Option<Dist>, Invalid> {
    raw.map(|d| duration(path, d)).transpose()
}

fn natural_history(raw: &RawNaturalHistory, slots: &[Slot], p: &mut Problems) -> Option<NaturalHistory> {
    let progression = p.take(raw.progression.as_ref().map(|r| progression(r, slots)).transpose());
    let resolution = p.take(
        raw.resolution
            .as_ref()
            .map(|r| {
                let path = "natural_history.resolution";
                Ok(Resolution {
                    time: duration(&format!("{path}.time"), &r.time)?,
                    condition: optional_condition(&format!("{path}.if"), r.condition.as_deref(), slots)?,
                })
            })
            .transpose(),
    );
    let permanent_deficit = p.take(
        raw.permanent_deficit
            .as_ref()
            .map(|d| permanent_deficit(d, slots))
            .transpose(),
    );
    let mortality = p.take(raw.mortality.as_ref().map(|m| mortality(m, slots)).transpose());
    Some(NaturalHistory {
        progression: progression?,
        resolution: resolution?,
        permanent_deficit: permanent_deficit?,
        mortality: mortality?,
    })
}

fn mortality(raw: &RawMortality, slots: &[Slot]) -> Result<Mortality, Invalid> {
    let path = "natural_history.mortality";
    let slot = covariate_of_kind(
        &format!("{path}.age"),
        &raw.age,
        Kind::Continuous,
        "the age is a continuous covariate in years at presentation",
        slots,
    )?;
    let hazard = match (raw.rate, raw.shape, &raw.life_table) {
        (Some(rate), Some(shape), None) => gompertz(path, rate, shape)?,
        (None, None, Some(table)) => life_table(path, table)?,
        _ => {
            return Err(Invalid::new(
                path,
                "the hazard",
                "give either a Gompertz hazard (`rate` and `shape`) or a `life_table`, not both and not part of one",
            ));
        }
    };
    Ok(Mortality { slot, hazard })
}

fn gompertz(path: &str, rate: f64, shape: f64) -> Result<Hazard, Invalid> {
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(Invalid::new(
            format!("{path}.rate"),
            rate,
            "the Gompertz rate is the hazard per year at age 0: a finite number >= 0 (e.g. 2e-5)",
        ));
    }
    if !(shape.is_finite() && (0.0..=1.0).contains(&shape)) {
        return Err(Invalid::new(
            format!("{path}.shape"),
            shape,
            "the Gompertz shape is the hazard's growth per year of age: a number from 0 (constant hazard) to 1 (human mortality is near 0.09)",
        ));
    }
    Ok(Hazard::Gompertz { rate, shape })
}

fn life_table(path: &str, table: &RawLifeTable) -> Result<Hazard, Invalid> {
    let at = format!("{path}.life_table");
    if table.ages.is_empty() || table.ages.len() != table.annual.len() {
        return Err(Invalid::new(
            format!("{at}.annual"),
            format!("{} values for {} ages", table.annual.len(), table.ages.len()),
            "one annual probability of death per age band, as many as `ages` (at least one)",
        ));
    }
    if let Some(w) = table
        .ages
        .windows(2)
        .find(|w| w[1].partial_cmp(&w[0]) != Some(std::cmp::Ordering::Greater))
    {
        return Err(Invalid::new(
            format!("{at}.ages"),
            format!("{} then {}", w[0], w[1]),
            "the ages where bands start increase strictly",
        ));
    }
    if let Some(a) = table.ages.iter().find(|a| !a.is_finite()) {
        return Err(Invalid::new(
            format!("{at}.ages"),
            a,
            "ages are finite numbers of years",
        ));
    }
    let mut rates = Vec::with_capacity(table.annual.len());
    for (k, &q) in table.annual.iter().enumerate() {
        check_probability(&format!("{at}.annual[{k}]"), q)?;
        // q = 1: an infinite hazard, death on entering the band.
        rates.push(-(-q).ln_1p());
    }
    Ok(Hazard::LifeTable {
        ages: table.ages.clone(),
        rates,
    })
}

fn permanent_deficit(raw: &RawPermanentDeficit, slots: &[Slot]) -> Result<PermanentDeficit, Invalid> {
    let path = "natural_history.permanent_deficit";
    let slot = covariate_of_kind(
        &format!("{path}.covariate"),
        &raw.covariate,
        Kind::Boolean,
        "the deficit is a boolean covariate",
        slots,
    )?;
    let probability = check_probability(&format!("{path}.probability"), raw.probability)?;
    let or = raw.odds_ratio_per_week;
    if !(or.is_finite() && or > 0.0) {
        return Err(Invalid::new(
            format!("{path}.odds_ratio_per_week"),
            or,
            "an odds ratio per week of delay is a finite number > 0 (1: delay does no harm)",
        ));
    }
    Ok(PermanentDeficit {
        slot,
        probability,
        odds_ratio_per_week: or,
    })
}

/// The slot of the covariate `name` (given at `key`), which must be of
/// `kind`; the error says `what` and suggests a covariate of that kind.
fn covariate_of_kind(key: &str, name: &str, kind: Kind, what: &str, slots: &[Slot]) -> Result<usize, Invalid> {
    slots
        .iter()
        .position(|s| s.name == name && s.kind == kind)
        .ok_or_else(|| {
            let candidates = slots.iter().filter(|s| s.kind == kind).map(|s| s.name.as_str());
            Invalid::new(
                key,
                format!("\"{name}\""),
                format!("{what}{}", did_you_mean(name, candidates)),
            )
        })
}

fn progression(raw: &RawProgression, slots: &[Slot]) -> Result<Progression, Invalid> {
    let path = "natural_history.progression";
    let slot = covariate_of_kind(
        &format!("{path}.sets"),
        &raw.sets,
        Kind::Boolean,
        "progression sets a boolean covariate",
        slots,
    )?;
    Ok(Progression {
        slot,
        time: duration(&format!("{path}.time"), &raw.time)?,
        condition: optional_condition(&format!("{path}.if"), raw.condition.as_deref(), slots)?,
    })
}

fn level(path: &str, text: &str) -> Result<Level, Invalid> {
    match text {
        "conservative" => Ok(Level::Conservative),
        "minimally_invasive" => Ok(Level::MinimallyInvasive),
        "surgical" => Ok(Level::Surgical),
        other => {
            let allowed = ["conservative", "minimally_invasive", "surgical"];
            Err(Invalid::new(
                format!("{path}.level"),
                format!("\"{other}\""),
                format!(
                    "allowed levels are \"conservative\", \"minimally_invasive\" and \"surgical\"{}",
                    did_you_mean(other, allowed)
                ),
            ))
        }
    }
}

fn frailty(raw: &RawFrailty) -> Result<Frailty, Invalid> {
    if !(raw.sd.is_finite() && (0.0..=5.0).contains(&raw.sd)) {
        return Err(Invalid::new(
            "cohort.frailty.sd",
            raw.sd,
            "the frailty's sd is on the logit scale: a number from 0 to 5",
        ));
    }
    let normal = dist::Family::Normal { mean: 0.0, sd: raw.sd };
    let dist = if raw.sd == 0.0 {
        Dist::fixed(0.0)
    } else {
        Dist::new(normal, None).map_err(|problem| Invalid::new("cohort.frailty.sd", raw.sd, problem))?
    };
    Ok(Frailty { sd: raw.sd, dist })
}

fn interventions(
    raw: &[RawIntervention],
    slots: &[Slot],
    frailty: bool,
    p: &mut Problems,
) -> Option<Vec<Intervention>> {
    if raw.is_empty() {
        p.push(Invalid::new("interventions", "[]", "declare at least one intervention"));
        return None;
    }
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let named = p.take(unique_name(&format!("interventions[{i}]"), &r.name, &mut seen));
        let intervention = intervention(r, slots, frailty, p);
        out.push(named.and(intervention));
    }
    out.into_iter().collect()
}

/// One intervention, every field checked.
fn intervention(r: &RawIntervention, slots: &[Slot], frailty: bool, p: &mut Problems) -> Option<Intervention> {
    let path = format!("interventions.{}", r.name);
    let level = p.take(level(&path, &r.level));
    let response = probability(
        &format!("{path}.response.probability"),
        r.response.probability,
        &r.response.odds_ratios,
        slots,
        p,
    );
    let partial = p.take(partial_response(&path, &r.response));
    let frailty_loading = p.take(frailty_loading(&path, r.response.frailty_loading, frailty));
    let recovery_time = p.take(duration(&format!("{path}.recovery_time"), &r.recovery_time));
    let failure_time = p.take(duration(&format!("{path}.failure_time"), &r.failure_time));
    let complications: Vec<Option<Complication>> = r
        .complications
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let at = format!("{path}.complications[{j}]");
            let probability = probability(&format!("{at}.probability"), c.probability, &c.odds_ratios, slots, p);
            let delay = p.take(optional_duration(&format!("{at}.delay"), c.delay.as_ref()));
            let cost = p.take(optional_cost(&format!("{at}.cost"), c.cost));
            let qaly_loss = p.take(optional_qaly_loss(&format!("{at}.qaly_loss"), c.qaly_loss));
            Some(Complication {
                name: c.name.clone(),
                probability: probability?,
                delay: delay?,
                fails_attempt: c.fails_attempt,
                cost: cost?,
                qaly_loss: qaly_loss?,
            })
        })
        .collect();
    let relapse = match &r.relapse {
        None => Some(None),
        Some(rel) => {
            let probability = probability(
                &format!("{path}.relapse.probability"),
                rel.probability,
                &rel.odds_ratios,
                slots,
                p,
            );
            let time = p.take(duration(&format!("{path}.relapse.time"), &rel.time).and_then(|time| {
                zero_cycle(&format!("{path}.relapse.time"), &r.recovery_time, &time)?;
                Ok(time)
            }));
            probability
                .zip(time)
                .map(|(probability, time)| Some(Relapse { probability, time }))
        }
    };
    let death = match &r.death {
        None => Some(None),
        Some(d) => probability(
            &format!("{path}.death.probability"),
            d.probability,
            &d.odds_ratios,
            slots,
            p,
        )
        .map(Some),
    };
    let max_per_window = p.take(r.max_per_window.as_ref().map(|c| window_cap(&path, c)).transpose());
    let cost = p.take(optional_cost(&format!("{path}.cost"), r.cost));
    let qaly_loss = p.take(optional_qaly_loss(&format!("{path}.qaly_loss"), r.qaly_loss));
    let utility = p.take(
        r.utility
            .map(|u| check_utility(&format!("{path}.utility"), u))
            .transpose(),
    );
    Some(Intervention {
        name: r.name.clone(),
        label: r.label.clone().unwrap_or_else(|| r.name.clone()),
        level: level?,
        fusion: r.fusion,
        full: r.response.probability,
        full_share: full_share(r.response.probability, partial?),
        partial: partial?,
        // Odds ratios and frailty act on the chance of any response.
        response: response.map(|full| Probability::new(full.base + partial.unwrap_or(0.0), full.odds_ratios))?,
        frailty_loading: frailty_loading?,
        recovery_time: recovery_time?,
        failure_time: failure_time?,
        complications: complications.into_iter().collect::<Option<_>>()?,
        relapse: relapse?,
        death: death?,
        max_per_window: max_per_window?,
        cost: cost?,
        qaly_loss: qaly_loss?,
        utility: utility?,
        key: name_key(&r.name),
    })
}

/// Refuses a relapse that can only come 0 days after a recovery that can
/// only take 0 days: a cycle of no length, which would repeat until the step
/// guard cut the path.
fn zero_cycle(path: &str, recovery: &RawDist, relapse: &Dist) -> Result<(), Invalid> {
    let recovery_is_zero = Dist::from_raw(recovery, "").is_ok_and(|d| d.support_max() <= 0.0);
    if recovery_is_zero && relapse.support_max() <= 0.0 {
        return Err(Invalid::new(
            path,
            "0 days",
            "a relapse 0 days after a recovery that takes 0 days is a cycle of no length (the patient is never symptom-free): give the recovery or the relapse a positive time, or lower the response probability instead",
        ));
    }
    Ok(())
}

/// The probability of a partial response: 0 if none; with the full
/// response's, at most 1.
fn partial_response(path: &str, raw: &RawResponse) -> Result<f64, Invalid> {
    let Some(partial) = raw.partial else {
        return Ok(0.0);
    };
    let at = format!("{path}.response.partial");
    let partial = check_probability(&at, partial)?;
    if raw.probability + partial > 1.0 {
        return Err(Invalid::new(
            at,
            partial,
            format!(
                "a full ({}) and a partial response together have a probability of at most 1",
                raw.probability
            ),
        ));
    }
    Ok(partial)
}

/// The share of responses that are full.
fn full_share(full: f64, partial: f64) -> f64 {
    if partial > 0.0 { full / (full + partial) } else { 1.0 }
}

/// The loading of the frailty on a response: 1 by default when the cohort
/// declares a frailty, 0 without one (where giving one is an error).
fn frailty_loading(path: &str, loading: Option<f64>, frailty: bool) -> Result<f64, Invalid> {
    let at = format!("{path}.response.frailty_loading");
    match (loading, frailty) {
        (None, true) => Ok(1.0),
        (None, false) => Ok(0.0),
        (Some(l), false) => Err(Invalid::new(
            at,
            l,
            "a frailty loading needs a frailty: declare [cohort.frailty] with its sd, or remove the loading",
        )),
        (Some(l), true) if l.is_finite() && (-10.0..=10.0).contains(&l) => Ok(l),
        (Some(l), true) => Err(Invalid::new(
            at,
            l,
            "a frailty loading is a number from -10 to 10 (1: the frailty as is, 0: none)",
        )),
    }
}

fn window_cap(path: &str, raw: &RawWindowCap) -> Result<WindowCap, Invalid> {
    let at = format!("{path}.max_per_window");
    if !(1..=1000).contains(&raw.count) {
        return Err(Invalid::new(
            format!("{at}.count"),
            raw.count,
            "a cap allows from 1 to 1000 attempts per window",
        ));
    }
    if !(raw.days.is_finite() && raw.days > 0.0 && raw.days <= MAX_HORIZON_DAYS) {
        return Err(Invalid::new(
            format!("{at}.days"),
            raw.days,
            format!("a cap's window is a number of days above 0 and at most {MAX_HORIZON_DAYS}"),
        ));
    }
    Ok(WindowCap {
        count: raw.count,
        days: raw.days,
    })
}

fn check_cost(path: &str, cost: f64) -> Result<f64, Invalid> {
    if cost.is_finite() && cost >= 0.0 {
        Ok(cost)
    } else {
        Err(Invalid::new(path, cost, "a cost must be a finite number >= 0"))
    }
}

fn check_utility(path: &str, u: f64) -> Result<f64, Invalid> {
    if u.is_finite() && u <= 1.0 {
        Ok(u)
    } else {
        Err(Invalid::new(
            path,
            u,
            "a utility must be a finite number <= 1 (1 = full health)",
        ))
    }
}

/// The interventions as declared: each name, and its level when valid.
struct Declared<'a>(Vec<(&'a str, Option<Level>)>);

impl Declared<'_> {
    fn index(&self, path: &str, name: &str) -> Result<usize, Invalid> {
        let names = || self.0.iter().map(|(n, _)| *n);
        names().position(|n| n == name).ok_or_else(|| {
            Invalid::new(
                path,
                format!("\"{name}\""),
                format!(
                    "no intervention has this name{}; declared: {}",
                    did_you_mean(name, names()),
                    names().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    fn is_surgical(&self, index: usize) -> bool {
        self.0[index].1 == Some(Level::Surgical)
    }
}

fn policies(
    raw: &[RawPolicy],
    interventions: &[RawIntervention],
    slots: &[Slot],
    p: &mut Problems,
) -> Option<Vec<Policy>> {
    if raw.is_empty() {
        p.push(Invalid::new("policies", "[]", "declare at least one policy"));
        return None;
    }
    let declared = Declared(
        interventions
            .iter()
            .map(|r| (r.name.as_str(), level("", &r.level).ok()))
            .collect(),
    );
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, raw_policy) in raw.iter().enumerate() {
        let named = p.take(unique_name(&format!("policies[{i}]"), &raw_policy.name, &mut seen));
        let no_comma = p.take(if raw_policy.name.contains(',') {
            Err(Invalid::new(
                format!("policies[{i}].name"),
                format!("\"{}\"", raw_policy.name),
                "a policy name cannot contain ','",
            ))
        } else {
            Ok(())
        });
        let policy = policy(raw_policy, &declared, slots, p);
        out.push(named.and(no_comma).and(policy));
    }
    out.into_iter().collect()
}

/// One policy, every step and field checked.
fn policy(raw: &RawPolicy, declared: &Declared, slots: &[Slot], p: &mut Problems) -> Option<Policy> {
    let path = format!("policies.{}", raw.name);
    if raw.steps.is_empty() {
        p.push(Invalid::new(
            format!("{path}.steps"),
            "[]",
            "a policy needs at least one step",
        ));
        return None;
    }
    let names: Vec<String> = raw
        .steps
        .iter()
        .map(|s| s.name.clone().unwrap_or_else(|| s.intervention.clone()))
        .collect();
    let steps: Vec<Option<Step>> = raw
        .steps
        .iter()
        .enumerate()
        .map(|(j, s)| {
            step(
                &format!("{path}.steps[{j}]"),
                s,
                &names[..j],
                &names[j],
                declared,
                slots,
                p,
            )
        })
        .collect();
    let step_index = |key: &str, name: &str| {
        names.iter().position(|s| s == name).ok_or_else(|| {
            Invalid::new(
                format!("{path}.{key}"),
                format!("\"{name}\""),
                format!(
                    "no step of this policy has this name{}; its steps are {}",
                    did_you_mean(name, names.iter().map(String::as_str)),
                    names.join(", ")
                ),
            )
        })
    };
    let red_flag = match &raw.red_flag {
        None => Some(None),
        Some(rf) => {
            let jump_to = p.take(step_index("red_flag.jump_to", &rf.jump_to));
            if let Some(Some(target)) = jump_to.map(|j| &steps[j]) {
                let reaches_surgery = declared.is_surgical(target.intervention)
                    || target.routes.iter().any(|r| declared.is_surgical(r.2));
                if !reaches_surgery {
                    p.push(Invalid::new(
                        format!("{path}.red_flag.jump_to"),
                        format!("\"{}\"", rf.jump_to),
                        "a red flag must jump to a surgical step: a jump to a non-surgical step could fire again on itself",
                    ));
                }
            }
            let wait = p.take(optional_duration(&format!("{path}.red_flag.wait"), rf.wait.as_ref()));
            jump_to.zip(wait).map(|(jump_to, wait)| Some(RedFlag { jump_to, wait }))
        }
    };
    let relapse_to = p.take(
        raw.relapse_to
            .as_deref()
            .map(|name| step_index("relapse_to", name))
            .transpose(),
    );
    let label = p.take(label(&format!("{path}.label"), raw.label.as_deref()))?;
    Some(Policy {
        name: raw.name.clone(),
        label: label.unwrap_or_else(|| raw.name.clone()),
        description: raw.description.clone(),
        steps: steps.into_iter().collect::<Option<_>>()?,
        red_flag: red_flag?,
        relapse_to: relapse_to?,
    })
}

/// One step; `before` are the names of the steps before it.
fn step(
    path: &str,
    s: &RawStep,
    before: &[String],
    name: &str,
    declared: &Declared,
    slots: &[Slot],
    p: &mut Problems,
) -> Option<Step> {
    let intervention = p.take(declared.index(&format!("{path}.intervention"), &s.intervention));
    let unique = p.take(if before.iter().any(|b| b == name) {
        Err(Invalid::new(
            format!("{path}.name"),
            format!("\"{name}\""),
            "two steps of this policy have this name; give each step a unique `name`",
        ))
    } else {
        Ok(())
    });
    let attempts = p.take(if s.attempts == 0 || s.attempts > 1000 {
        Err(Invalid::new(
            format!("{path}.attempts"),
            s.attempts,
            "attempts must be between 1 and 1000",
        ))
    } else {
        Ok(s.attempts)
    });
    let routes: Vec<Option<(String, Cond, usize)>> = s
        .route
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let at = format!("{path}.route[{k}]");
            let cond = p.take(condition(&format!("{at}.if"), &r.condition, slots));
            let to = p.take(declared.index(&format!("{at}.to"), &r.to));
            Some((r.condition.clone(), cond?, to?))
        })
        .collect();
    let wait = p.take(optional_duration(&format!("{path}.wait"), s.wait.as_ref()));
    let failure_time = p.take(optional_duration(
        &format!("{path}.failure_time"),
        s.failure_time.as_ref(),
    ));
    let skip_if = p.take(
        s.skip_if
            .as_ref()
            .map(|c| condition(&format!("{path}.skip_if"), c, slots).map(|cond| (c.clone(), cond)))
            .transpose(),
    );
    let on_partial = p.take(match s.on_partial.as_deref() {
        None | Some("stay") => Ok(OnPartial::Stay),
        Some("continue") => Ok(OnPartial::Continue),
        Some(other) => Err(Invalid::new(
            format!("{path}.on_partial"),
            format!("\"{other}\""),
            format!(
                "a partial responder either stays (\"stay\", the default) or goes on as after a failure (\"continue\"){}",
                did_you_mean(other, ["stay", "continue"])
            ),
        )),
    });
    unique?;
    Some(Step {
        on_partial: on_partial?,
        name: name.to_string(),
        intervention: intervention?,
        attempts: attempts?,
        wait: wait?,
        failure_time: failure_time?,
        skip_if: skip_if?,
        routes: routes.into_iter().collect::<Option<_>>()?,
    })
}

/// The one-way sensitivity ranges: each names a number of the document and
/// has finite ends in order.
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
            out.push((path.clone(), lo, hi));
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

/// A cost that may be left out (0).
fn optional_cost(path: &str, cost: Option<f64>) -> Result<f64, Invalid> {
    cost.map_or(Ok(0.0), |c| check_cost(path, c))
}

/// A one-off QALY loss that may be left out (0): finite, and at most a
/// year of full health.
fn optional_qaly_loss(path: &str, loss: Option<f64>) -> Result<f64, Invalid> {
    match loss {
        None => Ok(0.0),
        Some(q) if q.is_finite() && (0.0..=1.0).contains(&q) => Ok(q),
        Some(q) => Err(Invalid::new(
            path,
            q,
            "a one-off QALY loss is a number in [0, 1] (1 = a year of full health)",
        )),
    }
}

fn discount_rate(path: &str, r: f64) -> Result<Discount, Invalid> {
    if r.is_finite() && (0.0..=1.0).contains(&r) {
        Ok(Discount::new(r))
    } else {
        Err(Invalid::new(
            path,
            r,
            "a discount rate is a yearly fraction in [0, 1] (0.035 for 3.5%)",
        ))
    }
}

/// `[economics]`: the states a scenario can reach need a utility
/// (`improved` with partial relief, `residual_deficit` with a permanent
/// deficit); `recovering` defaults to `symptomatic`.
fn economics(raw: &RawEconomics, scenario: &RawScenario, slots: &[Slot]) -> Result<Economics, Invalid> {
    if let Some(u) = raw.utility_symptomatic {
        return Err(Invalid::new(
            "economics.utility_symptomatic",
            u,
            "moved: write `utility = { symptomatic = ..., symptom_free = ..., ... }` in [economics]",
        ));
    }
    let rate = |key: &str, own: Option<f64>| {
        let path = if own.is_some() {
            format!("economics.{key}")
        } else {
            "economics.discount_rate".into()
        };
        discount_rate(&path, own.or(raw.discount_rate).unwrap_or(0.0))
    };
    let discount_costs = rate("discount_costs", raw.discount_costs)?;
    let discount_effects = rate("discount_effects", raw.discount_effects)?;
    let partial = scenario
        .interventions
        .iter()
        .any(|iv| iv.response.partial.is_some_and(|q| q > 0.0));
    let deficit = scenario.natural_history.permanent_deficit.is_some();
    let given = raw.utility.clone().unwrap_or_default();
    let need = |state: &str, value: Option<f64>, why: &str| {
        let path = format!("economics.utility.{state}");
        match value {
            Some(u) => check_utility(&path, u),
            None => Err(Invalid::new(path, "nothing", format!("a utility is needed {why}"))),
        }
    };
    let symptomatic = need("symptomatic", given.symptomatic, "for every scenario with [economics]")?;
    let symptom_free = need(
        "symptom_free",
        given.symptom_free,
        "for every scenario with [economics]",
    )?;
    let improved = match given.improved {
        None if !partial => symptomatic,
        u => need("improved", u, "because an intervention has partial responses")?,
    };
    let residual_deficit = match given.residual_deficit {
        None if !deficit => symptomatic,
        u => need(
            "residual_deficit",
            u,
            "because [natural_history.permanent_deficit] is declared",
        )?,
    };
    let recovering = given
        .recovering
        .map_or(Ok(symptomatic), |u| check_utility("economics.utility.recovering", u))?;
    let utility = StateValues {
        symptomatic,
        improved,
        recovering,
        symptom_free,
        residual_deficit,
    };
    let daily = raw.daily_cost.clone().unwrap_or_default();
    let day_cost = |state: &str, c: Option<f64>| optional_cost(&format!("economics.daily_cost.{state}"), c);
    let daily_cost = StateValues {
        symptomatic: day_cost("symptomatic", daily.symptomatic)?,
        improved: day_cost("improved", daily.improved)?,
        recovering: day_cost("recovering", daily.recovering)?,
        symptom_free: day_cost("symptom_free", daily.symptom_free)?,
        residual_deficit: day_cost("residual_deficit", daily.residual_deficit)?,
    };
    let adjustments = raw
        .utility_adjustments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let at = format!("economics.utility_adjustments[{i}]");
            let condition = condition(&format!("{at}.if"), &a.condition, slots)?;
            if !(a.add.is_finite() && (-2.0..=1.0).contains(&a.add)) {
                return Err(Invalid::new(
                    format!("{at}.add"),
                    a.add,
                    "a utility adjustment is a finite number in [-2, 1], added to every state alive",
                ));
            }
            Ok(Adjustment {
                text: a.condition.clone(),
                condition,
                add: a.add,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let death_cost = optional_cost("economics.death_cost", raw.death_cost)?;
    let mut willingness_to_pay = Vec::with_capacity(raw.willingness_to_pay.len());
    for (i, &w) in raw.willingness_to_pay.iter().enumerate() {
        if !(w.is_finite() && w >= 0.0) || willingness_to_pay.last().is_some_and(|&last| w <= last) {
            return Err(Invalid::new(
                format!("economics.willingness_to_pay[{i}]"),
                w,
                "willingness-to-pay values are finite, >= 0 and ascending (currency per QALY)",
            ));
        }
        willingness_to_pay.push(w);
    }
    Ok(Economics {
        currency: raw.currency.clone().unwrap_or_else(|| "currency units".into()),
        perspective: raw.perspective.clone(),
        discount_costs,
        discount_effects,
        utility,
        adjustments,
        daily_cost,
        death_cost,
        willingness_to_pay,
    })
}
