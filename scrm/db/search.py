"""Full-text search over mentions with SQLite FTS5.

The index is a DERIVED virtual table, ``mentions_fts``, over ``mentions.text``
and ``mentions.author`` as an *external content* table (the text is not
copied: the index points at ``mentions`` by rowid). It is kept fresh by
:func:`refresh_index`, which compares a cheap fingerprint of the mentions
(row count, largest rowid, largest import id) with the one it stored:

- unchanged: nothing to do (the common case, a few microseconds);
- only rows appended after the indexed ones (an import of new mentions):
  the new rows are added to the index;
- anything else (rows updated in place, deleted, a new database): the index
  is rebuilt from ``mentions`` (about a second per 100k mentions).

Triggers on ``mentions`` would keep it exact on every write, but they would
add an FTS insert to every imported row and break the import budget; search
is read-time work, so it pays at read time.

The index writes never bump the data version (they change no data, and a
bump would invalidate every cached figure of the app).

User text is never FTS syntax: :func:`to_fts_query` keeps only the words and
quotes each one, so ``"``, ``*``, ``NEAR(``, ``-``, ``AND``/``OR`` or a
column filter like ``author:`` cannot break the query or change its meaning.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.db import dialect, store
from scrm.db import schema as S
from scrm.db.filters import Filters, mentions_where

log = logging.getLogger(__name__)

FTS_TABLE = S.MENTIONS_FTS
# One row per setting of the index; its own table so that the index never
# writes to ``meta`` (whose writes bump the data version).
FTS_STATE = S.MENTIONS_FTS_STATE
DEFAULT_LIMIT = 200
# Words longer than this are not words a person searches for; the cap also
# bounds the size of the MATCH expression built from a pasted text.
MAX_TERMS = 12
MAX_TERM_CHARS = 64

# Letters and digits in any script; everything else (quotes, stars, brackets,
# hyphens, colons) separates words, as the FTS5 unicode61 tokenizer does.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

SENTIMENT_LABELS = S.SENTIMENT_LABELS


@dataclass(frozen=True)
class IndexState:
    """What the index covers: the fingerprint of ``mentions`` when it was last refreshed."""

    rows: int
    max_rowid: int
    max_import_id: int
    # Total length of the texts: tells a database rebuilt with other mentions
    # of the same count from the one indexed (one scan, ~0.1 s per million).
    text_chars: int


@dataclass(frozen=True)
class SearchResult:
    """Matching mentions (newest first, at most ``limit``) and how many matched in all."""

    rows: pd.DataFrame
    total: int
    fts_query: str | None


def to_fts_query(text: str | None) -> str | None:
    """The FTS5 MATCH expression for a user's search text, or None when it has no word.

    Every word is quoted as a string (so FTS keywords and operators are
    plain words) and ends with ``*`` (prefix match: "deliver" finds
    "delivery"); words are joined with spaces, which FTS5 reads as AND.

    >>> to_fts_query('late "delivery* NEAR(x')
    '"late"* "delivery"* "NEAR"* "x"*'
    >>> to_fts_query('  *** "" ') is None
    True
    """
    if not text:
        return None
    words = [w[:MAX_TERM_CHARS] for w in _WORD.findall(str(text))][:MAX_TERMS]
    if not words:
        return None
    # A quote inside a string is written twice in FTS5; _WORD never keeps
    # one, but the rule stays here so a future change of _WORD cannot inject.
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


# --- the index -------------------------------------------------------------------


def _exists(db: sqlite_utils.Database, name: str) -> bool:
    if dialect.is_postgres(db):
        return store.table_exists(db, name)
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone() is not None  # sqlite-only


# --- PostgreSQL: a generated tsvector column with a GIN index ------------------------------------
# The `simple` configuration (no stemming, as FTS5's unicode61) with `unaccent`
# in front, so "malaga" finds "Málaga" as on SQLite. The column is generated,
# so it follows every write and goes with an erased row; only the index pages
# need a VACUUM (see scrm.privacy.requests).

PG_TS_CONFIG = "scrm_search"
_PG_WORD_TOKENS = "word, hword, hword_part, numword, numhword, hword_numpart"


def _pg_vector_ready(db: sqlite_utils.Database) -> bool:
    return S.MENTIONS_SEARCH_VECTOR in dialect.columns(db, S.MENTIONS)


def _pg_ddl(db: sqlite_utils.Database, sql: str) -> None:
    """Run DDL as written: the engine's translation of SQLite types must not touch ``text`` here."""
    db.conn.raw.execute(sql)  # type: ignore[attr-defined]


