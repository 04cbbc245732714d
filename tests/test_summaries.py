"""The summaries answer every KPI they hold exactly as the KPI dictionary does on the raw rows.

Property-based: hypothesis builds small random databases (blank brands and
platforms, brand accounts' own posts, missing counts and follower counts,
unscored mentions, guest orders, orders in the reporting currency, in one with
an exchange rate and in one without, customers without a creation date or a
segment, out-of-range survey scores) and random filters, and each KPI of
:data:`scrm.views.kpis.SUMMARY_KEYS` from the summaries must equal the one the
Overview computes from the filtered frames.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrm import compute
from scrm.db import schema as S
from scrm.db import store, summaries
from scrm.db.filters import Filters
from scrm.views import kpis
from scrm.views import overview as O

START = dt.date(2026, 3, 1)
DAYS = 20
BRANDS = ["Acme", "acme ", "Globex", None, " "]
PLATFORMS = ["twitter", "reddit", None]
LANGS = ["en", "es", None]
LABELS = ["positive", "neutral", "negative", "unscored", None]  # None: no sentiment row
CURRENCIES = ["EUR", "eur ", "GBP", "USD", "", None]
CUSTOMERS = [f"C{i}" for i in range(6)]


def _day(offset: int, hour: int = 12) -> str:
    return f"{(START + dt.timedelta(days=offset)).isoformat()}T{hour:02d}:30:00"


counts = st.one_of(st.none(), st.integers(0, 50))
mention = st.tuples(
    st.integers(0, DAYS - 1), st.integers(0, 23), st.sampled_from(BRANDS), st.sampled_from(PLATFORMS),
    st.sampled_from([0, 1, None]), counts, counts, counts, st.one_of(st.none(), st.integers(0, 5000)),
    st.sampled_from(LABELS), st.sampled_from(LANGS),
)
order = st.tuples(
    st.integers(0, DAYS - 1), st.one_of(st.none(), st.sampled_from(CUSTOMERS)),
    st.one_of(st.none(), st.floats(-50, 500, allow_nan=False).map(lambda v: round(v, 2))), st.sampled_from(CURRENCIES),
)
survey = st.tuples(st.integers(0, DAYS - 1), st.sampled_from(CUSTOMERS), st.integers(-1, 11))
world = st.fixed_dictionaries({
    "mentions": st.lists(mention, max_size=30),
    "orders": st.lists(order, max_size=20),
    "surveys": st.lists(survey, max_size=8),
    "created": st.lists(st.one_of(st.none(), st.integers(-5, DAYS)), min_size=len(CUSTOMERS), max_size=len(CUSTOMERS)),
    "segments": st.lists(st.one_of(st.none(), st.integers(0, 2)), min_size=len(CUSTOMERS), max_size=len(CUSTOMERS)),
    "linked": st.lists(st.booleans(), min_size=len(CUSTOMERS), max_size=len(CUSTOMERS)),
    "reporting": st.sampled_from([None, "EUR"]),
})
span = st.tuples(st.integers(0, DAYS - 1), st.integers(0, DAYS - 1)).map(sorted)
a_filter = st.fixed_dictionaries({
    "span": span,
    "brands": st.lists(st.sampled_from(["Acme", "Globex", "acme "]), max_size=2, unique=True),
    "platforms": st.lists(st.sampled_from(["twitter", "reddit"]), max_size=1, unique=True),
    "langs": st.lists(st.sampled_from(["en", "es"]), max_size=1, unique=True),
    "segment": st.one_of(st.none(), st.integers(0, 2)),
})


def build(w: dict[str, Any]) -> Any:
    db = store.open_db(":memory:")
    with store.transaction(db):
        store.upsert_rows(
            db, S.CUSTOMERS, ["customer_id", "created_at"],
            [(c, None if d is None else _day(d, 8)) for c, d in zip(CUSTOMERS, w["created"], strict=True)],
        )
        mention_rows, sentiment_rows = [], []
        for i, (d, h, brand, platform, own, likes, shares, replies, followers, label, lang) in enumerate(w["mentions"]):
            mid = f"m{i}"
            mention_rows.append((mid, platform, f"author{i % 4}", "text", _day(d, h), brand, own, likes, shares, replies, followers, "post", 1))
            if label is not None:
                sentiment_rows.append((mid, label, lang, 0.0))
        store.upsert_rows(
            db, S.MENTIONS,
            ["mention_id", "platform", "author", "text", "posted_at", "brand", "from_brand", "likes", "shares",
             "replies", "author_followers", "kind", "import_id"],
            mention_rows,
        )
        store.upsert_rows(db, S.SENTIMENT, ["mention_id", "label", "lang", "score"], sentiment_rows)
        store.upsert_rows(
            db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount", "currency", "import_id"],
            [(f"o{i}", c, _day(d), a, cur, 1) for i, (d, c, a, cur) in enumerate(w["orders"])],
        )
        store.upsert_rows(
            db, S.SURVEYS, ["survey_id", "customer_id", "score", "answered_at", "import_id"],
            [(f"s{i}", c, score, _day(d), 1) for i, (d, c, score) in enumerate(w["surveys"])],
        )
        store.upsert_rows(
            db, S.LINKS, ["profile_id", "customer_id", "status"],
            [(f"twitter:p{c}", c, S.LINKED if linked else S.SUGGESTED) for c, linked in zip(CUSTOMERS, w["linked"], strict=True)],
        )
        if w["reporting"]:
            store.set_meta(db, S.META_REPORTING_CURRENCY, w["reporting"])
            store.set_meta(db, S.META_EXCHANGE_RATES, '{"GBP": [1.25, "2026-03-01"]}')
    members = [(c, s) for c, s in zip(CUSTOMERS, w["segments"], strict=True) if s is not None]
    store.replace_table(db, S.SEGMENTS, pd.DataFrame(members, columns=["customer_id", "segment_id"]).astype({"segment_id": "int64"}))
    compute.run_all(db, stages=(summaries.STAGE,))
    return db


def direct(db: Any, f: Filters) -> dict[str, kpis.Result]:
    """The KPIs as the Overview computes them without summaries: the dictionary on the filtered frames."""
    assert f.date_from and f.date_to
    frames = O._load_frames(db, f, f.date_from, f.date_to)
    context, all_brands = O._slice(frames, f.date_from, f.date_to)
    return {key: O._compute(key, context, all_brands) for key in kpis.SUMMARY_KEYS}


def same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.011)
    return a == b


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=world, picks=st.lists(a_filter, min_size=1, max_size=3))
def test_kpis_from_the_summaries_equal_the_direct_computation_on_random_data_and_filters(
    w: dict[str, Any], picks: list[dict[str, Any]]
) -> None:
    db = build(w)
    assert summaries.is_current(db)
    for p in picks:
        first, last = (START + dt.timedelta(days=d) for d in p["span"])
        f = Filters(first.isoformat(), last.isoformat(), tuple(p["brands"]), tuple(p["platforms"]), tuple(p["langs"]), p["segment"])
        rows = kpis.load_summary_rows(db, f.date_from or "", f.date_to or "", brands=f.brands, platforms=f.platforms,
                                      langs=f.langs, segment=f.segment)
        got = kpis.summary_results(rows, f.date_from or "", f.date_to or "")
        want = direct(db, f)
        for key in kpis.SUMMARY_KEYS:
            assert same(got[key].value, want[key].value), (key, f, got[key], want[key])
            assert got[key].note == want[key].note, (key, f, got[key], want[key])


def test_a_new_import_updates_only_the_days_it_touched(fresh_db: Any) -> None:
    db = fresh_db
    columns = ["mention_id", "platform", "author", "text", "posted_at", "brand", "import_id"]
    with store.transaction(db):
        store.upsert_rows(db, S.MENTIONS, columns, [("a", "x", "u", "t", _day(1), "Acme", 1), ("b", "x", "u", "t", _day(5), "Acme", 1)])
    assert summaries.refresh(db)["mode"] == "full"
    with store.transaction(db):
        store.upsert_rows(db, S.MENTIONS, columns, [("c", "x", "u", "t", _day(9), "Acme", 2), ("d", "x", "u", "t", _day(9), "Acme", 2)])
    done = summaries.refresh(db)
    assert (done["mode"], done["first_day"], done["last_day"]) == ("days", _day(9)[:10], _day(9)[:10])
    per_day = dict(db.execute(f"SELECT day, sum(mentions) FROM {S.SUMMARY_MENTIONS} GROUP BY day").fetchall())
    assert per_day == {_day(1)[:10]: 1, _day(5)[:10]: 1, _day(9)[:10]: 2}
    assert summaries.refresh(db)["mode"] == "none"


def test_a_changed_segment_rebuilds_every_day(fresh_db: Any) -> None:
    db = fresh_db
    with store.transaction(db):
        store.upsert_rows(db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount", "import_id"], [("o1", "C1", _day(2), 10.0, 1)])
    store.replace_table(db, S.SEGMENTS, pd.DataFrame({"customer_id": ["C1"], "segment_id": [0]}))
    summaries.refresh(db)
    store.replace_table(db, S.SEGMENTS, pd.DataFrame({"customer_id": ["C1"], "segment_id": [2]}))
    assert summaries.refresh(db)["mode"] == "full"
    assert db.execute(f"SELECT segment FROM {S.SUMMARY_ORDERS}").fetchall() == [(2,)]


@pytest.mark.parametrize("table", summaries.TABLES)
def test_a_database_migrated_before_the_summaries_gains_them_whole_on_refresh(fresh_db: Any, table: str) -> None:
    with store.transaction(fresh_db):
        store.upsert_rows(fresh_db, S.CUSTOMERS, ["customer_id", "created_at"], [("C1", _day(1))])
    summaries.refresh(fresh_db)
    fresh_db.execute(f'DROP TABLE "{table}"')
    assert summaries.refresh(fresh_db)["mode"] == "full"
    assert table in fresh_db.table_names()
    assert fresh_db.execute(f"SELECT sum(created) FROM {S.SUMMARY_CUSTOMERS}").fetchone()[0] == 1


def test_an_erased_mention_rebuilds_every_day(fresh_db: Any) -> None:
    db = fresh_db
    columns = ["mention_id", "platform", "author", "text", "posted_at", "brand", "import_id"]
    with store.transaction(db):
        store.upsert_rows(db, S.MENTIONS, columns, [("a", "x", "u", "t", _day(1), "Acme", 1), ("b", "x", "u", "t", _day(5), "Acme", 1)])
    summaries.refresh(db)
    with store.transaction(db):
        db.execute(f"DELETE FROM {S.MENTIONS} WHERE mention_id = 'a'")
    assert summaries.refresh(db)["mode"] == "full"
    assert db.execute(f"SELECT day, mentions FROM {S.SUMMARY_MENTIONS}").fetchall() == [(_day(5)[:10], 1)]


@pytest.mark.parametrize(
    "f",
    [
        Filters(),
        Filters(brands=("Velora",), langs=("es",)),
        Filters(platforms=("instagram", "tiktok"), segment=1),
    ],
    ids=["default view", "brand and language", "platforms and segment"],
)
def test_the_overview_tiles_are_the_same_with_and_without_the_summaries(
    scored_demo_path: Any, monkeypatch: pytest.MonkeyPatch, f: Filters
) -> None:
    db = store.open_db(scored_demo_path)
    assert summaries.is_current(db)
    periods = O.resolve_periods(db, f)
    assert periods is not None
    fast = O.kpi_summary(db, f, periods)
    monkeypatch.setattr(summaries, "is_current", lambda db: False)
    slow = O.kpi_summary(db, f, periods)
    for (_, a), (_, b) in zip(fast.iterrows(), slow.iterrows(), strict=True):
        assert a["key"] == b["key"]
        for column in ("value", "previous", "note"):
            assert same(a[column], b[column]) or (a[column] != a[column] and b[column] != b[column]), (a["key"], column)
        if a["spark"] is not None:
            assert all(same(x, y) for x, y in zip(a["spark"], b["spark"], strict=True)), a["key"]
