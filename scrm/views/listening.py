"""Social listening reads: what the Listening and Alerts pages show, as pure reads of ``db``.

Every function takes the database and the dashboard's :class:`~scrm.db.filters.Filters`
and returns a small DataFrame (or a frozen dataclass); nothing here writes.

Conventions (why):

- **Conversation** counts mentions people wrote: brand accounts' own posts
  and replies (``from_brand = 1``) are left out of volume, sentiment, share
  of voice, topics, authors and places, as in :mod:`scrm.analysis.alerts`; a brand
  answering a storm must not make the storm look bigger. The communication
  modes count both and say which is which.
- **Net sentiment** is the KPI of :mod:`scrm.views.kpis`: percent of *scored*
  mentions labelled positive minus percent labelled negative, in points from
  -100 to 100; unscored mentions (unsupported language, or before
  ``python -m scrm score``) are left out, and a period without any scored
  mention has no value rather than 0.
- **Weeks** start on Monday (ISO); a period is named by its first day.
- **Share of voice** compares every brand, whatever the brand filter says
  (a filter on one brand would otherwise always give it 100%).
- **Places**: ``mentions.location`` is free text ("London, UK", "Somewhere up
  north"). :func:`place_location` reads it with a small built-in gazetteer of
  the cities and countries common in the demo and in Western European and
  US data; what it cannot place is counted, never guessed.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlite_utils

from scrm.analysis.roles import (
    ADVOCATE_MIN,
    AMBASSADOR_MIN,
    DETRACTOR_MIN,
    INFLUENCER_MIN,
    ROLES,
    profile_id_sql,
)
from scrm.analysis.subjects import subject_name
from scrm.db import dialect, store, summaries
from scrm.db import schema as S
from scrm.db import settings as business
from scrm.db.filters import Filters, mentions_where
from scrm.db.store import own_brand, table_exists

Period = Literal["week", "day"]
GroupBy = Literal["platform", "brand"]

TOPICS = S.TOPICS
MENTION_TOPICS = S.MENTION_TOPICS
ALERTS = S.ALERTS

NO_BRAND = "(no brand)"
LABELS = S.SCORED_LABELS


def _period_sql(db: sqlite_utils.Database, period: Period, column: str = "m.posted_at", week_start: str = "monday") -> str:
    if period == "day":
        return dialect.day(column)
    # The Monday (or Sunday, as Settings says) on or before the day, on either engine.
    return dialect.week_start(db, column, "sunday" if week_start == "sunday" else "monday")


def _people_where(f: Filters) -> tuple[str, list[Any]]:
    """Filters plus "written by people" (no brand account) and "has a date"."""
    where, params = mentions_where(f, "m", sentiment_alias="s")
    return f"{where} AND m.posted_at IS NOT NULL AND coalesce(m.from_brand, 0) = 0", params


def _sentiment_join(db: sqlite_utils.Database) -> str:
    # Before the first `score`, the table exists (schema 2) but is empty: the
    # LEFT JOIN then gives "unscored" everywhere, which is the truth.
    return f"LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id"


def _net(positive: pd.Series, negative: pd.Series, scored: pd.Series) -> pd.Series:
    net = (positive - negative) / scored.where(scored > 0) * 100
    return net.astype("float64").round(1)


def has_scores(db: sqlite_utils.Database) -> bool:
    """True when at least one mention has a sentiment label (``python -m scrm score`` ran)."""
    return db.execute(f"SELECT 1 FROM {S.SENTIMENT} WHERE label IN ('positive', 'neutral', 'negative') LIMIT 1").fetchone() is not None


def volume_over_time(
    db: sqlite_utils.Database, f: Filters, *, by: GroupBy = "platform", period: Period = "week"
) -> pd.DataFrame:
    """Mentions and net sentiment per period and platform (or brand).

    Columns: ``period`` (ISO day: the day, or the first day of the week, as Settings says),
    ``group``, ``mentions``, ``positive``, ``neutral``, ``negative``,
    ``scored``, ``net_sentiment`` (points, NaN without scored mentions),
    ``own`` (True on the own brand's rows, so charts give it the own brand's colour).
    """
    summed = summaries.is_current(db)
    # From the daily summaries when they are current: the same counts (brand accounts' mentions
    # and undated ones are not in them either), without joining every mention to its sentiment.
    alias = "v" if summed else "m"
    if summed:
        where, params = summaries.filter_where(f, "v")
        source = f"{S.SUMMARY_MENTIONS} v"
        counts = {name: f"CASE WHEN v.label = '{name}' THEN v.mentions ELSE 0 END" for name in ("positive", "neutral", "negative")}
        total, day = "sum(v.mentions)", "v.day"
    else:
        where, params = _people_where(f)
        source = f"{S.MENTIONS} m {_sentiment_join(db)}"
        counts = {name: f"CASE WHEN s.label = '{name}' THEN 1 ELSE 0 END" for name in ("positive", "neutral", "negative")}
        total, day = "count(*)", "m.posted_at"
    group_sql = (
        f"coalesce(nullif(trim({alias}.brand), ''), ?)" if by == "brand"
        else f"coalesce(nullif(lower(trim({alias}.platform)), ''), 'other')"
    )
    group_params: list[Any] = [NO_BRAND] if by == "brand" else []
    frame = store.read_frame(
        db,
        f"""SELECT {_period_sql(db, period, day, week_start=business.week_start(db))} AS period, {group_sql} AS "group",
                {total} AS mentions, {", ".join(f"sum({sql}) AS {name}" for name, sql in counts.items())}
            FROM {source}
            WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2""",
        [*group_params, *params],
    )
    if frame.empty:
        return pd.DataFrame(
            {
                "period": pd.Series(dtype=object), "group": pd.Series(dtype=object),
                **{c: pd.Series(dtype="int64") for c in ("mentions", "positive", "neutral", "negative", "scored")},
                "net_sentiment": pd.Series(dtype="float64"), "own": pd.Series(dtype=bool),
            }
        )
    for c in ("positive", "neutral", "negative"):
        frame[c] = pd.to_numeric(frame[c]).fillna(0).astype("int64")
    frame["scored"] = frame["positive"] + frame["neutral"] + frame["negative"]
    frame["net_sentiment"] = _net(frame["positive"], frame["negative"], frame["scored"])
    own = own_brand(db) if by == "brand" else None
    frame["own"] = (frame["group"] == own) if own is not None else False
    return frame.astype({"period": object, "group": object, "own": bool})


def share_of_voice(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Mentions per brand (all brands, whatever the brand filter), their share and net sentiment.

    Columns: ``brand``, ``mentions``, ``share`` (percent of mentions naming a
    brand), ``net_sentiment``, ``own`` (True for meta ``own_brand``), biggest first.
    Mentions that name no brand are left out of the shares.
    """
    if summaries.is_current(db):
        where, params = summaries.filter_where(replace(f, brands=()), "v")
        sql = f"""SELECT trim(v.brand) AS brand, sum(v.mentions) AS mentions,
                sum(CASE WHEN v.label = 'positive' THEN v.mentions ELSE 0 END) AS positive,
                sum(CASE WHEN v.label = 'negative' THEN v.mentions ELSE 0 END) AS negative,
                sum(CASE WHEN v.label IN ('positive', 'neutral', 'negative') THEN v.mentions ELSE 0 END) AS scored
            FROM {S.SUMMARY_MENTIONS} v WHERE {where} AND trim(v.brand) <> '' GROUP BY 1 ORDER BY 2 DESC, 1"""
    else:
        where, params = _people_where(replace(f, brands=()))
        sql = f"""SELECT trim(m.brand) AS brand, count(*) AS mentions,
                sum(CASE WHEN s.label = 'positive' THEN 1 ELSE 0 END) AS positive, sum(CASE WHEN s.label = 'negative' THEN 1 ELSE 0 END) AS negative,
                sum(CASE WHEN s.label IN ('positive', 'neutral', 'negative') THEN 1 ELSE 0 END) AS scored
            FROM {S.MENTIONS} m {_sentiment_join(db)}
            WHERE {where} AND trim(coalesce(m.brand, '')) <> ''
            GROUP BY 1 ORDER BY 2 DESC, 1"""
    frame = store.read_frame(db, sql, params)
    own = own_brand(db)
    if frame.empty:
        return pd.DataFrame(
            {
                "brand": pd.Series(dtype=object), "mentions": pd.Series(dtype="int64"),
                "share": pd.Series(dtype="float64"), "net_sentiment": pd.Series(dtype="float64"),
                "own": pd.Series(dtype=bool),
            }
        )
    for c in ("positive", "negative", "scored"):
        frame[c] = pd.to_numeric(frame[c]).fillna(0).astype("int64")
    frame["share"] = (frame["mentions"] / frame["mentions"].sum() * 100).round(1)
    frame["net_sentiment"] = _net(frame["positive"], frame["negative"], frame["scored"])
    frame["own"] = frame["brand"] == own
    return frame[["brand", "mentions", "share", "net_sentiment", "own"]].astype({"brand": object})


