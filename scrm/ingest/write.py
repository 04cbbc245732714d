"""Stage 6, write: checked chunks -> the store, under the write lock only briefly.

Everything slow happens before the lock is taken: the chunks the earlier
stages checked (keys and hashes made, values typed) are staged in a
connection-private TEMP table, which takes no lock on the database file.
Then ONE short ``BEGIN IMMEDIATE`` transaction records the import, upserts
the staged rows with a single ``INSERT ... SELECT``, stores the quarantine
and commits: a page's write waits for that, not for the reading and checking
(a 200k-mention import held the lock about 50 s that way). A failure at any
point leaves the database exactly as before: the staging table is dropped
and the one transaction rolls back whole.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.i18n.messages import Message, Said, from_json
from scrm.ingest.validate import BadRow, Item, _Chunk, _Part, _Progress

Progress = Callable[[float, str], None]

_STAGE_NAMES = itertools.count(1)


@dataclass
class ImportResult:
    """What one import did, per kind; ``also`` holds secondary kinds of a preset."""

    import_id: int
    kind: str
    file_name: str
    rows_read: int
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    also: list[ImportResult] = field(default_factory=list)
    # The first quarantined rows as full sentences ("orders.csv row 3, column `amount`: ...").
    problems: list[str] = field(default_factory=list)
    # Notes that the importer also gives as messages for the reader's language: English note -> message.
    note_messages: dict[str, Message] = field(default_factory=dict)
    # The same rows' sentences as messages for the reader's language (None: a reason without one).
    problem_messages: list[Message | None] = field(default_factory=list)
    # The commonest quarantine reasons, most frequent first: (rows, an example sentence).
    top_reasons: list[tuple[int, str]] = field(default_factory=list)
    # The preset detected from the headers (not named by the user), if any.
    detected: str | None = None

    @property
    def stored(self) -> int:
        """Rows of every kind of the file that are in the database after the import."""
        return sum(p.loaded for p in [self, *self.also])

    @property
    def loaded(self) -> int:
        return self.new + self.updated + self.unchanged

    def summary(self) -> str:
        """One line per kind, e.g. ``orders.csv: 1,204 rows read -> orders: 3 new, ...``."""
        lines = [f"{self.file_name}: {self.rows_read:,} rows read in {self.seconds:.1f} s."]
        for part in [self, *self.also]:
            lines.append(
                f"  {part.kind}: {part.new:,} new, {part.updated:,} updated, {part.unchanged:,} unchanged, "
                f"{part.duplicates:,} duplicates, {part.rejected:,} quarantined."
            )
            lines.extend(f"  note: {n}" for n in part.notes)
            lines.extend(f"  quarantined: {p}" for p in part.problems)
        return "\n".join(lines)



def _as_list(column: Any) -> list[Any]:
    return column if isinstance(column, list) else column.to_pylist()


class _PartWriter:
    """One kind of a file: staged chunk by chunk without the lock, then committed in the import's transaction."""

    def __init__(self, db: sqlite_utils.Database, part: _Part, file_name: str, sha: str, preset: str | None) -> None:
        self.db, self.part, self.file_name, self.sha, self.preset = db, part, file_name, sha, preset
        self.t0 = time.perf_counter()
        self.started_at = store.utcnow()
        self.stage = f"scrm_stage_{part.kind}_{next(_STAGE_NAMES)}"
        self.columns: list[str] | None = None
        self.staged = 0
        self.bad: list[BadRow] = []
        self.notes: list[str] = []
        self.duplicates = part.duplicates
        self.guests = 0
        self.import_id = 0

    def write(self, chunk: _Chunk) -> None:
        """Stage one checked chunk (no lock on the database: a TEMP table is the connection's own)."""
        conn = self.db.conn
        if self.columns is None:
            self.columns = list(chunk.columns)
            # Untyped columns keep each value as bound: the final INSERT applies the
            # table's own types, exactly as binding the values directly did.
            conn.execute(f'CREATE TEMP TABLE "{self.stage}" ({", ".join(chr(34) + c + chr(34) for c in self.columns)})')
        elif list(chunk.columns) != self.columns:
            for c in chunk.columns:
                if c not in self.columns:
                    conn.execute(f'ALTER TABLE temp."{self.stage}" ADD COLUMN "{c}"')
                    self.columns.append(c)
        lists = [_as_list(c) for c in chunk.lists]
        n = len(lists[0]) if lists else 0
        if n:
            cols = ", ".join(f'"{c}"' for c in chunk.columns)
            marks = ", ".join("?" for _ in chunk.columns)
            own = not conn.in_transaction  # inside a caller's transaction, the rows join it
            if own:
                conn.execute("BEGIN")
            try:
                conn.executemany(f'INSERT INTO temp."{self.stage}" ({cols}) VALUES ({marks})', zip(*lists, strict=True))
                if own:
                    conn.execute("COMMIT")
            except BaseException:
                if own and conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        self.staged += n
        self.bad.extend(chunk.bad)
        self.duplicates += chunk.duplicates
        self.guests += chunk.guests
        self.notes.extend(note for note in chunk.notes if note not in self.notes)

    def commit(self) -> ImportResult:
        """Record the import and move the staged rows in; called inside the import's one transaction."""
        db, part = self.db, self.part
        cursor = db.conn.execute(
            f"INSERT INTO {S.IMPORTS} (kind, file_name, sha256, preset, mapping, rows_read, started_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [part.kind, self.file_name, self.sha, self.preset, json.dumps(dict(part.mapping or {}), ensure_ascii=False),
             part.rows_read, self.started_at],
        )
        self.import_id = int(cursor.lastrowid or 0)
        new = updated = unchanged = 0
        if self.columns is not None and self.staged:
            # Into an empty table, plain INSERTs do: keys are unique by now, and the
            # upsert's conflict check costs a third of the write at a million rows.
            fresh = store.is_empty(db, part.kind)
            with store.deferred_indexes(db, part.kind, part.total):
                counts = store.upsert_staged(
                    db, part.kind, self.columns, f'temp."{self.stage}"', total=self.staged, fresh=fresh,
                    import_id=self.import_id,
                )
            new, updated, unchanged = counts.new, counts.updated, counts.unchanged
        kind, file_name, bad = part.kind, self.file_name, self.bad
        # Notes the stages wrote with their message (folded lines, how dates were read) keep it for the page.
        note_messages: dict[str, Message] = {str(n): n.message for n in self.notes if isinstance(n, Said)}
        if self.guests:
            guests = Message(GUEST_ORDER if self.guests == 1 else GUEST_ORDERS, {"n": self.guests})
            self.notes.append(guests.english())
            note_messages[guests.english()] = guests
        now = store.utcnow()
        if bad:
            store.insert_rows(
                db,
                S.QUARANTINE,
                ["import_id", "kind", "file_name", "row_number", "column", "value", "reason", "raw", "created_at",
                 "reason_message"],
                [(self.import_id, kind, file_name, row, col or None, value or None, reason, raw, now, message)
                 for row, col, value, reason, raw, message in bad],
            )
        seconds = time.perf_counter() - self.t0
        db.conn.execute(
            f"UPDATE {S.IMPORTS} SET rows_new = ?, rows_updated = ?, rows_unchanged = ?, rows_duplicate = ?, "
            "rows_rejected = ?, finished_at = ?, seconds = ? WHERE import_id = ?",
            [new, updated, unchanged, self.duplicates, len(bad), now, seconds, self.import_id],
        )
        return ImportResult(
            import_id=self.import_id, kind=kind, file_name=file_name, rows_read=part.rows_read, new=new,
            updated=updated, unchanged=unchanged, duplicates=self.duplicates, rejected=len(bad),
            notes=self.notes, note_messages=note_messages,
            problems=[problem_sentence(file_name, row, col, reason) for row, col, _, reason, *_ in bad[:MAX_PROBLEMS]],
            problem_messages=[problem_message(file_name, row, col, message)
                              for row, col, _, _, _, message in bad[:MAX_PROBLEMS]],
            top_reasons=top_reasons(file_name, bad),
        )

    def drop(self) -> None:
        if self.columns is not None:
            self.db.conn.execute(f'DROP TABLE IF EXISTS temp."{self.stage}"')
            self.columns = None


