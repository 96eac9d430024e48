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
    /// Replace an existing output directory once the new run is complete.
    pub force: bool,
    /// Show a progress bar on a terminal for runs over a second.
    pub progress: bool,
    /// Simulate only this share of the cohort and write mergeable partial
    /// results (`foramen merge` combines them).
    pub shard: Option<engine::Shard>,
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
        shard: opts.shard.unwrap_or_default(),
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
    let dir = RunDir::create(&target, opts.force)?;
    let sim_clock = Instant::now();
    let terminal = crate::progress::Terminal::new(spec.patients * scenario.policies.len() as u64, opts.progress);
    let simulated = simulate_observed(&scenario, &spec, &terminal);
    terminal.finish();
    let (output, results) = simulated?;
    let simulation_seconds = sim_clock.elapsed().as_secs_f64();
    if let Some(shard) = opts.shard {
        return write_shard(
            loaded,
            &scenario,
            &spec,
            shard,
            output,
            dir,
            started,
            clock,
            simulation_seconds,
        );
    }
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
    let job = Job {
        command: "run".into(),
        loaded,
        scenario: &scenario,
        spec: &spec,
        runs: 1,
    };
    let manifest = job.manifest(output.threads, started, clock, simulation_seconds, files);
    let dir = dir.complete(&manifest)?;
    Ok(RunReport { dir, results, manifest })
}

/// The mergeable result of one shard: `partial.json`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Partial {
    pub foramen_version: String,
    pub scenario_text: String,
    pub scenario_file: String,
    pub scenario_sha256: String,
    pub seed: u64,
    pub patients: u64,
    pub horizon_days: f64,
    pub subgroups_by: Vec<String>,
    pub independent: bool,
    pub reference: usize,
    pub shard: engine::Shard,
    pub accs: Vec<crate::accumulate::PolicyAcc>,
}

#[allow(clippy::too_many_arguments)]
fn write_shard(
    loaded: &Loaded,
    scenario: &Scenario,
    spec: &RunSpec,
    shard: engine::Shard,
    output: engine::RunOutput,
    dir: RunDir,
    started: SystemTime,
    clock: Instant,
    simulation_seconds: f64,
) -> Result<RunReport, Error> {
    let partial = Partial {
        foramen_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_text: loaded.text.clone(),
        scenario_file: loaded.file.clone(),
        scenario_sha256: sha256_hex(&loaded.text),
        seed: spec.seed,
        patients: spec.patients,
        horizon_days: scenario.simulation.horizon_days,
        subgroups_by: scenario.simulation.subgroups.clone(),
        independent: spec.independent,
        reference: spec.reference,
        shard,
        accs: output.accs,
    };
    let path = dir.path().join("partial.json");
    let json = serde_json::to_string(&partial)
        .map_err(|e| Error::Runtime(format!("cannot encode {}: {e}", path.display())))?;
    std::fs::write(&path, json).map_err(|source| Error::Output { path, source })?;
    let mut files = vec!["partial.json".to_string()];
    if let Some(records) = &output.patients {
        let name = format!("patients.part-{:05}-of-{:05}.parquet", shard.index, shard.count);
        tables::write_patients(scenario, records, &dir.path().join(&name))?;
        files.push(name);
    }
    files.push("manifest.json".into());
    let job = Job {
        command: format!("run --shard {}/{}", shard.index, shard.count),
        loaded,
        scenario,
        spec,
        runs: 1,
    };
    let mut manifest = job.manifest(output.threads, started, clock, simulation_seconds, files);
    let shard_patients = {
        let chunks = shard.chunks(spec.patients.div_ceil(engine::CHUNK));
        (chunks.end * engine::CHUNK).min(spec.patients) - (chunks.start * engine::CHUNK).min(spec.patients)
    };
    manifest.patients_per_second =
        (shard_patients * scenario.policies.len() as u64) as f64 / simulation_seconds.max(1e-9);
    let dir = dir.complete(&manifest)?;
    let results = crate::summary::RunResults {
        scenario: scenario.name.clone(),
        horizon_days: scenario.simulation.horizon_days,
        subgroup_by: Vec::new(),
        policies: Vec::new(),
        reference: spec.reference,
        comparisons: Vec::new(),
    };
    Ok(RunReport { dir, results, manifest })
}

