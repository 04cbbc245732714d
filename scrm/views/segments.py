"""What the Segments page shows, read from the derived tables (no Streamlit here).

Sources: ``customer_value`` (RFM scores and segment, frequency class, CLV;
:mod:`scrm.analysis.value`), ``segments`` and ``segment_profiles`` (clusters;
:mod:`scrm.analysis.segments`), ``customers`` (name, e-mail, marketing consent) and the
sentiment of the mentions written by each customer's linked profiles.

Filters (:class:`scrm.db.filters.Filters`):

- ``segment`` keeps the customers of that cluster everywhere;
- dates, brands, platforms and languages select the *mentions* whose
  sentiment the value-against-sentiment view averages. They do not change
  RFM or CLV: those are a snapshot at the analysis date of ``python -m scrm
  score`` (column ``as_of``), and cutting their orders by a date range would
  give different scores than every other screen and export.

Money is never added across currencies: each customer's revenue, average
order and CLV are in the currency of their orders (column ``currency``), and
every total or average over customers is given per currency, in columns
``revenue_<CODE>`` and ``avg_clv_<CODE>`` (main currency first, see
:func:`currencies`). Orders without a currency keep the plain ``revenue`` and
``avg_clv`` columns. A customer whose orders use several currencies gets a
joined code (``EUR+GBP``): their stored revenue mixes them, and it is shown
apart rather than counted as either.

Every function returns a new DataFrame and never changes its input.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from scrm.db import dialect, store
from scrm.db import schema as S
from scrm.db.filters import Filters, mentions_where, segment_where
from scrm.db.schema import FREQUENCY_CLASSES, RFM_SEGMENTS
from scrm.db.store import table_exists

log = logging.getLogger(__name__)

# Derived tables read here (written by scrm.analysis.value and scrm.analysis.segments).
CUSTOMER_VALUE = S.CUSTOMER_VALUE
SEGMENTS = S.SEGMENTS
SEGMENT_PROFILES = S.SEGMENT_PROFILES

# The columns of a customer list (the page's tables and the downloads).
LIST_COLUMNS = (
    "customer_id", "name", "email", "consent_marketing", "rfm_segment", "r_score", "f_score", "m_score",
    "frequency_class", "orders", "currency", "revenue", "aov", "clv", "clv_decile", "recency_days", "last_order_at",
    "segment_id",
)
# Per-customer money columns (in the customer's ``currency``) and the summed or
# averaged ones that get one column per currency.
MONEY_COLUMNS = ("revenue", "aov", "clv")
MONEY_SUMS = ("revenue", "avg_clv")

# Plain words for the centre of a cluster (segment_profiles.centre keys).
CENTRE_LABELS = {
    "recency_days": "centre_recency_days",
    "orders": "centre_orders",
    "revenue": "centre_revenue",
    "clv": "centre_clv",
    "mentions": "centre_mentions",
    "sentiment_90d": "centre_sentiment",
}


def _has_rows(db: sqlite_utils.Database, table: str) -> bool:
    return table_exists(db, table) and not store.is_empty(db, table)


def not_ready_reason(db: sqlite_utils.Database) -> str | None:
    """A sentence saying what to do when there is nothing to segment yet, else None.

    >>> not_ready_reason(store.open_db(":memory:"))
    'No orders yet. Import orders on the Data page or load the demo there; the scores follow in the background.'
    """
    if not _has_rows(db, S.ORDERS):
        return (
            "No orders yet. Import orders on the Data page or load the demo there; "
            "the scores follow in the background."
        )
    if not _has_rows(db, CUSTOMER_VALUE):
        return (
            "Customer value is not computed yet. RFM, CLV and segments follow in the background "
            "(or use Recompute now on the Settings page)."
        )
    return None


# The page's first run asks for the same customers three times (values, clusters,
# value x sentiment loaders): a second of SQL each at 100,000 customers. The
# answer of a database file is kept per data version and filters (every write
# bumps the version), the last few only, and handed out as copies.
_VALUES_MEMO: OrderedDict[tuple[str, int, Filters], pd.DataFrame] = OrderedDict()
_VALUES_MEMO_SIZE = 4
_VALUES_LOCK = threading.Lock()


def _memo_key(db: sqlite_utils.Database, f: Filters) -> tuple[str, int, Filters] | None:
    if dialect.is_postgres(db):
        files = [str(getattr(db, "url", ""))]  # the server's database, shared by every connection to it
    else:
        files = [str(r[2]) for r in db.execute("PRAGMA database_list").fetchall() if r[1] == "main"]  # sqlite-only
    if not files or not files[0]:
        return None  # an in-memory database: nothing outlives it, nothing to share
    return (files[0], store.data_version(db), f)


def customer_values(db: sqlite_utils.Database, f: Filters | None = None) -> pd.DataFrame:
    """One row per valued customer: ``customer_value`` with name, e-mail, consent and cluster.

    Customers missing from ``customers`` (orders imported alone) have no name
    and count as not consenting. ``f.segment`` keeps one cluster. Ordered by
    customer id.
    """
    f = f or Filters()
    key = _memo_key(db, f)
    if key is not None:
        with _VALUES_LOCK:
            if key in _VALUES_MEMO:
                _VALUES_MEMO.move_to_end(key)
                return _VALUES_MEMO[key].copy()
    values = _stored_values(db, f)
    if key is not None and _memo_key(db, f) == key:  # not if the data changed meanwhile
        with _VALUES_LOCK:
            _VALUES_MEMO[key] = values.copy()
            while len(_VALUES_MEMO) > _VALUES_MEMO_SIZE:
                _VALUES_MEMO.popitem(last=False)
    return values


def _values_summary_name(f: Filters) -> str:
    return f"segments:customer_values:{json.dumps(f.segment)}"


def _stored_values(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """The customers :func:`store_customer_values` kept for this data version, else read now.

    Reading 100,000 customers with their joins took a second or more of the Segments and
    Advocates pages' first run after a server start; their stored copy decodes in a tenth.
    Only ``score`` stores it (5 MB at that size): a page run reads it, never writes it.
    """
    from scrm.views import data as browse

    raw = browse.read_stored(db, _values_summary_name(f))
    if raw is not None:
        try:
            return browse.decode_frame(raw)
        except (ValueError, TypeError, KeyError, OSError) as e:  # a damaged row: read again
            log.info("stored customer values unreadable, reading them again: %s", e)
    return _read_values(db, f)


def store_customer_values(db: sqlite_utils.Database, f: Filters | None = None) -> None:
    """Store :func:`customer_values` of ``f`` (no filter by default) for the data version now
    (:func:`scrm.views.data.stored`), for the first page run after a server start."""
    from scrm.views import data as browse

    f = f or Filters()
    browse.stored(db, _values_summary_name(f), lambda: _read_values(db, f), browse.encode_frame, browse.decode_frame)


def _read_values(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    if not _has_rows(db, CUSTOMER_VALUE):
        return _empty_values()
    has_segments = table_exists(db, SEGMENTS)
    seg_col = "sg.segment_id" if has_segments else "NULL"
    seg_join = f"LEFT JOIN {SEGMENTS} sg ON sg.customer_id = cv.customer_id" if has_segments else ""
    where, params = segment_where(f, "cv.customer_id") if has_segments else ("1", [])
    if f.segment is not None and not has_segments:
        where = "0"  # a segment filter without clusters matches nobody
    frame = store.read_frame(
        db,
        f"""
        SELECT cv.customer_id, c.name, c.email, coalesce(c.consent_marketing, 0) AS consent_marketing,
               cv.rfm_segment, cv.r_score, cv.f_score, cv.m_score, cv.frequency_class, cv.orders, cv.revenue,
               cv.aov, cv.clv, cv.clv_decile, cv.recency_days, cv.last_order_at, {seg_col} AS segment_id, cv.as_of
        FROM {CUSTOMER_VALUE} cv
        LEFT JOIN {S.CUSTOMERS} c ON c.customer_id = cv.customer_id
        {seg_join}
        WHERE {where}
        ORDER BY cv.customer_id
        """,
        params,
    )
    if frame.empty:
        return _empty_values()
    codes = stored_customer_currencies(db)
    frame = frame.assign(currency=frame["customer_id"].astype(object).map(codes))
    return _typed_values(frame)


def customer_currencies(db: sqlite_utils.Database) -> pd.Series:
    """The currency of each customer's orders, indexed by customer_id.

    ``EUR+GBP`` (codes sorted, joined) for a customer who paid in several
    currencies; customers whose orders name none are left out (NaN on lookup).
    """
    # A plain scan and pandas' hashing: at a million orders SQLite's GROUP BY
    # (a sort, or an index walk with a table lookup per order) takes seconds.
    frame = store.read_frame(
        db, f"SELECT customer_id, currency FROM {S.ORDERS} WHERE customer_id IS NOT NULL AND currency IS NOT NULL"
    )
    if frame.empty:
        return pd.Series(dtype=object)
    codes = frame["currency"].astype(str).str.strip().str.upper()
    frame = pd.DataFrame({"customer_id": frame["customer_id"].astype(str), "currency": codes})
    frame = frame[frame["currency"] != ""].drop_duplicates()
    if frame.empty:
        return pd.Series(dtype=object)
    frame = frame.astype({"customer_id": object, "currency": object})
    single = ~frame["customer_id"].duplicated(keep=False)
    codes = frame[single].set_index("customer_id")["currency"]
    if not single.all():
        mixed = frame[~single].sort_values("currency").groupby("customer_id")["currency"].agg("+".join)
        codes = pd.concat([codes, mixed])
    return codes


def stored_customer_currencies(db: sqlite_utils.Database) -> pd.Series:
    """:func:`customer_currencies`, stored per data version (:func:`scrm.views.data.stored`): reading
    every order costs seconds at a million orders, on each of the page's first loaders."""
    from scrm.views import data as browse

    def encode(codes: pd.Series) -> bytes:
        return browse.encode_frame(pd.DataFrame({"customer_id": codes.index.astype(str), "currency": codes.astype(str)}))

    def decode(raw: bytes) -> pd.Series:
        frame = browse.decode_frame(raw).astype({"customer_id": object, "currency": object})
        return pd.Series(frame["currency"].to_numpy(dtype=object), index=pd.Index(frame["customer_id"], dtype=object), dtype=object)

    return browse.stored(db, "segments:customer_currencies", lambda: customer_currencies(db), encode, decode)


