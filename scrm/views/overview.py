"""What the Overview page and the stakeholder report read: KPIs against the previous period, trends, movers.

Pure read functions of ``db`` and a :class:`~scrm.db.filters.Filters`; each
returns a small DataFrame or a frozen dataclass that a cached loader can keep
and share between sessions. Nothing imports Streamlit. The ``stored_*``
variants keep their answers in the derived table ``page_summaries`` for the
data version (:func:`scrm.views.data.stored`), so the first page after a server
start reads a few kilobytes instead of scanning a million mentions;
:func:`refresh_page_summaries` fills them for the default view at score time.

The comparison
--------------
Every figure compares two periods of the same length (:func:`resolve_periods`):
the filter's date range and the one just before it. A filter without dates
compares the last N days of data (the Settings page's default period,
:func:`scrm.db.settings.default_period_days`) with the days before them. The
data decides "today" (the demo and real exports are not of this week), and
the sources must agree on it (:func:`agreed_last_day`): the period ends on
the last day that both mentions and orders reach, so four orders imported
after the last mention do not cut the mentions' last days out of a
comparison and paint every tile red. A KPI whose source does not cover both
periods (its data starts after the previous period begins, or ends before
this one does) shows no change, and its note says why.

How the global filters apply
----------------------------
- dates, brand, platform and language filter the mentions (the language is the
  detected one, ``sentiment.lang``); share of voice ignores the brand filter,
  because it is the comparison between brands;
- the segment filters customers: orders, revenue, customers, NPS answers, CLV
  and the roles of profiles linked to a customer of the segment. Mentions are
  not filtered by segment (most authors are not linked to a customer);
- the platform filter also keeps the roles (advocates, detractors) of that platform.

KPI values come from the KPI dictionary (:data:`scrm.views.kpis.KPIS`): the same
``compute`` functions run on the filtered frames, so a tile, the CLI's
``report kpis`` and the report never disagree on a formula.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from scrm.analysis.segments_words import description_message
from scrm.analysis.subjects import subject_name
from scrm.db import dialect, store, summaries
from scrm.db import schema as S
from scrm.db import settings as business
from scrm.db.filters import Filters, describe, format_day, mentions_where
from scrm.db.store import table_exists
from scrm.i18n import formats as F
from scrm.i18n import t
from scrm.i18n.messages import Message
from scrm.views import data as browse
from scrm.views import kpis

log = logging.getLogger(__name__)

# A filter without dates compares the last 30 days of data with the 30 before (unless Settings says otherwise).
DEFAULT_DAYS = business.DEFAULT_PERIOD_DAYS
# The sources a period's end must agree on, and what each KPI reads (for "no data to compare with").
SOURCES: dict[str, tuple[str, str, str]] = {
    "mentions": (S.MENTIONS, "posted_at", "coalesce(from_brand, 0) != 1"),
    "orders": (S.ORDERS, "ordered_at", "1 = 1"),
    "survey answers": (S.SURVEYS, "answered_at", "1 = 1"),
}
AGREEING_SOURCES = ("mentions", "orders")  # survey answers are too sparse to end a period
KPI_SOURCES: dict[str, str] = {
    **dict.fromkeys(
        ("mentions", "unique_authors", "reach", "engagement_rate", "amplification_rate", "applause_rate",
         "conversation_rate", "share_of_voice", "net_sentiment", "positive_ratio", "response_rate",
         "median_first_response_minutes"), "mentions"),
    **dict.fromkeys(
        ("active_customers", "new_customers", "orders", "revenue", "aov", "purchase_frequency", "repeat_rate",
         "churn_rate", "social_linked_revenue_share"), "orders"),
    "nps": "survey answers",
}  # fmt: skip
# The KPI tiles of the Overview, in reading order: listening, then customers, then relationships.
TILE_KEYS: tuple[str, ...] = (
    "mentions",
    "reach",
    "net_sentiment",
    "share_of_voice",
    "revenue",
    "active_customers",
    "repeat_rate",
    "nps",
    "response_rate",
    "avg_clv",
    "advocates",
    "detractors",
)
# KPIs that describe the state at the last `score`, not a period: no change, no sparkline.
SNAPSHOT_KEYS = frozenset({"avg_clv", "advocates", "detractors"})
# Sparklines: one point per 7 days ending on the last day of the range (so the
# newest point is a whole week, never a partial one), at least 8 and at most 52.
MIN_SPARK_WEEKS, MAX_SPARK_WEEKS = 8, 52
# Trends show at least half a year, so a 30-day comparison has its context.
MIN_TREND_WEEKS = 26
# A topic, author or segment needs this many scored mentions in both periods
# before its net sentiment change is ranked: 2 of 3 mentions turning negative is noise.
MIN_SCORED_FOR_SENTIMENT = 10
TOP_MOVERS = 5
# Authors summed first when ranking author movers (the loudest by mentions over every day): at a million
# mentions, the movers of a long range are among them and the few hundred thousand others are never read.
LOUD_AUTHORS = 5000

# The detail of an alert's sentence: [plural, singular] per kind of alert.
ALERT_SENTENCES = {
    "vip": ["{n} negative mentions by a top-decile customer", "{n} negative mention by a top-decile customer"],
    "named": ["the workflow rule “{rule}” matched {n} mentions that day", "the workflow rule “{rule}” matched {n} mention that day"],
    "unnamed": ["the workflow rule matched {n} mentions that day", "the workflow rule matched {n} mention that day"],
    "negative": ["{n} negative mentions on the peak day", "{n} negative mentions on the peak day"],
    "volume": ["{n} mentions on the peak day", "{n} mentions on the peak day"],
}
ALERT_KIND_NAMES = {
    "volume": "Volume spike",
    "negative": "Negative-sentiment spike",
    "vip_detractor": "VIP detractor",
    S.ALERT_RULE: "Workflow rule",
}
MOVER_KINDS = ("topics", "authors", "segments")
MOVER_COLUMNS = (
    "kind",
    "key",
    "label",
    "platform",
    "now",
    "before",
    "change",
    "change_pct",
    "net_now",
    "net_before",
    "net_change",
    "scored_now",
    "scored_before",
    "subject",
)
# A topic mover that stands for a subject's themes in every language is keyed "subject:<key>" (scrm.analysis.subjects).
SUBJECT_KEY_PREFIX = "subject:"
TREND_COLUMNS = ("week", "brand", "mentions", "scored", "positive", "negative", "net_sentiment", "partial")
ALERT_COLUMNS = (
    "alert_id",
    "severity",
    "kind",
    "what",
    "brand",
    "platform",
    "period_start",
    "period_end",
    "value",
    "baseline",
    "top_authors",
    "top_topics",
    "top_mention",
)


@dataclass(frozen=True)
class Periods:
    """The range the figures describe and the one of the same length just before it.

    ``current`` and ``previous`` are the caller's filters with both dates set;
    ``assumed`` is True when the dates were chosen here (the filter had none,
    or only one end), and ``note`` then says which dates were taken and why.
    """

    current: Filters
    previous: Filters
    assumed: bool
    note: str | None
    # (source, first day, last day) of each source with data: what "no data to compare with" is judged on.
    coverage: tuple[tuple[str, str, str], ...] = ()

    @property
    def days(self) -> int:
        """Length of each period in days."""
        return _days(self.current)


def _days(f: Filters) -> int:
    assert f.date_from and f.date_to
    return (dt.date.fromisoformat(f.date_to) - dt.date.fromisoformat(f.date_from)).days + 1


def _day_after(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def _shift(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def data_coverage(db: sqlite_utils.Database) -> tuple[tuple[str, str, str], ...]:
    """(source, first day, last day) of every source of :data:`SOURCES` that has dated rows."""
    out = []
    for name, (table, column, where) in SOURCES.items():
        # The first and the last row by the indexed column, each found by walking the index from
        # its end (min() and max() in one query, or with a WHERE, scan every row: 0.3 s a page
        # start at a million mentions). NULLs are left out, as min() and max() leave them out.
        ends = [
            f'(SELECT "{column}" FROM "{table}" WHERE {where} AND "{column}" IS NOT NULL ORDER BY "{column}" {way} LIMIT 1)'
            for way in ("ASC", "DESC")
        ]
        row = db.execute(f"SELECT {ends[0]}, {ends[1]}").fetchone()
        if row is not None and row[0] is not None and row[1] is not None:
            out.append((name, str(row[0])[:10], str(row[1])[:10]))
    return tuple(out)


def last_data_day(db: sqlite_utils.Database) -> str | None:
    """The last day with a mention (not by a brand account) or an order; None when there is none."""
    ends = [last for name, _, last in data_coverage(db) if name in AGREEING_SOURCES]
    return max(ends) if ends else None


def agreed_last_day(
    coverage: tuple[tuple[str, str, str], ...], days: int = DEFAULT_DAYS
) -> tuple[str | None, str | None]:
    """The last day a default period ends on, and a sentence when a source ends elsewhere.

    Mentions and orders must agree: the period ends on the earlier of their
    last days, so neither source's last days are missing from it. When one
    source stopped long ago (more than a period before the other), waiting
    for it would show stale figures: the period then ends with the newer
    source and the sentence says which source ends earlier and by how much.

    >>> agreed_last_day((("mentions", "2026-01-01", "2026-10-05"), ("orders", "2026-01-01", "2026-10-09")))
    ('2026-10-05', 'Orders run 4 days past the last mention (to 9 Oct 2026); the period ends on 5 Oct 2026, the last day both reach.')
    >>> agreed_last_day(())
    (None, None)
    """
    ends = {name: last for name, _, last in coverage if name in AGREEING_SOURCES}
    if not ends:
        return None, None
    earliest, latest = min(ends.values()), max(ends.values())
    if earliest == latest or len(ends) < 2:
        return latest, None
    early = min(ends, key=lambda n: (ends[n], n))
    late = max(ends, key=lambda n: (ends[n], n))
    gap = (dt.date.fromisoformat(latest) - dt.date.fromisoformat(earliest)).days
    singular = {"mentions": "mention", "orders": "order"}
    if gap > days:
        return latest, (
            f"{early.capitalize()} end {gap} days earlier than {late} (on {format_day(earliest)}): "
            f"{early} figures of this period are incomplete and show no change."
        )
    return earliest, (
        f"{late.capitalize()} run {gap} day{'s' if gap != 1 else ''} past the last {singular.get(early, early)} "
        f"(to {format_day(latest)}); the period ends on {format_day(earliest)}, the last day both reach."
    )


def default_period(db: sqlite_utils.Database) -> tuple[str, str, str | None] | None:
    """The default period every page shows (first day, last day, a note on the sources); None without data."""
    days = business.default_period_days(db)
    last, note = agreed_last_day(data_coverage(db), days)
    if last is None:
        return None
    return _shift(last, -(days - 1)), last, note


def resolve_periods(
    db: sqlite_utils.Database, f: Filters, *, default_days: int | None = None
) -> Periods | None:
    """The two periods to compare for ``f``; None when ``f`` has no dates and the data has none either.

    >>> from scrm.db import store
    >>> p = resolve_periods(store.open_db(":memory:"), Filters(date_from="2026-10-01", date_to="2026-10-31"))
    >>> (p.previous.date_from, p.previous.date_to, p.assumed)
    ('2026-08-31', '2026-09-30', False)
    """
    coverage = data_coverage(db)
    if f.date_from and f.date_to:
        previous = f.previous_period()
        assert previous is not None
        return Periods(f, previous, assumed=False, note=None, coverage=coverage)
    default_days = default_days or business.default_period_days(db)
    last, source_note = agreed_last_day(coverage, default_days)
    if f.date_from:
        end = last if last and last >= f.date_from else f.date_from
        current = f.with_dates(f.date_from, end)
        # The sidebar leaves out an end date equal to the data's last day (so links follow
        # new data): the heading's dates say it all, but for sources that end elsewhere.
        note = source_note
    elif f.date_to:
        current = f.with_dates(_shift(f.date_to, -(default_days - 1)), f.date_to)
        note = (
            f"The range has no start date: the figures cover the {default_days} days up to "
            f"{format_day(f.date_to)}, compared with the {default_days} days before."
        )
    else:
        if last is None:
            return None
        current = f.with_dates(_shift(last, -(default_days - 1)), last)
        note = (
            f"No date range is selected: the figures cover the last {default_days} days of data "
            f"({format_day(current.date_from or last)} to {format_day(last)}) and compare them with the "
            f"{default_days} days before."
        )
        if source_note:
            note = f"{note} {source_note}"
    previous = current.previous_period()
    assert previous is not None
    return Periods(current, previous, assumed=True, note=note, coverage=coverage)


def comparison_gap(periods: Periods, key: str) -> str | None:
    """Why KPI ``key`` cannot be compared between the two periods (its source does not cover both); None when it can.

    >>> p = Periods(Filters("2026-10-01", "2026-10-30"), Filters("2026-09-01", "2026-09-30"), False, None,
    ...             (("mentions", "2026-09-20", "2026-10-30"),))
    >>> comparison_gap(p, "mentions")
    'no comparison: mentions start on 20 Sep 2026, after the previous period begins (1 Sep 2026)'
    """
    source = KPI_SOURCES.get(key)
    span = {name: (first, last) for name, first, last in periods.coverage}
    if source is None or source not in span:
        return None
    first, last = span[source]
    prev_from, cur_to = periods.previous.date_from, periods.current.date_to
    if prev_from and first > prev_from:
        return f"no comparison: {source} start on {format_day(first)}, after the previous period begins ({format_day(prev_from)})"
    if cur_to and last < cur_to:
        gap = (dt.date.fromisoformat(cur_to) - dt.date.fromisoformat(last)).days
        return (
            f"no comparison: {source} end on {format_day(last)}, {gap} day{'s' if gap != 1 else ''} before this "
            "period ends, so this period is incomplete"
        )
    return None


# --- KPI frames ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frames:
    """The KPI context of a whole span plus what slicing it needs (see :func:`_load_frames`)."""

    context: kpis.KPIContext  # filtered by brand, platform, language and segment
    all_brands: pd.DataFrame  # the span's mentions before the brand filter (share of voice)
    sentiment_day: pd.DataFrame  # mention_id, posted_at, label (filtered like context.mentions)
    surveys: pd.DataFrame  # score, answered_at (segment-filtered)
    segment_note: str | None
    # The sorted day text of each frame above (mentions, orders, all_brands, sentiment, surveys): see _cut.
    keys: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)


def _filtered_mention_ids(db: sqlite_utils.Database, f: Filters) -> set[str]:
    where, params = mentions_where(f, "m", sentiment_alias="s")
    rows = db.execute(
        f"SELECT m.mention_id FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id "
        f"WHERE coalesce(m.from_brand, 0) != 1 AND {where}",
        params,
    ).fetchall()
    return {str(r[0]) for r in rows}


def _segment_customers(db: sqlite_utils.Database, segment: int) -> set[str] | None:
    if not table_exists(db, S.SEGMENTS):
        return None
    return {str(r[0]) for r in db.execute(f"SELECT customer_id FROM {S.SEGMENTS} WHERE segment_id = ?", [segment])}


def _load_frames(
    db: sqlite_utils.Database, f: Filters, date_from: str, date_to: str, *, summarised: bool = False
) -> _Frames:
    """The KPI frames of ``date_from``..``date_to`` with the filters applied (dates of ``f`` ignored).

    ``summarised``: the caller answers :data:`scrm.views.kpis.SUMMARY_KEYS` from the summaries,
    so the reads only those KPIs need (the range's mentions, orders, surveys; every customer)
    are skipped and their frames are empty.
    """
    context = kpis.load_context(db, date_from, date_to, customers=not summarised, rows=not summarised)
    span = f.with_dates(date_from, date_to)
    mentions = context.mentions
    sentiment = context.sentiment
    if (f.platforms or f.langs) and not summarised:
        ids = _filtered_mention_ids(db, dataclasses.replace(span, brands=()))
        mentions = mentions[mentions["mention_id"].astype(object).isin(ids)]
    all_brands = mentions
    if f.brands:
        mentions = mentions[mentions["brand"].isin(f.brands)]
    sentiment = sentiment[sentiment["mention_id"].astype(object).isin(mentions["mention_id"].astype(object).to_numpy())]
    days = mentions.set_index("mention_id")["posted_at"]
    sentiment_day = sentiment.assign(posted_at=sentiment["mention_id"].map(days))

    where, params = kpis._range_sql("answered_at", date_from, date_to)
    if summarised:
        where += " AND 1 = 0"
    surveys = store.read_frame(
        db, f"SELECT score, answered_at, customer_id FROM {S.SURVEYS} WHERE {where}", params
    )
    surveys = kpis._with_columns(surveys, ["score", "answered_at", "customer_id"])

    changes: dict[str, Any] = {}
    segment_note = None
    if f.segment is not None:
        members = _segment_customers(db, f.segment)
        if members is None:
            segment_note = "Segments are not computed yet, so the segment filter is not applied until the scores are recomputed."
        else:
            keep = members

            def own(frame: pd.DataFrame | None) -> pd.DataFrame | None:
                if frame is None or "customer_id" not in frame.columns:
                    return frame
                return frame[frame["customer_id"].isin(keep)]

            changes.update(
                orders=own(context.orders),
                previous_orders=own(context.previous_orders),
                first_orders=own(context.first_orders),
                customers=own(context.customers),
                customer_value=own(context.customer_value),
                roles=own(context.roles),
                linked_customers=context.linked_customers & frozenset(keep),
            )
            surveys = surveys[surveys["customer_id"].isin(keep)]
    roles = changes.get("roles", context.roles)
    if f.platforms and roles is not None and "platform" in roles.columns:
        changes["roles"] = roles[roles["platform"].isin(f.platforms)]
    # Only replies to the span's mentions can count; keeping just those makes
    # the response KPIs' set lookups small for every sparkline week.
    replies = context.replies[
        context.replies["in_reply_to"].astype(object).isin(all_brands["mention_id"].astype(object).to_numpy())
    ]
    context = dataclasses.replace(
        context,
        mentions=mentions,
        sentiment=sentiment,
        surveys=surveys[["score"]],
        replies=replies,
        **changes,
    )
    # Sorted by day once, each frame is cut into weeks by binary search instead of a
    # comparison of every row per week (52 weeks x a million rows at large scale).
    keys: dict[str, np.ndarray] = {}
    mentions, keys["mentions"] = _by_day(context.mentions, "posted_at")
    orders, keys["orders"] = _by_day(context.orders, "ordered_at")
    all_brands, keys["all_brands"] = _by_day(all_brands, "posted_at")
    sentiment_day, keys["sentiment"] = _by_day(sentiment_day, "posted_at")
    surveys, keys["surveys"] = _by_day(surveys, "answered_at")
    context = dataclasses.replace(context, mentions=mentions, orders=orders)
    return _Frames(context, all_brands, sentiment_day, surveys, segment_note, keys)


def _by_day(frame: pd.DataFrame, column: str) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` sorted on its ISO text ``column`` (missing ones first, as ''), and that column's sorted text."""
    keys = frame[column].astype(object).where(frame[column].notna(), "").astype(str).to_numpy()
    if frame.empty:
        return frame, keys
    order = np.argsort(keys, kind="stable")
    return frame.iloc[order].reset_index(drop=True), keys[order]


def _cut(frame: pd.DataFrame, keys: np.ndarray, date_from: str, date_to: str) -> pd.DataFrame:
    """The rows of a :func:`_by_day`-sorted ``frame`` from ``date_from`` to ``date_to`` (inclusive days)."""
    i = int(np.searchsorted(keys, date_from, side="left"))
    j = int(np.searchsorted(keys, _day_after(date_to), side="left"))
    return frame.iloc[i:j]


def _slice(
    frames: _Frames, date_from: str, date_to: str, *, previous_from: str | None = None
) -> tuple[kpis.KPIContext, pd.DataFrame]:
    """The context of a sub-range of the loaded span, and that range's mentions of all brands."""
    c = frames.context
    mentions = _cut(c.mentions, frames.keys["mentions"], date_from, date_to)
    sentiment = _cut(frames.sentiment_day, frames.keys["sentiment"], date_from, date_to)
    orders = _cut(c.orders, frames.keys["orders"], date_from, date_to)
    surveys = _cut(frames.surveys, frames.keys["surveys"], date_from, date_to)
    previous_orders = None
    if previous_from is not None:
        previous_orders = _cut(c.orders, frames.keys["orders"], previous_from, _shift(date_from, -1))
    context = dataclasses.replace(
        c,
        date_from=date_from,
        date_to=date_to,
        mentions=mentions,
        sentiment=sentiment[["mention_id", "label"]],
        orders=orders,
        previous_orders=previous_orders,
        surveys=surveys[["score"]],
    )
    all_brands = _cut(frames.all_brands, frames.keys["all_brands"], date_from, date_to)
    return context, all_brands


def _compute(key: str, context: kpis.KPIContext, all_brands: pd.DataFrame) -> kpis.Result:
    kpi = kpis.KPI_BY_KEY[key]
    if key == "share_of_voice":
        # Share of voice compares brands: the brand filter must not reduce it to 100 %.
        context = dataclasses.replace(context, mentions=all_brands)
    result = kpi.compute(context)
    value = result.value
    if value is not None and hasattr(value, "item"):
        value = value.item()
    return kpis.Result(value, result.note)


def spark_windows(periods: Periods) -> list[tuple[str, str]]:
    """The 7-day windows of the sparklines, oldest first, the last one ending on the range's last day.

    They cover both periods (at least 8 and at most 52 windows).

    >>> p = Periods(Filters("2026-10-02", "2026-10-31"), Filters("2026-09-02", "2026-10-01"), False, None)
    >>> w = spark_windows(p); len(w), w[-1]
    (9, ('2026-10-25', '2026-10-31'))
    """
    weeks = min(MAX_SPARK_WEEKS, max(MIN_SPARK_WEEKS, math.ceil(2 * periods.days / 7)))
    end = periods.current.date_to
    assert end is not None
    return [(_shift(end, -7 * i - 6), _shift(end, -7 * i)) for i in reversed(range(weeks))]


def kpi_summary(
    db: sqlite_utils.Database,
    f: Filters,
    periods: Periods,
    *,
    keys: tuple[str, ...] | None = None,
    spark_keys: tuple[str, ...] = TILE_KEYS,
) -> pd.DataFrame:
    """Each KPI now, in the previous period and the change, with its weekly values for a sparkline.

    One row per KPI of ``keys`` (default: every KPI of the dictionary), in that
    order: key, name, unit, currency, value, previous, change (value minus
    previous; percentage points for percent KPIs; None for snapshot KPIs or
    when either value is missing), change_pct (relative change in percent,
    counts and money only), higher_is_better, formula, note, snapshot, and
    spark (list of weekly values, oldest first, for ``spark_keys``; else None).
    """
    keys = keys or tuple(k.key for k in kpis.KPIS)
    windows = spark_windows(periods)
    span_from = min(windows[0][0], periods.previous.date_from or windows[0][0])
    cur, prev = periods.current, periods.previous
    assert cur.date_from and cur.date_to and prev.date_from and prev.date_to
    # The KPIs that are sums over days come from the summaries when they are current: the
    # same values, without slicing a frame per sparkline week (scrm.db.summaries).
    summarised = summaries.is_current(db)
    frames = _load_frames(db, f, span_from, cur.date_to, summarised=summarised)
    now_ctx, now_all = _slice(frames, cur.date_from, cur.date_to, previous_from=prev.date_from)
    before_ctx, before_all = _slice(frames, prev.date_from, prev.date_to)
    week_ctx = [_slice(frames, a, b) for a, b in windows]
    summed: dict[tuple[str, str], dict[str, kpis.Result]] = {}
    if summarised:
        rows_of_span = kpis.load_summary_rows(
            db, span_from, cur.date_to, brands=f.brands, platforms=f.platforms, langs=f.langs, segment=f.segment
        )
        # The current period last: a sparkline week may be the same days, and only the current
        # period has a previous one to measure churn against.
        for a, b in [*windows, (prev.date_from, prev.date_to)]:
            summed[(a, b)] = kpis.summary_results(rows_of_span, a, b)
        summed[(cur.date_from, cur.date_to)] = kpis.summary_results(
            rows_of_span, cur.date_from, cur.date_to, previous_from=prev.date_from
        )

    def compute(key: str, context: kpis.KPIContext, all_brands: pd.DataFrame) -> kpis.Result:
        answer = summed.get((str(context.date_from), str(context.date_to)), {}).get(key)
        return answer if answer is not None else _compute(key, context, all_brands)

    rows = []
    for key in keys:
        kpi = kpis.KPI_BY_KEY[key]
        now = compute(key, now_ctx, now_all)
        snapshot = key in SNAPSHOT_KEYS
        if now.note and kpis.RUN_SCORE in now.note:
            # "0 advocates" before roles are computed would read as a fact; it is an unknown.
            now = kpis.Result(None, now.note)
        before = None if snapshot else compute(key, before_ctx, before_all).value
        gap = None if snapshot else comparison_gap(periods, key)
        if gap is not None:
            before = None  # a period without (all of) its data is no baseline: no red arrow
        change = change_pct = None
        if now.value is not None and before is not None:
            change = round(float(now.value) - float(before), 4)
            if kpi.unit in ("count", "currency") and before:
                change_pct = round(100.0 * change / abs(float(before)), 1)
        spark = None
        if key in spark_keys and not snapshot:
            spark = [None if (v := compute(key, c, a).value) is None else float(v) for c, a in week_ctx]
        note = "; ".join(n for n in (now.note, gap) if n) or None
        if key == "share_of_voice" and f.brands:
            note = "; ".join(n for n in (note, "share of voice ignores the brand filter") if n)
        rows.append(
            {
                "key": key,
                "name": kpi.name,
                "unit": kpi.unit,
                "currency": now_ctx.currency if kpi.unit == "currency" else None,
                "value": now.value,
                "previous": before,
                "change": change,
                "change_pct": change_pct,
                "higher_is_better": kpi.higher_is_better,
                "formula": kpi.formula,
                "note": note,
                "snapshot": snapshot,
                "spark": spark,
            }
        )
    frame = pd.DataFrame(rows)
    frame.attrs["segment_note"] = frames.segment_note
    frame.attrs["spark_windows"] = windows
    return frame


# --- trends ------------------------------------------------------------------------------------


def trend_range(periods: Periods, *, min_weeks: int = MIN_TREND_WEEKS) -> tuple[str, str]:
    """The days the trend charts cover: both periods, and at least ``min_weeks`` weeks."""
    end = periods.current.date_to
    assert end is not None and periods.previous.date_from is not None
    return min(periods.previous.date_from, _shift(end, -7 * min_weeks + 1)), end


def weekly_trends(db: sqlite_utils.Database, f: Filters, date_from: str, date_to: str) -> pd.DataFrame:
    """Mentions and net sentiment per week and brand, within ``date_from``..``date_to``.

    Weeks start on the Settings page's day (:func:`scrm.db.settings.week_start`, Monday by default).
    Columns: week (ISO date of its first day), brand ("(no brand)" when empty),
    mentions, scored, positive, negative, net_sentiment (points, None without
    scored mentions), partial (the range covers the week only in part).
    Mentions by brand accounts are left out, as in the KPIs.
    """
    days = _trend_days(db, f, date_from, date_to)
    frame = _weekly(days, business.week_start(db))
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TREND_COLUMNS})
    for column in ("mentions", "scored", "positive", "negative"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    net = 100.0 * (frame["positive"] - frame["negative"]) / frame["scored"].where(frame["scored"] > 0)
    frame["net_sentiment"] = net.round(1).astype("Float64")
    first_monday = frame["week"].min()
    frame["partial"] = ((frame["week"] == first_monday) & (first_monday < date_from)) | (
        frame["week"] > _shift(date_to, -6)
    )
    return frame[list(TREND_COLUMNS)].reset_index(drop=True)


def _trend_days(db: sqlite_utils.Database, f: Filters, date_from: str, date_to: str) -> pd.DataFrame:
    """Mentions per day, brand (as stored) and sentiment label ('' when unscored) under ``f``:
    from the summaries when they are current, else from the mentions."""
    columns = ["day", "brand", "label", "mentions"]
    if summaries.is_current(db):
        rows = [r[:4] for r in summaries.mention_days(db, date_from, date_to, platforms=f.platforms, langs=f.langs)]
        frame = pd.DataFrame(rows, columns=columns)
        if f.brands:
            frame = frame[frame["brand"].isin(f.brands)]
        return frame
    where, params = mentions_where(f.with_dates(date_from, date_to), "m", sentiment_alias="s")
    return store.read_frame(
        db,
        f"""SELECT substr(m.posted_at, 1, 10) AS day, coalesce(m.brand, '') AS brand, coalesce(s.label, '') AS label,
            count(*) AS mentions
        FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        WHERE coalesce(m.from_brand, 0) != 1 AND m.posted_at IS NOT NULL AND {where}
        GROUP BY substr(m.posted_at, 1, 10), coalesce(m.brand, ''), coalesce(s.label, '')""",
        params,
    ).reindex(columns=columns)


def _weekly(days: pd.DataFrame, week_start: str) -> pd.DataFrame:
    """Per-day counts summed per week (starting on ``week_start``) and brand ("(no brand)" when blank)."""
    if days.empty:
        return pd.DataFrame(columns=["week", "brand", "mentions", "scored", "positive", "negative"])
    day = pd.to_datetime(days["day"].astype(str), format="%Y-%m-%d")
    # Days back to the week's first day: day_of_week is 0 on Monday.
    back = day.dt.day_of_week if week_start != "sunday" else (day.dt.day_of_week + 1) % 7
    count = pd.to_numeric(days["mentions"]).astype("int64")
    label = days["label"].astype(str)
    brand = days["brand"].astype(object).where(days["brand"].notna(), "").astype(str).str.strip(" ")
    frame = pd.DataFrame({
        "week": (day - pd.to_timedelta(back, unit="D")).dt.strftime("%Y-%m-%d"),
        "brand": brand.where(brand != "", "(no brand)"),
        "mentions": count,
        "scored": count.where(label.isin(kpis.SCORED_LABELS), 0),
        "positive": count.where(label == "positive", 0),
        "negative": count.where(label == "negative", 0),
    })
    return frame.groupby(["week", "brand"], as_index=False, sort=True).sum()


# --- top movers ----------------------------------------------------------------------------------


def _period_sums(periods: Periods) -> tuple[str, list[str]]:
    """SQL sums of mentions, scored, positive and negative mentions in each period (``m``, ``s`` aliases)."""
    cur, prev = periods.current, periods.previous
    assert cur.date_from and cur.date_to and prev.date_from and prev.date_to
    parts, params = [], []
    for name, p in (("now", cur), ("before", prev)):
        assert p.date_from and p.date_to
        inside = "(m.posted_at >= ? AND m.posted_at < ?)"
        bounds = [p.date_from, _day_after(p.date_to)]
        parts += [
            # CASE, not a sum of booleans: PostgreSQL does not add up true and false.
            f"sum(CASE WHEN {inside} THEN 1 ELSE 0 END) AS {name}",
            f"sum(CASE WHEN {inside} AND s.label IN ('positive', 'neutral', 'negative') THEN 1 ELSE 0 END) AS scored_{name}",
            f"sum(CASE WHEN {inside} AND s.label = 'positive' THEN 1 ELSE 0 END) AS pos_{name}",
            f"sum(CASE WHEN {inside} AND s.label = 'negative' THEN 1 ELSE 0 END) AS neg_{name}",
        ]
        params += bounds * 4
    return ", ".join(parts), params


def _finish_movers(frame: pd.DataFrame, kind: str, by: str, n: int, min_scored: int) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in MOVER_COLUMNS})
    out = frame.copy()
    for c in (
        "now",
        "before",
        "scored_now",
        "scored_before",
        "pos_now",
        "neg_now",
        "pos_before",
        "neg_before",
    ):
        out[c] = pd.to_numeric(out[c]).fillna(0).astype("int64")
    out["change"] = out["now"] - out["before"]
    out["change_pct"] = (100.0 * out["change"] / out["before"].where(out["before"] > 0)).round(1)
    for p in ("now", "before"):
        scored = out[f"scored_{p}"].where(out[f"scored_{p}"] > 0)
        out[f"net_{p}"] = (100.0 * (out[f"pos_{p}"] - out[f"neg_{p}"]) / scored).round(1)
    out["net_change"] = (out["net_now"] - out["net_before"]).round(1)
    out["kind"] = kind
    for column in ("platform", "subject"):
        if column not in out.columns:
            out[column] = None
    if by == "sentiment":
        out = out[(out["scored_now"] >= min_scored) & (out["scored_before"] >= min_scored)]
        out = out.assign(_size=out["net_change"].abs()).sort_values(["_size", "key"], ascending=[False, True])
    else:
        out = out.assign(_size=out["change"].abs()).sort_values(
            ["_size", "now", "key"], ascending=[False, False, True]
        )
    out = out[out["_size"] > 0].head(n)
    return out[list(MOVER_COLUMNS)].reset_index(drop=True)


