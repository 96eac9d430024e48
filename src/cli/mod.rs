//! The command line: clap types and dispatch. The only clap code.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::analysis::Settings;
use crate::analysis::bench::BenchPlan;
use crate::analysis::sweep::{Measure, Span};
use crate::error::{DirProblem, Error, Setting};
use crate::jobs::{self, Destination, Source};
use crate::outcome::{self, OutcomeDef};
use crate::output::psa_partial::is_psa_shard;
use crate::report::plot::{BASE_DPI, Format, Length, Style, Theme, TimeUnit};
use crate::report::terminal;
use crate::scenario::document::Overrides;
use crate::simulate::engine::{Core, Unobserved};
use crate::simulate::shard::Shard;

#[derive(Debug, Parser)]
#[command(
    name = "foramen",
    version,
    about = "Monte Carlo outcomes of stepwise treatment pathways for severe foraminal stenosis",
    long_about = "Simulates synthetic cohorts through treatment-pathway policies (conservative care, \
minimally invasive decompression, surgery, fusion when unstable) and compares the policies with 95% \
intervals. Without a scenario file, commands use the embedded default scenario \
(scenarios/foraminal-stenosis.toml).\n\nExit codes: 0 success, 1 failure while running or writing, \
2 bad input or usage, 130 interrupted (Ctrl-C)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write tables and plots to a new run directory.
    Run(RunArgs),
    /// Check scenario files and report every problem found, one per file.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Describe the scenario in words: the shared parts once, the first
    /// policy in full, each other policy as what differs from it.
    Describe {
        #[command(flatten)]
        scenario: ScenarioArg,
        /// Also draw the model as a diagram into this SVG file.
        #[arg(long, value_name = "FILE.svg")]
        graph: Option<PathBuf>,
    },
    /// Run the scenario at several values of one parameter (same patients at
    /// every point); writes sweep.csv and a chart per outcome.
    Sweep(SweepArgs),
    /// One-way sensitivity: each parameter in the scenario's [ranges] at its
    /// low and high value; writes sensitivity.csv and a tornado diagram.
    Sensitivity(SensitivityArgs),
    /// Structural variants: the scenario and each of its [[variants]] on the
    /// same patients; writes variants.csv, decision.csv and a chart of the
    /// best policy at each willingness to pay under each.
    Variants(VariantsArgs),
    /// Probabilistic sensitivity analysis: draw every distribution of
    /// belief, simulate a cohort per draw; writes psa.csv, the dampack/BCEA
    /// layouts, acceptability curves, EVPI and charts.
    Psa(PsaArgs),
    /// Combine the shard directories of one run (`run --shard K/N`) into the
    /// full outputs.
    Merge {
        /// Shard directories, all N of them.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        #[command(flatten)]
        output: OutArgs,
    },
    /// The model value of every published target (scenarios/targets/*.toml)
    /// against its published band; writes targets.csv and a chart.
    Targets(TargetsArgs),
    /// Fit the scenario's distributions of belief to published targets:
    /// a posterior sample (IMIS) and the posterior mode (Nelder-Mead);
    /// writes calibration.csv, posterior.csv (for `psa --posterior`), the
    /// targets before and after, and a chart.
    Calibrate(CalibrateArgs),
    /// Distributions from data: fit time-to-event families (right
    /// censoring, left truncation, covariates) or a response probability
    /// to a CSV file; writes fits.csv, the fits over the Kaplan-Meier
    /// curve, and fit.toml (the chosen family and its joint belief, for a
    /// scenario).
    Fit(FitArgs),
    /// Two run directories side by side: A minus B for every estimate of
    /// summary.csv, with unpaired 95% intervals, and a note of what differs
    /// (scenario, version, seed, patients, horizon).
    Diff {
        /// Run directory A.
        a: PathBuf,
        /// Run directory B.
        b: PathBuf,
    },
    /// Draw every chart of a run directory again from its tables, in another
    /// size, resolution, theme or format, with report.html; into the run
    /// directory or --out.
    Plot(PlotArgs),
    /// Time the scenario at several cohort sizes and thread counts against a
    /// draws-only baseline; writes bench.csv and a scaling chart.
    Bench(BenchArgs),
    /// Check the simulator against exact answers (scenarios/validation);
    /// exits 1 if any check fails.
    Verify {
        /// Patients per policy (default: each validation scenario's own, 200000).
        #[arg(long, value_name = "N")]
        patients: Option<u64>,
        #[command(flatten)]
        threads: ThreadsArg,
    },
}

