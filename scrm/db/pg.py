"""PostgreSQL behind the same door as SQLite: a database object the rest of scrm uses unchanged.

Every module takes a ``sqlite_utils.Database`` and calls a small part of it
(``execute``/``query``/``table_names``/``atomic``/``close``, ``db[table]``, and
on ``db.conn``: ``execute``, ``executemany``, ``in_transaction``,
``total_changes``). :class:`PgDatabase` is a subclass of
``sqlite_utils.Database`` that overrides exactly that surface, so the code and
its type hints stay as they are and mypy checks both engines with one set of
signatures. Its ``conn`` is a :class:`PgConnection`, a stand-in for
``sqlite3.Connection`` with the same methods (declared with an ignore on the
one assignment: a Protocol both satisfy would have meant retyping every
function of the code base for a subset that is already fixed). Methods of
``sqlite_utils.Database`` not overridden here are not for PostgreSQL.

What the adapter translates, outside string literals and quoted names:

- ``?`` placeholders become ``%s`` (``:name`` becomes ``%(name)s`` with a dict), literal ``%`` is doubled;
- ``temp."x"`` becomes ``pg_temp."x"``; untyped columns of ``CREATE TEMP TABLE`` become ``TEXT``;
- ``BEGIN IMMEDIATE`` (SQLite's "take the write lock") becomes ``BEGIN`` plus the
  transaction-scoped advisory lock :data:`WRITE_LOCK_KEY`, so writers of every
  process and machine queue as they do on one SQLite file;
- an ``INSERT`` into a table whose key is a generated integer gets ``RETURNING``
  the key, so ``cursor.lastrowid`` works as on SQLite;
- a plain multi-row ``INSERT ... VALUES`` through ``executemany`` goes through
  ``COPY`` (psycopg's ``executemany`` took 3.6 times SQLite's time; COPY 0.6 times).

Values are bound as SQLite binds them (``True`` as ``1``), and ``numeric``
results (``SUM``, ``AVG``, ``round``) come back as ``int`` when whole and
written without a decimal point (a ``SUM`` of integers), else as ``float``,
never as ``Decimal``: the same Python types, hence the same DataFrame dtypes,
as on SQLite.

psycopg is imported by :func:`connect` only: the embedded default never loads it.
"""

from __future__ import annotations

import atexit
import contextlib
import re
import secrets
import threading
from collections.abc import Generator, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
from sqlite_utils.db import Column, Table

from scrm.db import schema as S
from scrm.errors import DatabaseBusy, DatabaseFault, DiskFull, ReadOnlyDatabase, ScrmError
from scrm.i18n.messages import Message

# Every scrm writer on a PostgreSQL database takes this advisory lock for its
# transaction ("scrm" in ASCII): SQLite's one-writer rule, across machines.
WRITE_LOCK_KEY = 0x7363726D
# The app's long writes (a demo build, "start empty") hold this one for their length.
LONG_WRITE_LOCK_KEY = 0x7363726E

_SCHEMES = ("postgresql://", "postgres://")


def is_url(value: object) -> bool:
    """True when ``value`` (a string or a Path made from one) names a PostgreSQL database.

    ``pathlib`` folds ``//`` to ``/``, so ``Path("postgresql://h/db")`` still counts.

    >>> is_url("postgresql://scrm@db/scrm"), is_url("data/scrm.db")
    (True, False)
    >>> from pathlib import Path
    >>> is_url(Path("postgres://h/db"))
    True
    """
    text = str(value)
    return text.startswith(_SCHEMES) or bool(re.match(r"postgres(ql)?:/[^/]", text))


def normalise_url(value: object) -> str:
    """The URL itself, with the ``//`` a ``Path`` folded away put back.

    >>> from pathlib import Path
    >>> normalise_url(Path("postgresql://scrm@db:5432/scrm"))
    'postgresql://scrm@db:5432/scrm'
    """
    text = str(value).strip()
    match = re.match(r"(postgres(?:ql)?):/(?!/)", text)
    if match:
        text = f"{match.group(1)}://{text[match.end():]}"
    return text