# The share of the progress bar left for the final write, after staging.
_COMMIT_SHARE = 0.1


def write_stream(
    db: sqlite_utils.Database,
    stream: Iterable[Item],
    *,
    file_name: str,
    sha256: str,
    preset: str | None,
    progress: Progress | None,
    start: float = 0.25,
) -> ImportResult:
    """Stage a stream of checked parts, then write them in ONE short transaction; the first part is the main result.

    The write lock is held only for that transaction (see the module's
    docstring), and :attr:`last_lock_seconds` says how long it was.
    """
    global last_lock_seconds
    writers: list[_PartWriter] = []
    try:
        for item in stream:
            if isinstance(item, _Progress):
                if progress:
                    progress(item.fraction, item.message)
            elif isinstance(item, _Part):
                writers.append(_PartWriter(db, item, file_name, sha256, preset))
            else:
                assert writers, "a chunk comes after its part"
                writer = writers[-1]
                writer.write(item)
                if progress:
                    total = writer.part.total
                    step = (1.0 - start - _COMMIT_SHARE) / 2
                    base = start + step * min(len(writers) - 1, 1)
                    progress(base + step * min(1.0, item.done / max(total, 1)),
                             f"Checking {writer.part.kind}: {min(item.done, total):,} of {total:,} rows")
        if progress:
            rows = sum(w.staged for w in writers)
            progress(1.0 - _COMMIT_SHARE, f"Writing {rows:,} rows")
        locked = time.perf_counter()
        with store.transaction(db):
            results = [w.commit() for w in writers]
        last_lock_seconds = time.perf_counter() - locked
    finally:
        for w in writers:
            with contextlib.suppress(Exception):  # the connection may be gone with the fault being raised
                w.drop()
    main, *also = results
    main.also = also
    return main


