//! `foramen verify`: the simulator against exact answers.
//!
//! Each validation scenario (scenarios/validation/, embedded in the binary)
//! is small enough to solve by hand and lists its exact answers with their
//! derivation. Verify runs each one and compares: `z = (simulated - exact)
//! / se`, with `se` the estimate's Monte Carlo standard error, and passes
//! when `|z| <= 4`. For a correct simulator a single check fails with
//! probability about 6e-5. A median is interpolated within its 1/8-day
//! bin and its interval holds the whole bin, so its check needs no
//! correction for the binning.

use crate::analysis;
use crate::error::Error;
use crate::scenario::Scenario;
use crate::simulate::engine::RunSpec;
use crate::stats::Estimate;

/// The threshold on |z|.
pub const Z_THRESHOLD: f64 = 4.0;

include!(concat!(env!("OUT_DIR"), "/validation_scenarios.rs"));

/// One expected quantity checked.
#[derive(Debug, Clone)]
pub struct Check {
    pub scenario: String,
    pub policy: String,
    pub quantity: String,
    pub exact: f64,
    pub simulated: f64,
    pub se: f64,
    pub z: f64,
    pub derivation: String,
}

impl Check {
    pub fn passed(&self) -> bool {
        self.z.abs() <= Z_THRESHOLD
    }
}

/// Runs every validation scenario with `patients` per policy (`None`: each
/// file's own size).
///
/// # Errors
/// An invalid validation scenario or a run failure.
pub fn verify(patients: Option<u64>, threads: usize) -> Result<Vec<Check>, Error> {
    let mut checks = Vec::new();
    for (file, text) in SCENARIOS {
        let s = Scenario::from_toml(text, &format!("scenarios/validation/{file}"))?;
        let spec = RunSpec {
            threads,
            ..RunSpec::new(patients.unwrap_or(s.simulation().patients), s.simulation().seed)
        };
        let (_, results) = analysis::run(&s, &spec)?;
        for e in s.expected() {
            let p = &results.policies[e.policy];
            let (quantity, est) = match e.day {
                Some(day) => {
                    let c = &p.curves.recovered;
                    let i = c.day.iter().position(|&d| d == day).unwrap_or(0);
                    let n = p.overall.patients as f64;
                    let v = c.value[i];
                    let est = Estimate {
                        value: v,
                        lo: c.lo[i],
                        hi: c.hi[i],
                        se: (v * (1.0 - v) / n).sqrt(),
                    };
                    (format!("recovered by day {day}"), est)
                }
                None => (
                    e.outcome.clone(),
                    p.overall.estimate(&e.outcome).unwrap_or(Estimate::NAN),
                ),
            };
            let se = est.se;
            let diff = est.value - e.value;
            // An exact hit with zero spread (a share of exactly 0 or 1).
            let z = if diff == 0.0 { 0.0 } else { diff / se };
            checks.push(Check {
                scenario: s.name().to_string(),
                policy: p.name.clone(),
                quantity,
                exact: e.value,
                simulated: est.value,
                se: est.se,
                z,
                derivation: e.derivation.clone(),
            });
        }
    }
    checks.extend(exact_checks());
    Ok(checks)
}

/// Checks of the analysis formulas on hand-solved examples, exact to
/// rounding (no Monte Carlo error: `se` 0, `z` 0 on a match, infinite
/// otherwise).
pub fn exact_checks() -> Vec<Check> {
    use crate::estimate::cea::{FIVE_POLICY_EXAMPLE, Status, incremental};
    let check = |quantity: String, exact: f64, computed: f64, derivation: &str| Check {
        scenario: "incremental analysis".into(),
        policy: String::new(),
        z: if (computed - exact).abs() <= 1e-9 * exact.abs().max(1.0) {
            0.0
        } else {
            f64::INFINITY
        },
        quantity,
        exact,
        simulated: computed,
        se: 0.0,
        derivation: derivation.into(),
    };
    // docs/economics.md: A (1000, 1.00), B (2000, 0.95), C (3000, 1.10),
    // D (4000, 1.12), E (6000, 1.20).
    let names = ["A", "B", "C", "D", "E"];
    let points = FIVE_POLICY_EXAMPLE;
    let (fates, _) = incremental(&points);
    let hand = [
        (Status::Frontier, None, f64::NAN, "cheapest on the frontier"),
        (
            Status::Dominated,
            Some(0),
            f64::NAN,
            "dominated by A: costs more, fewer QALYs",
        ),
        (Status::Frontier, Some(0), 20_000.0, "ICER against A: 2000 / 0.10"),
        (
            Status::ExtendedlyDominated,
            Some(2),
            f64::NAN,
            "its ICER over C (50000) exceeds E's over it (25000)",
        ),
        (
            Status::Frontier,
            Some(2),
            30_000.0,
            "ICER against C once D is removed: 3000 / 0.10",
        ),
    ];
    let mut checks = Vec::new();
    for (i, (&(status, with), (want, want_with, icer, why))) in fates.iter().zip(hand).enumerate() {
        let same = status == want && with == want_with;
        let label = format!("{} {}", names[i], want.name());
        checks.push(check(label, 1.0, f64::from(u8::from(same)), why));
        if let (Status::Frontier, Some(a)) = (status, with) {
            let computed = (points[i].0 - points[a].0) / (points[i].1 - points[a].1);
            checks.push(check(format!("{} ICER", names[i]), icer, computed, why));
        }
    }
    checks.push(evpi_check());
    checks
}

/// EVPI of two policies whose incremental net benefit is normal with mean
/// μ = 300 and sd σ = 1000: `σ φ(μ/σ) + μ Φ(μ/σ) - max(μ, 0)`. The draws
/// are the normal's quantiles at the midpoints of 200,000 equal strata (a
/// quadrature whose error is below 1e-6 σ), so the tolerance is 1e-4 σ,
/// given as the check's `se`.
fn evpi_check() -> Check {
    use crate::estimate::psa::at_wtp;
    use crate::scenario::dist::normal_quantile;
    let (mu, sigma, n) = (300.0, 1000.0, 200_000);
    let effects: Vec<Vec<f64>> = (0..n)
        .map(|i| vec![0.0, mu + sigma * normal_quantile((f64::from(i) + 0.5) / f64::from(n))])
        .collect();
    let costs = vec![vec![0.0, 0.0]; effects.len()];
    let computed = at_wtp(&costs, &effects, 1.0).evpi;
    let z = mu / sigma;
    let phi = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cdf = 1.0 - 0.5 * libm::erfc(z / std::f64::consts::SQRT_2);
    let exact = sigma * phi + mu * cdf - mu.max(0.0);
    let se = 1e-4 * sigma;
    Check {
        scenario: "value of information".into(),
        policy: String::new(),
        quantity: "EVPI, normal INB".into(),
        exact,
        simulated: computed,
        se,
        z: (computed - exact) / se,
        derivation: "sd phi(mean/sd) + mean Phi(mean/sd) - max(mean, 0), mean 300, sd 1000".into(),
    }
}
