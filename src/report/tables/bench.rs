//! The tables of `foramen bench`: timings and the floor of their draws.

use polars::prelude::*;

use super::{ColumnKind, Schema, Table, TextTable};
use crate::analysis::bench::{BenchRow, DrawCounts};
use crate::analysis::floor::{Floor, Primitive, Way};
use crate::error::Error;

use ColumnKind::{Count, Number, OptionalNumber, Text};

/// bench.csv: one row per cohort size and thread count.
pub const BENCH: Schema = Schema {
    file: "bench.csv",
    columns: &[
        ("patients", Count),
        ("paths", Count),
        ("threads", Count),
        ("seconds", Number),
        ("patients_per_second", Number),
        ("paths_per_second", Number),
        ("ns_per_path", Number),
        ("scaling_efficiency", OptionalNumber),
        ("baseline_seconds", Number),
        ("baseline_paths_per_second", Number),
        ("baseline_ns_per_path", Number),
        ("baseline_scaling_efficiency", OptionalNumber),
        ("ratio_to_baseline", Number),
        ("streams_per_path", Number),
        ("draws_per_path", Number),
    ],
};
/// floor.csv: per kind of draw and primitive, its price against the floor.
pub const FLOOR: Schema = Schema {
    file: "floor.csv",
    columns: &[
        ("kind", Text),
        ("per_path", Number),
        ("own_ns", OptionalNumber),
        ("floor_ns", Number),
        ("times_floor", OptionalNumber),
    ],
};

/// `bench.csv`: one row per cohort size and thread count (see
/// `analysis::bench` for the definitions).
pub fn bench_frame(rows: &[BenchRow], counts: &DrawCounts) -> Result<DataFrame, Error> {
    let mut t = Table::default();
    let col = |f: &dyn Fn(&BenchRow) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    t.integers("patients", rows.iter().map(|r| r.patients).collect());
    t.integers("paths", rows.iter().map(|r| r.paths).collect());
    t.integers("threads", rows.iter().map(|r| r.threads as u64).collect());
    t.floats("seconds", col(&|r| r.seconds));
    t.floats("patients_per_second", col(&|r| r.patients_per_second()));
    t.floats("paths_per_second", col(&|r| r.paths_per_second()));
    t.floats("ns_per_path", col(&|r| r.ns_per_path()));
    t.optional_floats(
        "scaling_efficiency",
        rows.iter().map(|r| r.scaling_efficiency).collect(),
    );
    t.floats("baseline_seconds", col(&|r| r.baseline_seconds));
    t.floats("baseline_paths_per_second", col(&|r| r.baseline_paths_per_second()));
    t.floats("baseline_ns_per_path", col(&|r| r.baseline_ns_per_path()));
    t.optional_floats(
        "baseline_scaling_efficiency",
        rows.iter().map(|r| r.baseline_scaling_efficiency).collect(),
    );
    t.floats("ratio_to_baseline", col(&|r| r.ratio()));
    t.floats("streams_per_path", vec![counts.streams_per_path(); rows.len()]);
    t.floats("draws_per_path", vec![counts.draws_per_path(); rows.len()]);
    t.finish(&BENCH)
}

/// floor.csv: per kind of draw (streams, uniforms, each distribution), how
/// many a path takes, foramen's ns per draw, the floor's, and their
/// ratio; then the draws of a path and the whole path (the simulation's ns
/// per path on one thread, empty when no one-thread row was measured)
/// against the sum of the floors; then each primitive: how many a path
/// needs and its price (how it was obtained in the name).
///
/// # Errors
/// [`Error::Output`] if the frame cannot be built.
pub fn floor_frame(floor: &Floor, one_thread_ns: Option<f64>) -> Result<DataFrame, Error> {
    let mut t = Table::default();
    let mut kind: Vec<String> = floor.rows.iter().map(|r| r.kind.clone()).collect();
    let mut per_path: Vec<f64> = floor.rows.iter().map(|r| r.per_path).collect();
    let mut own: Vec<Option<f64>> = floor.rows.iter().map(|r| Some(r.own_ns)).collect();
    let mut at_floor: Vec<f64> = floor.rows.iter().map(|r| r.floor_ns).collect();
    kind.extend(["draws of a path".to_string(), "path".to_string()]);
    per_path.extend([1.0, 1.0]);
    own.extend([Some(floor.own_draws_ns_per_path()), one_thread_ns]);
    at_floor.extend([floor.ns_per_path(), floor.ns_per_path()]);
    for ((p, n), (price, way)) in Primitive::ALL
        .iter()
        .zip(floor.needs)
        .zip(floor.prices.0.iter().zip(floor.ways))
    {
        let way = match way {
            Way::Lanes => "four lanes",
            Way::Scalar => "one at a time",
        };
        kind.push(format!("primitive: {} ({way})", p.name()));
        per_path.push(n);
        own.push(None);
        at_floor.push(*price);
    }
    let ratio = own.iter().zip(&at_floor).map(|(o, f)| o.map(|o| o / f)).collect();
    t.strings("kind", kind);
    t.floats("per_path", per_path);
    t.optional_floats("own_ns", own);
    t.floats("floor_ns", at_floor);
    t.optional_floats("times_floor", ratio);
    t.finish(&FLOOR)
}

/// The rows of bench.csv in `dir` as the scaling chart draws them.
///
/// # Errors
/// As [`TextTable::read`]; [`Error::Invalid`] naming a cell that is not
/// what `foramen bench` writes.
pub fn read_scaling(dir: &std::path::Path) -> Result<Vec<crate::report::plot::ScalingPoint>, Error> {
    let table = TextTable::read(dir, &BENCH)?;
    let (patients, threads) = (table.counts("patients")?, table.counts("threads")?);
    let (own, baseline) = (
        table.numbers("paths_per_second")?,
        table.numbers("baseline_paths_per_second")?,
    );
    Ok((0..patients.len())
        .map(|i| crate::report::plot::ScalingPoint {
            patients: patients[i],
            threads: threads[i],
            paths_per_second: own[i],
            baseline_paths_per_second: baseline[i],
        })
        .collect())
}
