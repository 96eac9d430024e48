//! The charts of a probabilistic analysis (`foramen psa`):
//!
//! * `ce_plane`: each draw's incremental cost against incremental QALYs of
//!   every policy against the reference, one colour per policy, with
//!   dashed lines through the origin at the scenario's willingness-to-pay
//!   values (longer dashes for higher values; below a line: cost-effective
//!   at that value);
//! * `ceac`: the cost-effectiveness acceptability curves (the share of
//!   draws in which each policy has the highest net benefit) over the
//!   willingness to pay, and the frontier (the policy with the highest
//!   expected net benefit) as a wide grey path under the curves;
//! * `evpi`: the expected value of perfect information per patient over
//!   the willingness to pay;
//! * `importance`: one row per uncertain parameter, one dot per policy:
//!   its partial rank correlation with the policy's incremental net
//!   benefit against the reference (-1 to 1; rows by the largest |PRCC|);
//! * `psa_recovery` (with or without economics): the cumulative share
//!   recovered, mean over draws with the band of 95% of draws.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::chart::*;
use super::data::{PsaCharts, PsaEconomicsCharts};
use super::lines::*;

/// Writes `psa_recovery` and, when the analysis has economics,
/// `ceac`, `evpi`, `ce_plane`, `importance` and (with EVPPI) `evppi` and
/// `evppi_curves`, in `style`, one file per format of `formats`.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_psa_plots(
    r: &PsaCharts,
    dir: &Path,
    style: &Style,
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    let labels = &r.labels;
    let series: Vec<Series> = r
        .policies
        .iter()
        .zip(&r.recovery)
        .enumerate()
        .map(|(p, (name, c))| Series::curve(labels.policy(name), colour(p), c))
        .collect();
    let end = r
        .recovery
        .iter()
        .filter_map(|c| c.day.last().copied())
        .fold(0.0, f64::max);
    let recovery = Lines {
        title: format!("Cumulative recovery: mean and 95% of {} draws", number(r.draws as f64)),
        x_desc: "days since presentation".into(),
        y_desc: "recovered".into(),
        x: 0.0..end.max(1.0),
        y: 0.0..1.0,
        percent: true,
        zero_line: false,
        discrete_x: false,
        series,
        note: None,
        time_axis: true,
        ..Lines::default()
    };
    save_as(&recovery, dir, "psa_recovery", style, formats, &mut files)?;
    let Some(e) = &r.economics else { return Ok(files) };
    let wtp = e.wtp.clone();
    let top = wtp.last().copied().unwrap_or(1.0);
    let mut series: Vec<Series> = r
        .policies
        .iter()
        .enumerate()
        .map(|(p, name)| {
            Series::new(
                labels.policy(name),
                colour(p),
                wtp.clone(),
                e.probability.iter().map(|a| a[p]).collect(),
                None,
            )
        })
        .collect();
    // The frontier: the optimal policy's probability at each value.
    series.push(
        Series::new(
            "frontier (highest expected net benefit)",
            RGBColor(0, 0, 0),
            wtp.clone(),
            e.probability.iter().zip(&e.optimal).map(|(a, &o)| a[o]).collect(),
            None,
        )
        .halo(),
    );
    let ceac = Lines {
        title: format!("Probability cost-effective ({} draws)", number(r.draws as f64)),
        x_desc: format!("willingness to pay ({} per QALY)", e.currency),
        y_desc: "probability cost-effective".into(),
        x: 0.0..top.max(1.0),
        y: -0.02..1.02,
        percent: true,
        zero_line: false,
        discrete_x: false,
        series,
        note: None,
        ..Lines::default()
    };
    save_as(&ceac, dir, "ceac", style, formats, &mut files)?;
    let chart = Lines {
        title: "Expected value of perfect information per patient".into(),
        x_desc: format!("willingness to pay ({} per QALY)", e.currency),
        y_desc: format!("EVPI ({} per patient)", e.currency),
        x: 0.0..top.max(1.0),
        y: 0.0..nice_axis(e.evpi.iter().copied().fold(0.0, f64::max)),
        percent: false,
        zero_line: false,
        discrete_x: false,
        series: vec![Series::new("EVPI", colour(0), wtp, e.evpi.clone(), None)],
        note: None,
        ..Lines::default()
    };
    save_as(&chart, dir, "evpi", style, formats, &mut files)?;
    save_as(&CePlane::new(r, e), dir, "ce_plane", style, formats, &mut files)?;
    if !e.parameters.is_empty() {
        save_as(&Importance::new(r, e), dir, "importance", style, formats, &mut files)?;
    }
    files.extend(super::evppi::write_evppi(r, dir, style, formats)?);
    Ok(files)
}