def _pg_create(db: sqlite_utils.Database) -> None:
    """The text search configuration, the fold function, the generated column and its index (idempotent)."""
    unaccent = True
    try:
        with db.atomic():  # a savepoint: a refused extension must not end the transaction
            _pg_ddl(db, "CREATE EXTENSION IF NOT EXISTS unaccent")
    except Exception as e:  # noqa: BLE001 - any refusal (no privilege, not installed) means: fold without it
        log.warning("PostgreSQL extension unaccent unavailable (%s); search will tell accents apart", e)
        unaccent = False
    if db.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = ?", [PG_TS_CONFIG]).fetchone() is None:
        _pg_ddl(db, f"CREATE TEXT SEARCH CONFIGURATION {PG_TS_CONFIG} (COPY = simple)")
        if unaccent:
            _pg_ddl(
                db,
                f"ALTER TEXT SEARCH CONFIGURATION {PG_TS_CONFIG} ALTER MAPPING FOR {_PG_WORD_TOKENS} WITH unaccent, simple"
            )
    fold = "lower(unaccent(btrim($1)))" if unaccent else "lower(btrim($1))"
    _pg_ddl(db, f"CREATE OR REPLACE FUNCTION {_FOLD}(text) RETURNS text AS $$ SELECT {fold} $$ LANGUAGE sql STABLE")
    if not _pg_vector_ready(db):
        _pg_ddl(
            db,
            f'ALTER TABLE {S.MENTIONS} ADD COLUMN "{S.MENTIONS_SEARCH_VECTOR}" tsvector GENERATED ALWAYS AS '
            f"(to_tsvector('{PG_TS_CONFIG}'::regconfig, coalesce(text, '') || ' ' || coalesce(author, ''))) STORED"
        )
        _pg_ddl(
            db,
            f'CREATE INDEX IF NOT EXISTS "idx_{S.MENTIONS}_search" ON {S.MENTIONS} '
            f'USING gin ("{S.MENTIONS_SEARCH_VECTOR}")'
        )


def _pg_refresh(db: sqlite_utils.Database) -> str:
    if _pg_vector_ready(db) and _pg_fold_ready(db):
        return "unchanged"
    with store.transaction(db, bump=False):
        _pg_create(db)  # under the write lock: another process may have made it meanwhile
    log.info("search index built on PostgreSQL")
    return "rebuilt"


