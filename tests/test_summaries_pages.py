"""What moved (Overview) and the Listening charts read from the summaries exactly what they read from the mentions.

Property-based like ``test_summaries.py`` (its random small databases: blank
brands and platforms, brand accounts' posts, unscored and anonymous mentions,
handles differing by case, @ and blanks), with themes (some without a subject,
one theme assignment to a theme that is not stored) and social profiles linked
to customers of segments added: every answer from ``sum_topics``,
``sum_voices`` and ``sum_mentions`` must equal the one read from the mentions
for random filters.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_summaries import START, a_filter, build, world

from scrm import compute
from scrm.db import schema as S
from scrm.db import store, summaries
from scrm.db.filters import Filters
from scrm.views import listening as V
from scrm.views import overview as O

TOPICS = pd.DataFrame({
    "topic_id": ["en-1", "es-1", "en-2", "fr-1"],
    "lang": ["en", "es", "en", "fr"],
    "label": ["late delivery", "entrega", "sofa colour", "livraison"],
    "subject": ["delivery", "delivery", None, "delivery"],
    "trend": [1.5, None, 0.5, 2.0],
    "last_4w": [3.0, 1.0, None, 2.0],
    "prev_4w": [2.0, 1.0, None, 1.0],
})
# Profiles as the movers key them (platform as stored, lowercased) and as roles key them.
LINKED_PROFILES = [("twitter:bob", "C0"), ("reddit:bob", "C2"), ("twitter:alice", "C1"), ("twitter:zoë", "C2"), ("twitter:", "C1")]


def add_themes_and_links(db: Any, themes: list[int]) -> None:
    """Theme ``themes[i] % 5`` for mention ``m<i>`` (4: none), links to customers; then the summaries again."""
    mentions = [str(r[0]) for r in db.execute(f"SELECT mention_id FROM {S.MENTIONS} WHERE mention_id LIKE 'm%'")]
    ids = ["en-1", "es-1", "en-2", "xx-9", None]  # xx-9 is not a stored theme
    rows = [(m, ids[themes[int(m[1:]) % len(themes)] % 5]) for m in mentions] if themes else []
    assignments = pd.DataFrame([(m, t, 1.0) for m, t in rows if t is not None], columns=["mention_id", "topic_id", "weight"])
    store.replace_table(db, S.TOPICS, TOPICS)
    store.replace_table(db, S.MENTION_TOPICS, assignments.astype({"mention_id": object, "topic_id": object, "weight": float}))
    with store.transaction(db):
        store.upsert_rows(db, S.LINKS, ["profile_id", "customer_id", "status"], [(p, c, S.LINKED) for p, c in LINKED_PROFILES])
    profiles = pd.DataFrame({"segment_id": [0, 1, 2], "description": ["high value", "new", None]})
    store.replace_table(db, S.SEGMENT_PROFILES, profiles.astype({"segment_id": "int64", "description": object}))
    # Places and communication modes: locations as people write them, private and public replies.
    with store.transaction(db):
        db.execute(
            f"""UPDATE {S.MENTIONS} SET location = CASE WHEN mention_id LIKE '%0' OR mention_id LIKE '%3' THEN ' London, UK'
                    WHEN mention_id LIKE '%1' OR mention_id LIKE '%4' THEN 'Somewhere up north' ELSE NULL END,
                visibility = CASE WHEN mention_id LIKE '%1' THEN 'private' ELSE NULL END,
                in_reply_to = coalesce(in_reply_to, CASE WHEN mention_id LIKE '%2' THEN 'm0' ELSE NULL END)"""
        )
    summaries.refresh(db, full=True)  # rows edited in place (no new import): summed again whole
    compute.run_all(db, stages=(summaries.STAGE,))


@contextlib.contextmanager
def without_summaries() -> Iterator[None]:
    """The readers' direct path: as if the summaries were stale."""
    current = summaries.is_current
    summaries.is_current = lambda db: False  # type: ignore[assignment]
    try:
        yield
    finally:
        summaries.is_current = current  # type: ignore[assignment]


