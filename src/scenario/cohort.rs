//! The cohort and the run's settings: `[simulation]` (patients, seed,
//! horizon, curve grid, subgroups) and `[cohort]` (covariates, frailty):
//! the serde mirror, the validated types and their rules.

use std::fmt::Write;

use serde::Deserialize;

use super::cond::{Slot, SlotKind};
use super::dist::{self, Dist, RawDist};
use super::rules::*;
use super::*;
use crate::error::{Invalid, Problems, did_you_mean, names_or_none};
use crate::outcome::BINS_PER_DAY;

#[derive(Debug, Clone)]
pub struct Simulation {
    pub patients: u64,
    pub seed: u64,
    pub horizon_days: f64,
    pub curve_step_days: f64,
    /// Covariate names for the subgroup table.
    pub subgroups: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Covariate {
    pub name: String,
    /// What charts and tables call it (the name unless labelled).
    pub label: String,
    /// What charts and tables call its subgroups, when labelled (as many
    /// as [`Covariate::group_values`]).
    pub level_labels: Option<Vec<String>>,
    pub kind: CovariateKind,
}

#[derive(Debug, Clone)]
pub enum CovariateKind {
    Boolean {
        probability: f64,
    },
    /// Levels with cumulative normalised weights (last is 1).
    Categorical {
        levels: Vec<String>,
        cumulative: Vec<f64>,
    },
    /// A distribution and optional ascending break points for subgroups.
    Continuous {
        dist: Dist,
        breaks: Vec<f64>,
    },
}

/// Shared responsiveness: u ~ Normal(0, sd) per patient, on the logit
/// scale of every response probability.
#[derive(Debug, Clone)]
pub struct Frailty {
    pub sd: f64,
    /// Normal(0, sd), drawn from the cohort stream after the covariates.
    pub dist: Dist,
}

impl Covariate {
    pub fn slot(&self) -> Slot {
        Slot {
            name: self.name.clone(),
            kind: match &self.kind {
                CovariateKind::Boolean { .. } => SlotKind::Boolean,
                CovariateKind::Categorical { levels, .. } => SlotKind::Categorical(levels.clone()),
                CovariateKind::Continuous { .. } => SlotKind::Continuous,
            },
        }
    }

    /// Subgroup values: one per level, per boolean value or per interval
    /// between break points (`<50`, `[50,65)`, `>=75`); `None` for a
    /// continuous covariate without breaks.
    pub fn group_values(&self) -> Option<Vec<String>> {
        match &self.kind {
            CovariateKind::Boolean { .. } => Some(vec!["false".into(), "true".into()]),
            CovariateKind::Categorical { levels, .. } => Some(levels.clone()),
            CovariateKind::Continuous { breaks, .. } if breaks.is_empty() => None,
            CovariateKind::Continuous { breaks, .. } => {
                let mut values = vec![format!("<{}", breaks[0])];
                values.extend(breaks.windows(2).map(|w| format!("[{},{})", w[0], w[1])));
                values.push(format!(">={}", breaks[breaks.len() - 1]));
                Some(values)
            }
        }
    }

    /// What charts and tables call each subgroup: the level labels, or
    /// else the values of [`Covariate::group_values`].
    pub fn group_labels(&self) -> Option<Vec<String>> {
        self.level_labels.clone().or_else(|| self.group_values())
    }

    /// The subgroup index of a value stored in this covariate's slot.
    #[inline]
    pub fn group_of(&self, x: f64) -> usize {
        match &self.kind {
            CovariateKind::Boolean { .. } | CovariateKind::Categorical { .. } => x as usize,
            CovariateKind::Continuous { breaks, .. } => breaks.partition_point(|&b| b <= x),
        }
    }
}

// The serde mirror: the section as written.

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    /// Patients per policy.
    pub patients: u64,
    pub seed: u64,
    /// Horizon in days.
    pub horizon_days: f64,
    /// Spacing of the curve grid in days.
    #[serde(default)]
    pub curve_step_days: Option<f64>,
    /// Covariates named by default for the subgroup table.
    #[serde(default)]
    pub subgroups: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCohort {
    /// None: every patient alike (responses that vary need covariates).
    #[serde(default)]
    pub covariates: Vec<RawCovariate>,
    /// Shared responsiveness: one latent value per patient.
    #[serde(default)]
    pub frailty: Option<RawFrailty>,
}

/// `[cohort.frailty]`: the patient's latent responsiveness u ~ Normal(0,
/// sd), added to the logit of every response probability times the
/// intervention's `frailty_loading`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrailty {
    pub sd: f64,
    #[serde(default)]
    pub source: Option<String>,
}

