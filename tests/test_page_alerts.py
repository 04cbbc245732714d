"""The Alerts page through AppTest, on a tiny scored demo, an unscored database and an empty one.

The page runs on its own (``app_routed`` set, as ``app.py`` would) so that a
failure surfaces as an exception here instead of the app's apology; the
empty database runs inside the app, whose router the page link needs.
"""

from __future__ import annotations

from pathlib import Path

import page_support as support
import pytest
from streamlit.testing.v1 import AppTest

from scrm.analysis.alerts import daily_cap, group_incidents
from scrm.db import schema as S
from scrm.db import store

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "alerts.py")
TIMEOUT = 60


def kinds_in(path: Path) -> dict[str, int]:
    db = store.open_db(path, create=False)
    try:
        return dict(db.execute("SELECT kind, count(*) FROM alerts GROUP BY kind").fetchall())
    finally:
        db.close()


def open_page(**query: str) -> AppTest:
    """The page after its first run; ``query`` are the link's parameters (global filters)."""
    return support.open_page("alerts", **query)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_the_feed_shows_every_alert_newest_first_with_the_newest_open(demo_db: Path) -> None:
    kinds = kinds_in(demo_db)
    at = open_page()
    assert at.title[0].value == "Alerts"
    assert metric(at, "Alerts") == f"{sum(kinds.values()):,}"
    assert metric(at, "VIP detractors") == f"{kinds.get('vip_detractor', 0):,}"
    # One expander per incident (alerts of one kind and brand a few days apart), within the daily cap per kind.
    db = store.open_db(demo_db, create=False)
    try:
        incidents = group_incidents(store.read_frame(db, "SELECT * FROM alerts"), cap=daily_cap(db))
    finally:
        db.close()
    assert len(at.expander) == min(20, int((~incidents["capped"].astype(bool)).sum())) < sum(kinds.values())
    assert at.expander[0].label.startswith(("High · ", "Medium · "))
    # Only the open alert draws its chart and drivers.
    assert len(at.get("vega_lite_chart")) == 1
    assert at.get("badge") or at.markdown


def test_the_kind_filter_changes_the_feed_count(demo_db: Path) -> None:
    kinds = kinds_in(demo_db)
    at = open_page()
    at.multiselect(key="alerts_kinds").set_value(["volume"]).run()
    assert not at.exception
    assert metric(at, "Alerts") == f"{kinds['volume']:,}"
    assert all("Volume spike" in e.label for e in at.expander)
    at.multiselect(key="alerts_kinds").set_value(["negative", "vip_detractor"]).run()
    assert metric(at, "Alerts") == f"{kinds['negative'] + kinds.get('vip_detractor', 0):,}"


def test_a_date_range_before_the_data_matches_no_alert(demo_db: Path) -> None:
    at = open_page(**{"from": "2020-01-01", "to": "2020-01-31"})
    assert [i.value for i in at.info] == [
        "No alert matches these filters. Clear the kind, brand or platform filter above, or widen the sidebar's date range."
    ]
    assert not at.expander


def test_opening_another_alert_draws_its_series_and_drivers(demo_db: Path) -> None:
    first = open_page()
    key = first.expander[1].key
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["app_routed"] = True
    at.session_state[key] = True  # what clicking the expander does
    at.run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 2
    assert at.expander[1].get("vega_lite_chart") and at.expander[1].dataframe


def test_the_feed_downloads_as_csv_and_excel(demo_db: Path) -> None:
    at = open_page()
    assert [d.label for d in at.get("download_button")] == ["Download CSV", "Download Excel"]


def test_a_database_with_mentions_but_no_analysis_asks_for_the_score_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "unscored.db"
    db = store.open_db(path)
    store.upsert_rows(db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"],
                      [("M1", "twitter", "a", "hello", "2026-01-01T00:00:00")])  # fmt: skip
    db.close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    at = open_page()
    assert [i.value for i in at.info] == [
        "Alerts are not computed yet. Import mentions: alerts follow in the background (or use Recompute now on the Settings page)."
    ]


def test_an_empty_database_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "empty.db"
    store.open_db(path).close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/alerts.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [i.value for i in at.info] == [
        "No mentions yet. Import a mentions file on the Data page, or load the demo data there."
    ]
