//! A path's costs, QALYs and life-years: its health-state spells valued by
//! `[economics]`, in continuous time, discounted and not.
//!
//! With `u_s` the utility of state `s` (plus the patient's adjustment),
//! `c_s` its daily cost, `δ` a discount rate per day and `D` the day the
//! patient leaves the horizon alive or dies:
//!
//! - QALYs = Σ over spells `[a, b)` of `u_s ∫_a^b e^{-δ_e t} dt / 365.25`
//!   − Σ over events of `loss e^{-δ_e t}`;
//! - costs = Σ over spells of `c_s ∫_a^b e^{-δ_c t} dt` + Σ over events
//!   (attempts, complications, death) of `cost e^{-δ_c t}`;
//! - life-years = `∫_0^D e^{-δ_e t} dt / 365.25`;
//!
//! with `∫_a^b e^{-δ t} dt = (e^{-δ a} - e^{-δ b}) / δ` (`b - a` when `δ` is
//! 0). Every alive day is symptomatic unless a spell says otherwise, so the
//! sums start from the symptomatic state over `[0, D)` and each other
//! spell adds its difference from it.

use crate::scenario::DAYS_PER_YEAR;
use crate::scenario::economics::{Discount, Economics};
use crate::simulate::spells::Spells;

/// One-off costs and QALY losses of a path, and which intervention's
/// utility applies to each symptom-free spell. Filled by the walk only
/// when the scenario declares `[economics]`.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// `(day, cost, QALY loss)` of each attempt and complication.
    pub charges: Vec<(f64, f64, f64)>,
    /// Per symptom-free spell (in the order of `Spells::symptom_free`), the
    /// utility of the intervention that brought the recovery, if it
    /// declares one.
    pub symptom_free_utility: Vec<Option<f64>>,
}

impl Ledger {
    pub fn clear(&mut self) {
        self.charges.clear();
        self.symptom_free_utility.clear();
    }
}

/// Sums of one path, discounted and not.
#[derive(Debug, Default)]
struct Sums {
    cost: f64,
    cost_undiscounted: f64,
    /// In utility-days until the end.
    qaly_days: f64,
    qaly_days_undiscounted: f64,
}

impl Sums {
    /// A spell `[a, b)` worth `utility` a year and `cost` a day; returns
    /// its discounted length in days (at the effects' rate).
    #[inline]
    fn spell(&mut self, econ: &Economics, a: f64, b: f64, utility: f64, cost: f64) -> f64 {
        if b <= a {
            return 0.0;
        }
        let (effects, costs) = (&econ.discount_effects, &econ.discount_costs);
        let days_e = between(effects, a, b);
        let days_c = if costs == effects { days_e } else { between(costs, a, b) };
        self.qaly_days += utility * days_e;
        self.qaly_days_undiscounted += utility * (b - a);
        self.cost += cost * days_c;
        self.cost_undiscounted += cost * (b - a);
        days_e
    }
}

/// `∫_a^b e^{-δ t} dt` in days.
#[inline]
fn between(d: &Discount, a: f64, b: f64) -> f64 {
    if d.per_day == 0.0 {
        b - a
    } else {
        d.days_between(a, b, factor(d, a), d.factor(b))
    }
}

/// `e^{-δ t}`, without a call for `t = 0` (where paths begin).
#[inline]
fn factor(d: &Discount, t: f64) -> f64 {
    if t == 0.0 { 1.0 } else { d.factor(t) }
}

/// A path's costs, QALYs and life-years within the horizon.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Valuation {
    pub cost: f64,
    pub cost_undiscounted: f64,
    pub qalys: f64,
    pub qalys_undiscounted: f64,
    pub life_years: f64,
    pub life_years_undiscounted: f64,
}

/// Values a path: its `spells` and `ledger`, the patient's utility
/// `adjustment`, alive until day `alive_until` (the horizon or death),
/// `died` on that day or not, symptom-free spells valued as residual
/// deficit when `residual`.
pub fn settle(
    econ: &Economics,
    spells: &Spells,
    ledger: &Ledger,
    adjustment: f64,
    alive_until: f64,
    died: Option<f64>,
    residual: bool,
) -> Valuation {
    settle_until(
        econ,
        spells,
        ledger,
        adjustment,
        alive_until,
        died,
        residual,
        f64::INFINITY,
    )
}

