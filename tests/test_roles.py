"""Author roles: influencer, advocate, ambassador and detractor scores, and relations to the brand."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
import sqlite_utils

from scrm.analysis import roles
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError

MENTION_COLS = [
    "mention_id", "platform", "author", "text", "posted_at", "kind", "brand",
    "likes", "shares", "replies", "author_followers", "from_brand",
]
AS_OF = "2026-10-31"


def add_mentions(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """Mentions with defaults, plus their sentiment label (key ``label``) in ``sentiment``."""
    full, sent = [], []
    for i, r in enumerate(rows):
        row = {
            "mention_id": f"M{i:04d}", "platform": "twitter", "text": "hello", "posted_at": "2026-10-01T10:00:00",
            "kind": "post", "brand": "Velora", "likes": 0, "shares": 0, "replies": 0, "author_followers": 100,
            "from_brand": 0, **r,
        }
        full.append([row[c] for c in MENTION_COLS])
        if row.get("label"):
            sent.append((row["mention_id"], "en", {"positive": 0.8, "negative": -0.8}.get(row["label"], 0.0), row["label"]))
    store.upsert_rows(db, S.MENTIONS, MENTION_COLS, full)
    store.upsert_rows(db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], sent)
    # Profiles as scrm.analysis.identity builds them: one per platform and lower-cased handle.
    frame = pd.DataFrame(full, columns=MENTION_COLS)
    frame["profile_id"] = frame["platform"] + ":" + frame["author"].str.lower()
    prof = frame.groupby("profile_id").agg(platform=("platform", "first"), handle=("author", "first"), followers=("author_followers", "max"))
    store.upsert_rows(
        db, S.PROFILES, ["profile_id", "platform", "handle", "followers"],
        [(pid, r.platform, r.handle, int(r.followers)) for pid, r in prof.iterrows()],
    )


def link(db: sqlite_utils.Database, profile_id: str, customer_id: str, status: str = S.LINKED) -> None:
    store.upsert_rows(db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status"], [(profile_id, customer_id, "email", 1.0, status)])


def add_orders(db: sqlite_utils.Database, *rows: tuple[str, str, float]) -> None:
    store.upsert_rows(
        db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount"],
        [(f"O{i}", c, t, a) for i, (c, t, a) in enumerate(rows)],
    )


def world(db: sqlite_utils.Database) -> None:
    """A fan who recommends and reshares, a loud complainer, a big account, a quiet one and a brand account."""
    store.set_meta(db, "own_brand", "Velora")
    rows: list[dict[str, Any]] = []
    for i in range(8):
        rows.append({"author": "fan", "label": "positive", "text": "I recommend Velora to everyone" if i % 2 else "love it", "shares": 3})
    rows += [{"author": "fan", "kind": "share", "label": "neutral", "text": "RT @velora_uk: new lamps"}] * 2
    rows += [{"author": "angry", "label": "negative", "author_followers": 20_000, "text": "I would not recommend Velora"}] * 8
    rows += [{"author": "star", "label": "neutral", "author_followers": 800_000, "likes": 900, "brand": "Casanova Home"}] * 3
    rows += [{"author": "quiet", "label": "positive", "author_followers": 30}]
    rows += [{"author": "velora_uk", "label": "positive", "author_followers": 90_000, "from_brand": 1}] * 5
    add_mentions(db, rows)


def scores(db: sqlite_utils.Database) -> pd.DataFrame:
    return roles.compute_roles(db, as_of=AS_OF).set_index("handle")


def test_each_planted_author_ranks_first_for_their_role(fresh_db: sqlite_utils.Database) -> None:
    world(fresh_db)
    r = scores(fresh_db)
    assert r["advocate_score"].idxmax() == "fan"
    assert r["detractor_score"].idxmax() == "angry"
    assert r["influencer_score"].idxmax() == "star"
    assert r.loc[["fan", "angry", "star", "quiet"], "role"].tolist() == ["advocate", "detractor", "influencer", "none"]


def test_praise_spread_over_every_brand_is_not_advocacy(fresh_db: sqlite_utils.Database) -> None:
    store.set_meta(fresh_db, "own_brand", "Velora")
    rows: list[dict[str, Any]] = []
    for brand in ("Velora", "Casanova Home", "Maison Brix"):
        rows += [{"author": "gifted", "label": "positive", "brand": brand}] * 10
    rows += [{"author": "loyal", "label": "positive"}] * 10
    add_mentions(fresh_db, rows)
    r = scores(fresh_db)
    assert r.loc["gifted", "loyalty"] == round(1 / 3, 4)
    assert r.loc["gifted", "advocate_score"] == pytest.approx(r.loc["loyal", "advocate_score"] / 3, abs=1e-3)


def test_brand_accounts_get_no_role(fresh_db: sqlite_utils.Database) -> None:
    world(fresh_db)
    assert "velora_uk" not in scores(fresh_db).index


def test_scores_and_components_stay_between_zero_and_one(fresh_db: sqlite_utils.Database) -> None:
    world(fresh_db)
    r = scores(fresh_db)
    cols = [
        "influencer_score", "advocate_score", "ambassador_score", "detractor_score", "reach", "engagement",
        "volume", "positive_share", "negative_share", "recommend_share", "amplification", "clv_factor",
    ]
    assert ((r[cols] >= 0) & (r[cols] <= 1)).all().all()


def test_components_follow_the_documented_formulas(fresh_db: sqlite_utils.Database) -> None:
    world(fresh_db)
    fan = scores(fresh_db).loc["fan"]
    assert fan["own_mentions"] == 10
    assert fan["positive_share"] == 0.8  # 8 of 10 scored own-brand mentions
    assert fan["recommend_share"] == 0.4
    assert fan["volume"] == round(10 / 15, 4)
    assert fan["loyalty"] == 1.0  # every brand they name is the own brand
    expected = fan["volume"] * (0.6 * 0.8 + 0.25 * 0.4 + 0.15 * fan["amplification"])
    assert fan["advocate_score"] == pytest.approx(expected, abs=1e-3)


def test_advocate_with_a_top_clv_customer_is_an_ambassador(fresh_db: sqlite_utils.Database) -> None:
    world(fresh_db)
    link(fresh_db, "twitter:fan", "C1")
    link(fresh_db, "twitter:quiet", "C2")
    add_orders(fresh_db, ("C1", "2026-09-01T10:00:00", 900.0), ("C2", "2026-09-01T10:00:00", 20.0))
    store.replace_table(fresh_db, "customer_value", pd.DataFrame({"customer_id": ["C1", "C2"], "clv": [5000.0, 10.0], "clv_decile": [10, 1]}))
    r = scores(fresh_db)
    assert r.loc["fan", "role"] == "ambassador"
    assert r.loc["fan", "ambassador_score"] == r.loc["fan", "advocate_score"]
    assert r.loc["quiet", "ambassador_score"] == 0


def test_without_customer_value_the_year_revenue_decile_stands_in(fresh_db: sqlite_utils.Database) -> None:
    add_orders(fresh_db, *[(f"C{i}", "2026-06-01T10:00:00", float(i)) for i in range(1, 11)])
    deciles = roles.clv_deciles(fresh_db, "2026-10-31T23:59:59").set_index("customer_id")["clv_decile"]
    assert deciles["C10"] == 10
    assert deciles["C1"] == 1


@pytest.mark.parametrize(
    ("orders", "status", "relation"),
    [
        ([], S.LINKED, "prospect"),
        ([("C1", "2026-03-01T10:00:00", 50.0)], S.LINKED, "customer"),
        ([("C1", "2025-03-01T10:00:00", 50.0)], S.LINKED, "former_customer"),
        ([("C1", "2026-11-15T10:00:00", 50.0)], S.LINKED, "prospect"),  # after as_of: not yet a customer
        ([("C1", "2026-03-01T10:00:00", 50.0)], S.SUGGESTED, "prospect"),  # a suggestion is no link
    ],
)
def test_relation_follows_the_linked_customers_orders(
    fresh_db: sqlite_utils.Database, orders: list[tuple[str, str, float]], status: str, relation: str
) -> None:
    add_mentions(fresh_db, [{"author": "ana", "label": "positive"}])
    link(fresh_db, "twitter:ana", "C1", status)
    add_orders(fresh_db, *orders)
    assert scores(fresh_db).loc["ana", "relation"] == relation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I highly recommend Velora", True),
        ("Recommended!", True),
        ("Os recomiendo la tienda de Bilbao", True),
        ("Je recommande VELORA les yeux fermés", True),
        ("Je ne me lasse pas de recommander Velora", True),
        ("I would not recommend them", False),
        ("Can't recommend this shop", False),
        ("No lo recomiendo", False),
        ("Je ne recommande pas", False),
        ("Je déconseille Velora", False),
        ("Lovely sofa", False),
    ],
)
def test_recommending_words_are_found_in_three_languages(text: str, expected: bool) -> None:
    assert roles.recommends(pd.Series([text])).tolist() == [expected]


def test_refresh_writes_roles_and_says_when_sentiment_is_missing(fresh_db: sqlite_utils.Database) -> None:
    store.upsert_rows(
        fresh_db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"],
        [("M1", "twitter", "ana", "hola", "2026-10-01T10:00:00")],
    )
    store.upsert_rows(fresh_db, S.PROFILES, ["profile_id", "platform", "handle", "followers"], [("twitter:ana", "twitter", "ana", 10)])
    summary = roles.refresh(fresh_db)
    assert (summary.stage, summary.rows) == ("roles", 1)
    assert summary.message == (
        "Scored 1 authors: 0 ambassadors, 0 detractors, 0 advocates, 0 influencers. "
        "No sentiment scores yet, so nobody is an advocate or detractor: run `python -m scrm score`."
    )
    row = fresh_db.execute(f"SELECT profile_id, role, relation FROM {roles.ROLES}").fetchall()
    assert row == [("twitter:ana", "none", "prospect")]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2026-10-31", "2026-10-31T23:59:59"), ("2026-10-31T12:00:00", "2026-10-31T12:00:00"), (None, "2026-10-02T23:59:59")],
)
def test_as_of_defaults_to_the_end_of_the_latest_day_in_the_data(
    fresh_db: sqlite_utils.Database, as_of: str | None, expected: str
) -> None:
    add_orders(fresh_db, ("C1", "2026-10-02T08:00:00", 10.0))
    assert roles.resolve_as_of(fresh_db, as_of) == expected


def test_an_unreadable_analysis_date_says_how_to_write_it(fresh_db: sqlite_utils.Database) -> None:
    with pytest.raises(ConfigError) as e:
        roles.resolve_as_of(fresh_db, "31st of Octember")
    assert str(e.value) == "The analysis date '31st of Octember' is not a date; write it as YYYY-MM-DD, e.g. 2026-10-31."


def test_the_demo_influencers_are_the_top_influencer_scores(fresh_db: sqlite_utils.Database) -> None:
    from scrm import demo

    demo.build_demo(fresh_db, scale="tiny")
    story = json.loads(store.get_meta(fresh_db, "demo_story") or "{}")
    planted = set(story["influencers"])
    best = roles.compute_roles(fresh_db).groupby("handle")["influencer_score"].max().sort_values(ascending=False)
    assert set(best.head(len(planted)).index) == planted
