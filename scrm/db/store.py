"""The database: opening, migrations, the data version, bulk writes.

An SQLite file by default; a ``postgresql://`` URL in ``SCRM_DB`` (or ``--db``)
opens PostgreSQL through :mod:`scrm.db.pg` instead, behind the same functions
(:func:`is_postgres` for the few places that must know).

One file holds CRM and social data. Every write goes through
:func:`transaction`, which bumps the data version in the same transaction, so
a cache keyed on ``(path, data_version)`` never serves stale figures and a
killed process leaves either all of a write or none of it.
"""

from __future__ import annotations

import errno
import itertools
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd
import sqlite_utils

from scrm.db import pg
from scrm.db import schema as S
from scrm.errors import (
    ConfigError,
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseFault,
    DiskFull,
    ReadOnlyDatabase,
    SchemaTooNew,
    ScrmError,
)
from scrm.i18n.messages import Message, Value

log = logging.getLogger(__name__)

DEFAULT_DB = Path("data") / "scrm.db"
ENV_DB = "SCRM_DB"


def default_db_path() -> Path:
    """The database path: ``$SCRM_DB`` or ``data/scrm.db``."""
    value = os.environ.get(ENV_DB, "").strip()
    return Path(value) if value else DEFAULT_DB


def database_url() -> str:
    """``$SCRM_DB`` when it is a ``postgresql://`` URL, as written (a Path would fold its ``//``)."""
    return pg.normalise_url(os.environ.get(ENV_DB, ""))


