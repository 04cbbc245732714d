"""The dialect helpers give the same answers on SQLite and PostgreSQL, and no SQLite-only SQL comes back."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from scrm.db import dialect

ROOT = Path(__file__).resolve().parents[1]


class _Pg:
    """A bare psycopg connection that takes ``?`` placeholders, enough to run one fragment."""

    is_postgres = True

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self.conn.execute(sql.replace("%", "%%").replace("?", "%s"), list(params))


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "sqlite":
        yield sqlite_utils.Database(memory=True)
        return
    psycopg = pytest.importorskip("psycopg")
    conn = psycopg.connect(request.getfixturevalue("pg_url"), autocommit=True)
    schema = f"dialect_{os.getpid()}"
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    conn.execute(f"SET search_path TO {schema}")
    try:
        yield _Pg(conn)
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


def _one(db: Any, sql: str, params: Any = ()) -> Any:
    return db.execute(sql, params).fetchone()[0]


def test_the_engine_is_told_apart_from_the_connection(db: Any) -> None:
    assert dialect.is_postgres(db) is isinstance(db, _Pg)
    assert dialect.is_postgres(sqlite3.connect(":memory:")) is False


@pytest.mark.parametrize(
    ("when", "first", "expected"),
    [
        ("2026-12-07T10:00:00", "monday", "2026-12-07"),  # a Monday
        ("2026-12-13T23:59:59", "monday", "2026-12-07"),  # the Sunday after
        ("2026-12-13T08:00:00", "sunday", "2026-12-13"),
        ("2026-12-12", "sunday", "2026-12-06"),
        ("2027-01-01T00:00:00", "monday", "2026-12-28"),  # across a year
    ],
)
def test_week_start_is_the_first_day_of_the_week_on_both_engines(db: Any, when: str, first: str, expected: str) -> None:
    sql = f"SELECT {dialect.week_start(db, 'x', first)} FROM (SELECT CAST(? AS TEXT) AS x) AS t"
    assert _one(db, sql, [when]) == expected


def test_day_and_month_cut_iso_text(db: Any) -> None:
    assert _one(db, f"SELECT {dialect.day('?')}", ["2026-03-04T05:06:07"]) == "2026-03-04"
    assert _one(db, f"SELECT {dialect.month('?')}", ["2026-03-04T05:06:07"]) == "2026-03"


def test_shift_days_moves_across_months(db: Any) -> None:
    assert _one(db, f"SELECT {dialect.shift_days(db, '?', -7)}", ["2026-03-04T05:06:07"]) == "2026-02-25"
    assert _one(db, f"SELECT {dialect.shift_days(db, '?', 30)}", ["2026-12-07"]) == "2027-01-06"


def test_epoch_seconds_reads_iso_text_as_utc(db: Any) -> None:
    assert _one(db, f"SELECT {dialect.epoch_seconds(db, '?')}", ["1970-01-02T00:00:10"]) == 86_410


def test_string_agg_joins_a_group(db: Any) -> None:
    db.execute("CREATE TABLE t (g INTEGER, v TEXT, n INTEGER)")
    for row in [(1, "a", 1), (1, "b", 2), (1, "a", 1), (2, "c", 3)]:
        db.execute("INSERT INTO t (g, v, n) VALUES (?, ?, ?)", row)
    rows = db.execute(f"SELECT g, {dialect.string_agg(db, 'v', chr(39) + ' ' + chr(39))} FROM t GROUP BY g ORDER BY g").fetchall()
    assert [(g, sorted(s.split(" "))) for g, s in rows] == [(1, ["a", "a", "b"]), (2, ["c"])]
    distinct = _one(db, f"SELECT {dialect.string_agg(db, 'v', distinct=True)} FROM t WHERE g = 1")
    assert sorted(distinct.split(",")) == ["a", "b"]
    numbers = _one(db, f"SELECT {dialect.string_agg(db, 'n')} FROM t WHERE g = 2")
    assert numbers == "3"


def test_distinct_string_agg_refuses_another_separator_on_sqlite() -> None:
    with pytest.raises(ValueError, match="','"):
        dialect.string_agg(False, "x", "' '", distinct=True)


def test_greatest_and_least_pick_among_values(db: Any) -> None:
    assert _one(db, f"SELECT {dialect.greatest(db, '3', '7', '5')}") == 7
    assert _one(db, f"SELECT {dialect.least(db, '3', '7')}") == 3
    with pytest.raises(ValueError, match="two values"):
        dialect.greatest(db, "1")


def test_like_ci_ignores_ascii_case_and_escapes_wildcards(db: Any) -> None:
    assert _one(db, f"SELECT CASE WHEN {dialect.like_ci(db, '?', '?')} THEN 1 ELSE 0 END", ["Hello World", "%WORLD"]) == 1
    escaped = dialect.like_ci(db, "?", "?", escape=True)
    assert _one(db, f"SELECT CASE WHEN {escaped} THEN 1 ELSE 0 END", ["50% off", "50\\%%"]) == 1
    assert _one(db, f"SELECT CASE WHEN {escaped} THEN 1 ELSE 0 END", ["50 off", "50\\%%"]) == 0


def test_position_and_is_text(db: Any) -> None:
    assert _one(db, f"SELECT {dialect.position(db, '?', '?')}", ["abc", "b"]) == 2
    assert _one(db, f"SELECT {dialect.position(db, '?', '?')}", ["abc", "z"]) == 0
    db.execute("CREATE TABLE t2 (c TEXT)")
    db.execute("INSERT INTO t2 (c) VALUES ('x')")
    db.execute("INSERT INTO t2 (c) VALUES (NULL)")
    assert _one(db, f"SELECT count(*) FROM t2 WHERE {dialect.is_text(db, 'c')}") == 1


def test_columns_and_table_names_reflect_the_schema(db: Any) -> None:
    db.execute("CREATE TABLE things (b TEXT, a INTEGER)")
    assert dialect.columns(db, "things") == ["b", "a"]
    assert dialect.columns(db, "nothing") == []
    assert "things" in dialect.table_names(db)


# --- the guard: SQLite-only SQL stays out of the portable modules -------------------

# Modules that may speak SQLite: the helpers themselves, the SQLite store and
# backup, the views another engineer makes portable, and the SQLite branch of
# search. Each line below may also opt out with a "# sqlite-only" comment.
_ALLOWED = {
    "scrm/db/dialect.py", "scrm/db/store.py", "scrm/db/backup.py", "scrm/bench.py",
    "scrm/views/kpis.py", "scrm/views/overview.py",
}

_PATTERNS = {
    "INSERT OR REPLACE/IGNORE": re.compile(r"\bINSERT\s+OR\s+(REPLACE|IGNORE)\b"),
    "WHERE 1": re.compile(r"\bWHERE\s+1\b(?!\s*=)"),
    "group_concat": re.compile(r"\bgroup_concat\s*\("),
    "printf": re.compile(r"\bprintf\s*\("),
    "sqlite_master": re.compile(r"\bsqlite_master\b"),
    "PRAGMA table_info": re.compile(r"PRAGMA\s+table_info"),
    "AS REAL": re.compile(r"\bAS\s+REAL\b"),
    "LIMIT -1": re.compile(r"\bLIMIT\s+-1\b"),
    "strftime in SQL": re.compile(r"""\bstrftime\(\s*'%"""),
    "julianday": re.compile(r"\bjulianday\s*\("),
    "iif": re.compile(r"\biif\s*\("),
    "instr": re.compile(r"\binstr\s*\("),
    "typeof": re.compile(r"\btypeof\s*\("),
    "char()": re.compile(r"\bchar\(\d"),
    "IS NOT a value": re.compile(r"\bIS\s+NOT\s+(?!NULL\b|DISTINCT\b|TRUE\b|FALSE\b)['?:{a-z]"),
    "temp. schema": re.compile(r"\btemp\.\{"),
    "date('now')": re.compile(r"\b(date|datetime)\('now'"),
    'an empty condition "1"': re.compile(r"""(\bor|\belse)\s+"1"(?!\s*=)(\)|\s*$|,)"""),
}

