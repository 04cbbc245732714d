"""The interface in Spanish and French through AppTest: titles, menu, sidebar and locale-formatted figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scrm import compute
from scrm.db import store
from scrm.i18n import formats as F
from scrm.ui.language import browser_language
from scrm.views import kpis

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60
PERIOD = {"from": "2026-07-27", "to": "2026-08-02"}
EXPECTED = {
    "es": {"title": "Resumen", "tile": "Menciones", "subheaders": ["Tendencias semanales", "Alertas de este periodo", "Qué ha cambiado"],
           "filters": "Periodo", "language": "Idioma de la interfaz", "dates": "27 jul 2026 – 2 ago 2026"},
    "fr": {"title": "Vue d’ensemble", "tile": "Mentions", "subheaders": ["Tendances par semaine", "Alertes de la période", "Ce qui a bougé"],
           "filters": "Période", "language": "Langue de l’interface", "dates": "27 juil. 2026 – 2 août 2026"},
}  # fmt: skip


@pytest.fixture(scope="module")
def scored_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scrm.demo import build_demo

    path = tmp_path_factory.mktemp("languages") / "scrm.db"
    db = store.open_db(path)
    try:
        build_demo(db, scale="tiny")
        compute.run_all(db)
    finally:
        db.close()
    return path


def open_app(path: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv(store.ENV_DB, str(path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_the_overview_in_spanish_and_french_shows_translated_titles_and_locale_numbers(
    lang: str, scored_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_app(scored_demo, monkeypatch, ui_lang=lang, **PERIOD)
    want = EXPECTED[lang]
    assert at.title[0].value == want["title"]
    assert [s.value for s in at.subheader] == want["subheaders"]
    assert at.sidebar.date_input[0].label == want["filters"]
    assert at.sidebar.selectbox(key="app_lang_select").label == want["language"]
    assert any(want["dates"] in m.value for m in at.markdown)
    # The Mentions tile is the dictionary's KPI written the locale's way (1.234 / 1 234, never 1,234).
    db = store.open_db(scored_demo, create=False)
    try:
        mentions = kpis.compute_kpis(db, PERIOD["from"], PERIOD["to"])["mentions"]["value"]
    finally:
        db.close()
    tile = next(m for m in at.metric if m.label == want["tile"])
    assert tile.value == F.format_compact(mentions, lang)
    # Percent tiles carry the locale's decimal comma and spaced percent sign.
    repeat = next(m for m in at.metric if m.label.startswith({"es": "Tasa de repetición", "fr": "Taux de réachat"}[lang]))
    assert repeat.value == "—" or ("," in repeat.value and "\xa0%" in repeat.value)
    # The help of a tile is the KPI definition in the language.
    assert {"es": "Número de menciones del periodo", "fr": "Nombre de mentions de la période"}[lang] in tile.help


def test_the_overview_stays_in_english_without_a_choice(scored_demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(scored_demo, monkeypatch, **PERIOD)
    assert at.title[0].value == "Overview"
    assert at.sidebar.selectbox(key="app_lang_select").value == "en"


def test_choosing_french_in_the_sidebar_translates_the_page_and_keeps_the_choice_in_the_link(
    scored_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_app(scored_demo, monkeypatch, **PERIOD)
    at.sidebar.selectbox(key="app_lang_select").set_value("fr").run()
    assert not at.exception
    assert at.title[0].value == "Vue d’ensemble"
    assert at.query_params["ui_lang"] in ("fr", ["fr"])
    at.run()  # the next run keeps it
    assert at.title[0].value == "Vue d’ensemble"


@pytest.mark.parametrize(
    ("locale", "accept", "expected"),
    [("es-ES", None, "es"), ("fr-FR", "en", "fr"), (None, "de-DE,fr-CA;q=0.8", "fr"), ("de-DE", None, "en"), (None, None, "en")],
)
def test_the_browser_language_is_the_default_and_english_the_fallback(
    locale: str | None, accept: str | None, expected: str
) -> None:
    assert browser_language(locale, accept) == expected


PAGE_TITLES = {
    "settings": {"es": "Configuración", "fr": "Paramètres"},
    "segments": {"es": "Segmentos", "fr": "Segments"},
    "journey": {"es": "Mapa del recorrido", "fr": "Carte du parcours"},
    "advocates": {"es": "Defensores y detractores", "fr": "Défenseurs et détracteurs"},
    "identity": {"es": "Revisión de identidades", "fr": "Revue des identités"},
    "rules": {"es": "Reglas de trabajo", "fr": "Règles de traitement"},
    "privacy": {"es": "Solicitudes de privacidad", "fr": "Demandes RGPD"},
}


@pytest.mark.parametrize("page", sorted(PAGE_TITLES))
@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_translated_page_opens_in_spanish_and_french_without_an_error(
    page: str, lang: str, scored_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_app(scored_demo, monkeypatch, ui_lang=lang)
    at.switch_page(f"pages/{page}.py").run()  # through the router, as a click in the menu
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = [x.value for x in at.title] + [x.value for x in at.header] + [x.value for x in at.subheader]
    assert PAGE_TITLES[page][lang] in shown or any(PAGE_TITLES[page][lang] in s for s in shown), shown
