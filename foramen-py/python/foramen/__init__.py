"""foramen from Python: run treatment-pathway scenarios of severe foraminal
stenosis and get the results as polars frames.

    import foramen
    scenario = foramen.Scenario.default()
    results = foramen.run(scenario, patients=20_000, seed=1)
    results.summary          # a polars DataFrame: summary.csv's rows
    results.save("my-run")   # the run directory `foramen run` writes

The simulation is foramen's own (the same library as the command line, the
same results for the same scenario and seed); docs/python.md in the
repository describes the package.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

import polars as pl

from . import _foramen
from ._errors import ScenarioError

__version__: str = _foramen.__version__
__all__ = [
    "Scenario",
    "Results",
    "Analysis",
    "Fit",
    "ScenarioError",
    "run",
    "psa",
    "sweep",
    "sensitivity",
    "targets",
    "calibrate",
    "fit",
]

PathLike = Union[str, "os.PathLike[str]"]


class Scenario:
    """A scenario, read and validated: a bad one raises
    :class:`ScenarioError` listing every problem when it is made."""

    def __init__(self, inner: _foramen.Scenario):
        self._inner = inner

    @classmethod
    def from_file(cls, path: PathLike) -> "Scenario":
        """Reads the scenario file (TOML) at ``path``."""
        return cls(_foramen.Scenario.from_file(os.fspath(path)))

    @classmethod
    def from_toml(cls, text: str, name: str = "<string>") -> "Scenario":
        """Reads a scenario from TOML text; ``name`` names it in errors."""
        return cls(_foramen.Scenario.from_toml(text, name))

    @classmethod
    def default(cls) -> "Scenario":
        """The embedded default scenario (scenarios/foraminal-stenosis.toml)."""
        return cls(_foramen.Scenario.default())

    def with_values(self, values: Mapping[str, float]) -> "Scenario":
        """This scenario with numbers set at key paths, as everywhere in
        foramen: ``{"interventions.tfesi.response.probability": 0.4}``.
        Raises :class:`ScenarioError` for a path that leads to no number
        or a value the rules refuse. The edits are made as ``foramen
        sweep`` makes its points: the scenario keeps the text it was read
        from, and its ``file`` (manifest.json's ``scenario_file`` in a
        saved run) names the edits."""
        return Scenario(self._inner.with_values([(k, float(v)) for k, v in values.items()]))

    def validate(self) -> "Scenario":
        """Checks the scenario and returns it. Scenarios are checked when
        made (a bad one raises :class:`ScenarioError` then), so this
        always passes; it makes the check explicit in a script."""
        return self

    def describe(self) -> str:
        """The scenario in words, as ``foramen describe`` prints it."""
        return self._inner.describe()

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def file(self) -> str:
        """Where it was read from (or how it was made)."""
        return self._inner.file

    @property
    def text(self) -> str:
        """Its TOML text."""
        return self._inner.text

    @property
    def policies(self) -> list:
        """The names of its policies, in order."""
        return self._inner.policies

    def __repr__(self) -> str:
        return repr(self._inner)


def _frame(table: Optional[_foramen.Table]) -> Optional[pl.DataFrame]:
    return None if table is None else pl.DataFrame(table)


class Results:
    """A finished run. Each table is a polars DataFrame with the rows and
    columns of its CSV in the run directory (``None`` when the run has no
    such table: ``cea`` and ``nmb`` need ``[economics]``, ``patients``
    needs ``patients_out=True``)."""

    def __init__(self, inner: _foramen.Results):
        self._inner = inner
        self._cache: Dict[str, Optional[pl.DataFrame]] = {}

    def table(self, name: str) -> Optional[pl.DataFrame]:
        """The table ``name`` (its CSV's name without ``.csv``)."""
        if name not in self._cache:
            self._cache[name] = _frame(self._inner.table(name))
        return self._cache[name]

    def tables(self) -> Dict[str, pl.DataFrame]:
        """Every table of the run, by name."""
        return {n: self.table(n) for n in self._inner.names()}  # type: ignore[misc]

    @property
    def summary(self) -> pl.DataFrame:
        return self.table("summary")  # type: ignore[return-value]

    @property
    def comparison(self) -> Optional[pl.DataFrame]:
        return self.table("comparison")

    @property
    def curves(self) -> pl.DataFrame:
        return self.table("curves")  # type: ignore[return-value]

    @property
    def at_risk(self) -> pl.DataFrame:
        return self.table("at_risk")  # type: ignore[return-value]

    @property
    def subgroups(self) -> pl.DataFrame:
        return self.table("subgroups")  # type: ignore[return-value]

    @property
    def cea(self) -> Optional[pl.DataFrame]:
        return self.table("cea")

    @property
    def nmb(self) -> Optional[pl.DataFrame]:
        return self.table("nmb")

    @property
    def patients(self) -> Optional[pl.DataFrame]:
        return self.table("patients")

    @property
    def manifest(self) -> Dict[str, Any]:
        """What manifest.json records of the run (its ``files`` empty until
        saved)."""
        return json.loads(self._inner.manifest_json())

    def save(self, path: PathLike, force: bool = False) -> Path:
        """Writes the run directory ``foramen run`` writes (tables, charts,
        report, manifest) at ``path``, which must not exist unless
        ``force``; returns its path."""
        return Path(self._inner.save(os.fspath(path), force))

    def __repr__(self) -> str:
        m = self.manifest
        return f"Results({m['scenario']!r}, {m['patients_per_policy']} patients x {len(m['policies'])} policies)"


def run(
    scenario: Scenario,
    *,
    patients: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    by: Optional[Sequence[str]] = None,
    reference: Optional[str] = None,
    independent: bool = False,
    patients_out: bool = False,
) -> Results:
    """Simulates ``scenario`` as ``foramen run`` does: ``patients`` per
    policy and ``seed`` override the scenario's, ``threads`` (default one
    per core) never changes the results, ``by`` names the covariates of
    the subgroup table, ``reference`` the policy the others are compared
    with, ``independent`` gives each policy its own random streams, and
    ``patients_out`` keeps one row per patient and policy
    (``Results.patients``). The GIL is released while it runs; Ctrl-C
    stops it with KeyboardInterrupt."""
    return Results(
        _foramen.run(
            scenario._inner,
            patients=patients,
            seed=seed,
            threads=threads,
            by=None if by is None else list(by),
            reference=reference,
            independent=independent,
            patients_out=patients_out,
        )
    )


class Analysis:
    """A finished analysis (``psa``, ``sweep``, ``sensitivity``): the
    directory its command writes, kept in a temporary folder until
    :meth:`save`, and each of its tables as a polars frame read from its
    CSV, by name as an attribute (``analysis.ceac``) or with
    :meth:`table`; :meth:`names` lists them."""

    def __init__(self, folder: "tempfile.TemporaryDirectory[str]", path: Path):
        self._folder = folder
        self._path = path
        self._cache: Dict[str, pl.DataFrame] = {}

    def names(self) -> list:
        """The names of the analysis's tables (its CSVs without ``.csv``)."""
        return sorted(p.stem for p in self._path.glob("*.csv"))

    def table(self, name: str) -> Optional[pl.DataFrame]:
        """The table ``name``, or None when the analysis has none."""
        file = self._path / f"{name}.csv"
        if not file.exists():
            return None
        if name not in self._cache:
            self._cache[name] = pl.read_csv(file)
        return self._cache[name]

    def tables(self) -> Dict[str, pl.DataFrame]:
        """Every table of the analysis, by name."""
        return {n: self.table(n) for n in self.names()}  # type: ignore[misc]

    def __getattr__(self, name: str) -> pl.DataFrame:
        table = self.table(name) if not name.startswith("_") else None
        if table is None:
            raise AttributeError(f"the analysis has no table {name!r}; it has {self.names()}")
        return table

    @property
    def manifest(self) -> Dict[str, Any]:
        """manifest.json's content."""
        return json.loads((self._path / "manifest.json").read_text())

    def save(self, path: PathLike, force: bool = False) -> Path:
        """Copies the analysis's directory (tables, charts, report,
        manifest: what ``foramen psa --out`` writes) to ``path``, which
        must not exist unless ``force``; returns its path."""
        target = Path(path)
        if target.exists():
            if not force:
                raise FileExistsError(f"{target} exists: choose another path, or save(..., force=True) to replace it")
            shutil.rmtree(target)
        shutil.copytree(self._path, target)
        return target


def _analysis(command: str, run: Callable[[str], str], kind: type = Analysis) -> Any:
    """Runs a command's job into a new temporary folder (``run`` takes the
    directory to create and returns it) and keeps the folder with its
    results, as a ``kind`` (an Analysis)."""
    folder = tempfile.TemporaryDirectory(prefix="foramen-")
    path = run(os.path.join(folder.name, command))
    return kind(folder, Path(path))


def psa(
    scenario: Scenario,
    *,
    draws: int = 1000,
    patients: int = 10_000,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    reference: Optional[str] = None,
    wtp_max: Optional[float] = None,
    population: Optional[float] = None,
    years: int = 1,
    evppi: bool = True,
) -> Analysis:
    """A probabilistic sensitivity analysis, as ``foramen psa`` runs it
    (tables ``psa``, one row per draw and policy, ``psa_parameters``,
    ``ceac``, ``evpi``, ``evppi``, ...):
    ``draws`` draws of the scenario's distributions of belief, each an
    inner cohort of ``patients`` per policy; ``wtp_max`` tops the
    willingness-to-pay grid, ``population`` patients a year over
    ``years`` scale the EVPI, ``evppi`` computes the EVPPI of every
    parameter and joint belief (with economics). The GIL is released
    while it runs; Ctrl-C stops it with KeyboardInterrupt."""
    return _analysis(
        "psa",
        lambda out: _foramen.psa(
            scenario._inner,
            out,
            draws=draws,
            patients=patients,
            seed=seed,
            threads=threads,
            reference=reference,
            wtp_max=wtp_max,
            population=population,
            years=years,
            evppi=evppi,
        ),
    )


def sweep(
    scenario: Scenario,
    param: str,
    values: Iterable[float],
    *,
    patients: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    outcomes: Optional[Sequence[str]] = None,
) -> Analysis:
    """Runs the scenario at each value of the number at key path ``param``
    on the same patients, as ``foramen sweep`` does (table ``sweep``: one
    row per value and policy; ``outcomes`` are those charted, default
    recovered, median_days and surgery). Ctrl-C stops it."""
    return _analysis(
        "sweep",
        lambda out: _foramen.sweep(
            scenario._inner,
            out,
            param,
            [float(v) for v in values],
            patients=patients,
            seed=seed,
            threads=threads,
            outcomes=None if outcomes is None else list(outcomes),
        ),
    )


def sensitivity(
    scenario: Scenario,
    *,
    outcome: Optional[str] = None,
    policy: Optional[str] = None,
    contrast: Optional[Tuple[str, str]] = None,
    wtp: Optional[float] = None,
    patients: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
) -> Analysis:
    """One-way sensitivity over the scenario's ``[ranges]``, as ``foramen
    sensitivity`` runs it (table ``sensitivity``): with ``[economics]``
    and no ``outcome`` or ``policy``, on the decision (the net benefit at
    ``wtp`` of ``contrast``, default the best policy against the
    runner-up); otherwise on ``outcome`` (default recovered) of ``policy``
    (default the first) or of ``contrast`` (A minus B). Ctrl-C stops it."""
    return _analysis(
        "sensitivity",
        lambda out: _foramen.sensitivity(
            scenario._inner,
            out,
            outcome=outcome,
            policy=policy,
            contrast=None if contrast is None else tuple(contrast),
            wtp=wtp,
            patients=patients,
            seed=seed,
            threads=threads,
        ),
    )


def targets(
    scenario: Scenario,
    *,
    targets: Optional[PathLike] = None,
    patients: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
) -> Analysis:
    """The scenario against published targets, as ``foramen targets``
    evaluates them (table ``targets``: each target, the model's value and
    whether it falls within the target's interval); ``targets`` is a
    targets file (docs/targets.md), default the embedded targets of the
    default scenario. The horizon is extended to the targets' follow-up.
    Ctrl-C stops it."""
    return _analysis(
        "targets",
        lambda out: _foramen.targets(
            scenario._inner,
            out,
            targets=None if targets is None else os.fspath(targets),
            patients=patients,
            seed=seed,
            threads=threads,
        ),
    )


def calibrate(
    scenario: Scenario,
    *,
    targets: Optional[PathLike] = None,
    patients: int = 20_000,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    prior_points: int = 1000,
    batch: int = 100,
    rounds: int = 20,
    posterior: int = 1000,
    iterations: int = 300,
    params: Optional[Sequence[str]] = None,
    holdout: Optional[Sequence[str]] = None,
) -> Analysis:
    """Calibrates the scenario's distributions of belief to published
    targets, as ``foramen calibrate`` does (docs/targets.md): incremental
    mixture importance sampling (``prior_points``, ``batch`` per round,
    at most ``rounds``, a ``posterior`` sample) and the posterior mode by
    Nelder-Mead (``iterations``), each evaluation a cohort of ``patients``
    per policy; ``params`` limits the parameters calibrated, ``holdout``
    names targets kept out of the fit. Tables ``calibration``,
    ``posterior``, ``targets_before``, ``targets_after``. Ctrl-C stops
    it."""
    return _analysis(
        "calibrate",
        lambda out: _foramen.calibrate(
            scenario._inner,
            out,
            targets=None if targets is None else os.fspath(targets),
            patients=patients,
            seed=seed,
            threads=threads,
            prior_points=prior_points,
            batch=batch,
            rounds=rounds,
            posterior=posterior,
            iterations=iterations,
            params=None if params is None else list(params),
            holdout=None if holdout is None else list(holdout),
        ),
    )


class Fit(Analysis):
    """A finished ``foramen fit``: its tables (``fits``, ``covariance``,
    ``km``; or ``response``) as polars frames, and :attr:`fragment`, the
    fit.toml text for a scenario."""

    @property
    def fragment(self) -> str:
        """fit.toml: the chosen distribution (or probability) and its joint
        belief, to paste into a scenario (docs/fitting.md)."""
        return (self._path / "fit.toml").read_text()


def fit(
    data: PathLike,
    *,
    time: Optional[str] = None,
    event: Optional[str] = None,
    entry: Optional[str] = None,
    by: Sequence[str] = (),
    families: Optional[Sequence[str]] = None,
    choose: Optional[str] = None,
    response: Optional[str] = None,
    trials: Optional[str] = None,
    key: Optional[str] = None,
    unit: str = "days",
) -> Fit:
    """Distributions from data, as ``foramen fit`` fits them
    (docs/fitting.md): with ``time`` and ``event`` (and ``entry`` for left
    truncation), every family of ``families`` (default all seven) by
    maximum likelihood with covariates ``by`` on the location, the family
    with the lowest AIC (or ``choose``) in :attr:`Fit.fragment`; with
    ``response`` (and ``trials``), a response probability. ``key`` is the
    scenario key path the fragment is for, ``unit`` the times' unit
    ("days" or "weeks"). Bad data raise ScenarioError with every problem
    (file, column and line, value, rule)."""
    return _analysis(
        "fit",
        lambda out: _foramen.fit(
            os.fspath(data),
            out,
            time=time,
            event=event,
            entry=entry,
            by=list(by),
            families=None if families is None else list(families),
            choose=choose,
            response=response,
            trials=trials,
            key=key,
            unit=unit,
        ),
        Fit,
    )
