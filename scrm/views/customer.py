"""Customer 360: everything stored about one customer, read for the Customer 360 page.

Pure reads (no Streamlit, nothing written):

- :func:`search_customers` finds customers by name, e-mail or social handle,
  case- and accent-insensitively ("jose" finds "José"); ``%`` and ``_`` in the
  search text are literal characters, not wildcards.
- :func:`customer_identity`, :func:`linked_profiles`, :func:`customer_value_row`,
  :func:`customer_stage` read the card.
- :func:`customer_timeline` puts orders, mentions (with their sentiment),
  survey answers and support cases (when a ``cases`` table exists) on one
  time line, oldest first.
- :func:`suggest_next_action` turns stage, value, roles and consent into one
  suggestion by the rules of :data:`NEXT_ACTION_RULES`.
- :func:`account_contacts` lists the contacts of a B2B account with their value.

Derived tables (``customer_value``, ``roles``, ``journey``) are optional: a
database that was never scored gives empty frames / None, and the page says
to run ``python -m scrm score``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.analysis.journey import JOURNEY
from scrm.analysis.roles import ROLES, profile_id_sql, resolve_as_of
from scrm.analysis.value import CUSTOMER_VALUE
from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters, mentions_where
from scrm.db.search import CUSTOMER_SEARCH_LIMIT

# The card's search lives with the other searches; these names stay importable from here.
from scrm.db.search import fold_text as fold_text
from scrm.db.search import like_pattern as like_pattern
from scrm.db.search import search_customers as search_customers
from scrm.db.store import table_exists

log = logging.getLogger(__name__)

SEARCH_LIMIT = CUSTOMER_SEARCH_LIMIT
# Deciles 9-10: the top fifth of the customers by predicted 12-month value.
HIGH_CLV_DECILE = 9
# A survey answer this recent and this low makes a detractor, as an NPS detractor (0-6).
DETRACTOR_NPS_MAX = 6
RECENT_NPS_DAYS = 90

TIMELINE_KINDS = ("order", "mention", "survey", "case")
TIMELINE_COLUMNS = ["at", "kind", "item_id", "title", "author", "detail", "amount", "sentiment", "score"]


# --- the card ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who the customer is, as the CRM record says."""

    customer_id: str
    name: str | None
    email: str | None
    phone: str | None
    city: str | None
    country: str | None
    account: str | None
    consent_marketing: bool | None
    created_at: str | None


def customer_identity(db: sqlite_utils.Database, customer_id: str) -> Identity | None:
    """The customer record, or None when no customer has this id."""
    row = db.execute(
        f"SELECT customer_id, name, email, phone, city, country, account, consent_marketing, created_at "
        f"FROM {S.CUSTOMERS} WHERE customer_id = ?",
        [customer_id],
    ).fetchone()
    if row is None:
        return None
    values: list[Any] = [None if isinstance(v, str) and not v.strip() else v for v in row]
    consent = values[7]
    values[7] = None if consent is None else bool(consent)
    return Identity(str(values[0]), *values[1:])


def linked_profiles(db: sqlite_utils.Database, customer_id: str) -> pd.DataFrame:
    """Social profiles linked or suggested for the customer, with how and how surely, and their role.

    Columns: profile_id, platform, handle, display_name, followers, mentions,
    method, confidence, status, role. Rejected links are left out; confirmed
    links first, then by confidence.
    """
    has_roles = table_exists(db, ROLES)
    role_sql = f"(SELECT r.role FROM {ROLES} r WHERE r.profile_id = l.profile_id)" if has_roles else "NULL"
    return store.read_frame(
        db,
        f"""SELECT l.profile_id, p.platform, p.handle, p.display_name, p.followers, p.mentions,
                   l.method, l.confidence, l.status, {role_sql} AS role
              FROM {S.LINKS} l LEFT JOIN {S.PROFILES} p ON p.profile_id = l.profile_id
             WHERE l.customer_id = ? AND l.status != ?
             ORDER BY l.status = ? DESC, l.confidence DESC, l.profile_id""",
        [customer_id, S.REJECTED, S.LINKED],
    )


def customer_value_row(db: sqlite_utils.Database, customer_id: str) -> dict[str, Any] | None:
    """The customer's row of ``customer_value`` (RFM, CLV, AOV...), or None (not scored / no orders)."""
    if not table_exists(db, CUSTOMER_VALUE):
        return None
    cursor = db.execute(f"SELECT * FROM {CUSTOMER_VALUE} WHERE customer_id = ?", [customer_id])
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def customer_stage(db: sqlite_utils.Database, customer_id: str) -> tuple[str, str | None] | None:
    """``(stage, since)`` from ``journey``, or None (not scored, or no touchpoint)."""
    if not table_exists(db, JOURNEY):
        return None
    row = db.execute(f"SELECT stage, since FROM {JOURNEY} WHERE customer_id = ?", [customer_id]).fetchone()
    return None if row is None else (str(row[0]), row[1])


