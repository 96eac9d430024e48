//! What every chart shares: errors, sizes, the palette, the `Chart` trait,
//! drawing once on PNG and once on SVG, axis helpers.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters_backend::{BackendCoord, DrawingErrorKind};

use super::style::TimeUnit;

pub(super) use super::style::{Format, Style};

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
pub(super) const FONT: &str = "sans-serif";
pub(super) const TITLE_PX: u32 = 28;
pub(super) const LABEL_PX: u32 = 20;
pub(super) const AXIS_DESC_PX: u32 = 22;

/// Okabe-Ito, ordered so neighbouring policies contrast.
pub(super) const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// The line pattern that goes with each colour of [`PALETTE`], so that
/// lines stay apart in grayscale and where they overlap: `None` solid,
/// else `(dash, gap)` in pixels.
pub(super) const DASHES: [Option<(u32, u32)>; 7] = [
    None,
    Some((12, 6)),
    Some((3, 5)),
    Some((18, 5)),
    Some((7, 3)),
    Some((1, 4)),
    Some((9, 7)),
];

/// The shape of a point drawn in each colour of [`PALETTE`] (scatter and
/// dot charts), so that series stay apart in grayscale as lines do by
/// [`DASHES`].
pub(super) const MARKERS: [Marker; 7] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::Cross,
    Marker::Down,
    Marker::Ring,
];

/// A point's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
    /// A triangle pointing down.
    Down,
    /// An open circle.
    Ring,
}

/// The shape of the points of a palette colour (a circle for any other).
pub(super) fn marker_of(c: RGBColor) -> Marker {
    PALETTE
        .iter()
        .position(|&p| p == c)
        .map_or(Marker::Circle, |i| MARKERS[i])
}

/// A point of shape `m` and radius `r` pixels at `at` (a data point or,
/// in a legend, a pixel), filled with `c` at opacity `alpha` (crosses and
/// rings are drawn with lines `width` wide).
pub(super) fn marker<C>(m: Marker, at: C, r: u32, c: RGBColor, alpha: f64, width: u32) -> Mark<C> {
    Mark {
        shape: m,
        at,
        r: r as i32,
        fill: c.mix(alpha).filled(),
        line: c.mix(alpha).stroke_width(width),
    }
}

/// A drawn point: see [`marker`].
pub(super) struct Mark<C> {
    shape: Marker,
    at: C,
    r: i32,
    fill: ShapeStyle,
    line: ShapeStyle,
}

impl<'a, C: 'a> PointCollection<'a, C> for &'a Mark<C> {
    type Point = &'a C;
    type IntoIter = std::iter::Once<&'a C>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

impl<C, DB: DrawingBackend> Drawable<DB> for Mark<C> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut points: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some((x, y)) = points.next() else {
            return Ok(());
        };
        let r = self.r;
        // Shapes of about the area of the circle of radius r.
        let (a, h, k) = (r * 13 / 10, r * 3 / 2, r * 9 / 10);
        let at = |points: &[(i32, i32)]| points.iter().map(|&(dx, dy)| (x + dx, y + dy)).collect::<Vec<_>>();
        match self.shape {
            Marker::Circle => backend.draw_circle((x, y), r as u32, &self.fill, true),
            Marker::Ring => backend.draw_circle((x, y), r as u32, &self.line, false),
            Marker::Square => backend.draw_rect((x - k, y - k), (x + k, y + k), &self.fill, true),
            Marker::Triangle => backend.fill_polygon(at(&[(0, -h), (a, h * 2 / 3), (-a, h * 2 / 3)]), &self.fill),
            Marker::Down => backend.fill_polygon(at(&[(0, h), (a, -h * 2 / 3), (-a, -h * 2 / 3)]), &self.fill),
            Marker::Diamond => backend.fill_polygon(at(&[(0, -h), (h, 0), (0, h), (-h, 0)]), &self.fill),
            Marker::Cross => {
                backend.draw_path(at(&[(-r, -r), (r, r)]), &self.line)?;
                backend.draw_path(at(&[(-r, r), (r, -r)]), &self.line)
            }
        }
    }
}

/// The line pattern of a palette colour (solid for any other colour).
pub(super) fn dash_of(c: RGBColor) -> Option<(u32, u32)> {
    PALETTE.iter().position(|&p| p == c).and_then(|i| DASHES[i])
}