# Modules converted so far; the guard holds each of them.
_GUARDED = [
    "scrm/db/search.py", "scrm/db/audit.py", "scrm/db/settings.py", "scrm/db/signins.py", "scrm/db/filters.py",
    "scrm/analysis", "scrm/act", "scrm/views", "scrm/export", "scrm/privacy", "scrm/listen",
]


def _guarded_files() -> list[Path]:
    files: list[Path] = []
    for entry in _GUARDED:
        path = ROOT / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return [f for f in files if f.relative_to(ROOT).as_posix() not in _ALLOWED]


def test_no_sqlite_only_sql_in_portable_modules() -> None:
    found = []
    for path in _guarded_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "sqlite-only" in line:
                continue
            for name, pattern in _PATTERNS.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {name}: {line.strip()}")
    assert found == [], "SQLite-only SQL (use scrm.db.dialect or the portable form):\n" + "\n".join(found)


_AGGREGATE = re.compile(r"\b(sum|avg)\(", re.IGNORECASE)
_BOOLEAN = re.compile(r"(?<![<>!=])(=|<>|!=|<=|>=|<|>)(?!=)|\b(AND|OR|NOT|IN|IS|LIKE)\b")


def _summed_conditions(text: str) -> list[str]:
    """``sum(a > b)``-like calls: an aggregate over a comparison (PostgreSQL sums no booleans)."""
    found = []
    for m in _AGGREGATE.finditer(text):
        i, depth = m.end(), 1
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        arg = text[m.end() : i - 1]
        flat = arg
        for _ in range(3):
            flat = re.sub(r"\([^()]*\)", "()", flat)
        if re.match(r"\s*CASE\b", arg, re.IGNORECASE) or re.search(r"==|lambda|\bfor\b|axis=|key=", arg):
            continue
        if _BOOLEAN.search(flat):
            found.append(f"{text[: m.start()].count(chr(10)) + 1}: {m.group(0)}{arg[:60]}")
    return found


