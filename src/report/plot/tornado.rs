//! The `tornado` chart of a one-way sensitivity analysis.

use std::ops::Range;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::*;
use super::data::ChartLabels;
use super::forest::{decimals_for, signed};
use super::lines::*;
use crate::analysis::sweep::SensitivityResults;

/// Writes `tornado` in `style`, one file per format: for each ranged
/// parameter, bars from the base estimate to the estimate with the
/// parameter at its low and high value.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_tornado(
    s: &SensitivityResults,
    labels: &ChartLabels,
    dir: &Path,
    style: &Style,
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    save_as(&Tornado { s, labels }, dir, "tornado", style, formats, &mut files)?;
    Ok(files)
}

/// One-way sensitivity: bars from the base estimate to the estimate at each
/// end of a parameter's range.
pub(super) struct Tornado<'a> {
    pub(super) s: &'a SensitivityResults,
    /// Rows are the parameters' labels.
    pub(super) labels: &'a ChartLabels,
}

impl Tornado<'_> {
    /// The rows with an effect: either end moves the estimate (the others
    /// are named under the chart, not drawn as bars of zero).
    fn shown(&self) -> Vec<&crate::analysis::sweep::Sensitivity> {
        self.s.rows.iter().filter(|r| r.moves).collect()
    }

    /// The lines under the chart naming the parameters that cannot move
    /// the measure, about 110 characters each.
    fn unmoved_lines(&self) -> Vec<String> {
        let names: Vec<String> = self
            .s
            .unmoved()
            .map(|r| self.labels.parameter(&r.parameter).to_string())
            .collect();
        if names.is_empty() {
            return Vec::new();
        }
        let mut lines = vec![String::from(
            "Cannot move this measure (the same result at both ends of the range): ",
        )];
        for (i, name) in names.iter().enumerate() {
            let piece = if i + 1 < names.len() {
                format!("{name}; ")
            } else {
                name.clone()
            };
            if lines
                .last()
                .is_some_and(|l| l.chars().count() + piece.chars().count() > 110)
            {
                lines.push(String::new());
            }
            if let Some(line) = lines.last_mut() {
                line.push_str(&piece);
            }
        }
        lines
    }

    /// The factor and unit of the chart's axis: shares in percent, their
    /// differences in percentage points, days in days; other outcomes
    /// in their own unit.
    fn unit(&self) -> (f64, String) {
        use crate::analysis::sweep::Measure;
        let (k, unit) = match &self.s.target {
            Measure::Policy { outcome, .. } => outcome_unit(outcome.kind, false),
            Measure::Contrast { outcome, .. } => outcome_unit(outcome.kind, true),
            Measure::NetBenefit { currency, .. } => return (1.0, currency.clone()),
        };
        (k, unit.to_string())
    }

    /// What is measured, in the scenario's labels.
    fn measured(&self) -> String {
        use crate::analysis::sweep::Measure;
        let l = self.labels;
        match &self.s.target {
            Measure::Policy { outcome, policy } => format!("{} under {}", l.outcome(outcome), l.policy(policy)),
            Measure::Contrast {
                outcome,
                policy,
                reference,
            } => format!(
                "difference in {}, {} minus {}",
                l.outcome(outcome),
                l.policy(policy),
                l.policy(reference)
            ),
            Measure::NetBenefit {
                contrast,
                wtp,
                currency,
            } => {
                let pair = contrast.as_ref().map_or("best minus runner-up".to_string(), |(a, b)| {
                    format!("{} minus {}", l.policy(a), l.policy(b))
                });
                format!("incremental net benefit at {} {currency}/QALY, {pair}", number(*wtp))
            }
        }
    }

    /// One row per parameter shown: its label and range.
    fn rows(&self) -> Rows {
        Rows {
            labels: self
                .shown()
                .iter()
                .map(|r| {
                    let flips: Vec<String> = [&r.threshold_low, &r.threshold_high]
                        .into_iter()
                        .flatten()
                        .map(|t| format!("{} best beyond {}", self.labels.policy(&t.to), number(t.value)))
                        .collect();
                    let flips = if flips.is_empty() {
                        String::new()
                    } else {
                        format!(" - {}", flips.join(", "))
                    };
                    format!(
                        "{} [{}, {}]{flips}",
                        self.labels.parameter_with_unit(&r.parameter),
                        number(r.low),
                        number(r.high)
                    )
                })
                .collect(),
        }
    }
}

