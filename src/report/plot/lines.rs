//! Line charts with optional 95% bands (`Lines`), the legend placed in
//! the emptiest corner.

use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::*;
use super::style::TimeUnit;
use crate::estimate::summary::Curve;

/// One line with an optional band.
pub(super) struct Series {
    pub(super) name: String,
    pub(super) colour: RGBColor,
    pub(super) x: Vec<f64>,
    pub(super) value: Vec<f64>,
    pub(super) band: Option<(Vec<f64>, Vec<f64>)>,
    /// Drawn as a wide translucent path under the other lines (to mark
    /// which line is best where, as a cost-effectiveness frontier).
    pub(super) halo: bool,
}

impl Series {
    pub(super) fn new(
        name: &str,
        colour: RGBColor,
        x: Vec<f64>,
        value: Vec<f64>,
        band: Option<(Vec<f64>, Vec<f64>)>,
    ) -> Series {
        Series {
            name: name.to_string(),
            colour,
            x,
            value,
            band,
            halo: false,
        }
    }

    /// The same series drawn as a halo.
    pub(super) fn halo(mut self) -> Series {
        self.halo = true;
        self
    }

    /// A curve with its 95% band.
    pub(super) fn curve(name: &str, colour: RGBColor, c: &Curve) -> Series {
        Series::new(
            name,
            colour,
            c.day.clone(),
            c.value.clone(),
            Some((c.lo.clone(), c.hi.clone())),
        )
    }

    pub(super) fn all_values(&self) -> impl Iterator<Item = f64> + '_ {
        let band = self.band.iter().flat_map(|(lo, hi)| lo.iter().chain(hi));
        self.value.iter().chain(band).copied()
    }

    /// The finite points of the line.
    pub(super) fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let points = self.x.iter().copied().zip(self.value.iter().copied());
        points.filter(|(x, y)| x.is_finite() && y.is_finite())
    }

    /// The points of the line to draw: as they are, or as steps.
    fn path(&self, steps: bool) -> Vec<(f64, f64)> {
        let points = self.points();
        if steps { stepped(points) } else { points.collect() }
    }

    /// The band as a closed polygon: along the upper bound, back along the
    /// lower one (each as steps when `steps`).
    pub(super) fn band_polygon(&self, steps: bool) -> Option<Vec<(f64, f64)>> {
        let (lo, hi) = self.band.as_ref()?;
        let bound = |ys: &Vec<f64>| {
            let points = self.x.iter().copied().zip(ys.iter().copied());
            let points = points.filter(|(x, y)| x.is_finite() && y.is_finite());
            if steps { stepped(points) } else { points.collect() }
        };
        let mut polygon = bound(hi);
        polygon.extend(bound(lo).into_iter().rev());
        (polygon.len() >= 3).then_some(polygon)
    }
}

/// A step function through `points`: each value holds until the next
/// point's day, where it jumps (as a Kaplan-Meier curve is drawn).
pub(super) fn stepped(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let mut path: Vec<(f64, f64)> = Vec::new();
    for (x, y) in points {
        if let Some(&(_, before)) = path.last() {
            path.push((x, before));
        }
        path.push((x, y));
    }
    path
}

/// A row of the table under a chart's x axis: a series' name and colour
/// and its numbers by x (`(x, number)`), of which those at the x axis'
/// ticks are shown, as the number at risk under a Kaplan-Meier plot.
pub(super) struct TableRow {
    pub(super) name: String,
    pub(super) colour: RGBColor,
    pub(super) counts: Vec<(f64, u64)>,
}

impl TableRow {
    /// The number at `x`, if the row has one.
    fn at(&self, x: f64) -> Option<u64> {
        self.counts.iter().find(|(d, _)| *d == x).map(|&(_, n)| n)
    }
}

/// The table's heading and row heights, in text pixels of the default
/// style.
const TABLE_HEADING: u32 = 44;
const TABLE_ROW: u32 = 30;

