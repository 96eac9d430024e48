//! The `targets` chart: each published target against the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::*;
use super::lines::*;
use crate::estimate::targets::{Assessment, agreement};
use crate::report::terminal::in_band_line;
use crate::scenario::targets::Target;

/// One row per target, in percent: the published band as a grey bar with
/// the published value as a black tick; the model's value as a dot with
/// its 95% Monte Carlo interval as a line, filled when it lies in the band
/// and hollow when not. With `before` (a calibration), the model before
/// fitting as a small grey diamond, joined to the value after by a thin
/// line. A star after a label marks an independent target (no source of
/// it gave an input), "(held out)" one left out of a calibration's fit.
/// The caption counts the targets in band: all and independent ones, or,
/// after a calibration, those fitted and those held out with their
/// distances.
pub(super) struct TargetsChart<'a> {
    pub(super) targets: &'a [Target],
    pub(super) assessed: &'a [Assessment],
    pub(super) before: Option<&'a [Assessment]>,
}

/// Writes `<name>.png/.svg`: `targets` against the model (`assessed`),
/// and against the model `before` calibration when given.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_targets(
    name: &str,
    targets: &[Target],
    assessed: &[Assessment],
    before: Option<&[Assessment]>,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    let chart = TargetsChart {
        targets,
        assessed,
        before,
    };
    save(&chart, dir, name, &mut files)?;
    Ok(files)
}

impl Chart for TargetsChart<'_> {
    fn size(&self, _: &Style) -> (u32, u32) {
        (1500, (200 + 34 * self.targets.len() as u32).max(400))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
        let rows = Rows {
            labels: self
                .targets
                .iter()
                .map(|t| {
                    format!(
                        "{} [{}]{}{}",
                        t.label,
                        t.source,
                        if t.independent { " *" } else { "" },
                        if t.holdout { " (held out)" } else { "" }
                    )
                })
                .collect(),
        };
        let caption = match self.before {
            None => in_band_line(self.targets, self.assessed),
            Some(_) => {
                let part = |name: &str, keep: &dyn Fn(&Target) -> bool| {
                    let a = agreement(self.targets, self.assessed, keep);
                    format!(
                        "{name}: {} of {} in band, sum w z^2 {:.1}",
                        a.in_band, a.targets, a.distance
                    )
                };
                format!(
                    "After calibration. {}; {}",
                    part("fitted", &|t| !t.holdout),
                    part("held out", &|t| t.holdout)
                )
            }
        };
        let model = colour(0);
        let band = RGBColor(200, 200, 200);
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("{caption}; * independent: no source gave an input"),
                (FONT, s.text(20)),
            )
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(rows.label_area(16))
            .build_cartesian_2d(0.0..100.0, rows.range())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh(), s)
            .x_desc(if self.before.is_some() {
                "share (%): bar, published band; tick, published; diamond, model before calibration; dot, after (filled: in band)"
            } else {
                "share (%): bar, published band; tick, published; dot, model with its 95% MC interval (filled: in band)"
            })
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .y_labels(rows.n())
            .y_label_formatter(&|v| rows.label(*v))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        for (i, (t, a)) in self.targets.iter().zip(self.assessed).enumerate() {
            let y = rows.y(i);
            let bar = Rectangle::new(
                [(100.0 * t.band.lo, y - 0.3), (100.0 * t.band.hi, y + 0.3)],
                band.filled(),
            );
            chart.draw_series(std::iter::once(bar)).map_err(err)?;
            let tick = PathElement::new(
                vec![(100.0 * t.published, y - 0.38), (100.0 * t.published, y + 0.38)],
                BLACK.stroke_width(3),
            );
            chart.draw_series(std::iter::once(tick)).map_err(err)?;
            let m = a.model;
            if let Some(b) = self.before.and_then(|b| b.get(i)).map(|b| b.model.value)
                && b.is_finite()
            {
                let grey = RGBColor(110, 110, 110);
                if m.value.is_finite() {
                    let path = PathElement::new(vec![(100.0 * b, y), (100.0 * m.value, y)], grey.stroke_width(1));
                    chart.draw_series(std::iter::once(path)).map_err(err)?;
                }
                let diamond = Polygon::new(
                    vec![
                        (100.0 * b - 0.6, y),
                        (100.0 * b, y + 0.22),
                        (100.0 * b + 0.6, y),
                        (100.0 * b, y - 0.22),
                    ],
                    grey.filled(),
                );
                chart.draw_series(std::iter::once(diamond)).map_err(err)?;
            }
            if m.lo.is_finite() && m.hi.is_finite() {
                let line = PathElement::new(vec![(100.0 * m.lo, y), (100.0 * m.hi, y)], model.stroke_width(2));
                chart.draw_series(std::iter::once(line)).map_err(err)?;
            }
            if m.value.is_finite() {
                let style = if a.in_band {
                    model.filled()
                } else {
                    model.stroke_width(3)
                };
                let dot = Circle::new((100.0 * m.value, y), 7, style);
                chart.draw_series(std::iter::once(dot)).map_err(err)?;
            }
        }
        Ok(())
    }
}
