//! Jobs: a command's work from the scenario source to a complete output
//! directory. Each job reads its scenario once ([`Source`]), asks
//! `analysis` for results as plain data and hands them to `report` and
//! `output` through one skeleton ([`Job`]: the clock, the run directory,
//! the file list, the manifest, completion).

pub mod bench;
pub mod calibrate;
pub mod diff;
pub mod fit;
pub mod merge;
pub mod plot;
pub mod psa;
pub mod psa_report;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod sweep;
pub mod targets;
pub mod variants;

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use crate::analysis::Settings;
use crate::error::Error;
use crate::output::{Manifest, RunDir, default_dir, sha256_hex, utc_stamp};
use crate::scenario::document::{Document, Overrides};
use crate::scenario::{DEFAULT_FILE, DEFAULT_TOML, Scenario};
use crate::simulate::engine::RunSpec;
use crate::simulate::pathway::MAX_STEPS_PER_PATIENT;

/// The largest scenario file accepted.
pub const MAX_SCENARIO_BYTES: usize = 16 << 20;

/// A scenario's text, read once, with the name it was read from. The
/// manifest hashes these bytes: the ones that were validated.
#[derive(Debug, Clone)]
pub struct Source {
    pub text: String,
    pub file: String,
}

impl Source {
    /// Reads `path`, or takes the embedded default scenario when `None`.
    ///
    /// # Errors
    /// [`Error::Read`], or [`Error::Syntax`] for a file too large or not
    /// UTF-8 text.
    pub fn read(path: Option<&Path>) -> Result<Source, Error> {
        let Some(path) = path else {
            return Ok(Source {
                text: DEFAULT_TOML.to_string(),
                file: DEFAULT_FILE.to_string(),
            });
        };
        let text = read_text(path, "scenario")?;
        Ok(Source {
            text,
            file: path.display().to_string(),
        })
    }

    /// The parsed document.
    ///
    /// # Errors
    /// As [`Document::parse`].
    pub fn document(&self) -> Result<Document, Error> {
        Document::parse(&self.text, &self.file)
    }
}