/// Lines with bands on numeric axes.
#[derive(Default)]
pub(super) struct Lines {
    pub(super) title: String,
    pub(super) x_desc: String,
    pub(super) y_desc: String,
    pub(super) x: Range<f64>,
    pub(super) y: Range<f64>,
    /// Y values are shares, labelled as percentages.
    pub(super) percent: bool,
    /// Y values are differences of shares, labelled in percentage points
    /// (100 times, no % sign; the axis title says the unit).
    pub(super) percentage_points: bool,
    /// Draw a horizontal line at y = 0.
    pub(super) zero_line: bool,
    /// X takes a few whole values (thread counts): mark each point and
    /// label whole numbers only.
    pub(super) discrete_x: bool,
    pub(super) series: Vec<Series>,
    /// Text in the middle of the plot (when there is nothing to show).
    pub(super) note: Option<String>,
    /// X is days from 0 to `x.end`, the horizon: the last tick is the
    /// horizon ([`time_ticks`]).
    pub(super) time_axis: bool,
    /// A vertical line at this x with its text at the top (a parameter's
    /// base value).
    pub(super) x_mark: Option<(f64, String)>,
    /// Lines and bands drawn as steps (Kaplan-Meier curves).
    pub(super) steps: bool,
    /// A table under the x axis (`table_title` over it), one row per
    /// series: the number at risk.
    pub(super) table: Vec<TableRow>,
    pub(super) table_title: String,
}

impl Lines {
    /// The x axis' labelled ticks: [`time_ticks`] on a time axis, else
    /// plotters' own (as many as its mesh draws by default).
    fn x_ticks(&self, s: &Style) -> Vec<f64> {
        if self.time_axis {
            return time_ticks(self.x.end, s.time_unit);
        }
        let axis: plotters::coord::types::RangedCoordf64 = self.x.clone().into();
        axis.key_points(11usize)
    }

    /// How far left of the plot the table's row names end: beyond half
    /// the widest number of its first column, centred on the first tick.
    fn table_inset(&self, s: &Style) -> u32 {
        let ticks = self.x_ticks(s);
        let first = ticks
            .first()
            .into_iter()
            .flat_map(|&x| self.table.iter().map(move |r| cell(r.at(x))));
        first.map(|t| text_width(&t, s.text(LABEL_PX)) / 2).max().unwrap_or(0) + s.px(12)
    }

    /// Room right of the plot for half the last tick's label and the
    /// widest number under it, which are centred on the plot's edge.
    fn right_margin(&self, s: &Style) -> u32 {
        let px = s.text(LABEL_PX);
        let ticks = self.x_ticks(s);
        let last = ticks
            .last()
            .into_iter()
            .flat_map(|&x| self.table.iter().map(move |r| cell(r.at(x))));
        let label = ticks.last().map(|&x| number(x));
        let widest = last.chain(label).map(|t| text_width(&t, px)).max().unwrap_or(0);
        s.px(24).max(widest / 2 + s.px(6))
    }

    /// The height of the table under the x axis (0 without one).
    fn table_height(&self, s: &Style) -> u32 {
        if self.table.is_empty() {
            0
        } else {
            s.text(TABLE_HEADING + TABLE_ROW * self.table.len() as u32)
        }
    }
}

impl Chart for Lines {
    /// The picture's own size, taller by the table under the x axis.
    fn size(&self, s: &Style) -> (u32, u32) {
        let (w, h) = s.base_size();
        (w, h + self.table_height(s))
    }

    /// Without a table under it: a slide's table of numbers at risk
    /// needs the chart's own proportions, scaled.
    fn reflows(&self) -> bool {
        self.table.is_empty()
    }

