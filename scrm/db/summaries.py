"""Compact aggregates that answer any filter of the dashboard in milliseconds.

At a million mentions, a date range, brand, platform, language or segment
never asked before used to mean reading every mention of the range into a
frame. These tables hold the same facts summed per day and per value of each
filter, so a KPI of the dictionary (:mod:`scrm.views.kpis`) over any range
and any filter is a sum over a few thousand rows:

- ``sum_mentions``: inbound mentions (not by a brand account) per day x brand
  x platform x detected language x sentiment label, with their likes, shares,
  replies and the engagement and followers of those with a follower count;
- ``sum_orders``: orders per day x segment x currency x linked (the customer
  has a linked social profile) x known (the order has a customer), with how
  many have an amount and the sum of the amounts, in their own currency;
- ``sum_clients``: customers created per day x segment (day '' when the
  creation date is unknown), and customers whose first order ever is that day;
- ``sum_surveys``: valid survey answers (0 to 10) per day x segment, promoters
  (9-10) and detractors (0-6);
- ``sum_authors``: one row per author and day x brand x platform x language,
  with the author's largest follower count that day: unique authors and reach
  count each author once across the days of any range;
- ``sum_buyers``: one row per customer and day (and their segment), with their
  orders that day: active customers, purchase frequency, repeat and churn rates;
- ``sum_answers``: mentions a brand is expected to answer per day x brand x
  platform x language x answered x minutes to the brand's first reply: the
  response rate and the median reply time;
- ``sum_topics``: themed inbound mentions (``mention_topics``) per day x brand
  x platform x language x sentiment label x theme, with the sum and count of
  their sentiment scores: the Overview's theme movers and the Listening themes;
- ``sum_voices``: inbound mentions per day x brand x platform x language x
  author as written, with their labelled, positive and negative counts and the
  largest follower count: the author and segment movers and the top authors,
  each reader keying the author its own way; ``sum_speakers`` holds each
  voice's mentions and labelled mentions over every day (rebuilt whole from it);
- ``sum_places``: inbound mentions per day x brand x platform x language x
  location text (trimmed), with their labelled, positive and negative counts;
- ``sum_modes``: every mention, brand accounts' own included, per day x brand x
  platform x language x communication mode x kind: the Listening page's modes.

A blank brand, platform, language, label or currency is '' and a customer
without a segment is segment -1, so that every key is a plain value on SQLite
and PostgreSQL. Days are the first ten characters of the stored ISO
timestamps (UTC); rows without a date are left out (a range always has dates).

The people tables are not sums: a range's distinct authors or customers are
the distinct keys of its rows, counted by the reader (:mod:`scrm.views.kpis`),
so those KPIs are exact too. Authors are keyed as the KPI dictionary keys them
(handle lowercased, without leading @), worked out here in Python so that the
key is the dictionary's on either engine.

The summaries stage (:func:`refresh`) keeps them: after an import or a
collection it rebuilds only the days the new rows touched; when the segments,
the links, the sentiment model or the corrections changed, it rebuilds all.
``sum_topics`` is rebuilt whole on every refresh that changes anything, and
when the themes of the mentions changed (the topics stage reassigns every
mention's theme when it runs, also after a change of settings).

>>> from scrm.db import store
>>> db = store.open_db(":memory:")
>>> refresh(db)["mode"]
'full'
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.db import pg, store
from scrm.db import schema as S
from scrm.db.filters import Filters

log = logging.getLogger(__name__)

TABLES: tuple[str, ...] = (
    S.SUMMARY_MENTIONS, S.SUMMARY_ORDERS, S.SUMMARY_CUSTOMERS, S.SUMMARY_SURVEYS, S.SUMMARY_AUTHORS, S.SUMMARY_BUYERS,
    S.SUMMARY_ANSWERS, S.SUMMARY_TOPICS, S.SUMMARY_VOICES, S.SUMMARY_SPEAKERS,
    S.SUMMARY_PLACES, S.SUMMARY_MODES,
)
# Kinds of inbound mentions a brand is expected to answer: scrm.views.kpis.ANSWERABLE_KINDS, a floor
# above (the test suite checks that both agree).
ANSWERABLE_KINDS = ("post", "review", "dm")
# Covering indexes: the readers' range scans on the people tables read the index alone.
INDEXES: dict[str, tuple[str, ...]] = {
    S.SUMMARY_AUTHORS: ("day", "person", "named", "followers", "platform", "brand", "lang"),
    S.SUMMARY_BUYERS: ("day", "segment", "person", "orders"),
    S.SUMMARY_ANSWERS: ("day", "brand", "answered", "minutes", "mentions", "platform", "lang"),
    S.SUMMARY_TOPICS: ("day", "topic_id", "label", "mentions", "score_sum", "score_n", "brand", "platform", "lang"),
    S.SUMMARY_VOICES: (
        "day", "voice", "profile_id", "no_author", "author", "platform", "mentions", "scored", "positive", "negative",
        "followers", "brand", "lang",
    ),
    S.SUMMARY_SPEAKERS: ("mentions", "scored", "voice"),
    S.SUMMARY_PLACES: ("day", "location", "mentions", "scored", "positive", "negative", "brand", "platform", "lang"),
    S.SUMMARY_MODES: ("day", "mode", "kind", "by_people", "by_brand", "brand", "platform", "lang"),
}
# An author's profile id, as scrm.analysis.roles.profile_id_sql spells it (a floor above: the test
# suite checks that both agree). Kept beside the author so that erasing a person finds their rows.
PROFILE_ID_SQL = "coalesce(nullif(lower(trim(m.platform)), ''), 'other') || ':' || lower(ltrim(trim(m.author), '@'))"
# Mention rows turned into author rows at a time (a million at once would sit in memory whole).
CHUNK = 200_000
NO_SEGMENT = -1
Progress = Callable[[float, str], None]


def _quote(name: str) -> str:
    return f'"{name}"'


def ensure_tables(db: sqlite_utils.Database) -> bool:
    """Create the summary tables that are missing (a database migrated before they existed);
    True when one was missing (the summaries must then be built whole)."""
    have = set(db.table_names())
    created = False
    postgres = store.is_postgres(db)
    for table in TABLES:
        if table in have:
            continue
        created = True
        columns = ", ".join(
            f"{_quote(c)} {pg.postgres_type(t) if postgres else t}" for c, t in S.STORED_COLUMNS[table].items()
        )
        keys = S.PRIMARY_KEYS[table]
        key_list = [keys] if isinstance(keys, str) else list(keys)
        db.execute(f"CREATE TABLE IF NOT EXISTS {_quote(table)} ({columns}, PRIMARY KEY ({', '.join(map(_quote, key_list))}))")
    _create_indexes(db)
    return created


# A second covering index led by the author key: the movers sum a few thousand authors (the loudest,
# or the linked ones) by seeking each one's days instead of reading every author of the range.
BY_VOICE = (
    "voice", "day", "no_author", "mentions", "scored", "positive", "negative", "brand", "platform", "lang", "author",
    "no_platform",
)


def _indexes() -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, table, columns) of every index of the summary tables."""
    return [(table + "_read", table, indexed) for table, indexed in INDEXES.items()] + [
        (S.SUMMARY_VOICES + "_by_voice", S.SUMMARY_VOICES, BY_VOICE)
    ]


