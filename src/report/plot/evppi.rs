//! The EVPPI charts of a probabilistic analysis (`foramen psa`):
//!
//! * `evppi`: one row per named group and per parameter (groups first,
//!   then parameters by value, at most 20 of them), at the scenario's
//!   first willingness to pay: the EVPPI per patient as a bar with its 95%
//!   interval (± 1.96 standard errors), the binned cross-check of a
//!   single parameter as an open circle, and the EVPI as a dashed line;
//! * `evppi_curves`: the EVPPI per patient over the willingness to pay
//!   under the EVPI: the named groups, then the parameters of highest
//!   EVPPI at that value, six curves in all (their intervals are in
//!   evppi.csv and the bars).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::*;
use super::data::{EvppiGroup, PsaCharts};
use super::lines::*;

/// Parameters shown in the bar chart beyond the named groups.
const MOST_BARS: usize = 20;
/// Curves besides the EVPI: the named groups first, then the parameters
/// of highest EVPPI (one colour each).
const MOST_CURVES: usize = 6;

/// Writes `evppi` and `evppi_curves` in `style` when the analysis has
/// economics and EVPPI; nothing otherwise.
///
/// # Errors
/// [`PlotError`] naming the file.
pub(super) fn write_evppi(
    r: &PsaCharts,
    dir: &Path,
    style: &Style,
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    let labels = &r.labels;
    let groups = &r.evppi;
    let Some(e) = &r.economics else { return Ok(files) };
    // The main estimate of each group (not the binned cross-check).
    let main: Vec<&EvppiGroup> = groups.iter().filter(|g| !g.binned).collect();
    let Some(&(at_wtp, _, _, at_evpi)) = main.first().and_then(|g| g.at_scenario.first()) else {
        return Ok(files);
    };
    let value = |g: &EvppiGroup| g.at_scenario.first().map_or(f64::NAN, |a| a.1);
    let mut order: Vec<&EvppiGroup> = main.iter().copied().filter(|g| g.named).collect();
    let mut singles: Vec<&EvppiGroup> = main.iter().copied().filter(|g| !g.named).collect();
    singles.sort_by(|a, b| value(b).total_cmp(&value(a)));
    let top: Vec<&EvppiGroup> = singles.iter().copied().take(MOST_CURVES).collect();
    order.extend(singles.into_iter().take(MOST_BARS));
    let label = |g: &EvppiGroup| {
        if g.named {
            format!("{} ({} parameters)", g.name, g.parameters.len())
        } else {
            labels.parameter(&g.name).to_string()
        }
    };
    let bars = Bars {
        title: format!(
            "EVPPI per patient at {} {} per QALY, with 95% intervals",
            number(at_wtp),
            e.currency
        ),
        x_desc: format!("EVPPI ({} per patient)", e.currency),
        rows: Rows {
            labels: order.iter().map(|g| label(g)).collect(),
        },
        values: order
            .iter()
            .map(|g| {
                (
                    value(g),
                    g.at_scenario.first().and_then(|a| a.2).unwrap_or(0.0),
                    g.named,
                )
            })
            .collect(),
        binned: order
            .iter()
            .map(|g| {
                groups
                    .iter()
                    .find(|o| o.name == g.name && o.binned)
                    .and_then(|o| o.at_scenario.first().map(|a| a.1))
            })
            .collect(),
        evpi: at_evpi,
    };
    save_as(&bars, dir, "evppi", style, formats, &mut files)?;
    let (wtp, evpi) = (e.wtp.clone(), e.evpi.clone());
    let mut series = vec![Series::new(
        "EVPI (all parameters)",
        RGBColor(0, 0, 0),
        wtp.clone(),
        evpi.clone(),
        None,
    )];
    for (i, g) in main
        .iter()
        .filter(|g| g.named)
        .chain(&top)
        .take(MOST_CURVES)
        .enumerate()
    {
        series.push(Series::new(&label(g), colour(i), wtp.clone(), g.grid.clone(), None));
    }
    let chart = Lines {
        title: "EVPPI per patient over the willingness to pay".into(),
        x_desc: format!("willingness to pay ({} per QALY)", e.currency),
        y_desc: format!("EVPPI ({} per patient)", e.currency),
        x: 0.0..wtp.last().copied().unwrap_or(1.0).max(1.0),
        y: 0.0..rounded_up(evpi.iter().copied().fold(0.0, f64::max)),
        percent: false,
        zero_line: false,
        discrete_x: false,
        series,
        note: None,
        ..Lines::default()
    };
    save_as(&chart, dir, "evppi_curves", style, formats, &mut files)?;
    Ok(files)
}