# How long the last import in this process held the write lock, in seconds (the bench reports it).
last_lock_seconds = 0.0


MAX_PROBLEMS = 5


def top_reasons(
    file_name: str, bad: Sequence[BadRow], limit: int = 3
) -> list[tuple[int, str]]:
    """The commonest quarantine reasons: (rows, the sentence of the first such row), most rows first.

    Reasons that differ only by the quoted value ('x' is not a number) count as one.
    """
    groups: dict[tuple[str, str], list[Any]] = {}
    for row, column, _, reason, *_ in bad:
        shape = re.sub(r"'[^']*'", "'…'", reason)
        entry = groups.setdefault((column, shape), [0, problem_sentence(file_name, row, column, reason)])
        entry[0] += 1
    ranked = sorted(groups.values(), key=lambda e: -e[0])
    return [(int(n), str(sentence)) for n, sentence in ranked[:limit]]


# The note on orders without a customer, as catalog keys (scrm.i18n).
GUEST_ORDER = "{n} order has no customer and is kept as a guest order."
GUEST_ORDERS = "{n} orders have no customer and are kept as guest orders."
# How :func:`problem_sentence` reads as catalog keys (scrm.i18n).
PROBLEM_IN_COLUMN = "{file} row {row}, column `{column}`: {reason}"
PROBLEM_IN_ROW = "{file} row {row}: {reason}"


def problem_message(file_name: str, row: int, column: str, reason_message: str | None) -> Message | None:
    """:func:`problem_sentence` as a message, from the reason's message JSON; None when the reason has none.

    >>> m = problem_message("o.csv", 3, "amount", '{"key":"no","values":{}}')
    >>> m.english()
    'o.csv row 3, column `amount`: no'
    """
    reason = from_json(reason_message)
    if reason is None:
        return None
    if column:
        return Message(PROBLEM_IN_COLUMN, {"file": file_name, "row": str(row), "column": column, "reason": reason})
    return Message(PROBLEM_IN_ROW, {"file": file_name, "row": str(row), "reason": reason})


def problem_sentence(file_name: str, row: int, column: str, reason: str) -> str:
    """The sentence a user reads for one quarantined row.

    >>> problem_sentence("orders.csv", 17, "amount", "'12,5O' is not a number.")
    "orders.csv row 17, column `amount`: '12,5O' is not a number."
    """
    where = f"{file_name} row {row}" + (f", column `{column}`" if column else "")
    return f"{where}: {reason}"


def reason_keys() -> tuple[str, ...]:
    """Every catalog key a quarantine reason is written with (what the es and fr catalogs must hold).

    Here, in the last stage, because it gathers the keys of every earlier one.

    >>> from scrm.ingest.validate import EMAIL_KEY
    >>> EMAIL_KEY in reason_keys()
    True
    """
    from scrm.ingest import presets as P
    from scrm.ingest import validate as VA
    from scrm.ingest import values as V
    from scrm.ingest.parse import _TYPE_REASONS

    return (
        *_TYPE_REASONS.values(), *V.BAD_DATE_KEYS.values(), V.DAY_FIRST_READING, V.MONTH_FIRST_READING, V.NO_DAY,
        *V._ENGLISH_MONTHS, *VA.REQUIRED_KEYS.values(), VA.EMAIL_KEY, VA.RATING_KEY, VA.COUNT_KEY, VA.SCORE_KEY,
        *P.PROBLEM_KEYS, P._CDNOW_LAYOUT, PROBLEM_IN_COLUMN, PROBLEM_IN_ROW, GUEST_ORDER, GUEST_ORDERS,
    )


def note_keys() -> tuple[str, ...]:
    """Every catalog key an import's notes are written with (folded lines, how dates were read, guests).

    >>> GUEST_ORDERS in note_keys()
    True
    """
    from scrm.ingest.lines import FOLDED_KEYS
    from scrm.ingest.map import EVIDENCE_KEYS
    from scrm.ingest.parse import ORDER_NOTE_KEYS, RELATIVE_NOTE_KEY

    return (*FOLDED_KEYS.values(), *EVIDENCE_KEYS.values(), *ORDER_NOTE_KEYS.values(), RELATIVE_NOTE_KEY,
            GUEST_ORDER, GUEST_ORDERS)
