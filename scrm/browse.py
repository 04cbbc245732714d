"""Read-only views of the database for the app's landing and Data pages.

Pure functions of ``db``: each runs a few parameterised, aggregate queries and
returns a small DataFrame or a frozen dataclass, so a cached loader can keep
the result and share it between sessions. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from scrm import schema as S

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

    >>> from scrm import store
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
    db: sqlite_utils.Database, import_id: int | None = None, limit: int | None = None
) -> pd.DataFrame:
    """Rejected rows with their spreadsheet row number, column, value and reason.

    Filtered to one import when ``import_id`` is given; ordered by import
    (newest first) then row number. ``limit`` caps the rows returned (the
    page shows a window, the download takes everything).
    """
    cols = ", ".join(f'"{c}"' for c in QUARANTINE_COLUMNS)
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
    return pd.DataFrame(rows, columns=list(QUARANTINE_COLUMNS))