/// The arguments of `foramen fit` (docs/fitting.md).
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// The data: a CSV file with a header row, one row per patient (or per
    /// group, with --trials).
    pub data: PathBuf,
    /// Column of times to the event or to censoring (numbers above 0).
    #[arg(
        long,
        value_name = "COL",
        required_unless_present = "response",
        conflicts_with = "response"
    )]
    pub time: Option<String>,
    /// Column of event codes: 1 the event happened at that time, 0 censored.
    #[arg(
        long,
        value_name = "COL",
        required_unless_present = "response",
        conflicts_with = "response"
    )]
    pub event: Option<String>,
    /// Column of entry times, for left truncation: a row was seen only
    /// because its time exceeded its entry time.
    #[arg(long, value_name = "COL", conflicts_with = "response")]
    pub entry: Option<String>,
    /// Covariates on the location parameter (or the log odds): numbers act
    /// linearly (centred at their means, so fit.toml's baseline is there),
    /// text as a factor against its first level in sorted order.
    #[arg(long, value_name = "COL,...", value_delimiter = ',')]
    pub by: Vec<String>,
    /// Families to fit.
    #[arg(long, value_name = "F,...", value_delimiter = ',', value_parser = parse_family,
          default_value = "exponential,weibull,lognormal,loglogistic,gamma,gompertz,gengamma")]
    pub families: Vec<crate::estimate::fit::Family>,
    /// The family fit.toml gives; default the lowest AIC among those that converged.
    #[arg(long, value_name = "F", value_parser = parse_family, conflicts_with = "response")]
    pub choose: Option<crate::estimate::fit::Family>,
    /// Column of responses instead of times: 0/1 per row, or the number
    /// of responses out of --trials.
    #[arg(long, value_name = "COL")]
    pub response: Option<String>,
    /// Column of trials per row, for --response counts.
    #[arg(long, value_name = "COL", requires = "response")]
    pub trials: Option<String>,
    /// The scenario key path fit.toml is for (default
    /// interventions.NAME.recovery_time, or interventions.NAME.response).
    #[arg(long, value_name = "PATH")]
    pub key: Option<String>,
    /// The unit of the data's times; fit.toml says it (`unit = "weeks"`).
    #[arg(long, value_enum, default_value_t = UnitArg::Days)]
    pub unit: UnitArg,
    #[command(flatten)]
    pub output: OutArgs,
}

/// A time unit of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UnitArg {
    Days,
    Weeks,
}

/// A family `foramen fit` knows, by name.
fn parse_family(name: &str) -> Result<crate::estimate::fit::Family, String> {
    use crate::estimate::fit::{FAMILIES, Family};
    Family::parse(name).ok_or_else(|| {
        let names: Vec<&str> = FAMILIES.iter().map(|f| f.name()).collect();
        format!(
            "no family {name}: the families are {}{}",
            names.join(", "),
            crate::error::did_you_mean(name, names.iter().copied())
        )
    })
}

/// `foramen fit`.
fn fit_command(args: FitArgs) -> Result<(), Error> {
    use crate::estimate::fit::data::Roles;
    use jobs::fit::{FitRequest, Unit};
    let request = FitRequest {
        data: args.data,
        roles: Roles {
            time: args.time,
            event: args.event,
            entry: args.entry,
            response: args.response,
            trials: args.trials,
            by: args.by,
        },
        families: args.families,
        choose: args.choose,
        key: args.key,
        unit: match args.unit {
            UnitArg::Days => Unit::Days,
            UnitArg::Weeks => Unit::Weeks,
        },
        pictures: jobs::plot::Pictures::default(),
    };
    args.output.show(jobs::fit::fit(&request, &args.output.destination())?)
}

/// The seed and the threads of the commands that simulate.
#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    /// Random seed (overrides simulation.seed).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub threads: ThreadsArg,
}

/// The worker threads of the commands that simulate.
#[derive(Debug, Clone, clap::Args)]
pub struct ThreadsArg {
    /// Worker threads; default one per core. Results do not depend on it.
    #[arg(long, value_name = "T", default_value_t = 0, hide_default_value = true)]
    pub threads: usize,
    /// The core that walks the paths: the batched core where it covers
    /// the scenario (docs/performance.md), or the per-patient walk for
    /// every path. Results do not depend on it.
    #[arg(long, value_enum, default_value_t = CoreArg::Batched)]
    pub core: CoreArg,
    /// SIMD lanes of the batched core's draws: auto (as many doubles as
    /// the CPU's widest vector register holds), or 1 (the narrow path), 2,
    /// 4 or 8. Results do not depend on it.
    #[arg(long, value_name = "N", default_value = "auto", value_parser = ["auto", "1", "2", "4", "8"])]
    pub lanes: String,
}

/// `--core`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CoreArg {
    Batched,
    Scalar,
}

/// The scenario file of the commands that load one.
#[derive(Debug, Clone, clap::Args)]
pub struct ScenarioArg {
    /// Scenario file (TOML); the embedded default scenario if omitted.
    pub scenario: Option<PathBuf>,
}

impl ScenarioArg {
    fn path(&self) -> Option<&Path> {
        self.scenario.as_deref()
    }
}