/// Reads the TOML text file at `path`, `what` naming it in errors ("scenario").
///
/// # Errors
/// [`Error::Read`], or [`Error::Syntax`] for a file too large or not
/// UTF-8 text.
pub fn read_text(path: &Path, what: &str) -> Result<String, Error> {
    let file = path.display().to_string();
    let bytes = crate::output::read_capped(path, what, MAX_SCENARIO_BYTES as u64)?;
    String::from_utf8(bytes).map_err(|e| Error::Syntax {
        file,
        message: format!(
            "not UTF-8 text (invalid byte at offset {}); a {what} is a TOML text file",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// A source, its document and the scenario validated with the command
/// line's overrides.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub source: Source,
    pub document: Document,
    pub overrides: Overrides,
    pub scenario: Scenario,
}

/// Reads, parses and validates the scenario at `path` (the embedded default
/// when `None`) with `overrides`.
///
/// # Errors
/// As [`Source::read`] and [`Document::scenario`].
pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Loaded, Error> {
    Loaded::from_source(Source::read(path)?, overrides.clone())
}

impl Loaded {
    /// Parses and validates `source` with `overrides` (a scenario read from
    /// a file, or the text a shard recorded).
    ///
    /// # Errors
    /// As [`Document::parse`] and [`Document::scenario`].
    pub fn from_source(source: Source, overrides: Overrides) -> Result<Loaded, Error> {
        let document = source.document()?;
        let scenario = document.scenario(&overrides)?;
        Ok(Loaded {
            source,
            document,
            overrides,
            scenario,
        })
    }
}

/// What every job that writes a directory is told: where, and whether an
/// existing finished one may be replaced.
#[derive(Debug, Clone, Default)]
pub struct Destination {
    /// The directory; default `output/<scenario>[-<job>]-<UTC time>`.
    pub out: Option<PathBuf>,
    /// Replace an existing run directory once the new one is complete.
    pub force: bool,
}

/// The copy of the scenario text in every directory a job writes.
pub const SCENARIO_COPY: &str = "scenario.toml";

/// One job's skeleton: its clock, its run directory (written under a
/// temporary name and renamed into place when complete), the files written
/// and, last, the manifest.
pub struct Job<'a> {
    command: String,
    loaded: &'a Loaded,
    dir: RunDir,
    started: SystemTime,
    clock: Instant,
    files: Vec<String>,
}

/// Writes a last file into a finished job's directory, from its manifest.
pub type LastFile<'a> = dyn Fn(&Path, &Manifest) -> Result<(), Error> + 'a;

/// What a finished job's manifest says beyond the scenario and the files.
#[derive(Debug, Clone)]
pub struct Work<'a> {
    pub spec: &'a RunSpec,
    /// Threads used.
    pub threads: usize,
    /// Engine runs made (points of a sweep, ends of ranges).
    pub runs: usize,
    pub simulation_seconds: f64,
    /// Patient-paths simulated per second; default: every run's paths over
    /// the simulation time.
    pub paths_per_second: Option<f64>,
    /// Paths the step guard cut short, over every run.
    pub stalled_paths: u64,
}

impl<'a> Job<'a> {
    /// Starts the clock and creates the run directory: `dest.out`, or
    /// `output/<scenario><suffix>-<UTC time>`.
    ///
    /// # Errors
    /// As [`RunDir::create`]: an existing directory without `--force`, or
    /// one that cannot be created.
    pub fn start(
        command: impl Into<String>,
        loaded: &'a Loaded,
        dest: &Destination,
        suffix: &str,
    ) -> Result<Job<'a>, Error> {
        let started = SystemTime::now();
        let clock = Instant::now();
        let target = dest
            .out
            .clone()
            .unwrap_or_else(|| default_dir(&format!("{}{suffix}", loaded.scenario.name())));
        let dir = RunDir::create(&target, dest.force)?;
        for path in dir.abandoned() {
            eprintln!(
                "note: removed {}, the unfinished output of a run that was killed (its process is gone)",
                path.display()
            );
        }
        Ok(Job {
            command: command.into(),
            loaded,
            dir,
            started,
            clock,
            files: Vec::new(),
        })
    }

    /// Where files are written until [`Job::finish`].
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Records files written into the directory, by name or path.
    pub fn wrote<P: AsRef<Path>>(&mut self, files: impl IntoIterator<Item = P>) {
        self.files.extend(
            files
                .into_iter()
                .filter_map(|p| p.as_ref().file_name().map(|n| n.to_string_lossy().into_owned())),
        );
    }

    /// Writes the manifest last and moves the directory into place.
    ///
    /// # Errors
    /// As [`RunDir::complete`].
    pub fn finish(self, work: &Work) -> Result<(PathBuf, Manifest), Error> {
        self.finish_with(work, None)
    }

    /// [`Job::finish`], with one more file written from the finished
    /// manifest just before the manifest itself (report.html): its name,
    /// and what writes it into the directory.
    ///
    /// # Errors
    /// As [`Job::finish`], and whatever `last` fails with.
    pub fn finish_with(
        mut self,
        work: &Work,
        last: Option<(&str, &LastFile<'_>)>,
    ) -> Result<(PathBuf, Manifest), Error> {
        // The scenario's text as read and validated, so the directory
        // carries what it was made from.
        let copy = self.dir.path().join(SCENARIO_COPY);
        std::fs::write(&copy, &self.loaded.source.text).map_err(|source| Error::Output { path: copy, source })?;
        self.files.push(SCENARIO_COPY.into());
        if let Some((name, _)) = last {
            self.files.push(name.into());
        }
        self.files.push("manifest.json".into());
        let manifest = manifest(
            self.command,
            self.loaded,
            work,
            self.started,
            self.clock.elapsed().as_secs_f64(),
            self.files,
        );
        if work.stalled_paths > 0 {
            eprintln!(
                "warning: {} patient-paths never reached the horizon: each took {MAX_STEPS_PER_PATIENT} pathway steps (relapse cycles of almost no length) and was censored as symptomatic from there. Check relapse and recovery times near zero; the count is in manifest.json (stalled_paths).",
                work.stalled_paths
            );
        }
        if let Some((_, write)) = last {
            write(self.dir.path(), &manifest)?;
        }
        let dir = self.dir.complete(&manifest)?;
        Ok((dir, manifest))
    }
}

/// What manifest.json says of a job: `command` run on `loaded`, as `work`
/// says, started at `started` and taking `wall_time_seconds`, writing
/// `files`.
pub fn manifest(
    command: String,
    loaded: &Loaded,
    work: &Work,
    started: SystemTime,
    wall_time_seconds: f64,
    files: Vec<String>,
) -> Manifest {
    let (scenario, spec) = (&loaded.scenario, work.spec);
    let paths = spec.patients as f64 * scenario.policies().len() as f64 * work.runs as f64;
    Manifest {
        foramen_version: env!("CARGO_PKG_VERSION").to_string(),
        command,
        argv: std::env::args().collect(),
        scenario: scenario.name().to_string(),
        scenario_file: loaded.source.file.clone(),
        scenario_sha256: sha256_hex(&loaded.source.text),
        seed: spec.seed,
        patients_per_policy: spec.patients,
        policies: scenario.policies().iter().map(|p| p.name.clone()).collect(),
        horizon_days: scenario.simulation().horizon_days,
        subgroups_by: scenario.simulation().subgroups.clone(),
        common_random_numbers: !spec.independent,
        threads: work.threads,
        runs: work.runs,
        started_utc: utc_stamp(started),
        wall_time_seconds,
        simulation_seconds: work.simulation_seconds,
        patients_per_second: work
            .paths_per_second
            .unwrap_or(paths / work.simulation_seconds.max(1e-9)),
        stalled_paths: work.stalled_paths,
        core: spec.core.for_run(scenario, spec.keep_events).describe(spec.lanes),
        files,
    }
}

/// The threads a run on `settings` uses.
pub fn threads(settings: &Settings) -> usize {
    if settings.threads == 0 {
        rayon::current_num_threads()
    } else {
        settings.threads
    }
}

/// Times `f` in seconds.
pub fn timed<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<(T, f64), Error> {
    let clock = Instant::now();
    let value = f()?;
    Ok((value, clock.elapsed().as_secs_f64()))
}

/// A chart-writing error as a run-time error.
pub fn plot_error(e: crate::report::plot::PlotError) -> Error {
    Error::Runtime(e.to_string())
}