def customer_roles(profiles: pd.DataFrame) -> list[str]:
    """The distinct roles of the customer's confirmed profiles, strongest first (``none`` left out)."""
    order = ("ambassador", "detractor", "advocate", "influencer")
    if profiles.empty or "role" not in profiles:
        return []
    linked = profiles[profiles["status"] == S.LINKED]
    found = {str(r) for r in linked["role"].dropna()}
    return [r for r in order if r in found]


def _date_clauses(column: str, f: Filters) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if f.date_from:
        clauses.append(f"{column} >= ?")
        params.append(f.date_from)
    if f.date_to:
        # The end day is inclusive; stored text timestamps sort as dates.
        clauses.append(f"substr({column}, 1, 10) <= ?")
        params.append(f.date_to)
    return (" AND ".join(clauses) or "1 = 1"), params


def customer_timeline(db: sqlite_utils.Database, customer_id: str, filters: Filters | None = None) -> pd.DataFrame:
    """Orders, mentions, survey answers and cases of one customer on one time line, oldest first.

    Mentions are those of the customer's confirmed profiles (links with status
    ``linked``), with the sentiment label and score when scored; survey
    answers match by customer id or, when the survey has none, by e-mail.
    ``filters`` narrow by date (all kinds) and by brand, platform and language
    (mentions). Columns: at, kind (order | mention | survey | case), item_id,
    title, author (mentions: the handle), detail, amount, sentiment, score. Ties in time keep the order of
    :data:`TIMELINE_KINDS`, then the item id, so the order is stable.
    """
    f = filters or Filters()
    parts: list[pd.DataFrame] = []

    where, params = _date_clauses("o.ordered_at", f)
    parts.append(
        store.read_frame(
            db,
            f"""SELECT o.ordered_at AS at, 'order' AS kind, o.order_id AS item_id,
                       'Order ' || o.order_id AS title,
                       trim(coalesce(o.category, '') || ' ' || coalesce(o.channel, '')) AS detail,
                       o.amount AS amount, NULL AS sentiment, NULL AS score
                  FROM {S.ORDERS} o WHERE o.customer_id = ? AND o.ordered_at IS NOT NULL AND {where}""",
            [customer_id, *params],
        )
    )

    has_sentiment = table_exists(db, S.SENTIMENT)
    m_where, m_params = mentions_where(f, "m", sentiment_alias="s" if has_sentiment else None)
    sentiment_join = f"LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id" if has_sentiment else ""
    sentiment_cols = "s.label AS sentiment, s.score AS score" if has_sentiment else "NULL AS sentiment, NULL AS score"
    parts.append(
        store.read_frame(
            db,
            f"""SELECT m.posted_at AS at, 'mention' AS kind, m.mention_id AS item_id,
                       coalesce(m.platform, 'other') || ' ' || coalesce(m.kind, 'post') AS title,
                       '@' || ltrim(m.author, '@') AS author,
                       m.text AS detail, NULL AS amount, {sentiment_cols}
                  FROM {S.MENTIONS} m {sentiment_join}
                 WHERE {profile_id_sql('m')} IN (
                        SELECT profile_id FROM {S.LINKS} WHERE customer_id = ? AND status = ?)
                   AND m.posted_at IS NOT NULL AND {m_where}""",
            [customer_id, S.LINKED, *m_params],
        )
    )

    s_where, s_params = _date_clauses("v.answered_at", f)
    parts.append(
        store.read_frame(
            db,
            f"""SELECT v.answered_at AS at, 'survey' AS kind, v.survey_id AS item_id,
                       'NPS answer ' || v.score || '/10' AS title, v.comment AS detail, NULL AS amount,
                       CASE WHEN v.score >= 9 THEN 'positive' WHEN v.score >= 7 THEN 'neutral'
                            WHEN v.score IS NOT NULL THEN 'negative' END AS sentiment,
                       v.score AS score
                  FROM {S.SURVEYS} v
                 WHERE (v.customer_id = ?
                        OR (coalesce(v.customer_id, '') = '' AND v.email IS NOT NULL AND lower(v.email) =
                            (SELECT lower(email) FROM {S.CUSTOMERS} WHERE customer_id = ?)))
                   AND v.answered_at IS NOT NULL AND {s_where}""",
            [customer_id, customer_id, *s_params],
        )
    )

    if table_exists(db, S.CASES):  # schema 3; an older file opened read-only may lack it
        parts.append(_case_rows(db, customer_id, f))

    frames = [p.reindex(columns=TIMELINE_COLUMNS) for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TIMELINE_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out["amount"] = pd.to_numeric(out["amount"], errors="coerce")
    out["score"] = pd.to_numeric(out["score"], errors="coerce")
    out["_kind_order"] = out["kind"].map({k: i for i, k in enumerate(TIMELINE_KINDS)})
    out = out.sort_values(["at", "_kind_order", "item_id"], kind="stable").drop(columns="_kind_order")
    return out.reset_index(drop=True)


def _case_rows(db: sqlite_utils.Database, customer_id: str, f: Filters) -> pd.DataFrame:
    """The customer's cases at their opening time: subject as title; queue, priority, status and assignee as detail."""
    where, params = _date_clauses("c.opened_at", f)
    return store.read_frame(
        db,
        f"""SELECT c.opened_at AS at, 'case' AS kind, CAST(c.case_id AS TEXT) AS item_id,
                   'Case: ' || coalesce(c.subject, '') AS title, NULL AS author,
                   coalesce(c.queue, 'no') || ' queue · ' || coalesce(c.priority, 'no') || ' priority · '
                       || coalesce(c.status, 'new')
                       || CASE WHEN coalesce(c.assignee, '') != '' THEN ' · ' || c.assignee ELSE '' END AS detail,
                   NULL AS amount, NULL AS sentiment, NULL AS score
              FROM {S.CASES} c WHERE c.customer_id = ? AND c.opened_at IS NOT NULL AND {where}""",
        [customer_id, *params],
    )


# --- the next action -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NextAction:
    """One suggestion for the account manager, with the reason in plain words."""

    action: str
    reason: str


# The rules, first that holds. Kept as data so the page can show them and the
# tests can walk them.
NEXT_ACTION_RULES: tuple[tuple[str, str], ...] = (
    ("Call within 48 h", "at risk (or lapsed) and in the top fifth by predicted value (CLV decile 9-10)"),
    ("Open a rescue case", "a detractor: a detractor profile, or an NPS answer of 0-6 in the last 90 days"),
    ("Win-back offer", "lapsed: no order for more than a year"),
    ("Invite to the ambassador programme", "an advocate or ambassador who consented to marketing"),
    ("Thank them and ask for marketing consent", "an advocate or ambassador without marketing consent"),
    ("Send a re-engagement offer", "at risk: overdue for the next order, or negative lately"),
    ("Encourage a second order", "one order so far"),
    ("Offer a first-order incentive", "talks about the brand but never ordered"),
    ("Keep warm: loyalty perks and cross-sell", "a repeat customer"),
    ("No action needed", "nothing stored calls for one"),
)


def suggest_next_action(
    *,
    stage: str | None,
    clv_decile: int | None,
    roles: list[str] | tuple[str, ...],
    consent: bool | None,
    recent_nps: int | None = None,
) -> NextAction:
    """The first rule of :data:`NEXT_ACTION_RULES` that holds for this customer.

    ``recent_nps`` is the latest NPS answer of the last :data:`RECENT_NPS_DAYS` days, if any.

    >>> suggest_next_action(stage="lapsed", clv_decile=3, roles=[], consent=True).action
    'Win-back offer'
    """
    rules = dict(NEXT_ACTION_RULES)
    high_value = clv_decile is not None and clv_decile >= HIGH_CLV_DECILE
    detractor = "detractor" in roles or (recent_nps is not None and recent_nps <= DETRACTOR_NPS_MAX)
    advocate = stage == "advocate" or "advocate" in roles or "ambassador" in roles

    def pick(action: str) -> NextAction:
        return NextAction(action, rules[action])

    if stage in ("at_risk", "lapsed") and high_value:
        return pick("Call within 48 h")
    if detractor:
        return pick("Open a rescue case")
    if stage == "lapsed":
        return pick("Win-back offer")
    if advocate:
        return pick("Invite to the ambassador programme" if consent else "Thank them and ask for marketing consent")
    if stage == "at_risk":
        return pick("Send a re-engagement offer")
    if stage == "first_purchase":
        return pick("Encourage a second order")
    if stage in ("aware", "engaged"):
        return pick("Offer a first-order incentive")
    if stage == "repeat":
        return pick("Keep warm: loyalty perks and cross-sell")
    return pick("No action needed")


def recent_nps(timeline: pd.DataFrame, as_of: str | None) -> int | None:
    """The latest survey score of the :data:`RECENT_NPS_DAYS` days up to ``as_of`` (None when none)."""
    if timeline.empty or not as_of:
        return None
    surveys = timeline[(timeline["kind"] == "survey") & timeline["score"].notna()]
    if surveys.empty:
        return None
    end = pd.Timestamp(as_of[:10]) + pd.Timedelta(days=1)
    start = end - pd.Timedelta(days=RECENT_NPS_DAYS + 1)
    at = pd.to_datetime(surveys["at"], errors="coerce")
    recent = surveys[(at >= start) & (at < end)]
    return None if recent.empty else int(recent["score"].iloc[-1])


# --- B2B accounts ----------------------------------------------------------------------------------


def account_contacts(db: sqlite_utils.Database, account: str) -> pd.DataFrame:
    """The contacts of a B2B account (same ``customers.account``, trimmed, any case) with their value.

    Columns: customer_id, name, email, stage, orders, revenue, clv, rfm_segment;
    highest revenue first. Value columns are empty until ``python -m scrm score`` ran.
    """
    has_value, has_journey = table_exists(db, CUSTOMER_VALUE), table_exists(db, JOURNEY)
    value_cols = "v.orders, v.revenue, v.clv, v.rfm_segment" if has_value else "NULL AS orders, NULL AS revenue, NULL AS clv, NULL AS rfm_segment"
    value_join = f"LEFT JOIN {CUSTOMER_VALUE} v ON v.customer_id = c.customer_id" if has_value else ""
    stage_col = "j.stage" if has_journey else "NULL AS stage"
    journey_join = f"LEFT JOIN {JOURNEY} j ON j.customer_id = c.customer_id" if has_journey else ""
    frame = store.read_frame(
        db,
        f"""SELECT c.customer_id, c.name, c.email, {stage_col}, {value_cols}
              FROM {S.CUSTOMERS} c {value_join} {journey_join}
             WHERE lower(trim(c.account)) = lower(trim(?))
             ORDER BY coalesce({'v.revenue' if has_value else 'NULL'}, 0) DESC, c.customer_id""",
        [account],
    )
    for column in ("orders", "revenue", "clv"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def account_totals(contacts: pd.DataFrame) -> dict[str, float]:
    """Contacts, orders, revenue and 12-month CLV summed over an account's contacts."""
    return {
        "contacts": float(len(contacts)),
        "orders": float(contacts["orders"].fillna(0).sum()) if "orders" in contacts else 0.0,
        "revenue": float(contacts["revenue"].fillna(0).sum()) if "revenue" in contacts else 0.0,
        "clv": float(contacts["clv"].fillna(0).sum()) if "clv" in contacts else 0.0,
    }


@dataclass(frozen=True)
class CustomerCard:
    """The card of one customer: identity, profiles, value, roles, stage and the analysis date."""

    identity: Identity
    profiles: pd.DataFrame
    value: dict[str, Any] | None
    roles: list[str]
    stage: tuple[str, str | None] | None
    as_of: str | None
    currencies: tuple[str, ...] = ()  # of the customer's orders: amounts are only comparable within one


def customer_card(db: sqlite_utils.Database, customer_id: str) -> CustomerCard | None:
    """Everything the card shows about ``customer_id``, or None when no customer has this id."""
    identity = customer_identity(db, customer_id)
    if identity is None:
        return None
    profiles = linked_profiles(db, customer_id)
    value = customer_value_row(db, customer_id)
    has_data = db.execute(f"SELECT 1 FROM {S.ORDERS} LIMIT 1").fetchone() or db.execute(
        f"SELECT 1 FROM {S.MENTIONS} LIMIT 1"
    ).fetchone()
    as_of = (value or {}).get("as_of") or (resolve_as_of(db, None) if has_data else None)
    currencies = tuple(
        str(r[0])
        for r in db.execute(
            f"SELECT DISTINCT currency FROM {S.ORDERS} WHERE customer_id = ? AND trim(coalesce(currency, '')) != '' "
            "ORDER BY currency",
            [customer_id],
        ).fetchall()
    )
    return CustomerCard(
        identity, profiles, value, customer_roles(profiles), customer_stage(db, customer_id), as_of, currencies
    )


def customers_to_watch(db: sqlite_utils.Database, limit: int = 10) -> pd.DataFrame:
    """High-value customers (CLV decile 9-10) who are at risk or lapsed, most valuable first.

    The first list an account manager wants before searching: the customers
    whose next action is "Call within 48 h". Columns: customer_id, name,
    email, stage, clv, revenue, rfm_segment. Empty before scoring.
    """
    columns = ["customer_id", "name", "email", "stage", "clv", "revenue", "rfm_segment"]
    if not (table_exists(db, CUSTOMER_VALUE) and table_exists(db, JOURNEY)):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame = store.read_frame(
        db,
        f"""SELECT c.customer_id, c.name, c.email, j.stage, v.clv, v.revenue, v.rfm_segment
              FROM {JOURNEY} j
              JOIN {CUSTOMER_VALUE} v ON v.customer_id = j.customer_id
              JOIN {S.CUSTOMERS} c ON c.customer_id = j.customer_id
             WHERE j.stage IN ('at_risk', 'lapsed') AND v.clv_decile >= ?
             ORDER BY v.clv DESC, c.customer_id
             LIMIT ?""",
        [HIGH_CLV_DECILE, int(limit)],
    )
    return frame.reindex(columns=columns)
