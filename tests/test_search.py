"""Full-text search over mentions (scrm.db.search): the safe query, the index and its refreshes, the results."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

from scrm.db import schema as S
from scrm.db import search, store
from scrm.db.filters import Filters

MENTION_COLUMNS = ["mention_id", "platform", "author", "text", "posted_at", "brand", "kind", "import_id"]
MENTIONS = [
    ("M1", "twitter", "ana_garcia", "Delivery was late again, third time this month", "2026-01-05T10:00:00", "Velora", "post", 1),
    ("M2", "instagram", "paul", "Love the new Siena lamp! Great quality", "2026-01-06T11:00:00", "Velora", "post", 1),
    ("M3", "twitter", "zoe", "La entrega llegó tarde a Málaga", "2026-01-07T12:00:00", "Casanova Home", "reply", 1),
    ("M4", "facebook", "evil", "<img src=x onerror=alert(1)>", "2026-01-08T13:00:00", "Velora", "post", 1),
    ("M5", "facebook", "linker", "[x](javascript:alert(1)) click NEAR the * star", "2026-01-09T14:00:00", "Velora", "dm", 1),
    ("M6", "twitter", "quoter", 'He said "deliveries" - never again', "2026-01-10T15:00:00", "Maison Brix", "post", 1),
]
SENTIMENT_COLUMNS = ["mention_id", "lang", "score", "label", "words", "model", "model_version", "scored_at"]
SCORES = [
    ("M1", "en", -0.6, "negative", json.dumps([["late", -1.2], ["again", -0.3]]), "vader", "3.3.2", "2026-01-11T00:00:00"),
    ("M2", "en", 0.8, "positive", json.dumps([["Love", 2.0], ["Great", 1.5]]), "vader", "3.3.2", "2026-01-11T00:00:00"),
    ("M3", "es", -0.4, "negative", "[]", "scrm-linear-es", "1", "2026-01-11T00:00:00"),
]


@pytest.fixture
def db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    store.upsert_rows(fresh_db, S.MENTIONS, MENTION_COLUMNS, MENTIONS)
    store.upsert_rows(fresh_db, S.SENTIMENT, SENTIMENT_COLUMNS, SCORES)
    return fresh_db


def ids(result: search.SearchResult) -> list[str]:
    return result.rows["mention_id"].tolist()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("delivery late", '"delivery"* "late"*'),
        ('"', None),
        ("*", None),
        ("   ", None),
        (None, None),
        ("NEAR(", '"NEAR"*'),
        ("a OR b", '"a"* "OR"* "b"*'),
        ("-late", '"late"*'),
        ("author:evil", '"author"* "evil"*'),
        ("<img src=x onerror=alert(1)>", '"img"* "src"* "x"* "onerror"* "alert"* "1"*'),
        ("[x](javascript:alert(1))", '"x"* "javascript"* "alert"* "1"*'),
        ("Málaga", '"Málaga"*'),
    ],
)
def test_user_text_becomes_quoted_words(text: str | None, expected: str | None) -> None:
    assert search.to_fts_query(text) == expected


def test_a_pasted_essay_keeps_only_the_first_words() -> None:
    query = search.to_fts_query(" ".join(f"w{i}" for i in range(100)))
    assert query is not None and query.count('"*') == search.MAX_TERMS


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("delivery", ["M1"]),
        ("deliver", ["M6", "M1"]),  # word starts match, newest first
        ("late again", ["M1"]),
        ("malaga", ["M3"]),  # accents folded
        ("ENTREGA", ["M3"]),
        ("ana_garcia", ["M1"]),  # the author is searched too
        ("siena lamp", ["M2"]),
        ("nothing like this", []),
    ],
)
def test_search_finds_every_word_in_text_or_author(db: sqlite_utils.Database, query: str, expected: list[str]) -> None:
    result = search.search_mentions(db, query)
    assert ids(result) == expected
    assert result.total == len(expected)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"', ["M6", "M5", "M4", "M3", "M2", "M1"]),
        ("*", ["M6", "M5", "M4", "M3", "M2", "M1"]),
        ("NEAR(", ["M5"]),
        ('NEAR("late" "again", 2)', []),  # "NEAR" and "2" are words that M1 lacks, not an operator
        ("<img src=x onerror=alert(1)>", ["M4"]),
        ("[x](javascript:alert(1))", ["M5"]),
        ('"deliveries', ["M6"]),
        ("- never", ["M6"]),
        ("late OR lamp", []),  # OR is a word here, not an operator
        ("text:late", []),  # a column filter is two words
        ("'; DROP TABLE mentions; --", []),
    ],
)
def test_hostile_queries_match_as_plain_words_and_never_raise(db: sqlite_utils.Database, query: str, expected: list[str]) -> None:
    assert ids(search.search_mentions(db, query)) == expected
    assert store.counts(db)[S.MENTIONS] == len(MENTIONS)


def test_filters_labels_and_kinds_narrow_the_search(db: sqlite_utils.Database) -> None:
    assert ids(search.search_mentions(db, "", Filters(platforms=("twitter",)))) == ["M6", "M3", "M1"]
    assert ids(search.search_mentions(db, "", Filters(brands=("Velora",)), labels=("negative",))) == ["M1"]
    assert ids(search.search_mentions(db, "", labels=("unscored",))) == ["M6", "M5", "M4"]
    assert ids(search.search_mentions(db, "", kinds=("dm", "reply"))) == ["M5", "M3"]
    assert ids(search.search_mentions(db, "", Filters(date_from="2026-01-07", date_to="2026-01-08"))) == ["M4", "M3"]
    assert ids(search.search_mentions(db, "late", Filters(platforms=("facebook",)))) == []


def test_the_limit_keeps_the_newest_and_the_total_counts_all(db: sqlite_utils.Database) -> None:
    result = search.search_mentions(db, "", limit=2)
    assert (ids(result), result.total) == (["M6", "M5"], 6)


def test_results_carry_sentiment_and_unscored_mentions_say_so(db: sqlite_utils.Database) -> None:
    rows = search.search_mentions(db, "").rows.set_index("mention_id")
    assert list(rows.columns) == [c for c in search.RESULT_COLUMNS if c != "mention_id"]
    assert (rows.loc["M1", "label"], rows.loc["M1", "score"]) == ("negative", -0.6)
    assert rows.loc["M4", "label"] == "unscored"


def test_the_index_is_built_once_then_left_alone(db: sqlite_utils.Database) -> None:
    version = store.data_version(db)
    assert search.refresh_index(db) == "rebuilt"
    assert search.refresh_index(db) == "unchanged"
    # Index writes are not data: every cached figure stays valid.
    assert store.data_version(db) == version


def test_new_mentions_are_appended_to_the_index(db: sqlite_utils.Database) -> None:
    search.refresh_index(db)
    store.upsert_rows(db, S.MENTIONS, MENTION_COLUMNS, [("M7", "twitter", "bob", "Refund still missing", "2026-02-01T00:00:00", "Velora", "post", 2)])
    assert search.refresh_index(db) == "appended"
    assert ids(search.search_mentions(db, "refund")) == ["M7"]


def test_a_mention_rewritten_by_an_import_is_found_by_its_new_text(db: sqlite_utils.Database) -> None:
    search.refresh_index(db)
    store.upsert_rows(db, S.MENTIONS, ["mention_id", "text", "import_id"], [("M2", "Broken lamp, want a refund", 2)])
    assert search.refresh_index(db) == "rebuilt"
    assert ids(search.search_mentions(db, "refund")) == ["M2"]
    assert ids(search.search_mentions(db, "love")) == []


def test_a_cleared_database_searches_nothing(db: sqlite_utils.Database) -> None:
    search.refresh_index(db)
    with store.transaction(db):
        db.execute(f"DELETE FROM {S.MENTIONS}")
    assert search.search_mentions(db, "late").total == 0


def test_a_broken_index_is_rebuilt(db: sqlite_utils.Database) -> None:
    search.refresh_index(db)
    db.execute(f'DELETE FROM "{search.FTS_STATE}"')
    assert search.refresh_index(db) == "rebuilt"
    assert ids(search.search_mentions(db, "lamp")) == ["M2"]


def test_an_empty_database_searches_without_error(fresh_db: sqlite_utils.Database) -> None:
    result = search.search_mentions(fresh_db, 'NEAR("x"')
    assert (result.total, list(result.rows.columns)) == (0, list(search.RESULT_COLUMNS))


def test_the_detail_of_a_mention_has_its_score_and_the_words_that_moved_it(db: sqlite_utils.Database) -> None:
    detail = search.mention_detail(db, "M1")
    assert detail is not None
    assert (detail["text"], detail["label"], detail["score"], detail["lang"], detail["model"]) == (
        "Delivery was late again, third time this month", "negative", -0.6, "en", "vader",
    )
    assert detail["words"].values.tolist() == [["late", -1.2], ["again", -0.3]]
    unscored = search.mention_detail(db, "M4")
    assert unscored is not None and (unscored["label"], unscored["words"].empty) == ("unscored", True)
    assert search.mention_detail(db, "nope") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('[["bad", -1.0], ["good", 2.0]]', [["good", 2.0], ["bad", -1.0]]),
        ("not json", []),
        ('{"a": 1}', []),
        ('[["ok", 1], ["broken"], ["nan", "x"]]', [["ok", 1.0]]),
        (None, []),
    ],
)
def test_words_json_is_read_defensively(value: str | None, expected: list[list[object]]) -> None:
    assert search.parse_words(value).values.tolist() == expected


def test_start_over_clears_a_database_with_a_search_index(db: sqlite_utils.Database) -> None:
    search.refresh_index(db)
    store.clear_all(db)
    assert search.search_mentions(db, "late").total == 0
