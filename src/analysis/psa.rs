//! Probabilistic sensitivity analysis: two-level Monte Carlo.
//!
//! The outer loop draws every distribution of belief of the scenario
//! (`scenario::belief`); draw `d`'s values come from streams keyed by
//! `(seed, d, the parameter's path)`, so any draw can be re-run alone and
//! adding a parameter does not move the others. The inner loop simulates a
//! cohort of its own (seed `rng::draw_seed(seed, d)`) under every policy
//! with common random numbers, and keeps each policy's estimates. Draws run
//! in parallel, each cohort on one thread, and are returned in draw order:
//! the same bytes on any thread count.

use crate::analysis;
use crate::error::Error;
use crate::estimate::psa::{AtWtp, Matrix, Noise, at_wtp, net_benefit, noise, prcc};
use crate::outcome::{Id, N, OUTCOMES, OutcomeDef};
use crate::rng::{Purpose, draw_seed, name_key, stream};
use crate::scenario::Scenario;
use crate::scenario::document::{Document, Overrides};
use crate::simulate::engine::{Observer, RunSpec};
use crate::stats::Estimate;

/// The most draws a probabilistic analysis accepts.
pub const MAX_DRAWS: u64 = 1_000_000;

/// One draw of the outer loop.
#[derive(Debug, Clone)]
pub struct Draw {
    pub draw: u64,
    /// The value of each distribution of belief, in document order.
    pub parameters: Vec<f64>,
    /// Per policy (scenario order), every outcome's estimate from the
    /// draw's cohort.
    pub policies: Vec<[Estimate; N]>,
    /// Per policy, the cumulative share recovered on the day grid.
    pub recovered: Vec<Vec<f64>>,
    /// Paths the step guard cut short.
    pub stalled_paths: u64,
}

/// The values of every distribution of belief of `doc` in draw `draw`:
/// each from its own stream, keyed by its path, or, in a joint belief,
/// with the other members from the joint belief's stream, keyed by its
/// name ([`crate::scenario::joint`]).
pub fn parameters(doc: &Document, seed: u64, draw: u64) -> Vec<f64> {
    let joint = doc.joint_beliefs();
    let mut values: Vec<f64> = doc
        .beliefs()
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if joint.iter().any(|j| j.members.contains(&i)) {
                return f64::NAN;
            }
            let mut rng = stream(seed, draw, Purpose::Parameter { key: name_key(&b.path) });
            b.prior.sample(&mut rng)
        })
        .collect();
    for j in joint {
        let key = name_key(&crate::scenario::joint::stream_name(&j.name));
        let mut rng = stream(seed, draw, Purpose::Parameter { key });
        for (&m, v) in j.members.iter().zip(j.draw(doc.beliefs(), &mut rng)) {
            values[m] = v;
        }
    }
    values
}

/// Runs draws `draws` (a range of draw indices) with `patients` per policy
/// in each inner cohort, on `threads` threads (0: one per core), telling
/// `observer` of each draw's patient-paths and stopping when it asks.
/// Draw `d`'s parameters are row `d` of `posterior` when given (a
/// calibration's posterior sample, every distribution of belief in
/// document order), else drawn from the distributions of belief.
///
/// # Errors
/// [`Error::Usage`] when the scenario declares no distribution of belief;
/// a draw whose values break a rule ([`Error::Invalid`], naming the draw);
/// run failures.
pub fn run(
    doc: &Document,
    overrides: &Overrides,
    draws: std::ops::Range<u64>,
    patients: u64,
    threads: usize,
    posterior: Option<&[Vec<f64>]>,
    observer: &dyn Observer,
) -> Result<Vec<Draw>, Error> {
    if doc.beliefs().is_empty() {
        return Err(Error::Usage(format!(
            "{} declares no distribution of belief: write an uncertain number as e.g. probability = {{ beta_mean = 0.6, sd = 0.1 }} (see docs/economics.md)",
            doc.file()
        )));
    }
    let base = doc.scenario(overrides)?;
    let seed = base.simulation().seed;
    let one = |draw: u64| -> Result<Draw, Error> {
        if observer.cancelled() {
            return Err(Error::Interrupted);
        }
        let values = match posterior {
            Some(rows) => rows[draw as usize % rows.len()].clone(),
            None => parameters(doc, seed, draw),
        };
        let inner = Overrides {
            patients: Some(patients),
            seed: Some(draw_seed(seed, draw)),
            ..overrides.clone()
        };
        let scenario = doc
            .with_beliefs(&values, &format!("PSA draw {draw}"))?
            .scenario(&inner)?;
        let spec = RunSpec {
            threads: 1,
            ..RunSpec::new(patients, scenario.simulation().seed)
        };
        let (output, results) = analysis::run(&scenario, &spec)?;
        observer.done(patients * scenario.policies().len() as u64);
        Ok(Draw {
            draw,
            parameters: values,
            policies: results.policies.iter().map(|p| p.overall.estimates).collect(),
            recovered: results
                .policies
                .iter()
                .map(|p| p.curves.recovered.value.clone())
                .collect(),
            stalled_paths: output.stalled_paths,
        })
    };
    // In draw order; the first failure (by draw) is the error reported.
    let n = (draws.end - draws.start) as usize;
    crate::analysis::in_order(n, threads, |i| one(draws.start + i as u64))
}

