//! Criterion benches of the hot paths, on the embedded default scenario:
//!
//! * `patient_path`: one patient's covariates, natural history and path
//!   under each policy (the engine's per-patient loop, minus aggregation);
//! * `aggregate_chunk`: recording a chunk of 4096 patients' paths into the
//!   run's sums (overall, curves, subgroups, paired differences);
//! * `small_run`: a whole 20,000-patient run on one thread.
//!
//! `cargo bench` runs them; `foramen bench` times whole runs against the
//! draws-only baseline (docs/performance.md).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use foramen::accumulate::sink::{self, Split, Sums};
use foramen::scenario::Scenario;
use foramen::simulate::engine::{CHUNK, RunSpec, Sink, Unobserved};
use foramen::simulate::ledger::Ledger;
use foramen::simulate::pathway::{PathOutcome, Spells};
use foramen::simulate::patient::{Path, Scratch, simulate_patient};
use foramen::simulate::tally::Untallied;

const SEED: u64 = 20_261_124;

fn patient_path(c: &mut Criterion) {
    let scenario = Scenario::default_scenario().expect("the default scenario is valid");
    // As the engine walks: plain scenarios without their absent features,
    // shared steps walked once.
    let mut scratch = Scratch::new(&scenario, false);
    let mut patient = 0u64;
    let mut group = c.benchmark_group("patient_path");
    group.throughput(Throughput::Elements(scenario.policies().len() as u64));
    group.bench_function("all_policies", |b| {
        b.iter(|| {
            patient += 1;
            simulate_patient(
                &scenario,
                SEED,
                false,
                &[],
                patient,
                &mut scratch,
                &mut Untallied,
                |path| {
                    black_box(path.outcome);
                },
            );
        });
    });
    group.finish();
}

/// One patient's paths, kept: (covariates, per policy outcome and spells).
type Kept = (Vec<f64>, Vec<(PathOutcome, Spells)>);

fn aggregate_chunk(c: &mut Criterion) {
    let scenario = Scenario::default_scenario().expect("the default scenario is valid");
    let mut scratch = Scratch::default();
    let chunk: Vec<Kept> = (0..CHUNK)
        .map(|p| {
            let mut kept: Kept = (Vec::new(), Vec::new());
            simulate_patient(&scenario, SEED, false, &[], p, &mut scratch, &mut Untallied, |path| {
                kept.0 = path.covariates.to_vec();
                kept.1.push((*path.outcome, path.spells.clone()));
            });
            kept
        })
        .collect();
    // Split by the scenario's own subgroup covariates.
    let by: Vec<usize> = scenario
        .simulation()
        .subgroups
        .iter()
        .filter_map(|n| scenario.covariate_index(n))
        .collect();
    let split = Split::new(&scenario, &by);
    let mut group = c.benchmark_group("aggregate_chunk");
    group.throughput(Throughput::Elements(CHUNK * scenario.policies().len() as u64));
    group.bench_function("4096_patients", |b| {
        let ledger = Ledger::default();
        b.iter_batched_ref(
            || Sums::new(&scenario, &split, 0, false),
            |sums| {
                for (patient, (x, paths)) in chunk.iter().enumerate() {
                    for (policy, (outcome, spells)) in paths.iter().enumerate() {
                        let path = Path {
                            policy,
                            covariates: x,
                            outcome,
                            spells,
                            events: &[],
                            ledger: &ledger,
                        };
                        sums.path(patient as u64, path);
                    }
                    sums.end_patient();
                }
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

fn small_run(c: &mut Criterion) {
    let scenario = Scenario::default_scenario().expect("the default scenario is valid");
    let spec = RunSpec {
        threads: 1,
        ..RunSpec::new(20_000, SEED)
    };
    let mut group = c.benchmark_group("small_run");
    group.sample_size(20);
    group.throughput(Throughput::Elements(spec.patients * scenario.policies().len() as u64));
    group.bench_function("20000_patients_1_thread", |b| {
        b.iter(|| black_box(sink::run(&scenario, &spec, &Unobserved).expect("the run succeeds")));
    });
    group.finish();
}

criterion_group!(benches, patient_path, aggregate_chunk, small_run);
criterion_main!(benches);
