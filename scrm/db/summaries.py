"""Compact aggregates that answer any filter of the dashboard in milliseconds.

At a million mentions, a date range, brand, platform, language or segment
never asked before used to mean reading every mention of the range into a
frame. These tables hold the same facts summed per day and per value of each
filter, so a KPI of the dictionary (:mod:`scrm.views.kpis`) over any range
and any filter is a sum over a few thousand rows:

- ``sum_mentions``: inbound mentions (not by a brand account) per day x brand
  x platform x detected language x sentiment label, with their likes, shares,
  replies and the engagement and followers of those with a follower count;
- ``sum_orders``: orders per day x segment x currency x linked (the customer
  has a linked social profile) x known (the order has a customer), with how
  many have an amount and the sum of the amounts, in their own currency;
- ``sum_clients``: customers created per day x segment (day '' when the
  creation date is unknown), and customers whose first order ever is that day;
- ``sum_surveys``: valid survey answers (0 to 10) per day x segment, promoters
  (9-10) and detractors (0-6).

A blank brand, platform, language, label or currency is '' and a customer
without a segment is segment -1, so that every key is a plain value on SQLite
and PostgreSQL. Days are the first ten characters of the stored ISO
timestamps (UTC); rows without a date are left out (a range always has dates).

What sums cannot answer exactly stays a direct query: distinct authors and
reach (an author counted once across days), response times (per mention),
active customers, repeat and churn rates (distinct customers across days).

The summaries stage (:func:`refresh`) keeps them: after an import or a
collection it rebuilds only the days the new rows touched; when the segments,
the links, the sentiment model or the corrections changed, it rebuilds all.

>>> from scrm.db import store
>>> db = store.open_db(":memory:")
>>> refresh(db)["mode"]
'full'
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import sqlite_utils

from scrm.db import schema as S
from scrm.db import store

log = logging.getLogger(__name__)

TABLES: tuple[str, ...] = (S.SUMMARY_MENTIONS, S.SUMMARY_ORDERS, S.SUMMARY_CUSTOMERS, S.SUMMARY_SURVEYS)
NO_SEGMENT = -1
Progress = Callable[[float, str], None]


def _quote(name: str) -> str:
    return f'"{name}"'


def ensure_tables(db: sqlite_utils.Database) -> bool:
    """Create the summary tables that are missing (a database migrated before they existed);
    True when one was missing (the summaries must then be built whole)."""
    have = set(db.table_names())
    created = False
    for table in TABLES:
        if table in have:
            continue
        created = True
        columns = ", ".join(f"{_quote(c)} {t}" for c, t in S.STORED_COLUMNS[table].items())
        keys = S.PRIMARY_KEYS[table]
        key_list = [keys] if isinstance(keys, str) else list(keys)
        db.execute(f"CREATE TABLE IF NOT EXISTS {_quote(table)} ({columns}, PRIMARY KEY ({', '.join(map(_quote, key_list))}))")
    return created


# --- building ------------------------------------------------------------------------------


def _day_clause(column: str, first: str | None, last: str | None, params: list[Any]) -> str:
    clause = f"{column} IS NOT NULL"
    if first is not None:
        clause += f" AND substr({column}, 1, 10) >= ?"
        params.append(first)
    if last is not None:
        clause += f" AND substr({column}, 1, 10) <= ?"
        params.append(last)
    return clause


def _segment_sql(customer: str) -> str:
    return f"coalesce((SELECT sg.segment_id FROM {S.SEGMENTS} sg WHERE sg.customer_id = {customer}), {NO_SEGMENT})"


def _fill(db: sqlite_utils.Database, first: str | None, last: str | None, *, customers: bool = True) -> None:
    """Recompute the rows of the days ``first``..``last`` (None: open end) inside the caller's transaction."""
    has_segments = store.table_exists(db, S.SEGMENTS)
    segment = _segment_sql if has_segments else (lambda customer: str(NO_SEGMENT))
    for table, column in ((S.SUMMARY_MENTIONS, "day"), (S.SUMMARY_ORDERS, "day"), (S.SUMMARY_SURVEYS, "day")):
        params: list[Any] = []
        where = "1 = 1"
        if first is not None:
            where += f" AND {column} >= ?"
            params.append(first)
        if last is not None:
            where += f" AND {column} <= ?"
            params.append(last)
        db.execute(f"DELETE FROM {table} WHERE {where}", params)

    params = []
    days = _day_clause("m.posted_at", first, last, params)
    db.execute(
        f"""INSERT INTO {S.SUMMARY_MENTIONS} (day, brand, platform, lang, label, mentions, likes, shares, replies, engaged, followers)
        SELECT substr(m.posted_at, 1, 10), coalesce(m.brand, ''), coalesce(m.platform, ''), coalesce(s.lang, ''),
            coalesce(s.label, ''), count(*), sum(coalesce(m.likes, 0)), sum(coalesce(m.shares, 0)),
            sum(coalesce(m.replies, 0)),
            sum(CASE WHEN m.author_followers > 0 THEN coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.replies, 0) ELSE 0 END),
            sum(CASE WHEN m.author_followers > 0 THEN m.author_followers ELSE 0 END)
        FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        WHERE coalesce(m.from_brand, 0) != 1 AND {days}
        GROUP BY substr(m.posted_at, 1, 10), coalesce(m.brand, ''), coalesce(m.platform, ''), coalesce(s.lang, ''),
            coalesce(s.label, '')""",
        params,
    )
    params = [S.LINKED]
    days = _day_clause("o.ordered_at", first, last, params)
    db.execute(
        f"""INSERT INTO {S.SUMMARY_ORDERS} (day, segment, currency, linked, known, orders, priced, amount)
        SELECT day, segment, currency, linked, known, count(*), count(amount), coalesce(sum(amount), 0) FROM (
            SELECT substr(o.ordered_at, 1, 10) AS day, {segment('o.customer_id')} AS segment,
                upper(trim(coalesce(o.currency, ''))) AS currency,
                CASE WHEN o.customer_id IN (SELECT l.customer_id FROM {S.LINKS} l WHERE l.status = ?) THEN 1 ELSE 0 END AS linked,
                CASE WHEN o.customer_id IS NULL THEN 0 ELSE 1 END AS known, o.amount AS amount
            FROM {S.ORDERS} o WHERE {days}
        ) x GROUP BY day, segment, currency, linked, known""",
        params,
    )
    params = []
    days = _day_clause("v.answered_at", first, last, params)
    db.execute(
        f"""INSERT INTO {S.SUMMARY_SURVEYS} (day, segment, answers, promoters, detractors)
        SELECT day, segment, count(*), sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END), sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END)
        FROM (
            SELECT substr(v.answered_at, 1, 10) AS day, {segment('v.customer_id')} AS segment,
                CAST(v.score AS DOUBLE PRECISION) AS score
            FROM {S.SURVEYS} v WHERE {days} AND v.score IS NOT NULL
        ) x WHERE score >= 0 AND score <= 10 GROUP BY day, segment""",
        params,
    )
    if customers:
        _fill_customers(db, segment)


