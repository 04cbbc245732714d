"""Search on PostgreSQL answers as FTS5 does on SQLite: the same mentions and customers for the same words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlite_utils
from test_search import MENTION_COLUMNS, MENTIONS, SCORES, SENTIMENT_COLUMNS

from scrm.db import schema as S
from scrm.db import search, store

QUERIES = [
    "delivery", "deliver", "late again", "malaga", "ENTREGA", "ana_garcia", "siena lamp", "nothing like this",
    '"', "NEAR(", 'NEAR("late" "again", 2)', "<img src=x onerror=alert(1)>", "- never", "late OR lamp",
    "'; DROP TABLE mentions; --",
]
CUSTOMERS = [
    ("C1", "José Núñez", "jose@example.com", "Málaga"),
    ("C2", "Ana García", "ana.garcia@example.com", "Madrid"),
    ("C3", "Paul 50%_off", "paul@example.com", "Paris"),
]


def _fill(db: sqlite_utils.Database) -> sqlite_utils.Database:
    store.upsert_rows(db, S.MENTIONS, MENTION_COLUMNS, MENTIONS)
    store.upsert_rows(db, S.SENTIMENT, list(SENTIMENT_COLUMNS), SCORES)
    store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name", "email", "city"], CUSTOMERS)
    return db


@pytest.fixture
def both(pg_url: str) -> Iterator[tuple[sqlite_utils.Database, sqlite_utils.Database]]:
    lite, pg = _fill(store.open_db(":memory:")), _fill(store.open_db(pg_url))
    yield lite, pg
    lite.close()
    pg.close()


def test_mention_search_finds_the_same_mentions_on_both_engines(both: tuple[sqlite_utils.Database, ...]) -> None:
    lite, pg = both
    for query in QUERIES:
        a, b = search.search_mentions(lite, query), search.search_mentions(pg, query)
        assert b.rows["mention_id"].tolist() == a.rows["mention_id"].tolist(), query
        assert b.total == a.total, query


def test_the_postgres_index_is_a_generated_column_with_a_gin_index(both: tuple[sqlite_utils.Database, ...]) -> None:
    _, pg = both
    assert search.refresh_index(pg) in ("rebuilt", "unchanged")
    assert search.refresh_index(pg) == "unchanged"
    index = pg.execute(
        "SELECT indexdef FROM pg_indexes WHERE tablename = ? AND indexdef LIKE '%gin%'", [S.MENTIONS]
    ).fetchone()
    assert index is not None and S.MENTIONS_SEARCH_VECTOR in index[0]
    # A mention written after the index exists is found at once: the column follows every write.
    store.upsert_rows(pg, S.MENTIONS, ["mention_id", "text", "posted_at"], [("M9", "Brand-new crème brûlée", "2026-02-01")])
    assert search.search_mentions(pg, "creme brulee").rows["mention_id"].tolist() == ["M9"]


@pytest.mark.parametrize("text", ["jose", "NUÑEZ", "malaga", "ana.garcia", "50%_", "nobody", "@ana"])
def test_customer_search_finds_the_same_customers_on_both_engines(both: tuple[sqlite_utils.Database, ...], text: str) -> None:
    lite, pg = both
    a, b = search.search_customers(lite, text), search.search_customers(pg, text)
    assert b["customer_id"].tolist() == a["customer_id"].tolist()
    assert b["matched_on"].tolist() == a["matched_on"].tolist()