def currencies(values: pd.DataFrame) -> tuple[str | None, ...]:
    """The currencies of ``values``' customers, most customers first (the main one), then by
    code; None stands for customers whose orders name no currency.

    >>> currencies(pd.DataFrame({"currency": ["GBP", "EUR", "EUR", None]}))
    ('EUR', 'GBP', None)
    """
    if values.empty or "currency" not in values:
        return ()
    codes = values["currency"].astype(object).where(values["currency"].notna(), None)
    counts = codes.fillna("").value_counts()
    # No currency ("") after the codes of the same size.
    ranked = sorted(counts.items(), key=lambda item: (-int(item[1]), item[0] == "", str(item[0])))
    return tuple(str(code) if code else None for code, _ in ranked)


def money_column(base: str, currency: str | None) -> str:
    """The column of a per-currency total: ``revenue_EUR``; ``revenue`` without a currency.

    >>> money_column("avg_clv", "GBP"), money_column("revenue", None)
    ('avg_clv_GBP', 'revenue')
    """
    return f"{base}_{currency}" if currency else base


def money_columns(frame: pd.DataFrame, base: str) -> list[tuple[str, str | None]]:
    """``(column, currency)`` of each per-currency column of ``base`` in ``frame``, in its order."""
    out: list[tuple[str, str | None]] = []
    for column in frame.columns:
        if column == base:
            out.append((column, None))
        elif str(column).startswith(base + "_") and str(column)[len(base) + 1 :].replace("+", "").isupper():
            out.append((str(column), str(column)[len(base) + 1 :]))
    return out