def top_movers(
    db: sqlite_utils.Database,
    f: Filters,
    periods: Periods,
    kind: str,
    *,
    by: str = "volume",
    n: int = TOP_MOVERS,
    min_scored: int = MIN_SCORED_FOR_SENTIMENT,
) -> pd.DataFrame:
    """The topics, authors or segments whose mentions changed most between the two periods.

    ``kind`` is "topics" (dominant topic of each mention, table
    ``mention_topics``; the themes of one ``subject`` in every language count as one, keyed
    ``subject:<key>``, a theme without a subject on its own), "authors" (label ``@handle``, with its ``platform``) or "segments" (mentions by profiles linked to a customer of
    the segment). ``by`` is "volume" (largest absolute change in mentions
    first) or "sentiment" (largest change in net sentiment, among those with
    at least ``min_scored`` scored mentions in both periods). Columns:
    :data:`MOVER_COLUMNS`; net values in points, None without scored mentions.
    An empty frame when the table behind ``kind`` is not computed yet.
    """
    if kind not in MOVER_KINDS:
        raise ValueError(f"kind must be one of {MOVER_KINDS}, not {kind!r}")
    cur, prev = periods.current, periods.previous
    assert cur.date_to and prev.date_from
    if summaries.is_current(db):
        # The same sums from the daily summaries: a year against the one before reads a few
        # hundred thousand summary rows instead of joining two million mentions to their sentiment.
        return _finish_movers(_summed_movers(db, f, periods, kind, by, n, min_scored), kind, by, n, min_scored)
    sums, sum_params = _period_sums(periods)
    where, params = mentions_where(f.with_dates(prev.date_from, cur.date_to), "m", sentiment_alias="s")
    base = (
        f"FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id {{join}} "
        f"WHERE coalesce(m.from_brand, 0) != 1 AND {where}"
    )
    if kind == "topics":
        if not (table_exists(db, S.MENTION_TOPICS) and table_exists(db, S.TOPICS)):
            return _finish_movers(pd.DataFrame(), kind, by, n, min_scored)
        # Themes of every language about one subject move together (one row, key "subject:delivery"); a theme
        # without a subject is a row of its own, keyed by its id. `subject` names the row's subject (else None).
        # A topics table written before subjects existed has no `subject`: each theme is its own row.
        has_subject = "subject" in dialect.columns(db, S.TOPICS)
        group = f"coalesce('{SUBJECT_KEY_PREFIX}' || t.subject, CAST(mt.topic_id AS TEXT))" if has_subject else "CAST(mt.topic_id AS TEXT)"
        subject = "max(t.subject)" if has_subject else "CAST(NULL AS TEXT)"
        sql = (
            f"SELECT {group} AS key, {subject} AS subject, max(t.label) AS label, {sums} "
            + base.format(
                join=f"JOIN {S.MENTION_TOPICS} mt ON mt.mention_id = m.mention_id LEFT JOIN {S.TOPICS} t ON t.topic_id = mt.topic_id"
            )
            + f" GROUP BY {group}"
        )
    elif kind == "authors":
        sql = (
            f"SELECT lower(m.platform) || ':' || lower(ltrim(trim(m.author), '@')) AS key, "
            f"'@' || ltrim(trim(max(m.author)), '@') AS label, lower(max(m.platform)) AS platform, {sums} "
            + base.format(join="")
            + " AND m.author IS NOT NULL AND trim(m.author) != '' GROUP BY key"
        )
    else:
        if not (table_exists(db, S.SEGMENTS) and table_exists(db, S.SEGMENT_PROFILES)):
            return _finish_movers(pd.DataFrame(), kind, by, n, min_scored)
        sql = (
            f"SELECT CAST(sg.segment_id AS TEXT) AS key, sg.segment_id || ': ' || coalesce(max(sp.description), 'segment') AS label, {sums} "
            + base.format(
                join=(
                    f"JOIN {S.LINKS} l ON l.profile_id = lower(m.platform) || ':' || lower(ltrim(trim(m.author), '@')) "
                    f"AND l.status = ? JOIN {S.SEGMENTS} sg ON sg.customer_id = l.customer_id "
                    f"LEFT JOIN {S.SEGMENT_PROFILES} sp ON sp.segment_id = sg.segment_id"
                )
            )
            + " GROUP BY sg.segment_id"
        )
        params = [S.LINKED, *params]
    frame = store.read_frame(db, sql, [*sum_params, *params])
    return _finish_movers(frame, kind, by, n, min_scored)


