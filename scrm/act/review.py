"""Identity review: a person confirms, rejects, unlinks, links and merges, and can undo each.

:func:`scrm.analysis.identity.link_profiles` links a social profile to a customer when
the evidence is clear and only *suggests* the pair when it is not (a name
without a city, two customers with the same name). This module is what a
person does with those suggestions:

- :func:`accept` a suggestion: the pair becomes ``linked`` with
  ``confirmed_by`` set, and the profile's other candidates become
  ``rejected`` (a profile is one person);
- :func:`reject` a suggestion, or :func:`unlink` a linked pair: the pair
  becomes ``rejected``, which a rebuild of the links never proposes again;
- :func:`link` a profile to a customer by hand (method ``manual``,
  confidence 1.0), e.g. when the suggested customer was the wrong one;
- :func:`merge` two customer records that are one person: orders, surveys,
  links, cases and rule matches of one move to the other, the kept record's
  empty fields are filled from the merged one, and the merged record goes.

Every decision is one transaction that writes a ``link_reviews`` row with the
rows it changed as they were (``before``) and as it left them (``after``),
JSON objects ``{table: [row, ...]}``, and an ``audit.LINK`` entry naming ids
and the action only. :func:`undo` puts the ``before`` rows back exactly; it
refuses while a later decision that touched the same rows stands, or when
an import or a rebuild changed those rows since.

Decisions change what the analysis reads (links feed roles, segments and
alerts), so they use ``store.transaction(db)``, not ``work=True``: the next
``python -m scrm score`` recomputes the derived tables.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.analysis.identity import MANUAL, METHOD_LABELS
from scrm.db import audit, dialect, store
from scrm.db import schema as S
from scrm.errors import NotFound, ReviewRefused
from scrm.i18n.messages import Message

log = logging.getLogger(__name__)

# Decisions (the `action` column of link_reviews), spelled in scrm.db.schema.
ACCEPT = S.REVIEW_ACCEPT
REJECT = S.REVIEW_REJECT
UNLINK = S.REVIEW_UNLINK
LINK = S.REVIEW_LINK
MERGE = S.REVIEW_MERGE
UNDO = S.REVIEW_UNDO  # only in the audit log: an undo marks the review reverted
ACTIONS: tuple[str, ...] = S.REVIEW_ACTIONS
ACTION_LABELS: dict[str, str] = {
    ACCEPT: "accepted the suggestion",
    REJECT: "rejected the suggestion",
    UNLINK: "unlinked",
    LINK: "linked by hand",
    MERGE: "merged customer records",
}

MANUAL_EVIDENCE = "linked by hand in the identity review"
# Why a decision on a pair is refused, one sentence per verb (each a catalog key).
_CANNOT = {
    "accept": "Cannot accept profile {profile} with customer {customer}: {why}.",
    "reject": "Cannot reject profile {profile} with customer {customer}: {why}.",
    "unlink": "Cannot unlink profile {profile} with customer {customer}: {why}.",
}
QUEUE_LIMIT = 500

# Tables whose `customer_id` moves to the kept record on a merge.
MERGED_TABLES: tuple[str, ...] = (S.ORDERS, S.SURVEYS, S.CASES, S.RULE_MATCHES)
# Customer columns a merge never fills from the other record.
_NOT_FILLED = frozenset({"customer_id", "import_id", "attributes"})
# The better of two link rows for one profile when a merge brings them together.
_STATUS_RANK = {S.LINKED: 0, S.SUGGESTED: 1, S.REJECTED: 2}


Key = tuple[Any, ...]
Snapshot = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Decision:
    """What a decision did: its review id and a sentence for the user."""

    review_id: int
    action: str
    message: str


# --- reading ---------------------------------------------------------------------


def _percent(value: Any) -> str:
    return f"{float(value):.0%}" if value is not None and not pd.isna(value) else "?"


def review_queue(db: sqlite_utils.Database, *, status: str = S.SUGGESTED, limit: int = QUEUE_LIMIT) -> pd.DataFrame:
    """Profile-customer pairs of one ``status`` with their evidence, most confident first.

    Columns: profile_id, platform, handle, display_name, location, followers,
    mentions (of the profile), customer_id, customer_name, city, email,
    orders (of the customer), method, method_label, confidence (0-1),
    evidence (English), evidence_message (the same as JSON of :class:`scrm.i18n.messages.Message`; None on
    links older than it), status, confirmed_by, created_at, others (the profile's other
    candidate customers that are not rejected, as ``C000713 70% suggested``),
    other_count. Ties are broken by the profile's mentions (busiest first).
    """
    if status not in (S.LINKED, S.SUGGESTED, S.REJECTED):
        raise ValueError(f"unknown link status {status!r}")
    others = dialect.string_agg(
        db, "x.customer_id || ' ' || CAST(round(x.confidence * 100) AS INTEGER) || '% ' || x.status", "', '"
    )
    sql = f"""
        WITH chosen AS (
            SELECT * FROM {S.LINKS} WHERE status = :status
        ), n_orders AS (
            SELECT customer_id, count(*) AS orders FROM {S.ORDERS}
             WHERE customer_id IN (SELECT customer_id FROM chosen) GROUP BY customer_id
        )
        SELECT l.profile_id, p.platform, p.handle, p.display_name, p.location,
               p.followers, p.mentions,
               l.customer_id, c.name AS customer_name, c.city, c.email,
               coalesce(o.orders, 0) AS orders,
               l.method, l.confidence, l.evidence, l.evidence_message, l.status, l.confirmed_by, l.created_at,
               (SELECT {others}
                  FROM {S.LINKS} x
                 WHERE x.profile_id = l.profile_id AND x.customer_id <> l.customer_id
                   AND x.status <> '{S.REJECTED}') AS others,
               (SELECT count(*) FROM {S.LINKS} x
                 WHERE x.profile_id = l.profile_id AND x.customer_id <> l.customer_id
                   AND x.status <> '{S.REJECTED}') AS other_count
          FROM chosen l
          LEFT JOIN {S.PROFILES} p ON p.profile_id = l.profile_id
          LEFT JOIN {S.CUSTOMERS} c ON c.customer_id = l.customer_id
          LEFT JOIN n_orders o ON o.customer_id = l.customer_id
         ORDER BY l.confidence DESC, coalesce(p.mentions, 0) DESC, l.profile_id, l.customer_id
         LIMIT :limit
    """
    frame = store.read_frame(db, sql, {"status": status, "limit": int(limit)})
    frame["method_label"] = [METHOD_LABELS.get(str(m), str(m)) for m in frame["method"]]
    return frame


def status_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Link rows per status (linked, suggested, rejected) and the decisions made (reviews)."""
    counts = {S.LINKED: 0, S.SUGGESTED: 0, S.REJECTED: 0}
    for status, n in db.execute(f"SELECT status, count(*) FROM {S.LINKS} GROUP BY status"):
        if status in counts:
            counts[str(status)] = int(n)
    counts["reviews"] = int(db.execute(f"SELECT count(*) FROM {S.LINK_REVIEWS}").fetchone()[0])
    counts["undone"] = int(
        db.execute(f"SELECT count(*) FROM {S.LINK_REVIEWS} WHERE reverted_at IS NOT NULL").fetchone()[0]
    )
    return counts


