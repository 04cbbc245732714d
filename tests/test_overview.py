"""The Overview's engine reads (scrm.views.overview) on a hand-made week of mentions.

The fixture: own brand Velora, a competitor Rival; the previous period is
1-7 March 2026, the current one 8-14 March 2026.

    id  day    platform   author brand   label     followers
    m0  20 Feb twitter    ana    Velora  neutral   100   (before both periods)
    m1  2 Mar  twitter    ana    Velora  positive  100
    m2  3 Mar  twitter    ana    Velora  negative  120
    m3  5 Mar  instagram  bo     Rival   positive  50
    m4  8 Mar  twitter    ana    Velora  positive  100   (answered by the brand: r1)
    m5  9 Mar  twitter    cy     Velora  positive  10
    m6  10 Mar twitter    cy     Velora  positive  10
    m7  12 Mar instagram  bo     Rival   negative  50
    m8  14 Mar instagram  dee    Velora  neutral   -
"""

from __future__ import annotations

import json

import pytest
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters
from scrm.views import overview as O

MENTION_COLUMNS = [
    "mention_id",
    "platform",
    "author",
    "text",
    "posted_at",
    "brand",
    "author_followers",
    "from_brand",
    "in_reply_to",
]
MENTIONS = [
    ("m0", "twitter", "ana", "fine", "2026-02-20T10:00:00", "Velora", 100, 0, None),
    ("m1", "twitter", "ana", "love it", "2026-03-02T10:00:00", "Velora", 100, 0, None),
    ("m2", "twitter", "ana", "late again", "2026-03-03T10:00:00", "Velora", 120, 0, None),
    ("m3", "instagram", "bo", "nice", "2026-03-05T10:00:00", "Rival", 50, 0, None),
    ("m4", "twitter", "ana", "great sofa", "2026-03-08T09:00:00", "Velora", 100, 0, None),
    ("m5", "twitter", "cy", "so good", "2026-03-09T10:00:00", "Velora", 10, 0, None),
    ("m6", "twitter", "cy", "still good", "2026-03-10T10:00:00", "Velora", 10, 0, None),
    ("m7", "instagram", "bo", "broken", "2026-03-12T10:00:00", "Rival", 50, 0, None),
    ("m8", "instagram", "dee", "ok", "2026-03-14T23:00:00", "Velora", None, 0, None),
    ("r1", "twitter", "velora_uk", "sorry!", "2026-03-08T10:00:00", "Velora", 9000, 1, "m4"),
]
LABELS = {"m0": "neutral", "m1": "positive", "m2": "negative", "m3": "positive", "m4": "positive",
          "m5": "positive", "m6": "positive", "m7": "negative", "m8": "neutral"}  # fmt: skip
HOSTILE = "<img src=x onerror=alert(1)>"
CURRENT = Filters(date_from="2026-03-08", date_to="2026-03-14")


