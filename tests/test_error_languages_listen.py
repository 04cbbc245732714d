"""Analysis and live sources' errors in Spanish and French, their English unchanged.

A source set up wrong, a platform's refusal served on 127.0.0.1, a source paused
after failed runs (stored, then shown on the Sources page), and a CLV report on
too few repeat buyers: each is read in the reader's language, while ``str(error)``
and the stored English, which the command line and scripts read, stay as they were.
"""

from __future__ import annotations

import re
from pathlib import Path

import page_support as support
import pytest
import sqlite_utils
from pytest_httpserver import HTTPServer

from scrm import api
from scrm.analysis.value import clv_report
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError, NotEnoughData, NotFound, SourceError
from scrm.i18n.messages import Message
from scrm.listen import sources as L
from scrm.views import sources as V

FAST = L.Options(budget=5, max_wait=2.0, sleep=lambda s: None)
# Words of the English sentences that neither Spanish nor French uses: one left in a translation is a miss.
ENGLISH = {
    "the", "needs", "need", "add", "must", "refused", "request", "check", "run", "tries", "again", "nothing", "was",
    "stored", "address", "starting", "with", "not", "and", "or", "is", "of", "to", "has", "such", "fit", "model",
    "cannot", "buyers", "bought", "customer", "customers", "days", "different", "repeat", "paused", "after", "failed",
    "runs", "row", "last", "fix", "cause", "press", "resume", "server", "setting", "settings", "one",
}


def english_words(text: str, *values: str) -> set[str]:
    """The English words left in ``text`` once the values it quotes (hosts, ids, names) are taken out."""
    for value in values:
        text = text.replace(value, " ")
    return {w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH}


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on 127.0.0.1 (its default is "localhost"), any free port."""
    return ("127.0.0.1", 0)


@pytest.fixture
def no_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No secrets file of the machine's user leaks into a test."""
    monkeypatch.setattr(L, "SECRETS_FILES", ())
    monkeypatch.chdir(tmp_path)


# --- a source set up wrong ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "settings", "english", "spanish", "french"),
    [
        (
            "mastodon", {"hashtag": "acme"},
            "A mastodon source needs instance (the server's base URL, e.g. https://mastodon.social): add --set instance=VALUE.",
            "Una fuente mastodon necesita instance (la URL base del servidor, p. ej., https://mastodon.social): "
            "añade instance=VALOR a sus ajustes.",
            "Une source mastodon a besoin de instance (l’URL de base du serveur, par ex. https://mastodon.social) : "
            "ajoutez instance=VALEUR à ses réglages.",
        ),
        (
            "rss", {"url": "feed.xml"},
            "url must be a web address starting with http:// or https://, not 'feed.xml'.",
            "url debe ser una dirección web que empiece por http:// o https://, no 'feed.xml'.",
            "url doit être une adresse web commençant par http:// ou https://, pas 'feed.xml'.",
        ),
        (
            "mastodon", {"instance": "https://x.example"},
            "A mastodon source needs hashtag or query or mentions: add one of --set hashtag=VALUE, --set query=VALUE, "
            "--set mentions=VALUE.",
            "Una fuente mastodon necesita hashtag o query o mentions; añade uno de estos ajustes: "
            "hashtag=VALOR, query=VALOR, mentions=VALOR.",
            "Une source mastodon a besoin de hashtag ou query ou mentions ; ajoutez l’un de ces réglages : "
            "hashtag=VALEUR, query=VALEUR, mentions=VALEUR.",
        ),
    ],
    ids=["mastodon-without-instance", "feed-not-http", "mastodon-without-what-to-follow"],
)
def test_a_source_set_up_wrong_reads_in_spanish_and_french_and_keeps_its_english(
    fresh_db: sqlite_utils.Database, kind: str, settings: dict[str, str], english: str, spanish: str, french: str
) -> None:
    with pytest.raises(SourceError) as caught:
        api.add_source(fresh_db, kind, "acme", settings, actor="ana")
    assert str(caught.value) == english
    assert caught.value.render("es") == spanish
    assert caught.value.render("fr") == french
    for lang in ("es", "fr"):
        shown = caught.value.render(lang)
        assert "--set" not in shown, "the page's languages name the setting to add, not a command-line flag"
        assert english_words(shown, "https://mastodon.social", "feed.xml", "http://", "https://") == set(), shown


def test_an_unknown_source_reads_in_spanish_with_the_page_to_look_at_not_a_command(fresh_db: sqlite_utils.Database) -> None:
    with pytest.raises(NotFound) as caught:
        api.set_source_paused(fresh_db, "nope", True, actor="ana")
    assert str(caught.value) == "There is no source named 'nope' (sources: none yet). See `python -m scrm sources list`."
    assert caught.value.render("es") == "No hay ninguna fuente llamada 'nope' (aún no hay fuentes). Consulta la lista en la página Fuentes."