def profile_card(db: sqlite_utils.Database, profile_id: str) -> dict[str, Any] | None:
    """One profile's row (platform, handle, display name, location, followers, mentions, first/last seen)."""
    rows = list(db.query(f"SELECT * FROM {S.PROFILES} WHERE profile_id = ?", [profile_id]))
    return rows[0] if rows else None


def customer_card(db: sqlite_utils.Database, customer_id: str) -> dict[str, Any] | None:
    """One customer's record with counts: orders, revenue, surveys, cases, linked profiles."""
    rows = list(db.query(f"SELECT * FROM {S.CUSTOMERS} WHERE customer_id = ?", [customer_id]))
    if not rows:
        return None
    card = dict(rows[0])
    orders, revenue = db.execute(
        f"SELECT count(*), coalesce(sum(amount), 0) FROM {S.ORDERS} WHERE customer_id = ?", [customer_id]
    ).fetchone()
    card["orders"], card["revenue"] = int(orders), float(revenue)
    for table, name in ((S.SURVEYS, "surveys"), (S.CASES, "cases")):
        card[name] = int(db.execute(f"SELECT count(*) FROM {table} WHERE customer_id = ?", [customer_id]).fetchone()[0])
    card["linked_profiles"] = int(
        db.execute(
            f"SELECT count(*) FROM {S.LINKS} WHERE customer_id = ? AND status = ?", [customer_id, S.LINKED]
        ).fetchone()[0]
    )
    return card


# The fields a merge compares, in the order the page shows them.
MERGE_FIELDS: tuple[str, ...] = (
    "name", "email", "phone", "city", "country", "created_at", "account", "consent_marketing",
    *S.HANDLE_PLATFORMS,
)  # fmt: skip
MERGE_COUNTS: tuple[str, ...] = ("orders", "revenue", "surveys", "cases", "linked_profiles")


def merge_preview(db: sqlite_utils.Database, keep_id: str, merge_id: str) -> pd.DataFrame:
    """The two records side by side and what the merged record will hold.

    Columns: field, keep, merge, result (text). Counts (orders, revenue,
    surveys, cases, linked profiles) add up in ``result``. Raises
    :class:`~scrm.errors.NotFound` for an unknown id.
    """
    keep, other = _require_customer(db, keep_id), _require_customer(db, merge_id)
    rows: list[dict[str, Any]] = []
    for name in ("customer_id", *MERGE_FIELDS):
        k, m = keep.get(name), other.get(name)
        result = keep_id if name == "customer_id" else (k if not _empty(k) else m)
        rows.append({"field": name, "keep": _text(k), "merge": _text(m), "result": _text(result)})
    for name in MERGE_COUNTS:
        k, m = keep[name], other[name]
        if name == "revenue":
            rows.append({"field": name, "keep": f"{k:,.2f}", "merge": f"{m:,.2f}", "result": f"{k + m:,.2f}"})
        else:
            rows.append({"field": name, "keep": f"{k:,}", "merge": f"{m:,}", "result": f"{k + m:,}"})
    return pd.DataFrame(rows, columns=["field", "keep", "merge", "result"])


