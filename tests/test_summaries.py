"""The summaries answer every KPI they hold exactly as the KPI dictionary does on the raw rows.

Property-based: hypothesis builds small random databases (blank brands and
platforms, brand accounts' own posts, missing counts and follower counts,
unscored mentions, guest orders, orders in the reporting currency, in one with
an exchange rate and in one without, customers without a creation date or a
segment, out-of-range survey scores, handles differing by case, @ and blanks,
anonymous mentions, brand replies to mentions of other days, kinds a brand is
not expected to answer) and random filters, and each KPI of
:data:`scrm.views.kpis.SUMMARY_KEYS` from the summaries (distinct authors and
customers across days, reach, reply times and churn included) must equal the
one the Overview computes from the filtered frames.
"""

from __future__ import annotations

import datetime as dt
import json
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
# One person under several spellings, anonymous and blank handles, one that only "@" makes not blank.
AUTHORS = ["Bob", "@bob", "BOB", "bob ", "", None, " ", " @", "@ @", "Zoë", "ZOË", "alice"]
KINDS = ["post", "review", "dm", "share", "reply", "forum", None]
MAX_MENTIONS = 30


def _day(offset: int, hour: int = 12) -> str:
    return f"{(START + dt.timedelta(days=offset)).isoformat()}T{hour:02d}:30:00"


counts = st.one_of(st.none(), st.integers(0, 50))
mention = st.tuples(
    st.integers(0, DAYS - 1), st.integers(0, 23), st.sampled_from(BRANDS), st.sampled_from(PLATFORMS),
    st.sampled_from([0, 1, None]), counts, counts, counts, st.one_of(st.none(), st.integers(0, 5000)),
    st.sampled_from(LABELS), st.sampled_from(LANGS), st.sampled_from(AUTHORS), st.sampled_from(KINDS),
    st.one_of(st.none(), st.integers(0, 9)),  # the mention a brand account's one replies to (when it exists)
)
# A brand account's reply: (the mention it answers, day, hour); several may answer one mention.
reply = st.tuples(st.integers(0, 9), st.integers(0, DAYS - 1), st.integers(0, 23))
order = st.tuples(
    st.integers(0, DAYS - 1), st.one_of(st.none(), st.sampled_from(CUSTOMERS)),
    st.one_of(st.none(), st.floats(-50, 500, allow_nan=False).map(lambda v: round(v, 2))), st.sampled_from(CURRENCIES),
)
survey = st.tuples(st.integers(0, DAYS - 1), st.sampled_from(CUSTOMERS), st.integers(-1, 11))


def worlds(min_mentions: int = 0, min_orders: int = 0, min_replies: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "mentions": st.lists(mention, min_size=min_mentions, max_size=MAX_MENTIONS),
        "replies": st.lists(reply, min_size=min_replies, max_size=8),
        "orders": st.lists(order, min_size=min_orders, max_size=20),
        "surveys": st.lists(survey, max_size=8),
        "created": st.lists(st.one_of(st.none(), st.integers(-5, DAYS)), min_size=len(CUSTOMERS), max_size=len(CUSTOMERS)),
        "segments": st.lists(st.one_of(st.none(), st.integers(0, 2)), min_size=len(CUSTOMERS), max_size=len(CUSTOMERS)),
        "linked": st.lists(st.booleans(), min_size=len(CUSTOMERS), max_size=len(CUSTOMERS)),
        "reporting": st.sampled_from([None, "EUR"]),
        # The own brand as set (in another case than the mentions'), or the most mentioned one.
        "own": st.sampled_from([None, "ACME", "Globex"]),
    })


world = worlds()
# Busy small worlds: most filters then see several spellings of one author, replies and repeat buyers.
busy_world = worlds(min_mentions=12, min_orders=10, min_replies=4)
span = st.tuples(st.integers(0, DAYS - 1), st.integers(0, DAYS - 1)).map(sorted)
a_filter = st.fixed_dictionaries({
    "span": span,
    "brands": st.lists(st.sampled_from(["Acme", "Globex", "acme "]), max_size=2, unique=True),
    "platforms": st.lists(st.sampled_from(["twitter", "reddit"]), max_size=1, unique=True),
    "langs": st.lists(st.sampled_from(["en", "es"]), max_size=1, unique=True),
    "segment": st.one_of(st.none(), st.integers(0, 2)),
})


