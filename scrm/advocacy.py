"""What the Advocates & detractors page shows, read from ``roles`` (no Streamlit here).

``roles`` (:mod:`scrm.roles`) has one row per social profile with four scores
and their components; this module joins the linked customer's value
(``customer_value.clv``), name, e-mail and marketing consent, and ranks.

- **Quadrant**: linked profiles placed by CLV against ``influencer_score``.
  High CLV = CLV decile 9 or 10 (the top 20 % of customers, the same cut the
  ambassador score uses); high influence = ``influencer_score`` >=
  :data:`INFLUENCE_HIGH` (about 5,000-10,000 followers with ordinary
  engagement).
- **CLV at risk** of a detractor = the linked customer's CLV x
  ``detractor_score``; the whole CLV when the author was *negative lately*:
  at least :data:`LATELY_MIN_MENTIONS` scored mentions of the own brand in the
  :data:`LATELY_DAYS` days up to the latest mention (or in the filter's date
  range) with an average score at or below :data:`LATELY_MAX_SENTIMENT`.

Filters: platforms select profiles, ``segment`` keeps profiles linked to a
customer of that cluster, and a date range sets the "lately" window. Scores
themselves are the snapshot of ``python -m scrm score``.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlite_utils

from scrm import schema as S
from scrm import store
from scrm.filters import Filters, segment_where
from scrm.segment_views import CUSTOMER_VALUE, SEGMENTS, table_exists

log = logging.getLogger(__name__)

ROLES = "roles"

INFLUENCE_HIGH = 0.5
CLV_HIGH_DECILE = 9
LATELY_DAYS = 90
LATELY_MIN_MENTIONS = 2
LATELY_MAX_SENTIMENT = -0.2

# The score and the components it is made of, per role (columns of ``roles``).
ROLE_SCORES: dict[str, str] = {
    "ambassador": "ambassador_score",
    "advocate": "advocate_score",
    "influencer": "influencer_score",
    "detractor": "detractor_score",
}
COMPONENTS: dict[str, tuple[str, ...]] = {
    "ambassador": ("advocate_score", "clv_factor", "clv_decile"),
    "advocate": ("volume", "loyalty", "positive_share", "recommend_share", "amplification", "own_mentions"),
    "influencer": ("reach", "engagement", "followers"),
    "detractor": ("volume", "negative_share", "reach", "own_mentions"),
}

QUADRANTS = {
    (True, True): "Champions to activate",
    (True, False): "Valuable, quiet: reward",
    (False, True): "Loud, low value: nurture",
    (False, False): "Low priority",
}

_IDENTITY = ("profile_id", "platform", "handle", "display_name", "customer_id", "name", "email", "consent_marketing")


def not_ready_reason(db: sqlite_utils.Database) -> str | None:
    """A sentence saying what to do when there are no roles to show yet, else None.

    >>> not_ready_reason(store.open_db(":memory:"))
    'No mentions yet. Import mentions on the Data page or load the demo (`python -m scrm demo`), then run `python -m scrm score`.'
    """
    if store.is_empty(db, S.MENTIONS):
        return (
            "No mentions yet. Import mentions on the Data page or load the demo (`python -m scrm demo`), "
            "then run `python -m scrm score`."
        )
    if not table_exists(db, ROLES) or store.is_empty(db, ROLES):
        return "Author roles are not computed yet. Run `python -m scrm score`, then reload this page."
    return None


def role_table(db: sqlite_utils.Database, f: Filters | None = None, *, notable_only: bool = False) -> pd.DataFrame:
    """``roles`` with the profile's display name and the linked customer's name, e-mail,
    consent, CLV, CLV decile and RFM segment; filtered by platform and segment.

    ``notable_only`` keeps authors with a role or a linked customer: everything
    the page lists (on the demo 900 of 40,000 rows; the rest are one-off posters).
    """
    f = f or Filters()
    if not table_exists(db, ROLES):
        return pd.DataFrame({c: [] for c in (*_IDENTITY, "role", "relation", "clv", *ROLE_SCORES.values())})
    has_value = table_exists(db, CUSTOMER_VALUE)
    value_cols = "cv.clv, cv.rfm_segment" if has_value else "NULL AS clv, NULL AS rfm_segment"
    value_join = f"LEFT JOIN {CUSTOMER_VALUE} cv ON cv.customer_id = r.customer_id" if has_value else ""
    clauses: list[str] = ["(r.role <> 'none' OR r.customer_id IS NOT NULL)"] if notable_only else []
    params: list[object] = []
    if f.platforms:
        clauses.append(f"r.platform IN ({', '.join('?' for _ in f.platforms)})")
        params.extend(p.lower() for p in f.platforms)
    if f.segment is not None:
        if table_exists(db, SEGMENTS):
            clause, seg_params = segment_where(f, "r.customer_id")
            clauses.append(clause)
            params.extend(seg_params)
        else:
            clauses.append("0")
    frame = store.read_frame(
        db,
        f"""
        SELECT r.*, p.display_name, c.name, c.email, coalesce(c.consent_marketing, 0) AS consent_marketing, {value_cols}
        FROM {ROLES} r
        LEFT JOIN {S.PROFILES} p ON p.profile_id = r.profile_id
        LEFT JOIN {S.CUSTOMERS} c ON c.customer_id = r.customer_id
        {value_join}
        WHERE {" AND ".join(clauses) or "1"}
        """,
        params,
    )
    for c in ("profile_id", "platform", "handle", "display_name", "customer_id", "name", "email", "role", "relation", "rfm_segment"):
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    frame["consent_marketing"] = pd.to_numeric(frame["consent_marketing"], errors="coerce").fillna(0).astype(bool)
    frame["clv"] = pd.to_numeric(frame["clv"], errors="coerce").astype("float64")
    frame["clv_decile"] = pd.to_numeric(frame["clv_decile"], errors="coerce").astype("Int64")
    return frame


def ranked(roles: pd.DataFrame, role: str, *, limit: int | None = None, consented_only: bool = False) -> pd.DataFrame:
    """Profiles whose primary role is ``role``, best score first, with the score's components.

    Columns: identity (handle, platform, name, ...), the role's score, its
    components (:data:`COMPONENTS`), followers, relation and CLV.
    """
    score = ROLE_SCORES[role]
    part = roles[roles["role"] == role]
    if consented_only:
        part = part[part["consent_marketing"]]
    columns = list(dict.fromkeys([*_IDENTITY, "role", score, *COMPONENTS[role], "followers", "relation", "clv"]))
    out = part.sort_values([score, "profile_id"], ascending=[False, True])[columns]
    return (out.head(limit) if limit else out).reset_index(drop=True)


def quadrant(roles: pd.DataFrame, *, influence_high: float = INFLUENCE_HIGH, clv_high_decile: int = CLV_HIGH_DECILE) -> pd.DataFrame:
    """Linked profiles with a CLV, each with its ``quadrant`` label (:data:`QUADRANTS`).

    >>> df = pd.DataFrame({"profile_id": ["a", "b"], "clv": [900.0, 20.0], "clv_decile": [10, 2],
    ...                    "influencer_score": [0.8, 0.1]})
    >>> quadrant(df)["quadrant"].tolist()
    ['Champions to activate', 'Low priority']
    """
    part = roles.dropna(subset=["clv"]).copy()
    high_value = pd.to_numeric(part["clv_decile"], errors="coerce").fillna(0) >= clv_high_decile
    high_influence = part["influencer_score"].astype(float) >= influence_high
    part["quadrant"] = [QUADRANTS[(bool(v), bool(i))] for v, i in zip(high_value, high_influence, strict=True)]
    return part.sort_values(["clv", "profile_id"], ascending=[False, True]).reset_index(drop=True)


def quadrant_counts(points: pd.DataFrame) -> pd.DataFrame:
    """Profiles and total CLV per quadrant, in :data:`QUADRANTS` order (empty quadrants as 0)."""
    names = list(QUADRANTS.values())
    grouped = points.groupby("quadrant").agg(profiles=("profile_id", "size"), clv=("clv", "sum")) if not points.empty else None
    out = pd.DataFrame({"quadrant": names})
    out["profiles"] = [int(grouped["profiles"].get(n, 0)) if grouped is not None else 0 for n in names]
    out["clv"] = [round(float(grouped["clv"].get(n, 0.0)), 2) if grouped is not None else 0.0 for n in names]
    return out


def lately_window(db: sqlite_utils.Database, f: Filters | None = None, days: int = LATELY_DAYS) -> tuple[str, str] | None:
    """The "lately" window as (start inclusive, end exclusive) timestamps: the filter's dates,
    else the :data:`LATELY_DAYS` days up to the latest mention. None without mentions."""
    f = f or Filters()
    row = db.execute(f"SELECT max(posted_at) FROM {S.MENTIONS}").fetchone()
    if not row or not row[0]:
        return None
    last = date.fromisoformat(str(row[0])[:10])
    end = date.fromisoformat(f.date_to) if f.date_to else last
    start = date.fromisoformat(f.date_from) if f.date_from else end - timedelta(days=days - 1)
    return start.isoformat(), (end + timedelta(days=1)).isoformat()


def recent_sentiment(db: sqlite_utils.Database, f: Filters | None = None) -> pd.DataFrame:
    """Per profile: scored own-brand mentions in the "lately" window and their average score.

    Columns: profile_id, recent_mentions, recent_sentiment. The own brand is
    meta ``own_brand`` (else every brand counts).
    """
    empty = pd.DataFrame(
        {"profile_id": pd.Series(dtype=object), "recent_mentions": pd.Series(dtype="int64"), "recent_sentiment": pd.Series(dtype="float64")}
    )
    window = lately_window(db, f)
    if window is None or not table_exists(db, S.SENTIMENT):
        return empty
    brand = store.get_meta(db, "own_brand")
    brand_clause, params = ("AND m.brand = ?", [brand]) if brand else ("", [])
    frame = store.read_frame(
        db,
        f"""
        SELECT coalesce(nullif(lower(trim(m.platform)), ''), 'other') || ':' || lower(ltrim(trim(m.author), '@')) AS profile_id,
               count(*) AS recent_mentions, avg(s.score) AS recent_sentiment
        FROM {S.MENTIONS} m JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        WHERE s.score IS NOT NULL AND m.posted_at >= ? AND m.posted_at < ? AND coalesce(m.from_brand, 0) = 0 {brand_clause}
        GROUP BY 1
        """,
        [window[0], window[1], *params],
    )
    if frame.empty:
        return empty
    frame["profile_id"] = frame["profile_id"].astype(object)
    frame["recent_mentions"] = frame["recent_mentions"].astype("int64")
    frame["recent_sentiment"] = frame["recent_sentiment"].astype("float64").round(4)
    return frame


def detractors_at_risk(roles: pd.DataFrame, recent: pd.DataFrame) -> pd.DataFrame:
    """Linked profiles with a detractor score above 0 and a CLV, ranked by ``clv_at_risk``.

    ``clv_at_risk`` = clv x detractor_score, or the whole clv when
    ``negative_lately`` (see the module docstring).

    >>> roles = pd.DataFrame({"profile_id": ["a", "b"], "clv": [1000.0, 500.0], "detractor_score": [0.3, 0.5]})
    >>> recent = pd.DataFrame({"profile_id": ["b"], "recent_mentions": [3], "recent_sentiment": [-0.6]})
    >>> detractors_at_risk(roles, recent)[["profile_id", "clv_at_risk"]].values.tolist()
    [['b', 500.0], ['a', 300.0]]
    """
    part = roles[(roles["detractor_score"].astype(float) > 0) & roles["clv"].notna()]
    out = part.merge(recent, on="profile_id", how="left")
    out["recent_mentions"] = out["recent_mentions"].fillna(0).astype("int64")
    out["negative_lately"] = (out["recent_mentions"] >= LATELY_MIN_MENTIONS) & (
        out["recent_sentiment"].fillna(0.0) <= LATELY_MAX_SENTIMENT
    )
    out["clv_at_risk"] = np.where(out["negative_lately"], out["clv"], out["clv"] * out["detractor_score"]).round(2)
    return out.sort_values(["clv_at_risk", "profile_id"], ascending=[False, True]).reset_index(drop=True)


def campaign_list(roles: pd.DataFrame, roles_wanted: tuple[str, ...], *, consented_only: bool = False) -> pd.DataFrame:
    """Profiles to invite to an advocacy campaign: primary role in ``roles_wanted``, best
    advocate score first; ``consented_only`` keeps linked customers with marketing consent."""
    part = roles[roles["role"].isin(roles_wanted)]
    if consented_only:
        part = part[part["consent_marketing"]]
    columns = [*_IDENTITY, "role", "relation", "advocate_score", "ambassador_score", "influencer_score", "followers", "clv"]
    return part.sort_values(["advocate_score", "profile_id"], ascending=[False, True])[columns].reset_index(drop=True)