def _fill_customers(db: sqlite_utils.Database, segment: Callable[[str], str]) -> None:
    """Customers per creation day and per first-order day: small (one row per day and segment), rebuilt whole."""
    db.execute(f"DELETE FROM {S.SUMMARY_CUSTOMERS}")
    db.execute(
        f"""INSERT INTO {S.SUMMARY_CUSTOMERS} (day, segment, created, first_orders)
        SELECT day, segment, sum(created), sum(first_orders) FROM (
            SELECT coalesce(substr(c.created_at, 1, 10), '') AS day, {segment('c.customer_id')} AS segment,
                1 AS created, 0 AS first_orders
            FROM {S.CUSTOMERS} c
            UNION ALL
            SELECT substr(f.first_at, 1, 10), {segment('f.customer_id')}, 0, 1
            FROM (SELECT customer_id, min(ordered_at) AS first_at FROM {S.ORDERS}
                  WHERE customer_id IS NOT NULL AND ordered_at IS NOT NULL GROUP BY customer_id) f
        ) x GROUP BY day, segment"""
    )


def _fingerprint(db: sqlite_utils.Database, sql: str) -> str:
    """A short digest of a query's rows (in the query's order)."""
    digest = hashlib.sha256()
    cursor = db.execute(sql)
    while rows := cursor.fetchmany(50_000):
        digest.update(json.dumps(rows, default=str).encode())
    return digest.hexdigest()[:16]


