"""Forget mentions: a mention and every row hanging on it, deleted; its cases keep a tombstone.

One path for every reason a mention must go while the rest of the database
stays: its author deleted it on the platform (a live source reports it, see
:mod:`scrm.listen`), or a caller that removes mentions by id. Like the
erasure and the retention purge, it finds the dependent rows by looking for
a ``mention_id`` column in every table (so a table added later is covered
without a change here), deletes them, and detaches cases instead of
deleting them: a case is the team's work, so it keeps its history with a
``note`` event saying why its mention is gone (the tombstone).

Runs inside the caller's transaction; changes nothing else.

>>> from scrm.db import store
>>> db = store.open_db(":memory:")
>>> _ = db.execute("INSERT INTO mentions (mention_id, text) VALUES ('m1', 'bye')")
>>> forget_mentions(db, ["m1", "unknown"], reason=DELETED_BY_AUTHOR, actor="source demo")
{'mentions': 1}
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from scrm.db import dialect, store
from scrm.db import schema as S

# The tombstone a case keeps when its mention was deleted by its author on the platform.
DELETED_BY_AUTHOR = "The mention was deleted by its author on the platform; the case keeps its history."
_MENTION_COLUMN = "mention_id"
# Tables whose rows are never deleted here: settings, who did what (ids only), import bookkeeping, rules.
_KEPT = (S.META, S.AUDIT_LOG, S.IMPORTS, S.RULES, S.MENTIONS, S.CASES)
_CHUNK = 500


def forget_mentions(
    db: sqlite_utils.Database, mention_ids: Sequence[str], *, reason: str, actor: str
) -> dict[str, int]:
    """Delete ``mention_ids`` and their dependent rows; detach their cases with ``reason``; rows per table.

    Ids not stored are ignored. The counts leave out tables with no row
    deleted; cases detached are counted under ``cases``.
    """
    ids = list(dict.fromkeys(str(i) for i in mention_ids))
    counts: dict[str, int] = {}
    if not ids:
        return counts
    tables = [t for t in dialect.table_names(db) if t not in _KEPT and _MENTION_COLUMN in dialect.columns(db, t)]
    now = store.utcnow()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        cases = [int(r[0]) for r in db.execute(
            f"SELECT case_id FROM {S.CASES} WHERE {_MENTION_COLUMN} IN ({marks})", chunk
        ).fetchall()]
        if cases:
            db.conn.executemany(
                f"INSERT INTO {S.CASE_EVENTS} (case_id, at, actor, event, old, new, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(case_id, now, actor, S.EVENT_NOTE, None, None, reason) for case_id in cases],
            )
            db.execute(f"UPDATE {S.CASES} SET {_MENTION_COLUMN} = NULL WHERE {_MENTION_COLUMN} IN ({marks})", chunk)
            counts[S.CASES] = counts.get(S.CASES, 0) + len(cases)
        for table in tables:
            n = db.execute(f'DELETE FROM "{table}" WHERE "{_MENTION_COLUMN}" IN ({marks})', chunk).rowcount
            if n and n > 0:
                counts[table] = counts.get(table, 0) + int(n)
        n = db.execute(f"DELETE FROM {S.MENTIONS} WHERE {_MENTION_COLUMN} IN ({marks})", chunk).rowcount
        if n and n > 0:
            counts[S.MENTIONS] = counts.get(S.MENTIONS, 0) + int(n)
    return counts
