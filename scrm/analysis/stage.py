"""The contract every compute stage keeps, and the one summary type they return.

A stage is a function ``refresh(db, *, progress=None) -> StageSummary``:

- it reads the input tables (and the derived tables of the stages before it
  in :data:`scrm.compute.STAGES`) and rewrites its own derived tables;
- it writes in transactions of its own, so a failure leaves the database as
  it was before the stage (the earlier stages' work stays);
- it works on an empty database (a summary that says there is nothing to
  do yet) and runs again on unchanged data without changing a result;
- it reports ``progress(fraction, message)`` with ``fraction`` in [0, 1] when
  given a callback, and never prints.

``tests/test_stages.py`` runs every member of ``compute.STAGES`` against it.
The compute layer (:mod:`scrm.compute`) decides which stages run; a stage
never calls another one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import sqlite_utils

Progress = Callable[[float, str], None]
"""``progress(fraction, message)``: how far a long step is, in [0, 1], and what it does now."""

# Status of a stage in a run.
RAN = "ran"
UP_TO_DATE = "up to date"


@dataclass(frozen=True)
class StageSummary:
    """What one stage did: rows written, seconds, a one-line message and its status."""

    stage: str
    rows: int
    seconds: float
    message: str
    status: str = RAN

    def line(self, width: int = 9) -> str:
        """One line for the CLI.

        >>> StageSummary("value", 5000, 0.84, "Valued 5,000 customers.").line()
        'value:        0.8 s      5,000 rows  Valued 5,000 customers.'
        >>> StageSummary("roles", 0, 0.0, "up to date", UP_TO_DATE).line()
        'roles:     up to date (no new data since the last run)'
        """
        if self.status == UP_TO_DATE:
            return f"{(self.stage + ':').ljust(width + 1)} up to date (no new data since the last run)"
        return f"{(self.stage + ':').ljust(width + 1)} {self.seconds:6.1f} s  {self.rows:>9,} rows  {self.message}".rstrip()


class StageFunction(Protocol):
    """The signature of a compute stage (see the module docstring)."""

    def __call__(self, db: sqlite_utils.Database, *, progress: Progress | None = None) -> StageSummary: ...
