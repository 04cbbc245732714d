"""Privacy requests: export everything about one person, erase one person, retention.

Three operations a data controller owes the people in its CRM:

- :func:`export_person`: every row held about one customer as one JSON-able
  dict (the right of access and to portability), in the documented format
  ``scrm-person-export/1`` (see :data:`EXPORT_KEYS`);
- :func:`erase_person`: the customer, their linked social profiles, those
  profiles' mentions and every row derived from them, deleted across every
  table in ONE transaction; then a sweep replaces their e-mail, full name
  and handles by ``[erased]`` wherever they still appear as text (another
  person's post that @mentions them, a JSON setting, a quarantined row). The
  run uses ``PRAGMA secure_delete`` and ends with VACUUM and a WAL
  checkpoint, so the erased bytes do not linger in free pages or the
  write-ahead log.
  :func:`preview_erasure` gives the same counts without writing;
- :func:`purge_mentions_older_than`: the retention setting
  (meta ``retention_months``) applied to mentions.

Who is "the person": the customer record, the profiles linked to it (link
status ``linked``) and the profiles named by the handles on the record. Tables
added later are covered without a change here: any table with a
``customer_id``, ``profile_id`` or ``mention_id`` column is found by
introspection, exported under ``derived`` and erased.

The audit log records an erasure with its counts per table and a random
reference, never the erased values: the reference is what the operator
notes against the request.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.analysis.identity import normalise_handle
from scrm.db import audit, dialect, store
from scrm.db import schema as S
from scrm.errors import ConfigError, NotFound
from scrm.i18n.messages import Message

log = logging.getLogger(__name__)

FORMAT = "scrm-person-export/1"
# The keys of an export, in order: a contract for whoever reads the file.
EXPORT_KEYS: tuple[str, ...] = (
    "format", "exported_at", "customer", "profiles", "mentions", "orders", "surveys", "cases", "derived",
)
ERASED = "[erased]"
RETENTION_KEY = S.META_RETENTION_MONTHS
# A value shorter than this is too common to sweep out of other people's text
# (a two-letter handle would erase every "jo" in every post).
MIN_TERM_CHARS = 3
# Parameters per IN (...) list: well under SQLite's limit of variables.
_CHUNK = 500

# Columns that name a person's rows in any table.
_CUSTOMER_COLUMNS = ("customer_id", "other_customer_id")
_PROFILE_COLUMN = "profile_id"
_MENTION_COLUMN = "mention_id"
_CASE_COLUMN = "case_id"
# Tables whose rows the erasure never deletes: settings, the log of who did
# what (it holds ids, never personal values) and the import bookkeeping.
# They are still swept for the person's values.
_KEPT = (S.META, S.AUDIT_LOG, S.IMPORTS, S.RULES)
# Where an export puts the tables it names itself (the rest goes to "derived").
_OWN = (
    S.CUSTOMERS, S.PROFILES, S.LINKS, S.MENTIONS, S.SENTIMENT, S.MENTION_TAGS, S.ORDERS, S.SURVEYS,
    S.CASES, S.CASE_EVENTS,
)
# A mention's profile id, as scrm.analysis.identity builds it.
_MENTION_PROFILE_SQL = (
    "coalesce(nullif(lower(trim(platform)), ''), 'other') || ':' || lower(ltrim(trim(author), '@'))"
)


# --- who the person is ------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One customer and what belongs to them: profile ids, mention ids, case ids, identifying values."""

    customer_id: str
    email: str | None
    profile_ids: tuple[str, ...]
    mention_ids: tuple[str, ...]
    case_ids: tuple[int, ...]
    # E-mails, names and handles to sweep out of the rest of the database.
    terms: tuple[str, ...]


