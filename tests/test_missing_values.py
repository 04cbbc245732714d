"""No table or tile says "None", "nan" or "NaT": a missing value reads "—" (AppTest, in English, Spanish and French).

The database is the scored tiny demo plus rows with holes: a customer with no name, e-mail, city or
orders, a mention with no brand, language or author (and no score: it came after the last run), and a
live source that never ran. Every page translated for issue 14 is drawn on it, with its tabs, its
selected customer, case and mention; every dataframe cell as the browser shows it (a Styler's display
values when there is one), every tile and every sentence is read.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import page_support as support
import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from scrm import api
from scrm.db import schema as S
from scrm.db import store
from scrm.ui import escape_markdown, missing

GAP_CUSTOMER = "CGAP1"
GAP_MENTION = "gap-mention-1"
# Words a reader takes for a value; "None of these locations ..." is a sentence, not a value.
MISSING_WORDS = re.compile(r"\b(?:None(?! of)|nan|NaN|NaT|<NA>)\b")


@pytest.fixture(scope="module")
def holes_path(scored_demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("holes") / "scrm.db"
    shutil.copyfile(scored_demo_path, path)
    db = store.open_db(path, create=False)
    try:
        with store.transaction(db):
            store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name", "email", "city"], [(GAP_CUSTOMER, None, None, None)])
            last = db.execute(f"SELECT max(posted_at) FROM {S.MENTIONS}").fetchone()[0]
            store.upsert_rows(
                db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "lang", "brand"],
                [(GAP_MENTION, "twitter", None, "a mention with holes", last, None, None)],
            )
        api.add_source(db, "hackernews", "never-ran", {"query": "acme"}, actor="test", role="admin")
    finally:
        db.close()
    return path


@pytest.fixture
def holes(holes_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(store.ENV_DB, str(holes_path))
    yield holes_path


def shown_cells(element: Any) -> pd.DataFrame:
    """A dataframe element's cells as the browser draws them: the Styler's display values when it has them."""
    proto = element.proto
    styler = proto.arrow_data.styler if proto.HasField("arrow_data") else None
    if styler is not None and styler.display_values:
        return convert_arrow_bytes_to_pandas_df(styler.display_values)
    return element.value


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str | list | tuple):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def missing_in(at: AppTest) -> list[str]:
    """Every cell, tile or sentence of the page that shows a missing value as a word or as an empty value."""
    found: list[str] = []
    for i, element in enumerate(at.dataframe):
        cells = shown_cells(element)
        # An empty cell is drawn with the table's placeholder: "—" when the page asked for it, else "None".
        placeholder_is_dash = element.proto.placeholder == missing.MISSING
        for column in cells.columns:
            for value in cells[column]:
                if _empty(value) and not placeholder_is_dash:
                    found.append(f"table {i}, column {column}: an empty cell drawn as 'None'")
                elif isinstance(value, str) and MISSING_WORDS.fullmatch(value.strip()):
                    found.append(f"table {i}, column {column}: {value!r}")
    for metric in at.metric:
        if MISSING_WORDS.search(str(metric.value)) or not str(metric.value).strip():
            found.append(f"tile {metric.label!r}: {metric.value!r}")
    texts = [*at.markdown, *at.caption, *at.info, *at.warning, *at.success, *at.subheader, *at.header]
    found += [f"text: {x.value!r}" for x in texts if MISSING_WORDS.search(str(x.value))]
    return found


ROUTER = """
import streamlit as st
from scrm import ui
st.session_state[ui.ROUTED_KEY] = True
for key, value in {defaults!r}.items():
    st.session_state.setdefault(key, value)
files = {files!r}
st.navigation([st.Page(f, default=(f == {page!r})) for f in files]).run()
"""
LINKED = ("pages/data.py", "pages/customer.py", "pages/rules.py", "pages/listening.py", "pages/alerts.py", "pages/cases.py",
          "pages/sources.py", "pages/overview.py", "pages/identity.py", "pages/settings.py")


def session_defaults() -> dict[str, object]:
    """The session defaults app.py seeds (read from its source: importing app.py would run it)."""
    tree = ast.parse((support.ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "SESSION_DEFAULTS":
            return dict(ast.literal_eval(node.value))  # type: ignore[arg-type]
    raise AssertionError("app.py no longer defines SESSION_DEFAULTS")


def open_routed(folder: Path, page: str, **query: str) -> AppTest:
    """``page`` behind a router that knows the pages it links to (a page link needs them registered)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pages").symlink_to(support.ROOT / "pages", target_is_directory=True)
    files = tuple(f for f in LINKED if (support.ROOT / f).exists())
    (folder / "router.py").write_text(ROUTER.format(files=files, page=f"pages/{page}.py", defaults=session_defaults()))
    at = AppTest.from_file(str(folder / "router.py"), default_timeout=support.TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def first_case(path: Path) -> str:
    db = store.open_db(path, create=False)
    try:
        return str(db.execute(f"SELECT min(case_id) FROM {S.CASES}").fetchone()[0])
    finally:
        db.close()


PAGES: list[tuple[str, dict[str, str]]] = [
    ("listening", {"listening_tab": "Trends"}),
    ("listening", {"listening_tab": "Share of voice"}),
    ("listening", {"listening_tab": "Themes"}),
    ("listening", {"listening_tab": "Authors"}),
    ("listening", {"listening_tab": "Places"}),
    ("listening", {"listening_tab": "Modes"}),
    ("listening", {"listening_tab": "Mention explorer", "mention": GAP_MENTION}),
    ("customer", {"customer": GAP_CUSTOMER}),
    ("alerts", {}),
    ("cases", {}),
    ("data", {"data_tab": "Import history"}),
    ("data", {"data_tab": "Quarantine"}),
    ("sources", {}),
]


# Every page in French (numbers and dates in its locale), the explorer and the card in English too.
CASES = [(page, query, "fr") for page, query in PAGES] + [(*PAGES[6], "en"), (*PAGES[7], "en")]


@pytest.mark.parametrize(
    ("page", "query", "lang"), CASES, ids=[f"{p}-{'-'.join(q.values()) or 'default'}-{lang}" for p, q, lang in CASES]
)
def test_no_page_shows_none_or_nan_for_a_missing_value(
    page: str, query: dict[str, str], lang: str, holes: Path, tmp_path: Path
) -> None:
    if page == "cases":
        query = {"case": first_case(holes)}
    at = open_routed(tmp_path, page, ui_lang=lang, **query)
    assert at.title, "the page was drawn"
    assert missing_in(at) == []


def test_the_customer_card_of_a_customer_with_holes_says_not_recorded_or_a_dash(holes: Path, tmp_path: Path) -> None:
    at = open_routed(tmp_path, "customer", customer=GAP_CUSTOMER, ui_lang="es")
    identity = at.dataframe[0].value
    assert set(identity.iloc[:, 1]) <= {"sin registrar", "no", "sí", missing.MISSING}
    assert at.header[0].value == escape_markdown("(sin nombre)")


def test_fill_missing_writes_a_dash_in_text_cells_and_leaves_number_columns_to_the_placeholder() -> None:
    frame = pd.DataFrame({"who": ["ana", None, "nan"], "score": [0.5, None, 1234.25], "n": [1, 2, 3]})
    filled = missing.fill_missing(frame)
    assert filled["who"].tolist() == ["ana", "—", "—"]
    assert pd.api.types.is_float_dtype(filled["score"]) and pd.isna(filled["score"].iloc[1])  # a number column still
    assert pd.isna(frame["who"].iloc[1])  # the cached frame is not changed
    assert missing.fill_missing(frame[["n"]]).equals(frame[["n"]])