def history(db: sqlite_utils.Database, *, limit: int = 200) -> pd.DataFrame:
    """The newest decisions first, with whether each can be undone now and why not.

    Columns: review_id, at, actor, action, action_label, profile_id,
    customer_id, other_customer_id, note, reverted_at, reverted_by,
    can_undo (bool), blocked_by (text: ids of later decisions to undo first).
    """
    frame = store.read_frame(
        db,
        f"SELECT review_id, at, actor, action, profile_id, customer_id, other_customer_id, note, "
        f"reverted_at, reverted_by FROM {S.LINK_REVIEWS} ORDER BY review_id DESC LIMIT ?",
        [int(limit)],
    )
    blockers = _all_blockers(db)
    frame["action_label"] = [ACTION_LABELS.get(str(a), str(a)) for a in frame["action"]] if len(frame) else []
    frame["blocked_by"] = (
        [", ".join(str(b) for b in blockers.get(int(r), [])) for r in frame["review_id"]] if len(frame) else []
    )
    frame["can_undo"] = (
        [pd.isna(rev) and not blockers.get(int(r)) for r, rev in zip(frame["review_id"], frame["reverted_at"], strict=True)]
        if len(frame)
        else []
    )
    return frame


# The values of an evidence message that are personal data, and the kind the privacy switch masks them as.
PERSONAL_EVIDENCE = {"customer": "name", "profile": "name", "email": "email", "handle": "handle"}


def rewrite_evidence_message(message: Message, replace: Callable[[str, str], str]) -> Message:
    """``message`` (an evidence of :mod:`scrm.analysis.identity`) with its personal values passed through
    ``replace(value, kind)``, as :func:`rewrite_evidence` does for the English sentence of older links.

    >>> from scrm.analysis.identity import name_city_evidence
    >>> rewrite_evidence_message(name_city_evidence("Ana Ruiz", "Ana R.", 0.9, "Madrid", "Madrid", 1.0),
    ...                          lambda v, k: k.upper()).english()
    "name 'NAME' ~ 'NAME' (90%), same city Madrid"
    """
    values = {
        name: rewrite_evidence_message(value, replace) if isinstance(value, Message)
        else replace(value, PERSONAL_EVIDENCE[name]) if isinstance(value, str) and name in PERSONAL_EVIDENCE
        else value
        for name, value in message.values.items()
    }  # fmt: skip
    return Message(message.key, values)


def rewrite_evidence(evidence: str | None, replace: Callable[[str, str], str]) -> str:
    """``evidence`` with the personal values in it passed through ``replace(value, kind)``.

    Used by the privacy switch: names quoted in a name-and-city evidence
    (kind ``name``), the e-mail of an e-mail match (``email``) and the handle
    of a handle match (``handle``).

    >>> rewrite_evidence("name 'Ana Ruiz' ~ 'Ana R.' (90%), same city Madrid", lambda v, k: k.upper())
    "name 'NAME' ~ 'NAME' (90%), same city Madrid"
    >>> rewrite_evidence("same e-mail ana@example.com", lambda v, k: k)
    'same e-mail email'
    """
    if not evidence:
        return ""
    if evidence.startswith("name '"):
        head, sep, tail = evidence.partition("' (")
        names = head[len("name '") :]
        left, mid, right = names.partition("' ~ '")
        if sep and mid:
            return f"name '{replace(left, 'name')}' ~ '{replace(right, 'name')}" + sep + tail
    if evidence.startswith("same e-mail "):
        return "same e-mail " + replace(evidence[len("same e-mail ") :], "email")
    prefix, at, handle = evidence.rpartition(" @")
    if at and prefix.startswith("customer record lists"):
        return f"{prefix} {replace('@' + handle, 'handle')}"
    return evidence


# --- checks ----------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _require_customer(db: sqlite_utils.Database, customer_id: str) -> dict[str, Any]:
    card = customer_card(db, customer_id)
    if card is None:
        raise NotFound(Message("Customer {id} does not exist. Check the id on the Customer 360 page.", {"id": customer_id}))
    return card


def _require_profile(db: sqlite_utils.Database, profile_id: str) -> None:
    if profile_card(db, profile_id) is None:
        raise NotFound(Message(
            "Profile {id} does not exist. Profiles come from imported mentions; "
            "check the platform and handle (for example twitter:ana_g).",
            {"id": str(profile_id)},
        ))


def _link_row(db: sqlite_utils.Database, profile_id: str, customer_id: str) -> dict[str, Any] | None:
    rows = list(
        db.query(f"SELECT * FROM {S.LINKS} WHERE profile_id = ? AND customer_id = ?", [profile_id, customer_id])
    )
    return rows[0] if rows else None