/// The cohort flags of the commands that simulate.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Patients per policy (overrides simulation.patients).
    #[arg(long, value_name = "N")]
    pub patients: Option<u64>,
    #[command(flatten)]
    pub seed: SeedArgs,
}

/// Where a command writes, and how loudly.
#[derive(Debug, Clone, clap::Args)]
pub struct OutArgs {
    /// Output directory (must not exist); default under output/, named
    /// after the scenario and the UTC time.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing output directory, once the new one is complete.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors (no table, no progress bar).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub scenario: ScenarioArg,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Horizon in days (overrides simulation.horizon_days).
    #[arg(long, value_name = "DAYS")]
    pub horizon: Option<f64>,
    /// Covariates to split the subgroup table by (overrides simulation.subgroups).
    #[arg(long, value_name = "COV,...", value_delimiter = ',')]
    pub by: Option<Vec<String>>,
    /// Also write patients.parquet, one row per patient and policy.
    #[arg(long)]
    pub patients_out: bool,
    /// Also write events.parquet, one row per event of every path.
    #[arg(long)]
    pub events_out: bool,
    /// Run each policy on its own random streams (no common random numbers).
    #[arg(long)]
    pub independent: bool,
    /// Policy the others are compared with (comparison.csv); default the first.
    #[arg(long, value_name = "NAME")]
    pub reference: Option<String>,
    /// Simulate only shard K of N (counted from 1: 1/N to N/N) and write mergeable partial
    /// results; combine the shard directories with `foramen merge`.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    #[command(flatten)]
    pub output: OutArgs,
}

#[derive(Debug, clap::Args)]
pub struct PsaArgs {
    #[command(flatten)]
    pub scenario: ScenarioArg,
    /// Outer draws of the uncertain parameters.
    #[arg(long, value_name = "D", default_value_t = 1000)]
    pub draws: u64,
    /// Patients per policy in each draw's cohort.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub patients: u64,
    /// The seed (draw d's parameters and cohort depend only on it and d)
    /// and worker threads.
    #[command(flatten)]
    pub seed: SeedArgs,
    /// The policy incremental values are taken against (default the first).
    #[arg(long, value_name = "POLICY")]
    pub reference: Option<String>,
    /// Top of the willingness-to-pay grid, currency per QALY (default twice
    /// the scenario's largest value, or 100000).
    #[arg(long, value_name = "AMOUNT")]
    pub wtp_max: Option<f64>,
    /// Patients a year the decision concerns, for the population EVPI.
    #[arg(long, value_name = "N")]
    pub population: Option<f64>,
    /// Years the decision stands, for the population EVPI (discounted at
    /// the effects' rate).
    #[arg(long, value_name = "Y", default_value_t = 10)]
    pub years: u32,
    /// Run only shard K of N of the draws (counted from 1: 1/N to N/N) and write mergeable
    /// draws; combine the shard directories with `foramen merge`.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Draw the parameters from a calibration's posterior sample (the
    /// posterior.csv of `foramen calibrate`; row d for draw d) instead of
    /// the distributions of belief.
    #[arg(long, value_name = "FILE")]
    pub posterior: Option<PathBuf>,
    /// A named group of parameters for the EVPPI, as NAME=PATH,PATH (key
    /// paths of distributions of belief); repeat for more groups. Every
    /// parameter alone is always reported.
    #[arg(long, value_name = "NAME=PATHS", value_parser = crate::analysis::evppi::parse_group)]
    pub group: Vec<crate::analysis::evppi::Group>,
    /// Skip the EVPPI (evppi.csv and its chart).
    #[arg(long)]
    pub no_evppi: bool,
    #[command(flatten)]
    pub style: StyleArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArg,
    /// Dotted key path of the number to vary, e.g.
    /// interventions.tfesi.response.probability or policies.stepwise.steps[0].attempts.
    #[arg(long, value_name = "KEY")]
    pub param: String,
    /// The values to run, comma-separated.
    #[arg(
        long,
        value_name = "A,B,C",
        value_delimiter = ',',
        conflicts_with = "range",
        required_unless_present = "range"
    )]
    pub values: Option<Vec<f64>>,
    /// A range LO..HI run at --steps evenly spaced points.
    #[arg(long, value_name = "LO..HI", value_parser = Span::parse)]
    pub range: Option<Span>,
    /// Points in --range, ends included (2 to 1000).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u64).range(2..=1000))]
    pub steps: u64,
    /// Outcomes to chart (columns of summary.csv).
    #[arg(
        long,
        value_name = "NAME,...",
        value_delimiter = ',',
        default_value = "recovered,median_days,surgery",
        value_parser = outcome::parse
    )]
    pub outcome: Vec<&'static OutcomeDef>,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub style: StyleArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    #[command(flatten)]
    pub scenario: ScenarioArg,
    /// The outcome (a column of summary.csv). Default: with [economics],
    /// the decision (the incremental net benefit, see --wtp); without,
    /// recovered.
    #[arg(long, value_name = "NAME", value_parser = outcome::parse, conflicts_with = "wtp")]
    pub outcome: Option<&'static OutcomeDef>,
    /// The policy whose outcome is measured; default the first.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["contrast", "wtp"])]
    pub policy: Option<String>,
    /// Measure the paired difference A minus B instead (of the outcome,
    /// or of net benefit). Default for the decision: the best policy in
    /// the base case minus the runner-up.
    #[arg(long, value_name = "A,B", value_parser = policy_pair)]
    pub contrast: Option<(String, String)>,
    /// The willingness to pay per QALY the decision is taken at: one of
    /// the scenario's economics.willingness_to_pay values; default the
    /// first.
    #[arg(long, value_name = "AMOUNT")]
    pub wtp: Option<f64>,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub style: StyleArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

