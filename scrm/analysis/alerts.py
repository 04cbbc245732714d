"""Alerts: spikes in conversation volume and in negative sentiment, and VIP detractors.

:func:`refresh` writes the derived table ``alerts``, one row per alert:
alert_id, kind (``volume`` | ``negative`` | ``vip_detractor``), scope
(``brand`` | ``platform`` | ``topic`` | ``customer``), brand, platform,
topic_id, customer_id, period_start, period_end (days), days, value (the peak
day's count), baseline and threshold (on the peak day), z, severity
(``high`` | ``medium``), total (mentions in the period), drivers (JSON:
``mentions``, ``authors``, ``topics``), created_at.

Spike rule (:func:`detect_spikes`, on a daily count series with the days
without mentions filled with 0):

- the baseline of a day is the mean and standard deviation of the
  :data:`BASELINE_DAYS` (28) days before it (the day itself excluded; at least
  :data:`MIN_BASELINE_DAYS` (14) of them). Days already flagged enter later
  baselines as their baseline mean, so a week-long crisis keeps alerting
  instead of raising its own bar;
- the deviation used is ``max(std, sqrt(mean), 1)``: counts are roughly
  Poisson, and a flat baseline (std 0) must not turn one extra post into an alert;
- a day alerts when ``value > mean + k x deviation`` (``k`` default 3), the value is
  at least ``min_volume`` (default 20 mentions; 10 negative ones) and at least
  :data:`MIN_RATIO` (1.5) times the mean. Real conversation is burstier than
  Poisson: on the demo, these floors halve the one-day blips k = 3 alone lets through;
- consecutive alert days make one alert (period_start to period_end).

Series: per brand (all platforms), and for the own brand (meta ``own_brand``)
per platform and per topic (the dominant topic of each mention in
``mention_topics``, when that table exists). ``volume`` counts mentions not
written by a brand account; ``negative`` counts those labelled negative in
``sentiment``.

VIP detractor: a mention of the own brand labelled negative with a
confidence of at least :data:`~scrm.analysis.sentiment.LOW_CONFIDENCE`, within
:data:`VIP_DAYS` (30) days up to ``as_of``, by a profile linked to a customer
in CLV decile 10 (``customer_value``); one alert per customer.

Drivers name the top :data:`TOP_N` mentions by the author's followers, the
authors with most mentions, and the topics most present in the alert's
period and series (negative mentions only for negative alerts).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from scrm.analysis.roles import (
    clv_deciles,
    linked_customers,
    resolve_as_of,
)
from scrm.analysis.sentiment import LOW_CONFIDENCE
from scrm.analysis.stage import Progress, StageSummary
from scrm.db import dialect, store
from scrm.db import schema as S
from scrm.db.store import own_brand, table_exists
from scrm.errors import ConfigError
from scrm.i18n.messages import Message

log = logging.getLogger(__name__)

ALERTS = S.ALERTS
TOPICS = S.TOPICS
MENTION_TOPICS = S.MENTION_TOPICS

BASELINE_DAYS = 28
MIN_BASELINE_DAYS = 14
MIN_RATIO = 1.5
VOLUME_FLOOR = 20
NEGATIVE_FLOOR = 10
VIP_DAYS = 30
VIP_DECILE = 10
TOP_N = 5
SNIPPET_CHARS = 140

ALERT_COLUMNS = (
    "alert_id", "kind", "scope", "brand", "platform", "topic_id", "customer_id", "period_start", "period_end",
    "days", "value", "baseline", "threshold", "z", "severity", "total", "drivers", "created_at",
)


@dataclass(frozen=True)
class Spike:
    """Consecutive alert days of one series."""

    start: str
    end: str
    days: int
    peak_day: str
    value: float
    baseline: float
    threshold: float
    z: float
    total: float


def detect_spikes(
    series: pd.Series,
    *,
    k: float = 3.0,
    min_volume: float = VOLUME_FLOOR,
    window: int = BASELINE_DAYS,
    min_periods: int = MIN_BASELINE_DAYS,
    min_ratio: float = MIN_RATIO,
) -> list[Spike]:
    """Spikes in a daily series (index: ``YYYY-MM-DD`` days, consecutive, values: counts). Pure.

    >>> s = pd.Series([20, 22, 19, 21] * 10 + [90, 80, 21], index=[str(d.date()) for d in pd.date_range("2026-01-01", periods=43)])
    >>> [(x.start, x.end, x.value) for x in detect_spikes(s)]
    [('2026-02-10', '2026-02-11', 90.0)]
    """
    values = series.to_numpy(dtype=float)
    days = [str(d) for d in series.index]
    base = values.copy()
    flags = np.zeros(len(values), dtype=bool)
    means = np.zeros(len(values))
    devs = np.zeros(len(values))
    for i in range(len(values)):
        past = base[max(0, i - window) : i]
        if len(past) < min_periods:
            continue
        mean = float(past.mean())
        dev = max(float(past.std(ddof=1)), float(np.sqrt(mean)), 1.0)
        means[i], devs[i] = mean, dev
        v = values[i]
        if v > mean + k * dev and v >= min_volume and v >= min_ratio * mean:
            flags[i] = True
            base[i] = mean  # a flagged day must not raise the bar for the next ones
    spikes: list[Spike] = []
    i = 0
    while i < len(values):
        if not flags[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(values) and flags[j + 1]:
            j += 1
        peak = i + int(np.argmax(values[i : j + 1]))
        spikes.append(
            Spike(
                start=days[i], end=days[j], days=j - i + 1, peak_day=days[peak], value=float(values[peak]),
                baseline=round(means[peak], 2), threshold=round(means[peak] + k * devs[peak], 2),
                z=round((values[peak] - means[peak]) / devs[peak], 2), total=float(values[i : j + 1].sum()),
            )
        )
        i = j + 1
    return spikes


def load_mentions(db: sqlite_utils.Database, as_of: str, with_topics: bool) -> pd.DataFrame:
    """Mentions up to ``as_of`` not written by a brand: id, day, brand, platform, author, followers,
    negative flag, and dominant topic (the highest weight; the lowest id on ties)."""
    frame = store.read_frame(
        db,
        f"""SELECT m.mention_id, substr(m.posted_at, 1, 10) AS day, coalesce(m.brand, '') AS brand,
            coalesce(nullif(lower(trim(m.platform)), ''), 'other') AS platform, m.author,
            coalesce(m.author_followers, 0) AS followers, CASE WHEN s.label = 'negative' THEN 1 ELSE 0 END AS negative,
            coalesce(s.confidence, 1.0) AS confidence
        FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        WHERE m.posted_at <= ? AND m.posted_at IS NOT NULL AND coalesce(m.from_brand, 0) = 0""",
        [as_of],
    )
    frame["topic_id"] = pd.Series(pd.NA, index=frame.index, dtype=object)
    if with_topics and not frame.empty:
        mt = store.read_frame(db, f'SELECT mention_id, topic_id, weight FROM "{MENTION_TOPICS}"')
        if not mt.empty:
            mt = mt.sort_values(["mention_id", "weight", "topic_id"], ascending=[True, False, True]).drop_duplicates("mention_id")
            dominant = dict(zip(mt["mention_id"], mt["topic_id"].astype(str), strict=True))
            frame["topic_id"] = frame["mention_id"].map(dominant).astype(object)
    frame["n"] = 1
    return frame


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in frame.to_dict("records")]


def _drivers(db: sqlite_utils.Database, hits: pd.DataFrame, topic_labels: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Top mentions by reach, top authors and top topics among ``hits`` (rows of :func:`load_mentions`)."""
    top = hits.sort_values(["followers", "mention_id"], ascending=[False, True]).head(TOP_N)
    ids = top["mention_id"].astype(str).tolist()
    details = store.read_frame(
        db,
        f"SELECT m.mention_id, m.posted_at, coalesce(s.label, 'unscored') AS label, substr(m.text, 1, {SNIPPET_CHARS}) AS text "
        f"FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id "
        f"WHERE m.mention_id IN ({', '.join('?' for _ in ids)})",
        ids,
    ) if ids else pd.DataFrame({"mention_id": pd.Series(dtype=object)})
    mentions = top[["mention_id", "platform", "author", "followers"]].merge(details, on="mention_id", how="left")
    # Plain counters: an alert's mentions are few, and pandas' groupby costs more to set up than to run here.
    per_author: Counter[tuple[str, str]] = Counter()
    reach: dict[tuple[str, str], int] = {}
    for key, followers in zip(
        zip(hits["platform"].astype(str), hits["author"].astype(str), strict=True), hits["followers"].astype(int), strict=True
    ):
        per_author[key] += 1
        reach[key] = max(reach.get(key, 0), int(followers))
    ranked = sorted(per_author, key=lambda a: (-per_author[a], -reach[a], a[1], a[0]))[:TOP_N]
    authors = [{"platform": p, "author": a, "mentions": per_author[(p, a)], "followers": reach[(p, a)]} for p, a in ranked]
    per_topic = Counter(str(t) for t in hits["topic_id"].dropna())
    topics = [
        {"topic_id": t, "mentions": n, "label": topic_labels.get(t)}
        for t, n in sorted(per_topic.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_N]
    ]
    return {"mentions": _records(mentions), "authors": authors, "topics": topics}


