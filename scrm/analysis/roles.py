"""Author roles: influencer, advocate, ambassador, detractor, and each author's relation to the brand.

:func:`refresh` writes the derived table ``roles``: one row per social
profile (brand accounts excluded) with four scores in [0, 1], the components
each score is made of, a primary ``role`` and the ``relation`` of the author
to the own brand (:func:`scrm.db.store.own_brand`: meta ``own_brand``, default the most-mentioned brand).

Components (all in [0, 1]; constants below are the documented scales):

- ``reach`` = log10(1 + followers) / log10(1 + :data:`REACH_FULL`), capped at 1:
  a fixed scale, so 1,000 followers give 0.5 and a million give 1 in any dataset.
- ``engagement`` = log10(1 + mean likes + shares + replies per mention) /
  log10(1 + :data:`ENGAGEMENT_FULL`), capped at 1.
- ``volume`` = n / (n + :data:`VOLUME_HALF`) over the author's mentions of the
  own brand: one post is not a stance (0.17); fifteen are (0.75). A
  sustained voice outranks three angry posts in one bad week.
- ``loyalty``: own-brand mentions among the author's mentions that name a brand:
  praise spread over every brand (gifted posts) is reach, not advocacy.
- ``positive_share`` / ``negative_share``: labelled positive / negative among the
  author's *scored* own-brand mentions (table ``sentiment``).
- ``recommend_share``: own-brand mentions that recommend the brand in English,
  Spanish or French ("I recommend", "recomiendo", "je recommande"...), negated
  forms ("would not recommend", "no lo recomiendo", "je ne recommande pas") excluded.
- ``amplification``: log scale of reshares the author made of own-brand content
  (``kind = share``) plus shares their own-brand posts received, full at
  :data:`AMPLIFICATION_FULL`.
- ``clv_factor``: 1 when the linked customer is in CLV decile 10, 0.75 in
  decile 9, else 0 (table ``customer_value``; until it exists, the decile of
  the customer's revenue over the 365 days before ``as_of``).

Scores:

- ``influencer_score`` = 0.7 reach + 0.3 engagement (any brand);
- ``advocate_score`` = volume x loyalty x (0.6 positive_share + 0.25 recommend_share + 0.15 amplification);
- ``ambassador_score`` = advocate_score x clv_factor;
- ``detractor_score`` = volume x negative_share x (0.4 + 0.6 reach): negativity
  weighted by how far it carries, so a loud complainer outranks a quiet one.

Primary ``role``, first rule that holds: ``ambassador`` (ambassador_score >=
:data:`AMBASSADOR_MIN`), ``detractor`` (detractor_score >= :data:`DETRACTOR_MIN`
and above advocate_score), ``advocate`` (>= :data:`ADVOCATE_MIN`),
``influencer`` (>= :data:`INFLUENCER_MIN`), else ``none``.

``relation``: ``prospect`` (no linked customer, or no order up to ``as_of``),
``customer`` (an order within the 365 days up to ``as_of``), ``former_customer``
(orders, but none in those 365 days). Only links with status ``linked`` count.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time

import numpy as np
import pandas as pd
import sqlite_utils

from scrm.analysis.stage import Progress, StageSummary
from scrm.db import dialect, store
from scrm.db import schema as S
from scrm.db.store import own_brand, table_exists
from scrm.errors import ConfigError
from scrm.i18n.messages import Message

log = logging.getLogger(__name__)


ROLES = S.ROLES
CUSTOMER_VALUE = S.CUSTOMER_VALUE

REACH_FULL = 1_000_000
ENGAGEMENT_FULL = 10_000
AMPLIFICATION_FULL = 50
VOLUME_HALF = 5.0
# Active-customer window: the same 365 days the KPI `active_customers` uses.
CUSTOMER_DAYS = 365
CLV_FACTORS = {10: 1.0, 9: 0.75}

# Thresholds calibrated on the demo's planted authors (best F1 for each role,
# with a simple lexicon standing in for the sentiment scorer): an advocate needs
# about ten own-brand mentions, most of them positive; an influencer about 100k followers.
AMBASSADOR_MIN = 0.2
DETRACTOR_MIN = 0.25
ADVOCATE_MIN = 0.25
INFLUENCER_MIN = 0.75

# Stored in roles.role and roles.relation; spelled in scrm.db.schema.
ROLE_NAMES = S.ROLE_NAMES
RELATIONS = S.RELATIONS



def profile_id_sql(alias: str = "") -> str:
    """SQL for the profile id of a mention's author, exactly as :mod:`scrm.analysis.identity` builds profiles."""
    p = f"{alias}." if alias else ""
    return f"coalesce(nullif(lower(trim({p}platform)), ''), 'other') || ':' || lower(ltrim(trim({p}author), '@'))"


