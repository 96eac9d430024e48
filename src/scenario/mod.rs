//! A validated scenario: the only form of a scenario the engine sees.
//!
//! [`document::Document::parse`] reads TOML text once into the serde mirror
//! in [`raw`]; [`document::Document::scenario`] applies command-line
//! overrides and converts it with [`Scenario::from_raw`], checking every
//! rule. Each problem becomes an [`Error`]
//! naming the file, the key path, the value and what is allowed. Nothing
//! here reads files.

pub mod cond;
pub mod dist;
pub mod document;
pub mod paths;
pub mod raw;

use crate::error::{Invalid, did_you_mean};
use crate::rng::name_key;
use cond::{Cond, Kind, Slot};
use dist::Dist;
use raw::*;

/// The default scenario, embedded in the binary.
pub const DEFAULT_TOML: &str = include_str!("../../scenarios/foraminal-stenosis.toml");
/// The name under which the embedded scenario is reported.
pub const DEFAULT_FILE: &str = "scenarios/foraminal-stenosis.toml (embedded)";

/// The largest cohort accepted per policy (10^12), far beyond any run that
/// fits a machine's lifetime, and small enough that counts cannot overflow.
pub const MAX_PATIENTS: u64 = 1_000_000_000_000;
/// The day-grid step of curves when the scenario gives none.
pub const DEFAULT_CURVE_STEP_DAYS: f64 = 7.0;

/// The longest horizon accepted, in days (200 years).
pub const MAX_HORIZON_DAYS: f64 = 73_050.0;

#[derive(Debug, Clone)]
pub struct Scenario {
    name: String,
    description: Option<String>,
    simulation: Simulation,
    covariates: Vec<Covariate>,
    natural_history: NaturalHistory,
    interventions: Vec<Intervention>,
    policies: Vec<Policy>,
    economics: Option<Economics>,
    /// One-way sensitivity ranges: (key path, low, high), checked to name
    /// numbers of the document.
    ranges: Vec<(String, f64, f64)>,
    /// Exact answers of a validation scenario.
    expected: Vec<Expected>,
}

/// Read-only access: a scenario is built only by validation
/// ([`Scenario::from_raw`], [`document::Document::scenario`]) and never
/// changes afterwards; overrides are applied to the document before it is
/// validated.
impl Scenario {
    /// Names output folders.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Cohort size, seed, horizon, curve grid, subgroups.
    pub fn simulation(&self) -> &Simulation {
        &self.simulation
    }

    /// In declaration order: a patient's covariate slots.
    pub fn covariates(&self) -> &[Covariate] {
        &self.covariates
    }

    pub fn natural_history(&self) -> &NaturalHistory {
        &self.natural_history
    }

    pub fn interventions(&self) -> &[Intervention] {
        &self.interventions
    }

    /// In declaration order; the first is the default reference.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    pub fn economics(&self) -> Option<&Economics> {
        self.economics.as_ref()
    }

    /// One-way sensitivity ranges: (key path, low, high).
    pub fn ranges(&self) -> &[(String, f64, f64)] {
        &self.ranges
    }

    /// Exact answers of a validation scenario.
    pub fn expected(&self) -> &[Expected] {
        &self.expected
    }
}

/// An exact value a validation scenario should reproduce.
#[derive(Debug, Clone)]
pub struct Expected {
    /// Policy index.
    pub policy: usize,
    /// A column of summary.csv, or `recovered_by_day`.
    pub outcome: String,
    /// The grid day, for `recovered_by_day`.
    pub day: Option<f64>,
    pub value: f64,
    pub derivation: String,
}

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

/// Level of care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Conservative = 1,
    MinimallyInvasive = 2,
    Surgical = 3,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Conservative => "conservative",
            Level::MinimallyInvasive => "minimally_invasive",
            Level::Surgical => "surgical",
        }
    }
}

