"""What the Advocates & detractors page shows, read from ``roles`` (no Streamlit here).

``roles`` (:mod:`scrm.analysis.roles`) has one row per social profile with four scores
and their components; this module joins the linked customer's value
(``customer_value.clv``), name, e-mail and marketing consent, and ranks.

- **Quadrant**: linked profiles placed by CLV against ``influencer_score``.
  High CLV = CLV decile 9 or 10 *within the customer's currency* (the top
  20 % of the customers who pay in it; the ambassador score's CLV factor,
  from :mod:`scrm.analysis.roles`, still takes deciles over all customers);
  high influence = ``influencer_score`` >=
  :data:`INFLUENCE_HIGH` (about 5,000-10,000 followers with ordinary
  engagement).
- **CLV at risk** of a detractor = the linked customer's CLV x
  ``detractor_score``; the whole CLV when the author was *negative lately*:
  at least :data:`LATELY_MIN_MENTIONS` scored mentions of the own brand in the
  :data:`LATELY_DAYS` days up to the latest mention (or in the filter's date
  range) with an average score at or below :data:`LATELY_MAX_SENTIMENT`.

Money is never added across currencies. Each linked author carries the
currency of their customer's orders (column ``currency``, derived by
:func:`scrm.views.segments.stored_customer_currencies`: ``EUR+GBP`` for a
customer who paid in several, None when the orders name none), and every
total comes per currency: :func:`quadrant_counts` has one ``clv_<CODE>``
column per currency, :func:`at_risk_by_currency` one row per currency. A
database whose orders name no currency keeps the plain ``clv`` column.

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

from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters, segment_where
from scrm.db.store import table_exists
from scrm.views.segments import (
    CUSTOMER_VALUE,
    SEGMENTS,
    currencies,
    money_column,
    stored_customer_currencies,
)

log = logging.getLogger(__name__)

ROLES = S.ROLES

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
    'No mentions yet. Import mentions on the Data page or load the demo there; the scores follow in the background.'
    """
    if store.is_empty(db, S.MENTIONS):
        return (
            "No mentions yet. Import mentions on the Data page or load the demo there; "
            "the scores follow in the background."
        )
    if not table_exists(db, ROLES) or store.is_empty(db, ROLES):
        return "Author roles are not computed yet. They follow in the background (or use Recompute now on the Settings page)."
    return None


def role_table(db: sqlite_utils.Database, f: Filters | None = None, *, notable_only: bool = False) -> pd.DataFrame:
    """``roles`` with the profile's display name and the linked customer's name, e-mail,
    consent, CLV, CLV decile and RFM segment; filtered by platform and segment.

    Also the customer's ``currency`` (None without one), ``currency_clv_decile``
    (the CLV decile among the customers of that currency) and ``clv_high_from``
    (the lowest CLV of that currency's top 20 %: where high value starts).

    ``notable_only`` keeps authors with a role or a linked customer: everything
    the page lists (on the demo 900 of 40,000 rows; the rest are one-off posters).
    """
    f = f or Filters()
    if not table_exists(db, ROLES):
        return pd.DataFrame({c: [] for c in (*_IDENTITY, "role", "relation", "clv", "currency", *ROLE_SCORES.values())})
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
        WHERE {" AND ".join(clauses) or "1 = 1"}
        """,
        params,
    )
    for c in ("profile_id", "platform", "handle", "display_name", "customer_id", "name", "email", "role", "relation", "rfm_segment"):
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    frame["consent_marketing"] = pd.to_numeric(frame["consent_marketing"], errors="coerce").fillna(0).astype(bool)
    frame["clv"] = pd.to_numeric(frame["clv"], errors="coerce").astype("float64")
    frame["clv_decile"] = pd.to_numeric(frame["clv_decile"], errors="coerce").astype("Int64")
    return _with_currency(db, frame)


def stored_role_table(db: sqlite_utils.Database, f: Filters | None = None) -> pd.DataFrame:
    """:func:`role_table` of the notable authors, stored per data version and per the filters it reads
    (platforms and segment): at a million mentions it takes a second of the Advocates page's first run."""
    import json

    from scrm.views import data as browse

    f = f or Filters()
    name = "advocates:roles:" + json.dumps([sorted(f.platforms), f.segment], default=str)
    def decode(raw: bytes) -> pd.DataFrame:
        frame = browse.decode_frame(raw)
        for c in frame.columns[frame.dtypes.map(pd.api.types.is_string_dtype)]:  # text comes back as strings
            frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
        return frame

    return browse.stored(db, name, lambda: role_table(db, f, notable_only=True), browse.encode_frame, decode)


