//! The `foramen run` job: scenario in, complete run directory out.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use crate::engine::{self, RunSpec};
use crate::error::{Error, Invalid};
use crate::output::{Manifest, RunDir, default_dir, sha256_hex, utc_stamp};
use crate::scenario::{self, DEFAULT_FILE, DEFAULT_TOML, Scenario};
use crate::summary::{RunResults, summarize};
use crate::{plot, tables};

/// What the user asked for; `None` keeps the scenario's value.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub scenario: Option<PathBuf>,
    pub patients: Option<u64>,
    pub seed: Option<u64>,
    pub horizon_days: Option<f64>,
    pub out: Option<PathBuf>,
    /// 0: one per core.
    pub threads: usize,
    /// Subgroup covariates; `None` uses the scenario's `simulation.subgroups`.
    pub by: Option<Vec<String>>,
    pub patients_out: bool,
    pub independent: bool,
    /// Policy the others are compared with; `None`: the first.
    pub reference: Option<String>,
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub dir: PathBuf,
    pub results: RunResults,
    pub manifest: Manifest,
}

/// A scenario with the text and name it was read from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    pub text: String,
    pub file: String,
}

/// Loads `path`, or the embedded default scenario when `None`.
///
/// # Errors
/// As [`Scenario::load`].
pub fn load(path: Option<&Path>) -> Result<Loaded, Error> {
    match path {
        None => Ok(Loaded {
            scenario: Scenario::default_scenario()?,
            text: DEFAULT_TOML.to_string(),
            file: DEFAULT_FILE.to_string(),
        }),
        Some(p) => {
            let scenario = Scenario::load(p)?;
            let text = std::fs::read_to_string(p).map_err(|source| Error::Read {
                file: p.display().to_string(),
                source,
            })?;
            Ok(Loaded {
                scenario,
                text,
                file: p.display().to_string(),
            })
        }
    }
}

fn usage(invalid: Invalid) -> Error {
    Error::Usage(invalid.to_string())
}