def without_password(url: object) -> str:
    """The URL with its password left out (for output and logs).

    >>> without_password("postgresql://me:secret@db:5432/crm")
    'postgresql://me@db:5432/crm'
    """
    text = normalise_url(url)
    return re.sub(r"^(postgres(?:ql)?://[^:@/]*):[^@/]*@", r"\1@", text)


def describe(url: str) -> str:
    """The database and server a URL names, without its password (for messages).

    >>> describe("postgresql://me:secret@db.example:6543/crm")
    'the PostgreSQL database crm on db.example:6543'
    """
    return described(url).english()


def described(url: str) -> Message:
    """:func:`describe` as a message, for a sentence a page shows in the reader's language.

    >>> described("postgresql://me:secret@db.example:6543/crm").render("es")
    'la base de datos PostgreSQL crm en db.example:6543'
    """
    parts = urlsplit(normalise_url(url))
    host = parts.hostname or "localhost"
    port = parts.port or 5432
    name = parts.path.lstrip("/") or parts.username or "postgres"
    return Message("the PostgreSQL database {name} on {server}", {"name": name, "server": f"{host}:{port}"})


# --- SQL translation ------------------------------------------------------------------

# String literals and quoted names: the rewrites below never touch them.
_QUOTED = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*")""")
# SQLite's integer truth values where a condition stands alone: ``WHERE 1``, ``AND 0`` (the
# number followed by no operator); PostgreSQL wants a boolean there.
_BARE_TRUTH = re.compile(r"\b(WHERE|AND|OR|ON|HAVING|WHEN)\s+([01])\b(?!\s*(?:[=<>!+*/%|-]|IS\b|IN\b|BETWEEN\b|LIKE\b|NOT\b))", re.IGNORECASE)
_CODE = re.compile(r"\?|%|:[A-Za-z_][A-Za-z0-9_]*|::|\btemp\.(?=\"|$)|\bAS\s+REAL\b", re.IGNORECASE)
# SQLite's column types in DDL; PostgreSQL's REAL would be a 4-byte float.
_DDL = re.compile(r"^\s*(CREATE|ALTER)\s", re.IGNORECASE)
_DDL_TYPES = re.compile(r"(\bAS\s+)?\b(INTEGER|REAL|BLOB|TEXT)\b(?!\s+COLLATE)", re.IGNORECASE)
_PG_TYPES = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION", "BLOB": "BYTEA", "TEXT": 'TEXT COLLATE "C"'}


def _ddl_type(m: re.Match[str]) -> str:
    cast, name = m.group(1), m.group(2).upper()
    if cast and name == "TEXT":  # CAST(x AS TEXT): a type name takes no collation
        return m.group(0)
    return (cast or "") + _PG_TYPES[name]

SERIAL_KEYS = {
    table: pk
    for table, pk in S.PRIMARY_KEYS.items()
    if isinstance(pk, str) and S.STORED_COLUMNS[table][pk] == "INTEGER"
}
_INSERT_INTO = re.compile(r'^\s*INSERT\s+INTO\s+"?([A-Za-z_][A-Za-z0-9_]*)"?\s*\(', re.IGNORECASE)
_PLAIN_INSERT = re.compile(
    r'^\s*INSERT\s+INTO\s+((?:pg_temp\.)?"?[A-Za-z_][A-Za-z0-9_]*"?)\s*(\([^)]*\))?\s*VALUES\s*\(\s*(?:%s\s*,\s*)*%s\s*\)\s*$',
    re.IGNORECASE,
)
_UNTYPED_TEMP = re.compile(r'^\s*CREATE\s+TEMP(?:ORARY)?\s+TABLE\s+("[^"]+")\s*\((.*)\)\s*$', re.IGNORECASE | re.DOTALL)
_BEGIN = re.compile(r"^\s*BEGIN(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\s+TRANSACTION)?\s*;?\s*$", re.IGNORECASE)


# What :func:`translate` appends to an INSERT for ``lastrowid`` (marked: never the caller's own RETURNING).
_KEY_RETURNED = " /* lastrowid */ RETURNING "


