//! The model side of published targets: for each target, exact tallies of
//! its population (patients, or attempts): how many have its outcome, the
//! days to its event, or the sums of their utilities or QALYs
//! ([`TargetCounts`], a [`Sink`] that reads each path's events).
//!
//! The rules, for a patient's path under the target's policy whose
//! covariates at presentation satisfy its population:
//!
//! - the origin `o` is day 0 (presentation) or the day of the path's first
//!   attempt of the origin intervention (no such attempt: not in the
//!   population);
//! - follow-up ends at `e = o + day`; a path with `e` after the horizon
//!   cannot be followed that long and is not in the population (complete
//!   follow-up, as in a cohort study; a death before `e` stays in it);
//! - events "after the origin" are the attempts that follow the origin's
//!   own attempt (at presentation, every attempt) and start by `e`, and
//!   relapses and recoveries in `[o, e]`;
//! - states are read at `e`: a spell `[a, b)` holds `e` when `a <= e < b`,
//!   or `b` is the horizon (spells that reach it include it);
//! - with `without`, a unit that also has that outcome counts as without
//!   the target's outcome;
//! - a median time follows every patient of the population from `o` to the
//!   first event after it, censored at death or at the horizon;
//! - a mean utility is of the patients alive at `e` (the dead are left
//!   out, as a questionnaire's respondents are the living);
//! - QALYs are counted from presentation to `e` (0 a day after death);
//!   against `versus`, each patient's difference from their own path under
//!   that policy (common random numbers).

use super::fixed;
use crate::outcome::{BINS_PER_DAY, YEAR_FIXED_POINT};
use crate::scenario::Level;
use crate::scenario::Scenario;
use crate::scenario::targets::{Counted, Origin, Quantity, Target, Unit};
use crate::simulate::engine::Sink;
use crate::simulate::ledger::{settle_until, utility_on};
use crate::simulate::pathway::{Event, EventKind};
use crate::simulate::patient::Path;

/// One target's model side, as exact counts and sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tally {
    /// `k` of `n` units with the outcome.
    Share { k: u64, n: u64 },
    /// `n` values in fixed point (`1 / YEAR_FIXED_POINT`), their sum and
    /// sum of squares.
    Mean { n: u64, sum: i128, sum_sq: u128 },
    /// Of `n` units, the first events and the censorings per bin of
    /// `1 / BINS_PER_DAY` day from the origin.
    Times {
        n: u64,
        events: Vec<u64>,
        censored: Vec<u64>,
    },
}

impl Tally {
    fn new(target: &Target) -> Tally {
        match target.quantity {
            Quantity::Share { .. } => Tally::Share { k: 0, n: 0 },
            Quantity::MedianDays { .. } => Tally::Times {
                n: 0,
                events: Vec::new(),
                censored: Vec::new(),
            },
            Quantity::MeanUtility | Quantity::Qalys { .. } => Tally::Mean {
                n: 0,
                sum: 0,
                sum_sq: 0,
            },
        }
    }

    /// Adds one unit with or without the outcome.
    fn share(&mut self, has: bool) {
        if let Tally::Share { k, n } = self {
            *n += 1;
            *k += u64::from(has);
        }
    }

    /// Adds one value.
    fn value(&mut self, v: f64) {
        if let Tally::Mean { n, sum, sum_sq } = self {
            let x = fixed(v, YEAR_FIXED_POINT);
            *n += 1;
            *sum += i128::from(x);
            *sum_sq += u128::from(x.unsigned_abs()) * u128::from(x.unsigned_abs());
        }
    }

    /// Adds one unit followed for `days`, to its event or censored.
    fn time(&mut self, days: f64, event: bool) {
        if let Tally::Times { n, events, censored } = self {
            let bin = (days.max(0.0) * BINS_PER_DAY) as usize;
            let counts = if event { events } else { censored };
            if counts.len() <= bin {
                counts.resize(bin + 1, 0);
            }
            counts[bin] += 1;
            *n += 1;
        }
    }

