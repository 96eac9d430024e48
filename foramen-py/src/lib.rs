//! `foramen._foramen`: the extension module of the Python package. It
//! holds no simulation logic: it reads scenarios and runs jobs through
//! foramen's public library API, and hands tables to Python through the
//! Arrow C stream interface (the Python side, `foramen/__init__.py`, turns
//! them into polars frames).

use std::ffi::CStr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use polars::prelude::{CompatLevel, DataFrame, SchemaExt};
use polars_arrow::array::{Array, StructArray};
use polars_arrow::datatypes::{ArrowDataType, Field as ArrowField};
use polars_arrow::ffi;
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList};

use foramen::analysis::Settings;
use foramen::analysis::calibrate::Plan;
use foramen::analysis::sweep::Measure;
use foramen::error::{Error, Setting};
use foramen::jobs::plot::Pictures;
use foramen::jobs::psa::PsaOptions;
use foramen::jobs::run::{self as job, Simulated};
use foramen::jobs::sweep::SweepOf;
use foramen::jobs::{Destination, Loaded, Source};
use foramen::outcome::OutcomeDef;
use foramen::report::tables;
use foramen::scenario::document::{Document, Overrides};
use foramen::simulate::engine::Observer;

/// A scenario: its text, the name it was read from and the edits made to
/// it, validated when made.
#[pyclass(frozen, module = "foramen._foramen")]
struct Scenario {
    /// Validated without a run's overrides; its source is the text read,
    /// its document that text with the edits.
    loaded: Arc<Loaded>,
}

impl Scenario {
    fn from_source(py: Python<'_>, source: Source) -> PyResult<Scenario> {
        let loaded = Loaded::from_source(source, Overrides::default()).map_err(|e| to_py(py, e))?;
        Ok(Scenario {
            loaded: Arc::new(loaded),
        })
    }

    /// The scenario validated with a run's overrides.
    fn with_overrides(&self, py: Python<'_>, overrides: Overrides) -> PyResult<Loaded> {
        let l = &self.loaded;
        let scenario = l.document.scenario(&overrides).map_err(|e| to_py(py, e))?;
        Ok(Loaded {
            source: l.source.clone(),
            document: l.document.clone(),
            overrides,
            scenario,
        })
    }
}

#[pymethods]
impl Scenario {
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Scenario> {
        let source = Source::read(Some(&path)).map_err(|e| to_py(py, e))?;
        Scenario::from_source(py, source)
    }

    #[staticmethod]
    #[pyo3(signature = (text, name = "<string>"))]
    fn from_toml(py: Python<'_>, text: String, name: &str) -> PyResult<Scenario> {
        Scenario::from_source(
            py,
            Source {
                text,
                file: name.to_string(),
            },
        )
    }

    #[staticmethod]
    fn default(py: Python<'_>) -> PyResult<Scenario> {
        Scenario::from_source(py, Source::read(None).map_err(|e| to_py(py, e))?)
    }

    /// The scenario with numbers set at key paths, in order, as a sweep
    /// sets its points.
    fn with_values(&self, py: Python<'_>, values: Vec<(String, f64)>) -> PyResult<Scenario> {
        let mut document: Document = self.loaded.document.clone();
        for (path, value) in &values {
            document = document.with_number(path, *value).map_err(|e| to_py(py, e))?;
        }
        let scenario = document.scenario(&Overrides::default()).map_err(|e| to_py(py, e))?;
        let edits: Vec<String> = values.iter().map(|(p, v)| format!("{p} = {v}")).collect();
        let source = Source {
            text: self.loaded.source.text.clone(),
            file: format!("{} with {}", self.loaded.source.file, edits.join(", ")),
        };
        Ok(Scenario {
            loaded: Arc::new(Loaded {
                source,
                document,
                overrides: Overrides::default(),
                scenario,
            }),
        })
    }

    #[getter]
    fn name(&self) -> String {
        self.loaded.scenario.name().to_string()
    }

    #[getter]
    fn file(&self) -> String {
        self.loaded.source.file.clone()
    }

    #[getter]
    fn text(&self) -> String {
        self.loaded.source.text.clone()
    }

    #[getter]
    fn policies(&self) -> Vec<String> {
        self.loaded.scenario.policies().iter().map(|p| p.name.clone()).collect()
    }

