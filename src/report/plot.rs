//! The only plotters code: every chart as PNG and SVG.
//!
//! Each chart is a value implementing [`Chart`], drawn by one generic
//! function over any [`DrawingBackend`]; [`save`] draws it once on a bitmap
//! and once on an SVG, so `<name>.png` and `<name>.svg` are the same picture.
//!
//! Charts of a run ([`write_plots`]):
//!
//! * `recovery_curves`: cumulative share of patients recovered (1 -
//!   Kaplan-Meier) against days since presentation, one line per policy
//!   with its 95% band as a translucent area of the same colour. Higher and
//!   further left is faster recovery; where two bands do not overlap the
//!   policies differ on that day.
//! * `pathway`: one horizontal bar per policy, summing to 100% of patients,
//!   cut by the deepest level of care reached (hue: none, conservative,
//!   minimally invasive, surgical) and by the outcome at the horizon (light
//!   shade symptom-free, dark shade still symptomatic). Segments of at least
//!   6% carry their share.
//! * `time_to_recovery`: among patients who recovered, the share recovering
//!   in each week since presentation (one line per policy; the legend gives
//!   how many recovered). The area under each line is 100%.
//!
//! With two or more policies, comparisons with the reference policy:
//!
//! * `differences`: forest plot of each policy minus the reference, paired
//!   95% interval (thick) and the unpaired one (thin), in percentage points;
//! * `recovery_difference`: the difference in cumulative recovery over
//!   time, with its paired band;
//! * `subgroup_differences_<outcome>`: the forest plot within subgroups
//!   (only when the run is split by subgroups).
//!
//! Sweeps and sensitivity analyses: `sweep_<outcome>` ([`write_sweep_plots`])
//! and `tornado` ([`write_tornado`]).
//!
//! A policy has the same colour in every chart: the Okabe-Ito palette (safe
//! for colour-blind readers) in scenario order. The text font (DejaVu Sans)
//! is embedded, so no system fonts are needed.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::analysis::bench::BenchRow;
use crate::analysis::sweep::{SensitivityResults, SweepPoint};
use crate::estimate::RunResults;
use crate::estimate::compare::Difference;
use crate::estimate::summary::{Curve, PolicyResults};
use crate::outcome::{Id, LEVELS, OUTCOMES, OutcomeDef};

/// Why a chart could not be written; every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The embedded font could not be loaded, so no text could be drawn.
    #[error("cannot draw {}: the embedded font assets/DejaVuSans.ttf is not a valid font", path.display())]
    Font { path: PathBuf },
    /// Plotters failed to draw the chart or to write the file.
    #[error("cannot draw {}: {message}", path.display())]
    Draw { path: PathBuf, message: String },
}

/// The font family of every text (registered from the embedded file).
const FONT: &str = "sans-serif";
/// Default picture size in pixels.
const SIZE: (u32, u32) = (1200, 800);
const TITLE_PX: u32 = 28;
const LABEL_PX: u32 = 20;
const AXIS_DESC_PX: u32 = 22;

/// Okabe-Ito, ordered so neighbouring policies contrast.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// The colour of the `i`-th policy of a run.
fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The colour of the policy called `name` (black if there is none).
fn policy_colour(policies: &[PolicyResults], name: &str) -> RGBColor {
    policies.iter().position(|p| p.name == name).map_or(BLACK, colour)
}

/// `c` blended towards white by `amount` (0 keeps it, 1 gives white).
fn tint(c: RGBColor, amount: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * amount).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// A picture that can be drawn on any backend.
trait Chart {
    fn size(&self) -> (u32, u32) {
        SIZE
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Registers the embedded font once; false if it could not be loaded.
fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, include_bytes!("../../assets/DejaVuSans.ttf")).is_ok()
    })
}

/// Formats a plotters error (their types are generic).
fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Draws `chart` into `<dir>/<name>.png` and `<dir>/<name>.svg`, and adds
/// both paths to `files`.
fn save(chart: &impl Chart, dir: &Path, name: &str, files: &mut Vec<PathBuf>) -> Result<(), PlotError> {
    let png = dir.join(format!("{name}.png"));
    let svg = dir.join(format!("{name}.svg"));
    if !font_ready() {
        return Err(PlotError::Font { path: png });
    }
    let failed = |path: &PathBuf| {
        let path = path.clone();
        move |message| PlotError::Draw { path, message }
    };
    draw_on(BitMapBackend::new(&png, chart.size()).into_drawing_area(), chart).map_err(failed(&png))?;
    draw_on(SVGBackend::new(&svg, chart.size()).into_drawing_area(), chart).map_err(failed(&svg))?;
    files.push(png);
    files.push(svg);
    Ok(())
}