    fn draw<DB: DrawingBackend>(&self, whole: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
        let (rw, rh) = whole.dim_in_pixel();
        let (whole, table_area) = whole.split_vertically(rh.saturating_sub(self.table_height(s)));
        let whole = &whole;
        let rh = rh.saturating_sub(self.table_height(s));
        // The y labels' area, wide enough for the table's row names beside
        // the numbers of its first column.
        let widest_row = self.table.iter().map(|r| text_width(&r.name, s.text(LABEL_PX))).max();
        let y_label_area = s
            .text(100)
            .max(widest_row.map_or(0, |w| w + self.table_inset(s) + s.px(30)));
        // The legend goes in a corner of the plot that it leaves empty, or,
        // when every corner has data, in a column beside the plot.
        let legend = Legend::measure(&self.series, s);
        let title_h = if s.title(&self.title).is_some() {
            2 * s.text(TITLE_PX)
        } else {
            0
        };
        let plot = (
            f64::from(rw.saturating_sub(y_label_area + 2 * s.px(24)).max(1)),
            f64::from(rh.saturating_sub(s.text(70) + 2 * s.px(24) + title_h).max(1)),
        );
        let margin = f64::from(s.text(10));
        let (corner, hidden) = legend_corner(
            &self.series,
            &self.x,
            &self.y,
            (
                (f64::from(legend.width) + margin) / plot.0,
                (f64::from(legend.height) + margin) / plot.1,
            ),
        );
        let beside = hidden > 0 && !self.series.is_empty();
        let (root, column) = if beside {
            let (left, right) = whole.split_horizontally(rw.saturating_sub(legend.width + s.px(24)));
            (left, Some(right))
        } else {
            (whole.clone(), None)
        };
        let root = &root;
        let mut builder = ChartBuilder::on(root);
        if let Some(title) = s.title(&self.title) {
            // (Centred over `root`, left of a legend drawn beside: it must
            // fit there.)
            builder.caption(title, (FONT, fitting(root, title, s.text(TITLE_PX))));
        }
        let mut chart = builder
            .margin(s.px(24))
            .margin_top(s.px(24).max(s.text(24)))
            .margin_right(self.right_margin(s))
            .x_label_area_size(s.text(70))
            .y_label_area_size(y_label_area)
            .build_cartesian_2d(
                Ticked {
                    axis: self.x.clone().into(),
                    ticks: self.x_ticks(s),
                },
                self.y.clone(),
            )
            .map_err(err)?;
        let (percent, points) = (self.percent, self.percentage_points);
        let y_format = move |v: &f64| {
            if points {
                number(100.0 * v)
            } else if percent {
                format!("{}%", number(100.0 * v))
            } else {
                number(*v)
            }
        };
        let discrete_x = self.discrete_x;
        let (time_axis, end, unit) = (self.time_axis, self.x.end, s.time_unit);
        let x_format = move |v: &f64| {
            if discrete_x && v.fract() != 0.0 {
                String::new()
            } else if time_axis {
                time_label(*v, end, unit)
            } else {
                number(*v)
            }
        };
        let x_desc = if time_axis {
            time_desc(&self.x_desc, end, unit)
        } else {
            self.x_desc.clone()
        };
        house_style(&mut chart.configure_mesh(), s)
            .x_desc(&x_desc)
            .y_desc(&self.y_desc)
            .y_label_formatter(&y_format)
            .x_label_formatter(&x_format)
            .draw()
            .map_err(err)?;
        if let Some((x, text)) = &self.x_mark {
            let (d, g) = (s.line(8), s.line(6));
            let mark = [(*x, self.y.start), (*x, self.y.end)];
            let line = DashedLineSeries::new(mark, d, g, BLACK.stroke_width(s.line(2)));
            chart.draw_series(line).map_err(err)?;
            let style = TextStyle::from((FONT, s.text(LABEL_PX - 2))).pos(Pos::new(HPos::Left, VPos::Top));
            let (px, py) = chart.backend_coord(&(*x, self.y.end));
            let base = root.get_base_pixel();
            let at = (px - base.0 + s.px(6) as i32, py - base.1 + s.px(4) as i32);
            root.draw(&Text::new(text.as_str(), at, style)).map_err(err)?;
        }
        if self.zero_line {
            let zero = [(self.x.start, 0.0), (self.x.end, 0.0)];
            chart
                .draw_series(LineSeries::new(zero, BLACK.stroke_width(s.line(1))))
                .map_err(err)?;
        }
        // Bands first, so no band covers another policy's line.
        for series in &self.series {
            if let Some(polygon) = series.band_polygon(self.steps) {
                let band = Polygon::new(polygon, series.colour.mix(0.2).filled());
                chart.draw_series(std::iter::once(band)).map_err(err)?;
            }
        }
        let sample = s.line(24) as i32;
        for series in self.series.iter().filter(|x| x.halo) {
            let c = series.colour;
            let (wide, legend) = (s.line(14), s.line(12));
            chart
                .draw_series(LineSeries::new(series.points(), c.mix(0.25).stroke_width(wide)))
                .map_err(err)?
                .label(&series.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + sample, y)], c.mix(0.25).stroke_width(legend))
                });
        }
        // Each colour with its own line pattern (solid for the first), so
        // lines stay apart in grayscale and where they coincide.
        let (width, legend_width) = (s.line(3), s.line(4));
        let dash = |(d, g): (u32, u32)| (s.line(d), s.line(g));
        for series in self.series.iter().filter(|x| !x.halo) {
            let c = series.colour;
            let pattern = dash_of(c).map(dash);
            let drawn = match pattern {
                None => chart.draw_series(LineSeries::new(series.path(self.steps), c.stroke_width(width))),
                Some((d, g)) => {
                    let points = series.path(self.steps);
                    chart.draw_series(DashedLineSeries::new(points, d, g, c.stroke_width(width)))
                }
            };
            let one_dash = sample as u32;
            drawn.map_err(err)?.label(&series.name).legend(move |(x, y)| {
                let line = vec![(x, y), (x + sample, y)];
                match pattern {
                    // One dash as long as the sample: a solid line.
                    None => DashedPathElement::new(line, one_dash, 1, c.stroke_width(legend_width)),
                    Some((d, g)) => DashedPathElement::new(line, d, g, c.stroke_width(legend_width)),
                }
            });
            if self.discrete_x {
                let r = s.line(5);
                let dots = series.points().map(|p| Circle::new(p, r, c.filled()));
                chart.draw_series(dots).map_err(err)?;
            }
        }
        if let Some(column) = &column {
            legend.draw_beside(&self.series, column, s)?;
        } else if !self.series.is_empty() {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .label_font((FONT, s.text(LABEL_PX)))
                .legend_area_size(s.text(30).max(sample as u32 + s.px(6)))
                .margin(s.text(10))
                .position(corner)
                .draw()
                .map_err(err)?;
        }
        if !self.table.is_empty() {
            let x_of = |x: f64| chart.backend_coord(&(x, self.y.start)).0;
            let left = chart.plotting_area().get_base_pixel().0;
            self.draw_table(&table_area, x_of, left, s)?;
        }
        if let Some(note) = &self.note {
            let area = chart.plotting_area();
            let (w, h) = area.dim_in_pixel();
            let style = TextStyle::from((FONT, s.text(24))).pos(Pos::new(HPos::Center, VPos::Center));
            let centre = area.get_base_pixel();
            let centre = (centre.0 + w as i32 / 2, centre.1 + h as i32 / 2);
            root.draw(&Text::new(note.as_str(), centre, style)).map_err(err)?;
        }
        Ok(())
    }
}