def _create_indexes(db: sqlite_utils.Database) -> None:
    for name, table, indexed in _indexes():
        db.execute(f"CREATE INDEX IF NOT EXISTS {_quote(name)} ON {_quote(table)} ({', '.join(map(_quote, indexed))})")


# --- building ------------------------------------------------------------------------------


def _day_clause(column: str, first: str | None, last: str | None, params: list[Any]) -> str:
    clause = f"{column} IS NOT NULL"
    if first is not None:
        clause += f" AND substr({column}, 1, 10) >= ?"
        params.append(first)
    if last is not None:
        clause += f" AND substr({column}, 1, 10) <= ?"
        params.append(last)
    return clause


def _segment_sql(customer: str) -> str:
    return f"coalesce((SELECT sg.segment_id FROM {S.SEGMENTS} sg WHERE sg.customer_id = {customer}), {NO_SEGMENT})"


def _fill(db: sqlite_utils.Database, first: str | None, last: str | None, *, customers: bool = True) -> None:
    """Recompute the rows of the days ``first``..``last`` (None: open end) inside the caller's transaction."""
    has_segments = store.table_exists(db, S.SEGMENTS)
    segment = _segment_sql if has_segments else (lambda customer: str(NO_SEGMENT))
    rebuild = first is None and last is None
    if rebuild:
        # Built whole, an index costs less made once after the rows than kept up row by row.
        for name, _, _ in _indexes():
            db.execute(f"DROP INDEX IF EXISTS {_quote(name)}")
    dated = (
        S.SUMMARY_MENTIONS, S.SUMMARY_ORDERS, S.SUMMARY_SURVEYS, S.SUMMARY_AUTHORS, S.SUMMARY_BUYERS, S.SUMMARY_ANSWERS,
        S.SUMMARY_VOICES, S.SUMMARY_PLACES, S.SUMMARY_MODES,
    )
    for table, column in ((t, "day") for t in dated):
        params: list[Any] = []
        where = "1 = 1"
        if first is not None:
            where += f" AND {column} >= ?"
            params.append(first)
        if last is not None:
            where += f" AND {column} <= ?"
            params.append(last)
        db.execute(f"DELETE FROM {table} WHERE {where}", params)

    params = []
    days = _day_clause("m.posted_at", first, last, params)
    db.execute(
        f"""INSERT INTO {S.SUMMARY_MENTIONS} (day, brand, platform, lang, label, mentions, likes, shares, replies, engaged, followers)
        SELECT substr(m.posted_at, 1, 10), coalesce(m.brand, ''), coalesce(m.platform, ''), coalesce(s.lang, ''),
            coalesce(s.label, ''), count(*), sum(coalesce(m.likes, 0)), sum(coalesce(m.shares, 0)),
            sum(coalesce(m.replies, 0)),
            sum(CASE WHEN m.author_followers > 0 THEN coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.replies, 0) ELSE 0 END),
            sum(CASE WHEN m.author_followers > 0 THEN m.author_followers ELSE 0 END)
        FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        WHERE coalesce(m.from_brand, 0) != 1 AND {days}
        GROUP BY substr(m.posted_at, 1, 10), coalesce(m.brand, ''), coalesce(m.platform, ''), coalesce(s.lang, ''),
            coalesce(s.label, '')""",
        params,
    )
    params = [S.LINKED]
    days = _day_clause("o.ordered_at", first, last, params)
    db.execute(
        f"""INSERT INTO {S.SUMMARY_ORDERS} (day, segment, currency, linked, known, orders, priced, amount)
        SELECT day, segment, currency, linked, known, count(*), count(amount), coalesce(sum(amount), 0) FROM (
            SELECT substr(o.ordered_at, 1, 10) AS day, {segment('o.customer_id')} AS segment,
                upper(trim(coalesce(o.currency, ''))) AS currency,
                CASE WHEN o.customer_id IN (SELECT l.customer_id FROM {S.LINKS} l WHERE l.status = ?) THEN 1 ELSE 0 END AS linked,
                CASE WHEN o.customer_id IS NULL THEN 0 ELSE 1 END AS known, o.amount AS amount
            FROM {S.ORDERS} o WHERE {days}
        ) x GROUP BY day, segment, currency, linked, known""",
        params,
    )
    params = []
    days = _day_clause("v.answered_at", first, last, params)
    db.execute(
        f"""INSERT INTO {S.SUMMARY_SURVEYS} (day, segment, answers, promoters, detractors)
        SELECT day, segment, count(*), sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END), sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END)
        FROM (
            SELECT substr(v.answered_at, 1, 10) AS day, {segment('v.customer_id')} AS segment,
                CAST(v.score AS DOUBLE PRECISION) AS score
            FROM {S.SURVEYS} v WHERE {days} AND v.score IS NOT NULL
        ) x WHERE score >= 0 AND score <= 10 GROUP BY day, segment""",
        params,
    )
    params = []
    days = _day_clause("o.ordered_at", first, last, params)
    buyers = store.read_frame(
        db,
        f"""SELECT day, segment, customer_id, count(*) AS orders FROM (
            SELECT substr(o.ordered_at, 1, 10) AS day, {segment('o.customer_id')} AS segment, o.customer_id
            FROM {S.ORDERS} o WHERE o.customer_id IS NOT NULL AND {days}
        ) x GROUP BY day, segment, customer_id""",
        params,
    )
    if not buyers.empty:
        buyers["person"] = _person_ids(db, S.SUMMARY_BUYERS, "customer_id", buyers["customer_id"].astype(str), rebuild)
        _insert(db, S.SUMMARY_BUYERS, buyers)
    _fill_authors(db, first, last)
    _fill_answers(db, first, last)
    _fill_voices(db, first, last)
    # Each voice over every day, summed again whole from sum_voices (a few hundred thousand rows).
    db.execute(f"DELETE FROM {S.SUMMARY_SPEAKERS}")
    db.execute(
        f"INSERT INTO {S.SUMMARY_SPEAKERS} (voice, profile_id, mentions, scored) "
        f"SELECT voice, max(profile_id), sum(mentions), sum(scored) FROM {S.SUMMARY_VOICES} WHERE voice IS NOT NULL GROUP BY voice"
    )
    _fill_places_and_modes(db, first, last)
    _fill_topics(db)
    if rebuild:
        _create_indexes(db)
    if customers:
        _fill_customers(db, segment)