/// Draws `chart` on a white background and writes the file.
fn draw_on<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &impl Chart) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    chart.draw(&root)?;
    root.present().map_err(err)
}

/// Writes every chart of a run as PNG and SVG into `dir` (which must
/// exist); returns the files written.
///
/// # Errors
/// [`PlotError`] naming the file that could not be drawn.
pub fn write_plots(results: &RunResults, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    save(&recovery_curves(results), dir, "recovery_curves", &mut files)?;
    save(&Pathway { results }, dir, "pathway", &mut files)?;
    save(&time_to_recovery(results), dir, "time_to_recovery", &mut files)?;
    if !results.comparisons.is_empty() {
        write_comparison_plots(results, dir, &mut files)?;
    }
    Ok(files)
}

/// The `recovery_curves` chart.
fn recovery_curves(results: &RunResults) -> Lines {
    Lines {
        title: format!("Cumulative recovery by policy (95% bands), {}", results.scenario),
        x_desc: "Days since presentation".into(),
        y_desc: "Recovered (cumulative share)".into(),
        x: 0.0..horizon(results),
        y: 0.0..1.0,
        percent: true,
        zero_line: false,
        discrete_x: false,
        series: results
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| Series::curve(&p.name, colour(i), &p.curves.recovered))
            .collect(),
        note: None,
    }
}

/// The `time_to_recovery` chart: per policy, the share of its recovered
/// patients recovering in each weekly bin (per 7 days, so a shorter last
/// bin is not understated), at the middle of the bin.
fn time_to_recovery(results: &RunResults) -> Lines {
    let series: Vec<Series> = results
        .policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let bins = &p.recovery_time_hist;
            let total: u64 = bins.iter().map(|b| b.count).sum();
            let x = bins.iter().map(|b| (b.start + b.end) / 2.0).collect();
            let share = bins
                .iter()
                .map(|b| b.count as f64 / total.max(1) as f64 * 7.0 / (b.end - b.start).max(1.0))
                .collect();
            Series::new(&format!("{} ({total} recovered)", p.name), colour(i), x, share, None)
        })
        .collect();
    let top = series.iter().flat_map(Series::all_values).fold(0.0, f64::max);
    Lines {
        title: format!("Time to first recovery among the recovered, {}", results.scenario),
        x_desc: "Days since presentation (weekly bins)".into(),
        y_desc: "Share of recoveries per week".into(),
        x: 0.0..horizon(results),
        y: 0.0..nice_top(top),
        percent: true,
        zero_line: false,
        discrete_x: false,
        note: (top <= 0.0).then(|| "No patient recovered by the horizon".to_string()),
        series,
    }
}

/// The horizon as an axis end (at least one day).
fn horizon(results: &RunResults) -> f64 {
    if results.horizon_days.is_finite() {
        results.horizon_days.max(1.0)
    } else {
        1.0
    }
}

fn write_comparison_plots(results: &RunResults, dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), PlotError> {
    let policies = &results.policies;
    let reference = policies
        .get(results.reference)
        .map_or("the reference", |p| p.name.as_str());
    let mut rows = Vec::new();
    for c in &results.comparisons {
        let colour = policy_colour(policies, &c.policy);
        // The outcomes declared for the forest plot (shares, in percentage points).
        let shown = c.differences.iter().zip(&OUTCOMES).filter(|(_, def)| def.forest);
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

/// Writes `sweep_<outcome>.png/.svg` for each outcome: the outcome of each
/// policy (95% bands) against the swept parameter's value.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_sweep_plots(
    parameter: &str,
    points: &[SweepPoint],
    outcomes: &[&OutcomeDef],
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    let Some(first) = points.first() else { return Ok(files) };
    let xs: Vec<f64> = points.iter().map(|p| p.value).collect();
    for outcome in outcomes {
        let share = outcome.is_share();
        let series: Vec<Series> = first
            .results
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let est: Vec<_> = points
                    .iter()
                    .map(|pt| {
                        pt.results
                            .policies
                            .get(i)
                            .map_or(crate::stats::Estimate::NAN, |p| p.overall.get(outcome.id))
                    })
                    .collect();
                Series::new(
                    &p.name,
                    colour(i),
                    xs.clone(),
                    est.iter().map(|e| e.value).collect(),
                    Some((est.iter().map(|e| e.lo).collect(), est.iter().map(|e| e.hi).collect())),
                )
            })
            .collect();
        let values = series.iter().flat_map(Series::all_values);
        let chart = Lines {
            title: format!("{} against {parameter} (95% bands)", outcome.label),
            x_desc: parameter.to_string(),
            y_desc: outcome.label.to_string(),
            x: padded_range(xs.iter().copied(), 0.0, 0.0),
            y: padded_range(values, 0.08, if share { 0.005 } else { 0.5 }),
            percent: share,
            zero_line: false,
            discrete_x: false,
            series,
            note: None,
        };
        save(&chart, dir, &format!("sweep_{}", outcome.name), &mut files)?;
    }
    Ok(files)
}

