"""The few SQL fragments that SQLite and PostgreSQL spell differently, in one place.

Everything else is written once in the subset both engines accept: ISO-8601
text dates compared as text and cut with ``substr``, ``1 = 1`` rather than
``WHERE 1``, explicit ``ON CONFLICT (keys)``, flags compared as ``= 1``,
``CAST(x AS DOUBLE PRECISION)``, ``CASE`` rather than a summed comparison.
Where a function is unavoidable, a helper here takes the database (or an
``is_postgres`` flag) and returns the fragment for its engine. Column names
passed in come from :mod:`scrm.db.schema`, never from input.

>>> week_start(False, "posted_at", "monday")
"date(substr(posted_at, 1, 10), '-6 days', 'weekday 1')"
>>> string_agg(True, "name", "', '")
"string_agg(CAST(name AS TEXT), ', ')"
"""

from __future__ import annotations

import sqlite3
from typing import Any

# A database (anything with a DB-API ``conn``, such as ``sqlite_utils.Database``),
# a bare connection, or an ``is_postgres`` flag.
Engine = Any


def is_postgres(db: Engine) -> bool:
    """True when ``db`` talks to PostgreSQL (a flag is taken as it is).

    >>> import sqlite_utils
    >>> is_postgres(sqlite_utils.Database(memory=True)), is_postgres(sqlite3.connect(":memory:")), is_postgres(True)
    (False, False, True)
    """
    if isinstance(db, bool):
        return db
    flag = getattr(db, "is_postgres", None)
    if isinstance(flag, bool):
        return flag
    conn = getattr(db, "conn", db)
    return not isinstance(conn, sqlite3.Connection)


def day(column: str) -> str:
    """The day (``YYYY-MM-DD``) of an ISO-8601 text timestamp, the same on both engines.

    >>> day("posted_at")
    'substr(posted_at, 1, 10)'
    """
    return f"substr({column}, 1, 10)"


def month(column: str) -> str:
    """The month (``YYYY-MM``) of an ISO-8601 text timestamp.

    >>> month("ordered_at")
    'substr(ordered_at, 1, 7)'
    """
    return f"substr({column}, 1, 7)"


def week_start(db: Engine, column: str, first_weekday: str = "monday") -> str:
    """The first day (``YYYY-MM-DD`` text) of the week holding an ISO-8601 text timestamp.

    ``first_weekday`` is ``"monday"`` or ``"sunday"``.

    >>> week_start(True, "d", "sunday")
    "to_char(CAST(substr(d, 1, 10) AS date) - CAST(extract(dow FROM CAST(substr(d, 1, 10) AS date)) AS integer), 'YYYY-MM-DD')"
    """
    first = 0 if first_weekday == "sunday" else 1
    if is_postgres(db):
        d = f"CAST({day(column)} AS date)"
        offset = f"CAST(extract(dow FROM {d}) AS integer)"
        if first:
            offset = f"(({offset} + 6) % 7)"
        return f"to_char({d} - {offset}, 'YYYY-MM-DD')"
    return f"date({day(column)}, '-6 days', 'weekday {first}')"


def shift_days(db: Engine, column: str, days: int) -> str:
    """The day ``days`` after (or before, when negative) an ISO-8601 text timestamp, as ``YYYY-MM-DD``.

    >>> shift_days(False, "d", -7)
    "date(substr(d, 1, 10), '-7 days')"
    >>> shift_days(True, "d", 3)
    "to_char(CAST(substr(d, 1, 10) AS date) + 3, 'YYYY-MM-DD')"
    """
    n = int(days)
    if is_postgres(db):
        return f"to_char(CAST({day(column)} AS date) + {n}, 'YYYY-MM-DD')"
    return f"date({day(column)}, '{n:+d} days')"


def epoch_seconds(db: Engine, column: str) -> str:
    """Seconds since 1970 (UTC) of an ISO-8601 text timestamp, as an integer.

    >>> epoch_seconds(False, "t")
    "CAST(strftime('%s', t) AS INTEGER)"
    """
    if is_postgres(db):
        return f"CAST(extract(epoch FROM CAST({column} AS timestamp)) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def string_agg(db: Engine, expr: str, separator: str = "','", *, distinct: bool = False) -> str:
    """Join a group's values with ``separator`` (an SQL literal or parameter).

    SQLite's ``group_concat(DISTINCT x)`` takes no separator (it uses ``,``),
    so ``distinct`` needs the default ``','``. The order of the values is
    unspecified on both engines.

    >>> string_agg(False, "x", "' '")
    "group_concat(x, ' ')"
    >>> string_agg(False, "x", distinct=True), string_agg(True, "x", distinct=True)
    ('group_concat(DISTINCT x)', "string_agg(DISTINCT CAST(x AS TEXT), ',')")
    """
    if is_postgres(db):
        return f"string_agg({'DISTINCT ' if distinct else ''}CAST({expr} AS TEXT), {separator})"
    if distinct:
        if separator != "','":
            raise ValueError("SQLite joins DISTINCT values with ',' only")
        return f"group_concat(DISTINCT {expr})"
    return f"group_concat({expr}, {separator})"


