"""Read-only views of the database for the app's landing and Data pages.

Pure functions of ``db``: each runs a few parameterised, aggregate queries and
returns a small DataFrame or a frozen dataclass, so a cached loader can keep
the result and share it between sessions. Nothing here writes.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import sqlite_utils

from scrm.db import dialect, pg, store
from scrm.db import schema as S

log = logging.getLogger(__name__)
T = TypeVar("T")

# Columns of the frames the Data page shows, in display order.
IMPORT_HISTORY_COLUMNS: tuple[str, ...] = (
    "import_id",
    "finished_at",
    "kind",
    "file_name",
    "preset",
    "rows_read",
    "rows_new",
    "rows_updated",
    "rows_unchanged",
    "rows_duplicate",
    "rows_rejected",
    "seconds",
)
QUARANTINE_COLUMNS: tuple[str, ...] = (
    "import_id",
    "file_name",
    "kind",
    "row_number",
    "column",
    "value",
    "reason",
)
WEEKLY_COLUMNS: tuple[str, ...] = ("week", "series", "count", "partial")


@dataclass(frozen=True)
class DataSummary:
    """What the database holds: row counts, revenue and date coverage.

    ``currency`` is set only when every order with an amount names the same
    currency (or none names any, then it is ``None`` and ``currencies`` is
    empty); with several currencies ``revenue`` is ``None``, because adding
    euros to dollars gives a number nobody should read, and
    ``revenue_by_currency`` holds ``(currency, orders, amount)`` per currency,
    most orders first (``""`` for orders without a currency).
    """

    customers: int
    orders: int
    guest_orders: int
    revenue: float | None
    currency: str | None
    currencies: tuple[str, ...]
    revenue_by_currency: tuple[tuple[str, int, float], ...]
    mentions: int
    surveys: int
    profiles: int
    linked_profiles: int
    imports: int
    quarantined: int
    orders_first: str | None
    orders_last: str | None
    mentions_first: str | None
    mentions_last: str | None
    last_import_at: str | None

    @property
    def is_empty(self) -> bool:
        """True when there are no customers, orders, mentions or surveys."""
        return self.customers + self.orders + self.mentions + self.surveys == 0


def _scalar(db: sqlite_utils.Database, sql: str, params: list[object] | None = None) -> object:
    row = db.execute(sql, params or []).fetchone()
    return None if row is None else row[0]


def _int(db: sqlite_utils.Database, sql: str, params: list[object] | None = None) -> int:
    value = _scalar(db, sql, params)
    return int(value) if value is not None else 0  # type: ignore[call-overload]


def summarise(db: sqlite_utils.Database) -> DataSummary:
    """Counts, revenue and date coverage of the data in ``db``.

    >>> from scrm.db import store
    >>> summarise(store.open_db(":memory:")).is_empty
    True
    """
    currencies = tuple(
        str(r[0])
        for r in db.execute(
            f"SELECT DISTINCT currency FROM {S.ORDERS} "
            "WHERE currency IS NOT NULL AND trim(currency) != '' ORDER BY currency"
        ).fetchall()
    )
    by_currency = tuple(
        (str(c), int(n), float(total or 0.0))
        for c, n, total in db.execute(
            f"SELECT coalesce(trim(currency), '') AS c, count(*), sum(amount) FROM {S.ORDERS} "
            "GROUP BY c ORDER BY count(*) DESC, c"
        ).fetchall()
    )
    revenue: float | None = None
    if len(currencies) <= 1:
        total = _scalar(db, f"SELECT sum(amount) FROM {S.ORDERS}")
        revenue = float(total) if total is not None else None  # type: ignore[arg-type]
    orders_first, orders_last = db.execute(
        f"SELECT min(ordered_at), max(ordered_at) FROM {S.ORDERS}"
    ).fetchone()
    mentions_first, mentions_last = db.execute(
        f"SELECT min(posted_at), max(posted_at) FROM {S.MENTIONS}"
    ).fetchone()
    return DataSummary(
        customers=_int(db, f"SELECT count(*) FROM {S.CUSTOMERS}"),
        orders=_int(db, f"SELECT count(*) FROM {S.ORDERS}"),
        guest_orders=_int(
            db, f"SELECT count(*) FROM {S.ORDERS} WHERE customer_id IS NULL OR trim(customer_id) = ''"
        ),
        revenue=revenue,
        currency=currencies[0] if len(currencies) == 1 else None,
        currencies=currencies,
        revenue_by_currency=by_currency,
        mentions=_int(db, f"SELECT count(*) FROM {S.MENTIONS}"),
        surveys=_int(db, f"SELECT count(*) FROM {S.SURVEYS}"),
        profiles=_int(db, f"SELECT count(*) FROM {S.PROFILES}"),
        linked_profiles=_int(
            db,
            f"SELECT count(DISTINCT profile_id) FROM {S.LINKS} WHERE status = ?",
            [S.LINKED],
        ),
        imports=_int(db, f"SELECT count(*) FROM {S.IMPORTS}"),
        quarantined=_int(db, f"SELECT count(*) FROM {S.QUARANTINE}"),
        orders_first=orders_first,
        orders_last=orders_last,
        mentions_first=mentions_first,
        mentions_last=mentions_last,
        last_import_at=_scalar(db, f"SELECT max(finished_at) FROM {S.IMPORTS}"),  # type: ignore[arg-type]
    )


def _daily_counts(db: sqlite_utils.Database, table: str, column: str) -> pd.DataFrame:
    # Group by day in SQL (an index-only scan on the timestamp index) and by
    # week in pandas: a few thousand days instead of a date function per row.
    rows = db.execute(
        f'SELECT substr("{column}", 1, 10) AS day, count(*) FROM "{table}" '
        f'WHERE "{column}" IS NOT NULL GROUP BY day'
    ).fetchall()
    return pd.DataFrame(rows, columns=["day", "count"])


def weekly_activity(db: sqlite_utils.Database) -> pd.DataFrame:
    """Orders and mentions per ISO week (weeks start on Monday).

    Columns ``week`` (datetime64, the Monday), ``series`` ("Orders" or
    "Mentions"), ``count`` and ``partial``. Weeks without rows inside a
    series' span appear with count 0 so a line chart does not bridge gaps;
    ``partial`` marks a first or last week that the data covers only in part
    (it starts after Monday or ends before Sunday), whose lower count is not
    a drop.
    """
    frames = []
    for label, table, column in (("Orders", S.ORDERS, "ordered_at"), ("Mentions", S.MENTIONS, "posted_at")):
        daily = _daily_counts(db, table, column)
        days = pd.to_datetime(daily["day"], format="%Y-%m-%d", errors="coerce")
        daily = daily.assign(day=days).dropna(subset=["day"])
        if daily.empty:
            continue
        daily = daily.assign(week=daily["day"] - pd.to_timedelta(daily["day"].dt.day_of_week, unit="D"))
        weekly = daily.groupby("week")["count"].sum()
        span = pd.date_range(weekly.index.min(), weekly.index.max(), freq="7D")
        weekly = weekly.reindex(span, fill_value=0)
        first, last = daily["day"].min(), daily["day"].max()
        partial = ((span == span[0]) & (first.day_of_week != 0)) | ((span == span[-1]) & (last.day_of_week != 6))
        frames.append(
            pd.DataFrame(
                {"week": span, "series": label, "count": weekly.to_numpy(dtype="int64"), "partial": partial}
            )
        )
    if not frames:
        return pd.DataFrame(
            {
                "week": pd.Series(dtype="datetime64[ns]"),
                "series": pd.Series(dtype="object"),
                "count": pd.Series(dtype="int64"),
                "partial": pd.Series(dtype="bool"),
            }
        )
    return pd.concat(frames, ignore_index=True)


def import_history(db: sqlite_utils.Database, limit: int = 200) -> pd.DataFrame:
    """The most recent imports, newest first, with :data:`IMPORT_HISTORY_COLUMNS`."""
    cols = ", ".join(f'"{c}"' for c in IMPORT_HISTORY_COLUMNS)
    rows = db.execute(
        f"SELECT {cols} FROM {S.IMPORTS} ORDER BY import_id DESC LIMIT ?", [limit]
    ).fetchall()
    return pd.DataFrame(rows, columns=list(IMPORT_HISTORY_COLUMNS))


def quarantine_imports(db: sqlite_utils.Database) -> pd.DataFrame:
    """Imports that left rows in quarantine: ``import_id``, ``file_name``, ``kind``, ``rows``; newest first."""
    rows = db.execute(
        f"SELECT import_id, max(file_name), max(kind), count(*) FROM {S.QUARANTINE} "
        "GROUP BY import_id ORDER BY import_id DESC"
    ).fetchall()
    return pd.DataFrame(rows, columns=["import_id", "file_name", "kind", "rows"])


def quarantine_rows(
    db: sqlite_utils.Database, import_id: int | None = None, limit: int | None = None, messages: bool = False
) -> pd.DataFrame:
    """Rejected rows with their spreadsheet row number, column, value and reason.

    Filtered to one import when ``import_id`` is given; ordered by import
    (newest first) then row number. ``limit`` caps the rows returned (the
    page shows a window, the download takes everything). ``messages`` adds
    ``reason_message``, the reason as a message for the reader's language
    (JSON of :mod:`scrm.i18n.messages`; None for rows stored before it existed).
    """
    columns = [*QUARANTINE_COLUMNS, *(["reason_message"] if messages else [])]
    cols = ", ".join(f'"{c}"' for c in QUARANTINE_COLUMNS)
    if messages:  # a file opened without its migration has no such column: its rows keep their English reason
        cols += ', "reason_message"' if "reason_message" in dialect.columns(db, S.QUARANTINE) else ", NULL"
    sql = f"SELECT {cols} FROM {S.QUARANTINE}"
    params: list[object] = []
    if import_id is not None:
        sql += " WHERE import_id = ?"
        params.append(int(import_id))
    sql += " ORDER BY import_id DESC, row_number, quarantine_id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    rows = db.execute(sql, params).fetchall()
    return pd.DataFrame(rows, columns=columns)


# --- filter options (the sidebar's choices) --------------------------------------------------

# From the schema, not from scrm.analysis.segments: that module loads
# scikit-learn, which the sidebar of the first page must not wait for.
SEGMENT_PROFILES = S.SEGMENT_PROFILES


@dataclass(frozen=True)
class FilterOptions:
    """The choices the data offers: its date span and the values seen, most frequent first."""

    first_day: date | None = None
    last_day: date | None = None
    brands: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    # (segment_id, description, size), by id; None when segments were never computed.
    segments: tuple[tuple[int, str, int], ...] | None = None
    # (segment_id, the description as a message: JSON of scrm.i18n.messages) where the segments store one.
    segment_messages: tuple[tuple[int, str], ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to filter (no dated rows and no mention values)."""
        return self.first_day is None and not (self.brands or self.platforms or self.langs)


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _ranked(frame: pd.DataFrame, column: str) -> tuple[str, ...]:
    counts = frame.groupby(column, dropna=True)["n"].sum()
    counts = counts[counts.index.astype(str).str.strip() != ""]
    # Most frequent first (the own brand, the big platforms), then by name.
    ranked = sorted(counts.items(), key=lambda item: (-int(item[1]), str(item[0])))
    return tuple(str(value) for value, _ in ranked)


