"""Sentiment corrections in the pages: one click by an analyst, audited; a viewer only reads.

The Listening page opens one mention by link (``?mention=ID``) so that AppTest
needs no mouse; the same widget serves Customer 360, Alerts and the Rescue
queue. Not covered (browser tests): selecting a row with the mouse.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlite_utils
from streamlit.testing.v1 import AppTest

from scrm import api, auth
from scrm.act import rules
from scrm.analysis import sentiment
from scrm.analysis.sentiment import adjust
from scrm.db import schema as S
from scrm.db import store

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def first_mention(path: Path, label: str) -> str:
    db = store.open_db(path, create=False)
    try:
        row = db.execute(
            f"SELECT mention_id FROM {S.SENTIMENT} WHERE label = ? AND model != 'correction' ORDER BY mention_id LIMIT 1",
            [label],
        ).fetchone()
    finally:
        db.close()
    assert row is not None, f"the scored demo has no {label} mention"
    return str(row[0])


def open_mention(mention_id: str, user: auth.User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "listening.py"), default_timeout=TIMEOUT)
    at.session_state["app_routed"] = True
    at.session_state["scrm_user"] = user
    at.query_params["listening_tab"] = "Mention explorer"
    at.query_params["mention"] = mention_id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def read(path: Path, sql: str, params: list[object]) -> list[tuple[object, ...]]:
    db = store.open_db(path, create=False)
    try:
        return [tuple(r) for r in db.execute(sql, params).fetchall()]
    finally:
        db.close()


def test_an_analyst_corrects_a_label_in_one_click_and_it_is_audited(demo_db: Path) -> None:
    mention_id = first_mention(demo_db, "negative")
    at = open_mention(mention_id, auth.User("ana", "analyst"))
    assert any("% sure" in c.value for c in at.caption), [c.value for c in at.caption]
    button = next(b for b in at.button if b.label == "It is positive")
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert read(demo_db, f"SELECT label, model_label, corrected_by FROM {S.SENTIMENT_CORRECTIONS} WHERE mention_id = ?",
                [mention_id]) == [("positive", "negative", "ana")]  # fmt: skip
    assert read(demo_db, f"SELECT label, confidence FROM {S.SENTIMENT} WHERE mention_id = ?", [mention_id]) == [("positive", 1.0)]
    audited = read(demo_db, f"SELECT actor, role FROM {S.AUDIT_LOG} WHERE action = ? AND target = ?",
                   [S.AUDIT_SENTIMENT, mention_id])  # fmt: skip
    assert audited == [("ana", "analyst")]
    assert any("corrected by ana" in c.value for c in at.caption), [c.value for c in at.caption]
    assert at.success and "Corrected to positive" in at.success[0].value


@pytest.mark.parametrize("role", ["viewer", ""])
def test_a_viewer_sees_the_label_but_cannot_correct_it(demo_db: Path, role: str) -> None:
    mention_id = first_mention(demo_db, "neutral")
    at = open_mention(mention_id, auth.User("vic", role))
    assert not [b for b in at.button if b.label.startswith("It is ")]
    assert any("cannot correct a sentiment label" in c.value for c in at.caption)
    assert read(demo_db, f"SELECT count(*) FROM {S.SENTIMENT_CORRECTIONS} WHERE mention_id = ?", [mention_id]) == [(0,)]


# --- sentiment-train: a local adjustment, adopted only when it does better ---------------------

MILD = ["good", "good enough", "fine, good", "nice", "it is good", "good service", "decent and good", "good I guess",
        "good product", "nice one", "good, thanks", "it was nice"]  # fmt: skip
STRONG = ["I love it, amazing!", "Absolutely wonderful, best ever!!", "Amazing, I love this so much", "Fantastic! Love it",
          "Best purchase ever, love love love", "Wonderful and amazing staff!", "I love it! Great great great",
          "Superb, excellent, love it", "Awesome!!! best thing ever", "Love it, perfect and beautiful",
          "Amazing amazing, love it!", "Great, wonderful, love it"]  # fmt: skip
NEGATIVE = ["Terrible, I hate it", "Awful service, never again", "Worst purchase ever", "Broken and useless, angry"]


def workspace(db: sqlite_utils.Database) -> None:
    store.upsert_rows(
        db, S.MENTIONS, ("mention_id", "platform", "author", "text", "posted_at"),
        [(f"m{i:02d}", "x", f"a{i}", text, f"2026-10-01T10:{i:02d}:00") for i, text in enumerate(MILD + STRONG + NEGATIVE)],
    )  # fmt: skip
    sentiment.score_mentions(db)


def run_cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrm", "--db", str(path), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_sentiment_train_refuses_when_the_model_already_agrees_with_the_corrections(tmp_path: Path) -> None:
    path = tmp_path / "scrm.db"
    db = store.open_db(path)
    try:
        workspace(db)
        for mention_id, label in db.execute(f"SELECT mention_id, label FROM {S.SENTIMENT}").fetchall():
            api.correct_sentiment(db, mention_id, label, actor="ana", role="analyst")  # a person confirms each label
    finally:
        db.close()
    done = run_cli(path, "sentiment-train")
    assert done.returncode == 5, done.stderr
    assert "no better than the model" in done.stdout and "1.000" in done.stdout
    db = store.open_db(path, create=False)
    try:
        assert store.get_meta(db, S.META_SENTIMENT_ADJUSTMENT) is None
        assert db.execute(f"SELECT count(*) FROM {S.AUDIT_LOG} WHERE target = ?", [S.META_SENTIMENT_ADJUSTMENT]).fetchone()[0] == 1
    finally:
        db.close()


def test_sentiment_train_with_too_few_corrections_changes_nothing(fresh_db: sqlite_utils.Database) -> None:
    workspace(fresh_db)
    api.correct_sentiment(fresh_db, "m00", "neutral", actor="ana")
    result = api.train_sentiment(fresh_db, actor="ana")
    assert result.adopted == [] and "at least 20" in result.languages[0].reason
    assert adjust.load(fresh_db) == {}


def test_sentiment_train_adopts_a_layer_that_fits_the_workspace_and_re_scoring_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "scrm.db"
    db = store.open_db(path)
    try:
        workspace(db)
        # Here "good" means lukewarm: people mark the mild praise neutral, keep the strong praise positive.
        for i in range(len(MILD) + len(STRONG) + len(NEGATIVE)):
            wanted = "neutral" if i < len(MILD) else "positive" if i < len(MILD) + len(STRONG) else "negative"
            api.correct_sentiment(db, f"m{i:02d}", wanted, actor="ana")
        # Someone new writes lukewarm praise: not corrected, scored by the model.
        store.upsert_rows(db, S.MENTIONS, ("mention_id", "platform", "author", "text", "posted_at"),
                          [("new", "x", "zed", "good, nice", "2026-10-02T10:00:00")])  # fmt: skip
        sentiment.score_mentions(db)
        assert db[S.SENTIMENT].get("new")["label"] == "positive"
    finally:
        db.close()
    done = run_cli(path, "sentiment-train")
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("en "))
    before, after = (float(v) for v in line.split()[2:4])
    assert after >= before + adjust.MIN_GAIN and line.endswith("adopted")
    db = store.open_db(path, create=False)
    try:
        stored = json.loads(store.get_meta(db, S.META_SENTIMENT_ADJUSTMENT) or "{}")
        assert set(stored["languages"]) == {"en"} and stored["format"] == adjust.FORMAT
        row = db[S.SENTIMENT].get("new")
        assert row["label"] == "neutral" and row["model_version"].endswith(adjust.suffix(stored["languages"]["en"]))
        sentiment.score_mentions(db)  # re-scoring keeps the adjusted label, and the people's labels
        assert db[S.SENTIMENT].get("new")["label"] == "neutral"
        assert db[S.SENTIMENT].get("m20")["model"] == "correction"
    finally:
        db.close()
    forced = run_cli(path, "score", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    db = store.open_db(path, create=False)
    try:
        assert db[S.SENTIMENT].get("new")["label"] == "neutral"
        assert (db[S.SENTIMENT].get("m00")["label"], db[S.SENTIMENT].get("m00")["model"]) == ("neutral", "correction")
    finally:
        db.close()


def test_a_rule_can_require_a_minimum_confidence() -> None:
    frame = pd.DataFrame({"label": ["negative"] * 3, "score": [-0.2, -0.6, -0.9], "confidence": [0.45, 0.7, float("nan")]})
    rule = rules.validate(rules.Rule(name="Sure complaints", conditions={"sentiment": ["negative"], "confidence_min": 0.6},
                                     action="tag", params={"tag": "sure"}))  # fmt: skip
    assert rules.match_mask(frame, rule.conditions).tolist() == [False, True, False]
    assert "at least 60% sure" in rules.describe(rule)
    with pytest.raises(rules.RuleError, match="confidence_min"):
        rules.validate(rules.Rule(name="x", conditions={"confidence_min": 70}, action="tag", params={"tag": "t"}))


# --- "How accurate is this?" and the corrections as labelled data -----------------------------


def test_the_accuracy_panel_shows_the_recorded_figures_and_the_workspace_accuracy(demo_db: Path) -> None:
    mention_id = first_mention(demo_db, "positive")
    db = store.open_db(demo_db, create=False)
    try:
        api.correct_sentiment(db, mention_id, "negative", actor="ana", role="analyst")
    finally:
        db.close()
    at = open_mention(mention_id, auth.User("ana", "analyst"))
    assert "How accurate is this?" in [e.label for e in at.expander]
    card = adjust.model_card()
    assert set(card) == {"en", "es", "fr"} and all(0.5 < e["macro_f1"] < 1 for e in card.values())
    frames = [d.value for d in at.dataframe]
    summary = next(f for f in frames if "Macro-F1" in f.columns)
    assert summary["Macro-F1"].tolist() == [f"{e['macro_f1']:.2f}" for e in card.values()]
    assert any("Really negative" in list(f.index) for f in frames)
    mine = next(f for f in frames if "model_right" in f.columns)
    assert int(mine["corrections"].sum()) >= 1


def test_corrections_export_as_labelled_csv_with_formulas_neutralised(fresh_db: sqlite_utils.Database) -> None:
    from scrm.export.files import to_csv_bytes
    from scrm.views.listening import sentiment_accuracy

    store.upsert_rows(fresh_db, S.MENTIONS, ("mention_id", "platform", "author", "text", "posted_at"),
                      [("h1", "x", "mallory", "=HYPERLINK(\"http://evil\",\"great\")", "2026-10-01T10:00:00")])  # fmt: skip
    sentiment.score_mentions(fresh_db)
    api.correct_sentiment(fresh_db, "h1", "negative", actor="ana")
    frame = sentiment_accuracy(fresh_db).corrections
    assert list(frame.columns) == ["text", "lang", "label"] and frame["label"].tolist() == ["negative"]
    text = to_csv_bytes(frame).decode("utf-8-sig")
    assert text.splitlines()[0] == "text,lang,label"
    assert '"=HYPERLINK' not in text and "=HYPERLINK" in text  # kept, but not as a formula


# --- speed: the workers' forkserver loads the models once -----------------------------------


def test_a_scoring_worker_starts_with_the_precise_detection_models_already_loaded() -> None:
    from scrm.analysis.sentiment import language

    with sentiment._worker_pool(sentiment.PARALLEL_FROM) as pool:
        assert pool is not None
        # Before any text is detected in it, the worker's detectors include the precise one
        # (low_accuracy False), loaded by the forkserver it was forked from.
        loaded = pool.submit(language.loaded_detectors).result(timeout=120)
    assert loaded >= 2


def test_an_admin_runs_the_training_from_settings_and_is_told_when_nothing_changed(empty_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "settings.py"), default_timeout=TIMEOUT)
    at.session_state["app_routed"] = True
    at.session_state["scrm_user"] = auth.User("root", "admin")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    next(b for b in at.button if b.label == "Learn from the corrections").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("No corrections yet" in i.value for i in at.info)