/// The colour of the `i`-th policy of a run.
pub(super) fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The colour of the policy called `name` among `names` (black if there
/// is none).
pub(super) fn policy_colour<'a>(mut names: impl Iterator<Item = &'a str>, name: &str) -> RGBColor {
    names.position(|p| p == name).map_or(BLACK, colour)
}

/// `c` blended towards white by `amount` (0 keeps it, 1 gives white).
pub(super) fn tint(c: RGBColor, amount: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * amount).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// A picture that can be drawn on any backend, in any [`Style`].
pub(super) trait Chart {
    /// The picture's own size in pixels (before `--width` and `--height`).
    fn size(&self, s: &Style) -> (u32, u32) {
        s.base_size()
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String>;
    /// Whether the chart lays itself out in any canvas (its parts sized
    /// from the canvas it is given), so that a slide's 16:9 canvas needs
    /// no scaling; others are scaled to fit it.
    fn reflows(&self) -> bool {
        false
    }
}

/// The style a chart is drawn in and the picture's size: its own size,
/// fitted to `--width` and `--height`; in the `slides` theme without
/// them, the 16:9 canvas, which a chart that reflows fills as it is and
/// another fills scaled down to fit (the smaller ratio).
pub(super) fn layout(chart: &impl Chart, style: &Style) -> (Style, (u32, u32)) {
    let style = match style.slide_box() {
        Some(size) if chart.reflows() => return (style.clone(), size),
        Some((w, h)) => Style {
            width: Some(super::style::Length::Pixels(w)),
            height: Some(super::style::Length::Pixels(h)),
            ..style.clone()
        },
        None => style.clone(),
    };
    let fitted = style.fitted(chart.size(&style));
    let size = fitted.canvas(chart.size(&fitted));
    (fitted, size)
}

/// The embedded font, DejaVu Sans.
const FONT_FILE: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");

/// Registers the embedded font once; false if it could not be loaded.
pub(super) fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_FILE).is_ok())
}

/// A chart's SVG as a one-page PDF whose page is the picture's size at
/// `dpi` (svg2pdf: the SVG parsed by usvg, its text laid out in the
/// embedded font and embedded, subset, as selectable text).
fn svg_to_pdf(svg: &str, dpi: f64) -> Result<Vec<u8>, String> {
    use svg2pdf::usvg::{self, fontdb};
    static FONTS: OnceLock<std::sync::Arc<fontdb::Database>> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(FONT_FILE.to_vec());
        // Every text of a chart is in the generic family.
        db.set_sans_serif_family("DejaVu Sans");
        std::sync::Arc::new(db)
    });
    let options = usvg::Options {
        fontdb: fonts.clone(),
        font_family: "DejaVu Sans".into(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| format!("the chart's SVG cannot be read ({e})"))?;
    let page = svg2pdf::PageOptions { dpi: dpi as f32 };
    svg2pdf::to_pdf(&tree, svg2pdf::ConversionOptions::default(), page)
        .map_err(|e| format!("the chart cannot be converted to PDF ({e})"))
}

/// The width of `text` at `px` font size in the embedded font, in
/// pixels (an estimate from its length if the font cannot measure it).
pub(super) fn text_width(text: &str, px: u32) -> u32 {
    font_ready();
    FontDesc::from((FONT, f64::from(px)))
        .box_size(text)
        .map_or(text.chars().count() as u32 * px * 3 / 5, |(w, _)| w)
}

/// The font size, at most `px`, at which `text` fits in 95% of the width
/// of `area` (measured with the embedded font): titles that fit keep
/// their size, longer ones (larger themes, narrow pictures) shrink.
pub(super) fn fitting<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, px: u32) -> u32 {
    let room = f64::from(area.dim_in_pixel().0) * 0.95;
    let wide = area
        .estimate_text_size(text, &TextStyle::from((FONT, px)))
        .map_or(0.0, |(w, _)| f64::from(w));
    if wide <= room || wide <= 0.0 {
        px
    } else {
        ((f64::from(px) * room / wide).floor() as u32).max(1)
    }
}

/// Formats a plotters error (their types are generic).
pub(super) fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Where drawn charts go.
pub(super) enum Out<'a> {
    /// Files in a folder, one per format, and the paths written.
    Files {
        dir: &'a Path,
        formats: &'a [Format],
        written: Vec<PathBuf>,
    },
    /// SVG text by chart name, in memory.
    Svg(Vec<(String, String)>),
}