def filter_options(db: sqlite_utils.Database) -> FilterOptions:
    """Date span of mentions and orders, brands, platforms, languages and segments in ``db``.

    Languages are the stored ones and, once sentiment ran, the detected ones
    (``sentiment.lang``), which the language filter may use.
    """
    firsts, lasts = [], []
    for table, column in ((S.MENTIONS, "posted_at"), (S.ORDERS, "ordered_at")):
        # One aggregate per query: SQLite answers a lone min() or max() of an
        # indexed column from the index, but scans the table for both at once.
        firsts.append(_day(db.execute(f"SELECT min({column}) FROM {table}").fetchone()[0]))
        lasts.append(_day(db.execute(f"SELECT max({column}) FROM {table}").fetchone()[0]))
    # One scan for three columns.
    values = store.read_frame(
        db, f"SELECT brand, platform, lang, count(*) AS n FROM {S.MENTIONS} GROUP BY brand, platform, lang"
    )
    langs = values[["lang", "n"]]
    tables = set(db.table_names())
    if S.SENTIMENT in tables:
        detected = store.read_frame(db, f"SELECT lang, count(*) AS n FROM {S.SENTIMENT} GROUP BY lang")
        langs = pd.concat([langs, detected], ignore_index=True)
    segments = None
    segment_messages: tuple[tuple[int, str], ...] = ()
    if SEGMENT_PROFILES in tables:
        rows = db.execute(f"SELECT segment_id, description, size FROM {SEGMENT_PROFILES} ORDER BY segment_id")
        segments = tuple((int(i), str(d or ""), int(n or 0)) for i, d, n in rows.fetchall())
        if "description_message" in dialect.columns(db, SEGMENT_PROFILES):
            rows = db.execute(f"SELECT segment_id, description_message FROM {SEGMENT_PROFILES} "
                              "WHERE description_message IS NOT NULL ORDER BY segment_id")  # fmt: skip
            segment_messages = tuple((int(i), str(m)) for i, m in rows.fetchall())
    return FilterOptions(
        first_day=min((d for d in firsts if d), default=None),
        last_day=max((d for d in lasts if d), default=None),
        brands=_ranked(values, "brand"),
        platforms=_ranked(values, "platform"),
        langs=_ranked(langs, "lang"),
        segments=segments or None,
        segment_messages=segment_messages,
    )