PROFILE_ID_SQL = profile_id_sql()

_RECOMMEND = re.compile(r"\b(?:recommend|recomiend|recomend|recommand)\w*", re.IGNORECASE)
_NOT_RECOMMEND = re.compile(
    r"\b(?:not|n't|never|cannot|can't|won't|wouldn't|don't|nobody)\s+(?:\w+\s+)?recommend"
    r"|\b(?:no|nunca|jamás)\s+(?:\w+\s+)?(?:recomiend|recomend)"
    r"|\bne\s+(?:\w+\s+)?recommand\w*\s+(?:pas|jamais|plus)"
    r"|\bd[ée]conseill|\bdesaconsej",
    re.IGNORECASE,
)




# --- helpers shared by roles, journey and alerts ---------------------------------------


def resolve_as_of(db: sqlite_utils.Database, as_of: str | None) -> str:
    """The analysis date as ``YYYY-MM-DDTHH:MM:SS``: the end of day ``as_of``, or of the latest order or mention.

    >>> db = store.open_db(":memory:")
    >>> resolve_as_of(db, "2026-10-31")
    '2026-10-31T23:59:59'
    """
    if as_of:
        text = str(as_of).strip()
        try:
            stamp = pd.Timestamp(text)
        except ValueError as e:
            raise ConfigError(Message("The analysis date {date} is not a date; write it as YYYY-MM-DD, e.g. 2026-10-31.",
                                      {"date": repr(text)})) from e
        if len(text) <= 10:
            stamp = stamp.normalize() + pd.Timedelta(hours=23, minutes=59, seconds=59)
        return str(stamp.strftime("%Y-%m-%dT%H:%M:%S"))
    row = db.execute(
        f"SELECT max(t) FROM (SELECT max(ordered_at) AS t FROM {S.ORDERS} UNION ALL SELECT max(posted_at) FROM {S.MENTIONS}) AS latest"
    ).fetchone()
    if not (row and row[0]):
        return store.utcnow()
    # The end of the latest day, so that day counts whole (the demo's anchor is 23:59:59).
    return str(row[0])[:10] + "T23:59:59"


def linked_customers(db: sqlite_utils.Database) -> pd.DataFrame:
    """``profile_id -> customer_id`` of confirmed links (status ``linked``), the most confident per profile."""
    frame = store.read_frame(
        db,
        f"SELECT profile_id, customer_id, confidence FROM {S.LINKS} WHERE status = ? ORDER BY profile_id, confidence DESC, customer_id",
        [S.LINKED],
    )
    if frame.empty:
        return pd.DataFrame({"profile_id": pd.Series(dtype=object), "customer_id": pd.Series(dtype=object)})
    return frame.drop_duplicates("profile_id")[["profile_id", "customer_id"]].reset_index(drop=True)


