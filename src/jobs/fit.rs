//! `foramen fit DATA.csv`: distributions from data (docs/fitting.md).
//! Time-to-event data: every family asked for fitted by maximum likelihood
//! (`estimate::fit`), written as fits.csv, covariance.csv and km.csv, the
//! `fits` chart (each fit over the Kaplan-Meier curve) and fit.toml (the
//! chosen family and its joint belief, for a scenario). Response data:
//! response.csv and fit.toml (a beta belief, or a logistic regression's
//! odds ratios and their joint belief).

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use serde::Serialize;

use crate::error::{Error, Invalid};
use crate::estimate::fit::data::{self, Roles, TextColumns};
use crate::estimate::fit::km::{Step, kaplan_meier};
use crate::estimate::fit::response::{BetaBelief, Logistic, logistic};
use crate::estimate::fit::{Covariate, Family, Fit, Sample, fit_all};
use crate::jobs::plot::Pictures;
use crate::jobs::{Destination, plot_error};
use crate::output::{RunDir, default_dir, sha256_hex, utc_stamp};
use crate::report::fragment::{self, Provenance};
use crate::report::plot::{FittedCurve, KmCurve, write_fits};
use crate::report::tables::{self, fit as t};

/// The time unit of a data file's times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    #[default]
    Days,
    Weeks,
}

impl Unit {
    pub fn name(self) -> &'static str {
        match self {
            Unit::Days => "days",
            Unit::Weeks => "weeks",
        }
    }
}

/// What `foramen fit` is asked to do.
#[derive(Debug, Clone)]
pub struct FitRequest {
    pub data: PathBuf,
    /// Which columns hold what: time and event (with entry), or response
    /// (with trials); covariates either way.
    pub roles: Roles,
    /// Families to fit, in the order fits.csv lists them.
    pub families: Vec<Family>,
    /// The family fit.toml gives; default the lowest AIC among those that
    /// converged.
    pub choose: Option<Family>,
    /// The scenario key path fit.toml is for.
    pub key: Option<String>,
    pub unit: Unit,
    pub pictures: Pictures,
}

/// What manifest.json records of a fit.
#[derive(Debug, Clone, Serialize)]
pub struct FitManifest {
    pub foramen_version: String,
    pub command: String,
    pub argv: Vec<String>,
    pub data_file: String,
    pub data_sha256: String,
    pub rows: usize,
    pub started_utc: String,
    pub wall_time_seconds: f64,
    pub files: Vec<String>,
}

/// What was fitted.
#[derive(Debug, Clone)]
pub enum Fitted {
    Survival {
        fits: Vec<Fit>,
        /// Index into `fits` of the family fit.toml gives.
        chosen: usize,
        events: usize,
        km: Vec<Step>,
    },
    Response {
        beta: Option<BetaBelief>,
        logistic: Option<Logistic>,
        successes: f64,
        trials: f64,
    },
}

/// What `foramen fit` did.
#[derive(Debug, Clone)]
pub struct FitReport {
    pub dir: PathBuf,
    pub data: String,
    pub rows: usize,
    pub fitted: Fitted,
    pub fragment: String,
}

impl std::fmt::Display for FitReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.fitted {
            Fitted::Survival {
                fits, chosen, events, ..
            } => {
                writeln!(f, "{}: {} rows, {events} events\n", self.data, self.rows)?;
                write!(f, "{}", crate::report::terminal::format_fits(fits, *chosen))?;
            }
            Fitted::Response { successes, trials, .. } => writeln!(
                f,
                "{}: {} rows, {successes} responses in {trials} trials",
                self.data, self.rows
            )?,
        }
        writeln!(f, "\nfit.toml, for a scenario:\n\n{}", self.fragment)?;
        writeln!(f, "wrote {}", self.dir.display())
    }
}

