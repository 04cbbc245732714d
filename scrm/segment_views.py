"""What the Segments page shows, read from the derived tables (no Streamlit here).

Sources: ``customer_value`` (RFM scores and segment, frequency class, CLV;
:mod:`scrm.value`), ``segments`` and ``segment_profiles`` (clusters;
:mod:`scrm.segments`), ``customers`` (name, e-mail, marketing consent) and the
sentiment of the mentions written by each customer's linked profiles.

Filters (:class:`scrm.filters.Filters`):

- ``segment`` keeps the customers of that cluster everywhere;
- dates, brands, platforms and languages select the *mentions* whose
  sentiment the value-against-sentiment view averages. They do not change
  RFM or CLV: those are a snapshot at the analysis date of ``python -m scrm
  score`` (column ``as_of``), and cutting their orders by a date range would
  give different scores than every other screen and export.

Every function returns a new DataFrame and never changes its input.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import sqlite_utils

from scrm import schema as S
from scrm import store
from scrm.filters import Filters, mentions_where, segment_where
from scrm.value import FREQUENCY_CLASSES, RFM_SEGMENTS

log = logging.getLogger(__name__)

# Derived tables read here (written by scrm.value and scrm.segments).
CUSTOMER_VALUE = "customer_value"
SEGMENTS = "segments"
SEGMENT_PROFILES = "segment_profiles"

SCORE_COMMAND = "python -m scrm score"

# The columns of a customer list (the page's tables and the downloads).
LIST_COLUMNS = (
    "customer_id", "name", "email", "consent_marketing", "rfm_segment", "r_score", "f_score", "m_score",
    "frequency_class", "orders", "revenue", "aov", "clv", "clv_decile", "recency_days", "last_order_at", "segment_id",
)

# Plain words for the centre of a cluster (segment_profiles.centre keys).
CENTRE_LABELS = {
    "recency_days": "centre_recency_days",
    "orders": "centre_orders",
    "revenue": "centre_revenue",
    "clv": "centre_clv",
    "mentions": "centre_mentions",
    "sentiment_90d": "centre_sentiment",
}


def table_exists(db: sqlite_utils.Database, table: str) -> bool:
    """Whether ``table`` is in the database."""
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone() is not None


def _has_rows(db: sqlite_utils.Database, table: str) -> bool:
    return table_exists(db, table) and not store.is_empty(db, table)


def not_ready_reason(db: sqlite_utils.Database) -> str | None:
    """A sentence saying what to do when there is nothing to segment yet, else None.

    >>> not_ready_reason(store.open_db(":memory:"))
    'No orders yet. Import orders on the Data page or load the demo (`python -m scrm demo`), then run `python -m scrm score`.'
    """
    if not _has_rows(db, S.ORDERS):
        return (
            "No orders yet. Import orders on the Data page or load the demo (`python -m scrm demo`), "
            f"then run `{SCORE_COMMAND}`."
        )
    if not _has_rows(db, CUSTOMER_VALUE):
        return (
            "Customer value is not computed yet. Run `python -m scrm score` to score RFM, CLV and segments, "
            "then reload this page."
        )
    return None


def customer_values(db: sqlite_utils.Database, f: Filters | None = None) -> pd.DataFrame:
    """One row per valued customer: ``customer_value`` with name, e-mail, consent and cluster.

    Customers missing from ``customers`` (orders imported alone) have no name
    and count as not consenting. ``f.segment`` keeps one cluster.
    """
    f = f or Filters()
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
    return _typed_values(frame)


def _empty_values() -> pd.DataFrame:
    return _typed_values(pd.DataFrame({c: [] for c in (*LIST_COLUMNS, "as_of")}))


def _typed_values(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in ("customer_id", "name", "email", "rfm_segment", "frequency_class", "last_order_at", "as_of"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
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
    """
    cells = pd.MultiIndex.from_product([range(5, 0, -1), range(1, 6)], names=["r_score", "f_score"])
    if values.empty:
        grouped = pd.DataFrame(index=cells, data={"customers": 0, "revenue": 0.0, "avg_clv": np.nan})
    else:
        v = values.dropna(subset=["r_score", "f_score"]).astype({"r_score": "int64", "f_score": "int64"})
        grouped = v.groupby(["r_score", "f_score"]).agg(
            customers=("customer_id", "size"), revenue=("revenue", "sum"), avg_clv=("clv", "mean")
        )
        grouped = grouped.reindex(cells)
        grouped["customers"] = grouped["customers"].fillna(0)
        grouped["revenue"] = grouped["revenue"].fillna(0.0)
    out = grouped.reset_index()
    out["customers"] = out["customers"].astype("int64")
    total = int(out["customers"].sum())
    out["share"] = (out["customers"] / total).round(3) if total else 0.0
    out["revenue"] = out["revenue"].astype(float).round(2)
    out["avg_clv"] = out["avg_clv"].astype(float).round(2)
    return out[["r_score", "f_score", "customers", "share", "revenue", "avg_clv"]]


