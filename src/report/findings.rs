//! The findings of report.html: sentences made from the numbers of a
//! run's tables (cea.csv, nmb.csv, comparison.csv) or of a probabilistic
//! analysis's (psa_cost.csv, psa_effect.csv, ceac.csv, evpi.csv,
//! evppi.csv), each estimate with its interval. Nothing here is a number
//! of its own: every figure is a cell of those tables, or computed from
//! them as the sentence says.

use crate::outcome::Kind;
use crate::report::html::{Cells, significant};
use crate::report::plot::ChartLabels;
use crate::stats::Z95;

/// What a single run's intervals are, in the words the terminal prints
/// under its tables (`terminal::MONTE_CARLO_NOTE`), as a sentence.
pub fn monte_carlo_sentence() -> String {
    let note = crate::report::terminal::MONTE_CARLO_NOTE
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')');
    format!("Every interval here is a Monte Carlo 95% interval ({note}).")
}

/// A table read as text, asked for cells by column name.
struct Table<'a>(&'a Cells);

impl Table<'_> {
    fn col(&self, name: &str) -> Option<usize> {
        self.0.header.iter().position(|h| h == name)
    }

    fn text<'r>(&self, row: &'r [String], name: &str) -> &'r str {
        self.col(name).and_then(|i| row.get(i)).map_or("", String::as_str)
    }

    /// A cell as a number (NaN when empty or not one).
    fn num(&self, row: &[String], name: &str) -> f64 {
        self.text(row, name).parse().unwrap_or(f64::NAN)
    }
}

/// An amount of `currency`: `$1,063`, `€24`, `CHF 12.5` (whole units
/// from 100, else three significant digits), a minus sign before it.
pub fn money(currency: &str, v: f64) -> String {
    let symbol = match currency {
        "USD" => "$".to_string(),
        "EUR" => "\u{20ac}".to_string(),
        "GBP" => "\u{a3}".to_string(),
        other => format!("{other} "),
    };
    let digits = if v.abs() >= 100.0 { 0 } else { 3 };
    let text = if digits == 0 {
        significant(v.round(), 16)
    } else {
        significant(v, 3)
    };
    match text.strip_prefix('-') {
        Some(rest) => format!("-{symbol}{rest}"),
        None => format!("{symbol}{text}"),
    }
}

/// `lo to hi`, or words saying there is no interval.
fn span(lo: f64, hi: f64, f: impl Fn(f64) -> String) -> String {
    if lo.is_nan() || hi.is_nan() {
        "no interval".to_string()
    } else {
        format!("{} to {}", f(lo), f(hi))
    }
}

/// Whether an interval holds zero (or there is none).
fn holds_zero(lo: f64, hi: f64) -> bool {
    lo.is_nan() || hi.is_nan() || (lo <= 0.0 && hi >= 0.0)
}

