"""A manager's walk over the items of the manager's-product issue that no other browser test walks.

Which item each browser module already walks (Playwright and Debian's Chromium):

1. Settings page: the reporting currency reaches the Overview (here); the default period (test_browser.py).
2. No terminal: "Recompute now" and its status line (test_browser.py).
3. Periods that never lie: the default period in the sidebar and on the Overview (test_browser.py).
4. A report a director can receive: the HTML and the PDF from the Overview, in Spanish (here).
5. Spanish and French: browser language, the sidebar's choice, no English left (test_browser_languages.py).
6. Close the loop: a case from a mention, a detractor row to the card (test_browser_loop.py).
7. Charts: the one-column phone layout (test_browser_languages.py); each brand one colour on two pages (here).
8. Themes worth reading: themes named on the bubble chart (here).

One server and one Chromium for the module, on the tiny scored demo of the other browser
modules; each test opens its own tab. Skipped with the reason when Chromium or Playwright
is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browser_support as B
import pytest

pytestmark = pytest.mark.browser

if (_reason := B.skip_reason()) is not None:
    pytest.skip(_reason, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from scrm import api  # noqa: E402
from scrm.db import schema as S  # noqa: E402
from scrm.db import settings as business  # noqa: E402
from scrm.db import store  # noqa: E402

expect.set_options(timeout=B.UI_TIMEOUT_MS)
TILE_LABEL = '[data-testid="stMetricLabel"]'


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[B.Site]:
    built = B.build_database(tmp_path_factory.mktemp("browser-manager") / "scrm.db")
    with B.streamlit_server(built) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with B.chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def tab(browser: Any, site: B.Site) -> Iterator[Any]:
    page = browser.new_page()
    log_start = len(B.server_log(site))
    yield page
    page.close()
    # The app's error funnel logs any unexpected exception with its traceback.
    assert "Traceback" not in B.server_log(site)[log_start:], B.server_log(site)[log_start:][-3000:]


def test_settings_the_reporting_currency_a_manager_picks_is_the_one_the_overview_counts_in(tab: Any, site: B.Site) -> None:
    # The demo's orders are mostly in EUR: the Overview counts in EUR until a manager picks another currency.
    B.open_page(tab, f"{site.url}/settings", "Settings")
    tab.get_by_role("combobox", name="Reporting currency").click()
    tab.get_by_role("option", name="GBP", exact=True).click()
    tab.get_by_role("button", name="Save settings").click()
    B.wait_until_idle(tab)
    try:
        B.open_page(tab, site.url, "Overview")
        expect(tab.locator(TILE_LABEL).filter(has_text="Revenue (GBP)")).to_have_count(1)
    finally:  # back to the default of the other tests
        db = store.open_db(site.db_path, create=False)
        try:
            api.save_settings(db, {S.META_REPORTING_CURRENCY: ""}, actor="test")
            assert business.reporting_currency(db) is None
        finally:
            db.close()


def test_report_a_spanish_manager_downloads_the_report_as_html_and_pdf_in_spanish(
    tab: Any, site: B.Site, tmp_path: Path
) -> None:
    B.open_page(tab, f"{site.url}/?ui_lang=es", "Resumen")
    with tab.expect_download() as html_download:
        tab.get_by_role("button", name="Descargar informe (HTML)").click()
    html = Path(html_download.value.path()).read_text(encoding="utf-8")
    assert '<html lang="es">' in html and "Resumen ejecutivo" in html
    # What a director must never read: a missing number spelled by the engine, an instruction for the app.
    assert not re.search(r"\bnan\b|\bNone\b|Pick dates in the sidebar", html)
    with tab.expect_download() as pdf_download:
        tab.get_by_role("button", name="Descargar informe (PDF)").click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000
    assert html_download.value.suggested_filename.endswith(".html")
    assert pdf_download.value.suggested_filename.endswith(".pdf")


def _legend_colours(tab: Any, chart: Any) -> dict[str, str]:
    """Brand -> colour of a chart's legend (Vega draws each entry as a symbol and its label)."""
    chart.locator("svg.marks").wait_for()
    chart.scroll_into_view_if_needed()
    return dict(
        chart.evaluate(
            """el => {
                const labels = [...el.querySelectorAll('.role-legend-label text')].map(e => e.textContent);
                const colours = [...el.querySelectorAll('.role-legend-symbol path')].map(p => {
                    const fill = p.getAttribute('fill');
                    return fill && fill !== 'transparent' && fill !== 'none' ? fill : p.getAttribute('stroke');
                });
                return labels.map((label, i) => [label, (colours[i] || '').toUpperCase()]);
            }"""
        )
    )


def test_charts_each_brand_keeps_one_colour_on_the_overview_and_on_listening(tab: Any, site: B.Site) -> None:
    B.open_page(tab, site.url, "Overview")
    overview = _legend_colours(tab, tab.locator('[data-testid="stVegaLiteChart"]').first)
    B.open_page(tab, f"{site.url}/listening?listening_tab=Share+of+voice", "Listening")
    panel = tab.get_by_role("tabpanel", name="Share of voice")
    charts = panel.locator('[data-testid="stVegaLiteChart"]')
    charts.first.locator("svg.marks").wait_for()
    # The weekly trend (the chart with a legend) may draw after the first chart on a busy machine.
    panel.locator(".role-legend-label text").first.wait_for(timeout=60_000)
    listening = {k: v for i in range(charts.count()) for k, v in _legend_colours(tab, charts.nth(i)).items()}
    brands = set(overview) & set(listening)
    assert len(brands) >= 2, (overview, listening)
    assert {b: overview[b] for b in brands} == {b: listening[b] for b in brands}
    assert len({overview[b] for b in brands}) == len(brands), "two brands share a colour"


def test_themes_the_bubble_chart_names_its_biggest_themes(tab: Any, site: B.Site) -> None:
    B.open_page(tab, f"{site.url}/listening?listening_tab=Themes", "Listening")
    panel = tab.get_by_role("tabpanel", name="Themes")
    chart = panel.locator('[data-testid="stVegaLiteChart"]').first
    chart.locator("svg.marks").wait_for()
    texts = chart.locator("g.mark-text.role-mark text").evaluate_all("els => els.map(e => e.textContent || '')")
    names = [str(n).strip() for n in texts if str(n).strip()]
    assert len(names) >= 3, names
    # Names a person reads, not ids: words, and no two bubbles named alike.
    assert all(re.search(r"[^\W\d_]{3}", n) for n in names), names
    assert len(set(names)) == len(names), names
