"""The compute layer behind ``python -m scrm score``: sentiment, then the derived tables.

:func:`run_all` runs the stages in dependency order:

1. ``sentiment`` (``scrm.analysis.sentiment.refresh``), always: it is
   incremental by itself and scores only new texts or texts whose model changed.
2. the derived stages ``identity`` (profiles and their links to customers),
   ``value``, ``topics``, ``segments``, ``roles``, ``alerts`` (each module's
   ``refresh(db, progress=...)``), each only when the data changed since that
   stage last ran.
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

Every stage keeps the contract of :mod:`scrm.analysis.stage`;
``tests/test_stages.py`` runs each one. What the pages store for their first
visitor (the page summaries) and the demo's simulated team work are not
stages: :func:`scrm.api.score` does them around :func:`run_all`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

import sqlite_utils

from scrm.act import rules
from scrm.analysis import alerts, identity, journey, roles, segments, sentiment, summaries, topics, value
from scrm.analysis.stage import RAN, UP_TO_DATE, Progress, StageFunction, StageSummary
from scrm.db import schema as S
from scrm.db import store
from scrm.db import summaries as db_summaries

__all__ = [
    "RAN", "STAGES", "STAGE_NAMES", "UP_TO_DATE", "Progress", "StageSummary", "pending_stages", "run_all", "version_key",
]

log = logging.getLogger(__name__)

SENTIMENT_STAGE = "sentiment"
# (stage, function) in dependency order: profiles and links feed roles and
# journeys; value feeds segments, roles and alerts; topics feed segments and
# alerts; roles feed rules and journeys; rules open the cases journeys read; the
# summaries sum over sentiment, links and segments, so they come after those.
STAGES: tuple[tuple[str, StageFunction], ...] = (
    (SENTIMENT_STAGE, sentiment.refresh),
    (identity.STAGE, identity.refresh),
    ("value", value.refresh),
    ("topics", topics.refresh),
    ("segments", segments.refresh),
    (summaries.STAGE, summaries.refresh),
    ("roles", roles.refresh),
    ("alerts", alerts.refresh),
    (rules.STAGE, rules.refresh),
    ("journey", journey.refresh),
)
STAGE_NAMES: tuple[str, ...] = tuple(name for name, _ in STAGES)


def version_key(stage: str) -> str:
    """The meta key holding the data version a stage is up to date with."""
    return S.META_COMPUTED_VERSION.format(stage)


def stage_function(stage: str) -> StageFunction:
    """The function that runs ``stage`` (a name of :data:`STAGE_NAMES`)."""
    for name, function in STAGES:
        if name == stage:
            return function
    raise KeyError(stage)


# Stages that also read the team's own work (cases), which does not move the
# input version: they are up to date only while the cases are unchanged too.
READS_CASES = frozenset({"journey"})


def _state(db: sqlite_utils.Database, stage: str, version: int) -> str:
    """What a stage being up to date is recorded as: the input version, plus the cases' state for some."""
    if stage == summaries.STAGE and not db_summaries.is_built(db):
        return f"{version}:summary tables to build"  # a table added since the last run: never up to date
    if stage not in READS_CASES or S.CASES not in db.table_names():
        return str(version)
    # Every change to a case writes one case event: their count moves with every edit.
    count, events, updated = db.execute(
        f"SELECT count(*), (SELECT count(*) FROM {S.CASE_EVENTS}), max(updated_at) FROM {S.CASES}"
    ).fetchone()
    return f"{version}:cases {count} {events} {updated or ''}".rstrip()


def pending_stages(db: sqlite_utils.Database) -> list[str]:
    """The stages the next ``score`` would run: what an interrupted or failed score left to do.

    ``sentiment`` when a mention has no sentiment row (a model change is not
    counted: that needs reading every row); a derived stage when its recorded
    version is not the database's now (see the module docstring). A read.

    >>> db = store.open_db(":memory:")
    >>> pending_stages(db)[:2]
    ['identity', 'value']
    >>> _ = run_all(db); pending_stages(db)
    []
    """
    pending: list[str] = []
    if store.table_exists(db, S.SENTIMENT) and db.execute(
        f"SELECT 1 FROM {S.MENTIONS} m WHERE NOT EXISTS (SELECT 1 FROM {S.SENTIMENT} s WHERE s.mention_id = m.mention_id) LIMIT 1"
    ).fetchone():
        pending.append(SENTIMENT_STAGE)
    version = store.input_version(db)
    pending += [
        name for name in STAGE_NAMES if name != SENTIMENT_STAGE and store.get_meta(db, version_key(name)) != _state(db, name, version)
    ]
    return pending


def _record(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Bookkeeping in meta WITHOUT bumping the data version (see the module docstring)."""
    with store.transaction(db, bump=False):
        db.execute(
            f"INSERT INTO {S.META} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


def _summary(stage: str, result: StageSummary, seconds: float) -> StageSummary:
    """The stage's summary under its name in :data:`STAGES`, timed here (the whole call)."""
    return StageSummary(stage=stage, rows=int(result.rows), seconds=seconds, message=str(result.message))


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
    after: Mapping[str, Callable[[sqlite_utils.Database], object]] | None = None,
) -> list[StageSummary]:
    """Score new mentions, then recompute the derived tables whose inputs changed.

    ``force`` recomputes every derived stage (and passes nothing special to
    sentiment, which decides per text). ``stages`` limits the run to some
    stage names (tests, the bench). ``on_stage`` is called with each
    summary as soon as its stage ends (the CLI prints it). ``after`` maps a
    stage name to work done right after that stage ran (not when it was up to
    date), before the next stage: :func:`scrm.api.score` simulates the demo
    team's casework after ``workflows`` so the journeys see it. Returns one
    :class:`StageSummary` per stage, in run order.
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
        if (
            name != SENTIMENT_STAGE
            and not force
            and store.get_meta(db, version_key(name)) == _state(db, name, store.input_version(db))
        ):
            done(StageSummary(name, 0, 0.0, "up to date", UP_TO_DATE))
            current.append(name)
            continue
        fn = stage_function(name)
        stage_report = _stage_progress(report, name, index, len(names))
        stage_report(0.0, "starting")
        t0 = time.perf_counter()
        result = fn(db, progress=stage_report)
        if after is not None and name in after:
            after[name](db)
        seconds = time.perf_counter() - t0
        done(_summary(name, result, seconds))
        current.append(name)
        log.info("compute: %s in %.2f s", name, seconds)
    ended_version = store.input_version(db)
    for name in current:
        if name != SENTIMENT_STAGE:
            _record(db, version_key(name), _state(db, name, ended_version))
    report(1.0, "done")
    return results