#[derive(Debug, clap::Args)]
pub struct VariantsArgs {
    #[command(flatten)]
    pub scenario: ScenarioArg,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Horizon in days (overrides simulation.horizon_days, except in a
    /// variant that sets it).
    #[arg(long, value_name = "DAYS")]
    pub horizon: Option<f64>,
    /// Policy the paired differences of variants.csv are taken against;
    /// default the first.
    #[arg(long, value_name = "NAME")]
    pub reference: Option<String>,
    #[command(flatten)]
    pub style: StyleArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

#[derive(Debug, clap::Args)]
pub struct TargetsArgs {
    #[command(flatten)]
    pub scenario: ScenarioArg,
    /// Targets file (TOML; docs/targets.md); default the embedded targets
    /// of the default scenario (scenarios/targets/foraminal-stenosis.toml).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Horizon in days (overrides simulation.horizon_days and the targets
    /// file's horizon_days).
    #[arg(long, value_name = "DAYS")]
    pub horizon: Option<f64>,
    #[command(flatten)]
    pub style: StyleArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub scenario: ScenarioArg,
    /// Targets file (TOML; docs/targets.md); default the embedded targets
    /// of the default scenario.
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// Patients per policy in each evaluation (the same seed every time:
    /// common random numbers).
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    pub patients: u64,
    #[command(flatten)]
    pub seed: SeedArgs,
    /// Horizon in days (overrides simulation.horizon_days and the targets
    /// file's horizon_days).
    #[arg(long, value_name = "DAYS")]
    pub horizon: Option<f64>,
    /// IMIS: points drawn from the prior.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub prior_points: u64,
    /// IMIS: points added per round.
    #[arg(long, value_name = "B", default_value_t = 100)]
    pub batch: u64,
    /// IMIS: the most rounds.
    #[arg(long, value_name = "K", default_value_t = 20)]
    pub rounds: u32,
    /// Points in the posterior sample.
    #[arg(long, value_name = "J", default_value_t = 1000)]
    pub posterior: u64,
    /// Nelder-Mead: the most iterations of the posterior-mode search.
    #[arg(long, value_name = "I", default_value_t = 300)]
    pub iterations: u64,
    /// Calibrate only these distributions of belief (key paths); default
    /// every one that can change a path.
    #[arg(long, value_name = "KEY,...", value_delimiter = ',')]
    pub params: Vec<String>,
    /// Hold out these targets (names in the targets file) besides those it
    /// marks `holdout = true`: left out of the fit, reported after it as
    /// out-of-sample validation.
    #[arg(long, value_name = "NAME,...", value_delimiter = ',', value_parser = target_name)]
    pub holdout: Vec<String>,
    #[command(flatten)]
    pub style: StyleArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub scenario: ScenarioArg,
    /// Patients per policy, one measurement per size.
    #[arg(long, value_name = "N,...", value_delimiter = ',', default_value = "100000,1000000")]
    pub patients: Vec<u64>,
    /// Thread counts; default 1 and one per core.
    #[arg(long, value_name = "T,...", value_delimiter = ',')]
    pub threads: Option<Vec<usize>>,
    /// Timings per measurement; the fastest is reported.
    #[arg(long, value_name = "R", default_value_t = 3)]
    pub repeats: u32,
    /// Random seed (overrides simulation.seed).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub style: StyleArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

/// How a command draws its charts: `foramen plot` and every command that
/// writes charts take these.
#[derive(Debug, Clone, clap::Args)]
pub struct StyleArgs {
    /// Picture formats, comma-separated: png, svg, pdf.
    #[arg(long, value_name = "FORMAT,...", value_delimiter = ',', default_value = "png,svg", value_parser = Format::parse)]
    pub format: Vec<Format>,
    /// Picture width: inches (7in), centimetres (18cm) or pixels (2100px);
    /// default each chart's own (12in for most). Given alone, charts keep
    /// their proportions.
    #[arg(long, value_name = "LENGTH", value_parser = Length::parse)]
    pub width: Option<Length>,
    /// Picture height, as --width.
    #[arg(long, value_name = "LENGTH", value_parser = Length::parse)]
    pub height: Option<Length>,
    /// Dots per inch: PNG pixels per inch of picture (text and lines grow
    /// with it, so the picture is the same, sharper).
    #[arg(long, value_name = "DPI", default_value_t = BASE_DPI)]
    pub dpi: f64,
    /// Draw charts without their titles (for figures captioned elsewhere).
    #[arg(long)]
    pub no_title: bool,
    /// paper (the run's look) or slides (16:9, larger text and lines).
    #[arg(long, value_name = "THEME", default_value = "paper", value_parser = Theme::parse)]
    pub theme: Theme,
    /// Size of axis labels in points (other text keeps its proportion);
    /// default the theme's (14.4 for paper).
    #[arg(long, value_name = "PT")]
    pub font_size: Option<f64>,
    /// The unit of time axes: days, weeks, months or years; default
    /// chosen by the horizon (days to 8 weeks, weeks to 6 months, months
    /// to 2 years, years beyond).
    #[arg(long, value_name = "UNIT", value_parser = TimeUnit::parse)]
    pub time_unit: Option<TimeUnit>,
}

impl StyleArgs {
    /// The style and formats asked for (each format once), checked.
    ///
    /// # Errors
    /// As [`jobs::plot::Pictures::check`].
    fn pictures(&self) -> Result<jobs::plot::Pictures, Error> {
        let mut formats = self.format.clone();
        formats.sort();
        formats.dedup();
        let pictures = jobs::plot::Pictures {
            style: Style {
                width: self.width,
                height: self.height,
                dpi: self.dpi,
                title: !self.no_title,
                theme: self.theme,
                font_size: self.font_size,
                time_unit: self.time_unit,
            },
            formats,
        };
        pictures.check()?;
        Ok(pictures)
    }
}

#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// A directory written by `foramen run`, `merge`, `psa`,
    /// `sensitivity`, `bench`, `sweep`, `variants`, `targets` or
    /// `calibrate`.
    pub run_dir: PathBuf,
    #[command(flatten)]
    pub style: StyleArgs,
    /// Folder for the pictures (created if missing); default the
    /// directory drawn. Pictures of the same name are replaced.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The most worker threads accepted.
pub const MAX_THREADS: usize = 1024;

/// Checks a thread count (0: one per core).
fn check_threads(threads: usize) -> Result<usize, Error> {
    if threads > MAX_THREADS {
        return Err(Error::Usage(format!(
            "--threads {threads}: use between 1 and {MAX_THREADS} threads (0 = one per core)"
        )));
    }
    Ok(threads)
}

/// Checks a patient count.
fn check_patients(n: u64) -> Result<u64, Error> {
    crate::scenario::check_patients("patients", n)
        .map_err(|invalid| Error::Usage(format!("--patients {}: {}", invalid.value, invalid.problem)))
}

impl SimArgs {
    fn overrides(&self) -> Result<Overrides, Error> {
        Ok(Overrides {
            patients: self.patients.map(check_patients).transpose()?,
            seed: self.seed.seed,
            ..Overrides::default()
        })
    }

    fn settings(&self) -> Result<Settings, Error> {
        let threads = &self.seed.threads;
        Ok(Settings {
            threads: check_threads(threads.threads)?,
            core: match threads.core {
                CoreArg::Batched => Core::Batched,
                CoreArg::Scalar => Core::Scalar,
            },
            // One of the values clap allows; "auto" is 0.
            lanes: threads.lanes.parse().unwrap_or(0),
            ..Settings::default()
        })
    }
}

impl OutArgs {
    fn destination(&self) -> Destination {
        Destination {
            out: self.out.clone(),
            force: self.force,
        }
    }

    /// Prints a job's report unless `--quiet`.
    fn show(&self, report: impl std::fmt::Display) -> Result<(), Error> {
        if !self.quiet {
            print!("{}", terminal::safe(&report.to_string()));
        }
        Ok(())
    }
}

/// Parses the command line and runs the command.
///
/// # Errors
/// Whatever the command fails with; clap's own usage errors exit 2 there.
pub fn main() -> Result<(), Error> {
    dispatch(Cli::parse().command).map_err(flagged)
}

/// Runs a command.
fn dispatch(command: Command) -> Result<(), Error> {
    match command {
        Command::Run(args) => run_command(args),
        Command::Validate { scenarios } => validate(&scenarios),
        Command::Describe { scenario, graph } => {
            let loaded = jobs::load(scenario.path(), &Overrides::default())?;
            print!(
                "{}",
                terminal::safe(&crate::analysis::describe::describe(&loaded.scenario))
            );
            if let Some(path) = graph {
                std::fs::write(&path, crate::report::diagram::svg(&loaded.scenario))
                    .map_err(|source| Error::Output { path, source })?;
            }
            Ok(())
        }
        Command::Sweep(args) => sweep_command(args),
        Command::Sensitivity(args) => sensitivity_command(args),
        Command::Variants(args) => variants_command(args),
        Command::Psa(args) => psa_command(args),
        Command::Merge { shards, output } if shards.first().is_some_and(|d| is_psa_shard(d)) => {
            output.show(jobs::psa::merge(&shards, &output.destination())?)
        }
        Command::Merge { shards, output } => output.show(jobs::merge::merge(&shards, &output.destination())?),
        Command::Bench(args) => bench_command(args),
        Command::Plot(args) => plot_command(args),
        Command::Targets(args) => targets_command(args),
        Command::Diff { a, b } => {
            print!("{}", terminal::safe(&jobs::diff::diff(&a, &b)?.to_string()));
            Ok(())
        }
        Command::Calibrate(args) => calibrate_command(args),
        Command::Fit(args) => fit_command(args),
        Command::Verify { patients, threads } => {
            let threads = check_threads(threads.threads)?;
            patients.map(check_patients).transpose()?;
            let checks = crate::analysis::verify::verify(patients, threads)?;
            print!("{}", terminal::format_checks(&checks));
            let failed = checks.iter().filter(|c| !c.passed()).count();
            if failed > 0 {
                return Err(Error::Runtime(format!(
                    "verify: {failed} of {} checks failed",
                    checks.len()
                )));
            }
            Ok(())
        }
    }
}

/// `A,B`: two policy names.
fn policy_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once(',') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
            Ok((a.trim().to_string(), b.trim().to_string()))
        }
        _ => Err("write two policy names as A,B".into()),
    }
}

