"""Every read of the views, casework, export and privacy modules that needs only the database runs on
PostgreSQL (a copy of the scored tiny demo) and gives the same rows as on SQLite."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlite_utils

import scrm.act
import scrm.export
import scrm.privacy
import scrm.views
from scrm.db import store, transfer

# Q's modules are made portable and tested by their owner; writes are not reads; the masking
# salt is random per database.
_SKIPPED_MODULES = {"kpis", "overview"}
_SKIPPED_READS = {"scrm.privacy.masking.privacy_salt"}
_WRITES = (
    "erase", "purge", "delete", "save", "update", "set_", "add_", "open_", "assign", "apply", "refresh", "record",
    "write", "remove", "accept", "reject", "undo", "merge", "dismiss", "store", "ensure", "resolve", "import",
    "send", "run", "decide", "review_link", "toggle", "enable", "create", "clear", "reset", "notify", "seed", "deliver",
)


def _reads() -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for package in (scrm.views, scrm.act, scrm.export, scrm.privacy):
        for info in pkgutil.iter_modules(package.__path__):
            if info.name in _SKIPPED_MODULES:
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, fn in inspect.getmembers(module, inspect.isfunction):
                if fn.__module__ != module.__name__ or name.startswith("_") or any(w in name for w in _WRITES):
                    continue
                params = list(inspect.signature(fn).parameters.values())
                if not params or params[0].name != "db":
                    continue
                required = [p for p in params[1:] if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
                if not required and f"{module.__name__}.{name}" not in _SKIPPED_READS:
                    found.append((f"{module.__name__}.{name}", fn))
    return found


READS = _reads()


@pytest.fixture(scope="module")
def engines(scored_tiny_demo_master: Path, pg_server: str) -> Iterator[tuple[sqlite_utils.Database, sqlite_utils.Database]]:
    import pgcluster
    import psycopg

    name = "scrm_views_parity"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    lite = store.open_db(scored_tiny_demo_master)
    pg = store.open_db(pgcluster.database_url(pg_server, name))
    transfer.copy_database(lite, pg)
    yield lite, pg
    lite.close()
    pg.close()
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rows(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return [list(row) for row in value.reset_index(drop=True).astype(object).itertuples(index=False)]
    if isinstance(value, pd.Series):
        return [list(value.index.astype(object)), list(value.astype(object))]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _rows(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _rows(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rows(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal, floats within 1e-3 (SQL rounding of a float may land on either side of a half)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    missing_a = a is None or a is pd.NA or a is pd.NaT or (isinstance(a, float) and a != a)
    missing_b = b is None or b is pd.NA or b is pd.NaT or (isinstance(b, float) and b != b)
    if missing_a or missing_b:
        return missing_a and missing_b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= 1e-3 * max(1.0, abs(float(a)))
    return bool(a == b)


def test_there_are_reads_to_check() -> None:
    assert len(READS) >= 30


@pytest.mark.parametrize(("name", "read"), READS, ids=[n for n, _ in READS])
def test_a_read_gives_the_same_answer_on_postgres(
    engines: tuple[sqlite_utils.Database, sqlite_utils.Database], name: str, read: Callable[..., Any]
) -> None:
    lite, pg = engines
    expected = read(lite)
    got = read(pg)
    if isinstance(expected, pd.DataFrame):
        assert isinstance(got, pd.DataFrame)
        assert list(got.columns) == list(expected.columns)
        assert len(got) == len(expected)
    assert _same(_rows(got), _rows(expected)), f"{name} differs on PostgreSQL"


@pytest.mark.parametrize("week_start", ["monday", "sunday"])
@pytest.mark.parametrize(("period", "by"), [("week", "platform"), ("week", "brand"), ("day", "platform")])
def test_listening_volume_over_time_gives_the_same_periods_on_postgres(
    engines: tuple[sqlite_utils.Database, sqlite_utils.Database], period: str, by: str, week_start: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scrm.db.filters import Filters
    from scrm.views import listening

    monkeypatch.setattr(listening.business, "week_start", lambda _db: week_start)
    lite, pg = engines
    expected = listening.volume_over_time(lite, Filters(), by=by, period=period)  # type: ignore[arg-type]
    got = listening.volume_over_time(pg, Filters(), by=by, period=period)  # type: ignore[arg-type]
    assert len(expected) > 0
    if period == "week":
        first_days = pd.to_datetime(expected["period"]).dt.day_of_week.unique().tolist()
        assert first_days == [6 if week_start == "sunday" else 0]
    assert _same(_rows(got), _rows(expected))


@pytest.mark.parametrize("rank_by", ["mentions", "followers", "role"])
def test_listening_top_authors_are_the_same_on_postgres(
    engines: tuple[sqlite_utils.Database, sqlite_utils.Database], rank_by: str
) -> None:
    from scrm.db.filters import Filters
    from scrm.views import listening

    lite, pg = engines
    expected = listening.top_authors(lite, Filters(), 25, rank_by=rank_by)  # type: ignore[arg-type]
    got = listening.top_authors(pg, Filters(), 25, rank_by=rank_by)  # type: ignore[arg-type]
    assert len(expected) > 0
    assert _same(_rows(got), _rows(expected))
