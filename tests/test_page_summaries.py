"""Stored page summaries: answers kept in ``page_summaries`` for one data version and one code version."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters
from scrm.views import data as browse
from scrm.views import overview as O


class Counter:
    """A compute function that counts its calls and returns a new number each time."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return 100 + self.calls


def stored_number(db: sqlite_utils.Database, compute: Counter) -> int:
    return browse.stored(db, "number", compute, lambda v: str(v).encode(), lambda raw: int(raw))


@pytest.fixture
def file_db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    db = store.open_db(tmp_path / "scrm.db")
    yield db
    db.close()


def test_an_answer_is_computed_once_per_data_version_and_storing_it_does_not_bump_the_version(
    file_db: sqlite_utils.Database,
) -> None:
    compute = Counter()
    version = store.data_version(file_db)
    assert stored_number(file_db, compute) == 101
    assert stored_number(file_db, compute) == 101
    assert compute.calls == 1
    assert store.data_version(file_db) == version


def test_a_write_makes_the_stored_answer_stale(file_db: sqlite_utils.Database) -> None:
    compute = Counter()
    stored_number(file_db, compute)
    store.upsert_rows(file_db, S.CUSTOMERS, ["customer_id", "name"], [("C1", "Ann")])
    assert stored_number(file_db, compute) == 102
    assert compute.calls == 2


