"""Sentiment of mentions in the customer's own language.

One interface over one scorer per language:

- the language comes from the export when it says en, es or fr, otherwise
  from :mod:`scrm.sentiment.language` (lingua, offline);
- English: VADER 3.3.2 compound score (:mod:`scrm.sentiment.english`);
  label positive at >= 0.05, negative at <= -0.05 (VADER's thresholds);
- Spanish and French: a linear model trained by ``scripts/train_sentiment.py``
  on public labelled tweets and shipped as JSON (:mod:`scrm.sentiment.linear`);
  score = P(positive) - P(negative); label positive at >= t, negative at
  <= -t, with t stored in each model (chosen by cross-validation on the
  training split).
  Validation macro-F1: es 0.597, fr 0.622 (English-only VADER: about 0.35);
- any other language: label ``unscored``, score NULL. Never the English lexicon.

``words`` lists what moved the score as ``[word, weight]``: VADER's adjusted
valence per word (-4..4) for English; for es/fr the word's contribution to
the log-odds of positive versus negative.

Identical texts are scored once; big batches use two processes.
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import sqlite_utils

from scrm import schema as S
from scrm import store
from scrm.errors import ImportRejected, MissingColumns
from scrm.sentiment.english import MODEL as EN_MODEL
from scrm.sentiment.english import MODEL_VERSION as EN_VERSION
from scrm.sentiment.english import analyzer as vader_analyzer
from scrm.sentiment.english import label_for, vader_score
from scrm.sentiment.language import OTHER, SUPPORTED, detect_languages, normalise_lang
from scrm.sentiment.linear import LinearModel

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
UNSCORED = "unscored"
LABELS: tuple[str, ...] = ("positive", "neutral", "negative", UNSCORED)
COLUMNS: tuple[str, ...] = ("text", "lang", "score", "label", "words", "model", "model_version")
MODELS_DIR = Path(__file__).resolve().parent / "models"
# Below this many distinct texts, starting worker processes costs more than it saves.
PARALLEL_FROM = 50_000
WORKERS = 2
CHUNK = 20_000

__all__ = [
    "LABELS",
    "StageSummary",
    "current_models",
    "score_mentions",
    "score_texts",
    "sentiment_file",
    "to_csv",
]


@dataclass
class StageSummary:
    """What one compute stage did (read by the compute layer)."""

    stage: str
    rows: int
    seconds: float
    message: str


@cache
def linear_model(lang: str) -> LinearModel:
    """The shipped linear model of ``lang`` (es or fr), loaded once per process."""
    return LinearModel.load(MODELS_DIR / f"{lang}.json")


def _detector_version() -> str:
    try:
        return "lingua-" + version("lingua-language-detector")
    except PackageNotFoundError:  # pragma: no cover - lingua is a requirement
        return "lingua"


def current_models() -> dict[str, tuple[str, str]]:
    """The (model, model_version) that scores each language today.

    ``other`` names the language detector: a new detector may recognise
    texts it called ``other`` before, so they are rescored.
    """
    es, fr = linear_model("es"), linear_model("fr")
    return {
        "en": (EN_MODEL, EN_VERSION),
        "es": (es.name, es.version),
        "fr": (fr.name, fr.version),
        OTHER: ("none", _detector_version()),
    }


Row = tuple[str, float | None, str, list[list[Any]], str, str]


def _score_unique(texts: Sequence[str], langs: Sequence[str | None]) -> list[Row]:
    """Score distinct texts in this process: (lang, score, label, words, model, version)."""
    detected = detect_languages(texts, langs)
    models = current_models()
    out: list[Row | None] = [None] * len(texts)
    for lang in ("es", "fr"):
        idx = [i for i, code in enumerate(detected) if code == lang]
        if idx:
            name, ver = models[lang]
            scores = linear_model(lang).score([texts[i] for i in idx])
            for i, s in zip(idx, scores, strict=True):
                out[i] = (lang, s.score, s.label, [[w, v] for w, v in s.words], name, ver)
    for i, code in enumerate(detected):
        if code == "en":
            compound, moved = vader_score(texts[i])
            out[i] = ("en", compound, label_for(compound), [[w, v] for w, v in moved], EN_MODEL, EN_VERSION)
        elif code not in SUPPORTED:
            name, ver = models[OTHER]
            out[i] = (OTHER, None, UNSCORED, [], name, ver)
    return [r for r in out if r is not None]


def _score_chunk(args: tuple[list[str], list[str | None]]) -> list[Row]:
    return _score_unique(*args)


def score_texts(
    texts: Sequence[str],
    langs: Sequence[str | None] | None = None,
    *,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Score texts: one row per input, in input order.

    Columns: text, lang (en/es/fr/other), score (in [-1, 1], NaN when
    unscored), label (positive/neutral/negative/unscored), words (list of
    ``[word, weight]``), model, model_version. ``langs`` gives a language
    per text (trusted when en, es or fr; anything else is detected).
    Identical (text, language) pairs are scored once.

    >>> score_texts(["I love it", "Me encanta"])[["lang", "label"]].values.tolist()
    [['en', 'positive'], ['es', 'positive']]
    """
    if langs is not None and len(langs) != len(texts):
        raise ValueError(f"{len(langs)} languages for {len(texts)} texts; give one per text or none")
    clean = ["" if t is None or (isinstance(t, float) and math.isnan(t)) else str(t) for t in texts]
    given = [normalise_lang(x) for x in langs] if langs is not None else [None] * len(clean)
    keys: dict[tuple[str, str | None], int] = {}
    position = [keys.setdefault((t, g), len(keys)) for t, g in zip(clean, given, strict=True)]
    uniq_texts = [k[0] for k in keys]
    uniq_langs = [k[1] for k in keys]
    n = len(uniq_texts)
    rows: list[Row] = []
    if n >= PARALLEL_FROM:
        # Warm the models so forked workers inherit them instead of reloading.
        current_models()
        vader_analyzer()
        chunks = [(uniq_texts[i : i + CHUNK], uniq_langs[i : i + CHUNK]) for i in range(0, n, CHUNK)]
        # forkserver, not fork: the app calls this from a multi-threaded
        # Streamlit server, where a forked child can inherit a held lock.
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=multiprocessing.get_context("forkserver")) as pool:
            for k, part in enumerate(pool.map(_score_chunk, chunks)):
                rows.extend(part)
                if progress is not None:
                    progress(
                        (k + 1) / len(chunks), f"Scored {min((k + 1) * CHUNK, n):,} of {n:,} distinct texts"
                    )
    else:
        for i in range(0, max(n, 1), CHUNK):
            rows.extend(_score_unique(uniq_texts[i : i + CHUNK], uniq_langs[i : i + CHUNK]))
            if progress is not None and n:
                progress(min(1.0, (i + CHUNK) / n), f"Scored {min(i + CHUNK, n):,} of {n:,} distinct texts")
    frame = (
        pd.DataFrame.from_records(rows, columns=list(COLUMNS[1:]))
        if rows
        else pd.DataFrame(columns=list(COLUMNS[1:]))
    )
    out = frame.iloc[position].reset_index(drop=True) if len(clean) else frame.iloc[0:0]
    out.insert(0, "text", pd.Series(clean, dtype=object))
    out["score"] = out["score"].astype("float64")
    return out