def _with_currency(db: sqlite_utils.Database, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the customer's ``currency``, ``currency_clv_decile`` and ``clv_high_from``.

    The deciles are taken over every valued customer of the same currency (not
    only the linked ones, and not cut by the filters), like ``clv_decile`` over
    all customers: with one currency (or none) they are the stored deciles.
    """
    out = frame.assign(currency=None, currency_clv_decile=frame["clv_decile"], clv_high_from=np.nan)
    out["currency"] = out["currency"].astype(object)
    out["clv_high_from"] = out["clv_high_from"].astype("float64")
    if frame.empty or not table_exists(db, CUSTOMER_VALUE):
        return out
    values = store.read_frame(db, f"SELECT customer_id, clv, clv_decile FROM {CUSTOMER_VALUE} WHERE clv IS NOT NULL")
    if values.empty:
        return out
    values["customer_id"] = values["customer_id"].astype(str).astype(object)
    values["clv"] = pd.to_numeric(values["clv"], errors="coerce").astype("float64")
    codes = stored_customer_currencies(db) if table_exists(db, S.ORDERS) else pd.Series(dtype=object)
    values["currency"] = values["customer_id"].map(codes).astype(object)
    key = values["currency"].where(values["currency"].notna(), "")
    if key.nunique() > 1:
        values["decile"] = values.groupby(key.to_numpy())["clv"].transform(_deciles)
    else:
        values["decile"] = pd.to_numeric(values["clv_decile"], errors="coerce")
    high = values[values["decile"] >= CLV_HIGH_DECILE]
    high_from = high.groupby(key[high.index].to_numpy())["clv"].min()
    values["high_from"] = key.map(high_from).astype("float64")
    by_id = values.set_index("customer_id")
    linked = out["customer_id"].where(out["customer_id"].notna(), "").astype(str).to_numpy()
    found = by_id.reindex(linked)
    currency = pd.Series(found["currency"].to_numpy(dtype=object), index=out.index, dtype=object)
    out["currency"] = currency.where(currency.notna(), None)
    out["currency_clv_decile"] = pd.array(found["decile"].to_numpy(dtype="float64", na_value=np.nan), dtype="Float64").astype("Int64")
    out["clv_high_from"] = found["high_from"].to_numpy(dtype="float64", na_value=np.nan)
    return out


def _deciles(clv: pd.Series) -> pd.Series:
    """Deciles 1-10 of ``clv`` by rank, ties by position: :mod:`scrm.analysis.value`'s ``clv_decile`` method."""
    ranks = clv.rank(method="first")
    return pd.Series(np.floor((ranks - 1) * 10 / len(clv)) + 1, index=clv.index)


def has_currency(frame: pd.DataFrame) -> bool:
    """Whether any row of ``frame`` names a currency (else amounts are shown without one)."""
    return "currency" in frame and bool(frame["currency"].notna().any())


def ranked(roles: pd.DataFrame, role: str, *, limit: int | None = None, consented_only: bool = False) -> pd.DataFrame:
    """Profiles whose primary role is ``role``, best score first, with the score's components.

    Columns: identity (handle, platform, name, ...), the role's score, its
    components (:data:`COMPONENTS`), followers, relation, CLV and its currency.
    """
    score = ROLE_SCORES[role]
    part = roles[roles["role"] == role]
    if consented_only:
        part = part[part["consent_marketing"]]
    columns = list(dict.fromkeys([*_IDENTITY, "role", score, *COMPONENTS[role], "followers", "relation", "clv", "currency"]))
    out = part.sort_values([score, "profile_id"], ascending=[False, True])[columns]
    return (out.head(limit) if limit else out).reset_index(drop=True)


def quadrant(roles: pd.DataFrame, *, influence_high: float = INFLUENCE_HIGH, clv_high_decile: int = CLV_HIGH_DECILE) -> pd.DataFrame:
    """Linked profiles with a CLV, each with its ``quadrant`` label (:data:`QUADRANTS`).

    High value = ``currency_clv_decile`` (the decile within the customer's
    currency, :func:`role_table`) >= ``clv_high_decile``; a frame without it
    uses ``clv_decile``.

    >>> df = pd.DataFrame({"profile_id": ["a", "b"], "clv": [900.0, 20.0], "clv_decile": [10, 2],
    ...                    "influencer_score": [0.8, 0.1]})
    >>> quadrant(df)["quadrant"].tolist()
    ['Champions to activate', 'Low priority']
    """
    part = roles.dropna(subset=["clv"]).copy()
    decile = part["currency_clv_decile"] if "currency_clv_decile" in part else part["clv_decile"]
    high_value = pd.to_numeric(decile, errors="coerce").fillna(0) >= clv_high_decile
    high_influence = part["influencer_score"].astype(float) >= influence_high
    part["quadrant"] = [QUADRANTS[(bool(v), bool(i))] for v, i in zip(high_value, high_influence, strict=True)]
    return part.sort_values(["clv", "profile_id"], ascending=[False, True]).reset_index(drop=True)


def _currency_key(frame: pd.DataFrame) -> pd.Series:
    """Each row's currency, "" for none (a groupby key that keeps them)."""
    if "currency" not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame["currency"].astype(object).where(frame["currency"].notna(), "")


def quadrant_counts(points: pd.DataFrame) -> pd.DataFrame:
    """Profiles and total CLV per quadrant, in :data:`QUADRANTS` order (empty quadrants as 0).

    The total comes per currency, one column each (``clv_EUR``, ``clv_GBP``,
    main currency first; :func:`scrm.views.segments.money_column`); customers
    whose orders name no currency are summed in the plain ``clv`` column.

    >>> points = pd.DataFrame({"profile_id": ["a", "b", "c"], "quadrant": ["Low priority"] * 3,
    ...                        "clv": [10.0, 20.0, 5.0], "currency": ["EUR", "EUR", "GBP"]})
    >>> quadrant_counts(points).iloc[3].to_dict()
    {'quadrant': 'Low priority', 'profiles': 3, 'clv_EUR': 30.0, 'clv_GBP': 5.0}
    """
    names = list(QUADRANTS.values())
    out = pd.DataFrame({"quadrant": names})
    if points.empty:
        out["profiles"], out["clv"] = 0, 0.0
        return out
    out["profiles"] = points.groupby("quadrant").size().reindex(names, fill_value=0).astype("int64").to_numpy()
    key = _currency_key(points)
    for code in currencies(points.assign(currency=key.where(key != "", None))) or (None,):
        members = points[(key == (code or "")).to_numpy()]
        total = members.groupby("quadrant")["clv"].sum().reindex(names, fill_value=0.0)
        out[money_column("clv", code)] = total.astype(float).round(2).to_numpy()
    return out


def value_thresholds(points: pd.DataFrame, *, clv_high_decile: int = CLV_HIGH_DECILE) -> pd.DataFrame:
    """Where high value starts, per currency: ``currency`` (None: orders without one) and ``clv_high_from``.

    From :func:`role_table`'s ``clv_high_from`` (the lowest CLV in the top 20 %
    of all customers of that currency); without that column, the lowest CLV
    among the high-value ``points`` (NaN when none is high). Main currency first.
    """
    key = _currency_key(points)
    codes = currencies(points.assign(currency=key.where(key != "", None)))
    rows = []
    for code in codes:
        members = points[(key == (code or "")).to_numpy()]
        if "clv_high_from" in members and members["clv_high_from"].notna().any():
            start = float(members["clv_high_from"].dropna().iloc[0])
        else:
            decile = members["currency_clv_decile"] if "currency_clv_decile" in members else members["clv_decile"]
            high = members[pd.to_numeric(decile, errors="coerce").fillna(0).to_numpy() >= clv_high_decile]["clv"]
            start = float(high.min()) if len(high) else float("nan")
        rows.append({"currency": code, "clv_high_from": round(start, 2)})
    return pd.DataFrame(rows, columns=["currency", "clv_high_from"])


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


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


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
    brand = store.get_meta(db, S.META_OWN_BRAND)
    brand_clause, params = ("AND m.brand = ?", [brand]) if brand else ("", [])
    # One pass over the window (index-only where the covering indexes exist), grouped by the stored
    # platform and author; the profile key is then built once per pair, not once per mention.
    pairs = store.read_frame(
        db,
        f"""
        SELECT m.platform, m.author, count(*) AS n, sum(s.score) AS total
        FROM {S.MENTIONS} m JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        WHERE s.score IS NOT NULL AND m.posted_at >= ? AND m.posted_at < ? AND coalesce(m.from_brand, 0) = 0 {brand_clause}
        GROUP BY m.platform, m.author
        """,
        [window[0], window[1], *params],
    )
    if pairs.empty:
        return empty
    # The same key as the SQL expression of the profiles (lower() folds ASCII only on SQLite).
    fold = (lambda c: c.str.lower()) if store.is_postgres(db) else (lambda c: c.str.translate(_ASCII_LOWER))
    platform = fold(pairs["platform"].astype(object).fillna("").astype(str).str.strip(" ")).replace("", "other")
    author = pairs["author"].astype(object)
    key = (platform + ":" + fold(author.fillna("").astype(str).str.strip(" ").str.lstrip("@"))).where(author.notna())
    grouped = pairs.assign(profile_id=key).groupby("profile_id", sort=False, dropna=False)[["n", "total"]].sum()
    frame = pd.DataFrame({
        "profile_id": grouped.index.astype(object),
        "recent_mentions": grouped["n"].astype("int64").to_numpy(),
        "recent_sentiment": (grouped["total"].astype("float64") / grouped["n"]).to_numpy(),
    })
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


def at_risk_by_currency(detractors: pd.DataFrame) -> pd.DataFrame:
    """CLV at risk summed per currency (never across them), main currency first.

    Columns: currency (None for orders without one), authors, clv_at_risk, clv.

    >>> d = pd.DataFrame({"clv_at_risk": [100.0, 50.0, 7.5], "clv": [100.0, 500.0, 15.0],
    ...                   "currency": ["GBP", "GBP", "EUR"]})
    >>> at_risk_by_currency(d).values.tolist()
    [['GBP', 2, 150.0, 600.0], ['EUR', 1, 7.5, 15.0]]
    """
    columns = ["currency", "authors", "clv_at_risk", "clv"]
    key = _currency_key(detractors)
    codes = currencies(detractors.assign(currency=key.where(key != "", None)))
    rows = []
    for code in codes:
        members = detractors[(key == (code or "")).to_numpy()]
        rows.append(
            {
                "currency": code,
                "authors": len(members),
                "clv_at_risk": round(float(members["clv_at_risk"].sum()), 2),
                "clv": round(float(members["clv"].sum()), 2),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def campaign_list(roles: pd.DataFrame, roles_wanted: tuple[str, ...], *, consented_only: bool = False) -> pd.DataFrame:
    """Profiles to invite to an advocacy campaign: primary role in ``roles_wanted``, best
    advocate score first; ``consented_only`` keeps linked customers with marketing consent."""
    part = roles[roles["role"].isin(roles_wanted)]
    if consented_only:
        part = part[part["consent_marketing"]]
    columns = [*_IDENTITY, "role", "relation", "advocate_score", "ambassador_score", "influencer_score", "followers", "clv", "currency"]
    return part.sort_values(["advocate_score", "profile_id"], ascending=[False, True])[columns].reset_index(drop=True)
