"""Shared fixtures: a fresh database in memory or in tmp_path, and the
validation data folder (``$SCRM_SHARED_DATA``, default ``../shared/data``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from scrm import store

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
