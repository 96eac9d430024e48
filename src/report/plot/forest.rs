//! Forest plots: one row per estimate, paired interval thick, unpaired
//! thin, in percentage points.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::*;
use super::data::Contrast;
use super::lines::*;

/// One interval of a forest plot, in percentage points.
pub(super) struct ForestRow {
    pub(super) label: String,
    pub(super) value: f64,
    pub(super) paired: (f64, f64),
    pub(super) unpaired: (f64, f64),
    pub(super) colour: RGBColor,
}

impl ForestRow {
    /// A row of a run's comparison (as comparison.csv has it) in its own
    /// unit times `scale`.
    pub(super) fn contrast(label: String, c: &Contrast, colour: RGBColor, scale: f64) -> ForestRow {
        ForestRow {
            label,
            value: scale * c.difference,
            paired: (scale * c.paired.0, scale * c.paired.1),
            unpaired: (scale * c.unpaired.0, scale * c.unpaired.1),
            colour,
        }
    }
}

/// The narrowest column of estimates right of a forest plot, and the width
/// of a character of its text (at font size 18, with room to spare).
const TEXT_COLUMN_PX: u32 = 230;
const TEXT_CHAR_PX: u32 = 10;

impl ForestRow {
    /// `+2.3 (1.9 to 2.7)`: the estimate and its paired interval, in the
    /// plot's unit ("-" where not estimable), to the decimals the
    /// interval supports ([`decimals_for`]), with a true minus sign.
    pub(super) fn text(&self) -> String {
        if !self.value.is_finite() {
            return "-".to_string();
        }
        let (lo, hi) = self.paired;
        let decimals = decimals_for(self.value, (hi - lo) / 2.0);
        let f = |x: f64| signed(x, decimals);
        if lo.is_finite() && hi.is_finite() {
            format!("{} ({} to {})", f(self.value), f(lo), f(hi))
        } else {
            f(self.value)
        }
    }
}

/// The decimals to print an estimate with: the first significant digit of
/// its interval's half-width `half` (so `0.0117 ± 0.002` prints as
/// `0.012`, `2.31 ± 0.4` as `2.3`, `424 ± 39` as `424`), and at least the
/// first significant digit of a non-zero value (`0.02 ± 0.13` prints as
/// `0.02`, never `0.0`); without a finite interval, three significant
/// digits of the value. At most 6.
pub(super) fn decimals_for(value: f64, half: f64) -> usize {
    let from = |x: f64, digits: f64| (digits - x.abs().log10().floor()).clamp(0.0, 6.0) as usize;
    let nonzero = value != 0.0 && value.is_finite();
    if half.is_finite() && half > 0.0 {
        from(half, 0.0).max(if nonzero { from(value, 0.0) } else { 0 })
    } else if nonzero {
        from(value, 2.0)
    } else {
        1
    }
}

/// `x` with `decimals` decimals and thousands separators, a leading `+`
/// or a true minus (U+2212), and no sign when it rounds to zero.
pub(super) fn signed(x: f64, decimals: usize) -> String {
    let digits = format!("{:.decimals$}", x.abs());
    let (whole, fraction) = digits.split_at(digits.find('.').unwrap_or(digits.len()));
    let grouped: String = whole
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            (i > 0 && (whole.len() - i) % 3 == 0)
                .then_some(',')
                .into_iter()
                .chain([c])
        })
        .collect();
    let text = format!("{grouped}{fraction}");
    if digits.chars().all(|c| c == '0' || c == '.') {
        text
    } else if x < 0.0 {
        format!("\u{2212}{text}")
    } else {
        format!("+{text}")
    }
}

/// Rows of intervals around zero.
pub(super) struct Forest {
    pub(super) title: String,
    pub(super) x_desc: String,
    pub(super) rows: Vec<ForestRow>,
}

impl Forest {
    /// The column of estimates: as wide as its longest text.
    fn text_column(&self) -> u32 {
        let chars = self.rows.iter().map(|r| r.text().chars().count()).max().unwrap_or(0) as u32;
        TEXT_COLUMN_PX.max(chars * TEXT_CHAR_PX + 20)
    }