/// Writes `tornado.png/.svg`: for each ranged parameter, bars from the base
/// estimate to the estimate with the parameter at its low and high value.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_tornado(s: &SensitivityResults, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    save(&Tornado { s }, dir, "tornado", &mut files)?;
    Ok(files)
}

/// Writes `scaling.png/.svg` for `foramen bench`: million patient-paths per
/// second against threads, for the simulation (solid colour) and its
/// draws-only baseline (light shade of the same colour) at each cohort
/// size, with perfect linear scaling of the largest simulation from its
/// 1-thread rate (grey) when that was measured.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_scaling(rows: &[BenchRow], dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut sizes: Vec<u64> = rows.iter().map(|r| r.patients).collect();
    sizes.dedup();
    let mut series = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        let at: Vec<&BenchRow> = rows.iter().filter(|r| r.patients == n).collect();
        let x: Vec<f64> = at.iter().map(|r| r.threads as f64).collect();
        let mega = |f: fn(&BenchRow) -> f64| at.iter().map(|r| f(r) / 1e6).collect::<Vec<f64>>();
        let label = format!("{n} patients");
        series.push(Series::new(
            &format!("simulation, {label}"),
            colour(i),
            x.clone(),
            mega(BenchRow::paths_per_second),
            None,
        ));
        series.push(Series::new(
            &format!("draws only, {label}"),
            tint(colour(i), 0.55),
            x,
            mega(BenchRow::baseline_paths_per_second),
            None,
        ));
    }
    let largest = sizes.last().copied();
    let one = rows.iter().find(|r| Some(r.patients) == largest && r.threads == 1);
    let threads: Vec<f64> = rows.iter().map(|r| r.threads as f64).collect();
    if let Some(one) = one {
        let top = threads.iter().copied().fold(1.0, f64::max);
        let rate = one.paths_per_second() / 1e6;
        series.push(Series::new(
            &format!("linear scaling of {} patients from 1 thread", one.patients),
            RGBColor(150, 150, 150),
            vec![1.0, top],
            vec![rate, rate * top],
            None,
        ));
    }
    let values = series.iter().flat_map(Series::all_values).chain([0.0]);
    let chart = Lines {
        title: "Throughput against threads".into(),
        x_desc: "threads".into(),
        y_desc: "million patient-paths per second".into(),
        x: padded_range(threads.into_iter(), 0.05, 0.1),
        y: padded_range(values, 0.05, 0.1),
        percent: false,
        zero_line: false,
        discrete_x: true,
        series,
        note: rows.is_empty().then(|| "nothing measured".to_string()),
    };
    let mut files = Vec::new();
    save(&chart, dir, "scaling", &mut files)?;
    Ok(files)
}

/// The finite span of `values` widened by `pad` of its width on each side
/// (and by at least `min_pad`). Never empty: a single value left without
/// padding gets a unit-wide axis, no values give `0..1`.
fn padded_range(values: impl Iterator<Item = f64>, pad: f64, min_pad: f64) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = ((hi - lo) * pad).max(min_pad);
    if hi - lo + 2.0 * pad < 1e-9 {
        (lo - 0.5)..(hi + 0.5)
    } else {
        (lo - pad)..(hi + pad)
    }
}