def _tables(db: sqlite_utils.Database) -> list[str]:
    """Ordinary tables, without SQLite's own, virtual tables (FTS) and their shadow tables."""
    if dialect.is_postgres(db):
        return dialect.table_names(db)
    rows = db.execute("SELECT name, type, sql FROM sqlite_master WHERE type = 'table'").fetchall()  # sqlite-only
    virtual = [name for name, _, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    out = []
    for name, _, _ in rows:
        if name.startswith("sqlite_") or name in virtual:
            continue
        if any(name.startswith(v + "_") for v in virtual):
            continue  # FTS shadow tables: rebuilt, never written directly
        out.append(str(name))
    return sorted(out)


def _virtual_tables(db: sqlite_utils.Database) -> list[str]:
    if dialect.is_postgres(db):
        return []  # the search vector is a generated column of mentions: it goes with the row
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()  # sqlite-only
    return [str(n) for n, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]


def _columns(db: sqlite_utils.Database, table: str) -> list[str]:
    return [c for c in dialect.columns(db, table) if c != S.MENTIONS_SEARCH_VECTOR]


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def customer_exists(db: sqlite_utils.Database, customer_id: str) -> bool:
    """True when a customer has the id ``customer_id`` (False once they are erased)."""
    row = db.execute(f"SELECT 1 FROM {S.CUSTOMERS} WHERE customer_id = ?", [str(customer_id).strip()]).fetchone()
    return row is not None


def _customer_row(db: sqlite_utils.Database, customer_id: str) -> dict[str, Any]:
    cursor = db.execute(f"SELECT * FROM {S.CUSTOMERS} WHERE customer_id = ?", [customer_id])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(Message(
            "No customer has the id '{id}'. Find the id on the Customer 360 or Privacy requests page "
            "(search by name or e-mail), then try again.",
            {"id": str(customer_id)},
        ))
    return dict(zip([c[0] for c in cursor.description], row, strict=True))


def _profiles_where(db: sqlite_utils.Database, where: str, params: Sequence[Any]) -> set[str]:
    return {str(r[0]) for r in db.execute(f"SELECT profile_id FROM {S.PROFILES} WHERE {where}", list(params))}


def find_person(db: sqlite_utils.Database, customer_id: str) -> Person:
    """Everything that identifies one customer's rows; :class:`~scrm.errors.NotFound` for an unknown id."""
    customer_id = str(customer_id).strip()
    customer = _customer_row(db, customer_id)
    profiles = {
        str(r[0])
        for r in db.execute(
            f"SELECT profile_id FROM {S.LINKS} WHERE customer_id = ? AND status = ?", [customer_id, S.LINKED]
        ).fetchall()
    }
    # The handles the customer gave us are theirs, linked or not.
    handles: list[str] = []
    for platform in S.HANDLE_PLATFORMS:
        handle = normalise_handle(customer.get(platform), platform)
        if handle:
            handles.append(handle)
            profiles |= _profiles_where(db, "platform = ? AND lower(handle) = ?", [platform, handle])
    terms: list[str] = [t for t in (_clean(customer.get("email")), _clean(customer.get("name"))) if t]
    terms += handles
    for part in _chunks(sorted(profiles)):
        for handle, email in db.execute(
            f"SELECT handle, email FROM {S.PROFILES} WHERE profile_id IN ({_marks(part)})", list(part)
        ).fetchall():
            terms += [t for t in (_clean(handle), _clean(email)) if t]
    # A profile that is not linked to anyone else and carries the person's
    # e-mail, or one of their handles (or their full name as handle, as review
    # sites spell authors), is theirs too: kept, it would keep their name.
    folded = sorted({t.casefold() for t in terms if len(t) >= MIN_TERM_CHARS})
    for part in _chunks(folded):
        profiles |= _profiles_where(
            db,
            f"(lower(handle) IN ({_marks(part)}) OR lower(email) IN ({_marks(part)})) AND profile_id NOT IN "
            f"(SELECT profile_id FROM {S.LINKS} WHERE status = ? AND customer_id <> ?)",
            [*part, *part, S.LINKED, customer_id],
        )
    profile_ids = tuple(sorted(profiles))
    mention_ids: list[str] = []
    for part in _chunks(profile_ids):
        for row in db.execute(
            f"SELECT profile_id, handle, display_name, email FROM {S.PROFILES} WHERE profile_id IN ({_marks(part)})",
            list(part),
        ).fetchall():
            terms += [t for t in (_clean(row[1]), _clean(row[2]), _clean(row[3])) if t]
        for row in db.execute(
            f"SELECT mention_id, author, author_name, author_email FROM {S.MENTIONS} "
            f"WHERE {_MENTION_PROFILE_SQL} IN ({_marks(part)})",
            list(part),
        ).fetchall():
            mention_ids.append(str(row[0]))
            author = _clean(row[1])
            terms += [t for t in (author.lstrip("@") if author else None, _clean(row[2]), _clean(row[3])) if t]
    mention_ids = sorted(set(mention_ids))
    case_ids: set[int] = set()
    if S.CASES in db.table_names():
        case_ids |= {int(r[0]) for r in db.execute(f"SELECT case_id FROM {S.CASES} WHERE customer_id = ?", [customer_id])}
        for column, ids in ((_PROFILE_COLUMN, profile_ids), (_MENTION_COLUMN, tuple(mention_ids))):
            for part in _chunks(ids):
                case_ids |= {
                    int(r[0])
                    for r in db.execute(f"SELECT case_id FROM {S.CASES} WHERE {column} IN ({_marks(part)})", list(part))
                }
    unique: dict[str, str] = {}
    for term in terms:
        if len(term) >= MIN_TERM_CHARS:
            unique.setdefault(term.casefold(), term)
    return Person(
        customer_id=customer_id,
        email=_clean(customer.get("email")),
        profile_ids=profile_ids,
        mention_ids=tuple(mention_ids),
        case_ids=tuple(sorted(case_ids)),
        terms=tuple(sorted(unique.values(), key=lambda t: (-len(t), t))),
    )


# --- which rows are the person's --------------------------------------------------------------


def _row_filters(person: Person, table: str, columns: list[str]) -> list[tuple[str, Sequence[Any]]]:
    """``(where clause, params)`` pieces selecting the person's rows of ``table`` (empty: none)."""
    pieces: list[tuple[str, Sequence[Any]]] = []
    for column in _CUSTOMER_COLUMNS:
        if column in columns:
            pieces.append((f'"{column}" = ?', [person.customer_id]))
    if table == S.SURVEYS and person.email and "email" in columns:
        pieces.append(('lower(trim("email")) = lower(?)', [person.email]))
    for column, ids in (
        (_PROFILE_COLUMN, person.profile_ids),
        (_MENTION_COLUMN, person.mention_ids),
        (_CASE_COLUMN, person.case_ids),
    ):
        if column in columns and ids:
            if column == _CASE_COLUMN and table not in (S.CASES, S.CASE_EVENTS, S.RULE_MATCHES):
                continue  # another table's case_id may number something else
            for part in _chunks(ids):
                pieces.append((f'"{column}" IN ({_marks(part)})', list(part)))
    return pieces


def _key_columns(db: sqlite_utils.Database, table: str) -> list[str]:
    """What names one row: the rowid, the primary key of a WITHOUT ROWID table, or PostgreSQL's ctid.

    A ctid is stable while the row is not updated: the erasure reads and
    deletes by it inside one transaction, before the sweep updates anything.
    """
    if dialect.is_postgres(db):
        return ["ctid"]
    if not _is_without_rowid(db, table):
        return ["rowid"]
    info = sorted(
        (int(r[5]), str(r[1])) for r in db.execute(f'PRAGMA table_info("{table}")').fetchall() if int(r[5])  # sqlite-only
    )
    return [name for _, name in info]


def _select_keys(keys: list[str]) -> str:
    return ", ".join(k if k == "rowid" else "CAST(ctid AS TEXT)" if k == "ctid" else f'"{k}"' for k in keys)


def _rowids(db: sqlite_utils.Database, table: str, pieces: list[tuple[str, Sequence[Any]]]) -> set[Any]:
    """The keys (rowids, or primary-key tuples) of the rows the pieces select."""
    keys = _key_columns(db, table)
    select = _select_keys(keys)
    found: set[Any] = set()
    for where, params in pieces:
        for row in db.execute(f'SELECT {select} FROM "{table}" WHERE {where}', list(params)):
            found.add(int(row[0]) if keys == ["rowid"] else tuple(row))
    return found


def _delete(db: sqlite_utils.Database, table: str, keys: set[Any]) -> int:
    columns = _key_columns(db, table)
    if columns == ["ctid"]:
        tids = sorted(k[0] for k in keys)
        return sum(
            db.execute(
                f'DELETE FROM "{table}" WHERE ctid IN ({", ".join("CAST(? AS tid)" for _ in part)})', list(part)
            ).rowcount
            for part in _chunks(tids)
        )
    if columns == ["rowid"]:
        ids = sorted(keys)
        return sum(
            db.execute(f'DELETE FROM "{table}" WHERE rowid IN ({_marks(part)})', list(part)).rowcount
            for part in _chunks(ids)
        )
    where = " AND ".join(f'"{c}" IS ?' for c in columns)
    return sum(db.execute(f'DELETE FROM "{table}" WHERE {where}', list(key)).rowcount for key in sorted(keys))


def _is_without_rowid(db: sqlite_utils.Database, table: str) -> bool:
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()  # sqlite-only
    return bool(sql and sql[0] and "WITHOUT ROWID" in sql[0].upper())


def _person_rows(db: sqlite_utils.Database, person: Person) -> dict[str, list[dict[str, Any]]]:
    """The person's rows of every table (kept tables excepted), by table."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in _tables(db):
        if table in _KEPT:
            continue
        columns = _columns(db, table)
        pieces = _row_filters(person, table, columns)
        if not pieces:
            continue
        rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        select = ", ".join(f'"{c}"' for c in columns)  # not SELECT *: PostgreSQL's search vector is no data of theirs
        for where, params in pieces:
            cursor = db.execute(f'SELECT {select} FROM "{table}" WHERE {where}', list(params))
            names = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                rows.setdefault(tuple(row), dict(zip(names, row, strict=True)))
        if rows:
            out[table] = list(rows.values())
    return out


def _quarantined(db: sqlite_utils.Database, person: Person) -> list[int]:
    """Quarantined rows that are the person's: their raw row holds the customer id, e-mail or a handle."""
    ids = {person.customer_id}
    folded = {t.casefold() for t in person.terms}
    found: list[int] = []
    for quarantine_id, kind, raw in db.execute(f"SELECT quarantine_id, kind, raw FROM {S.QUARANTINE}").fetchall():
        try:
            data = json.loads(raw) if raw else {}
        except (TypeError, ValueError):
            continue
        values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
        for value in values:
            text = _clean(value)
            if text is None:
                continue
            if (kind != S.MENTIONS and text in ids) or text.lstrip("@").casefold() in folded:
                found.append(int(quarantine_id))
                break
    return found


# --- export -----------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    return value


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _jsonable(v) for k, v in row.items()}


