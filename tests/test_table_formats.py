"""Table numbers and KPI notes in the reader's locale, and the alerts' daily cap as a business setting."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlite_utils
import streamlit as st

from scrm import api
from scrm.analysis import alerts
from scrm.db import audit
from scrm.db import schema as S
from scrm.db import settings as business
from scrm.errors import ConfigError
from scrm.i18n import formats as F
from scrm.i18n import t
from scrm.ui import tables
from scrm.ui.notes import translate_note


@pytest.mark.parametrize(
    ("printf", "lang", "value", "shown"),
    [
        ("%+.1f", "es", 12.34, "+12,3"),
        ("%+.1f", "fr", -0.04, "+0,0"),
        ("%+.1f %%", "es", -7.25, "-7,2\xa0%"),
        ("%.1f%%", "fr", 12.5, F.format_percent(12.5, "fr", decimals=1)),
        ("%,.2f", "es", 12345.5, "12.345,50"),
        ("%d", "fr", 1234, "1\u202f234"),
        ("%.2f", "es", None, "—"),
    ],
)
def test_a_printf_format_is_written_in_the_readers_locale(printf: str, lang: str, value: float | None, shown: str) -> None:
    writer = tables.number_formatter(printf, lang)
    assert writer is not None
    assert writer(value) == shown


def test_an_english_table_is_left_as_the_page_wrote_it() -> None:
    frame = pd.DataFrame({"change": [1.5]})
    config = {"change": st.column_config.NumberColumn("Change", format="%+.1f")}
    data, out = tables.localise(frame, config, "en")
    assert data is frame and out == config


def test_a_spanish_table_keeps_its_numbers_and_shows_decimal_commas() -> None:
    frame = pd.DataFrame({"label": ["a", "b"], "change": [1.25, -3.5]})
    config = {"label": st.column_config.TextColumn("Label"), "change": st.column_config.NumberColumn("Cambio", format="%+.1f")}
    data, out = tables.localise(frame, config, "es")
    assert isinstance(data, pd.io.formats.style.Styler)
    assert data.data["change"].tolist() == [1.25, -3.5], "the cells stay numbers: sorting still works"
    html = data.to_html()
    assert "+1,2" in html and "-3,5" in html
    assert out is not None and out["change"]["type_config"]["format"] is None, "a config format would win over the Styler"
    assert out["change"]["label"] == "Cambio"


def test_a_table_too_big_to_style_falls_back_to_the_browsers_locale_format() -> None:
    frame = pd.DataFrame({"change": range(tables.MAX_STYLED_CELLS + 1)})
    config = {"change": st.column_config.NumberColumn("Cambio", format="%d")}
    data, out = tables.localise(frame, config, "fr")
    assert data is frame
    assert out is not None and out["change"]["type_config"]["format"] == "localized"


def test_the_alerts_daily_cap_is_a_business_setting_saved_with_an_audit_entry(fresh_db: sqlite_utils.Database) -> None:
    assert business.alert_daily_cap(fresh_db) == alerts.daily_cap(fresh_db) == 3
    changed = api.save_settings(fresh_db, {S.META_ALERT_DAILY_CAP: 5}, actor="ada")
    assert changed == {S.META_ALERT_DAILY_CAP: "5"}
    assert business.alert_daily_cap(fresh_db) == alerts.daily_cap(fresh_db) == 5
    entry = audit.read_log(fresh_db, actions=(audit.SETTINGS,)).iloc[0]
    assert entry["target"] == S.META_ALERT_DAILY_CAP


@pytest.mark.parametrize("typed", ["0", "many", "51"])
def test_an_alerts_daily_cap_out_of_range_is_refused_with_what_to_type(typed: str) -> None:
    with pytest.raises(ConfigError, match=f"'{typed}' alerts a day is not offered; type a whole number from 1 to 50."):
        business.check_settings({S.META_ALERT_DAILY_CAP: typed})


def test_a_currency_note_is_written_in_french_with_its_figures_in_the_french_way() -> None:
    note = (
        "converted to EUR at 1 GBP = 1.17 EUR (rate of 2026-10-01); 1 USD = 0.92 EUR (rate of 2026-09-30); "
        "1,290 of 3,070 orders in JPY left out: no exchange rate to EUR is set"
    )
    shown = translate_note(note, "fr")
    assert shown.startswith("converti en EUR au taux de 1 GBP = 1,17 EUR (taux du 1 oct. 2026); 1 USD = 0,92 EUR")
    assert shown.endswith("1\u202f290 commandes sur 3\u202f070 en JPY exclues : aucun taux de change vers EUR n'est défini")
    assert " of " not in shown and "left out" not in shown


def test_a_note_the_translator_does_not_know_goes_through_the_catalog_as_it_is() -> None:
    assert translate_note("no survey answers in this range", "es") == t("no survey answers in this range", "es")


def test_a_styled_table_writes_its_other_columns_too_with_a_dash_for_a_missing_value() -> None:
    frame = pd.DataFrame({"share": [12.5, None], "note": ["ok", None], "score": [0.123456, float("nan")]})
    config = {"share": st.column_config.NumberColumn("Cuota", format="%.1f%%")}
    data, _ = tables.localise(frame, config, "es")
    html = data.to_html()
    assert "0,1235" in html and "nan" not in html and "None" not in html
    assert html.count("—") == 3


def test_a_table_with_a_progress_bar_or_a_flag_is_not_styled_and_uses_the_browsers_locale() -> None:
    frame = pd.DataFrame({"share": [12.5], "done": [True]})
    config = {"share": st.column_config.NumberColumn("Cuota", format="%.1f")}
    data, out = tables.localise(frame, config, "fr")
    assert data is frame and out is not None and out["share"]["type_config"]["format"] == "localized"
    bar = {"share": st.column_config.ProgressColumn("Cuota", format="%.1f"), "n": st.column_config.NumberColumn("N", format="%d")}
    data, out = tables.localise(pd.DataFrame({"share": [1.0], "n": [2]}), bar, "fr")
    assert data is not None and not isinstance(data, pd.io.formats.style.Styler)


def test_a_period_without_comparison_is_explained_in_spanish_with_spanish_dates() -> None:
    note = "no comparison: survey answers end on 19 Oct 2026, 12 days before this period ends, so this period is incomplete"
    shown = translate_note(note, "es")
    assert shown == (
        "sin comparación: los datos de respuestas de encuesta terminan el 19 oct 2026, 12 días antes del final de "
        "este periodo, así que este periodo está incompleto"
    )
