//! The `pathway` chart: deepest level of care and outcome at the horizon.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::*;
use super::lines::*;
use crate::estimate::RunResults;
use crate::outcome::LEVELS;

/// Stacked bars: deepest level reached by outcome at the horizon.
pub(super) struct Pathway<'a> {
    pub(super) results: &'a RunResults,
}

/// Names of the rows of [`crate::estimate::summary::PathwayCounts`].
pub(super) const PATHWAY_LEVELS: [&str; 4] = ["no intervention", LEVELS[0], LEVELS[1], LEVELS[2]];
/// Names of its columns.
pub(super) const PATHWAY_OUTCOMES: [&str; 2] = ["symptom-free", "symptomatic"];
/// Segments narrower than this share carry no label.
pub(super) const MIN_LABELLED_SHARE: f64 = 0.06;

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
pub(super) fn draw_pathway_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Result<(), String> {
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
pub(super) fn segment_colour(level: usize, outcome: usize) -> RGBColor {
    let base = [RGBColor(110, 110, 110), PALETTE[2], PALETTE[0], PALETTE[1]][level.min(3)];
    if outcome == 0 { tint(base, 0.55) } else { base }
}
