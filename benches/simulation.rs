//! Criterion benches of the hot paths, on the embedded default scenario:
//!
//! * `patient_path`: one patient's covariates, natural history and path
//!   under each policy (what a chunk does per patient, minus aggregation);
//! * `aggregate_chunk`: recording a chunk of 4096 patients' outcomes into a
//!   policy's accumulators (overall, curves, subgroups, paired differences);
//! * `small_run`: a whole 20,000-patient run on one thread.
//!
//! `cargo bench` runs them; `foramen bench` times whole runs against the
//! draws-only baseline (docs/performance.md).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use foramen::accumulate::{PolicyAcc, paired_values};
use foramen::cohort::draw_covariates;
use foramen::engine::{self, CHUNK, RunSpec, Shard};
use foramen::pathway::{NaturalDraws, Outcome, Workspace, simulate};
use foramen::rng::Untallied;
use foramen::scenario::Scenario;

const SEED: u64 = 20_261_124;

fn spec(patients: u64) -> RunSpec {
    RunSpec {
        patients,
        seed: SEED,
        threads: 1,
        by: Vec::new(),
        keep_patients: false,
        independent: false,
        reference: 0,
        shard: Shard::default(),
    }
}

/// Patient `patient` under every policy: outcomes and symptom-free spells.
fn paths(scenario: &Scenario, patient: u64, x: &mut [f64], ws: &mut Workspace) -> Vec<(Outcome, Vec<(f64, f64)>)> {
    draw_covariates(scenario, SEED, patient, x, &mut Untallied);
    let nh = NaturalDraws::draw(scenario, SEED, patient, x, &mut Untallied);
    scenario
        .policies
        .iter()
        .map(|policy| {
            let o = simulate(scenario, policy, SEED, patient, x, nh, ws, &mut Untallied);
            (o, ws.symptom_free().to_vec())
        })
        .collect()
}

fn patient_path(c: &mut Criterion) {
    let scenario = Scenario::default_scenario().expect("the default scenario is valid");
    let mut x = vec![0.0; scenario.covariates.len()];
    let mut ws = Workspace::default();
    let mut patient = 0u64;
    let mut group = c.benchmark_group("patient_path");
    group.throughput(Throughput::Elements(scenario.policies.len() as u64));
    group.bench_function("all_policies", |b| {
        b.iter(|| {
            patient += 1;
            draw_covariates(&scenario, SEED, patient, &mut x, &mut Untallied);
            let nh = NaturalDraws::draw(&scenario, SEED, patient, &x, &mut Untallied);
            for policy in &scenario.policies {
                black_box(simulate(
                    &scenario,
                    policy,
                    SEED,
                    patient,
                    &x,
                    nh,
                    &mut ws,
                    &mut Untallied,
                ));
            }
        });
    });
    group.finish();
}

fn aggregate_chunk(c: &mut Criterion) {
    let scenario = Scenario::default_scenario().expect("the default scenario is valid");
    let sim = &scenario.simulation;
    let mut x = vec![0.0; scenario.covariates.len()];
    let mut ws = Workspace::default();
    let chunk: Vec<_> = (0..CHUNK).map(|p| paths(&scenario, p, &mut x, &mut ws)).collect();
    let subgroups = 6;
    let mut group = c.benchmark_group("aggregate_chunk");
    group.throughput(Throughput::Elements(CHUNK * scenario.policies.len() as u64));
    group.bench_function("4096_patients", |b| {
        let fresh = || -> Vec<PolicyAcc> {
            (0..scenario.policies.len())
                .map(|_| PolicyAcc::new(sim.horizon_days, sim.curve_step_days, subgroups))
                .collect()
        };
        b.iter_batched_ref(
            fresh,
            |accs| {
                for (i, patient) in chunk.iter().enumerate() {
                    let g = Some(i % subgroups);
                    let values: Vec<[i64; 11]> = patient.iter().map(|(o, _)| paired_values(o)).collect();
                    for (acc, ((o, spells), v)) in accs.iter_mut().zip(patient.iter().zip(&values)) {
                        acc.record(o, spells, sim.horizon_days, g);
                        acc.record_pair((o, v), (&patient[0].0, &values[0]), g);
                    }
                }
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

fn small_run(c: &mut Criterion) {
    let scenario = Scenario::default_scenario().expect("the default scenario is valid");
    let spec = spec(20_000);
    let mut group = c.benchmark_group("small_run");
    group.sample_size(20);
    group.throughput(Throughput::Elements(spec.patients * scenario.policies.len() as u64));
    group.bench_function("20000_patients_1_thread", |b| {
        b.iter(|| black_box(engine::run(&scenario, &spec).expect("the run succeeds")));
    });
    group.finish();
}

criterion_group!(benches, patient_path, aggregate_chunk, small_run);
criterion_main!(benches);
