//! What a run's charts draw, and nothing else: every number here is a
//! cell of the run's CSV files (curves.csv, pathway.csv,
//! time_to_recovery.csv, comparison.csv, recovery_difference.csv,
//! subgroup_differences.csv), and the scenario name and horizon are in
//! manifest.json. `foramen run` writes the tables, reads them back into a
//! [`RunCharts`] and draws from it; `foramen plot` reads the same files,
//! so both draw the same pictures.

use crate::estimate::summary::{Bin, Curve, PathwayCounts};

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
}

/// One policy's curves, pathway counts and time to recovery.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyCharts {
    pub name: String,
    /// Curves by their name in curves.csv: `recovered`, `symptom_free`,
    /// `surgery_free` and the health states.
    pub curves: Vec<(String, Curve)>,
    /// Patients by deepest level reached (none, conservative, minimally
    /// invasive, surgical) and status at the horizon (symptom-free, not).
    pub pathway: PathwayCounts,
    /// Days to first recovery among the recovered, in weekly bins.
    pub recovery_weeks: Vec<Bin>,
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
