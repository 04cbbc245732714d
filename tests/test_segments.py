from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import sqlite_utils
from sklearn.exceptions import NotFittedError

from scrm.analysis import segments
from scrm.db import schema as S
from scrm.db import store


def blobs(sizes: tuple[int, ...] = (60, 40, 20), seed: int = 0) -> pd.DataFrame:
    """Three well separated groups: small recent spenders, big lapsed spenders, mid buyers."""
    rng = np.random.default_rng(seed)
    centres = [(10.0, 2.0, 80.0), (300.0, 20.0, 3000.0), (120.0, 6.0, 400.0)]
    parts = []
    for n, (recency, orders, revenue) in zip(sizes, centres, strict=False):
        parts.append(
            pd.DataFrame(
                {
                    "recency_days": rng.normal(recency, recency * 0.05, n),
                    "orders": np.round(rng.normal(orders, orders * 0.05, n)),
                    "revenue": rng.normal(revenue, revenue * 0.05, n),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame.index = pd.Index([f"C{i:04d}" for i in range(len(frame))], name="customer_id")
    return frame


# --- the model --------------------------------------------------------------------


def test_three_blobs_give_three_segments_largest_first() -> None:
    model = segments.SegmentModel().fit(blobs())
    assert model.n_clusters_ == 3
    assert max(model.silhouette_, key=lambda k: model.silhouette_[k]) == 3
    assert model.sizes_.tolist() == [60, 40, 20]
    assert model.labels_.tolist() == [1] * 60 + [2] * 40 + [3] * 20


def test_centres_are_in_original_units() -> None:
    model = segments.SegmentModel().fit(blobs())
    centres = model.cluster_centers_
    # log1p then expm1 gives back the geometric-ish centre: within 5% of the blob.
    assert centres.loc[2, "revenue"] == pytest.approx(3000, rel=0.05)
    assert centres.loc[1, "recency_days"] == pytest.approx(10, rel=0.05)
    assert centres.loc[3, "orders"] == pytest.approx(6, rel=0.05)


def test_segments_are_described_from_their_centres() -> None:
    model = segments.SegmentModel().fit(blobs())
    assert model.descriptions_ == {
        1: "low value, recent buyers, rare buyers",
        2: "high value, lapsed buyers, frequent buyers",
        3: "typical customers",
    }


def test_the_same_data_gives_the_same_labels_twice() -> None:
    data = blobs(seed=4)
    first = segments.SegmentModel(random_state=1).fit(data)
    second = segments.SegmentModel(random_state=1).fit(data.sample(frac=1, random_state=0).sort_index())
    np.testing.assert_array_equal(first.labels_, second.labels_)
    assert first.descriptions_ == second.descriptions_


def test_a_given_k_is_used_and_predict_places_new_customers() -> None:
    model = segments.SegmentModel(n_clusters=2).fit(blobs())
    assert model.n_clusters_ == 2 and model.silhouette_ == {}
    new = pd.DataFrame({"recency_days": [11.0], "orders": [2.0], "revenue": [75.0]})
    assert model.predict(new).tolist() == [1]


def test_an_unfitted_model_says_what_to_call_first() -> None:
    with pytest.raises(NotFittedError, match=r"call fit\(features\) first"):
        segments.SegmentModel().predict(blobs())


def test_missing_feature_values_are_refused_by_name() -> None:
    data = blobs()
    data.iloc[3, 2] = np.nan
    with pytest.raises(ValueError, match="features revenue have missing values"):
        segments.SegmentModel().fit(data)


@pytest.mark.parametrize(
    ("z", "centre", "expected"),
    [
        ({"clv": 0.7}, {"clv": 900.0}, "high value"),
        ({"clv": -0.2, "revenue": 2.0}, {"clv": 10.0, "revenue": 99.0}, "typical customers"),
        ({"revenue": -0.9, "orders": -0.8}, {"revenue": 20.0, "orders": 1.0}, "low value, one-time buyers"),
        ({"mentions": 1.5, "sentiment_90d": 1.1}, {"mentions": 9.0, "sentiment_90d": 0.6}, "active on social, positive lately"),
        ({"sentiment_90d": -0.6}, {"sentiment_90d": -0.01}, "typical customers"),
        (
            {"clv": 1.5, "recency_days": 1.6, "orders": 2.0},
            {"clv": 5000.0, "recency_days": 700.0, "orders": 40.0},
            "top value, long lapsed, very frequent buyers",
        ),
    ],
)
def test_descriptions_follow_the_z_score_rule(z: dict[str, float], centre: dict[str, float], expected: str) -> None:
    assert segments.describe_centre(pd.Series(z), pd.Series(centre)) == expected


@pytest.mark.parametrize(
    ("main_platform", "expected"),
    [
        (("instagram", 0.7), "negative lately, active on Instagram"),
        (("twitter", 0.4), "negative lately, active on X/Twitter"),
        (("twitter", 0.39), "active on social, negative lately"),
        (None, "active on social, negative lately"),
    ],
)
def test_the_main_platform_of_most_members_replaces_active_on_social(
    main_platform: tuple[str, float] | None, expected: str
) -> None:
    z, centre = pd.Series({"mentions": 1.0, "sentiment_90d": -1.0}), pd.Series({"mentions": 5.0, "sentiment_90d": -0.5})
    assert segments.describe_centre(z, centre, main_platform) == expected


# --- features and refresh -------------------------------------------------------------


def add_value(db: sqlite_utils.Database, frame: pd.DataFrame) -> None:
    """What scrm.analysis.value writes (only the columns segments read, plus one it ignores)."""
    value = frame.reset_index().assign(clv=lambda f: f["revenue"] * 0.5, r_score=3)
    store.replace_table(db, segments.CUSTOMER_VALUE, value, pk="customer_id")


def add_social(db: sqlite_utils.Database, customers: list[str], *, platform: str, score: float | None,
               per_customer: int = 3) -> None:
    rows, links, scores = [], [], []
    for c in customers:
        handle = f"h_{c.lower()}"
        links.append((f"{platform}:{handle}", c, "email", 1.0, S.LINKED))
        for j in range(per_customer):
            mid = f"{c}-{platform}-{j}"
            rows.append((mid, platform, f"@{handle.upper()}", "text", f"2026-10-{10 + j:02d}T10:00:00", 0))
            if score is not None:
                scores.append((mid, "en", score, "negative" if score < 0 else "positive"))
    store.upsert_rows(db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "from_brand"], rows)
    store.upsert_rows(db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status"], links)
    if scores:
        store.upsert_rows(db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], scores)


def test_features_join_linked_profiles_mentions_and_sentiment(fresh_db: sqlite_utils.Database) -> None:
    data = blobs()
    add_value(fresh_db, data)
    add_social(fresh_db, ["C0000", "C0001"], platform="instagram", score=-0.6)
    add_social(fresh_db, ["C0001"], platform="twitter", score=None, per_customer=1)
    notes: list[str] = []
    features = segments.build_customer_features(fresh_db, as_of="2026-10-31", notes=notes)
    # Revenue drives CLV: only CLV is clustered when both exist.
    assert list(features.columns) == ["recency_days", "orders", "clv", "mentions", "sentiment_90d", "main_platform"]
    assert features.loc["C0000", ["mentions", "sentiment_90d", "main_platform"]].tolist() == [3.0, -0.6, "instagram"]
    # Unscored mentions count for volume, not for the average.
    assert features.loc["C0001", ["mentions", "sentiment_90d", "main_platform"]].tolist() == [4.0, -0.6, "instagram"]
    assert features.loc["C0002", ["mentions", "sentiment_90d", "main_platform"]].tolist() == [0.0, 0.0, None]
    assert notes == []


def test_mentions_older_than_ninety_days_are_not_lately(fresh_db: sqlite_utils.Database) -> None:
    add_value(fresh_db, blobs())
    add_social(fresh_db, ["C0000"], platform="instagram", score=-0.6)
    notes: list[str] = []
    features = segments.build_customer_features(fresh_db, as_of="2027-06-30", notes=notes)
    assert "mentions" not in features.columns
    assert notes == ["linked profiles wrote nothing in the 90 days up to the analysis date: value features only"]


def test_refresh_writes_segments_and_profiles(fresh_db: sqlite_utils.Database) -> None:
    add_value(fresh_db, blobs())
    summary = segments.refresh(fresh_db, as_of="2026-10-31")
    assert summary.stage == "segments" and summary.rows == 120
    assert summary.message.startswith("3 segments of 120 customers (k best silhouette")
    assert "no linked social profiles: segments use value features only" in summary.message
    got = dict(fresh_db.execute("SELECT segment_id, count(*) FROM segments GROUP BY 1").fetchall())
    assert got == {1: 60, 2: 40, 3: 20}
    profiles = list(fresh_db.query("SELECT * FROM segment_profiles ORDER BY segment_id"))
    assert [p["size"] for p in profiles] == [60, 40, 20]
    assert profiles[1]["description"].startswith("high value, lapsed buyers")
    assert set(json.loads(profiles[0]["centre"])) == {"recency_days", "orders", "clv"}
    assert profiles[0]["main_platform"] is None


def test_a_segment_of_negative_instagram_customers_is_found_and_named(fresh_db: sqlite_utils.Database) -> None:
    data = blobs((60, 40, 20))
    add_value(fresh_db, data)
    # Twenty of the big spenders complain on Instagram.
    add_social(fresh_db, [f"C{i:04d}" for i in range(60, 80)], platform="instagram", score=-0.7, per_customer=6)
    segments.refresh(fresh_db, as_of="2026-10-31")
    profiles = {p["description"]: p for p in fresh_db.query("SELECT * FROM segment_profiles")}
    assert "high value, lapsed buyers, frequent buyers, negative lately, active on Instagram" in profiles
    found = profiles["high value, lapsed buyers, frequent buyers, negative lately, active on Instagram"]
    assert (found["size"], found["main_platform"], found["main_platform_members"]) == (20, "instagram", 1.0)


def test_refresh_twice_gives_the_same_segments(fresh_db: sqlite_utils.Database) -> None:
    add_value(fresh_db, blobs(seed=9))
    add_social(fresh_db, [f"C{i:04d}" for i in range(0, 60, 3)], platform="instagram", score=-0.5)
    segments.refresh(fresh_db, as_of="2026-10-31")
    first = list(fresh_db.query("SELECT * FROM segments ORDER BY customer_id"))
    profiles = list(fresh_db.query("SELECT * FROM segment_profiles"))
    segments.refresh(fresh_db, as_of="2026-10-31")
    assert list(fresh_db.query("SELECT * FROM segments ORDER BY customer_id")) == first
    assert list(fresh_db.query("SELECT * FROM segment_profiles")) == profiles


def test_without_customer_value_orders_give_recency_frequency_and_revenue(fresh_db: sqlite_utils.Database) -> None:
    rows = []
    for i in range(30):
        big = i < 10
        for j in range(12 if big else 1):
            rows.append((f"O{i:03d}-{j:02d}", f"C{i:03d}", f"2026-{10 if big else 1:02d}-{1 + j:02d}T12:00:00",
                         500.0 if big else 20.0))
    store.upsert_rows(fresh_db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount"], rows)
    summary = segments.refresh(fresh_db)
    assert "no customer_value yet: recency, orders and revenue taken from orders (no CLV)" in summary.message
    profiles = {p["size"]: p for p in fresh_db.query("SELECT * FROM segment_profiles")}
    assert set(profiles) == {20, 10}
    assert json.loads(profiles[10]["centre"])["orders"] == pytest.approx(12)
    assert profiles[10]["description"] == "high value, recent buyers, frequent buyers"


def test_an_empty_database_gives_no_segments(fresh_db: sqlite_utils.Database) -> None:
    summary = segments.refresh(fresh_db)
    assert (summary.rows, summary.message) == (0, "Fewer than 3 customers with orders: no segments.")
    assert fresh_db.execute("SELECT count(*) FROM segment_profiles").fetchone()[0] == 0


def test_silhouettes_measured_in_small_blocks_of_distances_equal_the_whole_matrix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The memory cap on the pairwise distances must not change which k wins, nor any score.
    X = blobs((700, 500, 300), seed=3)
    monkeypatch.setattr(segments, "SILHOUETTE_WORKING_MB", 1024)
    whole = segments.SegmentModel().fit(X)
    monkeypatch.setattr(segments, "SILHOUETTE_WORKING_MB", 1)  # 1,500 x 1,500 distances: many blocks
    blocks = segments.SegmentModel().fit(X)
    assert len(whole.silhouette_) >= 3
    assert blocks.silhouette_ == whole.silhouette_
    assert blocks.n_clusters_ == whole.n_clusters_ == 3
    assert (blocks.labels_ == whole.labels_).all()