    fn append(&mut self, later: Tally) {
        let add = |a: &mut Vec<u64>, b: Vec<u64>| {
            if a.len() < b.len() {
                a.resize(b.len(), 0);
            }
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        };
        match (self, later) {
            (Tally::Share { k, n }, Tally::Share { k: k2, n: n2 }) => {
                *k += k2;
                *n += n2;
            }
            (
                Tally::Mean { n, sum, sum_sq },
                Tally::Mean {
                    n: n2,
                    sum: s2,
                    sum_sq: q2,
                },
            ) => {
                *n += n2;
                *sum += s2;
                *sum_sq += q2;
            }
            (
                Tally::Times { n, events, censored },
                Tally::Times {
                    n: n2,
                    events: e2,
                    censored: c2,
                },
            ) => {
                *n += n2;
                add(events, e2);
                add(censored, c2);
            }
            (a, b) => unreachable!("tallies of one target differ: {a:?} and {b:?}"),
        }
    }
}

/// Per target, its [`Tally`].
#[derive(Debug, Clone)]
pub struct TargetCounts<'a> {
    scenario: &'a Scenario,
    targets: &'a [Target],
    /// Level of each intervention, by index.
    levels: Vec<Level>,
    horizon: f64,
    pub tallies: Vec<Tally>,
    /// Per target against another policy, this patient's QALYs under its
    /// policy and under the other, until the patient ends.
    pending: Vec<[Option<f64>; 2]>,
}

impl<'a> TargetCounts<'a> {
    pub fn new(scenario: &'a Scenario, targets: &'a [Target]) -> TargetCounts<'a> {
        TargetCounts {
            scenario,
            targets,
            levels: scenario.interventions().iter().map(|iv| iv.level).collect(),
            horizon: scenario.simulation().horizon_days,
            tallies: targets.iter().map(Tally::new).collect(),
            pending: vec![[None; 2]; targets.len()],
        }
    }

    /// The day of the first `event` of `path` after `origin` (day, and
    /// the origin attempt's index in the events), if any.
    fn first(&self, event: Counted, path: &Path, origin: (f64, Option<usize>)) -> Option<f64> {
        let (o, first) = origin;
        let attempts = |from: usize| {
            path.events
                .iter()
                .enumerate()
                .filter(move |&(i, _)| first.is_none_or(|f| i >= f + from))
                .filter_map(|(_, e)| match e.kind {
                    EventKind::Attempt {
                        intervention,
                        complications,
                        ..
                    } => Some((e.day, self.levels[intervention], complications)),
                    EventKind::Recovery
                    | EventKind::Improved
                    | EventKind::Failure
                    | EventKind::Relapse
                    | EventKind::Progression
                    | EventKind::RedFlag
                    | EventKind::Resolution
                    | EventKind::PermanentDeficit
                    | EventKind::Death => None,
                })
        };
        let earliest = |days: &mut dyn Iterator<Item = f64>| days.reduce(f64::min);
        match event {
            Counted::Operated => earliest(&mut attempts(1).filter(|a| a.1 == Level::Surgical).map(|a| a.0)),
            Counted::Procedure => earliest(&mut attempts(1).filter(|a| a.1 != Level::Conservative).map(|a| a.0)),
            Counted::FurtherAttempt => earliest(&mut attempts(1).map(|a| a.0)),
            Counted::Complication => earliest(&mut attempts(0).filter(|a| a.2 > 0).map(|a| a.0)),
            Counted::Relapsed => earliest(
                &mut path
                    .events
                    .iter()
                    .filter(|e| e.kind == EventKind::Relapse && e.day >= o)
                    .map(|e| e.day),
            ),
            Counted::Recovered => earliest(&mut path.spells.symptom_free.iter().map(|s| s.0).filter(|&a| a >= o)),
            Counted::Died => path.outcome.died.then_some(path.outcome.death_time),
            Counted::SymptomFree | Counted::Relieved => None,
        }
    }

    /// Whether `path` has `outcome` in the follow-up from `origin` to day
    /// `end`.
    fn has(&self, outcome: Counted, path: &Path, origin: (f64, Option<usize>), end: f64) -> bool {
        let holds = |spells: &[(f64, f64)]| spells.iter().any(|&(a, b)| a <= end && (end < b || b >= self.horizon));
        match outcome {
            Counted::SymptomFree => holds(&path.spells.symptom_free),
            Counted::Relieved => holds(&path.spells.symptom_free) || holds(&path.spells.improved),
            event => self.first(event, path, origin).is_some_and(|d| d <= end),
        }
    }

    /// The patient's QALYs from presentation to day `end`.
    fn qalys(&self, path: &Path, end: f64) -> f64 {
        let Some(econ) = self.scenario.economics() else {
            return f64::NAN;
        };
        let out = path.outcome;
        settle_until(
            econ,
            path.spells,
            path.ledger,
            econ.adjustment(path.covariates),
            out.death_time.min(self.horizon),
            out.died.then_some(out.death_time),
            out.permanent_deficit,
            end,
        )
        .qalys
    }
}