def add_week(db: sqlite_utils.Database) -> None:
    """The mentions of the module docstring, their sentiment, two topics and two alerts."""
    store.upsert_rows(db, S.MENTIONS, MENTION_COLUMNS, MENTIONS)
    store.upsert_rows(
        db,
        S.SENTIMENT,
        ["mention_id", "lang", "score", "label"],
        [
            (m, "en", {"positive": 0.5, "negative": -0.5}.get(label, 0.0), label)
            for m, label in LABELS.items()
        ],
    )
    db["topics"].insert_all(
        [{"topic_id": "t1", "label": "delivery · late"}, {"topic_id": "t2", "label": "quality"}],
        pk="topic_id",
    )
    db["mention_topics"].insert_all(
        [
            {"mention_id": m, "topic_id": t, "weight": 1.0}
            for m, t in (("m1", "t1"), ("m4", "t1"), ("m5", "t1"), ("m7", "t2"))
        ],
        pk="mention_id",
    )
    drivers = {
        "mentions": [{"mention_id": "m7", "platform": "instagram", "author": "bo", "text": HOSTILE}],
        "authors": [{"platform": "instagram", "author": "bo", "mentions": 1, "followers": 50}],
        "topics": [{"topic_id": "t2", "mentions": 1, "label": "quality"}],
    }
    db["alerts"].insert_all(
        [
            {
                "alert_id": 1,
                "kind": "negative",
                "scope": "brand",
                "brand": "Rival",
                "platform": None,
                "topic_id": None,
                "customer_id": None,
                "period_start": "2026-03-12",
                "period_end": "2026-03-12",
                "days": 1,
                "value": 12.0,
                "baseline": 3.0,
                "threshold": 9.0,
                "z": 4.0,
                "severity": "high",
                "total": 12.0,
                "drivers": json.dumps(drivers),
                "created_at": "2026-03-15T00:00:00",
            },
            {
                "alert_id": 2,
                "kind": "volume",
                "scope": "brand",
                "brand": "Velora",
                "platform": None,
                "topic_id": None,
                "customer_id": None,
                "period_start": "2026-01-10",
                "period_end": "2026-01-11",
                "days": 2,
                "value": 40.0,
                "baseline": 10.0,
                "threshold": 30.0,
                "z": 3.5,
                "severity": "medium",
                "total": 70.0,
                "drivers": "{}",
                "created_at": "2026-03-15T00:00:00",
            },
        ],
        pk="alert_id",
    )


@pytest.fixture
def week_db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    add_week(fresh_db)
    return fresh_db


def periods_of(db: sqlite_utils.Database, f: Filters = CURRENT) -> O.Periods:
    periods = O.resolve_periods(db, f)
    assert periods is not None
    return periods


def kpi(table, key: str) -> dict:  # type: ignore[no-untyped-def]
    return table.set_index("key").loc[key].to_dict()


# --- periods ----------------------------------------------------------------------------------


def test_a_range_with_both_dates_is_compared_with_the_days_just_before(
    week_db: sqlite_utils.Database,
) -> None:
    periods = periods_of(week_db)
    assert (periods.previous.date_from, periods.previous.date_to, periods.assumed, periods.note) == (
        "2026-03-01",
        "2026-03-07",
        False,
        None,
    )
    assert periods.days == 7


def test_no_dates_means_the_last_30_days_of_data_and_says_so(week_db: sqlite_utils.Database) -> None:
    periods = periods_of(week_db, Filters(brands=("Velora",)))
    # The brand reply r1 does not count as data; m8 on 14 March is the last mention.
    assert (periods.current.date_from, periods.current.date_to) == ("2026-02-13", "2026-03-14")
    assert (periods.previous.date_from, periods.previous.date_to) == ("2026-01-14", "2026-02-12")
    assert periods.current.brands == ("Velora",)
    assert periods.assumed
    assert periods.note == (
        "No date range is selected: the figures cover the last 30 days of data (13 Feb 2026 to 14 Mar 2026) "
        "and compare them with the 30 days before."
    )


def test_a_range_without_an_end_ends_on_the_last_day_of_data(week_db: sqlite_utils.Database) -> None:
    periods = periods_of(week_db, Filters(date_from="2026-03-08"))
    assert (periods.current.date_from, periods.current.date_to) == ("2026-03-08", "2026-03-14")
    assert (periods.assumed, periods.note) == (True, None)


def test_an_empty_database_has_no_period(fresh_db: sqlite_utils.Database) -> None:
    assert O.resolve_periods(fresh_db, Filters()) is None


