//! What the terminal shows: the table at the end of a run, the checks of
//! `foramen verify` and the rows of `foramen bench`.

use crate::analysis::bench::BenchRow;
use crate::analysis::calibrate::Fit;
use crate::analysis::floor::{Floor, Primitive};
use crate::analysis::sweep::{SensitivityResults, SweepPoint};
use crate::analysis::verify::{Check, Z_THRESHOLD};
use crate::estimate::RunResults;
use crate::estimate::targets::{Assessment, agreement};
use crate::outcome::{Id, Kind, OutcomeDef};
use crate::scenario::targets::{Measure, Target};
use crate::stats::Estimate;

/// `text` safe to print on a terminal: every control character but the
/// newline and the tab, and every bidirectional override, written as its
/// escape (`\u{1b}`), so that no name or value from a file can move the
/// cursor, recolour the screen or reorder what is shown; and each line of
/// more than [`MAX_LINE_CHARS`] characters cut, with an ellipsis and its
/// length.
pub fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (shown, c) in line.chars().enumerate() {
            if shown == MAX_LINE_CHARS {
                out += &format!("… ({} characters in all)", line.chars().count());
                break;
            }
            let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if (c.is_control() && c != '\t') || bidi {
                out.extend(c.escape_unicode());
            } else {
                out.push(c);
            }
        }
    }
    out
}

/// The most characters a printed line shows ([`safe`]).
pub const MAX_LINE_CHARS: usize = 2_000;

/// The short table printed at the end of a run.
pub fn format_table(results: &RunResults) -> String {
    // NaN (a value that cannot be estimated) prints as in the CSVs.
    let pct = |v: f64| format!("{:.1}", 100.0 * v);
    let days = |v: f64| format!("{v:.1}");
    let width = results.policies.iter().map(|p| p.name.len()).max().unwrap_or(6).max(6);
    let mut out = format!(
        "{:<width$}  {:>10}  {:<22}  {:<24}  {:>8}  {:>7}\n",
        "policy", "patients", "recovered % (MC 95%)", "median days (MC 95%)", "surgery%", "fusion%"
    );
    for p in &results.policies {
        let g = &p.overall;
        let (recovered, median) = (g.get(Id::Recovered), g.get(Id::MedianDays));
        out += &format!(
            "{:<width$}  {:>10}  {:<22}  {:<24}  {:>8}  {:>7}\n",
            p.name,
            g.patients,
            format!("{} ({}-{})", pct(recovered.value), pct(recovered.lo), pct(recovered.hi)),
            format!("{} ({}-{})", days(median.value), days(median.lo), days(median.hi)),
            pct(g.get(Id::Surgery).value),
            pct(g.get(Id::Fusion).value),
        );
    }
    if let Some(cea) = &results.cea {
        out += &format_cea(cea, width);
    }
    out += MONTE_CARLO_NOTE;
    out
}

/// Under every table of a single run: what its intervals mean (report.html
/// says the same).
pub const MONTE_CARLO_NOTE: &str = "(MC 95%: intervals of Monte Carlo error at this cohort size, not uncertainty in the inputs: for that, the probabilistic analysis, foramen psa)\n";

