"""The store's, the settings' and the sign-in screen's sentences in Spanish and French; the English stays.

A database fault (busy, full, read-only), an invalid business setting, a refused
customer id and a PostgreSQL fault render in the reader's language with no English
word left, while ``str(error)`` (what the CLI prints and the logs keep) is the English
sentence character for character. Through AppTest: the Settings page in Spanish
refuses a rate for the reporting currency in Spanish, and the sign-in form reads in
French before anyone has signed in.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from scrm import api, auth
from scrm.db import pg, store
from scrm.db import schema as S
from scrm.db import settings as business
from scrm.errors import ConfigError, DatabaseBusy, DiskFull, NotFound, ReadOnlyDatabase, ScrmError
from scrm.i18n import t
from scrm.ui import auth as access
from scrm.ui import language as ui_language

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
# Words a translation may share with the English: names, and words both languages spell alike.
SHARED = {"SCRM", "SQLite", "scrm", "quota", "PostgreSQL", "page", "mail"}


def english_left(error: ScrmError, lang: str, *values: str) -> set[str]:
    """The English words (4 letters or more) of ``error`` still in its ``lang`` rendering, its values aside."""
    words = set(re.findall(r"[A-Za-z]{4,}", str(error)))
    words -= {w for v in values for w in re.findall(r"[A-Za-z]{4,}", v)} | SHARED
    return words & set(re.findall(r"[A-Za-z]{4,}", error.render(lang)))


# --- the database file -----------------------------------------------------------------------------


BUSY_EN = (
    "x.db is busy: another program (an import, `score`, the app) held its write lock for more than 30 seconds. "
    "Nothing of this change was saved; wait for the other writer to finish and try again."
)


@pytest.mark.parametrize(
    ("sqlite_text", "kind", "english_start", "es", "fr"),
    [
        ("database is locked", DatabaseBusy, BUSY_EN, "Base de datos ocupada (x.db): otro programa",
         "Base de données occupée (x.db) : un autre programme"),
        ("database or disk is full", DiskFull, "The disk holding x.db is full (or its quota is used up).",
         "El disco que contiene x.db está lleno", "Le disque qui contient x.db est plein"),
        ("attempt to write a readonly database", ReadOnlyDatabase, "x.db is read-only: the file, its folder",
         "Base de datos de solo lectura (x.db)", "Base de données en lecture seule (x.db)"),
    ],
)  # fmt: skip
def test_a_busy_full_or_read_only_database_is_told_in_spanish_and_french_and_stays_english_for_the_cli(
    sqlite_text: str, kind: type[ScrmError], english_start: str, es: str, fr: str
) -> None:
    error = store.explain_sqlite_error(sqlite3.OperationalError(sqlite_text), "x.db")
    assert type(error) is kind
    assert str(error).startswith(english_start)
    assert error.render("es").startswith(es) and error.render("fr").startswith(fr)
    for lang in ("es", "fr"):
        assert english_left(error, lang, "x.db") == set(), error.render(lang)


def test_the_busy_sentence_names_the_seconds_and_an_unnamed_database_in_the_readers_words() -> None:
    error = store.explain_sqlite_error(sqlite3.OperationalError("database is locked"))
    assert str(error).startswith("the database is busy: another program")
    assert "(la base de datos)" in error.render("es") and "30 segundos" in error.render("es")
    assert "(la base de données)" in error.render("fr") and "30 secondes" in error.render("fr")


def test_a_damaged_file_is_told_on_a_page_without_asking_for_a_command() -> None:
    error = store.explain_sqlite_error(sqlite3.DatabaseError("file is not a database"), "x.db")
    assert str(error).endswith("or move this one away and run `python -m scrm demo`.")  # the CLI's sentence
    for lang in ("es", "fr"):
        assert "python -m" not in error.render(lang) and "(file is not a database)" in error.render(lang)


class _LockNotAvailable(Exception):
    """Stands in for psycopg's error of a lock not granted in time (SQLSTATE 55P03)."""

    __module__ = "psycopg.errors"
    sqlstate = "55P03"