def _parsed_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def export_person(db: sqlite_utils.Database, customer_id: str) -> dict[str, Any]:
    """Everything held about one customer, as a JSON-able dict (format ``scrm-person-export/1``).

    Keys (:data:`EXPORT_KEYS`): ``format``; ``exported_at`` (UTC); ``customer``
    (the record, ``attributes`` parsed); ``profiles`` (the person's social
    profiles, each with ``links``: customer, method, confidence, status,
    evidence); ``mentions`` (their posts, each with ``sentiment`` and
    ``tags``); ``orders``; ``surveys`` (by customer id or e-mail); ``cases``
    (each with its ``events``); ``derived``: ``{table: [rows]}`` for every
    other table with a ``customer_id``, ``profile_id`` or ``mention_id``
    column (value, roles, journey, segment, rule matches, link reviews, and
    tables added later), and ``quarantine``: rejected import rows that hold
    their id, e-mail or a handle. Unknown id: :class:`~scrm.errors.NotFound`.

    >>> db = store.open_db(":memory:")
    >>> export_person(db, "C1")
    Traceback (most recent call last):
    ...
    scrm.errors.NotFound: No customer has the id 'C1'. Find the id on the Customer 360 or Privacy requests page (search by name or e-mail), then try again.
    """
    person = find_person(db, customer_id)
    rows = _person_rows(db, person)
    customer = _plain(rows.get(S.CUSTOMERS, [{}])[0])
    customer["attributes"] = _parsed_json(customer.get("attributes"))
    links: dict[str, list[dict[str, Any]]] = {}
    for link in rows.get(S.LINKS, []):
        if link["profile_id"] in person.profile_ids and link["customer_id"] == person.customer_id:
            links.setdefault(link["profile_id"], []).append(
                {k: link[k] for k in ("customer_id", "method", "confidence", "status", "evidence", "confirmed_by", "created_at")}
            )
    profiles = [
        {**_plain(p), "links": links.get(p["profile_id"], [])}
        for p in sorted(rows.get(S.PROFILES, []), key=lambda p: p["profile_id"])
    ]
    sentiment = {r["mention_id"]: r for r in rows.get(S.SENTIMENT, [])}
    tags: dict[str, list[str]] = {}
    for t in rows.get(S.MENTION_TAGS, []):
        tags.setdefault(t["mention_id"], []).append(t["tag"])
    mentions = []
    for m in sorted(rows.get(S.MENTIONS, []), key=lambda m: (m.get("posted_at") or "", m["mention_id"])):
        s = sentiment.get(m["mention_id"])
        mentions.append(
            {
                **_plain(m),
                "sentiment": None if s is None else {
                    k: _parsed_json(s.get(k)) for k in ("score", "label", "lang", "words", "model", "model_version")
                },
                "tags": sorted(tags.get(m["mention_id"], [])),
            }
        )
    events: dict[int, list[dict[str, Any]]] = {}
    for e in sorted(rows.get(S.CASE_EVENTS, []), key=lambda e: (e.get("at") or "", e["event_id"])):
        events.setdefault(int(e["case_id"]), []).append(_plain(e))
    cases = [
        {**_plain(c), "events": events.get(int(c["case_id"]), [])}
        for c in sorted(rows.get(S.CASES, []), key=lambda c: c["case_id"])
    ]
    derived = {
        table: [_plain(r) for r in table_rows]
        for table, table_rows in sorted(rows.items())
        if table not in _OWN
    }
    quarantined = _quarantined(db, person)
    if quarantined:
        derived[S.QUARANTINE] = [
            _plain(dict(zip([c[0] for c in cursor.description], row, strict=True)))
            for part in _chunks(quarantined)
            for cursor in [db.execute(f"SELECT * FROM {S.QUARANTINE} WHERE quarantine_id IN ({_marks(part)})", list(part))]
            for row in cursor.fetchall()
        ]
        derived = dict(sorted(derived.items()))
    return {
        "format": FORMAT,
        "exported_at": store.utcnow(),
        "customer": customer,
        "profiles": profiles,
        "mentions": mentions,
        "orders": sorted((_plain(o) for o in rows.get(S.ORDERS, [])), key=lambda o: (o.get("ordered_at") or "", o["order_id"])),
        "surveys": sorted((_plain(s) for s in rows.get(S.SURVEYS, [])), key=lambda s: (s.get("answered_at") or "", s["survey_id"])),
        "cases": cases,
        "derived": derived,
    }