def build(w: dict[str, Any], target: str = ":memory:") -> Any:
    db = store.open_db(target)
    with store.transaction(db):
        store.upsert_rows(
            db, S.CUSTOMERS, ["customer_id", "created_at"],
            [(c, None if d is None else _day(d, 8)) for c, d in zip(CUSTOMERS, w["created"], strict=True)],
        )
        mention_rows, sentiment_rows = [], []
        for i, (d, h, brand, platform, own, likes, shares, replies, followers, label, lang, author, kind, to) in enumerate(
            w["mentions"]
        ):
            mid = f"m{i}"
            # A brand account's mention answers another one (of any day, or none that exists).
            in_reply_to = f"m{to}" if own == 1 and to is not None else None
            mention_rows.append(
                (mid, platform, author, "text", _day(d, h), brand, own, likes, shares, replies, followers, kind, in_reply_to, 1)
            )
            if label is not None:
                sentiment_rows.append((mid, label, lang, 0.0))
        for i, (to, d, h) in enumerate(w["replies"]):
            mention_rows.append((f"r{i}", "twitter", "acme", "text", _day(d, h), "Acme", 1, None, None, None, None, "reply", f"m{to}", 1))
        store.upsert_rows(
            db, S.MENTIONS,
            ["mention_id", "platform", "author", "text", "posted_at", "brand", "from_brand", "likes", "shares",
             "replies", "author_followers", "kind", "in_reply_to", "import_id"],
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
        if w["own"]:
            store.set_meta(db, S.META_OWN_BRAND, w["own"])
        if w["reporting"]:
            store.set_meta(db, S.META_REPORTING_CURRENCY, w["reporting"])
            store.set_meta(db, S.META_EXCHANGE_RATES, '{"GBP": [1.25, "2026-03-01"]}')
    members = [(c, s) for c, s in zip(CUSTOMERS, w["segments"], strict=True) if s is not None]
    store.replace_table(db, S.SEGMENTS, pd.DataFrame(members, columns=["customer_id", "segment_id"]).astype({"segment_id": "int64"}))
    compute.run_all(db, stages=(summaries.STAGE,))
    return db


def direct(db: Any, f: Filters, previous_from: str | None = None) -> dict[str, kpis.Result]:
    """The KPIs as the Overview computes them without summaries: the dictionary on the filtered frames
    (with the orders of the previous period from ``previous_from`` for the churn rate)."""
    assert f.date_from and f.date_to
    frames = O._load_frames(db, f, previous_from or f.date_from, f.date_to)
    context, all_brands = O._slice(frames, f.date_from, f.date_to, previous_from=previous_from)
    return {key: O._compute(key, context, all_brands) for key in kpis.SUMMARY_KEYS}


def same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.011)
    return a == b


def check_against_direct(w: dict[str, Any], picks: list[dict[str, Any]]) -> None:
    db = build(w)
    assert summaries.is_current(db)
    for p in picks:
        first, last = (START + dt.timedelta(days=d) for d in p["span"])
        f = Filters(first.isoformat(), last.isoformat(), tuple(p["brands"]), tuple(p["platforms"]), tuple(p["langs"]), p["segment"])
        # Without a previous period (churn has none) and with the one of the same length before (churn has one).
        previous = (first - (last - first) - dt.timedelta(days=1)).isoformat()
        for previous_from in (None, previous):
            rows = kpis.load_summary_rows(db, previous_from or f.date_from or "", f.date_to or "", brands=f.brands,
                                          platforms=f.platforms, langs=f.langs, segment=f.segment)
            got = kpis.summary_results(rows, f.date_from or "", f.date_to or "", previous_from=previous_from)
            want = direct(db, f, previous_from)
            for key in kpis.SUMMARY_KEYS:
                assert same(got[key].value, want[key].value), (key, f, previous_from, got[key], want[key])
                assert got[key].note == want[key].note, (key, f, previous_from, got[key], want[key])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=world, picks=st.lists(a_filter, min_size=1, max_size=3))