/// The incremental analysis under the run's table: cost, QALYs, status
/// and ICER per policy in order of cost, then the best policy at each
/// willingness to pay.
fn format_cea(cea: &crate::estimate::cea::Cea, width: usize) -> String {
    let mut out = format!(
        "\n{:<width$}  {:>12}  {:>8}  {:<22}  {}\n",
        "policy",
        format!("cost, {}", cea.currency),
        "QALYs",
        "status",
        "ICER (MC 95% Fieller)"
    );
    for r in &cea.rows {
        let icer = if r.icer.is_finite() {
            let interval = if r.icer_lo.is_finite() {
                format!("{:.0}-{:.0}", r.icer_lo, r.icer_hi)
            } else {
                "unbounded".to_string()
            };
            format!(
                "{:.0} ({interval}) against {}",
                r.icer,
                r.compared_with.as_deref().unwrap_or("")
            )
        } else {
            match (&r.compared_with, r.status) {
                (Some(by), crate::estimate::cea::Status::Dominated) => format!("dominated by {by}"),
                (Some(_), crate::estimate::cea::Status::ExtendedlyDominated) => "extendedly dominated".into(),
                _ => String::new(),
            }
        };
        let line = format!(
            "{:<width$}  {:>12.0}  {:>8.4}  {:<22}  {icer}",
            r.policy,
            r.cost.value,
            r.qalys.value,
            r.status.name()
        );
        out += line.trim_end();
        out.push('\n');
    }
    let mut wtp: Vec<f64> = cea.nmb.iter().map(|n| n.willingness_to_pay).collect();
    wtp.dedup();
    for w in wtp {
        if let Some(best) = cea.nmb.iter().find(|n| n.willingness_to_pay == w && n.best) {
            out += &format!(
                "highest net monetary benefit at {w} {} per QALY: {}\n",
                cea.currency, best.policy
            );
        }
    }
    out
}

/// An estimate and its 95% interval in the unit of its kind: percent for
/// shares, days, a count per patient, currency or years. NaN prints as in the CSVs.
fn with_interval(kind: Kind, e: Estimate) -> String {
    match kind {
        Kind::Share => format!("{:.1} ({:.1}-{:.1})", 100.0 * e.value, 100.0 * e.lo, 100.0 * e.hi),
        Kind::Days => format!("{:.1} ({:.1}-{:.1})", e.value, e.lo, e.hi),
        Kind::Count | Kind::Years => format!("{:.3} ({:.3}-{:.3})", e.value, e.lo, e.hi),
        Kind::Money => format!("{:.0} ({:.0}-{:.0})", e.value, e.lo, e.hi),
    }
}

/// The table `foramen sweep` prints: one row per value and policy, one
/// column per charted outcome (shares in %, with Monte Carlo 95%
/// intervals), and the note on what those intervals mean.
pub fn format_sweep(param: &str, points: &[SweepPoint], outcomes: &[&OutcomeDef]) -> String {
    let heads: Vec<String> = outcomes
        .iter()
        .map(|o| match o.kind {
            Kind::Share => format!("{} % (MC 95%)", o.name),
            _ => format!("{} (MC 95%)", o.name),
        })
        .collect();
    let policy_width = points
        .iter()
        .flat_map(|p| p.results.policies.iter().map(|r| r.name.len()))
        .max()
        .unwrap_or(6)
        .max(6);
    let value_width = points
        .iter()
        .map(|p| p.value.to_string().len())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut out = format!("{param}:\n{:<value_width$}  {:<policy_width$}", "value", "policy");
    for h in &heads {
        out += &format!("  {h:<24}");
    }
    out = out.trim_end().to_string() + "\n";
    for point in points {
        for policy in &point.results.policies {
            let mut line = format!("{:<value_width$}  {:<policy_width$}", point.value, policy.name);
            for o in outcomes {
                line += &format!("  {:<24}", with_interval(o.kind, policy.overall.get(o.id)));
            }
            out += line.trim_end();
            out += "\n";
        }
    }
    out += MONTE_CARLO_NOTE;
    out
}