impl Lines {
    /// The table under the x axis in `area` (the strip under the chart):
    /// its title, then one row per series, its name right-aligned left of
    /// the plot (whose left edge is at backend pixel `left`) in the
    /// series' colour and each number centred under its tick (`x_of`: an
    /// x value's backend pixel).
    fn draw_table<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x_of: impl Fn(f64) -> i32,
        left: i32,
        s: &Style,
    ) -> Result<(), String> {
        let base = area.get_base_pixel();
        let px = s.text(LABEL_PX);
        let heading = TextStyle::from((FONT, px)).pos(Pos::new(HPos::Left, VPos::Center));
        let heading_y = s.text(TABLE_HEADING / 2) as i32;
        area.draw(&Text::new(
            self.table_title.as_str(),
            (s.px(24) as i32, heading_y),
            heading,
        ))
        .map_err(err)?;
        // The numbers at a size at which the widest fits between two
        // ticks with a space to spare, so that neighbours never run
        // together (narrow pictures, large text).
        let days = self.x_ticks(s);
        let ticks: Vec<i32> = days.iter().map(|&x| x_of(x)).collect();
        let room = ticks
            .windows(2)
            .map(|w| (w[1] - w[0]).unsigned_abs())
            .min()
            .unwrap_or(u32::MAX);
        let widest = self
            .table
            .iter()
            .flat_map(|r| days.iter().map(|&x| text_width(&cell(r.at(x)), px)))
            .max()
            .unwrap_or(0);
        let need = widest + s.text(10);
        let cells_px = if need <= room || need == 0 {
            px
        } else {
            ((f64::from(px) * f64::from(room) / f64::from(need)).floor() as u32).max(1)
        };
        for (i, row) in self.table.iter().enumerate() {
            let y = s.text(TABLE_HEADING + TABLE_ROW * i as u32 + TABLE_ROW / 2) as i32;
            let name = TextStyle::from((FONT, px))
                .color(&row.colour)
                .pos(Pos::new(HPos::Right, VPos::Center));
            let name_x = left - base.0 - self.table_inset(s) as i32;
            area.draw(&Text::new(row.name.as_str(), (name_x, y), name))
                .map_err(err)?;
            let number = TextStyle::from((FONT, cells_px)).pos(Pos::new(HPos::Center, VPos::Center));
            for &x in &days {
                area.draw(&Text::new(cell(row.at(x)), (x_of(x) - base.0, y), number.clone()))
                    .map_err(err)?;
            }
        }
        Ok(())
    }
}

