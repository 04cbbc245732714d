"""Spike alerts on volume and negative sentiment, and VIP detractor alerts, with their drivers."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlite_utils

from scrm.analysis import alerts
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError

DAYS = [str(d.date()) for d in pd.date_range("2026-06-01", periods=90)]


def series(values: list[float] | np.ndarray) -> pd.Series:
    return pd.Series(values, index=DAYS[: len(values)], dtype=float)


def test_a_planted_spike_is_found_with_its_period_and_baseline() -> None:
    rng = np.random.default_rng(1)
    values = rng.poisson(40, 90).astype(float)
    values[60:63] = [150, 170, 120]
    spikes = alerts.detect_spikes(series(values))
    assert [(s.start, s.end, s.days, s.peak_day, s.value) for s in spikes] == [("2026-07-31", "2026-08-02", 3, "2026-08-01", 170.0)]
    assert 35 < spikes[0].baseline < 45  # the quiet days' level, not raised by the spike's first day
    assert spikes[0].total == 440.0


def test_a_flat_noisy_series_raises_no_alert() -> None:
    rng = np.random.default_rng(0)
    assert alerts.detect_spikes(series(rng.poisson(40, 90).astype(float))) == []


@pytest.mark.parametrize("level", [10, 40, 200])
def test_false_alerts_on_flat_noisy_series_stay_as_rare_as_k_3_promises(level: int) -> None:
    # k = 3 on a normal tail flags about 0.13 % of quiet days; allow 0.5 % over 100 series of 90 days.
    flagged = 0
    for seed in range(100):
        values = np.random.default_rng(seed).poisson(level, 90).astype(float)
        flagged += sum(s.days for s in alerts.detect_spikes(series(values)))
    assert flagged / (100 * (90 - alerts.MIN_BASELINE_DAYS)) < 0.005


@pytest.mark.parametrize(("k", "found"), [(3.0, True), (12.0, False)])
def test_k_sets_how_far_above_the_baseline_a_day_must_be(k: float, found: bool) -> None:
    values = [40.0, 44.0, 36.0, 40.0] * 10 + [90.0]
    assert bool(alerts.detect_spikes(series(values), k=k)) is found


def test_a_spike_below_the_volume_floor_is_ignored() -> None:
    values = [1.0, 0.0, 2.0, 1.0] * 10 + [12.0]
    assert alerts.detect_spikes(series(values)) == []
    assert len(alerts.detect_spikes(series(values), min_volume=5)) == 1


def test_a_long_crisis_keeps_alerting_instead_of_raising_its_own_bar() -> None:
    values = [20.0, 22.0, 18.0, 20.0] * 10 + [100.0] * 10 + [20.0] * 5
    spikes = alerts.detect_spikes(series(values))
    assert [(s.start, s.days) for s in spikes] == [(DAYS[40], 10)]


def test_too_little_history_gives_no_baseline_and_no_alert() -> None:
    assert alerts.detect_spikes(series([5.0] * 10 + [500.0])) == []


# --- on a database ------------------------------------------------------------------

MENTION_COLS = ["mention_id", "platform", "author", "text", "posted_at", "brand", "author_followers", "from_brand"]


def build(db: sqlite_utils.Database, crisis_day: int = 50) -> None:
    """60 quiet days of Velora and Rival mentions, then a negative burst about delivery on one day."""
    store.set_meta(db, "own_brand", "Velora")
    rows: list[tuple[Any, ...]] = []
    labels: list[tuple[str, str, float, str]] = []
    topics: list[tuple[str, int, float]] = []
    rng = np.random.default_rng(3)
    for d in range(60):
        day = (pd.Timestamp("2026-08-01") + pd.Timedelta(days=d)).strftime("%Y-%m-%d")
        for brand in ("Velora", "Rival"):
            n = int(rng.poisson(30))
            for i in range(n):
                mid = f"{brand[0]}{d:02d}{i:03d}"
                rows.append((mid, "twitter", f"user{i % 40}", "ok", f"{day}T10:{i % 60:02d}:00", brand, 100 + i, 0))
                labels.append((mid, "en", 0.0, "negative" if i % 10 == 0 else "neutral"))
        if d == crisis_day:
            for i in range(120):
                mid = f"C{i:03d}"
                rows.append((mid, "twitter", f"angry{i % 30}", "where is my parcel", f"{day}T12:{i % 60:02d}:00", "Velora", 1000 + i, 0))
                labels.append((mid, "en", -0.8, "negative"))
                topics.append((mid, 7, 0.9))
            # The brand's own replies never count as conversation.
            rows.append(("B1", "twitter", "velora_uk", "sorry", f"{day}T13:00:00", "Velora", 90000, 1))
    store.upsert_rows(db, S.MENTIONS, MENTION_COLS, rows)
    store.upsert_rows(db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], labels)
    store.replace_table(db, "mention_topics", pd.DataFrame(topics, columns=["mention_id", "topic_id", "weight"]))
    store.replace_table(db, "topics", pd.DataFrame({"topic_id": [7], "label": ["delivery"]}))


def test_a_burst_raises_volume_and_negative_alerts_for_the_own_brand_only(fresh_db: sqlite_utils.Database) -> None:
    build(fresh_db)
    frame = alerts.compute_alerts(fresh_db, as_of="2026-09-29")
    got = {(r.kind, r.scope, r.brand, r.platform, r.topic_id, r.period_start, r.period_end) for r in frame.itertuples()}
    assert "Rival" not in set(frame["brand"])
    assert got == {
        ("volume", "brand", "Velora", None, None, "2026-09-20", "2026-09-20"),
        ("negative", "brand", "Velora", None, None, "2026-09-20", "2026-09-20"),
        ("volume", "platform", "Velora", "twitter", None, "2026-09-20", "2026-09-20"),
        ("negative", "platform", "Velora", "twitter", None, "2026-09-20", "2026-09-20"),
        ("volume", "topic", "Velora", None, "7", "2026-09-20", "2026-09-20"),
        ("negative", "topic", "Velora", None, "7", "2026-09-20", "2026-09-20"),
    }
    assert frame["alert_id"].tolist() == list(range(1, 7))


def test_alerts_name_their_driving_mentions_authors_and_topics(fresh_db: sqlite_utils.Database) -> None:
    build(fresh_db)
    frame = alerts.compute_alerts(fresh_db, as_of="2026-09-29")
    row = frame[(frame["kind"] == "negative") & (frame["scope"] == "brand")].iloc[0]
    drivers = json.loads(row["drivers"])
    assert [m["mention_id"] for m in drivers["mentions"]] == ["C119", "C118", "C117", "C116", "C115"]
    assert drivers["mentions"][0]["text"] == "where is my parcel"
    assert drivers["authors"][0]["author"].startswith("angry")
    assert drivers["topics"] == [{"topic_id": "7", "mentions": 120, "label": "delivery"}]
    assert row["value"] > row["threshold"] > row["baseline"]
    assert row["severity"] == "high"


def test_refresh_stores_alerts_and_k_is_configurable(fresh_db: sqlite_utils.Database) -> None:
    build(fresh_db)
    summary = alerts.refresh(fresh_db, as_of="2026-09-29")
    assert (summary.stage, summary.rows) == ("alerts", 6)
    assert summary.message == "Raised 6 alerts: 3 volume spikes, 3 negative-sentiment spikes, 0 VIP detractors."
    assert fresh_db.execute(f"SELECT count(*) FROM {alerts.ALERTS}").fetchone()[0] == 6
    # From a topic's zero baseline (deviation floored at 1), 120 mentions clear k = 100 but not k = 200.
    assert alerts.refresh(fresh_db, as_of="2026-09-29", k=100).rows == 2
    assert alerts.refresh(fresh_db, as_of="2026-09-29", k=200).rows == 0


def test_a_non_positive_k_is_refused_with_a_fix(fresh_db: sqlite_utils.Database) -> None:
    with pytest.raises(ConfigError, match=r"^k = 0 must be positive; use about 3 \(a higher k gives fewer alerts\)\.$"):
        alerts.compute_alerts(fresh_db, k=0)


@pytest.mark.parametrize(
    ("posted_at", "decile", "alerted"),
    [
        ("2026-10-20T10:00:00", 10, True),
        ("2026-09-01T10:00:00", 10, False),  # older than 30 days before as_of
        ("2026-10-20T10:00:00", 9, False),  # not in the top decile
    ],
)
def test_a_negative_mention_by_a_top_clv_customer_is_a_vip_detractor_alert(
    fresh_db: sqlite_utils.Database, posted_at: str, decile: int, alerted: bool
) -> None:
    store.set_meta(fresh_db, "own_brand", "Velora")
    store.upsert_rows(
        fresh_db, S.MENTIONS, MENTION_COLS,
        [("M1", "Instagram", "@Ana", "never again", posted_at, "Velora", 500, 0), ("M2", "twitter", "zoe", "fine", "2026-10-31T10:00:00", "Velora", 5, 0)],
    )
    store.upsert_rows(fresh_db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], [("M1", "en", -0.7, "negative"), ("M2", "en", 0.0, "neutral")])
    store.upsert_rows(fresh_db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status"], [("instagram:ana", "C1", "email", 1.0, S.LINKED)])
    store.replace_table(fresh_db, "customer_value", pd.DataFrame({"customer_id": ["C1"], "clv": [900.0], "clv_decile": [decile]}))
    frame = alerts.compute_alerts(fresh_db)
    vip = frame[frame["kind"] == "vip_detractor"]
    assert len(vip) == int(alerted)
    if alerted:
        assert vip[["customer_id", "platform", "period_start", "severity"]].values.tolist() == [["C1", "instagram", "2026-10-20", "high"]]
        assert [m["mention_id"] for m in json.loads(vip["drivers"].iloc[0])["mentions"]] == ["M1"]


def test_the_demo_crisis_week_raises_a_high_volume_alert_for_the_own_brand(fresh_db: sqlite_utils.Database) -> None:
    from scrm import demo

    demo.build_demo(fresh_db, scale="tiny")
    story = json.loads(store.get_meta(fresh_db, "demo_story") or "{}")
    crisis = story["crisis"]
    frame = alerts.compute_alerts(fresh_db)
    hits = frame[
        (frame["kind"] == "volume") & (frame["scope"] == "brand") & (frame["brand"] == story["own_brand"])
        & (frame["period_start"] <= crisis["end"]) & (frame["period_end"] >= crisis["start"])
    ]
    assert hits["severity"].tolist() == ["high"]
    # Nothing of the kind happens to the competitors that week.
    others = frame[(frame["brand"] != story["own_brand"]) & (frame["period_start"] <= crisis["end"]) & (frame["period_end"] >= crisis["start"])]
    assert others.empty