def _coverage_rows(db: sqlite_utils.Database) -> None:
    # Brand replies before the first and after the last mention, and orders around them: the
    # coverage walks the date index from each end and must skip the replies as min()/max() did.
    store.upsert_rows(db, S.MENTIONS, MENTION_COLUMNS, [
        ("b0", "twitter", "velora_uk", "hello", "2026-01-01T08:00:00", "Velora", 9000, 1, None),
        ("m1", "twitter", "ana", "love it", "2026-02-03T10:00:00", "Velora", 100, 0, None),
        ("m2", "twitter", "bo", "late", "2026-03-04T23:59:59", "Rival", 50, None, None),
        ("b1", "twitter", "velora_uk", "sorry", "2026-04-01T08:00:00", "Velora", 9000, 1, "m2"),
    ])  # fmt: skip
    store.upsert_rows(db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount"], [
        ("o1", "c1", "2026-01-15T10:00:00", 10.0), ("o2", "c1", "2026-03-01T10:00:00", 12.0),
    ])  # fmt: skip


def _check_coverage(db: sqlite_utils.Database) -> None:
    coverage = O.data_coverage(db)
    assert coverage == (("mentions", "2026-02-03", "2026-03-04"), ("orders", "2026-01-15", "2026-03-01"))
    for name, first, last in coverage:  # the same answer as min() and max() over the rows that count
        table, column, where = O.SOURCES[name]
        row = db.execute(f"SELECT min({column}), max({column}) FROM {table} WHERE {where}").fetchone()
        assert (first, last) == (str(row[0])[:10], str(row[1])[:10])


def test_data_coverage_leaves_out_brand_replies_at_either_end(fresh_db: sqlite_utils.Database) -> None:
    _coverage_rows(fresh_db)
    _check_coverage(fresh_db)
    assert O.last_data_day(fresh_db) == "2026-03-04"


def test_data_coverage_is_read_alike_on_postgresql(pg_url: str) -> None:
    db = store.open_db(pg_url)
    try:
        _coverage_rows(db)
        _check_coverage(db)
    finally:
        db.close()


# --- KPIs --------------------------------------------------------------------------------------


def test_kpis_are_compared_with_the_previous_period(week_db: sqlite_utils.Database) -> None:
    table = O.kpi_summary(week_db, CURRENT, periods_of(week_db))
    mentions = kpi(table, "mentions")
    assert (mentions["value"], mentions["previous"], mentions["change"], mentions["change_pct"]) == (
        5,
        3,
        2.0,
        66.7,
    )
    net = kpi(table, "net_sentiment")  # (3 positive - 1 negative) / 5 scored; before (2 - 1) / 3
    assert (net["value"], net["previous"], net["change"]) == (40.0, 33.3333, 6.6667)
    assert (net["unit"], net["higher_is_better"]) == ("percent", True)
    assert kpi(table, "share_of_voice")["value"] == 80.0  # 4 of 5 name Velora
    assert kpi(table, "reach")["value"] == 160  # ana 100 + cy 10 + bo 50; dee has no count
    assert kpi(table, "response_rate")["value"] == 25.0  # m4 of m4, m5, m6, m8 answered


def test_sparklines_hold_seven_day_values_ending_on_the_last_day(week_db: sqlite_utils.Database) -> None:
    table = O.kpi_summary(week_db, CURRENT, periods_of(week_db))
    assert kpi(table, "mentions")["spark"] == [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 3.0, 5.0]
    assert table.attrs["spark_windows"][-1] == ("2026-03-08", "2026-03-14")
    assert kpi(table, "unique_authors")["spark"] is None  # not a tile


def test_snapshot_kpis_have_no_change(week_db: sqlite_utils.Database) -> None:
    table = O.kpi_summary(week_db, CURRENT, periods_of(week_db), keys=("advocates", "avg_clv"))
    assert table["key"].tolist() == ["advocates", "avg_clv"]
    assert table["snapshot"].tolist() == [True, True]
    assert table["change"].isna().all() and table["spark"].isna().all()


@pytest.mark.parametrize(
    ("f", "mentions", "previous"),
    [
        (Filters("2026-03-08", "2026-03-14", brands=("Velora",)), 4, 2),
        (Filters("2026-03-08", "2026-03-14", platforms=("instagram",)), 2, 1),
        (Filters("2026-03-08", "2026-03-14", langs=("fr",)), 0, 0),
    ],
)
def test_filters_narrow_the_mentions(
    week_db: sqlite_utils.Database, f: Filters, mentions: int, previous: int
) -> None:
    row = kpi(O.kpi_summary(week_db, f, periods_of(week_db, f), keys=("mentions",)), "mentions")
    assert (row["value"], row["previous"]) == (mentions, previous)


