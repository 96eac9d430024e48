//! What a run's charts draw, and nothing else: every number here is a
//! cell of the run's CSV files (curves.csv, pathway.csv,
//! time_to_recovery.csv, at_risk.csv, comparison.csv, recovery_difference.csv,
//! subgroup_differences.csv), and the scenario name and horizon are in
//! manifest.json. `foramen run` writes the tables, reads them back into a
//! [`RunCharts`] and draws from it; `foramen plot` reads the same files,
//! so both draw the same pictures.

use std::collections::BTreeMap;

use crate::estimate::summary::{Bin, Curve, PathwayCounts};
use crate::outcome::OutcomeDef;

/// The data of every chart of a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunCharts {
    /// The scenario's name (in every title).
    pub scenario: String,
    /// The horizon in days (the end of every time axis).
    pub horizon_days: f64,
    /// In scenario order (a policy's colour is its place here).
    pub policies: Vec<PolicyCharts>,
    /// Each policy but the reference against it (empty with one policy).
    pub comparisons: Vec<ComparisonCharts>,
    /// Whether the run was split by subgroups (then there are subgroup
    /// forest plots, empty or not).
    pub by_subgroup: bool,
    /// What the charts call policies, outcomes and subgroups (labels.csv).
    pub labels: ChartLabels,
    /// Patients per subgroup (subgroups.csv, the first policy's rows: with
    /// common random numbers every policy has the same), when split.
    pub subgroup_patients: Vec<(String, u64)>,
}

/// What charts call the things of a run, from its labels.csv (the
/// scenario's `label`s): a policy, covariate or outcome without one is
/// called by its name (an outcome by its built-in words).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChartLabels {
    /// `(kind, name)` -> label; kinds as in labels.csv: `policy`,
    /// `covariate`, `level` (named `covariate=value`), `outcome`,
    /// `parameter`; and `unit`, a parameter's unit (for sweeps and
    /// sensitivity analyses, from the scenario).
    map: BTreeMap<(String, String), String>,
}

impl ChartLabels {
    /// Adds the label of the `kind` called `name`.
    pub fn insert(&mut self, kind: &str, name: &str, label: &str) {
        self.map.insert((kind.to_string(), name.to_string()), label.to_string());
    }

    fn get<'a>(&'a self, kind: &str, name: &'a str) -> &'a str {
        self.map
            .get(&(kind.to_string(), name.to_string()))
            .map_or(name, String::as_str)
    }

    /// The label of a policy.
    pub fn policy<'a>(&'a self, name: &'a str) -> &'a str {
        self.get("policy", name)
    }

    /// The label of an outcome: the scenario's, or the built-in words.
    pub fn outcome<'a>(&'a self, def: &'a OutcomeDef) -> &'a str {
        self.map
            .get(&("outcome".to_string(), def.name.to_string()))
            .map_or(def.label, String::as_str)
    }

    /// The label of a parameter (a key path).
    pub fn parameter<'a>(&'a self, path: &'a str) -> &'a str {
        self.get("parameter", path)
    }

    /// A parameter's label with its unit (kind `unit`: the unit written
    /// beside it in the scenario) in brackets, unless the label says it.
    pub fn parameter_with_unit(&self, path: &str) -> String {
        let label = self.parameter(path);
        match self.map.get(&("unit".to_string(), path.to_string())) {
            Some(unit) if !label.contains(unit.as_str()) => format!("{label} ({unit})"),
            _ => label.to_string(),
        }
    }

    /// A subgroup as subgroups.csv names it (`region=lumbar,
    /// grade=severe`), in labels (`Region: lumbar, Stenosis grade:
    /// severe`); parts not of that form are kept as they are. A level
    /// may itself hold ", " (`site=L4-L5, L5-S1`): a new part begins only
    /// at a known covariate's `name=` (at any `name=` without labels).
    pub fn subgroup(&self, subgroup: &str) -> String {
        let known = |covariate: &str| self.map.contains_key(&("covariate".to_string(), covariate.to_string()));
        let any_known = self.map.keys().any(|(kind, _)| kind == "covariate");
        let mut parts: Vec<String> = Vec::new();
        for piece in subgroup.split(", ") {
            let begins = piece
                .split_once('=')
                .is_some_and(|(covariate, _)| !any_known || known(covariate));
            match parts.last_mut() {
                Some(last) if !begins => {
                    last.push_str(", ");
                    last.push_str(piece);
                }
                _ => parts.push(piece.to_string()),
            }
        }
        parts
            .iter()
            .map(|part| match part.split_once('=') {
                Some((covariate, value)) => {
                    let level = self.map.get(&("level".to_string(), part.clone()));
                    format!(
                        "{}: {}",
                        self.get("covariate", covariate),
                        level.map_or(value, String::as_str)
                    )
                }
                None => part.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One policy's curves, pathway counts and time to recovery.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyCharts {
    pub name: String,
    /// Patients simulated under the policy (summary.csv).
    pub patients: u64,
    /// Curves by their name in curves.csv: `recovered`, `symptom_free`,
    /// `surgery_free` and the health states.
    pub curves: Vec<(String, Curve)>,
    /// Patients by deepest level reached (none, conservative, minimally
    /// invasive, surgical) and status at the horizon (symptom-free, not).
    pub pathway: PathwayCounts,
    /// Days to first recovery among the recovered, in weekly bins.
    pub recovery_weeks: Vec<Bin>,
    /// `(day, patients)` at risk of a first recovery on each whole day
    /// (at_risk.csv; empty for runs made before it).
    pub at_risk: Vec<(f64, u64)>,
}

impl PolicyCharts {
    /// Patients at risk on `day`, if at_risk.csv has that day.
    pub fn at_risk_on(&self, day: f64) -> Option<u64> {
        self.at_risk.iter().find(|(d, _)| *d == day).map(|&(_, n)| n)
    }
}

impl PolicyCharts {
    /// The curve called `name` (as in curves.csv), if the run has it.
    pub fn curve(&self, name: &str) -> Option<&Curve> {
        self.curves.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }
}

/// A policy against the reference.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComparisonCharts {
    pub policy: String,
    pub reference: String,
    /// One per outcome of comparison.csv, in its order.
    pub differences: Vec<Contrast>,
    /// The difference in cumulative recovery on the day grid, paired band.
    pub recovered_difference: Curve,
    /// Per subgroup (its label), the differences within it.
    pub subgroups: Vec<(String, Vec<Contrast>)>,
}

/// One outcome's difference from the reference, in its own unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contrast {
    /// The outcome's name (a column of summary.csv).
    pub outcome: &'static str,
    pub difference: f64,
    /// The paired 95% interval (NaN where not available).
    pub paired: (f64, f64),
    pub unpaired: (f64, f64),
}

/// The data of the charts of a probabilistic analysis (`foramen psa`),
/// read back from its tables: psa_curves.csv, psa_parameters.csv and,
/// with economics, ceac.csv, evpi.csv, psa_cost.csv, psa_effect.csv,
/// importance.csv and evppi.csv; the currency and the willingness-to-pay
/// values from the scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PsaCharts {
    /// In scenario order (a policy's colour is its place here).
    pub policies: Vec<String>,
    /// How many draws the analysis made.
    pub draws: usize,
    /// Per policy, the cumulative share recovered: the mean over draws
    /// (`value`) and the band of 95% of draws.
    pub recovery: Vec<Curve>,
    pub economics: Option<PsaEconomicsCharts>,
    /// The EVPPI of every parameter and group (evppi.csv; empty without).
    pub evppi: Vec<EvppiGroup>,
    pub labels: ChartLabels,
}