# --- a platform's refusal, served on 127.0.0.1 ------------------------------------------------------------


def test_a_platforms_refusal_reads_in_spanish_and_french_in_the_run_and_the_stored_error(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    host = httpserver.host  # 127.0.0.1, or "localhost" when another module started the shared server first
    api.add_source(fresh_db, "mastodon", "masto", {"instance": httpserver.url_for("/").rstrip("/"), "hashtag": "acme"},
                   actor="ana")
    # What a Mastodon server answers a request whose token it does not accept.
    httpserver.expect_request("/api/v1/timelines/tag/acme").respond_with_json(
        {"error": "The access token is invalid"}, status=401)
    result = api.collect(fresh_db, score_after=False, options=FAST).results[0]

    english = (f"{host} refused the request (HTTP 401): it needs a token, key or app password, or the one given is wrong. "
               "Put it in .streamlit/secrets.toml under [sources.NAME] (see the README, Listening live).")
    assert result.error == english  # what `collect --json` prints and the runs table keeps
    assert result.error_message is not None
    spanish = result.error_message.render("es")
    assert spanish.startswith(f"{host} rechazó la petición (HTTP 401): necesita un token, una clave o una contraseña")
    assert result.error_message.render("fr").startswith(f"{host} a refusé la requête (HTTP 401) : il faut un jeton")
    for lang in ("es", "fr"):
        shown = result.error_message.render(lang)
        assert english_words(shown, host, ".streamlit/secrets.toml", "[sources.NAME]", "Listening live", "README") == set()

    source = L.get_source(fresh_db, "masto")
    assert source.last_error == english
    assert V.sources_frame(fresh_db, "es")["last_error"].tolist() == [spanish]
    assert V.sources_frame(fresh_db)["last_error"].tolist() == [english]
    # The run's row in "Last runs" too; a run stored by an older version (no message) keeps its English.
    assert V.runs_frame(fresh_db, lang="es")["error"].tolist() == [spanish]
    assert V.runs_frame(fresh_db)["error"].tolist() == [english]
    fresh_db.execute(f"UPDATE {S.COLLECTIONS} SET error_message = NULL")
    assert V.runs_frame(fresh_db, lang="es")["error"].tolist() == [english]


def test_an_address_that_is_not_the_api_is_named_in_french_with_what_was_missing(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer, no_secrets: None
) -> None:
    api.add_source(fresh_db, "hackernews", "hn", {"base_url": httpserver.url_for("/api/v1"), "query": "acme"}, actor="ana")
    httpserver.expect_request("/api/v1/search_by_date").respond_with_json({"results": []})  # JSON, but not Algolia's
    probe = api.probe_source(fresh_db, "hn")
    host = httpserver.url_for("/").split("//")[1].rstrip("/")  # 127.0.0.1 and the port
    assert probe.error == (f"{host} sent a page without a list of hits; nothing of it was stored. "
                           "Check the source's address (it may not be this kind of server).")
    assert probe.error_message is not None
    assert probe.error_message.render("fr") == (
        f"{host} a envoyé une page sans une liste de résultats ; rien n’en a été enregistré. "
        "Vérifiez l’adresse de la source (ce n’est peut-être pas ce type de serveur).")


# --- a paused source on the Sources page ------------------------------------------------------------


def pause_by_failures(db: sqlite_utils.Database, server: HTTPServer) -> None:
    """A Hacker News source whose address has no such page, run until it is paused."""
    api.add_source(db, "hackernews", "hn", {"base_url": server.url_for("/api/v1"), "query": "acme"}, actor="ana")
    server.expect_request("/api/v1/search_by_date").respond_with_data("gone", status=404)
    for _ in range(L.PAUSE_AFTER):
        api.collect(db, score_after=False, options=FAST)
    assert L.get_source(db, "hn").state == S.SOURCE_PAUSED


def test_the_sources_page_in_spanish_says_why_a_source_is_paused_in_spanish(
    empty_db: Path, httpserver: HTTPServer, no_secrets: None
) -> None:
    db = store.open_db(empty_db, create=False)
    try:
        pause_by_failures(db, httpserver)
        stored = L.get_source(db, "hn").paused_reason
    finally:
        db.close()
    # The stored English, for `sources list` and scripts, is as it always was.
    host = httpserver.host
    assert stored is not None and stored.startswith(f"Paused after 5 failed runs in a row. Last error: {host} has no such page")
    assert stored.endswith("Fix the cause, then resume it (sources resume NAME, or the Sources page).")

    at = support.open_page("sources", ui_lang="es")
    warning = at.warning[0].value.replace("\\", "")  # escaped as markdown on the page
    assert warning.startswith(f"hn: Pausada tras 5 ejecuciones fallidas seguidas. Último error: {host}")
    assert "no tiene esa página (HTTP 404)" in warning
    assert warning.endswith("Corrige la causa y pulsa Reanudar.")
    assert english_words(warning, host, "hn:") == set(), warning
    table = at.dataframe[0].value
    assert table["paused_reason"].iloc[0].startswith("Pausada tras 5 ejecuciones fallidas seguidas.")
    assert table["last_error"].iloc[0].startswith(host) and "no tiene esa página (HTTP 404)." in table["last_error"].iloc[0]

    english = support.open_page("sources", ui_lang="en").warning[0].value.replace("\\", "")
    assert "sources resume" not in english and english.endswith("Fix the cause, then press Resume.")


def test_a_source_paused_by_hand_reads_in_french_and_resuming_clears_both_sentences(fresh_db: sqlite_utils.Database) -> None:
    api.add_source(fresh_db, "hackernews", "hn", {"query": "acme"}, actor="ana")
    source = api.set_source_paused(fresh_db, "hn", True, actor="ana")
    assert source.paused_reason == "Paused by ana."
    assert V.sources_frame(fresh_db, "fr")["paused_reason"].tolist() == ["Suspendue par ana."]
    source = api.set_source_paused(fresh_db, "hn", False, actor="ana")
    assert source.paused_reason is None and source.paused_message is None
    assert V.sources_frame(fresh_db, "fr")["paused_reason"].isna().all()


def test_a_source_stored_by_an_older_version_keeps_its_english_reason(db_path: Path) -> None:
    store.open_db(db_path).close()
    raw = sqlite_utils.Database(db_path)
    for column in ("paused_message", "last_error_message"):  # a schema-5 file from before these columns
        raw.execute(f'ALTER TABLE "{S.SOURCES}" DROP COLUMN "{column}"')
    raw.execute(
        f"INSERT INTO {S.SOURCES} (name, kind, settings, cursor, state, failures, paused_reason, last_error) "
        "VALUES ('old', 'rss', '{}', '{}', 'paused', 5, 'Paused after 5 failed runs in a row.', 'It broke.')"
    )
    raw.conn.commit()
    raw.close()
    db = store.open_db(db_path)  # the open adds the columns
    try:
        assert {"paused_message", "last_error_message"} <= set(db[S.SOURCES].columns_dict)
        frame = V.sources_frame(db, "es")
        assert frame[["paused_reason", "last_error"]].values.tolist() == [["Paused after 5 failed runs in a row.", "It broke."]]
    finally:
        db.close()


# --- analysis --------------------------------------------------------------------------------------------


def test_a_clv_report_on_too_few_repeat_buyers_reads_in_french(fresh_db: sqlite_utils.Database) -> None:
    orders = [{"order_id": f"o{i}", "customer_id": f"c{i}", "ordered_at": f"2026-03-0{i}", "amount": 10.0 * i}
              for i in range(1, 4)]  # three customers, one order each: nobody bought twice
    fresh_db[S.ORDERS].insert_all(orders)
    with pytest.raises(NotEnoughData) as caught:
        clv_report(fresh_db)
    assert str(caught.value) == (
        "Cannot fit the CLV model: The BG/NBD model needs repeat buyers: no customer bought on two different days.")
    french = caught.value.render("fr")
    assert french == ("Impossible d’ajuster le modèle de CLV : Le modèle BG/NBD demande des clients qui rachètent : "
                      "aucun client n’a acheté sur deux jours différents.")
    assert english_words(french, "CLV", "BG/NBD") == set()


def test_workspace_languages_scrm_does_not_score_are_refused_in_spanish(fresh_db: sqlite_utils.Database) -> None:
    with pytest.raises(ConfigError) as caught:
        api.set_sentiment_languages(fresh_db, "de,en", actor="ana")
    assert str(caught.value) == (
        "Sentiment languages: 'de' is not a language scrm scores. Use en, es or fr, main language first (e.g. es,en).")
    assert caught.value.render("es") == (
        "Idiomas del sentimiento: «de» no es un idioma que scrm puntúe. Usa en, es o fr, con el idioma principal "
        "primero (p. ej., es,en).")


def test_every_connector_setting_help_has_a_spanish_and_french_entry() -> None:
    from scrm.i18n import catalog
    from scrm.listen import CONNECTORS

    helps = {s.help for c in CONNECTORS.values() for s in c.settings}
    for lang in ("es", "fr"):
        assert sorted(h for h in helps if h not in catalog(lang)) == [], lang
    assert Message("the feed's address").render("es") == "la dirección del feed"


def test_a_paused_sources_message_is_written_and_read_on_postgres(
    pg_url: str, httpserver: HTTPServer, no_secrets: None
) -> None:
    db = store.open_db(pg_url)
    try:
        pause_by_failures(db, httpserver)
        frame = V.sources_frame(db, "fr")
    finally:
        db.close()
    assert frame["paused_reason"].iloc[0].startswith(f"Suspendue après 5 passages en échec d’affilée. Dernière erreur : {httpserver.host}")
    assert "n’a pas cette page (HTTP 404)" in frame["last_error"].iloc[0]
