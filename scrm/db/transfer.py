"""Copy a whole scrm database into another: an SQLite file into PostgreSQL when a team moves to a server.

:func:`copy_database` copies every stored table (customers to the audit log,
settings included) and the derived tables of the last score run, so the
pages show the same figures at once. Caches and search indexes are left
out: they are rebuilt on demand. The target is written in one transaction
(on PostgreSQL rows go in through COPY): a failed copy leaves it as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from scrm.db import pg, store
from scrm.db import schema as S
from scrm.errors import ConfigError
from scrm.i18n.messages import Message

# Rebuilt on demand, never data of their own (and FTS5's shadow tables on SQLite).
_SKIPPED_PREFIXES = (S.MENTIONS_FTS, S.PAGE_SUMMARIES, "sqlite_")
_BATCH = 20_000

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class CopySummary:
    """What a copy wrote: rows per table, and how long it took."""

    rows: dict[str, int]
    seconds: float

    def summary(self) -> str:
        total = sum(self.rows.values())
        return f"Copied {total:,} rows in {len(self.rows)} tables in {self.seconds:.1f} s."


def _columns(db: sqlite_utils.Database, table: str) -> list[str]:
    if store.is_postgres(db):
        return [c.name for c in db[table].columns]
    return [str(r[1]) for r in db.execute(f'PRAGMA table_info("{table}")').fetchall()]


def _holds_data(db: sqlite_utils.Database) -> bool:
    return any(not store.is_empty(db, t) for t in (*S.KINDS, S.CASES, S.RULE_MATCHES))


def copy_database(
    source: sqlite_utils.Database,
    target: sqlite_utils.Database,
    *,
    replace: bool = False,
    progress: Progress | None = None,
) -> CopySummary:
    """Copy every table of ``source`` into ``target`` (both open and migrated); return what was copied.

    A target that already holds customers, orders, mentions, surveys or
    casework is refused unless ``replace``. The target's data version ends
    past both databases' own, so no cache serves figures of before the copy.
    """
    t0 = time.perf_counter()
    if not replace and _holds_data(target):
        raise ConfigError(Message(
            "{where} already holds data; nothing was copied. Copy into an empty database, "
            "or add --replace to empty it first.",
            {"where": store.db_place(target)},
        ))
    stored = [t for t in S.STORED_COLUMNS if t in source.table_names()]
    derived = [
        t for t in source.table_names()
        if t not in S.STORED_COLUMNS and not t.startswith(_SKIPPED_PREFIXES)
    ]
    # Past the target's version (its caches), and the team's-work count moved by as much, so the input
    # version the copied scores were computed on stays theirs: the next `score` recomputes nothing.
    source_version = store.data_version(source)
    version = max(source_version, store.data_version(target) + 1)
    work = source_version - store.input_version(source) + (version - source_version)
    rows: dict[str, int] = {}
    tables = stored + derived
    with store.transaction(target, bump=False):
        for table in tables:
            if table in S.STORED_COLUMNS:
                target.execute(f'DELETE FROM "{table}"')
        for table in target.table_names():  # derived tables of the target's own runs
            if table not in S.STORED_COLUMNS:
                target.execute(f'DROP TABLE IF EXISTS "{table}"')
        for i, table in enumerate(tables):
            if progress:
                progress(i / max(1, len(tables)), f"Copying {table}")
            if table in S.STORED_COLUMNS:
                rows[table] = _copy_stored(source, target, table)
            else:
                frame = store.read_frame(source, f'SELECT * FROM "{table}"')
                rows[table] = store.replace_table(target, table, frame)
        for key, value in ((S.META_DATA_VERSION, version), (S.META_WORK_VERSION, work)):
            target.execute(
                f"INSERT INTO {S.META} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, str(value)],
            )
        target.execute(f"UPDATE {S.META} SET value = ? WHERE key = ?", [str(S.SCHEMA_VERSION), S.META_SCHEMA_VERSION])
    if progress:
        progress(1.0, "Copied")
    return CopySummary(rows=rows, seconds=time.perf_counter() - t0)


def _copy_stored(source: sqlite_utils.Database, target: sqlite_utils.Database, table: str) -> int:
    wanted = set(_columns(target, table))
    cols = [c for c in _columns(source, table) if c in wanted]
    quoted = ", ".join(f'"{c}"' for c in cols)
    cursor = source.execute(f'SELECT {quoted} FROM "{table}"')
    if isinstance(target, pg.PgDatabase):
        n = pg.copy_rows(target.pg.raw, f'"{table}"', f"({quoted})", iter(cursor))
        if table in pg.SERIAL_KEYS and n:
            pg.sync_sequence(target.pg.raw, table)
        target.pg.total_changes += n
        return n
    n = 0
    marks = ", ".join("?" for _ in cols)
    while batch := cursor.fetchmany(_BATCH):
        target.conn.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', batch)
        n += len(batch)
    return n
