from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import numpy as np
import pytest
import sqlite_utils
from sklearn.exceptions import NotFittedError

from scrm import demo
from scrm.analysis import topics
from scrm.db import schema as S
from scrm.db import store

COMPLAINT = [
    "my order is late again, delivery never came",
    "still waiting for delivery, the order is late",
    "late delivery, order lost by the courier",
    "delivery delayed twice, where is my order",
    "the courier lost my order, delivery late",
]
PRAISE = [
    "love my new sofa, so comfy and soft",
    "the sofa is comfy and the colour is lovely",
    "lovely sofa, soft fabric, so comfy",
    "best sofa ever, comfy cushions and lovely colour",
    "soft and comfy sofa, lovely in the living room",
]


def corpus(n: int = 40) -> list[str]:
    """n complaints then n praises, varied by a counter so texts differ."""
    out = [f"{COMPLAINT[i % len(COMPLAINT)]} number{i // 5}" for i in range(n)]
    out += [f"{PRAISE[i % len(PRAISE)]} number{i // 5}" for i in range(n)]
    return out


MENTION_COLUMNS = ["mention_id", "platform", "author", "text", "posted_at", "lang", "brand", "from_brand"]


def add_mentions(db: sqlite_utils.Database, texts: list[str], *, start: int = 0, lang: str = "en",
                 day0: str = "2026-01-01", brand: str = "Velora", from_brand: int = 0) -> list[str]:
    base = datetime.fromisoformat(day0)
    rows = []
    for i, text in enumerate(texts):
        posted = (base + timedelta(hours=7 * (start + i))).strftime("%Y-%m-%dT%H:%M:%S")
        rows.append((f"M{start + i:06d}", "twitter", f"user{i % 13}", text, posted, lang, brand, from_brand))
    store.upsert_rows(db, S.MENTIONS, MENTION_COLUMNS, rows)
    return [r[0] for r in rows]


def theme_of(model: topics.TopicModel, word: str) -> int:
    return next(t.index for t in model.topics_ if word in t.terms[:3])


# --- the model --------------------------------------------------------------------


def test_two_themes_are_found_and_labelled_by_their_words() -> None:
    model = topics.TopicModel(n_topics=2).fit(corpus())
    labels = sorted(t.label for t in model.topics_)
    assert len(labels) == 2
    delivery = next(t for t in model.topics_ if "delivery" in t.terms[:3])
    sofa = next(t for t in model.topics_ if "sofa" in t.terms[:3] or "comfy" in t.terms[:3])
    assert delivery.index != sofa.index
    assert set(delivery.terms[:3]) <= {"delivery", "order", "late", "courier", "lost"}
    assert set(sofa.terms[:3]) <= {"sofa", "comfy", "lovely", "soft", "colour"}
    assert " · " in delivery.label


def test_new_texts_are_assigned_to_the_right_theme_without_refit() -> None:
    model = topics.TopicModel(n_topics=2).fit(corpus())
    before = model.components_.copy()
    best, share = model.assign(["where is my late delivery", "such a comfy lovely sofa", "zzz qqq"])
    assert best[0] == theme_of(model, "delivery")
    assert best[1] == theme_of(model, "sofa") if any("sofa" in t.terms[:3] for t in model.topics_) else True
    assert best[1] != best[0]
    assert best[2] == -1 and share[2] == 0
    assert 0.5 < share[0] <= 1
    np.testing.assert_array_equal(model.components_, before)


def test_the_same_texts_give_the_same_labels_twice() -> None:
    first = topics.TopicModel(n_topics=2, random_state=3).fit(corpus())
    second = topics.TopicModel(n_topics=2, random_state=3).fit(corpus())
    assert [t.label for t in first.topics_] == [t.label for t in second.topics_]


def test_a_model_stored_as_json_assigns_like_the_original() -> None:
    model = topics.TopicModel(n_topics=2).fit(corpus())
    text = model.to_json()
    data = json.loads(text)
    assert set(data) == {"format", "params", "n_docs", "terms", "idf", "components"}
    again = topics.TopicModel.from_json(text)
    new = ["late order", "comfy sofa", "lost delivery"]
    np.testing.assert_allclose(again.transform(new), model.transform(new), atol=1e-6)
    assert [t.label for t in again.topics_] == [t.label for t in model.topics_]


def test_an_unfitted_model_says_what_to_call_first() -> None:
    with pytest.raises(NotFittedError, match=r"call fit\(texts\) or TopicModel.from_json\(\) first"):
        topics.TopicModel().transform(["hello"])


