//! A validated scenario: the only form of a scenario the engine sees.
//!
//! [`document::Document::parse`] reads TOML text once into the serde mirror
//! in [`raw`]; [`document::Document::scenario`] applies command-line
//! overrides and converts it with [`Scenario::from_raw`], checking every
//! rule. Each problem becomes an [`Error`]
//! naming the file, the key path, the value and what is allowed. Nothing
//! here reads files.

pub mod belief;
pub mod cond;
pub mod dist;
pub mod document;
pub mod economics;
pub mod paths;
pub mod raw;
pub mod targets;
mod validate;

use cond::{Cond, Kind, Slot};
use dist::Dist;

pub use validate::{check_horizon, check_patients, subgroup_covariate};
pub(crate) use validate::{covariates, label, ranges};

/// The default scenario, embedded in the binary.
pub const DEFAULT_TOML: &str = include_str!("../../scenarios/foraminal-stenosis.toml");
/// The name under which the embedded scenario is reported.
pub const DEFAULT_FILE: &str = "scenarios/foraminal-stenosis.toml (embedded)";

/// The default scenario's published targets, embedded.
pub const DEFAULT_TARGETS_TOML: &str = include_str!("../../scenarios/targets/foraminal-stenosis.toml");

/// How the embedded targets are named in messages and the manifest.
pub const DEFAULT_TARGETS_FILE: &str = "scenarios/targets/foraminal-stenosis.toml (embedded)";

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
    frailty: Option<Frailty>,
    natural_history: NaturalHistory,
    interventions: Vec<Intervention>,
    policies: Vec<Policy>,
    economics: Option<Economics>,
    /// One-way sensitivity ranges: (key path, low, high), checked to name
    /// numbers of the document.
    ranges: Vec<(String, f64, f64)>,
    /// Exact answers of a validation scenario.
    expected: Vec<Expected>,
    /// Distributions of belief (their means are in place).
    beliefs: Vec<belief::Belief>,
    /// Labels of outcomes and parameters.
    labels: Labels,
}

/// What charts and tables call outcomes and parameters (`[labels]`),
/// where the scenario says.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// Outcome name -> label (names checked).
    outcomes: std::collections::BTreeMap<String, String>,
    /// Parameter key path -> label (paths checked against `[ranges]` and
    /// the distributions of belief).
    parameters: std::collections::BTreeMap<String, String>,
}

impl Labels {
    /// The label of an outcome: the scenario's, or the built-in words.
    pub fn outcome(&self, def: &crate::outcome::OutcomeDef) -> &str {
        self.outcomes.get(def.name).map_or(def.label, String::as_str)
    }

    /// The label of a parameter: the scenario's, or its key path.
    pub fn parameter<'a>(&'a self, path: &'a str) -> &'a str {
        self.parameters.get(path).map_or(path, String::as_str)
    }
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

    /// The cohort's shared responsiveness, if declared.
    pub fn frailty(&self) -> Option<&Frailty> {
        self.frailty.as_ref()
    }

    /// Whether the scenario declares what an outcome needs.
    pub fn provides(&self, feature: crate::outcome::Feature) -> bool {
        match feature {
            crate::outcome::Feature::Always => true,
            crate::outcome::Feature::PermanentDeficit => self.natural_history.permanent_deficit.is_some(),
            crate::outcome::Feature::PartialRelief => self.interventions.iter().any(|iv| iv.partial > 0.0),
            crate::outcome::Feature::Death => {
                self.natural_history.mortality.is_some() || self.interventions.iter().any(|iv| iv.death.is_some())
            }
            crate::outcome::Feature::Economics => self.economics.is_some(),
        }
    }