def _frames(db: sqlite_utils.Database, sql: str, params: list[Any]) -> Iterator[pd.DataFrame]:
    """The rows of ``sql`` as frames of at most :data:`CHUNK` rows, built as the KPI frames are (the same
    string type, so the same string methods)."""
    cursor = db.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    while rows := cursor.fetchmany(CHUNK):
        yield pd.DataFrame.from_records(rows, columns=columns)


def _insert(db: sqlite_utils.Database, table: str, frame: pd.DataFrame) -> None:
    """Append ``frame``'s rows to ``table``, whose days were emptied first (COPY on PostgreSQL)."""
    if frame.empty:
        return
    # Python values, NULL for NaN (numpy scalars are no SQL parameters).
    plain = frame.astype(object).where(frame.notna(), None)
    store.upsert_rows(db, table, list(frame.columns), list(plain.itertuples(index=False, name=None)), fresh=True)


def _person_ids(db: sqlite_utils.Database, table: str, key_sql: str, keys: pd.Series, emptied: bool) -> pd.Series:
    """A number per distinct key: the one the rows of other days already give it, else a new one.

    ``emptied``: the table holds no row (a full rebuild), so every key is new."""
    known: dict[str, int] = {}
    if not emptied:
        known = {str(k): int(v) for k, v in db.execute(f"SELECT {key_sql}, min(person) FROM {table} GROUP BY {key_sql}")}
    ids = keys.map(known)
    new = ids.isna()
    if new.any():
        codes, _ = pd.factorize(keys[new])
        ids[new] = codes + (max(known.values(), default=-1) + 1)
    return ids.astype("int64")


