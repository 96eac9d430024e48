//! The `time_to_recovery` chart.

use super::chart::*;
use super::data::RunCharts;
use super::lines::*;

/// The `time_to_recovery` chart: per policy, the share of its recovered
/// patients recovering in each weekly bin (per 7 days, so a shorter last
/// bin is not understated), at the middle of the bin.
pub(super) fn time_to_recovery(run: &RunCharts) -> Lines {
    let series: Vec<Series> = run
        .policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let bins = &p.recovery_weeks;
            let total: u64 = bins.iter().map(|b| b.count).sum();
            let x = bins.iter().map(|b| (b.start + b.end) / 2.0).collect();
            let share = bins
                .iter()
                .map(|b| b.count as f64 / total.max(1) as f64 * 7.0 / (b.end - b.start).max(1.0))
                .collect();
            let name = format!("{} ({} recovered)", run.labels.policy(&p.name), number(total as f64));
            Series::new(&name, colour(i), x, share, None)
        })
        .collect();
    let top = series.iter().flat_map(Series::all_values).fold(0.0, f64::max);
    Lines {
        title: format!("Time to first recovery among the recovered, {}", run.scenario),
        x_desc: "Days since presentation (weekly bins)".into(),
        y_desc: "Share of recoveries per week".into(),
        x: 0.0..horizon_end(run.horizon_days),
        y: 0.0..nice_top(top),
        percent: true,
        zero_line: false,
        discrete_x: false,
        note: (top <= 0.0).then(|| "No patient recovered by the horizon".to_string()),
        series,
        time_axis: true,
        ..Lines::default()
    }
}