def _summed_period_sums(periods: Periods, *, labelled: bool) -> tuple[str, list[str]]:
    """:func:`_period_sums` over a summary table ``v``: ``labelled`` tables have a ``label`` dimension
    (``sum_topics``), the others count their labelled mentions in columns (``sum_voices``)."""
    parts, params = [], []
    for name, p in (("now", periods.current), ("before", periods.previous)):
        assert p.date_from and p.date_to
        inside = "(v.day >= ? AND v.day <= ?)"
        if labelled:
            counts = {
                "": "v.mentions",
                "scored_": "CASE WHEN v.label IN ('positive', 'neutral', 'negative') THEN v.mentions ELSE 0 END",
                "pos_": "CASE WHEN v.label = 'positive' THEN v.mentions ELSE 0 END",
                "neg_": "CASE WHEN v.label = 'negative' THEN v.mentions ELSE 0 END",
            }
        else:
            counts = {"": "v.mentions", "scored_": "v.scored", "pos_": "v.positive", "neg_": "v.negative"}
        parts += [f"sum(CASE WHEN {inside} THEN {count} ELSE 0 END) AS {prefix}{name}" for prefix, count in counts.items()]
        params += [p.date_from, p.date_to] * 4
    return ", ".join(parts), params


def _summed_movers(
    db: sqlite_utils.Database, f: Filters, periods: Periods, kind: str, by: str, n: int, min_scored: int
) -> pd.DataFrame:
    """The rows :func:`top_movers` ranks, from ``sum_topics`` and ``sum_voices``: the same keys,
    labels and sums as its reads of the mentions (each mention counted once per row it joins).

    Authors are many (a year holds a few hundred thousand): only those that can rank are summed,
    the ones with enough scored mentions over every day, or enough mentions to move at least as
    much as the ``n``-th largest change (ties included, so :func:`_finish_movers` breaks them as before)."""
    cur, prev = periods.current, periods.previous
    where, params = summaries.filter_where(f.with_dates(prev.date_from, cur.date_to), "v")
    # The movers' own author key (the platform as stored, lowercased; stored as ``voice``), not the profile id.
    author_key = "v.voice"
    if kind == "topics":
        if not (table_exists(db, S.MENTION_TOPICS) and table_exists(db, S.TOPICS)):
            return pd.DataFrame()
        sums, sum_params = _summed_period_sums(periods, labelled=True)
        has_subject = "subject" in dialect.columns(db, S.TOPICS)
        group = f"coalesce('{SUBJECT_KEY_PREFIX}' || t.subject, v.topic_id)" if has_subject else "v.topic_id"
        subject = "max(t.subject)" if has_subject else "CAST(NULL AS TEXT)"
        sql = (
            f"SELECT {group} AS key, {subject} AS subject, max(t.label) AS label, {sums} "
            f"FROM {S.SUMMARY_TOPICS} v LEFT JOIN {S.TOPICS} t ON t.topic_id = v.topic_id WHERE {where} GROUP BY {group}"
        )
        return store.read_frame(db, sql, [*sum_params, *params])
    sums, sum_params = _summed_period_sums(periods, labelled=False)
    if kind == "authors":
        sql = (
            f"SELECT {author_key} AS key, '@' || ltrim(trim(max(v.author)), '@') AS label, "
            f"lower(max(CASE WHEN v.no_platform = 1 THEN NULL ELSE v.platform END)) AS platform, {sums} "
            f"FROM {S.SUMMARY_VOICES} v WHERE {where} AND v.no_author = 0 AND trim(v.author) != '' "
            f"AND (v.voice IS NULL OR v.voice IN (SELECT voice FROM {S.SUMMARY_SPEAKERS} WHERE {{column}} >= ?)) "
            f"GROUP BY {author_key}"
        )

        def loud(column: str, least: int) -> pd.DataFrame:
            """The authors with at least ``least`` mentions (or scored ones) over every day, and those without a key."""
            return store.read_frame(db, sql.format(column=column), [*sum_params, *params, least])

        if by == "sentiment":
            # Ranked only with min_scored scored mentions in both periods: 2 x min_scored over every day at least.
            return loud("scored", 2 * min_scored)
        # An author cannot move by more than its mentions over every day: sum the loudest first; when the
        # n-th largest change among them reaches the quietest one's total, nobody else can rank.
        row = db.execute(
            f"SELECT mentions FROM {S.SUMMARY_SPEAKERS} ORDER BY mentions DESC LIMIT 1 OFFSET ?", [LOUD_AUTHORS - 1]
        ).fetchone()
        least = int(row[0]) if row is not None else 0
        frame = loud("mentions", least)
        if least > 0:
            changes = (pd.to_numeric(frame["now"]).fillna(0) - pd.to_numeric(frame["before"]).fillna(0)).abs()
            reached = float(changes.nlargest(n).min()) if len(changes) >= n else 0.0
            if reached < least:
                # The n-th largest change so far bounds the true one from below: every author that
                # can reach it has at least that many mentions over every day.
                frame = loud("mentions", max(1, int(reached)))
        return frame
    if not (table_exists(db, S.SEGMENTS) and table_exists(db, S.SEGMENT_PROFILES)):
        return pd.DataFrame()
    # Summed per author first, then joined: a profile linked to two customers counts twice, as when
    # each mention is joined; only the linked authors' rows are summed (a few thousand of a year's
    # few hundred thousand authors), and the join reads one row per author instead of one per day.
    names = ("now", "scored_now", "pos_now", "neg_now", "before", "scored_before", "pos_before", "neg_before")
    totals = ", ".join(f"sum(a.{c}) AS {c}" for c in names)
    sql = (
        f"SELECT CAST(sg.segment_id AS TEXT) AS key, sg.segment_id || ': ' || coalesce(max(sp.description), 'segment') AS label, "
        f"{totals} FROM (SELECT {author_key} AS profile_id, {sums} FROM {S.SUMMARY_VOICES} v "
        f"WHERE {where} AND v.no_author = 0 AND {author_key} IN (SELECT profile_id FROM {S.LINKS} WHERE status = ?) "
        f"GROUP BY {author_key}) a "
        f"JOIN {S.LINKS} l ON l.profile_id = a.profile_id AND l.status = ? "
        f"JOIN {S.SEGMENTS} sg ON sg.customer_id = l.customer_id "
        f"LEFT JOIN {S.SEGMENT_PROFILES} sp ON sp.segment_id = sg.segment_id GROUP BY sg.segment_id"
    )
    return store.read_frame(db, sql, [*sum_params, *params, S.LINKED, S.LINKED])