/// The day and index of the first attempt of intervention `iv`.
fn first_attempt(events: &[Event], iv: usize) -> Option<(f64, usize)> {
    events
        .iter()
        .position(|e| matches!(e.kind, EventKind::Attempt { intervention, .. } if intervention == iv))
        .map(|i| (events[i].day, i))
}

impl Sink for TargetCounts<'_> {
    const EVENTS: bool = true;

    fn path(&mut self, _patient: u64, path: Path) {
        for (i, t) in self.targets.iter().enumerate() {
            let versus = match t.quantity {
                Quantity::Qalys { versus: Some(v) } => Some(v),
                _ => None,
            };
            if (t.policy != path.policy && versus != Some(path.policy))
                || t.population.as_ref().is_some_and(|(_, c)| !c.eval(path.covariates))
            {
                continue;
            }
            if let (Unit::Attempt, Origin::FirstAttempt(iv), Quantity::Share { absent, .. }) =
                (t.unit, t.origin, t.quantity)
            {
                for e in path.events {
                    if let EventKind::Attempt {
                        intervention,
                        complications,
                        ..
                    } = e.kind
                        && intervention == iv
                    {
                        self.tallies[i].share((complications > 0) != absent);
                    }
                }
                continue;
            }
            let origin = match t.origin {
                Origin::Presentation => (0.0, None),
                Origin::FirstAttempt(iv) => match first_attempt(path.events, iv) {
                    Some((day, index)) => (day, Some(index)),
                    None => continue,
                },
            };
            let end = origin.0 + t.day;
            match t.quantity {
                Quantity::MedianDays { event } => {
                    let stop = path.outcome.death_time.min(self.horizon);
                    let (day, happened) = match self.first(event, &path, origin) {
                        Some(d) if d <= stop => (d, true),
                        _ => (stop, false),
                    };
                    self.tallies[i].time(day - origin.0, happened);
                }
                _ if end > self.horizon => {}
                Quantity::Share {
                    outcome,
                    absent,
                    without,
                } => {
                    let has = self.has(outcome, &path, origin, end)
                        && !without.is_some_and(|w| self.has(w, &path, origin, end));
                    self.tallies[i].share(has != absent);
                }
                Quantity::MeanUtility => {
                    let out = path.outcome;
                    if let Some(econ) = self.scenario.economics()
                        && !(out.died && out.death_time <= end)
                    {
                        let u = utility_on(
                            econ,
                            path.spells,
                            path.ledger,
                            econ.adjustment(path.covariates),
                            out.permanent_deficit,
                            end,
                            self.horizon,
                        );
                        self.tallies[i].value(u);
                    }
                }
                Quantity::Qalys { versus: None } => {
                    let q = self.qalys(&path, end);
                    self.tallies[i].value(q);
                }
                Quantity::Qalys { versus: Some(_) } => {
                    let slot = usize::from(t.policy != path.policy);
                    self.pending[i][slot] = Some(self.qalys(&path, end));
                }
            }
        }
    }

    fn end_patient(&mut self) {
        for (tally, pending) in self.tallies.iter_mut().zip(&mut self.pending) {
            if let [Some(mine), Some(other)] = *pending {
                tally.value(mine - other);
            }
            *pending = [None; 2];
        }
    }

    fn append(&mut self, later: Self) {
        for (a, b) in self.tallies.iter_mut().zip(later.tallies) {
            a.append(b);
        }
    }
}
