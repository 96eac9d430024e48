//! The curves of each policy over time: `recovery_curves`, `symptom_free`
//! and `surgery_free`.

use super::chart::*;
use super::data::RunCharts;
use super::lines::*;
use crate::estimate::summary::Curve;

/// A chart of one curve per policy (`curve`, as named in curves.csv), with
/// 95% bands, over the horizon (the last tick on it).
fn per_policy(run: &RunCharts, title: &str, y_desc: &str, curve: &str) -> Lines {
    Lines {
        title: format!("{title} by policy (Monte Carlo 95% bands), {}", run.scenario),
        x_desc: "Days since presentation".into(),
        y_desc: y_desc.into(),
        x: 0.0..horizon_end(run.horizon_days),
        y: 0.0..1.0,
        percent: true,
        series: run
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let name = run.labels.policy(&p.name);
                Series::curve(name, colour(i), p.curve(curve).unwrap_or(&Curve::default()))
            })
            .collect(),
        time_axis: true,
        ..Lines::default()
    }
}

/// The `recovery_curves` chart: cumulative recovery (1 - Kaplan-Meier, or
/// the Aalen-Johansen cumulative incidence with death competing) as steps,
/// each policy's n in the legend, and under the x axis the number at risk
/// (neither recovered nor dead) at each labelled tick (at_risk.csv; no
/// table for runs made before it).
pub(super) fn recovery_curves(run: &RunCharts) -> Lines {
    let mut chart = per_policy(run, "Cumulative recovery", "Recovered (cumulative share)", "recovered");
    chart.steps = true;
    for (series, p) in chart.series.iter_mut().zip(&run.policies) {
        series.name = format!("{} (n = {})", series.name, number(p.patients as f64));
    }
    if run.policies.iter().any(|p| !p.at_risk.is_empty()) {
        chart.table_title = "Number at risk".into();
        chart.table = run
            .policies
            .iter()
            .zip(&chart.series)
            .map(|(p, series)| TableRow {
                name: run.labels.policy(&p.name).to_string(),
                colour: series.colour,
                counts: p.at_risk.clone(),
            })
            .collect();
    }
    chart
}

/// The `symptom_free` chart: the share symptom-free on each day (relapses
/// bring it down again).
pub(super) fn symptom_free(run: &RunCharts) -> Lines {
    per_policy(run, "Symptom-free", "Symptom-free (share on the day)", "symptom_free")
}

/// The `surgery_free` chart: the share not yet at the surgical level
/// (Kaplan-Meier), as steps; a minimally invasive decompression does not
/// count, as it does not in the `surgery` outcome.
pub(super) fn surgery_free(run: &RunCharts) -> Lines {
    let mut chart = per_policy(
        run,
        "Free of open surgery (decompression or fusion)",
        "Surgery-free (share)",
        "surgery_free",
    );
    chart.steps = true;
    chart
}
