"""The app in a real browser: Playwright driving Debian's Chromium against ``streamlit run``.

What AppTest cannot see: the pages as the browser draws them, a box dragged on a chart,
a file arriving from a download button, a link's filters reaching the widgets, and
untrusted mention texts reaching the DOM. One server per module on a tiny scored demo
with two hostile mentions; each test opens its own tab (a new Streamlit session).
Skipped with the reason when Chromium (``/usr/bin/chromium``) or Playwright is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import browser_support as B
import pytest

pytestmark = pytest.mark.browser

if (_reason := B.skip_reason()) is not None:
    pytest.skip(_reason, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from scrm import api  # noqa: E402
from scrm.db import schema as S  # noqa: E402
from scrm.db import store  # noqa: E402
from scrm.db.filters import Filters  # noqa: E402
from scrm.views import listening  # noqa: E402
from scrm.views.segments import LIST_COLUMNS  # noqa: E402

expect.set_options(timeout=B.UI_TIMEOUT_MS)

# Every page of the navigation: (address, menu label, page title).
PAGES = [
    ("", "Overview", "Overview"),
    ("listening", "Listening", "Listening"),
    ("segments", "Segments", "Segments"),
    ("customer", "Customer 360", "Customer 360"),
    ("journey", "Journey", "Journey map"),
    ("advocates", "Advocates & detractors", "Advocates & detractors"),
    ("alerts", "Alerts", "Alerts"),
    ("cases", "Rescue queue", "Rescue queue"),
    ("rules", "Workflow rules", "Workflow rules"),
    ("identity", "Identity review", "Identity review"),
    ("privacy", "Privacy requests", "Privacy requests"),
    ("data", "Data", "Data"),
    ("sources", "Sources", "Sources"),
    ("settings", "Settings", "Settings"),
]
ERROR_ALERT = '[data-testid="stAlertContentError"]'
CUSTOMERS_CAPTION = re.compile(r"^([\d,]+) customers, highest CLV first\.")
# Campaign lists keep only customers who consented to marketing, and say how many they left out.
LEFT_OUT = re.compile(r"([\d,]+) left out: no marketing consent")
PEOPLE_CAPTION = re.compile(r"^([\d,]+) mentions written by people")
NO_ACTIVE_DOM = {'img[src="x"]': 0, "[onerror]": 0, 'a[href^="javascript:"]': 0}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[B.Site]:
    """The app served on a tiny scored demo with the hostile mentions."""
    built = B.build_database(tmp_path_factory.mktemp("browser") / "scrm.db")
    with B.streamlit_server(built) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Chromium for the module, with a fresh profile."""
    with B.chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def dialogs() -> list[str]:
    """The JavaScript dialogs (alert, confirm, prompt) the tab opened."""
    return []