def score_mentions(db: sqlite_utils.Database, *, progress: Progress | None = None) -> StageSummary:
    """Score mentions that are new or whose model changed, into the ``sentiment`` table.

    A mention is (re)scored when it has no sentiment row, or when the stored
    model or model_version is not the one that scores its language today.
    Identical texts (reshares) are scored once. One transaction.
    """
    started = time.perf_counter()
    models = current_models()
    # Up to date: a row whose (lang, model, model_version) is today's for its
    # language. The test runs in SQLite so a re-run reads no texts at all.
    current = " OR ".join("(s.lang = ? AND s.model = ? AND s.model_version = ?)" for _ in models)
    params = [value for lang, (name, ver) in models.items() for value in (lang, name, ver)]
    todo = store.read_frame(
        db,
        f"SELECT m.mention_id, m.text, m.lang AS given "
        f"FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id "
        f"WHERE s.mention_id IS NULL OR NOT COALESCE({current}, 0)",
        params,
    )
    if todo.empty:
        return StageSummary("sentiment", 0, time.perf_counter() - started, "All mentions already scored.")
    scored = score_texts(
        todo["text"].astype(object).tolist(), todo["given"].astype(object).tolist(), progress=progress
    )
    now = store.utcnow()
    words = [json.dumps(w, ensure_ascii=False) for w in scored["words"]]
    score_values = [None if math.isnan(x) else round(float(x), 4) for x in scored["score"]]
    rows = zip(
        todo["mention_id"].tolist(),
        scored["lang"].tolist(),
        score_values,
        scored["label"].tolist(),
        words,
        scored["model"].tolist(),
        scored["model_version"].tolist(),
        [now] * len(todo),
        strict=True,
    )
    columns = ("mention_id", "lang", "score", "label", "words", "model", "model_version", "scored_at")
    with store.transaction(db):
        store.upsert_rows(db, S.SENTIMENT, columns, rows, total=len(todo))
    distinct = int(todo["text"].nunique())
    seconds = time.perf_counter() - started
    counts = scored["label"].value_counts()
    message = (
        f"Scored {len(todo):,} mentions ({distinct:,} distinct texts): "
        + ", ".join(f"{counts.get(lab, 0):,} {lab}" for lab in LABELS)
        + "."
    )
    log.info("sentiment: %s in %.1f s", message, seconds)
    return StageSummary("sentiment", len(todo), seconds, message)


def sentiment_file(path: str | Path) -> pd.DataFrame:
    """Score a file of texts: one per line, or a CSV with a ``text`` column.

    Returns columns text, lang, score, label in input order (blank lines
    skipped). Raises :class:`~scrm.errors.ImportRejected` when the file is
    missing or a CSV has no ``text`` column.
    """
    p = Path(path)
    if not p.is_file():
        raise ImportRejected(f"{p.name}: file not found. Check the path and try again.")
    texts: list[str]
    if p.suffix.lower() == ".csv":
        from scrm.ingest.readers import read_table

        table = read_table(p)
        column = next((c for c in table.columns if str(c).strip().lower() == "text"), None)
        if column is None:
            raise MissingColumns(
                f"{p.name}: no `text` column (found {', '.join(f'`{c}`' for c in table.columns)}). "
                "Name the column of texts `text`, or give a plain file with one text per line."
            )
        texts = ["" if pd.isna(t) else str(t) for t in table[column].tolist()]
    else:
        raw = p.read_bytes().decode("utf-8-sig", errors="replace")
        texts = [line for line in raw.splitlines() if line.strip()]
    return score_texts(texts)[["text", "lang", "score", "label"]]


def to_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text with spreadsheet formulas neutralised (scores rounded to 4 places)."""
    from scrm.exports import neutralise_formulas

    out = frame.copy()
    if "score" in out.columns:
        out["score"] = out["score"].round(4)
    return str(neutralise_formulas(out).to_csv(index=False))
