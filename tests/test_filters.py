from __future__ import annotations

import pytest

from scrm.db import store
from scrm.db.filters import Filters, from_query, mentions_where, orders_where, segment_where, to_query
from scrm.errors import ConfigError


def test_filters_survive_a_round_trip_through_a_link() -> None:
    f = Filters(date_from="2024-01-01", date_to="2024-01-31", brands=("Velora", "Maison Brix"),
                platforms=("twitter",), langs=("es", "fr"), segment=3)
    assert from_query(to_query(f)) == f
    assert hash(f) == hash(from_query(to_query(f)))


def test_no_filters_make_an_empty_link_and_match_everything() -> None:
    assert to_query(Filters()) == {}
    assert mentions_where(Filters()) == ("1 = 1", [])
    assert orders_where(Filters()) == ("1 = 1", [])
    assert segment_where(Filters(), "c.customer_id") == ("1 = 1", [])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2024-13-01"}, "The 'from' date '2024-13-01' is not a date; use YYYY-MM-DD."),
        ({"from": "2024-02-01", "to": "2024-01-01"},
         "The date range starts on 2024-02-01, after it ends on 2024-01-01. Pick a start date on or before the end date."),
        ({"segment": "two"}, "The link's segment 'two' is not a segment number; remove it from the address."),
    ],
)
def test_a_malformed_link_is_refused_with_a_sentence(query, message) -> None:
    with pytest.raises(ConfigError) as e:
        from_query(query)
    assert str(e.value) == message


def test_the_previous_period_has_the_same_length_and_ends_the_day_before() -> None:
    assert Filters(date_from="2024-03-01", date_to="2024-03-31").previous_period() == Filters(
        date_from="2024-01-30", date_to="2024-02-29")
    assert Filters(date_from="2024-03-01").previous_period() is None


def test_the_sql_keeps_the_whole_end_day_and_only_the_selected_values(fresh_db) -> None:
    rows = [
        ("m1", "twitter", "a", "t", "2024-01-31T23:59:59", "Velora", "es"),
        ("m2", "twitter", "b", "t", "2024-02-01T00:00:00", "Velora", "es"),
        ("m3", "instagram", "c", "t", "2024-01-15T10:00:00", "Velora", "es"),
        ("m4", "twitter", "d", "t", "2024-01-15T10:00:00", "Casanova Home", "en"),
    ]
    store.upsert_rows(fresh_db, "mentions", ["mention_id", "platform", "author", "text", "posted_at", "brand", "lang"], rows)
    where, params = mentions_where(Filters(date_to="2024-01-31", platforms=("twitter",), brands=("Velora",), langs=("es",)))
    found = [r[0] for r in fresh_db.execute(f"SELECT mention_id FROM mentions WHERE {where}", params)]
    assert found == ["m1"]
