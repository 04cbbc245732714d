"""No English left on the sidebar, the Overview and the Settings page when the interface is in Spanish or French.

AppTest renders each page with ``?ui_lang=es`` / ``fr`` and every text a person reads
(titles, captions, markdown, messages, widget labels, help, options, tiles and their help)
is scanned for English words that no Spanish or French sentence uses. Data values (brand
names, customer names) are not English words, so they pass.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from scrm import compute
from scrm.db import store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
# Words of English sentences that neither a Spanish nor a French sentence contains.
ENGLISH = re.compile(r"\b(the|and|with|never|Download|Mask|Names|left out|Orders|orders|Pick|Click|which|your)\b")
PAGES = ["pages/overview.py", "pages/settings.py"]


@pytest.fixture(scope="module")
def scored_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scrm.demo import build_demo

    path = tmp_path_factory.mktemp("leftovers") / "scrm.db"
    db = store.open_db(path)
    try:
        build_demo(db, scale="tiny")
        compute.run_all(db)
    finally:
        db.close()
    return path


def shown_texts(at: AppTest) -> list[str]:
    """Every text the run shows a person, main area and sidebar."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        out.extend(str(el.value) for el in getattr(at, kind))
    for kind in ("button", "toggle", "checkbox", "selectbox", "multiselect", "text_input", "date_input", "number_input", "radio"):
        for el in getattr(at, kind):
            out.append(str(el.label))
            if getattr(el, "help", None):
                out.append(str(el.help))
            if kind in ("selectbox", "radio", "multiselect"):
                out.extend(str(o) for o in el.options)
    for metric in at.metric:
        out.extend([str(metric.label), str(metric.help or "")])
    out.extend(str(tab.label) for tab in at.tabs)
    return out


def english_in(texts: list[Any]) -> list[str]:
    return [text for text in texts if ENGLISH.search(str(text))]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["es", "fr"])
def test_the_sidebar_and_the_page_show_no_english_in_spanish_and_french(
    page: str, lang: str, scored_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(store.ENV_DB, str(scored_demo))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["ui_lang"] = lang
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    texts = shown_texts(at)
    assert len(texts) > 20, "the page rendered"
    assert english_in(texts) == []


def test_the_scan_finds_english_where_there_is_some() -> None:
    assert english_in(["Mask names for screen sharing", "Ocultar nombres al compartir pantalla", "Velora"]) == [
        "Mask names for screen sharing"
    ]
