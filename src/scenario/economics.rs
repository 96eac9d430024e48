//! `[economics]`, validated: what a health state is worth and costs, how
//! the future is discounted, and the willingness-to-pay values of the
//! incremental analysis. Formulas in docs/economics.md.

use std::fmt::Write;

use serde::Deserialize;

use super::cond::{Cond, Slot};
use super::rules::condition;
use crate::error::Invalid;
use crate::outcome::MONEY_RANGE;
use crate::scenario::DAYS_PER_YEAR;

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
    /// The year whose prices every cost is in, and the index that
    /// converts a cost from another year (`cost_year`).
    pub prices: Option<Prices>,
}

/// `price_year` and `price_index`: costs declared in the prices of
/// `cost_year` are converted to those of `year` by
/// `cost × index(year) / index(cost_year)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    pub year: u32,
    /// `(year, index)`, ascending by year; empty when only the year is
    /// given.
    pub index: Vec<(u32, f64)>,
}

impl Prices {
    /// The factor converting a cost in the prices of `year` to the price
    /// year.
    ///
    /// # Errors
    /// `path` (a `cost_year`) names a year the index does not give.
    pub fn factor(&self, path: &str, year: u32) -> Result<f64, Invalid> {
        if year == self.year {
            return Ok(1.0);
        }
        let at = |y: u32| self.index.iter().find(|&&(iy, _)| iy == y).map(|&(_, v)| v);
        match (at(year), at(self.year)) {
            (Some(from), Some(to)) => Ok(to / from),
            _ => {
                let years: Vec<String> = self.index.iter().map(|(y, _)| y.to_string()).collect();
                let given = if years.is_empty() {
                    "it gives none".to_string()
                } else {
                    format!("it gives {}", years.join(", "))
                };
                Err(Invalid::new(
                    path,
                    year,
                    format!(
                        "a cost year other than economics.price_year ({}) must be a year of economics.price_index; {given}",
                        self.year
                    ),
                ))
            }
        }
    }
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

// Words: the section in `foramen describe`.

impl Economics {
    /// `[economics]` in words (`foramen describe`): what each state is
    /// worth and costs (`improved` with `partial` responses,
    /// `residual_deficit` with a permanent `deficit`), the interventions'
    /// own utilities (label, utility), discounting, willingness to pay.
    pub fn words<'a>(
        &self,
        out: &mut String,
        partial: bool,
        deficit: bool,
        own_utilities: impl Iterator<Item = (&'a str, f64)>,
    ) {
        let e = self;
        let _ = writeln!(out, "\neconomics ({})", e.currency);
        if let Some(p) = &e.perspective {
            let _ = writeln!(out, "  perspective: {p}");
        }
        let states: Vec<String> = e
            .utility
            .named()
            .iter()
            .zip(e.daily_cost.named())
            .filter(|((name, _), _)| match *name {
                "improved" => partial,
                "residual_deficit" => deficit,
                _ => true,
            })
            .map(|((name, u), (_, c))| {
                let cost = if c > 0.0 {
                    format!(" and costs {c} a day")
                } else {
                    String::new()
                };
                format!("{} {u}{cost}", name.replace('_', " "))
            })
            .collect();
        let _ = writeln!(out, "  utility per state alive: {}; dead 0", states.join(", "));
        let own: Vec<String> = own_utilities.map(|(label, u)| format!("{label} {u}")).collect();
        if !own.is_empty() {
            let _ = writeln!(
                out,
                "  symptom-free after a response to: {} (the intervention's own utility)",
                own.join(", ")
            );
        }
        for a in &e.adjustments {
            let _ = writeln!(
                out,
                "  utility {:+} in every state alive if {} (at presentation)",
                a.add, a.text
            );
        }
        if e.death_cost > 0.0 {
            let _ = writeln!(out, "  a death costs {}", e.death_cost);
        }
        if let Some(prices) = &e.prices {
            let _ = writeln!(
                out,
                "  costs in {} prices{}",
                prices.year,
                if prices.index.is_empty() {
                    ""
                } else {
                    " (costs of other years converted by economics.price_index)"
                }
            );
        }
        let _ = writeln!(
            out,
            "  discounted in continuous time at {} a year (costs) and {} a year (effects): a value on day t weighs (1 + r)^(-t / 365.25)",
            e.discount_costs.annual, e.discount_effects.annual
        );
        if !e.willingness_to_pay.is_empty() {
            let wtp: Vec<String> = e.willingness_to_pay.iter().map(f64::to_string).collect();
            let _ = writeln!(
                out,
                "  net monetary benefit at {} {} per QALY",
                wtp.join(", "),
                e.currency
            );
        }
    }
}

// The serde mirror: the section as written.

/// `[economics]`: utilities and costs of the health states, discounting,
/// and the willingness-to-pay values of the incremental analysis.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEconomics {
    #[serde(default)]
    pub currency: Option<String>,
    /// Whose costs count (a label: "health care payer", "societal").
    #[serde(default)]
    pub perspective: Option<String>,
    /// Annual discount rate of costs and effects alike.
    #[serde(default)]
    pub discount_rate: Option<f64>,
    /// Annual discount rates of costs and of effects, when they differ.
    #[serde(default)]
    pub discount_costs: Option<f64>,
    #[serde(default)]
    pub discount_effects: Option<f64>,
    /// Utility per health state (1 = full health, 0 = dead).
    #[serde(default)]
    pub utility: Option<RawStateValues>,
    /// Additive utility adjustments for patients meeting a condition.
    #[serde(default)]
    pub utility_adjustments: Vec<RawAdjustment>,
    /// Cost per day in each health state.
    #[serde(default)]
    pub daily_cost: Option<RawStateValues>,
    /// Cost of a death, charged on its day.
    #[serde(default)]
    pub death_cost: Option<f64>,
    /// Willingness-to-pay values (currency per QALY) of the net monetary
    /// benefit.
    #[serde(default)]
    pub willingness_to_pay: Vec<f64>,
    /// The year whose prices costs are in (interventions and
    /// complications may give their own `cost_year`).
    #[serde(default)]
    pub price_year: Option<u32>,
    /// A price index by year (keys are years), converting a cost of one
    /// year to the price year.
    #[serde(default)]
    pub price_index: std::collections::BTreeMap<String, f64>,
    /// Moved to `utility.symptomatic` (kept to say so).
    #[serde(default)]
    pub utility_symptomatic: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

/// A number per health state alive (`dead` is 0 by definition).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStateValues {
    #[serde(default)]
    pub symptomatic: Option<f64>,
    #[serde(default)]
    pub improved: Option<f64>,
    #[serde(default)]
    pub recovering: Option<f64>,
    #[serde(default)]
    pub symptom_free: Option<f64>,
    #[serde(default)]
    pub residual_deficit: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

/// `{ if = "age >= 65", add = -0.05 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdjustment {
    #[serde(rename = "if")]
    pub condition: String,
    pub add: f64,
    #[serde(default)]
    pub source: Option<String>,
}

