//! `foramen psa`: probabilistic sensitivity analysis; writes the draws,
//! their cost-effectiveness summaries, charts and report.html.

use std::path::{Path, PathBuf};

use crate::analysis::Settings;
use crate::analysis::evppi::{self, Group, GroupEvppi};
use crate::analysis::psa::{self, MAX_DRAWS, PsaResults};
use crate::error::{Error, Setting};
use crate::estimate::psa::effective_population;
use crate::jobs::plot::{Pictures, draw_psa};
use crate::jobs::psa_report::write_psa_report;
use crate::jobs::report::REPORT;
use crate::jobs::{Destination, Job, Loaded, Source, Work, threads, timed};
use crate::output::Manifest;
use crate::output::psa_partial::{self, PsaPartial, PsaRun};
use crate::report::progress::Terminal;
use crate::report::{tables, terminal};
use crate::scenario::document::Overrides;
use crate::scenario::economics::MAX_WILLINGNESS_TO_PAY;
use crate::simulate::engine::Observer;
use crate::simulate::shard::Shard;

/// What `foramen psa` is asked for beyond the scenario and settings.
#[derive(Debug, Clone)]
pub struct PsaOptions {
    pub draws: u64,
    /// Inner-cohort patients per policy and draw.
    pub patients: u64,
    /// The top of the willingness-to-pay grid (default twice the
    /// scenario's largest value).
    pub wtp_max: Option<f64>,
    /// Patients a year the decision concerns, and for how many years.
    pub population: Option<f64>,
    pub years: u32,
    /// Run only this shard of the draws (merge with `foramen merge`).
    pub shard: Option<Shard>,
    /// Draw the parameters from this posterior sample (`posterior.csv` of
    /// `foramen calibrate`), row `d` for draw `d`, instead of the priors.
    pub posterior: Option<PathBuf>,
    /// Named groups of parameters for the EVPPI, besides every parameter
    /// alone and every joint belief of the scenario (`--group`).
    pub groups: Vec<Group>,
    /// Compute the EVPPI (with economics).
    pub evppi: bool,
    /// How the charts are drawn.
    pub pictures: Pictures,
}

/// What a finished `foramen psa` reports: the directory, the results
/// (`None` for a shard: they come with the merge) and the manifest.
pub struct PsaReport {
    pub dir: PathBuf,
    pub results: Option<PsaResults>,
    /// The EVPPI of every parameter and group (empty without economics or
    /// when not asked for).
    pub evppi: Vec<GroupEvppi>,
    pub manifest: Manifest,
}

impl std::fmt::Display for PsaReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(results) = &self.results else {
            return writeln!(
                f,
                "wrote PSA shard {} (merge all shards with `foramen merge`)",
                self.dir.display()
            );
        };
        write!(f, "{}", terminal::format_psa(results))?;
        write!(f, "{}", terminal::format_evppi(results, &self.evppi))?;
        writeln!(
            f,
            "\n{} draws x {} patients per policy in {:.2} s\nwrote {}",
            results.draws.len(),
            results.patients,
            self.manifest.simulation_seconds,
            self.dir.display()
        )
    }
}

/// Runs the draws and writes the analysis into a new directory.
///
/// # Errors
/// Bad options ([`Error::Usage`]), a scenario without distributions of
/// belief, a draw that breaks a rule, run and write failures.
pub fn psa(
    loaded: &Loaded,
    settings: &Settings,
    dest: &Destination,
    options: &PsaOptions,
    progress: bool,
) -> Result<PsaReport, Error> {
    let shard = options.shard.unwrap_or_default().chunks(options.draws);
    let paths = (shard.end - shard.start) * options.patients * loaded.scenario.policies().len() as u64;
    let terminal = Terminal::new(paths, progress);
    let report = psa_observed(loaded, settings, dest, options, &terminal);
    terminal.finish();
    report
}