def _fill_authors(db: sqlite_utils.Database, first: str | None, last: str | None) -> None:
    """One row per author and day x brand x platform x language with their largest follower count.

    The author key and the "named" test are those of :func:`scrm.views.kpis._unique_authors` and
    ``_reach``, computed with the same pandas string methods, so that they are the same on either engine.
    """
    params: list[Any] = []
    days = _day_clause("m.posted_at", first, last, params)
    sql = f"""SELECT substr(m.posted_at, 1, 10) AS day, coalesce(m.brand, '') AS brand, coalesce(m.platform, '') AS platform,
            coalesce(s.lang, '') AS lang, m.author, coalesce({PROFILE_ID_SQL}, '') AS profile_id, m.author_followers
        FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        WHERE coalesce(m.from_brand, 0) != 1 AND {days}"""
    keys = ["day", "brand", "platform", "lang", "author", "named", "profile_id"]
    parts = []
    for chunk in _frames(db, sql, params):
        raw = chunk["author"].fillna("").astype(str)
        chunk = chunk.assign(
            author=raw.str.lower().str.lstrip("@"),
            named=(raw.str.strip().str.lstrip("@") != "").astype("int64"),
            followers=pd.to_numeric(chunk["author_followers"], errors="coerce").astype("float64"),
        )
        parts.append(chunk.groupby(keys, sort=False)["followers"].max().reset_index())
    if parts:
        rows = pd.concat(parts, ignore_index=True).groupby(keys, sort=True)["followers"].max().reset_index()
        emptied = first is None and last is None
        rows["person"] = _person_ids(db, S.SUMMARY_AUTHORS, "platform || ':' || author", rows["platform"] + ":" + rows["author"], emptied)
        _insert(db, S.SUMMARY_AUTHORS, rows)


def _fill_answers(db: sqlite_utils.Database, first: str | None, last: str | None) -> None:
    """The answerable inbound mentions per day x brand x platform x language x answered x reply minutes.

    Minutes are worked out as :func:`scrm.views.kpis._first_response_minutes` does: from the
    mention to the first reply by a brand account (replies after the range count).
    """
    params: list[Any] = list(ANSWERABLE_KINDS)
    days = _day_clause("m.posted_at", first, last, params)
    kinds = ", ".join("?" for _ in ANSWERABLE_KINDS)
    source = f"""FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        LEFT JOIN (SELECT in_reply_to, min(posted_at) AS replied FROM {S.MENTIONS}
                   WHERE from_brand = 1 AND in_reply_to IS NOT NULL AND posted_at IS NOT NULL GROUP BY in_reply_to) r
            ON r.in_reply_to = m.mention_id
        WHERE coalesce(m.from_brand, 0) != 1 AND (m.kind IS NULL OR m.kind IN ({kinds})) AND {days}"""
    dimensions = "substr(m.posted_at, 1, 10), coalesce(m.brand, ''), coalesce(m.platform, ''), coalesce(s.lang, '')"
    # The unanswered ones are counts (summed in the database); the answered ones get their minutes here.
    db.execute(
        f"""INSERT INTO {S.SUMMARY_ANSWERS} (day, brand, platform, lang, answered, minutes, mentions)
        SELECT {dimensions}, 0, 0.0, count(*) {source} AND r.replied IS NULL GROUP BY {dimensions}""",
        params,
    )
    sql = f"""SELECT substr(m.posted_at, 1, 10) AS day, coalesce(m.brand, '') AS brand, coalesce(m.platform, '') AS platform,
            coalesce(s.lang, '') AS lang, m.posted_at, r.replied {source} AND r.replied IS NOT NULL"""
    keys = ["day", "brand", "platform", "lang", "answered", "minutes"]
    parts = []
    for chunk in _frames(db, sql, params):
        asked = pd.to_datetime(chunk["posted_at"], format="ISO8601")
        replied = pd.to_datetime(chunk["replied"].to_numpy(), format="ISO8601")
        minutes = ((replied - pd.DatetimeIndex(asked)).total_seconds() / 60.0).to_numpy()
        chunk = chunk.assign(answered=1, minutes=minutes)
        parts.append(chunk.groupby(keys, sort=False).size().rename("mentions").reset_index())
    if parts:
        rows = pd.concat(parts, ignore_index=True).groupby(keys, sort=True)["mentions"].sum().reset_index()
        _insert(db, S.SUMMARY_ANSWERS, rows)


# The Overview movers' author key (scrm.views.overview.top_movers), on the blanks the summaries store.
VOICE_SQL = "lower(m.platform) || ':' || lower(ltrim(trim(coalesce(m.author, '')), '@'))"