def utcnow() -> str:
    """Now in UTC as ISO 8601 text, the format every timestamp is stored in."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


# --- migrations ------------------------------------------------------------
# Each migration takes the database from version i to i + 1 and runs inside
# one transaction with the version bump. Append, never edit a released one.


def _create_table(db: sqlite_utils.Database, table: str) -> None:
    if is_postgres(db):
        pg.create_table(db, table)
        return
    pk = S.PRIMARY_KEYS[table]
    columns = {name: _PY_TYPES[sql] for name, sql in S.STORED_COLUMNS[table].items()}
    db[table].create(columns, pk=pk, not_null={pk} if isinstance(pk, str) else set(pk))  # type: ignore[union-attr]
    for cols in S.INDEXES.get(table, []):
        db[table].create_index(list(cols), find_unique_name=True)  # type: ignore[union-attr]


_PY_TYPES: dict[str, type] = {"TEXT": str, "INTEGER": int, "REAL": float}


# The tables of schema 1; later tables come with their own migration.
_SCHEMA_1 = (S.CUSTOMERS, S.ORDERS, S.MENTIONS, S.SURVEYS, S.PROFILES, S.LINKS, S.IMPORTS, S.QUARANTINE)


def _migrate_0_to_1(db: sqlite_utils.Database) -> None:
    for table in _SCHEMA_1:
        _create_table(db, table)


def _migrate_1_to_2(db: sqlite_utils.Database) -> None:
    _create_table(db, S.SENTIMENT)


def _migrate_2_to_3(db: sqlite_utils.Database) -> None:
    for table in S.SCHEMA_3:
        _create_table(db, table)


def _migrate_3_to_4(db: sqlite_utils.Database) -> None:
    for table in S.SCHEMA_4:
        _create_table(db, table)


def _migrate_4_to_5(db: sqlite_utils.Database) -> None:
    existing = set(db.table_names())
    for table in S.SCHEMA_5:
        if table not in existing:
            _create_table(db, table)
    for table, columns in S.SCHEMA_5_COLUMNS.items():
        present = set(db[table].columns_dict)
        for name in columns:
            if name not in present:
                sql_type = S.STORED_COLUMNS[table][name]
                if is_postgres(db):
                    sql_type = pg.postgres_type(sql_type)
                db.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {sql_type}')


def _schema_5_complete(db: sqlite_utils.Database) -> bool:
    """Whether a schema-5 database has every table and column schema 5 holds today.

    Schema 5 grew after its first release (summaries of distinct people, a
    link's evidence message): a file made before gains them on its next open
    through the idempotent :func:`_migrate_4_to_5`.
    """
    tables = set(db.table_names())
    if not set(S.SCHEMA_5) <= tables:
        return False
    return all(table not in tables or set(columns) <= set(db[table].columns_dict) for table, columns in S.SCHEMA_5_COLUMNS.items())


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migrate_0_to_1, _migrate_1_to_2, _migrate_2_to_3, _migrate_3_to_4, _migrate_4_to_5,
]
assert len(MIGRATIONS) == S.SCHEMA_VERSION, "one migration per schema version"


# How messages name a database they know no file of (in memory, unknown): a phrase translated on its own.
UNNAMED = "the database"


def place(where: str | Path | Message | None) -> Value:
    """A database's name inside a message: its path as it is, or "the database" in the reader's language.

    >>> place("data/scrm.db"), place(None).render("es")
    ('data/scrm.db', 'la base de datos')
    """
    if isinstance(where, Message):
        return where
    return Message(UNNAMED) if where is None or str(where) == UNNAMED else str(where)


def _schema_version(db: sqlite_utils.Database) -> int:
    if S.META not in db.table_names():
        return 0
    row = db.execute(f"SELECT value FROM {S.META} WHERE key = ?", [S.META_SCHEMA_VERSION]).fetchone()
    return int(row[0]) if row else 0


def migrate(db: sqlite_utils.Database, path: str | Message = UNNAMED) -> int:
    """Bring the database to :data:`scrm.db.schema.SCHEMA_VERSION`; return the version found.

    A newer file is refused rather than risked.
    """
    found = _schema_version(db)
    if found > S.SCHEMA_VERSION:
        raise SchemaTooNew(Message(
            "{path} uses database schema {found}, but this scrm reads schema "
            "{supported} at most. Upgrade scrm (pip install -r requirements.txt "
            "from a newer release) or point SCRM_DB at another file.",
            {"path": place(path), "found": found, "supported": S.SCHEMA_VERSION},
        ))
    if found == S.SCHEMA_VERSION and _schema_5_complete(db):
        return found
    with transaction(db, bump=False):
        # Read again under the write lock: another process may have migrated meanwhile.
        if S.META not in db.table_names() and is_postgres(db):
            db.execute(f'CREATE TABLE "{S.META}" ("key" TEXT NOT NULL PRIMARY KEY, "value" TEXT)')
        elif S.META not in db.table_names():
            db[S.META].create({"key": str, "value": str}, pk="key")  # type: ignore[union-attr]
        for version in range(_schema_version(db), S.SCHEMA_VERSION):
            log.info("migrating %s from schema %d to %d", path, version, version + 1)
            MIGRATIONS[version](db)
        if not _schema_5_complete(db):
            _migrate_4_to_5(db)
        _set_meta(db, S.META_SCHEMA_VERSION, str(S.SCHEMA_VERSION))
        if get_meta(db, S.META_DATA_VERSION) is None:
            _set_meta(db, S.META_DATA_VERSION, "0")
    return found


# --- opening ---------------------------------------------------------------

# How long a write waits for another writer (an import, ``score``, a
# colleague's save) before giving up with :class:`DatabaseBusy`. Long writers
# commit per stage, so a wait is seconds; 30 s covers the longest stage seen.
BUSY_TIMEOUT_SECONDS = 30


def connect(path: str | Path) -> sqlite_utils.Database:
    """A connection usable from any thread (Streamlit reruns run in threads)."""
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_SECONDS)
    db = sqlite_utils.Database(conn)
    return db


def db_file(db: sqlite_utils.Database) -> str:
    """The file behind a connection, for messages ("the database" when in memory or unknown)."""
    if isinstance(db, pg.PgDatabase):
        return pg.describe(db.url)
    try:
        row = db.execute("PRAGMA database_list").fetchone()
    except sqlite3.Error:
        return "the database"
    return str(row[2]) if row and row[2] else "the database"


def db_place(db: sqlite_utils.Database) -> Value:
    """:func:`db_file` for a message: the file, or the PostgreSQL database and server, in the reader's language."""
    if isinstance(db, pg.PgDatabase):
        return pg.described(db.url)
    return place(db_file(db))


def explain_sqlite_error(error: BaseException, path: str | Path | None = None) -> ScrmError | None:
    """The :class:`~scrm.errors.DatabaseFault` that says what to do about a fault of the database file.

    Each fault gets its own sentence: a busy database, a full disk, a
    read-only or forbidden file or folder, and a damaged file. None for
    anything else (a bug such as a missing column must surface as itself).
    A healthy file that cannot be written is never called damaged.

    >>> str(explain_sqlite_error(sqlite3.OperationalError("database is locked"), "x.db")).split(":")[0]
    'x.db is busy'
    >>> explain_sqlite_error(sqlite3.OperationalError("no such column: nope")) is None
    True
    """
    where = place(path)
    text = str(error).lower()
    code = getattr(error, "errno", None) if isinstance(error, OSError) else None
    if isinstance(error, DatabaseFault):
        return error
    if "database is locked" in text or "database table is locked" in text or "database is busy" in text:
        return DatabaseBusy(Message(BUSY, {"where": where, "seconds": BUSY_TIMEOUT_SECONDS}))
    if code in (errno.ENOSPC, errno.EDQUOT) or "database or disk is full" in text or "no space left" in text:
        return DiskFull(Message(
            "The disk holding {where} is full (or its quota is used up). Nothing of this change was saved and "
            "the database is intact; free some space, or point SCRM_DB at a disk with room, and try again.",
            {"where": where},
        ))
    if code in (errno.EACCES, errno.EPERM) or "permission denied" in text:
        return ReadOnlyDatabase(Message(
            "Permission denied on {where}: this user may not read or write the file or its folder. "
            "Fix their owner or permissions, or point SCRM_DB at a file you own. The database itself was not changed.",
            {"where": where},
        ))
    if code == errno.EROFS or "readonly database" in text or "read-only" in text:
        return ReadOnlyDatabase(Message(
            "{where} is read-only: the file, its folder (where SQLite keeps its -wal and -shm files) or the disk "
            "cannot be written. Nothing was changed and the database is not damaged; make them writable, or point "
            "SCRM_DB at a writable copy, and try again.",
            {"where": where},
        ))
    if "unable to open database file" in text:
        return ReadOnlyDatabase(Message(
            "{where} cannot be opened: its folder is missing, read-only or not accessible to this user. "
            "Check that the folder exists and that this user may write in it, or point SCRM_DB at another file.",
            {"where": where},
        ))
    if (
        "file is not a database" in text
        or "malformed" in text
        or "file is encrypted" in text
        or isinstance(error, sqlite3.DatabaseError) and "corrupt" in text
    ):
        return DatabaseDamaged(Message(DAMAGED, {"where": where, "error": str(error)}))
    if "disk i/o error" in text:
        return DatabaseFault(Message(
            "The disk holding {where} reported an I/O error. Nothing of this change was saved; check the disk "
            "(free space, a removed drive, a network share that went away) and try again.",
            {"where": where},
        ))
    return None


# Shared with scrm.db.pg (the same sentence for a lock held too long) and open_db.
BUSY = (
    "{where} is busy: another program (an import, `score`, the app) held its write lock for more than "
    "{seconds} seconds. Nothing of this change was saved; wait for the other writer to finish and try again."
)
DAMAGED = (
    "{where} is not an scrm database or is damaged ({error}). Point SCRM_DB at another file, "
    "or move this one away and run `python -m scrm demo`."
)


def open_db(path: str | Path | None = None, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and if needed create and migrate) the scrm database at ``path``.

    >>> db = open_db(":memory:")
    >>> data_version(db)
    0

    A ``postgresql://`` URL (in ``path`` or ``SCRM_DB``) opens that
    PostgreSQL database instead, through :mod:`scrm.db.pg`; its tables are
    created on first use whatever ``create`` says (the server holds them).
    """
    if pg.is_url(path if path is not None else os.environ.get(ENV_DB, "")):
        return _open_postgres(pg.normalise_url(path if path is not None else os.environ[ENV_DB]))
    target = Path(path) if path is not None else default_db_path()
    is_memory = str(target) == ":memory:"
    if not is_memory:
        if target.exists() and target.is_dir():
            raise ConfigError(Message(
                "{target} is a folder; set SCRM_DB (or --db) to a file path such as data/scrm.db.", {"target": str(target)}
            ))
        if not target.exists():
            if not create:
                raise ConfigError(Message(
                    "No database at {target}. Build one with `python -m scrm demo` "
                    "or import a file with `python -m scrm import`.",
                    {"target": str(target)},
                ))
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise ConfigError(Message(
                    "Cannot create the folder {folder} ({why}); set SCRM_DB to a writable path.",
                    {"folder": str(target.parent), "why": str(e.strerror)},
                )) from e
    try:
        if not is_memory and not target.exists():
            _create_file(target)
        db = connect(target)
        _prepare(db, is_memory, str(target))
    except (sqlite3.Error, OSError) as e:
        fault = explain_sqlite_error(e, target)
        # Only an error of the content says "damaged": an OperationalError
        # (a lock, a schema race) is no sign of a damaged file.
        if fault is None and type(e) is sqlite3.DatabaseError:
            fault = DatabaseDamaged(Message(DAMAGED, {"where": str(target), "error": str(e)}))
        if fault is None:
            raise
        raise fault from e
    return db


def _open_postgres(url: str) -> sqlite_utils.Database:
    try:
        db = pg.connect(url, lock_timeout_seconds=BUSY_TIMEOUT_SECONDS)
    except ImportError as e:
        raise ConfigError(Message(
            "SCRM_DB names a PostgreSQL database, but the PostgreSQL driver is not installed; "
            'install it with pip install ".[postgres]" (or pip install "psycopg[binary]") and try again.'
        )) from e
    except Exception as e:
        fault = pg.explain_error(e, url, BUSY_TIMEOUT_SECONDS)
        if fault is None:
            raise
        log.info("cannot open %s: %s", pg.describe(url), type(e).__name__)
        raise fault from None  # the driver's text may repeat the URL, password included
    if url in _MIGRATED:
        return db
    try:
        migrate(db, pg.described(url))
    except BaseException:
        db.close()
        raise
    _MIGRATED.add(url)
    return db


# PostgreSQL databases this process has checked (and migrated): the next open skips the check.
_MIGRATED: set[str] = set()


def is_postgres(db: sqlite_utils.Database) -> bool:
    """True when ``db`` is a PostgreSQL database (:mod:`scrm.db.pg`), for the few places that must know.

    >>> is_postgres(open_db(":memory:"))
    False
    """
    return isinstance(db, pg.PgDatabase)


def database_exists(target: str | Path) -> bool:
    """Whether scrm's database is there: the file, or on a PostgreSQL server the tables (``meta``).

    The app's first start builds the demo where this is False. Only a
    server that cannot be reached raises (the fault that says so).

    >>> database_exists("/no/such/folder/scrm.db")
    False
    """
    if not pg.is_url(target):
        return Path(target).exists()
    url = pg.normalise_url(target)
    if url in _MIGRATED:
        return True
    try:
        db = pg.connect(url, lock_timeout_seconds=BUSY_TIMEOUT_SECONDS)
    except Exception as e:
        fault = pg.explain_error(e, url, BUSY_TIMEOUT_SECONDS)
        if fault is None:
            raise
        raise fault from None
    try:
        return table_exists(db, S.META)
    finally:
        db.close()


def long_write_lock(target: str) -> AbstractContextManager[Any]:
    """The lock the app holds for a long write (demo build, "start empty") on the database ``target``.

    On PostgreSQL it is held across processes and machines (:class:`scrm.db.pg.ServerLock`); on an
    SQLite file a lock of this process (SQLite's own file lock serialises the writes themselves).
    """
    return pg.ServerLock(target) if pg.is_url(target) else threading.Lock()


def target_label(value: str | Path) -> str:
    """How output names a database: the path, or the URL without its password.

    >>> target_label("postgresql://me:secret@db/crm"), target_label("data/scrm.db")
    ('postgresql://me@db/crm', 'data/scrm.db')
    """
    return pg.without_password(value) if pg.is_url(value) else str(value)


def is_url(value: str | Path | None) -> bool:
    """True when a ``--db``/``SCRM_DB`` value names a PostgreSQL server rather than a file.

    >>> is_url("postgresql://scrm@db/scrm"), is_url("data/scrm.db")
    (True, False)
    """
    return value is not None and pg.is_url(value)


def _prepare(db: sqlite_utils.Database, is_memory: bool, label: str) -> None:
    if not is_memory:
        db.enable_wal()
    # The connect timeout sets it too; said here so every connection states it.
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("PRAGMA synchronous = NORMAL")
    # A cap, not an allocation: big imports touch many index pages, and
    # SQLite's 2 MB default makes them re-read pages (about 30% slower).
    db.execute("PRAGMA cache_size = -262144")
    migrate(db, label)


def _create_file(target: Path) -> None:
    """Make a new, migrated database beside ``target`` and link it in place unless one appeared meanwhile.

    Connections that create the same file at once would race while it is
    empty: one turns it to WAL and writes its tables into the -wal file while
    another, still seeing a zero-byte file, writes its own ("table customers
    already exists", "database is locked"). A hard link never replaces a file.
    """
    partial = target.with_name(f"{target.name}.new-{os.getpid()}-{threading.get_ident()}")
    try:
        db = connect(partial)
        try:
            _prepare(db, False, str(target))
        finally:
            db.close()  # the last connection: the WAL is folded into the file
        try:
            os.link(partial, target)
        except FileExistsError:  # another connection created it first: use theirs
            pass
        except OSError as e:  # no hard links here (some shared or FAT folders): create it in place
            log.info("creating %s in place (%s)", target, e)
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)


# --- meta and the data version -----------------------------------------------


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute(f"SELECT value FROM {S.META} WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def _set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute(
        f"INSERT INTO {S.META} (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Store a setting; a change of setting is a write, so it bumps the data version."""
    with transaction(db):
        _set_meta(db, key, value)


def data_version(db: sqlite_utils.Database) -> int:
    """A number that changes on every write: the cache key of derived data."""
    value = get_meta(db, S.META_DATA_VERSION)
    return int(value) if value is not None else 0


def input_version(db: sqlite_utils.Database) -> int:
    """A number that changes on every write except the team's own work.

    Cases, case notes, rule decisions and the audit log are written with
    ``transaction(db, work=True)``: they bump the data version (page caches
    must see them) and count themselves in meta ``work_version``. The
    difference is the version of the inputs of the derived tables, so
    closing a case does not make the next ``score`` recompute customer value.
    """
    work = get_meta(db, S.META_WORK_VERSION)
    return data_version(db) - (int(work) if work is not None else 0)


@contextmanager
def transaction(
    db: sqlite_utils.Database, *, work: bool = False, bump: bool = True
) -> Iterator[sqlite_utils.Database]:
    """One atomic write that bumps the data version when it commits a change.

    The outer call starts with ``BEGIN IMMEDIATE``: it takes the write lock
    first, waiting up to :data:`BUSY_TIMEOUT_SECONDS` for another writer.
    (A deferred ``BEGIN`` that reads first holds a snapshot; in WAL mode, when
    another connection commits meanwhile, its first write fails at once with
    "database is locked" and the busy timeout never applies.) Nested calls
    join the outer transaction as savepoints. ``work=True`` marks the team's
    own work (see :func:`input_version`); ``bump=False`` is bookkeeping that
    changes no figure (the audit log, a stage's recorded version). A fault of
    the file (busy, disk full, read-only, damaged) is raised as the
    :class:`~scrm.errors.DatabaseFault` that says what to do, after the rollback.
    """
    if db.conn.in_transaction:
        with db.atomic():  # a savepoint in the caller's transaction
            yield db
        return
    conn = db.conn
    before = conn.total_changes
    try:
        conn.execute("BEGIN IMMEDIATE")  # on PostgreSQL: BEGIN and the advisory write lock (scrm.db.pg)
    except Exception as e:
        if isinstance(e, sqlite3.Error) or pg.is_error(e):
            _raise_fault(db, e)
        raise
    try:
        yield db
        # A write that changed nothing keeps the caches valid.
        if bump and conn.total_changes != before:
            db.execute(
                f"UPDATE {S.META} SET value = CAST(value AS INTEGER) + 1 WHERE key = ?", [S.META_DATA_VERSION]
            )
            if work:
                db.execute(
                    f"INSERT INTO {S.META} (key, value) VALUES (?, '1') "
                    f"ON CONFLICT(key) DO UPDATE SET value = CAST({S.META}.value AS INTEGER) + 1",
                    [S.META_WORK_VERSION],
                )
        conn.execute("COMMIT")
    except BaseException as e:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except Exception as rollback_error:  # the fault may have ended the transaction already
                if not (isinstance(rollback_error, sqlite3.Error) or pg.is_error(rollback_error)):
                    raise
                log.warning("rollback after %s failed", type(e).__name__)
        if isinstance(e, (sqlite3.Error, OSError)) or pg.is_error(e):
            _raise_fault(db, e)
        raise


def _raise_fault(db: sqlite_utils.Database, error: BaseException) -> NoReturn:
    """Raise ``error`` as the fault that explains it, or as itself when it is not a fault of the file."""
    if isinstance(db, pg.PgDatabase):
        fault = pg.explain_error(error, db.url, BUSY_TIMEOUT_SECONDS)
        if fault is None:
            raise error
        raise fault from error
    fault = explain_sqlite_error(error, db_file(db))
    if fault is None:
        raise error
    raise fault from error


def is_demo(db: sqlite_utils.Database) -> bool:
    """True when the database holds the built-in demo dataset."""
    return get_meta(db, S.META_DEMO) == "1"


def table_exists(db: sqlite_utils.Database, table: str) -> bool:
    """Whether ``table`` is in the database (derived tables appear after ``python -m scrm score``).

    >>> db = open_db(":memory:")
    >>> table_exists(db, S.MENTIONS), table_exists(db, S.CUSTOMER_VALUE)
    (True, False)
    """
    if is_postgres(db):
        sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
    else:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(sql, [table]).fetchone() is not None


def own_brand(db: sqlite_utils.Database) -> str | None:
    """The brand whose CRM this is: meta ``own_brand``, else the brand people mention most.

    The setting counts when it holds more than blanks, trimmed (a value typed
    with a stray space still names the brand). Without one, the brand named
    by most mentions that no brand account wrote (``from_brand``) stands in,
    ties broken by name; None when no such mention names a brand. Brand
    accounts' own posts are left out of that count because they measure how
    much a brand talks, not how much it is talked about: a competitor's busy
    account must not make it "our" brand. This was the KPIs' rule; the
    analysis stages' copy counted brand posts too and took the setting
    untrimmed. Both agree whenever the setting is made without stray blanks,
    as on the demo.

    >>> db = open_db(":memory:")
    >>> own_brand(db) is None
    True
    """
    setting = get_meta(db, S.META_OWN_BRAND)
    if setting and setting.strip():
        return setting.strip()
    row = db.execute(
        f"SELECT brand FROM {S.MENTIONS} WHERE brand IS NOT NULL AND trim(brand) != '' "
        "AND coalesce(from_brand, 0) != 1 GROUP BY brand ORDER BY count(*) DESC, brand LIMIT 1"
    ).fetchone()
    return None if row is None else str(row[0])


# --- bulk writes -------------------------------------------------------------


@dataclass(frozen=True)
class UpsertCounts:
    """What an upsert did: rows inserted, changed, and already identical."""

    new: int
    updated: int
    unchanged: int


def _on_conflict(table: str, cols: Sequence[str], keys: Sequence[str], *, postgres: bool = False) -> str:
    """The upsert clause: update the non-key columns only when one of them (other than import_id) changed.

    PostgreSQL spells SQLite's ``IS NOT`` between values ``IS DISTINCT FROM`` (SQLite accepts that from 3.39 only).
    """
    value_cols = [c for c in cols if c not in keys]
    compared = [c for c in value_cols if c != "import_id"]
    if not value_cols:
        return f"ON CONFLICT({', '.join(keys)}) DO NOTHING"
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in value_cols)
    differs = "IS DISTINCT FROM" if postgres else "IS NOT"
    changed = " OR ".join(f'"{table}"."{c}" {differs} excluded."{c}"' for c in compared) or ("FALSE" if postgres else "0")
    return f"ON CONFLICT({', '.join(keys)}) DO UPDATE SET {sets} WHERE {changed}"


def upsert_rows(
    db: sqlite_utils.Database,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    total: int | None = None,
    fresh: bool = False,
) -> UpsertCounts:
    """Insert ``rows`` into ``table``, updating existing keys whose values differ.

    Runs inside the caller's :func:`transaction` (or its own). Uses one
    ``executemany`` of ``INSERT ... ON CONFLICT DO UPDATE ... WHERE changed``:
    sqlite-utils' row-dict batching costs several times more at a million rows.
    ``import_id`` is bookkeeping and never counts as a change. ``fresh``
    promises that no key exists yet (an empty table, unique keys): plain
    INSERTs then skip the conflict check.
    """
    pk = S.PRIMARY_KEYS[table]
    keys = (pk,) if isinstance(pk, str) else pk
    allowed = S.STORED_COLUMNS[table]
    for c in columns:
        if c not in allowed:
            raise ValueError(f"{c} is not a column of {table}")
    if is_postgres(db):
        return _upsert_rows_pg(db, table, columns, rows, total=total, fresh=fresh)
    cols = list(columns)
    quoted = ", ".join(f'"{c}"' for c in cols)
    params = ", ".join("?" for _ in cols)
    conflict = _on_conflict(table, cols, keys)
    sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({params})' + ("" if fresh else f" {conflict}")
    if total is None:
        rows = list(rows)
        total = len(rows)
    return _counted_write(db, table, total, lambda: db.conn.executemany(sql, rows))


def _counted_write(db: sqlite_utils.Database, table: str, total: int, write: Callable[[], object]) -> UpsertCounts:
    """Run ``write`` (an upsert into ``table`` on SQLite) in one transaction and count what it did."""
    with transaction(db):
        top = _max_rowid(db, table)
        changes_before = db.conn.total_changes
        write()
        changed_rows = db.conn.total_changes - changes_before
        # New rows get rowids above the old maximum; counting them costs their
        # number, where count(*) would cost the whole table per chunk.
        new = int(db.execute(f'SELECT count(*) FROM "{table}" WHERE rowid > ?', [top]).fetchone()[0])
    updated = changed_rows - new
    unchanged = max(0, total - new - updated)
    return UpsertCounts(new=new, updated=updated, unchanged=unchanged)


def upsert_staged(
    db: sqlite_utils.Database,
    table: str,
    columns: Sequence[str],
    staged: str,
    *,
    total: int,
    fresh: bool = False,
    import_id: int | None = None,
) -> UpsertCounts:
    """:func:`upsert_rows` from a staging table (``staged``, such as ``temp."x"``) in one ``INSERT ... SELECT``.

    The rows were prepared before the caller took the write lock; moving them
    in is a single statement, so the lock is held for the write alone. Rows
    go in the staging table's order, so a later row of a key wins as before.
    ``import_id`` is stamped on every row when given.
    """
    pk = S.PRIMARY_KEYS[table]
    keys = (pk,) if isinstance(pk, str) else pk
    allowed = S.STORED_COLUMNS[table]
    cols = [c for c in columns if c != "import_id"]
    for c in cols:
        if c not in allowed:
            raise ValueError(f"{c} is not a column of {table}")
    select = ", ".join(f'"{c}"' for c in cols)
    params: list[Any] = []
    if import_id is not None:
        cols.append("import_id")
        select += ", ?"
        params.append(import_id)
    quoted = ", ".join(f'"{c}"' for c in cols)
    conflict = _on_conflict(table, cols, keys)
    if is_postgres(db):
        return _upsert_staged_pg(db, table, cols, keys, staged, params, total=total, fresh=fresh)
    # "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT.
    sql = f'INSERT INTO "{table}" ({quoted}) SELECT {select} FROM {staged} WHERE true ORDER BY rowid'
    sql += "" if fresh else f" {conflict}"
    return _counted_write(db, table, total, lambda: db.conn.execute(sql, params))


def _upsert_rows_pg(
    db: sqlite_utils.Database,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    total: int | None,
    fresh: bool,
) -> UpsertCounts:
    """:func:`upsert_rows` on PostgreSQL: COPY (psycopg's executemany took 3.6 times as long).

    ``fresh`` rows go straight into the table; others into a TEMP table of
    the table's own column types, then one ``INSERT ... SELECT ... ON CONFLICT``.
    """
    assert isinstance(db, pg.PgDatabase)
    quoted = ", ".join(f'"{c}"' for c in columns)
    with transaction(db):
        if fresh:
            n = pg.copy_rows(db.pg.raw, f'"{table}"', f"({quoted})", rows)
            if table in pg.SERIAL_KEYS and pg.SERIAL_KEYS[table] in columns:
                pg.sync_sequence(db.pg.raw, table)
            db.pg.total_changes += n
            return UpsertCounts(new=n, updated=0, unchanged=0)
        name = f"scrm_staged_{next(_STAGED)}"
        db.execute(f'CREATE TEMP TABLE "{name}" ON COMMIT DROP AS SELECT {quoted} FROM "{table}" WITH NO DATA')
        n = pg.copy_rows(db.pg.raw, f'pg_temp."{name}"', f"({quoted})", rows)
        return upsert_staged(db, table, columns, f'pg_temp."{name}"', total=n if total is None else total)


def _upsert_staged_pg(
    db: sqlite_utils.Database,
    table: str,
    cols: Sequence[str],
    keys: Sequence[str],
    staged: str,
    params: list[Any],
    *,
    total: int,
    fresh: bool,
) -> UpsertCounts:
    """:func:`upsert_staged` on PostgreSQL: typed, one row per key, counted by ``RETURNING``.

    Staged columns are text (values as bound), so each is cast to its
    column's type. PostgreSQL refuses to update a row twice in one statement
    where SQLite lets the later row win: ``DISTINCT ON`` keeps the last staged
    row of each key (a staging table is only appended to, so its physical
    order, ``ctid``, is the order rows were staged in). ``xmax = 0`` tells an
    inserted row from an updated one; unchanged rows return nothing.
    """
    types = S.STORED_COLUMNS[table]
    exprs = []
    for c in cols:
        if c == "import_id" and params:
            exprs.append("CAST(? AS BIGINT)")
            continue
        pg_type = pg.postgres_type(types[c])
        if pg_type == pg.TEXT:
            exprs.append(f'"{c}"')
        elif pg_type == "BIGINT":  # '3.0' is 3 in an SQLite INTEGER column; PostgreSQL's bigint refuses it
            exprs.append(f'CAST(CAST("{c}" AS NUMERIC) AS BIGINT)')
        else:
            exprs.append(f'CAST("{c}" AS {pg_type})')
    quoted = ", ".join(f'"{c}"' for c in cols)
    key_list = ", ".join(f'"{k}"' for k in keys)
    if fresh:
        source = f"SELECT {', '.join(exprs)} FROM {staged}"
    else:
        source = f"SELECT DISTINCT ON ({key_list}) {', '.join(exprs)} FROM {staged} ORDER BY {key_list}, ctid DESC"
    conflict = "" if fresh else _on_conflict(table, cols, keys, postgres=True)
    sql = (
        f'WITH written AS (INSERT INTO "{table}" ({quoted}) {source} {conflict} RETURNING (xmax = 0) AS inserted) '
        "SELECT count(*) FILTER (WHERE inserted), count(*) FROM written"
    )
    with transaction(db):
        new, changed_rows = db.execute(sql, params).fetchone()
        db.conn.total_changes += int(changed_rows)  # type: ignore[misc]
    updated = int(changed_rows) - int(new)
    return UpsertCounts(new=int(new), updated=updated, unchanged=max(0, total - int(new) - updated))


_STAGED = itertools.count(1)


@contextmanager
def staged_rows(
    db: sqlite_utils.Database, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, batch: int = 50_000
) -> Iterator[tuple[str, int]]:
    """Put ``rows`` in a TEMP table of this connection, without taking the database's write lock;
    yields (the table as ``temp."name"``, rows staged) for :func:`upsert_staged`, and drops it after.

    Slow producers (a model scoring as the rows are read) then run before the
    caller's :func:`transaction`, which holds the lock for the final write only.
    """
    name = f"scrm_staged_{next(_STAGED)}"
    conn = db.conn
    quoted = ", ".join(f'"{c}"' for c in columns)
    if is_postgres(db):
        yield from _staged_rows_pg(db, name, quoted, rows)
        return
    # Untyped columns keep each value as bound; the final INSERT applies the table's types.
    conn.execute(f'CREATE TEMP TABLE "{name}" ({quoted})')
    sql = f'INSERT INTO temp."{name}" ({quoted}) VALUES ({", ".join("?" for _ in columns)})'
    total = 0
    try:
        iterator = iter(rows)
        while True:
            chunk = list(itertools.islice(iterator, batch))
            if not chunk:
                break
            own = not conn.in_transaction  # a TEMP table's writes lock nothing but itself
            if own:
                conn.execute("BEGIN")
            try:
                conn.executemany(sql, chunk)
                if own:
                    conn.execute("COMMIT")
            except BaseException:
                if own and conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            total += len(chunk)
        yield f'temp."{name}"', total
    finally:
        with suppress(sqlite3.Error):
            conn.execute(f'DROP TABLE IF EXISTS temp."{name}"')


def _staged_rows_pg(
    db: sqlite_utils.Database, name: str, quoted: str, rows: Iterable[Sequence[Any]]
) -> Iterator[tuple[str, int]]:
    """:func:`staged_rows` on PostgreSQL: one COPY into a TEMP table of text columns."""
    conn = db.conn
    conn.execute(f'CREATE TEMP TABLE "{name}" ({quoted})')  # the adapter types the columns TEXT
    try:
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")
        try:
            assert isinstance(db, pg.PgDatabase)
            total = pg.copy_rows(db.pg.raw, f'pg_temp."{name}"', f"({quoted})", rows)
            if own:
                conn.execute("COMMIT")
        except BaseException:
            if own and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        yield f'pg_temp."{name}"', total
    finally:
        with suppress(Exception):
            if not conn.in_transaction or _transaction_healthy(db):
                conn.execute(f'DROP TABLE IF EXISTS pg_temp."{name}"')


def _transaction_healthy(db: sqlite_utils.Database) -> bool:
    """False when a failed statement aborted PostgreSQL's transaction (only ROLLBACK works then)."""
    from psycopg.pq import TransactionStatus

    assert isinstance(db, pg.PgDatabase)
    return bool(db.pg.raw.info.transaction_status != TransactionStatus.INERROR)


def _max_rowid(db: sqlite_utils.Database, table: str) -> int:
    return int(db.execute(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0])


@contextmanager
def deferred_indexes(db: sqlite_utils.Database, table: str, rows: int) -> Iterator[None]:
    """Drop ``table``'s secondary indexes for a bulk write, rebuild them after.

    Used inside a :func:`transaction`: DDL is transactional in SQLite, so a
    killed process still leaves the old indexes. Only worth it when the batch
    is large next to the table (building an index from sorted data is several
    times cheaper than growing it row by row); otherwise it does nothing.
    """
    existing = _count(db, table)
    if rows < 50_000 or rows < existing or is_postgres(db):
        yield
        return
    indexes = [
        (name, sql)
        for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            [table],
        ).fetchall()
    ]
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        db.execute(sql)


def is_empty(db: sqlite_utils.Database, table: str) -> bool:
    """True when ``table`` has no row (cheap on any size)."""
    return db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is None


def _count(db: sqlite_utils.Database, table: str) -> int:
    return int(db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


def insert_rows(
    db: sqlite_utils.Database, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Append rows (quarantine, imports): plain ``executemany`` in the current transaction."""
    cols = list(columns)
    sql = f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) VALUES ({", ".join("?" for _ in cols)})'
    with transaction(db):
        cursor = db.conn.executemany(sql, rows)
    return int(cursor.rowcount)


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows in every table, keyed by table name (the ``status --json`` contract)."""
    return {t: _count(db, t) for t in S.STORED_COLUMNS if t != S.META}


def last_imports(db: sqlite_utils.Database, limit: int = 10) -> list[dict[str, Any]]:
    """The most recent imports, newest first."""
    return list(
        db.query(f"SELECT * FROM {S.IMPORTS} ORDER BY import_id DESC LIMIT ?", [limit])
    )


def clear_all(db: sqlite_utils.Database) -> None:
    """Empty every data table in one transaction (the "start empty" action).

    Settings in ``meta``, the workflow rules (their watermarks reset), the live
    sources (their cursors reset), the notification channels and the audit log
    stay; the demo markers go.
    """
    # Live sources and notification channels are settings too: they stay, and the
    # sources start again from what the platforms show now (cursors forgotten).
    kept = {S.META, S.RULES, S.AUDIT_LOG, S.SOURCES, S.CHANNELS}
    with transaction(db):
        for table in S.STORED_COLUMNS:
            if table not in kept:
                db.execute(f'DELETE FROM "{table}"')
        db.execute(f"UPDATE {S.RULES} SET watermark = NULL")
        db.execute(f"UPDATE {S.SOURCES} SET cursor = '{{}}', failures = 0, last_error = NULL")
        for table in db.table_names():  # derived tables are rebuilt from the data
            if table not in S.STORED_COLUMNS and not table.startswith("sqlite_"):
                db.execute(f'DROP TABLE IF EXISTS "{table}"')
        db.execute(f"DELETE FROM {S.META} WHERE key IN ({', '.join('?' for _ in S.DEMO_META_KEYS)})", list(S.DEMO_META_KEYS))


# --- derived tables ------------------------------------------------------------


def read_frame(db: sqlite_utils.Database, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
    """A query's rows as a DataFrame (parameterised; identifiers come from the schema)."""
    cursor = db.execute(sql, params or [])
    columns = [c[0] for c in cursor.description]
    return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


def replace_table(
    db: sqlite_utils.Database,
    table: str,
    frame: pd.DataFrame,
    *,
    pk: str | Sequence[str] | None = None,
    indexes: Sequence[Sequence[str]] = (),
) -> int:
    """Replace a DERIVED table (features, segments, roles, ...) with ``frame``, atomically.

    Derived tables are recomputed from the stored data, so they are dropped
    and rebuilt rather than migrated. Column types follow the frame's dtypes;
    missing values become NULL. Returns the number of rows written.
    """
    types = {c: _sql_type(frame[c]) for c in frame.columns}
    if is_postgres(db):
        types = {c: pg.postgres_type(t) for c, t in types.items()}
    cols = ", ".join(f'"{c}" {t}' for c, t in types.items())
    keys = [pk] if isinstance(pk, str) else list(pk or [])
    key_sql = f", PRIMARY KEY ({', '.join(chr(34) + k + chr(34) for k in keys)})" if keys else ""
    rows = _frame_rows(frame)
    with transaction(db):
        db.execute(f'DROP TABLE IF EXISTS "{table}"')
        db.execute(f'CREATE TABLE "{table}" ({cols}{key_sql})')
        if rows:
            params = ", ".join("?" for _ in frame.columns)
            db.conn.executemany(f'INSERT INTO "{table}" VALUES ({params})', rows)
        for i, index in enumerate(indexes):
            db.execute(f'CREATE INDEX "idx_{table}_{i}" ON "{table}" ({", ".join(chr(34) + c + chr(34) for c in index)})')
    return len(rows)


def _sql_type(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
        return "INTEGER"
    if pd.api.types.is_float_dtype(s.dtype):
        return "REAL"
    return "TEXT"


def _frame_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows of Python values with None for missing ones (what sqlite3 binds)."""
    columns = []
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            s = s.dt.strftime("%Y-%m-%dT%H:%M:%S")
        values = s.astype(object).where(s.notna(), None).tolist()
        columns.append([v.item() if hasattr(v, "item") else v for v in values])
    return list(zip(*columns, strict=True)) if columns else []
