//! Every chart of a run.

use std::path::{Path, PathBuf};

use super::chart::*;
use super::comparisons::*;
use super::data::RunCharts;
use super::pathway::*;
use super::recovery_curves::*;
use super::states::*;
use super::time_to_recovery::*;

/// The names of the charts every run has, in the order they are drawn
/// (comparison charts follow with two or more policies).
pub const RUN_CHARTS: [&str; 6] = [
    "recovery_curves",
    "symptom_free",
    "surgery_free",
    "pathway",
    "states",
    "time_to_recovery",
];

/// Writes every chart of a run in `style`, one file per format, into
/// `dir` (which must exist); returns the files written.
///
/// # Errors
/// [`PlotError`] naming the file that could not be drawn.
pub fn write_plots(run: &RunCharts, dir: &Path, style: &Style, formats: &[Format]) -> Result<Vec<PathBuf>, PlotError> {
    let mut out = Out::Files {
        dir,
        formats,
        written: Vec::new(),
    };
    draw_all(run, style, &mut out)?;
    match out {
        Out::Files { written, .. } => Ok(written),
        Out::Svg(_) => Ok(Vec::new()),
    }
}

/// Every chart of a run in `style` as SVG text, by chart name, in the
/// order [`write_plots`] draws them (for report.html).
///
/// # Errors
/// [`PlotError`] naming the chart that could not be drawn.
pub fn run_svgs(run: &RunCharts, style: &Style) -> Result<Vec<(String, String)>, PlotError> {
    let mut out = Out::Svg(Vec::new());
    draw_all(run, style, &mut out)?;
    match out {
        Out::Svg(svgs) => Ok(svgs),
        Out::Files { .. } => Ok(Vec::new()),
    }
}

fn draw_all(run: &RunCharts, style: &Style, out: &mut Out) -> Result<(), PlotError> {
    let [recovery, symptoms, surgery, pathway, states, time] = RUN_CHARTS;
    emit(&recovery_curves(run), recovery, style, out)?;
    emit(&symptom_free(run), symptoms, style, out)?;
    emit(&surgery_free(run), surgery, style, out)?;
    emit(&Pathway { run }, pathway, style, out)?;
    emit(&States { run }, states, style, out)?;
    emit(&time_to_recovery(run), time, style, out)?;
    if !run.comparisons.is_empty() {
        write_comparison_plots(run, style, out)?;
    }
    Ok(())
}

/// A sentence saying what the run chart called `name` shows (for
/// report.html).
pub fn caption(name: &str) -> String {
    let text = match name {
        "recovery_curves" => {
            "the cumulative share of patients recovered against time since presentation (in the unit the horizon suits), one step line per policy (n in the legend) with its Monte Carlo 95% band, and under the axis the number of patients at risk (neither recovered nor dead) at each labelled tick; higher and further left is faster recovery, and where two bands do not overlap the policies differ on that day."
        }
        "symptom_free" => {
            "the share symptom-free on each day, by policy, with Monte Carlo 95% bands (relapses bring it down again)."
        }
        "surgery_free" => {
            "the share who have not yet had surgery (a surgical-level intervention: open decompression or fusion; minimally invasive decompression does not count, as in the surgery outcome) (Kaplan-Meier), by policy, with Monte Carlo 95% bands."
        }
        "pathway" => {
            "one bar per policy summing to 100% of patients, cut by the deepest level of care reached (hue) and the status at the horizon, from light to dark: symptom-free, symptom-free with a residual deficit, improved (partial relief), symptomatic (recovering from a procedure included), dead."
        }
        "states" => {
            "the share of patients in each health state on each day, stacked, one panel per policy; each column sums to 100%."
        }
        "time_to_recovery" => {
            "among patients who recovered, the share recovering in each week since presentation (the legend gives how many recovered); the area under each line is 100%."
        }
        "differences" => {
            "each policy minus the reference for the share outcomes, in percentage points: the paired Monte Carlo 95% interval thick, the unpaired one thin, the estimate and paired interval written beside each row."
        }
        "differences_cost" => {
            "each policy minus the reference in mean discounted cost per patient, paired (thick) and unpaired (thin) Monte Carlo 95% intervals."
        }
        "differences_qalys" => {
            "each policy minus the reference in mean discounted QALYs per patient, paired (thick) and unpaired (thin) Monte Carlo 95% intervals."
        }
        "recovery_difference" => {
            "the difference in cumulative recovery from the reference over time, with its paired Monte Carlo 95% band."
        }
        "subgroup_differences_recovered" => {
            "the difference in recovery from the reference within each subgroup, paired Monte Carlo 95% intervals."
        }
        "subgroup_differences_surgery" => {
            "the difference in the share operated on from the reference within each subgroup, paired Monte Carlo 95% intervals."
        }
        _ => "",
    };
    text.to_string()
}
