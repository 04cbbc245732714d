"""The compute layer behind ``python -m scrm score``: sentiment, then the derived tables.

:func:`run_all` runs the stages in dependency order:

1. ``sentiment`` (``scrm.analysis.sentiment.score_mentions``), always: it is
   incremental by itself and scores only new texts or texts whose model changed.
2. the derived stages ``value``, ``topics``, ``segments``, ``roles``,
   ``alerts`` (each module's ``refresh(db, progress=...)``), each only when
   the data changed since that stage last ran.
3. ``workflows`` (``scrm.act.rules.refresh``): the workflow rules act on the
   recent mentions. It runs with the derived stages when the data changed,
   and also when a rule was created, changed or turned on (saving a rule
   forgets the stage's recorded version), so a new rule acts on the next
   ``score`` without recomputing everything else.
4. ``journey`` last: cases are journey touchpoints, so it reads the cases the
   rules opened in the same run, and it is also recomputed when the team's
   work changed the cases (count or last update), which other stages ignore.

"The data changed" is read from the store's input version (the data version
less the team's own work on cases and rules, see ``store.input_version``). Writing derived
tables bumps that version itself, so a stage cannot simply remember the
version it saw: the next run would always find a newer one. Instead, after a
run, every stage that is up to date records the version the database has at
the END of the run (meta ``computed_<stage>_version``), written without a
bump. A second ``score`` with no new data then finds the version it recorded
and does nothing; any import, setting or sentiment change in between moves the
version and recomputes every derived stage (they depend on each other, so
recomputing only some would mix data versions).

A stage whose module is not installed yet is reported as skipped ("roles:
not available") and the others still run.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from scrm.db import schema as S
from scrm.db import store

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

# Status of a stage in a run.
RAN = "ran"
UP_TO_DATE = "up to date"
SKIPPED = "skipped"

SENTIMENT_STAGE = "sentiment"
# (stage, module, function) in dependency order: value feeds segments, roles
# and alerts; topics feed segments and alerts; roles feed rules and journeys;
# rules open the cases journeys read.
STAGES: tuple[tuple[str, str, str], ...] = (
    (SENTIMENT_STAGE, "scrm.analysis.sentiment", "score_mentions"),
    ("value", "scrm.analysis.value", "refresh"),
    ("topics", "scrm.analysis.topics", "refresh"),
    ("segments", "scrm.analysis.segments", "refresh"),
    ("roles", "scrm.analysis.roles", "refresh"),
    ("alerts", "scrm.analysis.alerts", "refresh"),
    ("workflows", "scrm.act.rules", "refresh"),
    ("journey", "scrm.analysis.journey", "refresh"),
)
STAGE_NAMES: tuple[str, ...] = tuple(name for name, _, _ in STAGES)


@dataclass(frozen=True)
class StageSummary:
    """What one stage did: rows written, seconds, a one-line message and its status."""

    stage: str
    rows: int
    seconds: float
    message: str
    status: str = RAN

    def line(self, width: int = 9) -> str:
        """``value:        0.8 s      5,000 rows  message`` for the CLI; ``roles:     not available``."""
        if self.status == SKIPPED:
            return f"{(self.stage + ':').ljust(width + 1)} {self.message}"
        if self.status == UP_TO_DATE:
            return f"{(self.stage + ':').ljust(width + 1)} up to date (no new data since the last run)"
        return f"{(self.stage + ':').ljust(width + 1)} {self.seconds:6.1f} s  {self.rows:>9,} rows  {self.message}".rstrip()


def version_key(stage: str) -> str:
    """The meta key holding the data version a stage is up to date with."""
    return f"computed_{stage}_version"


def stage_function(stage: str) -> Callable[..., Any] | None:
    """The function that runs ``stage``, or None when its module is not available."""
    for name, module_name, function in STAGES:
        if name == stage:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as e:
                # Only the stage's own module being absent means "not available";
                # a missing dependency inside it is a bug that must surface.
                if e.name is not None and (module_name == e.name or module_name.startswith(e.name + ".")):
                    return None
                raise
            fn = getattr(module, function, None)
            return fn if callable(fn) else None
    raise KeyError(stage)


# Stages that also read the team's own work (cases), which does not move the
# input version: they are up to date only while the cases are unchanged too.
READS_CASES = frozenset({"journey"})


def _state(db: sqlite_utils.Database, stage: str, version: int) -> str:
    """What a stage being up to date is recorded as: the input version, plus the cases' state for some."""
    if stage not in READS_CASES or S.CASES not in db.table_names():
        return str(version)
    # Every change to a case writes one case event: their count moves with every edit.
    count, events, updated = db.execute(
        f"SELECT count(*), (SELECT count(*) FROM {S.CASE_EVENTS}), max(updated_at) FROM {S.CASES}"
    ).fetchone()
    return f"{version}:cases {count} {events} {updated or ''}".rstrip()