/// Horizontal bars with intervals, one row per group.
struct Bars {
    title: String,
    x_desc: String,
    rows: Rows,
    /// Per row: EVPPI, its standard error, whether a named group.
    values: Vec<(f64, f64, bool)>,
    /// Per row: the binned cross-check (single parameters).
    binned: Vec<Option<f64>>,
    evpi: f64,
}

impl Chart for Bars {
    fn size(&self, s: &Style) -> (u32, u32) {
        let (w, h) = s.base_size();
        (
            w + s.px(200),
            (s.text(200) + s.text(40) * self.rows.n() as u32).max(h / 2),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
        let top = self
            .values
            .iter()
            .map(|(v, se, _)| v + 1.96 * se)
            .chain(self.binned.iter().flatten().copied())
            .chain([self.evpi])
            .fold(0.0, f64::max);
        let x = 0.0..rounded_up(top * 1.05);
        let mut builder = ChartBuilder::on(root);
        if let Some(title) = s.title(&self.title) {
            builder.caption(title, (FONT, fitting(root, title, s.text(24))));
        }
        let mut chart = builder
            .margin(s.px(24))
            .x_label_area_size(s.text(60))
            .y_label_area_size(self.rows.label_area(s.text(LABEL_PX)))
            .build_cartesian_2d(x.clone(), self.rows.range())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh(), s)
            .x_desc(self.x_desc.as_str())
            .y_labels(self.rows.n() * 2 + 1)
            .y_label_formatter(&|v| self.rows.label(*v))
            .x_label_formatter(&|v| number(*v))
            .draw()
            .map_err(err)?;
        // Apart in luminance too (blue and orange), for grayscale.
        let (group_colour, single_colour) = (colour(4), colour(0));
        for (row, &(v, se, named)) in self.values.iter().enumerate() {
            let y = self.rows.y(row);
            let c = if named { group_colour } else { single_colour };
            chart
                .draw_series([Rectangle::new([(0.0, y - 0.3), (v, y + 0.3)], c.mix(0.75).filled())])
                .map_err(err)?;
            if se > 0.0 {
                let (lo, hi) = ((v - 1.96 * se).max(0.0), v + 1.96 * se);
                chart
                    .draw_series(LineSeries::new([(lo, y), (hi, y)], BLACK.stroke_width(s.line(2))))
                    .map_err(err)?;
                for end in [lo, hi] {
                    chart
                        .draw_series(LineSeries::new(
                            [(end, y - 0.15), (end, y + 0.15)],
                            BLACK.stroke_width(s.line(2)),
                        ))
                        .map_err(err)?;
                }
            }
        }
        let circles = self
            .binned
            .iter()
            .enumerate()
            .filter_map(|(row, b)| b.map(|b| (b, self.rows.y(row))));
        chart
            .draw_series(circles.map(|p| Circle::new(p, s.px(6), BLACK.stroke_width(s.line(2)))))
            .map_err(err)?
            .label("binned cross-check (one parameter)")
            .legend(move |(px, py)| Circle::new((px + 12, py), 6, BLACK.stroke_width(2)));
        let grey = RGBColor(90, 90, 90).stroke_width(s.line(2));
        let (dash, gap) = (s.line(8), s.line(5));
        let range = self.rows.range();
        chart
            .draw_series(DashedLineSeries::new(
                [(self.evpi, range.start), (self.evpi, range.end)],
                dash,
                gap,
                grey,
            ))
            .map_err(err)?
            .label(format!("EVPI {}", number(self.evpi)))
            .legend(move |(px, py)| PathElement::new(vec![(px, py), (px + 22, py)], grey));
        for (name, c) in [("named group", group_colour), ("one parameter", single_colour)] {
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                .map_err(err)?
                .label(name)
                .legend(move |(px, py)| Rectangle::new([(px + 4, py - 6), (px + 20, py + 6)], c.mix(0.75).filled()));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FONT, s.text(LABEL_PX)))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// A rounded axis top at or above `v`: 1, 2, 2.5 or 5 times a power of
/// ten (1 when `v` is not positive).
fn rounded_up(v: f64) -> f64 {
    if !(v > 0.0 && v.is_finite()) {
        return 1.0;
    }
    let power = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|&top| top >= v)
        .unwrap_or(10.0 * power)
}
