"""The dashboard shell through AppTest: global filters kept in the link, the privacy switch,
the sidebar on an empty database; plus the filter options read from the data.

The demo (tiny, scored) is built once for the module. The pages other than the
shell are not asserted on here: each has its own test file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from scrm import api, compute
from scrm.db import schema as S
from scrm.db import store
from scrm.db.filters import Filters
from scrm.ui import filters as F

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60


class _NavigationPagesManager(PagesManager):
    """A PagesManager that knows the app routes with ``st.navigation``, as a server learns it.

    AppTest (Streamlit 1.67) forgets before every run whether the app uses
    ``st.navigation`` and, because a ``pages/`` folder exists, treats it as an
    old folder app: every run after the first executes the page file alone,
    without ``app.py``, so the sidebar (and its filters) disappears. A real
    server decides once per process, after which ``app.py`` runs every time.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def runs_go_through_app_py(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_test, "PagesManager", _NavigationPagesManager)


@pytest.fixture(scope="module")
def demo_db(scored_demo_path: Path) -> Path:
    return scored_demo_path


@pytest.fixture(scope="module")
def options(demo_db: Path) -> F.FilterOptions:
    db = store.open_db(demo_db, create=False)
    try:
        return F.filter_options(db)
    finally:
        db.close()


@pytest.fixture
def on_demo(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(store.ENV_DB, str(demo_db))
    yield demo_db


def plain(markdown: str) -> str:
    """Markdown shown by the app with the escapes of ``escape_markdown`` removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def open_app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def link_warnings(at: AppTest) -> list[str]:
    return [plain(w.value) for w in at.warning if w.icon == ":material/link_off:"]


# --- the options the data offers -------------------------------------------------------------


def test_filter_options_span_the_data_and_rank_values_by_volume(options: F.FilterOptions) -> None:
    assert (options.first_day, options.last_day) == (date(2024, 11, 1), date(2026, 10, 31))
    assert options.brands[0] == "Velora" and set(options.brands) == {"Velora", "Maison Brix", "Casanova Home"}
    assert set(options.langs) == {"en", "es", "fr"}
    assert "twitter" in options.platforms
    assert options.segments and options.segments[0][0] == 1 and options.segments[0][1]


def test_an_empty_database_offers_nothing_to_filter(fresh_db) -> None:
    empty = F.filter_options(fresh_db)
    assert empty == F.FilterOptions() and empty.is_empty


def test_the_segment_table_name_is_the_one_scrm_segments_writes() -> None:
    from scrm.analysis.segments import SEGMENT_PROFILES

    assert F.SEGMENT_PROFILES == SEGMENT_PROFILES


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), "All data"),
        (
            Filters(date_from="2026-01-01", date_to="2026-03-31", langs=("fr",)),
            "2026-01-01 to 2026-03-31 · French",
        ),
        (
            Filters(date_to="2026-03-31", platforms=("google_reviews", "twitter")),
            "Until 2026-03-31 · Google reviews, X (Twitter)",
        ),
        (Filters(brands=("Velora",), segment=2), "Velora · segment 2"),
    ],
)
def test_filters_read_as_words(filters: Filters, expected: str) -> None:
    assert F.describe_filters(filters) == expected


# --- the link reproduces the view ------------------------------------------------------------

LINK = {
    "from": "2026-01-01",
    "to": "2026-03-31",
    "brand": "Velora,Maison Brix",
    "platform": "twitter",
    "lang": "fr",
    "segment": "2",
}


def test_a_link_with_filters_sets_the_sidebar_and_the_pages_filters(on_demo: Path) -> None:
    at = open_app(LINK)
    assert at.date_input(key=F.KEY_DATES).value == (date(2026, 1, 1), date(2026, 3, 31))
    assert at.multiselect(key=F.KEY_BRANDS).value == ["Velora", "Maison Brix"]
    assert at.multiselect(key=F.KEY_PLATFORMS).value == ["twitter"]
    assert at.multiselect(key=F.KEY_LANGS).value == ["fr"]
    assert at.selectbox(key=F.KEY_SEGMENT).value == 2
    assert at.session_state[F.KEY_CURRENT] == Filters(
        date_from="2026-01-01", date_to="2026-03-31", brands=("Velora", "Maison Brix"),
        platforms=("twitter",), langs=("fr",), segment=2,
    )  # fmt: skip
    assert at.query_params == LINK
    assert not link_warnings(at)
    assert any(m.value.startswith("**Filters** · 5 active") for m in at.sidebar.markdown)


# The demo's default period: the last 30 days up to the last day mentions and orders both reach.
DEFAULT_FROM, DEFAULT_TO = date(2026, 10, 2), date(2026, 10, 31)
DEFAULT = Filters(date_from=DEFAULT_FROM.isoformat(), date_to=DEFAULT_TO.isoformat())


def test_without_a_link_the_filters_show_the_default_period_and_stay_out_of_the_address(on_demo: Path) -> None:
    at = open_app()
    assert at.date_input(key=F.KEY_DATES).value == (DEFAULT_FROM, DEFAULT_TO)
    assert at.multiselect(key=F.KEY_BRANDS).value == []
    assert at.selectbox(key=F.KEY_SEGMENT).value == F.ALL_SEGMENTS
    assert at.session_state[F.KEY_CURRENT] == DEFAULT
    assert at.query_params == {}
    assert at.button(key=F.KEY_RESET).disabled


def test_changing_filters_writes_the_link_and_keeps_other_parameters(on_demo: Path) -> None:
    at = open_app({"mask": "1", "data_tab": "Quarantine"})
    at.multiselect(key=F.KEY_PLATFORMS).set_value(["twitter", "instagram"]).run()
    at.date_input(key=F.KEY_DATES).set_value((date(2025, 1, 1), date(2026, 10, 31))).run()
    at.selectbox(key=F.KEY_SEGMENT).set_value(1).run()
    assert not at.exception
    assert at.query_params == {
        "mask": "1",
        "data_tab": "Quarantine",
        "platform": "twitter,instagram",
        "from": "2025-01-01",  # the end is the day the data agrees on: left out, the link follows the data
        "segment": "1",
    }
    assert at.session_state[F.KEY_CURRENT] == Filters(
        date_from="2025-01-01", date_to=DEFAULT_TO.isoformat(), platforms=("twitter", "instagram"), segment=1
    )


def test_reset_filters_returns_to_the_default_period_and_clears_the_link(on_demo: Path) -> None:
    at = open_app({**LINK, "mask": "1"})
    at.button(key=F.KEY_RESET).click().run()
    assert at.session_state[F.KEY_CURRENT] == DEFAULT
    assert at.query_params == {"mask": "1"}
    assert at.multiselect(key=F.KEY_BRANDS).value == []
    assert at.date_input(key=F.KEY_DATES).value == (DEFAULT_FROM, DEFAULT_TO)


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ({"from": "2026-13-01"}, "The 'from' date '2026-13-01' is not a date; use YYYY-MM-DD."),
        (
            {"from": "2026-05-01", "to": "2026-04-01"},
            "The date range starts on 2026-05-01, after it ends on 2026-04-01. Pick a start date on or before the end date.",
        ),
        ({"segment": "two"}, "The link's segment 'two' is not a segment number; remove it from the address."),
    ],
)
def test_a_malformed_link_warns_with_the_sentence_and_starts_from_the_defaults(
    on_demo: Path, query, sentence
) -> None:
    at = open_app({**query, "brand": "Velora"})
    assert link_warnings(at) == [f"{sentence} The filters start from their defaults."]
    assert at.session_state[F.KEY_CURRENT] == DEFAULT
    assert at.query_params == {}
    assert at.title, "the page still renders under the warning"
    # The warning is said once; the next run is clean.
    at.multiselect(key=F.KEY_LANGS).set_value(["en"]).run()
    assert not link_warnings(at) and at.query_params == {"lang": "en"}


def test_link_values_the_data_lacks_are_dropped_with_a_warning(on_demo: Path) -> None:
    at = open_app({"brand": "Velora,Nope", "segment": "99"})
    assert link_warnings(at) == [
        "The link's brand 'Nope' does not occur in the data; it is left out of the filters.",
        "The link's segment 99 does not exist in this data; showing all customers.",
    ]
    assert at.session_state[F.KEY_CURRENT] == Filters(
        date_from=DEFAULT.date_from, date_to=DEFAULT.date_to, brands=("Velora",)
    )
    assert at.query_params == {"brand": "Velora"}


def test_the_filters_stay_when_the_user_opens_another_page(on_demo: Path) -> None:
    at = open_app({"brand": "Velora"})
    at.switch_page("pages/data.py").run()
    assert at.multiselect(key=F.KEY_BRANDS).value == ["Velora"]
    assert at.query_params.get("brand") == "Velora"


# --- the privacy switch and the demo badge ---------------------------------------------------


def test_the_privacy_switch_is_in_the_sidebar_and_keeps_mask_in_the_link(on_demo: Path) -> None:
    at = open_app({"brand": "Velora"})
    switch = at.sidebar.toggle(key="privacy_mask")
    assert switch.label == "Mask names for screen sharing" and switch.value is False
    switch.set_value(True).run()
    assert at.query_params == {"brand": "Velora", "mask": "1"}
    assert "Demo data" in " ".join(m.value for m in at.sidebar.markdown)


# --- an empty database ---------------------------------------------------------------------


def test_an_empty_database_renders_with_a_sentence_instead_of_filters(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "scrm.db"
    store.open_db(path).close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    at = open_app({"brand": "Velora"})
    assert not at.multiselect and not at.date_input
    assert F.NO_DATA_CAPTION in [c.value for c in at.sidebar.caption]
    assert at.session_state[F.KEY_CURRENT] == Filters()
    assert at.sidebar.toggle(key="privacy_mask").value is False
    assert not at.error
    db = store.open_db(path, create=False)
    assert store.counts(db)[S.MENTIONS] == 0
    db.close()


# --- the first start: demo data, then its scores ------------------------------------------


def _fake_demo(db, seed: int = 7, scale: str = "small", progress=None) -> None:
    store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name"], [("C1", "Ana")])
    store.set_meta(db, "demo", "1")


@pytest.mark.parametrize("fails", [False, True])
def test_the_first_start_scores_the_new_demo_and_keeps_it_when_scoring_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    calls: list[str] = []

    def fake_run_all(db, *, progress=None, **kwargs):
        calls.append(db.execute("SELECT name FROM customers").fetchone()[0])
        progress(0.5, "sentiment: scoring")
        if fails:
            raise RuntimeError("internal detail")
        return []

    monkeypatch.setattr(api, "build_demo", _fake_demo)
    monkeypatch.setattr(compute, "run_all", fake_run_all)
    path = tmp_path / "new" / "scrm.db"
    monkeypatch.setenv(store.ENV_DB, str(path))
    at = open_app()
    assert calls == ["Ana"], "scored once, on the demo just built"
    assert path.exists() and not path.with_name("scrm.db.building").exists()
    assert [s.label for s in at.status] == (
        ["Demo database ready, without scores"] if fails else ["Demo database ready"]
    )
    warnings = [w.value for w in at.warning]
    scoring_failed = (
        "The demo data is ready, but its scores could not be computed. "
        "Use Recompute now on the Settings page to compute them; the details are in the server log."
    )
    assert (scoring_failed in warnings) is fails
    assert "Demo data" in " ".join(m.value for m in at.sidebar.markdown)