/// A target's name as `--holdout` takes it: not empty (the targets file
/// says which names exist).
fn target_name(text: &str) -> Result<String, String> {
    match text.trim() {
        "" => Err("write target names separated by commas, as in the targets file".into()),
        name => Ok(name.to_string()),
    }
}

/// The flag of a setting the core names.
fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::Patients => "--patients",
        Setting::Horizon => "--horizon",
        Setting::By => "--by",
        Setting::Reference => "--reference",
        Setting::PatientsOut => "--patients-out",
        Setting::EventsOut => "--events-out",
        Setting::Param => "--param",
        Setting::Range => "--range",
        Setting::Outcome => "--outcome",
        Setting::Contrast => "--contrast",
        Setting::Params => "--params",
        Setting::Holdout => "--holdout",
        Setting::Draws => "--draws",
        Setting::PriorPoints => "--prior-points",
        Setting::Batch => "--batch",
        Setting::Posterior => "--posterior",
        Setting::WtpMax => "--wtp-max",
        Setting::Wtp => "--wtp",
        Setting::Population => "--population",
        Setting::Group => "--group",
        Setting::Format => "--format",
        Setting::Dpi => "--dpi",
        Setting::FontSize => "--font-size",
        Setting::Width => "--width",
        Setting::Height => "--height",
    }
}