    /// Values kept per patient: the covariates, then the frailty if
    /// declared (at slot [`Scenario::covariates`]`.len()`).
    pub fn slot_count(&self) -> usize {
        self.covariates.len() + usize::from(self.frailty.is_some())
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

    /// Whether a patient's walk needs nothing beyond steps, waits, routes
    /// and attempts that respond fully or fail: no natural history, red
    /// flag, frailty, partial response, complication, relapse, procedural
    /// death, cap or economics. The walk of such a scenario is compiled
    /// without those features (`simulate::pathway`), with the same results.
    ///
    /// Every field of the scenario, its natural history, interventions and
    /// policies is named here, so a new field does not compile until it is
    /// classified: a feature of the walk, or not read by it.
    pub fn is_plain(&self) -> bool {
        let Scenario {
            // Not read by the walk, or read the same way by both walks.
            name: _,
            description: _,
            simulation: _,
            covariates: _,
            ranges: _,
            expected: _,
            beliefs: _,
            labels: _,
            // Features of the full walk.
            frailty,
            natural_history,
            interventions,
            policies,
            economics,
        } = self;
        let NaturalHistory {
            progression,
            resolution,
            permanent_deficit,
            mortality,
        } = natural_history;
        let plain_intervention = |iv: &Intervention| {
            let Intervention {
                // Walked alike by both: a response probability (with its
                // odds ratios), the recovery and failure times.
                name: _,
                label: _,
                level: _,
                fusion: _,
                response: _,
                full: _,
                partial: _,
                recovery_time: _,
                failure_time: _,
                key: _,
                // Valued only with [economics], which a plain scenario lacks.
                cost: _,
                qaly_loss: _,
                utility: _,
                // Features of the full walk.
                full_share,
                frailty_loading,
                complications,
                relapse,
                death,
                max_per_window,
            } = iv;
            *full_share == 1.0
                && *frailty_loading == 0.0
                && complications.is_empty()
                && relapse.is_none()
                && death.is_none()
                && max_per_window.is_none()
        };
        let plain_policy = |policy: &Policy| {
            let Policy {
                name: _,
                label: _,
                description: _,
                steps: _,
                relapse_to: _,
                red_flag,
            } = policy;
            red_flag.is_none()
        };
        progression.is_none()
            && resolution.is_none()
            && permanent_deficit.is_none()
            && mortality.is_none()
            && frailty.is_none()
            && economics.is_none()
            && interventions.iter().all(plain_intervention)
            && policies.iter().all(plain_policy)
    }

    /// One-way sensitivity ranges: (key path, low, high).
    pub fn ranges(&self) -> &[(String, f64, f64)] {
        &self.ranges
    }

    /// Labels of outcomes and parameters (`[labels]`).
    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// The numbers written as distributions of belief, in document order
    /// (the scenario holds their means).
    pub fn beliefs(&self) -> &[belief::Belief] {
        &self.beliefs
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

/// A cap on attempts of one intervention: an attempt is not started when
/// `count` attempts of it already started within the last `days` days of
/// the path (relapse re-entries included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowCap {
    pub count: u32,
    pub days: f64,
}

/// Shared responsiveness: u ~ Normal(0, sd) per patient, on the logit
/// scale of every response probability.
#[derive(Debug, Clone)]
pub struct Frailty {
    pub sd: f64,
    /// Normal(0, sd), drawn from the cohort stream after the covariates.
    pub dist: Dist,
}

/// `p` with `shift` added to its logit: `p e^s / (1 - p + p e^s)`, exact at
/// 0 and 1.
#[inline]
pub fn shift_logit(p: f64, shift: f64) -> f64 {
    let e = shift.exp();
    p * e / (1.0 - p + p * e)
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
    /// [`Probability::varies`], kept: it is asked at every attempt.
    varies: bool,
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
            varies: base > 0.0 && base < 1.0 && !odds_ratios.is_empty(),
            odds_ratios,
            base_odds: base / (1.0 - base),
        }
    }

    /// Whether the probability depends on the patient (else it is `base`).
    #[inline]
    pub fn varies(&self) -> bool {
        self.varies
    }

