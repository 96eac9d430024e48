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
    let mut files = Vec::new();
    let [recovery, symptoms, surgery, pathway, states, time] = RUN_CHARTS;
    let files = &mut files;
    save_as(&recovery_curves(run), dir, recovery, style, formats, files)?;
    save_as(&symptom_free(run), dir, symptoms, style, formats, files)?;
    save_as(&surgery_free(run), dir, surgery, style, formats, files)?;
    save_as(&Pathway { run }, dir, pathway, style, formats, files)?;
    save_as(&States { run }, dir, states, style, formats, files)?;
    save_as(&time_to_recovery(run), dir, time, style, formats, files)?;
    if !run.comparisons.is_empty() {
        write_comparison_plots(run, dir, style, formats, files)?;
    }
    Ok(std::mem::take(files))
}
