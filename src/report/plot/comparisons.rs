//! The comparison charts: `differences`, `recovery_difference` and
//! `subgroup_differences_<outcome>`.

use std::path::{Path, PathBuf};

use super::chart::*;
use super::forest::*;
use super::lines::*;
use crate::estimate::RunResults;
use crate::outcome::{Id, OUTCOMES};

pub(super) fn write_comparison_plots(
    results: &RunResults,
    dir: &Path,
    files: &mut Vec<PathBuf>,
) -> Result<(), PlotError> {
    let policies = &results.policies;
    let reference = policies
        .get(results.reference)
        .map_or("the reference", |p| p.name.as_str());
    let mut rows = Vec::new();
    for c in &results.comparisons {
        let colour = policy_colour(policies, &c.policy);
        // The outcomes declared for the forest plot (shares, in percentage points).
        let shown = c
            .differences
            .iter()
            .zip(&OUTCOMES)
            .filter(|(_, def)| def.forest && results.shows(def));
        rows.extend(shown.map(|(d, def)| ForestRow::new(format!("{}: {}", c.policy, def.label), d, colour)));
    }
    let forest = Forest {
        title: format!("Difference from {reference} (paired 95% CI thick, unpaired thin)"),
        x_desc: "Difference, percentage points".into(),
        rows,
    };
    save(&forest, dir, "differences", files)?;

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