/// `foramen merge`: combines the shards of one run into the full outputs,
/// byte-identical to a single-machine run's tables.
///
/// # Errors
/// [`Error::Usage`] when the shards come from different scenarios, seeds,
/// sizes or versions, or a shard is missing or repeated; read and write
/// failures.
pub fn execute_merge(dirs: &[PathBuf], opts: &RunOptions) -> Result<RunReport, Error> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut parts: Vec<Partial> = Vec::new();
    for d in dirs {
        let path = d.join("partial.json");
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
            file: path.display().to_string(),
            source,
        })?;
        let part: Partial = serde_json::from_str(&text).map_err(|e| Error::Syntax {
            file: path.display().to_string(),
            message: format!("not a foramen shard ({e})"),
        })?;
        parts.push(part);
    }
    let Some(first) = parts.first() else {
        return Err(Error::Usage("merge needs at least one shard directory".into()));
    };
    for (d, p) in dirs.iter().zip(&parts) {
        let differs = |what: &str, a: String, b: String| {
            Error::Usage(format!(
                "{} comes from a different {what} ({b}) than {} ({a}); merge only the shards of one run",
                d.display(),
                dirs[0].display()
            ))
        };
        let checks = [
            (
                "foramen version",
                first.foramen_version.clone(),
                p.foramen_version.clone(),
            ),
            ("scenario", first.scenario_sha256.clone(), p.scenario_sha256.clone()),
            ("seed", first.seed.to_string(), p.seed.to_string()),
            ("cohort size", first.patients.to_string(), p.patients.to_string()),
            ("horizon", first.horizon_days.to_string(), p.horizon_days.to_string()),
            ("--by", first.subgroups_by.join(","), p.subgroups_by.join(",")),
            (
                "--independent",
                first.independent.to_string(),
                p.independent.to_string(),
            ),
            ("--reference", first.reference.to_string(), p.reference.to_string()),
            ("shard count", first.shard.count.to_string(), p.shard.count.to_string()),
        ];
        for (what, a, b) in checks {
            if a != b {
                return Err(differs(what, a, b));
            }
        }
    }
    let count = first.shard.count;
    let mut seen = vec![false; count as usize];
    for (d, p) in dirs.iter().zip(&parts) {
        let slot = &mut seen[p.shard.index as usize];
        if *slot {
            return Err(Error::Usage(format!(
                "shard {}/{count} is given twice ({})",
                p.shard.index,
                d.display()
            )));
        }
        *slot = true;
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(Error::Usage(format!(
            "shard {missing}/{count} is missing; merge needs all {count} shards"
        )));
    }
    let loaded = Loaded {
        scenario: Scenario::from_toml(&first.scenario_text, &first.scenario_file)?,
        text: first.scenario_text.clone(),
        file: first.scenario_file.clone(),
    };
    let mut s = loaded.scenario.clone();
    s.simulation.patients = first.patients;
    s.simulation.seed = first.seed;
    s.simulation.horizon_days = first.horizon_days;
    s.simulation.curve_step_days = s.simulation.curve_step_days.min(first.horizon_days);
    s.simulation.subgroups = first.subgroups_by.clone();
    let by = s
        .simulation
        .subgroups
        .iter()
        .filter_map(|name| s.covariate_index(name))
        .collect::<Vec<_>>();
    let mut accs = first.accs.clone();
    for p in &parts[1..] {
        for (a, b) in accs.iter_mut().zip(&p.accs) {
            a.merge(b);
        }
    }
    let spec = RunSpec {
        patients: first.patients,
        seed: first.seed,
        threads: opts.threads,
        by,
        keep_patients: false,
        independent: first.independent,
        reference: first.reference,
        shard: engine::Shard::default(),
    };
    let subgroups = engine::subgroups(&s, &spec.by);
    let results = summarize(&s, &accs, &s.simulation.subgroups, &subgroups, spec.reference);
    let target = opts.out.clone().unwrap_or_else(|| default_dir(&s.name));
    let dir = RunDir::create(&target, opts.force)?;
    let mut files = tables::write_tables(&results, dir.path())?;
    let plots = plot::write_plots(&results, dir.path()).map_err(|e| Error::Runtime(e.to_string()))?;
    files.extend(file_names(&plots));
    files.push("manifest.json".into());
    let job = Job {
        command: format!("merge of {count} shards"),
        loaded: &loaded,
        scenario: &s,
        spec: &spec,
        runs: count as usize,
    };
    let manifest = job.manifest(threads_of(opts), started, clock, 0.0, files);
    let dir = dir.complete(&manifest)?;
    Ok(RunReport { dir, results, manifest })
}