    /// The patient's probability.
    #[inline]
    pub fn for_patient(&self, x: &[f64]) -> f64 {
        if !self.varies() {
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
    /// The probability of any response (full or partial), adjusted per
    /// patient by odds ratios and frailty.
    pub response: Probability,
    /// The declared probabilities of a full and of a partial response (0
    /// if none).
    pub full: f64,
    pub partial: f64,
    /// The share of responses that are full: probability / (probability +
    /// partial), 1 without partial responses.
    pub full_share: f64,
    /// The weight of the patient's frailty on the logit of `response`; 0
    /// when the cohort declares no frailty.
    pub frailty_loading: f64,
    pub recovery_time: Dist,
    pub failure_time: Dist,
    pub complications: Vec<Complication>,
    pub relapse: Option<Relapse>,
    /// Death caused by an attempt, on the day it starts.
    pub death: Option<Probability>,
    /// At most this many attempts started in any window of this length.
    pub max_per_window: Option<WindowCap>,
    /// Cost per attempt (0 if none declared).
    pub cost: f64,
    /// One-off QALY loss per attempt.
    pub qaly_loss: f64,
    /// Utility while symptom-free after a recovery this intervention
    /// brought; `None`: the symptom-free state's.
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
    /// Cost and one-off QALY loss (0 if none declared).
    pub cost: f64,
    pub qaly_loss: f64,
}

#[derive(Debug, Clone)]
pub struct Relapse {
    pub probability: Probability,
    pub time: Dist,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    /// What charts and tables call it (the name unless labelled).
    pub label: String,
    pub description: Option<String>,
    pub steps: Vec<Step>,
    pub red_flag: Option<RedFlag>,
    /// Step index a relapse re-enters at; `None`: the step that brought the
    /// recovery.
    pub relapse_to: Option<usize>,
}

impl Policy {
    /// How many leading steps a path walks alike under `self` and `other`:
    /// a path of `self` that entered none of the later steps (and was not
    /// cut short) is `other`'s path too, the same draws from the same
    /// streams. `usize::MAX` when the two walk alike throughout; 0 when
    /// their relapse rules differ or only one has a red flag. Red flags
    /// that jump to different steps count up to `self`'s (a path that
    /// jumped entered it). (Names and the texts of conditions do not
    /// count.)
    ///
    /// Every field is named, so a new one does not compile until it is
    /// classified.
    pub fn shared_steps(&self, other: &Policy) -> usize {
        let Policy {
            name: _,
            label: _,
            description: _,
            steps,
            red_flag,
            relapse_to,
        } = self;
        let jumps = match (red_flag, &other.red_flag) {
            (None, None) => usize::MAX,
            (Some(RedFlag { jump_to, wait }), Some(b)) if *wait == b.wait => {
                if *jump_to == b.jump_to {
                    usize::MAX
                } else {
                    *jump_to
                }
            }
            _ => return 0,
        };
        if *relapse_to != other.relapse_to {
            return 0;
        }
        let alike = steps
            .iter()
            .zip(&other.steps)
            .take_while(|(a, b)| a.walks_like(b))
            .count();
        if alike == steps.len() && alike == other.steps.len() {
            jumps
        } else {
            alike.min(jumps)
        }
    }
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
    /// What a partial responder does.
    pub on_partial: OnPartial,
}

impl Step {
    /// Whether a patient is taken through this step as through `other`.
    ///
    /// Every field is named, so a new one does not compile until it is
    /// classified. Names and the texts of conditions do not change a walk.
    fn walks_like(&self, other: &Step) -> bool {
        let Step {
            name: _,
            intervention,
            attempts,
            wait,
            failure_time,
            skip_if,
            routes,
            on_partial,
        } = self;
        let same_routes = routes.len() == other.routes.len()
            && routes.iter().zip(&other.routes).all(|((_, a, to_a), (_, b, to_b))| a == b && to_a == to_b);
        *intervention == other.intervention
            && *attempts == other.attempts
            && *wait == other.wait
            && *failure_time == other.failure_time
            && skip_if.as_ref().map(|s| &s.1) == other.skip_if.as_ref().map(|s| &s.1)
            && same_routes
            && *on_partial == other.on_partial
    }
}

/// What a partial responder does at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnPartial {
    /// Accepts the relief: no further steps (natural history goes on).
    Stay,
    /// Goes on as after a failure, improved meanwhile.
    Continue,
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
    pub permanent_deficit: Option<PermanentDeficit>,
    pub mortality: Option<Mortality>,
}

/// Background mortality from the age at presentation (covariate `slot`,
/// in years) on.
#[derive(Debug, Clone, PartialEq)]
pub struct Mortality {
    pub slot: usize,
    pub hazard: Hazard,
}

/// A hazard of death by age in years, per year.
#[derive(Debug, Clone, PartialEq)]
pub enum Hazard {
    /// `h(a) = rate e^(shape a)`. The cumulative hazard over `y` years from
    /// age `a0` is `H(y) = rate e^(shape a0) (e^(shape y) - 1) / shape`
    /// (`rate e^(shape a0) y` when shape is 0).
    Gompertz { rate: f64, shape: f64 },
    /// Constant within age bands: `-ln(1 - q_k)` from `ages[k]` to
    /// `ages[k + 1]`, `q_k` the band's annual probability of death; the
    /// first band also covers younger ages, the last all older ones.
    LifeTable { ages: Vec<f64>, rates: Vec<f64> },
}

/// Days per year of age.
pub const DAYS_PER_YEAR: f64 = 365.25;

impl Mortality {
    /// The day of death of a patient aged `age` years at presentation whose
    /// cumulative hazard at death is `e` (an Exp(1) draw): `H(y) = e`
    /// solved for `y` years. Infinity when the hazard never gets there.
    pub fn death_day(&self, age: f64, e: f64) -> f64 {
        let years = match &self.hazard {
            Hazard::Gompertz { rate, shape } => {
                let at_entry = rate * (shape * age).exp();
                if at_entry <= 0.0 {
                    return f64::INFINITY;
                }
                if *shape == 0.0 {
                    e / at_entry
                } else {
                    // y = ln(1 + e shape / (rate e^(shape a0))) / shape
                    (e * shape / at_entry).ln_1p() / shape
                }
            }
            Hazard::LifeTable { ages, rates } => {
                let mut left = e;
                let mut years = 0.0;
                let mut at = age;
                let first = ages.partition_point(|&a| a <= age).saturating_sub(1);
                let mut found = f64::INFINITY;
                for (k, &rate) in rates.iter().enumerate().skip(first) {
                    let span = ages.get(k + 1).map_or(f64::INFINITY, |&next| next - at);
                    let used = if rate > 0.0 { rate * span } else { 0.0 };
                    if rate > 0.0 && used >= left {
                        found = years + left / rate;
                        break;
                    }
                    left -= used;
                    years += span;
                    at += span;
                }
                found
            }
        };
        if years.is_nan() {
            f64::INFINITY
        } else {
            years * DAYS_PER_YEAR
        }
    }

