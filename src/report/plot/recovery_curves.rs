//! The curves of each policy over time: `recovery_curves`, `symptom_free`
//! and `surgery_free`.

use super::chart::*;
use super::lines::*;
use crate::estimate::RunResults;
use crate::estimate::summary::{Curve, Curves};

/// A chart of one curve per policy, with 95% bands, over the horizon.
fn per_policy(results: &RunResults, title: &str, y_desc: &str, curve: fn(&Curves) -> &Curve) -> Lines {
    Lines {
        title: format!("{title} by policy (95% bands), {}", results.scenario),
        x_desc: "Days since presentation".into(),
        y_desc: y_desc.into(),
        x: 0.0..horizon(results),
        y: 0.0..1.0,
        percent: true,
        zero_line: false,
        discrete_x: false,
        series: results
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| Series::curve(&p.name, colour(i), curve(&p.curves)))
            .collect(),
        note: None,
    }
}

/// The `recovery_curves` chart: cumulative recovery (1 - Kaplan-Meier, or
/// the Aalen-Johansen cumulative incidence with death competing).
pub(super) fn recovery_curves(results: &RunResults) -> Lines {
    per_policy(results, "Cumulative recovery", "Recovered (cumulative share)", |c| {
        &c.recovered
    })
}

/// The `symptom_free` chart: the share symptom-free on each day (relapses
/// bring it down again).
pub(super) fn symptom_free(results: &RunResults) -> Lines {
    per_policy(results, "Symptom-free", "Symptom-free (share on the day)", |c| {
        &c.symptom_free
    })
}

/// The `surgery_free` chart: the share not yet operated on (Kaplan-Meier).
pub(super) fn surgery_free(results: &RunResults) -> Lines {
    per_policy(results, "Not yet operated on", "Surgery-free (share)", |c| {
        &c.surgery_free
    })
}