/// [`psa`], telling `observer` of progress and stopping when it asks.
///
/// # Errors
/// As [`psa`].
pub fn psa_observed(
    loaded: &Loaded,
    settings: &Settings,
    dest: &Destination,
    options: &PsaOptions,
    observer: &dyn Observer,
) -> Result<PsaReport, Error> {
    if !(2..=MAX_DRAWS).contains(&options.draws) {
        return Err(Error::setting(
            Setting::Draws,
            options.draws,
            format!("use from 2 to {MAX_DRAWS} draws"),
        ));
    }
    if let Some(w) = options.wtp_max
        && !(w > 0.0 && w <= MAX_WILLINGNESS_TO_PAY)
    {
        return Err(Error::setting(
            Setting::WtpMax,
            w,
            format!("give an amount per QALY above 0 and at most {MAX_WILLINGNESS_TO_PAY:e}"),
        ));
    }
    if let Some(n) = options.population
        && !(n.is_finite() && n > 0.0)
    {
        return Err(Error::setting(
            Setting::Population,
            n,
            "give a positive number of patients a year",
        ));
    }
    let scenario = &loaded.scenario;
    let spec = settings.spec(scenario)?;
    let paths: Vec<String> = loaded.document.beliefs().iter().map(|b| b.path.clone()).collect();
    // The scenario's joint beliefs, then the groups of --group.
    let mut named = evppi::joint_groups(&loaded.document);
    named.extend(options.groups.iter().cloned());
    let groups = evppi::resolve(&paths, &named)?;
    if let (Some(g), Some(_)) = (options.groups.first(), options.shard) {
        return Err(Error::setting(
            Setting::Group,
            format!("{}={}", g.name, g.paths.join(",")),
            "named groups need every draw: run the whole analysis in one psa (the merge of shards reports every parameter alone)",
        ));
    }
    let posterior = match &options.posterior {
        None => None,
        Some(path) => {
            let paths: Vec<String> = loaded.document.beliefs().iter().map(|b| b.path.clone()).collect();
            let rows = tables::read_posterior(path, &paths)?;
            if options.draws > rows.len() as u64 {
                return Err(Error::setting(
                    Setting::Draws,
                    options.draws,
                    format!(
                        "the posterior sample {} has {} rows, one per draw: ask for {} draws or fewer (or calibrate with a larger posterior sample)",
                        path.display(),
                        rows.len(),
                        rows.len()
                    ),
                ));
            }
            Some(rows)
        }
    };
    let shard = options.shard.unwrap_or_default();
    let from = options
        .posterior
        .as_ref()
        .map(|p| format!(" --posterior {}", p.display()))
        .unwrap_or_default();
    let (command, suffix) = match options.shard {
        Some(s) => (
            format!("psa --draws {}{from} --shard {s}", options.draws),
            format!("-psa-shard-{}-of-{}", s.number(), s.count),
        ),
        None => (format!("psa --draws {}{from}", options.draws), "-psa".to_string()),
    };
    let mut job = Job::start(command, loaded, dest, &suffix)?;
    let range = shard.chunks(options.draws);
    let (draws, simulation_seconds) = timed(|| {
        psa::run(
            &loaded.document,
            &loaded.overrides,
            range.clone(),
            options.patients,
            settings.threads,
            posterior.as_deref(),
            observer,
        )
    })?;
    let stalled_paths = draws.iter().map(|d| d.stalled_paths).sum();
    let inner = crate::simulate::engine::RunSpec {
        patients: options.patients,
        ..spec.clone()
    };
    let work = Work {
        spec: &inner,
        threads: threads(settings),
        runs: (range.end - range.start) as usize,
        simulation_seconds,
        paths_per_second: None,
        stalled_paths,
    };
    if options.shard.is_some() {
        let run = PsaRun {
            foramen_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_text: loaded.source.text.clone(),
            scenario_file: loaded.source.file.clone(),
            scenario_sha256: crate::output::sha256_hex(&loaded.source.text),
            seed: scenario.simulation().seed,
            draws: options.draws,
            patients: options.patients,
            reference: settings.reference.clone(),
            wtp_max: options.wtp_max,
            population: options.population,
            years: options.years,
        };
        let file = PsaPartial::new(run, shard, &draws).write(job.dir())?;
        job.wrote([file]);
        let (dir, manifest) = job.finish(&work)?;
        return Ok(PsaReport {
            dir,
            results: None,
            evppi: Vec::new(),
            manifest,
        });
    }
    let (dir, results, evppi, manifest) = write(job, &work, loaded, draws, spec.reference, options, &groups)?;
    Ok(PsaReport {
        dir,
        results: Some(results),
        evppi,
        manifest,
    })
}

