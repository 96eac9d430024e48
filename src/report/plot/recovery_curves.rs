//! The curves of each policy over time: `recovery_curves`, `symptom_free`
//! and `surgery_free`.

use super::chart::*;
use super::data::RunCharts;
use super::lines::*;
use crate::estimate::summary::Curve;

/// A chart of one curve per policy (`curve`, as named in curves.csv), with
/// 95% bands, over the horizon.
fn per_policy(run: &RunCharts, title: &str, y_desc: &str, curve: &str) -> Lines {
    Lines {
        title: format!("{title} by policy (95% bands), {}", run.scenario),
        x_desc: "Days since presentation".into(),
        y_desc: y_desc.into(),
        x: 0.0..horizon_end(run.horizon_days),
        y: 0.0..1.0,
        percent: true,
        zero_line: false,
        discrete_x: false,
        series: run
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let name = run.labels.policy(&p.name);
                Series::curve(name, colour(i), p.curve(curve).unwrap_or(&Curve::default()))
            })
            .collect(),
        note: None,
    }
}

/// The `recovery_curves` chart: cumulative recovery (1 - Kaplan-Meier, or
/// the Aalen-Johansen cumulative incidence with death competing).
pub(super) fn recovery_curves(run: &RunCharts) -> Lines {
    per_policy(run, "Cumulative recovery", "Recovered (cumulative share)", "recovered")
}

/// The `symptom_free` chart: the share symptom-free on each day (relapses
/// bring it down again).
pub(super) fn symptom_free(run: &RunCharts) -> Lines {
    per_policy(run, "Symptom-free", "Symptom-free (share on the day)", "symptom_free")
}

/// The `surgery_free` chart: the share not yet operated on (Kaplan-Meier).
pub(super) fn surgery_free(run: &RunCharts) -> Lines {
    per_policy(run, "Not yet operated on", "Surgery-free (share)", "surgery_free")
}
