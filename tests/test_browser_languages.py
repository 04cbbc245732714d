"""A manager reads the app in Spanish and in French, in a real browser (Playwright and Debian's Chromium).

The browser's own language picks the interface; the sidebar's Language box changes it and the
address keeps the choice. Skipped with the reason when Chromium or Playwright is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import browser_support as B
import pytest

pytestmark = pytest.mark.browser

if (_reason := B.skip_reason()) is not None:
    pytest.skip(_reason, allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

expect.set_options(timeout=B.UI_TIMEOUT_MS)

PERIOD = "from=2026-07-27&to=2026-08-02"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[B.Site]:
    built = B.build_database(tmp_path_factory.mktemp("browser-languages") / "scrm.db")
    with B.streamlit_server(built) as running:
        yield running


@pytest.fixture(scope="module")
def spanish_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium whose language is Spanish (Spain), as a browser in Madrid would be."""
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-es")),
            executable_path=str(B.CHROMIUM),
            args=[*B.CHROMIUM_ARGS, "--lang=es-ES"],
            headless=True,
            locale="es-ES",
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(B.UI_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def test_a_spanish_browser_gets_the_overview_in_spanish_with_spanish_numbers(spanish_browser: Any, site: B.Site) -> None:
    tab = spanish_browser.new_page()
    try:
        B.open_page(tab, f"{site.url}/?{PERIOD}", "Resumen")
        sidebar = tab.locator('[data-testid="stSidebar"]')
        expect(sidebar.get_by_text("Idioma de la interfaz").first).to_be_visible()
        expect(tab.get_by_text("Tendencias semanales")).to_be_visible()
        expect(tab.get_by_text("27 jul 2026 – 2 ago 2026").first).to_be_visible()
        tiles = tab.locator('[data-testid="stMetric"]')
        expect(tiles.filter(has_text="Menciones").first).to_be_visible()
        values = " ".join(tab.locator('[data-testid="stMetricValue"]').all_inner_texts())
        # Decimal commas, spaced percent signs, dots only between thousands (6.813,98), never 6,813.98.
        assert "\xa0%" in values and re.search(r"\d,\d", values), values
        assert not re.search(r"\d\.\d{1,2}(?!\d)", values), values
        # The menu is in Spanish too.
        expect(tab.locator('[data-testid="stSidebarNav"]').get_by_text("Configuración")).to_be_visible()
    finally:
        tab.close()


def test_choosing_french_in_the_sidebar_translates_the_page_and_the_link_keeps_it(spanish_browser: Any, site: B.Site) -> None:
    tab = spanish_browser.new_page()
    try:
        B.open_page(tab, f"{site.url}/?{PERIOD}", "Resumen")
        tab.get_by_role("combobox", name="Idioma de la interfaz", exact=True).click()
        tab.get_by_role("option", name="Français").click()
        expect(tab.locator("h1").first).to_have_text("Vue d’ensemble")
        B.wait_until_idle(tab)
        assert "ui_lang=fr" in tab.url
        # A reload (or the link sent to a colleague) opens in French, whatever the browser's language.
        B.open_page(tab, tab.url, "Vue d’ensemble")
        expect(tab.get_by_text("Tendances par semaine")).to_be_visible()
    finally:
        tab.close()
