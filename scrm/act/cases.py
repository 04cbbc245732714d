"""Cases: the team's work on what the workflow rules found, with deadlines and history.

A case belongs to a queue (the rescue queue for unhappy valuable customers,
a thank-you queue for advocates, support), has a priority whose SLA sets its
deadline, a status, an assignee, notes, and links to the mention and the
customer behind it. Every change is a ``case_events`` row (who, when, old and
new value), so a case's history and the KPIs come from the same record:

- **first response**: the first event by a person (any actor but
  :data:`scrm.db.audit.RULES_ACTOR`) sets ``first_response_at``;
- **resolution**: moving to ``resolved`` sets ``resolved_at``; reopening clears it;
- **breached**: not resolved and past the deadline, or resolved after it;
- **rescued**: a resolved rescue case whose customer's mean sentiment in the
  :data:`AFTER_DAYS` days after the resolution is higher than before the case
  (the score of the mention that opened it, else their mean sentiment in the
  :data:`BEFORE_DAYS` days before opening).

Writes are the team's own work (``store.transaction(db, work=True)``): they
never force a recompute of the derived tables. People's changes are recorded
in the audit log by case id, event and values of status, priority and
assignee (team members' names), never notes or the customer's data.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from scrm.db import audit, store
from scrm.db import schema as S
from scrm.errors import CaseError, NotFound
from scrm.i18n.messages import Message, Number

log = logging.getLogger(__name__)

# The stored vocabularies are spelled in scrm.db.schema; these names stay for callers.
PRIORITIES: tuple[str, ...] = S.PRIORITIES
STATUSES: tuple[str, ...] = S.CASE_STATUSES
NEW, IN_PROGRESS, WAITING, RESOLVED = S.CASE_NEW, S.CASE_IN_PROGRESS, S.CASE_WAITING, S.CASE_RESOLVED

RESCUE = S.QUEUE_RESCUE
THANK_YOU = S.QUEUE_THANK_YOU
SUPPORT = S.QUEUE_SUPPORT
QUEUES: tuple[str, ...] = S.QUEUES

# Hours from the customer's message to the deadline, per priority, until a
# team sets its own (meta keys ``sla_hours_<priority>``).
DEFAULT_SLA_HOURS: dict[str, float] = {S.HIGH: 4.0, S.MEDIUM: 24.0, S.LOW: 72.0}
SLA_META = S.META_SLA_HOURS
MAX_SLA_HOURS = 24.0 * 365
MIN_SLA_HOURS = 0.5
# Sentiment windows of the rescue KPI: three months either side is long
# enough for an occasional poster to speak again, short enough to be about the case.
BEFORE_DAYS = 90
AFTER_DAYS = 90
MAX_NOTE = 2000

# Event names in case_events.
OPENED, STATUS, ASSIGNEE, PRIORITY, NOTE = S.EVENT_OPENED, S.EVENT_STATUS, S.EVENT_ASSIGNEE, S.EVENT_PRIORITY, S.EVENT_NOTE

_TS = "%Y-%m-%dT%H:%M:%S"

CASE_COLUMNS = [
    "case_id", "queue", "priority", "status", "assignee", "subject", "customer_id", "customer_name",
    "mention_id", "platform", "author", "mention_text", "rule_id", "opened_at", "due_at", "first_response_at",
    "resolved_at", "reply_template", "breached", "hours_left",
]  # fmt: skip


# --- time helpers --------------------------------------------------------------------


def _parse(ts: str) -> dt.datetime:
    return dt.datetime.strptime(str(ts)[:19], _TS)


def _fmt(moment: dt.datetime) -> str:
    return moment.strftime(_TS)


def _plus_hours(ts: str, hours: float) -> str:
    return _fmt(_parse(ts) + dt.timedelta(hours=hours))


def _check_time(value: str | None, label: str) -> str:
    if value is None:
        return store.utcnow()
    try:
        return _fmt(_parse(value))
    except ValueError:
        raise CaseError(Message("{label} '{value}' is not a time; use YYYY-MM-DDTHH:MM:SS (UTC).", {"label": label, "value": str(value)})) from None


# --- SLA -----------------------------------------------------------------------------


def sla_hours(db: sqlite_utils.Database) -> dict[str, float]:
    """Hours to the deadline per priority: the team's settings, else :data:`DEFAULT_SLA_HOURS`.

    >>> sla_hours(store.open_db(":memory:"))
    {'high': 4.0, 'medium': 24.0, 'low': 72.0}
    """
    out = dict(DEFAULT_SLA_HOURS)
    for priority in PRIORITIES:
        value = store.get_meta(db, SLA_META.format(priority))
        if value is not None:
            try:
                out[priority] = float(value)
            except ValueError:
                log.warning("ignoring the unreadable SLA setting %s=%r", SLA_META.format(priority), value)
    return out


def _check_priority(priority: str) -> str:
    if priority not in PRIORITIES:
        raise CaseError(Message("Priority '{priority}' is not known; use one of {priorities}.", {"priority": str(priority), "priorities": ", ".join(PRIORITIES)}))
    return priority


def set_sla_hours(
    db: sqlite_utils.Database, priority: str, hours: float | str, actor: str, *, role: str | None = None
) -> float:
    """Set the SLA of ``priority`` to ``hours`` and move the deadlines of its open cases.

    Resolved cases keep the deadline they were worked against. Returns the hours stored.
    """
    _check_priority(priority)
    try:
        value = float(str(hours).strip().replace(",", "."))
    except ValueError:
        value = float("nan")
    if not (MIN_SLA_HOURS <= value <= MAX_SLA_HOURS):
        # 8760 as the English has always written it (no grouping); the priority is a word of the catalog.
        raise CaseError(Message(
            "The SLA for {priority} priority must be a number of hours between {low} and {high} (a year); "
            "'{hours}' is not. Type a number such as 8.",
            {"priority": Message(priority), "low": Number(MIN_SLA_HOURS, 1), "high": f"{MAX_SLA_HOURS:g}",
             "hours": str(hours)},
        ))
    old = sla_hours(db)[priority]
    with store.transaction(db, work=True):
        db.execute(
            f"INSERT INTO {S.META} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [SLA_META.format(priority), repr(value)],
        )
        open_cases = db.execute(
            f"SELECT case_id, opened_at FROM {S.CASES} WHERE priority = ? AND status != ? AND opened_at IS NOT NULL",
            [priority, RESOLVED],
        ).fetchall()
        for case_id, opened_at in open_cases:
            db.execute(f"UPDATE {S.CASES} SET due_at = ? WHERE case_id = ?", [_plus_hours(opened_at, value), case_id])
        audit.record(
            db, audit.SETTINGS, actor=actor, role=role, target=SLA_META.format(priority),
            detail={"old": old, "new": value, "open_cases_moved": len(open_cases)},
        )  # fmt: skip
    return value


# --- opening ---------------------------------------------------------------------------


def _mention_score(db: sqlite_utils.Database, mention_id: str | None) -> float | None:
    if not mention_id:
        return None
    row = db.execute(f"SELECT score FROM {S.SENTIMENT} WHERE mention_id = ?", [mention_id]).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def _profile_id_sql(alias: str) -> str:
    # As scrm.analysis.identity builds profile ids (scrm.analysis.roles.profile_id_sql); spelled
    # here to keep this module free of the analysis modules' imports.
    return f"coalesce(nullif(lower(trim({alias}.platform)), ''), 'other') || ':' || lower(ltrim(trim({alias}.author), '@'))"


def customer_scores(
    db: sqlite_utils.Database, customer_ids: list[str], start: str | None = None, end: str | None = None
) -> pd.DataFrame:
    """Scored mentions of the customers' confirmed profiles: customer_id, posted_at, score.

    Mentions reach a customer through ``links`` with status ``linked``; brand
    accounts' own posts are left out. ``start``/``end`` bound ``posted_at``
    (inclusive) so the date index keeps the scan small.
    """
    columns = ["customer_id", "posted_at", "score"]
    ids = sorted({str(c) for c in customer_ids if c is not None and str(c) != ""})
    if not ids:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    marks = ", ".join("?" for _ in ids)
    clauses, params = ["s.score IS NOT NULL", "coalesce(m.from_brand, 0) != 1", "m.posted_at IS NOT NULL"], []
    if start:
        clauses.append("m.posted_at >= ?")
        params.append(start)
    if end:
        clauses.append("m.posted_at <= ?")
        params.append(end)
    frame = store.read_frame(
        db,
        f"""WITH p AS (SELECT profile_id, customer_id FROM {S.LINKS} WHERE status = ? AND customer_id IN ({marks}))
            SELECT p.customer_id, m.posted_at, s.score
              FROM {S.MENTIONS} m
              JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
              JOIN p ON p.profile_id = {_profile_id_sql('m')}
             WHERE {' AND '.join(clauses)}
             ORDER BY p.customer_id, m.posted_at""",
        [S.LINKED, *ids, *params],
    )
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    return frame


def _mean_before(db: sqlite_utils.Database, customer_id: str | None, opened_at: str) -> float | None:
    if not customer_id:
        return None
    start = _fmt(_parse(opened_at) - dt.timedelta(days=BEFORE_DAYS))
    scores = customer_scores(db, [customer_id], start, opened_at)
    scores = scores[scores["posted_at"] < opened_at] if not scores.empty else scores
    return None if scores.empty else float(scores["score"].mean())


def open_case(
    db: sqlite_utils.Database,
    *,
    queue: str,
    subject: str,
    priority: str,
    customer_id: str | None = None,
    mention_id: str | None = None,
    profile_id: str | None = None,
    rule_id: int | None = None,
    opened_at: str | None = None,
    reply_template: str | None = None,
    actor: str = audit.RULES_ACTOR,
    role: str | None = None,
) -> int:
    """Open a case with status ``new`` and the deadline of its priority's SLA; return its id.

    ``opened_at`` is when the customer spoke (default now): the SLA clock
    starts there. ``sentiment_before`` keeps the score of ``mention_id``, or
    the customer's mean sentiment in the 90 days before, for the rescue KPI.
    """
    if not str(queue or "").strip():
        raise CaseError(Message("A case needs a queue, such as rescue, thank-you or support."))
    _check_priority(priority)
    opened = _check_time(opened_at, "opened_at")
    now = store.utcnow()
    due = _plus_hours(opened, sla_hours(db)[priority])
    before = _mention_score(db, mention_id)
    if before is None:
        before = _mean_before(db, customer_id, opened)
    with store.transaction(db, work=True):
        cursor = db.execute(
            f"""INSERT INTO {S.CASES} (queue, subject, customer_id, mention_id, profile_id, rule_id, priority, status,
                    opened_at, due_at, reply_template, sentiment_before, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [queue.strip(), subject, customer_id, mention_id, profile_id, rule_id, priority, NEW, opened, due,
             reply_template, before, now, now],
        )  # fmt: skip
        case_id = int(cursor.lastrowid or 0)
        _event(db, case_id, OPENED, None, NEW, None, actor, opened)
        if actor != audit.RULES_ACTOR:
            # Cases the rules open are recorded as rule matches; a person's opening is audited.
            _first_response(db, case_id, opened)
            audit.record(db, audit.CASE, actor=actor, role=role, target=f"case {case_id}",
                         detail={"event": OPENED, "queue": queue.strip(), "priority": priority})  # fmt: skip
    return case_id