/// Summarises the draws and writes tables, charts and the manifest.
fn write(
    mut job: Job,
    work: &Work,
    loaded: &Loaded,
    draws: Vec<crate::analysis::psa::Draw>,
    reference: usize,
    options: &PsaOptions,
    groups: &[(Group, Vec<usize>)],
) -> Result<(PathBuf, PsaResults, Vec<GroupEvppi>, Manifest), Error> {
    let scenario = &loaded.scenario;
    let rate = scenario.economics().map_or(0.0, |e| e.discount_effects.annual);
    let population = options.population.map(|n| effective_population(n, options.years, rate));
    let results = psa::summarise(
        scenario,
        draws,
        options.patients,
        reference,
        options.wtp_max,
        population,
    );
    for (schema, frame) in tables::psa_frames(&results)? {
        job.wrote([tables::write(job.dir(), schema, frame)?]);
    }
    let evppi = if options.evppi && results.economics.is_some() {
        let found = evppi::compute(&results, groups, scenario.simulation().seed, work.threads)?;
        let frame = tables::evppi_frame(&results, &found)?;
        job.wrote([tables::write(job.dir(), &tables::evppi::EVPPI, frame)?]);
        found
    } else {
        Vec::new()
    };
    job.wrote([tables::write_labels(scenario, job.dir())?]);
    job.wrote(draw_psa(job.dir(), scenario, job.dir(), &options.pictures)?);
    let report = |dir: &Path, manifest: &Manifest| write_psa_report(dir, dir, loaded, manifest);
    let (dir, manifest) = job.finish_with(work, Some((REPORT, &report)))?;
    Ok((dir, results, evppi, manifest))
}

/// Merges the shard directories of one `foramen psa --shard K/N` into the
/// outputs of the whole analysis, byte-identical to one run's tables.
///
/// # Errors
/// As [`psa_partial::merge`]; invalid scenario text; write failures.
pub fn merge(dirs: &[PathBuf], dest: &Destination) -> Result<PsaReport, Error> {
    let (run, draws) = psa_partial::merge(dirs)?;
    let source = Source {
        text: run.scenario_text.clone(),
        file: run.scenario_file.clone(),
    };
    let overrides = Overrides {
        patients: Some(run.patients),
        seed: Some(run.seed),
        ..Overrides::default()
    };
    let loaded = Loaded::from_source(source, overrides)?;
    let settings = Settings {
        reference: run.reference.clone(),
        ..Settings::default()
    };
    let spec = settings.spec(&loaded.scenario)?;
    let options = PsaOptions {
        draws: run.draws,
        patients: run.patients,
        wtp_max: run.wtp_max,
        population: run.population,
        years: run.years,
        shard: None,
        posterior: None,
        groups: Vec::new(),
        evppi: true,
        pictures: Pictures::default(),
    };
    let paths: Vec<String> = loaded.document.beliefs().iter().map(|b| b.path.clone()).collect();
    let groups = evppi::resolve(&paths, &evppi::joint_groups(&loaded.document))?;
    let (beliefs, policies) = (loaded.document.beliefs().len(), loaded.scenario.policies().len());
    let curve = draws.first().and_then(|d| d.recovered.first()).map_or(0, Vec::len);
    for d in &draws {
        let shaped = d.parameters.len() == beliefs
            && d.policies.len() == policies
            && d.recovered.len() == policies
            && d.recovered.iter().all(|c| c.len() == curve);
        if !shaped {
            return Err(Error::Usage(format!(
                "draw {} holds {} parameters and {} policies where its scenario has {beliefs} distributions of belief and {policies} policies: the shards were changed or written by another build",
                d.draw,
                d.parameters.len(),
                d.policies.len()
            )));
        }
    }
    let job = Job::start(format!("merge of {} PSA shards", dirs.len()), &loaded, dest, "-psa")?;
    let work = Work {
        spec: &spec,
        threads: threads(&settings),
        runs: dirs.len(),
        simulation_seconds: 0.0,
        paths_per_second: None,
        stalled_paths: draws.iter().map(|d| d.stalled_paths).sum(),
    };
    let (dir, results, evppi, manifest) = write(job, &work, &loaded, draws, spec.reference, &options, &groups)?;
    Ok(PsaReport {
        dir,
        results: Some(results),
        evppi,
        manifest,
    })
}
