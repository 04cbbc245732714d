"""Listening reads (scrm.views.listening): volume, sentiment, share of voice, themes, authors, places, modes, alerts."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters
from scrm.views import listening as L

COLUMNS = ["mention_id", "platform", "author", "text", "posted_at", "brand", "kind", "visibility", "from_brand",
           "location", "author_followers", "in_reply_to"]  # fmt: skip
MENTIONS = [
    # Monday 5 Jan 2026 week
    ("M1", "twitter", "ana", "late", "2026-01-05T10:00:00", "Velora", "post", "public", 0, "London, UK", 100, None),
    ("M2", "twitter", "ana", "late again", "2026-01-06T10:00:00", "Velora", "post", "public", 0, "Málaga", 100, None),
    ("M3", "Instagram", "bea", "love it", "2026-01-11T23:59:59", "Velora", "post", "public", 0, "Somewhere nice", 5000, None),
    ("M4", "twitter", "cid", "meh", "2026-01-07T09:00:00", "Rival", "reply", "public", 0, "España", 10, "M1"),
    # next week
    ("M5", "twitter", "ana", "still late", "2026-01-12T08:00:00", "Velora", "dm", "private", 0, "", 100, None),
    ("M6", "facebook", "dan", "great", "2026-01-13T08:00:00", "Rival", "share", "public", 0, "Austin, TX", 20, None),
    ("M7", "twitter", "velora_uk", "sorry!", "2026-01-13T09:00:00", "Velora", "reply", "public", 1, "London", 90000, "M5"),
    ("M8", "", "eve", "no brand here", "2026-01-14T09:00:00", None, None, None, None, None, None, "M6"),
]
SCORES = {"M1": ("negative", -0.5), "M2": ("negative", -0.7), "M3": ("positive", 0.9), "M4": ("neutral", 0.0),
          "M5": ("negative", -0.2), "M6": ("positive", 0.6), "M7": ("positive", 0.5)}  # fmt: skip


@pytest.fixture
def db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    store.upsert_rows(fresh_db, S.MENTIONS, COLUMNS, MENTIONS)
    store.set_meta(fresh_db, "own_brand", "Velora")
    return fresh_db


@pytest.fixture
def scored(db: sqlite_utils.Database) -> sqlite_utils.Database:
    rows = [(m, "en", s, lab, json.dumps([["w", s]]), "vader", "1", "2026-02-01T00:00:00") for m, (lab, s) in SCORES.items()]
    store.upsert_rows(db, S.SENTIMENT, ["mention_id", "lang", "score", "label", "words", "model", "model_version", "scored_at"], rows)
    return db


def records(df: pd.DataFrame, columns: list[str]) -> list[list[object]]:
    return df[columns].astype(object).where(df[columns].notna(), None).values.tolist()


def test_weekly_volume_counts_people_per_platform_from_monday(scored: sqlite_utils.Database) -> None:
    df = L.volume_over_time(scored, Filters())
    assert records(df, ["period", "group", "mentions", "positive", "negative", "net_sentiment"]) == [
        ["2026-01-05", "instagram", 1, 1, 0, 100.0],
        ["2026-01-05", "twitter", 3, 0, 2, -66.7],
        ["2026-01-12", "facebook", 1, 1, 0, 100.0],
        ["2026-01-12", "other", 1, 0, 0, None],  # unscored: no net sentiment, not 0
        ["2026-01-12", "twitter", 1, 0, 1, -100.0],  # the brand's own reply is left out
    ]


def test_daily_volume_by_brand_names_mentions_without_a_brand(scored: sqlite_utils.Database) -> None:
    df = L.volume_over_time(scored, Filters(date_from="2026-01-13"), by="brand", period="day")
    assert records(df, ["period", "group", "mentions"]) == [["2026-01-13", "Rival", 1], ["2026-01-14", L.NO_BRAND, 1]]


def test_volume_before_scoring_has_counts_and_no_sentiment(db: sqlite_utils.Database) -> None:
    df = L.volume_over_time(db, Filters())
    assert int(df["mentions"].sum()) == 7 and int(df["scored"].sum()) == 0
    assert df["net_sentiment"].isna().all()
    assert not L.has_scores(db)


def test_a_filter_matching_nothing_gives_empty_frames_with_columns(scored: sqlite_utils.Database) -> None:
    nothing = Filters(platforms=("myspace",))
    assert L.volume_over_time(scored, nothing).empty
    assert "net_sentiment" in L.volume_over_time(scored, nothing).columns
    assert L.top_authors(scored, nothing).empty
    assert L.communication_modes(scored, nothing).empty
    assert L.mention_places(scored, nothing).total == 0


def test_share_of_voice_compares_every_brand_whatever_the_brand_filter(scored: sqlite_utils.Database) -> None:
    df = L.share_of_voice(scored, Filters(brands=("Rival",)))
    assert records(df, ["brand", "mentions", "share", "net_sentiment", "own"]) == [
        ["Velora", 4, 66.7, -50.0, True],
        ["Rival", 2, 33.3, 50.0, False],
    ]


def test_topics_are_counted_under_the_filters_with_their_trend(scored: sqlite_utils.Database) -> None:
    store.replace_table(scored, L.TOPICS, pd.DataFrame({
        "topic_id": ["en-1", "en-2"], "lang": ["en", "en"], "label": ["delivery · late", "love · great"],
        "size": [3, 2], "avg_sentiment": [-0.5, 0.7], "trend": [1.5, None],
    }))  # fmt: skip
    store.replace_table(scored, L.MENTION_TOPICS, pd.DataFrame({
        "mention_id": ["M1", "M2", "M5", "M3", "M6"], "topic_id": ["en-1", "en-1", "en-1", "en-2", "en-2"], "weight": [1.0] * 5,
    }))  # fmt: skip
    df = L.topic_summary(scored, Filters())
    assert records(df, ["topic_id", "mentions", "share", "net_sentiment", "avg_score", "trend"]) == [
        ["en-1", 3, 60.0, -100.0, -0.467, 1.5],
        ["en-2", 2, 40.0, 100.0, 0.75, None],
    ]
    assert L.topic_summary(scored, Filters(platforms=("facebook",)))["mentions"].tolist() == [1]


def test_topics_before_they_are_computed_are_empty(scored: sqlite_utils.Database) -> None:
    assert L.topic_summary(scored, Filters()).empty


def test_top_authors_carry_every_role_badge_they_earned(scored: sqlite_utils.Database) -> None:
    store.replace_table(scored, L.ROLES, pd.DataFrame({
        "profile_id": ["twitter:ana", "instagram:bea"], "customer_id": ["C1", None],
        "influencer_score": [0.1, 0.9], "advocate_score": [0.0, 0.5], "ambassador_score": [0.0, 0.0],
        "detractor_score": [0.6, 0.0], "role": ["detractor", "advocate"],
    }))  # fmt: skip
    df = L.top_authors(scored, Filters(), limit=3)
    assert records(df, ["profile_id", "author", "mentions", "followers", "net_sentiment", "role", "badges", "customer_id"]) == [
        ["twitter:ana", "ana", 3, 100, -100.0, "detractor", "detractor", "C1"],
        ["instagram:bea", "bea", 1, 5000, 100.0, "advocate", "advocate · influencer", None],
        ["facebook:dan", "dan", 1, 20, 100.0, "none", "", None],
    ]


@pytest.mark.parametrize(
    ("rank_by", "expected"),
    [("mentions", ["ana", "bea", "dan"]), ("followers", ["bea", "ana", "dan"]), ("role", ["ana", "bea"])],
)
def test_top_authors_rank_by_mentions_reach_or_role(scored: sqlite_utils.Database, rank_by: L.AuthorRank, expected: list[str]) -> None:
    store.replace_table(scored, L.ROLES, pd.DataFrame({
        "profile_id": ["twitter:ana", "instagram:bea", "twitter:cid"], "role": ["detractor", "advocate", "none"],
    }))  # fmt: skip
    assert L.top_authors(scored, Filters(), limit=3, rank_by=rank_by)["author"].tolist() == expected


def test_authors_with_a_role_before_roles_are_computed_are_none(scored: sqlite_utils.Database) -> None:
    assert L.top_authors(scored, Filters(), rank_by="role").empty


def test_top_authors_before_roles_are_computed_have_no_badge(scored: sqlite_utils.Database) -> None:
    df = L.top_authors(scored, Filters())
    assert set(df["role"]) == {"none"} and set(df["badges"]) == {""}
    assert "velora_uk" not in df["author"].tolist()  # brand accounts are not authors of the conversation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("London, UK", ("London", "GB", "city")),
        ("  MADRID ", ("Madrid", "ES", "city")),
        ("Malaga, España", ("Málaga", "ES", "city")),
        ("Paris, France", ("Paris", "FR", "city")),
        ("España", ("Spain", "ES", "country")),
        ("United Kingdom", ("United Kingdom", "GB", "country")),
        ("Scotland", ("Scotland", "GB", "country")),
        ("Yorkshire", ("Yorkshire", "GB", "region")),
        ("Springfield, IL", ("United States", "US", "country")),
        ("New York, NY", ("New York", "US", "city")),
        ("Somewhere up north", None),
        ("Norte 🌧️", None),
        ("", None),
        (None, None),
    ],
)
def test_free_text_locations_are_placed_with_the_gazetteer(text: str | None, expected: tuple[str, str, str] | None) -> None:
    place = L.place_location(text)
    assert (None if place is None else (place.name, place.country, place.precision)) == expected


def test_places_say_how_much_could_be_placed(scored: sqlite_utils.Database) -> None:
    summary = L.mention_places(scored, Filters())
    assert (summary.total, summary.with_location, summary.placed, summary.placed_city) == (7, 5, 4, 3)
    assert summary.placed_share == 80.0
    assert records(summary.places, ["place", "country", "precision", "mentions"]) == [
        ["Austin", "US", "city", 1],
        ["London", "GB", "city", 1],
        ["Málaga", "ES", "city", 1],
        ["Spain", "ES", "country", 1],
    ]
    assert records(summary.unplaced, ["location", "mentions"]) == [["Somewhere nice", 1]]


def test_communication_modes_come_from_kind_visibility_and_replies(scored: sqlite_utils.Database) -> None:
    df = L.communication_modes(scored, Filters())
    assert records(df, ["mode", "kind", "by_people", "by_brand", "mentions"]) == [
        ["one-to-many", "post", 3, 0, 3],
        ["one-to-one", "dm", 1, 0, 1],
        ["one-to-one-to-many", "reply", 1, 1, 2],
        ["one-to-one-to-many", "post", 1, 0, 1],  # no kind, but a reply to M6
        ["one-to-one-to-many", "share", 1, 0, 1],
    ]
    assert df["share"].sum() == pytest.approx(100.0, abs=0.2)


ALERT_ROWS = pd.DataFrame({
    "alert_id": [1, 2, 3], "kind": ["volume", "negative", "vip_detractor"], "scope": ["brand", "platform", "customer"],
    "brand": ["Velora", "Velora", "Velora"], "platform": [None, "twitter", "twitter"], "topic_id": [None, None, None],
    "customer_id": [None, None, "C1"], "period_start": ["2026-01-05", "2026-01-12", "2026-01-06"],
    "period_end": ["2026-01-06", "2026-01-12", "2026-01-12"], "days": [2, 1, 2], "value": [2.0, 1.0, 2.0],
    "baseline": [0.1, 0.0, None], "threshold": [1.0, 0.9, None], "z": [5.0, 3.5, None], "severity": ["medium", "medium", "high"],
    "total": [2.0, 1.0, 2.0], "drivers": [json.dumps({"mentions": [{"mention_id": "M1", "author": "ana"}], "authors": [], "topics": []}), "oops", None],
    "created_at": ["2026-02-01T00:00:00"] * 3,
})  # fmt: skip


def test_the_alert_feed_is_newest_first_and_filtered(scored: sqlite_utils.Database) -> None:
    store.replace_table(scored, L.ALERTS, ALERT_ROWS, pk="alert_id")
    assert L.alerts_feed(scored, Filters())["alert_id"].tolist() == [2, 3, 1]
    assert L.alerts_feed(scored, Filters(), kinds=("volume",))["alert_id"].tolist() == [1]
    # A brand-wide spike has no platform: it stays when a platform is chosen.
    assert L.alerts_feed(scored, Filters(), platforms=("twitter",))["alert_id"].tolist() == [2, 3, 1]
    assert L.alerts_feed(scored, Filters(), platforms=("facebook",))["alert_id"].tolist() == [1]
    assert L.alerts_feed(scored, Filters(date_to="2026-01-05"))["alert_id"].tolist() == [1]
    assert L.alerts_feed(scored, Filters(brands=("Rival",))).empty


def test_alerts_before_they_are_computed_are_an_empty_frame(scored: sqlite_utils.Database) -> None:
    feed = L.alerts_feed(scored, Filters())
    assert feed.empty and "kind" not in feed.columns


def test_alert_drivers_are_read_defensively() -> None:
    good = L.alert_drivers(ALERT_ROWS["drivers"][0])
    assert good["mentions"].to_dict("records") == [{"mention_id": "M1", "author": "ana"}]
    assert good["authors"].empty and good["topics"].empty
    assert all(frame.empty for frame in L.alert_drivers("oops").values())
    assert all(frame.empty for frame in L.alert_drivers(None).values())


def test_the_series_around_an_alert_counts_its_scope_every_day(scored: sqlite_utils.Database) -> None:
    volume = L.alert_series(scored, ALERT_ROWS.iloc[0].to_dict(), before_days=2, after_days=1)
    assert records(volume, ["day", "mentions", "in_alert"]) == [
        ["2026-01-03", 0, False], ["2026-01-04", 0, False], ["2026-01-05", 1, True], ["2026-01-06", 1, True],
        ["2026-01-07", 0, False],
    ]  # fmt: skip
    negative = L.alert_series(scored, ALERT_ROWS.iloc[1].to_dict(), before_days=1, after_days=0)
    assert records(negative, ["day", "mentions", "in_alert"]) == [["2026-01-11", 0, False], ["2026-01-12", 1, True]]


def test_volume_per_source_names_each_live_source_and_imported_file_and_counts_people_only(
    db: sqlite_utils.Database,
) -> None:
    # M1-M3 came with a file, M4-M7 with a live source's runs (two runs, one source), M8 with neither.
    db.execute(f"INSERT INTO {S.IMPORTS} (import_id, kind, file_name) VALUES (1, 'mentions', 'velora.csv'), "
               "(2, 'mentions', 'source masto'), (3, 'mentions', 'source masto')")
    db.execute(f"INSERT INTO {S.COLLECTIONS} (collection_id, source, kind, import_id) VALUES "
               "(1, 'masto', 'mastodon', 2), (2, 'masto', 'mastodon', 3)")
    db.execute(f"UPDATE {S.MENTIONS} SET import_id = 1 WHERE mention_id IN ('M1', 'M2', 'M3')")
    db.execute(f"UPDATE {S.MENTIONS} SET import_id = 2 WHERE mention_id IN ('M4', 'M5')")
    db.execute(f"UPDATE {S.MENTIONS} SET import_id = 3 WHERE mention_id IN ('M6', 'M7')")
    df = L.volume_by_source(db, Filters())
    assert records(df, ["source", "via", "mentions", "share", "first", "last"]) == [
        ["masto", "live", 3, 42.9, "2026-01-07", "2026-01-13"],  # the brand's own reply M7 is left out
        ["velora.csv", "import", 3, 42.9, "2026-01-05", "2026-01-11"],
        [None, "other", 1, 14.3, "2026-01-14", "2026-01-14"],
    ]
    assert L.volume_by_source(db, Filters(platforms=("facebook",)))["source"].tolist() == ["masto"]


def test_volume_per_source_is_empty_with_its_columns_when_nothing_matches(fresh_db: sqlite_utils.Database) -> None:
    df = L.volume_by_source(fresh_db, Filters())
    assert df.empty and list(df.columns) == ["source", "via", "mentions", "share", "first", "last"]
