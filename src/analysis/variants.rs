//! Structural variants side by side (`foramen variants`): the scenario as
//! written (the base) and each of its `[[variants]]`, all with the same
//! seed and cohort size, so that every variant simulates the same synthetic
//! patients wherever it does not change the cohort (common random numbers
//! across runs as well as across policies), and the decision under each.
//!
//! The decision at a willingness to pay `λ` is the policy with the highest
//! mean net monetary benefit `λ E - C`; its margin is the paired
//! difference from the runner-up ([`cea::decision`]). Over a range of
//! `λ` the best policy follows the cost-effectiveness frontier: the
//! cheapest frontier policy up to the first ICER, then each next one from
//! its ICER on ([`best_segments`]). Every interval is Monte Carlo error of
//! one run, not uncertainty in the inputs.

use crate::analysis::{self, Settings};
use crate::error::Error;
use crate::estimate::RunResults;
use crate::estimate::cea::{self, Status};
use crate::scenario::Scenario;
use crate::scenario::document::{Document, Overrides};
use crate::stats::Estimate;

/// The name of the scenario as written in the tables.
pub const BASE: &str = "base";

/// A scenario to run: the base or a variant, with its words.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub label: String,
    /// The variant's source or rationale (empty for the base).
    pub why: String,
    pub scenario: Scenario,
}

/// The base (validated with `overrides`, as `base`) and every variant of
/// `doc`, validated, all before any is run.
///
/// # Errors
/// [`Error::Usage`] when the scenario declares no variants or no
/// `[economics]` with willingness-to-pay values (in the base or a
/// variant); a variant's problems ([`Error::Invalid`]).
pub fn cases(doc: &Document, base: Scenario, overrides: &Overrides) -> Result<Vec<Case>, Error> {
    let variants = doc.variants(overrides)?;
    if variants.is_empty() {
        return Err(Error::Usage(format!(
            "{} declares no [[variants]]: give each alternative assumption a name, a label, a source or rationale and its edits (docs/scenario.md, Structural variants)",
            doc.file()
        )));
    }
    let mut cases = vec![Case {
        name: BASE.to_string(),
        label: "As written".to_string(),
        why: String::new(),
        scenario: base,
    }];
    cases.extend(variants.into_iter().map(|(v, scenario)| Case {
        name: v.name,
        label: v.label,
        why: v.why,
        scenario,
    }));
    for case in &cases {
        if case
            .scenario
            .economics()
            .is_none_or(|e| e.willingness_to_pay.is_empty())
        {
            let which = if case.name == BASE {
                "the scenario".to_string()
            } else {
                format!("variant {}", case.name)
            };
            return Err(Error::Usage(format!(
                "{which} has no [economics] with economics.willingness_to_pay values: variants compare the decision (the policy with the highest net monetary benefit) at each willingness to pay"
            )));
        }
    }
    Ok(cases)
}

/// The decision at one willingness to pay under one case.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub willingness_to_pay: f64,
    /// The policy with the highest mean net monetary benefit.
    pub best: String,
    /// The next best (`None` with one policy).
    pub runner_up: Option<String>,
    /// NMB(best) - NMB(runner-up), paired interval (Monte Carlo 95%).
    pub incremental: Estimate,
    /// Whether the base's best policy at this willingness to pay differs.
    pub changed: bool,
}

/// One case's run.
#[derive(Debug, Clone)]
pub struct CaseRun {
    pub name: String,
    pub label: String,
    pub why: String,
    pub results: RunResults,
    /// At each of the base's willingness-to-pay values.
    pub decisions: Vec<Decision>,
    /// Paths the step guard cut short.
    pub stalled_paths: u64,
}

impl CaseRun {
    /// The last step of the cost-effectiveness frontier: the most costly
    /// frontier policy and its ICER row (`None` when the frontier is one
    /// policy).
    pub fn last_step(&self) -> Option<&cea::CeaRow> {
        let cea = self.results.cea.as_ref()?;
        cea.rows
            .iter()
            .rfind(|r| r.status == Status::Frontier)
            .filter(|r| r.compared_with.is_some())
    }
}