    fn describe(&self) -> String {
        foramen::analysis::describe::describe(&self.loaded.scenario)
    }

    fn __repr__(&self) -> String {
        format!(
            "Scenario({:?}, from {:?})",
            self.loaded.scenario.name(),
            self.loaded.source.file
        )
    }
}

/// A table handed to Python: any Arrow consumer reads it through
/// `__arrow_c_stream__` without a copy.
#[pyclass(frozen, module = "foramen._foramen")]
struct Table {
    frame: DataFrame,
}

#[pymethods]
impl Table {
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is the frame's own; a consumer casts if it asked for
        // another (the protocol allows a producer to ignore the request).
        let _ = requested_schema;
        const NAME: &CStr = c"arrow_array_stream";
        PyCapsule::new_with_value(py, arrow_stream(&self.frame), NAME)
    }
}

/// `frame` as an Arrow C stream of struct arrays, one per chunk: the
/// columns' buffers are shared, not copied.
fn arrow_stream(frame: &DataFrame) -> ffi::ArrowArrayStream {
    let mut frame = frame.clone();
    frame.rechunk_mut();
    let compat = CompatLevel::newest();
    let fields: Vec<ArrowField> = frame.schema().iter_fields().map(|f| f.to_arrow(compat)).collect();
    let dtype = ArrowDataType::Struct(fields);
    let chunks: Vec<Box<dyn Array>> = frame
        .iter_chunks(compat, false)
        .map(|batch| {
            let rows = batch.height();
            Box::new(StructArray::new(dtype.clone(), rows, batch.into_arrays(), None)) as Box<dyn Array>
        })
        .collect();
    let field = ArrowField::new("".into(), dtype, false);
    ffi::export_iterator(Box::new(chunks.into_iter().map(Ok)), field)
}

/// A finished run: its tables, its manifest, and what `save` writes.
#[pyclass(frozen, module = "foramen._foramen")]
struct Results {
    loaded: Arc<Loaded>,
    settings: Settings,
    simulated: Simulated,
    /// The run's tables by name (`summary`, `curves`, ...), as their CSVs
    /// are named.
    frames: Vec<(String, DataFrame)>,
}

#[pymethods]
impl Results {
    /// The names of the run's tables.
    fn names(&self) -> Vec<String> {
        self.frames.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Table `name`, or None when the run has none (no `cea` without
    /// economics).
    fn table(&self, name: &str) -> Option<Table> {
        self.frames
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, frame)| Table { frame: frame.clone() })
    }

    /// manifest.json's content, as JSON text.
    fn manifest_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.simulated.manifest(&self.loaded))
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// Writes the run directory `foramen run` writes, at `path` (which must
    /// not exist unless `force`); returns where it went.
    #[pyo3(signature = (path, force = false))]
    fn save(&self, py: Python<'_>, path: PathBuf, force: bool) -> PyResult<PathBuf> {
        let dest = Destination { out: Some(path), force };
        let report = py
            .detach(|| job::save(&self.loaded, &self.settings, &self.simulated, &dest))
            .map_err(|e| to_py(py, e))?;
        Ok(report.dir)
    }
}

/// Runs a scenario; see `foramen.run`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (scenario, *, patients = None, seed = None, threads = None, by = None, reference = None, independent = false, patients_out = false))]
fn run(
    py: Python<'_>,
    scenario: &Scenario,
    patients: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    by: Option<Vec<String>>,
    reference: Option<String>,
    independent: bool,
    patients_out: bool,
) -> PyResult<Results> {
    let overrides = Overrides {
        patients,
        seed,
        horizon_days: None,
        by,
    };
    let loaded = Arc::new(scenario.with_overrides(py, overrides)?);
    let settings = Settings {
        threads: threads.unwrap_or(0),
        keep_patients: patients_out,
        independent,
        reference,
        ..Settings::default()
    };
    let simulated = interruptible(py, {
        let (loaded, settings) = (loaded.clone(), settings.clone());
        move |stop| job::simulate(&loaded, &settings, stop)
    })?;
    let mut frames: Vec<(String, DataFrame)> = tables::run::run_frames(&simulated.results)
        .map_err(|e| to_py(py, e))?
        .into_iter()
        .map(|(schema, frame)| (table_name(schema.file), frame))
        .collect();
    if let Some(records) = &simulated.output.patients {
        let frame = tables::patients::patients_frame(&loaded.scenario, records).map_err(|e| to_py(py, e))?;
        frames.push(("patients".into(), frame));
    }
    Ok(Results {
        loaded,
        settings,
        simulated,
        frames,
    })
}

