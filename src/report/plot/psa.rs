//! The charts of a probabilistic analysis (`foramen psa`):
//!
//! * `ce_plane`: each draw's incremental cost against incremental QALYs of
//!   every policy against the reference, one colour per policy, with
//!   lines through the origin at the scenario's willingness-to-pay values
//!   (below a line: cost-effective at that value);
//! * `ceac`: the cost-effectiveness acceptability curves (the share of
//!   draws in which each policy has the highest net benefit) over the
//!   willingness to pay, and the frontier (the policy with the highest
//!   expected net benefit) as a wide grey path under the curves;
//! * `evpi`: the expected value of perfect information per patient over
//!   the willingness to pay.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::*;
use super::lines::*;
use crate::analysis::psa::{PsaResults, matrix};
use crate::outcome::Id;

/// Writes `ce_plane`, `ceac` and `evpi` (PNG and SVG) when the analysis
/// has economics; nothing otherwise.
///
/// # Errors
/// [`PlotError`] naming the file.
pub fn write_psa_plots(r: &PsaResults, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut files = Vec::new();
    let Some(e) = &r.economics else { return Ok(files) };
    let wtp: Vec<f64> = e.grid.iter().map(|a| a.wtp).collect();
    let top = wtp.last().copied().unwrap_or(1.0);
    let mut series: Vec<Series> = r
        .policies
        .iter()
        .enumerate()
        .map(|(p, name)| {
            Series::new(
                name,
                colour(p),
                wtp.clone(),
                e.grid.iter().map(|a| a.probability[p]).collect(),
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
            e.grid.iter().map(|a| a.probability[a.optimal]).collect(),
            None,
        )
        .halo(),
    );
    let ceac = Lines {
        title: format!("Probability cost-effective ({} draws)", r.draws.len()),
        x_desc: format!("willingness to pay ({} per QALY)", e.currency),
        y_desc: "probability cost-effective".into(),
        x: 0.0..top.max(1.0),
        y: -0.02..1.02,
        percent: true,
        zero_line: false,
        discrete_x: false,
        series,
        note: None,
    };
    save(&ceac, dir, "ceac", &mut files)?;
    let evpi: Vec<f64> = e.grid.iter().map(|a| a.evpi).collect();
    let chart = Lines {
        title: "Expected value of perfect information per patient".into(),
        x_desc: format!("willingness to pay ({} per QALY)", e.currency),
        y_desc: format!("EVPI ({} per patient)", e.currency),
        x: 0.0..top.max(1.0),
        y: 0.0..nice_axis(evpi.iter().copied().fold(0.0, f64::max)),
        percent: false,
        zero_line: false,
        discrete_x: false,
        series: vec![Series::new("EVPI", colour(0), wtp, evpi, None)],
        note: None,
    };
    save(&chart, dir, "evpi", &mut files)?;
    save(&CePlane::new(r), dir, "ce_plane", &mut files)?;
    Ok(files)
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
    fn new(r: &PsaResults) -> CePlane {
        let e = r.economics.as_ref().expect("economics");
        let (costs, effects) = (matrix(&r.draws, Id::Cost), matrix(&r.draws, Id::Qalys));
        let reference = e.reference;
        let clouds = (0..r.policies.len())
            .filter(|&p| p != reference)
            .map(|p| {
                let points = costs
                    .iter()
                    .zip(&effects)
                    .map(|(c, q)| (q[p] - q[reference], c[p] - c[reference]))
                    .collect();
                (r.policies[p].clone(), colour(p), points)
            })
            .collect();
        CePlane {
            title: format!("Cost-effectiveness plane against {}", r.policies[reference]),
            currency: e.currency.clone(),
            clouds,
            wtp: e.at_scenario.iter().map(|a| a.wtp).collect(),
        }
    }
}

impl Chart for CePlane {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let all = || self.clouds.iter().flat_map(|c| c.2.iter().copied());
        let x = padded_range(all().map(|p| p.0).chain([0.0]), 0.08, 1e-6);
        let y = padded_range(all().map(|p| p.1).chain([0.0]), 0.08, 1.0);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, TITLE_PX))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(x.clone(), y.clone())
            .map_err(err)?;
        house_style(&mut chart.configure_mesh())
            .x_desc("incremental QALYs")
            .y_desc(format!("incremental cost ({})", self.currency))
            .x_label_formatter(&|v| number(*v))
            .y_label_formatter(&|v| number(*v))
            .draw()
            .map_err(err)?;
        let axes = [vec![(x.start, 0.0), (x.end, 0.0)], vec![(0.0, y.start), (0.0, y.end)]];
        for axis in axes {
            chart
                .draw_series(LineSeries::new(axis, BLACK.stroke_width(1)))
                .map_err(err)?;
        }
        for (i, &w) in self.wtp.iter().enumerate() {
            // y = w x, clipped to the plot.
            let line: Vec<(f64, f64)> = (0..=100)
                .map(|k| x.start + (x.end - x.start) * f64::from(k) / 100.0)
                .map(|q| (q, w * q))
                .filter(|&(_, c)| c >= y.start && c <= y.end)
                .collect();
            let grey = RGBColor(120, 120, 120);
            chart
                .draw_series(LineSeries::new(line, grey.stroke_width(if i == 0 { 2 } else { 1 })))
                .map_err(err)?
                .label(format!("{} {} per QALY", number(w), self.currency))
                .legend(move |(px, py)| PathElement::new(vec![(px, py), (px + 24, py)], grey.stroke_width(2)));
        }
        for (name, c, points) in &self.clouds {
            let c = *c;
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 2, c.mix(0.5).filled())))
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(px, py)| Circle::new((px + 12, py), 5, c.filled()));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FONT, LABEL_PX))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(err)?;
        Ok(())
    }
}
