"""Sentiment a manager can trust: no mention lost to detection, a given language honoured,
a confidence per mention, and no rescue case or high-severity alert on a doubtful score alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlite_utils

from scrm import api
from scrm.act import rules
from scrm.analysis import sentiment
from scrm.analysis.sentiment import language
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError
from scrm.ingest import import_file

ROOT = Path(__file__).resolve().parent.parent


# --- detection: nothing lost --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ok", "😍😍😍", "👍 #love @velora", "", "Top", "!!!", "jajaja"])
@pytest.mark.parametrize("languages", [("en", "es", "fr"), ("es", "en"), ("fr",)])
def test_short_or_ambiguous_texts_are_scored_in_the_main_language(text: str, languages: tuple[str, ...]) -> None:
    out = sentiment.score_texts([text], languages=languages).iloc[0]
    assert out["lang"] in languages
    assert out["label"] != S.UNSCORED
    if text in ("ok", "", "!!!", "😍😍😍"):
        assert out["lang"] == languages[0]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Excelente", "es"),
        ("Pésimo servicio", "es"),
        ("très déçue", "fr"),
        ("¡Qué ilusión!… súper atentas", "es"),
        ("Yay yay yay yay #mets", "en"),
        ("Congrats on your Outstanding Achievement award D.B. @anonymous! And thank you for sharing such a great speech", "en"),
    ],
)
def test_short_reviews_and_tweets_get_their_own_language(text: str, lang: str) -> None:
    assert language.detect_language(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "Obrigado pela ajuda, o atendimento foi ótimo e muito rápido",
        "Das ist wirklich ein sehr schlechter Service gewesen",
        "Привет, как дела у тебя сегодня вечером",
    ],
)
def test_only_text_clearly_in_another_language_is_unscored(text: str) -> None:
    out = sentiment.score_texts([text]).iloc[0]
    assert (out["lang"], out["label"]) == ("other", S.UNSCORED)
    assert pd.isna(out["confidence"])


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Excelente", "positive"),
        ("Pésimo servicio", "negative"),
        ("très déçue", "negative"),
        ("¡Qué ilusión!… súper atentas", "positive"),
        ("Service nul, je suis très déçu", "negative"),
        ("Muy mala atención, no vuelvo", "negative"),
    ],
)
def test_short_spanish_and_french_reviews_get_the_right_label_end_to_end(text: str, label: str) -> None:
    assert sentiment.score_texts([text])["label"].tolist() == [label]


# --- a given language is trusted ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "lang"), [("fr", "fr"), ("ES-mx", "es"), ("pt", "other"), ("und", "es"), ("", "es"), (None, "es")]
)
def test_a_given_language_is_honoured_and_undetermined_is_detected(given: str | None, lang: str) -> None:
    assert sentiment.score_texts(["Me encanta esta mesa"], [given])["lang"].tolist() == [lang]


def test_the_cli_honours_a_lang_column_and_adds_confidence_after_the_contract_columns(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    path.write_text("text,lang\nMe encanta,fr\nMe encanta,\nGreat stuff,pt\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "scrm", "--db", str(tmp_path / "none.db"), "sentiment", str(path)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "text,lang,score,label,confidence"
    assert [line.split(",")[1] for line in lines[1:]] == ["fr", "es", "other"]
    assert lines[3].endswith(",other,,unscored,")
    assert 0 < float(lines[2].split(",")[4]) <= 1
    assert not (tmp_path / "none.db").exists()  # reading the setting creates no database


def test_the_cli_refuses_a_language_it_does_not_score(tmp_path: Path) -> None:
    path = tmp_path / "texts.txt"
    path.write_text("hola\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "scrm", "sentiment", str(path), "--languages", "es,de"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: Sentiment languages: 'de' is not a language scrm scores. "
        "Use en, es or fr, main language first (e.g. es,en)."
    )


def test_an_imported_language_column_is_honoured_by_the_score(tmp_path: Path) -> None:
    path = tmp_path / "mentions.csv"
    path.write_text(
        "id,platform,author,text,date,language\n"
        "1,twitter,ana,Me encanta,2024-05-01,fr\n"
        "2,twitter,bob,Me encanta,2024-05-01,\n"
        "3,twitter,cy,Me encanta,2024-05-01,pt\n",
        encoding="utf-8",
    )
    db = store.open_db(tmp_path / "scrm.db")
    try:
        import_file(db, path, "mentions")
        sentiment.score_mentions(db)
        got = dict(
            db.execute(
                f"SELECT m.author, s.lang FROM {S.MENTIONS} m JOIN {S.SENTIMENT} s USING (mention_id)"
            ).fetchall()
        )
    finally:
        db.close()
    assert got == {"ana": "fr", "bob": "es", "cy": "other"}


# --- the workspace's languages ------------------------------------------------------------------


def test_workspace_languages_default_to_en_es_fr_and_a_change_rescores(fresh_db: sqlite_utils.Database) -> None:
    assert sentiment.workspace_languages(fresh_db) == ("en", "es", "fr")
    store.upsert_rows(fresh_db, S.MENTIONS, ("mention_id", "platform", "author", "text"), [("m1", "x", "a", "ok")])
    sentiment.score_mentions(fresh_db)
    assert fresh_db[S.SENTIMENT].get("m1")["lang"] == "en"
    assert sentiment.set_workspace_languages(fresh_db, "fr, en", actor="test") == ("fr", "en")
    assert store.get_meta(fresh_db, S.META_SENTIMENT_LANGUAGES) == "fr,en"
    assert sentiment.score_mentions(fresh_db).rows == 1
    assert fresh_db[S.SENTIMENT].get("m1")["lang"] == "fr"


def test_a_language_scrm_does_not_score_is_refused_with_a_fix(fresh_db: sqlite_utils.Database) -> None:
    with pytest.raises(ConfigError) as err:
        api.set_sentiment_languages(fresh_db, ["en", "klingon"], actor="test")
    assert str(err.value) == (
        "Sentiment languages: 'klingon' is not a language scrm scores. "
        "Use en, es or fr, main language first (e.g. es,en)."
    )
    assert store.get_meta(fresh_db, S.META_SENTIMENT_LANGUAGES) is None


# --- confidence ---------------------------------------------------------------------------------


def test_every_scored_mention_stores_a_confidence_between_zero_and_one(fresh_db: sqlite_utils.Database) -> None:
    texts = ["I love it", "Me encanta", "Service nul", "Das ist ein wirklich sehr schlechter Service"]
    store.upsert_rows(
        fresh_db, S.MENTIONS, ("mention_id", "platform", "author", "text"),
        [(f"m{i}", "x", "a", t) for i, t in enumerate(texts)],
    )  # fmt: skip
    sentiment.score_mentions(fresh_db)
    rows = {r["mention_id"]: r for r in fresh_db[S.SENTIMENT].rows}
    for key in ("m0", "m1", "m2"):
        assert 0.0 < rows[key]["confidence"] <= 1.0
    assert rows["m3"]["confidence"] is None


def test_a_row_scored_before_confidence_existed_is_scored_again(fresh_db: sqlite_utils.Database) -> None:
    store.upsert_rows(fresh_db, S.MENTIONS, ("mention_id", "platform", "author", "text"), [("m1", "x", "a", "I love it")])
    sentiment.score_mentions(fresh_db)
    fresh_db.execute(f"UPDATE {S.SENTIMENT} SET confidence = NULL")
    assert sentiment.score_mentions(fresh_db).rows == 1
    assert fresh_db[S.SENTIMENT].get("m1")["confidence"] is not None


def test_a_clear_label_is_more_confident_than_a_borderline_one() -> None:
    out = sentiment.score_texts(["I love it, best sofa ever!!!", "it is ok i guess", "Es horrible, pésimo, odio esto"])
    assert out["confidence"].iloc[0] > out["confidence"].iloc[1]
    assert out["confidence"].iloc[2] > sentiment.LOW_CONFIDENCE


# --- no rescue case or high-severity alert on a doubtful score alone -----------------------------


def _context(confidence: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mention_id": ["m1"], "posted_at": ["2024-05-01T10:00:00"], "customer_id": ["c1"], "profile_id": ["x:ana"],
            "label": ["negative"], "score": [-0.6], "confidence": [confidence], "clv_decile": [10.0],
            "brand": [""], "from_brand": [0], "role": ["detractor"], "followers": [5000.0], "lang": ["es"],
            "kind": ["post"], "visibility": ["public"], "platform": ["x"], "text": ["Vaya servicio"], "topic_id": [None],
            "rfm_segment": [None],
        }
    )  # fmt: skip


def _rescue_rule() -> rules.Rule:
    return rules.validate(
        rules.Rule(
            "Rescue", conditions={"sentiment": ["negative"], "clv_decile_min": 10},
            action=rules.OPEN_CASE, params={"queue": rules.RESCUE, "priority": "high"},
        )
    )  # fmt: skip


def test_a_low_confidence_negative_opens_no_rescue_case() -> None:
    rule = _rescue_rule()
    assert rules.needs_confident_sentiment(rule)
    assert rules._hits(_context(0.35), rule, None).empty
    assert rules._hits(_context(0.8), rule, None)["mention_id"].tolist() == ["m1"]


def test_a_low_confidence_negative_raises_no_high_severity_alert_but_a_medium_one() -> None:
    high = rules.validate(
        rules.Rule("Alert", conditions={"sentiment": ["negative"]}, action=rules.RAISE_ALERT, params={"severity": "high"})
    )
    medium = rules.validate(
        rules.Rule("Alert", conditions={"sentiment": ["negative"]}, action=rules.RAISE_ALERT, params={"severity": "medium"})
    )
    assert rules._hits(_context(0.35), high, None).empty
    assert len(rules._hits(_context(0.35), medium, None)) == 1


def test_every_default_rescue_rule_needs_a_confident_score() -> None:
    rescue = [r for r in rules.DEFAULT_RULES if r.action == rules.OPEN_CASE and r.params.get("queue") == rules.RESCUE]
    assert rescue
    assert all(rules.needs_confident_sentiment(r) for r in rescue)


@pytest.mark.parametrize(("confidence", "alerted"), [(0.35, False), (0.8, True), (None, True)])
def test_a_vip_detractor_alert_needs_a_confident_negative(
    fresh_db: sqlite_utils.Database, confidence: float | None, alerted: bool
) -> None:
    from scrm.analysis import alerts

    store.set_meta(fresh_db, "own_brand", "Velora")
    store.upsert_rows(
        fresh_db, S.MENTIONS,
        ("mention_id", "platform", "author", "text", "posted_at", "brand", "author_followers", "from_brand"),
        [("M1", "instagram", "@Ana", "¡Qué ilusión!", "2026-10-20T10:00:00", "Velora", 500, 0)],
    )  # fmt: skip
    store.upsert_rows(
        fresh_db, S.SENTIMENT, ["mention_id", "lang", "score", "label", "confidence"],
        [("M1", "es", -0.4, "negative", confidence)],
    )  # fmt: skip
    store.upsert_rows(
        fresh_db, S.LINKS, ["profile_id", "customer_id", "method", "confidence", "status"],
        [("instagram:ana", "C1", "email", 1.0, S.LINKED)],
    )  # fmt: skip
    store.replace_table(fresh_db, "customer_value", pd.DataFrame({"customer_id": ["C1"], "clv": [900.0], "clv_decile": [10]}))
    frame = alerts.compute_alerts(fresh_db, as_of="2026-10-31")
    assert (frame["kind"] == "vip_detractor").sum() == int(alerted)


# --- corrections --------------------------------------------------------------------------------


def _mentions(db: sqlite_utils.Database) -> None:
    store.upsert_rows(
        db, S.MENTIONS, ("mention_id", "platform", "author", "text", "posted_at"),
        [("m1", "x", "ana", "Vaya servicio, de verdad", "2026-10-01T10:00:00"),
         ("m2", "x", "bob", "I love it", "2026-10-01T11:00:00")],
    )  # fmt: skip


def test_a_correction_wins_in_the_kpis_and_survives_re_scoring(fresh_db: sqlite_utils.Database) -> None:
    from scrm.views.kpis import compute_kpis

    _mentions(fresh_db)
    sentiment.score_mentions(fresh_db)
    before = compute_kpis(fresh_db)["net_sentiment"]["value"]
    model_label = fresh_db[S.SENTIMENT].get("m1")["label"]
    wanted = "negative" if model_label != "negative" else "positive"
    api.correct_sentiment(fresh_db, "m1", wanted.upper(), actor="ana", role="analyst")
    row = fresh_db[S.SENTIMENT].get("m1")
    assert (row["label"], row["model"], row["confidence"]) == (wanted, "correction", 1.0)
    assert compute_kpis(fresh_db)["net_sentiment"]["value"] != before
    # A new model version, a change of languages: the person's label stays.
    fresh_db.execute(f"UPDATE {S.SENTIMENT} SET model_version = 'old'")
    sentiment.score_mentions(fresh_db)
    sentiment.set_workspace_languages(fresh_db, "fr,en", actor="ana")
    sentiment.score_mentions(fresh_db)
    assert fresh_db[S.SENTIMENT].get("m1")["label"] == wanted
    assert fresh_db[S.SENTIMENT].get("m2")["model"] == "vader"
    correction = fresh_db[S.SENTIMENT_CORRECTIONS].get("m1")
    assert (correction["model_label"], correction["corrected_by"]) == (model_label, "ana")
    entry = fresh_db.execute(f"SELECT action, target FROM {S.AUDIT_LOG} WHERE action = 'sentiment'").fetchall()
    assert entry == [("sentiment", "m1")]


def test_a_correction_names_what_to_fix(fresh_db: sqlite_utils.Database) -> None:
    from scrm.errors import NotFound

    _mentions(fresh_db)
    with pytest.raises(ConfigError, match=r"^'great' is not a sentiment label\. Use positive, neutral or negative\.$"):
        api.correct_sentiment(fresh_db, "m1", "great", actor="ana")
    with pytest.raises(NotFound, match=r"^No mention 'm9'\. Check the mention id \(Listening shows it\)\.$"):
        api.correct_sentiment(fresh_db, "m9", "positive", actor="ana")