def alert_drivers(db: sqlite_utils.Database, hits: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """The drivers of an alert raised elsewhere (workflow rules) over ``hits``: rows with
    mention_id, platform, author, followers and topic_id, as :func:`load_mentions` gives them."""
    return _drivers(db, hits, _topic_labels(db))


def _topic_labels(db: sqlite_utils.Database) -> dict[str, str]:
    if not table_exists(db, TOPICS):
        return {}
    cols = set(dialect.columns(db, TOPICS))
    if not {"topic_id", "label"} <= cols:
        return {}
    return {str(t): str(lab) for t, lab in db.execute(f'SELECT topic_id, label FROM "{TOPICS}"').fetchall()}


def _daily(frame: pd.DataFrame, days: list[str]) -> pd.Series:
    return frame.groupby("day")["n"].sum().reindex(days, fill_value=0)


def _series_alerts(
    db: sqlite_utils.Database, mentions: pd.DataFrame, brand: str | None, as_of: str, k: float,
    volume_floor: float, negative_floor: float,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if mentions.empty:
        return rows
    days = [str(d.date()) for d in pd.date_range(str(mentions["day"].min()), as_of[:10], freq="D")]
    labels = _topic_labels(db)
    groups: list[tuple[str, str, str | None, str | None, pd.DataFrame]] = []
    for b, frame in mentions.groupby("brand"):
        groups.append(("brand", str(b), None, None, frame))
    if brand is not None:
        own = mentions[(mentions["brand"] == brand) | (mentions["brand"] == "")]
        for p, frame in own.groupby("platform"):
            groups.append(("platform", brand, str(p), None, frame))
        for t, frame in own.dropna(subset=["topic_id"]).groupby("topic_id"):
            groups.append(("topic", brand, None, str(t), frame))
    for scope, b, platform, topic, frame in groups:
        for kind, floor, part in (
            ("volume", volume_floor, frame),
            ("negative", negative_floor, frame[frame["negative"] == 1]),
        ):
            for spike in detect_spikes(_daily(part, days), k=k, min_volume=floor):
                hits = part[(part["day"] >= spike.start) & (part["day"] <= spike.end)]
                rows.append(
                    {
                        "kind": kind, "scope": scope, "brand": b or None, "platform": platform,
                        "topic_id": topic, "customer_id": None,
                        "period_start": spike.start, "period_end": spike.end, "days": spike.days,
                        "value": spike.value, "baseline": spike.baseline, "threshold": spike.threshold,
                        "z": spike.z, "severity": "high" if spike.z >= 2 * k else "medium", "total": spike.total,
                        "drivers": json.dumps(_drivers(db, hits, labels), ensure_ascii=False),
                    }
                )
    return rows


def _vip_alerts(db: sqlite_utils.Database, mentions: pd.DataFrame, brand: str | None, as_of: str) -> list[dict[str, Any]]:
    start = (pd.Timestamp(as_of) - pd.Timedelta(days=VIP_DAYS)).strftime("%Y-%m-%d")
    # A high-severity alert is never raised on a low-confidence score alone.
    neg = mentions[(mentions["negative"] == 1) & (mentions["day"] > start) & (mentions["confidence"] >= LOW_CONFIDENCE)]
    if brand is not None:
        neg = neg[(neg["brand"] == brand) | (neg["brand"] == "")]
    if neg.empty:
        return []
    neg = neg.assign(profile_id=neg["platform"] + ":" + neg["author"].astype(str).str.strip().str.lstrip("@").str.lower())
    deciles = clv_deciles(db, as_of)
    vip = deciles[pd.to_numeric(deciles["clv_decile"], errors="coerce") >= VIP_DECILE]
    hits = neg.merge(linked_customers(db), on="profile_id").merge(vip, on="customer_id")
    labels = _topic_labels(db)
    rows: list[dict[str, Any]] = []
    for customer, frame in hits.groupby("customer_id"):
        frame = frame.sort_values(["day", "mention_id"])
        rows.append(
            {
                "kind": "vip_detractor", "scope": "customer", "brand": brand, "platform": str(frame["platform"].iloc[-1]),
                "topic_id": None, "customer_id": str(customer),
                "period_start": str(frame["day"].iloc[0]), "period_end": str(frame["day"].iloc[-1]),
                "days": int(frame["day"].nunique()), "value": float(len(frame)),
                "baseline": None, "threshold": None, "z": None, "severity": "high", "total": float(len(frame)),
                "drivers": json.dumps(_drivers(db, frame, labels), ensure_ascii=False),
            }
        )
    return rows


def compute_alerts(
    db: sqlite_utils.Database,
    *,
    as_of: str | None = None,
    k: float = 3.0,
    volume_floor: float = VOLUME_FLOOR,
    negative_floor: float = NEGATIVE_FLOOR,
) -> pd.DataFrame:
    """The ``alerts`` frame for the data up to ``as_of``, not stored (newest first)."""
    if k <= 0:
        raise ConfigError(Message("k = {k} must be positive; use about 3 (a higher k gives fewer alerts).", {"k": str(k)}))
    when = resolve_as_of(db, as_of)
    brand = own_brand(db)
    mentions = load_mentions(db, when, table_exists(db, MENTION_TOPICS))
    rows = _series_alerts(db, mentions, brand, when, k, volume_floor, negative_floor)
    rows += _vip_alerts(db, mentions, brand, when)
    now = store.utcnow()
    frame = pd.DataFrame(rows, columns=[c for c in ALERT_COLUMNS if c not in ("alert_id", "created_at")])
    frame = frame.sort_values(["period_start", "kind", "scope", "brand", "platform", "topic_id", "customer_id"], ascending=[False, True, True, True, True, True, True], na_position="first")
    frame.insert(0, "alert_id", np.arange(1, len(frame) + 1, dtype="int64"))
    frame["created_at"] = now
    for c in ("days",):
        frame[c] = frame[c].astype("int64")
    for c in ("value", "baseline", "threshold", "z", "total"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    for c in ("kind", "scope", "brand", "platform", "topic_id", "customer_id", "period_start", "period_end", "severity", "drivers", "created_at"):
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame.reset_index(drop=True)


def refresh(
    db: sqlite_utils.Database,
    *,
    as_of: str | None = None,
    progress: Progress | None = None,
    k: float = 3.0,
    volume_floor: float = VOLUME_FLOOR,
    negative_floor: float = NEGATIVE_FLOOR,
) -> StageSummary:
    """Recompute and store ``alerts``.

    >>> db = store.open_db(":memory:")
    >>> refresh(db).rows
    0
    """
    started = time.perf_counter()
    if progress:
        progress(0.0, "Looking for spikes")
    frame = compute_alerts(db, as_of=as_of, k=k, volume_floor=volume_floor, negative_floor=negative_floor)
    rows = store.replace_table(db, ALERTS, frame, pk="alert_id", indexes=[("kind",), ("period_start",)])
    counts = frame["kind"].value_counts()
    message = (
        f"Raised {rows:,} alerts: {int(counts.get('volume', 0)):,} volume spikes, "
        f"{int(counts.get('negative', 0)):,} negative-sentiment spikes, {int(counts.get('vip_detractor', 0)):,} VIP detractors."
    )
    if progress:
        progress(1.0, "Alerts raised")
    return StageSummary("alerts", rows, time.perf_counter() - started, message)


# --- incidents: what a person reads ----------------------------------------------------------------

# Alerts of one kind about one brand (or customer) less than this many days apart are one incident:
# a week-long crisis raises a brand spike, platform spikes and theme spikes on most of its days.
INCIDENT_WINDOW_DAYS = 3
# Incidents of one kind listed per day before the rest are folded away (meta ``alerts_daily_cap``):
# more than a handful of new incidents of one kind in a day is noise nobody reads one by one.
DEFAULT_DAILY_CAP = 3
_SEVERITY_RANK = {"high": 0, "medium": 1}
INCIDENT_COLUMNS = ("incident_alerts", "incident_start", "incident_end", "incident_total", "alert_ids", "capped")


def daily_cap(db: sqlite_utils.Database) -> int:
    """Incidents of one kind listed per day: meta ``alerts_daily_cap`` (a whole number, 1 or more), else the default.

    >>> daily_cap(store.open_db(":memory:"))
    3
    """
    value = store.get_meta(db, S.META_ALERT_DAILY_CAP)
    try:
        cap = int(str(value).strip()) if value is not None else DEFAULT_DAILY_CAP
    except ValueError:
        log.warning("ignoring the unreadable alert cap %s=%r", S.META_ALERT_DAILY_CAP, value)
        return DEFAULT_DAILY_CAP
    return max(1, cap)


def _incident_key(row: dict[str, Any]) -> str:
    rule = ""
    if row.get("kind") == S.ALERT_RULE:  # one rule's alerts are one story, another rule's another
        try:
            found = json.loads(str(row.get("drivers") or "{}")).get("rule") or {}
            rule = str(found.get("rule_id") or found.get("name") or "") if isinstance(found, dict) else ""
        except (TypeError, ValueError, AttributeError):
            rule = ""
    parts = (row.get("kind"), row.get("brand"), row.get("customer_id"), rule)
    return "\x1f".join("" if p is None or (isinstance(p, float) and np.isnan(p)) else str(p) for p in parts)


def group_incidents(
    alerts: pd.DataFrame, *, window_days: int = INCIDENT_WINDOW_DAYS, cap: int = DEFAULT_DAILY_CAP
) -> pd.DataFrame:
    """One row per incident: alerts of the same kind and brand (or customer, or rule) whose periods lie
    less than ``window_days`` apart. Pure; the alerts table is left as it is.

    The row is the incident's strongest alert (high before medium, then the
    largest deviation, then the newest), with ``incident_alerts`` (how many
    alerts), ``incident_start``/``incident_end`` (the first and last day),
    ``incident_total`` (the sum of their mentions), ``alert_ids`` (comma-separated)
    and ``capped``: True past the first ``cap`` incidents of a kind that end on
    the same day (strongest first), which a reader sees folded away. Newest first.
    """
    columns = [*alerts.columns, *INCIDENT_COLUMNS]
    if alerts.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    rows = [{str(k): v for k, v in r.items()} for r in alerts.to_dict("records")]
    for r in rows:
        r["_key"] = _incident_key(r)
        r["_start"] = str(r.get("period_start") or "")[:10]
        r["_end"] = str(r.get("period_end") or r.get("period_start") or "")[:10]
    rows.sort(key=lambda r: (r["_key"], r["_start"], r["_end"]))
    groups: list[list[dict[str, Any]]] = []
    last_key, last_end = None, None
    for r in rows:
        start = pd.Timestamp(r["_start"]) if r["_start"] else None
        near = (
            last_end is not None and start is not None
            and (start - pd.Timestamp(last_end)).days <= window_days
        )  # fmt: skip
        if r["_key"] == last_key and near:
            groups[-1].append(r)
            last_end = max(str(last_end), r["_end"])
        else:
            groups.append([r])
            last_key, last_end = r["_key"], r["_end"]

    def strength(r: dict[str, Any]) -> tuple[Any, ...]:
        z = r.get("z")
        z = -float(z) if z is not None and not (isinstance(z, float) and np.isnan(z)) else 0.0
        return (_SEVERITY_RANK.get(str(r.get("severity")), 2), z, tuple(-ord(c) for c in r["_end"]))

    out = []
    for group in groups:
        strongest: dict[str, Any] = min(group, key=strength)
        best = dict(strongest)
        totals = pd.to_numeric(pd.Series([g.get("total") for g in group]), errors="coerce")
        best.update(
            incident_alerts=len(group), incident_start=min(g["_start"] for g in group),
            incident_end=max(g["_end"] for g in group), incident_total=float(totals.sum()),
            alert_ids=",".join(str(g.get("alert_id")) for g in sorted(group, key=lambda g: (g["_start"], str(g.get("alert_id"))))),
        )  # fmt: skip
        out.append(best)
    out.sort(key=lambda r: (r["incident_end"], *(-x if isinstance(x, (int, float)) else x for x in strength(r)[:2])), reverse=True)
    # The daily cap: per kind and last day, the strongest incidents first.
    seen: Counter[tuple[str, str]] = Counter()
    for r in sorted(out, key=strength):
        slot = (str(r.get("kind")), r["incident_end"])
        seen[slot] += 1
        r["capped"] = seen[slot] > cap
    frame = pd.DataFrame(out).drop(columns=["_key", "_start", "_end"])
    return frame.reindex(columns=columns).reset_index(drop=True)