def _require_link(db: sqlite_utils.Database, profile_id: str, customer_id: str, wanted: str, verb: str) -> None:
    row = _link_row(db, profile_id, customer_id)
    if row is None:
        _require_profile(db, profile_id)
        _require_customer(db, customer_id)
        raise NotFound(Message(
            "Profile {profile} and customer {customer} are not a linked or suggested pair. Use Link to connect them by hand.",
            {"profile": str(profile_id), "customer": str(customer_id)},
        ))
    status = row["status"]
    if status != wanted:
        hint = {
            S.LINKED: Message("it is linked already; use Unlink to undo a link"),
            S.SUGGESTED: Message("it is only a suggestion; accept or reject it"),
            S.REJECTED: Message("it is rejected; use Link to connect them by hand, or undo the rejection in the History"),
        }[status] if status in (S.LINKED, S.SUGGESTED, S.REJECTED) else Message("its status is {status}", {"status": str(status)})
        raise ReviewRefused(Message(_CANNOT[verb], {"profile": str(profile_id), "customer": str(customer_id), "why": hint}))


# --- snapshots ----------------------------------------------------------------------------


def _pk(table: str) -> tuple[str, ...]:
    pk = S.PRIMARY_KEYS[table]
    return (pk,) if isinstance(pk, str) else tuple(pk)


def _key(table: str, row: dict[str, Any]) -> Key:
    return tuple(row[c] for c in _pk(table))


def _select(db: sqlite_utils.Database, table: str, keys: Iterable[Key]) -> list[dict[str, Any]]:
    cols = _pk(table)
    where = " AND ".join(f'"{c}" = ?' for c in cols)
    rows: list[dict[str, Any]] = []
    for key in sorted(set(keys), key=lambda k: tuple(str(v) for v in k)):
        rows.extend(db.query(f'SELECT * FROM "{table}" WHERE {where}', list(key)))
    return rows


def _snapshot(db: sqlite_utils.Database, keys: dict[str, set[Key]]) -> Snapshot:
    return {table: _select(db, table, table_keys) for table, table_keys in sorted(keys.items()) if table_keys}


def _keys_of(snapshot: Snapshot) -> dict[str, set[Key]]:
    return {table: {_key(table, row) for row in rows} for table, rows in snapshot.items()}


def _union(*parts: dict[str, set[Key]]) -> dict[str, set[Key]]:
    out: dict[str, set[Key]] = {}
    for part in parts:
        for table, keys in part.items():
            out.setdefault(table, set()).update(keys)
    return out


def _dump(snapshot: Snapshot) -> str:
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True)


def _load(text: str | None) -> Snapshot:
    data = json.loads(text) if text else {}
    return {str(t): [dict(r) for r in rows] for t, rows in data.items()}


def _normal(snapshot: Snapshot) -> dict[str, list[str]]:
    """A comparable form: each table's rows as sorted JSON texts (JSON round trip included)."""
    return {
        t: sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in json.loads(json.dumps(rows)))
        for t, rows in snapshot.items()
        if rows
    }


def _decide(
    db: sqlite_utils.Database,
    action: str,
    *,
    keys: dict[str, set[Key]],
    change: Callable[[], dict[str, set[Key]]],
    profile_id: str | None,
    customer_id: str,
    other_customer_id: str | None,
    actor: str,
    role: str | None,
    note: str | None,
    message: str,
) -> Decision:
    """Snapshot ``keys``, run ``change`` (which returns keys it created), snapshot again, record."""
    with store.transaction(db):
        before = _snapshot(db, keys)
        created = change()
        after = _snapshot(db, _union(keys, created))
        cursor = db.execute(
            f"INSERT INTO {S.LINK_REVIEWS} (action, profile_id, customer_id, other_customer_id, before, after, "
            f"note, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [action, profile_id, customer_id, other_customer_id, _dump(before), _dump(after), note, actor, store.utcnow()],
        )
        review_id = int(cursor.lastrowid or 0)
        target = f"customer {customer_id}" + (f" and {other_customer_id}" if other_customer_id else "")
        audit.record(
            db, audit.LINK, actor=actor, role=role, target=target, detail={"action": action, "review_id": review_id}
        )
    log.info("identity review %d: %s", review_id, action)
    return Decision(review_id, action, message)


# --- decisions ---------------------------------------------------------------------------


def _profile_keys(db: sqlite_utils.Database, profile_id: str) -> set[Key]:
    return {
        (str(p), str(c))
        for p, c in db.execute(f"SELECT profile_id, customer_id FROM {S.LINKS} WHERE profile_id = ?", [profile_id])
    }


def _reject_others(db: sqlite_utils.Database, profile_id: str, customer_id: str, actor: str) -> int:
    """The profile's other candidates that are not rejected become rejected: a profile is one person."""
    cursor = db.execute(
        f"UPDATE {S.LINKS} SET status = ?, confirmed_by = ? "
        f"WHERE profile_id = ? AND customer_id <> ? AND status <> ?",
        [S.REJECTED, actor, profile_id, customer_id, S.REJECTED],
    )
    return int(cursor.rowcount)


