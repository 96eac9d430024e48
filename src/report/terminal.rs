//! What the terminal shows: the table at the end of a run, the checks of
//! `foramen verify` and the rows of `foramen bench`.

use crate::analysis::bench::BenchRow;
use crate::analysis::verify::{Check, Z_THRESHOLD};
use crate::estimate::RunResults;
use crate::outcome::Id;

/// The short table printed at the end of a run.
pub fn format_table(results: &RunResults) -> String {
    // NaN (a value that cannot be estimated) prints as in the CSVs.
    let pct = |v: f64| format!("{:.1}", 100.0 * v);
    let days = |v: f64| format!("{v:.1}");
    let width = results.policies.iter().map(|p| p.name.len()).max().unwrap_or(6).max(6);
    let mut out = format!(
        "{:<width$}  {:>10}  {:<22}  {:<24}  {:>8}  {:>7}\n",
        "policy", "patients", "recovered % (95% CI)", "median days (95% CI)", "surgery%", "fusion%"
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
    out
}

/// The table `foramen verify` prints.
pub fn format_checks(checks: &[Check]) -> String {
    let mut out = format!(
        "{:<24} {:<14} {:<30} {:>12} {:>12} {:>10} {:>7}  result\n",
        "scenario", "policy", "quantity", "exact", "simulated", "MC se", "z"
    );
    for c in checks {
        out += &format!(
            "{:<24} {:<14} {:<30} {:>12.6} {:>12.6} {:>10.2e} {:>7.2}  {}\n",
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
