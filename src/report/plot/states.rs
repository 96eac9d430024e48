//! The `states` chart: health-state occupancy over time, one stacked-area
//! panel per policy.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::*;
use super::data::{PolicyCharts, RunCharts};
use super::lines::*;
use crate::estimate::summary::Curve;

/// Stacked areas: the share of patients in each health state on each day,
/// bottom up from symptom-free to symptomatic (then dead), one panel per
/// policy.
pub(super) struct States<'a> {
    pub(super) run: &'a RunCharts,
}

/// The drawing order (bottom up), the legend's words and the colours:
/// good states light and low, symptomatic dark on top; distinguishable in
/// grayscale by lightness.
const STATES: [(&str, &str, RGBColor); 6] = [
    ("symptom_free", "symptom-free", RGBColor(204, 236, 221)),
    ("residual_deficit", "residual deficit", RGBColor(235, 185, 95)),
    ("improved", "improved (partial relief)", RGBColor(105, 170, 215)),
    ("recovering", "recovering", RGBColor(30, 160, 120)),
    ("symptomatic", "symptomatic", RGBColor(110, 60, 110)),
    ("dead", "dead", RGBColor(20, 20, 20)),
];

/// The policy's occupancy curves in drawing order, those it has.
fn layers(p: &PolicyCharts) -> Vec<(&'static str, RGBColor, &Curve)> {
    STATES
        .iter()
        .filter_map(|&(name, words, colour)| p.curve(name).map(|c| (words, colour, c)))
        .collect()
}

const PANEL_HEIGHT: u32 = 300;
const LEGEND_WIDTH: u32 = 300;

impl Chart for States<'_> {
    fn reflows(&self) -> bool {
        true
    }

    fn size(&self, s: &Style) -> (u32, u32) {
        let n = self.run.policies.len().max(1) as u32;
        (s.base_size().0, s.text(90) + s.text(PANEL_HEIGHT) * n)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
        let policies = &self.run.policies;
        let title = format!("Health states over time, {}", self.run.scenario);
        let body = match s.title(&title) {
            Some(title) => {
                let (top, body) = root.split_vertically(s.text(70));
                top.titled(title, (FONT, fitting(&top, title, s.text(TITLE_PX))))
                    .map_err(err)?;
                body
            }
            None => root.clone(),
        };
        let (w, _) = body.dim_in_pixel();
        let (plots, legend) = body.split_horizontally(w.saturating_sub(s.text(LEGEND_WIDTH)));
        // One column of panels where they fit (a paper's tall picture),
        // else a grid (a slide's 16:9): as many rows as are at least 200
        // text pixels high.
        let n = policies.len().max(1);
        let rows_fit = (plots.dim_in_pixel().1 / s.text(200)).max(1) as usize;
        let cols = n.div_ceil(rows_fit.min(n));
        let panels = plots.split_evenly((n.div_ceil(cols), cols));
        let h = horizon_end(self.run.horizon_days);
        // Every k-th time label, where a panel is too narrow for them all.
        let ticks = time_ticks(h, s.time_unit);
        let panel_width = panels.first().map_or(0, |p| p.dim_in_pixel().0);
        let label = ticks
            .iter()
            .map(|&t| text_width(&time_label(t, h, s.time_unit), s.text(LABEL_PX)) + s.text(12))
            .max()
            .unwrap_or(1);
        let room = panel_width.saturating_sub(s.text(80) + 2 * s.px(10)).max(1);
        let every = (label as usize * ticks.len()).div_ceil(room as usize).max(1);
        let shown = |v: f64| ticks.iter().position(|&t| t == v).is_some_and(|i| i % every == 0);
        for (p, area) in policies.iter().zip(&panels) {
            let name = self.run.labels.policy(&p.name);
            let mut chart = ChartBuilder::on(area)
                .caption(name, (FONT, fitting(area, name, s.text(LABEL_PX + 2))))
                .margin(s.px(10))
                // Room for the top tick's label under the panel's name.
                .margin_top(s.text(16))
                .x_label_area_size(s.text(50))
                .y_label_area_size(s.text(80))
                .build_cartesian_2d(Ticked::time(h, s.time_unit), 0.0..1.0)
                .map_err(err)?;
            let desc = time_desc("Days since presentation", h, s.time_unit);
            // The description fits under the plot (the panel less its y labels).
            let under = area.dim_in_pixel().0.saturating_sub(s.text(80) + 2 * s.px(10));
            let full = s.text(AXIS_DESC_PX);
            let wide = text_width(&desc, full).max(1);
            let desc_px = if wide <= under {
                full
            } else {
                (f64::from(full) * f64::from(under) / f64::from(wide)).floor().max(1.0) as u32
            };
            house_style(&mut chart.configure_mesh(), s)
                .axis_desc_style((FONT, desc_px))
                .x_desc(desc.as_str())
                .x_label_formatter(&|v| {
                    if shown(*v) {
                        time_label(*v, h, s.time_unit)
                    } else {
                        String::new()
                    }
                })
                .y_labels(5)
                .y_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
                .draw()
                .map_err(err)?;
            let layers = layers(p);
            let days = p.curve("symptom_free").map_or(&[][..], |c| &c.day[..]);
            let mut below = vec![0.0; days.len()];
            for (_, colour, curve) in &layers {
                let above: Vec<f64> = below.iter().zip(&curve.value).map(|(b, v)| b + v).collect();
                // The band between the running totals, as one polygon.
                let outline: Vec<(f64, f64)> = days
                    .iter()
                    .zip(&above)
                    .map(|(&d, &y)| (d, y.min(1.0)))
                    .chain(days.iter().zip(&below).rev().map(|(&d, &y)| (d, y.min(1.0))))
                    .collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(outline, colour.filled())))
                    .map_err(err)?;
                below = above;
            }
        }
        // Every policy has the same states: the first one's are the legend.
        let shown: Vec<(&str, RGBColor)> = policies
            .first()
            .map(|p| {
                layers(p)
                    .into_iter()
                    .map(|(words, colour, _)| (words, colour))
                    .collect()
            })
            .unwrap_or_default();
        draw_legend(&legend, &shown, s)
    }
}

/// One swatch per state the run has, top to bottom as stacked.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    shown: &[(&str, RGBColor)],
    s: &Style,
) -> Result<(), String> {
    let t = |v| s.text_i(v);
    area.draw(&Text::new("Health state", (t(10), t(40)), (FONT, s.text(LABEL_PX))))
        .map_err(err)?;
    let mut y = 80;
    for &(words, colour) in shown.iter().rev() {
        let corners = [(t(10), t(y)), (t(40), t(y + 24))];
        area.draw(&Rectangle::new(corners, colour.filled())).map_err(err)?;
        area.draw(&Rectangle::new(corners, BLACK.stroke_width(s.line(1))))
            .map_err(err)?;
        area.draw(&Text::new(words, (t(50), t(y + 2)), (FONT, s.text(18))))
            .map_err(err)?;
        y += 36;
    }
    Ok(())
}