/// The utility of symptom-free spell `k` (the intervention's own, the
/// state's, or the residual deficit's when `residual`) and its daily cost.
fn symptom_free(econ: &Economics, ledger: &Ledger, k: usize, residual: bool) -> (f64, f64) {
    let (u, c) = (&econ.utility, &econ.daily_cost);
    if residual {
        (u.residual_deficit, c.residual_deficit)
    } else {
        let own = ledger.symptom_free_utility.get(k).copied().flatten();
        (own.unwrap_or(u.symptom_free), c.symptom_free)
    }
}

/// [`settle`] over the days before `until` only: spells cut there, the
/// charges and the death of later days left out (QALYs by a day, for a
/// published target).
#[allow(clippy::too_many_arguments)]
pub fn settle_until(
    econ: &Economics,
    spells: &Spells,
    ledger: &Ledger,
    adjustment: f64,
    alive_until: f64,
    died: Option<f64>,
    residual: bool,
    until: f64,
) -> Valuation {
    let u = &econ.utility;
    let c = &econ.daily_cost;
    let mut sums = Sums::default();
    let alive_until = alive_until.min(until);
    let alive_days = sums.spell(econ, 0.0, alive_until, u.symptomatic + adjustment, c.symptomatic);
    for &(a, b) in &spells.recovering {
        sums.spell(
            econ,
            a,
            b.min(until),
            u.recovering - u.symptomatic,
            c.recovering - c.symptomatic,
        );
    }
    for &(a, b) in &spells.improved {
        sums.spell(
            econ,
            a,
            b.min(until),
            u.improved - u.symptomatic,
            c.improved - c.symptomatic,
        );
    }
    for (k, &(a, b)) in spells.symptom_free.iter().enumerate() {
        let (utility, cost) = symptom_free(econ, ledger, k, residual);
        sums.spell(econ, a, b.min(until), utility - u.symptomatic, cost - c.symptomatic);
    }
    let (effects, costs) = (&econ.discount_effects, &econ.discount_costs);
    let mut losses = 0.0;
    let mut losses_undiscounted = 0.0;
    for &(t, cost, loss) in ledger.charges.iter().filter(|&&(t, _, _)| t < until) {
        let fc = factor(costs, t);
        let fe = if costs == effects { fc } else { factor(effects, t) };
        sums.cost += cost * fc;
        sums.cost_undiscounted += cost;
        losses += loss * fe;
        losses_undiscounted += loss;
    }
    if let Some(t) = died.filter(|&t| t < until) {
        sums.cost += econ.death_cost * costs.factor(t);
        sums.cost_undiscounted += econ.death_cost;
    }
    Valuation {
        cost: sums.cost,
        cost_undiscounted: sums.cost_undiscounted,
        qalys: sums.qaly_days / DAYS_PER_YEAR - losses,
        qalys_undiscounted: sums.qaly_days_undiscounted / DAYS_PER_YEAR - losses_undiscounted,
        life_years: alive_days / DAYS_PER_YEAR,
        life_years_undiscounted: alive_until / DAYS_PER_YEAR,
    }
}

/// The utility a living patient has on `day`: that of the state whose
/// spell holds it (`[a, b)`, or `b` at the `horizon`) as [`settle`] values
/// it, plus the patient's `adjustment`.
pub fn utility_on(
    econ: &Economics,
    spells: &Spells,
    ledger: &Ledger,
    adjustment: f64,
    residual: bool,
    day: f64,
    horizon: f64,
) -> f64 {
    let u = &econ.utility;
    let holds = |&(a, b): &(f64, f64)| a <= day && (day < b || b >= horizon);
    let state = if let Some(k) = spells.symptom_free.iter().position(holds) {
        symptom_free(econ, ledger, k, residual).0
    } else if spells.improved.iter().any(holds) {
        u.improved
    } else if spells.recovering.iter().any(holds) {
        u.recovering
    } else {
        u.symptomatic
    };
    state + adjustment
}
