//! Every chart of a run.

use std::path::{Path, PathBuf};

use super::chart::*;
use super::comparisons::*;
use super::pathway::*;
use super::recovery_curves::*;
use super::states::*;
use super::time_to_recovery::*;
use crate::estimate::RunResults;

/// Writes every chart of a run as PNG and SVG into `dir` (which must
/// exist); returns the files written.
///
/// # Errors
/// [`PlotError`] naming the file that could not be drawn.
pub fn write_plots(results: &RunResults, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    save(&recovery_curves(results), dir, "recovery_curves", &mut files)?;
    save(&symptom_free(results), dir, "symptom_free", &mut files)?;
    save(&surgery_free(results), dir, "surgery_free", &mut files)?;
    save(&Pathway { results }, dir, "pathway", &mut files)?;
    save(&States { results }, dir, "states", &mut files)?;
    save(&time_to_recovery(results), dir, "time_to_recovery", &mut files)?;
    if !results.comparisons.is_empty() {
        write_comparison_plots(results, dir, &mut files)?;
    }
    Ok(files)
}