def clv_deciles(db: sqlite_utils.Database, as_of: str) -> pd.DataFrame:
    """``customer_id, clv_decile`` (10 = top): from ``customer_value`` when it exists.

    Until the value step has run, the decile of each buyer's revenue over the
    365 days up to ``as_of`` stands in (a rough proxy of next year's value).
    """
    if table_exists(db, CUSTOMER_VALUE):
        cols = set(dialect.columns(db, CUSTOMER_VALUE))
        if {"customer_id", "clv_decile"} <= cols:
            frame = store.read_frame(db, f'SELECT customer_id, clv_decile FROM "{CUSTOMER_VALUE}"')
            frame["clv_decile"] = pd.to_numeric(frame["clv_decile"], errors="coerce")
            return frame
    start = (pd.Timestamp(as_of) - pd.Timedelta(days=CUSTOMER_DAYS)).strftime("%Y-%m-%dT%H:%M:%S")
    frame = store.read_frame(
        db,
        f"SELECT customer_id, sum(amount) AS revenue FROM {S.ORDERS} "
        "WHERE customer_id IS NOT NULL AND ordered_at > ? AND ordered_at <= ? GROUP BY customer_id",
        [start, as_of],
    )
    if frame.empty:
        return pd.DataFrame({"customer_id": pd.Series(dtype=object), "clv_decile": pd.Series(dtype=float)})
    pct = frame["revenue"].astype(float).rank(method="average", pct=True)
    frame["clv_decile"] = np.ceil(pct * 10).clip(1, 10)
    return frame[["customer_id", "clv_decile"]]


def customer_relations(db: sqlite_utils.Database, as_of: str) -> pd.DataFrame:
    """``customer_id, last_order_at, relation`` for every customer with an order up to ``as_of``."""
    frame = store.read_frame(
        db,
        f"SELECT customer_id, max(ordered_at) AS last_order_at FROM {S.ORDERS} "
        "WHERE customer_id IS NOT NULL AND ordered_at <= ? GROUP BY customer_id",
        [as_of],
    )
    cutoff = (pd.Timestamp(as_of) - pd.Timedelta(days=CUSTOMER_DAYS)).strftime("%Y-%m-%dT%H:%M:%S")
    frame["relation"] = np.where(frame["last_order_at"].astype(str) > cutoff, "customer", "former_customer")
    return frame


def recommends(texts: pd.Series) -> pd.Series:
    """True for texts that recommend (en/es/fr), not counting negated recommendations.

    >>> recommends(pd.Series(["Je recommande !", "I would not recommend them", "Lo recomiendo"])).tolist()
    [True, False, True]
    """
    t = texts.fillna("").astype(str)
    return t.str.contains(_RECOMMEND) & ~t.str.contains(_NOT_RECOMMEND)


def _log_scale(x: pd.Series, full: float) -> pd.Series:
    scaled = pd.Series(np.log10(1.0 + x.astype(float).clip(lower=0).to_numpy()), index=x.index) / math.log10(1.0 + full)
    return scaled.clip(upper=1.0)


# --- the computation ---------------------------------------------------------------------


def _mention_stats(db: sqlite_utils.Database, brand: str | None, as_of: str) -> pd.DataFrame:
    """Per profile: engagement, own-brand counts by sentiment, reshares and shares received, in one SQL pass."""
    own = "(m.brand = :brand OR trim(coalesce(m.brand, '')) = '')" if brand else "1 = 1"
    sql = f"""
        SELECT {profile_id_sql('m')} AS profile_id,
            count(*) AS mentions,
            avg(coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.replies, 0)) AS engagement_per_mention,
            sum(CASE WHEN {own} THEN 1 ELSE 0 END) AS own_mentions,
            sum(CASE WHEN NOT {own} AND trim(coalesce(m.brand, '')) <> '' THEN 1 ELSE 0 END) AS other_brand_mentions,
            sum(CASE WHEN {own} AND s.label IN ('positive', 'neutral', 'negative') THEN 1 ELSE 0 END) AS own_scored,
            sum(CASE WHEN {own} AND s.label = 'positive' THEN 1 ELSE 0 END) AS own_positive,
            sum(CASE WHEN {own} AND s.label = 'negative' THEN 1 ELSE 0 END) AS own_negative,
            sum(CASE WHEN {own} AND m.kind = 'share' THEN 1 ELSE 0 END) AS reshares,
            sum(CASE WHEN {own} AND coalesce(m.kind, 'post') <> 'share' THEN coalesce(m.shares, 0) ELSE 0 END) AS shares_received,
            max(coalesce(m.from_brand, 0)) AS from_brand
        FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        WHERE m.posted_at <= :as_of AND m.author IS NOT NULL AND ltrim(trim(m.author), '@') <> ''
        GROUP BY 1
    """
    return store.read_frame(db, sql, {"brand": brand, "as_of": as_of})


