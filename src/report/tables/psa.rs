//! The tables of a probabilistic sensitivity analysis (`foramen psa`).

use polars::prelude::*;

use super::{ColumnKind, Schema, Table};
use crate::analysis::psa::PsaResults;
use crate::error::Error;
use crate::outcome::{Id, OutcomeDef};

use ColumnKind::{Count, Flag, Number, OptionalNumber, Text};

/// psa.csv: one row per draw and policy; every parameter (by key path)
/// and every reported outcome follow `policy`.
pub const PSA: Schema = Schema {
    file: "psa.csv",
    columns: &[("draw", Count), ("policy", Text)],
};
/// psa_parameters.csv: one row per draw; every parameter follows `draw`.
pub const PSA_PARAMETERS: Schema = Schema {
    file: "psa_parameters.csv",
    columns: &[("draw", Count)],
};
/// psa_cost.csv: one row per draw; each policy's mean cost follows `draw`.
pub const PSA_COST: Schema = Schema {
    file: "psa_cost.csv",
    columns: &[("draw", Count)],
};
/// psa_effect.csv: one row per draw; each policy's mean QALYs follow `draw`.
pub const PSA_EFFECT: Schema = Schema {
    file: "psa_effect.csv",
    columns: &[("draw", Count)],
};
/// psa_noise.csv: per policy and outcome, the share of the spread that is
/// inner-loop noise.
pub const PSA_NOISE: Schema = Schema {
    file: "psa_noise.csv",
    columns: &[
        ("policy", Text),
        ("outcome", Text),
        ("between_draw_variance", Number),
        ("within_draw_variance", Number),
        ("noise_share", Number),
        ("patients_for_5_percent", OptionalNumber),
    ],
};
/// psa_curves.csv: recovery curves with the band of 95% of draws.
pub const PSA_CURVES: Schema = Schema {
    file: "psa_curves.csv",
    columns: &[
        ("policy", Text),
        ("day", Number),
        ("mean", Number),
        ("lo", Number),
        ("hi", Number),
    ],
};
/// ceac.csv: per willingness to pay and policy.
pub const CEAC: Schema = Schema {
    file: "ceac.csv",
    columns: &[
        ("willingness_to_pay", Number),
        ("policy", Text),
        ("probability", Number),
        ("expected_nmb", Number),
        ("optimal", Flag),
    ],
};
/// evpi.csv: per willingness to pay.
pub const EVPI: Schema = Schema {
    file: "evpi.csv",
    columns: &[
        ("willingness_to_pay", Number),
        ("evpi_per_patient", Number),
        ("evpi_population", OptionalNumber),
    ],
};
/// importance.csv: per parameter and policy against the reference.
pub const IMPORTANCE: Schema = Schema {
    file: "importance.csv",
    columns: &[
        ("parameter", Text),
        ("policy", Text),
        ("reference", Text),
        ("willingness_to_pay", Number),
        ("prcc", Number),
    ],
};

