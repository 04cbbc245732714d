"""Erasure on PostgreSQL: after erase_person the person is in no table, index or search vector.

The scored tiny demo is copied into a fresh PostgreSQL database and the
SQLite test's flow runs on it (tests/test_gdpr.py: copies planted where only
the sweep finds them). Then every text cell of every table, the search
vectors, and the raw files of the touched tables, their TOAST tables and
their indexes (read with pg_read_binary_file) are searched for the person's
e-mail, name and handles.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from test_gdpr import person_mentions, pick_customer, plant_copies

from scrm.db import dialect, search, store, transfer
from scrm.db import schema as S
from scrm.privacy import requests as gdpr


@pytest.fixture
def pg_demo(scored_tiny_demo_master: Path, pg_url: str) -> Iterator[sqlite_utils.Database]:
    source = store.open_db(scored_tiny_demo_master)
    db = store.open_db(pg_url)
    try:
        transfer.copy_database(source, db)
    finally:
        source.close()
    yield db
    db.close()


def _text_cells(db: sqlite_utils.Database) -> Iterator[tuple[str, str]]:
    for table in dialect.table_names(db):
        for row in db.execute(f'SELECT * FROM "{table}"'):
            for value in row:
                if value is not None and not isinstance(value, (int, float)):
                    yield table, str(value)


def _relation_bytes(db: sqlite_utils.Database, tables: list[str]) -> dict[str, bytes]:
    """The first segment file of each table, its TOAST table and every index on them, after a checkpoint."""
    rows = db.execute(
        "SELECT c.relname, pg_relation_filepath(r.oid) FROM pg_class c "
        "JOIN pg_class r ON r.oid = c.oid OR r.oid = c.reltoastrelid "
        "OR r.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN (c.oid, c.reltoastrelid)) "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname = ANY(?)",
        [tables],
    ).fetchall()
    out: dict[str, bytes] = {}
    try:
        db.execute("CHECKPOINT")  # pages reach their files only at a checkpoint
    except Exception as e:  # noqa: BLE001 - not a superuser: the SQL checks still hold
        pytest.skip(f"cannot checkpoint PostgreSQL to read its files ({e})")
    for name, path in rows:
        if path is None:
            continue
        try:
            data = db.execute("SELECT pg_read_binary_file(?)", [path]).fetchone()[0]
        except Exception as e:  # noqa: BLE001 - no right to read server files: the SQL checks still hold
            pytest.skip(f"cannot read PostgreSQL's files to look for leftovers ({e})")
        out[f"{name}:{path}"] = bytes(data or b"")
    return out


def test_an_erased_person_is_in_no_table_index_or_search_vector_on_postgres(pg_demo: sqlite_utils.Database) -> None:
    db = pg_demo
    person = pick_customer(db)
    mentions = person_mentions(db, person["customer_id"])
    plant_copies(db, person, mentions[0])
    assert search.search_mentions(db, person["handles"][0]).total >= 1
    before = store.counts(db)
    version = store.data_version(db)
    preview = gdpr.preview_erasure(db, person["customer_id"])
    assert store.data_version(db) == version  # the preview writes nothing
    export = gdpr.export_person(db, person["customer_id"])

    summary = gdpr.erase_person(db, person["customer_id"], actor="ana")

    assert summary.deleted == preview.deleted and summary.swept == preview.swept
    assert S.MENTIONS_SEARCH_VECTOR not in str(export)

    values = [person["email"], person["name"], *person["handles"]]
    leaks = [(t, v, text[:80]) for t, text in _text_cells(db) for v in values if v.casefold() in text.casefold()]
    assert leaks == []
    assert summary.deleted[S.CUSTOMERS] == 1
    assert summary.deleted[S.MENTIONS] == len(mentions)
    assert summary.deleted[S.QUARANTINE] == 1
    assert store.counts(db)[S.MENTIONS] == before[S.MENTIONS] - len(mentions)
    text = db.execute("SELECT text FROM mentions WHERE mention_id = 'M-OTHER-1'").fetchone()[0]
    assert text == "Zyzzyva agrees with @[erased], and [erased] is right"
    # The search vector follows: the handle is gone, the rest of the post is found.
    assert search.search_mentions(db, person["handles"][0]).total == 0
    assert search.search_mentions(db, "Zyzzyva").total == 1
    assert summary.checkpointed  # VACUUM FULL ran on every touched table
    files = _relation_bytes(db, sorted({*summary.deleted, *summary.swept}))
    assert any(k.startswith(f"{S.MENTIONS}:") for k in files)
    found = [(k, v) for k, data in files.items() for v in values if v.lower().encode() in data.lower()]
    assert found == []
