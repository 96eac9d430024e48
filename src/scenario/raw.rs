//! The serde mirror of a scenario file, exactly as written.
//!
//! Every struct denies unknown fields, so a misspelt key is an error that
//! names the key and the allowed ones. Nothing here is checked beyond its
//! TOML type: [`super::Scenario::from_raw`] turns it into validated types.

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Short identifier used in output directory names.
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub simulation: RawSimulation,
    /// Absent: a cohort without covariates.
    #[serde(default)]
    pub cohort: RawCohort,
    #[serde(default)]
    pub natural_history: RawNaturalHistory,
    pub interventions: Vec<RawIntervention>,
    pub policies: Vec<RawPolicy>,
    #[serde(default)]
    pub economics: Option<RawEconomics>,
    /// Plausible ranges for one-way sensitivity analysis: key path ->
    /// `[low, high]`.
    #[serde(default)]
    pub ranges: std::collections::BTreeMap<String, [f64; 2]>,
    /// Exact answers, for validation scenarios (`foramen verify`).
    #[serde(default)]
    pub expected: Vec<RawExpected>,
    /// Words for charts and tables in place of names and key paths.
    #[serde(default)]
    pub labels: RawLabels,
}

/// `[labels]`: what charts and tables call outcomes and parameters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLabels {
    /// Outcome name (a summary.csv column) -> label.
    #[serde(default)]
    pub outcomes: std::collections::BTreeMap<String, String>,
    /// Key path of a `[ranges]` entry or of a distribution of belief ->
    /// label.
    #[serde(default)]
    pub parameters: std::collections::BTreeMap<String, String>,
}

/// An exact value the simulation should reproduce.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpected {
    pub policy: String,
    /// A column of summary.csv, or `recovered_by_day` with `day`.
    pub outcome: String,
    #[serde(default)]
    pub day: Option<f64>,
    pub value: f64,
    /// How the value was derived.
    pub derivation: String,
}

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

/// A distribution of a duration or a continuous value.
///
/// `family` picks the family; the other fields are its parameters, in one of
/// the parameterisations listed in docs/scenario.md.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    pub family: String,
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default)]
    pub low: Option<f64>,
    #[serde(default)]
    pub high: Option<f64>,
    #[serde(default)]
    pub mean: Option<f64>,
    #[serde(default)]
    pub sd: Option<f64>,
    #[serde(default)]
    pub mu: Option<f64>,
    #[serde(default)]
    pub sigma: Option<f64>,
    #[serde(default)]
    pub median: Option<f64>,
    #[serde(default)]
    pub p90: Option<f64>,
    #[serde(default)]
    pub shape: Option<f64>,
    #[serde(default)]
    pub scale: Option<f64>,
    #[serde(default)]
    pub rate: Option<f64>,
    /// `"days"` (default) or `"weeks"`.
    #[serde(default)]
    pub unit: Option<String>,
    /// `[lower, upper]` bounds; the distribution is conditioned on them.
    #[serde(default)]
    pub truncate: Option<[f64; 2]>,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNaturalHistory {
    #[serde(default)]
    pub progression: Option<RawProgression>,
    #[serde(default)]
    pub resolution: Option<RawResolution>,
    #[serde(default)]
    pub permanent_deficit: Option<RawPermanentDeficit>,
    #[serde(default)]
    pub mortality: Option<RawMortality>,
}

/// Background mortality from the age covariate at presentation on: a
/// Gompertz hazard in years of age, `h(a) = rate x exp(shape x a)` per
/// year, or a life table of annual probabilities of death by age band.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMortality {
    /// The continuous covariate that is the age in years at presentation.
    pub age: String,
    /// Gompertz: the hazard per year at age 0.
    #[serde(default)]
    pub rate: Option<f64>,
    /// Gompertz: its growth per year of age (0: a constant hazard).
    #[serde(default)]
    pub shape: Option<f64>,
    /// A life table instead of `rate` and `shape`.
    #[serde(default)]
    pub life_table: Option<RawLifeTable>,
    #[serde(default)]
    pub source: Option<String>,
}