@contextlib.contextmanager
def loudest(n: int) -> Iterator[None]:
    """Author movers summed for the ``n`` loudest authors first."""
    before = O.LOUD_AUTHORS
    O.LOUD_AUTHORS = n
    try:
        yield
    finally:
        O.LOUD_AUTHORS = before


def both(read: Any) -> tuple[Any, Any]:
    fast = read()
    with without_summaries():
        slow = read()
    return fast, slow


def same_frame(fast: pd.DataFrame, slow: pd.DataFrame, what: object) -> None:
    assert list(fast.columns) == list(slow.columns), what
    # Types too (PostgreSQL sums integers as numeric), but for empty answers: an author mover that cannot
    # rank is not read at all, and its empty frame is typed as any empty answer is.
    pd.testing.assert_frame_equal(
        fast.reset_index(drop=True), slow.reset_index(drop=True), check_dtype=not slow.empty, check_exact=False,
        rtol=1e-9, obj=str(what),
    )


def filters_of(p: dict[str, Any]) -> Filters:
    first, last = (START + dt.timedelta(days=d) for d in p["span"])
    return Filters(first.isoformat(), last.isoformat(), tuple(p["brands"]), tuple(p["platforms"]), tuple(p["langs"]), p["segment"])


def check_pages(w: dict[str, Any], themes: list[int], picks: list[dict[str, Any]]) -> None:
    db = build(w)
    add_themes_and_links(db, themes)
    assert summaries.is_current(db)
    for p in picks:
        f = filters_of(p)
        periods = O.resolve_periods(db, f)
        assert periods is not None
        for kind in O.MOVER_KINDS:
            for by, least in (("volume", 10), ("sentiment", 1), ("sentiment", 0)):
                # Every author summed, or the loudest one or two first (then the others when they could still rank).
                for loud in (O.LOUD_AUTHORS, 1, 2):
                    with loudest(loud):
                        fast, slow = both(lambda: O.top_movers(db, f, periods, kind, by=by, n=3, min_scored=least))  # noqa: B023
                    same_frame(fast, slow, (kind, by, least, loud, f))
        for by in ("platform", "brand"):
            for period in ("week", "day"):
                fast, slow = both(lambda: V.volume_over_time(db, f, by=by, period=period))  # noqa: B023
                same_frame(fast, slow, (by, period, f))
        for name, read in (
            ("share of voice", lambda: V.share_of_voice(db, f)),  # noqa: B023
            ("themes", lambda: V.topic_summary(db, f)),  # noqa: B023
            ("subjects", lambda: V.subject_summary(db, f)),  # noqa: B023
            ("authors", lambda: V.top_authors(db, f, 4)),  # noqa: B023
            ("widest reach", lambda: V.top_authors(db, f, 4, rank_by="followers")),  # noqa: B023
            ("undated", lambda: V.top_authors(db, dataclasses.replace(f, date_from=None, date_to=None), 4)),  # noqa: B023
            ("places", lambda: V.mention_places(db, f).places),  # noqa: B023
            ("unplaced", lambda: V.mention_places(db, f).unplaced),  # noqa: B023
            ("place counts", lambda: pd.DataFrame([dataclasses.astuple(V.mention_places(db, f))[2:]])),  # noqa: B023
            ("modes", lambda: V.communication_modes(db, f)),  # noqa: B023
            ("undated modes", lambda: V.communication_modes(db, dataclasses.replace(f, date_from=None, date_to=None))),  # noqa: B023
        ):
            fast, slow = both(read)
            same_frame(fast, slow, (name, f))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=world, themes=st.lists(st.integers(0, 4), max_size=12), picks=st.lists(a_filter, min_size=1, max_size=2))
def test_what_moved_and_the_listening_charts_from_the_summaries_equal_the_reads_of_the_mentions(
    w: dict[str, Any], themes: list[int], picks: list[dict[str, Any]]
) -> None:
    check_pages(w, themes, picks)


