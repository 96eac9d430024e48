//! `foramen plot DIR`: every chart of a directory a command wrote, drawn
//! again from its tables, in another style or format. Each kind of
//! directory has one function here that reads its tables back and draws
//! its charts ([`draw`] for runs, [`draw_psa`], [`draw_sensitivity`],
//! [`draw_bench`], [`draw_sweep`], [`draw_variants`], [`draw_targets`],
//! [`draw_calibration`]),
//! and the command that writes the directory draws through it too, so
//! its pictures and `foramen plot`'s with the same options are the same
//! bytes.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Setting};
use crate::jobs::psa_report::write_psa_report;
use crate::jobs::report::{REPORT, load_run, write_report};
use crate::jobs::{Loaded, SCENARIO_COPY, plot_error};
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

/// How a command draws its charts: the style and the file formats.
#[derive(Debug, Clone, PartialEq)]
pub struct Pictures {
    pub style: Style,
    pub formats: Vec<Format>,
}

impl Default for Pictures {
    /// The default style, PNG and SVG.
    fn default() -> Pictures {
        Pictures {
            style: Style::default(),
            formats: Format::RUN.to_vec(),
        }
    }
}

impl Pictures {
    /// Checks the style and that there is a format.
    ///
    /// # Errors
    /// As [`Style::check`]; [`Error::Setting`] without a format.
    pub fn check(&self) -> Result<(), Error> {
        self.style.check()?;
        if self.formats.is_empty() {
            return Err(Error::setting(
                Setting::Format,
                "(none)",
                "give at least one of png, svg, pdf",
            ));
        }
        Ok(())
    }
}

/// The charts of a probabilistic analysis whose tables are in
/// `tables_dir` (psa.csv and the rest, labels.csv), of `scenario`, drawn
/// into `dir`; returns the files written.
///
/// # Errors
/// As [`tables::read_psa_charts`], and [`Error::Runtime`] naming a chart
/// that could not be drawn.
pub fn draw_psa(
    tables_dir: &Path,
    scenario: &crate::scenario::Scenario,
    dir: &Path,
    pictures: &Pictures,
) -> Result<Vec<PathBuf>, Error> {
    let policies: Vec<String> = scenario.policies().iter().map(|p| p.name.clone()).collect();
    let economics = scenario
        .economics()
        .map(|e| (e.currency.as_str(), e.willingness_to_pay.as_slice()));
    let labels = tables::read_labels(tables_dir)?;
    let charts = tables::read_psa_charts(tables_dir, &policies, economics, labels)?;
    plot::write_psa_plots(&charts, dir, &pictures.style, &pictures.formats).map_err(plot_error)
}

/// The tornado diagram of the one-way sensitivity analysis whose tables
/// are in `tables_dir` (sensitivity.csv, labels.csv), drawn into `dir`,
/// its parameters with the units `loaded` gives them.
///
/// # Errors
/// As [`tables::read_sensitivity`], and [`Error::Runtime`] naming a chart
/// that could not be drawn.
pub fn draw_sensitivity(
    tables_dir: &Path,
    loaded: &Loaded,
    dir: &Path,
    pictures: &Pictures,
) -> Result<Vec<PathBuf>, Error> {
    let results = tables::read_sensitivity(tables_dir)?;
    let mut labels = tables::read_labels(tables_dir)?;
    for r in &results.rows {
        if let Some(unit) = loaded.document.unit(&r.parameter) {
            labels.insert("unit", &r.parameter, &unit);
        }
    }
    plot::write_tornado(&results, &labels, dir, &pictures.style, &pictures.formats).map_err(plot_error)
}

/// The scaling chart of the `foramen bench` whose tables are in
/// `tables_dir` (bench.csv), drawn into `dir`.
///
/// # Errors
/// As [`tables::read_scaling`], and [`Error::Runtime`] naming a chart
/// that could not be drawn.
pub fn draw_bench(tables_dir: &Path, dir: &Path, pictures: &Pictures) -> Result<Vec<PathBuf>, Error> {
    let rows = tables::read_scaling(tables_dir)?;
    plot::write_scaling(&rows, dir, &pictures.style, &pictures.formats).map_err(plot_error)
}