/// Applies command-line overrides and resolves `--by`.
///
/// # Errors
/// [`Error::Usage`] naming the flag, the value and what is allowed.
pub fn prepare(scenario: &Scenario, opts: &RunOptions) -> Result<(Scenario, RunSpec), Error> {
    let mut s = scenario.clone();
    if let Some(n) = opts.patients {
        s.simulation.patients = scenario::check_patients("--patients", n).map_err(usage)?;
    }
    if let Some(seed) = opts.seed {
        s.simulation.seed = seed;
    }
    if let Some(h) = opts.horizon_days {
        s.simulation.horizon_days = scenario::check_horizon("--horizon", h).map_err(usage)?;
        s.simulation.curve_step_days = s.simulation.curve_step_days.min(h);
    }
    let names = opts.by.clone().unwrap_or_else(|| s.simulation.subgroups.clone());
    let by = names
        .iter()
        .map(|name| scenario::subgroup_covariate("--by", name, &s.covariates).map_err(usage))
        .collect::<Result<Vec<_>, _>>()?;
    s.simulation.subgroups = names;
    if opts.patients_out && s.simulation.patients > 10_000_000 {
        return Err(Error::Usage(format!(
            "--patients-out keeps every patient in memory; {} patients per policy is more than the 10000000 it accepts",
            s.simulation.patients
        )));
    }
    let reference = match &opts.reference {
        None => 0,
        Some(name) => s.policies.iter().position(|p| &p.name == name).ok_or_else(|| {
            Error::Usage(format!(
                "--reference {name}: no such policy{}; the scenario has {}",
                crate::error::did_you_mean(name, s.policies.iter().map(|p| p.name.as_str())),
                s.policies
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
    };
    let spec = RunSpec {
        patients: s.simulation.patients,
        seed: s.simulation.seed,
        threads: opts.threads,
        by,
        keep_patients: opts.patients_out,
        independent: opts.independent,
        reference,
    };
    Ok((s, spec))
}

/// Simulates and writes every output into a new run directory.
///
/// # Errors
/// Bad options ([`Error::Usage`]), or a failure to write ([`Error::Output`]).
pub fn execute(loaded: &Loaded, opts: &RunOptions) -> Result<RunReport, Error> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let (scenario, spec) = prepare(&loaded.scenario, opts)?;
    let target = opts.out.clone().unwrap_or_else(|| default_dir(&scenario.name));
    let dir = RunDir::create(&target)?;
    let sim_clock = Instant::now();
    let (output, results) = simulate(&scenario, &spec)?;
    let simulation_seconds = sim_clock.elapsed().as_secs_f64();
    let mut files = tables::write_tables(&results, dir.path())?;
    if let Some(records) = &output.patients {
        tables::write_patients(&scenario, records, &dir.path().join("patients.parquet"))?;
        files.push("patients.parquet".into());
    }
    let plots = plot::write_plots(&results, dir.path()).map_err(|e| Error::Runtime(e.to_string()))?;
    files.extend(
        plots
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned()),
    );
    files.push("manifest.json".into());
    let total = spec.patients as f64 * scenario.policies.len() as f64;
    let manifest = Manifest {
        foramen_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: scenario.name.clone(),
        scenario_file: loaded.file.clone(),
        scenario_sha256: sha256_hex(&loaded.text),
        seed: spec.seed,
        patients_per_policy: spec.patients,
        policies: scenario.policies.iter().map(|p| p.name.clone()).collect(),
        horizon_days: scenario.simulation.horizon_days,
        subgroups_by: scenario.simulation.subgroups.clone(),
        common_random_numbers: !spec.independent,
        threads: output.threads,
        started_utc: utc_stamp(started),
        wall_time_seconds: clock.elapsed().as_secs_f64(),
        simulation_seconds,
        patients_per_second: total / simulation_seconds.max(1e-9),
        files,
    };
    let dir = dir.complete(&manifest)?;
    Ok(RunReport { dir, results, manifest })
}

/// Runs the engine and summarises: the in-memory part of a run.
///
/// # Errors
/// As [`engine::run`].
pub fn simulate(scenario: &Scenario, spec: &RunSpec) -> Result<(engine::RunOutput, RunResults), Error> {
    let output = engine::run(scenario, spec)?;
    let subgroups = engine::subgroups(scenario, &spec.by);
    let results = summarize(
        scenario,
        &output.accs,
        &scenario.simulation.subgroups,
        &subgroups,
        spec.reference,
    );
    Ok((output, results))
}

/// The short table printed at the end of a run.
pub fn format_table(results: &RunResults) -> String {
    let pct = |v: f64| {
        if v.is_nan() {
            "NA".to_string()
        } else {
            format!("{:.1}", 100.0 * v)
        }
    };
    let days = |v: f64| {
        if v.is_nan() {
            "NA".to_string()
        } else {
            format!("{v:.1}")
        }
    };
    let width = results.policies.iter().map(|p| p.name.len()).max().unwrap_or(6).max(6);
    let mut out = format!(
        "{:<width$}  {:>10}  {:<22}  {:<24}  {:>8}  {:>7}\n",
        "policy", "patients", "recovered % (95% CI)", "median days (95% CI)", "surgery%", "fusion%"
    );
    for p in &results.policies {
        let g = &p.overall;
        out += &format!(
            "{:<width$}  {:>10}  {:<22}  {:<24}  {:>8}  {:>7}\n",
            p.name,
            g.patients,
            format!(
                "{} ({}-{})",
                pct(g.recovered.value),
                pct(g.recovered.lo),
                pct(g.recovered.hi)
            ),
            format!(
                "{} ({}-{})",
                days(g.median_days.value),
                days(g.median_days.lo),
                days(g.median_days.hi)
            ),
            pct(g.surgery.value),
            pct(g.fusion.value),
        );
    }
    out
}