// The rules: the mirror to the validated types, every problem named.

/// The largest willingness to pay per QALY (the scenario's values and the
/// top of `psa`'s grid): the per-patient money range.
pub const MAX_WILLINGNESS_TO_PAY: f64 = MONEY_RANGE;

/// A cost: from 0 to [`MONEY_RANGE`], the per-patient range whose sums
/// are exact.
pub(super) fn check_cost(path: &str, cost: f64) -> Result<f64, Invalid> {
    if (0.0..=MONEY_RANGE).contains(&cost) {
        Ok(cost)
    } else {
        Err(Invalid::new(
            path,
            cost,
            format!(
                "a cost must be a number from 0 to {MONEY_RANGE:e} (the per-patient range kept exactly; docs/economics.md)"
            ),
        ))
    }
}

pub(super) fn check_utility(path: &str, u: f64) -> Result<f64, Invalid> {
    if (-2.0..=1.0).contains(&u) {
        Ok(u)
    } else {
        Err(Invalid::new(
            path,
            u,
            "a utility must be a number from -2 to 1 (1 = full health, 0 = dead, below 0 worse than dead)",
        ))
    }
}

/// A cost that may be left out (0).
pub(super) fn optional_cost(path: &str, cost: Option<f64>) -> Result<f64, Invalid> {
    cost.map_or(Ok(0.0), |c| check_cost(path, c))
}

/// A one-off QALY loss that may be left out (0): finite, and at most a
/// year of full health.
pub(super) fn optional_qaly_loss(path: &str, loss: Option<f64>) -> Result<f64, Invalid> {
    match loss {
        None => Ok(0.0),
        Some(q) if q.is_finite() && (0.0..=1.0).contains(&q) => Ok(q),
        Some(q) => Err(Invalid::new(
            path,
            q,
            "a one-off QALY loss is a number in [0, 1] (1 = a year of full health)",
        )),
    }
}