def record_export(
    db: sqlite_utils.Database, customer_id: str, counts: dict[str, int], *, actor: str, role: str | None = None
) -> int:
    """An export of one person in the audit log: the customer id and how many rows of each kind, never a value."""
    return audit.record(
        db, audit.EXPORT, actor=actor, role=role, target=f"customer:{customer_id}",
        detail={"what": "person export", "format": FORMAT, **{k: int(v) for k, v in counts.items()}},
    )


def export_counts(data: dict[str, Any]) -> dict[str, int]:
    """Rows per part of an export (what the audit log keeps of it)."""
    return {k: len(data[k]) for k in ("profiles", "mentions", "orders", "surveys", "cases")}


def to_json(data: dict[str, Any]) -> str:
    """An export as indented UTF-8 JSON text."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def export_person_json(db: sqlite_utils.Database, customer_id: str, *, actor: str, role: str | None = None) -> str:
    """:func:`export_person` as indented JSON text, recorded in the audit log as an export."""
    data = export_person(db, customer_id)
    record_export(db, data["customer"]["customer_id"], export_counts(data), actor=actor, role=role)
    return to_json(data)


def find_customers(db: sqlite_utils.Database, text: str, limit: int = 20) -> pd.DataFrame:
    """Customers whose id is ``text``, then those whose name, e-mail or handle contains it.

    :func:`scrm.db.search.search_customers` with an exact id match first
    (a request often quotes the id). Columns: customer_id, name, email, city,
    account, matched_on.
    """
    from scrm.db.search import search_customers

    found = search_customers(db, text, limit)
    needle = (text or "").strip()
    if not needle:
        return found
    row = db.execute(
        f"SELECT customer_id, name, email, city, account FROM {S.CUSTOMERS} WHERE customer_id = ?", [needle]
    ).fetchone()
    if row is None:
        return found
    exact = pd.DataFrame([[*row, "id"]], columns=["customer_id", "name", "email", "city", "account", "matched_on"])
    rest = found[found["customer_id"] != needle]
    return pd.concat([exact.astype(object), rest.astype(object)], ignore_index=True).head(limit)


def held_counts(db: sqlite_utils.Database, customer_id: str) -> dict[str, int]:
    """Rows held about the customer per table (what an erasure deletes); tables with none left out."""
    person = find_person(db, customer_id)
    return {t: len(ids) for t, ids in sorted(_planned_deletions(db, person).items())}


# --- erasure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureSummary:
    """What an erasure did (or, ``dry_run``, would do): rows deleted and rows swept, per table."""

    reference: str
    deleted: dict[str, int]
    swept: dict[str, int]
    dry_run: bool = False
    checkpointed: bool = False
    terms: int = 0

    @property
    def total_deleted(self) -> int:
        return sum(self.deleted.values())

    @property
    def total_swept(self) -> int:
        return sum(self.swept.values())

    def summary(self) -> str:
        """One sentence for the CLI and the page."""
        verb = "Would delete" if self.dry_run else "Deleted"
        parts = ", ".join(f"{n:,} {t}" for t, n in self.deleted.items() if n) or "no row"
        swept = ", ".join(f"{n:,} in {t}" for t, n in self.swept.items() if n)
        text = f"{verb} {self.total_deleted:,} rows ({parts})"
        if swept:
            text += f"; {'would replace' if self.dry_run else 'replaced'} the person's name, e-mail or handles by {ERASED} in {self.total_swept:,} other rows ({swept})"
        if not self.dry_run:
            text += f". Reference {self.reference}."
        else:
            text += "."
        return text


# Scripts written without spaces between words: there a name is found anywhere.
_UNSPACED = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR")


def _spaced(ch: str) -> bool:
    return not any(script in unicodedata.name(ch, "") for script in _UNSPACED)


def _term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern of the terms as whole words (and as JSON escapes them)."""
    variants: set[str] = set()
    for term in terms:
        variants.add(term)
        escaped = json.dumps(term)[1:-1]
        if escaped != term:
            variants.add(escaped)  # "Chlo\u00e9" inside JSON written with ensure_ascii
    if not variants:
        return None
    pieces = []
    for v in sorted(variants, key=lambda v: (-len(v), v)):
        # Not inside a longer word, e-mail or handle: "ana" never erases "banana",
        # and @chloe never erases @chloe_smith (another person).
        before = r"(?<![\w.+\-])" if _spaced(v[0]) else ""
        after = r"(?![\w\-])(?!\.\w)(?!@\w)" if _spaced(v[-1]) else ""
        pieces.append(f"{before}{re.escape(v)}{after}")
    return re.compile("|".join(pieces), re.IGNORECASE)