@pytest.mark.parametrize(
    ("lang", "texts", "absent"),
    [
        ("es", ["el pedido no llega y la entrega es tarde"] * 3 + ["me encanta el sofá, muy cómodo"] * 3,
         {"el", "la", "no", "es", "muy", "me", "y"}),
        ("fr", ["la livraison est en retard et le colis perdu"] * 3 + ["j'adore ce canapé très confortable"] * 3,
         {"la", "est", "en", "et", "le", "ce", "très"}),
        ("en", ["RT @velora_help late delivery https://t.co/abc Velora", "Velora delivery late again",
                "where is my delivery @velora", "comfy sofa #love velora", "Velora sofa so comfy", "love this sofa"],
         {"rt", "velora_help", "https", "abc", "velora", "the"}),
    ],
)
def test_stop_words_handles_links_and_brand_names_are_not_terms(lang: str, texts: list[str], absent: set[str]) -> None:
    model = topics.TopicModel(n_topics=2, lang=lang, min_df=1, max_df=1.0,
                              extra_stop_words=topics.brand_words(["Velora"])).fit(texts)
    vocabulary = set(model.vectorizer_.get_feature_names_out())
    assert vocabulary
    assert not vocabulary & absent


def test_brand_words_split_names_and_add_accent_free_forms() -> None:
    assert topics.brand_words(["Casanova Home", "Café Brûlé", None]) == {
        "casanova", "home", "café", "cafe", "brûlé", "brule",
    }


# --- refresh ----------------------------------------------------------------------


@pytest.fixture
def topic_db(fresh_db: sqlite_utils.Database) -> sqlite_utils.Database:
    add_mentions(fresh_db, corpus(25))  # 50 texts: two themes by the k rule
    return fresh_db


def test_refresh_writes_themes_assignments_and_a_json_model(topic_db: sqlite_utils.Database) -> None:
    summary = topics.refresh(topic_db)
    assert summary.stage == "topics"
    assert summary.rows == 50
    assert "fitted en" in summary.message
    rows = list(topic_db.query("SELECT topic_id, lang, label, size FROM topics ORDER BY topic_id"))
    assert [r["topic_id"] for r in rows] == ["en-1", "en-2"]
    assert sum(r["size"] for r in rows) == 50
    assert any("delivery" in r["label"] for r in rows)
    stored = topic_db.execute("SELECT lang, model FROM topic_models").fetchall()
    assert [s[0] for s in stored] == ["en"]
    assert json.loads(stored[0][1])["format"] == topics.MODEL_FORMAT


def test_new_mentions_are_assigned_without_refitting(topic_db: sqlite_utils.Database) -> None:
    topics.refresh(topic_db)
    saved = topic_db.execute("SELECT saved_at, model FROM topic_models").fetchone()
    labels = {r["topic_id"]: r["label"] for r in topic_db.query("SELECT topic_id, label FROM topics")}
    delivery_id = next(t for t, label in labels.items() if "delivery" in label)
    new_ids = add_mentions(topic_db, ["my delivery is late, order lost", "comfy lovely sofa, so soft"], start=500)
    summary = topics.refresh(topic_db)
    assert "assigned new mentions in en (+2)" in summary.message
    assert topic_db.execute("SELECT model FROM topic_models").fetchone()[0] == saved[1]
    assert {r["topic_id"]: r["label"] for r in topic_db.query("SELECT topic_id, label FROM topics")} == labels
    got = dict(topic_db.execute(
        "SELECT mention_id, topic_id FROM mention_topics WHERE mention_id IN (?, ?)", new_ids).fetchall())
    assert got[new_ids[0]] == delivery_id
    assert got[new_ids[1]] != delivery_id
    assert topic_db.execute("SELECT count(*) FROM mention_topics").fetchone()[0] == 52


def test_a_corpus_that_grew_by_half_is_refitted(topic_db: sqlite_utils.Database) -> None:
    topics.refresh(topic_db)
    add_mentions(topic_db, [f"{t} again{i}" for i, t in enumerate(corpus(13))], start=1000)
    assert "fitted en" in topics.refresh(topic_db).message


def test_refitting_the_same_data_gives_the_same_topics(topic_db: sqlite_utils.Database) -> None:
    topics.refresh(topic_db)
    first = list(topic_db.query("SELECT * FROM topics"))
    topics.refresh(topic_db, refit=True)
    assert list(topic_db.query("SELECT * FROM topics")) == first