/// What a manifest describes.
struct Job<'a> {
    command: String,
    loaded: &'a Loaded,
    scenario: &'a Scenario,
    spec: &'a RunSpec,
    /// Engine runs made (points of a sweep, ends of ranges).
    runs: usize,
}

impl Job<'_> {
    fn manifest(
        &self,
        threads: usize,
        started: SystemTime,
        clock: Instant,
        simulation_seconds: f64,
        files: Vec<String>,
    ) -> Manifest {
        let (scenario, spec) = (self.scenario, self.spec);
        let total = spec.patients as f64 * scenario.policies.len() as f64 * self.runs as f64;
        Manifest {
            foramen_version: env!("CARGO_PKG_VERSION").to_string(),
            command: self.command.clone(),
            scenario: scenario.name.clone(),
            scenario_file: self.loaded.file.clone(),
            scenario_sha256: sha256_hex(&self.loaded.text),
            seed: spec.seed,
            patients_per_policy: spec.patients,
            policies: scenario.policies.iter().map(|p| p.name.clone()).collect(),
            horizon_days: scenario.simulation.horizon_days,
            subgroups_by: scenario.simulation.subgroups.clone(),
            common_random_numbers: !spec.independent,
            threads,
            runs: self.runs,
            started_utc: utc_stamp(started),
            wall_time_seconds: clock.elapsed().as_secs_f64(),
            simulation_seconds,
            patients_per_second: total / simulation_seconds.max(1e-9),
            files,
        }
    }
}

/// `foramen sweep`: the scenario at each value of one parameter; writes
/// `sweep.csv` and a chart per outcome.
///
/// # Errors
/// Bad options or paths ([`Error::Usage`]), invalid values, write failures.
pub fn execute_sweep(
    loaded: &Loaded,
    opts: &RunOptions,
    param: &str,
    values: &[f64],
    outcomes: &[&str],
) -> Result<(PathBuf, Manifest), Error> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let (scenario, spec) = prepare(&loaded.scenario, opts)?;
    // Check the path and every value before creating anything.
    for &v in values {
        crate::sweep::with_value(loaded, param, v)?;
    }
    let target = opts
        .out
        .clone()
        .unwrap_or_else(|| default_dir(&format!("{}-sweep", scenario.name)));
    let dir = RunDir::create(&target, opts.force)?;
    let sim_clock = Instant::now();
    let points = crate::sweep::sweep(loaded, param, values, opts)?;
    let simulation_seconds = sim_clock.elapsed().as_secs_f64();
    tables::write_frame(tables::sweep_frame(param, &points)?, &dir.path().join("sweep.csv"))?;
    let mut files = vec!["sweep.csv".to_string()];
    let plots =
        plot::write_sweep_plots(param, &points, outcomes, dir.path()).map_err(|e| Error::Runtime(e.to_string()))?;
    files.extend(file_names(&plots));
    files.push("manifest.json".into());
    let job = Job {
        command: format!("sweep --param {param}"),
        loaded,
        scenario: &scenario,
        spec: &spec,
        runs: values.len(),
    };
    let manifest = job.manifest(threads_of(opts), started, clock, simulation_seconds, files);
    Ok((dir.complete(&manifest)?, manifest))
}

