"""Closing the loop in a real browser: a click on a row opens a case or the person's card, and the link gets there.

One server on the tiny scored demo (with the hostile mentions of the browser
tests); skipped with the reason when Chromium or Playwright is missing.
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

from playwright.sync_api import expect  # noqa: E402

from scrm.act import cases  # noqa: E402
from scrm.db import store  # noqa: E402

expect.set_options(timeout=B.UI_TIMEOUT_MS)
OPENED = re.compile(r"Case (\d+) opened: it is on the Rescue queue\.")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[B.Site]:
    built = B.build_database(tmp_path_factory.mktemp("browser-loop") / "scrm.db")
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
    assert "Traceback" not in B.server_log(site)[log_start:], B.server_log(site)[log_start:][-3000:]


def test_a_manager_opens_a_case_on_a_mention_and_follows_the_link_to_it(tab: Any, site: B.Site) -> None:
    B.open_page(tab, f"{site.url}/listening?listening_tab=Mention+explorer", "Listening")
    search = tab.get_by_role("textbox", name="Search the mentions")
    search.fill(B.HOSTILE_WORD)
    search.press("Enter")
    expect(tab.get_by_text(f"{len(B.HOSTILE_TEXTS)} mentions match", exact=False)).to_be_visible()
    B.wait_until_idle(tab)
    grid = tab.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None
    tab.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    expect(tab.get_by_text("Selected mention", exact=True)).to_be_visible()
    B.wait_until_idle(tab)
    tab.get_by_role("button", name="Open a case").click()
    message = tab.get_by_text(OPENED)
    expect(message).to_be_visible()
    case_id = int(OPENED.search(message.inner_text()).group(1))  # type: ignore[union-attr]
    db = store.open_db(site.db_path, create=False)
    try:
        assert cases.get_case(db, case_id)["mention_id"] == site.hostile_ids[0]
    finally:
        db.close()
    tab.get_by_role("link", name=f"Open case {case_id} in the Rescue queue").click()
    expect(tab.locator("h1").first).to_have_text("Rescue queue")
    expect(tab.get_by_role("heading", name=re.compile(f"^Case {case_id}: "))).to_be_visible()


def test_a_detractor_row_leads_to_the_customers_card(tab: Any, site: B.Site) -> None:
    B.open_page(tab, f"{site.url}/advocates", "Advocates & detractors")
    tab.get_by_role("tab", name="Detractors by CLV at risk").click()
    panel = tab.get_by_role("tabpanel", name="Detractors by CLV at risk")
    grid = panel.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible()
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    tab.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    link = panel.get_by_role("link", name=re.compile(r"^Open .+ in Customer 360$"))
    expect(link).to_be_visible()
    expect(panel.get_by_role("button", name="Open a case")).to_be_visible()
    B.wait_until_idle(tab)
    link.click()
    expect(tab.locator("h1").first).to_have_text("Customer 360")
    assert "customer=" in tab.url