/// An axis label: whole numbers from 100 up, else up to three decimals
/// without trailing zeros.
fn number(v: f64) -> String {
    if v.abs() >= 100.0 {
        return format!("{v:.0}");
    }
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// A rounded upper bound for an axis starting at 0 (1 when nothing is
/// positive).
fn nice_top(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let step = 10f64.powf(v.log10().floor()) / 2.0;
    ((v / step).ceil() * step).min(1.0).max(step)
}

/// Rows on a numeric y axis: row `i` of `n` is centred on `n - 1 - i`, so
/// the first row is on top, and the axis spans half a row beyond each end.
struct Rows {
    labels: Vec<String>,
}

impl Rows {
    fn n(&self) -> usize {
        self.labels.len().max(1)
    }

    fn range(&self) -> Range<f64> {
        -0.5..(self.n() as f64 - 0.5)
    }

    fn y(&self, i: usize) -> f64 {
        (self.n() - 1 - i.min(self.n() - 1)) as f64
    }

    /// The label of the row at tick `v` (ticks fall on whole numbers).
    fn label(&self, v: f64) -> String {
        let k = v.round();
        if (v - k).abs() > 1e-6 || k < 0.0 || k as usize >= self.labels.len() {
            return String::new();
        }
        self.labels[self.labels.len() - 1 - k as usize].clone()
    }

    /// Pixels wide enough for the longest label at `px` font size.
    fn label_area(&self, px: u32) -> u32 {
        let chars = self.labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
        (chars * px * 3 / 5 + 30).clamp(80, 560)
    }
}

/// One line with an optional band.
struct Series {
    name: String,
    colour: RGBColor,
    x: Vec<f64>,
    value: Vec<f64>,
    band: Option<(Vec<f64>, Vec<f64>)>,
}

impl Series {
    fn new(name: &str, colour: RGBColor, x: Vec<f64>, value: Vec<f64>, band: Option<(Vec<f64>, Vec<f64>)>) -> Series {
        Series {
            name: name.to_string(),
            colour,
            x,
            value,
            band,
        }
    }

    /// A curve with its 95% band.
    fn curve(name: &str, colour: RGBColor, c: &Curve) -> Series {
        Series::new(
            name,
            colour,
            c.day.clone(),
            c.value.clone(),
            Some((c.lo.clone(), c.hi.clone())),
        )
    }

    fn all_values(&self) -> impl Iterator<Item = f64> + '_ {
        let band = self.band.iter().flat_map(|(lo, hi)| lo.iter().chain(hi));
        self.value.iter().chain(band).copied()
    }

    /// The finite points of the line.
    fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let points = self.x.iter().copied().zip(self.value.iter().copied());
        points.filter(|(x, y)| x.is_finite() && y.is_finite())
    }

    /// The band as a closed polygon: along the upper bound, back along the
    /// lower one.
    fn band_polygon(&self) -> Option<Vec<(f64, f64)>> {
        let (lo, hi) = self.band.as_ref()?;
        let upper = self.x.iter().copied().zip(hi.iter().copied());
        let lower = self.x.iter().copied().zip(lo.iter().copied()).rev();
        let polygon: Vec<_> = upper
            .chain(lower)
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        (polygon.len() >= 3).then_some(polygon)
    }
}

/// Lines with bands on numeric axes.
struct Lines {
    title: String,
    x_desc: String,
    y_desc: String,
    x: Range<f64>,
    y: Range<f64>,
    /// Y values are shares, labelled as percentages.
    percent: bool,
    /// Draw a horizontal line at y = 0.
    zero_line: bool,
    /// X takes a few whole values (thread counts): mark each point and
    /// label whole numbers only.
    discrete_x: bool,
    series: Vec<Series>,
    /// Text in the middle of the plot (when there is nothing to show).
    note: Option<String>,
}

impl Chart for Lines {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, TITLE_PX))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(100)
            .build_cartesian_2d(self.x.clone(), self.y.clone())
            .map_err(err)?;
        let percent = self.percent;
        let y_format = move |v: &f64| {
            if percent {
                format!("{}%", number(100.0 * v))
            } else {
                number(*v)
            }
        };
        let discrete_x = self.discrete_x;
        let x_format = move |v: &f64| {
            if discrete_x && v.fract() != 0.0 {
                String::new()
            } else {
                number(*v)
            }
        };
        house_style(&mut chart.configure_mesh())
            .x_desc(&self.x_desc)
            .y_desc(&self.y_desc)
            .y_label_formatter(&y_format)
            .x_label_formatter(&x_format)
            .draw()
            .map_err(err)?;
        if self.zero_line {
            let zero = [(self.x.start, 0.0), (self.x.end, 0.0)];
            chart
                .draw_series(LineSeries::new(zero, BLACK.stroke_width(1)))
                .map_err(err)?;
        }
        // Bands first, so no band covers another policy's line.
        for s in &self.series {
            if let Some(polygon) = s.band_polygon() {
                let band = Polygon::new(polygon, s.colour.mix(0.2).filled());
                chart.draw_series(std::iter::once(band)).map_err(err)?;
            }
        }
        for s in &self.series {
            let c = s.colour;
            chart
                .draw_series(LineSeries::new(s.points(), c.stroke_width(3)))
                .map_err(err)?
                .label(&s.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(4)));
            if self.discrete_x {
                let dots = s.points().map(|p| Circle::new(p, 5, c.filled()));
                chart.draw_series(dots).map_err(err)?;
            }
        }
        if !self.series.is_empty() {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .label_font((FONT, LABEL_PX))
                .position(legend_corner(&self.series, &self.x, &self.y))
                .draw()
                .map_err(err)?;
        }
        if let Some(note) = &self.note {
            let area = chart.plotting_area();
            let (w, h) = area.dim_in_pixel();
            let style = TextStyle::from((FONT, 24)).pos(Pos::new(HPos::Center, VPos::Center));
            let centre = area.get_base_pixel();
            let centre = (centre.0 + w as i32 / 2, centre.1 + h as i32 / 2);
            root.draw(&Text::new(note.as_str(), centre, style)).map_err(err)?;
        }
        Ok(())
    }
}

