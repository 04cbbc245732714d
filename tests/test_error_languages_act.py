"""The team's refusals read in Spanish and French: cases, workflow rules, identity review, replies, channels.

Each test walks a real refusal through :mod:`scrm.api` (the door the pages use) and checks what
each reader gets: ``str(error)``, the English sentence the command line, the logs and the older
tests read, unchanged; and the Spanish and French sentences a page's red box shows, with none of
the English sentence's words left in them. The last test saves a rule on the Rules page in French.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import sqlite_utils
from pytest_httpserver import HTTPServer
from streamlit.testing.v1 import AppTest
from test_identity_review import ANA, build

from scrm import api, ui
from scrm.act import notify as N
from scrm.act import review as R
from scrm.act import rules as W
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import CaseError, NotFound, NotifyError, ReviewRefused, RuleError, ScrmError
from scrm.i18n import catalog, t
from scrm.i18n.formats import format_number
from scrm.ui import language
from scrm.views import sources as V

ROOT = Path(__file__).resolve().parent.parent


def english_left(error: ScrmError, lang: str, *, same: tuple[str, ...] = ()) -> list[str]:
    """The words of the error's English sentence (its own words, not the values, not `code`)
    still in its ``lang`` render; ``same``: words both languages spell alike."""
    keys = list(error.message.catalog_keys())
    words = {
        w.lower()
        for key in keys
        for w in re.findall(r"[A-Za-z]{4,}", re.sub(r"`[^`]*`|\{\w+\}", " ", key))
    } - {w.lower() for w in same}
    shown = error.render(lang).lower()
    return sorted(w for w in words if re.search(rf"\b{w}\b", shown))


def refusal(kind: type[ScrmError], call: object, *args: object, **kwargs: object) -> ScrmError:
    with pytest.raises(kind) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


@pytest.fixture
def db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    """Two suggested pairs for the Twitter profile anag (customers C1 and C2), one handle link, a rule match applied."""
    build(fresh_db)
    return fresh_db


# --- cases ---------------------------------------------------------------------------------------


def test_a_case_note_left_empty_is_refused_in_spanish_and_french_and_keeps_its_english(db: sqlite_utils.Database) -> None:
    case_id = api.open_case(db, customer_id="C1", actor="ana").case_id
    e = refusal(CaseError, api.update_case, db, case_id, {"note": "   "}, actor="ana")
    assert str(e) == "The note is empty; write what was done or agreed, then save."
    assert e.render("es") == "La nota está vacía; escribe lo que se hizo o se acordó y guarda."
    assert e.render("fr") == "La note est vide ; écrivez ce qui a été fait ou convenu, puis enregistrez."
    assert english_left(e, "es") == [] and english_left(e, "fr", same=("note",)) == []


def test_a_note_too_long_gives_its_figures_in_the_readers_digits(db: sqlite_utils.Database) -> None:
    case_id = api.open_case(db, customer_id="C1", actor="ana").case_id
    e = refusal(CaseError, api.update_case, db, case_id, {"note": "x" * 12345}, actor="ana")
    assert str(e) == "The note has 12,345 characters; keep it under 2,000 (link a document instead)."
    for lang in ("es", "fr"):
        assert format_number(12345, lang) in e.render(lang) and format_number(2000, lang) in e.render(lang)
        assert english_left(e, lang, same=("note", "document")) == []


def test_an_sla_that_is_not_a_number_names_the_priority_in_the_readers_words(db: sqlite_utils.Database) -> None:
    e = refusal(CaseError, api.set_sla_hours, db, {"high": "soon"}, actor="ana")
    assert str(e) == (
        "The SLA for high priority must be a number of hours between 0.5 and 8760 (a year); 'soon' is not. "
        "Type a number such as 8."
    )
    assert e.render("es") == (
        "El SLA de la prioridad alta debe ser un número de horas entre 0,5 y 8760 (un año); «soon» no lo es. "
        "Escribe un número como 8."
    )
    assert e.render("fr").startswith("Le SLA de la priorité haute doit être un nombre d’heures entre 0,5 et 8760")
    assert english_left(e, "es", same=("soon",)) == [] and english_left(e, "fr", same=("soon",)) == []


def test_opening_a_case_on_nothing_and_a_missing_case_are_refused_in_french(db: sqlite_utils.Database) -> None:
    e = refusal(CaseError, api.open_case, db, actor="ana")
    assert str(e) == "Select a mention, an alert or a customer to open a case on."
    assert e.render("fr") == "Sélectionnez une mention, une alerte ou un client sur lequel ouvrir un dossier."
    missing = refusal(NotFound, api.update_case, db, 999, {"status": "resolved"}, actor="ana")
    assert str(missing) == "Case 999 does not exist (it may have been erased). Pick a case from the Rescue queue list."
    assert missing.render("es") == (
        "El caso 999 no existe (puede que se haya borrado). Elige un caso de la lista de la Cola de rescate."
    )
    assert english_left(e, "fr", same=("mention",)) == [] and english_left(missing, "es") == []


def test_a_reply_left_empty_is_refused_before_anything_is_posted(db: sqlite_utils.Database) -> None:
    case_id = api.open_case(db, customer_id="C1", actor="ana").case_id
    e = refusal(CaseError, api.post_reply, db, case_id, " ", actor="ana")
    assert str(e) == "The reply is empty; write what the brand answers, then approve it."
    assert e.render("es") == "La respuesta está vacía; escribe lo que contesta la marca y apruébala."
    assert english_left(e, "es") == [] and english_left(e, "fr") == []


# --- workflow rules ----------------------------------------------------------------------------


def test_a_rule_with_a_threshold_out_of_range_is_refused_with_the_rule_named_in_spanish_and_french(
    db: sqlite_utils.Database,
) -> None:
    rule = W.Rule("Quejas", conditions={"confidence_min": 2})
    e = refusal(RuleError, api.save_rule, db, rule, actor="ana")
    assert str(e) == (
        "Rule “Quejas”, condition `confidence_min`: 2 is outside 0 to 1. Use a confidence from 0 to 1, such as 0.7 for 70%."
    )
    assert e.render("es") == (
        "La regla «Quejas», condición `confidence_min`: 2 está fuera del rango de 0 a 1. "
        "Usa una confianza de 0 a 1, como 0,7 para un 70\u00a0%."
    )
    assert e.render("fr") == (
        "La règle « Quejas », condition `confidence_min` : 2 est hors de l’intervalle 0 à 1. "
        "Indiquez une confiance de 0 à 1, par exemple 0,7 pour 70\u00a0%."
    )
    assert english_left(e, "es") == [] and english_left(e, "fr", same=("condition",)) == []
    assert all(r.name != "Quejas" for r in W.list_rules(db))


def test_a_rule_choice_refused_lists_the_choices_with_the_readers_or(db: sqlite_utils.Database) -> None:
    e = refusal(RuleError, api.save_rule, db, W.Rule("", target="author"), actor="ana")
    assert str(e) == "The rule has no name. Give it a short name, such as “Negative mention from a top customer”."
    e = refusal(RuleError, api.save_rule, db, W.Rule("x", conditions={"sentiment": ["angry"]}), actor="ana")
    assert str(e) == (
        "Rule “x”, condition `sentiment`: 'angry' is not a sentiment label. Use positive, neutral, negative or unscored."
    )
    assert e.render("es") == (
        "La regla «x», condición `sentiment`: «angry» no es una etiqueta de sentimiento. "
        "Usa positive, neutral, negative o unscored."
    )
    assert e.render("fr").endswith("n’est pas une étiquette de sentiment. Utilisez positive, neutral, negative ou unscored.")


def test_a_proposal_decided_twice_is_refused_in_spanish_and_french(db: sqlite_utils.Database) -> None:
    e = refusal(RuleError, api.decide_match, db, 1, True, actor="ana")  # the fixture's match 1 was applied
    assert str(e) == "Rule match 1 was already applied. Reload the page to see the current proposals."
    assert e.render("es") == (
        "La coincidencia de regla 1 ya se aplicó. Vuelve a cargar la página para ver las propuestas actuales."
    )
    assert e.render("fr").startswith("La correspondance de règle 1 a déjà été appliquée.")
    assert english_left(e, "es") == [] and english_left(e, "fr", same=("page",)) == []
    gone = refusal(NotFound, api.decide_match, db, 42, False, actor="ana")
    assert str(gone) == "There is no rule match 42. Reload the page to see the current proposals."
    assert english_left(gone, "fr", same=("page",)) == []


# --- identity review ----------------------------------------------------------------------------


def test_an_identity_decision_taken_twice_is_refused_in_spanish_and_french(db: sqlite_utils.Database) -> None:
    api.review_link(db, "accept", ANA, "C1", actor="ana")
    e = refusal(ReviewRefused, api.review_link, db, "accept", ANA, "C1", actor="ana")
    assert str(e) == f"Cannot accept profile {ANA} with customer C1: it is linked already; use Unlink to undo a link."
    assert e.render("es") == (
        f"No se puede aceptar el perfil {ANA} con el cliente C1: ya está vinculado; desvincúlalo para deshacer un vínculo."
    )
    assert e.render("fr") == (
        f"Impossible d’accepter le profil {ANA} avec le client C1 : il est déjà lié ; déliez-le pour défaire un lien."
    )
    assert english_left(e, "es") == [] and english_left(e, "fr") == []


def test_a_decision_undone_twice_is_refused_with_when_and_by_whom(db: sqlite_utils.Database) -> None:
    decision = api.review_link(db, "reject", ANA, "C2", actor="ana")
    api.review_link(db, "undo", decision.review_id, actor="bruno")
    e = refusal(ReviewRefused, api.review_link, db, "undo", decision.review_id, actor="ana")
    assert re.fullmatch(rf"Decision {decision.review_id} was already undone at \S+ by bruno\.", str(e))
    assert re.fullmatch(rf"La decisión {decision.review_id} ya se deshizo el \S+ por bruno\.", e.render("es"))
    assert re.fullmatch(rf"La décision {decision.review_id} a déjà été annulée le \S+ par bruno\.", e.render("fr"))


def test_a_decision_a_later_one_depends_on_is_refused_naming_it_in_the_readers_words(db: sqlite_utils.Database) -> None:
    first = api.review_link(db, "accept", ANA, "C1", actor="ana")
    later = api.review_link(db, "unlink", ANA, "C1", actor="ana")
    e = refusal(ReviewRefused, api.review_link, db, "undo", first.review_id, actor="ana")
    assert str(e) == (
        f"Decision {first.review_id} cannot be undone yet: later decision {later.review_id} changed the same rows. "
        "Undo it first, newest first."
    )
    assert e.render("es") == (
        f"La decisión {first.review_id} aún no se puede deshacer: la decisión posterior {later.review_id} cambió las "
        "mismas filas. Deshazla primero, de la más reciente a la más antigua."
    )
    assert english_left(e, "fr") == [] and english_left(e, "es") == []


@pytest.mark.parametrize(
    ("conditions", "fr"),
    [
        ({"min_followers": 1.5}, "« 1.5 » n’est pas un nombre entier. Indiquez un nombre entier d’abonnés"),
        ({"score_min": "low"}, "« low » n’est pas un nombre. Indiquez un score de sentiment de -1"),
    ],
)
def test_a_threshold_that_is_not_a_number_is_refused_in_french(
    db: sqlite_utils.Database, conditions: dict[str, object], fr: str
) -> None:
    e = refusal(RuleError, api.save_rule, db, W.Rule("Seguidores", conditions=conditions), actor="ana")
    assert str(e).startswith("Rule “Seguidores”, condition `")
    assert e.render("fr").startswith("La règle « Seguidores », condition `") and fr in e.render("fr")


def test_merging_a_record_with_itself_and_an_empty_selection_are_refused_in_french(db: sqlite_utils.Database) -> None:
    e = refusal(ReviewRefused, api.review_link, db, "merge", "C1", "C1", actor="ana")
    assert str(e) == "Pick two different customer records to merge; both are C1."
    assert e.render("fr") == "Choisissez deux fiches client différentes à fusionner ; les deux sont C1."
    none = refusal(ReviewRefused, api.review_many, db, "accept", [], actor="ana")
    assert english_left(none, "fr", same=("confidence",)) == [] and english_left(none, "es") == []


# --- notification channels ------------------------------------------------------------------------


def test_a_notification_channel_with_a_bad_url_is_refused_in_spanish_and_french(db: sqlite_utils.Database) -> None:
    e = refusal(NotifyError, api.add_channel, db, "webhook", "equipo", {"url": "ftp://hooks.example.com/x"}, actor="ana")
    assert str(e) == "url must be a web address starting with http:// or https://, not 'ftp://hooks.example.com/x'."
    assert e.render("es") == (
        "url debe ser una dirección web que empiece por http:// o https://, no 'ftp://hooks.example.com/x'."
    )
    assert e.render("fr") == "url doit être une adresse web commençant par http:// ou https://, pas 'ftp://hooks.example.com/x'."
    assert english_left(e, "es", same=("http", "https")) == [] and english_left(e, "fr", same=("http", "https")) == []


def test_a_channel_missing_a_setting_says_what_to_add_without_a_command_in_spanish_and_french(
    db: sqlite_utils.Database,
) -> None:
    e = refusal(NotifyError, api.add_channel, db, "email", "correo", {"host": "smtp.example.com", "from": "a@example.com"},
                actor="ana")  # fmt: skip
    assert str(e) == "A email channel needs to (recipients, comma-separated): add --set to=VALUE."  # the CLI's flag
    assert e.render("es") == "Un canal email necesita to (destinatarios, separados por comas): añade la línea to=VALOR a sus ajustes."
    assert "--set" not in e.render("es") and "--set" not in e.render("fr")
    assert english_left(e, "es") == [] and english_left(e, "fr") == []


def test_a_webhook_server_that_refuses_the_message_is_reported_in_the_readers_language(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_data("no", status=503)
    channel = N.Channel("equipo", N.WEBHOOK, {"url": httpserver.url_for("/hook")})
    e = refusal(NotifyError, N.send_webhook, channel, N.trial_message())
    assert str(e) == "The webhook of channel 'equipo' answered HTTP 503."
    assert e.render("es") == "El webhook del canal 'equipo' respondió HTTP 503."
    assert e.render("fr") == "Le webhook du canal 'equipo' a répondu HTTP 503."


def test_a_failed_delivery_keeps_its_english_and_reads_in_the_readers_language_on_the_sources_lists(
    db: sqlite_utils.Database, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    api.add_channel(db, "webhook", "equipo", {"url": httpserver.url_for("/hook")}, actor="ana")
    delivery = N.send_test(db, "equipo", sleep=lambda _: None)
    english = "The webhook of channel 'equipo' answered HTTP 500."
    assert (delivery.status, delivery.error) == (S.DELIVERY_FAILED, english)
    assert [c["last_error"] for c in V.channel_records(db)] == [english]  # `notify list --json` keeps the English
    assert [c["last_error"] for c in V.channel_records(db, "fr")] == ["Le webhook du canal 'equipo' a répondu HTTP 500."]
    assert V.deliveries_frame(db, lang="es")["error"].tolist() == ["El webhook del canal 'equipo' respondió HTTP 500."]
    assert V.deliveries_frame(db)["error"].tolist() == [english]
    assert "error_message" not in V.deliveries_frame(db).columns


def test_a_failed_delivery_is_stored_and_read_with_its_message_on_postgres(pg_url: str, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_data("down", status=502)
    db = store.open_db(pg_url)
    try:
        api.add_channel(db, "webhook", "equipo", {"url": httpserver.url_for("/hook")}, actor="ana")
        N.send_test(db, "equipo", sleep=lambda _: None)
        shown = V.deliveries_frame(db, lang="fr")["error"].tolist()
    finally:
        db.close()
    assert shown == ["Le webhook du canal 'equipo' a répondu HTTP 502."]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "A email channel needs to (recipients, comma-separated): add the line to=VALUE to its settings."),
        ("es", "Un canal email necesita to (destinatarios, separados por comas): añade la línea to=VALOR a sus ajustes."),
        ("fr", "Un canal email a besoin de to (destinataires, séparés par des virgules) : ajoutez la ligne to=VALEUR à ses réglages."),
    ],
)
def test_the_sources_page_names_its_settings_box_not_the_command_line_when_a_channel_lacks_a_setting(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    monkeypatch.setattr(language, "lang", lambda: lang)  # see the Rules page test below
    at = AppTest.from_file(str(ROOT / "pages" / "sources.py"), default_timeout=60)
    at.session_state["app_routed"] = True
    at.query_params["ui_lang"] = lang
    at.run()
    at.selectbox(key="sources_channel_kind").set_value("email")
    at.text_input(key="sources_channel_name").set_value("correo")
    at.text_area(key="sources_channel_settings").set_value("host=smtp.example.com\nfrom=a@example.com")
    at.button(key=f"FormSubmitter:sources_channel-{t('Add channel', lang)}").click().run()
    assert not at.exception, [x.value for x in at.exception]
    assert [x.value for x in at.error] == [ui.escape_markdown(expected)]


def test_the_test_notification_stays_english_text_not_a_message_key() -> None:
    notice = N.trial_message()
    assert notice.subject == N.TRIAL_SUBJECT == "scrm: test message"
    assert notice.text.startswith("scrm: test message.\n")


# --- sentences chosen at run time -----------------------------------------------------------------


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_sentence_the_act_floor_picks_at_run_time_has_a_translation(lang: str) -> None:
    """Keys a source scan cannot see: picked from a table by verb or outcome, or a setting's description."""
    keys = [*R._CANNOT.values(), *W._ALREADY.values(), *S.PRIORITIES, R.MANUAL_EVIDENCE]
    keys += [N.SETTINGS[kind][key] for kind, required in N.REQUIRED.items() for key in required]
    keys += list(N.FORM_WORDING.values())
    have = catalog(lang)
    assert [k for k in keys if k not in have] == []
    assert [k for k in keys if _fields(k) != _fields(have[k])] == []


# --- a page -------------------------------------------------------------------------------------


def test_the_rules_page_in_french_refuses_a_reply_rule_without_a_template_in_french(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # AppTest writes the options of every selectbox again outside the run, where no address says the
    # language; pinning the reader's language for the process keeps those labels French as well.
    monkeypatch.setattr(language, "lang", lambda: "fr")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["ui_lang"] = "fr"
    at.run()
    at.switch_page("pages/rules.py").run()
    assert not at.exception, [x.value for x in at.exception]
    at.text_input(key="rules_f0_name").input("Demandes d’aide")
    at.selectbox(key="rules_f0_action").set_value(W.SUGGEST_REPLY)
    at.button(key=f"FormSubmitter:rules_form_0-{t('Save rule', 'fr')}").click().run()
    assert not at.exception, [x.value for x in at.exception]
    expected = (
        "La règle « Demandes d’aide », action suggest_reply, paramètre `template` : le modèle de réponse est vide. "
        "Écrivez la réponse à suggérer."
    )
    assert [x.value for x in at.error] == [ui.escape_markdown(expected)]
    db = store.open_db(empty_db, create=False)
    try:
        assert "Demandes d’aide" not in [r.name for r in W.list_rules(db)]
    finally:
        db.close()
