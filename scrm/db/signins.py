"""Wrong sign-in tries, counted in the database: across sessions, processes and restarts.

One row per subject (``name:ada``, ``client:203.0.113.9``): how many wrong
tries in a row and when the last one was. A try is *reserved* before its
password is checked, in one ``BEGIN IMMEDIATE`` transaction that reads the
counts and adds one: so of twelve tries sent at once, only as many as the
limit allows get their password checked, the others are refused without a
check. A right password then removes the subjects' rows (:func:`clear`).

Rows older than the lockout window are forgotten on the next reservation, so
the table stays small and a pause ends on its own. The writes bump no data
version: a sign-in must not invalidate every cached page.

>>> from scrm.db import store
>>> db = store.open_db(":memory:")
>>> [reserve(db, {"name:ada": 2}, now=100.0, lockout_seconds=60.0) for _ in range(3)]
[Reservation(wait=0.0, reached=False), Reservation(wait=0.0, reached=True), Reservation(wait=60.0, reached=False)]
>>> clear(db, ["name:ada"])
>>> reserve(db, {"name:ada": 2}, now=101.0, lockout_seconds=60.0).wait
0.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlite_utils

from scrm.db import schema as S
from scrm.db import store

# Longest subject kept: a typed user name is the visitor's text, the table must not grow with it.
MAX_SUBJECT_CHARS = 200


def name_subject(name: str) -> str:
    """The subject of a user name (case-insensitive).

    >>> name_subject(" Ada ")
    'name:ada'
    """
    return f"name:{name.strip().lower()}"[:MAX_SUBJECT_CHARS]


def client_subject(client: str) -> str:
    """The subject of a client address.

    >>> client_subject("203.0.113.9")
    'client:203.0.113.9'
    """
    return f"client:{client.strip()}"[:MAX_SUBJECT_CHARS]


@dataclass(frozen=True)
class Reservation:
    """A try's turn: ``wait`` seconds to wait (0.0: go ahead, counted as wrong), and
    ``reached``: this try brought a subject to its limit (if it fails, the pause starts)."""

    wait: float
    reached: bool


def reserve(
    db: sqlite_utils.Database,
    limits: Mapping[str, int],
    *,
    now: float,
    lockout_seconds: float,
) -> Reservation:
    """Whether a try may check its password now; if so it is counted as wrong until :func:`clear`.

    ``limits`` maps each subject the try counts against to the wrong tries in
    a row it may have. A subject at its limit, its last wrong try less than
    ``lockout_seconds`` ago, makes the try wait until that window passes
    (nothing counted). Otherwise every subject's count grows by one now,
    before the password is checked, so tries racing each other cannot all
    pass the check: the read and the count are one ``BEGIN IMMEDIATE``
    transaction (:func:`scrm.db.store.transaction`).
    """
    with store.transaction(db, bump=False):
        db.execute(f"DELETE FROM {S.SIGN_IN_FAILURES} WHERE last_failure_at < ?", [now - lockout_seconds])
        counts: dict[str, int] = {}
        wait = 0.0
        for key, limit in limits.items():
            row = db.execute(
                f"SELECT failures, last_failure_at FROM {S.SIGN_IN_FAILURES} WHERE subject = ?", [key]
            ).fetchone()
            counts[key] = 0 if row is None else int(row[0])
            if row is not None and counts[key] >= limit:
                wait = max(wait, float(row[1]) + lockout_seconds - now)
        if wait > 0:
            return Reservation(wait, False)
        for key in limits:
            db.execute(
                f"INSERT INTO {S.SIGN_IN_FAILURES} (subject, failures, last_failure_at) VALUES (?, 1, ?) "
                "ON CONFLICT(subject) DO UPDATE SET failures = failures + 1, last_failure_at = excluded.last_failure_at",
                [key, now],
            )
        return Reservation(0.0, any(counts[key] + 1 == limit for key, limit in limits.items()))


def failures(db: sqlite_utils.Database, key: str) -> int:
    """Wrong tries in a row counted for ``key`` (0 when none)."""
    row = db.execute(f"SELECT failures FROM {S.SIGN_IN_FAILURES} WHERE subject = ?", [key]).fetchone()
    return 0 if row is None else int(row[0])


def clear(db: sqlite_utils.Database, keys: Sequence[str]) -> None:
    """Forget the wrong tries of ``keys`` (after a right password)."""
    with store.transaction(db, bump=False):
        for key in keys:
            db.execute(f"DELETE FROM {S.SIGN_IN_FAILURES} WHERE subject = ?", [key])