def _fill_voices(db: sqlite_utils.Database, first: str | None, last: str | None) -> None:
    """Inbound mentions per day x brand x platform x language x author as written, with their labels."""
    params: list[Any] = []
    days = _day_clause("m.posted_at", first, last, params)
    dimensions = (
        "substr(m.posted_at, 1, 10), coalesce(m.brand, ''), coalesce(m.platform, ''), coalesce(s.lang, ''), "
        "coalesce(m.author, ''), CASE WHEN m.author IS NULL THEN 1 ELSE 0 END, CASE WHEN m.platform IS NULL THEN 1 ELSE 0 END"
    )
    db.execute(
        f"""INSERT INTO {S.SUMMARY_VOICES} (day, brand, platform, lang, author, no_author, no_platform, voice, profile_id,
            mentions, scored, positive, negative, followers)
        SELECT {dimensions}, max({VOICE_SQL}), max({PROFILE_ID_SQL}), count(*),
            sum(CASE WHEN s.label IN ('positive', 'neutral', 'negative') THEN 1 ELSE 0 END),
            sum(CASE WHEN s.label = 'positive' THEN 1 ELSE 0 END), sum(CASE WHEN s.label = 'negative' THEN 1 ELSE 0 END),
            max(coalesce(m.author_followers, 0))
        FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        WHERE coalesce(m.from_brand, 0) != 1 AND {days}
        GROUP BY {dimensions}""",
        params,
    )


# A mention's communication mode (scrm.views.listening.communication_modes): private first, since a
# private reply is still a one-to-one conversation.
MODE_SQL = """CASE
        WHEN lower(coalesce(m.visibility, '')) = 'private' OR lower(coalesce(m.kind, '')) = 'dm' THEN 'one-to-one'
        WHEN lower(coalesce(m.kind, '')) IN ('reply', 'share')
             OR (coalesce(m.kind, '') = '' AND coalesce(m.in_reply_to, '') <> '') THEN 'one-to-one-to-many'
        ELSE 'one-to-many' END"""
MODE_KIND_SQL = "coalesce(nullif(lower(trim(m.kind)), ''), 'post')"


def _fill_places_and_modes(db: sqlite_utils.Database, first: str | None, last: str | None) -> None:
    """Inbound mentions per location text, and every mention per communication mode and kind."""
    params: list[Any] = []
    days = _day_clause("m.posted_at", first, last, params)
    source = f"FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id"
    common = "substr(m.posted_at, 1, 10), coalesce(m.brand, ''), coalesce(m.platform, ''), coalesce(s.lang, '')"
    place = f"{common}, trim(coalesce(m.location, ''))"
    db.execute(
        f"""INSERT INTO {S.SUMMARY_PLACES} (day, brand, platform, lang, location, mentions, scored, positive, negative)
        SELECT {place}, count(*), sum(CASE WHEN s.label IN ('positive', 'neutral', 'negative') THEN 1 ELSE 0 END),
            sum(CASE WHEN s.label = 'positive' THEN 1 ELSE 0 END), sum(CASE WHEN s.label = 'negative' THEN 1 ELSE 0 END)
        {source} WHERE coalesce(m.from_brand, 0) = 0 AND {days} GROUP BY {place}""",
        params,
    )
    mode = f"{common}, {MODE_SQL}, {MODE_KIND_SQL}"
    db.execute(
        f"""INSERT INTO {S.SUMMARY_MODES} (day, brand, platform, lang, mode, kind, by_people, by_brand)
        SELECT {mode}, sum(CASE WHEN coalesce(m.from_brand, 0) = 0 THEN 1 ELSE 0 END),
            sum(CASE WHEN coalesce(m.from_brand, 0) <> 0 THEN 1 ELSE 0 END)
        {source} WHERE {days} GROUP BY {mode}""",
        params,
    )


def _fill_topics(db: sqlite_utils.Database) -> None:
    """Themed inbound mentions per day x brand x platform x language x label x theme, rebuilt whole (the
    topics stage rewrites every mention's theme when it runs); empty before themes are computed."""
    db.execute(f"DELETE FROM {S.SUMMARY_TOPICS}")
    if not store.table_exists(db, S.MENTION_TOPICS):
        return
    dimensions = (
        "substr(m.posted_at, 1, 10), coalesce(m.brand, ''), coalesce(m.platform, ''), coalesce(s.lang, ''), "
        "coalesce(s.label, ''), CAST(mt.topic_id AS TEXT)"
    )
    db.execute(
        f"""INSERT INTO {S.SUMMARY_TOPICS} (day, brand, platform, lang, label, topic_id, mentions, score_sum, score_n)
        SELECT {dimensions}, count(*), sum(s.score), count(s.score)
        FROM {S.MENTION_TOPICS} mt JOIN {S.MENTIONS} m ON m.mention_id = mt.mention_id
        LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id
        WHERE coalesce(m.from_brand, 0) != 1 AND m.posted_at IS NOT NULL AND mt.topic_id IS NOT NULL
        GROUP BY {dimensions}"""
    )


