"""The compute layer: stages in dependency order, recomputed only when the data changed."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
import sqlite_utils

from scrm import compute
from scrm.db import schema as S
from scrm.db import store

Fake = Callable[..., Any]


def _fake_stage(name: str, calls: list[str], *, writes: bool = True, rows: int = 3) -> Fake:
    """A stage that records its call, reports progress and (like the real ones) writes a derived table."""

    def run(db: sqlite_utils.Database, *, as_of: str | None = None, progress: Any = None) -> Any:
        calls.append(name)
        if progress is not None:
            progress(0.5, "half way")
        if writes:
            store.replace_table(db, f"fake_{name}", pd.DataFrame({"x": list(range(rows))}))
        return types.SimpleNamespace(stage=name, rows=rows, seconds=0.0, message=f"{name} did its work")

    return run


def _fake_all(monkeypatch: pytest.MonkeyPatch, made: list[str], **replace: Fake) -> dict[str, Fake]:
    """Every stage faked (sentiment writes nothing), some replaced by ``replace``."""
    fakes = {name: _fake_stage(name, made, writes=name != compute.SENTIMENT_STAGE) for name in compute.STAGE_NAMES}
    fakes.update(replace)
    monkeypatch.setattr(compute, "stage_function", fakes.__getitem__)
    return fakes


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every stage faked; sentiment writes nothing."""
    made: list[str] = []
    _fake_all(monkeypatch, made)
    return made


def _mention(db: sqlite_utils.Database, mention_id: str) -> None:
    store.upsert_rows(
        db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"],
        [(mention_id, "twitter", "ana", "hello", "2024-03-01T10:00:00")],
    )


def test_first_run_runs_every_stage_in_dependency_order(
    fresh_db: sqlite_utils.Database, calls: list[str]
) -> None:
    seen: list[str] = []
    progress: list[tuple[float, str]] = []
    results = compute.run_all(fresh_db, progress=lambda f, m: progress.append((f, m)), on_stage=lambda s: seen.append(s.stage))
    assert calls == ["sentiment", "identity", "value", "topics", "segments", "summaries", "roles", "alerts", "workflows", "journey"]
    assert [r.stage for r in results] == list(compute.STAGE_NAMES) == seen
    assert [r.status for r in results] == ["ran"] * 10
    assert results[2].rows == 3 and results[2].message == "value did its work" and results[2].seconds >= 0
    assert ((2 + 0.5) / 10, "value: half way") in progress
    assert progress[-1] == (1.0, "done")


def test_a_second_run_without_new_data_does_nothing(fresh_db: sqlite_utils.Database, calls: list[str]) -> None:
    _mention(fresh_db, "m1")
    compute.run_all(fresh_db)
    version = store.data_version(fresh_db)
    calls.clear()
    results = compute.run_all(fresh_db)
    assert calls == ["sentiment"]  # incremental by itself: always asked
    assert [r.status for r in results if r.stage != "sentiment"] == ["up to date"] * 9
    assert results[2].line() == "value:     up to date (no new data since the last run)"
    assert store.data_version(fresh_db) == version
    assert store.get_meta(fresh_db, compute.version_key("value")) == str(version)


def test_new_data_recomputes_every_derived_stage(fresh_db: sqlite_utils.Database, calls: list[str]) -> None:
    compute.run_all(fresh_db)
    _mention(fresh_db, "m2")
    calls.clear()
    compute.run_all(fresh_db)
    assert calls == ["sentiment", "identity", "value", "topics", "segments", "summaries", "roles", "alerts", "workflows", "journey"]


def test_a_sentiment_write_counts_as_new_data(fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    _fake_all(monkeypatch, made, sentiment=_fake_stage("sentiment", made))
    compute.run_all(fresh_db, stages=("sentiment", "value"))
    compute.run_all(fresh_db, stages=("sentiment", "value"))
    assert made == ["sentiment", "value", "sentiment", "value"]


def test_force_recomputes_without_new_data(fresh_db: sqlite_utils.Database, calls: list[str]) -> None:
    compute.run_all(fresh_db)
    calls.clear()
    compute.run_all(fresh_db, force=True)
    assert calls == ["sentiment", "identity", "value", "topics", "segments", "summaries", "roles", "alerts", "workflows", "journey"]


def test_work_after_a_stage_runs_before_the_next_stage_and_only_when_the_stage_ran(
    fresh_db: sqlite_utils.Database, calls: list[str]
) -> None:
    compute.run_all(fresh_db, after={"workflows": lambda db: calls.append("after workflows")})
    assert calls[-3:] == ["workflows", "after workflows", "journey"]
    calls.clear()
    compute.run_all(fresh_db, after={"workflows": lambda db: calls.append("after workflows")})
    assert calls == ["sentiment"]  # workflows was up to date: nothing after it either


def test_a_failing_stage_leaves_the_run_to_be_redone(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []

    def broken(db: sqlite_utils.Database, **_: Any) -> Any:
        raise RuntimeError("boom")

    fakes = _fake_all(monkeypatch, made, topics=broken)
    with pytest.raises(RuntimeError):
        compute.run_all(fresh_db, stages=("value", "topics"))
    assert store.get_meta(fresh_db, compute.version_key("value")) is None
    fakes["topics"] = _fake_stage("topics", made)
    compute.run_all(fresh_db, stages=("value", "topics"))
    assert made == ["value", "value", "topics"]


def test_stages_limits_the_run(fresh_db: sqlite_utils.Database, calls: list[str]) -> None:
    results = compute.run_all(fresh_db, stages=("topics", "value"))
    assert [r.stage for r in results] == ["value", "topics"]
    assert calls == ["value", "topics"]


def test_every_stage_is_an_imported_function_and_an_unknown_name_is_a_key_error() -> None:
    assert all(callable(function) for _, function in compute.STAGES)
    assert compute.stage_function("value") is dict(compute.STAGES)["value"]
    with pytest.raises(KeyError):
        compute.stage_function("nope")


def test_workflows_run_after_the_alerts_they_add_to_and_before_the_journeys_that_read_their_cases() -> None:
    assert compute.STAGE_NAMES[-1] == "journey"
    assert compute.STAGE_NAMES.index("workflows") == compute.STAGE_NAMES.index("alerts") + 1


def test_a_changed_rule_runs_only_the_workflows_stage_on_the_next_score(
    fresh_db: sqlite_utils.Database, calls: list[str]
) -> None:
    from scrm.act import rules as workflows

    compute.run_all(fresh_db)
    calls.clear()
    workflows.save_rule(fresh_db, workflows.Rule("New rule"), actor="admin1")
    compute.run_all(fresh_db)
    # Then only the journeys, which read what the rules wrote.
    assert calls == ["sentiment", "workflows", "journey"]
    calls.clear()
    compute.run_all(fresh_db)
    assert calls == ["sentiment"]


def test_journeys_are_recomputed_when_the_team_works_on_cases(fresh_db: sqlite_utils.Database, calls: list[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from scrm.act import cases

    compute.run_all(fresh_db)
    case_id = cases.open_case(fresh_db, queue=cases.RESCUE, subject="Call back", priority="high", actor="ana")
    calls.clear()
    compute.run_all(fresh_db)
    assert calls == ["sentiment", "journey"]  # a case is the team's work: only journeys read it
    cases.set_status(fresh_db, case_id, "resolved", actor="ana")
    calls.clear()
    compute.run_all(fresh_db)
    assert calls == ["sentiment", "journey"]
    calls.clear()
    compute.run_all(fresh_db)
    assert calls == ["sentiment"]
