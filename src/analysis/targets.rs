//! A scenario's model value of every published target.

use crate::accumulate::targets::TargetCounts;
use crate::error::Error;
use crate::estimate::targets::{Assessment, assess};
use crate::scenario::Scenario;
use crate::scenario::targets::{Quantity, Targets};
use crate::simulate::engine::{self, Observer, RunSpec};

/// What [`evaluate`] returns.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// One per target, in file order.
    pub assessed: Vec<Assessment>,
    /// Threads used.
    pub threads: usize,
    /// Paths cut short by the step guard.
    pub stalled_paths: u64,
}

/// Simulates `spec`'s cohort of `scenario` under the policies the targets
/// name (the others would not change their paths) and assesses every
/// target.
///
/// # Errors
/// As [`engine::run`].
pub fn evaluate(
    scenario: &Scenario,
    targets: &Targets,
    spec: &RunSpec,
    observer: &dyn Observer,
) -> Result<Evaluated, Error> {
    let spec = RunSpec {
        only: used_policies(scenario, targets),
        ..spec.clone()
    };
    let ran = engine::run(
        scenario,
        &spec,
        || TargetCounts::new(scenario, &targets.targets),
        observer,
    )?;
    let assessed = targets
        .targets
        .iter()
        .zip(&ran.sink.tallies)
        .map(|(t, c)| assess(t, c))
        .collect();
    Ok(Evaluated {
        assessed,
        threads: ran.threads,
        stalled_paths: ran.stalled_paths,
    })
}

/// Per policy of `scenario`, whether a target names it (as its policy, or
/// as the policy a QALY gain is over).
pub fn used_policies(scenario: &Scenario, targets: &Targets) -> Vec<bool> {
    (0..scenario.policies().len())
        .map(|p| {
            targets
                .targets
                .iter()
                .any(|t| t.policy == p || matches!(t.quantity, Quantity::Qalys { versus: Some(v) } if v == p))
        })
        .collect()
}
