"""The Advocates & detractors page's engine reads, on a tiny hand-made ``roles`` table."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlite_utils

from scrm.analysis import roles
from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters
from scrm.views import advocates as A

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
        "No mentions yet. Import mentions on the Data page or load the demo there; "
        "the scores follow in the background."
    )
    assert A.role_table(fresh_db).empty


def test_mentions_without_roles_say_to_run_score(fresh_db: sqlite_utils.Database) -> None:
    add_recent_mentions(fresh_db)
    assert A.not_ready_reason(fresh_db) == "Author roles are not computed yet. They follow in the background (or use Recompute now on the Settings page)."


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


def test_recent_sentiment_keys_profiles_exactly_as_the_profiles_sql_does(db: sqlite_utils.Database) -> None:
    store.upsert_rows(
        db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "brand", "from_brand"],
        [
            ("k1", " Twitter ", " @@Zoé ", "a", "2026-10-10T10:00:00", "Velora", 0),
            ("k2", "twitter", "zoé", "b", "2026-10-11T10:00:00", "Velora", 0),
            ("k3", "", "ÁLBA", "c", "2026-10-12T10:00:00", "Velora", 0),
            ("k4", None, "álba", "d", "2026-10-13T10:00:00", "Velora", 0),
        ],
    )
    store.upsert_rows(
        db, S.SENTIMENT, ["mention_id", "lang", "score", "label"],
        [("k1", "en", 0.2, "positive"), ("k2", "en", 0.4, "positive"), ("k3", "en", -0.2, "negative"), ("k4", "en", -0.4, "negative")],
    )
    expected = db.execute(
        f"SELECT {roles.PROFILE_ID_SQL} AS p, count(*), avg(s.score) FROM {S.MENTIONS} m "
        f"JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id GROUP BY 1 ORDER BY 1"
    ).fetchall()
    recent = A.recent_sentiment(db).sort_values("profile_id")
    assert len(expected) == 3  # " @@Zoé " joins "zoé"; SQLite folds ASCII only, so "ÁLBA" and "álba" stay two
    assert list(recent.itertuples(index=False, name=None)) == [(p, n, round(avg, 4)) for p, n, avg in expected]


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


# --- two currencies ------------------------------------------------------------------
# Valued customers per currency, with customers nobody's profile links to (X, Y): the
# "top 20 %" is taken over all customers of a currency, not only the linked ones.
# EUR by CLV: B 40, F 100, X1 300, X2 500, A 2000 -> deciles 1, 3, 5, 7, 9 (rank method of scrm.analysis.value).
# GBP by CLV: E 10, Y1 50, Y2 80, D 1000, Y3 1200 -> deciles 1, 3, 5, 7, 9.
# The stored deciles (over both currencies mixed) call D's 1,000 GBP decile 9: high value.
CURRENCY_OF = {"A": "EUR", "B": "EUR", "F": "eur ", "X1": "EUR", "X2": "EUR", "D": "GBP", "E": "GBP", "Y1": "GBP", "Y2": "GBP", "Y3": "GBP"}
MORE_VALUES = [("X1", 300.0, 6), ("X2", 500.0, 7), ("Y1", 50.0, 3), ("Y2", 80.0, 4), ("Y3", 1200.0, 10)]


@pytest.fixture
def two_currencies(db: sqlite_utils.Database) -> sqlite_utils.Database:
    values = [(c, clv, d, "Loyal") for c, clv, d, _ in CUSTOMERS] + [(c, clv, d, "Loyal") for c, clv, d in MORE_VALUES]
    store.replace_table(
        db, A.CUSTOMER_VALUE, pd.DataFrame(values, columns=["customer_id", "clv", "clv_decile", "rfm_segment"]), pk="customer_id"
    )
    store.upsert_rows(
        db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount", "currency"],
        [(f"o-{c}", c, "2026-09-01T10:00:00", 10.0, code) for c, code in CURRENCY_OF.items()],
    )
    return db


def test_each_linked_author_carries_the_currency_of_their_customer(two_currencies: sqlite_utils.Database) -> None:
    roles = A.role_table(two_currencies).set_index("profile_id")
    assert roles["currency"].to_dict() == {
        "twitter:ann": "EUR", "instagram:bea": "EUR", "twitter:cat": None, "twitter:dan": "GBP", "twitter:eve": "GBP",
        "twitter:fay": "EUR",  # "eur " in the order, read as the Segments page reads it
    }
    deciles = roles["currency_clv_decile"]
    assert deciles.isna().to_dict()["twitter:cat"]  # no linked customer
    assert deciles.dropna().astype(int).to_dict() == {
        "twitter:ann": 9, "instagram:bea": 1, "twitter:dan": 7, "twitter:eve": 1, "twitter:fay": 3,
    }
    assert A.has_currency(roles) is True
    assert set(A.ranked(A.role_table(two_currencies), "detractor").columns) >= {"clv", "currency"}
    assert A.campaign_list(A.role_table(two_currencies), ("ambassador",))[["clv", "currency"]].values.tolist() == [[2000.0, "EUR"]]


def test_a_customer_paying_in_two_currencies_gets_the_joined_code(two_currencies: sqlite_utils.Database) -> None:
    store.upsert_rows(two_currencies, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount", "currency"],
                      [("o-F2", "F", "2026-09-02T10:00:00", 5.0, "GBP")])
    assert A.role_table(two_currencies).set_index("profile_id").loc["twitter:fay", "currency"] == "EUR+GBP"


def test_high_value_is_the_top_20_percent_within_each_currency(two_currencies: sqlite_utils.Database) -> None:
    points = A.quadrant(A.role_table(two_currencies)).set_index("profile_id")
    assert points["quadrant"].to_dict() == {
        "twitter:ann": "Champions to activate",  # 2,000 EUR: EUR decile 9
        "twitter:dan": "Low priority",  # 1,000 GBP: GBP decile 7 (below Y3's 1,200 GBP), influence 0.3
        "twitter:fay": "Low priority",
        "instagram:bea": "Low priority",
        "twitter:eve": "Loud, low value: nurture",
    }
    thresholds = A.value_thresholds(points.reset_index())
    assert thresholds.values.tolist() == [["EUR", 2000.0], ["GBP", 1200.0]]


def test_total_clv_per_quadrant_is_summed_per_currency(two_currencies: sqlite_utils.Database) -> None:
    counts = A.quadrant_counts(A.quadrant(A.role_table(two_currencies)))
    assert list(counts.columns) == ["quadrant", "profiles", "clv_EUR", "clv_GBP"]  # EUR first: 3 authors against 2
    assert counts.set_index("quadrant").to_dict("index") == {
        "Champions to activate": {"profiles": 1, "clv_EUR": 2000.0, "clv_GBP": 0.0},
        "Valuable, quiet: reward": {"profiles": 0, "clv_EUR": 0.0, "clv_GBP": 0.0},
        "Loud, low value: nurture": {"profiles": 1, "clv_EUR": 0.0, "clv_GBP": 10.0},
        "Low priority": {"profiles": 3, "clv_EUR": 140.0, "clv_GBP": 1000.0},  # bea 40 + fay 100 EUR; dan 1,000 GBP
    }


def test_clv_at_risk_is_summed_per_currency(two_currencies: sqlite_utils.Database) -> None:
    add_recent_mentions(two_currencies)
    at_risk = A.detractors_at_risk(A.role_table(two_currencies), A.recent_sentiment(two_currencies))
    assert at_risk[["profile_id", "clv_at_risk", "currency"]].values.tolist() == [
        ["twitter:dan", 1000.0, "GBP"], ["twitter:fay", 10.0, "EUR"], ["twitter:eve", 4.0, "GBP"],
    ]
    # GBP: dan 1,000 (negative lately: all of it) + eve 10 x 0.4 = 1,004 of 1,010 CLV; EUR: fay 100 x 0.1 = 10.
    assert A.at_risk_by_currency(at_risk).values.tolist() == [["GBP", 2, 1004.0, 1010.0], ["EUR", 1, 10.0, 100.0]]


def test_a_database_without_currencies_keeps_plain_totals(db: sqlite_utils.Database) -> None:
    add_recent_mentions(db)
    roles = A.role_table(db)
    assert A.has_currency(roles) is False
    assert roles["currency"].isna().all()
    counts = A.quadrant_counts(A.quadrant(roles))
    assert list(counts.columns) == ["quadrant", "profiles", "clv"]
    assert A.value_thresholds(A.quadrant(roles)).values.tolist() == [[None, 1000.0]]  # stored deciles: dan's 1,000 is decile 9
    at_risk = A.at_risk_by_currency(A.detractors_at_risk(roles, A.recent_sentiment(db)))
    assert at_risk.values.tolist() == [[None, 3, 1014.0, 1110.0]]