@pytest.fixture
def tab(browser: Any, site: B.Site, dialogs: list[str]) -> Iterator[Any]:
    """A new tab that records every JavaScript dialog (and dismisses it); none may appear."""
    page = browser.new_page()

    def record(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", record)
    log_start = len(B.server_log(site))
    yield page
    page.close()
    assert dialogs == [], f"JavaScript dialogs opened: {dialogs}"
    # The app's error funnel logs any unexpected exception with its traceback.
    assert "Traceback" not in B.server_log(site)[log_start:], B.server_log(site)[log_start:][-3000:]


def captions(scope: Any) -> list[str]:
    return [t.strip() for t in scope.locator('[data-testid="stCaptionContainer"]').all_inner_texts()]


def count_in(texts: list[str], pattern: re.Pattern[str]) -> int:
    found = [int(m.group(1).replace(",", "")) for t in texts if (m := pattern.match(t))]
    assert len(found) == 1, texts
    return found[0]


def left_out(texts: list[str]) -> int:
    """How many customers a consent-filtered list says it left out (0 when it says nothing)."""
    found = [int(m.group(1).replace(",", "")) for t in texts if (m := LEFT_OUT.search(t))]
    return found[0] if found else 0


def brush_right_half(page: Any, site: B.Site) -> tuple[Any, int, int]:
    """Open Segments' value x sentiment tab and drag a box over the positive half of the scatter.

    Returns the tab panel, the points in the chart and the points the box highlights.
    """
    B.open_page(page, f"{site.url}/segments", "Segments")
    page.get_by_role("tab", name="Value × sentiment").click()
    panel = page.get_by_role("tabpanel", name="Value × sentiment")
    chart = panel.locator('[data-testid="stVegaLiteChart"]')
    chart.locator("svg.marks").wait_for()
    chart.scroll_into_view_if_needed()
    expect(panel.get_by_text("All customers in the chart", exact=True)).to_be_visible()
    points = chart.locator("g.mark-symbol path")
    total = points.count()
    # The plot area (the frame's background), without the axes: x runs from -1 to 1.
    frame = chart.locator("g.role-frame.root > g > path.background").first.bounding_box()
    assert frame is not None
    x0, y0 = frame["x"] + frame["width"] * 0.55, frame["y"] + frame["height"] * 0.01
    x1, y1 = frame["x"] + frame["width"] * 0.99, frame["y"] + frame["height"] * 0.99
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    expect(panel.get_by_text("Selected customers", exact=True)).to_be_visible()
    B.wait_until_idle(page)
    fills = points.evaluate_all("els => els.map(e => e.getAttribute('fill'))")
    highlighted = sum(1 for f in fills if str(f).upper() == "#0072B2")
    return panel, total, highlighted


def test_the_navigation_lists_every_page(tab: Any, site: B.Site) -> None:
    B.open_page(tab, f"{site.url}/", "Overview")
    links = tab.locator('[data-testid="stSidebarNav"] a')
    expect(links).to_have_count(len(PAGES))
    hrefs = links.evaluate_all("els => els.map(e => new URL(e.href).pathname)")
    labels = [t.split("\n")[-1].strip() for t in links.all_inner_texts()]
    assert list(zip(hrefs, labels, strict=True)) == [(f"/{slug}", label) for slug, label, _ in PAGES]


@pytest.mark.parametrize(("slug", "title"), [(slug, title) for slug, _, title in PAGES])
def test_every_page_loads_without_an_error_shown(tab: Any, site: B.Site, slug: str, title: str) -> None:
    B.open_page(tab, f"{site.url}/{slug}", title)
    expect(tab.locator('[data-testid="stException"]')).to_have_count(0)
    expect(tab.locator(ERROR_ALERT)).to_have_count(0)
    body = tab.locator("body").inner_text()
    assert "Traceback" not in body
    assert "Something went wrong" not in body
    assert B.active_dom_from_texts(tab) == NO_ACTIVE_DOM
    # The demo badge and the filters: the shell ran around the page.
    expect(tab.locator('[data-testid="stSidebar"]').get_by_text("Demo data").first).to_be_visible()


@pytest.mark.parametrize(("slug", "title"), [(slug, title) for slug, _, title in PAGES])
def test_no_page_asks_any_other_host_for_anything(tab: Any, site: B.Site, slug: str, title: str) -> None:
    """Fonts, icons, map tiles, scripts: every request a page makes goes to the app itself."""
    from urllib.parse import urlparse

    asked: list[str] = []
    tab.on("request", lambda request: asked.append(request.url))
    B.open_page(tab, f"{site.url}/{slug}", title)
    if slug == "listening":  # the map is on a tab of its own
        tab.get_by_role("tab", name="Places").click()
        B.wait_until_idle(tab)
    own = urlparse(site.url).hostname
    elsewhere = sorted({u for u in asked if urlparse(u).scheme in ("http", "https", "ws", "wss")
                        and urlparse(u).hostname != own})  # fmt: skip
    assert elsewhere == []
    assert any(urlparse(u).hostname == own for u in asked)


def test_a_box_on_the_value_sentiment_scatter_lists_the_customers_inside_it(tab: Any, site: B.Site) -> None:
    panel, total, highlighted = brush_right_half(tab, site)
    assert 0 < highlighted < total, (highlighted, total)
    expect(panel.get_by_text("All customers in the chart", exact=True)).to_have_count(0)
    # The list below the chart holds exactly the points the box highlights
    # (those who consented to marketing; the caption counts the others).
    texts = captions(panel)
    assert count_in(texts, CUSTOMERS_CAPTION) + left_out(texts) == highlighted


def test_the_selected_customers_download_as_csv_with_the_list_header(tab: Any, site: B.Site) -> None:
    panel, _, highlighted = brush_right_half(tab, site)
    listed = count_in(captions(panel), CUSTOMERS_CAPTION)
    with tab.expect_download() as arrival:
        panel.get_by_role("button", name="Download CSV").click()
    download = arrival.value
    assert download.suggested_filename == "value-sentiment.csv"
    lines = Path(download.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join([*LIST_COLUMNS, "mentions", "avg_sentiment"])
    assert 0 < len(lines) - 1 == listed <= highlighted


def test_a_link_with_filters_reproduces_the_view(tab: Any, site: B.Site) -> None:
    date_from, date_to = B.days_ago(site.last_day, 270), B.days_ago(site.last_day, 90)
    # The same days without the platform filter (with no dates, pages show the default period).
    B.open_page(tab, f"{site.url}/listening?" + urlencode({"from": date_from, "to": date_to}), "Listening")
    unfiltered = count_in(captions(tab), PEOPLE_CAPTION)

    link = f"{site.url}/listening?" + urlencode({"platform": "twitter", "from": date_from, "to": date_to})
    B.open_page(tab, link, "Listening")
    sidebar = tab.locator('[data-testid="stSidebar"]')
    dates = sidebar.locator('[data-testid="stDateInput"] input[type="date"]')
    expect(dates).to_have_count(2)
    assert dates.evaluate_all("els => els.map(e => e.value)") == [date_from, date_to]
    chosen = {
        name: sidebar.locator('[data-testid="stMultiSelect"]')
        .filter(has_text=name)
        .locator('[data-testid="stMultiSelectTagsContainer"]')
        .inner_text()
        .strip()
        for name in ("Brands", "Platforms", "Languages")
    }
    assert chosen == {"Brands": "", "Platforms": "X (Twitter)", "Languages": ""}
    expect(sidebar.get_by_text("Filters · 2 active")).to_be_visible()
    # The view kept its link, and the figure follows it.
    assert all(part in tab.url for part in ("platform=twitter", f"from={date_from}", f"to={date_to}"))
    filtered = count_in(captions(tab), PEOPLE_CAPTION)
    db = store.open_db(site.db_path, create=False)
    try:
        wanted = listening.volume_over_time(
            db, Filters(date_from=date_from, date_to=date_to, platforms=("twitter",))
        )["mentions"].sum()
    finally:
        db.close()
    assert filtered == int(wanted)
    assert 0 < filtered < unfiltered


def test_hostile_mention_texts_are_shown_as_text_and_nothing_runs(
    tab: Any, site: B.Site, dialogs: list[str]
) -> None:
    B.open_page(tab, f"{site.url}/listening?listening_tab=Mention+explorer", "Listening")
    search = tab.get_by_role("textbox", name="Search the mentions")
    search.fill(B.HOSTILE_WORD)
    search.press("Enter")
    expect(tab.get_by_text(f"{len(B.HOSTILE_TEXTS)} mentions match", exact=False)).to_be_visible()
    B.wait_until_idle(tab)
    # The explorer's grid comes first; the accuracy panel's tables sit below it.
    grid = tab.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    assert box is not None
    # The search lists exactly the hostile mentions, newest first.
    for row, mention_id in enumerate(site.hostile_ids, start=1):
        text = B.HOSTILE_TEXTS[mention_id]
        # The grid is a canvas: click the row's selection box (header and rows are 35 px high).
        tab.mouse.click(box["x"] + 16, box["y"] + 35 * row + 17)
        shown = tab.locator('[data-testid="stText"]')
        expect(shown).to_have_text(text)
        B.wait_until_idle(tab)
        assert B.active_dom_from_texts(tab) == NO_ACTIVE_DOM
    expect(tab.get_by_text("Selected mention", exact=True)).to_be_visible()
    assert dialogs == []


def test_a_manager_sets_the_default_period_and_recomputes_without_a_terminal(tab: Any, site: B.Site) -> None:
    # Every page starts on the default period, and the sidebar says which days it shows.
    B.open_page(tab, site.url, "Overview")
    sidebar = tab.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("the default period (the last 30 days of data", exact=False)).to_be_visible()
    expect(tab.get_by_text("(30 days), compared with", exact=False)).to_be_visible()
    # The manager picks 90 days on the Settings page and saves.
    B.open_page(tab, f"{site.url}/settings", "Settings")
    tab.get_by_role("combobox", name="Default period").click()
    tab.get_by_role("option", name="The last 90 days").click()
    tab.get_by_role("button", name="Save settings").click()
    B.wait_until_idle(tab)
    B.open_page(tab, site.url, "Overview")
    expect(tab.get_by_text("(90 days), compared with", exact=False)).to_be_visible()
    # Recompute now runs in the background; the status line says when it is done.
    B.open_page(tab, f"{site.url}/settings", "Settings")
    tab.get_by_role("tab", name="Scores").click()
    tab.get_by_role("button", name="Recompute now").click()
    expect(tab.get_by_text("Scores are up to date: computed", exact=False)).to_be_visible(timeout=120_000)
    # Back to the default of the other tests.
    db = store.open_db(site.db_path, create=False)
    try:
        api.save_settings(db, {S.META_DEFAULT_PERIOD: 30}, actor="test")
    finally:
        db.close()
