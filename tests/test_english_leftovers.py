"""No English left on any page when the interface is in Spanish or French.

AppTest walks every page of the menu through the router with ``?ui_lang=es`` / ``fr``
and collects every text a person reads: titles, captions, markdown, messages, widget
labels, help, placeholders and options, tabs, tiles with their values and help, and the
headers and text cells of tables (their columns of people's own words left out). Three
checks then fail on English:

* a text that is the English source of a catalog entry whose translation differs (a
  label shown without going through ``t()``: "Linked", "Any", "Champions to activate");
* a stored vocabulary word shown as stored ("negative", "name_city", the audit log's "rules"),
  where :func:`scrm.ui.tables.translate_cells` writes it in the reader's language;
* a text holding English words that no Spanish or French sentence uses ("the", "with",
  "which"...): a sentence built outside the catalogs ("Chart: the 34 authors whose...").

Brand names, numbers and user data pass: the stored theme labels, brands, names and
handles of the database are left out of the scan, and none of them is a catalog entry.
One walk per language serves every page's test (the walk renders each page once).
"""

from __future__ import annotations

import contextlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, ElementTree

from scrm import compute
from scrm.act import cases
from scrm.db import schema as S
from scrm.db import store
from scrm.i18n import LANGUAGE_NAMES, catalog
from scrm.i18n.messages import Message, Moment
from scrm.ui.notes import translate_case_note, translate_evidence, translate_score_status
from scrm.ui.tables import USER_COLUMNS, stored_word
from scrm.views import settings as V

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
# Words of English sentences that neither a Spanish nor a French sentence contains.
ENGLISH = re.compile(
    r"\b(the|and|with|of|to|is|are|for|from|by|this|that|these|those|your|which|when|then|than|not|have|been|will"
    r"|was|were|their|there|into|only|each|every|any|who|what|how|without|never|yet|Yes|Download|Mask|Names|left out"
    r"|Orders|orders|Pick|Click|Chart|pairs?|Evidence|Everyone)\b"
)
PAGES = [
    "overview", "listening", "segments", "customer", "journey", "advocates", "alerts", "cases", "rules", "identity",
    "privacy", "data", "sources", "settings",
]  # fmt: skip
# Elements whose text is not an interface sentence: code samples (secrets.toml), charts, plain text of data.
SKIPPED = {"Code", "Json", "UnknownElement", "Text"}
# Table columns of people's own words and names (and ids), skipped whatever they say: mention texts are
# often English. Every other text cell is scanned: a stored word ("negative", "name_city", "rules") shown
# as it is stored fails, as does a sentence built in English.
DATA_COLUMNS = USER_COLUMNS | {
    "Mention", "Author", "Customer", "Assignee", "top_mention", "top_authors", "top_topics", "profile_id", "customer_id",
    "match_id", "email", "settings", "currency", "lang", "langs", "at", "posted_at", "last_order_at", "first", "last",
}  # fmt: skip


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


def user_data(path: Path) -> set[str]:
    """Texts that come from the data, not the interface: theme labels, brands, names, handles, cities."""
    db = store.open_db(path, create=False)
    try:
        queries = [
            f"SELECT label FROM {S.TOPICS}",
            f"SELECT DISTINCT brand FROM {S.MENTIONS}",
            f"SELECT name FROM {S.CUSTOMERS}",
            f"SELECT city FROM {S.CUSTOMERS}",
            f"SELECT DISTINCT author FROM {S.MENTIONS}",
        ]
        out: set[str] = set()
        for sql in queries:
            try:
                out |= {str(row[0]) for row in db.execute(sql).fetchall() if row[0]}
            except Exception:  # a table or column this version does not have
                continue
        return out
    finally:
        db.close()


QUOTED = re.compile(r"“[^”]*”")


def cell_texts(frame: Any) -> list[str]:
    """The text cells of a table a person reads, its data columns (:data:`DATA_COLUMNS`) left out."""
    if not isinstance(frame, pd.DataFrame):
        return []
    out: list[str] = []
    for column in frame.columns:
        series = frame[column]
        if str(column) in DATA_COLUMNS or pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            continue
        # Words in quotes are the user's own (a rule's keywords: “refund”, “not working”).
        out.extend(QUOTED.sub("“”", v) for v in series.dropna().unique() if isinstance(v, str) and v.strip())
    return out


def headers_of(node: Any) -> list[str]:
    """A table's column headers as shown: the configured label, else the column's own name."""
    config = json.loads(getattr(node.proto, "columns", "") or "{}")
    out = []
    for column in node.value.columns:
        entry = config.get(str(column))
        entry = entry if isinstance(entry, dict) else {"label": entry} if isinstance(entry, str) else {}
        if not entry.get("hidden"):
            out.append(str(entry.get("label") or column))
    return out