# --- alerts ------------------------------------------------------------------------------------------


def _names(items: list[dict[str, Any]], key: str, count: str = "mentions", limit: int = 3) -> str:
    out = []
    for item in items[:limit]:
        name = item.get(key)
        if name in (None, ""):
            continue
        n = item.get(count)
        out.append(f"{name} ({n})" if n is not None else str(name))
    return ", ".join(out)


def _number(value: object) -> float | None:
    """A stored figure, or None when it is missing (None, NaN or not a number): never the text "nan"."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _alert_what(row: pd.Series, topic_labels: dict[str, str], rule_name: str | None = None, lang: str = "en") -> str:
    """One sentence on an alert, in words a director can read (in ``lang``): no ids, no "nan".

    >>> row = pd.Series({"kind": "volume", "brand": "Velora", "platform": None, "topic_id": None,
    ...                  "value": 40.0, "baseline": float("nan"), "total": 40.0, "customer_id": "C7"})
    >>> _alert_what(row, {})
    'Volume spike · Velora: 40 mentions on the peak day (no usual level to compare with yet)'
    >>> _alert_what(pd.Series({**row.to_dict(), "kind": "negative", "baseline": 2.5}), {}, lang="es")
    'Pico de sentimiento negativo · Velora: 40 menciones negativas en el día pico frente a 2,5 al día antes, 16,0× lo habitual'
    """
    kind = t(ALERT_KIND_NAMES.get(str(row["kind"]), str(row["kind"])), lang)
    scope = [str(row[c]) for c in ("brand", "platform") if isinstance(row[c], str) and row[c]]
    if isinstance(row["topic_id"], str) and row["topic_id"]:
        scope.append(t("topic {label}", lang, label=topic_labels.get(row["topic_id"], row["topic_id"])))
    value, baseline = _number(row["value"]), _number(row["baseline"])

    def number(x: float, decimals: int = 0) -> str:
        return F.format_number(x, lang, decimals=decimals)

    if row["kind"] == "vip_detractor":
        total = int(_number(row["total"]) or 0)
        # The customer is named in the alert's drivers (masked with them), never by a raw id here.
        detail = t(ALERT_SENTENCES["vip"][total == 1], lang, n=number(total))
    elif row["kind"] == S.ALERT_RULE:
        count = int(value or 0)
        named = "named" if rule_name else "unnamed"
        detail = t(ALERT_SENTENCES[named][count == 1], lang, n=number(count), rule=t(rule_name, lang) if rule_name else "")
    else:
        detail = t(ALERT_SENTENCES["negative" if row["kind"] == "negative" else "volume"][False], lang, n=number(value or 0))
        if baseline is not None and baseline > 0:
            detail += t(" against {baseline} a day before, {ratio}× the usual", lang,
                        baseline=number(baseline, 1), ratio=number((value or 0) / baseline, 1))  # fmt: skip
        elif baseline is not None:
            detail += t(" against none a day before", lang)
        else:
            detail += t(" (no usual level to compare with yet)", lang)
    return f"{kind} · {' · '.join(scope)}: {detail}" if scope else f"{kind}: {detail}"


def open_alerts(
    db: sqlite_utils.Database, f: Filters, periods: Periods | None, *, limit: int = 5, lang: str = "en"
) -> pd.DataFrame:
    """The newest alerts that overlap the current period, high severity first within a day (``what`` in ``lang``).

    Filtered by brand and platform (an alert without a platform covers all of
    them). Columns: :data:`ALERT_COLUMNS`; ``what`` is one sentence, the
    ``top_*`` columns name the drivers (authors as ``@handle (platform)``).
    An empty frame when alerts are not computed yet or none match.
    """
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ALERT_COLUMNS})
    if not table_exists(db, S.ALERTS):
        return empty
    clauses, params = ["1 = 1"], []
    if periods is not None:
        clauses.append("period_end >= ? AND period_start <= ?")
        params += [periods.current.date_from, periods.current.date_to]
    if f.brands:
        clauses.append(f"brand IN ({', '.join('?' for _ in f.brands)})")
        params += list(f.brands)
    if f.platforms:
        clauses.append(f"(platform IS NULL OR platform IN ({', '.join('?' for _ in f.platforms)}))")
        params += list(f.platforms)
    frame = store.read_frame(
        db,
        f"SELECT * FROM {S.ALERTS} WHERE {' AND '.join(clauses)} "
        "ORDER BY period_end DESC, CASE severity WHEN 'high' THEN 0 ELSE 1 END, coalesce(z, 0) DESC, alert_id LIMIT ?",
        [*params, limit],
    )
    if frame.empty:
        return empty
    labels: dict[str, str] = {}
    if table_exists(db, S.TOPICS):
        labels = {str(t): str(lab) for t, lab in db.execute(f"SELECT topic_id, label FROM {S.TOPICS}").fetchall()}
    for column in ("brand", "platform", "topic_id", "customer_id", "total", "value", "baseline"):
        if column not in frame.columns:
            frame[column] = None
    rows = []
    for _, row in frame.iterrows():
        try:
            drivers = json.loads(row.get("drivers") or "{}")
        except ValueError:
            drivers = {}
        authors = [
            {**a, "handle": f"@{str(a.get('author', '')).lstrip('@')} ({a.get('platform', '')})"}
            for a in drivers.get("authors", [])
            if a.get("author")
        ]
        mentions = drivers.get("mentions", [])
        rows.append(
            {
                "alert_id": int(row["alert_id"]),
                "severity": row["severity"],
                "kind": row["kind"],
                "what": _alert_what(row, labels, str((drivers.get("rule") or {}).get("name") or "") or None, lang),
                "brand": row["brand"],
                "platform": row["platform"],
                "period_start": row["period_start"],
                "period_end": row["period_end"],
                "value": row["value"],
                "baseline": row["baseline"],
                "top_authors": _names(authors, "handle"),
                "top_topics": _names(drivers.get("topics", []), "label"),
                "top_mention": str(mentions[0].get("text") or "") if mentions else "",
            }
        )
    return pd.DataFrame(rows, columns=list(ALERT_COLUMNS))


# --- state --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Readiness:
    """What the database holds for the Overview: raw rows, and whether the compute layer ran."""

    mentions: int
    orders: int
    surveys: int
    customers: int
    scored: int
    derived: tuple[str, ...]  # derived tables present (customer_value, topics, segments, roles, alerts)

    @property
    def is_empty(self) -> bool:
        """No customers, orders, mentions or surveys."""
        return self.mentions + self.orders + self.surveys + self.customers == 0

    @property
    def needs_score(self) -> bool:
        """Mentions without a sentiment, or a derived table missing."""
        return (self.mentions > 0 and self.scored == 0) or len(self.derived) < len(DERIVED_TABLES)


DERIVED_TABLES = (S.CUSTOMER_VALUE, S.TOPICS, S.MENTION_TOPICS, S.SEGMENTS, S.ROLES, S.ALERTS)
# The report is a file: it says what is missing, never what to click.
NOT_SCORED_IN_REPORT = (
    "Sentiment, segments, roles and alerts were not computed yet when this report was made: "
    "the figures that need them are left empty."
)
RUN_SCORE_SENTENCE = (
    "Sentiment, segments, roles and alerts are not computed yet. They are computed in the background after "
    "each change; an admin can also use Recompute now on the Settings page."
)


def readiness(db: sqlite_utils.Database) -> Readiness:
    """Counts of raw rows and scored mentions, and the derived tables present."""
    counts = store.counts(db)
    scored = db.execute(f"SELECT count(*) FROM {S.SENTIMENT}").fetchone()[0]
    return Readiness(
        mentions=int(counts.get(S.MENTIONS, 0)),
        orders=int(counts.get(S.ORDERS, 0)),
        surveys=int(counts.get(S.SURVEYS, 0)),
        customers=int(counts.get(S.CUSTOMERS, 0)),
        scored=int(scored or 0),
        derived=tuple(t for t in DERIVED_TABLES if table_exists(db, t)),
    )


def describe_filters(f: Filters) -> str:
    """The filters in words for the report's footer: :func:`scrm.db.filters.describe`, each filter named."""
    return describe(f, labelled=True)


