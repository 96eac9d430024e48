//! Forest plots: one row per estimate, paired interval thick, unpaired
//! thin, in percentage points.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::*;
use super::lines::*;
use crate::estimate::compare::Difference;

/// One interval of a forest plot, in percentage points.
pub(super) struct ForestRow {
    pub(super) label: String,
    pub(super) value: f64,
    pub(super) paired: (f64, f64),
    pub(super) unpaired: (f64, f64),
    pub(super) colour: RGBColor,
}

impl ForestRow {
    pub(super) fn new(label: String, d: &Difference, colour: RGBColor) -> ForestRow {
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
pub(super) struct Forest {
    pub(super) title: String,
    pub(super) x_desc: String,
    pub(super) rows: Vec<ForestRow>,
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