/// The willingness-to-pay values of nmb.csv or ceac.csv, in order.
fn wtp_values(t: &Table, column: &str) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    for r in &t.0.rows {
        let w = t.num(r, column);
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The tables of a run the findings are made from (those it has).
#[derive(Default)]
pub struct RunTables {
    pub comparison: Option<Cells>,
    pub cea: Option<Cells>,
    pub nmb: Option<Cells>,
}

/// The outcomes whose largest difference from the reference is told,
/// in this order (those a run has).
pub const TOLD: [&str; 11] = [
    "recovered",
    "symptom_free",
    "median_days",
    "symptomatic_days",
    "surgery",
    "fusion",
    "complication",
    "relapse",
    "permanent_deficit",
    "died",
    "qalys",
];

/// The findings of a run, in sentences: the policy with the highest net
/// monetary benefit at each willingness to pay and by how much, the
/// cost-effectiveness frontier with each ICER, the dominated policies and
/// by what; then, apart, for each outcome of [`TOLD`] the largest
/// difference from the reference. Every estimate has its Monte Carlo 95%
/// interval.
pub fn run_findings(t: &RunTables, labels: &ChartLabels) -> (Vec<String>, Vec<String>) {
    let mut out = Vec::new();
    let currency = t
        .cea
        .as_ref()
        .and_then(|c| {
            let t = Table(c);
            c.rows.first().map(|r| t.text(r, "currency").to_string())
        })
        .unwrap_or_default();
    if let Some(nmb) = &t.nmb {
        out.extend(best_at_each_wtp(&Table(nmb), &currency, labels));
    }
    if let Some(cea) = &t.cea {
        out.extend(frontier(&Table(cea), labels));
    }
    let differences = match &t.comparison {
        Some(comparison) => largest_differences(&Table(comparison), labels, &currency),
        None => Vec::new(),
    };
    (out, differences)
}

/// "At $50,000 per QALY, A has the highest expected net monetary benefit
/// ($X per patient): $Y more than B, the next best (MC 95% a to b)."
fn best_at_each_wtp(t: &Table, currency: &str, labels: &ChartLabels) -> Vec<String> {
    let mut out = Vec::new();
    let reference =
        t.0.rows
            .iter()
            .find(|r| t.num(r, "incremental_nmb") == 0.0 && t.num(r, "incremental_nmb_se") == 0.0)
            .map(|r| t.text(r, "policy").to_string());
    for w in wtp_values(t, "willingness_to_pay") {
        let mut rows: Vec<&Vec<String>> =
            t.0.rows
                .iter()
                .filter(|r| t.num(r, "willingness_to_pay") == w)
                .collect();
        rows.sort_by(|a, b| t.num(b, "nmb").total_cmp(&t.num(a, "nmb")));
        let Some(best) = rows.first() else { continue };
        let name = |r: &[String]| labels.policy(t.text(r, "policy")).to_string();
        let mut sentence = format!(
            "At {} per QALY, {} has the highest expected net monetary benefit ({} per patient, MC 95% {})",
            money(currency, w),
            name(best),
            money(currency, t.num(best, "nmb")),
            span(t.num(best, "nmb_lo"), t.num(best, "nmb_hi"), |x| money(currency, x))
        );
        if let Some(second) = rows.get(1) {
            let gap = t.num(best, "nmb") - t.num(second, "nmb");
            // Paired when one of the two is the reference (nmb.csv's
            // incremental columns are against it); else unpaired from
            // the two standard errors, which is wider.
            let is_ref = |r: &[String]| reference.as_deref() == Some(t.text(r, "policy"));
            let (lo, hi, how) = if is_ref(best) {
                (
                    -t.num(second, "incremental_nmb_hi"),
                    -t.num(second, "incremental_nmb_lo"),
                    "paired",
                )
            } else if is_ref(second) {
                (
                    t.num(best, "incremental_nmb_lo"),
                    t.num(best, "incremental_nmb_hi"),
                    "paired",
                )
            } else {
                let se = t.num(best, "nmb_se").hypot(t.num(second, "nmb_se"));
                (gap - Z95 * se, gap + Z95 * se, "unpaired")
            };
            sentence += &format!(
                ": {} more than {}, the next best (MC 95% {}, {how})",
                money(currency, gap),
                name(second),
                span(lo, hi, |x| money(currency, x))
            );
            if holds_zero(lo, hi) {
                sentence += "; the two are not told apart at this cohort size";
            }
        }
        sentence.push('.');
        out.push(sentence);
    }
    out
}

/// The frontier in order of cost with each ICER, then the dominated.
fn frontier(t: &Table, labels: &ChartLabels) -> Vec<String> {
    let mut out = Vec::new();
    let name = |r: &[String]| labels.policy(t.text(r, "policy")).to_string();
    let by = |r: &[String]| labels.policy(t.text(r, "compared_with")).to_string();
    let currency = t.0.rows.first().map_or("", |r| t.text(r, "currency"));
    let m = |x: f64| money(currency, x);
    let q = |x: f64| significant(x, 3);
    let total = |x: f64| significant(x, 4);
    let on: Vec<&Vec<String>> = t.0.rows.iter().filter(|r| t.text(r, "status") == "frontier").collect();
    if !on.is_empty() {
        let list: Vec<String> = on
            .iter()
            .map(|r| {
                format!(
                    "{} ({} and {} QALYs per patient)",
                    name(r),
                    m(t.num(r, "cost")),
                    total(t.num(r, "qalys"))
                )
            })
            .collect();
        out.push(format!(
            "The cost-effectiveness frontier, in order of cost: {}.",
            list.join(", then ")
        ));
    }
    for r in &on {
        if t.text(r, "compared_with").is_empty() {
            continue;
        }
        let (dc, dq) = (t.num(r, "incremental_cost"), t.num(r, "incremental_qalys"));
        let (lo, hi) = (t.num(r, "icer_lo"), t.num(r, "icer_hi"));
        let icer = if lo.is_finite() && hi.is_finite() {
            format!(
                "an ICER of {} per QALY (Fieller MC 95% {})",
                m(t.num(r, "icer")),
                span(lo, hi, m)
            )
        } else {
            format!(
                "an ICER of {} per QALY, whose Fieller interval is unbounded (the QALY difference is not told apart from 0 at this cohort size)",
                m(t.num(r, "icer"))
            )
        };
        out.push(format!(
            "{} against {}: {} more per patient (MC 95% {}) for {} more QALYs (MC 95% {}), {icer}.",
            name(r),
            by(r),
            m(dc),
            span(t.num(r, "incremental_cost_lo"), t.num(r, "incremental_cost_hi"), m),
            q(dq),
            span(t.num(r, "incremental_qalys_lo"), t.num(r, "incremental_qalys_hi"), q)
        ));
    }
    for r in &t.0.rows {
        let (dc, dq) = (t.num(r, "incremental_cost"), t.num(r, "incremental_qalys"));
        let (clo, chi) = (t.num(r, "incremental_cost_lo"), t.num(r, "incremental_cost_hi"));
        let (qlo, qhi) = (t.num(r, "incremental_qalys_lo"), t.num(r, "incremental_qalys_hi"));
        let sentence = match t.text(r, "status") {
            "dominated" => {
                let mut s = format!(
                    "{} is dominated by {}: it costs {} more per patient (MC 95% {}) and gives {} fewer QALYs (MC 95% {})",
                    name(r),
                    by(r),
                    m(dc),
                    span(clo, chi, m),
                    q(-dq),
                    span(-qhi, -qlo, q)
                );
                if holds_zero(clo, chi) || holds_zero(qlo, qhi) {
                    s += "; an interval holds 0, so the dominance is not certain at this cohort size";
                }
                s + "."
            }
            "extendedly dominated" => format!(
                "{} is extendedly dominated: a mix of {} and the next policy on the frontier would give more QALYs for its cost ({} more per patient than {}, MC 95% {}, for {} more QALYs, MC 95% {}).",
                name(r),
                by(r),
                m(dc),
                by(r),
                span(clo, chi, m),
                q(dq),
                span(qlo, qhi, q)
            ),
            _ => continue,
        };
        out.push(sentence);
    }
    out
}

/// A value of an outcome in its unit: shares in percent.
fn in_unit(kind: Kind, currency: &str, v: f64) -> String {
    match kind {
        Kind::Share => format!("{}%", significant(100.0 * v, 3)),
        Kind::Years => significant(v, 4),
        Kind::Days => format!("{} days", significant(v, 3)),
        Kind::Money => money(currency, v),
        Kind::Count => significant(v, 3),
    }
}

/// Decimals that show a difference to the first significant digit of its
/// interval's half-width (whole numbers from a half-width of 1).
fn decimals(half_width: f64) -> usize {
    if !(half_width.is_finite() && half_width > 0.0) {
        return 1;
    }
    (-(half_width.log10().floor() as i32)).clamp(0, 8) as usize
}

/// For each outcome of [`TOLD`], the policy furthest from the reference.
fn largest_differences(t: &Table, labels: &ChartLabels, currency: &str) -> Vec<String> {
    let mut out = Vec::new();
    for outcome in TOLD {
        let Some(def) = crate::outcome::find(outcome) else {
            continue;
        };
        let rows: Vec<&Vec<String>> = t.0.rows.iter().filter(|r| t.text(r, "outcome") == outcome).collect();
        let Some(r) = rows
            .iter()
            .filter(|r| t.num(r, "difference").is_finite())
            .max_by(|a, b| t.num(a, "difference").abs().total_cmp(&t.num(b, "difference").abs()))
        else {
            continue;
        };
        let (policy, reference) = (t.text(r, "policy"), t.text(r, "reference"));
        let name = capitalised(labels.outcome(def));
        let d = t.num(r, "difference");
        if d == 0.0 {
            out.push(format!(
                "{name}: no policy differs from {} ({} under each).",
                labels.policy(reference),
                in_unit(def.kind, currency, t.num(r, "reference_value"))
            ));
            continue;
        }
        let paired = t.num(r, "paired_lo").is_finite();
        let (lo, hi, how) = if paired {
            (t.num(r, "paired_lo"), t.num(r, "paired_hi"), "paired")
        } else {
            (t.num(r, "unpaired_lo"), t.num(r, "unpaired_hi"), "unpaired")
        };
        let scale = if def.kind == Kind::Share { 100.0 } else { 1.0 };
        let places = decimals(scale * (hi - lo) / 2.0);
        let fixed = |x: f64| {
            let text = format!("{:.places$}", scale * x);
            if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
                "0".to_string()
            } else {
                crate::report::html::grouped(&text)
            }
        };
        let (amount, unit) = match def.kind {
            Kind::Share => (fixed(d.abs()), " percentage points"),
            Kind::Days => (fixed(d.abs()), " days"),
            Kind::Years => (fixed(d.abs()), " QALYs"),
            Kind::Money => (money(currency, d.abs()), ""),
            Kind::Count => (fixed(d.abs()), ""),
        };
        let mut s = format!(
            "{name}: the largest difference from {} is {}'s, {amount}{unit} {} ({} against {}; the difference's MC 95% {} to {}, {how})",
            labels.policy(reference),
            labels.policy(policy),
            if d > 0.0 { "higher" } else { "lower" },
            in_unit(def.kind, currency, t.num(r, "policy_value")),
            in_unit(def.kind, currency, t.num(r, "reference_value")),
            signed(&fixed(lo)),
            signed(&fixed(hi))
        );
        if holds_zero(lo, hi) {
            s += "; not told apart from no difference at this cohort size";
        }
        s.push('.');
        out.push(s);
    }
    out
}

