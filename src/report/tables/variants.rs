//! The tables of `foramen variants`: each case's incremental analysis and
//! its decision at each willingness to pay.

use polars::prelude::*;

use super::{ColumnKind, Schema, Table, TextTable};
use crate::analysis::variants::CaseRun;
use crate::error::Error;
use crate::outcome::Id;
use crate::stats::Estimate;

use ColumnKind::{Count, Estimate as Interval, Flag, Number, OptionalNumber, Text};

/// variants.csv: one row per case (the base, then each variant) and
/// policy, policies in order of cost; `policy_index` is the policy's place
/// in its case's scenario (0 first).
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
        ("policy_index", Count),
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
    let index = |run: &CaseRun, policy: &str| {
        run.results
            .policies
            .iter()
            .position(|p| p.name == policy)
            .unwrap_or(usize::MAX) as u64
    };
    t.integers("policy_index", rows.iter().map(|r| index(r.0, &r.2.policy)).collect());
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

/// The cases of `foramen variants` read back from variants.csv and
/// decision.csv in `dir`, as the decision chart draws them: in the order
/// of decision.csv (the base, then each variant), each with its label,
/// policies in its scenario's order, frontier and decisions.
///
/// # Errors
/// As [`TextTable::read`]; [`Error::Invalid`] naming a cell that is not
/// what `foramen variants` writes.
pub fn read_decision_cases(dir: &std::path::Path) -> Result<Vec<crate::report::plot::DecisionCase>, Error> {
    use crate::analysis::variants::Decision;
    use crate::report::plot::DecisionCase;
    let table = TextTable::read(dir, &DECISION)?;
    let (variant, wtp, best, runner_up) = (
        table.text("variant")?,
        table.numbers("willingness_to_pay")?,
        table.text("best")?,
        table.text_or_empty("runner_up")?,
    );
    let [value, lo, hi, se] =
        ["", "_lo", "_hi", "_se"].map(|end| table.parsed::<f64>(&format!("incremental_nmb{end}"), "not a number"));
    let (value, lo, hi, se) = (value?, lo?, hi?, se?);
    let changed = table.text("changed")?;
    let mut cases: Vec<DecisionCase> = Vec::new();
    for i in 0..variant.len() {
        let changed = match changed[i].as_str() {
            "true" => true,
            "false" => false,
            other => return Err(table.invalid("changed", i, other, "true or false")),
        };
        if cases.last().is_none_or(|c| c.name != variant[i]) {
            cases.push(DecisionCase {
                name: variant[i].clone(),
                label: variant[i].clone(),
                policies: Vec::new(),
                frontier: Vec::new(),
                decisions: Vec::new(),
            });
        }
        if let Some(case) = cases.last_mut() {
            case.decisions.push(Decision {
                willingness_to_pay: wtp[i],
                best: best[i].clone(),
                runner_up: (!runner_up[i].is_empty()).then(|| runner_up[i].clone()),
                incremental: Estimate {
                    value: value[i],
                    lo: lo[i],
                    hi: hi[i],
                    se: se[i],
                },
                changed,
            });
        }
    }
    let table = TextTable::read(dir, &VARIANTS)?;
    let (variant, label, policy, status) = (
        table.text("variant")?,
        table.text("label")?,
        table.text("policy")?,
        table.text("status")?,
    );
    let (icer, index) = (table.optional_numbers("icer")?, table.counts("policy_index")?);
    let frontier = crate::estimate::cea::Status::Frontier.name();
    for case in &mut cases {
        let rows: Vec<usize> = (0..variant.len()).filter(|&i| variant[i] == case.name).collect();
        if let Some(&first) = rows.first() {
            case.label = label[first].clone();
        }
        let mut placed: Vec<(u64, String)> = rows.iter().map(|&i| (index[i], policy[i].clone())).collect();
        placed.sort();
        case.policies = placed.into_iter().map(|(_, p)| p).collect();
        case.frontier = rows
            .iter()
            .filter(|&&i| status[i] == frontier)
            .map(|&i| (policy[i].clone(), icer[i].unwrap_or(f64::NAN)))
            .collect();
    }
    Ok(cases)
}