@dataclass(frozen=True)
class Opened:
    """A case a person opened from a mention, an alert or a customer row (or the open one already there)."""

    case_id: int
    created: bool
    customer_id: str | None
    mention_id: str | None


# Alert kinds whose case is urgent (a top customer complaining).
_URGENT_ALERT_KINDS = (S.ALERT_VIP_DETRACTOR,)
# A case's subject names the alert as the Alerts page does.
_ALERT_NAMES = {S.ALERT_VOLUME: "Volume spike", S.ALERT_NEGATIVE: "Negative spike", S.ALERT_VIP_DETRACTOR: "VIP detractor",
                S.ALERT_RULE: "Workflow rule"}  # fmt: skip


def _one(db: sqlite_utils.Database, sql: str, params: list[Any]) -> dict[str, Any] | None:
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))


def _linked_customer(db: sqlite_utils.Database, profile_id: str | None) -> str | None:
    if not profile_id:
        return None
    row = db.execute(
        f"SELECT customer_id FROM {S.LINKS} WHERE profile_id = ? AND status = ? ORDER BY customer_id LIMIT 1",
        [profile_id, S.LINKED],
    ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def mention_customer(db: sqlite_utils.Database, mention_id: str) -> tuple[str, str | None] | None:
    """The customer (id, name) a mention's author is confirmed as, or None."""
    row = db.execute(
        f"SELECT {_profile_id_sql('m')} FROM {S.MENTIONS} m WHERE m.mention_id = ?", [str(mention_id)]
    ).fetchone()
    customer_id = _linked_customer(db, None if row is None else str(row[0]))
    if customer_id is None:
        return None
    name = db.execute(f"SELECT name FROM {S.CUSTOMERS} WHERE customer_id = ?", [customer_id]).fetchone()
    return customer_id, None if name is None or name[0] is None else str(name[0])


def _alert_mention(drivers: object) -> str | None:
    """The first driver mention of an alert (the one that carried furthest), if any."""
    try:
        data = json.loads(str(drivers)) if drivers else {}
    except (TypeError, ValueError):
        return None
    mentions = data.get("mentions") if isinstance(data, dict) else None
    for item in mentions if isinstance(mentions, list) else []:
        if isinstance(item, dict) and item.get("mention_id"):
            return str(item["mention_id"])
    return None


def open_case_from(
    db: sqlite_utils.Database,
    *,
    mention_id: str | None = None,
    alert_id: int | None = None,
    customer_id: str | None = None,
    profile_id: str | None = None,
    actor: str,
    role: str | None = None,
) -> Opened:
    """Open a case from what a person selected: a mention, an alert or a customer (a detractor row).

    The case links the mention and the customer behind it: a mention's author
    reaches a customer through a confirmed link; an alert brings its customer
    (VIP detractor) and the driver mention that carried furthest. The SLA
    clock starts now (the person takes it on now, however old the mention).
    When an open case already holds the same mention (or, without one, the
    same customer, or the same alert), that case is returned instead of a second one.
    """
    subject: str
    queue, priority = RESCUE, S.MEDIUM
    if alert_id is not None:
        alert = _one(db, f"SELECT * FROM {S.ALERTS} WHERE alert_id = ?", [int(alert_id)])
        if alert is None:
            raise NotFound(Message(
                "Alert {id} is no longer in the database (the scores were recomputed). Pick it again in the list.",
                {"id": str(alert_id)},
            ))
        customer_id = customer_id or (str(alert["customer_id"]) if alert.get("customer_id") else None)
        mention_id = mention_id or _alert_mention(alert.get("drivers"))
        if alert.get("kind") in _URGENT_ALERT_KINDS or alert.get("severity") == S.HIGH:
            priority = S.HIGH
        where = ", ".join(str(alert[k]) for k in ("brand", "platform") if alert.get(k))
        kind = _ALERT_NAMES.get(str(alert.get("kind")), str(alert.get("kind") or "Alert"))
        subject = f"{kind} (alert {int(alert_id)}" + (f", {where})" if where else ")")
    if mention_id:
        mention = _one(
            db,
            f"SELECT m.mention_id, {_profile_id_sql('m')} AS profile_id, m.platform, m.author, s.label "
            f"FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id WHERE m.mention_id = ?",
            [str(mention_id)],
        )
        if mention is None:
            raise NotFound(Message("Mention {id} is no longer in the database. Search for it again.", {"id": str(mention_id)}))
        profile_id = profile_id or str(mention["profile_id"])
        customer_id = customer_id or _linked_customer(db, profile_id)
        if alert_id is None:
            queue = RESCUE if mention.get("label") == S.NEGATIVE else SUPPORT
            # No handle or name in the subject: the privacy switch masks the columns that hold them, not the subject.
            label = "Negative mention" if mention.get("label") == S.NEGATIVE else "Mention"
            subject = f"{label} on {mention.get('platform') or 'a platform'}"
    elif alert_id is None:
        if not customer_id and not profile_id:
            raise CaseError(Message("Select a mention, an alert or a customer to open a case on."))
        customer_id = customer_id or _linked_customer(db, profile_id)
        platform = str(profile_id or "").split(":", 1)[0] or "a platform"
        subject = f"Customer {customer_id}" if customer_id else f"Author on {platform}"
    with store.transaction(db, work=True):
        clauses, params = ["status != ?"], [RESOLVED]
        if mention_id:
            clauses.append("mention_id = ?")
            params.append(str(mention_id))
        elif customer_id:
            clauses.append("customer_id = ?")
            params.append(customer_id)
        else:
            clauses.append("subject = ?")
            params.append(subject)
        found = db.execute(
            f"SELECT case_id FROM {S.CASES} WHERE {' AND '.join(clauses)} ORDER BY case_id LIMIT 1", params
        ).fetchone()
        if found is not None:
            return Opened(int(found[0]), False, customer_id, mention_id)
        case_id = open_case(
            db, queue=queue, subject=subject, priority=priority, customer_id=customer_id, mention_id=mention_id,
            profile_id=profile_id, actor=actor, role=role,
        )  # fmt: skip
    return Opened(case_id, True, customer_id, mention_id)


# --- changes ---------------------------------------------------------------------------------


def _event(
    db: sqlite_utils.Database, case_id: int, event: str, old: str | None, new: str | None, note: str | None,
    actor: str, at: str,
) -> None:
    db.execute(
        f"INSERT INTO {S.CASE_EVENTS} (case_id, at, actor, event, old, new, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [case_id, at, actor, event, old, new, note],
    )


def _first_response(db: sqlite_utils.Database, case_id: int, at: str) -> None:
    db.execute(
        f"UPDATE {S.CASES} SET first_response_at = ? WHERE case_id = ? AND first_response_at IS NULL", [at, case_id]
    )


def _case(db: sqlite_utils.Database, case_id: int) -> dict[str, Any]:
    cursor = db.execute(f"SELECT * FROM {S.CASES} WHERE case_id = ?", [int(case_id)])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(Message(
            "Case {id} does not exist (it may have been erased). Pick a case from the Rescue queue list.", {"id": str(case_id)}
        ))
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def get_case(db: sqlite_utils.Database, case_id: int) -> dict[str, Any]:
    """The stored row of one case; :class:`scrm.errors.NotFound` when there is none."""
    return _case(db, case_id)


def _change(
    db: sqlite_utils.Database,
    case_id: int,
    event: str,
    column: str | None,
    new: str | None,
    *,
    actor: str,
    at: str | None,
    note: str | None = None,
    record: bool = True,
    extra: dict[str, Any] | None = None,
    role: str | None = None,
) -> bool:
    """Write one event (and the column it changes); False when nothing changes."""
    when = _check_time(at, "at")
    with store.transaction(db, work=True):
        case = _case(db, case_id)
        old = None if column is None else case[column]
        if column is not None and (old or None) == (new or None):
            return False
        sets = dict(extra or {})
        if column is not None:
            sets[column] = new
        sets["updated_at"] = when
        assignments = ", ".join(f'"{c}" = ?' for c in sets)
        db.execute(f"UPDATE {S.CASES} SET {assignments} WHERE case_id = ?", [*sets.values(), int(case_id)])
        _event(db, int(case_id), event, old, new, note, actor, when)
        if actor != audit.RULES_ACTOR:
            _first_response(db, int(case_id), when)
        if record:
            detail: dict[str, Any] = {"event": event}
            if event != NOTE:  # values of status, priority and assignee (team names), never note texts
                detail.update(old=old, new=new)
            audit.record(db, audit.CASE, actor=actor, role=role, target=f"case {case_id}", detail=detail)
    return True


def set_status(
    db: sqlite_utils.Database, case_id: int, status: str, *, actor: str, at: str | None = None, record: bool = True,
    role: str | None = None,
) -> bool:
    """Move a case to ``status``; resolving stamps ``resolved_at``, reopening clears it. False when unchanged."""
    if status not in STATUSES:
        raise CaseError(Message("Status '{status}' is not known; use one of {statuses}.", {"status": str(status), "statuses": ", ".join(STATUSES)}))
    when = _check_time(at, "at")
    extra: dict[str, Any] = {"resolved_at": when if status == RESOLVED else None}
    return _change(db, case_id, STATUS, "status", status, actor=actor, at=when, record=record, extra=extra, role=role)


def assign(
    db: sqlite_utils.Database, case_id: int, assignee: str | None, *, actor: str, at: str | None = None,
    record: bool = True, role: str | None = None,
) -> bool:
    """Give the case to ``assignee`` (None or blank: nobody). False when unchanged."""
    name = (assignee or "").strip() or None
    return _change(db, case_id, ASSIGNEE, "assignee", name, actor=actor, at=at, record=record, role=role)


def set_priority(
    db: sqlite_utils.Database, case_id: int, priority: str, *, actor: str, at: str | None = None, record: bool = True,
    role: str | None = None,
) -> bool:
    """Change the priority; the deadline moves to the opening time plus the new priority's SLA."""
    _check_priority(priority)
    case = _case(db, case_id)
    extra = {"due_at": _plus_hours(case["opened_at"], sla_hours(db)[priority])} if case["opened_at"] else {}
    return _change(db, case_id, PRIORITY, "priority", priority, actor=actor, at=at, record=record, extra=extra, role=role)


def add_note(
    db: sqlite_utils.Database, case_id: int, note: str, *, actor: str, at: str | None = None, record: bool = True,
    role: str | None = None,
) -> bool:
    """Add a note to the case's history (notes stay out of the audit log)."""
    text = (note or "").strip()
    if not text:
        raise CaseError(Message("The note is empty; write what was done or agreed, then save."))
    if len(text) > MAX_NOTE:
        raise CaseError(Message(
            "The note has {n} characters; keep it under {most} (link a document instead).", {"n": len(text), "most": MAX_NOTE}
        ))
    return _change(db, case_id, NOTE, None, None, actor=actor, at=at, note=text, record=record, role=role)


# --- reading ---------------------------------------------------------------------------------


def _hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    a = pd.to_datetime(later, format="ISO8601", errors="coerce")
    b = pd.to_datetime(earlier, format="ISO8601", errors="coerce")
    return pd.Series(((a - b).dt.total_seconds() / 3600.0).to_numpy(dtype="float64"), index=later.index)


def breached_mask(frame: pd.DataFrame, now: str) -> pd.Series:
    """True for cases past their deadline: open after ``due_at``, or resolved after it."""
    due = frame["due_at"].astype(object).where(frame["due_at"].notna(), None)
    resolved = frame["resolved_at"].astype(object).where(frame["resolved_at"].notna(), None)
    is_resolved = frame["status"].astype(object) == RESOLVED
    out = []
    for d, r, done in zip(due, resolved, is_resolved, strict=True):
        if d is None:
            out.append(False)
        elif done:
            out.append(r is not None and str(r) > str(d))
        else:
            out.append(now > str(d))
    return pd.Series(out, index=frame.index, dtype=bool)


def list_cases(
    db: sqlite_utils.Database,
    *,
    queue: str | None = None,
    statuses: tuple[str, ...] | list[str] | None = None,
    assignee: str | None = None,
    now: str | None = None,
) -> pd.DataFrame:
    """Cases with their customer's name and the mention behind them, open ones by deadline first.

    ``assignee=""`` lists the unassigned cases. Columns: :data:`CASE_COLUMNS`;
    ``breached`` as of ``now`` (default: now), ``hours_left`` to the deadline
    of open cases (negative once breached; empty for resolved cases).
    """
    when = _check_time(now, "now")
    clauses, params = ["1"], []
    if queue:
        clauses.append("c.queue = ?")
        params.append(queue)
    if statuses:
        clauses.append(f"c.status IN ({', '.join('?' for _ in statuses)})")
        params.extend(statuses)
    if assignee is not None:
        if assignee == "":
            clauses.append("coalesce(c.assignee, '') = ''")
        else:
            clauses.append("c.assignee = ?")
            params.append(assignee)
    frame = store.read_frame(
        db,
        f"""SELECT c.case_id, c.queue, c.priority, c.status, c.assignee, c.subject, c.customer_id,
                   cu.name AS customer_name, c.mention_id, m.platform, m.author, m.text AS mention_text, c.rule_id,
                   c.opened_at, c.due_at, c.first_response_at, c.resolved_at, c.reply_template
              FROM {S.CASES} c
              LEFT JOIN {S.CUSTOMERS} cu ON cu.customer_id = c.customer_id
              LEFT JOIN {S.MENTIONS} m ON m.mention_id = c.mention_id
             WHERE {' AND '.join(clauses)}
             ORDER BY c.status = ?, CASE WHEN c.status = ? THEN NULL ELSE c.due_at END, c.resolved_at DESC,
                      c.case_id""",
        [*params, RESOLVED, RESOLVED],
    )
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=bool if c == "breached" else object) for c in CASE_COLUMNS})
    frame["breached"] = breached_mask(frame, when)
    now_col = pd.Series(when, index=frame.index)
    hours_left = _hours(frame["due_at"], now_col)
    frame["hours_left"] = hours_left.where(frame["status"] != RESOLVED).round(1)
    return frame.reindex(columns=CASE_COLUMNS).reset_index(drop=True)


