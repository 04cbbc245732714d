"""An alert's sentence and a segment's words on the Overview and in the report are written in the reader's
language (issue 14)."""

from __future__ import annotations

import html

import pandas as pd
import pytest
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.export import report as R
from scrm.views import overview as O
from tests.test_overview import CURRENT, add_week

SENTENCES = {
    "en": "Negative-sentiment spike · Rival: 12 negative mentions on the peak day against 3.0 a day before, 4.0× the usual",
    "es": "Pico de sentimiento negativo · Rival: 12 menciones negativas en el día pico frente a 3,0 al día antes, 4,0× lo habitual",
}


@pytest.fixture
def week_db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    add_week(fresh_db)
    return fresh_db


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_alert_of_the_period_is_described_in_the_readers_language(week_db: sqlite_utils.Database, lang: str) -> None:
    alerts = O.open_alerts(week_db, CURRENT, O.resolve_periods(week_db, CURRENT), lang=lang)
    assert alerts["what"].tolist() == [SENTENCES[lang]]


def test_the_spanish_report_lists_the_alert_in_spanish(week_db: sqlite_utils.Database) -> None:
    page = html.unescape(R.build_report_html(week_db, CURRENT, masked=False, lang="es"))
    assert SENTENCES["es"] in page
    assert "on the peak day" not in page


def test_a_segment_mover_is_named_from_its_stored_message_and_an_older_one_keeps_its_words(
    fresh_db: sqlite_utils.Database,
) -> None:
    store.replace_table(fresh_db, S.SEGMENT_PROFILES, pd.DataFrame({
        "segment_id": [2, 3], "description": ["low value, lapsed buyers", "top value"],
        "description_message": ['{"key":"low value"}', None],
    }))  # fmt: skip
    movers = pd.DataFrame({"key": ["2", "3"], "label": ["2: low value, lapsed buyers", "3: top value"]})
    assert O.name_segments(fresh_db, movers, "es")["label"].tolist() == ["2: valor bajo", "3: top value"]
    assert O.name_segments(fresh_db, movers, "en") is movers