def money_by_currency(values: pd.DataFrame) -> pd.DataFrame:
    """Customers, revenue and average CLV per currency (main currency first): the page's tiles.

    Columns: currency (None for orders without one), customers, revenue, avg_clv.
    """
    codes = currencies(values)
    if not codes:
        return pd.DataFrame(columns=["currency", "customers", "revenue", "avg_clv"])
    # One grouping pass ("" stands for no currency), then the rows in currencies() order.
    key = values["currency"].astype(object).where(values["currency"].notna(), "")
    grouped = values.groupby(key.to_numpy()).agg(customers=("customer_id", "size"), revenue=("revenue", "sum"), avg_clv=("clv", "mean"))
    rows = []
    records: dict[Any, dict[Any, Any]] = grouped.to_dict("index")
    for code in codes:
        customers, revenue, avg_clv = (records[code or ""][c] for c in ("customers", "revenue", "avg_clv"))
        rows.append(
            {
                "currency": code,
                "customers": int(customers),
                "revenue": round(float(revenue), 2),
                "avg_clv": None if pd.isna(avg_clv) else round(float(avg_clv), 2),
            }
        )
    return pd.DataFrame(rows, columns=["currency", "customers", "revenue", "avg_clv"])


def _money_by(values: pd.DataFrame, keys: list[str], codes: tuple[str | None, ...]) -> pd.DataFrame:
    """Revenue sum and CLV mean per ``keys`` group, one pair of columns per currency."""
    parts = []
    for code in codes:
        members = values[values["currency"].isna()] if code is None else values[values["currency"] == code]
        money = members.groupby(keys, dropna=True).agg(revenue=("revenue", "sum"), avg_clv=("clv", "mean"))
        parts.append(money.rename(columns={c: money_column(c, code) for c in MONEY_SUMS}))
    if not parts:
        return pd.DataFrame(columns=["revenue", "avg_clv"])
    return pd.concat(parts, axis=1)