/// A number with its sign, a true minus (U+2212): `+3.1`, `−3.1`, `0`.
fn signed(text: &str) -> String {
    match text.strip_prefix('-') {
        Some(rest) => format!("\u{2212}{rest}"),
        None if text == "0" => text.to_string(),
        None => format!("+{text}"),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

/// The tables of a probabilistic analysis the findings are made from.
pub struct PsaTables {
    /// psa_cost.csv and psa_effect.csv: a row per draw, a column per
    /// policy.
    pub cost: Cells,
    pub effect: Cells,
    pub ceac: Option<Cells>,
    pub evpi: Option<Cells>,
    pub evppi: Option<Cells>,
}

/// Per policy (in the columns' order), the share of draws in which it has
/// the highest net monetary benefit `w E - C`, and its mean net benefit;
/// and the EVPI, the mean of the best net benefit less the best mean.
pub fn acceptability(cost: &Cells, effect: &Cells, w: f64) -> (Vec<String>, Vec<f64>, Vec<f64>, f64) {
    let policies: Vec<String> = cost.header.iter().skip(1).cloned().collect();
    let (c, e) = (Table(cost), Table(effect));
    let n = cost.rows.len().min(effect.rows.len());
    let mut wins = vec![0.0; policies.len()];
    let mut mean = vec![0.0; policies.len()];
    let mut best_sum = 0.0;
    for d in 0..n {
        let nmb: Vec<f64> = policies
            .iter()
            .map(|p| w * e.num(&effect.rows[d], p) - c.num(&cost.rows[d], p))
            .collect();
        let (best, top) = nmb.iter().enumerate().fold(
            (0, f64::NEG_INFINITY),
            |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) },
        );
        if let Some(x) = wins.get_mut(best) {
            *x += 1.0;
        }
        best_sum += top;
        for (m, v) in mean.iter_mut().zip(&nmb) {
            *m += v;
        }
    }
    let n = n.max(1) as f64;
    let share: Vec<f64> = wins.iter().map(|x| x / n).collect();
    let mean: Vec<f64> = mean.iter().map(|x| x / n).collect();
    let evpi = best_sum / n - mean.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (policies, share, mean, evpi)
}