def _fill_customers(db: sqlite_utils.Database, segment: Callable[[str], str]) -> None:
    """Customers per creation day and per first-order day: small (one row per day and segment), rebuilt whole."""
    db.execute(f"DELETE FROM {S.SUMMARY_CUSTOMERS}")
    db.execute(
        f"""INSERT INTO {S.SUMMARY_CUSTOMERS} (day, segment, created, first_orders)
        SELECT day, segment, sum(created), sum(first_orders) FROM (
            SELECT coalesce(substr(c.created_at, 1, 10), '') AS day, {segment('c.customer_id')} AS segment,
                1 AS created, 0 AS first_orders
            FROM {S.CUSTOMERS} c
            UNION ALL
            SELECT substr(f.first_at, 1, 10), {segment('f.customer_id')}, 0, 1
            FROM (SELECT customer_id, min(ordered_at) AS first_at FROM {S.ORDERS}
                  WHERE customer_id IS NOT NULL AND ordered_at IS NOT NULL GROUP BY customer_id) f
        ) x GROUP BY day, segment"""
    )


def _fingerprint(db: sqlite_utils.Database, sql: str) -> str:
    """A short digest of a query's rows (in the query's order)."""
    digest = hashlib.sha256()
    cursor = db.execute(sql)
    while rows := cursor.fetchmany(50_000):
        digest.update(json.dumps(rows, default=str).encode())
    return digest.hexdigest()[:16]


def _inputs(db: sqlite_utils.Database) -> dict[str, Any]:
    """What the summaries depend on besides the rows' own days: any change here rebuilds them all."""
    segments = (
        _fingerprint(db, f"SELECT customer_id, segment_id FROM {S.SEGMENTS} ORDER BY customer_id")
        if store.table_exists(db, S.SEGMENTS) else ""
    )
    return {
        "segments": segments,
        "links": _fingerprint(db, f"SELECT customer_id FROM {S.LINKS} WHERE status = '{S.LINKED}' ORDER BY customer_id, profile_id"),
        "corrections": _fingerprint(db, f"SELECT mention_id, label FROM {S.SENTIMENT_CORRECTIONS} ORDER BY mention_id"),
        "models": _fingerprint(db, f"SELECT DISTINCT model, model_version FROM {S.SENTIMENT} ORDER BY 1, 2"),
        "customers": db.execute(f"SELECT count(*) FROM {S.CUSTOMERS}").fetchone()[0],
    }


def _themes(db: sqlite_utils.Database) -> str:
    """A digest of every mention's theme: ``sum_topics`` follows a new assignment even when no row changed."""
    if not store.table_exists(db, S.MENTION_TOPICS):
        return ""
    return _fingerprint(db, f"SELECT mention_id, topic_id FROM {S.MENTION_TOPICS} ORDER BY mention_id")


def _touched_days(db: sqlite_utils.Database, since_import: int) -> tuple[str | None, str | None, int]:
    """The first and last day of the rows imported or collected after ``since_import``, and the newest import id."""
    first: str | None = None
    last: str | None = None
    newest = since_import
    for table, column in ((S.MENTIONS, "posted_at"), (S.ORDERS, "ordered_at"), (S.SURVEYS, "answered_at")):
        lo, hi, top = db.execute(
            f"SELECT min(substr({column}, 1, 10)), max(substr({column}, 1, 10)), max(import_id) FROM {table} "
            f"WHERE import_id > ?",
            [since_import],
        ).fetchone()
        if lo is not None:
            first = lo if first is None else min(first, lo)
            last = hi if last is None else max(last, hi)
        if top is not None:
            newest = max(newest, int(top))
    # A new brand reply answers a mention of an older day: that day's answers change too.
    lo, hi = db.execute(
        f"SELECT min(substr(m.posted_at, 1, 10)), max(substr(m.posted_at, 1, 10)) FROM {S.MENTIONS} m "
        f"WHERE m.mention_id IN (SELECT r.in_reply_to FROM {S.MENTIONS} r WHERE r.import_id > ? AND r.from_brand = 1)",
        [since_import],
    ).fetchone()
    if lo is not None:
        first = lo if first is None else min(first, lo)
        last = hi if last is None else max(last, hi)
    return first, last, newest


def _newest_import(db: sqlite_utils.Database) -> int:
    return max(
        int(db.execute(f"SELECT coalesce(max(import_id), 0) FROM {table}").fetchone()[0] or 0)
        for table in (S.MENTIONS, S.ORDERS, S.SURVEYS)
    )