/// Shared axis look: readable labels, light major grid, no minor grid.
fn house_style<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, AXIS_DESC_PX))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(WHITE.mix(0.0))
}

/// The corner of the plot where the legend hides the fewest points of the
/// lines and bands (upper right first on ties).
fn legend_corner(series: &[Series], x: &Range<f64>, y: &Range<f64>) -> SeriesLabelPosition {
    use SeriesLabelPosition::{LowerLeft, LowerRight, UpperLeft, UpperRight};
    // The legend box as fractions of the plot: wide enough for a long
    // policy name, one line per series.
    let (w, h) = (0.4, 0.06 + 0.055 * series.len() as f64);
    let corners = [
        (UpperRight, 1.0, 1.0),
        (LowerRight, 1.0, 0.0),
        (UpperLeft, 0.0, 1.0),
        (LowerLeft, 0.0, 0.0),
    ];
    let (width, height) = (x.end - x.start, y.end - y.start);
    let mut points = Vec::new();
    for s in series {
        let lines = [
            Some(&s.value),
            s.band.as_ref().map(|b| &b.0),
            s.band.as_ref().map(|b| &b.1),
        ];
        for ys in lines.into_iter().flatten() {
            let pts: Vec<(f64, f64)> =
                s.x.iter()
                    .zip(ys)
                    .map(|(&a, &b)| ((a - x.start) / width, (b - y.start) / height))
                    .collect();
            // Interpolate so sparse lines still count where they cross.
            for pair in pts.windows(2) {
                let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
                points.extend((0..8).map(|k| {
                    let t = f64::from(k) / 8.0;
                    (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
                }));
            }
            points.extend(pts.last().copied());
        }
    }
    let hidden = |cx: f64, cy: f64| {
        let inside = |&&(px, py): &&(f64, f64)| (px - cx).abs() <= w && (py - cy).abs() <= h;
        points.iter().filter(inside).count()
    };
    corners
        .into_iter()
        .min_by_key(|&(_, cx, cy)| hidden(cx, cy))
        .map_or(UpperRight, |(corner, _, _)| corner)
}

/// Stacked bars: deepest level reached by outcome at the horizon.
struct Pathway<'a> {
    results: &'a RunResults,
}

/// Names of the rows of [`crate::estimate::summary::PathwayCounts`].
const PATHWAY_LEVELS: [&str; 4] = ["no intervention", LEVELS[0], LEVELS[1], LEVELS[2]];
/// Names of its columns.
const PATHWAY_OUTCOMES: [&str; 2] = ["symptom-free", "symptomatic"];
/// Segments narrower than this share carry no label.
const MIN_LABELLED_SHARE: f64 = 0.06;