/// The findings of a probabilistic analysis at the scenario's
/// willingness-to-pay values `wtp`: the probability each policy is the
/// most cost-effective and the one with the highest expected net benefit,
/// the EVPI, where the optimal policy changes along the CEAC's grid, and
/// the parameters and groups with the largest EVPPI.
pub fn psa_findings(t: &PsaTables, wtp: &[f64], currency: &str, labels: &ChartLabels) -> Vec<String> {
    let mut out = Vec::new();
    let m = |x: f64| money(currency, x);
    let pct = |x: f64| format!("{}%", significant(100.0 * x, 2));
    for &w in wtp {
        let (policies, share, mean, evpi) = acceptability(&t.cost, &t.effect, w);
        let mut order: Vec<usize> = (0..policies.len()).collect();
        order.sort_by(|&a, &b| share[b].total_cmp(&share[a]).then(a.cmp(&b)));
        let Some(optimal) = (0..policies.len()).max_by(|&a, &b| mean[a].total_cmp(&mean[b])) else {
            continue;
        };
        let chances: Vec<String> = order
            .iter()
            .filter(|&&i| share[i] > 0.0)
            .map(|&i| format!("{} {}", labels.policy(&policies[i]), pct(share[i])))
            .collect();
        out.push(format!(
            "At {} per QALY, {} has the highest expected net monetary benefit over the draws ({} per patient). The probability that each policy is the most cost-effective: {}{}. The expected value of perfect information (EVPI) is {} per patient.",
            m(w),
            labels.policy(&policies[optimal]),
            m(mean[optimal]),
            chances.join(", "),
            if chances.len() < policies.len() { " (the others in no draw)" } else { "" },
            m(evpi)
        ));
    }
    if let Some(ceac) = &t.ceac {
        let c = Table(ceac);
        let mut runs: Vec<(String, f64, f64)> = Vec::new();
        for w in wtp_values(&c, "willingness_to_pay") {
            let Some(r) = ceac
                .rows
                .iter()
                .find(|r| c.num(r, "willingness_to_pay") == w && c.text(r, "optimal") == "true")
            else {
                continue;
            };
            let p = c.text(r, "policy").to_string();
            match runs.last_mut() {
                Some(last) if last.0 == p => last.2 = w,
                _ => runs.push((p, w, w)),
            }
        }
        if !runs.is_empty() {
            let parts: Vec<String> = runs
                .iter()
                .map(|(p, from, to)| format!("{} from {} to {}", labels.policy(p), m(*from), m(*to)))
                .collect();
            out.push(format!(
                "Along the acceptability curves' grid, the policy with the highest expected net benefit (the frontier) is {}.",
                parts.join("; ")
            ));
        }
    }
    if let Some(evpi) = &t.evpi {
        let e = Table(evpi);
        if let Some(r) = evpi
            .rows
            .iter()
            .max_by(|a, b| e.num(a, "evpi_per_patient").total_cmp(&e.num(b, "evpi_per_patient")))
        {
            out.push(format!(
                "Over the grid the EVPI is largest, {} per patient, at {} per QALY.",
                m(e.num(r, "evpi_per_patient")),
                m(e.num(r, "willingness_to_pay"))
            ));
        }
    }
    if let Some(evppi) = &t.evppi {
        out.extend(largest_evppi(&Table(evppi), wtp, currency, labels));
    }
    out
}

