//! The `decision` chart of `foramen variants`: one row per case (the base,
//! then each structural variant). Left, the policy with the highest mean
//! net monetary benefit across willingness to pay, as coloured segments
//! along the frontier; right, how far ahead it is of the runner-up at each
//! of the scenario's willingness-to-pay values, with the paired Monte
//! Carlo 95% interval.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::*;
use super::data::{ChartLabels, DecisionCase};
use super::lines::house_style;
use super::pathway::hatch;
use crate::analysis::variants::{BASE, frontier_segments};

/// Writes `decision` in each of `formats`.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_decision(
    runs: &[DecisionCase],
    willingness_to_pay: &[f64],
    currency: &str,
    labels: &ChartLabels,
    dir: &Path,
    style: &Style,
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    let top = willingness_to_pay.iter().copied().fold(0.0, f64::max);
    let chart = DecisionChart {
        runs,
        wtp: willingness_to_pay,
        currency,
        labels,
        max: round_up(top * 4.0 / 3.0),
    };
    save_as(&chart, dir, "decision", style, formats, &mut files)?;
    Ok(files)
}

struct DecisionChart<'a> {
    runs: &'a [DecisionCase],
    wtp: &'a [f64],
    currency: &'a str,
    labels: &'a ChartLabels,
    /// The right end of the willingness-to-pay axis.
    max: f64,
}

/// `v` rounded up to a multiple of half its power of ten (1 when it is
/// not positive): 200,000 for 150,000 x 4/3.
fn round_up(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let step = 10f64.powf(v.log10().floor()) / 2.0;
    (v / step).ceil() * step
}

/// Thousands as `50k`, smaller amounts whole.
fn amount(v: f64) -> String {
    if v.abs() >= 1000.0 {
        number(v / 1000.0) + "k"
    } else {
        number(v)
    }
}