def _inputs(db: sqlite_utils.Database) -> dict[str, Any]:
    """What the summaries depend on besides the rows' own days: any change here rebuilds them all."""
    segments = (
        _fingerprint(db, f"SELECT customer_id, segment_id FROM {S.SEGMENTS} ORDER BY customer_id")
        if store.table_exists(db, S.SEGMENTS) else ""
    )
    return {
        "segments": segments,
        "links": _fingerprint(db, f"SELECT customer_id FROM {S.LINKS} WHERE status = '{S.LINKED}' ORDER BY customer_id, profile_id"),
        "corrections": _fingerprint(db, f"SELECT mention_id, label FROM {S.SENTIMENT_CORRECTIONS} ORDER BY mention_id"),
        "models": _fingerprint(db, f"SELECT DISTINCT model, model_version FROM {S.SENTIMENT} ORDER BY 1, 2"),
        "customers": db.execute(f"SELECT count(*) FROM {S.CUSTOMERS}").fetchone()[0],
    }


def _touched_days(db: sqlite_utils.Database, since_import: int) -> tuple[str | None, str | None, int]:
    """The first and last day of the rows imported or collected after ``since_import``, and the newest import id."""
    first: str | None = None
    last: str | None = None
    newest = since_import
    for table, column in ((S.MENTIONS, "posted_at"), (S.ORDERS, "ordered_at"), (S.SURVEYS, "answered_at")):
        lo, hi, top = db.execute(
            f"SELECT min(substr({column}, 1, 10)), max(substr({column}, 1, 10)), max(import_id) FROM {table} "
            f"WHERE import_id > ?",
            [since_import],
        ).fetchone()
        if lo is not None:
            first = lo if first is None else min(first, lo)
            last = hi if last is None else max(last, hi)
        if top is not None:
            newest = max(newest, int(top))
    return first, last, newest


def _newest_import(db: sqlite_utils.Database) -> int:
    return max(
        int(db.execute(f"SELECT coalesce(max(import_id), 0) FROM {table}").fetchone()[0] or 0)
        for table in (S.MENTIONS, S.ORDERS, S.SURVEYS)
    )


def refresh(db: sqlite_utils.Database, *, progress: Progress | None = None, full: bool = False) -> dict[str, Any]:
    """Bring the summaries up to date; returns ``{"mode": "full" | "days" | "none", "first_day", "last_day", "rows"}``.

    Incremental when only new rows arrived since the last refresh (a new import or
    collection, recognised by its import id): the days those rows fall on are
    recomputed, nothing else. A row gone or added without an import id (an
    erasure, a purge, the demo) and any change of segments, links, corrections,
    sentiment models or customers rebuild everything. ``full`` forces the rebuild.
    """
    report = progress or (lambda fraction, message: None)
    full = ensure_tables(db) or full
    inputs = _inputs(db)
    raw = store.get_meta(db, S.META_SUMMARIES_STATE)
    state: dict[str, Any] = json.loads(raw) if raw else {}
    # Rows without an import id, and rows older than the last refresh, are counted: an erasure, a
    # retention purge or a hand-made row moves these counts, and only a full rebuild follows them.
    since = int(state.get("import_id", 0))
    older = {
        table: int(db.execute(f"SELECT count(*) FROM {table} WHERE import_id IS NULL OR import_id <= ?", [since]).fetchone()[0])
        for table in (S.MENTIONS, S.ORDERS, S.SURVEYS)
    }
    mode = "full"
    first = last = None
    if not full and state.get("inputs") == inputs and state.get("rows") == older:
        first, last, newest = _touched_days(db, since)
        mode = "none" if first is None else "days"
    else:
        newest = _newest_import(db)
    with store.transaction(db, bump=False):
        if mode == "full":
            report(0.1, "summing every day")
            _fill(db, None, None)
        elif mode == "days":
            report(0.1, f"summing the days {first} to {last}")
            _fill(db, first, last)
        state = {
            "inputs": inputs, "import_id": newest,
            "rows": {
                table: int(db.execute(f"SELECT count(*) FROM {table} WHERE import_id IS NULL OR import_id <= ?", [newest]).fetchone()[0])
                for table in (S.MENTIONS, S.ORDERS, S.SURVEYS)
            },
        }
        db.execute(
            f"INSERT INTO {S.META} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [S.META_SUMMARIES_STATE, json.dumps(state, sort_keys=True)],
        )
    rows = int(db.execute(f"SELECT count(*) FROM {S.SUMMARY_MENTIONS}").fetchone()[0])
    report(1.0, f"{mode}: {rows:,} mention rows")
    log.info("summaries: %s refresh (%s to %s), %d mention rows", mode, first, last, rows)
    return {"mode": mode, "first_day": first, "last_day": last, "rows": rows}


