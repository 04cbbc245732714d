"""The stage contract (scrm/analysis/stage.py), held by every member of ``compute.STAGES``.

Like scikit-learn's ``test_common.py`` runs the same checks over every
estimator, these run the same checks over every compute stage: each runs on an
empty database and on the tiny demo, says what it did in a
:class:`~scrm.analysis.stage.StageSummary` under its own name, and a second
score run with no new data finds every derived stage up to date.
"""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from scrm import compute
from scrm.analysis.stage import UP_TO_DATE, StageFunction, StageSummary
from scrm.db import store

ROOT = Path(__file__).resolve().parent.parent
STAGES = [pytest.param(name, function, id=name) for name, function in compute.STAGES]


def check_summary(summary: object, name: str) -> None:
    assert isinstance(summary, StageSummary), f"{name} returned {type(summary).__name__}, not a StageSummary"
    assert summary.stage == name
    assert isinstance(summary.rows, int) and not isinstance(summary.rows, bool)
    assert summary.rows >= 0
    assert isinstance(summary.message, str)


def test_every_stage_has_its_own_name() -> None:
    names = [name for name, _ in compute.STAGES]
    assert len(names) == len(set(names)), names
    assert tuple(names) == compute.STAGE_NAMES


@pytest.mark.parametrize(("name", "function"), STAGES)
def test_a_stage_is_a_function_of_analysis_or_act(name: str, function: StageFunction) -> None:
    assert inspect.isfunction(function), f"{name}: {function!r} is not a function (STAGES holds imported functions)"
    source = Path(inspect.getsourcefile(inspect.unwrap(function)) or "").resolve()
    homes = (ROOT / "scrm" / "analysis", ROOT / "scrm" / "act")
    assert any(source.is_relative_to(home) for home in homes), f"{name} is defined in {source}"
    assert function.__module__.startswith(("scrm.analysis.", "scrm.act.")), function.__module__


@pytest.mark.parametrize(("name", "function"), STAGES)
def test_a_stage_takes_the_database_and_a_progress_keyword(name: str, function: StageFunction) -> None:
    parameters = list(inspect.signature(function).parameters.values())
    assert parameters and parameters[0].name == "db"
    progress = inspect.signature(function).parameters.get("progress")
    assert progress is not None and progress.default is None, f"{name} has no progress=None"
    required = [p.name for p in parameters[1:] if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD]
    assert not required, f"{name} requires {required}; a stage runs as fn(db, progress=...)"


@pytest.mark.parametrize(("name", "function"), STAGES)
def test_a_stage_runs_on_an_empty_database(name: str, function: StageFunction, fresh_db: sqlite_utils.Database) -> None:
    check_summary(function(fresh_db), name)
    # Twice: unchanged (empty) data is not an error the second time either.
    check_summary(function(fresh_db), name)


@pytest.mark.parametrize(("name", "function"), STAGES)
def test_a_stage_reports_its_progress_between_0_and_1(
    name: str, function: StageFunction, fresh_db: sqlite_utils.Database
) -> None:
    reported: list[tuple[float, str]] = []
    check_summary(function(fresh_db, progress=lambda fraction, message: reported.append((fraction, message))), name)
    assert all(0.0 <= fraction <= 1.0 and isinstance(message, str) for fraction, message in reported), reported


@pytest.fixture(scope="module")
def tiny_db(scored_demo_path: Path) -> Iterator[sqlite_utils.Database]:
    """The scored tiny demo (this module's own copy): the stages below rewrite its derived tables."""
    db = store.open_db(scored_demo_path)
    yield db
    db.close()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "function"), STAGES)
def test_a_stage_runs_on_the_tiny_demo(name: str, function: StageFunction, tiny_db: sqlite_utils.Database) -> None:
    summary = function(tiny_db)
    check_summary(summary, name)


@pytest.mark.slow
def test_a_second_score_finds_every_derived_stage_up_to_date(scored_tiny_demo_master: Path, tmp_path: Path) -> None:
    path = tmp_path / "scrm.db"
    shutil.copyfile(scored_tiny_demo_master, path)
    db = store.open_db(path)
    try:
        first = compute.run_all(db)
        assert [s.stage for s in first] == list(compute.STAGE_NAMES)
        for summary in first:
            check_summary(summary, summary.stage)
        second = compute.run_all(db)
    finally:
        db.close()
    assert [s.stage for s in second] == list(compute.STAGE_NAMES)
    stale = [s.line() for s in second if s.stage != compute.SENTIMENT_STAGE and s.status != UP_TO_DATE]
    assert not stale, "ran again with no new data:\n" + "\n".join(stale)
    sentiment = next(s for s in second if s.stage == compute.SENTIMENT_STAGE)
    assert sentiment.rows == 0, f"sentiment scored {sentiment.rows} texts again: {sentiment.message}"
