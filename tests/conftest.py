"""Shared fixtures: a fresh database in memory or in tmp_path, and the
validation data folder (``$SCRM_SHARED_DATA``, default ``../shared/data``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from scrm.db import store

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("SCRM_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def fresh_db() -> Iterator[sqlite_utils.Database]:
    """An empty, migrated scrm database in memory."""
    db = store.open_db(":memory:")
    yield db
    db.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a database file that does not exist yet."""
    return tmp_path / "scrm.db"


@pytest.fixture
def shared_data() -> Path:
    """The validation data folder; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"validation data not found at {SHARED_DATA}; set SCRM_SHARED_DATA to the shared/data folder")
    return SHARED_DATA


@pytest.fixture(scope="session")
def scored_tiny_demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny demo with every score computed, built ONCE per test session.

    Page tests copy it (:func:`scored_demo_path`) instead of building their own.
    """
    from scrm.compute import run_all
    from scrm.demo import build_demo

    path = tmp_path_factory.mktemp("scored-demo") / "scrm.db"
    db = store.open_db(path)
    try:
        build_demo(db, scale="tiny")
        run_all(db)
    finally:
        db.close()  # the last connection: SQLite folds the WAL into the file
    return path


@pytest.fixture(scope="module")
def scored_demo_path(scored_tiny_demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the scored tiny demo for one test module, which may write to it."""
    path = tmp_path_factory.mktemp("scored-copy") / "scrm.db"
    shutil.copyfile(scored_tiny_demo_master, path)
    return path


# --- page tests: the app's database is $SCRM_DB --------------------------------------


@pytest.fixture(scope="module")
def demo_path(scored_demo_path: Path) -> Path:
    """The database a page module's demo tests use (a module may add rows to its own)."""
    return scored_demo_path


@pytest.fixture
def demo_db(demo_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The scored demo as the app's database."""
    monkeypatch.setenv(store.ENV_DB, str(demo_path))
    yield demo_path


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty, migrated database as the app's database."""
    path = tmp_path / "empty.db"
    store.open_db(path).close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    yield path


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What a browser's fetch of each download button's file runs, by file name.

    Downloads are recorded in the audit log when the file is fetched
    (:func:`scrm.ui.auth.audited`), which AppTest cannot do: a test calls the fetch itself.
    """
    from scrm.ui import auth as access

    made: dict[str, Any] = {}
    original = access.audited

    def recording(data: Any, file_name: str, **detail: Any) -> Any:
        made[file_name] = original(data, file_name, **detail)
        return made[file_name]

    monkeypatch.setattr(access, "audited", recording)
    return made


# --- PostgreSQL (issue 16) -------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server for this test session: ``SCRM_TEST_PG_URL``, else a throwaway
    cluster on 127.0.0.1 (see ``tests/pgcluster.py``); the tests that use it skip with the
    reason when neither is possible. Yields the URL of its maintenance database."""
    import pgcluster

    try:
        cluster = pgcluster.start()
    except pgcluster.Unavailable as e:
        pytest.skip(f"no PostgreSQL for the tests: {e}")
    try:
        yield cluster.url
    finally:
        pgcluster.stop(cluster)


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> str:
    """The name of a migrated database that every test database is copied from."""
    import pgcluster
    import psycopg

    template = f"scrm_template_{os.getpid()}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{template}"')
        conn.execute(f'CREATE DATABASE "{template}"')
    url = pgcluster.database_url(pg_server, template)
    store.open_db(url).close()
    from scrm.db import pg

    pg.close_pools(url)  # a template must have no connection when it is copied
    return template


_PG_DATABASES = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_server: str, pg_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test (CREATE DATABASE from the template: fast)."""
    import pgcluster
    import psycopg

    name = f"scrm_test_{os.getpid()}_{next(_PG_DATABASES)}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    url = pgcluster.database_url(pg_server, name)
    yield url
    from scrm.db import pg

    pg.close_pools(url)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