def refresh(db: sqlite_utils.Database, *, progress: Progress | None = None, full: bool = False) -> dict[str, Any]:
    """Bring the summaries up to date; returns ``{"mode": "full" | "days" | "none", "first_day", "last_day", "rows"}``.

    Incremental when only new rows arrived since the last refresh (a new import or
    collection, recognised by its import id): the days those rows fall on are
    recomputed, nothing else. A row gone or added without an import id (an
    erasure, a purge, the demo) and any change of segments, links, corrections,
    sentiment models or customers rebuild everything. ``full`` forces the rebuild.
    """
    report = progress or (lambda fraction, message: None)
    full = ensure_tables(db) or full
    inputs = _inputs(db)
    raw = store.get_meta(db, S.META_SUMMARIES_STATE)
    state: dict[str, Any] = json.loads(raw) if raw else {}
    # A table the last refresh did not build (one added to schema 5 since, created empty when the
    # file was opened) is built with all the others.
    full = full or state.get("tables") != list(TABLES)
    # Rows without an import id, and rows older than the last refresh, are counted: an erasure, a
    # retention purge or a hand-made row moves these counts, and only a full rebuild follows them.
    since = int(state.get("import_id", 0))
    older = {
        table: int(db.execute(f"SELECT count(*) FROM {table} WHERE import_id IS NULL OR import_id <= ?", [since]).fetchone()[0])
        for table in (S.MENTIONS, S.ORDERS, S.SURVEYS)
    }
    mode = "full"
    first = last = None
    if not full and state.get("inputs") == inputs and state.get("rows") == older:
        first, last, newest = _touched_days(db, since)
        mode = "none" if first is None else "days"
    else:
        newest = _newest_import(db)
    themes = _themes(db)
    with store.transaction(db, bump=False):
        if mode == "full":
            report(0.1, "summing every day")
            _fill(db, None, None)
        elif mode == "days":
            report(0.1, f"summing the days {first} to {last}")
            _fill(db, first, last)
        elif state.get("themes") != themes:
            report(0.1, "summing the themes")
            _fill_topics(db)
        state = {
            "inputs": inputs, "import_id": newest, "tables": list(TABLES), "themes": themes,
            "rows": {
                table: int(db.execute(f"SELECT count(*) FROM {table} WHERE import_id IS NULL OR import_id <= ?", [newest]).fetchone()[0])
                for table in (S.MENTIONS, S.ORDERS, S.SURVEYS)
            },
        }
        db.execute(
            f"INSERT INTO {S.META} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [S.META_SUMMARIES_STATE, json.dumps(state, sort_keys=True)],
        )
    rows = int(db.execute(f"SELECT count(*) FROM {S.SUMMARY_MENTIONS}").fetchone()[0])
    report(1.0, f"{mode}: {rows:,} mention rows")
    log.info("summaries: %s refresh (%s to %s), %d mention rows", mode, first, last, rows)
    return {"mode": mode, "first_day": first, "last_day": last, "rows": rows}


# --- reading ---------------------------------------------------------------------------------


def _in(column: str, values: Sequence[Any], params: list[Any]) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def mention_days(
    db: sqlite_utils.Database, first: str, last: str, *, platforms: Sequence[str] = (), langs: Sequence[str] = ()
) -> list[tuple[Any, ...]]:
    """Rows ``(day, brand, label, mentions, likes, shares, replies, engaged, followers)`` of the days
    ``first``..``last`` under the platform and language filters, summed over the other dimensions.

    The brand stays a column: share of voice ignores the brand filter, the other KPIs apply it.
    """
    params: list[Any] = [first, last]
    where = "day >= ? AND day <= ?"
    if platforms:
        where += " AND " + _in("platform", platforms, params)
    if langs:
        where += " AND " + _in("lang", langs, params)
    return db.execute(
        f"SELECT day, brand, label, sum(mentions), sum(likes), sum(shares), sum(replies), sum(engaged), sum(followers) "
        f"FROM {S.SUMMARY_MENTIONS} WHERE {where} GROUP BY day, brand, label",
        params,
    ).fetchall()


def _segment_where(segment: int | None, params: list[Any]) -> str:
    if segment is None:
        return ""
    params.append(segment)
    return " AND segment = ?"


def order_days(db: sqlite_utils.Database, first: str, last: str, *, segment: int | None = None) -> list[tuple[Any, ...]]:
    """Rows ``(day, currency, linked, known, orders, priced, amount)`` of the days ``first``..``last``."""
    params: list[Any] = [first, last]
    where = "day >= ? AND day <= ?" + _segment_where(segment, params)
    return db.execute(
        f"SELECT day, currency, linked, known, sum(orders), sum(priced), sum(amount) FROM {S.SUMMARY_ORDERS} "
        f"WHERE {where} GROUP BY day, currency, linked, known",
        params,
    ).fetchall()


def survey_days(db: sqlite_utils.Database, first: str, last: str, *, segment: int | None = None) -> list[tuple[Any, ...]]:
    """Rows ``(day, answers, promoters, detractors)`` of the days ``first``..``last``."""
    params: list[Any] = [first, last]
    where = "day >= ? AND day <= ?" + _segment_where(segment, params)
    return db.execute(
        f"SELECT day, sum(answers), sum(promoters), sum(detractors) FROM {S.SUMMARY_SURVEYS} WHERE {where} GROUP BY day",
        params,
    ).fetchall()


