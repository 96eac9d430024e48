//! The model side of published targets: for each target, how many units
//! (patients, or attempts) are in its population and how many of them
//! have its outcome, as exact counts ([`TargetCounts`], a [`Sink`] that
//! reads each path's events).
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
//!   the target's outcome.

use crate::scenario::Level;
use crate::scenario::Scenario;
use crate::scenario::targets::{Counted, Origin, Target, Unit};
use crate::simulate::engine::Sink;
use crate::simulate::pathway::{Event, EventKind};
use crate::simulate::patient::Path;

/// Per target, `(with the outcome, in the population)`.
#[derive(Debug, Clone)]
pub struct TargetCounts<'a> {
    targets: &'a [Target],
    /// Level of each intervention, by index.
    levels: Vec<Level>,
    horizon: f64,
    pub counts: Vec<(u64, u64)>,
}

impl<'a> TargetCounts<'a> {
    pub fn new(scenario: &Scenario, targets: &'a [Target]) -> TargetCounts<'a> {
        TargetCounts {
            targets,
            levels: scenario.interventions().iter().map(|iv| iv.level).collect(),
            horizon: scenario.simulation().horizon_days,
            counts: vec![(0, 0); targets.len()],
        }
    }

    /// Whether `path` has `outcome` in the follow-up from `origin` (day,
    /// and the origin attempt's index in the events) to day `end`.
    fn has(&self, outcome: Counted, path: &Path, origin: (f64, Option<usize>), end: f64) -> bool {
        let (o, first) = origin;
        let attempts_after = || {
            path.events
                .iter()
                .enumerate()
                .filter(move |&(i, e)| first.is_none_or(|f| i > f) && e.day <= end)
                .filter_map(|(_, e)| match e.kind {
                    EventKind::Attempt { intervention, .. } => Some(self.levels[intervention]),
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
        let holds = |spells: &[(f64, f64)]| spells.iter().any(|&(a, b)| a <= end && (end < b || b >= self.horizon));
        match outcome {
            Counted::Operated => attempts_after().any(|l| l == Level::Surgical),
            Counted::Procedure => attempts_after().any(|l| l != Level::Conservative),
            Counted::FurtherAttempt => attempts_after().next().is_some(),
            Counted::Complication => path.events.iter().enumerate().any(|(i, e)| {
                first.is_none_or(|f| i >= f)
                    && e.day <= end
                    && matches!(e.kind, EventKind::Attempt { complications, .. } if complications > 0)
            }),
            Counted::Relapsed => path
                .events
                .iter()
                .any(|e| e.kind == EventKind::Relapse && e.day >= o && e.day <= end),
            Counted::Recovered => path.spells.symptom_free.iter().any(|&(a, _)| a >= o && a <= end),
            Counted::SymptomFree => holds(&path.spells.symptom_free),
            Counted::Relieved => holds(&path.spells.symptom_free) || holds(&path.spells.improved),
            Counted::Died => path.outcome.died && path.outcome.death_time <= end,
        }
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
            if t.policy != path.policy || t.population.as_ref().is_some_and(|(_, c)| !c.eval(path.covariates)) {
                continue;
            }
            match (t.unit, t.origin) {
                (Unit::Attempt, Origin::FirstAttempt(iv)) => {
                    let (k, n) = &mut self.counts[i];
                    for e in path.events {
                        if let EventKind::Attempt {
                            intervention,
                            complications,
                            ..
                        } = e.kind
                            && intervention == iv
                        {
                            *n += 1;
                            *k += u64::from((complications > 0) != t.absent);
                        }
                    }
                }
                (Unit::Attempt, Origin::Presentation) => {}
                (Unit::Patient, origin) => {
                    let origin = match origin {
                        Origin::Presentation => (0.0, None),
                        Origin::FirstAttempt(iv) => match first_attempt(path.events, iv) {
                            Some((day, index)) => (day, Some(index)),
                            None => continue,
                        },
                    };
                    let end = origin.0 + t.day;
                    if end > self.horizon {
                        continue;
                    }
                    let has = self.has(t.outcome, &path, origin, end)
                        && !t.without.is_some_and(|w| self.has(w, &path, origin, end));
                    let (k, n) = &mut self.counts[i];
                    *n += 1;
                    *k += u64::from(has != t.absent);
                }
            }
        }
    }

    fn append(&mut self, later: Self) {
        for (a, b) in self.counts.iter_mut().zip(later.counts) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }
}
