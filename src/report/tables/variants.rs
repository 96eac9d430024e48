//! The tables of `foramen variants`: each case's incremental analysis and
//! its decision at each willingness to pay.

use polars::prelude::*;

use super::{ColumnKind, Schema, Table};
use crate::analysis::variants::CaseRun;
use crate::error::Error;
use crate::outcome::Id;
use crate::stats::Estimate;

use ColumnKind::{Estimate as Interval, Flag, Number, OptionalNumber, Text};

/// variants.csv: one row per case (the base, then each variant) and
/// policy, policies in order of cost.
pub const VARIANTS: Schema = Schema {
    file: "variants.csv",
    columns: &[
        ("variant", Text),
        ("label", Text),
        ("policy", Text),
        ("currency", Text),
        ("cost", Interval),
        ("qalys", Interval),
        ("status", Text),
        ("compared_with", Text),
        ("icer", OptionalNumber),
        ("icer_lo", OptionalNumber),
        ("icer_hi", OptionalNumber),
        ("reference", Text),
        ("cost_vs_reference", Interval),
        ("qalys_vs_reference", Interval),
        ("source", Text),
    ],
};

/// decision.csv: one row per case and willingness to pay.
pub const DECISION: Schema = Schema {
    file: "decision.csv",
    columns: &[
        ("variant", Text),
        ("willingness_to_pay", Number),
        ("best", Text),
        ("runner_up", Text),
        ("incremental_nmb", Interval),
        ("changed", Flag),
    ],
};

/// `variants.csv`: per case and policy (in order of cost), mean discounted
/// cost and QALYs, the incremental analysis (status, the policy compared
/// with, the ICER with Fieller's interval on the frontier) and the paired
/// differences in cost and QALYs from the reference policy (0 for the
/// reference itself); every interval Monte Carlo 95%.
pub fn variants_frame(runs: &[CaseRun]) -> Result<DataFrame, Error> {
    let finite = |v: f64| v.is_finite().then_some(v);
    let zero = Estimate {
        value: 0.0,
        lo: 0.0,
        hi: 0.0,
        se: 0.0,
    };
    let mut t = Table::default();
    let mut rows = Vec::new();
    for run in runs {
        let Some(cea) = &run.results.cea else { continue };
        let reference = &run.results.policies[run.results.reference].name;
        for r in &cea.rows {
            let paired = |id: Id| {
                run.results
                    .comparisons
                    .iter()
                    .find(|c| c.policy == r.policy)
                    .and_then(|c| {
                        c.differences
                            .iter()
                            .find(|d| d.outcome == crate::outcome::OUTCOMES[id as usize].name)
                    })
                    .map_or(if &r.policy == reference { zero } else { Estimate::NAN }, |d| d.paired)
            };
            rows.push((run, &cea.currency, r, reference, paired(Id::Cost), paired(Id::Qalys)));
        }
    }
    t.strings("variant", rows.iter().map(|r| r.0.name.clone()).collect());
    t.strings("label", rows.iter().map(|r| r.0.label.clone()).collect());
    t.strings("policy", rows.iter().map(|r| r.2.policy.clone()).collect());
    t.strings("currency", rows.iter().map(|r| r.1.clone()).collect());
    t.estimate("cost", rows.iter().map(|r| r.2.cost));
    t.estimate("qalys", rows.iter().map(|r| r.2.qalys));
    t.strings("status", rows.iter().map(|r| r.2.status.name().to_string()).collect());
    t.strings(
        "compared_with",
        rows.iter()
            .map(|r| r.2.compared_with.clone().unwrap_or_default())
            .collect(),
    );
    t.optional_floats("icer", rows.iter().map(|r| finite(r.2.icer)).collect());
    t.optional_floats("icer_lo", rows.iter().map(|r| finite(r.2.icer_lo)).collect());
    t.optional_floats("icer_hi", rows.iter().map(|r| finite(r.2.icer_hi)).collect());
    t.strings("reference", rows.iter().map(|r| r.3.clone()).collect());
    t.estimate("cost_vs_reference", rows.iter().map(|r| r.4));
    t.estimate("qalys_vs_reference", rows.iter().map(|r| r.5));
    t.strings("source", rows.iter().map(|r| r.0.why.clone()).collect());
    t.finish(&VARIANTS)
}

/// `decision.csv`: per case and willingness to pay, the policy with the
/// highest mean net monetary benefit, the runner-up, the best's net
/// monetary benefit minus the runner-up's with its paired interval (Monte
/// Carlo 95%), and whether the base decides otherwise there.
pub fn decision_frame(runs: &[CaseRun]) -> Result<DataFrame, Error> {
    let rows: Vec<(&str, &crate::analysis::variants::Decision)> = runs
        .iter()
        .flat_map(|r| r.decisions.iter().map(move |d| (r.name.as_str(), d)))
        .collect();
    let mut t = Table::default();
    t.strings("variant", rows.iter().map(|r| r.0.to_string()).collect());
    t.floats(
        "willingness_to_pay",
        rows.iter().map(|r| r.1.willingness_to_pay).collect(),
    );
    t.strings("best", rows.iter().map(|r| r.1.best.clone()).collect());
    t.strings(
        "runner_up",
        rows.iter().map(|r| r.1.runner_up.clone().unwrap_or_default()).collect(),
    );
    t.estimate("incremental_nmb", rows.iter().map(|r| r.1.incremental));
    t.flags("changed", rows.iter().map(|r| r.1.changed).collect());
    t.finish(&DECISION)
}