_COALESCED = re.compile(r"\b(coalesce|ifnull)\(", re.IGNORECASE)


def _coalesced_conditions(text: str) -> list[str]:
    """``coalesce(a = b, 0)``-like calls: PostgreSQL matches no boolean with an integer."""
    found = []
    for m in _COALESCED.finditer(text):
        i, depth = m.end(), 1
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        flat = text[m.end() : i - 1]
        for _ in range(3):
            flat = re.sub(r"\([^()]*\)", "()", flat)
        first = flat.split(",")[0]
        if _BOOLEAN.search(first) and not re.search(r"\bCASE\b|==|lambda", first, re.IGNORECASE):
            found.append(f"{text[: m.start()].count(chr(10)) + 1}: {m.group(0)}{first[:60]}")
    return found


def test_no_condition_is_coalesced_into_a_number() -> None:
    found = [f"{p.relative_to(ROOT)}:{hit}" for p in _guarded_files() for hit in _coalesced_conditions(p.read_text(encoding="utf-8"))]
    assert found == [], "write CASE WHEN ... THEN 1 ELSE 0 END:\n" + "\n".join(found)
    assert _coalesced_conditions("coalesce(s.label = 'x', 0), coalesce(a, 0)") == ["1: coalesce(s.label = 'x'"]


def test_no_comparison_is_summed_as_a_number() -> None:
    found = [f"{path.relative_to(ROOT)}:{hit}" for path in _guarded_files() for hit in _summed_conditions(path.read_text(encoding="utf-8"))]
    assert found == [], "write sum(CASE WHEN ... THEN 1 ELSE 0 END):\n" + "\n".join(found)


def test_the_summed_condition_scan_finds_what_it_looks_for() -> None:
    assert _summed_conditions("SELECT sum(a > 0), sum(CASE WHEN a > 0 THEN 1 ELSE 0 END), sum(amount)") == ["1: sum(a > 0"]
