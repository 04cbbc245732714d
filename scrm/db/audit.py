"""The audit log: who imported, exported, erased, changed a rule, a link or a case, and when.

One row per action in ``audit_log``. The log names the actor, their role, the
action and its target by identifier (a customer id, a rule id, a file name);
it never copies the personal data itself, so that an erasure can be logged
without keeping what was erased.

Actors: the signed-in user's name in the app, ``local`` when access control is
off (a single-user machine), ``cli`` for the command line, ``rules`` for the
automatic work of workflow rules.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store

# The actions the log knows (the page filters on them) and the actors that
# are not people, spelled in scrm.db.schema.
IMPORT = S.AUDIT_IMPORT
EXPORT = S.AUDIT_EXPORT
ERASE = S.AUDIT_ERASE
PURGE = S.AUDIT_PURGE
RULE = S.AUDIT_RULE
LINK = S.AUDIT_LINK
CASE = S.AUDIT_CASE
SETTINGS = S.AUDIT_SETTINGS
LOGIN = S.AUDIT_LOGIN
ACTIONS: tuple[str, ...] = S.AUDIT_ACTIONS

LOCAL = S.ACTOR_LOCAL
CLI = S.ACTOR_CLI
RULES_ACTOR = S.ACTOR_RULES


def record(
    db: sqlite_utils.Database,
    action: str,
    *,
    actor: str = LOCAL,
    role: str | None = None,
    target: str = "",
    detail: str | dict[str, Any] = "",
    at: str | None = None,
) -> int:
    """Append one entry to the audit log and return its id.

    ``detail`` is a short sentence or a JSON-able dict (counts, changed
    fields); never put erased names, e-mails or texts in it. Written in its
    own transaction unless the caller already holds one, so an action and its
    log entry commit together. It does not bump the data version: a sign-in
    or a download must not invalidate every cached page (the audit log's own
    page reads it uncached).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; use one of {', '.join(ACTIONS)}")
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) if isinstance(detail, dict) else detail
    with store.transaction(db, bump=False):
        cursor = db.execute(
            f"INSERT INTO {S.AUDIT_LOG} (at, actor, role, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [at or store.utcnow(), actor, role, action, target, text],
        )
    return int(cursor.lastrowid or 0)


def read_log(
    db: sqlite_utils.Database,
    *,
    actions: tuple[str, ...] | None = None,
    actor: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """The newest ``limit`` entries, newest first, optionally of some actions or one actor."""
    clauses: list[str] = ["1"]
    params: list[Any] = []
    if actions:
        clauses.append(f"action IN ({', '.join('?' * len(actions))})")
        params.extend(actions)
    if actor:
        clauses.append("actor = ?")
        params.append(actor)
    return store.read_frame(
        db,
        f"SELECT audit_id, at, actor, role, action, target, detail FROM {S.AUDIT_LOG} "
        f"WHERE {' AND '.join(clauses)} ORDER BY audit_id DESC LIMIT ?",
        [*params, int(limit)],
    )