def _summary(values: pd.DataFrame, column: str, order: tuple[str, ...]) -> pd.DataFrame:
    total = len(values)
    if values.empty:
        grouped = pd.DataFrame(columns=["customers", "revenue", "avg_clv", "avg_orders", "avg_recency_days"])
    else:
        v = values.assign(
            orders_f=values["orders"].astype("float64"), recency_f=values["recency_days"].astype("float64")
        )
        grouped = v.groupby(column, dropna=True).agg(
            customers=("customer_id", "size"),
            revenue=("revenue", "sum"),
            avg_clv=("clv", "mean"),
            avg_orders=("orders_f", "mean"),
            avg_recency_days=("recency_f", "mean"),
        )
    # Known names in their documented order, then anything else the table holds.
    names = [n for n in order if n in grouped.index] + sorted(str(n) for n in grouped.index if n not in order)
    out = grouped.reindex(names).reset_index(names=column)
    out[column] = out[column].astype(object)
    out["customers"] = out["customers"].astype("int64")
    # Three decimals: a share reads as 16.8 %, not 16.84 % next to 2.1 %.
    out.insert(2, "share", (out["customers"] / total).round(3) if total else 0.0)
    out["revenue"] = out["revenue"].astype(float).round(2)
    for c in ("avg_clv", "avg_orders", "avg_recency_days"):
        out[c] = out[c].astype(float).round(2)
    return out


def rfm_segment_summary(values: pd.DataFrame) -> pd.DataFrame:
    """Per named RFM segment (in :data:`scrm.value.RFM_SEGMENTS` order): customers, share,
    revenue, average CLV, average orders and average days since the last order."""
    return _summary(values, "rfm_segment", RFM_SEGMENTS)


def frequency_class_summary(values: pd.DataFrame) -> pd.DataFrame:
    """Per purchase frequency class (frequent, sporadic, seasonal, one-off): the same figures."""
    return _summary(values, "frequency_class", FREQUENCY_CLASSES)


def cluster_profiles(db: sqlite_utils.Database, values: pd.DataFrame, f: Filters | None = None) -> pd.DataFrame:
    """One row per cluster: size, share, plain-word description, main platform, its centre
    as columns (``centre_recency_days``, ``centre_orders``, ``centre_clv``, ...) and the
    revenue and average CLV of its members in ``values``. ``f.segment`` keeps one cluster."""
    f = f or Filters()
    if not _has_rows(db, SEGMENT_PROFILES):
        return pd.DataFrame(
            {c: [] for c in ("segment_id", "size", "share", "description", "main_platform", "revenue", "avg_clv")}
        )
    profiles = store.read_frame(
        db, f"SELECT segment_id, size, share, description, main_platform, centre FROM {SEGMENT_PROFILES} ORDER BY segment_id"
    )
    if f.segment is not None:
        profiles = profiles[profiles["segment_id"] == f.segment]
    centres = pd.DataFrame([_centre(c) for c in profiles["centre"]], index=profiles.index)
    out = profiles.drop(columns="centre")
    for key, label in CENTRE_LABELS.items():
        out[label] = pd.to_numeric(centres[key], errors="coerce") if key in centres else np.nan
    out = out.dropna(axis=1, how="all") if not out.empty else out
    if values.empty or values["segment_id"].isna().all():
        out["revenue"], out["avg_clv"] = np.nan, np.nan
    else:
        money = values.dropna(subset=["segment_id"]).groupby("segment_id").agg(revenue=("revenue", "sum"), avg_clv=("clv", "mean"))
        money.index = money.index.astype("int64")
        out = out.merge(money.round(2), left_on="segment_id", right_index=True, how="left")
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
    """
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
    keep = pd.Series(True, index=values.index)
    if rfm_segment is not None:
        keep &= values["rfm_segment"] == rfm_segment
    if frequency_class is not None:
        keep &= values["frequency_class"] == frequency_class
    for column, wanted in (("segment_id", segment_id), ("r_score", r_score), ("f_score", f_score)):
        if wanted is not None:
            keep &= values[column] == wanted
    if consented_only:
        keep &= values["consent_marketing"]
    columns = [c for c in LIST_COLUMNS if c in values] + [c for c in ("mentions", "avg_sentiment") if c in values]
    # Nullable columns compare to <NA>: an unknown value does not match.
    out = values.loc[keep.fillna(False).astype(bool), columns]
    return out.sort_values(["clv", "customer_id"], ascending=[False, True], na_position="last").reset_index(drop=True)