/// Runs a probabilistic analysis into the new directory `out`; see
/// `foramen.psa`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (scenario, out, *, draws, patients, seed = None, threads = None, reference = None, wtp_max = None, population = None, years = 1, evppi = true))]
fn psa(
    py: Python<'_>,
    scenario: &Scenario,
    out: PathBuf,
    draws: u64,
    patients: u64,
    seed: Option<u64>,
    threads: Option<usize>,
    reference: Option<String>,
    wtp_max: Option<f64>,
    population: Option<f64>,
    years: u32,
    evppi: bool,
) -> PyResult<PathBuf> {
    // The inner cohorts' patients are the analysis's own.
    let (loaded, mut settings, dest) = analysis(py, scenario, out, None, seed, threads)?;
    settings.reference = reference;
    let options = PsaOptions {
        draws,
        patients,
        wtp_max,
        population,
        years,
        shard: None,
        posterior: None,
        groups: Vec::new(),
        evppi,
        pictures: Pictures::default(),
    };
    let report = interruptible(py, move |stop| {
        foramen::jobs::psa::psa_observed(&loaded, &settings, &dest, &options, stop)
    })?;
    Ok(report.dir)
}

/// The scenario with a run's patients and seed, the settings of its
/// threads, and the destination `out`: what every analysis starts from.
fn analysis(
    py: Python<'_>,
    scenario: &Scenario,
    out: PathBuf,
    patients: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<(Loaded, Settings, Destination)> {
    let overrides = Overrides {
        patients,
        seed,
        ..Overrides::default()
    };
    let settings = Settings {
        threads: threads.unwrap_or(0),
        ..Settings::default()
    };
    let dest = Destination {
        out: Some(out),
        force: false,
    };
    Ok((scenario.with_overrides(py, overrides)?, settings, dest))
}

/// Fits distributions to the data file `data` into the new directory
/// `out`; see `foramen.fit`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (data, out, *, time = None, event = None, entry = None, by = Vec::new(), families = None, choose = None, response = None, trials = None, key = None, unit = "days"))]
fn fit(
    py: Python<'_>,
    data: PathBuf,
    out: PathBuf,
    time: Option<String>,
    event: Option<String>,
    entry: Option<String>,
    by: Vec<String>,
    families: Option<Vec<String>>,
    choose: Option<String>,
    response: Option<String>,
    trials: Option<String>,
    key: Option<String>,
    unit: &str,
) -> PyResult<PathBuf> {
    use foramen::estimate::fit::{FAMILIES, Family};
    use foramen::jobs::fit::{FitRequest, Unit};
    let family = |name: &str| {
        Family::parse(name).ok_or_else(|| {
            let names: Vec<&str> = FAMILIES.iter().map(|f| f.name()).collect();
            PyValueError::new_err(format!("no family {name}: the families are {}", names.join(", ")))
        })
    };
    let survival = response.is_none();
    if survival && (time.is_none() || event.is_none()) {
        return Err(PyValueError::new_err(
            "give time= and event= (the columns of times and event codes), or response=",
        ));
    }
    if !survival && (time.is_some() || event.is_some() || entry.is_some() || choose.is_some()) {
        return Err(PyValueError::new_err(
            "response= fits a probability: time=, event=, entry= and choose= are for time-to-event data",
        ));
    }
    let request = FitRequest {
        data,
        roles: foramen::estimate::fit::data::Roles {
            time,
            event,
            entry,
            response,
            trials,
            by,
        },
        families: match families {
            Some(names) => names.iter().map(|n| family(n)).collect::<PyResult<_>>()?,
            None => FAMILIES.to_vec(),
        },
        choose: choose.as_deref().map(family).transpose()?,
        key,
        unit: match unit {
            "days" => Unit::Days,
            "weeks" => Unit::Weeks,
            other => return Err(PyValueError::new_err(format!("unit {other:?}: \"days\" or \"weeks\""))),
        },
        pictures: Pictures::default(),
    };
    let dest = Destination {
        out: Some(out),
        force: false,
    };
    let report = py
        .detach(|| foramen::jobs::fit::fit(&request, &dest))
        .map_err(|e| to_py(py, e))?;
    Ok(report.dir)
}

/// An outcome by its name (a column of summary.csv).
fn outcome(name: &str) -> PyResult<&'static OutcomeDef> {
    foramen::outcome::parse(name).map_err(PyValueError::new_err)
}

