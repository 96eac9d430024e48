//! The `pathway` chart: deepest level of care and outcome at the horizon.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::*;
use super::data::RunCharts;
use super::lines::*;
use crate::outcome::LEVELS;

/// Stacked bars: deepest level reached by outcome at the horizon.
pub(super) struct Pathway<'a> {
    pub(super) run: &'a RunCharts,
}

/// Names of the rows of [`crate::estimate::summary::PathwayCounts`].
pub(super) const PATHWAY_LEVELS: [&str; 4] = ["no intervention", LEVELS[0], LEVELS[1], LEVELS[2]];
/// Names of its columns ([`crate::outcome::HORIZON_STATUSES`]), short
/// for the key.
pub(super) const PATHWAY_OUTCOMES: [&str; 5] = ["symptom-free", "residual deficit", "improved", "symptomatic", "dead"];
/// Segments narrower than this share carry no label.
pub(super) const MIN_LABELLED_SHARE: f64 = 0.06;

impl Chart for Pathway<'_> {
    fn reflows(&self) -> bool {
        true
    }

    /// Tall enough for the legend; a bar's thickness does not grow with
    /// fewer policies.
    fn size(&self, s: &Style) -> (u32, u32) {
        let n = self.run.policies.len() as u32;
        (s.base_size().0, (s.text(220) + s.text(120) * n).max(s.text(520)))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
        let policies = &self.run.policies;
        let rows = Rows {
            labels: policies
                .iter()
                .map(|p| self.run.labels.policy(&p.name).to_string())
                .collect(),
        };
        let (w, _) = root.dim_in_pixel();
        let (plot, legend) = root.split_horizontally(w.saturating_sub(s.text(340)));
        let mut builder = ChartBuilder::on(&plot);
        let title = format!("Deepest level of care and outcome, {}", self.run.scenario);
        if let Some(title) = s.title(&title) {
            builder.caption(title, (FONT, fitting(&plot, title, s.text(26))));
        }
        let label_area = s.text(rows.label_area(LABEL_PX));
        // A tick every 10% where there is room for them, else every 20%.
        let bars = w.saturating_sub(s.text(340) + label_area + 2 * s.px(24));
        let ticks = if bars / 11 >= s.text(40) { 11 } else { 6 };
        let mut chart = builder
            .margin(s.px(24))
            .x_label_area_size(s.text(70))
            .y_label_area_size(label_area)
            .build_cartesian_2d(0.0..1.0, rows.range())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh(), s)
            .x_desc("Share of patients")
            .x_labels(ticks)
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
                    if w > 0.0 {
                        let a = chart.backend_coord(&(x, y + 0.32));
                        let b = chart.backend_coord(&(x + w, y - 0.32));
                        hatch(root, a, b, level, s)?;
                    }
                    let text = format!("{:.0}%", 100.0 * w);
                    // Wide enough for its share in writing.
                    let fits = {
                        let (a, b) = (chart.backend_coord(&(x, y)).0, chart.backend_coord(&(x + w, y)).0);
                        (b - a) as u32 >= text_width(&text, s.text(18)) + s.text(2)
                    };
                    if w >= MIN_LABELLED_SHARE && fits {
                        let ink = if outcome <= 1 { &BLACK } else { &WHITE };
                        let style = TextStyle::from((FONT, s.text(18)))
                            .color(ink)
                            .pos(Pos::new(HPos::Center, VPos::Center));
                        let text = Text::new(text, (x + w / 2.0, y), style);
                        chart.draw_series(std::iter::once(text)).map_err(err)?;
                    }
                    x += w;
                }
            }
        }
        draw_pathway_legend(&legend, s)
    }
}

/// The key of the pathway chart: a grid of swatches, a row per level and a
/// column per status at the horizon.
pub(super) fn draw_pathway_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
    let t = |v| s.text_i(v);
    let heading = (FONT, s.text(LABEL_PX));
    area.draw(&Text::new("Deepest level reached (rows),", (t(10), t(100)), heading))
        .map_err(err)?;
    area.draw(&Text::new("status at the horizon (columns)", (t(10), t(126)), heading))
        .map_err(err)?;
    // Column heads, turned to read upwards, over 28-pixel swatches.
    let (x0, y0, step) = (10, 300, 36);
    for (outcome, what) in PATHWAY_OUTCOMES.iter().enumerate() {
        let style = TextStyle::from((FONT, s.text(16)))
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let x = x0 + step * outcome as i32 + 14;
        area.draw(&Text::new(*what, (t(x), t(y0 - 8)), style)).map_err(err)?;
    }
    for (level, name) in PATHWAY_LEVELS.iter().enumerate() {
        let y = y0 + step * level as i32;
        for outcome in 0..PATHWAY_OUTCOMES.len() {
            let x = x0 + step * outcome as i32;
            let swatch = Rectangle::new(
                [(t(x), t(y)), (t(x + 28), t(y + 28))],
                segment_colour(level, outcome).filled(),
            );
            area.draw(&swatch).map_err(err)?;
            hatch(area, (t(x), t(y)), (t(x + 28), t(y + 28)), level, s)?;
        }
        let label = name.replace('_', " ");
        let x = x0 + step * PATHWAY_OUTCOMES.len() as i32 + 6;
        area.draw(&Text::new(label, (t(x), t(y + 4)), (FONT, s.text(16))))
            .map_err(err)?;
    }
    Ok(())
}