_ID_KEYS = ("customer_id", "other_customer_id", "profile_id", "mention_id")


def _prune_json(value: Any, person: Person) -> tuple[Any, bool]:
    """``value`` without the objects that are the person's rows (e.g. an alert's driver mentions)."""
    if isinstance(value, dict):
        for key in _ID_KEYS:
            v = value.get(key)
            if isinstance(v, str) and (
                (key in _CUSTOMER_COLUMNS and v == person.customer_id)
                or (key == "profile_id" and v in person.profile_ids)
                or (key == "mention_id" and v in person.mention_ids)
            ):
                return None, True
        changed = False
        out: dict[str, Any] = {}
        for k, v in value.items():
            new, c = _prune_json(v, person)
            changed |= c
            if new is not None or not c:
                out[k] = new
        return out, changed
    if isinstance(value, list):
        items = []
        changed = False
        for v in value:
            new, c = _prune_json(v, person)
            changed |= c
            if not (c and new is None):
                items.append(new)
        return items, changed
    return value, False


def _cleaner(person: Person) -> Callable[[Any], Any]:
    pattern = _term_pattern(person.terms)
    ids = [person.customer_id, *person.profile_ids, *person.mention_ids]

    def clean(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value
        if text[:1] in "{[" and any(i in text for i in ids):
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            if data is not None:
                pruned, changed = _prune_json(data, person)
                if changed:
                    text = json.dumps(pruned, ensure_ascii=False)
        if pattern is not None:
            text = pattern.sub(ERASED, text)
        return text

    return clean


# Columns the sweep never rewrites. Keys identify rows (a rewritten key would
# collide or break a join; the person's own keyed rows are deleted instead).
# The name, e-mail and handles of ANOTHER customer record, and another
# profile's handle as its mentions spell it, belong to that other person (a
# namesake, or a duplicate record to erase on its own request).
_NOT_SWEPT: dict[str, frozenset[str]] = {
    S.CUSTOMERS: frozenset({"name", "email", *S.HANDLE_PLATFORMS}),
    S.PROFILES: frozenset({"handle"}),
    S.MENTIONS: frozenset({"author"}),
}


def _swept_columns(db: sqlite_utils.Database, table: str) -> list[str]:
    skip = _NOT_SWEPT.get(table, frozenset())
    if dialect.is_postgres(db):  # text columns outside the primary key
        rows = db.execute(
            "SELECT c.column_name FROM information_schema.columns c WHERE c.table_schema = current_schema() "
            "AND c.table_name = ? AND c.data_type IN ('text', 'character varying') AND c.column_name NOT IN ("
            "SELECT k.column_name FROM information_schema.table_constraints t "
            "JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name "
            "AND k.table_schema = t.table_schema AND k.table_name = t.table_name "
            "WHERE t.table_schema = current_schema() AND t.table_name = ? AND t.constraint_type = 'PRIMARY KEY') "
            "ORDER BY c.ordinal_position",
            [table, table],
        ).fetchall()
        return [str(r[0]) for r in rows if str(r[0]) not in skip]
    info = db.execute(f'PRAGMA table_info("{table}")').fetchall()  # sqlite-only
    # A table without a declared key has pk 0 everywhere; rowid tables' keys are pk > 0.
    return [str(r[1]) for r in info if int(r[5]) == 0 and str(r[1]) not in skip]


_ASCII_RUN = re.compile(r"[\x20-\x7e]{" + str(MIN_TERM_CHARS) + ",}")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _prefilter(db: sqlite_utils.Database, person: Person) -> tuple[str, list[Any]] | None:
    """A cheap SQL condition on ``{c}`` that every cell the sweep changes passes (None: no cheap one).

    SQLite's LIKE folds ASCII case, so each value's longest ASCII run is a
    sound filter; only the cells that pass are handed to Python.
    """
    runs: set[str] = set()
    for term in person.terms:
        for variant in {term, json.dumps(term)[1:-1]}:
            found = _ASCII_RUN.findall(variant)
            if not found:
                return None
            runs.add(max(found, key=len).casefold())
    pieces = [dialect.like_ci(db, "{c}", "?", escape=True) for _ in sorted(runs)]
    params: list[Any] = [_like(r) for r in sorted(runs)]
    # JSON that may hold the person's rows as objects: {"mention_id": ...}.
    ids = [person.customer_id, *person.profile_ids, *person.mention_ids]
    id_key = dialect.position(db, "'_id\"'", "{c}")
    json_rows = "(substr({c}, 1, 1) IN ('{{', '[') AND " + id_key + " > 0"
    if len(ids) <= 200:
        json_rows += " AND (" + " OR ".join(f"{dialect.position(db, '?', '{c}')} > 0" for _ in ids) + ")"
        params.extend(ids)
    pieces.append(json_rows + ")")
    return "(" + " OR ".join(pieces) + ")", params


def _sweep(db: sqlite_utils.Database, person: Person, *, write: bool) -> dict[str, int]:
    """Rows of every table whose text still holds the person's values (rewritten when ``write``), per table."""
    counts: dict[str, int] = {}
    if dialect.is_postgres(db):
        clean = _cleaner(person)
        for query in _sweep_queries(db, person):
            changes = _pg_sweep_changes(db, query, clean)
            if write:
                for tid, values in changes.items():
                    sets = ", ".join(f'"{c}" = ?' for c in values)
                    db.execute(f'UPDATE "{query.table}" SET {sets} WHERE ctid = CAST(? AS tid)', [*values.values(), tid])
            if changes:
                counts[query.table] = len(changes)
        return counts
    for query in _sweep_queries(db, person):
        if write:
            sets = ", ".join(
                f'"{c}" = CASE WHEN {condition} THEN scrm_gdpr_clean("{c}") ELSE "{c}" END'
                for c, condition, _ in query.cells
            )
            set_params = [p for _, _, params in query.cells for p in params]
            n = db.execute(f'UPDATE "{query.table}" SET {sets} WHERE {query.where}', set_params + query.params).rowcount
        else:
            n = int(db.execute(f'SELECT count(*) FROM "{query.table}" WHERE {query.where}', query.params).fetchone()[0])
        if n:
            counts[query.table] = int(n)
    return counts


def _pg_sweep_changes(
    db: sqlite_utils.Database, query: _SweepQuery, clean: Callable[[str], str]
) -> dict[str, dict[str, str]]:
    """PostgreSQL's sweep: per row (by ctid) the cleaned value of each cell whose condition holds and that changes."""
    flags = ", ".join(f'CASE WHEN ({condition}) THEN 1 ELSE 0 END, "{c}"' for c, condition, _ in query.cells)
    rows = db.execute(
        f'SELECT CAST(ctid AS TEXT), {flags} FROM "{query.table}" WHERE {query.where}', query.params + query.params
    ).fetchall()
    changes: dict[str, dict[str, str]] = {}
    for row in rows:
        for i, (c, _, _) in enumerate(query.cells):
            flag, value = row[1 + 2 * i], row[2 + 2 * i]
            if flag == 1 and isinstance(value, str) and (cleaned := clean(value)) != value:
                changes.setdefault(str(row[0]), {})[c] = cleaned
    return changes


# Identity cells of another person's confirmed profile: someone with the same
# name or e-mail whose profile is linked to another customer keeps them.
_OTHER_LINKED = f"(SELECT profile_id FROM {S.LINKS} WHERE status = '{S.LINKED}' AND customer_id <> ?)"
_PROTECTED: dict[tuple[str, str], str] = {
    (S.PROFILES, "display_name"): f"profile_id IN {_OTHER_LINKED}",
    (S.PROFILES, "email"): f"profile_id IN {_OTHER_LINKED}",
    (S.MENTIONS, "author_name"): f"{_MENTION_PROFILE_SQL} IN {_OTHER_LINKED}",
    (S.MENTIONS, "author_email"): f"{_MENTION_PROFILE_SQL} IN {_OTHER_LINKED}",
}


@dataclass(frozen=True)
class _SweepQuery:
    """One table's sweep: per column ``(name, condition, params)``, and their OR as ``where``."""

    table: str
    cells: list[tuple[str, str, list[Any]]]

    @property
    def where(self) -> str:
        return " OR ".join(f"({condition})" for _, condition, _ in self.cells)

    @property
    def params(self) -> list[Any]:
        return [p for _, _, params in self.cells for p in params]


def _sweep_queries(db: sqlite_utils.Database, person: Person) -> list[_SweepQuery]:
    """Per table, the SQL conditions of the cells the sweep changes."""
    clean = _cleaner(person)
    postgres = dialect.is_postgres(db)
    if not postgres:  # PostgreSQL runs no Python: _pg_sweep_changes applies the same test to the cells these select
        db.conn.create_function("scrm_gdpr_hit", 1, lambda v: isinstance(v, str) and clean(v) != v)
        db.conn.create_function("scrm_gdpr_clean", 1, clean)
    cheap = _prefilter(db, person)
    queries = []
    for table in _tables(db):
        cells: list[tuple[str, str, list[Any]]] = []
        for c in _swept_columns(db, table):
            quoted = f'"{c}"'
            # The type test and LIKE run in C: Python sees only the text cells that may hold a value.
            condition = dialect.is_text(db, quoted)
            params: list[Any] = []
            if cheap is not None:
                condition += " AND " + cheap[0].format(c=quoted)
                params.extend(cheap[1])
            if not postgres:
                condition += f" AND scrm_gdpr_hit({quoted})"
            if (table, c) in _PROTECTED:
                condition = f"NOT ({_PROTECTED[(table, c)]}) AND {condition}"
                params.insert(0, person.customer_id)
            cells.append((c, condition, params))
        if cells:
            queries.append(_SweepQuery(table, cells))
    return queries


def _planned_deletions(db: sqlite_utils.Database, person: Person) -> dict[str, set[Any]]:
    """Keys (rowids, or primary-key tuples) of the rows to delete, per table."""
    plan: dict[str, set[Any]] = {}
    for table in _tables(db):
        if table in _KEPT:
            continue
        pieces = _row_filters(person, table, _columns(db, table))
        rowids = _rowids(db, table, pieces) if pieces else set()
        if table == S.QUARANTINE:
            rowids |= _quarantine_keys(db, _quarantined(db, person))
        if rowids:
            plan[table] = rowids
    return plan


def _quarantine_keys(db: sqlite_utils.Database, ids: list[int]) -> set[Any]:
    """The row keys of quarantined rows: on SQLite quarantine_id is the rowid; on PostgreSQL their ctids."""
    if not dialect.is_postgres(db):
        return set(ids)
    found: set[Any] = set()
    for part in _chunks(sorted(ids)):
        found |= {
            (str(r[0]),)
            for r in db.execute(
                f"SELECT CAST(ctid AS TEXT) FROM {S.QUARANTINE} WHERE quarantine_id IN ({_marks(part)})", list(part)
            )
        }
    return found


def preview_erasure(db: sqlite_utils.Database, customer_id: str, *, sweep: bool = True) -> ErasureSummary:
    """What :func:`erase_person` would delete and sweep, without writing anything."""
    person = find_person(db, customer_id)
    plan = _planned_deletions(db, person)
    deleted = {t: len(ids) for t, ids in sorted(plan.items())}
    swept = _sweep_preview(db, person, plan) if sweep else {}
    return ErasureSummary(reference="", deleted=deleted, swept=swept, dry_run=True, terms=len(person.terms))


def _sweep_preview(db: sqlite_utils.Database, person: Person, plan: dict[str, set[Any]]) -> dict[str, int]:
    # Rows that will be deleted are not "swept": count the hits outside them.
    hits: dict[str, int] = {}
    postgres = dialect.is_postgres(db)
    clean = _cleaner(person)
    for query in _sweep_queries(db, person):
        keys = _key_columns(db, query.table)
        select = _select_keys(keys)
        found = [(tid,) for tid in _pg_sweep_changes(db, query, clean)] if postgres else [
            int(r[0]) if keys == ["rowid"] else tuple(r)
            for r in db.execute(f'SELECT {select} FROM "{query.table}" WHERE {query.where}', query.params).fetchall()
        ]
        gone = plan.get(query.table, set())
        n = sum(1 for r in found if r not in gone)
        if n:
            hits[query.table] = n
    return hits


def _compact(db: sqlite_utils.Database, tables: Iterable[str] = ()) -> bool:
    """VACUUM, then fold the WAL into the file and truncate it; False when another connection prevented it.

    ``secure_delete`` zeroes what this run deletes; VACUUM also rewrites every
    page, so older copies of the person's values that earlier updates left in
    free space or on the free list are gone too.

    On PostgreSQL a deleted or updated row stays in its page (and its index
    entries, the search vector's among them) until vacuumed, and a plain
    VACUUM only marks the space free: ``VACUUM FULL`` of each touched table
    rewrites it and its indexes into new files, leaving no readable copy in
    the database. It runs outside a transaction and waits for readers of the
    table; False when it could not run.
    """
    if dialect.is_postgres(db):
        try:
            for table in sorted(set(tables)):
                db.execute(f'VACUUM FULL "{table}"')
        except Exception as e:  # noqa: BLE001 - a busy table must not fail an erasure that has committed
            log.warning("could not vacuum the database after an erasure: %s", e)
            return False
        return True
    try:
        db.execute("VACUUM")
        row = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as e:
        log.warning("could not compact the database after an erasure: %s", e)
        return False
    return bool(row is None or int(row[0]) == 0)


class _SecureDelete:
    """``PRAGMA secure_delete = ON`` for a block: freed pages and cells are zeroed, not left behind."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.before = 0

    def __enter__(self) -> None:
        if dialect.is_postgres(self.db):
            return  # no such setting: _compact's VACUUM FULL rewrites the touched tables instead
        self.before = int(self.db.execute("PRAGMA secure_delete").fetchone()[0])
        self.db.execute("PRAGMA secure_delete = ON")

    def __exit__(self, *exc: object) -> None:
        if dialect.is_postgres(self.db):
            return
        self.db.execute(f"PRAGMA secure_delete = {int(self.before)}")


def _refresh_search_index(db: sqlite_utils.Database) -> None:
    """Rebuild the full-text index of mentions when there is one: it keeps the words of erased texts."""
    from scrm.db import search

    if search.FTS_TABLE not in _virtual_tables(db):
        return
    if search.FTS_STATE in db.table_names():
        db.execute(f'DELETE FROM "{search.FTS_STATE}"')  # forces a rebuild, not an append
    search.refresh_index(db)


def erase_person(
    db: sqlite_utils.Database,
    customer_id: str,
    *,
    actor: str,
    role: str | None = None,
    dry_run: bool = False,
    compact: bool = True,
) -> ErasureSummary:
    """Erase one customer across every table, in one transaction; return the counts.

    Deletes the customer, their linked profiles (and the profiles of the
    handles on their record), those profiles' mentions, and every row of any
    table that names the customer, one of those profiles or mentions, or one
    of their cases (sentiment, tags, rule matches, cases and case events,
    links, link reviews, quarantined rows, derived tables). Then sweeps every
    remaining text cell of every table: the person's e-mail, full name and
    handles, as whole words and in any case, become ``[erased]``; JSON
    objects that are the person's rows (an alert's driver mention) are
    removed from their lists. The full-text index is rebuilt, the run uses
    ``PRAGMA secure_delete``; after the commit ``compact`` runs VACUUM and a
    WAL checkpoint (TRUNCATE), so no copy lingers in free pages or the WAL.

    The audit log gets one ``erase`` entry with the counts and a random
    reference (returned), never the erased values. ``dry_run`` is
    :func:`preview_erasure`. Unknown id: :class:`~scrm.errors.NotFound`.
    """
    if dry_run:
        return preview_erasure(db, customer_id)
    if db.conn.in_transaction:
        raise ConfigError(Message("erase_person runs its own transaction; call it outside another write."))
    reference = "erasure-" + secrets.token_hex(6)
    with _SecureDelete(db):
        with store.transaction(db):
            person = find_person(db, customer_id)
            plan = _planned_deletions(db, person)
            deleted: dict[str, int] = {}
            for table, keys in sorted(plan.items()):
                deleted[table] = _delete(db, table, keys)
            swept = _sweep(db, person, write=True)
            _refresh_search_index(db)
            # Stored page answers (scrm.views.data) may hold the person's id and figures: drop them all.
            if S.PAGE_SUMMARIES in db.table_names():
                db.execute(f"DELETE FROM {S.PAGE_SUMMARIES}")
            audit.record(
                db, audit.ERASE, actor=actor, role=role, target=reference,
                detail={"deleted": deleted, "swept": swept, "values_swept": len(person.terms)},
            )
        checkpointed = _compact(db, [*deleted, *swept]) if compact else False
    log.info("erasure %s: %d rows deleted, %d swept", reference, sum(deleted.values()), sum(swept.values()))
    return ErasureSummary(
        reference=reference, deleted=deleted, swept=swept, checkpointed=checkpointed, terms=len(person.terms)
    )


# --- retention -------------------------------------------------------------------------------


def retention_months(db: sqlite_utils.Database) -> int | None:
    """The retention setting in months (meta ``retention_months``), None to keep everything."""
    value = store.get_meta(db, RETENTION_KEY)
    if value is None or not value.strip():
        return None
    try:
        months = int(value)
    except ValueError:
        return None
    return months if months >= 1 else None


def check_months(months: object) -> int:
    """``months`` as a whole number of months, 1 or more; a ConfigError says how to fix it."""
    try:
        value = int(str(months).strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(Message(
            "Retention must be a whole number of months, 1 or more (got '{months}'). For example: 24.", {"months": str(months)}
        ))
    return value


def set_retention_months(db: sqlite_utils.Database, months: int | None, *, actor: str, role: str | None = None) -> None:
    """Store the retention setting (None: keep everything) and record it in the audit log."""
    value = "" if months is None else str(check_months(months))
    with store.transaction(db):
        store.set_meta(db, RETENTION_KEY, value)
        audit.record(
            db, audit.SETTINGS, actor=actor, role=role, target=RETENTION_KEY,
            detail={"retention_months": None if months is None else int(value)},
        )


def retention_cutoff(months: int, now: datetime | str | None = None) -> str:
    """The UTC timestamp ``months`` calendar months before ``now``: older mentions are purged.

    >>> retention_cutoff(3, "2024-05-31T10:00:00")
    '2024-02-29T10:00:00'
    """
    months = check_months(months)
    if now is None:
        moment = datetime.now(UTC)
    elif isinstance(now, str):
        moment = datetime.fromisoformat(now)
    else:
        moment = now
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    # The last day of the target month when the day does not exist there (31 May - 3 months).
    next_first = datetime(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_first - datetime(year, month, 1)).days
    cut = moment.replace(year=year, month=month, day=min(moment.day, last_day))
    return cut.strftime("%Y-%m-%dT%H:%M:%S")


def count_mentions_older_than(db: sqlite_utils.Database, months: int, *, now: datetime | str | None = None) -> int:
    """How many mentions a purge at ``months`` would delete (the preview)."""
    cutoff = retention_cutoff(months, now)
    return int(db.execute(f"SELECT count(*) FROM {S.MENTIONS} WHERE posted_at < ?", [cutoff]).fetchone()[0])


@dataclass(frozen=True)
class PurgeSummary:
    """What a retention purge deleted: mentions, dependent rows per table, cases detached."""

    cutoff: str
    mentions: int
    deleted: dict[str, int] = field(default_factory=dict)
    cases_detached: int = 0


def purge(
    db: sqlite_utils.Database,
    months: int,
    *,
    actor: str,
    role: str | None = None,
    now: datetime | str | None = None,
    compact: bool = True,
) -> PurgeSummary:
    """Delete mentions posted more than ``months`` months ago, with all that hangs on them.

    Their sentiment, tags, rule matches, full-text entries and derived rows
    (any table with a ``mention_id`` column) go too; cases keep their record
    with ``mention_id`` set to NULL. One transaction under ``secure_delete``,
    then (``compact``) VACUUM and a WAL checkpoint; one ``purge`` entry in the audit log.
    """
    cutoff = retention_cutoff(months, now)
    old = f"SELECT mention_id FROM {S.MENTIONS} WHERE posted_at < ?"
    deleted: dict[str, int] = {}
    with _SecureDelete(db):
        with store.transaction(db):
            detached = 0
            if S.CASES in db.table_names():
                detached = db.execute(
                    f"UPDATE {S.CASES} SET mention_id = NULL WHERE mention_id IN ({old})", [cutoff]
                ).rowcount
            for table in _tables(db):
                if table in (S.MENTIONS, S.CASES, *_KEPT) or _MENTION_COLUMN not in _columns(db, table):
                    continue
                n = db.execute(f'DELETE FROM "{table}" WHERE "{_MENTION_COLUMN}" IN ({old})', [cutoff]).rowcount
                if n:
                    deleted[table] = int(n)
            mentions = int(db.execute(f"DELETE FROM {S.MENTIONS} WHERE posted_at < ?", [cutoff]).rowcount)
            if mentions:
                _refresh_search_index(db)
            audit.record(
                db, audit.PURGE, actor=actor, role=role, target=S.MENTIONS,
                detail={"months": int(months), "cutoff": cutoff, "mentions": mentions, "deleted": deleted,
                        "cases_detached": int(detached)},
            )
        if compact and mentions:
            _compact(db, [*deleted, S.MENTIONS, *([S.CASES] if detached else [])])
    return PurgeSummary(cutoff=cutoff, mentions=mentions, deleted=deleted, cases_detached=int(detached))


def purge_mentions_older_than(
    db: sqlite_utils.Database, months: int, *, actor: str, role: str | None = None, now: datetime | str | None = None
) -> int:
    """:func:`purge` returning the number of mentions deleted."""
    return purge(db, months, actor=actor, role=role, now=now).mentions