def _texts_of(node: Any, out: list[str]) -> None:
    kind = type(node).__name__
    if kind in ("Dataframe", "Table"):
        with contextlib.suppress(Exception):  # a table AppTest cannot read back
            out.extend(cell_texts(node.value))
            out.extend(headers_of(node))
        return
    if isinstance(node, Block):
        if kind in ("Expander", "Tab"):
            label = getattr(node, "label", None)
            if label:
                out.append(str(label))
        for child in node.children.values():
            _texts_of(child, out)
        return
    if kind in SKIPPED:
        return
    for attr in ("label", "help", "placeholder"):
        value = getattr(node, attr, None)
        if isinstance(value, str) and value:
            out.append(value)
    if kind in ("Selectbox", "Radio", "Multiselect", "SelectSlider", "ButtonGroup"):
        with contextlib.suppress(Exception):  # a widget without options
            out.extend(str(o) for o in node.options)
    elif kind not in ("Checkbox", "Toggle", "TextInput", "TextArea", "NumberInput", "DateInput", "Slider", "ColorPicker"):
        value = getattr(node, "value", None)
        if isinstance(value, str) and value:
            out.append(value)


def shown_texts(at: AppTest) -> list[str]:
    """Every text the run shows a person, main area and sidebar."""
    out: list[str] = []
    _texts_of(at._tree, out)
    return out


def untranslated_labels(texts: list[str], lang: str) -> list[str]:
    """Texts shown as their English source although the catalog translates them."""
    have = catalog(lang)
    # "File" is English for a file and French for a queue: a word the language itself uses is no leftover.
    words = set(have.values()) | set(LANGUAGE_NAMES.values())  # the language selector names each language in itself
    return sorted({x for x in texts if x in have and have[x] != x and x not in words})


def stored_words(texts: list[str], lang: str) -> list[str]:
    """Texts that are a stored vocabulary word the reader's language writes otherwise (``name_city``, ``rules``)."""
    return sorted({x for x in texts if stored_word(x, lang) not in (None, x)})


def english_in(texts: list[str], data: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    return sorted({str(x) for x in texts if str(x) not in data and ENGLISH.search(str(x))})


@cache
def _walk(lang: str, db: str) -> dict[str, tuple[list[str], list[str]]]:
    """page -> (exceptions, texts): one AppTest session that opens every page in turn, as menu clicks would."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["ui_lang"] = lang
    at.run()
    out: dict[str, tuple[list[str], list[str]]] = {}
    for page in PAGES:
        if page != "overview":
            # A fresh tree, as a browser's menu click sends no widget state of the page it leaves: AppTest would
            # re-read the old page's translated select boxes without their format function and fail on them.
            fresh = ElementTree()
            fresh._runner = at
            at._tree = fresh
            at.switch_page(f"pages/{page}.py").run()
        out[page] = ([str(e.value) for e in at.exception], shown_texts(at))
    return out


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_page_shows_no_english_in_spanish_and_french(
    page: str, lang: str, scored_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(store.ENV_DB, str(scored_demo))
    errors, texts = _walk(lang, str(scored_demo))[page]
    assert errors == []
    assert len(texts) > 5, "the page rendered"
    data = user_data(scored_demo)
    assert untranslated_labels([x for x in texts if x not in data], lang) == []
    assert stored_words([x for x in texts if x not in data], lang) == []
    assert english_in(texts, data) == []


def test_the_scan_finds_english_where_there_is_some() -> None:
    assert english_in(["Mask names for screen sharing", "Ocultar nombres al compartir pantalla", "Velora"]) == [
        "Mask names for screen sharing"
    ]
    assert english_in(["Chart: the 34 authors whose customers pay in EUR"]) != []
    assert english_in(["great quality of the chair"], {"great quality of the chair"}) == []
    assert untranslated_labels(["Linked", "Vinculados", "Velora"], "es") == ["Linked"]


def test_the_scan_reads_table_cells_but_not_peoples_own_words() -> None:
    frame = pd.DataFrame({
        "label": ["negative", "negativo"], "actor": ["rules", "Ana"], "text": ["the sofa is great", "ok"],
        "name": ["Ana", "Bo"], "mentions": [3, 4],
    })  # fmt: skip
    cells = cell_texts(frame)
    assert {"negative", "negativo", "rules", "Ana"} <= set(cells)
    assert "the sofa is great" not in cells and "Bo" not in cells
    assert untranslated_labels(cells, "es") == ["negative"]
    assert stored_words(cells, "es") == ["negative", "rules"]


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_the_engine_sentences_pages_show_are_written_in_the_readers_language(lang: str) -> None:
    line = Message(V.BEHIND, {"age": V.age_message(3 * 86400), "changes": Message(V.IMPORTS_SINCE[False], {"n": 2}),
                              "when": Moment("2026-10-05T09:00", "Europe/Madrid")})  # fmt: skip
    status = translate_score_status(line, lang)
    assert "Oct" not in status and {"es": "5 oct 2026", "fr": "5 oct. 2026"}[lang] in status
    assert "(Europe/Madrid)" in status
    note = translate_case_note("no case in this range has had a response from a person yet", lang)
    assert english_in([note]) == [] and note != "no case in this range has had a response from a person yet"
    measured = translate_case_note(Message(cases.MEASURED_ON, {"n": 3, "total": 1204, "days": 90}), lang)
    assert english_in([measured]) == [] and {"es": "1.204", "fr": "1\u202f204"}[lang] in measured
    evidence = translate_evidence("name 'Ana Ruiz' ~ 'Ana R.' (90%), city Madrid ~ 'Madrid, Spain' (88%)", lang)
    assert english_in([evidence]) == [] and "'Ana Ruiz'" in evidence and "'Madrid, Spain'" in evidence