/// Reads `request.data`, fits it and writes the directory.
///
/// # Errors
/// [`Error::Read`] or [`Error::Syntax`] for the file, [`Error::Invalid`]
/// naming every bad cell (or why the data cannot be fitted, or that the
/// chosen family did not converge), [`Error::OutputDir`] or
/// [`Error::Output`] for the directory.
pub fn fit(request: &FitRequest, dest: &Destination) -> Result<FitReport, Error> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let file = request.data.display().to_string();
    let text = crate::output::read_capped(&request.data, "data file", tables::MAX_CSV_BYTES)?;
    let columns = tables::fit::read_data(&request.data)?;
    let invalid = |problems: Vec<Invalid>| Error::Invalid {
        file: file.clone(),
        problems,
    };
    let rows = columns.columns.first().map_or(0, |(_, c)| c.len());
    let stem = request
        .data
        .file_stem()
        .map_or("data".into(), |s| s.to_string_lossy().into_owned());
    let target = dest.out.clone().unwrap_or_else(|| default_dir(&format!("{stem}-fit")));
    let (fitted, fragment, write): (Fitted, String, Writer) = if request.roles.response.is_some() {
        response(request, &columns, &file, invalid)?
    } else {
        survival(request, &columns, &file, invalid)?
    };
    let dir = RunDir::create(&target, dest.force)?;
    let mut files = write(dir.path())?;
    let toml = dir.path().join("fit.toml");
    std::fs::write(&toml, &fragment).map_err(|source| Error::Output { path: toml, source })?;
    files.push("fit.toml".into());
    files.push("manifest.json".into());
    let manifest = FitManifest {
        foramen_version: env!("CARGO_PKG_VERSION").to_string(),
        command: "fit".into(),
        argv: std::env::args().collect(),
        data_file: file.clone(),
        data_sha256: sha256_hex(&String::from_utf8_lossy(&text)),
        rows,
        started_utc: utc_stamp(started),
        wall_time_seconds: clock.elapsed().as_secs_f64(),
        files,
    };
    let dir = dir.complete(&manifest)?;
    Ok(FitReport {
        dir,
        data: file,
        rows,
        fitted,
        fragment,
    })
}

type Writer = Box<dyn Fn(&Path) -> Result<Vec<String>, Error>>;

/// The fits of time-to-event data, fit.toml, and what writes the tables
/// and the chart.
fn survival(
    request: &FitRequest,
    columns: &TextColumns,
    file: &str,
    invalid: impl Fn(Vec<Invalid>) -> Error,
) -> Result<(Fitted, String, Writer), Error> {
    let mut sample = data::sample(columns, &request.roles).map_err(&invalid)?;
    let centred = centre(&mut sample.covariates);
    if let Some(why) = sample.unfittable() {
        return Err(invalid(vec![Invalid::new("rows", "", why)]));
    }
    let mut families = request.families.clone();
    if let Some(c) = request.choose.filter(|c| !families.contains(c)) {
        families.push(c);
    }
    let fits = fit_all(&sample, &families);
    let chosen = match request.choose {
        Some(c) => {
            let i = fits.iter().position(|f| f.family == c).unwrap_or(0);
            if let Err(why) = &fits[i].converged {
                return Err(invalid(vec![Invalid::new(
                    format!("family {}", c.name()),
                    "",
                    format!("did not converge ({why}); choose another family for fit.toml"),
                )]));
            }
            i
        }
        None => best(&fits).ok_or_else(|| {
            let why: Vec<Invalid> = fits
                .iter()
                .map(|f| {
                    Invalid::new(
                        format!("family {}", f.family.name()),
                        "",
                        f.converged.clone().err().unwrap_or_default(),
                    )
                })
                .collect();
            invalid(why)
        })?,
    };
    let km = kaplan_meier(&sample);
    let events = sample.events();
    let converged = fits.iter().filter(|f| f.converged.is_ok()).count();
    let why = match request.choose {
        Some(_) => "the family chosen (--choose)".to_string(),
        None => format!("lowest AIC of the {converged} families that converged"),
    };
    let provenance = Provenance {
        data: file.to_string(),
        counts: format!("{} rows, {events} events", sample.len()),
        key: request
            .key
            .clone()
            .unwrap_or_else(|| "interventions.NAME.recovery_time".into()),
        why,
        unit: request.unit.name().into(),
        centred,
    };
    let fragment = fragment::survival(&fits[chosen], &provenance);
    let (fits_w, km_w) = (fits.clone(), km.clone());
    let (pictures, unit) = (request.pictures.clone(), request.unit);
    let data_name = Path::new(file)
        .file_name()
        .map_or(file.to_string(), |n| n.to_string_lossy().into_owned());
    let write: Writer = Box::new(move |dir: &Path| {
        let mut files = vec![
            tables::write(dir, &t::FITS, t::fits_frame(&fits_w)?)?.to_string(),
            tables::write(dir, &t::COVARIANCE, t::covariance_frame(&fits_w)?)?.to_string(),
            tables::write(dir, &t::KM, t::km_frame(&km_w)?)?.to_string(),
        ];
        let charts = chart(&sample, &fits_w, &km_w, unit, &data_name, dir, &pictures)?;
        files.extend(
            charts
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())),
        );
        Ok(files)
    });
    Ok((
        Fitted::Survival {
            fits,
            chosen,
            events,
            km,
        },
        fragment,
        write,
    ))
}