/// A probability adjusted per patient by odds ratios:
/// `logit p = logit p0 + sum ln(OR_i)` over the conditions that hold,
/// computed without logarithms as odds: `o = o0 x prod OR_i`,
/// `p = 1 / (1 + 1 / o)` with `o0 = p0 / (1 - p0)`.
#[derive(Debug, Clone)]
pub struct Probability {
    pub base: f64,
    pub odds_ratios: Vec<OddsRatio>,
    /// `p0 / (1 - p0)`.
    base_odds: f64,
}

/// Multiplies the odds for patients meeting `condition`.
#[derive(Debug, Clone)]
pub struct OddsRatio {
    /// The condition as written.
    pub text: String,
    pub condition: Cond,
    pub odds_ratio: f64,
}

impl Probability {
    /// A probability with its odds ratios (checked by the caller).
    pub fn new(base: f64, odds_ratios: Vec<OddsRatio>) -> Probability {
        Probability {
            base,
            odds_ratios,
            base_odds: base / (1.0 - base),
        }
    }

    /// The patient's probability.
    #[inline]
    pub fn for_patient(&self, x: &[f64]) -> f64 {
        if self.base <= 0.0 || self.base >= 1.0 || self.odds_ratios.is_empty() {
            return self.base;
        }
        let mut odds = self.base_odds;
        let mut adjusted = false;
        for o in &self.odds_ratios {
            if o.condition.eval(x) {
                odds *= o.odds_ratio;
                adjusted = true;
            }
        }
        if adjusted { 1.0 / (1.0 + 1.0 / odds) } else { self.base }
    }
}

#[derive(Debug, Clone)]
pub struct Intervention {
    pub name: String,
    pub label: String,
    pub level: Level,
    pub fusion: bool,
    pub response: Probability,
    pub recovery_time: Dist,
    pub failure_time: Dist,
    pub complications: Vec<Complication>,
    pub relapse: Option<Relapse>,
    pub cost: Option<f64>,
    pub utility: Option<f64>,
    /// Stream key: a hash of the name.
    pub key: u64,
}

#[derive(Debug, Clone)]
pub struct Complication {
    pub name: String,
    pub probability: Probability,
    pub delay: Option<Dist>,
    pub fails_attempt: bool,
}

#[derive(Debug, Clone)]
pub struct Relapse {
    pub probability: Probability,
    pub time: Dist,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub description: Option<String>,
    pub steps: Vec<Step>,
    pub red_flag: Option<RedFlag>,
    /// Step index a relapse re-enters at; `None`: the step that brought the
    /// recovery.
    pub relapse_to: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    /// Index into `Scenario::interventions`.
    pub intervention: usize,
    pub attempts: u32,
    pub wait: Option<Dist>,
    /// Overrides the intervention's failure time at this step.
    pub failure_time: Option<Dist>,
    pub skip_if: Option<(String, Cond)>,
    /// First matching route wins: (condition text, compiled, intervention).
    pub routes: Vec<(String, Cond, usize)>,
}

#[derive(Debug, Clone)]
pub struct RedFlag {
    pub jump_to: usize,
    pub wait: Option<Dist>,
}

#[derive(Debug, Clone, Default)]
pub struct NaturalHistory {
    pub progression: Option<Progression>,
    pub resolution: Option<Resolution>,
}

#[derive(Debug, Clone)]
pub struct Progression {
    /// Boolean covariate slot set on progression.
    pub slot: usize,
    pub time: Dist,
    pub condition: Option<Cond>,
}

#[derive(Debug, Clone)]
pub struct Resolution {
    pub time: Dist,
    pub condition: Option<Cond>,
}

#[derive(Debug, Clone)]
pub struct Economics {
    pub currency: Option<String>,
    pub discount_rate: Option<f64>,
    pub utility_symptomatic: Option<f64>,
}