    /// The probability of surviving `days` from presentation at age `age`:
    /// `exp(-H)` over `days / 365.25` years.
    pub fn survival(&self, age: f64, days: f64) -> f64 {
        let y = days / DAYS_PER_YEAR;
        let h = match &self.hazard {
            Hazard::Gompertz { rate, shape } => {
                let at_entry = rate * (shape * age).exp();
                if *shape == 0.0 {
                    at_entry * y
                } else {
                    at_entry * (shape * y).exp_m1() / shape
                }
            }
            Hazard::LifeTable { ages, rates } => {
                let first = ages.partition_point(|&a| a <= age).saturating_sub(1);
                let (mut h, mut at, end) = (0.0, age, age + y);
                for (k, &rate) in rates.iter().enumerate().skip(first) {
                    let next = ages.get(k + 1).copied().unwrap_or(f64::INFINITY).min(end);
                    if next > at {
                        h += rate * (next - at);
                        at = next;
                    }
                }
                h
            }
        };
        (-h).exp()
    }
}

/// Harm of delay: the deficit covariate at `slot` becomes permanent with
/// probability `logit p = logit p0 + (d / 7) ln(OR per week)`, d the days
/// from its onset to the start of decompression (the horizon if none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PermanentDeficit {
    pub slot: usize,
    /// p0: the probability at zero delay.
    pub probability: f64,
    pub odds_ratio_per_week: f64,
}

impl PermanentDeficit {
    /// The probability after `days` of delay.
    pub fn probability_after(&self, days: f64) -> f64 {
        shift_logit(self.probability, days / 7.0 * self.odds_ratio_per_week.ln())
    }
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

pub use economics::Economics;

impl Scenario {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The day of death inverts the survival function: a patient whose
    /// cumulative hazard at death is `e` survives to the day before with
    /// probability exp(-e).
    #[test]
    fn death_day_inverts_survival() {
        let hazards = [
            Hazard::Gompertz {
                rate: 2e-5,
                shape: 0.09,
            },
            Hazard::Gompertz { rate: 0.2, shape: 0.0 },
            Hazard::LifeTable {
                ages: vec![0.0, 70.0, 80.0],
                rates: [0.01f64, 0.05, 0.2].iter().map(|q| -(-q).ln_1p()).collect(),
            },
        ];
        for hazard in hazards {
            let m = Mortality { slot: 0, hazard };
            for age in [45.0, 69.5, 79.9, 85.0] {
                for e in [1e-4, 0.05, 0.7, 3.0] {
                    let day = m.death_day(age, e);
                    assert!(day.is_finite() && day > 0.0, "{m:?} {age} {e}");
                    let s = m.survival(age, day);
                    assert!((s - (-e).exp()).abs() < 1e-12, "{m:?} age {age} e {e}: {s}");
                }
            }
        }
        // A band with q = 1 kills on entering it; a zero hazard never.
        let certain = Mortality {
            slot: 0,
            hazard: Hazard::LifeTable {
                ages: vec![0.0, 70.0],
                rates: vec![0.0, f64::INFINITY],
            },
        };
        assert_eq!(certain.death_day(69.0, 5.0), DAYS_PER_YEAR);
        let never = Mortality {
            slot: 0,
            hazard: Hazard::LifeTable {
                ages: vec![0.0],
                rates: vec![0.0],
            },
        };
        assert_eq!(never.death_day(69.0, 0.1), f64::INFINITY);
    }
}
