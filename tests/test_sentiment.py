"""Sentiment: language detection, one scorer per language, incremental storing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sqlite_utils
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from scrm.analysis import sentiment
from scrm.analysis.sentiment import english, language
from scrm.analysis.sentiment.linear import LinearModel
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ImportRejected, MissingColumns


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Love my new sofa from @velora!! 😍 #happy", "en"),
        ("Worst delivery ever, still waiting 😡 https://t.co/abc", "en"),
        ("@velora_es Me encanta la lámpara nueva 😍 #deco", "es"),
        ("Qué desastre de servicio, nunca más 😤", "es"),
        ("Trop contente de mon canapé @maisonbrix ! 👍 #déco", "fr"),
        ("Livraison en retard, service client injoignable 😡", "fr"),
        ("Das Sofa ist wirklich sehr schön geworden", "other"),
        # Too little to tell: the workspace's main language (en by default), never dropped.
        ("😍😍😍 #love @velora", "en"),
        ("", "en"),
    ],
)
def test_language_is_detected_on_short_posts_with_emoji_and_hashtags(text: str, lang: str) -> None:
    assert language.detect_language(text) == lang


def test_detection_ignores_handles_hashtags_urls_and_emoji() -> None:
    assert language.clean_for_detection("@velora Me encanta 😍 #sofá https://t.co/x") == "Me encanta"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("en", "en"), ("ES", "es"), ("fr-FR", "fr"), ("de", "other"), ("und", "es"), (None, "es")],
)
def test_export_language_is_trusted_and_an_undetermined_one_detected(given: str | None, expected: str) -> None:
    assert language.detect_languages(["Me encanta esta mesa"], [given]) == [expected]


def test_unsupported_language_is_unscored_not_scored_in_english() -> None:
    out = sentiment.score_texts(["Das ist ein wirklich schlechter Service, furchtbar"])
    row = out.iloc[0]
    assert (row["lang"], row["label"], row["words"]) == ("other", "unscored", [])
    assert row["score"] != row["score"]  # NaN: stored as NULL


@pytest.mark.parametrize(
    ("text", "lang", "label", "word"),
    [
        ("I love this lamp, great quality", "en", "positive", "love"),
        ("Terrible service, I hate waiting", "en", "negative", "hate"),
        ("Me encanta, es genial y precioso", "es", "positive", "encanta"),
        ("Qué asco de servicio, horrible", "es", "negative", "horrible"),
        ("Merci, super service, je suis ravie", "fr", "positive", "super"),
        ("Service nul, livraison horrible", "fr", "negative", "horrible"),
    ],
)
def test_each_language_gives_label_and_the_words_that_moved_it(
    text: str, lang: str, label: str, word: str
) -> None:
    row = sentiment.score_texts([text]).iloc[0]
    assert (row["lang"], row["label"]) == (lang, label)
    moved = dict((w.lower(), v) for w, v in row["words"])
    assert word in moved
    assert (moved[word] > 0) == (label == "positive")


def test_scores_are_in_range_and_input_order_is_kept() -> None:
    texts = ["Awful!", "Me encanta", "Bof.", "I love it", "Awful!", "C'est génial", "Danke schön, das Sofa ist wunderbar"]
    out = sentiment.score_texts(texts)
    assert out["text"].tolist() == texts
    assert list(out.columns) == list(sentiment.COLUMNS)
    scored = out["score"].dropna()
    assert len(scored) == 6 and scored.between(-1, 1).all()
    assert out.loc[0, "score"] == out.loc[4, "score"]


def test_english_compound_equals_vader() -> None:
    sia = SentimentIntensityAnalyzer()
    texts = ["Not bad at all 😀😀", "x😍y I do NOT love it!!!", "kind of ok, but the delivery sucked", "  "]
    assert [english.vader_score(t)[0] for t in texts] == [sia.polarity_scores(t)["compound"] for t in texts]


@pytest.mark.parametrize(("compound", "label"), [(0.05, "positive"), (0.049, "neutral"), (-0.05, "negative")])
def test_english_labels_use_vaders_thresholds(compound: float, label: str) -> None:
    assert english.label_for(compound) == label


def test_wrong_number_of_languages_is_refused() -> None:
    with pytest.raises(ValueError, match="2 languages for 1 texts"):
        sentiment.score_texts(["a"], ["en", "es"])


def _add_mentions(db: sqlite_utils.Database, rows: list[tuple[str, str, str | None]]) -> None:
    store.upsert_rows(
        db,
        S.MENTIONS,
        ("mention_id", "platform", "author", "text", "lang"),
        [(m, "twitter", "ana", t, lang) for m, t, lang in rows],
    )


def test_scoring_is_incremental_and_reshares_are_scored_once(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_mentions(
        fresh_db,
        [
            ("m1", "I love this sofa", "en"),
            ("m2", "I love this sofa", "en"),
            ("m3", "Me encanta la mesa", None),
            ("m4", "Das Sofa ist schön und bequem", None),
        ],
    )
    calls: list[int] = []
    real = sentiment._score_unique

    def counting(texts: list[str], langs: list[str | None], languages: tuple[str, ...]) -> list[sentiment.Row]:
        calls.append(len(texts))
        return real(texts, langs, languages)

    monkeypatch.setattr(sentiment, "_score_unique", counting)
    first = sentiment.score_mentions(fresh_db)
    assert (first.stage, first.rows, calls) == ("sentiment", 4, [3])
    rows = {r["mention_id"]: r for r in fresh_db[S.SENTIMENT].rows}
    assert rows["m1"]["score"] == rows["m2"]["score"] > 0
    assert (rows["m3"]["lang"], rows["m3"]["model"]) == ("es", "scrm-linear-es")
    assert (rows["m4"]["label"], rows["m4"]["score"]) == ("unscored", None)
    assert json.loads(rows["m1"]["words"]) == [["love", 3.2]]

    assert sentiment.score_mentions(fresh_db).rows == 0

    _add_mentions(fresh_db, [("m5", "Service nul", "fr")])
    assert sentiment.score_mentions(fresh_db).rows == 1


def test_a_new_model_version_rescores_its_language(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_mentions(fresh_db, [("m1", "I love it", "en"), ("m2", "Me encanta", "es")])
    sentiment.score_mentions(fresh_db)
    models = dict(sentiment.current_models())
    models["es"] = ("scrm-linear-es", "next")
    monkeypatch.setattr(sentiment, "current_models", lambda: models)
    again = sentiment.score_mentions(fresh_db)
    assert again.rows == 1
    assert fresh_db[S.SENTIMENT].get("m2")["model_version"] == "next"


def test_a_row_without_model_is_rescored(fresh_db: sqlite_utils.Database) -> None:
    _add_mentions(fresh_db, [("m1", "I love it", "en")])
    fresh_db[S.SENTIMENT].insert({"mention_id": "m1", "lang": None, "label": "positive"})
    assert sentiment.score_mentions(fresh_db).rows == 1
    assert fresh_db[S.SENTIMENT].get("m1")["model"] == "vader"


def test_shipped_models_are_small_json_with_a_version() -> None:
    for lang in ("es", "fr"):
        path = sentiment.MODELS_DIR / f"{lang}.json"
        assert path.stat().st_size < 2_000_000
        model = LinearModel.load(path)
        assert (model.lang, model.version) == (lang, "2")


def test_sentiment_file_reads_lines_in_order(tmp_path: Path) -> None:
    path = tmp_path / "texts.txt"
    path.write_text("I love it\n\nMe encanta\n=cmd|' /C calc'!A0\n", encoding="utf-8")
    out = sentiment.sentiment_file(path)
    assert list(out.columns) == ["text", "lang", "score", "label", "confidence"]
    assert out["text"].tolist() == ["I love it", "Me encanta", "=cmd|' /C calc'!A0"]
    from scrm.export.files import scores_to_csv

    csv = scores_to_csv(out)
    assert csv.splitlines()[0] == "text,lang,score,label,confidence"
    assert csv.splitlines()[1] == "I love it,en,0.6369,positive,0.865"
    assert csv.splitlines()[3].startswith("'=cmd")


def test_sentiment_file_reads_a_csv_text_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,text\n1,Terrible service and I hate waiting\n2,C'est génial\n", encoding="utf-8")
    out = sentiment.sentiment_file(path)
    assert out["text"].tolist() == ["Terrible service and I hate waiting", "C'est génial"]
    assert out["lang"].tolist() == ["en", "fr"]


def test_sentiment_file_without_text_column_says_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(MissingColumns) as err:
        sentiment.sentiment_file(path)
    assert str(err.value) == (
        "t.csv: no `text` column (found `id`, `body`). "
        "Name the column of texts `text`, or give a plain file with one text per line."
    )


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match="nope.txt: file not found"):
        sentiment.sentiment_file(tmp_path / "nope.txt")


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_linear_inference_matches_the_training_features(lang: str) -> None:
    # The reference: scikit-learn's TF-IDF over the analyser the training script uses.
    from sklearn.feature_extraction.text import TfidfVectorizer

    from scrm.analysis.sentiment.linear import features

    model = sentiment.linear_model(lang)
    texts = ["No me gusta NADA!!! 😡 @velora", "C'est pas terrible... #déçue", "", "Bien bien bien, merci"]
    vec = TfidfVectorizer(
        analyzer=lambda t: features(t, model.lexicon), sublinear_tf=True, vocabulary=list(model.vocabulary)
    )
    vec.fit(texts)
    vec.idf_ = model.idf
    logits = vec.transform(texts) @ model.coef + model.intercept
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert np.allclose(model.probabilities(texts), expected, atol=1e-12)


@pytest.mark.parametrize(
    "text",
    [
        "no no good",
        "Not GOOD at all, but the sofa is GREAT 😍😍",
        "I am not the least bit happy",
        "at least it was good",
        "never so good, never this bad",
        "without doubt good",
        "the sofa is the shit",
        "kind of good. kind of",
        "x😍y 😍 😍z",
        "Nothing here at all",
        "It isn't really that nice??? Sort of ok!!!!!",
    ],
)
def test_english_fast_path_equals_vader_on_rules_that_read_neighbours(text: str) -> None:
    sia = SentimentIntensityAnalyzer()
    # Twice: the second call reads the memoised valences.
    assert (
        english.vader_score(text)[0] == english.vader_score(text)[0] == sia.polarity_scores(text)["compound"]
    )


def test_a_memoised_valence_is_not_reused_in_another_context() -> None:
    sia = SentimentIntensityAnalyzer()
    texts = ["good service", "not good service", "no good service", "GOOD service ok", "very good service"]
    assert [english.vader_score(t)[0] for t in texts] == [sia.polarity_scores(t)["compound"] for t in texts]


@pytest.mark.parametrize(("parallel_from", "chunk"), [(2, 2), (8, 4)])
def test_parallel_scoring_stores_what_serial_scoring_gives(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch, parallel_from: int, chunk: int
) -> None:
    texts = [
        ("I love this sofa", "en"),
        ("Me encanta la mesa", "es"),
        ("Service nul, livraison horrible", "fr"),
        ("I love this sofa", "en"),
        ("Das Sofa ist schön und bequem", None),
        ("Terrible delivery, I hate waiting", "en"),
        ("Me encanta la mesa", "es"),
        ("Me encanta la mesa", None),
        ("Terrible delivery, I hate waiting", "en"),
    ]
    _add_mentions(fresh_db, [(f"m{i}", t, lang) for i, (t, lang) in enumerate(texts)])
    # Two worker processes, small chunks: a text repeated in its own chunk or
    # in a later one is scored once and copied; the same text with another
    # language tag is scored on its own.
    monkeypatch.setattr(sentiment, "PARALLEL_FROM", parallel_from)
    monkeypatch.setattr(sentiment, "CHUNK", chunk)
    summary = sentiment.score_mentions(fresh_db)
    assert summary.message == (
        "Scored 9 mentions (5 distinct texts): 5 positive, 0 neutral, 3 negative, 1 unscored."
    )
    expected = sentiment.score_texts([t for t, _ in texts], [lang for _, lang in texts])
    stored = {r["mention_id"]: r for r in fresh_db[S.SENTIMENT].rows}
    assert len(stored) == len(texts)
    for i, row in expected.iterrows():
        got = stored[f"m{i}"]
        score = None if row["score"] != row["score"] else round(row["score"], 4)
        assert (got["lang"], got["score"], got["label"], got["model"]) == (
            row["lang"],
            score,
            row["label"],
            row["model"],
        )
        assert json.loads(got["words"]) == row["words"]


# --- the fast paths against straightforward reference implementations ----------------------

_RULE_POOL = [
    "not",
    "no",
    "never",
    "so",
    "this",
    "without",
    "doubt",
    "least",
    "at",
    "very",
    "kind",
    "of",
    "sort",
    "the",
    "shit",
    "bomb",
    "bad",
    "ass",
    "yeah",
    "right",
    "but",
    "good",
    "GOOD",
    "great",
    "hate",
    "love",
    "isn't",
    "don't",
    "really",
    "extremely",
    "barely",
    "ok",
    "sofa",
    "delivery",
    "nor",
    "or",
    "kiss",
    "death",
    "to",
    "die",
    "for",
    "beating",
    "heart",
    "bus",
    "stop",
    ":)",
    ":(",
    "!!!",
    "??",
    "😍",
    "lol",
    "LOL",
    "Great!",
    "'good'",
    "NOT",
    "fine,",
    "ok.",
    "Nope",
]
_ES_FR_POOL = [
    "no",
    "me",
    "gusta",
    "nada",
    "nunca",
    "bien",
    "mal",
    "genial",
    "horrible",
    "encanta",
    "ni",
    "pas",
    "jamais",
    "super",
    "nul",
    "service",
    "merci",
    "livraison",
    "très",
    "!",
    "?",
    "😡",
    "😍",
    "@velora",
    "http://t.co/x",
    "Génial",
    "ENCANTAAA",
    "déçue",
    "bon",
    "sans",
    "plus",
    ".",
    ",",
    "jajajaja",
    "#NoMeGustaNada",
    "mdrrr",
    "ptdr",
]


def _mixed_texts(n: int, pool: list[str], seed: int) -> list[str]:
    """Random word salads from ``pool``: every rule word next to every other, in any case."""
    import random

    rng = random.Random(seed)
    return [" ".join(rng.choice(pool) for _ in range(rng.randint(0, 14))) for _ in range(n)]


def _demo_like_texts(n: int) -> list[tuple[str, str]]:
    """(text, lang) pairs as the bench generates them (en, es, fr sentences)."""
    from scrm.bench import mention_chunks

    frame = next(mention_chunks(n, seed=3, chunk=n))
    langs = [lang if isinstance(lang, str) else "" for lang in frame["lang"].tolist()]
    return list(zip(frame["text"].tolist(), langs, strict=True))


def _reference_vader(text: str) -> tuple[float, list[tuple[str, float]]]:
    """VADER's polarity_scores, step by step without shortcuts or memo, keeping each word's valence."""
    from vaderSentiment.vaderSentiment import SentiText

    sia = english.analyzer()[0]  # VADER's own analyser (only its lexicon is shared)
    no_emoji, prev_space = "", True
    for ch in text:
        if ch in sia.emojis:
            no_emoji += ("" if prev_space else " ") + sia.emojis[ch]
            prev_space = False
        else:
            no_emoji += ch
            prev_space = ch == " "
    text = no_emoji.strip()
    sentitext = SentiText(text)
    words = sentitext.words_and_emoticons
    sentiments: list[float] = []
    for i, item in enumerate(words):
        if item.lower() in english.BOOSTER_DICT or (
            i < len(words) - 1 and item.lower() == "kind" and words[i + 1].lower() == "of"
        ):
            sentiments.append(0)
            continue
        sentiments = sia.sentiment_valence(0, sentitext, item, i, sentiments)
    sentiments = sia._but_check(words, sentiments)
    compound = sia.score_valence(sentiments, text)["compound"]
    return compound, [(w, round(float(s), 3)) for w, s in zip(words, sentiments, strict=False) if s]


def test_fast_english_path_equals_reference_vader_with_its_words() -> None:
    texts = _mixed_texts(2500, _RULE_POOL, seed=11) + [
        t for t, lang in _demo_like_texts(1500) if lang == "en"
    ]
    for text in texts + texts:  # the second pass reads the memoised valences
        assert english.vader_score(text) == _reference_vader(text), text


def _reference_linear(model: LinearModel, text: str) -> tuple[float, str, list[list[object]]]:
    """One text scored from :func:`analyse` with plain Python: tf-idf, softmax, per-word pushes."""
    import math
    from collections import Counter

    from scrm.analysis.sentiment.linear import analyse

    per_token = [
        (tok, [model.vocabulary[f] for f in feats if f in model.vocabulary])
        for tok, feats in analyse(text, model.lexicon)
    ]
    counts = Counter(j for _, ids in per_token for j in ids)
    tf = {j: (1.0 + math.log(c) if c > 1 else 1.0) * model.idf[j] for j, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in tf.values())) or 1.0
    x = {j: v / norm for j, v in tf.items()}
    logits = [model.intercept[k] + sum(v * model.coef[j, k] for j, v in x.items()) for k in range(3)]
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    proba = [e / sum(exps) for e in exps]
    score = proba[2] - proba[0]
    assert model.threshold is not None
    label = "positive" if score >= model.threshold else "negative" if score <= -model.threshold else "neutral"
    words: dict[str, float] = {}
    for tok, ids in per_token:
        if ids:
            words[tok] = words.get(tok, 0.0) + sum(x[j] * model.direction[j] / counts[j] for j in ids)
    ranked = sorted(words.items(), key=lambda kv: -abs(kv[1]))[:5]
    return score, label, [[w, round(v, 3)] for w, v in ranked if abs(v) >= 0.001]


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_fast_linear_path_equals_the_reference_on_mixed_texts(lang: str) -> None:
    model = sentiment.linear_model(lang)
    texts = _mixed_texts(1500, _ES_FR_POOL, seed=5) + [t for t, _ in _demo_like_texts(1500)]
    texts += ["", "   ", "!!!", "a\x1eb no me gusta", "pas\x1e bien"]  # the batch separator inside a text
    scores, labels, words = model.score_lists(texts)
    for text, score, label, moved in zip(texts, scores, labels, words, strict=True):
        want_score, want_label, want_words = _reference_linear(model, text)
        assert abs(score - want_score) < 1e-9, text
        assert label == want_label or abs(abs(score) - model.threshold) < 1e-9, text  # type: ignore[operator]
        assert [w for w, _ in moved] == [w for w, _ in want_words], text
        assert np.allclose([v for _, v in moved], [v for _, v in want_words], rtol=0, atol=1e-9), text


def test_words_are_stored_as_the_json_of_the_lists() -> None:
    rows = sentiment._score_unique(
        ['Love it!!! 😍 "quoted" \\ back', "Me encanta, genial", "Nul."], ["en", "es", "fr"]
    )
    for row, stored in zip(rows, sentiment._stored(rows), strict=True):
        assert stored[3] == json.dumps(row[3], ensure_ascii=False)


def test_linear_scores_do_not_depend_on_the_batch_or_the_token_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from scrm.analysis.sentiment import linear

    model = LinearModel.load(sentiment.MODELS_DIR / "es.json")  # a fresh table, not the shared model
    texts = ["Me encanta la mesa nueva", "No me gusta nada, horrible!!!", "", "qwerty asdf zxcv"]
    together = model.score_lists(texts)
    monkeypatch.setattr(linear, "_TOKEN_TABLE_MAX", 3)  # the table starts again at every batch
    monkeypatch.setattr(linear, "_SLICE", 3)  # and the numpy steps work on slices of three texts
    one_by_one = [model.score_lists([t]) for t in texts]
    assert together == tuple(
        list(x) for x in zip(*[(s[0], lab[0], w[0]) for s, lab, w in one_by_one], strict=True)
    )


def test_emoji_are_replaced_as_a_translation_table_would() -> None:
    import random

    _, table, emoji = english.analyzer()
    rng = random.Random(3)
    pool = sorted(emoji) + list("ab c\u00aa\u00ab\u2122\u2600\u200d\ufe0f\U0001f9ff\U0001fa70 ")
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 25))) for _ in range(3000)]
    for text in texts:
        assert english._replace_emoji(text, table, emoji) == text.translate(table).strip(), text


def test_vectorised_rounding_of_word_weights_equals_round() -> None:
    from scrm.analysis.sentiment.linear import _round3

    rng = np.random.default_rng(1)
    ties = (rng.integers(-100_000, 100_000, 50_000) + 0.5) / 1000.0  # decimal halves, as floats
    values = np.concatenate(
        [rng.normal(0, 2, 100_000), ties, np.nextafter(ties, 10), np.nextafter(ties, -10), [0.0, -0.0004]]
    )
    assert _round3(values) == [round(v, 3) for v in values.tolist()]


def test_worker_processes_never_run_a_streamlit_style_main_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Streamlit runs app.py as a __main__ module without an import name; multiprocessing
    # would execute that file again in every worker (a first start would build the demo twice).
    import sys
    import types

    from scrm.analysis import sentiment as sentiment_package

    marker = tmp_path / "ran"
    script = tmp_path / "app_like.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('the app ran in a worker')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    with sentiment_package._worker_pool(sentiment_package.PARALLEL_FROM) as pool:
        assert pool is not None
        assert pool.submit(sentiment_package._warm_up).result(timeout=120) is None
    assert sys.modules["__main__"] is fake_main
    assert not marker.exists()


def test_starting_the_workers_never_replaces_the_servers_main_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Other Streamlit sessions set sys.modules["__main__"] on every rerun: swapping it while the
    # workers start would race with them. It must stay the same object throughout.
    import multiprocessing.popen_forkserver
    import sys
    import types

    from scrm.analysis import sentiment as sentiment_package

    marker = tmp_path / "ran"
    script = tmp_path / "app_like.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('the app ran in a worker')\n")
    sentinel = types.ModuleType("__main__")
    sentinel.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", sentinel)
    seen: list[tuple[str, bool]] = []
    launch = multiprocessing.popen_forkserver.Popen._launch

    def watched(self: object, process_obj: object) -> None:
        seen.append((process_obj.name, sys.modules["__main__"] is sentinel))  # type: ignore[attr-defined]
        launch(self, process_obj)  # type: ignore[arg-type]

    monkeypatch.setattr(multiprocessing.popen_forkserver.Popen, "_launch", watched)
    with sentiment_package._worker_pool(sentiment_package.PARALLEL_FROM) as pool:
        assert pool is not None
        assert pool.submit(sentiment_package._warm_up).result(timeout=120) is None
        assert sys.modules["__main__"] is sentinel
    assert len(seen) == sentiment_package.WORKERS
    assert all(name.startswith(sentiment_package.WORKER_NAME) and same for name, same in seen), seen
    assert not marker.exists()


def test_only_the_scoring_workers_are_prepared_without_the_main_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing.spawn
    import sys
    import types

    from scrm.analysis import sentiment as sentiment_package

    sentiment_package._worker_context()  # installs the filter
    script = tmp_path / "app_like.py"
    script.write_text("")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    other = multiprocessing.spawn.get_preparation_data("ForkServerProcess-7")
    ours = multiprocessing.spawn.get_preparation_data(f"{sentiment_package.WORKER_NAME}-7")
    assert other["init_main_from_path"] == str(script)  # another library's process: as before
    assert "init_main_from_path" not in ours and "init_main_from_name" not in ours
    assert {k: v for k, v in other.items() if k not in ("init_main_from_path", "name")} == {
        k: v for k, v in ours.items() if k != "name"
    }


# --- speed: this process scores while the workers start ---------------------------------------


def test_a_text_needing_the_precise_pass_is_refused_where_its_models_may_not_be_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if this process had never built the precise detector: inside the block, the text that
    # needs it is handed back (to a worker) instead of loading seconds of models here.
    monkeypatch.setattr(language, "_BUILT", set())
    ambiguous = "Bonjour hola hello"
    with pytest.raises(language.PreciseNotLoaded), language.without_loading_precise():
        language.detect_language(ambiguous)
    assert language.detect_language("Hi") == "en"  # the fast rules still answer inside and outside
    assert language.detect_language(ambiguous) in ("en", "es", "fr", "other")


def test_mentions_scored_here_while_the_workers_start_get_the_workers_rows(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [
        ("I love this sofa", "en"), ("Terrible delivery, I hate waiting", None), ("Me encanta la mesa", None),
        ("Service nul, livraison horrible", "fr"), ("Bonjour hola hello", None), ("I love this sofa", "en"),
    ] * 3  # fmt: skip
    _add_mentions(fresh_db, [(f"m{i}", t, lang) for i, (t, lang) in enumerate(texts)])
    monkeypatch.setattr(sentiment, "PARALLEL_FROM", 4)
    monkeypatch.setattr(sentiment, "CHUNK", 2)
    # No precise models here: the chunk that needs them goes to the workers, the others are scored here.
    monkeypatch.setattr(language, "_BUILT", set())
    sentiment.score_mentions(fresh_db)
    expected = sentiment.score_texts([t for t, _ in texts], [lang for _, lang in texts])
    stored = {r["mention_id"]: r for r in fresh_db[S.SENTIMENT].rows}
    assert len(stored) == len(texts)
    for i, row in expected.iterrows():
        got = stored[f"m{i}"]
        score = None if row["score"] != row["score"] else round(row["score"], 4)
        assert (got["lang"], got["score"], got["label"], got["model"]) == (row["lang"], score, row["label"], row["model"])