impl Scenario {
    /// Validates the serde mirror.
    ///
    /// # Errors
    /// The first rule broken, as an [`Invalid`].
    pub fn from_raw(raw: &RawScenario) -> Result<Scenario, Invalid> {
        if raw.name.trim().is_empty() || !raw.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return Err(Invalid::new(
                "name",
                format!("\"{}\"", raw.name),
                "a scenario name is non-empty and uses only letters, digits, '-', '_' and '.' (it names output folders)",
            ));
        }
        let covariates = covariates(&raw.cohort)?;
        let slots: Vec<Slot> = covariates.iter().map(Covariate::slot).collect();
        let simulation = simulation(&raw.simulation, &covariates)?;
        let natural_history = natural_history(&raw.natural_history, &slots)?;
        let interventions = interventions(&raw.interventions, &slots)?;
        let policies = policies(&raw.policies, &interventions, &slots)?;
        if natural_history.progression.is_none()
            && let Some((p, rf)) = raw.policies.iter().find_map(|p| Some((p, p.red_flag.as_ref()?)))
        {
            return Err(Invalid::new(
                format!("policies.{}.red_flag", p.name),
                format!("{{ jump_to = \"{}\" }}", rf.jump_to),
                "a red flag fires on neurological progression, and the scenario declares no [natural_history.progression]: declare one, or remove the red flag",
            ));
        }
        let economics = raw.economics.as_ref().map(economics).transpose()?;
        let expected = expected(&raw.expected, &policies, &simulation)?;
        Ok(Scenario {
            name: raw.name.clone(),
            description: raw.description.clone(),
            simulation,
            covariates,
            natural_history,
            interventions,
            policies,
            economics,
            ranges: Vec::new(),
            expected,
        })
    }

    /// The covariate slots conditions are compiled against.
    pub fn slots(&self) -> Vec<Slot> {
        self.covariates.iter().map(Covariate::slot).collect()
    }

    /// Index of a covariate by name.
    pub fn covariate_index(&self, name: &str) -> Option<usize> {
        self.covariates.iter().position(|c| c.name == name)
    }
}