impl Chart for Pathway<'_> {
    /// Tall enough for the legend; a bar's thickness does not grow with
    /// fewer policies.
    fn size(&self) -> (u32, u32) {
        (SIZE.0, (220 + 120 * self.results.policies.len() as u32).max(520))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let policies = &self.results.policies;
        let rows = Rows {
            labels: policies.iter().map(|p| p.name.clone()).collect(),
        };
        let (plot, legend) = root.split_horizontally(SIZE.0 - 340);
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                format!("Deepest level of care and outcome, {}", self.results.scenario),
                (FONT, 26),
            )
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(rows.label_area(LABEL_PX))
            .build_cartesian_2d(0.0..1.0, rows.range())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh())
            .x_desc("Share of patients")
            .x_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
            .y_labels(rows.n())
            .y_label_formatter(&|v| rows.label(*v))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        for (i, p) in policies.iter().enumerate() {
            let total: u64 = p.pathway.iter().flatten().sum();
            let (y, mut x) = (rows.y(i), 0.0);
            for (level, counts) in p.pathway.iter().enumerate() {
                for (outcome, &count) in counts.iter().enumerate() {
                    let w = count as f64 / total.max(1) as f64;
                    let bar = Rectangle::new(
                        [(x, y - 0.32), (x + w, y + 0.32)],
                        segment_colour(level, outcome).filled(),
                    );
                    chart.draw_series(std::iter::once(bar)).map_err(err)?;
                    if w >= MIN_LABELLED_SHARE {
                        let ink = if outcome == 0 { &BLACK } else { &WHITE };
                        let style = TextStyle::from((FONT, 18))
                            .color(ink)
                            .pos(Pos::new(HPos::Center, VPos::Center));
                        let text = Text::new(format!("{:.0}%", 100.0 * w), (x + w / 2.0, y), style);
                        chart.draw_series(std::iter::once(text)).map_err(err)?;
                    }
                    x += w;
                }
            }
        }
        draw_pathway_legend(&legend)
    }
}

/// The key of the pathway chart: a swatch per level and outcome.
fn draw_pathway_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Result<(), String> {
    let heading = (FONT, LABEL_PX);
    area.draw(&Text::new("Deepest level reached,", (10, 100), heading))
        .map_err(err)?;
    area.draw(&Text::new("outcome at the horizon", (10, 126), heading))
        .map_err(err)?;
    let mut y = 170;
    for (level, name) in PATHWAY_LEVELS.iter().enumerate() {
        for (outcome, what) in PATHWAY_OUTCOMES.iter().enumerate() {
            let swatch = Rectangle::new([(10, y), (40, y + 24)], segment_colour(level, outcome).filled());
            area.draw(&swatch).map_err(err)?;
            let label = format!("{}, {what}", name.replace('_', " "));
            area.draw(&Text::new(label, (50, y + 2), (FONT, 18))).map_err(err)?;
            y += 36;
        }
    }
    Ok(())
}

/// Level hue (grey for none); light when symptom-free at the horizon, full
/// when still symptomatic.
fn segment_colour(level: usize, outcome: usize) -> RGBColor {
    let base = [RGBColor(110, 110, 110), PALETTE[2], PALETTE[0], PALETTE[1]][level.min(3)];
    if outcome == 0 { tint(base, 0.55) } else { base }
}

/// One interval of a forest plot, in percentage points.
struct ForestRow {
    label: String,
    value: f64,
    paired: (f64, f64),
    unpaired: (f64, f64),
    colour: RGBColor,
}

impl ForestRow {
    fn new(label: String, d: &Difference, colour: RGBColor) -> ForestRow {
        ForestRow {
            label,
            value: 100.0 * d.paired.value,
            paired: (100.0 * d.paired.lo, 100.0 * d.paired.hi),
            unpaired: (100.0 * d.unpaired.lo, 100.0 * d.unpaired.hi),
            colour,
        }
    }
}

/// Rows of intervals around zero.
struct Forest {
    title: String,
    x_desc: String,
    rows: Vec<ForestRow>,
}

impl Chart for Forest {
    fn size(&self) -> (u32, u32) {
        (SIZE.0, (180 + 36 * self.rows.len() as u32).max(400))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let rows = Rows {
            labels: self.rows.iter().map(|r| r.label.clone()).collect(),
        };
        let ends = self
            .rows
            .iter()
            .flat_map(|r| [r.paired.0, r.paired.1, r.unpaired.0, r.unpaired.1]);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(rows.label_area(18))
            .build_cartesian_2d(padded_range(ends.chain([0.0]), 0.08, 0.5), rows.range())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh())
            .x_desc(&self.x_desc)
            .label_style((FONT, 18))
            .axis_desc_style((FONT, 20))
            .y_labels(rows.n())
            .y_label_formatter(&|v| rows.label(*v))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        let Range { start, end } = rows.range();
        let zero = [(0.0, start), (0.0, end)];
        chart
            .draw_series(LineSeries::new(zero, BLACK.stroke_width(1)))
            .map_err(err)?;
        for (i, r) in self.rows.iter().enumerate() {
            let y = rows.y(i);
            for ((a, b), width) in [(r.unpaired, 1), (r.paired, 5)] {
                if a.is_finite() && b.is_finite() {
                    let line = PathElement::new(vec![(a, y), (b, y)], r.colour.stroke_width(width));
                    chart.draw_series(std::iter::once(line)).map_err(err)?;
                }
            }
            if r.value.is_finite() {
                let dot = Circle::new((r.value, y), 5, r.colour.filled());
                chart.draw_series(std::iter::once(dot)).map_err(err)?;
            }
        }
        Ok(())
    }
}

