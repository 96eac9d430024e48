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
///
/// The weights come from two tables and a short series, not a call to
/// `exp` (a path's valuation asks for about seven of them):
/// `t = 256 k + j + f` with whole `k, j < 256` and `|f| <= 1/2` (`256 k +
/// j` the nearest whole day), and `exp(-delta t) = E(256 delta k) E(delta
/// j) exp(-delta f)`, the two `E` tabulated by `exp` once and `exp(-x)`
/// for `|x| = delta |f| <= ln 2 / 730.5` (rates are at most 100%) by its
/// Taylor polynomial of degree 4, whose remainder `|x|^5 / 120 < 1e-17` is
/// below a rounding. The weight is within a few units in the last place of
/// `exp(-delta t)` (tested); days from 65,535 (179 years) call `exp`.
#[derive(Debug, Clone)]
pub struct Discount {
    /// The annual rate as declared.
    pub annual: f64,
    /// `ln(1 + annual) / 365.25`, per day.
    pub per_day: f64,
    /// `exp(-delta j)` for `j < 256`, then `exp(-256 delta k)` for `k < 256`.
    weights: Box<[f64; 512]>,
}

impl PartialEq for Discount {
    /// Two discounts are equal when their rates are (the tables follow).
    fn eq(&self, other: &Discount) -> bool {
        self.annual == other.annual
    }
}

impl Discount {
    pub fn new(annual: f64) -> Discount {
        let per_day = annual.ln_1p() / DAYS_PER_YEAR;
        let mut weights = Box::new([0.0; 512]);
        for (i, w) in weights.iter_mut().enumerate() {
            let days = if i < 256 { i } else { 256 * (i - 256) };
            *w = (-per_day * days as f64).exp();
        }
        Discount {
            annual,
            per_day,
            weights,
        }
    }

    /// The weight of day `t >= 0`: `exp(-delta t)`.
    #[inline]
    pub fn factor(&self, t: f64) -> f64 {
        /// Adding 2^52 to a day in `[0, 2^51)` rounds it to the nearest
        /// whole day, which the low bits of the sum then hold.
        const ROUND: f64 = 4_503_599_627_370_496.0;
        // (A NaN or a negative day fails the test and calls `exp`.)
        if !(0.0..65_535.0).contains(&t) {
            return (-self.per_day * t).exp();
        }
        let whole = t + ROUND;
        let day = whole.to_bits() as usize & 0xffff;
        // |x| <= delta / 2: t less its nearest whole day, exactly.
        let x = self.per_day * (t - (whole - ROUND));
        let series = 1.0 + x * (-1.0 + x * (1.0 / 2.0 + x * (-1.0 / 6.0 + x * (1.0 / 24.0))));
        self.weights[256 + (day >> 8)] * self.weights[day & 255] * series
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

    /// The tabulated weight against `exp` itself, over every rate's range
    /// of days and fractions of a day, relative to 2^-52 (`f64::EPSILON`):
    /// within 2 (three factors within a half to one unit of 2^-53 each, two
    /// products rounding once each), plus `delta t`: `exp(-delta * t)`
    /// rounds its own argument, an error that grows with it.
    #[test]
    fn tabulated_weights_are_exp_to_the_last_places() {
        for annual in [0.0, 0.015, 0.035, 0.05, 0.1, 0.5, 1.0] {
            let d = Discount::new(annual);
            let mut t = 0.0;
            while t < 70_000.0 {
                let exact = (-d.per_day * t).exp();
                let ulp = f64::EPSILON * exact;
                let got = d.factor(t);
                assert!(
                    (got - exact).abs() <= (2.0 + d.per_day * t) * ulp,
                    "rate {annual}, day {t}: {got} vs {exact}"
                );
                t += 0.737 + t / 500.0;
            }
            assert_eq!(d.factor(0.0), 1.0);
            assert_eq!(d.factor(-1.0), (d.per_day).exp());
        }
    }
}
