"""Journey stages, transitions between them, and feedback placed in a phase of the experience."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import sqlite_utils

from scrm.analysis import journey
from scrm.db import schema as S
from scrm.db import store

T = pd.Timestamp("2026-10-31T23:59:59")


def frames(
    orders: list[str] = (),  # type: ignore[assignment]
    mentions: list[tuple[str, str, bool]] = (),  # type: ignore[assignment]
    surveys: list[tuple[str, int]] = (),  # type: ignore[assignment]
    cases: list[tuple[str, str, str | None]] = (),  # type: ignore[assignment]
) -> dict[str, pd.DataFrame]:
    """Touchpoints of one customer C1: order times, mentions (time, label, support), surveys (time, score),
    cases (queue, opened, resolved or None; opened by a negative mention that is not a reply)."""
    return {
        "cases": pd.DataFrame(
            {
                "case_id": list(range(1, len(cases) + 1)),
                "customer_id": ["C1"] * len(cases),
                "queue": [c[0] for c in cases],
                "at": pd.to_datetime([c[1] for c in cases]),
                "resolved_at": pd.to_datetime([c[2] for c in cases]),
                "label": ["negative"] * len(cases),
                "support": [False] * len(cases),
            }
        ),
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
    assert journey.stages_at(T, f["orders"], f["mentions"], f["surveys"], f["cases"]).to_dict() == {"C1": stage}


# A repeat buyer (orders 36 days apart, last 41 days ago: not overdue) who complained twice before a rescue case.
COMPLAINT = {
    "orders": ["2026-08-15", "2026-09-20"],
    "mentions": [("2026-09-25", "negative", False), ("2026-09-26", "negative", False)],
}
RESOLVED_RESCUE = ("rescue", "2026-09-26", "2026-09-27")
OPEN_RESCUE = ("rescue", "2026-09-26", None)


@pytest.mark.parametrize(
    ("orders", "mentions", "cases", "stage"),
    [
        # An open rescue case keeps a buyer at risk, even with a new order.
        (["2026-10-05"], [], [OPEN_RESCUE], "at_risk"),
        # Resolved, but no sign of recovery yet: the complaints still count.
        ([], [], [RESOLVED_RESCUE], "at_risk"),
        # Recovery: an order or praise after the resolution; the complaints before it no longer count.
        (["2026-10-05"], [], [RESOLVED_RESCUE], "repeat"),
        ([], [("2026-10-10", "positive", False)], [RESOLVED_RESCUE], "advocate"),
        # Without the rescue case, two complaints outweigh one positive mention.
        ([], [("2026-10-10", "positive", False)], [], "at_risk"),
        # A recovered customer who complains again after the resolution is at risk again.
        (["2026-10-05"], [("2026-10-20", "negative", False)], [RESOLVED_RESCUE], "at_risk"),
        # A resolution after the as-of date is not one yet.
        (["2026-10-05"], [], [("rescue", "2026-09-26", "2026-11-02")], "at_risk"),
        # After the recovery, a thank-you case is praise.
        (["2026-10-05"], [], [RESOLVED_RESCUE, ("thank-you", "2026-10-20", None)], "advocate"),
    ],
)
def test_rescue_cases_hold_customers_at_risk_until_resolved_and_recovered(
    orders: list[str], mentions: list[tuple[str, str, bool]], cases: list[tuple[str, str, str | None]], stage: str
) -> None:
    f = frames(orders=[*COMPLAINT["orders"], *orders], mentions=[*COMPLAINT["mentions"], *mentions], cases=cases)
    assert journey.stages_at(T, f["orders"], f["mentions"], f["surveys"], f["cases"]).to_dict() == {"C1": stage}


@pytest.mark.parametrize(("resolved", "stage"), [(None, "at_risk"), ("2026-06-02", "first_purchase")])
def test_an_open_rescue_case_keeps_a_customer_at_risk_without_any_recent_complaint(resolved: str | None, stage: str) -> None:
    f = frames(orders=["2026-10-01"], cases=[("rescue", "2026-06-01", resolved)])
    assert journey.stages_at(T, f["orders"], f["mentions"], f["surveys"], f["cases"]).to_dict() == {"C1": stage}


@pytest.mark.parametrize(
    ("queue", "stage"), [("thank-you", "advocate"), ("support", "repeat"), ("rescue", "at_risk")]
)
def test_a_thank_you_case_makes_a_repeat_buyer_an_advocate(queue: str, stage: str) -> None:
    f = frames(orders=["2026-08-15", "2026-09-20"], cases=[(queue, "2026-10-01", None)])
    assert journey.stages_at(T, f["orders"], f["mentions"], f["surveys"], f["cases"]).to_dict() == {"C1": stage}


def test_a_case_engages_a_customer_who_has_not_ordered_and_later_cases_do_not_count() -> None:
    f = frames(mentions=[("2026-10-01", "neutral", False)], cases=[("support", "2026-10-02", None)])
    assert journey.stages_at(T, f["orders"], f["mentions"], f["surveys"], f["cases"]).to_dict() == {"C1": "engaged"}
    early = pd.Timestamp("2026-10-01T23:59:59")
    assert journey.stages_at(early, f["orders"], f["mentions"], f["surveys"], f["cases"]).to_dict() == {"C1": "aware"}
    only_case = frames(cases=[("support", "2026-10-02", None)])
    assert journey.stages_at(T, only_case["orders"], only_case["mentions"], only_case["surveys"], only_case["cases"]).to_dict() == {
        "C1": "engaged"
    }


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


@pytest.mark.parametrize(
    ("orders", "support", "phase"),
    [
        ([], False, "pre_purchase"),
        (["2026-06-01"], False, "purchase_delivery"),
        (["2026-03-01"], False, "post_purchase"),
        (["2026-06-01"], True, "support"),
    ],
)
def test_support_cases_are_feedback_placed_in_the_phase_where_they_happened(orders: list[str], support: bool, phase: str) -> None:
    touch = frames(orders=orders, cases=[("support", "2026-06-10", None), ("rescue", "2026-06-10", None), ("thank-you", "2026-06-10", None)])
    touch["cases"]["support"] = support
    placed = journey.place_feedback(touch)
    # Rescue and thank-you cases act on stages; their mentions are the feedback.
    assert placed[["source", "id", "customer_id", "phase", "label"]].values.tolist() == [["case", "1", "C1", phase, "negative"]]


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


def test_refresh_reads_cases_by_their_customer_or_the_customer_linked_to_their_profile(fresh_db: sqlite_utils.Database) -> None:
    store.set_meta(fresh_db, "own_brand", "Velora")
    store.upsert_rows(fresh_db, S.CUSTOMERS, ["customer_id", "email"], [("C1", "ana@example.com"), ("C2", "bo@example.com")])
    store.upsert_rows(
        fresh_db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount"],
        [("O1", "C1", "2026-08-15T10:00:00", 50.0), ("O2", "C1", "2026-09-20T10:00:00", 70.0), ("O3", "C2", "2026-10-01T10:00:00", 20.0),
         ("O4", "C1", "2026-10-05T10:00:00", 30.0)],
    )
    store.upsert_rows(
        fresh_db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "brand", "from_brand", "in_reply_to"],
        [
            ("M1", "twitter", "ana", "broken again", "2026-09-25T10:00:00", "Velora", 0, None),
            ("M2", "twitter", "bo", "@velora_help where is my order?", "2026-10-02T10:00:00", "Velora", 0, None),
            ("M3", "twitter", "cy", "help!", "2026-10-03T10:00:00", "Velora", 0, None),
        ],
    )
    store.upsert_rows(fresh_db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], [("M1", "en", -0.8, "negative"), ("M2", "en", 0.0, "neutral")])
    store.upsert_rows(fresh_db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status"], [("twitter:bo", "C2", "email", 1.0, S.LINKED)])
    store.upsert_rows(
        fresh_db, S.CASES, ["case_id", "queue", "customer_id", "profile_id", "mention_id", "status", "opened_at", "resolved_at"],
        [
            (1, "rescue", "C1", "twitter:ana", "M1", "resolved", "2026-09-25T10:00:00", "2026-09-26T10:00:00"),
            (2, "support", None, "twitter:bo", "M2", "new", "2026-10-02T10:00:00", None),  # customer through the link
            (3, "support", None, "twitter:cy", "M3", "new", "2026-10-03T10:00:00", None),  # nobody known: not a touchpoint
            (4, "rescue", "C2", "twitter:bo", "M2", "new", "2026-11-05T10:00:00", None),  # after the as-of date
        ],
    )

    journey.refresh(fresh_db, as_of="2026-10-31")

    rows = fresh_db.execute(f"SELECT customer_id, stage, cases, open_rescue_cases, recovered_at FROM {journey.JOURNEY} ORDER BY customer_id").fetchall()
    # C1's mention is not linked (no link for twitter:ana), but the case names C1: the order after the resolution is a recovery.
    assert rows == [("C1", "repeat", 1, 0, "2026-10-05T10:00:00"), ("C2", "first_purchase", 1, 0, None)]
    cases = fresh_db.execute(f"SELECT source, id, customer_id, phase, label FROM {journey.FEEDBACK_PHASES} WHERE source = 'case'").fetchall()
    assert cases == [("case", "2", "C2", "purchase_delivery", "neutral")]


def _as_customer(touch: dict[str, pd.DataFrame], customer_id: str) -> dict[str, pd.DataFrame]:
    return {k: f.assign(customer_id=customer_id) for k, f in touch.items()}


# Four customers whose stages depend on each other's neighbours in time: a recovered complaint (A), an open
# rescue case (B), a thank-you case (C) and a prospect who only talks (D, first alphabetically last in time).
CROWD = {
    "A": frames(orders=["2026-08-15", "2026-09-20", "2026-10-05"], mentions=[("2026-09-25", "negative", False)], cases=[RESOLVED_RESCUE]),
    "B": frames(orders=["2026-03-01", "2026-09-30"], mentions=[("2026-10-06", "positive", False)], cases=[("rescue", "2026-10-01", None)]),
    "C": frames(orders=["2025-12-01", "2026-06-01"], cases=[("thank-you", "2026-06-20", None)], surveys=[("2026-07-01", 4)]),
    "0D": frames(mentions=[("2026-05-01", "neutral", False), ("2026-10-30", "neutral", True)]),
}


@pytest.mark.parametrize("when", ["2026-06-30T23:59:59", "2026-09-26T12:00:00", "2026-09-30T23:59:59", "2026-10-31T23:59:59"])
def test_stages_of_many_customers_at_once_are_the_stages_of_each_alone(when: str) -> None:
    t = pd.Timestamp(when)
    alone = {}
    for cid, touch in CROWD.items():
        own = _as_customer(touch, cid)
        alone.update(journey.stages_at(t, own["orders"], own["mentions"], own["surveys"], own["cases"]).to_dict())
    # Interleave the customers' rows so that no kind of touchpoint is sorted by customer or by time.
    crowd = {k: pd.concat([_as_customer(t_, c)[k] for c, t_ in CROWD.items()], ignore_index=True).iloc[::-1] for k in CROWD["A"]}
    together = journey.stages_at(t, crowd["orders"], crowd["mentions"], crowd["surveys"], crowd["cases"])
    assert together.to_dict() == alone
    assert list(together.index) == sorted(alone)
    history = journey.stage_history(crowd, [t])
    assert dict(zip(history["customer_id"], history["stage"], strict=True)) == alone


def test_the_crowd_reaches_the_documented_stages() -> None:
    crowd = {k: pd.concat([_as_customer(t_, c)[k] for c, t_ in CROWD.items()], ignore_index=True) for k in CROWD["A"]}
    assert journey.stages_at(T, crowd["orders"], crowd["mentions"], crowd["surveys"], crowd["cases"]).to_dict() == {
        "0D": "engaged",  # two mentions, one a reply
        "A": "repeat",  # the order after the resolution forgives the complaint; no praise
        "B": "at_risk",  # the open rescue case outweighs the praise
        "C": "advocate",  # the thank-you case is praise; the 0-6 answer is older than 90 days
    }
    state = journey.rescue_state(T, pd.Index(["A", "B", "C", "Z"]), crowd["orders"], crowd["mentions"], crowd["surveys"], crowd["cases"])
    assert state["open_rescue"].tolist() == [0, 1, 0, 0]
    assert state["resolved_at"].tolist()[0] == pd.Timestamp("2026-09-27")
    assert state["recovered_at"].tolist()[0] == pd.Timestamp("2026-10-05")
    assert state["recovered_at"].isna().tolist() == [False, True, True, True]


@pytest.mark.parametrize("email_only", [True, False])
def test_a_survey_without_customer_id_belongs_to_every_customer_with_its_email(fresh_db: sqlite_utils.Database, email_only: bool) -> None:
    store.upsert_rows(
        fresh_db, S.CUSTOMERS, ["customer_id", "email"],
        [("C1", "ana@example.com"), ("C2", " ANA@example.com"), ("C3", "bo@example.com"), ("C4", None)],
    )
    answers = [
        ("S1", "C3", "ana@example.com", 9, "2026-10-01T10:00:00"),  # its own customer id wins over the e-mail
        ("S2", None, "Ana@Example.com ", 3, "2026-10-02T10:00:00"),  # two customers share the e-mail: one row each
        ("S3", None, "nobody@example.com", 5, "2026-10-03T10:00:00"),  # names nobody
        ("S4", None, None, 7, "2026-10-04T10:00:00"),  # names nobody
        ("S5", "C1", None, 10, "2026-11-05T10:00:00"),  # after the date
    ]
    if not email_only:
        answers = [a for a in answers if a[1] is not None]
    store.upsert_rows(fresh_db, S.SURVEYS, ["survey_id", "customer_id", "email", "score", "answered_at"], answers)
    got = journey.load_surveys(fresh_db, "2026-10-31T23:59:59")
    expected = [["S1", "C3", 9, "2026-10-01T10:00:00"]] + ([["S2", "C1", 3, "2026-10-02T10:00:00"], ["S2", "C2", 3, "2026-10-02T10:00:00"]] if email_only else [])
    assert got[["survey_id", "customer_id", "score", "at"]].values.tolist() == expected