/// Centres each numeric covariate that is not 0/1 (nor a factor's
/// column) at its mean, so that a fit's baseline is at the data's means;
/// returns the names and means.
fn centre(covariates: &mut [Covariate]) -> Vec<(String, f64)> {
    let mut centred = Vec::new();
    for c in covariates
        .iter_mut()
        .filter(|c| !c.name.contains('=') && !c.values.iter().all(|&v| v == 0.0 || v == 1.0))
    {
        let mean = c.values.iter().sum::<f64>() / c.values.len() as f64;
        c.values.iter_mut().for_each(|v| *v -= mean);
        centred.push((c.name.clone(), mean));
    }
    centred
}

/// The converged fit with the lowest AIC.
fn best(fits: &[Fit]) -> Option<usize> {
    (0..fits.len())
        .filter(|&i| fits[i].converged.is_ok())
        .min_by(|&a, &b| fits[a].aic().total_cmp(&fits[b].aic()))
}

/// At most this many rows' covariates are averaged over for a fitted
/// curve (evenly spaced rows of the file beyond that).
const CURVE_ROWS: usize = 500;

/// The `fits` chart: every converged fit's survival, averaged over the
/// rows' covariates, over the Kaplan-Meier curve.
fn chart(
    sample: &Sample,
    fits: &[Fit],
    km: &[Step],
    unit: Unit,
    data: &str,
    dir: &Path,
    pictures: &Pictures,
) -> Result<Vec<PathBuf>, Error> {
    let end = sample.time.iter().copied().fold(0.0, f64::max);
    let grid: Vec<f64> = (0..=200).map(|i| end * f64::from(i) / 200.0).collect();
    let n = sample.len();
    let rows: Vec<usize> = if n <= CURVE_ROWS {
        (0..n).collect()
    } else {
        (0..CURVE_ROWS).map(|i| i * n / CURVE_ROWS).collect()
    };
    let best = best(fits);
    let curves = fits
        .iter()
        .enumerate()
        .filter(|(_, f)| f.converged.is_ok())
        .map(|(i, f)| {
            let at: Vec<Vec<f64>> = rows
                .iter()
                .map(|&r| f.natural_at(&sample.covariates.iter().map(|c| c.values[r]).collect::<Vec<f64>>()))
                .collect();
            let survival = grid
                .iter()
                .map(|&t| at.iter().map(|p| f.family.ln_survival(p, t).exp()).sum::<f64>() / at.len() as f64)
                .collect();
            FittedCurve {
                name: format!(
                    "{} (AIC {:.1}{})",
                    f.family.name(),
                    f.aic(),
                    if Some(i) == best { ", lowest" } else { "" }
                ),
                time: grid.clone(),
                survival,
            }
        })
        .collect::<Vec<_>>();
    let km_curve = KmCurve {
        time: km.iter().map(|s| s.time).collect(),
        survival: km.iter().map(|s| s.survival).collect(),
        lower: km.iter().map(|s| s.lower).collect(),
        upper: km.iter().map(|s| s.upper).collect(),
    };
    let entry = sample.entry.clone().unwrap_or_else(|| vec![0.0; n]);
    let at_risk = |x: f64| {
        sample
            .time
            .iter()
            .zip(&entry)
            .filter(|&(&t, &e)| e < x.max(f64::MIN_POSITIVE) && t >= x)
            .count() as u64
    };
    let title = format!(
        "Fitted distributions over the Kaplan-Meier curve{}, {data}",
        if sample.covariates.is_empty() {
            ""
        } else {
            " (averaged over the rows' covariates)"
        }
    );
    write_fits(
        &title,
        &km_curve,
        &curves,
        (end, unit == Unit::Days, unit.name()),
        &at_risk,
        dir,
        &pictures.style,
        &pictures.formats,
    )
    .map_err(plot_error)
}

