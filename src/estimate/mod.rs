//! Plain-number results of a run: what tables, charts and analyses are made
//! from. [`results`] turns a run's exact accumulators into each policy's
//! estimates ([`summary`]) and the paired comparisons with the reference
//! policy ([`compare`]), and with `[economics]` the incremental
//! cost-effectiveness analysis ([`cea`]). Nothing here knows polars, plotters or files.

pub mod cea;
pub mod compare;
pub mod diff;
pub mod evppi;
pub mod fit;
pub mod linalg;
pub mod psa;
pub mod summary;
pub mod targets;

use crate::accumulate::PolicyAcc;
use crate::outcome::{N, OUTCOMES, OutcomeDef};
use crate::scenario::Scenario;

pub use summary::{GroupSummary, PolicyResults};

/// Everything a run produces, ready for tables and plots.
#[derive(Debug, Clone)]
pub struct RunResults {
    pub scenario: String,
    pub horizon_days: f64,
    /// Covariates the subgroup table is split by.
    pub subgroup_by: Vec<String>,
    pub policies: Vec<PolicyResults>,
    /// Index of the reference policy for comparisons.
    pub reference: usize,
    /// Each other policy against the reference (empty with one policy).
    pub comparisons: Vec<compare::Comparison>,
    /// The incremental cost-effectiveness analysis (with `[economics]`).
    pub cea: Option<cea::Cea>,
    /// Per outcome of [`OUTCOMES`]: whether the scenario declares what it
    /// needs (outputs leave the others out).
    pub shown: [bool; N],
}

impl RunResults {
    /// Whether outputs report `outcome`.
    pub fn shows(&self, outcome: &OutcomeDef) -> bool {
        self.shown[outcome.id as usize]
    }

    /// The outcomes outputs report, in column order.
    pub fn outcomes(&self) -> impl Iterator<Item = &'static OutcomeDef> + '_ {
        OUTCOMES.iter().filter(|o| self.shows(o))
    }
}

/// The results of a run from its accumulators (one per policy, in scenario
/// order), the names of the `--by` covariates and the labels of the
/// subgroups, compared with policy `reference`.
pub fn results(
    scenario: &Scenario,
    accs: &[PolicyAcc],
    subgroup_by: &[String],
    subgroups: &[Vec<String>],
    reference: usize,
) -> RunResults {
    let policies = summary::policies(scenario, accs, subgroup_by, subgroups);
    let comparisons = compare::compare(&policies, reference, accs, subgroups);
    let names: Vec<String> = scenario.policies().iter().map(|p| p.name.clone()).collect();
    let cea = scenario
        .economics()
        .and_then(|e| cea::analyse(accs, &names, reference, &e.currency, &e.willingness_to_pay));
    RunResults {
        cea,
        scenario: scenario.name().to_string(),
        horizon_days: scenario.simulation().horizon_days,
        subgroup_by: subgroup_by.to_vec(),
        policies,
        reference,
        comparisons,
        shown: std::array::from_fn(|k| scenario.provides(OUTCOMES[k].requires)),
    }
}