/// Draws `chart`, called `name`, in `style` to `out`.
pub(super) fn emit(chart: &impl Chart, name: &str, style: &Style, out: &mut Out) -> Result<(), PlotError> {
    match out {
        Out::Files { dir, formats, written } => save_as(chart, dir, name, style, formats, written),
        Out::Svg(svgs) => {
            let path = PathBuf::from(format!("{name}.svg"));
            if !font_ready() {
                return Err(PlotError::Font { path });
            }
            let (style, size) = layout(chart, style);
            let style = &style;
            let mut svg = String::new();
            draw_on(
                SVGBackend::with_string(&mut svg, size).into_drawing_area(),
                chart,
                style,
            )
            .map_err(|message| PlotError::Draw { path, message })?;
            svgs.push((name.to_string(), svg));
            Ok(())
        }
    }
}

/// Draws `chart` in `style` into `<dir>/<name>.<format>` for each of
/// `formats`, and adds the paths to `files`.
pub(super) fn save_as(
    chart: &impl Chart,
    dir: &Path,
    name: &str,
    style: &Style,
    formats: &[Format],
    files: &mut Vec<PathBuf>,
) -> Result<(), PlotError> {
    let style_in = style;
    let (style, size) = layout(chart, style);
    let style = &style;
    for &format in formats {
        let path = dir.join(format!("{name}.{}", format.extension()));
        if !font_ready() {
            return Err(PlotError::Font { path });
        }
        let drawn = match format {
            Format::Png => {
                let mut rgb = vec![0; size.0 as usize * size.1 as usize * 3];
                draw_on(
                    BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area(),
                    chart,
                    style,
                )
                .and_then(|()| write_png(&path, size, &rgb, style_in.dpi))
            }
            Format::Svg => draw_on(SVGBackend::new(&path, size).into_drawing_area(), chart, style),
            Format::Pdf => {
                let mut svg = String::new();
                draw_on(
                    SVGBackend::with_string(&mut svg, size).into_drawing_area(),
                    chart,
                    style,
                )
                .and_then(|()| svg_to_pdf(&svg, style_in.dpi))
                .and_then(|pdf| std::fs::write(&path, pdf).map_err(err))
            }
        };
        drawn.map_err(|message| PlotError::Draw {
            path: path.clone(),
            message,
        })?;
        files.push(path);
    }
    Ok(())
}

/// Writes 8-bit RGB pixels as a PNG whose pHYs chunk says `dpi` (in
/// pixels per metre, `dpi / 0.0254` rounded), so that word processors and
/// journal systems print it at the size it was drawn for.
fn write_png(path: &Path, (w, h): (u32, u32), rgb: &[u8], dpi: f64) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(err)?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let per_metre = (dpi / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(rgb).map_err(err)?;
    writer.finish().map_err(err)
}

/// Draws `chart` on a white background and writes the file.
pub(super) fn draw_on<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    chart: &impl Chart,
    s: &Style,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    chart.draw(&root, s)?;
    root.present().map_err(err)
}

/// The horizon as an axis end (at least one day).
pub(super) fn horizon_end(horizon_days: f64) -> f64 {
    if horizon_days.is_finite() {
        horizon_days.max(1.0)
    } else {
        1.0
    }
}

/// The factor and unit an outcome of `kind` is drawn in on an axis:
/// shares in percent (their differences, `contrast`, in percentage
/// points), days in days, years in years; other outcomes in their own
/// unit (none said).
pub(super) fn outcome_unit(kind: crate::outcome::Kind, contrast: bool) -> (f64, &'static str) {
    use crate::outcome::Kind;
    match (kind, contrast) {
        (Kind::Share, false) => (100.0, "%"),
        (Kind::Share, true) => (100.0, "percentage points"),
        (Kind::Days, _) => (1.0, "days"),
        (Kind::Years, _) => (1.0, "years"),
        (Kind::Money, _) | (Kind::Count, _) => (1.0, ""),
    }
}

/// `what (unit)`, or `what` without a unit.
pub(super) fn with_unit(what: &str, unit: &str) -> String {
    if unit.is_empty() {
        what.to_string()
    } else {
        format!("{what} ({unit})")
    }
}

/// The unit a time axis from day 0 to `end` is labelled in: `chosen`
/// (`--time-unit`), else days up to 8 weeks, weeks up to 6 months, months
/// up to 2 years, years beyond; its length in days (a month a twelfth of
/// 365.25) and its name.
pub(super) fn time_unit(end: f64, chosen: Option<TimeUnit>) -> (f64, &'static str) {
    let unit = chosen.unwrap_or(match horizon_end(end) {
        e if e < 56.0 => TimeUnit::Days,
        e if e < 182.0 => TimeUnit::Weeks,
        e if e <= 730.5 => TimeUnit::Months,
        _ => TimeUnit::Years,
    });
    (unit.days(), unit.name())
}