def test_kpis_from_the_summaries_equal_the_direct_computation_on_random_data_and_filters(
    w: dict[str, Any], picks: list[dict[str, Any]]
) -> None:
    check_against_direct(w, picks)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=busy_world, picks=st.lists(a_filter, min_size=1, max_size=3))
def test_distinct_people_reach_and_reply_times_from_the_summaries_equal_the_direct_computation_on_busy_data(
    w: dict[str, Any], picks: list[dict[str, Any]]
) -> None:
    check_against_direct(w, picks)


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


# Every tricky case of the people KPIs at once: one author under four spellings over three days,
# blank and anonymous handles, a reply on a later day, one to a share (not answerable), a customer
# who bought in both periods, one who churned, guest orders.
EXAMPLE = {
    "mentions": [
        (4, 9, "Acme", "twitter", 0, 1, 0, 0, 120, "positive", "en", "Bob", "post", None),
        (5, 9, "Acme", "twitter", 0, 1, 0, 0, 300, "negative", "en", "@bob", "review", None),
        (6, 9, "Acme", "twitter", None, 1, 0, 0, None, "neutral", "es", "BOB", "dm", None),
        (6, 10, "Acme", "reddit", 0, 1, 0, 0, 80, "positive", "en", "bob", "post", None),
        (6, 11, "Acme", "twitter", 0, 0, 0, 0, 40, None, None, "", "post", None),
        (6, 12, "Acme", "twitter", 0, 0, 0, 0, None, None, None, None, "share", None),
        (7, 12, "Globex", "twitter", 0, 0, 0, 0, 10, "positive", "en", " @", "post", None),
        (7, 13, "Acme", "twitter", 0, 0, 0, 0, 5, "positive", "en", "@ @", None, None),
    ],
    "replies": [(0, 4, 10), (0, 6, 9), (1, 8, 9), (5, 6, 13)],
    "orders": [(0, "C1", 10.0, "EUR"), (1, "C2", 5.0, "EUR"), (5, "C1", 7.0, "EUR"), (6, "C1", 3.0, "EUR"),
               (6, None, 1.0, "EUR"), (7, "C3", 2.0, "EUR")],
    "surveys": [],
    "created": [0, 0, 0, 0, None, None],
    "segments": [0, 0, 1, None, None, None],
    "linked": [False] * 6,
    "reporting": None,
    "own": "acme",
}


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_the_people_kpis_of_one_tricky_database_are_the_dictionarys_on_both_engines(engine: str, request: Any) -> None:
    db = build(EXAMPLE, request.getfixturevalue("pg_url") if engine == "postgresql" else ":memory:")
    first, last, previous = _day(4)[:10], _day(7)[:10], _day(0)[:10]
    f = Filters(first, last)
    rows = kpis.load_summary_rows(db, previous, last)
    got = kpis.summary_results(rows, first, last, previous_from=previous)
    want = direct(db, f, previous)
    values = {key: got[key].value for key in ("unique_authors", "reach", "response_rate",
                                               "median_first_response_minutes", "active_customers", "repeat_rate",
                                               "purchase_frequency", "churn_rate")}
    # Authors: bob on twitter (three spellings), bob on reddit, and "@ @" (named, keyed " @" like the
    # blank " @"). Reach: 300 + 80 + the anonymous twitter key's 40 + the " @" key's 10. Six mentions
    # to answer (not the share), two answered: after 60 and 4,320 minutes.
    assert values == {
        "unique_authors": 3, "reach": 430, "response_rate": 33.3333, "median_first_response_minutes": 2190.0,
        "active_customers": 2, "repeat_rate": 50.0, "purchase_frequency": 1.5, "churn_rate": 50.0,
    }
    for key in kpis.SUMMARY_KEYS:
        assert same(got[key].value, want[key].value), (key, got[key], want[key])
        assert got[key].note == want[key].note, key


