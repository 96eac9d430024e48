//! The only plotters code: every chart as PNG, SVG and PDF.
//!
//! Each chart is a value implementing `Chart`, drawn by one generic
//! function over any plotters `DrawingBackend` in a [`Style`] (size,
//! resolution, title, theme, font size; the default is the run's look);
//! `chart::save` draws it once on a bitmap and once on an SVG, so
//! `<name>.png` and `<name>.svg` are the same picture, and a PDF is that
//! SVG converted by svg2pdf.
//!
//! Charts of a run ([`write_plots`], from a [`RunCharts`]: what the run's
//! CSV files hold, read back, so `foramen plot` draws the same):
//!
//! * `recovery_curves`: cumulative share of patients recovered (1 -
//!   Kaplan-Meier) against days since presentation, one step line per
//!   policy (its n in the legend) with its 95% band as a translucent area
//!   of the same colour, and under the x axis the number at risk at each
//!   labelled tick (at_risk.csv). Higher and further left is faster
//!   recovery; where two bands do not overlap the policies differ on that
//!   day. Time axes end on the horizon (`chart::time_ticks`).
//! * `symptom_free`: the share symptom-free on each day, one line per
//!   policy with its 95% band (relapses bring it down again);
//! * `surgery_free`: the share not yet operated on (Kaplan-Meier), likewise;
//! * `pathway`: one horizontal bar per policy, summing to 100% of patients,
//!   cut by the deepest level of care reached (hue: none, conservative,
//!   minimally invasive, surgical) and by the outcome at the horizon (light
//!   shade symptom-free, dark shade still symptomatic). Segments of at least
//!   6% carry their share.
//! * `states`: one panel per policy, the share of patients in each health
//!   state on each day as stacked areas, bottom up: symptom-free, residual
//!   deficit, improved, recovering, symptomatic (states a scenario lacks
//!   are left out). Each column sums to 100%.
//! * `time_to_recovery`: among patients who recovered, the share recovering
//!   in each week since presentation (one line per policy; the legend gives
//!   how many recovered). The area under each line is 100%.
//!
//! With two or more policies, comparisons with the reference policy:
//!
//! * `differences`: forest plot of each policy minus the reference, paired
//!   95% interval (thick) and the unpaired one (thin), in percentage points;
//! * `recovery_difference`: the difference in cumulative recovery over
//!   time, with its paired band;
//! * `subgroup_differences_<outcome>`: the forest plot within subgroups
//!   (only when the run is split by subgroups).
//!
//! Sweeps and sensitivity analyses: `sweep_<outcome>` ([`write_sweep_plots`])
//! and `tornado` ([`write_tornado`]). Published targets: `targets`
//! ([`write_targets`]), each target's band against the model's value.
//!
//! A policy has the same colour in every chart: the Okabe-Ito palette (safe
//! for colour-blind readers) in scenario order. The text font (DejaVu Sans)
//! is embedded, so no system fonts are needed.

mod chart;
mod comparisons;
mod data;
mod evppi;
mod fit;
mod forest;
mod lines;
mod pathway;
mod psa;
mod recovery_curves;
mod run;
mod scaling;
mod states;
mod style;
mod sweep;
mod targets;
mod time_to_recovery;
mod tornado;
mod variants;

