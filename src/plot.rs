//! The only plotters code: every chart as PNG and SVG.
//!
//! Each chart is a value implementing [`Chart`], drawn once per backend by
//! [`save`], so the PNG and the SVG are the same picture. The charts:
//!
//! * `recovery_curves`: cumulative recovery (1 - Kaplan-Meier) per policy,
//!   with its 95% band;
//! * `pathway`: share of patients by deepest level of care reached and
//!   whether they were symptom-free at the horizon, one bar per policy;
//! * `time_to_recovery`: among the recovered, the share recovering in each
//!   week, per policy;
//! * `differences`: forest plot of each policy minus the reference, paired
//!   95% interval (thick) and the unpaired one (thin);
//! * `recovery_difference`: the difference in cumulative recovery over
//!   time, with its paired band;
//! * `subgroup_differences_<outcome>`: the forest plot within subgroups;
//! * `sweep_<outcome>` and `tornado`: sweeps and one-way sensitivity.
//!
//! Colours are the Okabe-Ito palette (safe for colour-blind readers); the
//! text font (DejaVu Sans) is embedded, so no system fonts are needed.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::compare::Difference;
use crate::summary::{Curve, LEVEL_NAMES, RunResults};
use crate::sweep::{SensitivityResults, SweepPoint};

#[derive(Debug, thiserror::Error)]
#[error("cannot draw {}: {message}", path.display())]
pub struct PlotError {
    pub path: PathBuf,
    pub message: String,
}

const FONT: &str = "sans-serif";
const SIZE: (u32, u32) = (1200, 800);

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

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A picture that can be drawn on any backend.
trait Chart {
    fn size(&self) -> (u32, u32) {
        SIZE
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

fn ensure_font() {
    static FONT_ONCE: Once = Once::new();
    FONT_ONCE.call_once(|| {
        // The font is valid (checked by a test); a failure would show as
        // missing text, never as a panic.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, include_bytes!("../assets/DejaVuSans.ttf"));
    });
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Draws `chart` into `<dir>/<name>.png` and `.svg`.
fn save(chart: &impl Chart, dir: &Path, name: &str, files: &mut Vec<PathBuf>) -> Result<(), PlotError> {
    ensure_font();
    let size = chart.size();
    let png = dir.join(format!("{name}.png"));
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |message| PlotError { path, message }
    };
    {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        root.fill(&WHITE).map_err(err).map_err(fail(&png))?;
        chart.draw(&root).map_err(fail(&png))?;
        root.present().map_err(err).map_err(fail(&png))?;
    }
    let svg = dir.join(format!("{name}.svg"));
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err).map_err(fail(&svg))?;
        chart.draw(&root).map_err(fail(&svg))?;
        root.present().map_err(err).map_err(fail(&svg))?;
    }
    files.push(png);
    files.push(svg);
    Ok(())
}

/// Writes the charts of a run; returns the files written.
///
/// # Errors
/// [`PlotError`] naming the file that could not be drawn.
pub fn write_plots(results: &RunResults, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    let horizon = results.horizon_days;
    let policies = &results.policies;
    let recovery = Lines {
        title: format!("Cumulative recovery by policy (95% bands), {}", results.scenario),
        x_desc: "Days since presentation".into(),
        y_desc: "Recovered (cumulative share)".into(),
        x: 0.0..horizon,
        y: 0.0..1.0,
        percent: true,
        zero_line: false,
        series: policies
            .iter()
            .map(|p| Series::curve(&p.name, &p.curves.recovered, true))
            .collect(),
        legend: SeriesLabelPosition::LowerRight,
    };
    save(&recovery, dir, "recovery_curves", &mut files)?;
    save(&Pathway { results }, dir, "pathway", &mut files)?;
    let weekly: Vec<Series> = policies
        .iter()
        .map(|p| {
            let total: u64 = p.recovery_time_hist.iter().map(|b| b.count).sum();
            let x = p.recovery_time_hist.iter().map(|b| (b.start + b.end) / 2.0).collect();
            let share: Vec<f64> = p
                .recovery_time_hist
                .iter()
                .map(|b| b.count as f64 / total.max(1) as f64)
                .collect();
            Series::new(&p.name, x, share, None)
        })
        .collect();
    let top = weekly.iter().flat_map(|s| s.value.iter().copied()).fold(0.0, f64::max);
    let weekly = Lines {
        title: format!("Time to first recovery among the recovered, {}", results.scenario),
        x_desc: "Days since presentation (weekly bins)".into(),
        y_desc: "Share of recoveries in the week".into(),
        x: 0.0..horizon,
        y: 0.0..nice_top(top),
        percent: true,
        zero_line: false,
        series: weekly,
        legend: SeriesLabelPosition::UpperRight,
    };
    save(&weekly, dir, "time_to_recovery", &mut files)?;
    if !results.comparisons.is_empty() {
        write_comparison_plots(results, dir, &mut files)?;
    }
    Ok(files)
}