/// One covariate: exactly one of `probability` (boolean), `levels` +
/// `weights` (categorical) or `dist` (continuous) is given.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCovariate {
    pub name: String,
    /// What charts and tables call it (default: the name).
    #[serde(default)]
    pub label: Option<String>,
    /// What charts and tables call each of its subgroups: false then true,
    /// each level, or each interval between break points.
    #[serde(default)]
    pub level_labels: Option<Vec<String>>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub probability: Option<f64>,
    #[serde(default)]
    pub levels: Option<Vec<String>>,
    #[serde(default)]
    pub weights: Option<Vec<f64>>,
    #[serde(default)]
    pub dist: Option<RawDist>,
    /// Break points that cut a continuous covariate into subgroups.
    #[serde(default)]
    pub breaks: Option<Vec<f64>>,
}

// The rules: the mirror to the validated types, every problem named.

/// The slots conditions are compiled against, read from the covariates as
/// declared (the same as the validated covariates' slots when those are
/// valid), so that conditions are checked even when a covariate is broken.
pub(super) fn declared_slots(raw: &RawCohort) -> Vec<Slot> {
    raw.covariates
        .iter()
        .filter_map(|c| {
            let kind = match (c.probability, &c.levels, &c.dist) {
                (Some(_), None, None) => SlotKind::Boolean,
                (None, Some(levels), None) => SlotKind::Categorical(levels.clone()),
                (None, None, Some(_)) => SlotKind::Continuous,
                _ => return None,
            };
            Some(Slot {
                name: c.name.clone(),
                kind,
            })
        })
        .collect()
}