/// What the economic charts of a probabilistic analysis draw.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PsaEconomicsCharts {
    pub currency: String,
    /// The policy incremental values are taken against.
    pub reference: usize,
    /// The willingness-to-pay grid, and at each value each policy's
    /// probability of being cost-effective, the optimal policy (highest
    /// expected net benefit) and the EVPI per patient.
    pub wtp: Vec<f64>,
    pub probability: Vec<Vec<f64>>,
    pub optimal: Vec<usize>,
    pub evpi: Vec<f64>,
    /// The scenario's own willingness-to-pay values.
    pub scenario_wtp: Vec<f64>,
    /// Per draw and policy: mean cost and mean QALYs.
    pub cost: Vec<Vec<f64>>,
    pub effect: Vec<Vec<f64>>,
    /// The willingness to pay importance is measured at; the parameters'
    /// key paths and per parameter and policy the partial rank correlation
    /// with incremental net benefit (`None` for the reference).
    pub importance_wtp: f64,
    pub parameters: Vec<String>,
    pub importance: Vec<Vec<Option<f64>>>,
}

/// One parameter's or group's EVPPI (rows of evppi.csv).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EvppiGroup {
    /// A parameter's key path or the group's name.
    pub name: String,
    pub parameters: Vec<String>,
    /// Whether this is the binned cross-check (else the main estimate).
    pub binned: bool,
    /// Whether a named group (else one parameter alone).
    pub named: bool,
    /// Per value of the willingness-to-pay grid.
    pub grid: Vec<f64>,
    /// Per scenario value: the willingness to pay, EVPPI, its standard
    /// error and the EVPI.
    pub at_scenario: Vec<(f64, f64, Option<f64>, f64)>,
}

/// One row of `foramen bench`'s scaling chart (bench.csv): a cohort size
/// and thread count, and the simulation's and its draws-only baseline's
/// patient-paths per second.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ScalingPoint {
    pub patients: u64,
    pub threads: u64,
    pub paths_per_second: f64,
    pub baseline_paths_per_second: f64,
}

/// The data of a sweep's charts, every number a cell of its sweep.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepCharts {
    /// The key path swept.
    pub parameter: String,
    /// Its value in the scenario, marked on the axis (from the scenario,
    /// not the table).
    pub base: Option<f64>,
    /// The values run, in order.
    pub values: Vec<f64>,
    /// In scenario order (a policy's colour is its place here).
    pub policies: Vec<String>,
    /// Each outcome charted with its estimates, `[policy][value]`.
    pub outcomes: Vec<(&'static OutcomeDef, Vec<Vec<crate::stats::Estimate>>)>,
}

/// One case of `foramen variants` (the base or a variant) as its row of
/// the decision chart draws it, every number a cell of variants.csv or
/// decision.csv.
#[derive(Debug, Clone)]
pub struct DecisionCase {
    /// `base` or the variant's name.
    pub name: String,
    pub label: String,
    /// The case's policies in its scenario's order.
    pub policies: Vec<String>,
    /// The cost-effectiveness frontier in order of cost, each policy with
    /// its ICER against the previous one.
    pub frontier: Vec<(String, f64)>,
    /// At each of the base's willingness-to-pay values.
    pub decisions: Vec<crate::analysis::variants::Decision>,
}

/// A target as the targets chart draws it, every field a cell of a
/// targets table (targets.csv, targets_before.csv, targets_after.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    pub label: String,
    pub source: String,
    pub independent: bool,
    pub holdout: bool,
    pub weight: f64,
    /// Its panel and unit.
    pub measure: crate::scenario::targets::Measure,
    pub published: f64,
    /// The published band.
    pub lo: f64,
    pub hi: f64,
}

impl crate::estimate::targets::Counted for TargetRow {
    fn weight(&self) -> f64 {
        self.weight
    }
    fn independent(&self) -> bool {
        self.independent
    }
}