/// Outcomes shown in forest plots (shares, in percentage points).
const FOREST_OUTCOMES: [&str; 6] = [
    "recovered",
    "symptom_free",
    "surgery",
    "fusion",
    "complication",
    "relapse",
];

fn write_comparison_plots(results: &RunResults, dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), PlotError> {
    let reference = &results.policies[results.reference].name;
    let mut rows = Vec::new();
    for (i, c) in results.comparisons.iter().enumerate() {
        rows.extend(forest_rows(&c.differences, &c.policy, i));
    }
    let forest = Forest {
        title: format!("Difference from {reference} (paired 95% CI thick, unpaired thin)"),
        x_desc: "Difference, percentage points".into(),
        rows,
    };
    save(&forest, dir, "differences", files)?;
    let lo = results
        .comparisons
        .iter()
        .flat_map(|c| c.recovered_difference.lo.iter().copied());
    let hi = results
        .comparisons
        .iter()
        .flat_map(|c| c.recovered_difference.hi.iter().copied());
    let (ymin, ymax) = (lo.fold(0.0, f64::min), hi.fold(0.0, f64::max));
    let pad = ((ymax - ymin) * 0.05).max(0.005);
    let difference = Lines {
        title: format!("Difference in cumulative recovery from {reference} (paired 95% bands)"),
        x_desc: "Days since presentation".into(),
        y_desc: "Difference in share recovered".into(),
        x: 0.0..results.horizon_days,
        y: (ymin - pad)..(ymax + pad),
        percent: true,
        zero_line: true,
        series: results
            .comparisons
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut s = Series::curve(&format!("{} - {reference}", c.policy), &c.recovered_difference, true);
                s.colour = colour(i + 1);
                s
            })
            .collect(),
        legend: SeriesLabelPosition::LowerRight,
    };
    save(&difference, dir, "recovery_difference", files)?;
    if !results.subgroup_by.is_empty() {
        for outcome in ["recovered", "surgery"] {
            let mut rows = Vec::new();
            for (i, c) in results.comparisons.iter().enumerate() {
                for (label, _, diffs) in &c.subgroups {
                    let d = diffs.iter().filter(|d| d.outcome == outcome);
                    rows.extend(d.map(|d| forest_row(format!("{}: {label}", c.policy), d, i)));
                }
            }
            let chart = Forest {
                title: format!("Difference in {outcome} from {reference} by subgroup (paired 95% CI)"),
                x_desc: "Difference, percentage points".into(),
                rows,
            };
            save(&chart, dir, &format!("subgroup_differences_{outcome}"), files)?;
        }
    }
    Ok(())
}

fn forest_rows(diffs: &[Difference], policy: &str, i: usize) -> Vec<ForestRow> {
    diffs
        .iter()
        .filter(|d| FOREST_OUTCOMES.contains(&d.outcome))
        .map(|d| forest_row(format!("{policy}: {}", d.outcome), d, i))
        .collect()
}

fn forest_row(label: String, d: &Difference, i: usize) -> ForestRow {
    ForestRow {
        label,
        value: 100.0 * d.paired.value,
        paired: (100.0 * d.paired.lo, 100.0 * d.paired.hi),
        unpaired: (100.0 * d.unpaired.lo, 100.0 * d.unpaired.hi),
        colour: colour(i + 1),
    }
}

