"""The package's exceptions (raised by the extension module too)."""

from __future__ import annotations

from typing import Dict, List


class ScenarioError(ValueError):
    """A scenario that cannot be run: its text does not parse, or values
    break the rules. ``problems`` lists every problem found, each a dict
    with ``file``, ``path`` (the key path, e.g.
    ``interventions.tfesi.response.probability``), ``value`` (as written)
    and ``rule`` (what is wrong and what is allowed)."""

    def __init__(self, message: str, problems: List[Dict[str, str]]):
        super().__init__(message)
        self.problems = problems
