"""The Segments page's engine reads, on tiny hand-made derived tables."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters
from scrm.views import segments as V

# customer_id, r, f, m, rfm_segment, frequency_class, orders, revenue, clv, decile
VALUES = [
    ("A", 5, 5, 5, "Champions", "frequent", 10, 1000.0, 800.0, 10),
    ("B", 5, 5, 4, "Champions", "frequent", 8, 600.0, 400.0, 9),
    ("C", 1, 1, 1, "Lost", "one-off", 1, 20.0, 5.0, 1),
    ("D", 3, 2, 3, "About to Sleep", "sporadic", 2, 100.0, 50.0, 5),
]


def add_values(db: sqlite_utils.Database, rows: list[tuple] = VALUES) -> None:  # type: ignore[type-arg]
    frame = pd.DataFrame(
        rows,
        columns=["customer_id", "r_score", "f_score", "m_score", "rfm_segment", "frequency_class", "orders", "revenue", "clv", "clv_decile"],
    )
    frame["aov"] = (frame["revenue"] / frame["orders"]).round(2)
    frame["recency_days"] = (6 - frame["r_score"]) * 10
    frame["last_order_at"] = "2026-10-01T10:00:00"
    frame["as_of"] = "2026-10-31"
    store.replace_table(db, V.CUSTOMER_VALUE, frame, pk="customer_id")


def add_customers(db: sqlite_utils.Database) -> None:
    store.upsert_rows(
        db, S.CUSTOMERS, ["customer_id", "name", "email", "consent_marketing"],
        [("A", "Ann", "ann@x.io", 1), ("B", "Bob", "bob@x.io", 0), ("C", "=cmd()", None, 1)],
    )
    store.upsert_rows(db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount"], [("O1", "A", "2026-10-01T10:00:00", 10.0)])


def add_segments(db: sqlite_utils.Database) -> None:
    store.replace_table(db, V.SEGMENTS, pd.DataFrame({"customer_id": ["A", "B", "C", "D"], "segment_id": [1, 1, 2, 2]}), pk="customer_id")
    profiles = pd.DataFrame(
        {
            "segment_id": [1, 2],
            "size": [2, 2],
            "share": [0.5, 0.5],
            "description": ["top value, recent buyers", "low value, long lapsed"],
            "main_platform": [None, None],
            "centre": [json.dumps({"recency_days": 10.0, "orders": 9.0, "clv": 600.0}), json.dumps({"recency_days": 40.0, "orders": 1.5, "clv": 27.5})],
            "z": ["{}", "{}"],
        }
    )
    store.replace_table(db, V.SEGMENT_PROFILES, profiles, pk="segment_id")


@pytest.fixture
def db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    add_customers(fresh_db)
    add_values(fresh_db)
    add_segments(fresh_db)
    return fresh_db


def test_an_empty_database_says_to_import_orders(fresh_db: sqlite_utils.Database) -> None:
    assert V.not_ready_reason(fresh_db) == (
        "No orders yet. Import orders on the Data page or load the demo there; "
        "the scores follow in the background."
    )


def test_orders_without_customer_value_say_to_run_score(fresh_db: sqlite_utils.Database) -> None:
    add_customers(fresh_db)
    assert V.not_ready_reason(fresh_db) == (
        "Customer value is not computed yet. RFM, CLV and segments follow in the background (or use Recompute now on the Settings page)."
    )
    assert V.customer_values(fresh_db).empty


def test_customer_values_join_names_consent_and_cluster(db: sqlite_utils.Database) -> None:
    assert V.not_ready_reason(db) is None
    values = V.customer_values(db)
    assert values["customer_id"].tolist() == ["A", "B", "C", "D"]
    assert values["name"].tolist()[:3] == ["Ann", "Bob", "=cmd()"] and pd.isna(values["name"].iloc[3])
    # D has no customer record: no consent on file.
    assert values["consent_marketing"].tolist() == [True, False, True, False]
    assert values["segment_id"].tolist() == [1, 1, 2, 2]
    assert V.analysis_date(values) == "2026-10-31"


@pytest.mark.parametrize(("segment", "expected"), [(1, ["A", "B"]), (2, ["C", "D"]), (9, [])])
def test_the_segment_filter_keeps_one_cluster(db: sqlite_utils.Database, segment: int, expected: list[str]) -> None:
    assert V.customer_values(db, Filters(segment=segment))["customer_id"].tolist() == expected


def test_the_rfm_grid_has_every_cell_with_counts_and_revenue(db: sqlite_utils.Database) -> None:
    grid = V.rfm_grid(V.customer_values(db)).set_index(["r_score", "f_score"])
    assert len(grid) == 25
    assert grid.loc[(5, 5), "customers"] == 2
    assert grid.loc[(5, 5), "revenue"] == 1600.0
    assert grid.loc[(5, 5), "avg_clv"] == 600.0  # (800 + 400) / 2
    assert grid.loc[(5, 5), "share"] == 0.5
    assert grid.loc[(1, 1), "customers"] == 1
    assert grid.loc[(4, 4), "customers"] == 0
    assert grid.loc[(4, 4), "revenue"] == 0.0
    assert int(grid["customers"].sum()) == 4


def test_an_empty_frame_gives_an_empty_grid_of_25_cells() -> None:
    grid = V.rfm_grid(V._empty_values())
    assert len(grid) == 25 and int(grid["customers"].sum()) == 0


def test_rfm_segments_are_summarised_in_the_documented_order(db: sqlite_utils.Database) -> None:
    summary = V.rfm_segment_summary(V.customer_values(db))
    assert summary["rfm_segment"].tolist() == ["Champions", "About to Sleep", "Lost"]
    champions = summary.iloc[0]
    assert (champions["customers"], champions["share"], champions["revenue"], champions["avg_clv"]) == (2, 0.5, 1600.0, 600.0)
    assert champions["avg_orders"] == 9.0
    assert champions["avg_recency_days"] == 10.0


def test_frequency_classes_are_summarised(db: sqlite_utils.Database) -> None:
    summary = V.frequency_class_summary(V.customer_values(db)).set_index("frequency_class")
    assert summary.index.tolist() == ["frequent", "sporadic", "one-off"]
    assert summary.loc["one-off", "customers"] == 1
    assert summary.loc["sporadic", "avg_clv"] == 50.0


def test_cluster_profiles_spell_out_the_centre_and_add_money(db: sqlite_utils.Database) -> None:
    clusters = V.cluster_profiles(db, V.customer_values(db))
    assert clusters["description"].tolist() == ["top value, recent buyers", "low value, long lapsed"]
    assert clusters["centre_orders"].tolist() == [9.0, 1.5]
    assert clusters["revenue"].tolist() == [1600.0, 120.0]
    assert clusters["avg_clv"].tolist() == [600.0, 27.5]
    only = V.cluster_profiles(db, V.customer_values(db, Filters(segment=2)), Filters(segment=2))
    assert only["segment_id"].tolist() == [2]


def test_without_clusters_the_profiles_are_empty(fresh_db: sqlite_utils.Database) -> None:
    add_values(fresh_db)
    assert V.cluster_profiles(fresh_db, V.customer_values(fresh_db)).empty
    # A segment filter without clusters matches nobody rather than everybody.
    assert V.customer_values(fresh_db, Filters(segment=1)).empty


def add_social(db: sqlite_utils.Database) -> None:
    """A's twitter profile wrote two scored mentions (+0.6, -0.2) and one brand post; B's is only suggested."""
    cols = ["mention_id", "platform", "author", "text", "posted_at", "brand", "from_brand"]
    store.upsert_rows(
        db, S.MENTIONS, cols,
        [
            ("m1", "twitter", "@Ann_T", "love it", "2026-09-01T10:00:00", "Velora", 0),
            ("m2", "twitter", "ann_t", "meh", "2026-10-20T10:00:00", "Velora", 0),
            ("m3", "twitter", "ann_t", "our post", "2026-10-21T10:00:00", "Velora", 1),
            ("m4", "twitter", "bob", "great", "2026-10-21T10:00:00", "Velora", 0),
        ],
    )
    store.upsert_rows(
        db, S.SENTIMENT, ["mention_id", "lang", "score", "label"],
        [("m1", "en", 0.6, "positive"), ("m2", "en", -0.2, "negative"), ("m3", "en", 0.9, "positive"), ("m4", "en", 0.9, "positive")],
    )
    store.upsert_rows(
        db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status"],
        [("twitter:ann_t", "A", "email", 1.0, S.LINKED), ("twitter:bob", "B", "name_city", 0.6, S.SUGGESTED)],
    )


def test_customer_sentiment_averages_linked_profiles_scored_mentions(db: sqlite_utils.Database) -> None:
    add_social(db)
    sentiment = V.customer_sentiment(db)
    assert sentiment.to_dict("records") == [{"customer_id": "A", "mentions": 2, "avg_sentiment": 0.2}]
    recent = V.customer_sentiment(db, Filters(date_from="2026-10-01"))
    assert recent.to_dict("records") == [{"customer_id": "A", "mentions": 1, "avg_sentiment": -0.2}]
    assert V.customer_sentiment(db, Filters(platforms=("instagram",))).empty


def test_value_sentiment_keeps_customers_with_both_and_a_brush_selects(db: sqlite_utils.Database) -> None:
    add_social(db)
    points = V.value_sentiment(V.customer_values(db), V.customer_sentiment(db))
    assert points[["customer_id", "clv", "avg_sentiment"]].values.tolist() == [["A", 800.0, 0.2]]
    assert len(V.in_ranges(points, {"clv": (700, 900), "avg_sentiment": (0.5, 0.0)})) == 1
    assert V.in_ranges(points, {"clv": (0, 100)}).empty


def test_customer_list_filters_ranks_by_clv_and_respects_consent(db: sqlite_utils.Database) -> None:
    values = V.customer_values(db)
    assert V.customer_list(values)["customer_id"].tolist() == ["A", "B", "D", "C"]
    assert V.customer_list(values, rfm_segment="Champions")["customer_id"].tolist() == ["A", "B"]
    assert V.customer_list(values, rfm_segment="Champions", consented_only=True)["customer_id"].tolist() == ["A"]
    assert V.customer_list(values, r_score=5, f_score=5)["customer_id"].tolist() == ["A", "B"]
    assert V.customer_list(values, segment_id=2)["customer_id"].tolist() == ["D", "C"]
    assert V.customer_list(values, frequency_class="seasonal").empty
    assert list(V.customer_list(values).columns) == list(V.LIST_COLUMNS)


@pytest.mark.parametrize("consented", [True, False])
@pytest.mark.parametrize(
    "wanted", [{}, {"rfm_segment": "Champions"}, {"r_score": 5, "f_score": 5}, {"segment_id": 2}, {"frequency_class": "x"}]
)
def test_a_list_with_its_consent_count_equals_the_whole_list_then_split(
    db: sqlite_utils.Database, wanted: dict[str, object], consented: bool
) -> None:
    # The page asks for both at once so the whole list is never copied twice; same rows, same count.
    values = V.customer_values(db)
    everyone = V.customer_list(values, **wanted)  # type: ignore[arg-type]
    expected = V.consent_split(everyone) if consented else (everyone, 0)
    shown, left_out = V.customer_list_with_consent(values, consented_only=consented, **wanted)  # type: ignore[arg-type]
    assert left_out == expected[1]
    pd.testing.assert_frame_equal(shown, expected[0])


@pytest.mark.parametrize("consented", [True, False])
@pytest.mark.parametrize(
    "wanted", [{}, {"rfm_segment": "Champions"}, {"r_score": 5, "f_score": 5}, {"segment_id": 2}, {"frequency_class": "x"}]
)
def test_a_lazy_customer_list_has_the_rows_size_and_count_left_out_of_the_whole_list(
    db: sqlite_utils.Database, wanted: dict[str, object], consented: bool
) -> None:
    values = V.customer_values(db)
    shown, left_out = V.customer_list_with_consent(values, consented_only=consented, **wanted)  # type: ignore[arg-type]
    listing = V.customer_list_of(values, consented_only=consented, **wanted)  # type: ignore[arg-type]
    assert (len(listing), listing.left_out) == (len(shown), left_out)
    pd.testing.assert_frame_equal(listing.frame(), shown)
    for n in (0, 1, 2, 10):
        pd.testing.assert_frame_equal(listing.head(n), shown.head(n))


@pytest.mark.parametrize("n", [1, 7, 50, 299, 300, 301, 1000])
def test_the_first_rows_of_a_long_list_are_its_first_rows_with_ties_and_missing_clvs(n: int) -> None:
    # Many equal CLVs across the cut and customers without a CLV: the head orders only the
    # rows it returns, and must give exactly the first rows of the whole ordered list.
    import numpy as np

    rng = np.random.default_rng(7)
    size = 600
    clv = rng.choice([10.0, 20.0, 20.0, 30.0, np.nan], size=size)
    values = pd.DataFrame(
        {
            "customer_id": pd.array([f"C{i:05d}" for i in range(size)], dtype="str"),
            "clv": clv,
            "consent_marketing": rng.random(size) < 0.7,
            "rfm_segment": pd.array(rng.choice(["Champions", "Lost"], size=size), dtype="str"),
        }
    )
    for consented in (True, False):
        listing = V.customer_list_of(values, consented_only=consented)
        pd.testing.assert_frame_equal(listing.head(n), listing.frame().head(n))
        assert listing.frame()["customer_id"].tolist() == V.customer_list(values, consented_only=consented)["customer_id"].tolist()
    # Out of customer-id order (another engine's collation) the list still comes out right.
    shuffled = values.iloc[rng.permutation(size)].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        V.customer_list_of(shuffled, consented_only=False).head(n), V.customer_list(shuffled).head(n)
    )


def test_a_frame_out_of_customer_id_order_or_with_a_missing_id_is_not_taken_as_ordered() -> None:
    as_text = pd.DataFrame({"customer_id": pd.array(["A", "B", "C"], dtype="str")})
    assert V._ids_ascending(as_text)
    assert not V._ids_ascending(as_text.iloc[[0, 2, 1]])
    assert not V._ids_ascending(pd.DataFrame({"customer_id": pd.array(["A", None, "C"], dtype="str")}))
    assert V._ids_ascending(pd.DataFrame({"customer_id": ["A", "B"]}, dtype=object))
    assert not V._ids_ascending(pd.DataFrame({"customer_id": ["B", "A"]}, dtype=object))


def test_filtering_never_changes_the_input_frame(db: sqlite_utils.Database) -> None:
    values = V.customer_values(db)
    before = values.copy()
    V.customer_list(values, rfm_segment="Lost", consented_only=True)
    V.rfm_grid(values)
    V.rfm_segment_summary(values)
    pd.testing.assert_frame_equal(values, before)


def test_the_charts_carry_counts_revenue_and_the_named_brush(db: sqlite_utils.Database) -> None:
    from scrm.charts import segments as C

    values = V.customer_values(db)
    heat = C.rfm_heatmap(V.rfm_grid(values)).to_dict()
    tooltips = [t["field"] for t in heat["layer"][0]["encoding"]["tooltip"]]
    assert tooltips == ["r_score", "f_score", "customers", "share", "revenue", "avg_clv"]
    add_social(db)
    points = V.value_sentiment(values, V.customer_sentiment(db))
    scatter = C.value_sentiment_scatter(points).to_dict()
    assert scatter["params"][0]["name"] == C.VALUE_SENTIMENT_SELECTION


def test_charts_of_more_points_than_altair_takes_are_drawn_from_a_fixed_sample() -> None:
    import numpy as np
    import pandas as pd

    from scrm.charts import segments as segment_charts

    rng = np.random.default_rng(1)
    n = 12_000
    points = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "clv": rng.lognormal(5, 1, n),
            "avg_sentiment": rng.uniform(-1, 1, n),
            "mentions": rng.integers(1, 9, n),
            "rfm_segment": "Loyal",
        }
    )
    spec = segment_charts.value_sentiment_scatter(points).to_dict()  # raised MaxRowsError before
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) == segment_charts.MAX_POINTS
    assert rows == next(iter(segment_charts.value_sentiment_scatter(points).to_dict()["datasets"].values()))
    assert segment_charts.sample_note(n) == "The chart shows a fixed sample of 5,000 of 12,000 points; the lists cover all of them."
    assert segment_charts.sample_note(100) is None


# --- currencies: money is never added across currencies ------------------------------------


def add_currencies(db: sqlite_utils.Database) -> None:
    """A and B pay in EUR, C in GBP (lower case and padded in the file), D in both."""
    store.upsert_rows(
        db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount", "currency"],
        [
            ("O1", "A", "2026-10-01T10:00:00", 10.0, "EUR"),
            ("O2", "B", "2026-10-01T10:00:00", 10.0, "EUR"),
            ("O3", "C", "2026-10-01T10:00:00", 10.0, " gbp "),
            ("O4", "D", "2026-10-01T10:00:00", 10.0, "GBP"),
            ("O5", "D", "2026-10-02T10:00:00", 10.0, "EUR"),
            ("O6", None, "2026-10-02T10:00:00", 10.0, "USD"),
        ],
    )


def test_each_customer_carries_the_currency_of_their_orders(db: sqlite_utils.Database) -> None:
    add_currencies(db)
    values = V.customer_values(db)
    assert values["currency"].tolist() == ["EUR", "EUR", "GBP", "EUR+GBP"]
    assert V.currencies(values) == ("EUR", "EUR+GBP", "GBP")
    listed = V.customer_list(values)
    assert listed.columns.get_loc("currency") == listed.columns.get_loc("revenue") - 1


def test_customers_whose_orders_name_no_currency_have_none(db: sqlite_utils.Database) -> None:
    values = V.customer_values(db)
    assert values["currency"].isna().all()
    assert V.currencies(values) == (None,)


def test_summaries_give_revenue_and_clv_per_currency_never_added(db: sqlite_utils.Database) -> None:
    add_currencies(db)
    values = V.customer_values(db)
    summary = V.rfm_segment_summary(values).set_index("rfm_segment")
    assert list(summary.columns) == [
        "customers", "share", "revenue_EUR", "avg_clv_EUR", "revenue_EUR+GBP", "avg_clv_EUR+GBP",
        "revenue_GBP", "avg_clv_GBP", "avg_orders", "avg_recency_days",
    ]  # fmt: skip
    assert summary.loc["Champions", "revenue_EUR"] == 1600.0  # A and B
    assert summary.loc["Champions", "revenue_GBP"] == 0.0
    assert pd.isna(summary.loc["Champions", "avg_clv_GBP"])
    assert summary.loc["Lost", "revenue_GBP"] == 20.0  # C
    assert summary.loc["About to Sleep", "revenue_EUR+GBP"] == 100.0  # D, apart from both
    grid = V.rfm_grid(values).set_index(["r_score", "f_score"])
    assert (grid.loc[(5, 5), "revenue_EUR"], grid.loc[(5, 5), "revenue_GBP"]) == (1600.0, 0.0)
    assert grid.loc[(1, 1), "avg_clv_GBP"] == 5.0
    clusters = V.cluster_profiles(db, values)
    assert clusters["revenue_EUR"].tolist() == [1600.0, 0.0]
    assert clusters["revenue_GBP"].tolist() == [0.0, 20.0]
    assert "revenue" not in clusters.columns


def test_money_by_currency_puts_the_main_currency_first(db: sqlite_utils.Database) -> None:
    add_currencies(db)
    money = V.money_by_currency(V.customer_values(db))
    assert money.to_dict("records") == [
        {"currency": "EUR", "customers": 2, "revenue": 1600.0, "avg_clv": 600.0},
        {"currency": "EUR+GBP", "customers": 1, "revenue": 100.0, "avg_clv": 50.0},
        {"currency": "GBP", "customers": 1, "revenue": 20.0, "avg_clv": 5.0},
    ]
    assert V.money_columns(V.rfm_grid(V.customer_values(db)), "revenue") == [
        ("revenue_EUR", "EUR"), ("revenue_EUR+GBP", "EUR+GBP"), ("revenue_GBP", "GBP"),
    ]  # fmt: skip


def test_chart_tooltips_name_the_currency_of_each_amount(db: sqlite_utils.Database) -> None:
    from scrm.charts import segments as C

    add_currencies(db)
    values = V.customer_values(db)
    bars = C.summary_bars(V.rfm_segment_summary(values), "rfm_segment", "RFM segment").to_dict()
    titles = [t["title"] for t in bars["encoding"]["tooltip"]]
    assert "Revenue, EUR" in titles and "Revenue, GBP" in titles and "Average CLV (12 months), GBP" in titles
    assert "Revenue" not in titles


def test_consent_split_keeps_only_consent_and_counts_unknown_as_not_consented() -> None:
    frame = pd.DataFrame(
        {"customer_id": ["A", "B", "C", "D"], "consent_marketing": pd.Series([True, pd.NA, False, True], dtype="boolean")}
    )
    kept, left_out = V.consent_split(frame)
    assert kept["customer_id"].tolist() == ["A", "D"] and left_out == 2
    assert frame["customer_id"].tolist() == ["A", "B", "C", "D"]  # the input is not changed


def test_consent_split_of_a_list_without_the_column_keeps_nobody() -> None:
    kept, left_out = V.consent_split(pd.DataFrame({"customer_id": ["A", "B"]}))
    assert kept.empty and left_out == 2


def test_customer_values_of_a_file_are_reused_per_data_version_and_handed_out_as_copies(tmp_path) -> None:
    db = store.open_db(tmp_path / "scrm.db")
    try:
        add_customers(db)
        add_values(db)
        first = V.customer_values(db)
        first.loc[0, "name"] = "changed by a caller"
        again = V.customer_values(db)
        assert again.loc[0, "name"] == "Ann"
        store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name"], [("A", "Anna")])
        assert V.customer_values(db).loc[0, "name"] == "Anna"
    finally:
        db.close()


def test_customer_sentiment_is_stored_and_follows_new_data(db: sqlite_utils.Database) -> None:
    add_social(db)
    assert V.customer_sentiment(db).equals(V.compute_customer_sentiment(db))
    assert V.customer_sentiment(db)["mentions"].tolist() == [2]
    store.upsert_rows(db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], [("m4", "en", 0.1, "positive")])
    store.upsert_rows(
        db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status"],
        [("twitter:bob", "B", "name_city", 0.6, S.LINKED)],
    )  # fmt: skip
    assert V.customer_sentiment(db)["customer_id"].tolist() == ["A", "B"]
