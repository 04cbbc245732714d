"""Themes by subject in the Overview's "What moved" and the stakeholder report (issue 14).

Themes are fitted per language, so "entrega · retraso" (Spanish) and "livraison · retard" (French)
are two themes of one subject, delivery. The movers count them as one line, named in the
reader's language; a theme without a subject keeps its top words.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.export import report as R
from scrm.export.pdf import build_report_pdf
from scrm.views import overview as O
from tests.test_overview import CURRENT, LABELS, MENTION_COLUMNS, MENTIONS, add_week
from tests.test_report_documents import pdf_text

SUBJECT_NAMES = {"en": "Delivery and shipping", "es": "Entrega y envío", "fr": "Livraison et expédition"}


@pytest.fixture
def themes_db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    """The Overview's week, with theme t1 in Spanish and a French theme t3 of the same subject (delivery)."""
    add_week(fresh_db)
    for column in ("lang", "subject"):  # the columns the topics stage writes
        fresh_db[S.TOPICS].add_column(column, str)
    fresh_db.execute(
        f"UPDATE {S.TOPICS} SET lang = 'es', subject = 'delivery', label = 'entrega · retraso' WHERE topic_id = 't1'"
    )
    fresh_db[S.TOPICS].insert({"topic_id": "t3", "lang": "fr", "label": "livraison · retard", "subject": "delivery"})
    fresh_db[S.MENTION_TOPICS].insert({"mention_id": "m6", "topic_id": "t3", "weight": 1.0})
    return fresh_db


def test_themes_of_one_subject_in_two_languages_move_as_one_line(themes_db: sqlite_utils.Database) -> None:
    movers = O.top_movers(themes_db, CURRENT, O.resolve_periods(themes_db, CURRENT), "topics")
    # t1 (es) has m4 and m5 now and m1 before; t3 (fr) has m6 now; t2 has no subject and stays on its own.
    rows = movers.astype({"subject": object}).where(movers.notna(), None)
    assert rows[["key", "subject", "now", "before"]].values.tolist() == [
        ["subject:delivery", "delivery", 3, 1],
        ["t2", None, 1, 0],
    ]


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_a_subject_is_named_in_the_readers_language_and_a_theme_without_one_keeps_its_words(
    themes_db: sqlite_utils.Database, lang: str
) -> None:
    movers = O.top_movers(themes_db, CURRENT, O.resolve_periods(themes_db, CURRENT), "topics")
    assert O.name_subjects(movers, lang)["label"].tolist() == [SUBJECT_NAMES[lang], "quality"]


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_the_report_lists_the_subject_once_in_the_readers_language_in_html_and_pdf(
    themes_db: sqlite_utils.Database, lang: str
) -> None:
    context = R.report_context(themes_db, CURRENT, masked=False, lang=lang)
    topics = next(m for m in context["movers"] if m["what"] == "topics")
    assert [row[0][0] for row in topics["rows"]] == [SUBJECT_NAMES[lang], "quality"]
    page = html.unescape(R.build_report_html(themes_db, CURRENT, masked=False, lang=lang))
    pdf = pdf_text(build_report_pdf(themes_db, CURRENT, masked=False, lang=lang))
    for text in (page, pdf):
        assert SUBJECT_NAMES[lang] in text
        assert "entrega · retraso" not in text and "livraison · retard" not in text


def test_a_topics_table_written_before_subjects_existed_still_ranks_each_theme(fresh_db: sqlite_utils.Database) -> None:
    add_week(fresh_db)  # its topics table has no subject column
    movers = O.top_movers(fresh_db, CURRENT, O.resolve_periods(fresh_db, CURRENT), "topics")
    assert movers[["key", "label"]].values.tolist() == [["t1", "delivery · late"], ["t2", "quality"]]
    assert movers["subject"].isna().all()


def _subject_week(db: sqlite_utils.Database) -> None:
    """The Overview's week written through the store (either engine): t1 (es) and t3 (fr) about delivery, t2 on its own."""
    store.upsert_rows(db, S.MENTIONS, MENTION_COLUMNS, MENTIONS)
    store.upsert_rows(db, S.SENTIMENT, ["mention_id", "lang", "score", "label"],
                      [(m, "en", {"positive": 0.5, "negative": -0.5}.get(label, 0.0), label) for m, label in LABELS.items()])
    store.replace_table(db, S.TOPICS, pd.DataFrame({
        "topic_id": ["t1", "t2", "t3"], "lang": ["es", "en", "fr"],
        "label": ["entrega · retraso", "quality", "livraison · retard"], "subject": ["delivery", None, "delivery"],
    }))
    store.replace_table(db, S.MENTION_TOPICS, pd.DataFrame({
        "mention_id": ["m1", "m4", "m5", "m6", "m7"], "topic_id": ["t1", "t1", "t1", "t3", "t2"], "weight": [1.0] * 5,
    }))  # fmt: skip


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_subject_movers_are_counted_alike_on_both_engines(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = store.open_db(request.getfixturevalue("pg_url") if engine == "postgresql" else tmp_path / "scrm.db")
    try:
        _subject_week(db)
        movers = O.name_subjects(O.top_movers(db, CURRENT, O.resolve_periods(db, CURRENT), "topics"), "fr")
        assert movers[["key", "label", "now", "before"]].values.tolist() == [
            ["subject:delivery", SUBJECT_NAMES["fr"], 3, 1],
            ["t2", "quality", 1, 0],
        ]
    finally:
        db.close()


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_the_overview_lists_a_subject_once_named_in_the_readers_language(demo_db: Path, lang: str) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    at.query_params["ui_lang"] = lang
    at.run()  # the router opens the Overview
    assert not at.exception, [e.value for e in at.exception]
    # The Topics tab of "What moved" is the table whose first column holds themes and subjects.
    labels = [str(x) for frame in at.dataframe for x in frame.value.get("label", []) if "net_change" in frame.value]
    assert SUBJECT_NAMES[lang] in labels and labels.count(SUBJECT_NAMES[lang]) == 1