# --- stored page summaries --------------------------------------------------------------------
# A page's first run after a server start pays for every query its sidebar and
# tiles need: at a million mentions, seconds of full scans for a few hundred
# bytes of answer (the filter choices, the data summary, the Overview's KPI
# table). Those answers are kept in the derived table ``page_summaries``,
# one row per name, valid for ONE data version and one version of the code:
# every write bumps the data version (scrm.db.store.transaction), so a stored
# answer is never older than the data it describes, and an upgrade of scrm
# (new KPIs, changed formulas) never serves an answer the old code computed.
# ``python -m scrm score`` can fill them (refresh_page_summaries); otherwise
# the first visitor after a change computes and stores them for the next ones.

PAGE_SUMMARIES = S.PAGE_SUMMARIES
# Rows kept per data version: the default views plus recently used filters.
MAX_STORED = 200


@functools.cache
def code_version() -> str:
    """A fingerprint of the engine's source (every ``.py`` file under ``scrm/``, in every
    floor): stored answers of other code are ignored."""
    digest = hashlib.sha1()
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_stored(db: sqlite_utils.Database, name: str, version: int | None = None) -> bytes | None:
    """The stored answer ``name`` of the data version now (or ``version``), or None."""
    version = store.data_version(db) if version is None else version
    if dialect.is_postgres(db) and not store.table_exists(db, PAGE_SUMMARIES):
        return None  # asked first: on PostgreSQL a failed statement spoils the caller's transaction
    try:
        row = db.execute(
            f"SELECT value FROM {PAGE_SUMMARIES} WHERE name = ? AND data_version = ? AND code = ?",
            [name, version, code_version()],
        ).fetchone()
    except sqlite3.OperationalError:  # no such table yet
        return None
    return None if row is None else bytes(row[0])