pub use chart::PlotError;
pub use data::{
    ChartLabels, ComparisonCharts, Contrast, DecisionCase, EvppiGroup, PolicyCharts, PsaCharts, PsaEconomicsCharts,
    RunCharts, ScalingPoint, SweepCharts, TargetRow,
};
pub use fit::{FittedCurve, KmCurve, write_fits};
pub use psa::write_psa_plots;
pub use run::{RUN_CHARTS, caption, run_svgs, write_plots};
pub use scaling::write_scaling;
pub use style::{BASE_DPI, BASE_FONT_PT, Format, Length, Style, Theme, TimeUnit};
pub use sweep::write_sweep_plots;
pub use targets::write_targets;
pub use tornado::write_tornado;
pub use variants::write_decision;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    use super::chart::{DASHES, PALETTE, dash_of, font_ready, nice_top, padded_range};
    use crate::analysis::sweep::SensitivityResults;
    use crate::analysis::sweep::{Measure, Sensitivity};
    use crate::estimate::summary::{Bin, Curve};
    use crate::outcome::Id;
    use crate::stats::Estimate;

    /// Every palette colour has its own line pattern (the first solid), so
    /// policies stay apart in grayscale; other colours are solid.
    #[test]
    fn each_colour_has_its_own_line_pattern() {
        for (i, a) in DASHES.iter().enumerate() {
            assert_eq!(dash_of(PALETTE[i]), *a);
            assert!(DASHES[..i].iter().all(|b| b != a), "pattern {i} repeats");
        }
        assert_eq!(DASHES[0], None);
        assert_eq!(dash_of(plotters::style::RGBColor(1, 2, 3)), None);
    }

    /// Subgroups are put in labels part by part; a level that holds ", "
    /// stays one part; without labels every `name=` begins a part.
    #[test]
    fn subgroups_are_labelled_part_by_part() {
        let mut labels = ChartLabels::default();
        labels.insert("covariate", "site", "Site");
        labels.insert("covariate", "grade", "Grade");
        labels.insert("level", "site=L4-L5, L5-S1", "two levels");
        labels.insert("level", "grade=severe", "severe");
        assert_eq!(
            labels.subgroup("site=L4-L5, L5-S1, grade=severe"),
            "Site: two levels, Grade: severe"
        );
        assert_eq!(labels.subgroup("grade=severe"), "Grade: severe");
        assert_eq!(ChartLabels::default().subgroup("a=x, b=y"), "a: x, b: y");
    }

    /// The legend goes in a corner only when it hides no data there: a
    /// line across the top and one across the bottom leave no empty
    /// corner for a box a third of the plot high (the legend then goes
    /// beside the plot); a line across the top only leaves the lower ones.
    #[test]
    fn legends_go_where_they_hide_nothing() {
        use super::lines::{Series, legend_corner};
        use plotters::prelude::SeriesLabelPosition;
        let flat = |y: f64| Series::new("s", PALETTE[0], vec![0.0, 10.0], vec![y, y], None);
        let (x, y) = (0.0..10.0, 0.0..1.0);
        let (_, hidden) = legend_corner(&[flat(0.95), flat(0.05)], &x, &y, (0.3, 0.3));
        assert!(hidden > 0);
        let (corner, hidden) = legend_corner(&[flat(0.95)], &x, &y, (0.3, 0.3));
        assert_eq!(hidden, 0);
        assert!(matches!(corner, SeriesLabelPosition::LowerRight));
    }

    /// The text beside a forest row: the estimate and its paired interval,
    /// signed (a true minus), to the first significant digit of the
    /// interval's half-width or of the value, zero without a sign.
    #[test]
    fn forest_rows_say_their_estimate() {
        use super::forest::ForestRow;
        let row = |value, lo, hi| ForestRow {
            label: String::new(),
            value,
            paired: (lo, hi),
            unpaired: (lo, hi),
            colour: PALETTE[0],
        };
        assert_eq!(row(2.34, 1.9, 2.71).text(), "+2.3 (+1.9 to +2.7)");
        // Not "0.0 (−0.2 to 0.0)": the value keeps its first digit.
        assert_eq!(row(-0.04, -0.2, 0.01).text(), "\u{2212}0.04 (\u{2212}0.20 to +0.01)");
        assert_eq!(row(1669.4, 1583.2, 1755.0).text(), "+1,669 (+1,583 to +1,755)");
        assert_eq!(
            row(-0.0117, -0.0138, -0.0096).text(),
            "\u{2212}0.012 (\u{2212}0.014 to \u{2212}0.010)"
        );
        assert_eq!(row(f64::NAN, 0.0, 1.0).text(), "-");
    }

    /// Numbers on charts: separators from 1,000, a true minus, no sign on
    /// a value that rounds to zero.
    #[test]
    fn chart_numbers_have_separators_and_a_true_minus() {
        use super::chart::number;
        assert_eq!(number(50_000.0), "50,000");
        assert_eq!(number(1_000_000.0), "1,000,000");
        assert_eq!(number(100.0), "100");
        assert_eq!(number(-1234.4), "\u{2212}1,234");
        assert_eq!(number(-0.25), "\u{2212}0.25");
        assert_eq!(number(-0.0004), "0");
        assert_eq!(number(0.125), "0.125");
    }

    /// A fresh empty folder under the system temp dir.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("foramen-plot-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A policy of 1000 patients of whom `share` recover, exponentially.
    fn policy(name: &str, share: f64) -> PolicyCharts {
        let day: Vec<f64> = (0..=52).map(|w| f64::from(w) * 7.0).collect();
        let value: Vec<f64> = day.iter().map(|d| share * (1.0 - (-d / 60.0).exp())).collect();
        let recovered = Curve {
            lo: value.iter().map(|v| (v - 0.03).max(0.0)).collect(),
            hi: value.iter().map(|v| (v + 0.03).min(1.0)).collect(),
            day,
            value,
        };
        let weeks = recovered
            .value
            .windows(2)
            .enumerate()
            .map(|(i, w)| Bin {
                start: i as f64 * 7.0,
                end: (i + 1) as f64 * 7.0,
                count: ((w[1] - w[0]) * 1000.0).round() as u64,
            })
            .filter(|b| b.count > 0)
            .collect();
        PolicyCharts {
            name: name.to_string(),
            curves: vec![("recovered".into(), recovered)],
            pathway: [
                [50, 0, 0, 8, 2],
                [400, 10, 20, 50, 20],
                [200, 5, 15, 30, 10],
                [150, 3, 7, 15, 5],
            ],
            recovery_weeks: weeks,
            patients: 1000,
            at_risk: (0..=364)
                .map(|d| {
                    let gone = share * (1.0 - (-f64::from(d) / 60.0).exp()) * 1000.0;
                    (f64::from(d), 1000 - gone.round() as u64)
                })
                .collect(),
        }
    }

    fn results(policies: Vec<PolicyCharts>) -> RunCharts {
        RunCharts {
            scenario: "test".into(),
            horizon_days: 364.0,
            policies,
            comparisons: Vec::new(),
            by_subgroup: false,
            labels: ChartLabels::default(),
            subgroup_patients: Vec::new(),
        }
    }

    fn write_plots(run: &RunCharts, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
        super::write_plots(run, dir, &Style::default(), &Format::RUN)
    }

    fn assert_written(files: &[PathBuf], dir: &Path, names: &[&str]) {
        let mut expected: Vec<PathBuf> = names
            .iter()
            .flat_map(|n| [dir.join(format!("{n}.png")), dir.join(format!("{n}.svg"))])
            .collect();
        let mut files = files.to_vec();
        expected.sort();
        files.sort();
        assert_eq!(files, expected);
        for f in &files {
            let len = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
            assert!(len > 0, "{} is missing or empty", f.display());
        }
    }

    #[test]
    fn writes_the_run_charts_as_png_and_svg() {
        let dir = temp_dir("run");
        let r = results(vec![policy("stepwise", 0.8), policy("early-surgery", 0.9)]);
        let files = write_plots(&r, &dir).unwrap();
        assert_written(&files, &dir, &RUN_CHARTS);
        let svg = std::fs::read_to_string(dir.join("recovery_curves.svg")).unwrap();
        assert!(
            svg.contains("early-surgery (n = 1,000)"),
            "legend names the policies and their n"
        );
        // The number at risk at the ticks (months, on whole days), the
        // horizon (364) the last: 1000 less the 80% or 90% who recover by
        // then (202 and 102; on day 183, six months, 238 and 143).
        assert!(svg.contains(">\nNumber at risk\n</text>"));
        for n in ["1,000", "202", "102", "238", "143"] {
            assert!(
                svg.contains(&format!(">\n{n}\n</text>")),
                "{n} at risk is not in the table"
            );
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn one_policy_with_no_recoveries_and_no_patients() {
        let dir = temp_dir("empty");
        let mut p = policy("stepwise", 0.0);
        p.recovery_weeks.clear();
        p.pathway = [[0; 5]; 4];
        let files = write_plots(&results(vec![p]), &dir).unwrap();
        assert_written(&files, &dir, &RUN_CHARTS);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn no_policies_at_all() {
        let dir = temp_dir("none");
        let files = write_plots(&results(Vec::new()), &dir).unwrap();
        assert_eq!(files.len(), 2 * RUN_CHARTS.len());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn comparisons_with_a_reference_that_is_not_first() {
        let dir = temp_dir("compare");
        let mut r = results(vec![policy("stepwise", 0.8), policy("early-surgery", 0.9)]);
        let d = |outcome| Contrast {
            outcome,
            difference: -0.1,
            paired: (-0.12, -0.08),
            unpaired: (-0.15, -0.05),
        };
        // The reference is the second policy.
        r.comparisons.push(ComparisonCharts {
            policy: "stepwise".into(),
            reference: "early-surgery".into(),
            differences: vec![d("recovered"), d("surgery")],
            recovered_difference: r.policies[0].curves[0].1.clone(),
            subgroups: Vec::new(),
        });
        let files = write_plots(&r, &dir).unwrap();
        let names: Vec<&str> = RUN_CHARTS
            .into_iter()
            .chain(["differences", "recovery_difference"])
            .collect();
        assert_written(&files, &dir, &names);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A one-way row as the analysis makes it.
    fn sensitivity_row(parameter: &str, range: (f64, f64), ends: (Estimate, Estimate), moves: bool) -> Sensitivity {
        Sensitivity {
            parameter: parameter.into(),
            base_value: 0.5 * (range.0 + range.1),
            low: range.0,
            high: range.1,
            at_low: ends.0,
            at_high: ends.1,
            moves,
            best_at_low: None,
            best_at_high: None,
            threshold_low: None,
            threshold_high: None,
        }
    }

    #[test]
    fn tornado_names_the_parameters_that_cannot_move_the_measure() {
        let dir = temp_dir("tornado");
        let e = |value| Estimate {
            value,
            lo: value,
            hi: value,
            se: 0.0,
        };
        let s = SensitivityResults {
            target: Measure::Policy {
                outcome: Id::Recovered.def(),
                policy: "stepwise".into(),
            },
            base: e(0.8),
            base_best: None,
            stalled_paths: 0,
            runs: 5,
            rows: vec![
                sensitivity_row("conservative.success", (0.3, 0.7), (e(0.75), e(0.85)), true),
                sensitivity_row("a.cost", (50.0, 150.0), (e(0.8), e(0.8)), false),
            ],
        };
        let files = write_tornado(
            &s,
            &super::ChartLabels::default(),
            &dir,
            &Style::default(),
            &Format::RUN,
        )
        .unwrap();
        assert_written(&files, &dir, &["tornado"]);
        // The parameter that cannot move the measure is named under the
        // chart, not drawn as a bar; the base is labelled.
        let svg = std::fs::read_to_string(dir.join("tornado.svg")).unwrap();
        assert!(svg.contains("conservative.success [0.3, 0.7]"));
        assert!(!svg.contains("a.cost [50"), "a row that cannot move is drawn as a bar");
        assert!(svg.contains("Cannot move this measure"), "{svg}");
        assert!(svg.contains("a.cost"), "the row that cannot move is not named");
        // A share is drawn in percent, with its unit on the axis.
        assert!(svg.contains("base 80"), "{svg}");
        assert!(svg.contains("recovered under stepwise (%)"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn tornado_of_the_decision_says_where_it_changes() {
        let dir = temp_dir("tornado-decision");
        let e = |value| Estimate {
            value,
            lo: value - 10.0,
            hi: value + 10.0,
            se: 5.0,
        };
        let mut row = sensitivity_row("surgery.success", (0.75, 0.9), (e(-150.0), e(400.0)), true);
        row.best_at_low = Some("early".into());
        row.best_at_high = Some("stepwise".into());
        row.threshold_low = Some(crate::analysis::sweep::Threshold {
            value: 0.79,
            bracket: (0.788, 0.792),
            to: "early".into(),
        });
        let s = SensitivityResults {
            target: Measure::NetBenefit {
                contrast: Some(("stepwise".into(), "early".into())),
                wtp: 50_000.0,
                currency: "USD".into(),
            },
            base: e(120.0),
            base_best: Some("stepwise".into()),
            stalled_paths: 0,
            runs: 10,
            rows: vec![row],
        };
        write_tornado(
            &s,
            &super::ChartLabels::default(),
            &dir,
            &Style::default(),
            &Format::RUN,
        )
        .unwrap();
        let svg = std::fs::read_to_string(dir.join("tornado.svg")).unwrap();
        assert!(svg.contains("early best beyond 0.79"), "{svg}");
        assert!(svg.contains("stepwise minus early (USD)"), "{svg}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("foramen-plot-{}-missing/none", std::process::id()));
        let e = write_plots(&results(vec![policy("stepwise", 0.5)]), &dir).unwrap_err();
        assert!(e.to_string().contains("recovery_curves.png"), "{e}");
    }

    /// A time axis ends on the horizon and is labelled in a unit fit for
    /// it: a five-year horizon in years (ticks every half year, each on
    /// the nearest whole day), a year in months, eight weeks in weeks; the
    /// other ticks are round, and one closer to the horizon than half a
    /// step is left out.
    #[test]
    fn time_axes_speak_the_horizon_s_unit() {
        use super::chart::{time_desc, time_label, time_ticks};
        use super::style::TimeUnit;
        assert_eq!(
            time_ticks(1826.0, None),
            [
                0.0, 183.0, 365.0, 548.0, 731.0, 913.0, 1096.0, 1278.0, 1461.0, 1644.0, 1826.0
            ]
        );
        let labels: Vec<String> = time_ticks(1826.0, None)
            .iter()
            .map(|&d| time_label(d, 1826.0, None))
            .collect();
        assert_eq!(
            labels,
            ["0", "0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"]
        );
        assert_eq!(
            time_desc("Days since presentation", 1826.0, None),
            "Years since presentation"
        );
        assert_eq!(time_ticks(365.0, None), [0.0, 61.0, 122.0, 183.0, 244.0, 304.0, 365.0]);
        assert_eq!(time_label(365.0, 365.0, None), "12");
        assert_eq!(
            time_desc("days since presentation", 365.0, None),
            "months since presentation"
        );
        // `--time-unit` over the horizon's choice: five years in months,
        // ticks on whole days.
        let months = Some(TimeUnit::Months);
        let ticks = time_ticks(1826.0, months);
        let labels: Vec<String> = ticks.iter().map(|&d| time_label(d, 1826.0, months)).collect();
        assert_eq!(labels, ["0", "10", "20", "30", "40", "50", "60"]);
        assert_eq!(
            time_desc("Days since presentation", 1826.0, months),
            "Months since presentation"
        );
        assert_eq!(
            TimeUnit::parse("fortnights").unwrap_err(),
            "`fortnights` is not a time unit: use days, weeks, months or years"
        );
        assert_eq!(time_ticks(730.0, None), [0.0, 152.0, 304.0, 457.0, 609.0, 730.0]);
        assert_eq!(
            time_ticks(56.0, None),
            [0.0, 7.0, 14.0, 21.0, 28.0, 35.0, 42.0, 49.0, 56.0]
        );
        assert_eq!(time_ticks(30.0, None), [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]);
        for end in [1.0, 7.5, 90.0, 400.0, 1826.0, 36500.0] {
            let ticks = time_ticks(end, None);
            assert_eq!(ticks.last(), Some(&end));
            let step = ticks[1] - ticks[0];
            assert!(
                ticks.len() <= 11 && end - ticks[ticks.len() - 2] >= step / 2.0 - 1.0,
                "{end}: {ticks:?}"
            );
        }
    }

    /// A step function holds each value until the next point's day.
    #[test]
    fn steps_hold_until_the_next_point() {
        let path = super::lines::stepped([(0.0, 0.0), (7.0, 0.1), (14.0, 0.3)].into_iter());
        assert_eq!(path, [(0.0, 0.0), (7.0, 0.0), (7.0, 0.1), (14.0, 0.1), (14.0, 0.3)]);
    }

    /// A parameter is called by its label and unit, the unit said once.
    #[test]
    fn a_parameter_is_labelled_with_its_unit_once() {
        let mut l = ChartLabels::default();
        l.insert("unit", "a.value", "weeks");
        assert_eq!(l.parameter_with_unit("a.value"), "a.value (weeks)");
        l.insert("parameter", "a.value", "Trial length (weeks)");
        assert_eq!(l.parameter_with_unit("a.value"), "Trial length (weeks)");
        assert_eq!(l.parameter_with_unit("b.value"), "b.value");
    }

    #[test]
    fn embedded_font_loads() {
        assert!(font_ready());
    }

    #[test]
    fn nice_top_rounds_up_and_never_collapses() {
        assert_eq!(nice_top(0.0), 1.0);
        assert_eq!(nice_top(f64::NAN), 1.0);
        assert!((nice_top(0.0885) - 0.09).abs() < 1e-12);
        assert_eq!(nice_top(3.0), 1.0);
        let r = padded_range([0.2, 0.2].into_iter(), 0.1, 0.0);
        assert!(r.end > r.start);
    }
}