/// The lines over a segment of level `level` between the pixels `a`
/// (top left) and `b` (bottom right) of `area`, so that levels stay apart
/// where their hues do not (in grayscale): none for no intervention,
/// rising diagonals for the first level, horizontal lines for the second,
/// crossed diagonals for the third.
pub(super) fn hatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    a: (i32, i32),
    b: (i32, i32),
    level: usize,
    s: &Style,
) -> Result<(), String> {
    let (w, h) = (b.0 - a.0, b.1 - a.1);
    if level == 0 || w <= 0 || h <= 0 {
        return Ok(());
    }
    let ink = BLACK.mix(0.4).stroke_width(s.line(1));
    let step = s.line(9) as i32;
    let mut lines: Vec<[(i32, i32); 2]> = Vec::new();
    if level == 2 {
        lines.extend(
            (1..)
                .map(|k| a.1 + k * step)
                .take_while(|&y| y < b.1)
                .map(|y| [(a.0, y), (b.0, y)]),
        );
    } else {
        // Diagonals up to the right: from (a.0 + k + t, b.1 - t), t in 0..h,
        // cut to the segment; and, for the third level, their mirror.
        for k in (-h..w).step_by(step as usize) {
            let (lo, hi) = ((-k).max(0), h.min(w - k));
            if lo < hi {
                lines.push([(a.0 + k + lo, b.1 - lo), (a.0 + k + hi, b.1 - hi)]);
                if level == 3 {
                    lines.push([(b.0 - k - lo, b.1 - lo), (b.0 - k - hi, b.1 - hi)]);
                }
            }
        }
    }
    for [p, q] in lines {
        area.draw(&PathElement::new(vec![p, q], ink)).map_err(err)?;
    }
    Ok(())
}

/// Level hue (grey for none); lightest when symptom-free at the horizon,
/// lighter with a residual deficit, half-tinted when improved, full when
/// symptomatic, darkened when dead.
pub(super) fn segment_colour(level: usize, outcome: usize) -> RGBColor {
    let base = [RGBColor(110, 110, 110), PALETTE[2], PALETTE[0], PALETTE[1]][level.min(3)];
    match outcome {
        0 => tint(base, 0.75),
        1 => tint(base, 0.5),
        2 => tint(base, 0.25),
        3 => base,
        _ => {
            let dark = |c: u8| (f64::from(c) * 0.45).round() as u8;
            RGBColor(dark(base.0), dark(base.1), dark(base.2))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grayscale: within a level, the statuses at the horizon differ in
    /// luminance (0.299 R + 0.587 G + 0.114 B) by at least 30 of 255;
    /// levels, whose hues may share a luminance, each have their own
    /// hatching ([`hatch`]: none, rising, horizontal, crossed), drawn for
    /// every level but the first.
    #[test]
    fn statuses_differ_in_luminance_and_levels_in_hatching() {
        let luminance = |c: RGBColor| 0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2);
        for level in 0..PATHWAY_LEVELS.len() {
            for a in 0..PATHWAY_OUTCOMES.len() {
                for b in a + 1..PATHWAY_OUTCOMES.len() {
                    let (x, y) = (segment_colour(level, a), segment_colour(level, b));
                    let gap = (luminance(x) - luminance(y)).abs();
                    assert!(gap >= 30.0, "level {level}: statuses {a} and {b} are {gap:.0} apart");
                }
            }
        }
        // Each level's hatching, drawn on a 100-pixel square: the lines'
        // slopes tell the levels apart.
        let slopes = |level: usize| {
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (100, 100)).into_drawing_area();
                hatch(&area, (0, 0), (100, 100), level, &Style::default()).unwrap();
            }
            let mut kinds: Vec<String> = svg
                .split("points=\"")
                .skip(1)
                .filter_map(|p| {
                    let p: Vec<i64> = p
                        .split(['"', ' ', ','])
                        .take(4)
                        .filter_map(|v| v.parse().ok())
                        .collect();
                    (p.len() == 4).then(|| format!("{}", (p[3] - p[1]).signum() * (p[2] - p[0]).signum()))
                })
                .collect();
            kinds.sort();
            kinds.dedup();
            kinds
        };
        assert_eq!(
            (0..4).map(slopes).collect::<Vec<_>>(),
            [
                vec![],
                vec!["-1".to_string()],
                vec!["0".to_string()],
                vec!["-1".to_string(), "1".to_string()]
            ]
        );
    }
}
