"""Periods that never lie (issue 14): the default period ends on a day every source reaches,
a comparison with a period that lacks its data says so, and the business settings drive both.

The fixture: 120 days of steady business, one mention and one order of 100 EUR a day,
from 5 June to 2 October 2026. Steady means no KPI moved: any red tile is the period's fault.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlite_utils

from scrm import api
from scrm.db import schema as S
from scrm.db import settings as business
from scrm.db import store
from scrm.db.filters import Filters
from scrm.errors import ConfigError
from scrm.views import overview as O
from scrm.views import settings as V

FIRST = dt.date(2026, 6, 5)
DAYS = 120
LAST = FIRST + dt.timedelta(days=DAYS - 1)  # 2 Oct 2026
MENTION_COLUMNS = ["mention_id", "platform", "author", "text", "posted_at", "brand", "from_brand"]
ORDER_COLUMNS = ["order_id", "customer_id", "ordered_at", "amount", "currency"]


def _day(i: int) -> str:
    return (FIRST + dt.timedelta(days=i)).isoformat()


@pytest.fixture
def steady(tmp_path: Path) -> sqlite_utils.Database:
    db = store.open_db(tmp_path / "steady.db")
    store.upsert_rows(
        db, S.MENTIONS, MENTION_COLUMNS,
        [(f"m{i}", "twitter", f"a{i % 7}", "fine", f"{_day(i)}T10:00:00", "Velora", 0) for i in range(DAYS)],
    )  # fmt: skip
    store.upsert_rows(
        db, S.ORDERS, ORDER_COLUMNS,
        [(f"o{i}", f"c{i % 9}", f"{_day(i)}T12:00:00", 100.0, "EUR") for i in range(DAYS)],
    )  # fmt: skip
    yield db
    db.close()


def _tiles(db: sqlite_utils.Database) -> dict[str, dict[str, object]]:
    periods = O.resolve_periods(db, Filters())
    assert periods is not None
    table = O.kpi_summary(db, Filters(), periods, keys=("mentions", "revenue", "orders"), spark_keys=())
    return {str(r["key"]): r for r in table.to_dict("records")}


def _late_orders_csv() -> bytes:
    lines = ["order_id,customer_id,ordered_at,amount,currency"]
    lines += [f"late{i},c{i},{(LAST + dt.timedelta(days=4 + i)).isoformat()}T09:00:00,100.00,EUR" for i in range(4)]
    return ("\n".join(lines) + "\n").encode()


def test_orders_imported_after_the_last_mention_do_not_turn_the_tiles_red(steady: sqlite_utils.Database) -> None:
    before = _tiles(steady)
    assert before["mentions"]["change"] == 0 and before["revenue"]["change"] == 0
    api.import_file(steady, _late_orders_csv(), "orders", file_name="late.csv", actor="test", score_after=False)
    after = _tiles(steady)
    for key in ("mentions", "revenue", "orders"):
        assert after[key]["change"] == 0, (key, after[key]["change_pct"])
    # The period still ends on the last mention: both sources are complete in it.
    periods = O.resolve_periods(steady, Filters())
    assert periods is not None and periods.current.date_to == LAST.isoformat()
    assert "Orders run 7 days past the last mention (to 9 Oct 2026)" in str(periods.note)


def test_a_period_whose_source_ends_early_shows_no_change_and_says_why(steady: sqlite_utils.Database) -> None:
    # Explicit dates that run past the mentions: the mentions' tile must not read as a drop.
    f = Filters(date_from=_day(DAYS - 20), date_to=(LAST + dt.timedelta(days=10)).isoformat())
    periods = O.resolve_periods(steady, f)
    assert periods is not None
    row = O.kpi_summary(steady, f, periods, keys=("mentions",), spark_keys=()).iloc[0]
    assert row["change"] is None and row["previous"] is None
    assert row["note"] == (
        "no comparison: mentions end on 2 Oct 2026, 10 days before this period ends, so this period is incomplete"
    )


def test_a_previous_period_before_the_data_starts_is_no_baseline(steady: sqlite_utils.Database) -> None:
    f = Filters(date_from=_day(10), date_to=_day(39))  # the previous 30 days start 20 days before the data
    periods = O.resolve_periods(steady, f)
    assert periods is not None
    row = O.kpi_summary(steady, f, periods, keys=("revenue",), spark_keys=()).iloc[0]
    assert row["change"] is None
    assert str(row["note"]).startswith("no comparison: orders start on 5 Jun 2026, after the previous period begins")


def test_the_default_period_follows_the_setting(steady: sqlite_utils.Database) -> None:
    api.save_settings(steady, {S.META_DEFAULT_PERIOD: 90}, actor="test")
    periods = O.resolve_periods(steady, Filters())
    assert periods is not None and periods.days == 90
    start, end, note = O.default_period(steady) or ("", "", None)
    assert (start, end, note) == ((LAST - dt.timedelta(days=89)).isoformat(), LAST.isoformat(), None)


def test_a_source_that_stopped_long_ago_does_not_hold_the_period_back(steady: sqlite_utils.Database) -> None:
    last, note = O.agreed_last_day((("mentions", "2026-01-01", "2026-03-01"), ("orders", "2026-01-01", "2026-10-02")))
    assert last == "2026-10-02"
    assert note == (
        "Mentions end 215 days earlier than orders (on 1 Mar 2026): mentions figures of this period are "
        "incomplete and show no change."
    )


# --- the settings behind the figures ----------------------------------------------------------------


def test_settings_are_stored_checked_and_audited(steady: sqlite_utils.Database) -> None:
    changed = api.save_settings(
        steady,
        {S.META_OWN_BRAND: "  Velora ", S.META_COMPETITORS: "Rival, rival, Brix", S.META_WEEK_START: "Sunday",
         S.META_TIME_ZONE: "Europe/Madrid"},
        actor="ada", role="admin",
    )  # fmt: skip
    assert changed == {
        S.META_OWN_BRAND: "Velora", S.META_COMPETITORS: '["Rival", "Brix"]', S.META_WEEK_START: "sunday",
        S.META_TIME_ZONE: "Europe/Madrid",
    }  # fmt: skip
    s = V.current_settings(steady)
    assert (s.own_brand, s.competitors, s.week_start, s.time_zone) == ("Velora", ("Rival", "Brix"), "sunday", "Europe/Madrid")
    entry = steady.execute(f"SELECT actor, action, target FROM {S.AUDIT_LOG} ORDER BY audit_id DESC LIMIT 1").fetchone()
    assert entry == ("ada", S.AUDIT_SETTINGS, "competitors, own_brand, time_zone, week_start")
    # Saving the same values again writes and audits nothing.
    assert api.save_settings(steady, {S.META_WEEK_START: "sunday"}, actor="ada") == {}


def test_the_own_brand_setting_wins_over_the_most_mentioned_brand(steady: sqlite_utils.Database) -> None:
    assert store.own_brand(steady) == "Velora"
    api.save_settings(steady, {S.META_OWN_BRAND: "Rival"}, actor="test")
    assert store.own_brand(steady) == "Rival"
    api.save_settings(steady, {S.META_OWN_BRAND: ""}, actor="test")
    assert store.own_brand(steady) == "Velora"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({S.META_REPORTING_CURRENCY: "euro"},
         "The reporting currency 'euro' is not a currency code; type three letters, such as EUR, GBP or USD."),
        ({S.META_REPORTING_CURRENCY: "EUR", S.META_EXCHANGE_RATES: {"GBP": ("-1", "2026-10-01")}},
         "The rate of GBP '-1' is not a positive number; type what one GBP is worth in EUR, such as 1.17."),
        ({S.META_REPORTING_CURRENCY: "EUR", S.META_EXCHANGE_RATES: {"GBP": ("1.1", "1 Oct")}},
         "The date of the GBP rate '1 Oct' is not a date; use YYYY-MM-DD."),
        ({S.META_REPORTING_CURRENCY: "EUR", S.META_EXCHANGE_RATES: {"EUR": ("1", "2026-10-01")}},
         "EUR is the reporting currency: it needs no rate. Remove that row."),
        ({S.META_TIME_ZONE: "Madrid"},
         "'Madrid' is not a time zone this server knows; pick one such as Europe/Madrid or UTC."),
        ({S.META_DEFAULT_PERIOD: 31}, "The default period '31' is not offered; choose one of 7, 14, 28, 30, 90, 180, 365 days."),
        ({"colour": "red"}, None),
    ],
)  # fmt: skip
def test_a_bad_setting_is_refused_with_what_to_type(
    steady: sqlite_utils.Database, changes: dict[str, object], message: str | None
) -> None:
    version = store.data_version(steady)
    with pytest.raises(ConfigError) as caught:
        api.save_settings(steady, changes, actor="test")
    if message is not None:
        assert str(caught.value) == message
    assert store.data_version(steady) == version  # nothing stored


def test_the_status_line_counts_the_imports_since_the_last_recompute(steady: sqlite_utils.Database) -> None:
    business.record_scored_at(steady, "2026-10-05T09:00:00")
    api.import_file(steady, _late_orders_csv(), "orders", file_name="late.csv", actor="test", score_after=False)
    status = V.score_status(steady, ["value"], now=store.utcnow())
    assert status.imports_since == 1
    assert status.sentence.startswith("Scores are ") and "; 1 import since. Computed 5 Oct 2026 09:00 (UTC)." in status.sentence


def test_a_score_run_records_when_it_finished(steady: sqlite_utils.Database) -> None:
    assert business.scored_at(steady) is None
    api.score(steady, stages=("value",))
    assert business.scored_at(steady) is not None


# --- the sidebar shows the period every page uses --------------------------------------------------------


def test_every_page_starts_on_the_default_period_and_the_sidebar_says_which(
    steady: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    api.import_file(steady, _late_orders_csv(), "orders", file_name="late.csv", actor="test", score_after=False)
    monkeypatch.setenv(store.ENV_DB, str(store.db_file(steady)))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    start = (LAST - dt.timedelta(days=29)).isoformat()
    assert at.session_state["filters_current"].date_from == start
    assert at.session_state["filters_current"].date_to == LAST.isoformat()
    captions = [re.sub(r"\\(.)", r"\1", c.value) for c in at.sidebar.caption]
    assert (
        "Every page shows 3 Sep 2026 – 2 Oct 2026: the default period (the last 30 days of data, set on the "
        "Settings page). Orders run 7 days past the last mention (to 9 Oct 2026); the period ends on 2 Oct 2026, "
        "the last day both reach."
    ) in captions
    # The default period stays out of the link, so a shared link follows the data.
    assert "from" not in at.query_params and "to" not in at.query_params
    # Another page gets the same days.
    at.switch_page("pages/data.py").run()
    assert (at.session_state["filters_current"].date_from, at.session_state["filters_current"].date_to) == (
        start, LAST.isoformat()
    )


def test_weekly_trends_start_their_weeks_on_the_day_set(steady: sqlite_utils.Database) -> None:
    monday_weeks = O.weekly_trends(steady, Filters(), _day(0), _day(27))["week"].tolist()
    assert {dt.date.fromisoformat(w).weekday() for w in monday_weeks} == {0}
    api.save_settings(steady, {S.META_WEEK_START: "sunday"}, actor="test")
    sunday_weeks = O.weekly_trends(steady, Filters(), _day(0), _day(27))["week"].tolist()
    assert {dt.date.fromisoformat(w).weekday() for w in sunday_weeks} == {6}


def test_the_listening_weeks_start_on_the_day_set_too(steady: sqlite_utils.Database) -> None:
    from scrm.views import listening

    api.save_settings(steady, {S.META_WEEK_START: "sunday"}, actor="test")
    weeks = listening.volume_over_time(steady, Filters(date_from=_day(0), date_to=_day(27)))["period"].tolist()
    assert weeks and {dt.date.fromisoformat(str(w)[:10]).weekday() for w in weeks} == {6}


def test_every_business_setting_is_in_the_readme_with_its_default() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for setting in business.SETTINGS:
        assert f"| {setting.label} | {setting.default} |" in readme, setting.label