def customer_days(db: sqlite_utils.Database, *, segment: int | None = None) -> list[tuple[Any, ...]]:
    """Rows ``(day, created, first_orders)`` of every day ('' for customers without a creation date)."""
    params: list[Any] = []
    where = "1 = 1" + _segment_where(segment, params)
    return db.execute(
        f"SELECT day, sum(created), sum(first_orders) FROM {S.SUMMARY_CUSTOMERS} WHERE {where} GROUP BY day", params
    ).fetchall()


def _mention_filters(
    first: str, last: str, brands: Sequence[str], platforms: Sequence[str], langs: Sequence[str]
) -> tuple[str, list[Any]]:
    params: list[Any] = [first, last]
    where = "day >= ? AND day <= ?"
    for column, values in (("brand", brands), ("platform", platforms), ("lang", langs)):
        if values:
            where += " AND " + _in(column, values, params)
    return where, params


def filter_where(f: Filters, alias: str) -> tuple[str, list[Any]]:
    """A WHERE clause (without the keyword) and its parameters keeping the rows of a summary table
    (alias ``alias``) that the mentions under ``f`` fall on: its days, brands, platforms and languages.

    The segment is not a dimension of the mention summaries: the caller applies it or ignores it.

    >>> filter_where(Filters(date_from="2026-01-01", date_to="2026-01-31", platforms=("reddit",)), "v")
    ('v.day >= ? AND v.day <= ? AND v.platform IN (?)', ['2026-01-01', '2026-01-31', 'reddit'])
    """
    params: list[Any] = []
    clauses = []
    if f.date_from:
        clauses.append(f"{alias}.day >= ?")
        params.append(f.date_from)
    if f.date_to:
        clauses.append(f"{alias}.day <= ?")
        params.append(f.date_to)
    for column, values in (("brand", f.brands), ("platform", f.platforms), ("lang", f.langs)):
        if values:
            clauses.append(_in(f"{alias}.{column}", values, params))
    return " AND ".join(clauses) or "1 = 1", params


# A day as the number YYYYMMDD: a reader turns numbers into arrays ten times faster than text.
DAY_NUMBER = "CAST(replace(day, '-', '') AS INTEGER)"


def author_days(
    db: sqlite_utils.Database, first: str, last: str, *,
    brands: Sequence[str] = (), platforms: Sequence[str] = (), langs: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Rows ``(day, person, named, followers)`` of the days ``first``..``last`` under the filters,
    sorted by day (a number YYYYMMDD); person numbers the KPI dictionary's author key
    ``platform:handle``, followers is the day's largest count.

    An author has a row per brand and language of the day: the reader counts distinct keys and
    takes largest counts, which repeats do not change (grouping here cost more than it saved)."""
    where, params = _mention_filters(first, last, brands, platforms, langs)
    return db.execute(
        f"SELECT {DAY_NUMBER}, person, named, followers FROM {S.SUMMARY_AUTHORS} WHERE {where} ORDER BY day",
        params,
    ).fetchall()


def buyer_days(db: sqlite_utils.Database, first: str, last: str, *, segment: int | None = None) -> list[tuple[Any, ...]]:
    """Rows ``(day, person, orders)`` of the days ``first``..``last``, sorted by day (a number YYYYMMDD;
    person numbers the customer)."""
    params: list[Any] = [first, last]
    where = "day >= ? AND day <= ?" + _segment_where(segment, params)
    return db.execute(
        f"SELECT {DAY_NUMBER}, person, orders FROM {S.SUMMARY_BUYERS} WHERE {where} ORDER BY day", params
    ).fetchall()


def answer_days(
    db: sqlite_utils.Database, first: str, last: str, *,
    brands: Sequence[str] = (), platforms: Sequence[str] = (), langs: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Rows ``(day, brand, answered, minutes, mentions)`` of the days ``first``..``last`` under the filters."""
    where, params = _mention_filters(first, last, brands, platforms, langs)
    return db.execute(
        f"SELECT day, brand, answered, minutes, sum(mentions) FROM {S.SUMMARY_ANSWERS} "
        f"WHERE {where} GROUP BY day, brand, answered, minutes",
        params,
    ).fetchall()


def is_built(db: sqlite_utils.Database) -> bool:
    """True when the last refresh built every summary table (False after one was added to the schema:
    the file gains it empty, and the next ``score`` must sum it whatever the data version says)."""
    raw = store.get_meta(db, S.META_SUMMARIES_STATE)
    if raw is None or not all(store.table_exists(db, t) for t in TABLES):
        return False
    return bool(json.loads(raw).get("tables") == list(TABLES))


def is_current(db: sqlite_utils.Database) -> bool:
    """True when the summaries stage ran on the data as it is now (no write to the inputs since)."""
    if not is_built(db):
        return False
    return store.get_meta(db, S.META_COMPUTED_VERSION.format(STAGE)) == str(store.input_version(db))


STAGE = "summaries"