/// `foramen sensitivity`: each ranged parameter at its low and high value;
/// writes `sensitivity.csv` and the tornado diagram.
///
/// # Errors
/// As [`crate::sweep::sensitivity`], and write failures.
pub fn execute_sensitivity(
    loaded: &Loaded,
    opts: &RunOptions,
    target: crate::sweep::Target,
) -> Result<(PathBuf, crate::sweep::SensitivityResults, Manifest), Error> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let (scenario, spec) = prepare(&loaded.scenario, opts)?;
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| default_dir(&format!("{}-sensitivity", scenario.name)));
    if out.exists() {
        return Err(Error::Usage(format!(
            "the output directory {} already exists; choose another --out",
            out.display()
        )));
    }
    let sim_clock = Instant::now();
    let results = crate::sweep::sensitivity(loaded, target, opts)?;
    let simulation_seconds = sim_clock.elapsed().as_secs_f64();
    let dir = RunDir::create(&out, opts.force)?;
    tables::write_frame(
        tables::sensitivity_frame(&results)?,
        &dir.path().join("sensitivity.csv"),
    )?;
    let mut files = vec!["sensitivity.csv".to_string()];
    let plots = plot::write_tornado(&results, dir.path()).map_err(|e| Error::Runtime(e.to_string()))?;
    files.extend(file_names(&plots));
    files.push("manifest.json".into());
    let job = Job {
        command: format!("sensitivity ({})", results.target.label()),
        loaded,
        scenario: &scenario,
        spec: &spec,
        runs: 1 + 2 * results.rows.len(),
    };
    let manifest = job.manifest(threads_of(opts), started, clock, simulation_seconds, files);
    Ok((dir.complete(&manifest)?, results, manifest))
}

/// `foramen bench`: times the scenario at each size and thread count of
/// `plan` against its draws-only baseline ([`crate::bench`]); writes
/// `bench.csv` and the `scaling` chart. `on_row` sees each row as it is
/// measured, after `on_counts` has seen the draws counted.
///
/// # Errors
/// Bad options ([`Error::Usage`]), or a failure to write ([`Error::Output`]).
pub fn execute_bench(
    loaded: &Loaded,
    opts: &RunOptions,
    plan: &crate::bench::BenchPlan,
    on_counts: impl FnOnce(&crate::bench::DrawCounts),
    on_row: impl FnMut(&crate::bench::BenchRow),
) -> Result<(PathBuf, Vec<crate::bench::BenchRow>, Manifest), Error> {
    use crate::bench;
    let started = SystemTime::now();
    let clock = Instant::now();
    for &n in &plan.sizes {
        scenario::check_patients("--patients", n).map_err(usage)?;
    }
    let (scenario, spec) = prepare(&loaded.scenario, opts)?;
    let target = opts
        .out
        .clone()
        .unwrap_or_else(|| default_dir(&format!("{}-bench", scenario.name)));
    let dir = RunDir::create(&target, opts.force)?;
    let largest = plan.sizes.iter().copied().max().unwrap_or(0);
    let counts = bench::count_draws(&scenario, &spec, largest.min(bench::COUNT_SAMPLE));
    on_counts(&counts);
    let sim_clock = Instant::now();
    let rows = bench::measure(&scenario, &spec, plan, &counts, on_row)?;
    let simulation_seconds = sim_clock.elapsed().as_secs_f64();
    tables::write_frame(tables::bench_frame(&rows, &counts)?, &dir.path().join("bench.csv"))?;
    let mut files = vec!["bench.csv".to_string()];
    let plots = plot::write_scaling(&rows, dir.path()).map_err(|e| Error::Runtime(e.to_string()))?;
    files.extend(file_names(&plots));
    files.push("manifest.json".into());
    let job = Job {
        command: "bench".into(),
        loaded,
        scenario: &scenario,
        spec: &RunSpec {
            patients: largest,
            ..spec.clone()
        },
        runs: rows.len() * plan.repeats.max(1) as usize,
    };
    let threads = rows.iter().map(|r| r.threads).max().unwrap_or(0);
    let mut manifest = job.manifest(threads, started, clock, simulation_seconds, files);
    // The rate of the last row (largest size, last thread count); bench.csv has them all.
    manifest.patients_per_second = rows.last().map_or(0.0, bench::BenchRow::paths_per_second);
    Ok((dir.complete(&manifest)?, rows, manifest))
}

fn file_names(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect()
}

fn threads_of(opts: &RunOptions) -> usize {
    if opts.threads == 0 {
        rayon::current_num_threads()
    } else {
        opts.threads
    }
}

/// Runs the engine and summarises: the in-memory part of a run.
///
/// # Errors
/// As [`engine::run`].
pub fn simulate(scenario: &Scenario, spec: &RunSpec) -> Result<(engine::RunOutput, RunResults), Error> {
    simulate_observed(scenario, spec, &engine::Unobserved)
}

fn simulate_observed(
    scenario: &Scenario,
    spec: &RunSpec,
    observer: &dyn engine::Observer,
) -> Result<(engine::RunOutput, RunResults), Error> {
    let output = engine::run_observed(scenario, spec, observer)?;
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