/// Writes `sweep_<outcome>.png/.svg` for each outcome.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_sweep_plots(
    parameter: &str,
    points: &[SweepPoint],
    outcomes: &[&str],
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    let Some(first) = points.first() else { return Ok(files) };
    let xs: Vec<f64> = points.iter().map(|p| p.value).collect();
    let (x0, x1) = (
        xs.iter().copied().fold(f64::INFINITY, f64::min),
        xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    for outcome in outcomes {
        let share = !matches!(*outcome, "median_days" | "symptomatic_days" | "interventions");
        let series: Vec<Series> = first
            .results
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let est: Vec<_> = points
                    .iter()
                    .map(|pt| {
                        pt.results.policies[i]
                            .overall
                            .estimate(outcome)
                            .unwrap_or(crate::summary::Estimate::NAN)
                    })
                    .collect();
                Series::new(
                    &p.name,
                    xs.clone(),
                    est.iter().map(|e| e.value).collect(),
                    Some((est.iter().map(|e| e.lo).collect(), est.iter().map(|e| e.hi).collect())),
                )
            })
            .collect();
        let finite = series.iter().flat_map(|s| s.all_values()).filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let pad = ((hi - lo) * 0.08).max(if share { 0.005 } else { 0.5 });
        let chart = Lines {
            title: format!("{outcome} against {parameter} (95% bands)"),
            x_desc: parameter.to_string(),
            y_desc: outcome.replace('_', " "),
            x: if x1 > x0 { x0..x1 } else { (x0 - 1.0)..(x1 + 1.0) },
            y: (lo - pad)..(hi + pad),
            percent: share,
            zero_line: false,
            series,
            legend: SeriesLabelPosition::LowerRight,
        };
        save(&chart, dir, &format!("sweep_{outcome}"), &mut files)?;
    }
    Ok(files)
}

/// Writes `tornado.png/.svg`.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_tornado(s: &SensitivityResults, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    save(&Tornado { s }, dir, "tornado", &mut files)?;
    Ok(files)
}

/// A categorical axis of `n` rows (plotters' segmented `0..m` has `m + 1`
/// segments).
fn category_axis(n: i32) -> plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordi32> {
    (0..(n - 1).max(0)).into_segmented()
}

/// A rounded upper bound for an axis starting at 0.
fn nice_top(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let step = 10f64.powf(v.log10().floor()) / 2.0;
    ((v / step).ceil() * step).min(1.0).max(step)
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
    fn new(name: &str, x: Vec<f64>, value: Vec<f64>, band: Option<(Vec<f64>, Vec<f64>)>) -> Series {
        Series {
            name: name.to_string(),
            colour: BLACK,
            x,
            value,
            band,
        }
    }

    fn curve(name: &str, c: &Curve, band: bool) -> Series {
        Series::new(
            name,
            c.day.clone(),
            c.value.clone(),
            band.then(|| (c.lo.clone(), c.hi.clone())),
        )
    }

    fn all_values(&self) -> impl Iterator<Item = f64> + '_ {
        let band = self.band.iter().flat_map(|(lo, hi)| lo.iter().chain(hi));
        self.value.iter().chain(band).copied()
    }
}

/// Lines with bands on numeric axes.
struct Lines {
    title: String,
    x_desc: String,
    y_desc: String,
    x: Range<f64>,
    y: Range<f64>,
    percent: bool,
    zero_line: bool,
    series: Vec<Series>,
    /// Where the legend goes (lower right unless the curves end low).
    legend: SeriesLabelPosition,
}