def _empty_values() -> pd.DataFrame:
    return _typed_values(pd.DataFrame({c: [] for c in (*LIST_COLUMNS, "as_of")}))


def _typed_values(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if "currency" not in out:
        out["currency"] = None
    # pandas' text dtype (Arrow-backed; missing = NaN), not Python objects: the page's
    # cached loaders hand out a copy of this frame on every rerun, and unpickling
    # 100,000 rows of Python strings took 100 ms of the 300 a rerun may take.
    for c in ("customer_id", "name", "email", "rfm_segment", "frequency_class", "last_order_at", "as_of", "currency"):
        out[c] = out[c].astype(object).where(out[c].notna(), None).astype("str")
    for c in ("r_score", "f_score", "m_score", "orders", "clv_decile", "recency_days", "segment_id"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("Int64")
    for c in ("revenue", "aov", "clv"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    out["consent_marketing"] = pd.to_numeric(out["consent_marketing"], errors="coerce").fillna(0).astype(bool)
    return out


def analysis_date(values: pd.DataFrame) -> str | None:
    """The analysis date the values were computed at (``YYYY-MM-DD``), or None."""
    if values.empty or "as_of" not in values:
        return None
    dates = values["as_of"].dropna()
    return None if dates.empty else str(dates.iloc[0])


def rfm_grid(values: pd.DataFrame) -> pd.DataFrame:
    """The 5 x 5 recency-score x frequency-score grid: customers, revenue and average CLV per cell.

    Every cell is present (empty ones with 0 customers), so the heat map keeps
    its shape. ``share`` is the cell's part of all customers in ``values``.
    Revenue and average CLV come per currency (see the module docstring).
    """
    cells = pd.MultiIndex.from_product([range(5, 0, -1), range(1, 6)], names=["r_score", "f_score"])
    codes = currencies(values) or (None,)
    v = values.dropna(subset=["r_score", "f_score"]).astype({"r_score": "int64", "f_score": "int64"})
    grouped = pd.DataFrame(index=cells, data={"customers": v.groupby(["r_score", "f_score"]).size()})
    grouped = grouped.join(_money_by(v, ["r_score", "f_score"], codes)) if not v.empty else grouped
    out = grouped.reindex(cells).reset_index()
    out["customers"] = out["customers"].fillna(0).astype("int64")
    total = int(out["customers"].sum())
    out["share"] = (out["customers"] / total).round(3) if total else 0.0
    money = []
    for code in codes:
        revenue, avg_clv = money_column("revenue", code), money_column("avg_clv", code)
        out[revenue] = (out[revenue] if revenue in out else pd.Series(0.0, index=out.index)).astype(float).fillna(0.0).round(2)
        out[avg_clv] = (out[avg_clv] if avg_clv in out else pd.Series(np.nan, index=out.index)).astype(float).round(2)
        money += [revenue, avg_clv]
    return out[["r_score", "f_score", "customers", "share", *money]]


def _summary(values: pd.DataFrame, column: str, order: tuple[str, ...]) -> pd.DataFrame:
    total = len(values)
    codes = currencies(values) or (None,)
    money = [money_column(base, code) for code in codes for base in MONEY_SUMS]
    if values.empty:
        grouped = pd.DataFrame(columns=["customers", *money, "avg_orders", "avg_recency_days"])
    else:
        v = values.assign(
            orders_f=values["orders"].astype("float64"), recency_f=values["recency_days"].astype("float64")
        )
        grouped = v.groupby(column, dropna=True).agg(
            customers=("customer_id", "size"),
            avg_orders=("orders_f", "mean"),
            avg_recency_days=("recency_f", "mean"),
        )
        grouped = grouped.join(_money_by(v, [column], codes))
        grouped = grouped[["customers", *money, "avg_orders", "avg_recency_days"]]
    # Known names in their documented order, then anything else the table holds.
    names = [n for n in order if n in grouped.index] + sorted(str(n) for n in grouped.index if n not in order)
    out = grouped.reindex(names).reset_index(names=column)
    out[column] = out[column].astype(object)
    out["customers"] = out["customers"].astype("int64")
    # Three decimals: a share reads as 16.8 %, not 16.84 % next to 2.1 %.
    out.insert(2, "share", (out["customers"] / total).round(3) if total else 0.0)
    for c in money:
        out[c] = out[c].astype(float)
        out[c] = (out[c].fillna(0.0) if c.startswith("revenue") else out[c]).round(2)
    for c in ("avg_orders", "avg_recency_days"):
        out[c] = out[c].astype(float).round(2)
    return out


def rfm_segment_summary(values: pd.DataFrame) -> pd.DataFrame:
    """Per named RFM segment (in :data:`scrm.analysis.value.RFM_SEGMENTS` order): customers, share,
    revenue, average CLV, average orders and average days since the last order."""
    return _summary(values, "rfm_segment", RFM_SEGMENTS)


def frequency_class_summary(values: pd.DataFrame) -> pd.DataFrame:
    """Per purchase frequency class (frequent, sporadic, seasonal, one-off): the same figures."""
    return _summary(values, "frequency_class", FREQUENCY_CLASSES)


def cluster_profiles(db: sqlite_utils.Database, values: pd.DataFrame, f: Filters | None = None) -> pd.DataFrame:
    """One row per cluster: size, share, plain-word description, main platform, its centre
    as columns (``centre_recency_days``, ``centre_orders``, ``centre_clv``, ...) and the
    revenue and average CLV of its members in ``values``. ``f.segment`` keeps one cluster.
    ``description_message`` holds the description as a message (JSON) for the reader's language,
    when the segments were computed by a version that stores one."""
    f = f or Filters()
    if not _has_rows(db, SEGMENT_PROFILES):
        return pd.DataFrame(
            {c: [] for c in ("segment_id", "size", "share", "description", "main_platform", "revenue", "avg_clv")}
        )
    message = ", description_message" if "description_message" in dialect.columns(db, SEGMENT_PROFILES) else ""
    profiles = store.read_frame(
        db,
        f"SELECT segment_id, size, share, description{message}, main_platform, centre FROM {SEGMENT_PROFILES} "
        "ORDER BY segment_id",
    )
    if f.segment is not None:
        profiles = profiles[profiles["segment_id"] == f.segment]
    centres = pd.DataFrame([_centre(c) for c in profiles["centre"]], index=profiles.index)
    out = profiles.drop(columns="centre")
    for key, label in CENTRE_LABELS.items():
        out[label] = pd.to_numeric(centres[key], errors="coerce") if key in centres else np.nan
    out = out.dropna(axis=1, how="all") if not out.empty else out
    codes = currencies(values) or (None,)
    if values.empty or values["segment_id"].isna().all():
        for code in codes:
            out[money_column("revenue", code)], out[money_column("avg_clv", code)] = np.nan, np.nan
    else:
        members = values.dropna(subset=["segment_id"])
        money = _money_by(members.astype({"segment_id": "int64"}), ["segment_id"], codes)
        money.index = money.index.astype("int64")
        out = out.merge(money.astype(float).round(2), left_on="segment_id", right_index=True, how="left")
        for column, _ in money_columns(out, "revenue"):
            out[column] = out[column].fillna(0.0)  # no member in that currency: nothing earned
    out["segment_id"] = out["segment_id"].astype("int64")
    out["description"] = out["description"].astype(object)
    return out.reset_index(drop=True)


def _centre(text: object) -> dict[str, float]:
    try:
        centre = json.loads(str(text))
    except (TypeError, ValueError):
        return {}
    return centre if isinstance(centre, dict) else {}


def customer_sentiment(db: sqlite_utils.Database, f: Filters | None = None) -> pd.DataFrame:
    """Average sentiment of the mentions written by each customer's linked profiles.

    Columns: customer_id, mentions (scored ones), avg_sentiment (in [-1, 1]).
    Only confirmed links (status ``linked``) and scored mentions count; brand
    accounts' own posts are left out. Dates, brands, platforms and languages
    of ``f`` select the mentions.

    Stored per data version and filters (:func:`scrm.views.data.stored`): the
    join walks every mention, seconds at a million of them;
    :func:`compute_customer_sentiment` is the computation itself.
    """
    from scrm.views import data as browse

    f = f or Filters()
    name = "segments:customer_sentiment:" + json.dumps(dataclasses.asdict(f), sort_keys=True)

    def decode(raw: bytes) -> pd.DataFrame:
        frame = browse.decode_frame(raw)
        return frame.astype({"customer_id": object, "mentions": "int64", "avg_sentiment": "float64"})

    return browse.stored(db, name, lambda: compute_customer_sentiment(db, f), browse.encode_frame, decode)


def compute_customer_sentiment(db: sqlite_utils.Database, f: Filters | None = None) -> pd.DataFrame:
    """:func:`customer_sentiment`, computed from the mentions (never stored)."""
    f = f or Filters()
    empty = pd.DataFrame(
        {"customer_id": pd.Series(dtype=object), "mentions": pd.Series(dtype="int64"), "avg_sentiment": pd.Series(dtype="float64")}
    )
    if not (_has_rows(db, S.LINKS) and _has_rows(db, S.SENTIMENT)):
        return empty
    where, params = mentions_where(f, "m", sentiment_alias="s")
    # Mentions first (CROSS JOIN fixes the join order): each mention's author
    # id is computed once and looked up in the links' primary-key index,
    # instead of scanning every mention for every link.
    frame = store.read_frame(
        db,
        f"""
        SELECT l.customer_id, count(*) AS mentions, avg(s.score) AS avg_sentiment
        FROM {S.MENTIONS} m
        CROSS JOIN {S.LINKS} l
        JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        WHERE l.profile_id = coalesce(nullif(lower(trim(m.platform)), ''), 'other') || ':' || lower(ltrim(trim(m.author), '@'))
          AND l.status = ? AND coalesce(m.from_brand, 0) = 0 AND s.score IS NOT NULL AND {where}
        GROUP BY l.customer_id
        """,
        [S.LINKED, *params],
    )
    if frame.empty:
        return empty
    frame["customer_id"] = frame["customer_id"].astype(object)
    frame["mentions"] = frame["mentions"].astype("int64")
    frame["avg_sentiment"] = frame["avg_sentiment"].astype("float64").round(4)
    return frame


def value_sentiment(values: pd.DataFrame, sentiment: pd.DataFrame) -> pd.DataFrame:
    """Customers with both a CLV and scored mentions: the list columns plus mentions and avg_sentiment."""
    merged = values.dropna(subset=["clv"]).merge(sentiment, on="customer_id", how="inner")
    return merged.sort_values(["clv", "customer_id"], ascending=[False, True]).reset_index(drop=True)


def in_ranges(
    frame: pd.DataFrame, ranges: dict[str, tuple[float, float]]
) -> pd.DataFrame:
    """Rows whose columns lie within the given inclusive ranges (a chart's interval selection).

    >>> df = pd.DataFrame({"clv": [10.0, 50.0, 90.0], "avg_sentiment": [0.5, -0.2, 0.1]})
    >>> in_ranges(df, {"clv": (20, 100), "avg_sentiment": (0, 1)})["clv"].tolist()
    [90.0]
    """
    keep = pd.Series(True, index=frame.index)
    for column, (low, high) in ranges.items():
        lo, hi = min(low, high), max(low, high)
        keep &= frame[column].between(lo, hi)
    return frame[keep]


def customer_list(
    values: pd.DataFrame,
    *,
    rfm_segment: str | None = None,
    frequency_class: str | None = None,
    segment_id: int | None = None,
    r_score: int | None = None,
    f_score: int | None = None,
    consented_only: bool = False,
) -> pd.DataFrame:
    """The customers to show or download, highest CLV first, in :data:`LIST_COLUMNS`.

    ``consented_only`` keeps customers with ``customers.consent_marketing = 1``
    (the rest may not receive a campaign).
    """
    keep = _list_mask(values, rfm_segment, frequency_class, segment_id, r_score, f_score)
    if consented_only:
        keep = keep & values["consent_marketing"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return _listed(values, np.flatnonzero(keep))


def customer_list_with_consent(
    values: pd.DataFrame,
    *,
    consented_only: bool,
    rfm_segment: str | None = None,
    frequency_class: str | None = None,
    segment_id: int | None = None,
    r_score: int | None = None,
    f_score: int | None = None,
) -> tuple[pd.DataFrame, int]:
    """``(list, left out)``: :func:`customer_list`, and with ``consented_only`` what
    :func:`consent_split` of the whole list gives, without copying the whole list first.

    >>> values = pd.DataFrame({"customer_id": ["A", "B", "C"], "clv": [1.0, 3.0, 2.0],
    ...                        "consent_marketing": [True, False, True]})
    >>> shown, left_out = customer_list_with_consent(values, consented_only=True)
    >>> shown["customer_id"].tolist(), left_out
    (['C', 'A'], 1)
    """
    listing = customer_list_of(values, consented_only=consented_only, rfm_segment=rfm_segment,
                               frequency_class=frequency_class, segment_id=segment_id, r_score=r_score, f_score=f_score)
    return listing.frame(), listing.left_out


@dataclasses.dataclass(frozen=True, eq=False)
class CustomerList:
    """A customer list as a page needs it: its size, its first rows on screen, and the whole
    list (:func:`customer_list`'s frame) built only when asked for, e.g. by a download.

    Ordering 100,000 customers and copying their rows cost a warm rerun of the
    Segments page most of its time, five lists per run, for tables that show
    the first thousand; :meth:`head` orders only the rows it returns.
    """

    values: pd.DataFrame
    rows: np.ndarray  # positions in ``values`` of the list's customers, in ``values``' order
    left_out: int = 0  # left out for want of marketing consent

    def __len__(self) -> int:
        return len(self.rows)

    def frame(self) -> pd.DataFrame:
        """The whole list, highest CLV first (as :func:`customer_list`)."""
        return _listed(self.values, self.rows)

    def head(self, n: int) -> pd.DataFrame:
        """The first ``n`` rows of :meth:`frame`, without ordering the rest."""
        if n <= 0:
            return self.values[_list_columns(self.values)].iloc[0:0].reset_index(drop=True)
        if n >= len(self.rows) or not _ids_ascending(self.values):
            return self.frame().head(n)
        keys = _clv_keys(self.values, self.rows)
        # Every row of the first n has a key at most the n-th smallest: order only those.
        nth = np.partition(keys, n - 1)[n - 1]
        candidates = np.flatnonzero(keys <= nth)
        order = candidates[np.argsort(keys[candidates], kind="stable")][:n]
        return self.values[_list_columns(self.values)].iloc[self.rows[order]].reset_index(drop=True)


def customer_list_of(
    values: pd.DataFrame,
    *,
    consented_only: bool,
    rfm_segment: str | None = None,
    frequency_class: str | None = None,
    segment_id: int | None = None,
    r_score: int | None = None,
    f_score: int | None = None,
) -> CustomerList:
    """:func:`customer_list_with_consent` as a :class:`CustomerList` (no rows copied yet).

    >>> values = pd.DataFrame({"customer_id": ["A", "B", "C"], "clv": [1.0, 3.0, 2.0],
    ...                        "consent_marketing": [True, False, True]})
    >>> listing = customer_list_of(values, consented_only=True)
    >>> len(listing), listing.left_out, listing.head(1)["customer_id"].tolist()
    (2, 1, ['C'])
    """
    keep = _list_mask(values, rfm_segment, frequency_class, segment_id, r_score, f_score)
    if not consented_only:
        return CustomerList(values, np.flatnonzero(keep))
    if CONSENT_COLUMN not in values.columns:
        return CustomerList(values, np.flatnonzero(np.zeros(len(values), dtype=bool)), int(keep.sum()))
    consent = values[CONSENT_COLUMN].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return CustomerList(values, np.flatnonzero(keep & consent), int(keep.sum() - (keep & consent).sum()))


def _list_mask(
    values: pd.DataFrame,
    rfm_segment: str | None,
    frequency_class: str | None,
    segment_id: int | None,
    r_score: int | None,
    f_score: int | None,
) -> np.ndarray:
    """The rows of ``values`` a list keeps (a boolean array)."""
    keep = pd.Series(True, index=values.index)
    if rfm_segment is not None:
        keep &= values["rfm_segment"] == rfm_segment
    if frequency_class is not None:
        keep &= values["frequency_class"] == frequency_class
    for column, wanted in (("segment_id", segment_id), ("r_score", r_score), ("f_score", f_score)):
        if wanted is not None:
            keep &= values[column] == wanted
    # Nullable columns compare to <NA>: an unknown value does not match.
    return np.asarray(keep.fillna(False).astype(bool).to_numpy(), dtype=bool)


def _list_columns(values: pd.DataFrame) -> list[str]:
    return [c for c in LIST_COLUMNS if c in values] + [c for c in ("mentions", "avg_sentiment") if c in values]


def _ids_ascending(values: pd.DataFrame) -> bool:
    """Whether ``values`` is in customer-id order (no id missing), as :func:`customer_values` hands it out.

    Asked for every list of every rerun, of a fresh copy of the frame: Arrow's comparison
    answers in a fifth of the time of pandas' ``is_monotonic_increasing`` (5 ms at 100,000 rows).
    """
    ids = values["customer_id"]
    if len(ids) < 2 or not hasattr(ids.array, "__arrow_array__"):
        return bool(ids.is_monotonic_increasing)
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = ids.array.__arrow_array__()
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    if arrow.null_count:
        return False
    return bool(pc.all(pc.less_equal(arrow[:-1], arrow[1:])).as_py())


def _clv_keys(values: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Sort keys of the rows at ``rows``: highest CLV first, no CLV last."""
    clv = values["clv"].to_numpy(dtype="float64", na_value=np.nan)[rows]
    return np.where(np.isnan(clv), np.inf, -clv)


def _listed(values: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """The rows at positions ``rows`` of ``values``, highest CLV first, in the list's columns."""
    columns = _list_columns(values)
    if _ids_ascending(values):
        # Already in customer-id order (customer_values' order): a stable sort on CLV
        # alone keeps it within ties, and one take moves the rows once. At 100,000
        # customers this is most of the page's warm rerun, five lists per run.
        order = np.argsort(_clv_keys(values, rows), kind="stable")
        # Columns first: one take of the rows (taking every column, then choosing, copied the rows twice).
        return values[columns].iloc[rows[order]].reset_index(drop=True)
    out = values[columns].iloc[rows]
    return out.sort_values(["clv", "customer_id"], ascending=[False, True], na_position="last").reset_index(drop=True)


CONSENT_COLUMN = "consent_marketing"


def consent_split(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``(the rows that may receive marketing, how many were left out)`` of a campaign list.

    Only ``consent_marketing`` true counts as consent: false, unknown (no
    customer record, an empty cell) and a frame without the column leave a
    row out. Pure: ``frame`` is not changed; the kept rows keep their order.

    >>> kept, left_out = consent_split(pd.DataFrame({"customer_id": ["A", "B", "C"],
    ...                                              "consent_marketing": [True, None, False]}))
    >>> kept["customer_id"].tolist(), left_out
    (['A'], 2)
    """
    if CONSENT_COLUMN not in frame.columns:
        return frame.iloc[0:0], len(frame)
    consent = frame[CONSENT_COLUMN].astype("boolean").fillna(False).astype(bool)
    kept = frame[consent.to_numpy()].reset_index(drop=True)
    return kept, len(frame) - len(kept)