def test_a_busy_postgresql_database_is_named_with_its_server_in_spanish() -> None:
    error = pg.explain_error(_LockNotAvailable(), "postgresql://me:secret@db.example:6543/crm", 30)
    assert isinstance(error, DatabaseBusy)
    assert str(error).startswith("the PostgreSQL database crm on db.example:6543 is busy")
    assert error.render("es").startswith("Base de datos ocupada (la base de datos PostgreSQL crm en db.example:6543)")
    assert "secret" not in error.render("es") + error.render("fr")


# --- business settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "english", "es", "fr"),
    [
        ({S.META_WEEK_START: "friday"}, "A week cannot start on 'friday'; choose Monday or Sunday.",
         "Una semana no puede empezar en «friday»; elige lunes o domingo.",
         "Une semaine ne peut pas commencer le «\u00a0friday\u00a0» ; choisissez lundi ou dimanche."),
        ({S.META_REPORTING_CURRENCY: "EURO"},
         "The reporting currency 'EURO' is not a currency code; type three letters, such as EUR, GBP or USD.",
         "La moneda de los informes: «EURO» no es un código de moneda; escribe tres letras, como EUR, GBP o USD.",
         "La devise de référence : «\u00a0EURO\u00a0» n’est pas un code de devise ; saisissez trois lettres, "
         "comme EUR, GBP ou USD."),
        ({S.META_REPORTING_CURRENCY: "EUR", S.META_EXCHANGE_RATES: {"GBP": ("abc", "2026-10-01")}},
         "The rate of GBP 'abc' is not a positive number; type what one GBP is worth in EUR, such as 1.17.",
         "El tipo de cambio de GBP «abc» no es un número positivo; escribe cuánto vale un GBP en EUR, como 1,17.",
         "Le taux de GBP «\u00a0abc\u00a0» n’est pas un nombre positif ; saisissez ce que vaut un GBP en EUR, "
         "par exemple 1,17."),
        ({S.META_SENTIMENT_ACCURATE_SECONDS: "9000"}, "9000 seconds is out of range. Type a number from 0 (off) to 3600.",
         "9000 segundos está fuera del rango. Escribe un número de 0 (desactivado) a 3600.",
         "9000 secondes est hors de la plage permise. Saisissez un nombre de 0 (désactivé) à 3600."),
    ],
)  # fmt: skip
def test_an_invalid_business_setting_is_refused_in_spanish_and_french_with_the_english_unchanged(
    changes: dict[str, Any], english: str, es: str, fr: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        business.check_settings(changes)
    assert (str(caught.value), caught.value.render("es"), caught.value.render("fr")) == (english, es, fr)


def test_a_customer_id_nobody_has_is_refused_in_french(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "scrm.db")
    try:
        with pytest.raises(NotFound) as caught:
            api.export_person(db, "C-404", actor="ada")
    finally:
        db.close()
    assert str(caught.value).startswith("No customer has the id 'C-404'. Find the id on the Customer 360")
    assert caught.value.render("fr").startswith("Aucun client n’a l’identifiant «\u00a0C-404\u00a0». Trouvez")
    assert "Client 360" in caught.value.render("fr") and english_left(caught.value, "fr", "C-404") == set()


def test_a_short_password_is_refused_in_spanish_with_its_count_and_the_cli_keeps_the_english() -> None:
    with pytest.raises(auth.PasswordRejected) as caught:
        auth.hash_new_password("short", "short")
    assert str(caught.value) == "The password has 5 characters. Use at least 8."
    assert caught.value.render("es") == "La contraseña tiene 5 caracteres. Usa al menos 8."
    assert auth.new_password_problem("short") == "The password has 5 characters. Use at least 8."


# --- the Settings page in Spanish -------------------------------------------------------------------


@pytest.fixture
def rated_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Orders in EUR and GBP, EUR reported, and a stored GBP rate."""
    path = tmp_path / "shop.db"
    db = store.open_db(path)
    try:
        store.upsert_rows(
            db, S.ORDERS, ["order_id", "customer_id", "ordered_at", "amount", "currency"],
            [("o1", "c1", "2026-09-12T10:00:00", 100.0, "EUR"), ("o2", "c2", "2026-09-13T10:00:00", 80.0, "GBP")],
        )  # fmt: skip
        api.save_settings(
            db, {S.META_REPORTING_CURRENCY: "EUR", S.META_EXCHANGE_RATES: {"GBP": (1.17, "2026-09-01")}}, actor="ada"
        )  # fmt: skip
    finally:
        db.close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    return path


def test_the_settings_page_in_spanish_refuses_a_rate_for_the_reporting_currency_in_spanish(
    rated_shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Spanish browser: the test's own thread then formats the form's choices as the page does when it clicks.
    monkeypatch.setattr(ui_language, "_from_browser", lambda: "es")
    at = AppTest.from_file(str(ROOT / "pages" / "settings.py"), default_timeout=TIMEOUT)
    at.session_state["app_routed"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # GBP becomes the reporting currency while its rate row is still in the table: a contradiction.
    at.selectbox(key="settings_currency").set_value("GBP")
    next(b for b in at.button if b.label == t("Save settings", "es")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]  # the red box escapes markdown
    assert shown == ["GBP es la moneda de los informes: no necesita tipo de cambio. Quita esa fila."]
    db = store.open_db(rated_shop, create=False)
    try:
        assert store.get_meta(db, S.META_REPORTING_CURRENCY) == "EUR"  # nothing was stored
    finally:
        db.close()


# --- the sign-in screen in French -------------------------------------------------------------------

SECRETS: dict[str, Any] = {
    "access": {"mode": "password", "users": {"vera": {"role": "viewer", "password_hash": auth.hash_password("viewer-secret-1")}}}
}


@pytest.fixture
def empty_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "scrm.db"
    store.open_db(path).close()
    monkeypatch.setenv(store.ENV_DB, str(path))
    monkeypatch.setattr(auth, "FAILURE_DELAY_SECONDS", 0.0)  # no wait after the wrong password
    access._failures_by_name.clear()
    return path


def test_the_sign_in_form_reads_in_french_and_refuses_a_wrong_password_in_french(empty_app: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.secrets.update(SECRETS)
    at.query_params["ui_lang"] = "fr"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Connexion à scrm"
    assert [w.label for w in at.text_input] == ["Nom d’utilisateur", "Mot de passe"]
    assert [b.label for b in at.button] == ["Se connecter"]
    at.text_input(key="auth_name").input("vera")
    at.text_input(key="auth_password").input("not-her-password")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [
        "Le nom d’utilisateur ou le mot de passe n’est pas correct. Vérifiez les deux et réessayez."
    ]
    access._failures_by_name.clear()


def test_a_viewer_opening_the_data_page_is_refused_in_french_naming_the_page_in_french(empty_app: Path) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=TIMEOUT)
    at.secrets.update(SECRETS)
    at.session_state["app_routed"] = True
    at.session_state[access.USER_KEY] = auth.User("vera", "viewer")
    at.query_params["ui_lang"] = "fr"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [
        "La page Données n’est pas ouverte à votre rôle (viewer) : elle demande le rôle analyst. "
        "Demandez à un administrateur de vous le donner dans les réglages d’accès."
    ]


def test_a_configuration_error_on_the_sign_in_screen_is_told_in_spanish() -> None:
    with pytest.raises(ConfigError) as caught:
        auth.parse_config({"access": {"mode": "ldap"}})
    assert str(caught.value).startswith(".streamlit/secrets.toml: [access] mode 'ldap' is not known;")
    assert caught.value.render("es") == (
        ".streamlit/secrets.toml: el mode 'ldap' de [access] no existe; usa mode = \"password\" o mode = \"oidc\", "
        "o quita la sección [access] para desactivar el inicio de sesión. Hasta que se corrija, nadie puede iniciar sesión."
    )
    assert json.dumps(caught.value.message.to_json())  # stored whole, like any message


def test_a_refused_report_logo_is_told_in_spanish_and_nothing_is_stored(tmp_path: Path) -> None:
    db = store.open_db(tmp_path / "scrm.db")
    try:
        with pytest.raises(ConfigError) as caught:
            api.save_report_brand(db, logo=b"<svg onload='x'/>", actor="ada")
        assert store.get_meta(db, "report_logo") is None
    finally:
        db.close()
    assert str(caught.value) == "The logo must be a PNG or JPEG image (SVG and other formats are refused)."
    assert caught.value.render("es") == "El logotipo debe ser una imagen PNG o JPEG (SVG y otros formatos no se aceptan)."