def _recommend_counts(db: sqlite_utils.Database, brand: str | None, as_of: str) -> pd.DataFrame:
    own = "(brand = :brand OR trim(coalesce(brand, '')) = '')" if brand else "1 = 1"
    # LIKE narrows a million texts to the few that could recommend before the regex runs.
    frame = store.read_frame(
        db,
        f"SELECT {PROFILE_ID_SQL} AS profile_id, text FROM {S.MENTIONS} "
        f"WHERE posted_at <= :as_of AND {own} AND coalesce(from_brand, 0) = 0 "
        f"AND ({dialect.like_ci(db, 'text', chr(39) + '%recom%' + chr(39))})",
        {"brand": brand, "as_of": as_of},
    )
    if frame.empty:
        return pd.DataFrame({"profile_id": pd.Series(dtype=object), "own_recommend": pd.Series(dtype="int64")})
    frame["own_recommend"] = recommends(frame["text"]).astype("int64")
    return frame.groupby("profile_id")["own_recommend"].sum().reset_index()


def score_roles(
    stats: pd.DataFrame,
    profiles: pd.DataFrame,
    links: pd.DataFrame,
    deciles: pd.DataFrame,
    relations: pd.DataFrame,
) -> pd.DataFrame:
    """The ``roles`` frame from per-profile mention stats (pure; see the module docstring for the rules).

    ``stats``: profile_id, mentions, engagement_per_mention, own_mentions, other_brand_mentions, own_scored,
    own_positive, own_negative, own_recommend, reshares, shares_received, from_brand;
    ``profiles``: profile_id, platform, handle, followers; ``links``: profile_id, customer_id;
    ``deciles``: customer_id, clv_decile; ``relations``: customer_id, relation.
    """
    base = profiles[["profile_id", "platform", "handle", "followers"]].merge(stats, on="profile_id", how="inner")
    base = base[base["from_brand"].fillna(0).astype(int) == 0].drop(columns="from_brand")
    out = base.merge(links[["profile_id", "customer_id"]], on="profile_id", how="left")
    out = out.merge(deciles[["customer_id", "clv_decile"]], on="customer_id", how="left")
    out = out.merge(relations[["customer_id", "relation"]], on="customer_id", how="left")
    num = {
        c: pd.to_numeric(out[c], errors="coerce").fillna(0).astype(float)
        for c in (
            "followers", "mentions", "engagement_per_mention", "own_mentions", "own_scored",
            "own_positive", "own_negative", "own_recommend", "reshares", "shares_received", "other_brand_mentions",
        )
    }
    scored = num["own_scored"].where(num["own_scored"] > 0)
    own = num["own_mentions"].where(num["own_mentions"] > 0)
    reach = _log_scale(num["followers"], REACH_FULL)
    engagement = _log_scale(num["engagement_per_mention"], ENGAGEMENT_FULL)
    volume = num["own_mentions"] / (num["own_mentions"] + VOLUME_HALF)
    positive_share = (num["own_positive"] / scored).fillna(0.0)
    negative_share = (num["own_negative"] / scored).fillna(0.0)
    recommend_share = (num["own_recommend"] / own).fillna(0.0).clip(upper=1.0)
    amplification = _log_scale(num["reshares"] + num["shares_received"], AMPLIFICATION_FULL)
    decile = pd.to_numeric(out["clv_decile"], errors="coerce")
    clv_factor = decile.map(lambda d: CLV_FACTORS.get(int(d), 0.0) if pd.notna(d) else 0.0).astype(float)

    influencer = 0.7 * reach + 0.3 * engagement
    # Praise spread evenly over every brand (gifted posts) is reach, not advocacy of ours.
    brand_mentions = num["own_mentions"] + num["other_brand_mentions"]
    loyalty = (num["own_mentions"] / brand_mentions.where(brand_mentions > 0)).fillna(0.0)
    advocate = volume * loyalty * (0.6 * positive_share + 0.25 * recommend_share + 0.15 * amplification)
    ambassador = advocate * clv_factor
    detractor = volume * negative_share * (0.4 + 0.6 * reach)

    role = np.select(
        [
            ambassador >= AMBASSADOR_MIN,
            (detractor >= DETRACTOR_MIN) & (detractor > advocate),
            advocate >= ADVOCATE_MIN,
            influencer >= INFLUENCER_MIN,
        ],
        ["ambassador", "detractor", "advocate", "influencer"],
        "none",
    )
    result = pd.DataFrame(
        {
            "profile_id": out["profile_id"].astype(object),
            "platform": out["platform"].astype(object),
            "handle": out["handle"].astype(object),
            "customer_id": out["customer_id"].astype(object),
            "influencer_score": influencer.round(4),
            "advocate_score": advocate.round(4),
            "ambassador_score": ambassador.round(4),
            "detractor_score": detractor.round(4),
            "role": pd.Series(role, index=out.index, dtype=object),
            "relation": out["relation"].where(out["relation"].notna(), "prospect").astype(object),
            "followers": num["followers"].astype("int64"),
            "reach": reach.round(4),
            "engagement": engagement.round(4),
            "mentions": num["mentions"].astype("int64"),
            "own_mentions": num["own_mentions"].astype("int64"),
            "volume": volume.round(4),
            "loyalty": loyalty.round(4),
            "positive_share": positive_share.round(4),
            "negative_share": negative_share.round(4),
            "recommend_share": recommend_share.round(4),
            "amplification": amplification.round(4),
            "clv_decile": decile.astype("Int64"),
            "clv_factor": clv_factor.round(4),
        }
    )
    return result.sort_values("profile_id").reset_index(drop=True)


