//! The comparison charts: `differences` (and `differences_cost`,
//! `differences_qalys`), `recovery_difference` and
//! `subgroup_differences_<outcome>`.

use super::chart::*;
use super::data::RunCharts;
use super::forest::*;
use super::lines::*;
use crate::outcome::{Id, Kind};

pub(super) fn write_comparison_plots(run: &RunCharts, style: &Style, out: &mut Out) -> Result<(), PlotError> {
    let names = || run.policies.iter().map(|p| p.name.as_str());
    let labels = &run.labels;
    let reference = run
        .comparisons
        .first()
        .map_or("the reference", |c| labels.policy(&c.reference));
    // One forest per unit: shares in percentage points (`differences`),
    // costs and QALYs on charts of their own.
    let units = [
        (Kind::Share, "differences", 100.0, "Difference, percentage points"),
        (
            Kind::Money,
            "differences_cost",
            1.0,
            "Difference in mean discounted cost per patient",
        ),
        (
            Kind::Years,
            "differences_qalys",
            1.0,
            "Difference in mean discounted QALYs per patient",
        ),
    ];
    for (kind, name, scale, x_desc) in units {
        let mut rows = Vec::new();
        for c in &run.comparisons {
            let colour = policy_colour(names(), &c.policy);
            for d in &c.differences {
                let Some(def) = crate::outcome::find(d.outcome) else {
                    continue;
                };
                if def.forest && def.kind == kind {
                    let label = format!("{}: {}", labels.policy(&c.policy), labels.outcome(def));
                    rows.push(ForestRow::contrast(label, d, colour, scale));
                }
            }
        }
        if rows.is_empty() && kind != Kind::Share {
            continue;
        }
        // Which side is which: every outcome is the policy's minus the
        // reference's, whichever direction is better for it.
        let forest = Forest {
            title: format!("Difference from {reference} (paired Monte Carlo 95% CI thick, unpaired thin)"),
            x_desc: format!("{x_desc} (left of 0: lower than {reference}; right: higher)"),
            rows,
        };
        emit(&forest, name, style, out)?;
    }

    let series: Vec<Series> = run
        .comparisons
        .iter()
        .map(|c| {
            let name = format!("{} - {reference}", labels.policy(&c.policy));
            Series::curve(&name, policy_colour(names(), &c.policy), &c.recovered_difference)
        })
        .collect();
    let values = series.iter().flat_map(Series::all_values).chain([0.0]);
    let difference = Lines {
        title: format!("Difference in cumulative recovery from {reference} (paired Monte Carlo 95% bands)"),
        x_desc: "Days since presentation".into(),
        y_desc: "Difference in share recovered (percentage points)".into(),
        x: 0.0..horizon_end(run.horizon_days),
        y: padded_range(values, 0.05, 0.005),
        percentage_points: true,
        zero_line: true,
        discrete_x: false,
        series,
        note: None,
        time_axis: true,
        ..Lines::default()
    };
    emit(&difference, "recovery_difference", style, out)?;

    if run.by_subgroup {
        for outcome in [Id::Recovered.def(), Id::Surgery.def()] {
            let mut rows = Vec::new();
            for c in &run.comparisons {
                let colour = policy_colour(names(), &c.policy);
                for (subgroup, diffs) in &c.subgroups {
                    let shown = diffs.iter().filter(|d| d.outcome == outcome.name);
                    let n = run.subgroup_patients.iter().find(|(g, _)| g == subgroup);
                    let n = n.map_or(String::new(), |(_, n)| format!(" (n = {})", number(*n as f64)));
                    let label = format!("{}: {}{n}", labels.policy(&c.policy), labels.subgroup(subgroup));
                    rows.extend(shown.map(|d| ForestRow::contrast(label.clone(), d, colour, 100.0)));
                }
            }
            let chart = Forest {
                title: format!(
                    "Difference in {} from {reference} by subgroup (paired Monte Carlo 95% CI thick, unpaired thin)",
                    labels.outcome(outcome)
                ),
                x_desc: "Difference, percentage points (n: patients in the subgroup under each policy)".into(),
                rows,
            };
            let name = format!("subgroup_differences_{}", outcome.name);
            emit(&chart, &name, style, out)?;
        }
    }
    Ok(())
}