/// A setting out of range, said with its flag: `--draws 1: use from 2 to
/// 100000 draws`; an output directory or location that cannot be used,
/// with `--out` and `--force`.
fn flagged(e: Error) -> Error {
    match e {
        Error::Setting { setting, value, rule } => Error::Usage(format!("{} {value}: {rule}", flag(setting))),
        Error::OutputDir { path, problem } => Error::Usage(match problem {
            DirProblem::Exists => format!(
                "the output directory {} already exists; a run never writes into an existing directory: choose another --out, remove it, or add --force to replace it once the new run completes",
                path.display()
            ),
            DirProblem::NotARun => format!(
                "--force replaces only a finished run directory (one with manifest.json); {} is not one",
                path.display()
            ),
            DirProblem::Appeared => format!(
                "the output directory {} appeared while the run was writing; choose another --out",
                path.display()
            ),
        }),
        e @ Error::Output { .. } => Error::Runtime(format!("{e}: choose another --out")),
        other => other,
    }
}

fn psa_command(args: PsaArgs) -> Result<(), Error> {
    let settings = Settings {
        threads: check_threads(args.seed.threads.threads)?,
        reference: args.reference.clone(),
        ..Settings::default()
    };
    let overrides = Overrides {
        patients: Some(check_patients(args.patients)?),
        seed: args.seed.seed,
        ..Overrides::default()
    };
    let loaded = jobs::load(args.scenario.path(), &overrides)?;
    let options = jobs::psa::PsaOptions {
        draws: args.draws,
        patients: args.patients,
        wtp_max: args.wtp_max,
        population: args.population,
        years: args.years,
        shard: args.shard,
        posterior: args.posterior.clone(),
        groups: args.group.clone(),
        evppi: !args.no_evppi,
        pictures: args.style.pictures()?,
    };
    let report = jobs::psa::psa(
        &loaded,
        &settings,
        &args.output.destination(),
        &options,
        !args.output.quiet,
    )?;
    args.output.show(report)
}