def _record(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Bookkeeping in meta WITHOUT bumping the data version (see the module docstring)."""
    with db.atomic():
        db.execute(
            f"INSERT INTO {S.META} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


def _summary(stage: str, result: Any, seconds: float) -> StageSummary:
    """Our summary from a module's own StageSummary (only its four fields are read)."""
    rows = int(getattr(result, "rows", 0) or 0)
    message = str(getattr(result, "message", "") or "")
    return StageSummary(stage=stage, rows=rows, seconds=seconds, message=message)


def _stage_progress(progress: Progress, stage: str, index: int, total: int) -> Progress:
    def report(fraction: float, message: str) -> None:
        progress((index + min(max(fraction, 0.0), 1.0)) / total, f"{stage}: {message}")

    return report


def run_all(
    db: sqlite_utils.Database,
    *,
    force: bool = False,
    progress: Progress | None = None,
    stages: tuple[str, ...] | None = None,
    on_stage: Callable[[StageSummary], None] | None = None,
) -> list[StageSummary]:
    """Score new mentions, then recompute the derived tables whose inputs changed.

    ``force`` recomputes every derived stage (and passes nothing special to
    sentiment, which decides per text). ``stages`` limits the run to some
    stage names (tests, the bench). ``on_stage`` is called with each
    summary as soon as its stage ends (the CLI prints it). Returns one :class:`StageSummary` per
    stage, in run order; skipped stages say why in ``message``.
    """
    report = progress or (lambda fraction, message: None)
    names = STAGE_NAMES if stages is None else tuple(n for n in STAGE_NAMES if n in stages)
    started_version = store.data_version(db)
    log.info("compute: data version %d at start", started_version)
    results: list[StageSummary] = []

    def done(summary: StageSummary) -> None:
        results.append(summary)
        if on_stage is not None:
            on_stage(summary)

    current: list[str] = []  # stages up to date at the end of this run
    for index, name in enumerate(names):
        # The version as the derived stages see it: after sentiment's writes.
        # Checked before importing the module: a run with nothing to do stays quick.
        if (
            name != SENTIMENT_STAGE
            and not force
            and store.get_meta(db, version_key(name)) == _state(db, name, store.input_version(db))
        ):
            done(StageSummary(name, 0, 0.0, "up to date", UP_TO_DATE))
            current.append(name)
            continue
        fn = stage_function(name)
        if fn is None:
            done(StageSummary(name, 0, 0.0, "not available", SKIPPED))
            continue
        stage_report = _stage_progress(report, name, index, len(names))
        stage_report(0.0, "starting")
        t0 = time.perf_counter()
        result = fn(db, progress=stage_report)
        seconds = time.perf_counter() - t0
        done(_summary(name, result, seconds))
        current.append(name)
        log.info("compute: %s in %.2f s", name, seconds)
    ended_version = store.input_version(db)
    for name in current:
        if name != SENTIMENT_STAGE:
            _record(db, version_key(name), _state(db, name, ended_version))
    # The first page after a server start reads these instead of scanning every mention.
    from scrm.views.overview import refresh_page_summaries

    try:
        refresh_page_summaries(db)
    except Exception:  # a cache: never fail the score over it
        log.exception("compute: storing the page summaries failed")
    report(1.0, "done")
    return results
