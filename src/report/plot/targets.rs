//! The `targets` chart: each published target against the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::*;
use super::lines::*;
use crate::estimate::targets::Assessment;
use crate::scenario::targets::Target;

/// One row per target, in percent: the published band as a grey bar with
/// the published value as a black tick; the model's value as a dot with
/// its 95% Monte Carlo interval as a line, filled when it lies in the band
/// and hollow when not.
pub(super) struct TargetsChart<'a> {
    pub(super) targets: &'a [Target],
    pub(super) assessed: &'a [Assessment],
}

/// Writes `targets.png/.svg`.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_targets(targets: &[Target], assessed: &[Assessment], dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    save(&TargetsChart { targets, assessed }, dir, "targets", &mut files)?;
    Ok(files)
}

impl Chart for TargetsChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1500, (200 + 34 * self.targets.len() as u32).max(400))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let rows = Rows {
            labels: self
                .targets
                .iter()
                .map(|t| format!("{} [{}]", t.label, t.source))
                .collect(),
        };
        let model = colour(0);
        let band = RGBColor(200, 200, 200);
        let mut chart = ChartBuilder::on(root)
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(rows.label_area(16))
            .build_cartesian_2d(0.0..100.0, rows.range())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh())
            .x_desc("share (%): published band (grey) and value (black tick); model with its 95% Monte Carlo interval (filled dot: in the band)")
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