def test_brand_replies_and_unsupported_languages_are_left_out(topic_db: sqlite_utils.Database) -> None:
    add_mentions(topic_db, ["we are sorry, our team will contact you"] * 30, start=2000, from_brand=1)
    add_mentions(topic_db, [f"die Lieferung kommt zu spät {i}" for i in range(30)], start=3000, lang="de")
    summary = topics.refresh(topic_db)
    assert summary.rows == 50
    assert [r[0] for r in topic_db.execute("SELECT DISTINCT lang FROM topics")] == ["en"]
    assert "no themes for es, fr" in summary.message


def test_the_sentiment_table_gives_language_and_average_sentiment(topic_db: sqlite_utils.Database) -> None:
    ids = [r[0] for r in topic_db.execute("SELECT mention_id FROM mentions ORDER BY mention_id")]
    # The detector says the first 25 (complaints) are English and negative; the
    # praises are scored French, so English has only the complaints left.
    rows = [(m, "en" if i < 25 else "fr", -0.5 if i < 25 else 0.5, "negative" if i < 25 else "positive")
            for i, m in enumerate(ids)]
    store.upsert_rows(topic_db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], rows)
    summary = topics.refresh(topic_db)
    assert "mentions.lang" not in summary.message
    by_lang = {r["lang"]: r for r in topic_db.query("SELECT lang, sum(size) AS n, avg(avg_sentiment) AS s FROM topics GROUP BY lang")}
    assert by_lang["en"]["n"] == 25 and by_lang["en"]["s"] == pytest.approx(-0.5)
    assert by_lang["fr"]["n"] == 25 and by_lang["fr"]["s"] == pytest.approx(0.5)


def test_mentions_not_scored_yet_keep_their_imported_language(topic_db: sqlite_utils.Database) -> None:
    first = topic_db.execute("SELECT mention_id FROM mentions ORDER BY mention_id LIMIT 1").fetchone()[0]
    store.upsert_rows(topic_db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], [(first, "other", None, "unscored")])
    summary = topics.refresh(topic_db)
    assert summary.rows == 49
    assert "mentions.lang" not in summary.message


def test_trend_is_the_last_four_weeks_over_the_four_before(fresh_db: sqlite_utils.Database) -> None:
    # 80 mentions 7 hours apart from 2026-01-01 00:00: the first 4 fall on Jan 1.
    add_mentions(fresh_db, corpus())
    summary = topics.refresh(fresh_db, as_of="2026-01-29")
    assert summary.rows == 80
    rows = list(fresh_db.query("SELECT last_4w, prev_4w, trend FROM topics"))
    # Window (Jan 1 23:59:59, Jan 29 23:59:59] vs the 4 weeks before it.
    posted = [r[0] for r in fresh_db.execute("SELECT posted_at FROM mentions")]
    last = sum(p > "2026-01-01T23:59:59" for p in posted)
    assert sum(r["last_4w"] for r in rows) == last
    assert sum(r["prev_4w"] for r in rows) == 80 - last == 4
    for r in rows:
        if r["prev_4w"]:
            assert r["trend"] == pytest.approx(r["last_4w"] / r["prev_4w"], abs=1e-4)
        else:
            assert r["trend"] is None  # no earlier volume: no ratio


def test_an_empty_database_gives_no_themes(fresh_db: sqlite_utils.Database) -> None:
    summary = topics.refresh(fresh_db)
    assert (summary.rows, summary.message) == (0, "No mentions yet: no themes.")
    assert fresh_db.execute("SELECT count(*) FROM topics").fetchone()[0] == 0


# --- the demo -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db() -> Iterator[sqlite_utils.Database]:
    db = store.open_db(":memory:")
    demo.build_demo(db, scale="tiny", link=False)
    yield db
    db.close()


def test_the_demo_crisis_shows_as_a_rising_delivery_theme(demo_db: sqlite_utils.Database) -> None:
    crisis = json.loads(store.get_meta(demo_db, "demo_story") or "{}")["crisis"]
    topics.refresh(demo_db, as_of=crisis["end"])
    rows = list(demo_db.query("SELECT lang, label, top_terms, trend FROM topics"))
    words = {"en": "delivery", "es": "entrega", "fr": "livraison"}
    for lang, word in words.items():
        mine = [r for r in rows if r["lang"] == lang and word in json.loads(r["top_terms"])[:3]]
        assert mine, f"no {word} theme in {lang}"
        assert max(r["trend"] for r in mine) > 2
    english = [r for r in rows if r["lang"] == "en"]
    assert "delivery" in max(english, key=lambda r: r["trend"])["label"]