def test_new_themes_without_a_new_row_reach_the_theme_summary(fresh_db: Any) -> None:
    db = fresh_db
    with store.transaction(db):
        store.upsert_rows(
            db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "brand", "import_id"],
            [("m1", "twitter", "bob", "late again", "2026-03-02T10:00:00", "Acme", 1)],
        )
    add_themes_and_links(db, [0])
    assert db.execute(f"SELECT topic_id, mentions FROM {S.SUMMARY_TOPICS}").fetchall() == [("en-1", 1)]
    # The topics stage assigns the mention another theme; nothing else changed.
    store.replace_table(db, S.MENTION_TOPICS, pd.DataFrame({"mention_id": ["m1"], "topic_id": ["en-2"], "weight": [1.0]}))
    assert summaries.refresh(db)["mode"] == "none"
    assert db.execute(f"SELECT topic_id, mentions FROM {S.SUMMARY_TOPICS}").fetchall() == [("en-2", 1)]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_the_movers_and_listening_reads_agree_on_one_tricky_database_on_both_engines(engine: str, request: Any) -> None:
    from test_summaries import EXAMPLE

    db = build(EXAMPLE, request.getfixturevalue("pg_url") if engine == "postgresql" else ":memory:")
    add_themes_and_links(db, [0, 1, 2, 3, 4, 0, 2])
    f = Filters("2026-03-05", "2026-03-08")
    periods = O.resolve_periods(db, f)
    assert periods is not None
    fast, slow = both(lambda: O.top_movers(db, f, periods, "authors", n=10))
    same_frame(fast, slow, "authors")
    # Bob under four spellings on twitter is one author; on reddit another.
    assert fast.loc[fast["key"] == "twitter:bob", "now"].tolist() == [3]
    fast, slow = both(lambda: O.top_movers(db, f, periods, "segments", n=10))
    same_frame(fast, slow, "segments")
    fast, slow = both(lambda: O.top_movers(db, f, periods, "topics", n=10))
    same_frame(fast, slow, "topics")
    assert "subject:delivery" in set(fast["key"])
    fast, slow = both(lambda: V.top_authors(db, f, 10))
    same_frame(fast, slow, "top authors")
    assert fast["mentions"].sum() == slow["mentions"].sum() > 0
    for name, read in (
        ("volume by brand", lambda: V.volume_over_time(db, f, by="brand", period="day")),
        ("volume by platform", lambda: V.volume_over_time(db, f, by="platform", period="week")),
        ("share of voice", lambda: V.share_of_voice(db, f)),
        ("themes", lambda: V.topic_summary(db, f)),
        ("widest reach", lambda: V.top_authors(db, f, 10, rank_by="followers")),
        ("places", lambda: V.mention_places(db, f).places),
        ("modes", lambda: V.communication_modes(db, f)),
    ):
        fast, slow = both(read)
        same_frame(fast, slow, name)
        assert not fast.empty, name


def test_a_new_import_leaves_the_new_summaries_as_a_full_rebuild_would() -> None:
    from test_summaries import EXAMPLE

    db = build(EXAMPLE)
    add_themes_and_links(db, [0, 1, 2])
    columns = ["mention_id", "platform", "author", "text", "posted_at", "brand", "location", "kind", "import_id"]
    with store.transaction(db):
        store.upsert_rows(db, S.MENTIONS, columns, [
            ("n1", "twitter", "@Bob", "again", "2026-03-06T08:00:00", "Acme", "Paris", "post", 2),
            ("n2", "reddit", "carol", "hello", "2026-03-09T08:00:00", "Globex", None, "dm", 2),
        ])
    tables = (S.SUMMARY_VOICES, S.SUMMARY_SPEAKERS, S.SUMMARY_PLACES, S.SUMMARY_MODES, S.SUMMARY_TOPICS)

    def contents() -> dict[str, list[tuple[Any, ...]]]:
        return {t: sorted(map(tuple, db.execute(f"SELECT * FROM {t}").fetchall()), key=repr) for t in tables}

    assert summaries.refresh(db)["mode"] == "days"
    incremental = contents()
    assert ("twitter:bob", "twitter:bob", 4, 3) in incremental[S.SUMMARY_SPEAKERS]  # three spellings before, one new unscored
    summaries.refresh(db, full=True)
    assert contents() == incremental
