"""Journey map reads on tiny hand-made journey tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters
from scrm.views import journey as J


@pytest.fixture
def journeys(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    db = fresh_db
    store.insert_rows(db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount"], [["O1", "A", "2024-06-30T10:00:00", 5.0]])
    store.replace_table(
        db,
        "journey",
        pd.DataFrame(
            {
                "customer_id": ["A", "B", "C", "D", "E"],
                "stage": ["repeat", "repeat", "at_risk", "first_purchase", "lapsed"],
                "since": ["2024-05-31T23:59:59", "2024-04-30T23:59:59", "2024-06-30T23:59:59", "2024-06-30T23:59:59", "2024-01-31T23:59:59"],
            }
        ),
    )
    store.replace_table(
        db,
        "journey_transitions",
        pd.DataFrame(
            {
                "from_stage": ["start", "first_purchase", "first_purchase", "repeat", "repeat", "at_risk"],
                "to_stage": ["first_purchase", "repeat", "at_risk", "at_risk", "lapsed", "lapsed"],
                "customers": [5, 3, 1, 2, 1, 1],
                "transitions": [5, 3, 1, 2, 1, 1],
                "median_days": [None, 30.0, 200.0, 90.0, 400.0, 60.0],
            }
        ),
    )
    store.replace_table(db, "segments", pd.DataFrame({"customer_id": ["A", "B", "C", "D", "E"], "segment_id": [1, 1, 2, 2, 2]}))
    store.replace_table(
        db, "segment_profiles", pd.DataFrame({"segment_id": [1, 2], "description": ["loyal buyers", "others"]})
    )
    store.replace_table(
        db,
        "feedback_phases",
        pd.DataFrame(
            {
                "source": ["mention", "mention", "survey", "survey"],
                "id": ["M1", "M2", "S1", "S2"],
                "customer_id": ["A", "C", "B", "C"],
                "phase": ["post_purchase", "support", "purchase_delivery", "purchase_delivery"],
                "at": ["2024-05-01T00:00:00", "2024-06-01T00:00:00", "2024-03-01T00:00:00", "2024-06-10T00:00:00"],
                "label": ["positive", "negative", "positive", "negative"],
            }
        ),
    )
    store.insert_rows(db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], [["M1", "en", 0.5, "positive"], ["M2", "en", -0.7, "negative"]])
    store.insert_rows(db, S.SURVEYS, ["survey_id", "customer_id", "score", "answered_at"], [["S1", "B", 10, "2024-03-01T00:00:00"], ["S2", "C", 3, "2024-06-10T00:00:00"]])
    return db


def test_funnel_counts_every_stage_in_journey_order(journeys: sqlite_utils.Database) -> None:
    funnel = J.stage_funnel(journeys)
    assert list(funnel["stage"]) == ["aware", "engaged", "first_purchase", "repeat", "advocate", "at_risk", "lapsed"]
    assert list(funnel["customers"]) == [0, 0, 1, 2, 0, 1, 1]
    assert list(funnel["group"]) == ["path"] * 5 + ["exit"] * 2
    assert funnel["share"].sum() == pytest.approx(1.0)


def test_funnel_follows_the_segment_filter(journeys: sqlite_utils.Database) -> None:
    assert list(J.stage_funnel(journeys, Filters(segment=1))["customers"]) == [0, 0, 0, 2, 0, 0, 0]
    assert J.stage_funnel(journeys, Filters(segment=9))["customers"].sum() == 0


def test_transitions_give_the_share_of_those_leaving_each_stage(journeys: sqlite_utils.Database) -> None:
    moves = J.transitions(journeys).set_index(["from_stage", "to_stage"])
    assert moves.loc[("first_purchase", "repeat"), "share"] == pytest.approx(0.75)
    assert moves.loc[("repeat", "lapsed"), "to_label"] == "Lapsed"
    assert list(J.transitions(journeys)["from_stage"])[0] == "start"


def test_drop_offs_list_the_largest_moves_to_at_risk_or_lapsed(journeys: sqlite_utils.Database) -> None:
    drops = J.drop_offs(journeys)
    assert list(zip(drops["from_stage"], drops["to_stage"], drops["customers"], strict=True)) == [
        ("repeat", "at_risk", 2),
        ("at_risk", "lapsed", 1),
        ("first_purchase", "at_risk", 1),
        ("repeat", "lapsed", 1),
    ]


def test_stage_time_weights_medians_by_customers_and_counts_days_so_far(journeys: sqlite_utils.Database) -> None:
    times = J.stage_time(journeys).set_index("stage")
    # first_purchase: 3 customers after 30 days, 1 after 200: the weighted median is 30.
    assert times.loc["first_purchase", "median_days_before_moving"] == 30.0
    assert times.loc["first_purchase", "customers_moved"] == 4
    # as_of = end of the latest order's day (2024-06-30T23:59:59); A since 05-31, B since 04-30.
    assert times.loc["repeat", "median_days_so_far"] == pytest.approx((30 + 61) / 2)
    assert math.isnan(times.loc["advocate", "median_days_so_far"])
    seg = J.stage_time(journeys, Filters(segment=2)).set_index("stage")
    assert seg.loc["repeat", "customers_now"] == 0 and seg.loc["at_risk", "customers_now"] == 1


def test_feedback_by_phase_counts_labels_sentiment_and_nps(journeys: sqlite_utils.Database) -> None:
    by_phase = J.feedback_by(journeys).set_index("key")
    assert list(by_phase.index) == ["purchase_delivery", "post_purchase", "support"]
    row = by_phase.loc["purchase_delivery"]
    assert (row["items"], row["surveys"], row["positive"], row["negative"], row["nps"], row["avg_score"]) == (2, 2, 1, 1, 0.0, 6.5)
    assert by_phase.loc["support", "avg_sentiment"] == pytest.approx(-0.7)
    assert by_phase.loc["support", "negative_share"] == 1.0


def test_feedback_by_stage_uses_the_current_stage_and_filters(journeys: sqlite_utils.Database) -> None:
    by_stage = J.feedback_by(journeys, by="stage").set_index("key")
    assert dict(by_stage["items"]) == {"repeat": 2, "at_risk": 2}
    june = J.feedback_by(journeys, Filters(date_from="2024-06-01", date_to="2024-06-30"), by="stage")
    assert list(june["key"]) == ["at_risk"] and list(june["items"]) == [2]
    assert J.feedback_by(journeys, Filters(segment=1))["items"].sum() == 2


def test_reads_before_scoring_are_empty_frames(fresh_db: sqlite_utils.Database) -> None:
    assert not J.journey_ready(fresh_db)
    for frame in (
        J.stage_funnel(fresh_db),
        J.transitions(fresh_db),
        J.stage_time(fresh_db),
        J.feedback_by(fresh_db),
        J.drop_offs(fresh_db),
    ):
        assert frame.empty and len(frame.columns) > 0
    assert J.segment_names(fresh_db) == {}


def test_segment_names_number_the_descriptions(journeys: sqlite_utils.Database) -> None:
    assert J.segment_names(journeys) == {1: "1: loyal buyers", 2: "2: others"}


def test_funnel_counts_case_touchpoints_per_stage_and_zeros_for_older_journeys(journeys: sqlite_utils.Database) -> None:
    assert J.stage_funnel(journeys)[["with_cases", "open_rescue_cases", "recovered"]].sum().tolist() == [0, 0, 0]
    store.replace_table(
        journeys,
        "journey",
        pd.DataFrame(
            {
                "customer_id": ["A", "B", "C"],
                "stage": ["repeat", "repeat", "at_risk"],
                "since": ["2024-05-31T23:59:59"] * 3,
                "cases": [2, 0, 3],
                "open_rescue_cases": [0, 0, 2],
                "recovered_at": ["2024-06-01T10:00:00", None, None],
            }
        ),
    )
    funnel = J.stage_funnel(journeys).set_index("stage")
    assert funnel.loc["repeat", ["customers", "with_cases", "open_rescue_cases", "recovered"]].tolist() == [2, 1, 0, 1]
    assert funnel.loc["at_risk", ["customers", "with_cases", "open_rescue_cases", "recovered"]].tolist() == [1, 1, 2, 0]
    assert J.stage_funnel(journeys, Filters(segment=2))["open_rescue_cases"].sum() == 2


def test_support_cases_count_as_feedback_without_counting_their_mention_twice(journeys: sqlite_utils.Database) -> None:
    store.insert_rows(
        journeys, "feedback_phases", ["source", "id", "customer_id", "phase", "at", "label"],
        [["case", "7", "C", "support", "2024-06-01T00:00:00", "negative"], ["case", "8", "A", "pre_purchase", "2024-01-01T00:00:00", "neutral"]],
    )
    by_phase = J.feedback_by(journeys).set_index("key")
    support = by_phase.loc["support"]
    # M2 (negative) opened case 7: one negative piece of voice, one case.
    assert (support["items"], support["mentions"], support["cases"], support["negative"], support["negative_share"]) == (2, 1, 1, 1, 1.0)
    only_cases = by_phase.loc["pre_purchase"]
    assert (only_cases["items"], only_cases["cases"], only_cases["neutral"]) == (1, 1, 0)
    assert only_cases["negative_share"] is None or math.isnan(only_cases["negative_share"])