/// The `sweep_<outcome>` charts of the `foramen sweep` whose tables are
/// in `tables_dir` (sweep.csv, labels.csv), drawn into `dir`: the
/// outcomes it charted, its parameter with the unit and the value
/// `loaded` gives it.
///
/// # Errors
/// As [`tables::read_sweep`], and [`Error::Runtime`] naming a chart that
/// could not be drawn.
pub fn draw_sweep(tables_dir: &Path, loaded: &Loaded, dir: &Path, pictures: &Pictures) -> Result<Vec<PathBuf>, Error> {
    let mut sweep = tables::read_sweep(tables_dir)?;
    sweep.base = loaded.document.number(&sweep.parameter);
    let mut labels = tables::read_labels(tables_dir)?;
    if let Some(unit) = loaded.document.unit(&sweep.parameter) {
        labels.insert("unit", &sweep.parameter, &unit);
    }
    plot::write_sweep_plots(&sweep, &labels, dir, &pictures.style, &pictures.formats).map_err(plot_error)
}

/// The decision chart of the `foramen variants` whose tables are in
/// `tables_dir` (variants.csv, decision.csv, labels.csv), drawn into
/// `dir`, with the currency and willingness-to-pay values of `loaded`'s
/// economics.
///
/// # Errors
/// As [`tables::read_decision_cases`], and [`Error::Runtime`] naming a
/// chart that could not be drawn.
pub fn draw_variants(
    tables_dir: &Path,
    loaded: &Loaded,
    dir: &Path,
    pictures: &Pictures,
) -> Result<Vec<PathBuf>, Error> {
    let cases = tables::read_decision_cases(tables_dir)?;
    let labels = tables::read_labels(tables_dir)?;
    let economics = loaded.scenario.economics();
    let wtp = economics.map(|e| e.willingness_to_pay.clone()).unwrap_or_default();
    let currency = economics.map(|e| e.currency.clone()).unwrap_or_default();
    plot::write_decision(
        &cases,
        &wtp,
        &currency,
        &labels,
        dir,
        &pictures.style,
        &pictures.formats,
    )
    .map_err(plot_error)
}

/// The `targets` chart of the `foramen targets` whose tables are in
/// `tables_dir` (targets.csv), drawn into `dir`.
///
/// # Errors
/// As [`tables::read_targets`], and [`Error::Runtime`] naming a chart
/// that could not be drawn.
pub fn draw_targets(tables_dir: &Path, dir: &Path, pictures: &Pictures) -> Result<Vec<PathBuf>, Error> {
    let (targets, assessed) = tables::read_targets(tables_dir, &tables::targets::TARGETS)?;
    plot::write_targets(
        "targets",
        &targets,
        &assessed,
        None,
        dir,
        &pictures.style,
        &pictures.formats,
    )
    .map_err(plot_error)
}

/// The `calibration` chart of the `foramen calibrate` whose tables are in
/// `tables_dir` (targets_after.csv, targets_before.csv), drawn into `dir`.
///
/// # Errors
/// As [`tables::read_targets`], and [`Error::Runtime`] naming a chart
/// that could not be drawn.
pub fn draw_calibration(tables_dir: &Path, dir: &Path, pictures: &Pictures) -> Result<Vec<PathBuf>, Error> {
    let (targets, after) = tables::read_targets(tables_dir, &tables::targets::TARGETS_AFTER)?;
    let (_, before) = tables::read_targets(tables_dir, &tables::targets::TARGETS_BEFORE)?;
    plot::write_targets(
        "calibration",
        &targets,
        &after,
        Some(&before),
        dir,
        &pictures.style,
        &pictures.formats,
    )
    .map_err(plot_error)
}

/// The kinds of directory `foramen plot` draws, each known by the table
/// only its command writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Run,
    Psa,
    Sensitivity,
    Bench,
    Sweep,
    Variants,
    Targets,
    Calibrate,
}

