"""The Segments page through AppTest, on a tiny scored demo and on an empty database.

The page runs on its own (``app_routed`` set, as ``app.py`` would) so that a
failure surfaces as an exception here instead of the app's apology. Not
covered (browser tests): dragging a box on the value-sentiment chart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import page_support as support
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def open_page(**query: str) -> AppTest:
    """The page after its first run; ``query`` are the link's parameters (global filters)."""
    return support.open_page("segments", **query)


def count_in(caption: str) -> int:
    match = re.match(r"([\d,]+) customers", caption)
    assert match, caption
    return int(match.group(1).replace(",", ""))


def list_counts(at: AppTest) -> list[int]:
    return [count_in(c.value) for c in at.caption if re.match(r"[\d,]+ customers, highest CLV first", c.value)]


def test_the_page_renders_the_scored_demo(demo_db: Path) -> None:
    at = open_page()
    assert at.title[0].value == "Segments"
    assert [t.label for t in at.tabs] == ["RFM grid", "RFM segments", "Frequency classes", "Clusters", "Value × sentiment"]
    # The demo sells in EUR (most customers) and GBP: the tiles name the main currency.
    assert {m.label for m in at.metric} == {"Customers", "Revenue (EUR)", "Avg CLV, 12 months (EUR)", "Consented"}
    assert next(m.value for m in at.metric if m.label == "Customers") == "600"
    # Five customer lists (cell, RFM segment, class, cluster, value x sentiment), each downloadable twice.
    assert len(list_counts(at)) == 5
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("Download CSV") == 5 and labels.count("Download XLSX") == 5
    assert not at.info


def test_a_list_download_holds_the_whole_list_the_table_starts(demo_db: Path, fetches: dict[str, Any]) -> None:
    # The table draws the first rows; the file is built from the whole list when fetched.
    import io

    import pandas as pd

    at = open_page()
    first_count = list_counts(at)[0]  # the RFM grid's cell, r=5 and f=5 by default
    table = at.dataframe[0].value
    fetched = pd.read_csv(io.BytesIO(fetches["rfm-r5-f5.csv"]()), dtype={"customer_id": str})
    assert len(fetched) == first_count > 0
    assert fetched["customer_id"].head(len(table)).tolist() == table["customer_id"].tolist()
    assert fetched["clv"].is_monotonic_decreasing


def test_choosing_an_rfm_segment_changes_the_customer_list(demo_db: Path) -> None:
    at = open_page()
    box = at.selectbox(key="segments_rfm_segment")
    first, before = box.value, list_counts(at)[1]
    other = next(o for o in box.options if o != first)
    at = box.select(other).run()
    after = list_counts(at)[1]
    table = at.dataframe[2].value  # grid cell list, RFM summary, then the RFM segment's list
    assert set(table["rfm_segment"]) == {other}
    assert after == len(table) != before


def list_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if re.match(r"[\d,]+ customers, highest CLV first", c.value)]


def test_lists_keep_only_consenting_customers_by_default_and_say_how_many_were_left_out(demo_db: Path) -> None:
    at = open_page()
    caption = list_captions(at)[1]
    consenting = count_in(caption)
    assert at.dataframe[2].value["consent_marketing"].all()
    left = re.search(r" ([\d,]+) left out: no marketing consent, or consent unknown\.", caption)
    assert left, caption
    at = at.checkbox(key="segments_rfm_consent").uncheck().run()
    caption = list_captions(at)[1]
    everyone = count_in(caption)
    assert 0 < consenting < everyone == consenting + int(left.group(1).replace(",", ""))
    assert not at.dataframe[2].value["consent_marketing"].all()
    assert "do not use this list for a campaign" in caption


def test_a_segment_filter_matching_nobody_says_what_to_do(demo_db: Path) -> None:
    at = open_page(segment="99")
    assert [i.value for i in at.info] == ["No customers match these filters. Clear the segment filter in the sidebar."]
    assert not at.tabs


def test_a_segment_filter_narrows_every_figure(demo_db: Path) -> None:
    at = open_page(segment="1")
    customers = int(next(m.value for m in at.metric if m.label == "Customers").replace(",", ""))
    assert 0 < customers < 600
    assert "Filtered by segment 1\\." in at.caption[0].value


def test_an_empty_database_says_what_to_do(empty_db: Path) -> None:
    at = open_page()
    assert [i.value for i in at.info] == [
        "No orders yet. Import orders on the Data page or load the demo there; "
        "the scores follow in the background."
    ]
    assert not at.metric and not at.get("download_button")


def test_the_privacy_switch_masks_names_on_screen_but_not_in_the_list_underneath(demo_db: Path) -> None:
    at = open_page(mask="1")
    shown = at.dataframe[0].value
    assert shown["name"].dropna().str.fullmatch(r"Customer \d{6}").all()
    assert shown["email"].dropna().str.endswith("@masked.invalid").all()
    plain = open_page().dataframe[0].value
    assert not plain["name"].dropna().str.fullmatch(r"Customer \d{6}").any()


def test_the_page_renders_inside_the_app_with_its_sidebar(demo_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/segments.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Segments"
    assert not at.error, [e.value for e in at.error]


def test_revenue_is_shown_per_currency_never_added(demo_db: Path) -> None:
    from scrm.db import store
    from scrm.views import segments as V

    db = store.open_db(demo_db, create=False)
    try:
        money = V.money_by_currency(V.customer_values(db)).set_index("currency")
    finally:
        db.close()
    assert list(money.index) == ["EUR", "GBP"]
    at = open_page()
    tile = next(m.value for m in at.metric if m.label == "Revenue (EUR)")
    from scrm import ui

    assert tile == ui.format_number(float(money.loc["EUR", "revenue"]), money=True)
    other = next(c.value for c in at.caption if c.value.startswith("Other currencies"))
    assert f"from {int(money.loc['GBP', 'customers']):,} customers" in other and "GBP" in other
    summary = at.dataframe[1].value  # the RFM segments' summary
    assert {"revenue_EUR", "revenue_GBP", "avg_clv_EUR", "avg_clv_GBP"} <= set(summary.columns)
    assert "revenue" not in summary.columns
    listed = at.dataframe[0].value
    assert set(listed["currency"]) <= {"EUR", "GBP"}