def _others_sentence(n: int) -> str:
    if n == 0:
        return ""
    return " The profile's other candidate was rejected." if n == 1 else f" The profile's {n} other candidates were rejected."


def accept(
    db: sqlite_utils.Database, profile_id: str, customer_id: str, actor: str, *, role: str | None = None, note: str | None = None
) -> Decision:
    """Confirm a suggested link: ``linked`` with ``confirmed_by``; the profile's other candidates are rejected."""
    _require_link(db, profile_id, customer_id, S.SUGGESTED, "accept")
    others = 0

    def change() -> dict[str, set[Key]]:
        nonlocal others
        db.execute(
            f"UPDATE {S.LINKS} SET status = ?, confirmed_by = ? WHERE profile_id = ? AND customer_id = ?",
            [S.LINKED, actor, profile_id, customer_id],
        )
        others = _reject_others(db, profile_id, customer_id, actor)
        return {}

    decision = _decide(
        db, ACCEPT, keys={S.LINKS: _profile_keys(db, profile_id)}, change=change, profile_id=profile_id,
        customer_id=customer_id, other_customer_id=None, actor=actor, role=role, note=note, message="",
    )  # fmt: skip
    return Decision(
        decision.review_id, ACCEPT, f"Linked profile {profile_id} to customer {customer_id}.{_others_sentence(others)}"
    )


def _set_rejected(db: sqlite_utils.Database, profile_id: str, customer_id: str, actor: str) -> dict[str, set[Key]]:
    db.execute(
        f"UPDATE {S.LINKS} SET status = ?, confirmed_by = ? WHERE profile_id = ? AND customer_id = ?",
        [S.REJECTED, actor, profile_id, customer_id],
    )
    return {}


def reject(
    db: sqlite_utils.Database, profile_id: str, customer_id: str, actor: str, *, role: str | None = None, note: str | None = None
) -> Decision:
    """Turn down a suggestion: the pair becomes ``rejected`` and is never proposed again."""
    _require_link(db, profile_id, customer_id, S.SUGGESTED, "reject")
    return _decide(
        db, REJECT, keys={S.LINKS: {(profile_id, customer_id)}},
        change=lambda: _set_rejected(db, profile_id, customer_id, actor), profile_id=profile_id,
        customer_id=customer_id, other_customer_id=None, actor=actor, role=role, note=note,
        message=f"Rejected profile {profile_id} for customer {customer_id}; it will not be suggested again.",
    )  # fmt: skip


def unlink(
    db: sqlite_utils.Database, profile_id: str, customer_id: str, actor: str, *, role: str | None = None, note: str | None = None
) -> Decision:
    """Undo a link: the linked pair becomes ``rejected``, so a rebuild of the links does not relink it."""
    _require_link(db, profile_id, customer_id, S.LINKED, "unlink")
    return _decide(
        db, UNLINK, keys={S.LINKS: {(profile_id, customer_id)}},
        change=lambda: _set_rejected(db, profile_id, customer_id, actor), profile_id=profile_id,
        customer_id=customer_id, other_customer_id=None, actor=actor, role=role, note=note,
        message=f"Unlinked profile {profile_id} from customer {customer_id}; it will not be linked again automatically.",
    )  # fmt: skip


def link(
    db: sqlite_utils.Database, profile_id: str, customer_id: str, actor: str, *, role: str | None = None, note: str | None = None
) -> Decision:
    """Link a profile to a customer by hand (method ``manual``, confidence 1.0).

    The profile's other candidates that are not rejected become rejected.
    """
    _require_profile(db, profile_id)
    _require_customer(db, customer_id)
    row = _link_row(db, profile_id, customer_id)
    if row is not None and row["status"] == S.LINKED:
        raise ReviewRefused(Message(
            "Profile {profile} is already linked to customer {customer}; nothing to do.",
            {"profile": str(profile_id), "customer": str(customer_id)},
        ))
    others = 0

    def change() -> dict[str, set[Key]]:
        nonlocal others
        db.execute(
            f"INSERT INTO {S.LINKS} (profile_id, customer_id, method, confidence, status, evidence, evidence_message, "
            f"confirmed_by, created_at) VALUES (?, ?, ?, 1.0, ?, ?, ?, ?, ?) ON CONFLICT(profile_id, customer_id) "
            f"DO UPDATE SET method = excluded.method, confidence = excluded.confidence, status = excluded.status, "
            f"evidence = excluded.evidence, evidence_message = excluded.evidence_message, "
            f"confirmed_by = excluded.confirmed_by",
            [profile_id, customer_id, MANUAL, S.LINKED, MANUAL_EVIDENCE, Message(MANUAL_EVIDENCE).to_json(), actor,
             store.utcnow()],
        )
        others = _reject_others(db, profile_id, customer_id, actor)
        return {S.LINKS: {(profile_id, customer_id)}}

    decision = _decide(
        db, LINK, keys={S.LINKS: _profile_keys(db, profile_id)}, change=change, profile_id=profile_id,
        customer_id=customer_id, other_customer_id=None, actor=actor, role=role, note=note, message="",
    )  # fmt: skip
    return Decision(
        decision.review_id, LINK, f"Linked profile {profile_id} to customer {customer_id} by hand.{_others_sentence(others)}"
    )


