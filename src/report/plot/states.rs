//! The `states` chart: health-state occupancy over time, one stacked-area
//! panel per policy.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::*;
use super::lines::*;
use crate::estimate::RunResults;
use crate::estimate::summary::{Curve, PolicyResults};

/// Stacked areas: the share of patients in each health state on each day,
/// bottom up from symptom-free to symptomatic (then dead), one panel per
/// policy.
pub(super) struct States<'a> {
    pub(super) results: &'a RunResults,
}

/// The drawing order (bottom up), the legend's words and the colours:
/// good states light and low, symptomatic dark on top; distinguishable in
/// grayscale by lightness.
const STATES: [(&str, &str, RGBColor); 6] = [
    ("symptom_free", "symptom-free", RGBColor(204, 236, 221)),
    ("residual_deficit", "residual deficit", RGBColor(240, 200, 120)),
    ("improved", "improved (partial relief)", RGBColor(120, 190, 225)),
    ("recovering", "recovering", RGBColor(0, 158, 115)),
    ("symptomatic", "symptomatic", RGBColor(90, 60, 90)),
    ("dead", "dead", RGBColor(20, 20, 20)),
];

/// The policy's occupancy curves in drawing order, those it has.
fn layers(p: &PolicyResults) -> Vec<(&'static str, RGBColor, &Curve)> {
    STATES
        .iter()
        .filter_map(|&(name, words, colour)| {
            let curve = if name == "symptom_free" {
                Some(&p.curves.symptom_free)
            } else {
                p.curves.states.iter().find(|(n, _)| *n == name).map(|(_, c)| c)
            };
            curve.map(|c| (words, colour, c))
        })
        .collect()
}

const PANEL_HEIGHT: u32 = 300;
const LEGEND_WIDTH: u32 = 300;

impl Chart for States<'_> {
    fn size(&self) -> (u32, u32) {
        (SIZE.0, 90 + PANEL_HEIGHT * self.results.policies.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let policies = &self.results.policies;
        let (title, body) = root.split_vertically(70);
        title
            .titled(
                &format!("Health states over time, {}", self.results.scenario),
                (FONT, TITLE_PX),
            )
            .map_err(err)?;
        let (plots, legend) = body.split_horizontally(SIZE.0 - LEGEND_WIDTH);
        let panels = plots.split_evenly((policies.len().max(1), 1));
        let h = horizon(self.results);
        for (p, area) in policies.iter().zip(&panels) {
            let mut chart = ChartBuilder::on(area)
                .caption(&p.name, (FONT, LABEL_PX + 2))
                .margin(10)
                .x_label_area_size(50)
                .y_label_area_size(80)
                .build_cartesian_2d(0.0..h, 0.0..1.0)
                .map_err(err)?;
            house_style(&mut chart.configure_mesh())
                .x_desc("Days since presentation")
                .x_label_formatter(&|v| number(*v))
                .y_labels(5)
                .y_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
                .draw()
                .map_err(err)?;
            let layers = layers(p);
            let days = &p.curves.symptom_free.day;
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
        draw_legend(&legend, &shown)
    }
}

/// One swatch per state the run has, top to bottom as stacked.
fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, shown: &[(&str, RGBColor)]) -> Result<(), String> {
    area.draw(&Text::new("Health state", (10, 40), (FONT, LABEL_PX)))
        .map_err(err)?;
    let mut y = 80;
    for &(words, colour) in shown.iter().rev() {
        let swatch = Rectangle::new([(10, y), (40, y + 24)], colour.filled());
        area.draw(&swatch).map_err(err)?;
        area.draw(&Rectangle::new([(10, y), (40, y + 24)], BLACK.stroke_width(1)))
            .map_err(err)?;
        area.draw(&Text::new(words, (50, y + 2), (FONT, 18))).map_err(err)?;
        y += 36;
    }
    Ok(())
}