    fn rows(&self) -> Rows {
        Rows {
            labels: self.rows.iter().map(|r| r.label.clone()).collect(),
        }
    }
}

impl Chart for Forest {
    /// Wider than the base size when the row labels need it, so the
    /// intervals keep a plot of their own.
    fn size(&self, s: &Style) -> (u32, u32) {
        let labels = s.text(self.rows().label_area(18));
        (
            s.base_size().0.max(labels + s.px(640)) + s.text(self.text_column()),
            (s.text(180) + s.text(36) * self.rows.len() as u32).max(s.px(400)),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
        let rows = self.rows();
        let ends = self
            .rows
            .iter()
            .flat_map(|r| [r.paired.0, r.paired.1, r.unpaired.0, r.unpaired.1]);
        let (w, _) = root.dim_in_pixel();
        let (plot, column) = root.split_horizontally(w.saturating_sub(s.text(self.text_column())));
        let mut builder = ChartBuilder::on(&plot);
        if let Some(title) = s.title(&self.title) {
            builder.caption(title, (FONT, fitting(&plot, title, s.text(24))));
        }
        let mut chart = builder
            .margin(s.px(20))
            .x_label_area_size(s.text(60))
            .y_label_area_size(s.text(rows.label_area(18)))
            .build_cartesian_2d(padded_range(ends.chain([0.0]), 0.08, 0.0), rows.range())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh(), s)
            .x_desc(&self.x_desc)
            .label_style((FONT, s.text(18)))
            .axis_desc_style((FONT, s.text(20)))
            .y_labels(rows.n())
            .y_label_formatter(&|v| rows.label(*v))
            .x_label_formatter(&|v| number(*v))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        let Range { start, end } = rows.range();
        let zero = [(0.0, start), (0.0, end)];
        chart
            .draw_series(LineSeries::new(zero, BLACK.stroke_width(s.line(1))))
            .map_err(err)?;
        for (i, r) in self.rows.iter().enumerate() {
            let y = rows.y(i);
            for ((a, b), width) in [(r.unpaired, 1), (r.paired, 5)] {
                if a.is_finite() && b.is_finite() {
                    let line = PathElement::new(vec![(a, y), (b, y)], r.colour.stroke_width(s.line(width)));
                    chart.draw_series(std::iter::once(line)).map_err(err)?;
                }
            }
            if r.value.is_finite() {
                let dot = Circle::new((r.value, y), s.line(5), r.colour.filled());
                chart.draw_series(std::iter::once(dot)).map_err(err)?;
            }
            // The estimate and its paired interval as text, right of the plot.
            let (_, py) = chart.backend_coord(&(0.0, y));
            let top = column.get_base_pixel().1;
            let text = Text::new(r.text(), (s.text_i(4), py - top - s.text_i(9)), (FONT, s.text(17)));
            column.draw(&text).map_err(err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decimals follow the interval: the QALY differences of about
    /// 0.01 (once printed as "0.0 (0.0 to 0.0)") keep three; without an
    /// interval, three significant digits of the value; at most six.
    #[test]
    fn decimals_follow_the_interval() {
        assert_eq!(decimals_for(-0.0117, 0.0021), 3);
        assert_eq!(decimals_for(2.31, 0.39), 1);
        assert_eq!(decimals_for(424.0, 39.0), 0);
        assert_eq!(decimals_for(0.004321, f64::NAN), 5);
        assert_eq!(decimals_for(1.0, 1e-12), 6);
        assert_eq!(signed(-0.0004, 3), "0.000");
        assert_eq!(signed(-0.012, 3), "\u{2212}0.012");
        assert_eq!(signed(0.5, 1), "+0.5");
        assert_eq!(signed(-1055.4, 0), "\u{2212}1,055");
        assert_eq!(signed(123456.78, 1), "+123,456.8");
        // A value never prints as 0 beside a wider interval.
        assert_eq!(decimals_for(0.02, 0.13), 2);
        assert_eq!(decimals_for(0.0, 0.13), 1);
    }
}
