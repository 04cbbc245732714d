from __future__ import annotations

import pandas as pd
import pytest
import sqlite_utils

from scrm.charts import data as charts
from scrm.db import schema as S
from scrm.db import store
from scrm.views import data as browse


def add_orders(db: sqlite_utils.Database, rows: list[tuple[str, str | None, str, float, str | None]]) -> None:
    store.upsert_rows(db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount", "currency"], rows)


def add_mentions(db: sqlite_utils.Database, posted: list[str]) -> None:
    rows = [(f"m{i}", "twitter", f"@a{i}", "hello", p) for i, p in enumerate(posted)]
    store.upsert_rows(db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"], rows)


def add_import(db: sqlite_utils.Database, import_id: int, file_name: str, finished_at: str, rejected: int = 0) -> None:
    store.insert_rows(
        db,
        S.IMPORTS,
        ["import_id", "kind", "file_name", "rows_read", "rows_new", "rows_rejected", "finished_at"],
        [(import_id, "orders", file_name, 10, 10 - rejected, rejected, finished_at)],
    )


def add_quarantine(db: sqlite_utils.Database, import_id: int, row_numbers: list[int]) -> None:
    store.insert_rows(
        db,
        S.QUARANTINE,
        ["import_id", "kind", "file_name", "row_number", "column", "value", "reason"],
        [(import_id, "orders", f"f{import_id}.csv", n, "amount", "x", "'x' is not a number.") for n in row_numbers],
    )


def test_an_empty_database_summarises_as_empty(fresh_db) -> None:
    summary = browse.summarise(fresh_db)
    assert summary.is_empty
    assert (summary.customers, summary.orders, summary.mentions, summary.surveys) == (0, 0, 0, 0)
    assert (summary.revenue, summary.currency, summary.currencies) == (None, None, ())
    assert (summary.orders_first, summary.mentions_last, summary.last_import_at) == (None, None, None)


def test_revenue_in_one_currency_is_summed_with_its_currency(fresh_db) -> None:
    add_orders(
        fresh_db,
        [
            ("o1", "c1", "2024-03-04T10:00:00", 10.5, "EUR"),
            ("o2", None, "2024-03-20T10:00:00", 20.0, "EUR"),
            ("o3", "c2", "2024-02-01T09:00:00", -5.5, None),
        ],
    )
    summary = browse.summarise(fresh_db)
    assert (summary.orders, summary.guest_orders) == (3, 1)
    assert summary.revenue == pytest.approx(25.0)
    assert (summary.currency, summary.currencies) == ("EUR", ("EUR",))
    assert (summary.orders_first, summary.orders_last) == ("2024-02-01T09:00:00", "2024-03-20T10:00:00")
    assert not summary.is_empty


def test_revenue_in_several_currencies_is_not_added_up(fresh_db) -> None:
    add_orders(
        fresh_db,
        [("o1", "c1", "2024-03-04T10:00:00", 10.0, "USD"), ("o2", "c1", "2024-03-05T10:00:00", 20.0, "EUR")],
    )
    summary = browse.summarise(fresh_db)
    assert (summary.revenue, summary.currency, summary.currencies) == (None, None, ("EUR", "USD"))
    assert summary.revenue_by_currency == (("EUR", 1, 20.0), ("USD", 1, 10.0))


def test_revenue_without_any_currency_is_summed_without_a_unit(fresh_db) -> None:
    add_orders(fresh_db, [("o1", "c1", "2024-03-04T10:00:00", 10.0, None), ("o2", "c1", "2024-03-05T10:00:00", 2.5, "")])
    summary = browse.summarise(fresh_db)
    assert (summary.revenue, summary.currency, summary.currencies) == (12.5, None, ())
    assert summary.revenue_by_currency == (("", 2, 12.5),)


def test_only_linked_profiles_count_as_linked(fresh_db) -> None:
    store.upsert_rows(fresh_db, S.PROFILES, ["profile_id", "platform", "handle"], [
        ("twitter:a", "twitter", "a"), ("twitter:b", "twitter", "b"), ("twitter:c", "twitter", "c"),
    ])
    store.upsert_rows(fresh_db, S.LINKS, ["profile_id", "customer_id", "status"], [
        ("twitter:a", "c1", S.LINKED), ("twitter:a", "c2", S.SUGGESTED), ("twitter:b", "c3", S.SUGGESTED),
    ])
    summary = browse.summarise(fresh_db)
    assert (summary.profiles, summary.linked_profiles) == (3, 1)


def test_weekly_activity_counts_per_monday_and_fills_empty_weeks(fresh_db) -> None:
    # 2024-03-04 is a Monday, 2024-03-10 the Sunday of that week.
    add_orders(fresh_db, [
        ("o1", "c1", "2024-03-04T00:00:00", 1.0, None),
        ("o2", "c1", "2024-03-10T23:59:59", 1.0, None),
        ("o3", "c1", "2024-03-19T12:00:00", 1.0, None),
    ])
    add_mentions(fresh_db, ["2024-03-11T08:00:00"])
    weekly = browse.weekly_activity(fresh_db)
    assert list(weekly.columns) == list(browse.WEEKLY_COLUMNS)
    orders = weekly[weekly["series"] == "Orders"]
    assert [d.strftime("%Y-%m-%d") for d in orders["week"]] == ["2024-03-04", "2024-03-11", "2024-03-18"]
    assert orders["count"].tolist() == [2, 0, 1]
    # Orders start on a Monday but end on a Tuesday: only the last week is partial.
    assert orders["partial"].tolist() == [False, False, True]
    mentions = weekly[weekly["series"] == "Mentions"]
    assert mentions[["count"]].to_dict("list") == {"count": [1]}
    assert mentions["week"].iloc[0] == pd.Timestamp("2024-03-11")


def test_weekly_activity_of_an_empty_database_is_an_empty_frame(fresh_db) -> None:
    weekly = browse.weekly_activity(fresh_db)
    assert weekly.empty
    assert list(weekly.columns) == list(browse.WEEKLY_COLUMNS)


def test_the_weekly_chart_of_a_series_has_its_colour_and_draws_partial_weeks_hollow(fresh_db) -> None:
    add_orders(fresh_db, [("o1", "c1", "2024-03-06T00:00:00", 1.0, None)])
    add_mentions(fresh_db, ["2024-03-04T08:00:00"])
    spec = charts.weekly_series_chart(browse.weekly_activity(fresh_db), "Orders").to_dict()
    line, points = spec["layer"]
    assert line["mark"]["color"] == charts.SERIES_COLOURS["Orders"]
    assert points["encoding"]["fill"]["condition"] == {"test": "datum.partial", "value": "white"}
    rows = list(spec["datasets"].values())[0]
    assert [(r["series"], r["count"], r["coverage"]) for r in rows] == [("Orders", 1, "partial week")]


def test_import_history_lists_the_newest_import_first(fresh_db) -> None:
    add_import(fresh_db, 1, "old.csv", "2024-01-01T00:00:00")
    add_import(fresh_db, 2, "new.csv", "2024-02-01T00:00:00", rejected=2)
    history = browse.import_history(fresh_db)
    assert list(history.columns) == list(browse.IMPORT_HISTORY_COLUMNS)
    assert history["file_name"].tolist() == ["new.csv", "old.csv"]
    assert history["rows_rejected"].tolist() == [2, 0]
    assert browse.import_history(fresh_db, limit=1)["import_id"].tolist() == [2]
    assert browse.summarise(fresh_db).last_import_at == "2024-02-01T00:00:00"


def test_quarantine_rows_are_filtered_by_import_and_ordered_by_row(fresh_db) -> None:
    add_quarantine(fresh_db, 1, [5, 2])
    add_quarantine(fresh_db, 2, [9, 3, 4])
    every = browse.quarantine_rows(fresh_db)
    assert list(every.columns) == list(browse.QUARANTINE_COLUMNS)
    assert list(zip(every["import_id"], every["row_number"], strict=True)) == [
        (2, 3), (2, 4), (2, 9), (1, 2), (1, 5),
    ]
    assert browse.quarantine_rows(fresh_db, import_id=1)["row_number"].tolist() == [2, 5]
    assert browse.quarantine_rows(fresh_db, import_id=2, limit=2)["row_number"].tolist() == [3, 4]
    assert browse.quarantine_rows(fresh_db, import_id=99).empty


def test_quarantine_imports_count_rows_per_import_newest_first(fresh_db) -> None:
    add_quarantine(fresh_db, 1, [2])
    add_quarantine(fresh_db, 3, [2, 3])
    imports = browse.quarantine_imports(fresh_db)
    assert imports.to_dict("records") == [
        {"import_id": 3, "file_name": "f3.csv", "kind": "orders", "rows": 2},
        {"import_id": 1, "file_name": "f1.csv", "kind": "orders", "rows": 1},
    ]
    assert browse.summarise(fresh_db).quarantined == 3