impl DecisionChart<'_> {
    /// The policies in the base's order, then any a variant adds.
    fn policies(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for run in self.runs {
            for p in &run.policies {
                if !out.contains(&p.as_str()) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// A row per case: its label, marked when its decision differs from
    /// the base's at some willingness to pay.
    fn rows(&self) -> Rows {
        Rows {
            labels: self
                .runs
                .iter()
                .map(|r| {
                    let label = if r.name == BASE { "Base case" } else { r.label.as_str() };
                    let changed = r.decisions.iter().any(|d| d.changed);
                    format!("{label}{}", if changed { " *" } else { "" })
                })
                .collect(),
        }
    }

    /// The policies that are best somewhere on the axis, in the base's order.
    fn shown(&self) -> Vec<&str> {
        let best: Vec<String> = self
            .runs
            .iter()
            .flat_map(|r| frontier_segments(&r.frontier, self.max).into_iter().map(|s| s.2))
            .chain(
                self.runs
                    .iter()
                    .flat_map(|r| r.decisions.iter().map(|d| d.best.clone())),
            )
            .collect();
        self.policies()
            .into_iter()
            .filter(|p| best.iter().any(|b| b == p))
            .collect()
    }
}

/// The height of a row in pixels.
const ROW_PX: u32 = 46;

impl Chart for DecisionChart<'_> {
    fn size(&self, _: &Style) -> (u32, u32) {
        let labels = self.rows().label_area(18);
        (1100 + labels, 250 + ROW_PX * self.runs.len() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
        let (width, height) = self.size(s);
        let rows = self.rows();
        let policies = self.policies();
        let colour_of = |name: &str| policy_colour(policies.iter().copied(), name);
        // Each policy's hatching as well as its hue, so that fills stay apart
        // in grayscale (the pathway's patterns, by scenario order).
        let pattern_of = |name: &str| policies.iter().position(|p| *p == name).unwrap_or(0) % 4;
        let (body, legend) = root.split_vertically(height - 90);
        let (left, right) = body.split_horizontally(rows.label_area(18) + (width - rows.label_area(18)) * 3 / 5);
        let per_qaly = format!("willingness to pay, {} per QALY", self.currency);

        let mut chart = ChartBuilder::on(&left)
            .caption("Best policy under each assumption", (FONT, 24))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(rows.label_area(18))
            .build_cartesian_2d(0.0..self.max, rows.range())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh(), s)
            .x_desc(&per_qaly)
            .label_style((FONT, 18))
            .axis_desc_style((FONT, 20))
            .x_label_formatter(&|v| amount(*v))
            .y_labels(rows.n())
            .y_label_formatter(&|v| rows.label(*v))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        for (i, run) in self.runs.iter().enumerate() {
            let y = rows.y(i);
            for (from, to, policy) in frontier_segments(&run.frontier, self.max) {
                let bar = Rectangle::new([(from, y - 0.32), (to, y + 0.32)], colour_of(&policy).filled());
                chart.draw_series(std::iter::once(bar)).map_err(err)?;
                let (a, b) = (
                    chart.backend_coord(&(from, y + 0.32)),
                    chart.backend_coord(&(to, y - 0.32)),
                );
                hatch(root, a, b, pattern_of(&policy), s)?;
            }
        }
        let range = rows.range();
        for &w in self.wtp {
            let line = DashedLineSeries::new([(w, range.start), (w, range.end)], 6, 4, BLACK.mix(0.6).stroke_width(2));
            chart.draw_series(line).map_err(err)?;
        }

        // Right: the best policy's lead over the runner-up at each of the
        // scenario's willingness-to-pay values (top to bottom in a row).
        let leads = self
            .runs
            .iter()
            .flat_map(|r| r.decisions.iter())
            .flat_map(|d| [d.incremental.lo, d.incremental.hi, d.incremental.value])
            .filter(|v| v.is_finite());
        let mut lead = ChartBuilder::on(&right)
            .caption("Net monetary benefit: lead", (FONT, 24))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(10)
            .build_cartesian_2d(padded_range(leads.chain([0.0]), 0.08, 1.0), rows.range())
            .map_err(err)?;
        let lead_desc = format!("best minus runner-up, {} (Monte Carlo 95%)", self.currency);
        house_style(&mut lead.configure_mesh(), s)
            .x_desc(&lead_desc)
            .label_style((FONT, 18))
            .axis_desc_style((FONT, 20))
            .x_label_formatter(&|v| amount(*v))
            .x_labels(6)
            .y_labels(0)
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        let k = self.wtp.len().max(1) as f64;
        for (i, run) in self.runs.iter().enumerate() {
            for (j, d) in run.decisions.iter().enumerate() {
                let e = d.incremental;
                if !e.value.is_finite() {
                    continue;
                }
                let y = rows.y(i) + 0.3 - 0.6 * (j as f64 + 0.5) / k;
                let c = colour_of(&d.best);
                if e.lo.is_finite() && e.hi.is_finite() {
                    let whisker = PathElement::new(vec![(e.lo, y), (e.hi, y)], c.stroke_width(3));
                    lead.draw_series(std::iter::once(whisker)).map_err(err)?;
                }
                let dot = Circle::new((e.value, y), 5, c.filled());
                lead.draw_series(std::iter::once(dot)).map_err(err)?;
            }
        }
        lead.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, range.start), (0.0, range.end)],
            BLACK.stroke_width(1),
        )))
        .map_err(err)?;

        // The legend: each policy that is best somewhere, and what the
        // marks mean.
        let style = TextStyle::from((FONT, 18)).pos(Pos::new(HPos::Left, VPos::Center));
        let mut x = 20;
        for p in self.shown() {
            let c = colour_of(p);
            legend
                .draw(&Rectangle::new([(x, 10), (x + 26, 32)], c.filled()))
                .map_err(err)?;
            hatch(&legend, (x, 10), (x + 26, 32), pattern_of(p), s)?;
            let name = self.labels.policy(p);
            legend
                .draw(&Text::new(name.to_string(), (x + 34, 21), style.clone()))
                .map_err(err)?;
            x += 34 + text_width(name, 18) as i32 + 30;
        }
        let wtp: Vec<String> = self.wtp.iter().map(|w| amount(*w)).collect();
        let note = format!(
            "dashed: the scenario's willingness-to-pay values ({}), also the marks of each row on the right, top to bottom; * the decision differs from the base case's",
            wtp.join(", ")
        );
        let note_px = fitting(&legend, &note, 16);
        legend.draw(&Text::new(note, (20, 62), (FONT, note_px))).map_err(err)?;
        Ok(())
    }
}
