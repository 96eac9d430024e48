//! The `targets` chart: each published target against the model.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::*;
use super::data::TargetRow;
use super::lines::*;
use crate::estimate::targets::{Assessment, agreement};
use crate::report::terminal::in_band_line;
use crate::scenario::targets::Measure;

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
    pub(super) targets: &'a [TargetRow],
    pub(super) assessed: &'a [Assessment],
    pub(super) before: Option<&'a [Assessment]>,
}

/// Writes `<name>` in each of `formats`: `targets` against the model
/// (`assessed`), and against the model `before` calibration when given.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_targets(
    name: &str,
    targets: &[TargetRow],
    assessed: &[Assessment],
    before: Option<&[Assessment]>,
    dir: &Path,
    style: &Style,
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    let chart = TargetsChart {
        targets,
        assessed,
        before,
    };
    save_as(&chart, dir, name, style, formats, &mut files)?;
    Ok(files)
}

impl Chart for TargetsChart<'_> {
    fn size(&self, _: &Style) -> (u32, u32) {
        let panels = self.panels().len() as u32;
        (1500, (140 + 110 * panels + 34 * self.targets.len() as u32).max(400))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
        let caption = match self.before {
            None => in_band_line(self.targets, self.assessed),
            Some(_) => {
                let part = |name: &str, keep: &dyn Fn(&TargetRow) -> bool| {
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
        let root = root
            .titled(
                &format!("{caption}; * independent: no source gave an input"),
                (FONT, s.text(20)),
            )
            .map_err(err)?;
        let panels = self.panels();
        // Each panel as tall as its rows, plus its axis.
        let heights: Vec<f64> = panels
            .iter()
            .map(|(_, rows)| 110.0 + 34.0 * rows.len() as f64)
            .collect();
        let total: f64 = heights.iter().sum();
        let (_, h) = root.dim_in_pixel();
        let mut breaks = Vec::new();
        let mut at = 0.0;
        for height in &heights[..heights.len() - 1] {
            at += height;
            breaks.push((at / total * f64::from(h)) as i32);
        }
        let areas = root.split_by_breakpoints(Vec::<i32>::new(), breaks);
        // One label width for every panel, so that their axes line up.
        let width = Rows {
            labels: self.targets.iter().map(|t| self.label(t)).collect(),
        }
        .label_area(16);
        for ((measure, rows), area) in panels.iter().zip(&areas) {
            self.panel(area, s, *measure, rows, width)?;
        }
        Ok(())
    }
}

impl TargetsChart<'_> {
    /// The row label of a target: its label and source, a star when it is
    /// independent, "(held out)" when held out.
    fn label(&self, t: &TargetRow) -> String {
        format!(
            "{} [{}]{}{}",
            t.label,
            t.source,
            if t.independent { " *" } else { "" },
            if t.holdout { " (held out)" } else { "" }
        )
    }

    /// The targets by measure (shares first), each in file order.
    fn panels(&self) -> Vec<(Measure, Vec<usize>)> {
        let mut panels: Vec<(Measure, Vec<usize>)> = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            let m = t.measure;
            match panels.iter_mut().find(|(p, _)| *p == m) {
                Some((_, rows)) => rows.push(i),
                None => panels.push((m, vec![i])),
            }
        }
        panels.sort_by_key(|(m, _)| *m);
        panels
    }

    /// One panel: the targets `rows` of `measure` on an axis of their own.
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: &Style,
        measure: Measure,
        rows: &[usize],
        label_width: u32,
    ) -> Result<(), String> {
        // Shares in percent, the rest as they are.
        let k = if measure == Measure::Share { 100.0 } else { 1.0 };
        let labels = Rows {
            labels: rows.iter().map(|&i| self.label(&self.targets[i])).collect(),
        };
        let range = if measure == Measure::Share {
            0.0..100.0
        } else {
            let values = rows.iter().flat_map(|&i| {
                let (t, a) = (&self.targets[i], &self.assessed[i]);
                let before = self.before.and_then(|b| b.get(i)).map_or(f64::NAN, |b| b.model.value);
                [t.lo, t.hi, a.model.lo, a.model.hi, a.model.value, before]
            });
            let (lo, hi) = values
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
            let pad = ((hi - lo) * 0.08).max(1e-3);
            if lo.is_finite() {
                (lo - pad)..(hi + pad)
            } else {
                0.0..1.0
            }
        };
        let unit = match measure {
            Measure::Share => "share (%)",
            Measure::Days => "days",
            Measure::Utility => "utility",
            Measure::Qalys => "QALYs",
        };
        let model = colour(0);
        let band = RGBColor(200, 200, 200);
        let span = range.end - range.start;
        let mut chart = ChartBuilder::on(area)
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(label_width)
            .build_cartesian_2d(range, labels.range())
            .map_err(err)?;
        let desc = if self.before.is_some() {
            format!(
                "{unit}: bar, published band; tick, published; diamond, model before calibration; dot, after (filled: in band)"
            )
        } else {
            format!(
                "{unit}: bar, published band; tick, published; dot, model with its 95% MC interval (filled: in band)"
            )
        };
        house_style(&mut chart.configure_mesh(), s)
            .x_desc(desc)
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .y_labels(labels.n())
            .y_label_formatter(&|v| labels.label(*v))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        for (row, &i) in rows.iter().enumerate() {
            let (t, a) = (&self.targets[i], &self.assessed[i]);
            let y = labels.y(row);
            let bar = Rectangle::new([(k * t.lo, y - 0.3), (k * t.hi, y + 0.3)], band.filled());
            chart.draw_series(std::iter::once(bar)).map_err(err)?;
            let tick = PathElement::new(
                vec![(k * t.published, y - 0.38), (k * t.published, y + 0.38)],
                BLACK.stroke_width(3),
            );
            chart.draw_series(std::iter::once(tick)).map_err(err)?;
            let m = a.model;
            if let Some(b) = self.before.and_then(|b| b.get(i)).map(|b| b.model.value)
                && b.is_finite()
            {
                let grey = RGBColor(110, 110, 110);
                if m.value.is_finite() {
                    let path = PathElement::new(vec![(k * b, y), (k * m.value, y)], grey.stroke_width(1));
                    chart.draw_series(std::iter::once(path)).map_err(err)?;
                }
                let w = 0.006 * span;
                let diamond = Polygon::new(
                    vec![(k * b - w, y), (k * b, y + 0.22), (k * b + w, y), (k * b, y - 0.22)],
                    grey.filled(),
                );
                chart.draw_series(std::iter::once(diamond)).map_err(err)?;
            }
            if m.lo.is_finite() && m.hi.is_finite() {
                let line = PathElement::new(vec![(k * m.lo, y), (k * m.hi, y)], model.stroke_width(2));
                chart.draw_series(std::iter::once(line)).map_err(err)?;
            }
            if m.value.is_finite() {
                let style = if a.in_band {
                    model.filled()
                } else {
                    model.stroke_width(3)
                };
                let dot = Circle::new((k * m.value, y), 7, style);
                chart.draw_series(std::iter::once(dot)).map_err(err)?;
            }
        }
        Ok(())
    }
}