def test_share_of_voice_ignores_the_brand_filter_and_says_so(week_db: sqlite_utils.Database) -> None:
    f = Filters("2026-03-08", "2026-03-14", brands=("Velora",))
    row = kpi(O.kpi_summary(week_db, f, periods_of(week_db, f), keys=("share_of_voice",)), "share_of_voice")
    assert (row["value"], row["note"]) == (80.0, "share of voice ignores the brand filter")


def test_a_segment_filter_without_segments_says_it_is_not_applied(week_db: sqlite_utils.Database) -> None:
    f = Filters("2026-03-08", "2026-03-14", segment=2)
    table = O.kpi_summary(week_db, f, periods_of(week_db, f), keys=("mentions",))
    assert table.attrs["segment_note"] == (
        "Segments are not computed yet, so the segment filter is not applied until the scores are recomputed."
    )


# --- trends, movers, alerts ------------------------------------------------------------------------


def test_weekly_trends_count_mentions_and_net_sentiment_per_monday_and_brand(
    week_db: sqlite_utils.Database,
) -> None:
    trends = O.weekly_trends(week_db, Filters(), "2026-03-01", "2026-03-14")
    rows = trends[["week", "brand", "mentions", "net_sentiment", "partial"]].astype(object).values.tolist()
    assert rows == [
        ["2026-03-02", "Rival", 1, 100.0, False],
        ["2026-03-02", "Velora", 3, 33.3, False],  # m1 +, m2 -, m4 + (Sunday 8 March closes the week)
        ["2026-03-09", "Rival", 1, -100.0, True],  # the range ends on Saturday 14 March
        ["2026-03-09", "Velora", 3, 66.7, True],
    ]


def test_weekly_trends_of_nothing_is_an_empty_frame_with_the_columns(week_db: sqlite_utils.Database) -> None:
    trends = O.weekly_trends(week_db, Filters(brands=("Nobody",)), "2026-03-01", "2026-03-14")
    assert trends.empty and list(trends.columns) == list(O.TREND_COLUMNS)


def test_authors_who_moved_most_come_first(week_db: sqlite_utils.Database) -> None:
    movers = O.top_movers(week_db, CURRENT, periods_of(week_db), "authors")
    # cy +2; then dee +1 and ana -1 (ties: most mentions now, then by key); bo 1 -> 1 did not move.
    assert movers[["label", "platform", "now", "before", "change"]].values.tolist() == [
        ["@cy", "twitter", 2, 0, 2],
        ["@dee", "instagram", 1, 0, 1],
        ["@ana", "twitter", 1, 2, -1],
    ]


def test_sentiment_movers_need_scored_mentions_in_both_periods(week_db: sqlite_utils.Database) -> None:
    periods = periods_of(week_db)
    movers = O.top_movers(week_db, CURRENT, periods, "authors", by="sentiment", min_scored=1)
    assert movers[["label", "net_now", "net_before", "net_change"]].values.tolist() == [
        ["@bo", -100.0, 100.0, -200.0],
        ["@ana", 100.0, 0.0, 100.0],
    ]
    assert O.top_movers(week_db, CURRENT, periods, "authors", by="sentiment").empty  # default needs 10


def test_topic_movers_use_the_mentions_dominant_topic(week_db: sqlite_utils.Database) -> None:
    movers = O.top_movers(week_db, CURRENT, periods_of(week_db), "topics")
    assert movers[["key", "label", "now", "before"]].values.tolist() == [
        ["t1", "delivery · late", 2, 1],
        ["t2", "quality", 1, 0],
    ]