def _better_link(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when link row ``a`` should win over ``b`` (linked before suggested before rejected, then confidence)."""
    rank_a = (_STATUS_RANK.get(str(a["status"]), 3), -float(a["confidence"] or 0))
    rank_b = (_STATUS_RANK.get(str(b["status"]), 3), -float(b["confidence"] or 0))
    return rank_a <= rank_b


def merge(
    db: sqlite_utils.Database, keep_id: str, merge_id: str, actor: str, *, role: str | None = None, note: str | None = None
) -> Decision:
    """Merge customer ``merge_id`` into ``keep_id``: they are one person.

    Orders, surveys, cases and rule matches of ``merge_id`` move to
    ``keep_id``; its links move too (where both records have a link to the
    same profile the better one stays: linked over suggested over rejected,
    then the more confident); ``keep_id``'s empty fields are filled from
    ``merge_id`` (extra attributes are combined, ``keep_id``'s win); the
    merged record is removed. Derived tables (value, segments, roles) follow
    at the next ``score``.
    """
    if keep_id == merge_id:
        raise ReviewRefused(Message("Pick two different customer records to merge; both are {id}.", {"id": str(keep_id)}))
    keep, other = _require_customer(db, keep_id), _require_customer(db, merge_id)

    keys: dict[str, set[Key]] = {S.CUSTOMERS: {(keep_id,), (merge_id,)}}
    for table in MERGED_TABLES:
        pk = _pk(table)[0]
        keys[table] = {(r[0],) for r in db.execute(f'SELECT "{pk}" FROM "{table}" WHERE customer_id = ?', [merge_id])}
    moving = list(db.query(f"SELECT * FROM {S.LINKS} WHERE customer_id = ?", [merge_id]))
    keys[S.LINKS] = {(r["profile_id"], merge_id) for r in moving} | {(r["profile_id"], keep_id) for r in moving}
    moved: dict[str, int] = {}

    def change() -> dict[str, set[Key]]:
        for table in MERGED_TABLES:
            cursor = db.execute(f'UPDATE "{table}" SET customer_id = ? WHERE customer_id = ?', [keep_id, merge_id])
            moved[table] = int(cursor.rowcount)
        for row in moving:
            existing = _link_row(db, row["profile_id"], keep_id)
            db.execute(
                f"DELETE FROM {S.LINKS} WHERE profile_id = ? AND customer_id = ?", [row["profile_id"], merge_id]
            )
            if existing is None or not _better_link(existing, row):
                db.execute(
                    f"INSERT INTO {S.LINKS} (profile_id, customer_id, method, confidence, status, evidence, "
                    f"evidence_message, confirmed_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (profile_id, customer_id) DO UPDATE SET method = excluded.method, "
                    "confidence = excluded.confidence, status = excluded.status, evidence = excluded.evidence, "
                    "evidence_message = excluded.evidence_message, "
                    "confirmed_by = excluded.confirmed_by, created_at = excluded.created_at",
                    [row["profile_id"], keep_id, row["method"], row["confidence"], row["status"], row["evidence"],
                     row.get("evidence_message"), row["confirmed_by"], row["created_at"]],
                )  # fmt: skip
        moved[S.LINKS] = len(moving)
        fills = {c: other[c] for c in MERGE_FIELDS if _empty(keep.get(c)) and not _empty(other.get(c))}
        attributes = _merged_attributes(keep.get("attributes"), other.get("attributes"))
        if attributes != keep.get("attributes"):
            fills["attributes"] = attributes
        if fills:
            sets = ", ".join(f'"{c}" = ?' for c in fills)
            db.execute(f"UPDATE {S.CUSTOMERS} SET {sets} WHERE customer_id = ?", [*fills.values(), keep_id])
        db.execute(f"DELETE FROM {S.CUSTOMERS} WHERE customer_id = ?", [merge_id])
        return {}

    decision = _decide(
        db, MERGE, keys=keys, change=change, profile_id=None, customer_id=keep_id, other_customer_id=merge_id,
        actor=actor, role=role, note=note, message="",
    )  # fmt: skip
    parts = [
        _count(moved.get(S.ORDERS, 0), "order"),
        _count(moved.get(S.SURVEYS, 0), "survey"),
        _count(moved.get(S.LINKS, 0), "profile link"),
        _count(moved.get(S.CASES, 0), "case"),
    ]
    return Decision(
        decision.review_id,
        MERGE,
        f"Merged customer {merge_id} into {keep_id}: moved {', '.join(parts)}; record {merge_id} is removed.",
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _merged_attributes(keep: Any, other: Any) -> Any:
    """The extra columns of both records (JSON objects), the kept record's values winning."""
    if _empty(other):
        return keep
    try:
        theirs = json.loads(other)
        ours = json.loads(keep) if not _empty(keep) else {}
    except (TypeError, ValueError):
        return keep if not _empty(keep) else other
    if not isinstance(theirs, dict) or not isinstance(ours, dict):
        return keep if not _empty(keep) else other
    combined = {**theirs, **{k: v for k, v in ours.items() if not _empty(v)}}
    return json.dumps(combined, ensure_ascii=False, sort_keys=True) if combined != ours else keep


# --- undo ------------------------------------------------------------------------------------


def _review(db: sqlite_utils.Database, review_id: int) -> dict[str, Any]:
    rows = list(db.query(f"SELECT * FROM {S.LINK_REVIEWS} WHERE review_id = ?", [int(review_id)]))
    if not rows:
        raise NotFound(Message("Decision {id} does not exist. Pick a decision from the History tab.", {"id": str(review_id)}))
    return rows[0]


def _touched(review: dict[str, Any]) -> set[tuple[str, Key]]:
    keys = _union(_keys_of(_load(review["before"])), _keys_of(_load(review["after"])))
    return {(table, tuple(key)) for table, table_keys in keys.items() for key in table_keys}


def _all_blockers(db: sqlite_utils.Database) -> dict[int, list[int]]:
    """review_id -> later standing decisions that touched the same rows, for every standing decision."""
    standing = [
        (int(r["review_id"]), _touched(r))
        for r in db.query(
            f"SELECT review_id, before, after FROM {S.LINK_REVIEWS} WHERE reverted_at IS NULL ORDER BY review_id"
        )
    ]
    out: dict[int, list[int]] = {}
    for i, (rid, keys) in enumerate(standing):
        later = [lid for lid, lkeys in standing[i + 1 :] if keys & lkeys]
        if later:
            out[rid] = later
    return out


def undo_blockers(db: sqlite_utils.Database, review_id: int) -> list[int]:
    """Later decisions, not undone, that changed rows this one changed: they must be undone first."""
    review = _review(db, review_id)
    mine = _touched(review)
    return [
        int(r["review_id"])
        for r in db.query(
            f"SELECT review_id, before, after FROM {S.LINK_REVIEWS} "
            f"WHERE review_id > ? AND reverted_at IS NULL ORDER BY review_id",
            [int(review_id)],
        )
        if mine & _touched(r)
    ]


def undo(db: sqlite_utils.Database, review_id: int, actor: str, *, role: str | None = None) -> Decision:
    """Put back exactly the rows a decision changed, as they were before it.

    Refused (:class:`ReviewRefused`, a sentence) when the decision was undone
    already, when a later decision that touched the same rows still stands
    (undo that first), or when the rows changed since by other means (an
    import, a rebuild of the links).
    """
    review = _review(db, review_id)
    if review["reverted_at"] is not None:
        raise ReviewRefused(Message(
            "Decision {id} was already undone at {at} by {who}.",
            {"id": str(review_id), "at": str(review["reverted_at"]), "who": str(review["reverted_by"])},
        ))
    blockers = undo_blockers(db, review_id)
    if blockers:
        raise ReviewRefused(Message(
            "Decision {id} cannot be undone yet: later decision {ids} changed the same rows. Undo it first, newest first."
            if len(blockers) == 1 else
            "Decision {id} cannot be undone yet: later decisions {ids} changed the same rows. Undo them first, newest first.",
            {"id": str(review_id), "ids": ", ".join(str(i) for i in blockers)},
        ))
    before, after = _load(review["before"]), _load(review["after"])
    keys = _union(_keys_of(before), _keys_of(after))
    with store.transaction(db):
        now = _snapshot(db, keys)
        if _normal(now) != _normal(after):
            raise ReviewRefused(Message(
                "Decision {id} cannot be undone: the rows it changed were changed since "
                "(by an import, an erasure or a rebuild of the links). Make the change you want as a new decision.",
                {"id": str(review_id)},
            ))
        for table, table_keys in keys.items():
            where = " AND ".join(f'"{c}" = ?' for c in _pk(table))
            db.conn.executemany(f'DELETE FROM "{table}" WHERE {where}', [list(k) for k in table_keys])
        for table, rows in before.items():
            for row in rows:
                cols = list(row)
                db.execute(
                    f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
                    f'VALUES ({", ".join("?" for _ in cols)})',
                    [row[c] for c in cols],
                )
        db.execute(
            f"UPDATE {S.LINK_REVIEWS} SET reverted_at = ?, reverted_by = ? WHERE review_id = ?",
            [store.utcnow(), actor, int(review_id)],
        )
        target = f"customer {review['customer_id']}" + (
            f" and {review['other_customer_id']}" if review["other_customer_id"] else ""
        )
        audit.record(
            db, audit.LINK, actor=actor, role=role, target=target,
            detail={"action": UNDO, "review_id": int(review_id), "undone": review["action"]},
        )  # fmt: skip
    what = ACTION_LABELS.get(str(review["action"]), str(review["action"]))
    return Decision(int(review_id), UNDO, f"Undid decision {review_id} ({what}); the rows are as they were before it.")


# --- many pairs at once ------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What a set of suggested pairs rests on: how many, by which method, how sure."""

    pairs: int
    profiles: int
    by_method: dict[str, int]  # method label -> pairs, most first
    confidence_low: float | None
    confidence_high: float | None
    shared_profiles: int  # profiles with more than one candidate in the set: accepting keeps only the surest


@dataclass(frozen=True)
class BulkDecision:
    """What a decision on many pairs did: one review per pair decided (each undoable), the pairs skipped."""

    action: str
    decisions: list[Decision]
    skipped: list[tuple[str, str, str]]  # profile id, customer id, why


def suggestions(db: sqlite_utils.Database, min_confidence: float = 0.0) -> pd.DataFrame:
    """Every suggested pair at or above ``min_confidence`` (0-1), most confident first: profile_id, customer_id, method, method_label, confidence.

    Not limited like :func:`review_queue`: a decision on "all above 90%" takes all of them.
    """
    frame = store.read_frame(
        db,
        f"""SELECT profile_id, customer_id, method, confidence FROM {S.LINKS}
             WHERE status = ? AND coalesce(confidence, 0) >= ?
             ORDER BY confidence DESC, profile_id, customer_id""",
        [S.SUGGESTED, float(min_confidence)],
    )
    frame["method_label"] = [METHOD_LABELS.get(str(m), str(m)) for m in frame["method"]]
    return frame


def summarise_evidence(pairs: pd.DataFrame) -> Evidence:
    """The evidence of ``pairs`` (columns profile_id, method_label, confidence) in a few numbers. Pure.

    >>> summarise_evidence(pd.DataFrame({"profile_id": ["a", "a", "b"], "method_label": ["name", "name", "e-mail"],
    ...                                  "confidence": [0.7, 0.6, 0.9]})).by_method
    {'name': 2, 'e-mail': 1}
    """
    if pairs.empty:
        return Evidence(0, 0, {}, None, None, 0)
    methods = pairs["method_label"].astype(str).value_counts()
    confidence = pd.to_numeric(pairs["confidence"], errors="coerce")
    per_profile = pairs["profile_id"].value_counts()
    return Evidence(
        pairs=len(pairs), profiles=int(per_profile.size),
        by_method={str(k): int(v) for k, v in sorted(methods.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))},
        confidence_low=None if confidence.isna().all() else float(confidence.min()),
        confidence_high=None if confidence.isna().all() else float(confidence.max()),
        shared_profiles=int((per_profile > 1).sum()),
    )  # fmt: skip


def decide_many(
    db: sqlite_utils.Database, action: str, pairs: Iterable[tuple[str, str]], actor: str, *, role: str | None = None
) -> BulkDecision:
    """Accept or reject many suggested pairs in one transaction; each pair is its own decision (undoable alone).

    Pairs are taken most confident first when accepting, so when two
    candidates of one profile are both chosen, the surer one is linked and the
    other is rejected by it (a profile is one person) and reported as skipped.
    A pair that is no longer a suggestion is skipped with the reason. One
    audit entry sums the batch; each decision has its own as well.
    """
    if action not in (ACCEPT, REJECT):
        raise ReviewRefused(Message("Many pairs at once can only be accepted or rejected, not '{action}'.", {"action": str(action)}))
    chosen = list(dict.fromkeys((str(p), str(c)) for p, c in pairs))
    if not chosen:
        raise ReviewRefused(Message("No pair is selected. Select rows in the list, or choose every suggestion above a confidence."))
    decide = accept if action == ACCEPT else reject
    confidence = dict(
        ((str(p), str(c)), float(v or 0)) for p, c, v in db.execute(
            f"SELECT profile_id, customer_id, confidence FROM {S.LINKS} WHERE status = ?", [S.SUGGESTED]
        ).fetchall()
    )  # fmt: skip
    chosen.sort(key=lambda pc: (-confidence.get(pc, 0.0), pc))
    decisions: list[Decision] = []
    skipped: list[tuple[str, str, str]] = []
    with store.transaction(db):
        for profile_id, customer_id in chosen:
            try:
                decisions.append(decide(db, profile_id, customer_id, actor, role=role))
            except (ReviewRefused, NotFound) as e:
                skipped.append((profile_id, customer_id, str(e)))
        audit.record(
            db, audit.LINK, actor=actor, role=role, target=f"{len(decisions)} pairs",
            detail={"action": f"{action} many", "decided": len(decisions), "skipped": len(skipped),
                    "review_ids": [decisions[0].review_id, decisions[-1].review_id] if decisions else []},
        )  # fmt: skip
    log.info("identity review: %s %d pairs at once, %d skipped", action, len(decisions), len(skipped))
    return BulkDecision(action, decisions, skipped)
