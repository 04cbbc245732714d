"""The demo team's past work on its cases: assignees, notes, first responses and outcomes.

A demo is a story with a team in it: the workflow rules open cases during
``score``, and this module then simulates what the team did with them before
the demo's "today", so the Rescue queue, the SLA tiles and the journeys have
history to show. It runs from :func:`scrm.api.score` (after the ``workflows``
stage, on demo databases only): no compute stage knows the demo.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random

import sqlite_utils

from scrm.act.cases import (
    ASSIGNEE,
    DEFAULT_SLA_HOURS,
    IN_PROGRESS,
    NEW,
    NOTE,
    RESOLVED,
    STATUS,
    THANK_YOU,
    WAITING,
    add_note,
    assign,
    set_status,
    sla_hours,
)
from scrm.db import audit, store
from scrm.db import schema as S
from scrm.demo import ANCHOR

log = logging.getLogger(__name__)

DEMO_FLAG = S.META_DEMO_CASEWORK
DEMO_TEAM: tuple[str, ...] = ("Ana", "Marc", "Lucie")
# Cases opened in the last days before the demo's "today" are left for the
# team to pick up: the queue always has fresh work in it.
DEMO_UNTOUCHED_DAYS = 3

_TS = "%Y-%m-%dT%H:%M:%S"


def _parse(ts: str) -> dt.datetime:
    return dt.datetime.strptime(str(ts)[:19], _TS)


def _fmt(moment: dt.datetime) -> str:
    return moment.strftime(_TS)


DEMO_NOTES: dict[str, tuple[str, ...]] = {
    "start": (
        "Replied publicly and asked for a DM with the order number.",
        "Acknowledged the message and opened a ticket with logistics.",
        "Apologised and offered a call back.",
        "Asked for photos of the item to check the issue.",
    ),
    "wait": (
        "Waiting for the customer's reply.",
        "Replacement requested from the warehouse; waiting for tracking.",
        "Refund submitted; waiting for the payment provider.",
    ),
    "resolve": (
        "Replacement delivered; customer confirmed it is fine.",
        "Refund completed and confirmed by the customer.",
        "Issue explained and a voucher sent; customer satisfied.",
        "Delivery rescheduled; customer thanked the team.",
    ),
    "thanks": (
        "Thanked the customer publicly.",
        "Sent a thank-you message and a discount code.",
    ),
}


def _demo_anchor(db: sqlite_utils.Database) -> str:
    story = store.get_meta(db, S.META_DEMO_STORY)
    if story:
        try:
            anchor = json.loads(story).get("anchor")
            if anchor:
                return _fmt(_parse(str(anchor)))
        except (ValueError, AttributeError):
            pass
    return ANCHOR


def demo_casework(db: sqlite_utils.Database, seed: int = 7) -> int:
    """Simulate the demo team's past work on the cases the rules opened; return the cases worked.

    Demo databases only (``store.is_demo``), once (meta flag ``demo_casework``):
    cases opened more than :data:`DEMO_UNTOUCHED_DAYS` days before the demo's
    "today" get an assignee from :data:`DEMO_TEAM`, a first response (mostly
    within the SLA, some late), short neutral notes, and an outcome (most
    resolved, some waiting or in progress, a few never touched and so
    breached). Nothing is written into the mentions: whether a rescue worked
    comes from what the demo's customers really posted afterwards. The same
    seed and cases give the same history.
    """
    if not store.is_demo(db) or store.get_meta(db, DEMO_FLAG) == "1":
        return 0
    anchor = _demo_anchor(db)
    cutoff = _fmt(_parse(anchor) - dt.timedelta(days=DEMO_UNTOUCHED_DAYS))
    rows = db.execute(
        f"""SELECT case_id, queue, priority, opened_at, due_at FROM {S.CASES}
             WHERE status = ? AND first_response_at IS NULL AND opened_at < ? ORDER BY case_id""",
        [NEW, cutoff],
    ).fetchall()
    if not rows:
        return 0
    sla = sla_hours(db)
    worked = 0
    end = _parse(anchor)
    with store.transaction(db, work=True):
        for case_id, queue, priority, opened_at, _due in rows:
            rng = random.Random(f"{seed}:{case_id}")
            roll = rng.random()
            if roll < 0.06:
                continue  # never picked up: stays new and breached
            opened = _parse(opened_at)
            hours = sla.get(priority, DEFAULT_SLA_HOURS["medium"])
            # The deadline is for the resolution: most are answered early and
            # closed within it, some responses and resolutions come late.
            first = hours * (rng.uniform(1.1, 2.5) if rng.random() < 0.06 else rng.uniform(0.03, 0.3))
            done = max(first + 0.2, hours * (rng.uniform(1.1, 4.0) if rng.random() < 0.1 else rng.uniform(0.35, 0.95)))
            who = DEMO_TEAM[rng.randrange(len(DEMO_TEAM))]
            thanks = queue == THANK_YOU
            t = opened + dt.timedelta(hours=first)
            steps: list[tuple[dt.datetime, str, str | None]] = [
                (t, ASSIGNEE, who),
                (t, STATUS, IN_PROGRESS),
                (t, NOTE, rng.choice(DEMO_NOTES["thanks" if thanks else "start"])),
            ]
            outcome = rng.random()
            if not thanks and outcome < 0.3:  # waited on the customer or a supplier on the way
                steps += [(opened + dt.timedelta(hours=(first + done) / 2), STATUS, WAITING),
                          (opened + dt.timedelta(hours=(first + done) / 2), NOTE, rng.choice(DEMO_NOTES["wait"]))]
            if thanks or outcome < 0.86:
                t = opened + dt.timedelta(hours=done)
                steps += [(t, NOTE, rng.choice(DEMO_NOTES["thanks" if thanks else "resolve"])), (t, STATUS, RESOLVED)]
            elif outcome < 0.93 and not any(e == STATUS and v == WAITING for _, e, v in steps):
                t = opened + dt.timedelta(hours=done)
                steps += [(t, STATUS, WAITING), (t, NOTE, rng.choice(DEMO_NOTES["wait"]))]
            for moment, event, value in steps:
                if moment >= end:
                    break
                at = _fmt(moment)
                if event == ASSIGNEE:
                    assign(db, case_id, value, actor=who, at=at, record=False)
                elif event == STATUS:
                    set_status(db, case_id, str(value), actor=who, at=at, record=False)
                else:
                    add_note(db, case_id, str(value), actor=who, at=at, record=False)
            worked += 1
        db.execute(
            f"INSERT INTO {S.META} (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = '1'", [DEMO_FLAG]
        )
        audit.record(db, audit.CASE, actor="demo", target="demo casework",
                     detail={"event": "simulated", "cases": worked, "seed": seed}, at=anchor)  # fmt: skip
    log.info("simulated the demo team's work on %d cases", worked)
    return worked