impl Kind {
    /// Every kind with the table that tells it.
    const ALL: [(Kind, &'static str); 8] = [
        (Kind::Run, tables::run::SUMMARY.file),
        (Kind::Psa, tables::psa::PSA.file),
        (Kind::Sensitivity, tables::sweep::SENSITIVITY.file),
        (Kind::Bench, tables::bench::BENCH.file),
        (Kind::Sweep, tables::sweep::SWEEP.file),
        (Kind::Variants, tables::variants::VARIANTS.file),
        (Kind::Targets, tables::targets::TARGETS.file),
        (Kind::Calibrate, tables::targets::CALIBRATION.file),
    ];

    /// The kind of the directory `dir`, from the tables in it.
    ///
    /// # Errors
    /// [`Error::Usage`] naming the files looked for when none is there.
    pub fn of(dir: &Path) -> Result<Kind, Error> {
        if let Some((kind, _)) = Kind::ALL.iter().find(|(_, file)| dir.join(file).exists()) {
            return Ok(*kind);
        }
        let files: Vec<&str> = Kind::ALL.iter().map(|(_, f)| *f).collect();
        Err(Error::Usage(format!(
            "{} has none of the tables foramen plot draws from (looked for {}): give a directory written by `foramen run`, `merge`, `psa`, `sensitivity`, `bench`, `sweep`, `variants`, `targets` or `calibrate`",
            dir.display(),
            files.join(", ")
        )))
    }
}

/// What `foramen plot` is asked for.
#[derive(Debug, Clone)]
pub struct PlotOptions {
    pub pictures: Pictures,
    /// Where the pictures go; default the directory drawn.
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
    options.pictures.check()?;
    if !run_dir.is_dir() {
        return Err(Error::Usage(format!(
            "{} is not a directory; give a directory written by `foramen run`, `merge`, `psa`, `sensitivity`, `bench`, `sweep`, `variants`, `targets` or `calibrate`",
            run_dir.display()
        )));
    }
    if run_dir.join(crate::output::partial::FILE).exists() {
        return Err(Error::Usage(format!(
            "{} is one shard of a run: it has no tables to draw from; merge the shards first (`foramen merge`) and plot the merged directory",
            run_dir.display()
        )));
    }
    let kind = Kind::of(run_dir)?;
    let manifest: Manifest = read_json(&run_dir.join("manifest.json"), "a foramen directory's manifest")?;
    if kind != Kind::Run {
        let loaded = load_run(run_dir, &manifest)?;
        let staging = Staging::new(options, run_dir)?;
        let mut drawn = match kind {
            Kind::Psa => draw_psa(run_dir, &loaded.scenario, &staging.0, &options.pictures)?,
            Kind::Sensitivity => draw_sensitivity(run_dir, &loaded, &staging.0, &options.pictures)?,
            Kind::Bench => draw_bench(run_dir, &staging.0, &options.pictures)?,
            Kind::Sweep => draw_sweep(run_dir, &loaded, &staging.0, &options.pictures)?,
            Kind::Variants => draw_variants(run_dir, &loaded, &staging.0, &options.pictures)?,
            Kind::Targets => draw_targets(run_dir, &staging.0, &options.pictures)?,
            Kind::Calibrate => draw_calibration(run_dir, &staging.0, &options.pictures)?,
            Kind::Run => unreachable!("runs are drawn below"),
        };
        let pictures = drawn.len();
        // A probabilistic analysis has its report, shown with the pictures
        // just drawn.
        let report = kind == Kind::Psa;
        if report {
            write_psa_report(run_dir, &staging.0, &loaded, &manifest)?;
            drawn.push(staging.0.join(REPORT));
        }
        return staging.publish(drawn, pictures, report.then_some(true));
    }
    // The report needs the scenario; run directories made before they
    // carried it get their pictures only.
    let loaded = if run_dir.join(SCENARIO_COPY).exists() {
        Some(load_run(run_dir, &manifest)?)
    } else {
        None
    };
    let staging = Staging::new(options, run_dir)?;
    let style = &options.pictures.style;
    let mut drawn = draw(
        run_dir,
        &manifest.scenario,
        manifest.horizon_days,
        &staging.0,
        style,
        &options.pictures.formats,
    )?;
    let pictures = drawn.len();
    if let Some(loaded) = &loaded {
        write_report(run_dir, &staging.0, loaded, &manifest)?;
        drawn.push(staging.0.join(REPORT));
    }
    staging.publish(drawn, pictures, Some(loaded.is_some()))
}

impl Staging {
    /// The hidden folder in the destination of `options` (default
    /// `dir`), both created.
    fn new(options: &PlotOptions, dir: &Path) -> Result<Staging, Error> {
        let dest = options.out.clone().unwrap_or_else(|| dir.to_path_buf());
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
        Ok(staging)
    }

    /// Renames each of `drawn` (files in the staging folder) into the
    /// destination, beside it.
    fn publish(self, drawn: Vec<PathBuf>, pictures: usize, report: Option<bool>) -> Result<Plotted, Error> {
        let dest = self.0.parent().map(Path::to_path_buf).unwrap_or_default();
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
            dir: dest,
            files: written,
            pictures,
            report,
        })
    }
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
    /// For a run or psa directory, whether report.html was written (not
    /// for a run without scenario.toml, from before runs carried their
    /// scenario); `None` for other directories, which have no report.
    pub report: Option<bool>,
}

impl std::fmt::Display for Plotted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let report = if self.report == Some(true) {
            " and report.html"
        } else {
            ""
        };
        writeln!(
            f,
            "wrote {} pictures{report} into {}",
            self.pictures,
            self.dir.display()
        )
    }
}
