"""Engine sentences travel as a message key plus values and are written in the reader's language.

Case notes, the scores' status line, identity evidence and segment descriptions are made by the
engine as :class:`scrm.i18n.messages.Message`; pages render them with the catalogs. Rows stored
in English by older versions (link evidence, segment descriptions) still display, through the
legacy readers of :mod:`scrm.ui.notes`.
"""

from __future__ import annotations

import itertools
import json
import re
import string

import numpy as np
import pandas as pd
import pytest
import sqlite_utils

from scrm.act import cases, review
from scrm.analysis import identity, segments, segments_words
from scrm.db import schema as S
from scrm.db import settings as business
from scrm.db import store
from scrm.i18n import catalog
from scrm.i18n.messages import Message, Moment, Number, Percent, from_json, join
from scrm.ui import notes
from scrm.views import data as data_views
from scrm.views import segments as segment_views
from scrm.views import settings as V

LANGS = ("es", "fr")
# Every kind of engine sentence a page shows, with the catalog keys it is made of.
KINDS: dict[str, tuple[str, ...]] = {
    "case notes": cases.NOTE_MESSAGES,
    "score status": V.STATUS_MESSAGES,
    "identity evidence": identity.EVIDENCE_MESSAGES,
    "segment descriptions": segments_words.DESCRIPTION_MESSAGES,
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# Words that English shares with a translation ("mention", "e-mail", "scores", "import" and "minute" are French too).
COGNATES = {"mention", "mail", "scores", "import", "imports", "minute"}


def english_words(message: Message) -> set[str]:
    """The words of a message's English keys (not its values), four letters or more."""
    words = {w for key in message.catalog_keys() for w in re.findall(r"[a-z]{4,}", re.sub(r"\{\w+\}", "", key))}
    return words - COGNATES


def assert_not_english(message: Message, lang: str) -> str:
    text = message.render(lang)
    left = english_words(message) & set(re.findall(r"[a-z]{4,}", text.lower()))
    assert not left, f"{lang}: {text!r} keeps English words {sorted(left)}"
    return text


# --- the message ----------------------------------------------------------------------------------


def test_a_message_writes_its_figures_the_way_each_language_does() -> None:
    note = Message(cases.MEASURED_ON, {"n": 3, "total": 1204, "days": 90})
    assert note.english() == "measured on the 3 of 1,204 resolved rescue cases whose customer wrote again within 90 days"
    assert str(note) == note.english()
    assert note.render("es") == "medido en 3 de los 1.204 casos de rescate resueltos cuyo cliente volvió a escribir en 90 días"
    assert "1\u202f204" in note.render("fr")


@pytest.mark.parametrize(
    "value, en, es",
    [
        (Number(1234.5, 1), "1,234.5", "1.234,5"),
        (Percent(90.0), "90%", "90\xa0%"),
        (Moment("2026-10-05T09:00", "Europe/Madrid"), "5 Oct 2026 09:00 (Europe/Madrid)", "5 oct 2026 09:00 (Europe/Madrid)"),
        (Message("less than a minute"), "less than a minute", "menos de un minuto"),
        ("Ana Ruiz", "Ana Ruiz", "Ana Ruiz"),
    ],
)
def test_each_kind_of_value_is_written_in_the_readers_locale(value: object, en: str, es: str) -> None:
    message = Message("{x}", {"x": value})  # type: ignore[dict-item]
    assert (message.render("en"), message.render("es")) == (en, es)


def test_a_message_survives_its_json_column_and_anything_else_reads_as_no_message() -> None:
    status = Message(V.BEHIND, {"age": V.age_message(3 * 86400), "changes": Message(V.IMPORTS_SINCE[False], {"n": 2}),
                                "when": Moment("2026-10-05T09:00", "UTC")})  # fmt: skip
    evidence = identity.name_city_evidence("Ana Ruiz", "Ana R.", 0.9, "Madrid", "Madrid, Spain", 0.88)
    for message in (status, evidence, Message(cases.NO_CASES), Message("{n} h", {"n": Number(2.5, 1)})):
        assert from_json(message.to_json()) == message
        assert len({message, from_json(message.to_json())}) == 1  # hashable, as cached values may need
    for text in (None, "", "same city Lyon", "{not json", '{"number": 3}', "[1, 2]"):
        assert from_json(text) is None


def test_a_join_of_phrases_asks_the_catalog_only_for_its_phrases() -> None:
    words = join([Message("high value"), Message(segments_words.ACTIVE_ON, {"platform": "Instagram"})])
    assert list(words.catalog_keys()) == ["high value", segments_words.ACTIVE_ON]
    assert words.render("fr") == "forte valeur, actifs sur Instagram"


# --- every kind has its keys in Spanish and French --------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_engine_sentence_kind_has_a_catalog_entry_with_the_same_placeholders(kind: str, lang: str) -> None:
    have = catalog(lang)
    missing = [key for key in KINDS[kind] if key not in have]
    assert missing == [], f"{kind}: no {lang} translation for {missing}"
    wrong = [key for key in KINDS[kind] if placeholders(have[key]) != placeholders(key)]
    assert wrong == [], f"{kind}: the {lang} translation of {wrong} names other values"


def test_the_catalog_coverage_test_checks_every_kind() -> None:
    assert set(notes.engine_messages()) == {key for keys in KINDS.values() for key in keys}


def made_by_the_engine() -> dict[str, list[Message]]:
    """Messages the engine makes, one of each branch it can take."""
    base = {"queue": cases.RESCUE, "status": cases.RESOLVED, "customer_id": "c1", "opened_at": "2026-10-01T09:00:00",
            "due_at": "2026-10-02T09:00:00", "first_response_at": None, "resolved_at": "2026-10-03T09:00:00",
            "sentiment_before": -0.5, "sentiment_after": None}  # fmt: skip
    frames = [
        pd.DataFrame([base]),
        pd.DataFrame([base, {**base, "customer_id": "c2", "sentiment_after": 0.5}]),
        pd.DataFrame([{**base, "queue": cases.SUPPORT, "status": cases.NEW, "resolved_at": None}]),
    ]
    case_notes = [m for f in frames for m in cases.summarise_cases(f, now="2026-10-09T00:00:00").messages.values()]
    case_notes += list(cases.summarise_cases(frames[0].iloc[:0]).messages.values())
    case_notes += list(cases.summarise_cases(frames[0], "2027-01-01", "2027-01-31").messages.values())
    ages = [V.age_message(s) for s in (10, 600, 7200, 86400 * 5)]
    status = [Message(V.BEHIND, {"age": a, "changes": c, "when": Moment("2026-10-05T09:00", "UTC")})
              for a, c in itertools.product(ages, [Message(V.IMPORTS_SINCE[True], {"n": 1}),
                                                  Message(V.IMPORTS_SINCE[False], {"n": 2}), Message(V.CHANGES_SINCE)])]  # fmt: skip
    evidence = [identity.name_city_evidence("Ana Ruiz", "Ana R.", 0.9, "Madrid", loc, place)
                for loc, place in (("Madrid", 1.0), ("Madrid, Spain", 0.88), (None, 0.0))]  # fmt: skip
    z_values = (-2.0, -0.7, 0.0, 0.7, 2.0)
    words = [
        segments.describe_centre_message(
            pd.Series({"clv": v, "recency_days": r, "orders": o, "mentions": o, "sentiment_90d": v}),
            pd.Series({"clv": 1.0, "orders": 1.0 if o < 0 else 3.0, "sentiment_90d": 0.4 if v > 0 else -0.4}),
            ("instagram", 0.6) if r > 1 else None,
        )
        for v, r, o in itertools.product(z_values, z_values, z_values)
    ]
    return {"case notes": case_notes, "score status": status, "identity evidence": evidence,
            "segment descriptions": words}  # fmt: skip


def test_the_engine_makes_its_sentences_only_from_keys_its_kind_lists() -> None:
    for kind, messages in made_by_the_engine().items():
        assert messages, kind
        used = {key for m in messages for key in m.catalog_keys()}
        assert used <= set(KINDS[kind]), f"{kind}: unlisted keys {used - set(KINDS[kind])}"
    # Every branch of the case notes is reached above.
    assert {m.key for m in made_by_the_engine()["case notes"]} == set(cases.NOTE_MESSAGES)


@pytest.mark.parametrize("lang", LANGS)
def test_every_sentence_the_engine_makes_reads_with_no_english(lang: str) -> None:
    for messages in made_by_the_engine().values():
        for message in messages:
            assert_not_english(message, lang)


# --- case notes and the status line -------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_case_tile_note_is_shown_in_the_readers_language_while_reports_keep_english(lang: str) -> None:
    resolved = pd.DataFrame([{"queue": cases.RESCUE, "status": cases.RESOLVED, "customer_id": f"c{i}",
                              "opened_at": "2026-10-01T09:00:00", "due_at": "2026-10-02T09:00:00",
                              "first_response_at": "2026-10-01T10:00:00", "resolved_at": "2026-10-03T09:00:00",
                              "sentiment_before": -0.5, "sentiment_after": 0.5 if i < 3 else None}
                             for i in range(1204)])  # fmt: skip
    summary = cases.summarise_cases(resolved, now="2026-10-09T00:00:00")
    assert summary.notes["rescue_rate"] == (
        "measured on the 3 of 1,204 resolved rescue cases whose customer wrote again within 90 days"
    )
    shown = notes.translate_case_note(summary.messages["rescue_rate"], lang)
    assert {"es": "1.204", "fr": "1\u202f204"}[lang] in shown
    assert_not_english(summary.messages["rescue_rate"], lang)


def test_the_status_line_keeps_its_english_and_is_shown_in_spanish(fresh_db: sqlite_utils.Database) -> None:
    business.record_scored_at(fresh_db, "2026-10-05T09:00:00")
    status = V.score_status(fresh_db, ["sentiment"], now="2026-10-08T12:00:00")
    assert status.sentence == "Scores are 3 days old; changes since. Computed 5 Oct 2026 09:00 (UTC)."
    assert status.message is not None and status.message.english() == status.sentence
    assert notes.translate_score_status(status.message, "es") == (
        "Las puntuaciones tienen 3 días; cambios desde entonces. Calculadas el 5 oct 2026 09:00 (UTC)."
    )


# --- identity evidence: new links carry a message, older ones still read ---------------------------------


def linked_pair(db: sqlite_utils.Database) -> None:
    store.upsert_rows(db, S.CUSTOMERS, ["customer_id", "name", "email", "city"],
                      [("c1", "Ana Ruiz Gómez", "ana@x.es", "Madrid"), ("c2", "Luis Pérez", None, "Sevilla")])  # fmt: skip
    store.upsert_rows(
        db, S.MENTIONS, ["mention_id", "platform", "author", "author_name", "author_email", "text", "posted_at", "location"],
        [("m1", "twitter", "ana", "Ana", "ana@x.es", "hola", "2026-10-01T10:00:00", None),
         ("m2", "instagram", "luisp", "Luis Pérez", None, "hola", "2026-10-01T10:00:00", "Sevilla, Spain")],
    )  # fmt: skip
    identity.link_profiles(db)


@pytest.mark.parametrize("lang", LANGS)
def test_a_new_link_stores_its_evidence_as_a_message_and_shows_it_in_the_readers_language(
    fresh_db: sqlite_utils.Database, lang: str
) -> None:
    linked_pair(fresh_db)
    rows = pd.concat([review.review_queue(fresh_db, status=S.LINKED), review.review_queue(fresh_db)])
    by_profile = {r["profile_id"]: r for r in rows.to_dict("records")}
    email = by_profile["twitter:ana"]
    assert email["evidence"] == "same e-mail ana@x.es"  # the English column scripts read is as it was
    message = from_json(email["evidence_message"])
    assert message == Message(identity.SAME_EMAIL, {"email": "ana@x.es"})
    assert "ana@x.es" in assert_not_english(message, lang)
    name = from_json(by_profile["instagram:luisp"]["evidence_message"])
    assert name is not None and name.english() == by_profile["instagram:luisp"]["evidence"]
    shown = notes.translate_evidence(name, lang)
    assert "'Luis Pérez'" in shown and "Sevilla" in shown
    assert_not_english(name, lang)


def test_a_link_stored_in_english_by_an_older_version_still_reads_in_spanish(fresh_db: sqlite_utils.Database) -> None:
    legacy = "name 'Ana Ruiz' ~ 'Ana R.' (90%), city Madrid ~ 'Madrid, Spain' (88%)"
    store.upsert_rows(fresh_db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status", "evidence"],
                      [("twitter:ana", "c1", "name_city", 0.8, S.SUGGESTED, legacy)])  # fmt: skip
    row = review.review_queue(fresh_db).iloc[0]
    assert row["evidence_message"] is None
    assert notes.translate_evidence(from_json(row["evidence_message"]) or row["evidence"], "es") == (
        "nombre 'Ana Ruiz' ~ 'Ana R.' (90\xa0%), ciudad Madrid ~ 'Madrid, Spain' (88\xa0%)"
    )
    # What the legacy reader cannot take apart is shown as it is, never lost.
    assert notes.translate_evidence("something a person wrote", "fr") == "something a person wrote"


def test_masking_hides_the_personal_values_of_a_message_but_not_its_words() -> None:
    message = identity.name_city_evidence("Ana Ruiz", "Ana R.", 0.9, "Madrid", "Madrid", 1.0)
    masked = review.rewrite_evidence_message(message, lambda value, kind: kind.upper())
    assert masked.render("es") == "nombre 'NAME' ~ 'NAME' (90\xa0%), misma ciudad Madrid"
    handle = Message(identity.RECORD_HANDLE, {"platform": "twitter", "handle": "@ana"})
    assert review.rewrite_evidence_message(handle, lambda value, kind: "***").english() == (
        "customer record lists twitter handle ***"
    )


def test_a_manual_link_replaces_the_message_of_the_matching_it_overrides(fresh_db: sqlite_utils.Database) -> None:
    linked_pair(fresh_db)
    review.link(fresh_db, "instagram:luisp", "c1", "lucia")
    row = review.review_queue(fresh_db, status=S.LINKED).set_index("profile_id").loc["instagram:luisp"]
    assert row["evidence"] == review.MANUAL_EVIDENCE
    assert from_json(row["evidence_message"]) == Message(review.MANUAL_EVIDENCE)


# --- segment descriptions -----------------------------------------------------------------------------


def features(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = [pd.DataFrame({"recency_days": rng.normal(r, r * 0.05, n), "orders": np.round(rng.normal(o, o * 0.05, n)),
                           "revenue": rng.normal(v, v * 0.05, n)})
             for n, (r, o, v) in zip((30, 20), ((10.0, 2.0, 80.0), (300.0, 20.0, 3000.0)), strict=True)]  # fmt: skip
    frame = pd.concat(parts, ignore_index=True)
    frame.index = pd.Index([f"C{i:03d}" for i in range(len(frame))], name="customer_id")
    return frame


@pytest.mark.parametrize("lang", LANGS)
def test_new_segments_store_their_words_as_messages_and_show_them_translated(
    fresh_db: sqlite_utils.Database, lang: str
) -> None:
    model = segments.SegmentModel(n_clusters=2, random_state=0).fit(features())
    store.replace_table(fresh_db, S.SEGMENT_PROFILES, segments.segment_profiles(model), pk="segment_id")
    clusters = segment_views.cluster_profiles(fresh_db, pd.DataFrame({"segment_id": pd.Series(dtype="Int64")}))
    assert clusters["description"].tolist() == [model.descriptions_[1], model.descriptions_[2]]
    shown = notes.translate_segment_descriptions(clusters, lang)
    for text, stored in zip(shown, clusters["description_message"], strict=True):
        message = from_json(stored)
        assert message is not None and text == message.render(lang)
        assert_not_english(message, lang)


def test_segments_stored_by_an_older_version_without_messages_still_read_in_french(
    fresh_db: sqlite_utils.Database,
) -> None:
    store.replace_table(fresh_db, S.SEGMENT_PROFILES, pd.DataFrame({
        "segment_id": [1], "size": [5], "share": [1.0], "description": ["low value, lapsed buyers, active on Instagram"],
        "main_platform": ["instagram"], "centre": ["{}"], "z": ["{}"],
    }), pk="segment_id")  # fmt: skip
    clusters = segment_views.cluster_profiles(fresh_db, pd.DataFrame({"segment_id": pd.Series(dtype="Int64")}))
    assert "description_message" not in clusters
    assert notes.translate_segment_descriptions(clusters, "fr") == ["faible valeur, acheteurs inactifs, actifs sur Instagram"]


def test_the_sidebar_options_carry_each_segments_message_and_older_stored_options_still_read(
    fresh_db: sqlite_utils.Database,
) -> None:
    model = segments.SegmentModel(n_clusters=2, random_state=0).fit(features())
    store.replace_table(fresh_db, S.SEGMENT_PROFILES, segments.segment_profiles(model), pk="segment_id")
    options = data_views.filter_options(fresh_db)
    assert [d for _, d, _ in options.segments or ()] == [model.descriptions_[1], model.descriptions_[2]]
    messages = dict(options.segment_messages)
    assert from_json(messages[1]) == model.description_messages_[1]
    assert data_views._decode_options(data_views.encode_json(options)) == options
    # Options stored per data version by an older version have no messages: the English words stand.
    older = json.loads(data_views.encode_json(options))
    del older["segment_messages"]
    assert data_views._decode_options(json.dumps(older).encode()).segment_messages == ()
    assert segments_words.description_message("low value", None) == "low value"


# --- PostgreSQL -------------------------------------------------------------------------------------


def test_evidence_messages_are_written_and_read_on_postgres(pg_url: str) -> None:
    db = store.open_db(pg_url)
    try:
        linked_pair(db)
        review.link(db, "instagram:luisp", "c1", "lucia")
        rows = review.review_queue(db, status=S.LINKED).set_index("profile_id")
        assert from_json(rows.loc["twitter:ana", "evidence_message"]) == Message(identity.SAME_EMAIL, {"email": "ana@x.es"})
        assert from_json(rows.loc["instagram:luisp", "evidence_message"]) == Message(review.MANUAL_EVIDENCE)
    finally:
        db.close()
