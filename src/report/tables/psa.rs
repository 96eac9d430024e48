//! The tables of a probabilistic sensitivity analysis (`foramen psa`).

use polars::prelude::*;

use super::{ColumnKind, Schema, Table, TextTable};
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

/// Reads what the charts of a probabilistic analysis draw from its
/// directory `dir`: psa_curves.csv, psa_parameters.csv (the draws) and,
/// when ceac.csv is there (an analysis with economics), ceac.csv,
/// evpi.csv, psa_cost.csv, psa_effect.csv, importance.csv and evppi.csv
/// (when there). `policies` are the scenario's, in order; `economics`
/// its currency and willingness-to-pay values; `labels` what the charts
/// call things.
///
/// # Errors
/// [`Error::Read`] for a missing table, [`Error::Syntax`] for one that is
/// not CSV, [`Error::Invalid`] naming the file, column, line and value of
/// a cell that is not what `foramen psa` writes.
pub fn read_psa_charts(
    dir: &std::path::Path,
    policies: &[String],
    economics: Option<(&str, &[f64])>,
    labels: crate::report::plot::ChartLabels,
) -> Result<crate::report::plot::PsaCharts, Error> {
    use crate::estimate::summary::Curve;
    use crate::report::plot::{PsaCharts, PsaEconomicsCharts};
    const OF: &str = "the scenario's policies";
    let curves = TextTable::read(dir, &PSA_CURVES)?;
    let policy = curves.text("policy")?;
    let [day, mean, lo, hi] = ["day", "mean", "lo", "hi"].map(|c| curves.numbers(c));
    let (day, mean, lo, hi) = (day?, mean?, lo?, hi?);
    let mut recovery = vec![Curve::default(); policies.len()];
    for i in 0..policy.len() {
        let p = curves.index_in("policy", policies, i, &policy[i], OF)?;
        let c = &mut recovery[p];
        c.day.push(day[i]);
        c.value.push(mean[i]);
        c.lo.push(lo[i]);
        c.hi.push(hi[i]);
    }
    let draws = TextTable::read(dir, &PSA_PARAMETERS)?.counts("draw")?.len();
    let mut charts = PsaCharts {
        policies: policies.to_vec(),
        draws,
        recovery,
        economics: None,
        evppi: Vec::new(),
        labels,
    };
    let (Some((currency, scenario_wtp)), true) = (economics, dir.join(CEAC.file).exists()) else {
        return Ok(charts);
    };
    let k = policies.len();
    let ceac = TextTable::read(dir, &CEAC)?;
    let (wtp_rows, policy) = (ceac.numbers("willingness_to_pay")?, ceac.text("policy")?);
    let (probability_rows, optimal_rows) = (ceac.numbers("probability")?, ceac.text("optimal")?);
    let mut wtp: Vec<f64> = Vec::new();
    let mut probability: Vec<Vec<f64>> = Vec::new();
    let mut optimal: Vec<usize> = Vec::new();
    for i in 0..policy.len() {
        let p = ceac.index_in("policy", policies, i, &policy[i], OF)?;
        if wtp.last() != Some(&wtp_rows[i]) || probability.last().is_none_or(|row| row.len() == k) {
            wtp.push(wtp_rows[i]);
            probability.push(Vec::with_capacity(k));
            optimal.push(0);
        }
        let row = probability.last_mut().expect("pushed");
        if row.len() != p {
            return Err(ceac.invalid(
                "policy",
                i,
                &policy[i],
                "out of order: each value's rows hold every policy in the scenario's order",
            ));
        }
        row.push(probability_rows[i]);
        match optimal_rows[i].as_str() {
            "true" => *optimal.last_mut().expect("pushed") = p,
            "false" => {}
            other => return Err(ceac.invalid("optimal", i, other, "true or false")),
        }
    }
    let evpi = TextTable::read(dir, &EVPI)?.numbers("evpi_per_patient")?;
    if evpi.len() != wtp.len() {
        return Err(Error::Invalid {
            file: dir.join(EVPI.file).display().to_string(),
            problems: vec![crate::error::Invalid::new(
                "rows",
                evpi.len(),
                format!(
                    "one per willingness to pay of ceac.csv ({}): the tables are not of one analysis",
                    wtp.len()
                ),
            )],
        });
    }
    let by_draw = |schema: &'static Schema| -> Result<Vec<Vec<f64>>, Error> {
        let table = TextTable::read(dir, schema)?;
        let columns = policies
            .iter()
            .map(|p| table.parsed::<f64>(p, "not a number"))
            .collect::<Result<Vec<Vec<f64>>, Error>>()?;
        Ok((0..table.df.height())
            .map(|d| columns.iter().map(|c| c[d]).collect())
            .collect())
    };
    let (cost, effect) = (by_draw(&PSA_COST)?, by_draw(&PSA_EFFECT)?);
    let importance = TextTable::read(dir, &IMPORTANCE)?;
    let (parameter, policy, reference) = (
        importance.text("parameter")?,
        importance.text("policy")?,
        importance.text("reference")?,
    );
    let (at, prcc) = (importance.numbers("willingness_to_pay")?, importance.numbers("prcc")?);
    let mut parameters: Vec<String> = Vec::new();
    let mut values: Vec<Vec<Option<f64>>> = Vec::new();
    let mut reference_index = 0;
    for i in 0..parameter.len() {
        if parameters.last() != Some(&parameter[i]) {
            parameters.push(parameter[i].clone());
            values.push(vec![None; k]);
        }
        let p = importance.index_in("policy", policies, i, &policy[i], OF)?;
        reference_index = importance.index_in("reference", policies, i, &reference[i], OF)?;
        values.last_mut().expect("pushed")[p] = Some(prcc[i]);
    }
    charts.economics = Some(PsaEconomicsCharts {
        currency: currency.to_string(),
        reference: reference_index,
        wtp,
        probability,
        optimal,
        evpi,
        scenario_wtp: scenario_wtp.to_vec(),
        cost,
        effect,
        importance_wtp: at.first().copied().unwrap_or(f64::NAN),
        parameters,
        importance: values,
    });
    if dir.join(super::evppi::EVPPI.file).exists() {
        charts.evppi = super::evppi::read_evppi(dir)?;
    }
    Ok(charts)
}