/// The simulation settings; subgroups are checked only when the covariates
/// they name are valid.
pub(super) fn simulation(
    raw: &RawSimulation,
    covariates: Option<&[Covariate]>,
    p: &mut Problems,
) -> Option<Simulation> {
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
            if raw.subgroups[..i].contains(name) {
                subgroups_ok = false;
                p.push(Invalid::new(
                    path,
                    format!("\"{name}\""),
                    "each covariate may be listed once; this one is listed twice",
                ));
            }
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
    let mut seen = std::collections::HashSet::new();
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
    let path = format!("cohort.covariates.{}", c.name);
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

fn categorical(path: &str, levels: &[String], weights: Option<&[f64]>) -> Result<CovariateKind, Invalid> {
    if levels.is_empty() || levels.len() > 64 {
        return Err(Invalid::new(
            format!("{path}.levels"),
            levels.len(),
            "a categorical covariate has 1 to 64 levels",
        ));
    }
    for (i, l) in levels.iter().enumerate() {
        super::rules::plain_text(&format!("{path}.levels[{i}]"), l)?;
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

pub(super) fn frailty(raw: &RawFrailty) -> Result<Frailty, Invalid> {
    if !(raw.sd.is_finite() && (0.0..=5.0).contains(&raw.sd)) {
        return Err(Invalid::new(
            "cohort.frailty.sd",
            raw.sd,
            "the frailty's sd is on the logit scale: a number from 0 to 5",
        ));
    }
    let normal = dist::Family::Normal(dist::Normal { mean: 0.0, sd: raw.sd });
    let dist = if raw.sd == 0.0 {
        Dist::fixed(0.0)
    } else {
        Dist::new(normal, None).map_err(|problem| Invalid::new("cohort.frailty.sd", raw.sd, problem.to_string()))?
    };
    Ok(Frailty { sd: raw.sd, dist })
}

// Words: the section in `foramen describe`.

/// The cohort in words (`foramen describe`): each covariate's distribution
/// (the booleans' probabilities together, on one line) and the frailty.
pub fn words(out: &mut String, covariates: &[Covariate], frailty: Option<&Frailty>) {
    let _ = writeln!(out, "\ncohort");
    if covariates.is_empty() {
        let _ = writeln!(out, "  no covariates: every patient alike at presentation");
    }
    for c in covariates {
        let what = match &c.kind {
            CovariateKind::Boolean { .. } => continue,
            CovariateKind::Categorical { levels, cumulative } => {
                let mut prev = 0.0;
                let parts: Vec<String> = levels
                    .iter()
                    .zip(cumulative)
                    .map(|(l, &c)| {
                        let share = c - prev;
                        prev = c;
                        format!("{l} {:.1}%", 100.0 * share)
                    })
                    .collect();
                parts.join(", ")
            }
            CovariateKind::Continuous { dist, breaks } if breaks.is_empty() => dist.to_string().replace(" d", ""),
            CovariateKind::Continuous { dist, .. } => format!(
                "{}; subgroups {}",
                dist.to_string().replace(" d", ""),
                c.group_values().unwrap_or_default().join(", ")
            ),
        };
        let _ = writeln!(out, "  {}: {what}", c.name);
    }
    // The booleans on one line, in order.
    let booleans: Vec<String> = covariates
        .iter()
        .filter_map(|c| match &c.kind {
            CovariateKind::Boolean { probability } => Some(format!("{} {probability}", c.name)),
            CovariateKind::Categorical { .. } | CovariateKind::Continuous { .. } => None,
        })
        .collect();
    if !booleans.is_empty() {
        let _ = writeln!(out, "  true with probability: {}", booleans.join(", "));
    }
    if let Some(f) = frailty {
        let _ = writeln!(
            out,
            "  frailty: one shared responsiveness u ~ normal(0, {}) per patient, added to the logit of every response times its loading",
            f.sd
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw_covariate(text: &str) -> RawCovariate {
        toml::from_str(text).expect("a covariate as written")
    }

    #[test]
    fn a_curve_step_off_the_eighth_day_grid_suggests_the_neighbours() {
        assert_eq!(curve_step(7.0, 365.0), Ok(7.0));
        let e = curve_step(0.3, 365.0).unwrap_err();
        assert_eq!(e.path, "simulation.curve_step_days");
        assert!(e.problem.contains("0.25 or 0.375"), "{}", e.problem);
        assert!(curve_step(400.0, 365.0).is_err());
    }

    #[test]
    fn categorical_weights_become_cumulative_shares_ending_at_one() {
        let c = covariate(
            0,
            &raw_covariate("name = \"grade\"\nlevels = [\"a\", \"b\", \"c\"]\nweights = [1, 1, 2]"),
        )
        .expect("valid");
        let CovariateKind::Categorical { cumulative, .. } = c.kind else {
            panic!("categorical expected")
        };
        assert_eq!(cumulative, vec![0.25, 0.5, 1.0]);
        let e = covariate(
            0,
            &raw_covariate("name = \"g\"\nlevels = [\"a\", \"b\"]\nweights = [1]"),
        )
        .unwrap_err();
        assert_eq!(e.path, "cohort.covariates.g.weights");
    }

    #[test]
    fn a_covariate_is_one_kind_and_not_named_after_a_keyword() {
        let both = covariate(0, &raw_covariate("name = \"x\"\nprobability = 0.5\nlevels = [\"a\"]")).unwrap_err();
        assert!(both.problem.starts_with("give exactly one of"), "{}", both.problem);
        let keyword = covariate(3, &raw_covariate("name = \"and\"\nprobability = 0.5")).unwrap_err();
        assert_eq!(keyword.path, "cohort.covariates[3].name");
        let breaks = covariate(0, &raw_covariate("name = \"b\"\nprobability = 0.5\nbreaks = [1]")).unwrap_err();
        assert_eq!(breaks.path, "cohort.covariates.b.breaks");
    }

    #[test]
    fn subgroups_need_levels_or_breaks() {
        let age = covariate(
            0,
            &raw_covariate("name = \"age\"\ndist = { family = \"normal\", mean = 60, sd = 10 }"),
        )
        .expect("valid");
        let e = subgroup_covariate("by", "age", std::slice::from_ref(&age)).unwrap_err();
        assert!(e.problem.contains("needs `breaks`"), "{}", e.problem);
        let typo = subgroup_covariate("by", "agee", &[age]).unwrap_err();
        assert!(typo.problem.contains("did you mean `age`?"), "{}", typo.problem);
    }
}