fn discount_rate(path: &str, r: f64) -> Result<Discount, Invalid> {
    if r.is_finite() && (0.0..=1.0).contains(&r) {
        Ok(Discount::new(r))
    } else {
        Err(Invalid::new(
            path,
            r,
            "a discount rate is a yearly fraction in [0, 1] (0.035 for 3.5%)",
        ))
    }
}

/// `[economics]`: the states a scenario can reach need a utility
/// (`improved` with partial relief, `residual_deficit` with a permanent
/// deficit); `recovering` defaults to `symptomatic`.
///
/// `partial`: an intervention has partial responses; `deficit`: the
/// scenario declares a permanent deficit.
pub(super) fn economics(
    raw: &RawEconomics,
    partial: bool,
    deficit: bool,
    slots: &[Slot],
) -> Result<Economics, Invalid> {
    if let Some(u) = raw.utility_symptomatic {
        return Err(Invalid::new(
            "economics.utility_symptomatic",
            u,
            "moved: write `utility = { symptomatic = ..., symptom_free = ..., ... }` in [economics]",
        ));
    }
    let rate = |key: &str, own: Option<f64>| {
        let path = if own.is_some() {
            format!("economics.{key}")
        } else {
            "economics.discount_rate".into()
        };
        discount_rate(&path, own.or(raw.discount_rate).unwrap_or(0.0))
    };
    let discount_costs = rate("discount_costs", raw.discount_costs)?;
    let discount_effects = rate("discount_effects", raw.discount_effects)?;
    let given = raw.utility.clone().unwrap_or_default();
    let need = |state: &str, value: Option<f64>, why: &str| {
        let path = format!("economics.utility.{state}");
        match value {
            Some(u) => check_utility(&path, u),
            None => Err(Invalid::new(path, "nothing", format!("a utility is needed {why}"))),
        }
    };
    let symptomatic = need("symptomatic", given.symptomatic, "for every scenario with [economics]")?;
    let symptom_free = need(
        "symptom_free",
        given.symptom_free,
        "for every scenario with [economics]",
    )?;
    let improved = match given.improved {
        None if !partial => symptomatic,
        u => need("improved", u, "because an intervention has partial responses")?,
    };
    let residual_deficit = match given.residual_deficit {
        None if !deficit => symptomatic,
        u => need(
            "residual_deficit",
            u,
            "because [natural_history.permanent_deficit] is declared",
        )?,
    };
    let recovering = given
        .recovering
        .map_or(Ok(symptomatic), |u| check_utility("economics.utility.recovering", u))?;
    let utility = StateValues {
        symptomatic,
        improved,
        recovering,
        symptom_free,
        residual_deficit,
    };
    let daily = raw.daily_cost.clone().unwrap_or_default();
    let day_cost = |state: &str, c: Option<f64>| optional_cost(&format!("economics.daily_cost.{state}"), c);
    let daily_cost = StateValues {
        symptomatic: day_cost("symptomatic", daily.symptomatic)?,
        improved: day_cost("improved", daily.improved)?,
        recovering: day_cost("recovering", daily.recovering)?,
        symptom_free: day_cost("symptom_free", daily.symptom_free)?,
        residual_deficit: day_cost("residual_deficit", daily.residual_deficit)?,
    };
    let adjustments = raw
        .utility_adjustments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let at = format!("economics.utility_adjustments[{i}]");
            let condition = condition(&format!("{at}.if"), &a.condition, slots)?;
            if !(a.add.is_finite() && (-2.0..=1.0).contains(&a.add)) {
                return Err(Invalid::new(
                    format!("{at}.add"),
                    a.add,
                    "a utility adjustment is a finite number in [-2, 1], added to every state alive",
                ));
            }
            Ok(Adjustment {
                text: a.condition.clone(),
                condition,
                add: a.add,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let death_cost = optional_cost("economics.death_cost", raw.death_cost)?;
    let mut willingness_to_pay = Vec::with_capacity(raw.willingness_to_pay.len());
    for (i, &w) in raw.willingness_to_pay.iter().enumerate() {
        if !(0.0..=MAX_WILLINGNESS_TO_PAY).contains(&w) || willingness_to_pay.last().is_some_and(|&last| w <= last) {
            return Err(Invalid::new(
                format!("economics.willingness_to_pay[{i}]"),
                w,
                format!(
                    "willingness-to-pay values are ascending, from 0 to {MAX_WILLINGNESS_TO_PAY:e} (currency per QALY)"
                ),
            ));
        }
        willingness_to_pay.push(w);
    }
    let prices = prices(raw)?;
    Ok(Economics {
        currency: raw.currency.clone().unwrap_or_else(|| "currency units".into()),
        perspective: raw.perspective.clone(),
        discount_costs,
        discount_effects,
        utility,
        adjustments,
        daily_cost,
        death_cost,
        willingness_to_pay,
        prices,
    })
}

/// The earliest and latest years a price index may give.
const PRICE_YEARS: std::ops::RangeInclusive<u32> = 1900..=2200;

/// `price_year` and `price_index`, checked: years within [`PRICE_YEARS`],
/// index values positive and finite, the price year among the index's.
fn prices(raw: &RawEconomics) -> Result<Option<Prices>, Invalid> {
    let year = |path: &str, y: u32| {
        if PRICE_YEARS.contains(&y) {
            Ok(y)
        } else {
            Err(Invalid::new(
                path,
                y,
                format!("a year from {} to {}", PRICE_YEARS.start(), PRICE_YEARS.end()),
            ))
        }
    };
    let mut index = Vec::with_capacity(raw.price_index.len());
    for (key, &value) in &raw.price_index {
        let path = format!("economics.price_index.{key}");
        let y = key.parse::<u32>().map_err(|_| {
            Invalid::new(
                &path,
                format!("\"{key}\""),
                "the keys of a price index are years, e.g. 2024 = 313.689",
            )
        })?;
        year(&path, y)?;
        if !(value.is_finite() && value > 0.0) {
            return Err(Invalid::new(path, value, "an index value is a positive number"));
        }
        index.push((y, value));
    }
    index.sort_by_key(|&(y, _)| y);
    match raw.price_year {
        None if index.is_empty() => Ok(None),
        None => Err(Invalid::new(
            "economics.price_year",
            "nothing",
            "a price index needs the year whose prices costs are in: price_year = 2024",
        )),
        Some(y) => {
            let y = year("economics.price_year", y)?;
            if !index.is_empty() && !index.iter().any(|&(iy, _)| iy == y) {
                return Err(Invalid::new(
                    "economics.price_year",
                    y,
                    "the price year must be one of the years of economics.price_index",
                ));
            }
            Ok(Some(Prices { year: y, index }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[economics]` as written, in a scenario with partial responses or
    /// not, and a boolean covariate `smoker`.
    fn check(economics_toml: &str, partial: bool) -> Result<Economics, Invalid> {
        let section: std::collections::BTreeMap<String, RawEconomics> =
            toml::from_str(&format!("[economics]\n{economics_toml}")).expect("as written");
        let slots = [Slot {
            name: "smoker".into(),
            kind: crate::scenario::cond::SlotKind::Boolean,
        }];
        economics(&section["economics"], partial, false, &slots)
    }

    #[test]
    fn unreached_states_take_the_symptomatic_utility_and_reached_ones_need_their_own() {
        let e = check("utility = { symptomatic = 0.5, symptom_free = 0.9 }", false).expect("valid");
        assert_eq!(
            (e.utility.improved, e.utility.recovering, e.utility.residual_deficit),
            (0.5, 0.5, 0.5)
        );
        let missing = check("utility = { symptomatic = 0.5, symptom_free = 0.9 }", true).unwrap_err();
        assert_eq!(missing.path, "economics.utility.improved");
        let given = check(
            "utility = { symptomatic = 0.5, symptom_free = 0.9, improved = 0.7 }",
            true,
        )
        .expect("valid");
        assert_eq!(given.utility.improved, 0.7);
    }

    #[test]
    fn each_rule_names_its_key() {
        let cases = [
            (
                "utility = { symptomatic = 1.5, symptom_free = 0.9 }",
                "economics.utility.symptomatic",
            ),
            (
                "utility = { symptomatic = 0.5, symptom_free = 0.9 }\ndiscount_costs = 2",
                "economics.discount_costs",
            ),
            (
                "utility = { symptomatic = 0.5, symptom_free = 0.9 }\nwillingness_to_pay = [50000, 20000]",
                "economics.willingness_to_pay[1]",
            ),
            (
                "utility = { symptomatic = 0.5, symptom_free = 0.9 }\nutility_adjustments = [{ if = \"smoker\", add = 3 }]",
                "economics.utility_adjustments[0].add",
            ),
            (
                "utility = { symptomatic = 0.5, symptom_free = 0.9 }\ndaily_cost = { symptomatic = -1 }",
                "economics.daily_cost.symptomatic",
            ),
        ];
        for (text, path) in cases {
            assert_eq!(check(text, false).unwrap_err().path, path, "{text}");
        }
    }

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