# --- formatting (shared by the page and the report) ------------------------------------------------

# Percent KPIs that are points on a -100..100 scale, not shares: shown signed, without "%".
POINTS_KEYS = frozenset({"net_sentiment", "nps"})


def _compact(value: float, decimals: int = 0) -> str:
    size = abs(value)
    if size >= 1e9:
        return f"{value / 1e9:,.2f}B"
    if size >= 1e6:
        return f"{value / 1e6:,.2f}M"
    if size >= 1e5:
        return f"{value / 1e3:,.1f}k"
    return f"{value:,.{decimals}f}"


def format_value(
    value: float | None, unit: str, currency: str | None = None, *, key: str = "", compact: bool = False
) -> str:
    """A KPI value with its unit, as a tile or a report cell shows it ("—" when missing).

    >>> format_value(13.0801, "percent", key="net_sentiment"), format_value(26.8979, "percent")
    ('+13.1', '26.9 %')
    >>> format_value(388549.14, "currency", "EUR", compact=True), format_value(1234, "count")
    ('388.5k EUR', '1,234')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    v = float(value)
    if unit == "percent":
        return f"{v:+.1f}" if key in POINTS_KEYS else f"{v:.1f} %"
    if unit == "currency":
        text = _compact(v, 2 if abs(v) < 10_000 else 0) if compact else f"{v:,.2f}"
        return f"{text} {currency}" if currency else text
    if unit == "minutes":
        return f"{v:,.0f} min"
    if unit == "hours":
        return f"{v:,.1f} h"
    if unit == "ratio":
        return f"{v:,.2f}"
    return _compact(v) if compact else f"{v:,.0f}"


def format_change(
    change: float | None, change_pct: float | None, unit: str, *, key: str = "", compact: bool = False
) -> str | None:
    """The change against the previous period: points for percent KPIs, else absolute (and relative).

    >>> format_change(-0.5051, None, "percent"), format_change(190, 5.1, "count")
    ('-0.5 pts', '+190 (+5.1 %)')
    """
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return None
    c = float(change)
    if unit == "percent":
        return f"{c:+.1f} pts"
    if unit == "ratio":
        text = f"{c:+,.2f}"
    elif unit == "minutes":
        text = f"{c:+,.0f} min"
    elif unit == "hours":
        text = f"{c:+,.1f} h"
    elif unit == "currency":
        text = ("+" if c >= 0 else "-") + (
            _compact(abs(c), 2 if abs(c) < 10_000 else 0) if compact else f"{abs(c):,.2f}"
        )
    else:
        text = ("+" if c >= 0 else "-") + (_compact(abs(c)) if compact else f"{abs(c):,.0f}")
    if change_pct is not None and not (isinstance(change_pct, float) and math.isnan(change_pct)):
        text += f" ({float(change_pct):+.1f} %)"
    return text


def unit_words(unit: str, currency: str | None = None, *, key: str = "") -> str:
    """The unit in words for help texts and the report ("percent", "points", "EUR").

    >>> unit_words("percent", key="nps"), unit_words("currency", "EUR")
    ('points (-100 to 100)', 'EUR (reporting currency)')
    """
    if unit == "percent":
        return "points (-100 to 100)" if key in POINTS_KEYS else "percent"
    if unit == "currency":
        return f"{currency} (reporting currency)" if currency else "reporting currency"
    return {"count": "count", "minutes": "minutes", "hours": "hours", "ratio": "ratio"}.get(unit, unit)


# --- stored answers (scrm.views.data.stored) ------------------------------------------------------


def _stored_name(kind: str, *parts: object) -> str:
    """A stable name for one answer: its kind and its arguments as JSON."""
    plain = [dataclasses.asdict(p) if dataclasses.is_dataclass(p) and not isinstance(p, type) else p for p in parts]
    return f"overview:{kind}:" + json.dumps(plain, sort_keys=True, default=str)


def stored_kpi_summary(db: sqlite_utils.Database, f: Filters, periods: Periods) -> pd.DataFrame:
    """:func:`kpi_summary` (every KPI, tiles' sparklines), stored per data version."""
    return browse.stored(
        db, _stored_name("kpis", f, periods), lambda: kpi_summary(db, f, periods),
        browse.encode_records, browse.decode_records,
    )  # fmt: skip


def stored_weekly_trends(db: sqlite_utils.Database, f: Filters, date_from: str, date_to: str) -> pd.DataFrame:
    """:func:`weekly_trends`, stored per data version."""
    return browse.stored(
        db, _stored_name("trends", f, date_from, date_to), lambda: weekly_trends(db, f, date_from, date_to),
        browse.encode_frame, browse.decode_frame,
    )  # fmt: skip


def name_subjects(movers: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Topic movers with each subject's row named in ``lang``; a theme without a subject keeps its top words.

    >>> rows = pd.DataFrame({"label": ["entrega · retraso", "merece pena · precio"], "subject": ["delivery", None]})
    >>> name_subjects(rows, "es")["label"].tolist()
    ['Entrega y envío', 'merece pena · precio']
    """
    if movers.empty or "subject" not in movers.columns:
        return movers
    labels = [
        t(english_subject, lang) if (english_subject := subject_name(s if isinstance(s, str) else None)) else label
        for s, label in zip(movers["subject"], movers["label"], strict=True)
    ]
    return movers.assign(label=pd.Series(labels, index=movers.index, dtype=object))


def name_segments(db: sqlite_utils.Database, movers: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Segment movers named in ``lang`` (``3: valor bajo, compradores inactivos``) from each segment's stored
    message; a segment stored before descriptions became messages keeps its English words.
    """
    if movers.empty or lang == "en" or not table_exists(db, S.SEGMENT_PROFILES):
        return movers
    if "description_message" not in dialect.columns(db, S.SEGMENT_PROFILES):
        return movers
    rows = db.execute(f"SELECT segment_id, description, description_message FROM {S.SEGMENT_PROFILES}").fetchall()
    words = {str(segment): description_message(description, message) for segment, description, message in rows}
    labels = [
        f"{key}: {found.render(lang)}" if isinstance(found := words.get(str(key)), Message) else label
        for key, label in zip(movers["key"], movers["label"], strict=True)
    ]
    return movers.assign(label=pd.Series(labels, index=movers.index, dtype=object))


def stored_top_movers(
    db: sqlite_utils.Database, f: Filters, periods: Periods, kind: str, *, by: str = "volume"
) -> pd.DataFrame:
    """:func:`top_movers`, stored per data version."""
    return browse.stored(
        db, _stored_name("movers:subjects", f, periods, kind, by), lambda: top_movers(db, f, periods, kind, by=by),
        browse.encode_frame, browse.decode_frame,
    )  # fmt: skip


def _decode_filters(data: dict[str, Any]) -> Filters:
    return Filters(
        date_from=data["date_from"],
        date_to=data["date_to"],
        brands=tuple(data["brands"]),
        platforms=tuple(data["platforms"]),
        langs=tuple(data["langs"]),
        segment=data["segment"],
    )


def _decode_periods(raw: bytes) -> Periods | None:
    data = json.loads(raw)
    if data is None:
        return None
    return Periods(
        _decode_filters(data["current"]), _decode_filters(data["previous"]), bool(data["assumed"]), data["note"],
        tuple(tuple(c) for c in data.get("coverage") or ()),  # type: ignore[misc]
    )


def stored_periods(db: sqlite_utils.Database, f: Filters) -> Periods | None:
    """:func:`resolve_periods`, stored per data version: without dates it needs the last day of
    data, a scan of every mention (seconds when the file is not in the disk cache)."""
    return browse.stored(db, _stored_name("periods", f), lambda: resolve_periods(db, f), browse.encode_json, _decode_periods)


def _decode_readiness(raw: bytes) -> Readiness:
    data = json.loads(raw)
    return Readiness(**{**data, "derived": tuple(data["derived"])})


def stored_readiness(db: sqlite_utils.Database) -> Readiness:
    """:func:`readiness`, stored per data version (it counts the rows of every table)."""
    return browse.stored(db, "overview:readiness", lambda: readiness(db), browse.encode_json, _decode_readiness)


def refresh_page_summaries(db: sqlite_utils.Database) -> list[str]:
    """Compute and store what the first page after a server start needs, for the data as it is
    now: the sidebar's filter choices, the data summary, the mentions' brands and platforms, each customer's currency and
    sentiment (Segments) and the Overview's default view (no filter: KPIs, trends and movers by volume). Call it after the last write of
    ``python -m scrm score`` (a later write makes the answers stale; they are then
    recomputed on the first visit). Returns the names stored.
    """
    from scrm.views.advocates import stored_role_table
    from scrm.views.listening import stored_brand_and_platform_options
    from scrm.views.rules import stored_rule_options
    from scrm.views.segments import customer_sentiment, store_customer_values, stored_customer_currencies
    from scrm.views.settings import stored_brands_and_currencies, stored_pending_stages

    browse.stored_filter_options(db)
    browse.stored_summary(db)
    stored_brand_and_platform_options(db)  # the brands' colours of the Overview and Listening
    stored_brands_and_currencies(db)  # what the Settings page offers
    stored_customer_currencies(db)  # the Segments page: money per currency,
    store_customer_values(db)  # its customers,
    stored_readiness(db)
    stored_rule_options(db)  # the Rules page's form choices
    stored_role_table(db)  # the Advocates page's authors
    stored_pending_stages(db)  # the recompute status line (none pending after a score)
    default = default_period(db)
    # The sidebar starts every page on the default period: that view, with its dates, is the first one asked for.
    views = [Filters()] + ([Filters(date_from=default[0], date_to=default[1])] if default else [])
    for f in views:
        customer_sentiment(db, f)  # the Segments page's value against sentiment
        periods = stored_periods(db, f)
        if periods is not None:
            stored_kpi_summary(db, f, periods)
            stored_weekly_trends(db, f, *trend_range(periods))
            for kind in MOVER_KINDS:
                stored_top_movers(db, f, periods, kind)
    try:
        rows = db.execute(
            f"SELECT name FROM {browse.PAGE_SUMMARIES} WHERE data_version = ? ORDER BY name", [store.data_version(db)]
        ).fetchall()
    except Exception:  # the table could not be created (read-only database)
        return []
    return [str(r[0]) for r in rows]