def test_an_answer_stored_by_other_code_is_not_served(
    file_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    compute = Counter()
    stored_number(file_db, compute)
    monkeypatch.setattr(browse, "code_version", lambda: "another release")
    assert stored_number(file_db, compute) == 102


def test_another_connection_sees_the_stored_answer(file_db: sqlite_utils.Database, tmp_path: Path) -> None:
    stored_number(file_db, Counter())
    other = store.open_db(tmp_path / "scrm.db", create=False)
    try:
        compute = Counter()
        assert stored_number(other, compute) == 101
        assert compute.calls == 0
    finally:
        other.close()


def test_nothing_is_stored_inside_the_callers_transaction(file_db: sqlite_utils.Database) -> None:
    compute = Counter()
    with store.transaction(file_db):
        assert stored_number(file_db, compute) == 101
        assert file_db.conn.in_transaction
    assert stored_number(file_db, compute) == 102


def test_a_database_locked_by_a_writer_gives_the_answer_without_storing_it(
    file_db: sqlite_utils.Database, tmp_path: Path
) -> None:
    writer = sqlite3.connect(tmp_path / "scrm.db")
    writer.execute("BEGIN IMMEDIATE")
    try:
        compute = Counter()
        assert stored_number(file_db, compute) == 101
    finally:
        writer.rollback()
        writer.close()
    assert browse.read_stored(file_db, "number") is None
    # The busy timeout of the connection is back to what it was.
    assert file_db.execute("PRAGMA busy_timeout").fetchone()[0] == 30000


def test_a_damaged_stored_answer_is_computed_again(file_db: sqlite_utils.Database) -> None:
    stored_number(file_db, Counter())
    file_db.execute(f"UPDATE {browse.PAGE_SUMMARIES} SET value = ?", [b"not a number"])
    file_db.conn.commit()
    assert stored_number(file_db, Counter()) == 101


def test_answers_of_older_data_versions_are_removed(file_db: sqlite_utils.Database) -> None:
    stored_number(file_db, Counter())
    store.upsert_rows(file_db, S.CUSTOMERS, ["customer_id", "name"], [("C1", "Ann")])
    browse.stored(file_db, "other", lambda: 1, lambda v: b"1", lambda raw: 1)
    rows = file_db.execute(f"SELECT name, data_version FROM {browse.PAGE_SUMMARIES}").fetchall()
    assert rows == [("other", store.data_version(file_db))]


# --- the stored answers equal the computed ones --------------------------------------------------


@pytest.fixture(scope="module")
def demo(scored_demo_path: Path) -> Iterator[sqlite_utils.Database]:
    db = store.open_db(scored_demo_path, create=False)
    yield db
    db.close()


@pytest.mark.parametrize("f", [Filters(), Filters(brands=("Velora",), platforms=("twitter",), segment=1)])
def test_the_stored_kpi_table_equals_the_computed_one(demo: sqlite_utils.Database, f: Filters) -> None:
    periods = O.resolve_periods(demo, f)
    assert periods is not None
    expected = O.kpi_summary(demo, f, periods)
    for _ in range(2):  # computed and stored, then read back
        got = O.stored_kpi_summary(demo, f, periods)
        pd.testing.assert_frame_equal(got, expected)
        assert got.attrs == expected.attrs
        # Cells keep their Python types: the page tests isinstance(spark, list).
        assert [repr(v) for v in got["spark"]] == [repr(v) for v in expected["spark"]]


def test_the_stored_trends_and_movers_equal_the_computed_ones(demo: sqlite_utils.Database) -> None:
    f = Filters()
    periods = O.resolve_periods(demo, f)
    assert periods is not None
    start, end = O.trend_range(periods)
    for _ in range(2):
        pd.testing.assert_frame_equal(O.stored_weekly_trends(demo, f, start, end), O.weekly_trends(demo, f, start, end))
    for kind in O.MOVER_KINDS:
        for _ in range(2):
            pd.testing.assert_frame_equal(
                O.stored_top_movers(demo, f, periods, kind, by="sentiment"),
                O.top_movers(demo, f, periods, kind, by="sentiment"),
            )


@pytest.mark.parametrize(
    "f", [Filters(), Filters(date_from="2026-10-01"), Filters(date_to="2026-10-15", brands=("Velora",)), Filters(segment=2)]
)
def test_the_stored_periods_and_readiness_equal_the_computed_ones(demo: sqlite_utils.Database, f: Filters) -> None:
    for _ in range(2):
        assert O.stored_periods(demo, f) == O.resolve_periods(demo, f)
        assert O.stored_readiness(demo) == O.readiness(demo)


def test_no_data_means_no_periods_also_when_stored(file_db: sqlite_utils.Database) -> None:
    for _ in range(2):
        assert O.stored_periods(file_db, Filters()) is None


def test_the_stored_customer_currencies_equal_the_computed_ones(demo: sqlite_utils.Database) -> None:
    from scrm.views import segments as V

    expected = V.customer_currencies(demo)
    for _ in range(2):
        pd.testing.assert_series_equal(V.stored_customer_currencies(demo), expected, check_names=False)
    assert set(expected) == {"EUR", "GBP"}


def test_the_stored_brands_and_platforms_equal_the_computed_ones(demo: sqlite_utils.Database) -> None:
    from scrm.views import listening as L

    expected = L.brand_and_platform_options(demo)
    for _ in range(2):  # computed and stored, then read back
        assert L.stored_brand_and_platform_options(demo) == expected
    assert browse.read_stored(demo, "listening:brand_and_platform_options") is not None
    assert expected[0] and expected[1]


def test_the_stored_brands_and_currencies_of_the_settings_equal_the_computed_ones(demo: sqlite_utils.Database) -> None:
    from scrm.views import settings as V

    expected = V.brands_and_currencies(demo)
    for _ in range(2):
        assert V.stored_brands_and_currencies(demo) == expected
    assert V.current_settings(demo).brands == expected[0] and V.current_settings(demo).order_currencies == expected[1]
    assert {code for code, _ in expected[1]} == {"EUR", "GBP"}


def test_the_customers_stored_by_score_equal_the_ones_read_and_a_page_run_never_stores_them(
    demo: sqlite_utils.Database,
) -> None:
    from scrm.views import segments as V

    name = 'segments:customer_values:null'
    expected = V._read_values(demo, Filters())
    V.customer_values(demo)  # a page's read: from the tables, nothing written
    assert browse.read_stored(demo, name) is None
    V.store_customer_values(demo)
    assert browse.read_stored(demo, name) is not None
    pd.testing.assert_frame_equal(V._stored_values(demo, Filters()), expected)
    assert not expected.empty


def test_the_stored_rule_form_choices_equal_the_computed_ones(demo: sqlite_utils.Database) -> None:
    from scrm.views import rules as R

    expected = R.rule_options(demo)
    for _ in range(2):
        assert R.stored_rule_options(demo) == expected
    assert {"en", "es", "fr"} <= set(expected["langs"]) and expected["platforms"] and expected["topics"]


def test_the_stored_pending_stages_equal_the_computed_ones(demo: sqlite_utils.Database) -> None:
    from scrm.compute import pending_stages
    from scrm.views import settings as V

    for _ in range(2):
        assert V.stored_pending_stages(demo) == tuple(pending_stages(demo))


@pytest.mark.parametrize("f", [Filters(), Filters(platforms=("twitter",), segment=1)])
def test_the_stored_authors_of_the_advocates_page_equal_the_computed_ones(demo: sqlite_utils.Database, f: Filters) -> None:
    from scrm.views import advocates as A

    expected = A.role_table(demo, f, notable_only=True)
    for _ in range(2):
        pd.testing.assert_frame_equal(A.stored_role_table(demo, f), expected)
    assert not expected.empty


def test_refresh_stores_the_default_view_without_changing_the_data_version(demo: sqlite_utils.Database) -> None:
    version = store.data_version(demo)
    names = O.refresh_page_summaries(demo)
    assert store.data_version(demo) == version
    assert {"data_summary", "filter_options", "segments:customer_currencies", "listening:brand_and_platform_options",
            "settings:brands_and_currencies", "segments:customer_values:null", "rules:options",
            "settings:pending_stages", 'advocates:roles:[[], null]'} <= set(names)
    assert sum(n.startswith("overview:kpis:") for n in names) >= 1
    assert sum(n.startswith("overview:movers:") for n in names) >= 3