def compute_roles(db: sqlite_utils.Database, *, as_of: str | None = None) -> pd.DataFrame:
    """The ``roles`` frame for the data up to ``as_of`` (default: the latest order or mention), not stored."""
    when = resolve_as_of(db, as_of)
    brand = own_brand(db)
    stats = _mention_stats(db, brand, when)
    stats = stats.merge(_recommend_counts(db, brand, when), on="profile_id", how="left")
    stats["own_recommend"] = stats["own_recommend"].fillna(0)
    profiles = store.read_frame(db, f"SELECT profile_id, platform, handle, followers FROM {S.PROFILES}")
    if profiles.empty and not stats.empty:
        # Profiles are built by identity linking; without them, mentions still tell handle and reach.
        profiles = store.read_frame(
            db,
            f"SELECT {PROFILE_ID_SQL} AS profile_id, coalesce(nullif(lower(trim(platform)), ''), 'other') AS platform, "
            f"min(ltrim(trim(author), '@')) AS handle, max(author_followers) AS followers FROM {S.MENTIONS} "
            "WHERE author IS NOT NULL GROUP BY 1",
        )
    return score_roles(stats, profiles, linked_customers(db), clv_deciles(db, when), customer_relations(db, when))


def refresh(db: sqlite_utils.Database, *, as_of: str | None = None, progress: Progress | None = None) -> StageSummary:
    """Recompute and store ``roles`` (one row per non-brand profile).

    >>> db = store.open_db(":memory:")
    >>> refresh(db).rows
    0
    """
    started = time.perf_counter()
    if progress:
        progress(0.0, "Scoring author roles")
    frame = compute_roles(db, as_of=as_of)
    rows = store.replace_table(
        db, ROLES, frame, pk="profile_id", indexes=[("customer_id",), ("role",)]
    )
    counts = frame["role"].value_counts().to_dict() if rows else {}
    unscored = (
        store.is_empty(db, S.SENTIMENT) if table_exists(db, S.SENTIMENT) else True
    )
    message = (
        f"Scored {rows:,} authors: "
        + ", ".join(f"{counts.get(r, 0):,} {r}s" for r in ROLE_NAMES if r != "none")
        + "."
        + (" No sentiment scores yet, so nobody is an advocate or detractor: run `python -m scrm score`." if unscored and rows else "")
    )
    log.info("roles: %s", json.dumps({k: int(v) for k, v in counts.items()}))
    if progress:
        progress(1.0, "Author roles scored")
    return StageSummary("roles", rows, time.perf_counter() - started, message)