@lru_cache(maxsize=2048)
def translate(sql: str, named: bool = False) -> str:
    """SQLite's spelling of a statement in PostgreSQL's (see the module's docstring).

    >>> translate("SELECT * FROM t WHERE a = ? AND b LIKE '%?%'")
    "SELECT * FROM t WHERE a = %s AND b LIKE '%%?%%'"
    >>> translate("SELECT :a::text", named=True)
    'SELECT %(a)s::text'
    >>> translate('INSERT INTO temp."s" ("a") VALUES (?)')
    'INSERT INTO pg_temp."s" ("a") VALUES (%s)'
    """

    ddl = _DDL.match(sql) is not None

    def code(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if token.lower() == "temp.":
            return "pg_temp."
        if token.upper().startswith("AS"):
            return "AS DOUBLE PRECISION"
        if token.startswith(":") and token != "::":
            return f"%({token[1:]})s" if named else token
        return token

    parts = _QUOTED.split(sql)
    for i, part in enumerate(parts):
        if i % 2:
            parts[i] = part.replace("%", "%%")
        else:
            part = _BARE_TRUTH.sub(lambda m: f"{m.group(1)} {'TRUE' if m.group(2) == '1' else 'FALSE'}", part)
            part = _CODE.sub(code, part)
            if ddl:
                part = _DDL_TYPES.sub(_ddl_type, part)
            parts[i] = part
    out = "".join(parts)
    temp = _UNTYPED_TEMP.match(out)
    if temp:
        cols = [c.strip() for c in temp.group(2).split(",")]
        if all(re.fullmatch(r'"[^"]+"', c) for c in cols):
            out = f"CREATE TEMP TABLE {temp.group(1)} ({', '.join(c + ' ' + TEXT for c in cols)})"
    out = re.sub(r'(ADD\s+COLUMN\s+"[^"]+")\s*$', r'\1 TEXT COLLATE "C"', out, flags=re.IGNORECASE) if (
        re.match(r"^\s*ALTER\s+TABLE\s+pg_temp\.", out, re.IGNORECASE)
    ) else out
    insert = _INSERT_INTO.match(out)
    if insert and insert.group(1) in SERIAL_KEYS and "RETURNING" not in out.upper():
        out = f'{out.rstrip().rstrip(";")}{_KEY_RETURNED}"{SERIAL_KEYS[insert.group(1)]}"'
    return out


def _bind(params: Sequence[Any] | dict[str, Any] | None) -> Sequence[Any] | dict[str, Any]:
    """Parameters for psycopg: always a sequence or a dict, so ``%%`` always reads as ``%``."""
    return () if params is None else params


# --- cursor and connection --------------------------------------------------------------------


class PgCursor:
    """The results of one statement, read as a ``sqlite3.Cursor`` is."""

    def __init__(self, cursor: Any, lastrowid: int | None = None, rowcount: int = -1) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount = rowcount

    @property
    def description(self) -> list[tuple[Any, ...]] | None:
        desc = self._cursor.description if self._cursor is not None else None
        if desc is None:
            return None
        return [(d.name, None, None, None, None, None, None) for d in desc]

    def _has_rows(self) -> bool:
        return self._cursor is not None and self._cursor.description is not None

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone() if self._has_rows() else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._cursor.fetchall()) if self._has_rows() else []

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        return list(self._cursor.fetchmany(size)) if self._has_rows() else []

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        if not self._has_rows():
            return iter(())
        return iter(self._cursor)

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()