impl Covariate {
    pub fn slot(&self) -> Slot {
        Slot {
            name: self.name.clone(),
            kind: match &self.kind {
                CovariateKind::Boolean { .. } => Kind::Boolean,
                CovariateKind::Categorical { levels, .. } => Kind::Categorical(levels.clone()),
                CovariateKind::Continuous { .. } => Kind::Continuous,
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

    /// The subgroup index of a value stored in this covariate's slot.
    #[inline]
    pub fn group_of(&self, x: f64) -> usize {
        match &self.kind {
            CovariateKind::Boolean { .. } | CovariateKind::Categorical { .. } => x as usize,
            CovariateKind::Continuous { breaks, .. } => breaks.partition_point(|&b| b <= x),
        }
    }
}

/// Renders a toml error with the file's line and column and the line itself.
pub(crate) fn syntax_message(e: &toml::de::Error, text: &str) -> String {
    let Some(span) = e.span() else {
        return e.message().to_string();
    };
    let start = span.start.min(text.len());
    let line_no = text[..start].matches('\n').count() + 1;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..start].chars().count() + 1;
    let line = text[line_start..].lines().next().unwrap_or("");
    format!(
        "line {line_no}, column {column}: {}{}\n  {line_no:>4} | {line}\n       | {}^",
        plain_types(e.message().trim_end()),
        unknown_field_hint(e.message()),
        " ".repeat(column.saturating_sub(1))
    )
}

/// serde's message with Rust type names said in words ("expected u64" ->
/// "expected a whole number from 0 to 18446744073709551615").
fn plain_types(message: &str) -> String {
    let words = [
        ("u64", format!("a whole number from 0 to {}", u64::MAX)),
        ("u32", format!("a whole number from 0 to {}", u32::MAX)),
        ("usize", format!("a whole number from 0 to {}", usize::MAX)),
        ("i64", "a whole number".to_string()),
        ("f64", "a number".to_string()),
    ];
    words.iter().fold(message.to_string(), |m, (rust, plain)| {
        m.replace(&format!("expected {rust}"), &format!("expected {plain}"))
    })
}

/// " (did you mean `x`?)" for serde's "unknown field `y`, expected one of
/// `x`, ..." messages.
fn unknown_field_hint(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return String::new();
    };
    let Some((field, expected)) = rest.split_once('`') else {
        return String::new();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(field, candidates)
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

fn unique_name<'a>(path: &str, name: &str, seen: &mut Vec<&'a str>, name_ref: &'a str) -> Result<(), Invalid> {
    if name.trim().is_empty() {
        return Err(Invalid::new(format!("{path}.name"), "\"\"", "a name must not be empty"));
    }
    if seen.contains(&name) {
        return Err(Invalid::new(
            format!("{path}.name"),
            format!("\"{name}\""),
            "this name is used twice; names must be unique",
        ));
    }
    seen.push(name_ref);
    Ok(())
}

fn simulation(raw: &RawSimulation, covariates: &[Covariate]) -> Result<Simulation, Invalid> {
    check_patients("simulation.patients", raw.patients)?;
    let horizon_days = check_horizon("simulation.horizon_days", raw.horizon_days)?;
    let curve_step_days = match raw.curve_step_days {
        None => DEFAULT_CURVE_STEP_DAYS,
        Some(step) => {
            let ok = step.is_finite() && step >= 0.125 && step <= horizon_days;
            if !ok {
                return Err(Invalid::new(
                    "simulation.curve_step_days",
                    step,
                    format!("the curve grid step must be between 0.125 days and the horizon ({horizon_days} days)"),
                ));
            }
            step
        }
    };
    for (i, name) in raw.subgroups.iter().enumerate() {
        subgroup_covariate(&format!("simulation.subgroups[{i}]"), name, covariates)?;
    }
    Ok(Simulation {
        patients: raw.patients,
        seed: raw.seed,
        horizon_days,
        curve_step_days,
        subgroups: raw.subgroups.clone(),
    })
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
                covariates
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
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

pub(crate) fn covariates(raw: &RawCohort) -> Result<Vec<Covariate>, Invalid> {
    if raw.covariates.is_empty() {
        return Err(Invalid::new(
            "cohort.covariates",
            "[]",
            "declare at least one covariate",
        ));
    }
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, c) in raw.covariates.iter().enumerate() {
        let path = format!("cohort.covariates[{i}]");
        unique_name(&path, &c.name, &mut seen, &c.name)?;
        if !c.name.chars().all(|ch| ch.is_alphanumeric() || ch == '_')
            || c.name.starts_with(|ch: char| ch.is_ascii_digit())
        {
            return Err(Invalid::new(
                format!("{path}.name"),
                format!("\"{}\"", c.name),
                "a covariate name is letters, digits and '_', not starting with a digit (conditions refer to it)",
            ));
        }
        if ["and", "or", "not", "in", "true", "false"].contains(&c.name.as_str()) {
            return Err(Invalid::new(
                format!("{path}.name"),
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
        out.push(Covariate {
            name: c.name.clone(),
            kind,
        });
    }
    Ok(out)
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

fn probability(path: &str, base: f64, odds: &[RawOddsRatio], slots: &[Slot]) -> Result<Probability, Invalid> {
    let base = check_probability(path, base)?;
    let parent = path.rsplit_once('.').map_or(path, |(p, _)| p);
    let mut odds_ratios = Vec::new();
    for (i, o) in odds.iter().enumerate() {
        let p = format!("{parent}.odds_ratios[{i}]");
        let condition = condition(&format!("{p}.if"), &o.condition, slots)?;
        if !(o.odds_ratio.is_finite() && o.odds_ratio > 0.0) {
            return Err(Invalid::new(
                format!("{p}.or"),
                o.odds_ratio,
                "an odds ratio must be a finite number > 0",
            ));
        }
        odds_ratios.push(OddsRatio {
            text: o.condition.clone(),
            condition,
            odds_ratio: o.odds_ratio,
        });
    }
    Ok(Probability::new(base, odds_ratios))
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

fn natural_history(raw: &RawNaturalHistory, slots: &[Slot]) -> Result<NaturalHistory, Invalid> {
    let progression = match &raw.progression {
        None => None,
        Some(p) => {
            let path = "natural_history.progression";
            let slot = slots.iter().position(|s| s.name == p.sets);
            let slot = match slot {
                Some(i) if slots[i].kind == Kind::Boolean => i,
                _ => {
                    return Err(Invalid::new(
                        format!("{path}.sets"),
                        format!("\"{}\"", p.sets),
                        format!(
                            "progression sets a boolean covariate{}",
                            did_you_mean(
                                &p.sets,
                                slots
                                    .iter()
                                    .filter(|s| s.kind == Kind::Boolean)
                                    .map(|s| s.name.as_str())
                            )
                        ),
                    ));
                }
            };
            Some(Progression {
                slot,
                time: duration(&format!("{path}.time"), &p.time)?,
                condition: p
                    .condition
                    .as_deref()
                    .map(|c| condition(&format!("{path}.if"), c, slots))
                    .transpose()?,
            })
        }
    };
    let resolution = match &raw.resolution {
        None => None,
        Some(r) => {
            let path = "natural_history.resolution";
            Some(Resolution {
                time: duration(&format!("{path}.time"), &r.time)?,
                condition: r
                    .condition
                    .as_deref()
                    .map(|c| condition(&format!("{path}.if"), c, slots))
                    .transpose()?,
            })
        }
    };
    Ok(NaturalHistory {
        progression,
        resolution,
    })
}

fn interventions(raw: &[RawIntervention], slots: &[Slot]) -> Result<Vec<Intervention>, Invalid> {
    if raw.is_empty() {
        return Err(Invalid::new("interventions", "[]", "declare at least one intervention"));
    }
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        unique_name(&format!("interventions[{i}]"), &r.name, &mut seen, &r.name)?;
        let path = format!("interventions.{}", r.name);
        let level = match r.level.as_str() {
            "conservative" => Level::Conservative,
            "minimally_invasive" => Level::MinimallyInvasive,
            "surgical" => Level::Surgical,
            other => {
                let allowed = ["conservative", "minimally_invasive", "surgical"];
                return Err(Invalid::new(
                    format!("{path}.level"),
                    format!("\"{other}\""),
                    format!(
                        "allowed levels are \"conservative\", \"minimally_invasive\" and \"surgical\"{}",
                        did_you_mean(other, allowed)
                    ),
                ));
            }
        };
        let mut complications = Vec::new();
        for (j, c) in r.complications.iter().enumerate() {
            let cpath = format!("{path}.complications[{j}]");
            complications.push(Complication {
                name: c.name.clone(),
                probability: probability(&format!("{cpath}.probability"), c.probability, &c.odds_ratios, slots)?,
                delay: c
                    .delay
                    .as_ref()
                    .map(|d| duration(&format!("{cpath}.delay"), d))
                    .transpose()?,
                fails_attempt: c.fails_attempt,
            });
        }
        let relapse = match &r.relapse {
            None => None,
            Some(rel) => Some(Relapse {
                probability: probability(
                    &format!("{path}.relapse.probability"),
                    rel.probability,
                    &rel.odds_ratios,
                    slots,
                )?,
                time: duration(&format!("{path}.relapse.time"), &rel.time)?,
            }),
        };
        if let Some(cost) = r.cost
            && !(cost.is_finite() && cost >= 0.0)
        {
            return Err(Invalid::new(
                format!("{path}.cost"),
                cost,
                "a cost must be a finite number >= 0",
            ));
        }
        if let Some(u) = r.utility {
            check_utility(&format!("{path}.utility"), u)?;
        }
        out.push(Intervention {
            name: r.name.clone(),
            label: r.label.clone().unwrap_or_else(|| r.name.clone()),
            level,
            fusion: r.fusion,
            response: probability(
                &format!("{path}.response.probability"),
                r.response.probability,
                &r.response.odds_ratios,
                slots,
            )?,
            recovery_time: duration(&format!("{path}.recovery_time"), &r.recovery_time)?,
            failure_time: duration(&format!("{path}.failure_time"), &r.failure_time)?,
            complications,
            relapse,
            cost: r.cost,
            utility: r.utility,
            key: name_key(&r.name),
        });
    }
    Ok(out)
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

fn intervention_index(path: &str, name: &str, interventions: &[Intervention]) -> Result<usize, Invalid> {
    interventions.iter().position(|iv| iv.name == name).ok_or_else(|| {
        Invalid::new(
            path,
            format!("\"{name}\""),
            format!(
                "no intervention has this name{}; declared: {}",
                did_you_mean(name, interventions.iter().map(|i| i.name.as_str())),
                interventions
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

fn policies(raw: &[RawPolicy], interventions: &[Intervention], slots: &[Slot]) -> Result<Vec<Policy>, Invalid> {
    if raw.is_empty() {
        return Err(Invalid::new("policies", "[]", "declare at least one policy"));
    }
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, p) in raw.iter().enumerate() {
        unique_name(&format!("policies[{i}]"), &p.name, &mut seen, &p.name)?;
        if p.name.contains(',') {
            return Err(Invalid::new(
                format!("policies[{i}].name"),
                format!("\"{}\"", p.name),
                "a policy name cannot contain ','",
            ));
        }
        let path = format!("policies.{}", p.name);
        if p.steps.is_empty() {
            return Err(Invalid::new(
                format!("{path}.steps"),
                "[]",
                "a policy needs at least one step",
            ));
        }
        let mut steps: Vec<Step> = Vec::new();
        for (j, s) in p.steps.iter().enumerate() {
            let spath = format!("{path}.steps[{j}]");
            let intervention = intervention_index(&format!("{spath}.intervention"), &s.intervention, interventions)?;
            let name = s.name.clone().unwrap_or_else(|| s.intervention.clone());
            if steps.iter().any(|st| st.name == name) {
                return Err(Invalid::new(
                    format!("{spath}.name"),
                    format!("\"{name}\""),
                    "two steps of this policy have this name; give each step a unique `name`",
                ));
            }
            if s.attempts == 0 || s.attempts > 1000 {
                return Err(Invalid::new(
                    format!("{spath}.attempts"),
                    s.attempts,
                    "attempts must be between 1 and 1000",
                ));
            }
            let mut routes = Vec::new();
            for (k, r) in s.route.iter().enumerate() {
                let rpath = format!("{spath}.route[{k}]");
                let cond = condition(&format!("{rpath}.if"), &r.condition, slots)?;
                let to = intervention_index(&format!("{rpath}.to"), &r.to, interventions)?;
                routes.push((r.condition.clone(), cond, to));
            }
            steps.push(Step {
                name,
                intervention,
                attempts: s.attempts,
                wait: s
                    .wait
                    .as_ref()
                    .map(|w| duration(&format!("{spath}.wait"), w))
                    .transpose()?,
                failure_time: s
                    .failure_time
                    .as_ref()
                    .map(|d| duration(&format!("{spath}.failure_time"), d))
                    .transpose()?,
                skip_if: s
                    .skip_if
                    .as_ref()
                    .map(|c| condition(&format!("{spath}.skip_if"), c, slots).map(|cond| (c.clone(), cond)))
                    .transpose()?,
                routes,
            });
        }
        let step_index = |key: &str, name: &str| {
            steps.iter().position(|s| s.name == name).ok_or_else(|| {
                Invalid::new(
                    format!("{path}.{key}"),
                    format!("\"{name}\""),
                    format!(
                        "no step of this policy has this name{}; its steps are {}",
                        did_you_mean(name, steps.iter().map(|s| s.name.as_str())),
                        steps.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
            })
        };
        let red_flag = match &p.red_flag {
            None => None,
            Some(rf) => {
                let jump_to = step_index("red_flag.jump_to", &rf.jump_to)?;
                let target = &steps[jump_to];
                let reaches_surgery = interventions[target.intervention].level == Level::Surgical
                    || target
                        .routes
                        .iter()
                        .any(|r| interventions[r.2].level == Level::Surgical);
                if !reaches_surgery {
                    return Err(Invalid::new(
                        format!("{path}.red_flag.jump_to"),
                        format!("\"{}\"", rf.jump_to),
                        "a red flag must jump to a surgical step: a jump to a non-surgical step could fire again on itself",
                    ));
                }
                Some(RedFlag {
                    jump_to,
                    wait: rf
                        .wait
                        .as_ref()
                        .map(|w| duration(&format!("{path}.red_flag.wait"), w))
                        .transpose()?,
                })
            }
        };
        let relapse_to = p
            .relapse_to
            .as_deref()
            .map(|name| step_index("relapse_to", name))
            .transpose()?;
        out.push(Policy {
            name: p.name.clone(),
            description: p.description.clone(),
            steps,
            red_flag,
            relapse_to,
        });
    }
    Ok(out)
}

pub(crate) fn ranges(raw: &RawScenario, doc: &toml::Table) -> Result<Vec<(String, f64, f64)>, Invalid> {
    let mut out = Vec::new();
    for (path, &[lo, hi]) in &raw.ranges {
        let key = format!("ranges.\"{path}\"");
        if paths::get_number(doc, path).is_none() {
            let mut probe = doc.clone();
            let problem = paths::set_number(&mut probe, path, lo).err().unwrap_or_default();
            return Err(Invalid::new(key, format!("[{lo}, {hi}]"), problem));
        }
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(Invalid::new(
                key,
                format!("[{lo}, {hi}]"),
                "a range is [low, high] with finite low <= high",
            ));
        }
        out.push((path.clone(), lo, hi));
    }
    Ok(out)
}

fn expected(raw: &[RawExpected], policies: &[Policy], sim: &Simulation) -> Result<Vec<Expected>, Invalid> {
    let mut out = Vec::new();
    for (i, e) in raw.iter().enumerate() {
        let path = format!("expected[{i}]");
        let policy = policies.iter().position(|p| p.name == e.policy).ok_or_else(|| {
            Invalid::new(
                format!("{path}.policy"),
                format!("\"{}\"", e.policy),
                format!(
                    "no such policy{}",
                    did_you_mean(&e.policy, policies.iter().map(|p| p.name.as_str()))
                ),
            )
        })?;
        let known = crate::outcome::find(&e.outcome).is_some();
        match (e.outcome.as_str(), e.day) {
            ("recovered_by_day", Some(day)) => {
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
        out.push(Expected {
            policy,
            outcome: e.outcome.clone(),
            day: e.day,
            value: finite(&format!("{path}.value"), e.value)?,
            derivation: e.derivation.clone(),
        });
    }
    Ok(out)
}

fn economics(raw: &RawEconomics) -> Result<Economics, Invalid> {
    if let Some(r) = raw.discount_rate
        && !(r.is_finite() && (0.0..=1.0).contains(&r))
    {
        return Err(Invalid::new(
            "economics.discount_rate",
            r,
            "a discount rate is a yearly fraction in [0, 1]",
        ));
    }
    if let Some(u) = raw.utility_symptomatic {
        check_utility("economics.utility_symptomatic", u)?;
    }
    Ok(Economics {
        currency: raw.currency.clone(),
        discount_rate: raw.discount_rate,
        utility_symptomatic: raw.utility_symptomatic,
    })
}
