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


# --- the pages of Listening, Customer 360, Alerts, the Rescue queue, Data and Sources ---------------------

# The interface's own words in English that a Spanish or French page must not show (the data may be English).
ENGLISH_WORDS = (
    "Search", "Download", "Select a", "Share of voice", "Trends", "Customer", "Import", "Add a source", "Last runs",
    "Quarantine", "Start over", "High severity", "Open cases", "Rescue queue", "Notification channels",
    "mentions match", "Go to", "Pick a", "Type a few", "Sentiment is", "Past deadline", "Net sentiment", "None",
)
# What a reader reads: titles, labels, buttons, captions, tiles, tabs, messages (mention texts and table cells are data).
CHROME = (
    '[data-testid="stMain"] :is(h1, h2, h3, label, button, [role="tab"], [data-testid="stCaptionContainer"], '
    '[data-testid="stMetricLabel"], [data-testid="stAlertContainer"], [data-testid="stExpander"] summary)'
)
TITLES = {
    "es": {"listening": "Escucha", "customer": "Cliente 360", "alerts": "Alertas", "cases": "Cola de rescate",
           "data": "Datos", "sources": "Fuentes"},
    "fr": {"listening": "Écoute", "customer": "Client 360", "alerts": "Alertes", "cases": "File de reconquête",
           "data": "Données", "sources": "Sources"},
}  # fmt: skip


SEARCH = {"es": "Buscar en las menciones", "fr": "Rechercher dans les mentions"}


def _a_customer_with_orders(site: B.Site) -> str:
    from scrm.db import schema as S
    from scrm.db import store

    db = store.open_db(site.db_path, create=False)
    try:
        # An order inside PERIOD, so that the card has figures for the period the links ask for.
        sql = f"SELECT customer_id FROM {S.ORDERS} WHERE ordered_at >= ? AND ordered_at < ? ORDER BY customer_id LIMIT 1"
        return str(db.execute(sql, ["2026-07-27", "2026-08-03"]).fetchone()[0])
    finally:
        db.close()


def _english_left(tab: Any) -> list[str]:
    texts = tab.locator(CHROME).all_inner_texts()
    words = [re.compile(rf"\b{re.escape(word)}\b") for word in ENGLISH_WORDS]  # "Import", not "Importar"
    return sorted({f"{w.pattern!r} in {text[:80]!r}" for text in texts for w in words if w.search(text)})


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_the_listening_customer_alerts_cases_data_and_sources_pages_have_no_english_left(
    lang: str, spanish_browser: Any, site: B.Site
) -> None:
    customer = _a_customer_with_orders(site)
    visits = [
        ("listening", ""), ("listening", "&listening_tab=Mention+explorer"), ("customer", f"&customer={customer}"),
        ("alerts", ""), ("cases", ""), ("data", "&data_tab=Import+history"), ("sources", ""),
    ]  # fmt: skip
    tab = spanish_browser.new_page()
    try:
        left: dict[str, list[str]] = {}
        for page, extra in visits:
            B.open_page(tab, f"{site.url}/{page}?ui_lang={lang}&{PERIOD}{extra}", TITLES[lang][page])
            if "Mention" in extra:  # an English tab name in a link opens the same tab in the reader's language
                expect(tab.get_by_label(SEARCH[lang], exact=True)).to_be_visible()
            if found := _english_left(tab):
                left[f"{page}{extra}"] = found
        assert left == {}
        # The numbers on the card are the locale's: a decimal comma, never a decimal point.
        B.open_page(tab, f"{site.url}/customer?ui_lang={lang}&customer={customer}", TITLES[lang]["customer"])
        tab.wait_for_selector('[data-testid="stMetricValue"]')  # the card's tiles come last
        B.wait_until_idle(tab)
        values = " ".join(tab.locator('[data-testid="stMetricValue"]').all_inner_texts())
        assert re.search(r"\d,\d", values) and not re.search(r"\d\.\d{2}(?!\d)", values), values
    finally:
        tab.close()


@pytest.mark.parametrize(("page", "title"), [("", "Resumen"), ("customer", "Cliente 360")])
def test_on_a_390_px_phone_the_overview_and_the_customer_card_fit_one_column_without_sideways_scrolling(
    page: str, title: str, spanish_browser: Any, site: B.Site
) -> None:
    extra = f"&customer={_a_customer_with_orders(site)}" if page == "customer" else ""
    tab = spanish_browser.new_page()
    try:
        tab.set_viewport_size({"width": 390, "height": 844})
        B.open_page(tab, f"{site.url}/{page}?ui_lang=es&{PERIOD}{extra}", title)
        # The tiles are drawn last (the card's below its timeline's queries): wait for them.
        tab.wait_for_selector('[data-testid="stMetric"]')
        B.wait_until_idle(tab)
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390 px screen"
        # One column: the tiles stand one above the other, none beside another.
        lefts = tab.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
                     .map(e => Math.round(e.getBoundingClientRect().left))"""
        )
        assert lefts and len(set(lefts)) == 1, lefts
    finally:
        tab.close()
