//! The comparison charts: `differences`, `recovery_difference` and
//! `subgroup_differences_<outcome>`.

use std::path::{Path, PathBuf};

use super::chart::*;
use super::forest::*;
use super::lines::*;
use crate::estimate::RunResults;
use crate::outcome::{Id, Kind, OUTCOMES};

pub(super) fn write_comparison_plots(
    results: &RunResults,
    dir: &Path,
    files: &mut Vec<PathBuf>,
) -> Result<(), PlotError> {
    let policies = &results.policies;
    let reference = policies
        .get(results.reference)
        .map_or("the reference", |p| p.name.as_str());
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
        for c in &results.comparisons {
            let colour = policy_colour(policies, &c.policy);
            let shown = c
                .differences
                .iter()
                .zip(&OUTCOMES)
                .filter(|(_, def)| def.forest && def.kind == kind && results.shows(def));
            rows.extend(
                shown.map(|(d, def)| ForestRow::scaled(format!("{}: {}", c.policy, def.label), d, colour, scale)),
            );
        }
        if rows.is_empty() && kind != Kind::Share {
            continue;
        }
        let forest = Forest {
            title: format!("Difference from {reference} (paired 95% CI thick, unpaired thin)"),
            x_desc: x_desc.into(),
            rows,
        };
        save(&forest, dir, name, files)?;
    }

    let series: Vec<Series> = results
        .comparisons
        .iter()
        .map(|c| {
            let name = format!("{} - {reference}", c.policy);
            Series::curve(&name, policy_colour(policies, &c.policy), &c.recovered_difference)
        })
        .collect();
    let values = series.iter().flat_map(Series::all_values).chain([0.0]);
    let difference = Lines {
        title: format!("Difference in cumulative recovery from {reference} (paired 95% bands)"),
        x_desc: "Days since presentation".into(),
        y_desc: "Difference in share recovered".into(),
        x: 0.0..horizon(results),
        y: padded_range(values, 0.05, 0.005),
        percent: true,
        zero_line: true,
        discrete_x: false,
        series,
        note: None,
    };
    save(&difference, dir, "recovery_difference", files)?;

    if !results.subgroup_by.is_empty() {
        for outcome in [Id::Recovered.def(), Id::Surgery.def()] {
            let mut rows = Vec::new();
            for c in &results.comparisons {
                let colour = policy_colour(policies, &c.policy);
                for (label, _, diffs) in &c.subgroups {
                    let shown = diffs.iter().filter(|d| d.outcome == outcome.name);
                    rows.extend(shown.map(|d| ForestRow::new(format!("{}: {label}", c.policy), d, colour)));
                }
            }
            let chart = Forest {
                title: format!(
                    "Difference in {} from {reference} by subgroup (paired 95% CI)",
                    outcome.label
                ),
                x_desc: "Difference, percentage points".into(),
                rows,
            };
            save(&chart, dir, &format!("subgroup_differences_{}", outcome.name), files)?;
        }
    }
    Ok(())
}
