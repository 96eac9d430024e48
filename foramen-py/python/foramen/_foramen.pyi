"""Types of the extension module (foramen-py/src/lib.rs); use the
package's own classes (`foramen.Scenario`, `foramen.run`) rather than
these."""

from typing import Any, List, Optional, Sequence, Tuple

__version__: str

class Scenario:
    @staticmethod
    def from_file(path: str) -> Scenario: ...
    @staticmethod
    def from_toml(text: str, name: str = "<string>") -> Scenario: ...
    @staticmethod
    def default() -> Scenario: ...
    def with_values(self, values: List[Tuple[str, float]]) -> Scenario: ...
    @property
    def name(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def policies(self) -> List[str]: ...
    def describe(self) -> str: ...

class Table:
    """A table, read through the Arrow C stream interface."""

    def __arrow_c_stream__(self, requested_schema: Optional[Any] = None) -> Any: ...

class Results:
    def names(self) -> List[str]: ...
    def table(self, name: str) -> Optional[Table]: ...
    def manifest_json(self) -> str: ...
    def save(self, path: str, force: bool = False) -> str: ...

def run(
    scenario: Scenario,
    *,
    patients: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    by: Optional[List[str]] = None,
    reference: Optional[str] = None,
    independent: bool = False,
    patients_out: bool = False,
) -> Results: ...

def psa(
    scenario: Scenario,
    out: str,
    *,
    draws: int,
    patients: int,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    reference: Optional[str] = None,
    wtp_max: Optional[float] = None,
    population: Optional[float] = None,
    years: int = 1,
    evppi: bool = True,
) -> str: ...

def sweep(
    scenario: Scenario,
    out: str,
    param: str,
    values: List[float],
    *,
    patients: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    outcomes: Optional[List[str]] = None,
) -> str: ...
def sensitivity(
    scenario: Scenario,
    out: str,
    *,
    outcome: Optional[str] = None,
    policy: Optional[str] = None,
    contrast: Optional[Tuple[str, str]] = None,
    wtp: Optional[float] = None,
    patients: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
) -> str: ...
def targets(
    scenario: Scenario,
    out: str,
    *,
    targets: Optional[str] = None,
    patients: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
) -> str: ...
def calibrate(
    scenario: Scenario,
    out: str,
    *,
    targets: Optional[str] = None,
    patients: int = 20000,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    prior_points: int = 1000,
    batch: int = 100,
    rounds: int = 20,
    posterior: int = 1000,
    iterations: int = 300,
    params: Optional[List[str]] = None,
    holdout: Optional[List[str]] = None,
) -> str: ...
def fit(
    data: str,
    out: str,
    *,
    time: Optional[str] = None,
    event: Optional[str] = None,
    entry: Optional[str] = None,
    by: Sequence[str] = ...,
    families: Optional[Sequence[str]] = None,
    choose: Optional[str] = None,
    response: Optional[str] = None,
    trials: Optional[str] = None,
    key: Optional[str] = None,
    unit: str = "days",
) -> str: ...
