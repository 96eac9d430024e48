//! One synthetic patient's covariates.
//!
//! Covariates are drawn from the patient's `Cohort` stream in the order the
//! scenario declares them, one uniform draw per boolean or categorical
//! covariate and one draw of its distribution per continuous one. The same
//! patient index gives the same covariates under every policy.

use crate::rng::{PatientKey, Purpose};
use crate::scenario::{CovariateKind, Scenario};
use crate::simulate::tally::Tally;

/// Fills `x` (one slot per covariate) with patient `patient`'s covariates:
/// 0/1 for booleans, the level index for categoricals, the value for
/// continuous covariates. (Inlined: a scenario without covariates pays
/// one test, not a call.)
#[inline]
pub fn draw_covariates(scenario: &Scenario, key: PatientKey, x: &mut [f64], tally: &mut impl Tally) {
    if !x.is_empty() {
        draw_declared(scenario, key, x, tally);
    }
}

/// [`draw_covariates`] when there are some.
#[inline(never)]
fn draw_declared(scenario: &Scenario, key: PatientKey, x: &mut [f64], tally: &mut impl Tally) {
    let mut rng = tally.stream(key, Purpose::Cohort);
    for (slot, c) in x.iter_mut().zip(scenario.covariates()) {
        *slot = match &c.kind {
            CovariateKind::Boolean { probability } => f64::from(u8::from(tally.uniform(&mut rng) < *probability)),
            CovariateKind::Categorical { cumulative, .. } => {
                let u = tally.uniform(&mut rng);
                // First level whose cumulative weight exceeds u; the last is 1.
                cumulative.partition_point(|&c| c <= u).min(cumulative.len() - 1) as f64
            }
            CovariateKind::Continuous { dist, .. } => tally.sample(dist, &mut rng),
        };
    }
    // The frailty comes after every covariate, so declaring one leaves the
    // covariates' draws as they were.
    if let Some(f) = scenario.frailty() {
        x[scenario.covariates().len()] = tally.sample(&f.dist, &mut rng);
    }
}
