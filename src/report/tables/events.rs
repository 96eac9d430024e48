//! events.parquet: one row per event of every path (`--events-out`).
//!
//! The columns (docs/targets.md, "The event log", says what each event
//! means): `policy`, `patient`, `day`, `event`, then, for an attempt and
//! for the recovery, improvement or failure that ends it, `intervention`,
//! `step` and `attempt` (the attempt's 1-based number among the path's
//! attempts of its intervention), and for an attempt alone `outcome` and
//! `complications`; null elsewhere. Rows come policy by policy, patient
//! by patient, each path's events in the order they happened.

use std::path::Path;

use polars::prelude::*;

use super::write_parquet;
use crate::accumulate::sink::EventRecords;
use crate::error::Error;
use crate::scenario::Scenario;
use crate::simulate::pathway::EventKind;

/// The file of the event log.
pub const EVENTS: &str = "events.parquet";

/// The file of a shard's event log: `events.part-K-of-N.parquet` (K and N
/// in five digits).
pub fn shard_file(number: u64, count: u64) -> String {
    format!("events.part-{number:05}-of-{count:05}.parquet")
}

/// Writes `events.parquet`: one row per event, policy by policy, patient
/// by patient.
///
/// # Errors
/// [`Error::Output`] naming the file.
pub fn write_events(scenario: &Scenario, records: &EventRecords, path: &Path) -> Result<(), Error> {
    let rows: usize = records.events.iter().map(|e| e.len()).sum();
    let mut policy: Vec<&str> = Vec::with_capacity(rows);
    let mut patient: Vec<u64> = Vec::with_capacity(rows);
    let mut day: Vec<f64> = Vec::with_capacity(rows);
    let mut event: Vec<&str> = Vec::with_capacity(rows);
    let mut intervention: Vec<Option<&str>> = Vec::with_capacity(rows);
    let mut step: Vec<Option<&str>> = Vec::with_capacity(rows);
    let mut attempt: Vec<Option<u32>> = Vec::with_capacity(rows);
    let mut outcome: Vec<Option<&str>> = Vec::with_capacity(rows);
    let mut complications: Vec<Option<u32>> = Vec::with_capacity(rows);
    let interventions = scenario.interventions();
    for (p, (counts, events)) in records.counts.iter().zip(&records.events).enumerate() {
        let policy_name = scenario.policies()[p].name.as_str();
        let steps = &scenario.policies()[p].steps;
        let mut events = events.iter();
        for (i, &count) in counts.iter().enumerate() {
            // The attempt the path's last recovery, improvement or failure
            // ends: the last one started.
            let mut last = None;
            for e in events.by_ref().take(count as usize) {
                let (of_attempt, drawn) = match e.kind {
                    EventKind::Attempt {
                        intervention,
                        step,
                        number,
                        complications,
                        fate,
                    } => {
                        last = Some((intervention, step, number));
                        (last, Some((fate.word(), complications)))
                    }
                    EventKind::Recovery | EventKind::Improved | EventKind::Failure => (last, None),
                    EventKind::Relapse
                    | EventKind::Progression
                    | EventKind::RedFlag
                    | EventKind::Resolution
                    | EventKind::PermanentDeficit
                    | EventKind::Death => (None, None),
                };
                policy.push(policy_name);
                patient.push(records.first_patient + i as u64);
                day.push(e.day);
                event.push(e.kind.word());
                intervention.push(of_attempt.map(|(iv, _, _)| interventions[iv].name.as_str()));
                step.push(of_attempt.map(|(_, s, _)| steps[s].name.as_str()));
                attempt.push(of_attempt.map(|(_, _, n)| n));
                outcome.push(drawn.map(|(word, _)| word));
                complications.push(drawn.map(|(_, c)| c));
            }
        }
    }
    let columns = vec![
        Column::new("policy".into(), policy),
        Column::new("patient".into(), patient),
        Column::new("day".into(), day),
        Column::new("event".into(), event),
        Column::new("intervention".into(), intervention),
        Column::new("step".into(), step),
        Column::new("attempt".into(), attempt),
        Column::new("outcome".into(), outcome),
        Column::new("complications".into(), complications),
    ];
    write_parquet(rows, columns, path)
}
