"""Journey stages, transitions between them, and feedback placed in a phase of the experience."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import sqlite_utils

from scrm import journey, store
from scrm import schema as S

T = pd.Timestamp("2026-10-31T23:59:59")


def frames(
    orders: list[str] = (),  # type: ignore[assignment]
    mentions: list[tuple[str, str, bool]] = (),  # type: ignore[assignment]
    surveys: list[tuple[str, int]] = (),  # type: ignore[assignment]
) -> dict[str, pd.DataFrame]:
    """Touchpoints of one customer C1: order times, mentions (time, label, support), surveys (time, score)."""
    return {
        "orders": pd.DataFrame({"customer_id": ["C1"] * len(orders), "at": pd.to_datetime(list(orders))}),
        "mentions": pd.DataFrame(
            {
                "customer_id": ["C1"] * len(mentions),
                "mention_id": [f"M{i}" for i in range(len(mentions))],
                "at": pd.to_datetime([m[0] for m in mentions]),
                "label": [m[1] for m in mentions],
                "support": [m[2] for m in mentions],
            }
        ),
        "surveys": pd.DataFrame(
            {
                "customer_id": ["C1"] * len(surveys),
                "survey_id": [f"S{i}" for i in range(len(surveys))],
                "at": pd.to_datetime([s[0] for s in surveys]),
                "score": [s[1] for s in surveys],
            }
        ),
    }


@pytest.mark.parametrize(
    ("touch", "stage"),
    [
        ({"mentions": [("2026-10-01", "neutral", False)]}, "aware"),
        ({"mentions": [("2026-10-01", "neutral", False), ("2026-10-02", "neutral", False)]}, "engaged"),
        ({"mentions": [("2026-10-01", "neutral", True)]}, "engaged"),
        ({"surveys": [("2026-10-01", 7)]}, "engaged"),
        ({"orders": ["2026-10-01"]}, "first_purchase"),
        ({"orders": ["2026-08-01", "2026-10-01"]}, "repeat"),
        ({"orders": ["2026-08-01", "2026-10-01"], "surveys": [("2026-10-05", 10)]}, "advocate"),
        ({"orders": ["2026-08-01", "2026-10-01"], "mentions": [("2026-10-05", "positive", False)]}, "advocate"),
        ({"orders": ["2026-01-01"]}, "at_risk"),  # 303 days > 1.5 x the default 180-day gap
        ({"orders": ["2026-06-01", "2026-07-01", "2026-08-01"]}, "at_risk"),  # 91 days > 1.5 x 30
        ({"orders": ["2026-10-01"], "mentions": [("2026-10-10", "negative", False)]}, "at_risk"),
        ({"orders": ["2026-10-01"], "surveys": [("2026-10-10", 3)]}, "at_risk"),
        (
            {"orders": ["2026-10-01"], "mentions": [("2026-10-10", "negative", False), ("2026-10-11", "positive", False), ("2026-10-12", "positive", False)]},
            "first_purchase",
        ),
        ({"orders": ["2025-01-01", "2025-06-01"], "surveys": [("2026-10-05", 10)]}, "lapsed"),
    ],
)
def test_stage_follows_the_documented_rules(touch: dict[str, Any], stage: str) -> None:
    f = frames(**touch)
    assert journey.stages_at(T, f["orders"], f["mentions"], f["surveys"]).to_dict() == {"C1": stage}


def test_touchpoints_after_the_date_do_not_count() -> None:
    f = frames(orders=["2026-11-05"], mentions=[("2026-11-06", "positive", False)])
    assert journey.stages_at(T, f["orders"], f["mentions"], f["surveys"]).empty


def test_transitions_count_customers_and_median_days_in_the_stage() -> None:
    d = [pd.Timestamp(x) for x in ("2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30")]
    history = pd.DataFrame(
        {
            "customer_id": ["A"] * 4 + ["B"] * 3,
            "at": d + d[1:],
            "stage": ["first_purchase", "first_purchase", "repeat", "at_risk", "first_purchase", "repeat", "repeat"],
        }
    )
    current, trans = journey.summarise_history(history)
    assert current.set_index("customer_id").to_dict("index") == {
        "A": {"stage": "at_risk", "since": "2026-04-30T00:00:00"},
        "B": {"stage": "repeat", "since": "2026-03-31T00:00:00"},
    }
    got = {(r.from_stage, r.to_stage): (r.customers, r.median_days) for r in trans.itertuples()}
    assert got[("start", "first_purchase")][0] == 2
    # A spent 59 days in first purchase (Jan 31 to Mar 31), B 28 (Feb 28 to Mar 31 is 31): median of 59 and 31.
    assert got[("first_purchase", "repeat")] == (2, 45.0)
    assert got[("repeat", "at_risk")] == (1, 30.0)


@pytest.mark.parametrize(
    ("orders", "mention", "phase"),
    [
        ([], ("2026-05-01", "neutral", False), "pre_purchase"),
        (["2026-06-01"], ("2026-05-01", "neutral", False), "pre_purchase"),
        (["2026-06-01"], ("2026-06-20", "negative", False), "purchase_delivery"),
        (["2026-06-01"], ("2026-08-20", "positive", False), "post_purchase"),
        (["2024-06-01"], ("2026-08-20", "positive", False), "lapsed"),
        (["2026-06-01"], ("2026-06-02", "negative", True), "support"),
    ],
)
def test_feedback_is_placed_in_the_phase_where_it_happened(orders: list[str], mention: tuple[str, str, bool], phase: str) -> None:
    placed = journey.place_feedback(frames(orders=orders, mentions=[mention]))
    assert placed[["source", "id", "customer_id", "phase", "label"]].values.tolist() == [["mention", "M0", "C1", phase, mention[1]]]


def test_survey_answers_are_feedback_labelled_by_nps_class() -> None:
    placed = journey.place_feedback(frames(orders=["2026-06-01"], surveys=[("2026-06-10", 10), ("2026-09-10", 8), ("2026-10-10", 2)]))
    assert placed[["id", "phase", "label"]].values.tolist() == [
        ["S0", "purchase_delivery", "positive"],
        ["S1", "post_purchase", "neutral"],
        ["S2", "post_purchase", "negative"],
    ]


def test_refresh_writes_the_three_tables_from_linked_mentions_orders_and_surveys(fresh_db: sqlite_utils.Database) -> None:
    store.set_meta(fresh_db, "own_brand", "Velora")
    store.upsert_rows(fresh_db, S.CUSTOMERS, ["customer_id", "email"], [("C1", "ana@example.com"), ("C2", "bo@example.com")])
    store.upsert_rows(
        fresh_db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount"],
        [("O1", "C1", "2026-07-01T10:00:00", 50.0), ("O2", "C1", "2026-09-01T10:00:00", 70.0)],
    )
    store.upsert_rows(
        fresh_db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "brand", "from_brand", "in_reply_to"],
        [
            ("M1", "twitter", "ana", "love it", "2026-09-10T10:00:00", "Velora", 0, None),
            ("M2", "twitter", "velora_uk", "thanks", "2026-09-10T11:00:00", "Velora", 1, "M1"),
            ("M3", "twitter", "ana", "Casanova is nice", "2026-09-11T10:00:00", "Casanova Home", 0, None),
            ("M4", "twitter", "bo", "where is my order?", "2026-10-01T10:00:00", "Velora", 0, None),
        ],
    )
    store.upsert_rows(fresh_db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], [("M1", "en", 0.8, "positive"), ("M4", "en", 0.0, "neutral")])
    store.upsert_rows(
        fresh_db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status"],
        [("twitter:ana", "C1", "email", 1.0, S.LINKED), ("twitter:bo", "C2", "email", 1.0, S.LINKED)],
    )
    # A survey that names its customer by e-mail only.
    store.upsert_rows(fresh_db, S.SURVEYS, ["survey_id", "email", "score", "answered_at"], [("S1", "BO@example.com ", 8, "2026-10-02T10:00:00")])

    summary = journey.refresh(fresh_db, as_of="2026-10-31")

    assert (summary.stage, summary.rows) == ("journey", 2)
    stages = dict(fresh_db.execute(f"SELECT customer_id, stage FROM {journey.JOURNEY}").fetchall())
    assert stages == {"C1": "advocate", "C2": "engaged"}
    phases = fresh_db.execute(f"SELECT source, id, customer_id, phase FROM {journey.FEEDBACK_PHASES} ORDER BY id").fetchall()
    assert phases == [("mention", "M1", "C1", "purchase_delivery"), ("mention", "M4", "C2", "pre_purchase"), ("survey", "S1", "C2", "pre_purchase")]
    entries = fresh_db.execute(
        f"SELECT to_stage, customers FROM {journey.JOURNEY_TRANSITIONS} WHERE from_stage = 'start' ORDER BY to_stage"
    ).fetchall()
    # Month-end snapshots: C1 enters at July's end as a first buyer; C2's first touchpoints are in October.
    assert entries == [("engaged", 1), ("first_purchase", 1)]


def test_refresh_on_an_empty_database_writes_empty_tables(fresh_db: sqlite_utils.Database) -> None:
    summary = journey.refresh(fresh_db)
    assert summary.rows == 0
    assert {journey.JOURNEY, journey.JOURNEY_TRANSITIONS, journey.FEEDBACK_PHASES} <= set(fresh_db.table_names())