/// The labelled ticks of a time axis from day 0 to `end` (the horizon), in
/// days: round steps of its [`time_unit`] (1, 2 or 5 times a power of ten,
/// at most ten of them), each on the nearest whole day (the number at risk
/// is counted on whole days), the last tick `end` itself, and a round
/// tick closer to `end` than half a step left out so that their labels do
/// not collide.
pub(super) fn time_ticks(end: f64, chosen: Option<TimeUnit>) -> Vec<f64> {
    let end = horizon_end(end);
    let (unit, _) = time_unit(end, chosen);
    let span = end / unit;
    let power = 10f64.powf((span / 10.0).log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| span / step <= 10.0)
        .unwrap_or(10.0 * power);
    let mut ticks: Vec<f64> = (0u32..)
        .map(|k| f64::from(k) * step)
        .take_while(|&t| span - t >= step / 2.0)
        .map(|t| if unit == 1.0 { t } else { (t * unit).round() })
        .collect();
    ticks.push(end);
    ticks
}

/// A tick's label on a time axis ending at `end`: the day in the axis'
/// [`time_unit`], to a tenth.
pub(super) fn time_label(day: f64, end: f64, chosen: Option<TimeUnit>) -> String {
    let (unit, _) = time_unit(end, chosen);
    number((day / unit * 10.0).round() / 10.0)
}

/// A time axis' description: `what` with "Days" (or "days") said in the
/// axis' unit.
pub(super) fn time_desc(what: &str, end: f64, chosen: Option<TimeUnit>) -> String {
    let (_, name) = time_unit(end, chosen);
    let capital = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
    what.replacen("Days", &capital, 1).replacen("days", name, 1)
}

/// The finite span of `values` widened by `pad` of its width on each side
/// (and by at least `min_pad`). Never empty: a single value left without
/// padding gets a unit-wide axis, no values give `0..1`.
pub(super) fn padded_range(values: impl Iterator<Item = f64>, pad: f64, min_pad: f64) -> Range<f64> {
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

/// A number on a chart: whole numbers from 100 up (with thousands
/// separators from 1,000), else up to three decimals without trailing
/// zeros; a true minus sign (U+2212), and none for a value that rounds to
/// zero.
pub(super) fn number(v: f64) -> String {
    let text = if v.abs() >= 100.0 {
        let whole = format!("{:.0}", v.abs());
        let digits = whole.len();
        let grouped: String = whole
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let comma = i > 0 && (digits - i) % 3 == 0;
                comma.then_some(',').into_iter().chain([c])
            })
            .collect();
        if v < 0.0 { format!("-{grouped}") } else { grouped }
    } else {
        let text = format!("{v:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if text == "-0" {
        "0".to_string()
    } else {
        text.replacen('-', "\u{2212}", 1)
    }
}

/// A rounded upper bound for an axis starting at 0 (1 when nothing is
/// positive).
pub(super) fn nice_top(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let step = 10f64.powf(v.log10().floor()) / 2.0;
    ((v / step).ceil() * step).min(1.0).max(step)
}

/// Rows on a numeric y axis: row `i` of `n` is centred on `n - 1 - i`, so
/// the first row is on top, and the axis spans half a row beyond each end.
pub(super) struct Rows {
    pub(super) labels: Vec<String>,
}

impl Rows {
    pub(super) fn n(&self) -> usize {
        self.labels.len().max(1)
    }

    pub(super) fn range(&self) -> Range<f64> {
        -0.5..(self.n() as f64 - 0.5)
    }

    pub(super) fn y(&self, i: usize) -> f64 {
        (self.n() - 1 - i.min(self.n() - 1)) as f64
    }

    /// The label of the row at tick `v` (ticks fall on whole numbers).
    pub(super) fn label(&self, v: f64) -> String {
        let k = v.round();
        if (v - k).abs() > 1e-6 || k < 0.0 || k as usize >= self.labels.len() {
            return String::new();
        }
        self.labels[self.labels.len() - 1 - k as usize].clone()
    }

    /// Pixels wide enough for the longest label at `px` font size,
    /// measured with the embedded font (at least 80).
    pub(super) fn label_area(&self, px: u32) -> u32 {
        let widest = self.labels.iter().map(|l| text_width(l, px)).max().unwrap_or(0);
        (widest + 30).max(80)
    }
}