impl Chart for Lines {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 28))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(100)
            .build_cartesian_2d(self.x.clone(), self.y.clone())
            .map_err(err)?;
        let percent = self.percent;
        let y_format = move |v: &f64| {
            let v = if v.abs() < 1e-12 { 0.0 } else { *v };
            if percent {
                format!("{:.0}%", 100.0 * v)
            } else {
                format!("{v:.1}")
            }
        };
        let y_format = if percent && self.y.end - self.y.start < 0.1 {
            Box::new(|v: &f64| format!("{:.1}%", 100.0 * v)) as Box<dyn Fn(&f64) -> String>
        } else {
            Box::new(y_format)
        };
        chart
            .configure_mesh()
            .x_desc(&self.x_desc)
            .y_desc(&self.y_desc)
            .label_style((FONT, 20))
            .axis_desc_style((FONT, 22))
            .y_label_formatter(&y_format)
            .x_label_formatter(&|v| {
                if v.abs() >= 10.0 {
                    format!("{v:.0}")
                } else {
                    format!("{v}")
                }
            })
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        if self.zero_line {
            chart
                .draw_series(LineSeries::new(
                    [(self.x.start, 0.0), (self.x.end, 0.0)],
                    BLACK.stroke_width(1),
                ))
                .map_err(err)?;
        }
        for (i, s) in self.series.iter().enumerate() {
            let c = if s.colour == BLACK { colour(i) } else { s.colour };
            if let Some((lo, hi)) = &s.band {
                let upper = s.x.iter().zip(hi).map(|(&x, &y)| (x, y));
                let lower = s.x.iter().zip(lo).rev().map(|(&x, &y)| (x, y));
                let polygon: Vec<(f64, f64)> = upper.chain(lower).filter(|p| p.1.is_finite()).collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(polygon, c.mix(0.2))))
                    .map_err(err)?;
            }
            let points =
                s.x.iter()
                    .zip(&s.value)
                    .map(|(&x, &y)| (x, y))
                    .filter(|p| p.1.is_finite());
            chart
                .draw_series(LineSeries::new(points, c.stroke_width(3)))
                .map_err(err)?
                .label(&s.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(4)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FONT, 20))
            .position(self.legend.clone())
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// Stacked bars: deepest level reached by outcome at the horizon.
struct Pathway<'a> {
    results: &'a RunResults,
}

impl Chart for Pathway<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let policies = &self.results.policies;
        let n = policies.len() as i32;
        let (plot, legend) = root.split_horizontally(880);
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                format!(
                    "Deepest level of care and outcome at the horizon, {}",
                    self.results.scenario
                ),
                (FONT, 26),
            )
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(220)
            .build_cartesian_2d(0.0..1.0, category_axis(n))
            .map_err(err)?;
        let names: Vec<String> = policies.iter().map(|p| p.name.clone()).collect();
        let y_format = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .x_desc("Share of patients")
            .light_line_style(WHITE.mix(0.0))
            .label_style((FONT, 20))
            .axis_desc_style((FONT, 22))
            .x_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
            .y_label_formatter(&y_format)
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        for (i, p) in policies.iter().enumerate() {
            let total: u64 = p.pathway.iter().flatten().sum();
            let mut x = 0.0;
            for (level, row) in p.pathway.iter().enumerate() {
                for (outcome, &count) in row.iter().enumerate() {
                    let w = count as f64 / total.max(1) as f64;
                    let mut bar = Rectangle::new(
                        [
                            (x, SegmentValue::Exact(i as i32)),
                            (x + w, SegmentValue::Exact(i as i32 + 1)),
                        ],
                        segment_style(level, outcome),
                    );
                    bar.set_margin(14, 14, 0, 0);
                    chart.draw_series(std::iter::once(bar)).map_err(err)?;
                    x += w;
                }
            }
        }
        // Legend: one swatch per level and outcome.
        let levels = ["no intervention"].into_iter().chain(LEVEL_NAMES.iter().copied());
        let mut y = 120;
        for (level, name) in levels.enumerate() {
            for (outcome, what) in ["symptom-free", "symptomatic"].iter().enumerate() {
                let label = format!("{}, {what}", name.replace('_', " "));
                legend
                    .draw(&Rectangle::new([(10, y), (40, y + 24)], segment_style(level, outcome)))
                    .map_err(err)?;
                legend.draw(&Text::new(label, (50, y + 2), (FONT, 18))).map_err(err)?;
                y += 36;
            }
        }
        Ok(())
    }
}

/// Level colour; darker when still symptomatic at the horizon.
fn segment_style(level: usize, outcome: usize) -> ShapeStyle {
    let base = [RGBColor(150, 150, 150), PALETTE[2], PALETTE[0], PALETTE[1]][level.min(3)];
    let c = if outcome == 0 { base.mix(0.45) } else { base.mix(1.0) };
    c.filled()
}

struct ForestRow {
    label: String,
    value: f64,
    paired: (f64, f64),
    unpaired: (f64, f64),
    colour: RGBColor,
}

/// Rows of intervals around zero.
struct Forest {
    title: String,
    x_desc: String,
    rows: Vec<ForestRow>,
}