def greatest(db: Engine, *exprs: str) -> str:
    """The largest of several values (SQLite's scalar ``max(a, b)``).

    A NULL argument makes SQLite's result NULL while PostgreSQL skips it:
    wrap nullable arguments in ``coalesce``.

    >>> greatest(False, "a", "b"), greatest(True, "a", "b")
    ('max(a, b)', 'greatest(a, b)')
    """
    if len(exprs) < 2:
        raise ValueError("greatest needs two values or more")
    return f"{'greatest' if is_postgres(db) else 'max'}({', '.join(exprs)})"


def least(db: Engine, *exprs: str) -> str:
    """The smallest of several values (SQLite's scalar ``min(a, b)``); NULLs as in :func:`greatest`.

    >>> least(False, "a", "0"), least(True, "a", "0")
    ('min(a, 0)', 'least(a, 0)')
    """
    if len(exprs) < 2:
        raise ValueError("least needs two values or more")
    return f"{'least' if is_postgres(db) else 'min'}({', '.join(exprs)})"


def like_ci(db: Engine, expr: str, pattern: str, *, escape: bool = False) -> str:
    """``expr`` matches the LIKE ``pattern`` ignoring ASCII case (SQLite's ``LIKE``; PostgreSQL's ``ILIKE``).

    ``escape`` adds ``ESCAPE '\\'`` so ``\\%`` and ``\\_`` match themselves.

    >>> like_ci(False, "text", "?"), like_ci(True, "text", "?")
    ('text LIKE ?', 'text ILIKE ?')
    """
    tail = " ESCAPE '\\'" if escape else ""
    return f"{expr} {'ILIKE' if is_postgres(db) else 'LIKE'} {pattern}{tail}"


def differs(db: Engine) -> str:
    """The operator "differs, NULL being a value": ``IS DISTINCT FROM`` (SQLite spells it ``IS NOT``
    and accepts the standard spelling from 3.39 only).

    >>> f"a {differs(False)} b", f"a {differs(True)} b"
    ('a IS NOT b', 'a IS DISTINCT FROM b')
    """
    return "IS DISTINCT FROM" if is_postgres(db) else "IS NOT"


def is_text(db: Engine, expr: str) -> str:
    """A condition true when ``expr`` holds text (SQLite's ``typeof(x) = 'text'``).

    PostgreSQL columns have one type, so the condition there is only that the value is present.

    >>> is_text(False, "c"), is_text(True, "c")
    ("typeof(c) = 'text'", 'c IS NOT NULL')
    """
    if is_postgres(db):
        return f"{expr} IS NOT NULL"
    return f"typeof({expr}) = 'text'"


def position(db: Engine, needle: str, haystack: str) -> str:
    """Where ``needle`` first occurs in ``haystack`` (1-based; 0 when absent).

    >>> position(False, "'x'", "c"), position(True, "'x'", "c")
    ("instr(c, 'x')", "strpos(c, 'x')")
    """
    return f"strpos({haystack}, {needle})" if is_postgres(db) else f"instr({haystack}, {needle})"


def columns(db: Any, table: str) -> list[str]:
    """The columns of ``table`` in their order; empty when the table does not exist.

    >>> import sqlite_utils
    >>> d = sqlite_utils.Database(memory=True)
    >>> _ = d.execute("CREATE TABLE t (a TEXT, b INTEGER)")
    >>> columns(d, "t"), columns(d, "missing")
    (['a', 'b'], [])
    """
    if is_postgres(db):
        rows = db.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        return [str(r[0]) for r in rows]
    # The table name is a schema constant; PRAGMA takes no parameter.
    return [str(r[1]) for r in db.execute(f'PRAGMA table_info("{table}")').fetchall()]


def table_names(db: Any) -> list[str]:
    """Every table of the database, sorted (SQLite's own ``sqlite_*`` tables left out).

    >>> import sqlite_utils
    >>> d = sqlite_utils.Database(memory=True)
    >>> _ = d.execute("CREATE TABLE t (a TEXT)")
    >>> table_names(d)
    ['t']
    """
    if is_postgres(db):
        sql = (
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    return [str(r[0]) for r in db.execute(sql).fetchall()]
