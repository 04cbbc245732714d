"""The Listening page through AppTest, on a tiny scored demo and on an empty database.

The page runs on its own (``app_routed`` set, as ``app.py`` would) so that a
failure surfaces as an exception here instead of the app's apology. Tabs are
opened as a link opens them (``?listening_tab=...``). Not covered (browser
tests): the map's tiles, tooltips, clicking a row with the mouse.
"""

from __future__ import annotations

import re
from pathlib import Path

import page_support as support
import pytest
from streamlit.testing.v1 import AppTest

from scrm.compute import run_all
from scrm.db import schema as S
from scrm.db import store

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "listening.py")
TIMEOUT = 60
TABS = ["Trends", "Share of voice", "Themes", "Authors", "Places", "Modes", "Mention explorer"]
HOSTILE = ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1)) **bold**"]


@pytest.fixture(scope="module")
def demo_path(scored_demo_path: Path) -> Path:
    path = scored_demo_path
    db = store.open_db(path)
    try:
        # Two hostile mentions, newest of all, so the explorer lists them first.
        store.upsert_rows(
            db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "brand"],
            [(f"X{i}", "twitter", "mallory", text, f"2026-10-31T23:59:5{i}", "Velora") for i, text in enumerate(HOSTILE)],
        )
        run_all(db)
    finally:
        db.close()
    return path


def open_page(tab: str | None = None, **query: str) -> AppTest:
    return support.open_page("listening", **({"listening_tab": tab} if tab else {}), **query)


def matches(at: AppTest) -> int:
    caption = next(c.value for c in at.caption if re.match(r"[\d,]+ mentions? match", c.value))
    return int(caption.split()[0].replace(",", ""))


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_renders_the_scored_demo(demo_db: Path, tab: str) -> None:
    at = open_page(tab)
    assert at.title[0].value == "Listening"
    assert [t.label for t in at.tabs] == TABS
    assert not at.error and not at.warning
    assert at.get("vega_lite_chart") or at.dataframe


def test_share_of_voice_names_the_own_brand(demo_db: Path) -> None:
    at = open_page("Share of voice")
    assert at.metric[0].label.startswith("Share of voice of Velora")
    assert at.dataframe[0].value["own"].tolist()[0] is True


def test_the_places_tab_says_what_share_could_be_placed(demo_db: Path) -> None:
    at = open_page("Places")
    labels = [m.label for m in at.metric]
    assert labels == ["Mentions with a location", "Of those, placed on the map", "Places"]
    assert 0 < float(at.metric[1].value.rstrip("%")) <= 100


def test_a_search_term_changes_the_explorer_rows(demo_db: Path) -> None:
    at = open_page("Mention explorer")
    everything = matches(at)
    at.text_input(key="listening_query").set_value("delivery").run()
    assert not at.exception
    found = matches(at)
    assert 0 < found < everything
    texts = at.dataframe[0].value["text"].str.lower()
    assert texts.str.contains("deliver").all()


@pytest.mark.parametrize("query", ['"', "*", "NEAR(", *HOSTILE])
def test_hostile_searches_render_as_text(demo_db: Path, query: str) -> None:
    at = open_page("Mention explorer")
    at.text_input(key="listening_query").set_value(query).run()
    assert not at.exception and not at.error


def test_hostile_mention_texts_are_plain_cells(demo_db: Path) -> None:
    at = open_page("Mention explorer")
    at.text_input(key="listening_query").set_value("mallory").run()
    assert sorted(at.dataframe[0].value["text"]) == sorted(HOSTILE)
    # Nothing of the texts reached markdown.
    assert not any("onerror" in m.value or "javascript" in m.value for m in at.markdown)


def select_row(query: str, row: int = 0) -> AppTest:
    """The explorer after searching ``query`` and clicking a row."""
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["app_routed"] = True
    at.query_params["listening_tab"] = "Mention explorer"
    at.session_state["listening_query"] = query
    at.session_state["listening_table"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_selecting_a_mention_shows_its_text_score_and_words(demo_db: Path) -> None:
    at = select_row("delivery")
    first = at.dataframe[0].value.iloc[0]
    assert [s.value for s in at.subheader] == ["Selected mention"]
    assert at.text[0].value == first["text"]
    labels = [m.label for m in at.metric]
    assert labels == ["Score (−1 to 1)", "Label", "Language", "Model"]
    assert at.metric[0].value == f"{first['score']:+.2f}"
    assert len(at.get("vega_lite_chart")) == 1  # the words that moved the score


@pytest.mark.parametrize("position", [0, 1])
def test_a_selected_hostile_mention_is_shown_as_plain_text(demo_db: Path, position: int) -> None:
    at = select_row("mallory", position)
    text = at.dataframe[0].value.iloc[position]["text"]
    assert text in HOSTILE
    assert at.text[0].value == text
    assert not any(text in m.value for m in at.markdown)


def test_a_sentiment_filter_narrows_the_explorer(demo_db: Path) -> None:
    at = open_page("Mention explorer")
    everything = matches(at)
    at.multiselect(key="listening_labels").set_value(["negative"]).run()
    assert 0 < matches(at) < everything
    assert set(at.dataframe[0].value["label"]) == {"Negative"}  # the label as the reader's language names it


def test_a_global_platform_filter_in_the_link_narrows_the_explorer(demo_db: Path) -> None:
    everything = matches(open_page("Mention explorer"))
    at = open_page("Mention explorer", platform="twitter")
    assert 0 < matches(at) < everything
    assert set(at.dataframe[0].value["platform"]) == {"X (Twitter)"}


def test_a_filter_matching_nothing_says_what_to_do(demo_db: Path) -> None:
    at = open_page("Trends", **{"from": "2020-01-01", "to": "2020-01-31"})
    assert [i.value for i in at.info] == [
        "No mentions match these filters. Widen the date range or clear the brand, platform or language filter in the sidebar."
    ]


def open_in_app(tab: str | None = None) -> AppTest:
    """The page inside the app (router, sidebar, error funnel): page links need the router."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    if tab:
        at.query_params["listening_tab"] = tab
    at.switch_page("pages/listening.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def test_the_page_renders_inside_the_app_with_its_sidebar(demo_db: Path) -> None:
    at = open_in_app("Themes")
    assert at.title[0].value == "Listening"
    assert at.get("vega_lite_chart")


def test_the_privacy_switch_masks_authors(demo_db: Path) -> None:
    authors = open_page("Authors", mask="1").dataframe[0].value["author"]
    assert authors.str.fullmatch(r"@user_[0-9a-f]{6}").all()
    plain = open_page("Authors").dataframe[0].value["author"]
    assert not plain.str.startswith("@user_").any()


@pytest.mark.parametrize("tab", ["Trends", "Mention explorer"])
def test_an_empty_database_says_what_to_do(empty_db: Path, tab: str) -> None:
    at = open_in_app(tab)
    assert [i.value for i in at.info] == [
        "No mentions yet. Import a mentions file on the Data page, or load the demo data there."
    ]
    assert not at.tabs


def test_mentions_without_scores_ask_for_the_score_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "unscored.db"
    db = store.open_db(path)
    store.upsert_rows(db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at"],
                      [("M1", "twitter", "a", "hello", "2026-01-01T00:00:00")])  # fmt: skip
    db.close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    at = open_page("Trends")
    assert at.warning[0].value.startswith("Sentiment is not computed yet")
    assert len(at.get("vega_lite_chart")) == 2  # volume and volume per source yes, net sentiment no