/// A one-way sensitivity analysis: the measure at the base values (with
/// its Monte Carlo interval), then each parameter that moves it, its range
/// and the measure at its ends, by decreasing swing, with the value where
/// the decision changes; then the parameters that cannot move it.
pub fn format_sensitivity(s: &SensitivityResults) -> String {
    use crate::analysis::sweep::Measure;
    let money = matches!(s.target, Measure::NetBenefit { .. });
    let v = |x: f64| if money { format!("{x:.0}") } else { format!("{x:.4}") };
    let mut out = format!(
        "{}: base {} (Monte Carlo 95% {} to {})\n",
        s.target.label(),
        v(s.base.value),
        v(s.base.lo),
        v(s.base.hi)
    );
    if let Some(best) = &s.base_best {
        out += &format!("best in the base case: {best}\n");
    }
    for r in s.rows.iter().filter(|r| r.moves) {
        out += &format!(
            "  {:<55} [{}, {}] -> {} .. {}\n",
            r.parameter,
            r.low,
            r.high,
            v(r.at_low.value),
            v(r.at_high.value)
        );
        for t in [&r.threshold_low, &r.threshold_high].into_iter().flatten() {
            out += &format!(
                "  {:<55} the decision changes at {:.4} (between {:.4} and {:.4}): {} is best beyond\n",
                "", t.value, t.bracket.0, t.bracket.1, t.to
            );
        }
    }
    let unmoved: Vec<&str> = s.unmoved().map(|r| r.parameter.as_str()).collect();
    if !unmoved.is_empty() {
        out += &format!(
            "cannot move it (the same result at both ends): {}\n",
            unmoved.join(", ")
        );
    }
    out
}

/// "N of M targets in their published band; K of L independent targets
/// in band" (independent: no source of the target gave an input).
pub fn in_band_line<T: crate::estimate::targets::Counted>(targets: &[T], assessed: &[Assessment]) -> String {
    let all = agreement(targets, assessed, |_| true);
    let independent = agreement(targets, assessed, |t| t.independent());
    format!(
        "{} of {} targets in their published band; {} of {} independent targets in band",
        all.in_band, all.targets, independent.in_band, independent.targets
    )
}

/// Which targets a line of the calibration's printout counts.
type Keep = fn(&Target) -> bool;

/// A value of `measure` as the tables show it: a share in percent, days
/// to a tenth, a utility to three decimals, QALYs to four; "-" when not
/// a number.
fn shown(measure: Measure, x: f64) -> String {
    if !x.is_finite() {
        return "-".to_string();
    }
    match measure {
        Measure::Share => format!("{:.1}", 100.0 * x),
        Measure::Days => format!("{x:.1}"),
        Measure::Utility => format!("{x:.3}"),
        Measure::Qalys => format!("{x:.4}"),
    }
}

/// The table `foramen targets` prints: per target the published value and
/// band, the model's share with its 95% interval, z, whether it is
/// independent and whether it lies in the band; then the shares in band
/// and the weighted distance.
pub fn format_targets(targets: &[Target], assessed: &[Assessment]) -> String {
    let wn = targets.iter().map(|t| t.name.chars().count()).max().unwrap_or(0).max(6);
    let mut out = format!(
        "{:<wn$} {:>7} {:>9} {:>15} {:>8} {:>19} {:>9} {:>7} {:>11}  {}\n",
        "target", "in", "published", "band", "model", "95% MC interval", "units", "z", "independent", "in band"
    );
    for (t, a) in targets.iter().zip(assessed) {
        let m = a.model;
        let measure = t.quantity.measure();
        let v = |x: f64| shown(measure, x);
        out += &format!(
            "{:<wn$} {:>7} {:>9} {:>15} {:>8} {:>19} {:>9} {:>7.2} {:>11}  {}\n",
            t.name,
            if measure == Measure::Share { "%" } else { measure.name() },
            v(t.published),
            format!("{}-{}", v(t.band.lo), v(t.band.hi)),
            v(m.value),
            format!("{}-{}", v(m.lo), v(m.hi)),
            a.n,
            a.z,
            if t.independent { "yes" } else { "no" },
            if a.n == 0 {
                "no units: the population is empty"
            } else if a.in_band {
                "yes"
            } else {
                "no"
            }
        );
    }
    let all = agreement(targets, assessed, |_| true);
    out += &format!(
        "\n{}; weighted distance sum w z^2 = {:.1}{} (shares in %, times in days; z = (model - published) / sqrt(se_published^2 + se_model^2))\n",
        in_band_line(targets, assessed),
        all.distance,
        if all.missing > 0 {
            format!(" ({} targets not estimable)", all.missing)
        } else {
            String::new()
        }
    );
    out
}