def case_history(db: sqlite_utils.Database, case_id: int) -> pd.DataFrame:
    """The events of one case, oldest first: event_id, at, actor, event, old, new, note."""
    columns = ["event_id", "at", "actor", "event", "old", "new", "note"]
    frame = store.read_frame(
        db,
        f"SELECT {', '.join(columns)} FROM {S.CASE_EVENTS} WHERE case_id = ? ORDER BY at, event_id",
        [int(case_id)],
    )
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return frame.astype(object).where(frame.notna(), None)


def assignee_choices(team: Iterable[str], past: Iterable[str], current: str | None = None) -> list[str]:
    """Who a case can be given to: the configured team, everyone a case was given to, and its assignee now.

    Blank names are left out and each name comes once, alphabetically
    (ignoring case); a person's name is never typed freely.

    >>> assignee_choices(["lucie", "Marc"], ["Marc", " "], "ana")
    ['ana', 'lucie', 'Marc']
    """
    names = {str(n).strip() for n in [*team, *past, current or ""] if n is not None and str(n).strip()}
    return sorted(names, key=lambda n: (n.casefold(), n))


def assignees(db: sqlite_utils.Database) -> list[str]:
    """Everyone a case was ever given to, by name."""
    return [str(r[0]) for r in db.execute(
        f"SELECT DISTINCT assignee FROM {S.CASES} WHERE coalesce(assignee, '') != '' ORDER BY assignee"
    ).fetchall()]  # fmt: skip