/// The tables of a probabilistic analysis, with their schemas:
///
/// - `psa.csv`: one row per draw and policy: `draw, policy`, every
///   parameter's value (columns named by key path), every reported outcome;
/// - `psa_parameters.csv`, `psa_cost.csv`, `psa_effect.csv`: one row per
///   draw, the parameters and each policy's cost and QALYs as columns (the
///   layout of dampack's `make_psa_obj` and of BCEA's `c` and `e`);
/// - `psa_noise.csv`: per policy and outcome, the between-draw variance,
///   the mean within-draw squared standard error, their ratio and the
///   patients per draw that bring it under 5%;
/// - with economics, `ceac.csv` (willingness to pay, policy, probability
///   cost-effective, expected net benefit, optimal: the frontier),
///   `evpi.csv` (per patient and for the population) and `importance.csv`
///   (partial rank correlations).
///
/// # Errors
/// [`Error::Output`] when a frame cannot be built.
pub fn psa_frames(r: &PsaResults) -> Result<Vec<(&'static Schema, DataFrame)>, Error> {
    let shown: &[&OutcomeDef] = &r.outcomes;
    let mut frames = Vec::new();
    // Long: one row per draw and policy.
    let rows: Vec<(&crate::analysis::psa::Draw, usize)> = r
        .draws
        .iter()
        .flat_map(|d| (0..r.policies.len()).map(move |p| (d, p)))
        .collect();
    let mut t = Table::default();
    t.integers("draw", rows.iter().map(|(d, _)| d.draw).collect());
    t.strings("policy", rows.iter().map(|&(_, p)| r.policies[p].clone()).collect());
    for (j, name) in r.parameters.iter().enumerate() {
        t.floats(name, rows.iter().map(|(d, _)| d.parameters[j]).collect());
    }
    for def in shown {
        t.floats(
            def.name,
            rows.iter()
                .map(|&(d, p)| d.policies[p][def.id as usize].value)
                .collect(),
        );
    }
    frames.push((&PSA, t.finish(&PSA)?));
    // Wide: one row per draw.
    let mut t = Table::default();
    t.integers("draw", r.draws.iter().map(|d| d.draw).collect());
    for (j, name) in r.parameters.iter().enumerate() {
        t.floats(name, r.draws.iter().map(|d| d.parameters[j]).collect());
    }
    frames.push((&PSA_PARAMETERS, t.finish(&PSA_PARAMETERS)?));
    if r.economics.is_some() {
        for (schema, id) in [(&PSA_COST, Id::Cost), (&PSA_EFFECT, Id::Qalys)] {
            let mut t = Table::default();
            t.integers("draw", r.draws.iter().map(|d| d.draw).collect());
            for (p, name) in r.policies.iter().enumerate() {
                t.floats(name, r.draws.iter().map(|d| d.policies[p][id as usize].value).collect());
            }
            frames.push((schema, t.finish(schema)?));
        }
    }
    let mut t = Table::default();
    t.strings(
        "policy",
        r.noise.iter().map(|(p, _, _)| r.policies[*p].clone()).collect(),
    );
    t.strings("outcome", r.noise.iter().map(|(_, d, _)| d.name.to_string()).collect());
    t.floats(
        "between_draw_variance",
        r.noise.iter().map(|(_, _, n)| n.between).collect(),
    );
    t.floats(
        "within_draw_variance",
        r.noise.iter().map(|(_, _, n)| n.within).collect(),
    );
    t.floats("noise_share", r.noise.iter().map(|(_, _, n)| n.share).collect());
    t.optional_floats(
        "patients_for_5_percent",
        r.noise
            .iter()
            .map(|(_, _, n)| n.patients_for_5_percent.is_finite().then_some(n.patients_for_5_percent))
            .collect(),
    );
    frames.push((&PSA_NOISE, t.finish(&PSA_NOISE)?));
    let mut t = Table::default();
    let rows: Vec<(usize, usize)> = (0..r.policies.len())
        .flat_map(|p| (0..r.recovery_bands[p].mean.len()).map(move |i| (p, i)))
        .collect();
    t.strings("policy", rows.iter().map(|&(p, _)| r.policies[p].clone()).collect());
    t.floats("day", rows.iter().map(|&(_, i)| r.days[i]).collect());
    t.floats("mean", rows.iter().map(|&(p, i)| r.recovery_bands[p].mean[i]).collect());
    t.floats("lo", rows.iter().map(|&(p, i)| r.recovery_bands[p].lo[i]).collect());
    t.floats("hi", rows.iter().map(|&(p, i)| r.recovery_bands[p].hi[i]).collect());
    frames.push((&PSA_CURVES, t.finish(&PSA_CURVES)?));
    if let Some(e) = &r.economics {
        let k = r.policies.len();
        let mut t = Table::default();
        t.floats(
            "willingness_to_pay",
            e.grid.iter().flat_map(|a| std::iter::repeat_n(a.wtp, k)).collect(),
        );
        t.strings(
            "policy",
            e.grid.iter().flat_map(|_| r.policies.iter().cloned()).collect(),
        );
        t.floats(
            "probability",
            e.grid.iter().flat_map(|a| a.probability.iter().copied()).collect(),
        );
        t.floats(
            "expected_nmb",
            e.grid.iter().flat_map(|a| a.expected.iter().copied()).collect(),
        );
        t.flags(
            "optimal",
            e.grid
                .iter()
                .flat_map(|a| (0..k).map(move |p| p == a.optimal))
                .collect(),
        );
        frames.push((&CEAC, t.finish(&CEAC)?));
        let mut t = Table::default();
        t.floats("willingness_to_pay", e.grid.iter().map(|a| a.wtp).collect());
        t.floats("evpi_per_patient", e.grid.iter().map(|a| a.evpi).collect());
        t.optional_floats(
            "evpi_population",
            e.grid.iter().map(|a| e.population.map(|n| a.evpi * n)).collect(),
        );
        frames.push((&EVPI, t.finish(&EVPI)?));
        let rows: Vec<(usize, usize)> = (0..r.parameters.len())
            .flat_map(|j| (0..k).filter(|&p| p != e.reference).map(move |p| (j, p)))
            .collect();
        let mut t = Table::default();
        t.strings(
            "parameter",
            rows.iter().map(|&(j, _)| r.parameters[j].clone()).collect(),
        );
        t.strings("policy", rows.iter().map(|&(_, p)| r.policies[p].clone()).collect());
        t.strings(
            "reference",
            rows.iter().map(|_| r.policies[e.reference].clone()).collect(),
        );
        t.floats("willingness_to_pay", rows.iter().map(|_| e.importance_wtp).collect());
        t.floats(
            "prcc",
            rows.iter()
                .map(|&(j, p)| e.importance[j][p].unwrap_or(f64::NAN))
                .collect(),
        );
        frames.push((&IMPORTANCE, t.finish(&IMPORTANCE)?));
    }
    Ok(frames)
}