/// Runs every case with the same settings (the same seed and patients),
/// and decides at each of `willingness_to_pay` (the base's values).
///
/// # Errors
/// A run failure.
pub fn run(cases: &[Case], settings: &Settings, willingness_to_pay: &[f64]) -> Result<Vec<CaseRun>, Error> {
    let mut runs: Vec<CaseRun> = Vec::with_capacity(cases.len());
    for case in cases {
        let spec = settings.spec(&case.scenario)?;
        let (output, results) = analysis::run(&case.scenario, &spec)?;
        let names: Vec<&str> = case.scenario.policies().iter().map(|p| p.name.as_str()).collect();
        let decisions = willingness_to_pay
            .iter()
            .enumerate()
            .filter_map(|(k, &wtp)| {
                let d = cea::decision(&output.accs, wtp)?;
                let best = names[d.best].to_string();
                let changed = runs.first().is_some_and(|base| base.decisions[k].best != best);
                Some(Decision {
                    willingness_to_pay: wtp,
                    best,
                    runner_up: d.runner_up.map(|r| names[r].to_string()),
                    incremental: d.incremental,
                    changed,
                })
            })
            .collect();
        runs.push(CaseRun {
            name: case.name.clone(),
            label: case.label.clone(),
            why: case.why.clone(),
            results,
            decisions,
            stalled_paths: output.stalled_paths,
        });
    }
    Ok(runs)
}

/// The best policy over willingness to pay from 0 to `max`: segments
/// `(from, to, policy)` along the frontier (each frontier policy from its
/// ICER against the previous one), from the means of one run.
pub fn best_segments(results: &RunResults, max: f64) -> Vec<(f64, f64, String)> {
    let Some(cea) = &results.cea else {
        return Vec::new();
    };
    let frontier: Vec<(String, f64)> = cea
        .rows
        .iter()
        .filter(|r| r.status == Status::Frontier)
        .map(|r| (r.policy.clone(), r.icer))
        .collect();
    frontier_segments(&frontier, max)
}

/// As [`best_segments`], from the frontier alone: its policies in order
/// of cost, each with its ICER against the previous one (the first's is
/// not read).
pub fn frontier_segments(frontier: &[(String, f64)], max: f64) -> Vec<(f64, f64, String)> {
    let mut out = Vec::new();
    for (k, (policy, icer)) in frontier.iter().enumerate() {
        let from = if k == 0 { 0.0 } else { icer.max(0.0) };
        let to = frontier.get(k + 1).map_or(max, |next| next.1.min(max));
        if from < to && from < max {
            out.push((from, to, policy.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The five-policy example of docs/economics.md: the frontier A, C, E
    /// with ICERs 20,000 and 30,000 gives A below 20,000, C to 30,000, E
    /// beyond.
    #[test]
    fn best_segments_follow_the_frontier() {
        let (fates, order) = cea::incremental(&cea::FIVE_POLICY_EXAMPLE);
        let names = ["A", "B", "C", "D", "E"];
        let rows = order
            .iter()
            .map(|&p| {
                let (status, with) = fates[p];
                let (c, e) = cea::FIVE_POLICY_EXAMPLE[p];
                let icer = with.filter(|_| status == Status::Frontier).map_or(f64::NAN, |a| {
                    let (ca, ea) = cea::FIVE_POLICY_EXAMPLE[a];
                    (c - ca) / (e - ea)
                });
                cea::CeaRow {
                    policy: names[p].to_string(),
                    cost: Estimate::NAN,
                    qalys: Estimate::NAN,
                    status,
                    compared_with: with.map(|a| names[a].to_string()),
                    incremental_cost: Estimate::NAN,
                    incremental_qalys: Estimate::NAN,
                    icer,
                    icer_lo: f64::NAN,
                    icer_hi: f64::NAN,
                }
            })
            .collect();
        let results = RunResults {
            scenario: "x".into(),
            horizon_days: 1.0,
            subgroup_by: Vec::new(),
            policies: Vec::new(),
            reference: 0,
            comparisons: Vec::new(),
            cea: Some(cea::Cea {
                currency: "USD".into(),
                rows,
                nmb: Vec::new(),
            }),
            shown: [false; crate::outcome::N],
        };
        let segments = best_segments(&results, 50_000.0);
        let at = |s: &[(f64, f64, String)]| {
            s.iter()
                .map(|(a, b, p)| (a.round() as i64, b.round() as i64, p.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            at(&segments),
            [
                (0, 20_000, "A".to_string()),
                (20_000, 30_000, "C".to_string()),
                (30_000, 50_000, "E".to_string())
            ]
        );
        assert_eq!(at(&best_segments(&results, 25_000.0)).len(), 2);
    }
}