/// What `foramen calibrate` prints: each parameter's prior mean, fitted
/// value and posterior interval; the targets in band and the distance
/// before and after, for the targets fitted (in sample) and those held
/// out (out of sample) side by side, and each held-out target's z; how
/// the posterior sample was made.
pub fn format_calibration(fit: &Fit, targets: &[Target]) -> String {
    let wp = fit
        .parameters
        .iter()
        .map(|b| b.path.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    let mut out = format!(
        "{:<wp$} {:>12} {:>12} {:>12} {:>27}\n",
        "parameter", "prior mean", "fitted", "posterior", "95% posterior interval"
    );
    for (i, b) in fit.parameters.iter().enumerate().filter(|&(i, _)| fit.calibrated[i]) {
        let (mean, lo, hi) = fit.posterior.summary(i);
        out += &format!(
            "{:<wp$} {:>12.4} {:>12.4} {:>12.4} {:>27}\n",
            b.path,
            fit.start[i],
            fit.fitted[i],
            mean,
            format!("{lo:.4} - {hi:.4}")
        );
    }
    let held = fit.parameters.iter().filter(|b| !b.changes_paths()).count();
    let left = fit.calibrated.iter().filter(|&&c| !c).count() - held;
    if held > 0 {
        out += &format!(
            "({held} distributions of belief that only value paths (costs, utilities) are not calibrated: the posterior sample draws them from their priors)\n"
        );
    }
    if left > 0 {
        out += &format!(
            "({left} that could change a path were left out of the parameters chosen: held at their means while fitting, drawn from their priors in the posterior sample)\n"
        );
    }
    out += &format!(
        "\n{:<26} {:>7} {:>15} {:>15}\n",
        "targets", "count", "in band", "sum w z^2"
    );
    out += &format!("{:<26} {:>7} {:>15} {:>15}\n", "", "", "before  after", "before  after");
    let parts: [(&str, Keep); 3] = [
        ("fitted (in sample)", |t| !t.holdout),
        ("held out (out of sample)", |t| t.holdout),
        ("independent", |t| t.independent),
    ];
    for (name, keep) in parts {
        let before = agreement(targets, &fit.before, keep);
        let after = agreement(targets, &fit.after, keep);
        out += &format!(
            "{name:<26} {:>7} {:>7} {:>7} {:>7.1} {:>7.1}\n",
            after.targets, before.in_band, after.in_band, before.distance, after.distance
        );
    }
    for ((t, b), a) in targets
        .iter()
        .zip(&fit.before)
        .zip(&fit.after)
        .filter(|((t, _), _)| t.holdout)
    {
        out += &format!(
            "held out {}: published {}, model {} before (z {:.2}), {} after (z {:.2})\n",
            t.name,
            shown(t.quantity.measure(), t.published),
            shown(t.quantity.measure(), b.model.value),
            b.z,
            shown(t.quantity.measure(), a.model.value),
            a.z
        );
    }
    let p = &fit.posterior;
    out += &format!(
        "posterior: {} points by IMIS ({} points evaluated, {} rounds, {}; effective sample size {:.0}, {} distinct); mode by Nelder-Mead ({} iterations, {})\n",
        p.samples.len(),
        p.points,
        p.rounds,
        if p.converged {
            "stopping rule met"
        } else {
            "stopped at the last round"
        },
        p.ess,
        p.distinct,
        fit.iterations,
        fit.termination
    );
    out
}

/// What `foramen diff` prints: per policy and outcome, A, B and A - B
/// with its unpaired 95% interval.
pub fn format_diff(differences: &[crate::estimate::diff::RunDifference]) -> String {
    let wp = differences
        .iter()
        .map(|d| d.policy.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let wo = differences
        .iter()
        .map(|d| d.outcome.chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    let mut out = format!(
        "{:<wp$} {:<wo$} {:>12} {:>12} {:>12} {:>27}\n",
        "policy", "outcome", "A", "B", "A - B", "unpaired MC 95%"
    );
    for d in differences {
        let e = d.difference;
        out += &format!(
            "{:<wp$} {:<wo$} {:>12.4} {:>12.4} {:>12.4} {:>27}\n",
            d.policy,
            d.outcome,
            d.a,
            d.b,
            e.value,
            format!("{:.4} to {:.4}", e.lo, e.hi)
        );
    }
    out += MONTE_CARLO_NOTE;
    out
}

/// The table `foramen verify` prints.
pub fn format_checks(checks: &[Check]) -> String {
    // Columns as wide as their longest entry, so long names never shift
    // the numbers.
    let width = |head: &str, cell: fn(&Check) -> &str| {
        checks
            .iter()
            .map(|c| cell(c).chars().count())
            .max()
            .unwrap_or(0)
            .max(head.len())
    };
    let (ws, wp, wq) = (
        width("scenario", |c| &c.scenario),
        width("policy", |c| &c.policy),
        width("quantity", |c| &c.quantity),
    );
    let mut out = format!(
        "{:<ws$} {:<wp$} {:<wq$} {:>12} {:>12} {:>10} {:>7}  result\n",
        "scenario", "policy", "quantity", "exact", "simulated", "MC se", "z"
    );
    for c in checks {
        out += &format!(
            "{:<ws$} {:<wp$} {:<wq$} {:>12.6} {:>12.6} {:>10.2e} {:>7.2}  {}\n",
            c.scenario,
            c.policy,
            c.quantity,
            c.exact,
            c.simulated,
            c.se,
            c.z,
            if c.passed() { "pass" } else { "FAIL" }
        );
    }
    let failed = checks.iter().filter(|c| !c.passed()).count();
    out += &format!(
        "\n{} checks, {} failed (pass: |z| <= {Z_THRESHOLD}, z = (simulated - exact) / Monte Carlo se)\n",
        checks.len(),
        failed
    );
    out
}

/// The column heads of [`format_row`].
pub fn format_header() -> String {
    format!(
        "{:>11} {:>7} {:>9} {:>13} {:>13} {:>8} {:>8} {:>13} {:>8} {:>8}",
        "patients",
        "threads",
        "seconds",
        "patients/s",
        "paths/s",
        "ns/path",
        "scaling",
        "draws-only/s",
        "ns/path",
        "ratio"
    )
}

/// One row of the printed table: the simulation, then the draws-only
/// baseline and the simulation's throughput as a share of it.
pub fn format_row(r: &BenchRow) -> String {
    let percent = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", 100.0 * v));
    format!(
        "{:>11} {:>7} {:>9.3} {:>13.0} {:>13.0} {:>8.1} {:>8} {:>13.0} {:>8.1} {:>8}",
        r.patients,
        r.threads,
        r.seconds,
        r.patients_per_second(),
        r.paths_per_second(),
        r.ns_per_path(),
        percent(r.scaling_efficiency),
        r.baseline_paths_per_second(),
        r.baseline_ns_per_path(),
        percent(Some(r.ratio()))
    )
}

/// The floor table `foramen bench` prints after its timings: per kind of
/// draw, foramen's ns per draw against the floor's; then the path.
pub fn format_floor(floor: &Floor, one_thread_ns: Option<f64>) -> String {
    let mut out = format!(
        "floor (batch-vectorised, one core; ns):\n{:<56} {:>9} {:>9} {:>9} {:>8}\n",
        "draw", "per path", "foramen", "floor", "x floor"
    );
    let row = |out: &mut String, kind: &str, per_path: f64, own: Option<f64>, at_floor: f64| {
        let own_text = own.map_or_else(|| "-".to_string(), |o| format!("{o:.1}"));
        let times = own.map_or_else(|| "-".to_string(), |o| format!("{:.1}", o / at_floor));
        out.push_str(&format!(
            "{kind:<56} {per_path:>9.2} {own_text:>9} {at_floor:>9.1} {times:>8}\n"
        ));
    };
    for r in &floor.rows {
        let kind: String = r.kind.chars().take(56).collect();
        row(&mut out, &kind, r.per_path, Some(r.own_ns), r.floor_ns);
    }
    row(
        &mut out,
        "draws of a path",
        1.0,
        Some(floor.own_draws_ns_per_path()),
        floor.ns_per_path(),
    );
    row(
        &mut out,
        "path (whole simulation, one thread)",
        1.0,
        one_thread_ns,
        floor.ns_per_path(),
    );
    out.push_str("primitives (per path, ns each):");
    for ((p, n), price) in Primitive::ALL.iter().zip(floor.needs).zip(floor.prices.0) {
        out.push_str(&format!(" {} {n:.2} x {price:.2};", p.name()));
    }
    out.pop();
    out.push('\n');
    out
}

/// What `foramen psa` prints: each policy's mean cost and QALYs over the
/// draws with the 2.5 and 97.5 percentiles, the acceptability and EVPI at
/// the scenario's willingness-to-pay values, and the inner-loop noise of
/// cost and QALYs.
pub fn format_psa(r: &crate::analysis::psa::PsaResults) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let width = r.policies.iter().map(String::len).max().unwrap_or(6).max(6);
    let spread = |id: Id, p: usize| {
        let mut v: Vec<f64> = r.draws.iter().map(|d| d.policies[p][id as usize].value).collect();
        crate::analysis::psa::spread(&mut v)
    };
    if let Some(e) = &r.economics {
        let _ = writeln!(
            out,
            "{:<width$}  {:>28}  {:>26}",
            "policy",
            format!("cost, {} (95% of draws)", e.currency),
            "QALYs (95% of draws)"
        );
        for (p, name) in r.policies.iter().enumerate() {
            let (c, c_lo, c_hi) = spread(Id::Cost, p);
            let (q, q_lo, q_hi) = spread(Id::Qalys, p);
            let _ = writeln!(
                out,
                "{name:<width$}  {:>28}  {:>26}",
                format!("{c:.0} ({c_lo:.0}-{c_hi:.0})"),
                format!("{q:.4} ({q_lo:.4}-{q_hi:.4})")
            );
        }
        for a in &e.at_scenario {
            let probs: Vec<String> = r
                .policies
                .iter()
                .zip(&a.probability)
                .map(|(n, p)| format!("{n} {:.1}%", 100.0 * p))
                .collect();
            let population = e
                .population
                .map_or(String::new(), |n| format!(", population {:.0}", a.evpi * n));
            let _ = writeln!(
                out,
                "\nat {} {} per QALY: optimal {}; probability cost-effective: {}; EVPI {:.0} per patient{population}",
                a.wtp,
                e.currency,
                r.policies[a.optimal],
                probs.join(", "),
                a.evpi
            );
        }
    }
    let noisy: Vec<String> = r
        .noise
        .iter()
        .filter(|(_, d, _)| matches!(d.id, Id::Cost | Id::Qalys | Id::Recovered))
        .map(|(p, d, n)| {
            let need = if n.patients_for_5_percent.is_finite() {
                format!("{:.0}", n.patients_for_5_percent)
            } else {
                "more than estimable".to_string()
            };
            format!(
                "  {} {}: {:.1}% of the spread (under 5% with {need} patients per draw)",
                r.policies[*p],
                d.name,
                100.0 * n.share
            )
        })
        .collect();
    if !noisy.is_empty() {
        let _ = writeln!(
            out,
            "\ninner-loop noise ({} patients per policy and draw):\n{}",
            r.patients,
            noisy.join("\n")
        );
    }
    out
}

/// `foramen variants`: per case (the base, then each variant), the best
/// policy at each willingness to pay (`*` where it differs from the
/// base's) and the last step of the frontier with its ICER.
pub fn format_variants(runs: &[crate::analysis::variants::CaseRun], currency: &str) -> String {
    let width = runs
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0)
        .max("variant".len());
    let wtp: Vec<f64> = runs
        .first()
        .map(|r| r.decisions.iter().map(|d| d.willingness_to_pay).collect())
        .unwrap_or_default();
    let column = |r: &crate::analysis::variants::CaseRun, k: usize| {
        r.decisions.get(k).map_or(String::new(), |d| {
            format!("{}{}", d.best, if d.changed { " *" } else { "" })
        })
    };
    let widths: Vec<usize> = (0..wtp.len())
        .map(|k| {
            runs.iter()
                .map(|r| column(r, k).len())
                .chain([format!("best at {:.0}", wtp[k]).len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!("{:<width$}", "variant");
    for (w, cells) in wtp.iter().zip(&widths) {
        out += &format!("  {:<cells$}", format!("best at {w:.0}"));
    }
    out += &format!("  last frontier step: ICER, {currency} per QALY (Monte Carlo 95%, Fieller)\n");
    for r in runs {
        let mut line = format!("{:<width$}", r.name);
        for (k, cells) in widths.iter().enumerate() {
            line += &format!("  {:<cells$}", column(r, k));
        }
        let last = match r.last_step() {
            Some(step) => {
                let interval = if step.icer_lo.is_finite() {
                    format!("{:.0} to {:.0}", step.icer_lo, step.icer_hi)
                } else {
                    "unbounded".to_string()
                };
                format!(
                    "{} over {}: {:.0} ({interval})",
                    step.policy,
                    step.compared_with.as_deref().unwrap_or(""),
                    step.icer
                )
            }
            None => r
                .results
                .cea
                .as_ref()
                .and_then(|c| {
                    c.rows
                        .iter()
                        .find(|x| x.status == crate::estimate::cea::Status::Frontier)
                })
                .map_or(String::new(), |only| format!("{} alone on the frontier", only.policy)),
        };
        line += &format!("  {last}");
        out += line.trim_end();
        out.push('\n');
    }
    out += &format!(
        "(* the best policy differs from the base's; best: the highest mean net monetary benefit at that willingness to pay, {currency} per QALY)\n"
    );
    out += MONTE_CARLO_NOTE;
    out
}

/// The EVPPI block `foramen psa` prints: at each of the scenario's
/// willingness-to-pay values, the EVPI, every named group and the five
/// parameters of highest EVPPI, each with its standard error (and the
/// binned cross-check of a single parameter); empty without EVPPI.
pub fn format_evppi(r: &crate::analysis::psa::PsaResults, groups: &[crate::analysis::evppi::GroupEvppi]) -> String {
    use crate::estimate::evppi::Method;
    use std::fmt::Write;
    let mut out = String::new();
    let Some(e) = &r.economics else { return out };
    if groups.is_empty() {
        return out;
    }
    let main: Vec<_> = groups.iter().filter(|g| g.grid.method != Method::Binned).collect();
    let singles = main.iter().filter(|g| !g.named).count();
    for (k, a) in e.at_scenario.iter().enumerate() {
        let population = e
            .population
            .map_or(String::new(), |n| format!(", population {:.0}", a.evpi * n));
        let _ = writeln!(
            out,
            "
EVPPI per patient at {} {} per QALY (EVPI {:.0}{population}):",
            a.wtp, e.currency, a.evpi
        );
        let mut singles_by_value: Vec<_> = main.iter().filter(|g| !g.named).collect();
        singles_by_value.sort_by(|x, y| y.at_scenario.value[k].total_cmp(&x.at_scenario.value[k]));
        let shown: Vec<_> = main
            .iter()
            .filter(|g| g.named)
            .chain(singles_by_value.into_iter().take(5))
            .collect();
        let width = shown.iter().map(|g| g.name.len()).max().unwrap_or(0);
        for g in shown {
            let se = g.at_scenario.se[k].map_or(String::new(), |s| format!(" (se {s:.1})"));
            let binned = groups
                .iter()
                .find(|o| o.name == g.name && o.grid.method == Method::Binned)
                .map_or(String::new(), |o| format!("; binned {:.1}", o.at_scenario.value[k]));
            let kind = if g.named {
                format!("{} parameters, {}", g.parameters.len(), g.grid.method.name())
            } else {
                g.grid.method.name().to_string()
            };
            let population = e.population.map_or(String::new(), |n| {
                format!("; population {:.0}", n * g.at_scenario.value[k])
            });
            let _ = writeln!(
                out,
                "  {:<width$}  {:>8.1}{se}  [{kind}{binned}{population}]",
                g.name, g.at_scenario.value[k]
            );
        }
    }
    let _ = writeln!(
        out,
        "(EVPPI of all {singles} parameters alone and of each group over the willingness-to-pay grid in evppi.csv)"
    );
    out
}

/// What `foramen fit` prints: per family its log-likelihood, AIC, BIC and
/// AIC difference from the best, then its parameters with 95% intervals
/// (ratios for covariates), or why it did not converge; the family
/// fit.toml gives marked.
pub fn format_fits(fits: &[crate::estimate::fit::Fit], chosen: usize) -> String {
    use crate::stats::Z95;
    let best = fits
        .iter()
        .filter(|f| f.converged.is_ok())
        .map(|f| f.aic())
        .fold(f64::INFINITY, f64::min);
    let mut out = format!(
        "{:<13} {:>12} {:>10} {:>10} {:>8}  {}\n",
        "family", "log-lik", "AIC", "BIC", "dAIC", "estimates (95% interval)"
    );
    for (i, f) in fits.iter().enumerate() {
        let mark = if i == chosen { " *" } else { "" };
        let name = format!("{}{mark}", f.family.name());
        if let Err(why) = &f.converged {
            out += &format!("{name:<13} did not converge: {why}\n");
            continue;
        }
        let parameters = f.family.parameters();
        let terms: Vec<String> = (0..f.k())
            .map(|j| {
                let (x, se) = (f.estimate[j], f.se(j));
                let scale = parameters.get(j).map_or(crate::estimate::fit::Scale::Log, |(_, s)| *s);
                let (v, lo, hi) = (
                    scale.natural(x),
                    scale.natural(x - Z95 * se),
                    scale.natural(x + Z95 * se),
                );
                let name = if j < parameters.len() {
                    f.names[j].clone()
                } else if f.family.time_ratio() {
                    format!("TR[{}]", f.names[j])
                } else {
                    format!("HR[{}]", f.names[j])
                };
                format!("{name} {} ({}-{})", sig(v), sig(lo), sig(hi))
            })
            .collect();
        out += &format!(
            "{name:<13} {:>12.3} {:>10.2} {:>10.2} {:>8.2}  {}\n",
            f.log_likelihood,
            f.aic(),
            f.bic(),
            f.aic() - best,
            terms.join(", ")
        );
    }
    out += "\n* the family fit.toml gives; TR a time ratio, HR a hazard ratio (exp of a covariate's coefficient)\n";
    out
}

/// Four significant figures.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{x:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long policy name widens its column instead of pushing the numbers
    /// of its row out of line.
    #[test]
    fn check_columns_fit_the_longest_name() {
        let check = |policy: &str| Check {
            scenario: "s".into(),
            policy: policy.into(),
            quantity: "recovered".into(),
            exact: 0.5,
            simulated: 0.5,
            se: 0.01,
            z: 0.0,
            derivation: String::new(),
        };
        let table = format_checks(&[check("a"), check("decompress-then-revise")]);
        let ends: Vec<usize> = table
            .lines()
            .take(3)
            .map(|l| l.find("pass").or(l.find("result")).unwrap())
            .collect();
        assert!(ends.windows(2).all(|w| w[0] == w[1]), "{table}");
    }
}
