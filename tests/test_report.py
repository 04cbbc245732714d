"""The stakeholder report (scrm.export.report): one self-contained, escaped HTML file."""

from __future__ import annotations

import html
import json
import re

import pytest
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters
from scrm.export.report import build_report_html, svg_line_chart
from scrm.views import kpis
from tests.test_overview import CURRENT, HOSTILE, add_week

# Anything that would make the browser fetch from elsewhere when the file is opened.
EXTERNAL = re.compile(
    r"<script|<link|<iframe|<object|<embed|@import|url\(|(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", re.I
)


@pytest.fixture
def week_db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    add_week(fresh_db)
    return fresh_db


@pytest.fixture
def report(week_db: sqlite_utils.Database) -> str:
    return build_report_html(week_db, CURRENT, masked=False)


def test_the_report_is_one_self_contained_html_document(report: str) -> None:
    assert report.startswith("<!DOCTYPE html>")
    assert "<style>" in report and "<svg" in report
    assert not EXTERNAL.search(report), EXTERNAL.search(report)
    assert "http://" not in report and "https://" not in report


def test_the_report_escapes_a_hostile_mention(report: str) -> None:
    assert HOSTILE not in report
    assert html.escape(HOSTILE) in report
    assert "<img" not in report


def test_the_report_escapes_hostile_brand_names_in_charts_and_tables(week_db: sqlite_utils.Database) -> None:
    store.upsert_rows(
        week_db,
        S.MENTIONS,
        ["mention_id", "platform", "author", "text", "posted_at", "brand"],
        [("x1", "twitter", "<b>eve</b>", "hi", "2026-03-10T10:00:00", '"><script>alert(1)</script>')],
    )
    page = build_report_html(week_db, CURRENT, masked=False)
    assert "<script" not in page and "<b>eve" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


INJECTIONS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ 7*7 }}{% print 6*7 %}")


@pytest.mark.parametrize("hostile", INJECTIONS)
def test_hostile_text_names_and_brands_come_out_escaped_and_never_evaluated(
    week_db: sqlite_utils.Database, hostile: str
) -> None:
    # The template escapes every value (autoescape); template syntax in data is text, never run.
    store.upsert_rows(
        week_db,
        S.MENTIONS,
        ["mention_id", "platform", "author", "text", "posted_at", "brand"],
        [("x1", "twitter", f"@eve{hostile}", f"hello {hostile}", "2026-03-10T10:00:00", f"Brand{hostile}")],
    )
    store.set_meta(week_db, S.META_OWN_BRAND, f"Velora{hostile}")
    # An alert's drivers: the mention text and topic label the report lists (customer names are never in it).
    drivers = {
        "mentions": [{"mention_id": "x1", "platform": "twitter", "author": "eve", "text": f"hello {hostile}"}],
        "topics": [{"topic_id": "t2", "mentions": 1, "label": f"quality {hostile}"}],
    }
    week_db[S.ALERTS].update(1, {"drivers": json.dumps(drivers)})
    page = build_report_html(week_db, CURRENT, masked=False)
    escaped = html.escape(hostile)
    assert escaped == hostile or hostile not in page
    assert "<script" not in page and "<img" not in page and "onerror=alert(1)>" not in page
    assert f"Social CRM report: Velora{escaped}" in page  # the title (and <h1>): the own brand
    assert f"Brand{escaped}" in page  # the brand in the charts' legends
    assert f"@eve{escaped}" in page  # the author among the movers
    assert f"hello {escaped}" in page and f"quality {escaped}" in page  # the alert's top mention and topic
    if "{{" in hostile:  # shown as typed, wherever it appears
        assert page.count("{{ 7*7 }}{% print 6*7 %}") >= 5
        assert not re.search(r"(Velora|Brand|@eve|hello |quality )(49|42)", page)


def test_the_report_names_every_kpi_with_its_formula(report: str) -> None:
    for kpi in kpis.KPIS:
        assert html.escape(kpi.name) in report, kpi.name
        assert html.escape(kpi.formula) in report, kpi.key


def test_the_report_shows_values_changes_and_units(report: str) -> None:
    # Mentions: 5 now, 3 before; net sentiment +40.0 against +33.3 (see tests/test_overview.py).
    assert (
        '<td>Mentions</td><td class="num">5</td><td class="num">3</td><td class="num ">+2 (+66.7 %)</td><td>count</td>'
        in report
    )
    assert (
        '<td class="num">+40.0</td><td class="num">+33.3</td><td class="num good">+6.7 pts</td><td>points (-100 to 100)</td>'
        in report
    )


def test_the_footer_names_the_filters_and_the_generation_time(week_db: sqlite_utils.Database) -> None:
    page = build_report_html(week_db, Filters("2026-03-08", "2026-03-14", brands=("Velora",)), masked=False)
    footer = page[page.index("<footer>") :]
    assert "Filters: from 8 Mar 2026 to 14 Mar 2026; brand Velora." in footer
    assert re.search(r"Generated on \d{4}-\d\d-\d\d \d\d:\d\d UTC from data version \d+\.", footer)


def test_a_masked_report_hides_handles(week_db: sqlite_utils.Database) -> None:
    plain = build_report_html(week_db, CURRENT, masked=False)
    masked = build_report_html(week_db, CURRENT, masked=True)
    assert "@cy" in plain and "@cy" not in masked
    assert "@bo (instagram)" in plain and "@bo (instagram)" not in masked
    assert "@user_" in masked
    assert "Names and handles are masked" in masked


def test_the_report_of_an_empty_database_is_a_sentence_and_the_definitions(
    fresh_db: sqlite_utils.Database,
) -> None:
    page = build_report_html(fresh_db, Filters(), masked=False)
    assert "there is nothing to report" in page
    assert "KPI definitions" in page and not EXTERNAL.search(page)


def test_an_svg_chart_without_values_is_a_sentence() -> None:
    import pandas as pd

    empty = pd.DataFrame({"week": ["2026-03-02"], "brand": ["A"], "net_sentiment": [None]})
    assert svg_line_chart(empty, "week", "net_sentiment", "brand", title="t", colours={"A": "#000"}) == (
        '<p class="note">No data to draw for this chart.</p>'
    )