# --- KPIs -----------------------------------------------------------------------------------------


KPI_FRAME_COLUMNS = [
    "case_id", "queue", "customer_id", "status", "opened_at", "due_at", "first_response_at", "resolved_at",
    "sentiment_before", "sentiment_after", "after_mentions",
]  # fmt: skip


def case_frame(db: sqlite_utils.Database) -> pd.DataFrame:
    """Every case with what its KPIs need, the rescue sentiment before and after included.

    For resolved rescue cases with a customer: ``sentiment_before`` (stored
    at opening; else the triggering mention's score now; else the customer's
    mean over the 90 days before opening), ``sentiment_after`` (the
    customer's mean over the 90 days after resolution) and ``after_mentions``
    (how many scored mentions that mean rests on). Columns: :data:`KPI_FRAME_COLUMNS`.
    """
    frame = store.read_frame(
        db,
        f"""SELECT c.case_id, c.queue, c.customer_id, c.status, c.opened_at, c.due_at, c.first_response_at,
                   c.resolved_at, coalesce(c.sentiment_before, s.score) AS sentiment_before
              FROM {S.CASES} c LEFT JOIN {S.SENTIMENT} s ON s.mention_id = c.mention_id
             ORDER BY c.case_id""",
    )
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in KPI_FRAME_COLUMNS})
    frame["sentiment_before"] = pd.to_numeric(frame["sentiment_before"], errors="coerce")
    frame["sentiment_after"] = np.nan
    frame["after_mentions"] = 0
    rescue = frame[
        (frame["queue"] == RESCUE) & (frame["status"] == RESOLVED) & frame["resolved_at"].notna()
        & frame["customer_id"].notna() & frame["opened_at"].notna()
    ]  # fmt: skip
    if rescue.empty:
        return frame
    start = _fmt(_parse(str(rescue["opened_at"].min())) - dt.timedelta(days=BEFORE_DAYS))
    end = _fmt(_parse(str(rescue["resolved_at"].max())) + dt.timedelta(days=AFTER_DAYS))
    scores = customer_scores(db, rescue["customer_id"].astype(str).tolist(), start, end)
    by_customer = {cid: g for cid, g in scores.groupby("customer_id")} if not scores.empty else {}
    for i, case in rescue.iterrows():
        own = by_customer.get(str(case["customer_id"]))
        if own is None:
            continue
        resolved = str(case["resolved_at"])
        after_end = _fmt(_parse(resolved) + dt.timedelta(days=AFTER_DAYS))
        after = own[(own["posted_at"] > resolved) & (own["posted_at"] <= after_end)]["score"]
        frame.loc[i, "after_mentions"] = len(after)
        if len(after):
            frame.loc[i, "sentiment_after"] = float(after.mean())
        if pd.isna(case["sentiment_before"]):
            opened = str(case["opened_at"])
            before_start = _fmt(_parse(opened) - dt.timedelta(days=BEFORE_DAYS))
            before = own[(own["posted_at"] >= before_start) & (own["posted_at"] < opened)]["score"]
            if len(before):
                frame.loc[i, "sentiment_before"] = float(before.mean())
    return frame