fn sweep_command(args: SweepArgs) -> Result<(), Error> {
    let settings = args.sim.settings()?;
    let loaded = jobs::load(args.scenario.path(), &args.sim.overrides()?)?;
    let values = match (&args.values, &args.range) {
        (Some(v), _) => v.clone(),
        (None, Some(range)) => whole_range(&loaded, &args.param, *range, args.steps)?,
        (None, None) => return Err(Error::Usage("give --values A,B,C or --range LO..HI".into())),
    };
    let of = jobs::sweep::SweepOf {
        param: &args.param,
        values: &values,
        outcomes: &args.outcome,
    };
    let report = jobs::sweep::sweep(
        &loaded,
        &settings,
        &args.output.destination(),
        of,
        &args.style.pictures()?,
        &Unobserved,
    )?;
    args.output.show(report)
}

/// `--range` points, refused with the whole numbers to give instead when
/// the parameter is whole and a point is not.
fn whole_range(loaded: &jobs::Loaded, param: &str, range: Span, steps: u64) -> Result<Vec<f64>, Error> {
    let values = range.points(steps as usize);
    if !loaded.document.is_whole(param) || values.iter().all(|v| v.fract() == 0.0) {
        return Ok(values);
    }
    let (lo, hi) = (values[0].ceil(), values[values.len() - 1].floor());
    let whole: Vec<String> = (0..=((hi - lo) as usize).min(50))
        .map(|i| (lo + i as f64).to_string())
        .collect();
    let points: Vec<String> = values.iter().map(f64::to_string).collect();
    Err(Error::Usage(format!(
        "--range {}..{} --steps {steps} gives {}, but {param} is a whole number: give --values {} (or --steps {})",
        range.lo,
        range.hi,
        points.join(", "),
        whole.join(","),
        whole.len()
    )))
}

fn sensitivity_command(args: SensitivityArgs) -> Result<(), Error> {
    let settings = args.sim.settings()?;
    let loaded = jobs::load(args.scenario.path(), &args.sim.overrides()?)?;
    let target = Measure::choose(
        &loaded.scenario,
        args.outcome,
        args.policy.clone(),
        args.contrast.clone(),
        args.wtp,
    )?;
    let pictures = args.style.pictures()?;
    let report = jobs::sensitivity::sensitivity(
        &loaded,
        &settings,
        &args.output.destination(),
        target,
        &pictures,
        &Unobserved,
    )?;
    args.output.show(report)
}

fn variants_command(args: VariantsArgs) -> Result<(), Error> {
    let settings = Settings {
        reference: args.reference.clone(),
        ..args.sim.settings()?
    };
    let overrides = Overrides {
        horizon_days: args.horizon,
        ..args.sim.overrides()?
    };
    let loaded = jobs::load(args.scenario.path(), &overrides)?;
    let pictures = args.style.pictures()?;
    let report = jobs::variants::variants(&loaded, &settings, &args.output.destination(), &pictures)?;
    args.output.show(report)
}

/// Says on stderr when the horizon was extended to the targets' follow-up.
fn note_horizon(input: &jobs::targets::WithTargets) {
    if let Some((own, used)) = input.extended_horizon {
        eprintln!(
            "note: the scenario's horizon ({own} days) is shorter than the targets' follow-up: run with a horizon of {used} days (horizon_days in {}; --horizon to choose)",
            input.targets.file
        );
    }
}

fn targets_command(args: TargetsArgs) -> Result<(), Error> {
    let settings = args.sim.settings()?;
    let overrides = Overrides {
        horizon_days: args.horizon,
        ..args.sim.overrides()?
    };
    let input = jobs::targets::load_with_targets(args.scenario.path(), &overrides, args.targets.as_deref())?;
    let quiet = args.output.quiet;
    if !quiet {
        note_horizon(&input);
    }
    let pictures = args.style.pictures()?;
    let report = jobs::targets::targets(input, &settings, &args.output.destination(), !quiet, &pictures)?;
    args.output.show(report)
}

fn calibrate_command(args: CalibrateArgs) -> Result<(), Error> {
    let settings = Settings {
        threads: check_threads(args.seed.threads.threads)?,
        ..Settings::default()
    };
    let patients = check_patients(args.patients)?;
    let overrides = Overrides {
        horizon_days: args.horizon,
        seed: args.seed.seed,
        patients: Some(patients),
        ..Overrides::default()
    };
    let plan = crate::analysis::calibrate::Plan {
        patients,
        threads: settings.threads,
        prior_points: args.prior_points,
        batch: args.batch,
        rounds: args.rounds,
        posterior: args.posterior,
        iterations: args.iterations,
        params: args.params.clone(),
    };
    plan.check()?;
    let mut input = jobs::targets::load_with_targets(args.scenario.path(), &overrides, args.targets.as_deref())?;
    input.targets.hold_out(&args.holdout)?;
    let quiet = args.output.quiet;
    if !quiet {
        note_horizon(&input);
    }
    let pictures = args.style.pictures()?;
    let report =
        jobs::calibrate::calibrate_job(input, &settings, &plan, &args.output.destination(), !quiet, &pictures)?;
    let hint = !report.fit.posterior.converged;
    args.output.show(report)?;
    if hint && !quiet {
        println!("hint: IMIS stopped at its last round before its stopping rule was met: raise --rounds");
    }
    Ok(())
}

