//! A validated scenario: the only form of a scenario the engine sees.
//!
//! [`document::Document::parse`] reads TOML text once into the serde mirror
//! in [`raw`]; [`document::Document::scenario`] applies command-line
//! overrides and converts it with [`Scenario::from_raw`], checking every
//! rule. Each problem becomes an [`crate::error::Invalid`]
//! naming the file, the key path, the value and what is allowed. Nothing
//! here reads files.

pub mod belief;
pub mod cohort;
pub mod cond;
pub mod dist;
pub mod document;
pub mod economics;
pub mod extends;
pub mod inputs;
pub mod intervention;
pub mod joint;
pub mod natural_history;
pub mod paths;
pub mod policy;
pub mod raw;
mod rules;
pub mod targets;
pub mod unused;
mod validate;
pub mod variants;

use cond::Slot;

pub(crate) use cohort::covariates;
pub use cohort::{Covariate, CovariateKind, Frailty, Simulation, check_horizon, check_patients, subgroup_covariate};
pub use economics::Economics;
pub use intervention::{Complication, Intervention, Level, OddsRatio, Probability, Relapse, WindowCap, shift_logit};
pub use natural_history::{
    DAYS_PER_YEAR, Hazard, Mortality, NaturalHistory, PermanentDeficit, Progression, Resolution,
};
pub use policy::{Difference, OnPartial, Policy, RedFlag, Step};
pub(crate) use rules::label;
pub(crate) use validate::ranges;

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

/// The most policies a scenario compares: every table and chart has a row
/// or a line per policy, and the paired comparisons and cost-effectiveness
/// cross-products grow with their square.
pub const MAX_POLICIES: usize = 256;
/// The most interventions a scenario declares.
pub const MAX_INTERVENTIONS: usize = 256;

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
    /// Beliefs drawn together (`[[joint_beliefs]]`).
    joint_beliefs: Vec<joint::JointBelief>,
    /// Labels of outcomes and parameters.
    labels: Labels,
    /// What no path can use (warnings).
    unused: Vec<unused::Unused>,
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
            joint_beliefs: _,
            labels: _,
            unused: _,
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
                extends: _,
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

    /// The beliefs drawn together (`[[joint_beliefs]]`): each one's name
    /// and member key paths (and indices into [`Scenario::beliefs`]).
    pub fn joint_beliefs(&self) -> &[joint::JointBelief] {
        &self.joint_beliefs
    }

    /// The parameters no path can use, with why (warnings: the scenario is
    /// valid).
    pub fn unused(&self) -> &[unused::Unused] {
        &self.unused
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
