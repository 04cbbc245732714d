"""Mentions: the author is optional, the platform is never the client app, a review keeps its stars."""

from __future__ import annotations

import pytest

from scrm.db import schema as S
from scrm.ingest import import_file
from scrm.ingest.mapping import suggest_mapping
from scrm.views.kpis import compute_kpis


def test_an_anonymous_review_is_kept_without_an_author(fresh_db) -> None:
    data = b"review,date,stars\nGreat hotel,2024-01-05,5\nNoisy room,2024-01-06,2\n"
    result = import_file(fresh_db, data, "mentions", file_name="reviews.csv")
    assert (result.new, result.rejected) == (2, 0)
    assert fresh_db.execute("SELECT author, text, rating FROM mentions ORDER BY posted_at").fetchall() == [
        (None, "Great hotel", 5.0), (None, "Noisy room", 2.0)
    ]
    again = import_file(fresh_db, data, "mentions", file_name="reviews.csv")
    assert again.new == 0


def test_author_kpis_count_anonymous_mentions_apart(fresh_db) -> None:
    data = (
        b"platform,author,text,date\n"
        b"trustpilot,,Anonymous praise,2024-01-05\n"
        b"trustpilot,,Anonymous complaint,2024-01-06\n"
        b"trustpilot,@ana,Signed review,2024-01-07\n"
    )
    import_file(fresh_db, data, "mentions", file_name="reviews.csv")
    kpis = compute_kpis(fresh_db)
    assert kpis["mentions"]["value"] == 3
    assert kpis["unique_authors"]["value"] == 1


def test_source_is_the_client_app_never_the_platform(fresh_db) -> None:
    data = (
        b'id,user,text,created_at,source\n'
        b'1,ana,hola,2024-01-05 10:00,"<a href=""http://twitter.com/download/iphone"" rel=""nofollow"">'
        b'Twitter for iPhone</a>"\n'
    )
    assert suggest_mapping(["id", "user", "text", "created_at", "source"], S.MENTIONS)["client"] == "source"
    result = import_file(fresh_db, data, "mentions", file_name="tweets.csv")
    assert result.new == 1
    assert fresh_db.execute("SELECT platform, client FROM mentions").fetchall() == [("other", "Twitter for iPhone")]


def test_the_platform_synonyms_do_not_include_source() -> None:
    assert "source" not in S.MENTION_ENTITY.column("platform").synonyms


def test_a_negative_rating_is_quarantined_with_a_reason(fresh_db) -> None:
    data = b"text,date,rating\nok,2024-01-05,4.5\nbad,2024-01-06,-1\n"
    result = import_file(fresh_db, data, "mentions", file_name="reviews.csv")
    assert (result.new, result.rejected) == (1, 1)
    assert fresh_db.execute("SELECT reason FROM quarantine").fetchone()[0] == "`rating` is negative; star ratings start at 0."


@pytest.mark.parametrize("column, sql_type", [("client", "TEXT"), ("rating", "REAL")])
def test_client_and_rating_are_schema_5_columns_of_mentions(fresh_db, column: str, sql_type: str) -> None:
    assert column in S.SCHEMA_5_COLUMNS[S.MENTIONS]
    assert fresh_db["mentions"].columns_dict[column].__name__ == {"TEXT": "str", "REAL": "float"}[sql_type]