/// A number of the table under the x axis (`-` where there is none).
fn cell(n: Option<u64>) -> String {
    n.map_or("-".to_string(), |n| number(n as f64))
}

/// A numeric axis labelled at the ticks given (plotters' `WithKeyPoints`
/// leaves an f64 axis without its label formatting).
pub(super) struct Ticked {
    axis: plotters::coord::types::RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    /// Days from 0 to the horizon `end`, labelled at [`time_ticks`].
    pub(super) fn time(end: f64, unit: Option<TimeUnit>) -> Ticked {
        Ticked {
            axis: (0.0..end).into(),
            ticks: time_ticks(end, unit),
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.axis.map(value, limit)
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.axis.range()
    }
}

/// Shared axis look: readable labels, light major grid, no minor grid.
pub(super) fn house_style<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    s: &Style,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style((FONT, s.text(LABEL_PX)))
        .axis_desc_style((FONT, s.text(AXIS_DESC_PX)))
        .bold_line_style(BLACK.mix(0.12).stroke_width(s.line(1)))
        .light_line_style(WHITE.mix(0.0))
}

/// The legend's size, measured with the embedded font: a sample of each
/// line and its name, one row each.
struct Legend {
    width: u32,
    height: u32,
    row: u32,
    sample: u32,
}

impl Legend {
    fn measure(series: &[Series], s: &Style) -> Legend {
        let px = s.text(LABEL_PX);
        let sample = s.line(24);
        let widest = series.iter().map(|x| text_width(&x.name, px)).max().unwrap_or(0);
        let row = px * 3 / 2;
        Legend {
            width: widest + sample + s.px(30),
            height: row * series.len() as u32 + s.px(12),
            row,
            sample,
        }
    }

    /// Draws the legend at the top of `area` (a column beside the plot).
    fn draw_beside<DB: DrawingBackend>(
        &self,
        series: &[Series],
        area: &DrawingArea<DB, Shift>,
        s: &Style,
    ) -> Result<(), String> {
        let top = s.px(24) + s.text(TITLE_PX) * 2;
        let sample = self.sample as i32;
        for (i, x) in series.iter().enumerate() {
            let y = (top + self.row * i as u32 + self.row / 2) as i32;
            let c = x.colour;
            let line = vec![(0, y), (sample, y)];
            if x.halo {
                area.draw(&PathElement::new(line, c.mix(0.25).stroke_width(s.line(12))))
                    .map_err(err)?;
            } else {
                let (d, g) = dash_of(c).map_or((self.sample, 1), |(d, g)| (s.line(d), s.line(g)));
                area.draw(&DashedPathElement::new(line, d, g, c.stroke_width(s.line(4))))
                    .map_err(err)?;
            }
            let style = TextStyle::from((FONT, s.text(LABEL_PX))).pos(Pos::new(HPos::Left, VPos::Center));
            area.draw(&Text::new(x.name.as_str(), (sample + s.px(8) as i32, y), style))
                .map_err(err)?;
        }
        Ok(())
    }
}

/// The corner of the plot where a legend of `(w, h)` (fractions of the
/// plot) hides the fewest points of the lines and bands (upper right first
/// on ties), and how many it hides.
pub(super) fn legend_corner(
    series: &[Series],
    x: &Range<f64>,
    y: &Range<f64>,
    (w, h): (f64, f64),
) -> (SeriesLabelPosition, usize) {
    use SeriesLabelPosition::{LowerLeft, LowerRight, UpperLeft, UpperRight};
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
        .map(|(corner, cx, cy)| (corner, hidden(cx, cy)))
        .min_by_key(|&(_, n)| n)
        .unwrap_or((UpperRight, 0))
}