/// `life_table = { ages = [0, 60, 70, 80], annual = [...] }`: the annual
/// probability of death from each age on (the first band also covers
/// younger ages, the last every older one).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLifeTable {
    pub ages: Vec<f64>,
    pub annual: Vec<f64>,
}

/// Harm of delay: a deficit (a boolean covariate) becomes permanent with a
/// probability that grows with the weeks from its onset to the start of
/// decompression.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPermanentDeficit {
    /// The boolean covariate that is the deficit (true at baseline, or set
    /// by progression).
    pub covariate: String,
    /// The probability at zero delay.
    pub probability: f64,
    /// The odds ratio of each week of delay.
    pub odds_ratio_per_week: f64,
    #[serde(default)]
    pub source: Option<String>,
}

/// Neurological progression: a boolean covariate becomes true at a random
/// time while the patient is symptomatic; this is the red flag.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProgression {
    /// Boolean covariate set to true on progression.
    pub sets: String,
    pub time: RawDist,
    /// Only patients meeting this condition can progress.
    #[serde(default, rename = "if")]
    pub condition: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

/// Spontaneous resolution of symptoms, competing with treatment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResolution {
    pub time: RawDist,
    #[serde(default, rename = "if")]
    pub condition: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIntervention {
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    /// `"conservative"`, `"minimally_invasive"` or `"surgical"`.
    pub level: String,
    #[serde(default)]
    pub fusion: bool,
    pub response: RawResponse,
    /// Days from the start of the attempt to recovery, for responders.
    pub recovery_time: RawDist,
    /// Days from the start of the attempt to the declaration of failure.
    pub failure_time: RawDist,
    #[serde(default)]
    pub complications: Vec<RawComplication>,
    #[serde(default)]
    pub relapse: Option<RawRelapse>,
    /// Death caused by an attempt (on the day it starts).
    #[serde(default)]
    pub death: Option<RawEventChance>,
    /// At most `count` attempts started in any `days` days of a path.
    #[serde(default)]
    pub max_per_window: Option<RawWindowCap>,
    /// Cost per attempt, charged on the day it starts.
    #[serde(default)]
    pub cost: Option<f64>,
    /// One-off QALY loss per attempt (the procedure's disutility).
    #[serde(default)]
    pub qaly_loss: Option<f64>,
    /// Utility while symptom-free after a recovery this intervention
    /// brought (instead of `economics.utility.symptom_free`).
    #[serde(default)]
    pub utility: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

/// `max_per_window = { count = 3, days = 365 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindowCap {
    pub count: u32,
    pub days: f64,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResponse {
    /// The probability of a full response.
    pub probability: f64,
    /// The probability of a partial response (relief short of recovery).
    #[serde(default)]
    pub partial: Option<f64>,
    #[serde(default)]
    pub odds_ratios: Vec<RawOddsRatio>,
    /// How strongly the patient's frailty moves this response's logit
    /// (default 1 when `[cohort.frailty]` is declared).
    #[serde(default)]
    pub frailty_loading: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

/// Multiplies the odds of an event for patients meeting a condition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOddsRatio {
    #[serde(rename = "if")]
    pub condition: String,
    #[serde(rename = "or")]
    pub odds_ratio: f64,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComplication {
    pub name: String,
    pub probability: f64,
    #[serde(default)]
    pub odds_ratios: Vec<RawOddsRatio>,
    /// Extra days added to the end of the attempt.
    #[serde(default)]
    pub delay: Option<RawDist>,
    /// Whether the complication makes the attempt fail.
    #[serde(default)]
    pub fails_attempt: bool,
    /// Cost of the complication, charged on the day the attempt starts.
    #[serde(default)]
    pub cost: Option<f64>,
    /// One-off QALY loss of the complication.
    #[serde(default)]
    pub qaly_loss: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

/// The chance of an event per attempt, with odds ratios.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEventChance {
    pub probability: f64,
    #[serde(default)]
    pub odds_ratios: Vec<RawOddsRatio>,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRelapse {
    pub probability: f64,
    #[serde(default)]
    pub odds_ratios: Vec<RawOddsRatio>,
    /// Days from recovery to relapse.
    pub time: RawDist,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub name: String,
    /// What charts and tables call it (default: the name).
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub steps: Vec<RawStep>,
    #[serde(default)]
    pub red_flag: Option<RawRedFlag>,
    /// Step a relapsed patient re-enters at; by default the step that
    /// brought the recovery.
    #[serde(default)]
    pub relapse_to: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// Step name (defaults to the intervention name).
    #[serde(default)]
    pub name: Option<String>,
    pub intervention: String,
    #[serde(default = "one")]
    pub attempts: u32,
    /// Waiting time before the step starts.
    #[serde(default)]
    pub wait: Option<RawDist>,
    /// How long this step waits for a response before declaring failure;
    /// overrides the intervention's `failure_time` (e.g. a longer trial).
    #[serde(default)]
    pub failure_time: Option<RawDist>,
    /// Patients meeting this condition skip the step.
    #[serde(default)]
    pub skip_if: Option<String>,
    #[serde(default)]
    pub route: Vec<RawRoute>,
    /// What a partial responder does: `"stay"` (default) or `"continue"`.
    #[serde(default)]
    pub on_partial: Option<String>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    #[serde(rename = "if")]
    pub condition: String,
    pub to: String,
}

/// Progression while symptomatic in a non-surgical step interrupts it and
/// jumps to `jump_to` after `wait`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedFlag {
    pub jump_to: String,
    #[serde(default)]
    pub wait: Option<RawDist>,
}

/// `[economics]`: utilities and costs of the health states, discounting,
/// and the willingness-to-pay values of the incremental analysis.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEconomics {
    #[serde(default)]
    pub currency: Option<String>,
    /// Whose costs count (a label: "health care payer", "societal").
    #[serde(default)]
    pub perspective: Option<String>,
    /// Annual discount rate of costs and effects alike.
    #[serde(default)]
    pub discount_rate: Option<f64>,
    /// Annual discount rates of costs and of effects, when they differ.
    #[serde(default)]
    pub discount_costs: Option<f64>,
    #[serde(default)]
    pub discount_effects: Option<f64>,
    /// Utility per health state (1 = full health, 0 = dead).
    #[serde(default)]
    pub utility: Option<RawStateValues>,
    /// Additive utility adjustments for patients meeting a condition.
    #[serde(default)]
    pub utility_adjustments: Vec<RawAdjustment>,
    /// Cost per day in each health state.
    #[serde(default)]
    pub daily_cost: Option<RawStateValues>,
    /// Cost of a death, charged on its day.
    #[serde(default)]
    pub death_cost: Option<f64>,
    /// Willingness-to-pay values (currency per QALY) of the net monetary
    /// benefit.
    #[serde(default)]
    pub willingness_to_pay: Vec<f64>,
    /// Moved to `utility.symptomatic` (kept to say so).
    #[serde(default)]
    pub utility_symptomatic: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

/// A number per health state alive (`dead` is 0 by definition).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStateValues {
    #[serde(default)]
    pub symptomatic: Option<f64>,
    #[serde(default)]
    pub improved: Option<f64>,
    #[serde(default)]
    pub recovering: Option<f64>,
    #[serde(default)]
    pub symptom_free: Option<f64>,
    #[serde(default)]
    pub residual_deficit: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

/// `{ if = "age >= 65", add = -0.05 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdjustment {
    #[serde(rename = "if")]
    pub condition: String,
    pub add: f64,
    #[serde(default)]
    pub source: Option<String>,
}