/// The response belief or logistic regression, fit.toml, and what writes
/// response.csv.
fn response(
    request: &FitRequest,
    columns: &TextColumns,
    file: &str,
    invalid: impl Fn(Vec<Invalid>) -> Error,
) -> Result<(Fitted, String, Writer), Error> {
    let mut counts = data::counts(columns, &request.roles).map_err(&invalid)?;
    let centred = centre(&mut counts.covariates);
    let (successes, trials) = (counts.successes.iter().sum::<f64>(), counts.trials.iter().sum::<f64>());
    if counts.trials.is_empty() {
        return Err(invalid(vec![Invalid::new("rows", "", "the file has no rows")]));
    }
    let binary: Vec<bool> = counts
        .covariates
        .iter()
        .map(|c| c.values.iter().all(|&v| v == 0.0 || v == 1.0))
        .collect();
    let provenance = Provenance {
        data: file.to_string(),
        counts: format!("{} rows, {successes} responses in {trials} trials", counts.trials.len()),
        key: request
            .key
            .clone()
            .unwrap_or_else(|| "interventions.NAME.response".into()),
        why: if counts.covariates.is_empty() {
            "beta belief from the counts".into()
        } else {
            "logistic regression on the covariates".into()
        },
        unit: String::new(),
        centred,
    };
    let (beta, logistic) = if counts.covariates.is_empty() {
        (Some(BetaBelief::from_counts(successes, trials)), None)
    } else {
        if let Some(c) = counts
            .covariates
            .iter()
            .find(|c| c.values.iter().all(|&v| v == c.values[0]))
        {
            return Err(invalid(vec![Invalid::new(
                format!("column {}", c.name),
                c.values[0],
                "a covariate must vary: it is the same in every row, so it has no effect to estimate",
            )]));
        }
        let l = logistic(&counts);
        if let Err(why) = &l.converged {
            return Err(invalid(vec![Invalid::new("logistic regression", "", why.clone())]));
        }
        (None, Some(l))
    };
    let fragment = fragment::response(beta.as_ref(), logistic.as_ref(), &binary, &provenance);
    let (b, l) = (beta, logistic.clone());
    let write: Writer = Box::new(move |dir: &Path| {
        let frame = match (&b, &l) {
            (Some(b), _) => t::beta_frame(b)?,
            (None, Some(l)) => t::logistic_frame(l)?,
            (None, None) => {
                return Err(Error::Runtime(
                    "a response fit is a beta belief or a logistic regression".into(),
                ));
            }
        };
        Ok(vec![tables::write(dir, &t::RESPONSE, frame)?.to_string()])
    });
    Ok((
        Fitted::Response {
            beta,
            logistic,
            successes,
            trials,
        },
        fragment,
        write,
    ))
}