impl Chart for Forest {
    fn size(&self) -> (u32, u32) {
        (1200, (160 + 34 * self.rows.len() as u32).max(400))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let n = self.rows.len() as i32;
        let ends = self
            .rows
            .iter()
            .flat_map(|r| [r.paired.0, r.paired.1, r.unpaired.0, r.unpaired.1]);
        let (lo, hi) = ends
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let pad = ((hi - lo) * 0.08).max(0.5);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(420)
            .build_cartesian_2d((lo - pad)..(hi + pad), category_axis(n))
            .map_err(err)?;
        let labels: Vec<&str> = self.rows.iter().map(|r| r.label.as_str()).collect();
        let y_format = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => labels
                .get((n - 1 - *i).max(0) as usize)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .x_desc(&self.x_desc)
            .light_line_style(WHITE.mix(0.0))
            .label_style((FONT, 18))
            .axis_desc_style((FONT, 20))
            .y_labels(self.rows.len().max(1))
            .y_label_formatter(&y_format)
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        let zero = [(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(n.max(1)))];
        chart
            .draw_series(LineSeries::new(zero, BLACK.stroke_width(1)))
            .map_err(err)?;
        for (i, r) in self.rows.iter().enumerate() {
            let y = SegmentValue::CenterOf(n - 1 - i as i32);
            let line = |(a, b): (f64, f64), w| {
                PathElement::new(vec![(a, y.clone()), (b, y.clone())], r.colour.stroke_width(w))
            };
            if r.unpaired.0.is_finite() {
                chart.draw_series(std::iter::once(line(r.unpaired, 1))).map_err(err)?;
            }
            if r.paired.0.is_finite() {
                chart.draw_series(std::iter::once(line(r.paired, 5))).map_err(err)?;
            }
            if r.value.is_finite() {
                chart
                    .draw_series(std::iter::once(Circle::new((r.value, y.clone()), 4, r.colour.filled())))
                    .map_err(err)?;
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
        (1300, (200 + 44 * self.s.rows.len() as u32).max(450))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let rows = &self.s.rows;
        let n = rows.len() as i32;
        let base = self.s.base.value;
        let values = rows
            .iter()
            .flat_map(|r| [r.at_low.value, r.at_high.value])
            .chain([base]);
        let (lo, hi) = values
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let pad = ((hi - lo) * 0.1).max(1e-3);
        let (plot, legend) = root.split_vertically(self.size().1 - 60);
        let mut chart = ChartBuilder::on(&plot)
            .caption(format!("One-way sensitivity: {}", self.s.target.label()), (FONT, 24))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(480)
            .build_cartesian_2d((lo - pad)..(hi + pad), category_axis(n))
            .map_err(err)?;
        let labels: Vec<String> = rows
            .iter()
            .map(|r| format!("{} [{}, {}]", r.parameter, r.low, r.high))
            .collect();
        let y_format = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => labels.get((n - 1 - *i).max(0) as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .x_desc(self.s.target.label())
            .light_line_style(WHITE.mix(0.0))
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 20))
            .y_labels(rows.len().max(1))
            .y_label_formatter(&y_format)
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        for (i, r) in rows.iter().enumerate() {
            let row = n - 1 - i as i32;
            for (end, c) in [(r.at_low.value, PALETTE[0]), (r.at_high.value, PALETTE[1])] {
                if !end.is_finite() {
                    continue;
                }
                let mut bar = Rectangle::new(
                    [
                        (base.min(end), SegmentValue::Exact(row)),
                        (base.max(end), SegmentValue::Exact(row + 1)),
                    ],
                    c.mix(0.85).filled(),
                );
                bar.set_margin(8, 8, 0, 0);
                chart.draw_series(std::iter::once(bar)).map_err(err)?;
            }
        }
        let base_line = [(base, SegmentValue::Exact(0)), (base, SegmentValue::Exact(n.max(1)))];
        chart
            .draw_series(LineSeries::new(base_line, BLACK.stroke_width(2)))
            .map_err(err)?;
        for (k, (text, c)) in [
            ("parameter at its low value", PALETTE[0]),
            ("parameter at its high value", PALETTE[1]),
        ]
        .into_iter()
        .enumerate()
        {
            let x = 500 + 330 * k as i32;
            legend
                .draw(&Rectangle::new([(x, 15), (x + 28, 39)], c.filled()))
                .map_err(err)?;
            legend.draw(&Text::new(text, (x + 36, 16), (FONT, 18))).map_err(err)?;
        }
        Ok(())
    }
}