/// Everything a probabilistic analysis reports, from its draws.
#[derive(Debug, Clone)]
pub struct PsaResults {
    /// The distributions of belief's key paths, in document order.
    pub parameters: Vec<String>,
    pub policies: Vec<String>,
    /// Inner-cohort patients per policy and draw.
    pub patients: u64,
    pub draws: Vec<Draw>,
    /// The outcomes the scenario reports, in column order.
    pub outcomes: Vec<&'static OutcomeDef>,
    /// Per policy and reported outcome: the inner-loop noise (with two
    /// draws or more).
    pub noise: Vec<(usize, &'static OutcomeDef, Noise)>,
    /// With `[economics]`.
    pub economics: Option<PsaEconomics>,
    /// The day grid, and per policy the cumulative share recovered on each
    /// day: the mean over draws and the 2.5% and 97.5% quantiles (the
    /// uncertainty band from the parameters and the inner loop together).
    pub days: Vec<f64>,
    pub recovery_bands: Vec<Band>,
}

/// A curve's mean over draws and its 95% band across draws.
#[derive(Debug, Clone, Default)]
pub struct Band {
    pub mean: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// The mean and the 2.5% and 97.5% quantiles (nearest rank) of `values`.
pub fn spread(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let at = |q: f64| values[((q * (n - 1) as f64).round() as usize).min(n - 1)];
    (values.iter().sum::<f64>() / n as f64, at(0.025), at(0.975))
}

/// The cost-effectiveness side of a probabilistic analysis.
#[derive(Debug, Clone)]
pub struct PsaEconomics {
    pub currency: String,
    /// The policy incremental values are taken against.
    pub reference: usize,
    /// The acceptability curves, frontier and EVPI over a grid of
    /// willingness-to-pay values, and at the scenario's own values.
    pub grid: Vec<AtWtp>,
    pub at_scenario: Vec<AtWtp>,
    /// Patients the decision concerns (`--population` x discounted
    /// `--years`); EVPI per patient times this is the population EVPI.
    pub population: Option<f64>,
    /// The willingness to pay importance is measured at, and per parameter
    /// the partial rank correlation with each policy's incremental net
    /// benefit against the reference (`None` for the reference).
    pub importance_wtp: f64,
    pub importance: Vec<Vec<Option<f64>>>,
}

/// Per draw and policy, the value of outcome `id`.
pub fn matrix(draws: &[Draw], id: Id) -> Matrix {
    draws
        .iter()
        .map(|d| d.policies.iter().map(|p| p[id as usize].value).collect())
        .collect()
}

/// Summarises draws: noise for every outcome the scenario reports and,
/// with economics, acceptability, EVPI over `0..=wtp_max` (101 points) and
/// parameter importance. `population` is the discounted number of patients
/// the decision concerns.
pub fn summarise(
    scenario: &Scenario,
    draws: Vec<Draw>,
    patients: u64,
    reference: usize,
    wtp_max: Option<f64>,
    population: Option<f64>,
) -> PsaResults {
    let policies: Vec<String> = scenario.policies().iter().map(|p| p.name.clone()).collect();
    let outcomes: Vec<&'static OutcomeDef> = OUTCOMES.iter().filter(|o| scenario.provides(o.requires)).collect();
    let mut noise_rows = Vec::new();
    if draws.len() > 1 {
        for p in 0..policies.len() {
            for &def in &outcomes {
                let k = def.id as usize;
                let values: Vec<f64> = draws.iter().map(|d| d.policies[p][k].value).collect();
                let se: Vec<f64> = draws.iter().map(|d| d.policies[p][k].se).collect();
                noise_rows.push((p, def, noise(&values, &se, patients)));
            }
        }
    }
    let economics = scenario.economics().filter(|_| !draws.is_empty()).map(|e| {
        let (costs, effects) = (matrix(&draws, Id::Cost), matrix(&draws, Id::Qalys));
        let top = wtp_max.unwrap_or_else(|| e.willingness_to_pay.last().map_or(100_000.0, |&w| 2.0 * w).max(1.0));
        let grid = (0..=100)
            .map(|i| at_wtp(&costs, &effects, top * f64::from(i) / 100.0))
            .collect();
        let at_scenario = e
            .willingness_to_pay
            .iter()
            .map(|&w| at_wtp(&costs, &effects, w))
            .collect();
        let importance_wtp = e.willingness_to_pay.first().copied().unwrap_or(top / 2.0);
        let nb = net_benefit(&costs, &effects, importance_wtp);
        let x: Matrix = draws.iter().map(|d| d.parameters.clone()).collect();
        let per_policy: Vec<Vec<f64>> = (0..policies.len())
            .map(|p| {
                let y: Vec<f64> = nb.iter().map(|row| row[p] - row[reference]).collect();
                prcc(&x, &y)
            })
            .collect();
        let importance = (0..scenario.beliefs().len())
            .map(|j| {
                (0..policies.len())
                    .map(|p| (p != reference).then(|| per_policy[p][j]))
                    .collect()
            })
            .collect();
        PsaEconomics {
            currency: e.currency.clone(),
            reference,
            grid,
            at_scenario,
            population,
            importance_wtp,
            importance,
        }
    });
    let sim = scenario.simulation();
    let days = crate::accumulate::grid_days(sim.horizon_days, sim.curve_step_days);
    let recovery_bands = (0..policies.len())
        .map(|p| {
            let mut band = Band::default();
            for i in 0..days.len() {
                let mut v: Vec<f64> = draws.iter().filter_map(|d| d.recovered[p].get(i).copied()).collect();
                if v.is_empty() {
                    continue;
                }
                let (mean, lo, hi) = spread(&mut v);
                band.mean.push(mean);
                band.lo.push(lo);
                band.hi.push(hi);
            }
            band
        })
        .collect();
    PsaResults {
        days,
        recovery_bands,
        parameters: scenario.beliefs().iter().map(|b| b.path.clone()).collect(),
        policies,
        patients,
        draws,
        outcomes,
        noise: noise_rows,
        economics,
    }
}
