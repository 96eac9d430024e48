//! `foramen plot RUN_DIR`: every chart of a run drawn again from its
//! tables, in another style or format. `foramen run` and `merge` draw
//! through [`draw`] too, so a run's pictures and `foramen plot`'s with the
//! same options are the same bytes.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Setting};
use crate::jobs::report::{REPORT, load_run, write_report};
use crate::jobs::{SCENARIO_COPY, plot_error};
use crate::output::{Manifest, read_json};
use crate::report::plot::{self, Format, Style};
use crate::report::tables;

/// Draws the charts of the run whose tables are in `tables_dir` into
/// `dir`, in `style`, one file per format; returns the files written.
///
/// # Errors
/// As [`tables::read_run_charts`], and [`Error::Runtime`] naming a chart
/// that could not be drawn.
pub fn draw(
    tables_dir: &Path,
    scenario: &str,
    horizon_days: f64,
    dir: &Path,
    style: &Style,
    formats: &[Format],
) -> Result<Vec<PathBuf>, Error> {
    let run = tables::read_run_charts(tables_dir, scenario, horizon_days)?;
    plot::write_plots(&run, dir, style, formats).map_err(plot_error)
}

/// What `foramen plot` is asked for.
#[derive(Debug, Clone)]
pub struct PlotOptions {
    pub style: Style,
    pub formats: Vec<Format>,
    /// Where the pictures go; default the run directory.
    pub out: Option<PathBuf>,
}

/// A hidden folder in the destination that the pictures are drawn into
/// before each is renamed into place; removed whatever happens.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Redraws every chart of the run directory `run_dir` (it must be a
/// finished run: manifest.json, scenario.toml and its tables) with
/// `options`, and its report.html with the charts so drawn. Each file is
/// written in full beside its destination and renamed into place, so
/// none is ever half-written; existing files of the same name are
/// replaced. Returns what was written. A run directory without
/// scenario.toml (made before runs carried their scenario) gets its
/// pictures but no report.
///
/// # Errors
/// [`Error::Usage`] for bad options; as [`draw`]; [`Error::Output`] when
/// the destination cannot be written.
pub fn plot(run_dir: &Path, options: &PlotOptions) -> Result<Plotted, Error> {
    options.style.check()?;
    if options.formats.is_empty() {
        return Err(Error::setting(
            Setting::Format,
            "(none)",
            "give at least one of png, svg, pdf",
        ));
    }
    if !run_dir.is_dir() {
        return Err(Error::Usage(format!(
            "{} is not a directory; give a run directory written by `foramen run` or `foramen merge`",
            run_dir.display()
        )));
    }
    if run_dir.join(crate::output::partial::FILE).exists() {
        return Err(Error::Usage(format!(
            "{} is one shard of a run: it has no tables to draw from; merge the shards first (`foramen merge`) and plot the merged directory",
            run_dir.display()
        )));
    }
    let manifest: Manifest = read_json(&run_dir.join("manifest.json"), "a foramen run's manifest")?;
    // The report needs the scenario; run directories made before they
    // carried it get their pictures only.
    let loaded = if run_dir.join(SCENARIO_COPY).exists() {
        Some(load_run(run_dir, &manifest)?)
    } else {
        None
    };
    let dest = options.out.clone().unwrap_or_else(|| run_dir.to_path_buf());
    fs::create_dir_all(&dest).map_err(|source| Error::Output {
        path: dest.clone(),
        source,
    })?;
    let staging = Staging(dest.join(format!(".foramen-plot.partial-{}", std::process::id())));
    let _ = fs::remove_dir_all(&staging.0);
    fs::create_dir(&staging.0).map_err(|source| Error::Output {
        path: staging.0.clone(),
        source,
    })?;
    let mut drawn = draw(
        run_dir,
        &manifest.scenario,
        manifest.horizon_days,
        &staging.0,
        &options.style,
        &options.formats,
    )?;
    let pictures = drawn.len();
    if let Some(loaded) = &loaded {
        write_report(run_dir, &staging.0, loaded, &manifest)?;
        drawn.push(staging.0.join(REPORT));
    }
    let mut written = Vec::with_capacity(drawn.len());
    for file in drawn {
        let Some(name) = file.file_name() else { continue };
        let target = dest.join(name);
        fs::rename(&file, &target).map_err(|source| Error::Output {
            path: target.clone(),
            source,
        })?;
        written.push(target);
    }
    Ok(Plotted {
        dir: dest.clone(),
        files: written,
        pictures,
        report: loaded.is_some(),
    })
}

/// What `foramen plot` wrote.
#[derive(Debug, Clone)]
pub struct Plotted {
    /// Where they went.
    pub dir: PathBuf,
    /// Every file, at its destination.
    pub files: Vec<PathBuf>,
    /// How many of them are pictures.
    pub pictures: usize,
    /// Whether report.html was written (not for a run directory without
    /// scenario.toml, from before runs carried their scenario).
    pub report: bool,
}

impl std::fmt::Display for Plotted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let report = if self.report { " and report.html" } else { "" };
        writeln!(
            f,
            "wrote {} pictures{report} into {}",
            self.pictures,
            self.dir.display()
        )
    }
}
