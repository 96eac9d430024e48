//! `[economics]`, validated: what a health state is worth and costs, how
//! the future is discounted, and the willingness-to-pay values of the
//! incremental analysis. Formulas in docs/economics.md.

use crate::scenario::DAYS_PER_YEAR;
use crate::scenario::cond::Cond;

/// The health states a patient can be in while alive (the dead state is
/// worth 0 and costs nothing by the day).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StateValues {
    pub symptomatic: f64,
    pub improved: f64,
    pub recovering: f64,
    pub symptom_free: f64,
    pub residual_deficit: f64,
}

impl StateValues {
    pub const ZERO: StateValues = StateValues {
        symptomatic: 0.0,
        improved: 0.0,
        recovering: 0.0,
        symptom_free: 0.0,
        residual_deficit: 0.0,
    };

    /// Each value as `(state name, value)`, in the order of the states
    /// chart.
    pub fn named(&self) -> [(&'static str, f64); 5] {
        [
            ("symptom_free", self.symptom_free),
            ("residual_deficit", self.residual_deficit),
            ("improved", self.improved),
            ("recovering", self.recovering),
            ("symptomatic", self.symptomatic),
        ]
    }
}

/// An additive utility adjustment for patients meeting a condition (on
/// their covariates at presentation).
#[derive(Debug, Clone)]
pub struct Adjustment {
    pub text: String,
    pub condition: Cond,
    pub add: f64,
}

/// Continuous-time discounting at an annual rate `r`: a value at day `t`
/// weighs `exp(-delta t)`, `delta = ln(1 + r) / 365.25` a day, so a whole
/// year is discounted by exactly `1 / (1 + r)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Discount {
    /// The annual rate as declared.
    pub annual: f64,
    /// `ln(1 + annual) / 365.25`, per day.
    pub per_day: f64,
}

impl Discount {
    pub fn new(annual: f64) -> Discount {
        Discount {
            annual,
            per_day: annual.ln_1p() / DAYS_PER_YEAR,
        }
    }

    /// The weight of day `t`: `exp(-delta t)`.
    #[inline]
    pub fn factor(&self, t: f64) -> f64 {
        (-self.per_day * t).exp()
    }

    /// `∫_a^b exp(-delta t) dt` in days, from the factors at `a` and `b`:
    /// `(f(a) - f(b)) / delta`, or `b - a` without discounting.
    #[inline]
    pub fn days_between(&self, a: f64, b: f64, fa: f64, fb: f64) -> f64 {
        if self.per_day == 0.0 {
            b - a
        } else {
            (fa - fb) / self.per_day
        }
    }
}

/// The validated `[economics]` table.
#[derive(Debug, Clone)]
pub struct Economics {
    pub currency: String,
    pub perspective: Option<String>,
    pub discount_costs: Discount,
    pub discount_effects: Discount,
    /// Utility per state alive, before adjustments.
    pub utility: StateValues,
    pub adjustments: Vec<Adjustment>,
    /// Cost per day in each state alive.
    pub daily_cost: StateValues,
    pub death_cost: f64,
    /// Currency per QALY, ascending.
    pub willingness_to_pay: Vec<f64>,
}

impl Economics {
    /// The patient's utility adjustment: the sum of the `add` of every
    /// adjustment whose condition the covariates meet.
    pub fn adjustment(&self, x: &[f64]) -> f64 {
        self.adjustments
            .iter()
            .filter(|a| a.condition.eval(x))
            .map(|a| a.add)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_is_discounted_by_one_over_one_plus_r() {
        let d = Discount::new(0.035);
        assert!((d.factor(DAYS_PER_YEAR) - 1.0 / 1.035).abs() < 1e-15);
        // ∫_0^Y e^{-δt} dt = (1 - 1/(1+r)) / δ, and tends to Y as r -> 0.
        let y = DAYS_PER_YEAR;
        let days = d.days_between(0.0, y, 1.0, d.factor(y));
        assert!((days - (1.0 - 1.0 / 1.035) / d.per_day).abs() < 1e-9);
        assert!(days < y && days > y / 1.035);
        let none = Discount::new(0.0);
        assert_eq!(none.days_between(3.0, 10.0, 1.0, 1.0), 7.0);
    }
}