impl Chart for Tornado<'_> {
    /// Wider than 1300 pixels when the row labels need it.
    fn size(&self, s: &Style) -> (u32, u32) {
        let labels = self.rows().label_area(s.text(18));
        let notes = s.text(24) * self.unmoved_lines().len() as u32;
        (
            s.px(1300).max(labels + s.px(800)),
            (s.text(220) + s.text(44) * self.shown().len() as u32).max(s.px(450)) + notes,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
        let (k, unit) = self.unit();
        let base = k * self.s.base.value;
        let shown = self.shown();
        let notes = self.unmoved_lines();
        let rows = self.rows();
        let values = shown.iter().flat_map(|r| [k * r.at_low.value, k * r.at_high.value]);
        let measured = self.measured();
        let axis = with_unit(&measured, &unit);
        let height = root.dim_in_pixel().1;
        let (plot, legend) = root.split_vertically(height.saturating_sub(s.text(60) + s.text(24) * notes.len() as u32));
        let mut builder = ChartBuilder::on(&plot);
        let title = format!("One-way sensitivity: {measured}");
        if let Some(title) = s.title(&title) {
            builder.caption(title, (FONT, fitting(&plot, title, s.text(24))));
        }
        let mut chart = builder
            .margin(s.px(20))
            .x_label_area_size(s.text(60))
            .y_label_area_size(rows.label_area(s.text(18)))
            .build_cartesian_2d(padded_range(values.chain([base]), 0.1, 1e-3), rows.range())
            .map_err(err)?;
        // The axis' words shrink to fit under the plot.
        let room = f64::from(
            plot.dim_in_pixel()
                .0
                .saturating_sub(rows.label_area(s.text(18)) + s.px(40)),
        );
        let wide = f64::from(text_width(&axis, s.text(20))).max(1.0);
        let desc_px = ((f64::from(s.text(20)) * (0.95 * room / wide).min(1.0)) as u32).max(1);
        house_style(&mut chart.configure_mesh(), s)
            .x_desc(&axis)
            .label_style((FONT, s.text(18)))
            .axis_desc_style((FONT, desc_px))
            .y_labels(rows.n())
            .y_label_formatter(&|v| rows.label(*v))
            .x_label_formatter(&|v| number(*v))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        let ends = [PALETTE[0], PALETTE[1]];
        for (i, r) in shown.iter().enumerate() {
            let y = rows.y(i);
            for (end, c) in [k * r.at_low.value, k * r.at_high.value].into_iter().zip(ends) {
                if end.is_finite() && base.is_finite() {
                    let bar = Rectangle::new([(base.min(end), y - 0.3), (base.max(end), y + 0.3)], c.filled());
                    chart.draw_series(std::iter::once(bar)).map_err(err)?;
                }
            }
        }
        if base.is_finite() {
            let Range { start, end } = rows.range();
            let base_line = [(base, start), (base, end)];
            chart
                .draw_series(LineSeries::new(base_line, BLACK.stroke_width(s.line(2))))
                .map_err(err)?;
            // To the digits its Monte Carlo interval supports.
            let half = k * (self.s.base.hi - self.s.base.lo) / 2.0;
            let text = signed(base, decimals_for(base, half)).replace('+', "");
            let label = Text::new(format!(" base {text}"), (base, end), (FONT, s.text(16)));
            chart.draw_series(std::iter::once(label)).map_err(err)?;
        }
        for (i, line) in notes.iter().enumerate() {
            let at = (s.px(40) as i32, s.text_i(56 + 24 * i as i32));
            legend
                .draw(&Text::new(line.as_str(), at, (FONT, s.text(16))))
                .map_err(err)?;
        }
        let keys = ["parameter at its low value", "parameter at its high value"];
        let width = root.dim_in_pixel().0 as i32;
        let key = s.text_i(330);
        let start = (width - 2 * key) / 2;
        for (k, (text, c)) in keys.into_iter().zip(ends).enumerate() {
            let x = start + key * k as i32;
            legend
                .draw(&Rectangle::new(
                    [(x, s.text_i(15)), (x + s.text_i(28), s.text_i(39))],
                    c.filled(),
                ))
                .map_err(err)?;
            legend
                .draw(&Text::new(text, (x + s.text_i(36), s.text_i(16)), (FONT, s.text(18))))
                .map_err(err)?;
        }
        Ok(())
    }
}
