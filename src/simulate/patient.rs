//! One synthetic patient under every policy: the per-patient loop that the
//! engine, the bench's draw counting and the criterion benches share.

use crate::rng::{PatientKey, policy_seed};
use crate::scenario::Scenario;
use crate::simulate::cohort::draw_covariates;
use crate::simulate::ledger::Ledger;
use crate::simulate::pathway::{Event, NaturalDraws, PathOutcome, Spells, Workspace, walk};
use crate::simulate::tally::Tally;

/// Per-thread buffers of [`simulate_patient`], reused from patient to
/// patient.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    /// The patient's covariates, one slot per covariate.
    x: Vec<f64>,
    ws: Workspace,
    /// Per pair of policies (`a * policies + b`), how many leading steps
    /// they walk alike ([`crate::scenario::Policy::shared_steps`]); empty
    /// (nothing shared) in the default scratch.
    shared: Vec<usize>,
    /// Paths handed on as the previous policy's, not walked again.
    reused: u64,
}

impl Scratch {
    /// Buffers for the paths of `scenario` that keep each path's events
    /// when `events` (see [`Workspace::log_events`]). (The default
    /// scratch walks every scenario with all its features, the same paths.)
    pub fn new(scenario: &Scenario, events: bool) -> Scratch {
        let mut scratch = Scratch::default();
        scratch.ws.plain(scenario);
        if events {
            scratch.ws.log_events();
        }
        let policies = scenario.policies();
        scratch.shared = policies
            .iter()
            .flat_map(|a| policies.iter().map(|b| a.shared_steps(b)))
            .collect();
        scratch
    }

    /// Paths that were their previous policy's path, not walked again.
    pub fn reused_paths(&self) -> u64 {
        self.reused
    }

    /// Paths simulated with this scratch that the step guard cut short.
    pub fn stalled_paths(&self) -> u64 {
        self.ws.stalled_paths()
    }
}

/// One patient's path under one policy, as [`simulate_patient`] hands it on.
#[derive(Debug, Clone, Copy)]
pub struct Path<'a> {
    /// The policy's index in the scenario.
    pub policy: usize,
    /// The patient's covariates (at presentation).
    pub covariates: &'a [f64],
    pub outcome: &'a PathOutcome,
    /// The path's spells in each health state but symptomatic.
    pub spells: &'a Spells,
    /// The path's events, when the sink asked for them
    /// (the engine's `Sink::EVENTS`); empty otherwise.
    pub events: &'a [Event],
    /// The path's one-off charges and its symptom-free spells' utilities
    /// (empty without `[economics]`).
    pub ledger: &'a Ledger,
}

/// Simulates patient `patient` under every policy in scenario order (or
/// only those `only` marks, when it is not empty) and hands each path to
/// `each`.
///
/// With common random numbers (`independent` false) the covariates and the
/// natural history are drawn once, under `seed`, and every policy sees the
/// same patient; with `independent` each policy draws its own patient under
/// [`policy_seed`]. A policy's path does not depend on which others are
/// simulated. Under common random numbers, a policy that takes its first
/// steps as the last one walked does ([`crate::scenario::Policy::shared_steps`])
/// is handed that path, not walked again, when the path went no further.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn simulate_patient<T: Tally>(
    scenario: &Scenario,
    seed: u64,
    independent: bool,
    only: &[bool],
    patient: u64,
    scratch: &mut Scratch,
    tally: &mut T,
    mut each: impl FnMut(Path),
) {
    scratch.x.resize(scenario.slot_count(), 0.0);
    let mut nh = NaturalDraws::NONE;
    let mut key = PatientKey::new(seed, patient);
    let policies = scenario.policies().len();
    // The policy whose path of this patient the workspace holds.
    let mut walked: Option<usize> = None;
    for (p, policy) in scenario.policies().iter().enumerate() {
        if only.get(p) == Some(&false) {
            continue;
        }
        let seed = if independent { policy_seed(seed, p) } else { seed };
        if walked.is_none() || independent {
            walked = None;
            key = PatientKey::new(seed, patient);
            draw_covariates(scenario, key, &mut scratch.x, tally);
            if policies > 1 {
                scratch.ws.new_patient(scenario.interventions().len());
            }
            nh = NaturalDraws::draw(scenario, key, &scratch.x, tally);
        }
        // A path that never went past the steps this policy takes alike
        // with the last one walked is this policy's path too.
        let shared = walked.and_then(|q| scratch.shared.get(q * policies + p));
        if shared.is_some_and(|&shared| scratch.ws.furthest_step() < shared) {
            scratch.reused += 1;
        } else {
            walk(scenario, policy, key, &scratch.x, nh, &mut scratch.ws, tally);
        }
        walked = Some(p);
        each(Path {
            policy: p,
            covariates: &scratch.x,
            outcome: scratch.ws.outcome(),
            spells: scratch.ws.spells(),
            events: scratch.ws.events(),
            ledger: scratch.ws.ledger(),
        });
    }
}