TOPIC_COLUMNS = ("topic_id", "lang", "label", "subject", "mentions", "share", "net_sentiment", "avg_score", "trend")
SUBJECT_COLUMNS = ("group", "subject", "label", "themes", "langs", "theme_labels", "mentions", "share", "net_sentiment",
                   "avg_score", "trend")
_TOPIC_NUMBERS = ("mentions", "share", "net_sentiment", "avg_score", "trend")


def _topic_columns(db: sqlite_utils.Database) -> set[str]:
    """The columns of the stored ``topics`` table (one written before subjects existed has no ``subject``)."""
    return set(store.read_frame(db, f'SELECT * FROM "{TOPICS}" WHERE 1 = 0').columns)


def _topic_counts(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """One row per theme under the filters with its raw counts (empty before themes are computed)."""
    if not (table_exists(db, TOPICS) and table_exists(db, MENTION_TOPICS)):
        return pd.DataFrame()
    have = _topic_columns(db)
    subject = "max(t.subject)" if "subject" in have else "NULL"  # NULL outside an aggregate: PostgreSQL cannot type max(NULL)
    windows = "max(t.last_4w) AS last_4w, max(t.prev_4w) AS prev_4w" if {"last_4w", "prev_4w"} <= have \
        else "NULL AS last_4w, NULL AS prev_4w"
    if summaries.is_current(db):
        # The same counts from sum_topics (themed inbound mentions per day and filter value).
        where, params = summaries.filter_where(f, "v")
        sql = f"""SELECT t.topic_id, t.lang, t.label, {subject} AS subject, sum(v.mentions) AS mentions,
                sum(CASE WHEN v.label = 'positive' THEN v.mentions ELSE 0 END) AS positive,
                sum(CASE WHEN v.label = 'negative' THEN v.mentions ELSE 0 END) AS negative,
                sum(CASE WHEN v.label IN ('positive', 'neutral', 'negative') THEN v.mentions ELSE 0 END) AS scored,
                sum(v.score_sum) AS score_sum, sum(v.score_n) AS score_n, max(t.trend) AS trend, {windows}
            FROM {S.SUMMARY_TOPICS} v JOIN "{TOPICS}" t ON t.topic_id = v.topic_id
            WHERE {where} GROUP BY t.topic_id, t.lang, t.label ORDER BY mentions DESC, t.topic_id"""
        return _topic_frame(store.read_frame(db, sql, params))
    where, params = _people_where(f)
    frame = store.read_frame(
        db,
        f"""SELECT t.topic_id, t.lang, t.label, {subject} AS subject, count(*) AS mentions,
                sum(CASE WHEN s.label = 'positive' THEN 1 ELSE 0 END) AS positive, sum(CASE WHEN s.label = 'negative' THEN 1 ELSE 0 END) AS negative,
                sum(CASE WHEN s.label IN ('positive', 'neutral', 'negative') THEN 1 ELSE 0 END) AS scored,
                sum(s.score) AS score_sum, count(s.score) AS score_n, max(t.trend) AS trend, {windows}
            FROM "{MENTION_TOPICS}" mt JOIN {S.MENTIONS} m ON m.mention_id = mt.mention_id
            JOIN "{TOPICS}" t ON t.topic_id = mt.topic_id {_sentiment_join(db)}
            WHERE {where} GROUP BY t.topic_id, t.lang, t.label ORDER BY mentions DESC, t.topic_id""",
        params,
    )
    return _topic_frame(frame)


def _topic_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The theme counts with their types set (counts as integers, sums as floats, no subject as None)."""
    if frame.empty:
        return frame
    for c in ("mentions", "positive", "negative", "scored", "score_n"):
        frame[c] = pd.to_numeric(frame[c]).fillna(0).astype("int64")
    for c in ("score_sum", "trend", "last_4w", "prev_4w"):
        frame[c] = pd.to_numeric(frame[c]).astype("float64")
    frame["subject"] = frame["subject"].astype(object).where(frame["subject"].notna(), None)
    return frame


def topic_summary(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Conversation themes under the filters: size, sentiment and trend.

    Columns: ``topic_id``, ``lang``, ``label``, ``subject`` (the key of its
    cross-language subject, :mod:`scrm.analysis.subjects`; None when it has
    none), ``mentions`` (in the filters), ``share`` (percent of the filtered
    mentions with a theme), ``net_sentiment`` (points, in the filters),
    ``avg_score`` (mean sentiment score in [-1, 1]), ``trend`` (from
    ``topics``: the last 4 weeks over the 4 before, > 1 rising; NaN when
    unknown). Empty before topics are computed.
    """
    frame = _topic_counts(db, f)
    if frame.empty:
        return _empty(TOPIC_COLUMNS, numeric=_TOPIC_NUMBERS)
    frame["share"] = (frame["mentions"] / frame["mentions"].sum() * 100).round(1)
    frame["net_sentiment"] = _net(frame["positive"], frame["negative"], frame["scored"])
    frame["avg_score"] = (frame["score_sum"] / frame["score_n"].where(frame["score_n"] > 0)).astype("float64").round(3)
    frame["trend"] = frame["trend"].round(2)
    return frame[list(TOPIC_COLUMNS)].astype({"topic_id": object, "lang": object, "label": object, "subject": object})


def subject_summary(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Themes under the filters grouped by subject across languages (see :func:`group_topics_by_subject`)."""
    return group_topics_by_subject(_topic_counts(db, f))


def group_topics_by_subject(counts: pd.DataFrame) -> pd.DataFrame:
    """One row per subject, its themes of every language together; a theme without a subject stays a row of its own.

    ``counts`` has one row per theme: ``topic_id``, ``lang``, ``label``,
    ``subject``, ``mentions``, ``positive``, ``negative``, ``scored``,
    ``score_sum``, ``score_n`` and, optionally, ``last_4w`` and ``prev_4w``
    (the trend windows of :mod:`scrm.analysis.topics`). Columns out:
    ``group`` (the subject key, or the theme's id), ``subject`` (key or
    None), ``label`` (the subject's English name, to translate with ``t()``;
    the theme's own label when it has no subject), ``themes`` (how many),
    ``langs`` ("en, es"), ``theme_labels`` (the themes' labels, biggest first,
    " | " between them), ``mentions``, ``share`` (percent of the themed
    mentions), ``net_sentiment`` (points), ``avg_score`` (-1 to 1) and
    ``trend`` (the themes' last 4 weeks over their 4 before; NaN when
    unknown). Biggest first.

    >>> counts = pd.DataFrame({"topic_id": ["en-1", "es-1", "en-2"], "lang": ["en", "es", "en"],
    ...     "label": ["late delivery", "entrega", "sofa colour"], "subject": ["delivery", "delivery", None],
    ...     "mentions": [30, 20, 10], "positive": [0, 2, 8], "negative": [20, 10, 0], "scored": [30, 20, 10],
    ...     "score_sum": [-9.0, -4.0, 5.0], "score_n": [30, 20, 10]})
    >>> group_topics_by_subject(counts)[["group", "label", "themes", "langs", "mentions", "net_sentiment"]].values.tolist()
    [['delivery', 'Delivery and shipping', 2, 'en, es', 50, -56.0], ['en-2', 'sofa colour', 1, 'en', 10, 80.0]]
    """
    if counts.empty:
        return _empty(SUBJECT_COLUMNS, numeric=(*_TOPIC_NUMBERS, "themes"))
    frame = counts.copy()
    if "last_4w" not in frame.columns or "prev_4w" not in frame.columns:
        frame["last_4w"] = np.nan
        frame["prev_4w"] = np.nan
    frame["group"] = [s if isinstance(s, str) and s else t for s, t in zip(frame["subject"], frame["topic_id"], strict=True)]
    frame = frame.sort_values(["mentions", "topic_id"], ascending=[False, True], kind="stable")
    rows: list[dict[str, Any]] = []
    for group, part in frame.groupby("group", sort=False):
        subject = part["subject"].iloc[0] if isinstance(part["subject"].iloc[0], str) and part["subject"].iloc[0] else None
        langs = sorted(set(part["lang"].astype(str)), key=lambda x: (x != "en", x))
        last, prev = part["last_4w"], part["prev_4w"]
        known = last.notna() & prev.notna()
        rows.append({
            "group": str(group),
            "subject": subject,
            "label": subject_name(subject) if subject else str(part["label"].iloc[0]),
            "themes": len(part),
            "langs": ", ".join(langs),
            "theme_labels": " | ".join(part["label"].astype(str)),
            "mentions": int(part["mentions"].sum()),
            "positive": int(part["positive"].sum()),
            "negative": int(part["negative"].sum()),
            "scored": int(part["scored"].sum()),
            "score_sum": float(part["score_sum"].fillna(0).sum()),
            "score_n": int(part["score_n"].sum()),
            "last": float(last[known].sum()) if known.any() else np.nan,
            "prev": float(prev[known].sum()) if known.any() else np.nan,
        })  # fmt: skip
    out = pd.DataFrame(rows)
    out["share"] = (out["mentions"] / out["mentions"].sum() * 100).round(1)
    out["net_sentiment"] = _net(out["positive"], out["negative"], out["scored"])
    out["avg_score"] = (out["score_sum"] / out["score_n"].where(out["score_n"] > 0)).astype("float64").round(3)
    out["trend"] = (out["last"] / out["prev"].where(out["prev"] > 0)).astype("float64").round(2)
    out = out.sort_values(["mentions", "group"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out = out[list(SUBJECT_COLUMNS)].astype({"group": object, "subject": object, "label": object, "langs": object,
                                             "theme_labels": object, "themes": "int64"})
    out["subject"] = out["subject"].where(out["subject"].notna(), None)  # None, not NaN, for "no subject"
    return out


def _empty(columns: tuple[str, ...], numeric: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in numeric else object) for c in columns})


ROLE_BADGES: tuple[tuple[str, str, float], ...] = (
    ("ambassador", "ambassador_score", AMBASSADOR_MIN),
    ("advocate", "advocate_score", ADVOCATE_MIN),
    ("influencer", "influencer_score", INFLUENCER_MIN),
    ("detractor", "detractor_score", DETRACTOR_MIN),
)


AuthorRank = Literal["mentions", "followers", "role"]


def top_authors(db: sqlite_utils.Database, f: Filters, limit: int = 25, *, rank_by: AuthorRank = "mentions") -> pd.DataFrame:
    """The top authors under the filters, with their role badges.

    ``rank_by``: ``mentions`` (most mentions first), ``followers`` (widest
    reach first) or ``role`` (only authors with a role in ``roles``, most
    mentions first; none before roles are computed).

    Columns: ``profile_id``, ``platform``, ``author``, ``mentions``,
    ``followers`` (largest seen), ``net_sentiment``, ``role`` (primary role
    from ``roles``, "none" when none or before roles are computed), ``badges``
    (every role whose score reaches its threshold in :mod:`scrm.analysis.roles`, as
    text such as "advocate · influencer"), ``customer_id`` (linked customer).
    """
    columns = ("profile_id", "platform", "author", "mentions", "followers", "net_sentiment", "role", "badges", "customer_id")
    where, params = _people_where(f)
    role_join = ""
    if rank_by == "role":
        if not table_exists(db, ROLES):
            return _empty(columns, numeric=("mentions", "followers", "net_sentiment"))
        role_join = f"JOIN \"{ROLES}\" r ON r.profile_id = {profile_id_sql('m')} AND coalesce(r.role, 'none') <> 'none'"
    order = "followers DESC, mentions DESC" if rank_by == "followers" else "mentions DESC, followers DESC"
    if summaries.is_current(db) and rank_by != "role":
        # From sum_voices: one row per author, day and filter value instead of one per mention;
        # the author's profile id, name and largest follower count as the mentions give them.
        where, params = summaries.filter_where(f, "v")
        # profile_id is the one profile_id_sql() gives each mention (NULL without an author).
        sql = f"""SELECT v.profile_id AS profile_id, max(coalesce(nullif(lower(trim(v.platform)), ''), 'other')) AS platform,
                max(CASE WHEN v.no_author = 1 THEN NULL ELSE v.author END) AS author, sum(v.mentions) AS mentions,
                max(v.followers) AS followers, sum(v.positive) AS positive, sum(v.negative) AS negative, sum(v.scored) AS scored
            FROM {S.SUMMARY_VOICES} v WHERE {where} GROUP BY v.profile_id ORDER BY {order}, profile_id LIMIT ?"""
        return _author_frame(db, store.read_frame(db, sql, [*params, int(limit)]), columns)
    frame = store.read_frame(
        db,
        # max(): the platform is part of the profile id, so one value per group; PostgreSQL
        # (unlike SQLite) wants every column outside GROUP BY aggregated.
        f"""SELECT {profile_id_sql('m')} AS profile_id, max(coalesce(nullif(lower(trim(m.platform)), ''), 'other')) AS platform,
                max(m.author) AS author, count(*) AS mentions, max(coalesce(m.author_followers, 0)) AS followers,
                sum(CASE WHEN s.label = 'positive' THEN 1 ELSE 0 END) AS positive, sum(CASE WHEN s.label = 'negative' THEN 1 ELSE 0 END) AS negative,
                sum(CASE WHEN s.label IN ('positive', 'neutral', 'negative') THEN 1 ELSE 0 END) AS scored
            FROM {S.MENTIONS} m {_sentiment_join(db)} {role_join}
            WHERE {where} GROUP BY 1 ORDER BY {order}, profile_id LIMIT ?""",
        [*params, int(limit)],
    )
    return _author_frame(db, frame, columns)


def _author_frame(db: sqlite_utils.Database, frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The top authors' counts with their net sentiment, roles and badges."""
    if frame.empty:
        return _empty(columns, numeric=("mentions", "followers", "net_sentiment"))
    for c in ("positive", "negative", "scored", "followers"):
        frame[c] = pd.to_numeric(frame[c]).fillna(0).astype("int64")
    frame["net_sentiment"] = _net(frame["positive"], frame["negative"], frame["scored"])
    roles = _roles_of(db, frame["profile_id"].tolist())
    frame = frame.merge(roles, on="profile_id", how="left")
    frame["role"] = frame["role"].fillna("none").astype(object)
    frame["badges"] = frame["badges"].fillna("").astype(object)
    return frame[list(columns)].astype({"profile_id": object, "platform": object, "author": object})


def _roles_of(db: sqlite_utils.Database, profile_ids: list[str]) -> pd.DataFrame:
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ("profile_id", "role", "badges", "customer_id")})
    if not profile_ids or not table_exists(db, ROLES):
        return empty
    cols = set(dialect.columns(db, ROLES))
    scores = [score for _, score, _ in ROLE_BADGES if score in cols]
    wanted = ["profile_id", "role", "customer_id", *scores]
    if not {"profile_id", "role"} <= cols:
        return empty
    select = ", ".join(f'"{c}"' if c in cols else f'NULL AS "{c}"' for c in wanted)
    roles = store.read_frame(
        db,
        f'SELECT {select} FROM "{ROLES}" WHERE profile_id IN ({", ".join("?" for _ in profile_ids)})',
        profile_ids,
    )
    if roles.empty:
        return empty

    def badges(row: pd.Series) -> str:
        names = [name for name, score, minimum in ROLE_BADGES if score in row and pd.notna(row[score]) and float(row[score]) >= minimum]
        return " · ".join(names)

    roles["badges"] = roles.apply(badges, axis=1).astype(object)
    return roles[["profile_id", "role", "badges", "customer_id"]].astype(object)


# --- places ------------------------------------------------------------------------

# (name, country code, latitude, longitude). Names are matched after folding
# case and accents, so "Málaga", "malaga" and "MALAGA" are one place.
CITIES: tuple[tuple[str, str, float, float], ...] = (
    # Spain
    ("Madrid", "ES", 40.4168, -3.7038), ("Barcelona", "ES", 41.3874, 2.1686), ("Valencia", "ES", 39.4699, -0.3763),
    ("Sevilla", "ES", 37.3891, -5.9845), ("Seville", "ES", 37.3891, -5.9845), ("Zaragoza", "ES", 41.6488, -0.8891),
    ("Málaga", "ES", 36.7213, -4.4214), ("Bilbao", "ES", 43.2630, -2.9350), ("Palma", "ES", 39.5696, 2.6502),
    ("Palma de Mallorca", "ES", 39.5696, 2.6502), ("Alicante", "ES", 38.3452, -0.4810),
    ("Granada", "ES", 37.1773, -3.5986), ("Valladolid", "ES", 41.6523, -4.7245), ("Murcia", "ES", 37.9922, -1.1307),
    ("Córdoba", "ES", 37.8882, -4.7794), ("Vigo", "ES", 42.2406, -8.7207), ("Gijón", "ES", 43.5322, -5.6611),
    ("A Coruña", "ES", 43.3623, -8.4115), ("San Sebastián", "ES", 43.3183, -1.9812), ("Santander", "ES", 43.4623, -3.8099),
    ("Las Palmas", "ES", 28.1235, -15.4363), ("Pamplona", "ES", 42.8125, -1.6458), ("Salamanca", "ES", 40.9701, -5.6635),
    # France
    ("Paris", "FR", 48.8566, 2.3522), ("Lyon", "FR", 45.7640, 4.8357), ("Marseille", "FR", 43.2965, 5.3698),
    ("Toulouse", "FR", 43.6047, 1.4442), ("Bordeaux", "FR", 44.8378, -0.5792), ("Lille", "FR", 50.6292, 3.0573),
    ("Nantes", "FR", 47.2184, -1.5536), ("Nice", "FR", 43.7102, 7.2620), ("Strasbourg", "FR", 48.5734, 7.7521),
    ("Rennes", "FR", 48.1173, -1.6778), ("Montpellier", "FR", 43.6108, 3.8767), ("Grenoble", "FR", 45.1885, 5.7245),
    ("Reims", "FR", 49.2583, 4.0317), ("Dijon", "FR", 47.3220, 5.0415), ("Le Havre", "FR", 49.4944, 0.1079),
    # United Kingdom and Ireland
    ("London", "GB", 51.5072, -0.1276), ("Manchester", "GB", 53.4808, -2.2426), ("Birmingham", "GB", 52.4862, -1.8904),
    ("Glasgow", "GB", 55.8642, -4.2518), ("Edinburgh", "GB", 55.9533, -3.1883), ("Liverpool", "GB", 53.4084, -2.9916),
    ("Leeds", "GB", 53.8008, -1.5491), ("Bristol", "GB", 51.4545, -2.5879), ("Cardiff", "GB", 51.4816, -3.1791),
    ("Sheffield", "GB", 53.3811, -1.4701), ("Newcastle", "GB", 54.9783, -1.6178), ("Nottingham", "GB", 52.9548, -1.1581),
    ("Belfast", "GB", 54.5973, -5.9301), ("Brighton", "GB", 50.8225, -0.1372), ("Oxford", "GB", 51.7520, -1.2577),
    ("Cambridge", "GB", 52.2053, 0.1218), ("Dublin", "IE", 53.3498, -6.2603),
    # Elsewhere in Europe
    ("Lisbon", "PT", 38.7223, -9.1393), ("Lisboa", "PT", 38.7223, -9.1393), ("Porto", "PT", 41.1579, -8.6291),
    ("Berlin", "DE", 52.5200, 13.4050), ("Munich", "DE", 48.1351, 11.5820), ("München", "DE", 48.1351, 11.5820),
    ("Hamburg", "DE", 53.5511, 9.9937), ("Frankfurt", "DE", 50.1109, 8.6821), ("Rome", "IT", 41.9028, 12.4964),
    ("Roma", "IT", 41.9028, 12.4964), ("Milan", "IT", 45.4642, 9.1900), ("Milano", "IT", 45.4642, 9.1900),
    ("Amsterdam", "NL", 52.3676, 4.9041), ("Brussels", "BE", 50.8503, 4.3517), ("Bruxelles", "BE", 50.8503, 4.3517),
    ("Geneva", "CH", 46.2044, 6.1432), ("Genève", "CH", 46.2044, 6.1432), ("Zurich", "CH", 47.3769, 8.5417),
    # United States and Canada
    ("New York", "US", 40.7128, -74.0060), ("NYC", "US", 40.7128, -74.0060), ("Los Angeles", "US", 34.0522, -118.2437),
    ("LA", "US", 34.0522, -118.2437), ("Chicago", "US", 41.8781, -87.6298), ("Houston", "US", 29.7604, -95.3698),
    ("Phoenix", "US", 33.4484, -112.0740), ("Philadelphia", "US", 39.9526, -75.1652), ("San Antonio", "US", 29.4241, -98.4936),
    ("San Diego", "US", 32.7157, -117.1611), ("Dallas", "US", 32.7767, -96.7970), ("Austin", "US", 30.2672, -97.7431),
    ("San Francisco", "US", 37.7749, -122.4194), ("Seattle", "US", 47.6062, -122.3321), ("Denver", "US", 39.7392, -104.9903),
    ("Boston", "US", 42.3601, -71.0589), ("Washington", "US", 38.9072, -77.0369), ("Washington DC", "US", 38.9072, -77.0369),
    ("Atlanta", "US", 33.7490, -84.3880), ("Miami", "US", 25.7617, -80.1918), ("Orlando", "US", 28.5383, -81.3792),
    ("Las Vegas", "US", 36.1699, -115.1398), ("Nashville", "US", 36.1627, -86.7816), ("Portland", "US", 45.5152, -122.6784),
    ("Detroit", "US", 42.3314, -83.0458), ("Minneapolis", "US", 44.9778, -93.2650), ("Toronto", "CA", 43.6532, -79.3832),
    ("Montreal", "CA", 45.5019, -73.5674), ("Montréal", "CA", 45.5019, -73.5674), ("Vancouver", "CA", 49.2827, -123.1207),
    ("Mexico City", "MX", 19.4326, -99.1332), ("Ciudad de México", "MX", 19.4326, -99.1332),
)

# Regions people write as their whole location, at their centre.
REGIONS: tuple[tuple[str, str, float, float], ...] = (
    ("Yorkshire", "GB", 53.96, -1.08), ("Cornwall", "GB", 50.27, -5.05), ("Kent", "GB", 51.28, 0.52),
    ("Hauts-de-France", "FR", 49.97, 2.85), ("Bretagne", "FR", 48.2, -2.9), ("Brittany", "FR", 48.2, -2.9),
    ("Normandie", "FR", 49.1, 0.2), ("Normandy", "FR", 49.1, 0.2), ("Provence", "FR", 43.9, 6.0),
    ("Île-de-France", "FR", 48.85, 2.35), ("Alsace", "FR", 48.3, 7.4), ("Côte d'Azur", "FR", 43.6, 7.0),
    ("Costa Brava", "ES", 41.9, 3.1), ("Costa del Sol", "ES", 36.6, -4.6), ("Cataluña", "ES", 41.8, 1.6),
    ("Catalunya", "ES", 41.8, 1.6), ("Catalonia", "ES", 41.8, 1.6), ("Andalucía", "ES", 37.5, -4.7),
    ("Andalusia", "ES", 37.5, -4.7), ("Galicia", "ES", 42.75, -7.9), ("País Vasco", "ES", 43.0, -2.6),
    ("Euskadi", "ES", 43.0, -2.6), ("Mallorca", "ES", 39.6, 2.9), ("Canarias", "ES", 28.3, -16.0),
    ("California", "US", 36.8, -119.4), ("Texas", "US", 31.0, -99.9), ("Florida", "US", 27.8, -81.7),
)

# Countries (and the regions of the UK people name as one) at their centroid.
COUNTRIES: tuple[tuple[tuple[str, ...], str, float, float], ...] = (
    (("ES", "Spain", "España", "Espagne", "Espana"), "ES", 40.2, -3.6),
    (("FR", "France", "Francia"), "FR", 46.6, 2.4),
    (("GB", "UK", "U.K.", "United Kingdom", "Great Britain", "Britain", "Reino Unido", "Royaume-Uni"), "GB", 54.0, -2.5),
    (("England", "Inglaterra", "Angleterre"), "GB", 52.8, -1.5),
    (("Scotland", "Escocia", "Écosse"), "GB", 56.8, -4.2),
    (("Wales", "Gales", "Pays de Galles"), "GB", 52.3, -3.7),
    (("Northern Ireland",), "GB", 54.6, -6.7),
    (("IE", "Ireland", "Irlanda", "Irlande"), "IE", 53.2, -8.0),
    (("PT", "Portugal"), "PT", 39.6, -8.0),
    (("DE", "Germany", "Deutschland", "Alemania", "Allemagne"), "DE", 51.1, 10.4),
    (("IT", "Italy", "Italia", "Italie"), "IT", 42.8, 12.6),
    (("NL", "Netherlands", "Holland", "Países Bajos", "Pays-Bas"), "NL", 52.2, 5.3),
    (("BE", "Belgium", "Bélgica", "Belgique"), "BE", 50.6, 4.6),
    (("CH", "Switzerland", "Suiza", "Suisse"), "CH", 46.8, 8.2),
    (("US", "USA", "U.S.", "U.S.A.", "United States", "United States of America", "Estados Unidos", "États-Unis"), "US", 39.8, -98.6),
    (("CA", "Canada", "Canadá"), "CA", 56.1, -106.3),
    (("MX", "Mexico", "México", "Mexique"), "MX", 23.6, -102.6),
)

# US state codes after a comma ("Austin, TX") say the country; the city itself is looked up.
_US_STATES = frozenset(
    ["al", "ak", "az", "ar", "ca", "co", "ct", "de", "fl", "ga", "hi", "id", "il", "in", "ia", "ks", "ky", "la", "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm", "ny", "nc", "nd", "oh", "ok", "or", "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wa", "wv", "wi", "wy", "dc"]
)


def _fold(text: str) -> str:
    """Lower case, accents removed, inner spaces and dots collapsed: the gazetteer's key."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().replace(".", "")
    return " ".join(plain.replace("-", " ").split())


_CITY_INDEX: dict[str, tuple[str, str, float, float]] = {}
for _name, _cc, _lat, _lon in CITIES:
    _CITY_INDEX.setdefault(_fold(_name), (_name, _cc, _lat, _lon))
_REGION_INDEX: dict[str, tuple[str, str, float, float]] = {_fold(r[0]): r for r in REGIONS}
_COUNTRY_INDEX: dict[str, tuple[str, str, float, float]] = {}
for _names, _cc, _lat, _lon in COUNTRIES:
    # Shown by its first full name (codes and abbreviations such as "UK" are upper case).
    _display = next((n for n in _names if not n.replace(".", "").isupper()), _names[0])
    for _n in _names:
        _COUNTRY_INDEX.setdefault(_fold(_n), (_display, _cc, _lat, _lon))


@dataclass(frozen=True)
class Place:
    """Where a location text points: a display name, its country code, coordinates and precision."""

    name: str
    country: str
    lat: float
    lon: float
    precision: Literal["city", "region", "country"]


def place_location(text: str | None) -> Place | None:
    """The place a free-text location names, or None when the gazetteer does not know it.

    A city wins over a region, a region over a country ("Paris, France" is
    Paris); a region or a country alone is placed at its centre. The parts of "City, Region, Country" are tried from
    the first.

    >>> place_location("Málaga, ES").name, place_location("london").country, place_location("Down south")
    ('Málaga', 'GB', None)
    """
    if not text or not str(text).strip():
        return None
    parts = [_fold(p) for p in str(text).replace(";", ",").replace("/", ",").replace("|", ",").split(",")]
    parts = [p for p in parts if p]
    whole = _fold(str(text))
    for key in (whole, *parts):
        if key in _CITY_INDEX:
            name, cc, lat, lon = _CITY_INDEX[key]
            return Place(name, cc, lat, lon, "city")
    for key in (whole, *parts):
        if key in _REGION_INDEX:
            name, cc, lat, lon = _REGION_INDEX[key]
            return Place(name, cc, lat, lon, "region")
    for key in (whole, *reversed(parts)):
        if key in _COUNTRY_INDEX:
            name, cc, lat, lon = _COUNTRY_INDEX[key]
            return Place(name, cc, lat, lon, "country")
        if key in _US_STATES and len(parts) > 1:
            name, cc, lat, lon = _COUNTRY_INDEX["us"]
            return Place(name, cc, lat, lon, "country")
    return None


@dataclass(frozen=True)
class PlacesSummary:
    """Where the filtered mentions come from, and how much of it could be placed.

    ``places``: one row per place (``place, country, precision, lat, lon,
    mentions, net_sentiment``); ``unplaced``: the commonest location texts
    the gazetteer does not know (``location, mentions``).
    """

    places: pd.DataFrame
    unplaced: pd.DataFrame
    total: int  # mentions in the filters
    with_location: int  # ... that give a location
    placed: int  # ... that the gazetteer placed
    placed_city: int  # ... on a city (the rest on a region's or a country's centre)

    @property
    def placed_share(self) -> float:
        """Percent of the mentions with a location that could be placed (0 when none has one)."""
        return round(self.placed / self.with_location * 100, 1) if self.with_location else 0.0


def mention_places(db: sqlite_utils.Database, f: Filters, unplaced_limit: int = 15) -> PlacesSummary:
    """Mentions per place under the filters (see :func:`place_location`)."""
    # Grouping by the text first keeps the Python work to the distinct texts
    # (about 140 on the demo), whatever the number of mentions.
    if summaries.is_current(db):
        where, params = summaries.filter_where(f, "v")
        sql = f"""SELECT v.location AS location, sum(v.mentions) AS mentions, sum(v.positive) AS positive,
                sum(v.negative) AS negative, sum(v.scored) AS scored
            FROM {S.SUMMARY_PLACES} v WHERE {where} GROUP BY v.location"""
    else:
        where, params = _people_where(f)
        sql = f"""SELECT trim(coalesce(m.location, '')) AS location, count(*) AS mentions,
                sum(CASE WHEN s.label = 'positive' THEN 1 ELSE 0 END) AS positive, sum(CASE WHEN s.label = 'negative' THEN 1 ELSE 0 END) AS negative,
                sum(CASE WHEN s.label IN ('positive', 'neutral', 'negative') THEN 1 ELSE 0 END) AS scored
            FROM {S.MENTIONS} m {_sentiment_join(db)} WHERE {where} GROUP BY 1"""
    frame = store.read_frame(db, sql, params)
    places_cols = ("place", "country", "precision", "lat", "lon", "mentions", "net_sentiment")
    empty_places = _empty(places_cols, numeric=("lat", "lon", "mentions", "net_sentiment"))
    empty_unplaced = _empty(("location", "mentions"), numeric=("mentions",))
    if frame.empty:
        return PlacesSummary(empty_places, empty_unplaced, 0, 0, 0, 0)
    for c in ("mentions", "positive", "negative", "scored"):
        frame[c] = pd.to_numeric(frame[c]).fillna(0).astype("int64")
    total = int(frame["mentions"].sum())
    given = frame[frame["location"].astype(str) != ""]
    found = [place_location(t) for t in given["location"].astype(str)]
    hit = pd.Series([p is not None for p in found], index=given.index, dtype=bool)
    placed_rows = given[hit].assign(
        place=[p.name for p in found if p], country=[p.country for p in found if p],
        precision=[p.precision for p in found if p], lat=[p.lat for p in found if p], lon=[p.lon for p in found if p],
    )
    if placed_rows.empty:
        places = empty_places
    else:
        places = (
            placed_rows.groupby(["place", "country", "precision", "lat", "lon"], as_index=False)[["mentions", "positive", "negative", "scored"]]
            .sum()
            .sort_values(["mentions", "place"], ascending=[False, True])
            .reset_index(drop=True)
        )
        places["net_sentiment"] = _net(places["positive"], places["negative"], places["scored"])
        places = places[list(places_cols)].astype({"place": object, "country": object, "precision": object})
    unplaced = (
        given[~hit][["location", "mentions"]]
        .sort_values(["mentions", "location"], ascending=[False, True])
        .head(unplaced_limit)
        .reset_index(drop=True)
        .astype({"location": object})
    )
    placed = int(placed_rows["mentions"].sum())
    placed_city = int(placed_rows.loc[placed_rows["precision"] == "city", "mentions"].sum()) if not placed_rows.empty else 0
    return PlacesSummary(places, unplaced, total, int(given["mentions"].sum()), placed, placed_city)


# --- communication modes -------------------------------------------------------------

MODES: tuple[tuple[str, str], ...] = (
    ("one-to-many", "Posts, reviews and forum threads anyone can read"),
    ("one-to-one", "Direct messages and other private conversations"),
    ("one-to-one-to-many", "Public replies and shares: a conversation between two that others watch"),
)


def _mode_sql() -> str:
    # Private first: a private reply is still a one-to-one conversation (spelled once, for the summaries too).
    return summaries.MODE_SQL


def communication_modes(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Mentions per communication mode (from ``kind``, ``visibility`` and ``in_reply_to``).

    Columns: ``mode``, ``description``, ``kind`` (the stored kind, "post"
    when empty), ``by_people``, ``by_brand`` (brand accounts' own messages),
    ``mentions``, ``share`` (percent of all), one row per mode and kind.
    """
    if (f.date_from or f.date_to) and summaries.is_current(db):
        # From sum_modes (dated mentions only: a range leaves the undated ones out anyway).
        where, params = summaries.filter_where(f, "v")
        sql = f"""SELECT v.mode AS mode, v.kind AS kind, sum(v.by_people) AS by_people, sum(v.by_brand) AS by_brand
            FROM {S.SUMMARY_MODES} v WHERE {where} GROUP BY v.mode, v.kind"""
    else:
        where, params = mentions_where(f, "m", sentiment_alias="s")
        sql = f"""SELECT {_mode_sql()} AS mode, {summaries.MODE_KIND_SQL} AS kind,
                sum(CASE WHEN coalesce(m.from_brand, 0) = 0 THEN 1 ELSE 0 END) AS by_people, sum(CASE WHEN coalesce(m.from_brand, 0) <> 0 THEN 1 ELSE 0 END) AS by_brand
            FROM {S.MENTIONS} m {_sentiment_join(db)} WHERE {where} GROUP BY 1, 2"""
    frame = store.read_frame(db, sql, params)
    columns = ("mode", "description", "kind", "by_people", "by_brand", "mentions", "share")
    if frame.empty:
        return _empty(columns, numeric=("by_people", "by_brand", "mentions", "share"))
    for c in ("by_people", "by_brand"):
        frame[c] = pd.to_numeric(frame[c]).fillna(0).astype("int64")
    frame["mentions"] = frame["by_people"] + frame["by_brand"]
    frame["share"] = (frame["mentions"] / frame["mentions"].sum() * 100).round(1)
    order = {m: i for i, (m, _) in enumerate(MODES)}
    frame["description"] = frame["mode"].map(dict(MODES)).astype(object)
    frame["rank"] = frame["mode"].map(order)
    frame = frame.sort_values(["rank", "mentions", "kind"], ascending=[True, False, True]).reset_index(drop=True)
    return frame[list(columns)].astype({"mode": object, "kind": object})


# --- alerts ---------------------------------------------------------------------------

ALERT_KINDS = S.ALERT_KINDS
ALERT_KIND_NAMES = {
    "volume": "Volume spike", "negative": "Negative spike", "vip_detractor": "VIP detractor", "rule": "Workflow rule",
}


def alerts_feed(
    db: sqlite_utils.Database,
    f: Filters,
    *,
    kinds: tuple[str, ...] = (),
    brands: tuple[str, ...] = (),
    platforms: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Alerts newest first (by the end, then the start of their period), under the filters.

    The global date range keeps alerts whose period overlaps it; global and
    page brand/platform filters both apply (an alert without a platform, a
    brand-wide spike, stays when only platforms are filtered). Columns are
    those of ``alerts`` plus ``topic_label``. Empty before alerts are computed.
    """
    if not table_exists(db, ALERTS):
        return pd.DataFrame()
    clauses, params = ["1"], []
    if f.date_from:
        clauses.append("a.period_end >= ?")
        params.append(f.date_from)
    if f.date_to:
        clauses.append("a.period_start <= ?")
        params.append(f.date_to)
    for column, values in (("a.kind", kinds), ("a.brand", f.brands), ("a.brand", brands)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    for values in (f.platforms, platforms):
        if values:
            clauses.append(f"(a.platform IS NULL OR a.platform IN ({', '.join('?' for _ in values)}))")
            params.extend(values)
    topic_join = f'LEFT JOIN "{TOPICS}" t ON t.topic_id = a.topic_id' if table_exists(db, TOPICS) else ""
    label = "t.label" if topic_join else "NULL"
    frame = store.read_frame(
        db,
        f"""SELECT a.*, {label} AS topic_label FROM "{ALERTS}" a {topic_join}
            WHERE {' AND '.join(clauses)} ORDER BY a.period_end DESC, a.period_start DESC, a.alert_id""",
        params,
    )
    return frame


def alert_drivers(drivers: str | None) -> dict[str, pd.DataFrame]:
    """An alert's ``drivers`` JSON as three frames: ``mentions``, ``authors``, ``topics`` (bad JSON: empty)."""
    try:
        data = json.loads(drivers) if drivers else {}
    except (TypeError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    out: dict[str, pd.DataFrame] = {}
    for key in ("mentions", "authors", "topics"):
        items = data.get(key)
        records = [r for r in items if isinstance(r, dict)] if isinstance(items, list) else []
        out[key] = pd.DataFrame.from_records(records).astype(object) if records else pd.DataFrame()
    return out


def alert_series(
    db: sqlite_utils.Database, alert: dict[str, Any], *, before_days: int = 28, after_days: int = 7
) -> pd.DataFrame:
    """The daily series an alert was raised on, from ``before_days`` before its period to ``after_days`` after.

    Columns: ``day`` (ISO), ``mentions`` (every day, zeros filled),
    ``in_alert`` (the day is in the alert's period). Volume and negative
    spikes count the series of their scope (brand, platform or topic; negative
    mentions only for negative spikes); a VIP detractor's series is the
    negative mentions of the brand on the detractor's platform, the background
    the customer's complaint stands out from.
    """
    alert = {k: _present(v) for k, v in alert.items()}
    start = pd.Timestamp(str(alert["period_start"])) - pd.Timedelta(days=before_days)
    end = pd.Timestamp(str(alert["period_end"])) + pd.Timedelta(days=after_days)
    clauses = ["m.posted_at >= ?", "m.posted_at < ?", "coalesce(m.from_brand, 0) = 0"]
    params: list[Any] = [start.strftime("%Y-%m-%d"), (end + pd.Timedelta(days=1)).strftime("%Y-%m-%d")]
    if alert.get("brand"):
        # The alerts engine counts mentions without a brand with the own brand's platform and topic series.
        if alert.get("scope") in ("platform", "topic"):
            clauses.append("(m.brand = ? OR trim(coalesce(m.brand, '')) = '')")
        else:
            clauses.append("m.brand = ?")
        params.append(alert["brand"])
    if alert.get("platform") and alert.get("scope") in ("platform", "customer"):
        clauses.append("coalesce(nullif(lower(trim(m.platform)), ''), 'other') = ?")
        params.append(alert["platform"])
    join = _sentiment_join(db)
    if alert.get("kind") in ("negative", "vip_detractor"):
        clauses.append("s.label = 'negative'")
    if alert.get("topic_id") and table_exists(db, MENTION_TOPICS):
        # The dominant theme of each mention, as the alerts engine counts it.
        clauses.append(
            f"""m.mention_id IN (SELECT mention_id FROM (SELECT mention_id, topic_id,
                row_number() OVER (PARTITION BY mention_id ORDER BY weight DESC, topic_id) AS r
                FROM "{MENTION_TOPICS}") AS ranked WHERE r = 1 AND topic_id = ?)"""
        )
        params.append(str(alert["topic_id"]))
    frame = store.read_frame(
        db,
        f"SELECT substr(m.posted_at, 1, 10) AS day, count(*) AS mentions FROM {S.MENTIONS} m {join} "
        f"WHERE {' AND '.join(clauses)} GROUP BY 1",
        params,
    )
    days = [d.strftime("%Y-%m-%d") for d in pd.date_range(start, end, freq="D")]
    counts = dict(zip(frame["day"].astype(str), pd.to_numeric(frame["mentions"]).astype(int), strict=True)) if not frame.empty else {}
    out = pd.DataFrame({"day": days, "mentions": [counts.get(d, 0) for d in days]})
    out["in_alert"] = (out["day"] >= str(alert["period_start"])) & (out["day"] <= str(alert["period_end"]))
    return out.astype({"day": object, "mentions": "int64"})


def _present(value: Any) -> Any:
    """None for the missing values a DataFrame row holds (NaN, NA, empty text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def brand_and_platform_options(db: sqlite_utils.Database) -> tuple[list[str], list[str]]:
    """The brands and platforms of the mentions, for the pages' own filters."""
    brands = [str(r[0]) for r in db.execute(
        f"SELECT DISTINCT trim(brand) FROM {S.MENTIONS} WHERE trim(coalesce(brand, '')) <> '' ORDER BY 1"
    ).fetchall()]
    platforms = [str(r[0]) for r in db.execute(
        f"SELECT DISTINCT coalesce(nullif(lower(trim(platform)), ''), 'other') FROM {S.MENTIONS} ORDER BY 1"
    ).fetchall()]
    return brands, platforms


def stored_brand_and_platform_options(db: sqlite_utils.Database) -> tuple[list[str], list[str]]:
    """:func:`brand_and_platform_options`, stored per data version (:func:`scrm.views.data.stored`):
    its two scans of every mention took a second of the Overview's and Listening's first run."""
    from scrm.views import data as browse

    def decode(raw: bytes) -> tuple[list[str], list[str]]:
        brands, platforms = json.loads(raw)
        return [str(b) for b in brands], [str(p) for p in platforms]

    return browse.stored(
        db, "listening:brand_and_platform_options", lambda: brand_and_platform_options(db), browse.encode_json, decode
    )


# --- a mention's sentiment as a person sees it: label, confidence, correction -------------------


def mention_sentiment(db: sqlite_utils.Database, mention_id: str) -> dict[str, Any] | None:
    """The sentiment of one mention: ``label`` (``unscored`` without a score), ``confidence``
    (0-1 or None), ``model``, and ``corrected_by``/``corrected_at``/``model_label`` when a
    person corrected it (else None). None when the mention is unknown."""
    corrections = table_exists(db, S.SENTIMENT_CORRECTIONS)
    extra = "c.label, c.corrected_by, c.corrected_at, c.model_label" if corrections else "NULL, NULL, NULL, NULL"
    join = f"LEFT JOIN {S.SENTIMENT_CORRECTIONS} c ON c.mention_id = m.mention_id" if corrections else ""
    row = db.execute(
        f"""SELECT s.label, s.confidence, s.model, {extra}
            FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id {join}
            WHERE m.mention_id = ?""",
        [mention_id],
    ).fetchone()
    if row is None:
        return None
    label, confidence, model, corrected, by, at, model_label = row
    return {
        "label": str(corrected or label or "unscored"),
        "confidence": None if confidence is None else float(confidence),
        "model": model,
        "corrected_by": by,
        "corrected_at": at,
        "model_label": model_label,
    }


@dataclass(frozen=True)
class SentimentAccuracy:
    """What the "How accurate is this?" panel shows (figures of the model card, never recomputed here)."""

    card: dict[str, Any]  # per language: macro_f1, interval, confusion, detection_accuracy, data, texts
    workspace: pd.DataFrame  # per language: lang, corrections, model_right, accuracy, adjusted_before, adjusted_after
    corrections: pd.DataFrame  # text, lang, label: the corrections as labelled data


def sentiment_accuracy(db: sqlite_utils.Database) -> SentimentAccuracy:
    """The model card's held-out figures and the workspace's own accuracy on its corrections."""
    from scrm.analysis.sentiment import adjust

    workspace = pd.DataFrame.from_records(
        adjust.corrections_accuracy(db),
        columns=["lang", "corrections", "model_right", "accuracy", "adjusted_before", "adjusted_after"],
    )
    corrections = pd.DataFrame.from_records(adjust.corrections_export(db), columns=["text", "lang", "label"]).astype(object)
    return SentimentAccuracy(adjust.model_card(), workspace, corrections)


# Where a mention came from (volume_by_source's ``via``).
VIA_LIVE, VIA_IMPORT, VIA_OTHER = "live", "import", "other"


def volume_by_source(db: sqlite_utils.Database, f: Filters) -> pd.DataFrame:
    """Mentions per live source and per imported file, in the filters (people's mentions, as the volume chart).

    Columns: ``source`` (the live source's name, or the file's name; None for
    mentions that came with neither, such as the demo data), ``via`` (``live``,
    ``import`` or ``other``), ``mentions``, ``share`` (% of the mentions shown),
    ``first`` and ``last`` (ISO days of the oldest and newest mention), most
    mentions first. A live source is known by its collection runs, so a file
    named like a source is still a file.
    """
    where, params = _people_where(f)
    frame = store.read_frame(
        db,
        f"""SELECT coalesce(c.source, i.file_name) AS source,
                CASE WHEN c.source IS NOT NULL THEN '{VIA_LIVE}' WHEN i.import_id IS NOT NULL THEN '{VIA_IMPORT}'
                     ELSE '{VIA_OTHER}' END AS via,
                count(*) AS mentions, min(substr(m.posted_at, 1, 10)) AS first, max(substr(m.posted_at, 1, 10)) AS last
            FROM {S.MENTIONS} m {_sentiment_join(db)}
            LEFT JOIN {S.IMPORTS} i ON i.import_id = m.import_id
            LEFT JOIN {S.COLLECTIONS} c ON c.import_id = m.import_id
            WHERE {where} GROUP BY 1, 2 ORDER BY 3 DESC, 1""",
        params,
    )
    if frame.empty:
        return _empty(("source", "via", "mentions", "share", "first", "last"), ("mentions", "share"))
    frame["mentions"] = pd.to_numeric(frame["mentions"]).astype("int64")
    frame["share"] = (frame["mentions"] / frame["mentions"].sum() * 100).round(1)
    return frame[["source", "via", "mentions", "share", "first", "last"]].astype(
        {"source": object, "via": object, "first": object, "last": object}
    )