# --- reading ---------------------------------------------------------------------------------


def _in(column: str, values: Sequence[Any], params: list[Any]) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def mention_days(
    db: sqlite_utils.Database, first: str, last: str, *, platforms: Sequence[str] = (), langs: Sequence[str] = ()
) -> list[tuple[Any, ...]]:
    """Rows ``(day, brand, label, mentions, likes, shares, replies, engaged, followers)`` of the days
    ``first``..``last`` under the platform and language filters, summed over the other dimensions.

    The brand stays a column: share of voice ignores the brand filter, the other KPIs apply it.
    """
    params: list[Any] = [first, last]
    where = "day >= ? AND day <= ?"
    if platforms:
        where += " AND " + _in("platform", platforms, params)
    if langs:
        where += " AND " + _in("lang", langs, params)
    return db.execute(
        f"SELECT day, brand, label, sum(mentions), sum(likes), sum(shares), sum(replies), sum(engaged), sum(followers) "
        f"FROM {S.SUMMARY_MENTIONS} WHERE {where} GROUP BY day, brand, label",
        params,
    ).fetchall()


def _segment_where(segment: int | None, params: list[Any]) -> str:
    if segment is None:
        return ""
    params.append(segment)
    return " AND segment = ?"


def order_days(db: sqlite_utils.Database, first: str, last: str, *, segment: int | None = None) -> list[tuple[Any, ...]]:
    """Rows ``(day, currency, linked, known, orders, priced, amount)`` of the days ``first``..``last``."""
    params: list[Any] = [first, last]
    where = "day >= ? AND day <= ?" + _segment_where(segment, params)
    return db.execute(
        f"SELECT day, currency, linked, known, sum(orders), sum(priced), sum(amount) FROM {S.SUMMARY_ORDERS} "
        f"WHERE {where} GROUP BY day, currency, linked, known",
        params,
    ).fetchall()


def survey_days(db: sqlite_utils.Database, first: str, last: str, *, segment: int | None = None) -> list[tuple[Any, ...]]:
    """Rows ``(day, answers, promoters, detractors)`` of the days ``first``..``last``."""
    params: list[Any] = [first, last]
    where = "day >= ? AND day <= ?" + _segment_where(segment, params)
    return db.execute(
        f"SELECT day, sum(answers), sum(promoters), sum(detractors) FROM {S.SUMMARY_SURVEYS} WHERE {where} GROUP BY day",
        params,
    ).fetchall()


def customer_days(db: sqlite_utils.Database, *, segment: int | None = None) -> list[tuple[Any, ...]]:
    """Rows ``(day, created, first_orders)`` of every day ('' for customers without a creation date)."""
    params: list[Any] = []
    where = "1 = 1" + _segment_where(segment, params)
    return db.execute(
        f"SELECT day, sum(created), sum(first_orders) FROM {S.SUMMARY_CUSTOMERS} WHERE {where} GROUP BY day", params
    ).fetchall()


def is_current(db: sqlite_utils.Database) -> bool:
    """True when the summaries stage ran on the data as it is now (no write to the inputs since)."""
    if not all(store.table_exists(db, t) for t in TABLES) or store.get_meta(db, S.META_SUMMARIES_STATE) is None:
        return False
    return store.get_meta(db, S.META_COMPUTED_VERSION.format(STAGE)) == str(store.input_version(db))


STAGE = "summaries"