@dataclass(frozen=True)
class CaseKPIs:
    """The case KPIs of a range of opening dates (None where nothing can be measured)."""

    cases: int
    open_cases: int
    breached: int
    first_response_hours: float | None
    resolution_hours: float | None
    rescue_resolved: int  # resolved rescue cases with a customer
    rescue_measured: int  # customers with a resolved rescue case with sentiment before and after
    rescued_customers: int
    rescue_rate: float | None  # percent
    notes: dict[str, str]  # KPI key -> the note in English (what `scrm report` and the KPI rows carry)
    messages: dict[str, Message] = field(default_factory=dict)  # the same notes, for the reader's language


NO_CASES = "no cases yet: workflow rules open them each time the scores are recomputed"
NO_CASE_IN_RANGE = "no case was opened in this range"
NO_RESPONSE = "no case in this range has had a response from a person yet"
NONE_RESOLVED = "no case opened in this range is resolved yet"
NO_RESCUE_RESOLVED = "no rescue case opened in this range is resolved yet"
NONE_WROTE = (
    "none of the {n} resolved rescue cases' customers wrote a scored mention in the {days} days after the "
    "resolution, so no rescue can be measured yet"
)
MEASURED_ON = "measured on the {n} of {total} resolved rescue cases whose customer wrote again within {days} days"
# Every note a case tile can carry: its catalog keys (tests hold each one translated).
NOTE_MESSAGES: tuple[str, ...] = (
    NO_CASES, NO_CASE_IN_RANGE, NO_RESPONSE, NONE_RESOLVED, NO_RESCUE_RESOLVED, NONE_WROTE, MEASURED_ON,
)


