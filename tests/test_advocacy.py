"""The Advocates & detractors page's engine reads, on a tiny hand-made ``roles`` table."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlite_utils

from scrm import advocacy as A
from scrm import schema as S
from scrm import store
from scrm.filters import Filters

ROLE_COLUMNS = [
    "profile_id", "platform", "handle", "customer_id", "influencer_score", "advocate_score", "ambassador_score",
    "detractor_score", "role", "relation", "followers", "reach", "engagement", "mentions", "own_mentions", "volume",
    "loyalty", "positive_share", "negative_share", "recommend_share", "amplification", "clv_decile", "clv_factor",
]


def role_row(pid: str, customer: str | None, role: str, *, infl: float = 0.1, adv: float = 0.0, amb: float = 0.0, det: float = 0.0,
             decile: int | None = None) -> dict[str, object]:
    platform, handle = pid.split(":")
    return {
        "profile_id": pid, "platform": platform, "handle": handle, "customer_id": customer, "influencer_score": infl,
        "advocate_score": adv, "ambassador_score": amb, "detractor_score": det, "role": role,
        "relation": "customer" if customer else "prospect", "followers": 100, "reach": 0.33, "engagement": 0.1,
        "mentions": 10, "own_mentions": 10, "volume": 0.67, "loyalty": 1.0, "positive_share": 0.5, "negative_share": 0.5,
        "recommend_share": 0.0, "amplification": 0.0, "clv_decile": decile, "clv_factor": 0.0,
    }


ROLES = [
    role_row("twitter:ann", "A", "ambassador", infl=0.8, adv=0.6, amb=0.6, decile=10),
    role_row("instagram:bea", "B", "advocate", infl=0.2, adv=0.4, decile=2),
    role_row("twitter:cat", None, "advocate", infl=0.9, adv=0.5),
    role_row("twitter:dan", "D", "detractor", infl=0.3, det=0.5, decile=9),
    role_row("twitter:eve", "E", "detractor", infl=0.6, det=0.4, decile=1),
    role_row("twitter:fay", "F", "none", infl=0.1, det=0.1, decile=5),
]
# customer_id, clv, clv_decile, consent
CUSTOMERS = [("A", 2000.0, 10, 1), ("B", 40.0, 2, 1), ("D", 1000.0, 9, 0), ("E", 10.0, 1, 1), ("F", 100.0, 5, 1)]


@pytest.fixture
def db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    frame = pd.DataFrame(ROLES, columns=ROLE_COLUMNS).astype({"clv_decile": "Int64"})
    store.replace_table(fresh_db, A.ROLES, frame, pk="profile_id")
    store.upsert_rows(
        fresh_db, S.CUSTOMERS, ["customer_id", "name", "email", "consent_marketing"],
        [(c, f"Name {c}", f"{c.lower()}@x.io", consent) for c, _, _, consent in CUSTOMERS],
    )
    value = pd.DataFrame([(c, clv, d, "Loyal") for c, clv, d, _ in CUSTOMERS], columns=["customer_id", "clv", "clv_decile", "rfm_segment"])
    store.replace_table(fresh_db, A.CUSTOMER_VALUE, value, pk="customer_id")
    store.replace_table(fresh_db, A.SEGMENTS, pd.DataFrame({"customer_id": ["A", "B", "D", "E", "F"], "segment_id": [1, 2, 1, 2, 2]}))
    return fresh_db


def add_recent_mentions(db: sqlite_utils.Database) -> None:
    """dan: two mentions of the own brand in October averaging -0.5; eve: one at -0.9 (too few); an old one of dan."""
    store.set_meta(db, "own_brand", "Velora")
    store.upsert_rows(
        db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "brand", "from_brand"],
        [
            ("m1", "twitter", "dan", "bad", "2026-10-10T10:00:00", "Velora", 0),
            ("m2", "twitter", "@Dan", "worse", "2026-10-30T10:00:00", "Velora", 0),
            ("m3", "twitter", "eve", "awful", "2026-10-30T10:00:00", "Velora", 0),
            ("m4", "twitter", "dan", "old praise", "2026-01-01T10:00:00", "Velora", 0),
            ("m5", "twitter", "dan", "other brand", "2026-10-30T11:00:00", "Maison Brix", 0),
        ],
    )
    store.upsert_rows(
        db, S.SENTIMENT, ["mention_id", "lang", "score", "label"],
        [("m1", "en", -0.4, "negative"), ("m2", "en", -0.6, "negative"), ("m3", "en", -0.9, "negative"),
         ("m4", "en", 0.9, "positive"), ("m5", "en", 0.9, "positive")],
    )


def test_an_empty_database_says_to_import_mentions(fresh_db: sqlite_utils.Database) -> None:
    assert A.not_ready_reason(fresh_db) == (
        "No mentions yet. Import mentions on the Data page or load the demo (`python -m scrm demo`), "
        "then run `python -m scrm score`."
    )
    assert A.role_table(fresh_db).empty


def test_mentions_without_roles_say_to_run_score(fresh_db: sqlite_utils.Database) -> None:
    add_recent_mentions(fresh_db)
    assert A.not_ready_reason(fresh_db) == "Author roles are not computed yet. Run `python -m scrm score`, then reload this page."


def test_the_role_table_joins_clv_and_consent(db: sqlite_utils.Database) -> None:
    roles = A.role_table(db).set_index("profile_id")
    assert roles.loc["twitter:ann", "clv"] == 2000.0
    assert roles.loc["twitter:ann", "name"] == "Name A"
    assert bool(roles.loc["twitter:dan", "consent_marketing"]) is False
    assert roles["clv"].isna().to_dict()["twitter:cat"]
    assert bool(roles.loc["twitter:cat", "consent_marketing"]) is False


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(platforms=("instagram",)), ["instagram:bea"]),
        (Filters(platforms=("Instagram",)), ["instagram:bea"]),
        (Filters(segment=1), ["twitter:ann", "twitter:dan"]),
        (Filters(segment=3), []),
    ],
)
def test_platform_and_segment_filters_select_profiles(db: sqlite_utils.Database, filters: Filters, expected: list[str]) -> None:
    assert sorted(A.role_table(db, filters)["profile_id"]) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [("advocate", ["twitter:cat", "instagram:bea"]), ("detractor", ["twitter:dan", "twitter:eve"]), ("ambassador", ["twitter:ann"]), ("influencer", [])],
)
def test_ranked_lists_hold_the_role_best_score_first(db: sqlite_utils.Database, role: str, expected: list[str]) -> None:
    top = A.ranked(A.role_table(db), role)
    assert top["profile_id"].tolist() == expected
    assert set(A.COMPONENTS[role]) <= set(top.columns)


def test_ranked_can_keep_consenting_customers_only(db: sqlite_utils.Database) -> None:
    assert A.ranked(A.role_table(db), "detractor", consented_only=True)["profile_id"].tolist() == ["twitter:eve"]


def test_the_quadrant_places_linked_customers_by_clv_decile_and_influence(db: sqlite_utils.Database) -> None:
    points = A.quadrant(A.role_table(db)).set_index("profile_id")
    assert "twitter:cat" not in points.index  # no linked customer, no CLV
    assert points["quadrant"].to_dict() == {
        "twitter:ann": "Champions to activate",  # decile 10, influence 0.8
        "twitter:dan": "Valuable, quiet: reward",  # decile 9, influence 0.3
        "twitter:fay": "Low priority",
        "twitter:eve": "Loud, low value: nurture",  # decile 1, influence 0.6
        "instagram:bea": "Low priority",
    }
    counts = A.quadrant_counts(A.quadrant(A.role_table(db))).set_index("quadrant")
    assert counts.loc["Low priority", "profiles"] == 2
    assert counts.loc["Low priority", "clv"] == 140.0


def test_an_empty_quadrant_counts_zero_everywhere() -> None:
    counts = A.quadrant_counts(pd.DataFrame({"profile_id": [], "quadrant": [], "clv": []}))
    assert counts["profiles"].tolist() == [0, 0, 0, 0]


def test_recent_sentiment_averages_own_brand_mentions_of_the_last_90_days(db: sqlite_utils.Database) -> None:
    add_recent_mentions(db)
    assert A.lately_window(db) == ("2026-08-02", "2026-10-31")
    recent = A.recent_sentiment(db).set_index("profile_id")
    assert recent.loc["twitter:dan", "recent_mentions"] == 2
    assert recent.loc["twitter:dan", "recent_sentiment"] == -0.5
    assert recent.loc["twitter:eve", "recent_mentions"] == 1
    # A date filter sets the window instead.
    older = A.recent_sentiment(db, Filters(date_from="2026-01-01", date_to="2026-01-31")).set_index("profile_id")
    assert older["recent_sentiment"].to_dict() == {"twitter:dan": 0.9}


def test_detractors_are_ranked_by_clv_at_risk(db: sqlite_utils.Database) -> None:
    add_recent_mentions(db)
    at_risk = A.detractors_at_risk(A.role_table(db), A.recent_sentiment(db))
    # dan is negative lately: his whole CLV (1000) is at risk; fay 100 x 0.1 = 10; eve 10 x 0.4 = 4 (one mention is too few).
    assert at_risk[["profile_id", "clv_at_risk", "negative_lately"]].values.tolist() == [
        ["twitter:dan", 1000.0, True],
        ["twitter:fay", 10.0, False],
        ["twitter:eve", 4.0, False],
    ]


def test_the_campaign_list_takes_the_chosen_roles_and_consent(db: sqlite_utils.Database) -> None:
    roles = A.role_table(db)
    assert A.campaign_list(roles, ("ambassador", "advocate"))["profile_id"].tolist() == ["twitter:ann", "twitter:cat", "instagram:bea"]
    assert A.campaign_list(roles, ("ambassador", "advocate"), consented_only=True)["profile_id"].tolist() == ["twitter:ann", "instagram:bea"]
    assert A.campaign_list(roles, ()).empty