class PgConnection:
    """A psycopg connection that answers as a ``sqlite3.Connection`` does (see the module's docstring).

    The connection runs in autocommit mode, so ``BEGIN``/``COMMIT`` are the
    caller's, as with SQLite's explicit transactions; a write outside one
    commits at once. ``total_changes`` counts the rows every statement of
    this connection inserted, updated or deleted.
    """

    def __init__(self, raw: Any, lock_timeout_ms: int, pool: Any = None) -> None:
        self.raw = raw
        self.pool = pool
        self.total_changes = 0
        self.lock_timeout_ms = lock_timeout_ms

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(self.raw.info.transaction_status != TransactionStatus.IDLE)

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> PgCursor:
        begin = _BEGIN.match(sql)
        if begin:
            self.raw.execute("BEGIN")
            if (begin.group(2) or "").upper() in ("IMMEDIATE", "EXCLUSIVE"):
                try:
                    self.raw.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])
                except BaseException:
                    self.raw.execute("ROLLBACK")  # as SQLite: a BEGIN that could not lock leaves no transaction
                    raise
            return PgCursor(None)
        text = translate(sql, isinstance(parameters, dict))
        cursor = self.raw.cursor()
        cursor.execute(text, _bind(parameters))
        lastrowid = None
        if _KEY_RETURNED in text and cursor.description is not None:
            row = cursor.fetchone()
            lastrowid = int(row[0]) if row and row[0] is not None else None
        rowcount = cursor.rowcount
        insert = _INSERT_INTO.match(text)
        if insert and insert.group(1) in SERIAL_KEYS and _names_key(text, insert.group(1)):
            sync_sequence(self.raw, insert.group(1))
        if cursor.statusmessage and cursor.statusmessage.split(" ")[0] in ("INSERT", "UPDATE", "DELETE"):
            self.total_changes += max(0, rowcount)
        return PgCursor(cursor, lastrowid, rowcount)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]]) -> PgCursor:
        text = translate(sql)
        if _KEY_RETURNED in text:  # a generated key: executemany needs no answer
            text = text[: text.rindex(_KEY_RETURNED)]
        plain = _PLAIN_INSERT.match(text)
        if plain:
            n = copy_rows(self.raw, plain.group(1), plain.group(2) or "", seq_of_parameters)
        else:
            rows = [_bind(p) for p in seq_of_parameters]
            if not rows:
                return PgCursor(None, None, 0)
            cursor = self.raw.cursor()
            cursor.executemany(text, rows)
            n = max(0, cursor.rowcount)
        self.total_changes += n
        insert = _INSERT_INTO.match(text)
        if n and insert and insert.group(1) in SERIAL_KEYS and _names_key(text, insert.group(1)):
            sync_sequence(self.raw, insert.group(1))
        return PgCursor(None, None, n)

    def executescript(self, script: str) -> PgCursor:
        self.raw.execute(script)
        return PgCursor(None)

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.raw.execute("ROLLBACK")

    def close(self) -> None:
        """Hand the connection back to its pool (which rolls back what was left open), else close it."""
        if self.pool is not None:
            pool, self.pool = self.pool, None
            pool.putconn(self.raw)
        elif not self.raw.closed:
            self.raw.close()

    def create_function(self, name: str, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            f"PostgreSQL runs no Python function ({name}); write this query with scrm.db.dialect instead"
        )