def test_segment_movers_are_empty_before_segments_are_computed(week_db: sqlite_utils.Database) -> None:
    movers = O.top_movers(week_db, CURRENT, periods_of(week_db), "segments")
    assert movers.empty and list(movers.columns) == list(O.MOVER_COLUMNS)


def test_alerts_of_the_period_come_with_a_sentence_and_their_drivers(week_db: sqlite_utils.Database) -> None:
    alerts = O.open_alerts(week_db, CURRENT, periods_of(week_db))
    assert alerts["alert_id"].tolist() == [1]  # alert 2 is from January
    row = alerts.iloc[0]
    assert row["what"] == (
        "Negative-sentiment spike · Rival: 12 negative mentions on the peak day against 3.0 a day before, 4.0× the usual"
    )
    assert (row["top_authors"], row["top_topics"], row["top_mention"]) == (
        "@bo (instagram) (1)",
        "quality (1)",
        HOSTILE,
    )
    assert O.open_alerts(week_db, Filters(brands=("Velora",)), periods_of(week_db)).empty


def test_alerts_are_empty_before_they_are_computed(fresh_db: sqlite_utils.Database) -> None:
    assert O.open_alerts(fresh_db, Filters(), None).empty


def test_readiness_asks_for_a_score_until_derived_tables_exist(week_db: sqlite_utils.Database) -> None:
    state = O.readiness(week_db)
    assert (state.mentions, state.scored, state.is_empty, state.needs_score) == (10, 9, False, True)
    assert state.derived == ("topics", "mention_topics", "alerts")


def test_an_empty_database_is_empty(fresh_db: sqlite_utils.Database) -> None:
    assert O.readiness(fresh_db).is_empty


# --- formatting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "currency", "key", "compact", "expected"),
    [
        (None, "count", None, "mentions", False, "—"),
        (14_723_540, "count", None, "reach", True, "14.72M"),
        (14_723_540, "count", None, "reach", False, "14,723,540"),
        (-3.25, "percent", None, "nps", False, "-3.2"),
        (62.7486, "percent", None, "share_of_voice", False, "62.7 %"),
        (1047.3, "currency", "EUR", "avg_clv", True, "1,047.30 EUR"),
        (109.2, "minutes", None, "median_first_response_minutes", False, "109 min"),
        (2.2133, "ratio", None, "purchase_frequency", False, "2.21"),
    ],
)
def test_values_are_formatted_with_their_unit(value, unit, currency, key, compact, expected) -> None:  # type: ignore[no-untyped-def]
    assert O.format_value(value, unit, currency, key=key, compact=compact) == expected


@pytest.mark.parametrize(
    ("change", "pct", "unit", "expected"),
    [
        (None, None, "count", None),
        (-87.0, -59.2, "count", "-87 (-59.2 %)"),
        (3_044_535.0, 26.1, "count", "+3,044,535 (+26.1 %)"),
        (7.1835, None, "percent", "+7.2 pts"),
        (-1.5, None, "currency", "-1.50"),
    ],
)
def test_changes_are_formatted_with_their_sign(change, pct, unit, expected) -> None:  # type: ignore[no-untyped-def]
    assert O.format_change(change, pct, unit) == expected


def test_filters_are_described_in_words() -> None:
    f = Filters(
        "2026-03-08",
        "2026-03-14",
        brands=("Velora",),
        platforms=("twitter", "instagram"),
        langs=("en",),
        segment=3,
    )
    assert O.describe_filters(f) == (
        "from 8 Mar 2026 to 14 Mar 2026; brand Velora; platform twitter, instagram; language en; segment 3"
    )
    assert O.describe_filters(Filters()) == "no filters"


def test_role_counts_are_unknown_until_roles_are_computed(week_db: sqlite_utils.Database) -> None:
    row = kpi(O.kpi_summary(week_db, CURRENT, periods_of(week_db), keys=("advocates",)), "advocates")
    assert row["value"] is None
    assert row["note"] == "author roles are not computed yet; recompute the scores first"