def _pg_fold_ready(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT 1 FROM pg_proc WHERE proname = ?", [_FOLD]).fetchone() is not None


def to_tsquery_text(query: str | None) -> str | None:
    """PostgreSQL's ``to_tsquery`` text for a person's words: every word, as a prefix (None when wordless).

    >>> to_tsquery_text('café "NEAR(x" -y')
    "'café':* & 'near':* & 'x':* & 'y':*"
    """
    if not query:
        return None
    words = [w[:MAX_TERM_CHARS].lower() for w in _WORD.findall(str(query))][:MAX_TERMS]
    if not words:
        return None
    return " & ".join("'" + w.replace("'", "''") + "':*" for w in words)


def _fingerprint(db: sqlite_utils.Database) -> IndexState:
    rows, max_rowid, max_import, chars = db.execute(
        "SELECT count(*), coalesce(max(rowid), 0), coalesce(max(import_id), 0), "
        f"coalesce(sum(length(text)), 0) FROM {S.MENTIONS}"
    ).fetchone()
    return IndexState(int(rows), int(max_rowid), int(max_import), int(chars))


def index_state(db: sqlite_utils.Database) -> IndexState | None:
    """The fingerprint stored with the index, or None when there is no usable index."""
    if not (_exists(db, FTS_TABLE) and _exists(db, FTS_STATE)):
        return None
    row = db.execute(f'SELECT value FROM "{FTS_STATE}" WHERE key = ?', ["fingerprint"]).fetchone()
    if row is None:
        return None
    try:
        data = json.loads(row[0])
        return IndexState(
            int(data["rows"]), int(data["max_rowid"]), int(data["max_import_id"]), int(data["text_chars"])
        )
    except (ValueError, KeyError, TypeError):
        return None


def _save_state(db: sqlite_utils.Database, state: IndexState) -> None:
    value = json.dumps(
        {
            "rows": state.rows, "max_rowid": state.max_rowid, "max_import_id": state.max_import_id,
            "text_chars": state.text_chars,
        }
    )
    db.execute(
        f'INSERT INTO "{FTS_STATE}" (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
        ["fingerprint", value],
    )


def _create(db: sqlite_utils.Database) -> None:
    # A damaged or half-dropped index (e.g. its shadow tables removed by a
    # "start over") is dropped whole and made again.
    try:
        db.execute(f'DROP TABLE IF EXISTS "{FTS_TABLE}"')
    except sqlite3.DatabaseError:
        log.warning("could not drop a damaged search index; dropping its parts")
    for suffix in ("_data", "_idx", "_docsize", "_config", "_content"):
        db.execute(f'DROP TABLE IF EXISTS "{FTS_TABLE}{suffix}"')
    # remove_diacritics 2: "malaga" finds "Málaga", "cafe" finds "café".
    db.execute(
        f'CREATE VIRTUAL TABLE "{FTS_TABLE}" USING fts5(text, author, content="{S.MENTIONS}", '
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute(f'CREATE TABLE IF NOT EXISTS "{FTS_STATE}" (key TEXT PRIMARY KEY, value TEXT)')


def refresh_index(db: sqlite_utils.Database) -> str:
    """Bring ``mentions_fts`` up to date with ``mentions``; return what was done.

    One of ``"unchanged"``, ``"appended"`` or ``"rebuilt"``. Runs in its own
    transaction (or the caller's) and does not change the data version.

    >>> db = store.open_db(":memory:")
    >>> refresh_index(db), refresh_index(db)
    ('rebuilt', 'unchanged')
    """
    if dialect.is_postgres(db):
        return _pg_refresh(db)
    now = _fingerprint(db)
    before = index_state(db)
    if before == now:
        return "unchanged"
    with store.transaction(db, bump=False):
        if (
            before is not None
            and now.max_rowid > before.max_rowid
            and (now.rows - before.rows, now.text_chars - before.text_chars) == _appended(db, before.max_rowid)
            and _updated_since(db, before) == 0
        ):
            # Only new rows since the last refresh: index those alone.
            db.execute(
                f'INSERT INTO "{FTS_TABLE}" (rowid, text, author) '
                f"SELECT rowid, coalesce(text, ''), coalesce(author, '') FROM {S.MENTIONS} WHERE rowid > ?",
                [before.max_rowid],
            )
            action = "appended"
        else:
            _create(db)
            db.execute(f"INSERT INTO \"{FTS_TABLE}\" (\"{FTS_TABLE}\") VALUES ('rebuild')")
            action = "rebuilt"
        _save_state(db, now)
    log.info("search index %s (%d mentions)", action, now.rows)
    return action


def _appended(db: sqlite_utils.Database, rowid: int) -> tuple[int, int]:
    rows, chars = db.execute(
        f"SELECT count(*), coalesce(sum(length(text)), 0) FROM {S.MENTIONS} WHERE rowid > ?", [rowid]
    ).fetchone()
    return int(rows), int(chars)


def _updated_since(db: sqlite_utils.Database, before: IndexState) -> int:
    """Indexed rows rewritten by a later import (an upsert sets the new import id on a changed row)."""
    return int(
        db.execute(
            f"SELECT count(*) FROM {S.MENTIONS} WHERE rowid <= ? AND coalesce(import_id, 0) > ?",
            [before.max_rowid, before.max_import_id],
        ).fetchone()[0]
    )


# --- searching -------------------------------------------------------------------

RESULT_COLUMNS = (
    "mention_id", "posted_at", "platform", "brand", "author", "kind", "label", "score", "text", "confidence",
)


def _sentiment_available(db: sqlite_utils.Database) -> bool:
    return _exists(db, S.SENTIMENT)


def search_mentions(
    db: sqlite_utils.Database,
    query: str | None,
    filters: Filters | None = None,
    limit: int = DEFAULT_LIMIT,
    *,
    labels: Sequence[str] = (),
    kinds: Sequence[str] = (),
    refresh: bool = True,
) -> SearchResult:
    """Mentions whose text or author contains every word of ``query``, newest first.

    ``query`` is a person's text (never FTS syntax, see :func:`to_fts_query`);
    empty or wordless text searches nothing and returns the newest mentions.
    ``filters`` are the dashboard's global filters; ``labels`` keeps sentiment
    labels (``unscored`` = no score yet) and ``kinds`` mention kinds. The
    index is refreshed first when the mentions changed (``refresh=False``:
    the caller has just done it, see :func:`refresh_index`).

    >>> db = store.open_db(":memory:")
    >>> search_mentions(db, 'NEAR("x"').total
    0
    """
    f = filters or Filters()
    fts = to_fts_query(query)
    where, params = mentions_where(f, "m", sentiment_alias="s")
    clauses = [where]
    label_list = [lab for lab in labels if lab in SENTIMENT_LABELS]
    if label_list:
        clauses.append(f"coalesce(s.label, 'unscored') IN ({', '.join('?' for _ in label_list)})")
        params.extend(label_list)
    if kinds:
        clauses.append(f"coalesce(m.kind, 'post') IN ({', '.join('?' for _ in kinds)})")
        params.extend(kinds)
    if fts is not None and dialect.is_postgres(db):
        refresh_index(db)  # on PostgreSQL a cheap check: the column follows every write
        source = f"{S.MENTIONS} m"
        clauses.insert(0, f"m.\"{S.MENTIONS_SEARCH_VECTOR}\" @@ to_tsquery('{PG_TS_CONFIG}', ?)")
        params.insert(0, to_tsquery_text(query))
    elif fts is not None:
        if refresh or index_state(db) is None:
            refresh_index(db)
        source = f'"{FTS_TABLE}" JOIN {S.MENTIONS} m ON m.rowid = "{FTS_TABLE}".rowid'
        clauses.insert(0, f'"{FTS_TABLE}" MATCH ?')
        params.insert(0, fts)
    else:
        source = f"{S.MENTIONS} m"
    sentiment_join = f"LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id"
    where_sql = " AND ".join(clauses)
    total = int(db.execute(f"SELECT count(*) FROM {source} {sentiment_join} WHERE {where_sql}", params).fetchone()[0])
    rows = store.read_frame(
        db,
        f"""SELECT m.mention_id, m.posted_at, m.platform, m.brand, m.author, coalesce(m.kind, 'post') AS kind,
                coalesce(s.label, 'unscored') AS label, s.score, m.text, s.confidence
            FROM {source} {sentiment_join} WHERE {where_sql}
            ORDER BY m.posted_at DESC, m.mention_id LIMIT ?""",
        [*params, int(limit)],
    )
    if rows.empty:
        rows = pd.DataFrame({c: pd.Series(dtype="float64" if c in ("score", "confidence") else object) for c in RESULT_COLUMNS})
    return SearchResult(rows=rows, total=total, fts_query=fts)


def mention_detail(db: sqlite_utils.Database, mention_id: str) -> dict[str, Any] | None:
    """One mention with its sentiment (score, label, language, model) and the words that moved it.

    ``words`` is a DataFrame ``word, weight`` (heaviest first; empty when the
    mention has no score or no word moved it). None when the id is unknown.
    """
    row = db.execute(
        f"""SELECT m.mention_id, m.posted_at, m.platform, m.brand, m.author, m.author_name,
                coalesce(m.kind, 'post') AS kind, m.visibility, m.url, m.location, m.text,
                s.score, coalesce(s.label, 'unscored') AS label, s.lang, s.model, s.model_version, s.words
            FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
            WHERE m.mention_id = ?""",
        [mention_id],
    ).fetchone()
    if row is None:
        return None
    keys = (
        "mention_id", "posted_at", "platform", "brand", "author", "author_name", "kind", "visibility", "url",
        "location", "text", "score", "label", "lang", "model", "model_version", "words",
    )
    detail = dict(zip(keys, row, strict=True))
    detail["words"] = parse_words(detail["words"])
    return detail


def parse_words(value: str | None) -> pd.DataFrame:
    """``sentiment.words`` (JSON list of ``[word, weight]``) as a frame, heaviest first; bad JSON gives none."""
    pairs: list[tuple[str, float]] = []
    try:
        data = json.loads(value) if value else []
    except (TypeError, ValueError):
        data = []
    if isinstance(data, list):
        for item in data:
            if isinstance(item, (list, tuple)) and len(item) == 2:
                try:
                    pairs.append((str(item[0]), float(item[1])))
                except (TypeError, ValueError):
                    continue
    frame = pd.DataFrame(pairs, columns=["word", "weight"]).astype({"word": object, "weight": "float64"})
    order = frame["weight"].abs().sort_values(ascending=False, kind="stable").index
    return frame.loc[order].reset_index(drop=True)


# --- customers: by name, e-mail or handle (the Customer 360 and privacy requests) ---------------------

# Customers a search lists at most.
CUSTOMER_SEARCH_LIMIT = 20
_FOLD = "scrm_fold"


def fold_text(value: object) -> str:
    """Lower-case text without accents, as the search compares it.

    >>> fold_text("  José ÑÚÑEZ ")
    'jose nunez'
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().strip()


def _register_fold(db: sqlite_utils.Database) -> None:
    if dialect.is_postgres(db):  # an SQL function, lower(unaccent(...)), made with the search index
        if not _pg_fold_ready(db):
            refresh_index(db)
        return
    # SQLite's LIKE folds ASCII case only; a Python function folds accents too.
    db.conn.create_function(_FOLD, 1, lambda v: None if v is None else fold_text(v), deterministic=True)


def like_pattern(text: str) -> str:
    """A ``LIKE ... ESCAPE '\\'`` pattern matching ``text`` anywhere, its wildcards taken literally.

    >>> like_pattern("50%_off")
    '%50\\\\%\\\\_off%'
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_customers(db: sqlite_utils.Database, text: str, limit: int = CUSTOMER_SEARCH_LIMIT) -> pd.DataFrame:
    """Customers whose name, e-mail or a handle contains ``text`` (case- and accent-insensitive).

    Handles are those on the customer record (``twitter``, ``instagram``...) and
    those of social profiles linked to the customer (status ``linked``); a
    leading ``@`` is ignored. Best matches first: exact, then starts-with, then
    contains; ties by name. Columns: customer_id, name, email, city, account, matched_on.
    Blank text gives no rows.
    """
    columns = ["customer_id", "name", "email", "city", "account", "matched_on"]
    needle = fold_text(text)
    handle_needle = needle.lstrip("@").strip()
    if not needle or not handle_needle:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    _register_fold(db)
    pattern, handle_pattern = like_pattern(needle), like_pattern(handle_needle)
    handle_cols = [c for c in S.HANDLE_PLATFORMS if c in S.STORED_COLUMNS[S.CUSTOMERS]]
    own_handles = "".join(
        f"""UNION ALL
            SELECT c.customer_id, 'handle', {_FOLD}(ltrim(c.{c}, '@'))
              FROM {S.CUSTOMERS} c WHERE {_FOLD}(ltrim(c.{c}, '@')) LIKE :hpat ESCAPE '\\'
            """
        for c in handle_cols
    )
    sql = f"""
        WITH hits AS (
            SELECT c.customer_id, 'name' AS matched_on, {_FOLD}(c.name) AS value
              FROM {S.CUSTOMERS} c WHERE {_FOLD}(c.name) LIKE :pat ESCAPE '\\'
            UNION ALL
            SELECT c.customer_id, 'e-mail', {_FOLD}(c.email)
              FROM {S.CUSTOMERS} c WHERE {_FOLD}(c.email) LIKE :pat ESCAPE '\\'
            {own_handles}UNION ALL
            SELECT l.customer_id, 'handle', {_FOLD}(p.handle)
              FROM {S.LINKS} l JOIN {S.PROFILES} p ON p.profile_id = l.profile_id
             WHERE l.status = :linked AND {_FOLD}(ltrim(p.handle, '@')) LIKE :hpat ESCAPE '\\'
        ), ranked AS (
            SELECT customer_id, matched_on,
                   CASE WHEN value = :needle OR ltrim(value, '@') = :hneedle THEN 0
                        WHEN value LIKE :start ESCAPE '\\' OR ltrim(value, '@') LIKE :hstart ESCAPE '\\' THEN 1
                        ELSE 2 END AS rank
              FROM hits
        ), best AS (
            SELECT customer_id, min(rank) AS rank, {dialect.string_agg(db, "matched_on", distinct=True)} AS matched_on
              FROM ranked GROUP BY customer_id
        )
        SELECT c.customer_id, c.name, c.email, c.city, c.account, b.matched_on
          FROM best b JOIN {S.CUSTOMERS} c ON c.customer_id = b.customer_id
         ORDER BY b.rank, {_FOLD}(c.name), c.customer_id
         LIMIT :limit
    """
    params = {
        "pat": pattern,
        "hpat": handle_pattern,
        "needle": needle,
        "hneedle": handle_needle,
        "start": like_pattern(needle)[1:],
        "hstart": like_pattern(handle_needle)[1:],
        "linked": S.LINKED,
        "limit": int(limit),
    }
    frame = store.read_frame(db, sql, params).reindex(columns=columns)
    # The engines join the distinct names in different orders; one order for all.
    order = {"name": 0, "e-mail": 1, "handle": 2}
    frame["matched_on"] = [
        ",".join(sorted(str(v).split(","), key=lambda k: order.get(k, 3))) if v is not None else v
        for v in frame["matched_on"]
    ]
    return frame