def copy_rows(raw: Any, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> int:
    """Write ``rows`` into ``table`` (``columns`` as ``("a", "b")`` or empty) with one COPY; return their number."""
    n = 0
    with raw.cursor().copy(f"COPY {table} {columns} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _names_key(text: str, table: str) -> bool:
    """Whether an INSERT into ``table`` gives its generated key a value of its own."""
    names = text[text.index("(") + 1 : text.index(")")]
    return re.search(rf'(^|[\s,"]){SERIAL_KEYS[table]}($|[\s,"])', names) is not None


def sync_sequence(raw: Any, table: str) -> None:
    """Move the generator of ``table``'s integer key past the largest key (after keys were written as given)."""
    pk = SERIAL_KEYS[table]
    raw.execute(
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), "
        f'coalesce((SELECT max("{pk}") FROM "{table}"), 0) + 1, false)'
    )


class PgTable(Table):
    """The part of ``sqlite_utils.Table`` scrm uses, read from PostgreSQL's catalog."""

    db: PgDatabase

    def exists(self) -> bool:
        return self.name in self.db.table_names()

    @property
    def columns(self) -> list[Column]:
        rows = self.db.execute(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            [self.name],
        ).fetchall()
        return [Column(i, r[0], r[1], r[2] == "NO", r[3], 0) for i, r in enumerate(rows)]

    @property
    def columns_dict(self) -> dict[str, Any]:
        types = {"bigint": int, "integer": int, "smallint": int, "double precision": float, "real": float}
        return {c.name: types.get(c.type, str) for c in self.columns}

    @property
    def count(self) -> int:
        return int(self.db.execute(f'SELECT count(*) FROM "{self.name}"').fetchone()[0])

    def rows_where(  # type: ignore[override]
        self,
        where: str | None = None,
        where_args: Sequence[Any] | dict[str, Any] | None = None,
        order_by: str | None = None,
        select: str = "*",
        limit: int | None = None,
        offset: int | None = None,
    ) -> Generator[dict[str, Any], None, None]:
        sql = f'SELECT {select} FROM "{self.name}"'
        if where is not None:
            sql += f" WHERE {where}"
        if order_by is not None:
            sql += f" ORDER BY {order_by}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        if offset is not None:
            sql += f" OFFSET {int(offset)}"
        yield from self.db.query(sql, where_args or [])


class PgDatabase(sqlite_utils.Database):
    """A PostgreSQL database with the ``sqlite_utils.Database`` surface scrm uses (see the module's docstring)."""

    is_postgres = True

    def __init__(self, raw: Any, url: str, lock_timeout_ms: int, pool: Any = None) -> None:  # no super(): no file
        self.conn = PgConnection(raw, lock_timeout_ms, pool)  # type: ignore[assignment]
        self.url = url
        self._tracer = None
        self._registered_functions: set[tuple[str, int]] = set()
        self.use_counts_table = False
        self.strict = False
        self.memory = False
        self.memory_name = None

    @property
    def pg(self) -> PgConnection:
        """The connection, typed as what it is."""
        return self.conn  # type: ignore[return-value]

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        return self.pg.execute(sql, parameters)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Generator[dict, None, None]:
        cursor = self.execute(sql, params)
        keys = [d[0] for d in cursor.description or []]
        for row in cursor.fetchall():
            yield dict(zip(keys, row, strict=True))

    def table_names(self, fts4: bool = False, fts5: bool = False) -> list[str]:
        rows = self.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def view_names(self) -> list[str]:
        rows = self.execute(
            "SELECT table_name FROM information_schema.views WHERE table_schema = current_schema() ORDER BY table_name"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def __getitem__(self, table_name: str) -> PgTable:  # type: ignore[override]
        return PgTable(self, table_name)

    def table(self, table_name: str, **kwargs: Any) -> PgTable:  # type: ignore[override]
        return PgTable(self, table_name)

    @contextlib.contextmanager
    def atomic(self) -> Generator[sqlite_utils.Database, None, None]:
        conn = self.pg
        if conn.in_transaction:
            savepoint = f"scrm_{secrets.token_hex(8)}"
            conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self
            except BaseException:
                with contextlib.suppress(Exception):
                    conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            else:
                conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            return
        conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    def close(self) -> None:
        self.pg.close()

    def __repr__(self) -> str:
        return f"<PgDatabase {describe(self.url)}>"


# --- connecting ---------------------------------------------------------------------------


def _numeric_loader() -> type:
    from psycopg.adapt import Loader

    class NumericLoader(Loader):
        """``numeric`` as ``int`` when written without a point (a SUM of integers), else ``float``."""

        def load(self, data: Any) -> Any:
            text = bytes(data).decode()
            if "." in text or "e" in text or "E" in text or "N" in text or "I" in text:
                return float(text)
            return int(text)

    return NumericLoader


def _bool_dumper() -> type:
    from psycopg.adapt import Dumper
    from psycopg.postgres import types

    class BoolAsInt(Dumper):
        """``True``/``False`` bound as 1/0, as SQLite binds them (flags are integer columns)."""

        oid = types["int8"].oid

        def dump(self, obj: Any) -> bytes:
            return b"1" if obj else b"0"

    return BoolAsInt


_CONNECT: dict[str, Any] = {"autocommit": True, "application_name": "scrm", "connect_timeout": 10, "prepare_threshold": None}
_POOLS: dict[tuple[str, int], Any] = {}
_POOLS_LOCK = threading.Lock()
# Connections a process keeps open per database for the next ``open_db`` (the app opens one per
# loader call: 15 ms each on a local server without a pool, more over a network with a password).
POOL_SIZE = 8


def _configure(raw: Any, lock_timeout_ms: int) -> None:
    raw.adapters.register_loader("numeric", _numeric_loader())
    raw.adapters.register_dumper(bool, _bool_dumper())
    # A write waits for another writer this long, then fails as "busy" (SQLite's busy timeout).
    raw.execute(f"SET lock_timeout = {int(lock_timeout_ms)}")


def _pool(url: str, lock_timeout_ms: int) -> Any:
    """The process's pool of connections to ``url``, made (after one direct connection) on first use."""
    import psycopg
    from psycopg_pool import ConnectionPool

    key = (url, lock_timeout_ms)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is not None:
            return pool
        # One direct connection first: an unreachable server fails now, with the driver's reason,
        # rather than after the pool's wait.
        psycopg.connect(url, **_CONNECT).close()

        def reset(raw: Any) -> None:
            raw.execute("DISCARD ALL")  # temp tables, settings and session locks of the last user
            raw.execute(f"SET lock_timeout = {int(lock_timeout_ms)}")

        pool = ConnectionPool(
            url, min_size=1, max_size=POOL_SIZE, kwargs=dict(_CONNECT), timeout=10, open=True,
            configure=lambda raw: _configure(raw, lock_timeout_ms), reset=reset, name="scrm",
        )
        _POOLS[key] = pool
        return pool


def close_pools(url: str | None = None) -> None:
    """Close the pooled connections (to ``url`` only, when given): before dropping a database, at exit."""
    with _POOLS_LOCK:
        for key in [k for k in _POOLS if url is None or k[0] == normalise_url(url)]:
            _POOLS.pop(key).close()


atexit.register(close_pools)


def connect(url: str, *, lock_timeout_seconds: int = 30) -> PgDatabase:
    """Open ``url`` (``postgresql://user@host:port/db``) as a :class:`PgDatabase`, from the process's pool.

    Raises psycopg's ``OperationalError`` when the server cannot be reached;
    ``scrm.db.store.open_db`` turns it into a sentence. Without psycopg-pool,
    or with every pooled connection in use, a connection of its own.
    """
    import psycopg

    url = normalise_url(url)
    lock_ms = int(lock_timeout_seconds * 1000)
    try:
        pool = _pool(url, lock_ms)
        # Every pooled connection in use (more sessions at once than POOL_SIZE), or a server that
        # went away: a connection of its own, which works or fails at once with the driver's reason.
        return PgDatabase(pool.getconn(timeout=0.2), url, lock_ms, pool=pool)
    except ImportError:
        pass
    except Exception as e:
        if type(e).__name__ != "PoolTimeout":
            raise
    raw = psycopg.connect(url, **_CONNECT)
    _configure(raw, lock_ms)
    return PgDatabase(raw, url, lock_ms)


# Text compares and sorts byte by byte, as SQLite's BINARY collation does: the same order
# (top-N lists, ties) on both engines whatever the server's locale, and the fastest index.
TEXT = 'TEXT COLLATE "C"'


def postgres_type(sqlite_type: str) -> str:
    """The PostgreSQL column type of a schema column type.

    >>> postgres_type("INTEGER"), postgres_type("REAL"), postgres_type("TEXT")
    ('BIGINT', 'DOUBLE PRECISION', 'TEXT COLLATE "C"')
    """
    return {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION"}.get(sqlite_type.upper(), TEXT)


def create_table(db: sqlite_utils.Database, table: str) -> None:
    """Create a stored table of :mod:`scrm.db.schema` with its key and indexes.

    A single integer key is generated (``GENERATED BY DEFAULT AS IDENTITY``),
    as SQLite's ``INTEGER PRIMARY KEY`` is.
    """
    pk = S.PRIMARY_KEYS[table]
    keys = (pk,) if isinstance(pk, str) else pk
    cols = []
    for name, sql_type in S.STORED_COLUMNS[table].items():
        spec = f'"{name}" {postgres_type(sql_type)}'
        if table in SERIAL_KEYS and name == pk:
            spec += " GENERATED BY DEFAULT AS IDENTITY"
        elif name in keys:
            spec += " NOT NULL"
        cols.append(spec)
    key_sql = ", ".join(f'"{k}"' for k in keys)
    db.execute(f'CREATE TABLE "{table}" ({", ".join(cols)}, PRIMARY KEY ({key_sql}))')
    for index in S.INDEXES.get(table, []):
        name = f"idx_{table}_{'_'.join(index)}"
        db.execute(f'CREATE INDEX "{name}" ON "{table}" ({", ".join(chr(34) + c + chr(34) for c in index)})')


class ServerLock:
    """A lock held across processes and machines: a thread lock plus a PostgreSQL session advisory lock.

    The app's long writes (a demo build, "start empty") hold it for their
    length, so two app servers never build the same demo at once; it has
    ``threading.Lock``'s ``acquire``/``release`` and works as a ``with`` block.
    Each write inside still takes the transaction lock :data:`WRITE_LOCK_KEY`.
    The server frees the lock by itself if the holding process dies.
    """

    def __init__(self, url: str, key: int = LONG_WRITE_LOCK_KEY) -> None:
        self.url = normalise_url(url)
        self.key = key
        self._local = threading.Lock()
        self._raw: Any = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not self._local.acquire(blocking, timeout):
            return False
        try:
            import psycopg

            raw = psycopg.connect(self.url, autocommit=True, application_name="scrm-lock", connect_timeout=10)
            if blocking:
                raw.execute("SET lock_timeout = 0")  # wait as long as the other holder writes
                raw.execute("SELECT pg_advisory_lock(%s)", [self.key])
                got = True
            else:
                row = raw.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()
                got = bool(row and row[0])
            if not got:
                raw.close()
                self._local.release()
                return False
            self._raw = raw
            return True
        except BaseException:
            self._local.release()
            raise

    def release(self) -> None:
        raw, self._raw = self._raw, None
        try:
            if raw is not None:
                with contextlib.suppress(Exception):
                    raw.execute("SELECT pg_advisory_unlock(%s)", [self.key])
                raw.close()
        finally:
            self._local.release()

    def locked(self) -> bool:
        return self._local.locked()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


# --- errors ---------------------------------------------------------------------------------


def is_error(error: BaseException) -> bool:
    """True when ``error`` comes from psycopg (without importing it on SQLite)."""
    return type(error).__module__.split(".")[0] in ("psycopg", "psycopg_pool")


def explain_error(error: BaseException, url: str, busy_seconds: int = 30) -> ScrmError | None:
    """The :class:`~scrm.errors.DatabaseFault` that says what to do about a PostgreSQL error; None for a bug.

    SQLSTATE codes: 55P03 a lock not granted in time, 40001/40P01 a conflict
    with another writer, 53100 disk full, 25006 a read-only server (a
    replica), 42501 missing privileges; 08xxx and a failed connection mean
    the server cannot be reached.
    """
    if isinstance(error, DatabaseFault):
        return error
    if not is_error(error):
        return None
    where = {"where": described(url)}
    code = getattr(error, "sqlstate", None) or ""
    if code in ("55P03", "40001", "40P01", "57014"):
        return DatabaseBusy(Message(
            "{where} is busy: another program (an import, `score`, the app) held its write lock for more than "
            "{seconds} seconds. Nothing of this change was saved; wait for the other writer to finish and try again.",
            {**where, "seconds": busy_seconds},
        ))
    if code.startswith("53"):
        return DiskFull(Message(
            "The server of {where} is out of disk space or memory. Nothing of this change was saved; ask its "
            "administrator to free space and try again.",
            where,
        ))
    if code == "25006":
        return ReadOnlyDatabase(Message(
            "{where} is read-only (a standby server?). Nothing was changed; point SCRM_DB at the primary server.", where
        ))
    if code == "42501":
        return ReadOnlyDatabase(Message(
            "The user of {where} may not read or write its tables. Nothing was changed; grant it the privileges "
            "(or use the database's owner in SCRM_DB) and try again.",
            where,
        ))
    if code.startswith("08") or code.startswith("57P") or type(error).__name__ in ("OperationalError", "PoolTimeout"):
        return DatabaseFault(Message(
            "Cannot reach {where}: check that the server is running and accepts connections from this "
            "machine, and that the user, password and database in SCRM_DB are right.",
            where,
        ))
    return None