/// Partial rank correlations, one row per parameter.
struct Importance {
    title: String,
    rows: Rows,
    /// Per policy other than the reference: name, colour, PRCC per row.
    dots: Vec<(String, RGBColor, Vec<f64>)>,
}

impl Importance {
    fn new(r: &PsaCharts, e: &PsaEconomicsCharts) -> Importance {
        let labels = &r.labels;
        let strength = |j: usize| e.importance[j].iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut order: Vec<usize> = (0..e.parameters.len()).collect();
        order.sort_by(|&a, &b| strength(b).total_cmp(&strength(a)));
        let dots = (0..r.policies.len())
            .filter(|&p| p != e.reference)
            .map(|p| {
                let values = order.iter().map(|&j| e.importance[j][p].unwrap_or(f64::NAN)).collect();
                (labels.policy(&r.policies[p]).to_string(), colour(p), values)
            })
            .collect();
        Importance {
            title: format!(
                "Parameter importance: PRCC with incremental net benefit against {} at {} {} per QALY",
                labels.policy(&r.policies[e.reference]),
                number(e.importance_wtp),
                e.currency
            ),
            rows: Rows {
                labels: order
                    .iter()
                    .map(|&j| labels.parameter(&e.parameters[j]).to_string())
                    .collect(),
            },
            dots,
        }
    }
}

impl Chart for Importance {
    fn size(&self, s: &Style) -> (u32, u32) {
        let (w, h) = s.base_size();
        (
            w + s.px(200),
            (s.text(180) + s.text(34) * self.rows.n() as u32).max(h / 2),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
        let mut builder = ChartBuilder::on(root);
        if let Some(title) = s.title(&self.title) {
            builder.caption(title, (FONT, fitting(root, title, s.text(24))));
        }
        let mut chart = builder
            .margin(s.px(24))
            .x_label_area_size(s.text(60))
            .y_label_area_size(self.rows.label_area(s.text(LABEL_PX)))
            .build_cartesian_2d(-1.0..1.0, self.rows.range())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh(), s)
            .x_desc("partial rank correlation coefficient")
            .y_labels(self.rows.n() * 2 + 1)
            .y_label_formatter(&|v| self.rows.label(*v))
            .x_label_formatter(&|v| number(*v))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, self.rows.range().start), (0.0, self.rows.range().end)],
                BLACK.stroke_width(s.line(1)),
            ))
            .map_err(err)?;
        let k = self.dots.len().max(1) as f64;
        for (i, (name, c, values)) in self.dots.iter().enumerate() {
            let c = *c;
            // Policies side by side within a row.
            let offset = (i as f64 - (k - 1.0) / 2.0) * 0.6 / k;
            let points = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(row, &v)| (v, self.rows.y(row) + offset));
            let (shape, r, w) = (marker_of(c), s.line(6), s.line(2));
            chart
                .draw_series(points.map(|p| marker(shape, p, r, c, 1.0, w)))
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| marker(shape, (x + r as i32 * 2, y), r, c, 1.0, w));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FONT, s.text(LABEL_PX)))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// A rounded axis top at or above `v` (1 when `v` is not positive).
fn nice_axis(v: f64) -> f64 {
    if !(v > 0.0 && v.is_finite()) {
        return 1.0;
    }
    let step = 10f64.powf(v.log10().floor());
    (v / step).ceil() * step
}