/// Runs a sweep into the new directory `out`; see `foramen.sweep`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (scenario, out, param, values, *, patients = None, seed = None, threads = None, outcomes = None))]
fn sweep(
    py: Python<'_>,
    scenario: &Scenario,
    out: PathBuf,
    param: String,
    values: Vec<f64>,
    patients: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    outcomes: Option<Vec<String>>,
) -> PyResult<PathBuf> {
    let (loaded, settings, dest) = analysis(py, scenario, out, patients, seed, threads)?;
    let names = outcomes.unwrap_or_else(|| SWEEP_OUTCOMES.iter().map(|s| s.to_string()).collect());
    let outcomes = names.iter().map(|n| outcome(n)).collect::<PyResult<Vec<_>>>()?;
    let report = interruptible(py, move |stop| {
        let of = SweepOf {
            param: &param,
            values: &values,
            outcomes: &outcomes,
        };
        foramen::jobs::sweep::sweep(&loaded, &settings, &dest, of, &Pictures::default(), stop)
    })?;
    Ok(report.dir)
}

/// The outcomes a sweep charts unless told (as `foramen sweep`).
const SWEEP_OUTCOMES: [&str; 3] = ["recovered", "median_days", "surgery"];

/// Runs a one-way sensitivity analysis into the new directory `out`; see
/// `foramen.sensitivity`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (scenario, out, *, outcome = None, policy = None, contrast = None, wtp = None, patients = None, seed = None, threads = None))]
fn sensitivity(
    py: Python<'_>,
    scenario: &Scenario,
    out: PathBuf,
    outcome: Option<String>,
    policy: Option<String>,
    contrast: Option<(String, String)>,
    wtp: Option<f64>,
    patients: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<PathBuf> {
    let (loaded, settings, dest) = analysis(py, scenario, out, patients, seed, threads)?;
    let outcome = outcome.as_deref().map(self::outcome).transpose()?;
    let target = Measure::choose(&loaded.scenario, outcome, policy, contrast, wtp).map_err(|e| to_py(py, e))?;
    let report = interruptible(py, move |stop| {
        foramen::jobs::sensitivity::sensitivity(&loaded, &settings, &dest, target, &Pictures::default(), stop)
    })?;
    Ok(report.dir)
}

/// Evaluates published targets into the new directory `out`; see
/// `foramen.targets`.
#[pyfunction]
#[pyo3(signature = (scenario, out, *, targets = None, patients = None, seed = None, threads = None))]
fn targets(
    py: Python<'_>,
    scenario: &Scenario,
    out: PathBuf,
    targets: Option<PathBuf>,
    patients: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<PathBuf> {
    let (loaded, settings, dest) = analysis(py, scenario, out, patients, seed, threads)?;
    let input = foramen::jobs::targets::with_targets(loaded, targets.as_deref()).map_err(|e| to_py(py, e))?;
    let report = interruptible(py, move |stop| {
        foramen::jobs::targets::targets_observed(input, &settings, &dest, &Pictures::default(), stop)
    })?;
    Ok(report.dir)
}

/// Calibrates to published targets into the new directory `out`; see
/// `foramen.calibrate`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (scenario, out, *, targets = None, patients = 20_000, seed = None, threads = None, prior_points = 1000, batch = 100, rounds = 20, posterior = 1000, iterations = 300, params = None, holdout = None))]
fn calibrate(
    py: Python<'_>,
    scenario: &Scenario,
    out: PathBuf,
    targets: Option<PathBuf>,
    patients: u64,
    seed: Option<u64>,
    threads: Option<usize>,
    prior_points: u64,
    batch: u64,
    rounds: u32,
    posterior: u64,
    iterations: u64,
    params: Option<Vec<String>>,
    holdout: Option<Vec<String>>,
) -> PyResult<PathBuf> {
    let (loaded, settings, dest) = analysis(py, scenario, out, Some(patients), seed, threads)?;
    let plan = Plan {
        patients,
        threads: settings.threads,
        prior_points,
        batch,
        rounds,
        posterior,
        iterations,
        params: params.unwrap_or_default(),
    };
    plan.check().map_err(|e| to_py(py, e))?;
    let mut input = foramen::jobs::targets::with_targets(loaded, targets.as_deref()).map_err(|e| to_py(py, e))?;
    input
        .targets
        .hold_out(&holdout.unwrap_or_default())
        .map_err(|e| to_py(py, e))?;
    let report = interruptible(py, move |stop| {
        foramen::jobs::calibrate::calibrate_observed(input, &settings, &plan, &dest, &Pictures::default(), stop)
    })?;
    Ok(report.dir)
}

/// `summary.csv` -> `summary`.
fn table_name(file: &str) -> String {
    file.split('.').next().unwrap_or(file).to_string()
}

/// Asks a running job to stop.
struct Stop(AtomicBool);

impl Observer for Stop {
    fn done(&self, _paths: u64) {}

    fn cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Runs `job` on its own thread without the GIL, while this thread looks
/// for signals ten times a second (only the main thread sees them): on
/// Ctrl-C the job is told to stop, and KeyboardInterrupt raised once it has.
fn interruptible<T: Send + 'static>(
    py: Python<'_>,
    job: impl FnOnce(&Stop) -> Result<T, Error> + Send + 'static,
) -> PyResult<T> {
    let stop = Arc::new(Stop(AtomicBool::new(false)));
    let handle = {
        let stop = stop.clone();
        std::thread::spawn(move || job(&stop))
    };
    let mut interrupted = None;
    while !handle.is_finished() {
        py.detach(|| {
            let step = Duration::from_millis(5);
            for _ in 0..20 {
                if handle.is_finished() {
                    break;
                }
                std::thread::sleep(step);
            }
        });
        if interrupted.is_none()
            && let Err(e) = py.check_signals()
        {
            stop.0.store(true, Ordering::Relaxed);
            interrupted = Some(e);
        }
    }
    let result = handle
        .join()
        .map_err(|_| PyRuntimeError::new_err("the simulation panicked; please report it"))?;
    match (result, interrupted) {
        (Ok(value), None) => Ok(value),
        (_, Some(e)) => Err(e),
        (Err(e), None) => Err(to_py(py, e)),
    }
}

/// A library error as a Python exception: every problem of a scenario as
/// `foramen.ScenarioError` (with `.problems`), files as OSError, bad
/// settings as ValueError.
fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let message = e.to_string();
    let problem = |file: &str, path: &str, value: &str, rule: &str| -> PyResult<Bound<'_, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("file", file)?;
        d.set_item("path", path)?;
        d.set_item("value", value)?;
        d.set_item("rule", rule)?;
        Ok(d)
    };
    let problems: PyResult<Vec<Bound<'_, PyDict>>> = match &e {
        Error::Invalid { file, problems } => problems
            .iter()
            .map(|p| problem(file, &p.path, &p.value, &p.problem))
            .collect(),
        Error::Syntax { file, message } => problem(file, "", "", message).map(|p| vec![p]),
        // An edit's key path is the value of the `param` setting.
        Error::Setting {
            setting: Setting::Param,
            value,
            rule,
        } => problem("", value, "", rule).map(|p| vec![p]),
        Error::Setting { setting, value, rule } => problem("", setting.name(), value, rule).map(|p| vec![p]),
        Error::Read { .. } | Error::Output { .. } | Error::OutputDir { .. } => return PyOSError::new_err(message),
        Error::Usage(_) => return PyValueError::new_err(message),
        Error::Interrupted => return PyKeyboardInterrupt::new_err(message),
        Error::Runtime(_) => return PyRuntimeError::new_err(message),
    };
    let raised = || -> PyResult<PyErr> {
        let class = py.import("foramen._errors")?.getattr("ScenarioError")?;
        let error = class.call1((message.clone(), PyList::new(py, problems?)?))?;
        Ok(PyErr::from_value(error))
    };
    raised().unwrap_or_else(|e| e)
}

#[pymodule]
fn _foramen(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Scenario>()?;
    m.add_class::<Table>()?;
    m.add_class::<Results>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(psa, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(targets, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
