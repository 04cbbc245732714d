"""Backups of the SQLite database while the app runs, and restores into it.

:func:`backup_to` copies the database with SQLite's online backup API in one
step, so the copy is one consistent snapshot (an import or a score running
at the same time is either wholly in it or not at all). It writes to a
temporary file beside the target and moves it in place at the end: an
interrupted backup leaves no half file.

:func:`restore_from` copies a backup into the open database with the same
API, so the app's other connections see the restored data on their next
read instead of holding a file that was swapped under them. The data version
then moves past both the current and the restored one: no cache keyed on a
version can serve figures of the data before the restore.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError
from scrm.i18n.messages import Message

# Pages copied per step of a restore; the lock is held for the whole copy anyway.
_ALL_PAGES = -1


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or a restore copied."""

    path: Path
    bytes: int
    seconds: float
    data_version: int


def _is_scrm_file(path: Path) -> int:
    """The schema version of the scrm database at ``path``; a ConfigError when it is none."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute(f"SELECT value FROM {S.META} WHERE key = ?", [S.META_SCHEMA_VERSION]).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise ConfigError(Message(
            "{file} is not an scrm database ({error}); give the path of a backup `scrm backup` made.",
            {"file": path.name, "error": str(e)},
        )) from e
    if row is None:
        raise ConfigError(Message(
            "{file} is not an scrm database (no schema version); give a backup `scrm backup` made.", {"file": path.name}
        ))
    return int(row[0])


def backup_to(db: sqlite_utils.Database, target: str | Path, *, replace: bool = False) -> BackupSummary:
    """Copy ``db`` to the new file ``target`` as one consistent snapshot.

    >>> import tempfile
    >>> db = store.open_db(":memory:")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     backup_to(db, Path(tmp) / "copy.db").bytes > 0
    True
    """
    path = Path(target)
    if path.exists() and not replace:
        raise ConfigError(Message(
            "{path} exists already. Give a new file name (for example with the date in it), or add --replace.",
            {"path": str(path)},
        ))
    if not path.parent.is_dir():
        raise ConfigError(Message(
            "The folder {folder} does not exist. Create it first, or give another path.", {"folder": str(path.parent)}
        ))
    started = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    if store.is_postgres(db):
        _backup_postgres(db, partial)
        partial.replace(path)
        return BackupSummary(path, path.stat().st_size, time.perf_counter() - started, store.data_version(db))
    dest = sqlite3.connect(partial)
    try:
        db.conn.backup(dest, pages=_ALL_PAGES)
        dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
    finally:
        dest.close()
    partial.replace(path)
    return BackupSummary(path, path.stat().st_size, time.perf_counter() - started, store.data_version(db))


def _backup_postgres(db: sqlite_utils.Database, partial: Path) -> None:
    """A PostgreSQL database into a new SQLite file, read in one snapshot (REPEATABLE READ)."""
    from scrm.db.transfer import copy_database

    try:
        dest = store.open_db(partial)
        try:
            db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                copy_database(db, dest)
            finally:
                db.execute("COMMIT")
        finally:
            dest.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def restore_from(db: sqlite_utils.Database, source: str | Path) -> BackupSummary:
    """Replace everything in ``db`` with the backup at ``source`` (its schema no newer than this scrm's)."""
    path = Path(source)
    if not path.is_file():
        raise ConfigError(Message("No backup at {path}. Check the path; `scrm backup FILE` makes one.", {"path": str(path)}))
    version = _is_scrm_file(path)
    if version > S.SCHEMA_VERSION:
        raise ConfigError(Message(
            "{file} was made by a newer scrm (schema {version}, this one reads up to {supported}). "
            "Update scrm, then restore.",
            {"file": path.name, "version": version, "supported": S.SCHEMA_VERSION},
        ))
    started = time.perf_counter()
    if store.is_postgres(db):  # the backup is an SQLite file: copied in, in one transaction
        from scrm.db.transfer import copy_database

        backup = store.open_db(path)  # an older schema is brought up to date first
        try:
            copy_database(backup, db, replace=True)
        finally:
            backup.close()
        return BackupSummary(path, path.stat().st_size, time.perf_counter() - started, store.data_version(db))
    before = store.data_version(db)
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        src.backup(db.conn, pages=_ALL_PAGES)
    finally:
        src.close()
    # An older schema is brought up to date, and the version moves past every one seen before
    # (the transaction adds one for the change it commits).
    store.migrate(db)
    with store.transaction(db):
        db.execute(
            f"UPDATE {S.META} SET value = ? WHERE key = ?", [str(max(before, store.data_version(db))), S.META_DATA_VERSION]
        )
    return BackupSummary(path, path.stat().st_size, time.perf_counter() - started, store.data_version(db))
