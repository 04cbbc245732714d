"""Stored words in table cells are shown in the reader's language; the stored values stay English (issue 14)."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

from scrm.db import schema as S
from scrm.i18n import LANGUAGES, untranslated
from scrm.ui.tables import STORED_WORDS, localise, translate_cells

FRAME = pd.DataFrame({
    "label": ["negative", "unscored"],
    "status": ["in progress", "new"],
    "actor": ["rules", "ana@example.com"],
    "method_label": ["name_city", "email"],
    "rfm_segment": ["Loyal", "Can't Lose Them"],
    "platform": ["forum", "twitter"],
    "name": ["none", "manual"],
    "text": ["negative", "refund please"],
    "mentions": [3, 4],
})  # fmt: skip


def test_stored_words_are_written_in_spanish_and_people_words_are_not() -> None:
    shown = translate_cells(FRAME, "es")
    assert shown["label"].tolist() == ["negativo", "sin puntuar"]
    assert shown["status"].tolist() == ["en curso", "nuevo"]
    assert shown["actor"].tolist() == ["reglas de trabajo", "ana@example.com"]
    assert shown["method_label"].tolist() == ["nombre y ciudad", "correo"]
    assert shown["rfm_segment"].tolist() == ["Fieles", "No podemos perderlos"]
    assert shown["platform"].tolist() == ["Foro", "twitter"]
    assert shown[["name", "text", "mentions"]].equals(FRAME[["name", "text", "mentions"]])


def test_the_frame_the_page_holds_keeps_its_stored_values_and_row_order() -> None:
    before = FRAME.copy()
    shown = translate_cells(FRAME, "fr")
    pd.testing.assert_frame_equal(FRAME, before)
    assert shown.index.tolist() == FRAME.index.tolist()
    assert shown["status"].tolist() == ["en cours", "nouveau"]


def test_english_readers_see_the_frame_as_it_is() -> None:
    assert translate_cells(FRAME, "en") is FRAME


def test_a_free_text_column_that_happens_to_hold_a_stored_word_is_left_alone() -> None:
    frame = pd.DataFrame({"comment": ["new", "the sofa arrived broken"]})
    assert translate_cells(frame, "es")["comment"].tolist() == ["new", "the sofa arrived broken"]


def test_localised_tables_get_their_words_translated_too() -> None:
    data, _ = localise(FRAME, {"mentions": st.column_config.NumberColumn("Mentions", format="%d")}, "es")
    assert "negativo" in data.data["label"].tolist()  # a Styler over the translated frame


@pytest.mark.parametrize("lang", [x for x in LANGUAGES if x != "en"])
def test_every_stored_word_has_a_translation(lang: str) -> None:
    assert untranslated(sorted(set(STORED_WORDS.values())), lang) == []
    assert set(S.SENTIMENT_LABELS) | set(S.CASE_STATUSES) | set(S.RULE_MODES) | set(S.ROLE_NAMES) <= set(STORED_WORDS)