def summarise_cases(
    frame: pd.DataFrame, date_from: str | None = None, date_to: str | None = None, now: str | None = None
) -> CaseKPIs:
    """The KPIs of the cases of :func:`case_frame` opened in the inclusive day range (pure)."""
    when = now or store.utcnow()
    cases = frame
    if not cases.empty:
        opened = cases["opened_at"].astype(object).where(cases["opened_at"].notna(), "")
        inside = pd.Series(True, index=cases.index)
        if date_from:
            inside &= opened >= date_from
        if date_to:
            inside &= opened < (dt.date.fromisoformat(date_to[:10]) + dt.timedelta(days=1)).isoformat()
        cases = cases[inside.astype(bool)]
    messages: dict[str, Message] = {}
    if cases.empty:
        note = Message(NO_CASES if frame.empty else NO_CASE_IN_RANGE)
        messages = {k: note for k in ("open_cases", "sla_breached", "first_response_hours", "resolution_hours",
                                      "rescued_customers", "rescue_rate")}  # fmt: skip
        return CaseKPIs(0, 0, 0, None, None, 0, 0, 0, None, _english(messages), messages)
    resolved = cases["status"] == RESOLVED
    first = _hours(cases["first_response_at"], cases["opened_at"]).dropna()
    resolution = _hours(cases["resolved_at"], cases["opened_at"])[resolved].dropna()
    if first.empty:
        messages["first_response_hours"] = Message(NO_RESPONSE)
    if resolution.empty:
        messages["resolution_hours"] = Message(NONE_RESOLVED)
    rescue = cases[(cases["queue"] == RESCUE) & resolved & cases["customer_id"].notna()]
    measured = rescue[rescue["sentiment_before"].notna() & rescue["sentiment_after"].notna()]
    better = measured[measured["sentiment_after"] > measured["sentiment_before"]]
    measured_customers = int(measured["customer_id"].nunique())
    rescued = int(better["customer_id"].nunique())
    if rescue.empty:
        messages["rescued_customers"] = messages["rescue_rate"] = Message(NO_RESCUE_RESOLVED)
    elif measured.empty:
        messages["rescued_customers"] = messages["rescue_rate"] = Message(
            NONE_WROTE, {"n": len(rescue), "days": AFTER_DAYS}
        )
    elif len(measured) < len(rescue):
        messages["rescued_customers"] = messages["rescue_rate"] = Message(
            MEASURED_ON, {"n": len(measured), "total": len(rescue), "days": AFTER_DAYS}
        )
    rate = round(100.0 * rescued / measured_customers, 4) if measured_customers else None
    return CaseKPIs(
        cases=len(cases),
        open_cases=int((~resolved).sum()),
        breached=int(breached_mask(cases, when).sum()),
        first_response_hours=None if first.empty else round(float(first.median()), 2),
        resolution_hours=None if resolution.empty else round(float(resolution.median()), 2),
        rescue_resolved=len(rescue),
        rescue_measured=measured_customers,
        rescued_customers=rescued,
        rescue_rate=rate,
        notes=_english(messages),
        messages=messages,
    )


def _english(messages: dict[str, Message]) -> dict[str, str]:
    return {key: message.english() for key, message in messages.items()}


def case_kpis(
    db: sqlite_utils.Database,
    date_from: str | None = None,
    date_to: str | None = None,
    now: str | None = None,
    *,
    frame: pd.DataFrame | None = None,
) -> CaseKPIs:
    """Open and breached cases, median hours to first response and to resolution, rescued customers.

    Over the cases opened in the inclusive day range (None: open end);
    ``breached`` as of ``now`` (default now). See :func:`summarise_cases`.
    ``frame``: :func:`case_frame` read earlier for the same data (a page keeps it per data
    version, so that a new date range does not read every case and score again).
    """
    return summarise_cases(case_frame(db) if frame is None else frame, date_from, date_to, _check_time(now, "now"))