fn plot_command(args: PlotArgs) -> Result<(), Error> {
    let options = jobs::plot::PlotOptions {
        pictures: args.style.pictures()?,
        out: args.out.clone(),
    };
    let plotted = jobs::plot::plot(&args.run_dir, &options)?;
    if plotted.report == Some(false) {
        eprintln!(
            "note: no report.html: {} has no scenario.toml (a run directory made before runs carried their scenario)",
            args.run_dir.display()
        );
    }
    if !args.quiet {
        print!("{}", terminal::safe(&plotted.to_string()));
    }
    Ok(())
}

fn bench_command(args: BenchArgs) -> Result<(), Error> {
    let threads = args.threads.clone().unwrap_or_else(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        if cores > 1 { vec![1, cores] } else { vec![1] }
    });
    for &t in &threads {
        if t == 0 {
            return Err(Error::Usage("--threads 0: give thread counts of 1 or more".into()));
        }
        check_threads(t)?;
    }
    for &n in &args.patients {
        check_patients(n)?;
    }
    if args.repeats == 0 || args.repeats > 100 {
        return Err(Error::Usage(format!(
            "--repeats {}: give between 1 and 100 timings per measurement",
            args.repeats
        )));
    }
    let plan = BenchPlan {
        sizes: args.patients.clone(),
        threads,
        repeats: args.repeats,
    };
    let overrides = Overrides {
        seed: args.seed,
        ..Overrides::default()
    };
    let loaded = jobs::load(args.scenario.path(), &overrides)?;
    let quiet = args.output.quiet;
    let on_counts = |c: &crate::analysis::bench::DrawCounts| {
        if !quiet {
            println!(
                "{:.2} streams and {:.2} draws per patient-path (counted on {} paths); best of {} timings\n",
                c.streams_per_path(),
                c.draws_per_path(),
                c.paths,
                plan.repeats
            );
            println!("{}", terminal::format_header());
        }
    };
    let on_row = |r: &crate::analysis::bench::BenchRow| {
        if !quiet {
            println!("{}", terminal::format_row(r));
        }
    };
    let pictures = args.style.pictures()?;
    let benched = jobs::bench::bench(&loaded, &args.output.destination(), &plan, &pictures, on_counts, on_row)?;
    args.output.show(benched)
}

fn run_command(args: RunArgs) -> Result<(), Error> {
    let overrides = Overrides {
        horizon_days: args.horizon,
        by: args.by.clone(),
        ..args.sim.overrides()?
    };
    let settings = Settings {
        keep_patients: args.patients_out,
        keep_events: args.events_out,
        independent: args.independent,
        reference: args.reference.clone(),
        shard: args.shard,
        ..args.sim.settings()?
    };
    let loaded = jobs::load(args.scenario.path(), &overrides)?;
    warn_unused(&loaded.source.file, &loaded.scenario);
    let quiet = args.output.quiet;
    let report = jobs::run::run(&loaded, &settings, &args.output.destination(), !quiet)?;
    args.output.show(report)
}

/// Says on stderr, one line each, the parameters of the scenario read
/// from `file` that no path can use.
fn warn_unused(file: &str, s: &crate::scenario::Scenario) {
    for u in s.unused() {
        eprintln!("warning: {}", terminal::safe(&format!("{file}: {u}")));
    }
}

/// `1 policy`, `2 policies`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn validate(files: &[PathBuf]) -> Result<(), Error> {
    let check = |file: &PathBuf| Source::read(Some(file))?.document()?.scenario(&Overrides::default());
    if let [file] = files {
        check(file)?;
    }
    let mut failed = 0;
    for file in files {
        match check(file) {
            Ok(s) => {
                println!(
                    "{}",
                    terminal::safe(&format!(
                        "ok: {} ({}: {}, {}, {})",
                        file.display(),
                        s.name(),
                        count(s.covariates().len(), "covariate", "covariates"),
                        count(s.interventions().len(), "intervention", "interventions"),
                        count(s.policies().len(), "policy", "policies")
                    ))
                );
                warn_unused(&file.display().to_string(), &s);
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {}", terminal::safe(&e.to_string()));
            }
        }
    }
    if failed > 0 {
        return Err(Error::Usage(format!(
            "{failed} of {} scenario files are invalid",
            files.len()
        )));
    }
    Ok(())
}