/// One-way sensitivity: bars from the base estimate to the estimate at each
/// end of a parameter's range.
struct Tornado<'a> {
    s: &'a SensitivityResults,
}

impl Chart for Tornado<'_> {
    fn size(&self) -> (u32, u32) {
        (1300, (220 + 44 * self.s.rows.len() as u32).max(450))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let base = self.s.base.value;
        let rows = Rows {
            labels: self
                .s
                .rows
                .iter()
                .map(|r| format!("{} [{}, {}]", r.parameter, r.low, r.high))
                .collect(),
        };
        let values = self.s.rows.iter().flat_map(|r| [r.at_low.value, r.at_high.value]);
        let (plot, legend) = root.split_vertically(self.size().1 - 60);
        let mut chart = ChartBuilder::on(&plot)
            .caption(format!("One-way sensitivity: {}", self.s.target.label()), (FONT, 24))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(rows.label_area(18))
            .build_cartesian_2d(padded_range(values.chain([base]), 0.1, 1e-3), rows.range())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh())
            .x_desc(self.s.target.label())
            .label_style((FONT, 18))
            .axis_desc_style((FONT, 20))
            .y_labels(rows.n())
            .y_label_formatter(&|v| rows.label(*v))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        let ends = [PALETTE[0], PALETTE[1]];
        for (i, r) in self.s.rows.iter().enumerate() {
            let y = rows.y(i);
            for (end, c) in [r.at_low.value, r.at_high.value].into_iter().zip(ends) {
                if end.is_finite() && base.is_finite() {
                    let bar = Rectangle::new([(base.min(end), y - 0.3), (base.max(end), y + 0.3)], c.filled());
                    chart.draw_series(std::iter::once(bar)).map_err(err)?;
                }
            }
        }
        if base.is_finite() {
            let Range { start, end } = rows.range();
            let base_line = [(base, start), (base, end)];
            chart
                .draw_series(LineSeries::new(base_line, BLACK.stroke_width(2)))
                .map_err(err)?;
        }
        let keys = ["parameter at its low value", "parameter at its high value"];
        for (k, (text, c)) in keys.into_iter().zip(ends).enumerate() {
            let x = 500 + 330 * k as i32;
            legend
                .draw(&Rectangle::new([(x, 15), (x + 28, 39)], c.filled()))
                .map_err(err)?;
            legend.draw(&Text::new(text, (x + 36, 16), (FONT, 18))).map_err(err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::sweep::{Sensitivity, Target};
    use crate::estimate::compare::Comparison;
    use crate::estimate::summary::{Bin, Curves, GroupSummary};
    use crate::stats::Estimate;

    /// A fresh empty folder under the system temp dir.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("foramen-plot-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A policy of 1000 patients of whom `share` recover, exponentially.
    fn policy(name: &str, share: f64) -> PolicyResults {
        let day: Vec<f64> = (0..=52).map(|w| f64::from(w) * 7.0).collect();
        let value: Vec<f64> = day.iter().map(|d| share * (1.0 - (-d / 60.0).exp())).collect();
        let recovered = Curve {
            lo: value.iter().map(|v| (v - 0.03).max(0.0)).collect(),
            hi: value.iter().map(|v| (v + 0.03).min(1.0)).collect(),
            day,
            value,
        };
        let hist = recovered
            .value
            .windows(2)
            .enumerate()
            .map(|(i, w)| Bin {
                start: i as f64 * 7.0,
                end: (i + 1) as f64 * 7.0,
                count: ((w[1] - w[0]) * 1000.0).round() as u64,
            })
            .filter(|b| b.count > 0)
            .collect();
        let nan = Estimate::NAN;
        PolicyResults {
            name: name.to_string(),
            overall: GroupSummary {
                patients: 1000,
                estimates: [nan; crate::outcome::N],
            },
            curves: Curves {
                recovered,
                ..Curves::default()
            },
            pathway: [[50, 10], [400, 100], [200, 60], [150, 30]],
            recovery_time_hist: hist,
            subgroups: Vec::new(),
        }
    }

    fn results(policies: Vec<PolicyResults>) -> RunResults {
        RunResults {
            scenario: "test".into(),
            horizon_days: 364.0,
            subgroup_by: Vec::new(),
            policies,
            reference: 0,
            comparisons: Vec::new(),
        }
    }

    fn assert_written(files: &[PathBuf], dir: &Path, names: &[&str]) {
        let mut expected: Vec<PathBuf> = names
            .iter()
            .flat_map(|n| [dir.join(format!("{n}.png")), dir.join(format!("{n}.svg"))])
            .collect();
        let mut files = files.to_vec();
        expected.sort();
        files.sort();
        assert_eq!(files, expected);
        for f in &files {
            let len = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
            assert!(len > 0, "{} is missing or empty", f.display());
        }
    }

    #[test]
    fn writes_the_three_charts_as_png_and_svg() {
        let dir = temp_dir("run");
        let r = results(vec![policy("stepwise", 0.8), policy("early-surgery", 0.9)]);
        let files = write_plots(&r, &dir).unwrap();
        assert_written(&files, &dir, &["recovery_curves", "pathway", "time_to_recovery"]);
        let svg = std::fs::read_to_string(dir.join("recovery_curves.svg")).unwrap();
        assert!(svg.contains("early-surgery"), "legend names the policies");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn one_policy_with_no_recoveries_and_no_patients() {
        let dir = temp_dir("empty");
        let mut p = policy("stepwise", 0.0);
        p.recovery_time_hist.clear();
        p.pathway = [[0; 2]; 4];
        let files = write_plots(&results(vec![p]), &dir).unwrap();
        assert_written(&files, &dir, &["recovery_curves", "pathway", "time_to_recovery"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn no_policies_at_all() {
        let dir = temp_dir("none");
        let files = write_plots(&results(Vec::new()), &dir).unwrap();
        assert_eq!(files.len(), 6);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn comparisons_with_a_reference_that_is_not_first() {
        let dir = temp_dir("compare");
        let mut r = results(vec![policy("stepwise", 0.8), policy("early-surgery", 0.9)]);
        r.reference = 1;
        let d = |outcome| Difference {
            outcome,
            policy_value: 0.8,
            reference_value: 0.9,
            paired: Estimate {
                value: -0.1,
                lo: -0.12,
                hi: -0.08,
                se: 0.01,
            },
            unpaired: Estimate {
                value: -0.1,
                lo: -0.15,
                hi: -0.05,
                se: 0.025,
            },
        };
        r.comparisons.push(Comparison {
            policy: "stepwise".into(),
            reference: "early-surgery".into(),
            differences: vec![d("recovered"), d("surgery")],
            recovered_difference: r.policies[0].curves.recovered.clone(),
            subgroups: Vec::new(),
        });
        let files = write_plots(&r, &dir).unwrap();
        let names = [
            "recovery_curves",
            "pathway",
            "time_to_recovery",
            "differences",
            "recovery_difference",
        ];
        assert_written(&files, &dir, &names);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn tornado_with_one_parameter() {
        let dir = temp_dir("tornado");
        let e = |value| Estimate {
            value,
            lo: value,
            hi: value,
            se: 0.0,
        };
        let s = SensitivityResults {
            target: Target::Policy {
                outcome: Id::Recovered.def(),
                policy: "stepwise".into(),
            },
            base: e(0.8),
            rows: vec![Sensitivity {
                parameter: "conservative.success".into(),
                base_value: 0.5,
                low: 0.3,
                high: 0.7,
                at_low: e(0.75),
                at_high: e(0.85),
            }],
        };
        let files = write_tornado(&s, &dir).unwrap();
        assert_written(&files, &dir, &["tornado"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("foramen-plot-{}-missing/none", std::process::id()));
        let e = write_plots(&results(vec![policy("stepwise", 0.5)]), &dir).unwrap_err();
        assert!(e.to_string().contains("recovery_curves.png"), "{e}");
    }

    #[test]
    fn embedded_font_loads() {
        assert!(font_ready());
    }

    #[test]
    fn nice_top_rounds_up_and_never_collapses() {
        assert_eq!(nice_top(0.0), 1.0);
        assert_eq!(nice_top(f64::NAN), 1.0);
        assert!((nice_top(0.0885) - 0.09).abs() < 1e-12);
        assert_eq!(nice_top(3.0), 1.0);
        let r = padded_range([0.2, 0.2].into_iter(), 0.1, 0.0);
        assert!(r.end > r.start);
    }
}