def write_stored(db: sqlite_utils.Database, name: str, version: int, value: bytes) -> bool:
    """Store an answer for ``version`` without bumping the data version; False when it could not.

    A cache write: it never waits for another writer (an import holds the
    lock: the answer is simply not kept), never joins a caller's transaction,
    and a read-only database is no error.
    """
    conn = db.conn
    if conn.in_transaction:
        return False  # committing here would commit the caller's half-done work
    postgres = dialect.is_postgres(db)
    if postgres:  # never wait for the write lock (an advisory lock: lock_timeout bounds the wait)
        timeout = conn.execute("SHOW lock_timeout").fetchone()[0]
    else:
        timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]  # sqlite-only
    try:
        if postgres:
            conn.execute("SET lock_timeout = 1")
        else:
            conn.execute("PRAGMA busy_timeout = 0")  # sqlite-only
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {PAGE_SUMMARIES} (name TEXT PRIMARY KEY, data_version INTEGER NOT NULL, "
            "code TEXT NOT NULL, computed_at TEXT NOT NULL, value BLOB NOT NULL)"
        )
        conn.execute("BEGIN IMMEDIATE")  # the version check and the write in one transaction
        try:
            if store.data_version(db) != version:
                conn.rollback()
                return False  # the data changed while the answer was computed
            conn.execute(
                f"DELETE FROM {PAGE_SUMMARIES} WHERE data_version != ? OR code != ?", [version, code_version()]
            )
            conn.execute(
                f"INSERT INTO {PAGE_SUMMARIES} (name, data_version, code, computed_at, value) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET data_version = excluded.data_version, code = excluded.code, "
                "computed_at = excluded.computed_at, value = excluded.value",
                [name, version, code_version(), store.utcnow(), sqlite3.Binary(value)],
            )
            conn.execute(
                f"DELETE FROM {PAGE_SUMMARIES} WHERE name NOT IN "
                f"(SELECT name FROM {PAGE_SUMMARIES} ORDER BY computed_at DESC, name DESC LIMIT ?)",
                [MAX_STORED],
            )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return True
    except Exception as e:
        if not (isinstance(e, sqlite3.Error) or pg.is_error(e)):
            raise
        log.info("page summary %s not stored: %s", name, e)
        return False
    finally:
        if postgres:
            conn.execute("SELECT set_config('lock_timeout', ?, false)", [str(timeout)])
        else:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")  # sqlite-only