/// How many parameters or groups with the largest EVPPI are named.
pub const EVPPI_NAMED: usize = 3;

/// At each scenario value, the [`EVPPI_NAMED`] parameters or groups with
/// the largest EVPPI (a regression method's estimate, with its standard
/// error, where there is one; else the binned one).
fn largest_evppi(t: &Table, wtp: &[f64], currency: &str, labels: &ChartLabels) -> Vec<String> {
    let m = |x: f64| money(currency, x);
    let mut out = Vec::new();
    for &w in wtp {
        let rows: Vec<&Vec<String>> =
            t.0.rows
                .iter()
                .filter(|r| t.num(r, "willingness_to_pay") == w && t.text(r, "scenario_value") == "true")
                .collect();
        let mut groups: Vec<&Vec<String>> = Vec::new();
        for r in &rows {
            let g = t.text(r, "group");
            let with_se = t.num(r, "evppi_se").is_finite();
            match groups.iter().position(|x| t.text(x, "group") == g) {
                Some(i) if with_se && !t.num(groups[i], "evppi_se").is_finite() => groups[i] = r,
                Some(_) => {}
                None => groups.push(r),
            }
        }
        groups.sort_by(|a, b| t.num(b, "evppi_per_patient").total_cmp(&t.num(a, "evppi_per_patient")));
        let named: Vec<String> = groups
            .iter()
            .take(EVPPI_NAMED)
            .map(|r| {
                let se = t.num(r, "evppi_se");
                let se = if se.is_finite() {
                    format!(" (standard error {})", m(se))
                } else {
                    String::new()
                };
                format!(
                    "{} {}{se}",
                    labels.parameter(t.text(r, "group")),
                    m(t.num(r, "evppi_per_patient"))
                )
            })
            .collect();
        if let Some(first) = groups.first() {
            out.push(format!(
                "At {} per QALY, the largest expected values of partial perfect information (EVPPI, per patient) are: {}; the EVPI is {}.",
                m(w),
                named.join("; "),
                m(t.num(first, "evpi_per_patient"))
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_with_its_symbol_and_separators() {
        assert_eq!(money("USD", 2856.83), "$2,857");
        assert_eq!(money("USD", -1062.9), "-$1,063");
        assert_eq!(money("EUR", 24.336), "\u{20ac}24.3");
        assert_eq!(money("CHF", 150000.0), "CHF 150,000");
        assert_eq!(signed("3.1"), "+3.1");
        assert_eq!(capitalised("recovered by two years"), "Recovered by two years");
    }

    /// Two policies over three draws: the shares of draws each is best
    /// in, the mean net benefits and the EVPI, worked by hand.
    #[test]
    fn acceptability_counts_the_draws() {
        let t = |rows: &[[&str; 3]]| Cells {
            header: vec!["draw".into(), "a".into(), "b".into()],
            rows: rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect(),
        };
        let cost = t(&[["0", "100", "300"], ["1", "100", "300"], ["2", "100", "300"]]);
        let effect = t(&[["0", "1.0", "1.1"], ["1", "1.0", "1.0"], ["2", "1.0", "1.2"]]);
        // At 10,000: a 9,900 in every draw; b 10,700, 9,700, 11,700.
        let (policies, share, mean, evpi) = acceptability(&cost, &effect, 10_000.0);
        assert_eq!(policies, ["a", "b"]);
        assert_eq!(share, [1.0 / 3.0, 2.0 / 3.0]);
        assert!(
            (mean[0] - 9900.0).abs() < 1e-9 && (mean[1] - 10_700.0).abs() < 1e-9,
            "{mean:?}"
        );
        // Best per draw: 10,700, 9,900, 11,700: mean 10,766.67.
        assert!((evpi - (32_300.0 / 3.0 - 10_700.0)).abs() < 1e-9, "{evpi}");
    }
}