def test_a_new_reply_updates_the_answers_of_the_day_it_answers(fresh_db: Any) -> None:
    db = fresh_db
    columns = ["mention_id", "platform", "author", "text", "posted_at", "brand", "kind", "from_brand", "in_reply_to",
               "import_id"]
    with store.transaction(db):
        store.upsert_rows(db, S.MENTIONS, columns, [("a", "x", "u", "t", _day(1), "Acme", "post", 0, None, 1),
                                                    ("b", "x", "v", "t", _day(5), "Acme", "post", 0, None, 1)])
    summaries.refresh(db)
    with store.transaction(db):
        store.upsert_rows(db, S.MENTIONS, columns, [("r", "x", "acme", "t", _day(9), "Acme", "reply", 1, "a", 2)])
    done = summaries.refresh(db)
    assert (done["mode"], done["first_day"], done["last_day"]) == ("days", _day(1)[:10], _day(9)[:10])
    answered = db.execute(f"SELECT day, answered, minutes FROM {S.SUMMARY_ANSWERS} ORDER BY day").fetchall()
    assert answered == [(_day(1)[:10], 1, 8 * 24 * 60.0), (_day(5)[:10], 0, 0.0)]


def test_the_summaries_spell_profiles_and_answerable_kinds_as_the_stages_and_the_dictionary_do() -> None:
    from scrm.analysis import roles

    assert roles.profile_id_sql("m") == summaries.PROFILE_ID_SQL
    assert kpis.ANSWERABLE_KINDS == summaries.ANSWERABLE_KINDS


def test_an_author_and_a_customer_keep_one_number_across_incremental_refreshes(fresh_db: Any) -> None:
    db = fresh_db
    columns = ["mention_id", "platform", "author", "text", "posted_at", "brand", "import_id"]
    with store.transaction(db):
        store.upsert_rows(db, S.MENTIONS, columns, [("a", "x", "Ann", "t", _day(1), "Acme", 1), ("b", "x", "Bo", "t", _day(1), "Acme", 1)])
        store.upsert_rows(db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "import_id"], [("o1", "C1", _day(1), 1)])
    summaries.refresh(db)
    with store.transaction(db):
        store.upsert_rows(db, S.MENTIONS, columns, [("c", "x", "@ann", "t", _day(9), "Acme", 2), ("d", "x", "Cy", "t", _day(9), "Acme", 2)])
        store.upsert_rows(db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "import_id"],
                          [("o2", "C1", _day(9), 2), ("o3", "C2", _day(9), 2)])
    assert summaries.refresh(db)["mode"] == "days"
    authors = db.execute(f"SELECT author, person FROM {S.SUMMARY_AUTHORS} ORDER BY day, author").fetchall()
    assert [a for a, _ in authors] == ["ann", "bo", "ann", "cy"]
    numbers = dict(authors)
    assert authors[0][1] == authors[2][1] and len(set(numbers.values())) == 3
    buyers = db.execute(f"SELECT customer_id, person FROM {S.SUMMARY_BUYERS} ORDER BY day, customer_id").fetchall()
    assert buyers[0] == (buyers[1][0], buyers[1][1]) and buyers[2][1] != buyers[0][1]
    rows = kpis.load_summary_rows(db, _day(0)[:10], _day(10)[:10])
    got = kpis.summary_results(rows, _day(0)[:10], _day(10)[:10])
    assert (got["unique_authors"].value, got["active_customers"].value, got["repeat_rate"].value) == (3, 2, 50.0)


def test_summary_tables_added_to_an_existing_file_are_built_before_they_are_read(fresh_db: Any) -> None:
    db = fresh_db
    with store.transaction(db):
        store.upsert_rows(db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "import_id"], [("o1", "C1", _day(1), 1)])
    compute.run_all(db, stages=(summaries.STAGE,))
    assert summaries.is_current(db)
    # As a file summed before sum_buyers existed: the table appears empty when the file is opened.
    state = json.loads(store.get_meta(db, S.META_SUMMARIES_STATE) or "{}")
    state["tables"] = [t for t in summaries.TABLES if t != S.SUMMARY_BUYERS]
    store.set_meta(db, S.META_SUMMARIES_STATE, json.dumps(state))
    db.execute(f"DELETE FROM {S.SUMMARY_BUYERS}")
    assert not summaries.is_current(db)
    # The data version did not move, yet the next score sums every day again.
    [ran] = compute.run_all(db, stages=(summaries.STAGE,))
    assert ran.message.startswith("Summed every day")
    assert summaries.is_current(db)
    assert db.execute(f"SELECT customer_id, orders FROM {S.SUMMARY_BUYERS}").fetchall() == [("C1", 1)]