def stored(
    db: sqlite_utils.Database,
    name: str,
    compute: Callable[[], T],
    encode: Callable[[T], bytes],
    decode: Callable[[bytes], T],
) -> T:
    """``compute()``, or its answer stored for this data version and code (then stored if new)."""
    version = store.data_version(db)
    raw = read_stored(db, name, version)
    if raw is not None:
        try:
            return decode(raw)
        except (ValueError, TypeError, KeyError) as e:  # a damaged row: compute again
            log.info("page summary %s unreadable, computing it again: %s", name, e)
    value = compute()
    write_stored(db, name, version, encode(value))
    return value


# Codecs: JSON for the small dataclasses, Parquet (pyarrow, a dependency) for frames,
# which keeps every dtype (nullable Int64/Float64, strings, lists) as it was.


def _json_default(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")


def encode_json(value: object) -> bytes:
    """A dataclass (or plain data) as JSON bytes."""
    data = dataclasses.asdict(value) if dataclasses.is_dataclass(value) and not isinstance(value, type) else value
    return json.dumps(data, default=_json_default, allow_nan=True).encode()


def _tuples(value: Any) -> Any:
    # attrs hold lists of tuples (the spark windows); JSON gives lists of lists.
    return [tuple(v) if isinstance(v, list) else v for v in value] if isinstance(value, list) else value


def encode_frame(frame: pd.DataFrame) -> bytes:
    """A DataFrame (with its ``attrs``) as Parquet bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"scrm_attrs"] = json.dumps(frame.attrs, default=_json_default, allow_nan=True).encode()
    out = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), out)
    return out.getvalue()


def decode_frame(raw: bytes) -> pd.DataFrame:
    """The DataFrame of :func:`encode_frame` (lists inside ``attrs`` lists come back as tuples)."""
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(raw))
    frame = table.to_pandas()
    attrs = json.loads((table.schema.metadata or {}).get(b"scrm_attrs", b"{}"))
    frame.attrs = {k: _tuples(v) for k, v in attrs.items()}
    return frame


def _decode_summary(raw: bytes) -> DataSummary:
    data = json.loads(raw)
    data["currencies"] = tuple(data["currencies"])
    data["revenue_by_currency"] = tuple(tuple(r) for r in data["revenue_by_currency"])
    return DataSummary(**data)


def _decode_options(raw: bytes) -> FilterOptions:
    data = json.loads(raw)
    segments = data["segments"]
    return FilterOptions(
        first_day=_day(data["first_day"]),
        last_day=_day(data["last_day"]),
        brands=tuple(data["brands"]),
        platforms=tuple(data["platforms"]),
        langs=tuple(data["langs"]),
        segments=None if segments is None else tuple((int(i), str(d), int(n)) for i, d, n in segments),
        segment_messages=tuple((int(i), str(m)) for i, m in data.get("segment_messages") or ()),
    )


def stored_summary(db: sqlite_utils.Database) -> DataSummary:
    """:func:`summarise`, stored per data version (see :func:`stored`)."""
    return stored(db, "data_summary", lambda: summarise(db), encode_json, _decode_summary)


def stored_filter_options(db: sqlite_utils.Database) -> FilterOptions:
    """:func:`filter_options`, stored per data version (see :func:`stored`)."""
    return stored(db, "filter_options", lambda: filter_options(db), encode_json, _decode_options)


def encode_records(frame: pd.DataFrame) -> bytes:
    """A frame built from a list of dicts (lists in cells, mixed objects) as JSON records,
    with its ``attrs``; Parquet would turn lists into arrays and None into NaN inside them."""
    payload = {"columns": list(frame.columns), "records": frame.to_dict("records"), "attrs": frame.attrs}
    return json.dumps(payload, default=_json_default, allow_nan=True).encode()


def decode_records(raw: bytes) -> pd.DataFrame:
    """The frame of :func:`encode_records`, rebuilt the way it was built: from its records."""
    payload = json.loads(raw)
    frame = pd.DataFrame(payload["records"], columns=payload["columns"])
    frame.attrs = {k: _tuples(v) for k, v in payload["attrs"].items()}
    return frame


def saved_mappings(db: sqlite_utils.Database, kind: str) -> dict[str, dict[str, str]]:
    """The column mappings saved for ``kind`` on this page, by name (:mod:`scrm.ingest.saved`)."""
    from scrm.ingest.saved import load_mapping, saved_names

    out: dict[str, dict[str, str]] = {}
    for name in saved_names(db, kind):
        found = load_mapping(db, name)
        if found is not None:
            out[name] = found[1]
    return out
