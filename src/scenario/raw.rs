//! The serde mirror of a scenario file, exactly as written: the whole
//! file and the parts no concept module owns (`[labels]`, `[[expected]]`,
//! a distribution as written); each concept module (cohort,
//! natural_history, intervention, policy, economics) keeps its section's
//! mirror, re-exported here.
//!
//! Every struct denies unknown fields, so a misspelt key is an error that
//! names the key and the allowed ones. Nothing here is checked beyond its
//! TOML type: [`super::Scenario::from_raw`] turns it into validated types.

use serde::Deserialize;

pub use super::cohort::{RawCohort, RawCovariate, RawFrailty, RawSimulation};
pub use super::dist::RawDist;
pub use super::economics::{RawAdjustment, RawEconomics, RawStateValues};
pub use super::intervention::{
    RawComplication, RawEventChance, RawIntervention, RawOddsRatio, RawRelapse, RawResponse, RawWindowCap,
};
pub use super::natural_history::{
    RawLifeTable, RawMortality, RawNaturalHistory, RawPermanentDeficit, RawProgression, RawResolution,
};
pub use super::policy::{RawPolicy, RawRedFlag, RawRoute, RawStep};
pub use super::variants::RawVariant;

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
    /// Distributions of belief drawn together (`scenario::joint`).
    #[serde(default)]
    pub joint_beliefs: Vec<super::joint::RawJointBelief>,
    /// Words for charts and tables in place of names and key paths.
    #[serde(default)]
    pub labels: RawLabels,
    /// Structural variants: named alternative assumptions (`foramen variants`).
    #[serde(default)]
    pub variants: Vec<RawVariant>,
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