/// A policy's draws on the plane: its name, colour and (ΔE, ΔC) per draw.
type Cloud = (String, RGBColor, Vec<(f64, f64)>);

/// The cost-effectiveness plane.
struct CePlane {
    title: String,
    currency: String,
    /// Per policy other than the reference: name, colour, (ΔE, ΔC) per draw.
    clouds: Vec<Cloud>,
    wtp: Vec<f64>,
}

impl CePlane {
    fn new(r: &PsaCharts, e: &PsaEconomicsCharts) -> CePlane {
        let labels = &r.labels;
        let (costs, effects) = (&e.cost, &e.effect);
        let reference = e.reference;
        let clouds = (0..r.policies.len())
            .filter(|&p| p != reference)
            .map(|p| {
                let points = costs
                    .iter()
                    .zip(effects)
                    .map(|(c, q)| (q[p] - q[reference], c[p] - c[reference]))
                    .collect();
                (labels.policy(&r.policies[p]).to_string(), colour(p), points)
            })
            .collect();
        CePlane {
            title: format!(
                "Cost-effectiveness plane against {}",
                labels.policy(&r.policies[reference])
            ),
            currency: e.currency.clone(),
            clouds,
            wtp: e.scenario_wtp.clone(),
        }
    }
}

impl Chart for CePlane {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: &Style) -> Result<(), String> {
        let all = || self.clouds.iter().flat_map(|c| c.2.iter().copied());
        let x = padded_range(all().map(|p| p.0).chain([0.0]), 0.08, 1e-6);
        let y = padded_range(all().map(|p| p.1).chain([0.0]), 0.08, 1.0);
        let mut builder = ChartBuilder::on(root);
        if let Some(title) = s.title(&self.title) {
            builder.caption(title, (FONT, fitting(root, title, s.text(TITLE_PX))));
        }
        let mut chart = builder
            .margin(s.px(24))
            .x_label_area_size(s.text(70))
            .y_label_area_size(s.text(110))
            .build_cartesian_2d(x.clone(), y.clone())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh(), s)
            .x_desc("incremental QALYs")
            .y_desc(format!("incremental cost ({})", self.currency))
            .x_label_formatter(&|v| number(*v))
            .y_label_formatter(&|v| number(*v))
            .draw()
            .map_err(err)?;
        let axes = [vec![(x.start, 0.0), (x.end, 0.0)], vec![(0.0, y.start), (0.0, y.end)]];
        for axis in axes {
            chart
                .draw_series(LineSeries::new(axis, BLACK.stroke_width(s.line(1))))
                .map_err(err)?;
        }
        for (i, &w) in self.wtp.iter().enumerate() {
            // y = w x, clipped to the plot.
            let line: Vec<(f64, f64)> = (0..=100)
                .map(|k| x.start + (x.end - x.start) * f64::from(k) / 100.0)
                .map(|q| (q, w * q))
                .filter(|&(_, c)| c >= y.start && c <= y.end)
                .collect();
            // Grey, each value with its own line pattern (the palette's,
            // after the solid one): told apart without colour.
            let grey = RGBColor(90, 90, 90).stroke_width(s.line(2));
            let (dash, gap) = DASHES[1 + i % (DASHES.len() - 1)].unwrap_or((8, 4));
            let (dash, gap) = (s.line(dash), s.line(gap));
            let sample = s.line(22) as i32;
            chart
                .draw_series(DashedLineSeries::new(line, dash, gap, grey))
                .map_err(err)?
                .label(format!("{} {} per QALY", number(w), self.currency))
                .legend(move |(px, py)| DashedPathElement::new(vec![(px, py), (px + sample, py)], dash, gap, grey));
        }
        for (name, c, points) in &self.clouds {
            let c = *c;
            let (shape, r, w) = (marker_of(c), s.line(3), s.line(1));
            let key = s.line(6);
            chart
                .draw_series(points.iter().map(|&p| marker(shape, p, r, c, 0.5, w)))
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(px, py)| marker(shape, (px + key as i32 * 2, py), key, c, 1.0, w));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FONT, s.text(LABEL_PX)))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(err)?;
        Ok(())
    }
}
