"""Sentiment of mentions in the customer's own language.

One interface over one scorer per language:

- the language comes from the export when it says en, es or fr, otherwise
  from :mod:`scrm.analysis.sentiment.language` (lingua, offline);
- English: VADER 3.3.2 compound score (:mod:`scrm.analysis.sentiment.english`);
  label positive at >= 0.05, negative at <= -0.05 (VADER's thresholds);
- Spanish and French: a linear model trained by ``scripts/train_sentiment.py``
  on public labelled tweets and shipped as JSON (:mod:`scrm.analysis.sentiment.linear`);
  score = P(positive) - P(negative); label positive at >= t, negative at
  <= -t, with t stored in each model (chosen by cross-validation on the
  training split).
  Validation macro-F1: es 0.597, fr 0.622 (English-only VADER: about 0.35);
- any other language: label ``unscored``, score NULL. Never the English lexicon.

``words`` lists what moved the score as ``[word, weight]``: VADER's adjusted
valence per word (-4..4) for English; for es/fr the word's contribution to
the log-odds of positive versus negative.

Identical texts are scored once. Big batches use two worker processes:
``score_mentions`` starts them (they load their models) as soon as it has
read enough mentions, sends each chunk of mentions with new texts as it is
read, and writes the rows they return, ready to insert, while they score
the next chunks; it only reads, de-duplicates and writes.
"""

from __future__ import annotations

import ctypes
import gc
import json
import logging
import math
import multiprocessing.context
import multiprocessing.spawn
import os
import signal
import sys
import threading
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, nullcontext, suppress
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import sqlite_utils

from scrm.analysis.sentiment import accurate, adjust, language
from scrm.analysis.sentiment.english import MODEL as EN_MODEL
from scrm.analysis.sentiment.english import MODEL_VERSION as EN_VERSION
from scrm.analysis.sentiment.english import confidence_for, label_for, vader_score
from scrm.analysis.sentiment.language import (
    DEFAULT_LANGUAGES,
    OTHER,
    SUPPORTED,
    LanguagesRefused,
    check_languages,
    detect_languages,
    normalise_lang,
)
from scrm.analysis.sentiment.linear import LinearModel
from scrm.analysis.stage import Progress, StageSummary
from scrm.db import audit, store
from scrm.db import schema as S
from scrm.errors import ConfigError, ImportRejected, MissingColumns, NotFound
from scrm.i18n.messages import Message

log = logging.getLogger(__name__)
# json's own string escaper (the C one when available), as json.dumps(..., ensure_ascii=False) uses it.
_escape: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]

UNSCORED = S.UNSCORED
LABELS: tuple[str, ...] = S.SENTIMENT_LABELS
COLUMNS: tuple[str, ...] = ("text", "lang", "score", "label", "words", "model", "model_version", "confidence")
MODELS_DIR = Path(__file__).resolve().parent / "models"
# A label whose confidence is below this is more likely wrong than right: a
# rescue case or a high-severity alert is never raised on such a score alone
# (scrm.act.rules, scrm.analysis.alerts).
LOW_CONFIDENCE = 0.5
# Below this many distinct texts, starting worker processes costs more than it saves.
PARALLEL_FROM = 50_000
WORKERS = 2
CHUNK = 10_000

__all__ = [
    "LABELS",
    "LOW_CONFIDENCE",
    "StageSummary",
    "current_models",
    "score_mentions",
    "score_texts",
    "sentiment_file",
]




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


# (lang, score, label, words, model, model_version, confidence)
Row = tuple[str, float | None, str, list[list[Any]], str, str, float | None]
Languages = tuple[str, ...]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (scoring makes millions of small,
    acyclic objects; its collections cost 15-30 % of the time for nothing)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _score_unique(
    texts: Sequence[str], langs: Sequence[str | None], languages: Languages = DEFAULT_LANGUAGES
) -> list[Row]:
    """Score distinct texts in this process: (lang, score, label, words, model, version, confidence)."""
    with _gc_paused():
        return _score_unique_now(texts, langs, languages)


def _score_unique_now(
    texts: Sequence[str], langs: Sequence[str | None], languages: Languages = DEFAULT_LANGUAGES
) -> list[Row]:
    detected = detect_languages(texts, langs, languages)
    models = current_models()
    out: list[Row | None] = [None] * len(texts)
    for lang in ("es", "fr"):
        idx = [i for i, code in enumerate(detected) if code == lang]
        if idx:
            name, ver = models[lang]
            scores, labels, words, sure = linear_model(lang).score_with_confidence([texts[i] for i in idx])
            for i, s, lab, moved, c in zip(idx, scores, labels, words, sure, strict=True):
                out[i] = (lang, s, lab, moved, name, ver, c)
    for i, code in enumerate(detected):
        if code == "en":
            compound, valences = vader_score(texts[i])
            out[i] = (
                "en",
                compound,
                label_for(compound),
                [[w, v] for w, v in valences],
                EN_MODEL,
                EN_VERSION,
                confidence_for(compound),
            )
        elif code not in SUPPORTED:
            name, ver = models[OTHER]
            out[i] = (OTHER, None, UNSCORED, [], name, ver, None)
    return [r for r in out if r is not None]


Chunk = tuple[list[str], list[str | None], Languages]


def _score_chunk(args: Chunk) -> list[Row]:
    return _score_unique(*args)


StoredRow = tuple[str, float | None, str, str, str, str, float | None]


def _words_json(words: list[list[Any]]) -> str:
    """``json.dumps(words, ensure_ascii=False)`` for a list of ``[word, float]``, without the
    encoder's generic machinery (same text: the C string escaper json uses, float repr)."""
    if not words:
        return "[]"
    return "[" + ", ".join(f"[{_escape(w)}, {v!r}]" for w, v in words) + "]"


def _stored(rows: list[Row]) -> list[StoredRow]:
    """Rows as stored: score rounded to 4 places, words as JSON text, confidence to 3 places."""
    return [
        (
            lang,
            None if score is None else round(score, 4),
            label,
            _words_json(words),
            name,
            ver,
            None if sure is None else round(sure, 3),
        )
        for lang, score, label, words, name, ver, sure in rows
    ]


def _score_chunk_stored(args: Chunk) -> list[StoredRow]:
    # The JSON of ``words`` is built here, in the worker, so the parent
    # (which writes the rows meanwhile) does not do it for a million rows.
    return _stored(_score_unique(*args))


def _distinct(
    texts: Sequence[object], langs: Sequence[object] | None
) -> tuple[list[str], list[str | None], list[int]]:
    """Distinct (text, language) pairs and, per input, the index of its pair."""
    clean: list[str]
    if set(map(type, texts)) <= {str}:  # the usual case, checked at C speed
        clean = cast(list[str], list(texts))
    else:
        clean = ["" if t is None or (isinstance(t, float) and math.isnan(t)) else str(t) for t in texts]
    if not clean:
        return [], [], []
    # Normalise each distinct tag once, then number the (text, language)
    # pairs in order of first appearance with pandas' hash tables (C speed;
    # the same numbering as a dict filled in input order).
    tags: dict[object, str | None] = {} if langs is None else {x: normalise_lang(x) for x in set(langs)}
    lang_values: list[str | None] = sorted(set(tags.values()) | {None}, key=lambda v: v or "")
    lang_code = {v: i for i, v in enumerate(lang_values)}
    text_codes, text_values = pd.factorize(np.asarray(clean, dtype=object))
    if langs is None:
        pair_codes = text_codes
    else:
        code_of = {x: lang_code[v] for x, v in tags.items()}
        langs_code = np.fromiter(map(code_of.__getitem__, langs), dtype=np.int64, count=len(clean))
        pair_codes = text_codes.astype(np.int64) * len(lang_values) + langs_code
    position, pairs = pd.factorize(pair_codes)
    pairs = np.asarray(pairs, dtype=np.int64)
    uniq_langs: list[str | None]
    if langs is None:
        uniq_texts, uniq_langs = text_values[pairs].tolist(), [None] * len(pairs)
    else:
        uniq_texts = text_values[pairs // len(lang_values)].tolist()
        uniq_langs = [lang_values[c] for c in (pairs % len(lang_values)).tolist()]
    return uniq_texts, uniq_langs, position.tolist()


def _warm_up() -> None:
    """Load the models in a worker (called while the parent still reads the texts)."""
    current_models()
    from scrm.analysis.sentiment import english, language

    english.analyzer()
    language.warm_up()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except OSError:  # no /proc (macOS): kill(0) said it exists
        return True


def _die_with(scorer: int) -> None:
    """In a worker: exit when the scoring process ``scorer`` is gone, even killed with SIGKILL.

    A killed parent cannot shut its pool down, and a worker waiting for its
    next chunk would wait forever (it holds both ends of its queue's pipe).
    On Linux the kernel sends SIGKILL when the worker's parent (the
    forkserver, which itself ends with the scoring process) dies; everywhere
    a thread checks every half second that the scoring process still runs.
    """
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):  # no libc prctl: the thread below still watches
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
    parent = os.getppid()

    def watch() -> None:
        while _alive(scorer) and os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="scrm-watch-scorer", daemon=True).start()


# --- starting the workers without running the app again ----------------------------------------
# multiprocessing "prepares" a new process by running the parent's ``__main__``
# again when that module has a file but no import name. Streamlit runs app.py
# (and each page) as such a ``__main__``: a worker would run the whole app,
# which on a first start builds the demo and starts workers of its own. The
# workers need nothing from ``__main__`` (their functions live in this
# package). Hiding ``__main__`` while they start (sys.modules["__main__"]
# swapped) raced with other sessions' reruns, which set the same key. Instead
# the workers carry a name of their own, and the preparation data
# multiprocessing computes for a process of that name leaves the main module
# out: nothing in the server's ``sys.modules`` changes, and every other
# process (another library's pool, say) is prepared exactly as before.

WORKER_NAME = "scrm-sentiment-worker"
_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")
_install_lock = threading.Lock()


def _without_main(preparation: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    def get_preparation_data(name: str) -> dict[str, Any]:
        data = preparation(name)
        if name.startswith(WORKER_NAME):
            for key in _MAIN_KEYS:
                data.pop(key, None)
        return data

    get_preparation_data.scrm_without_main = True  # type: ignore[attr-defined]
    return get_preparation_data


def _install_main_filter() -> None:
    """Once per process: processes named :data:`WORKER_NAME` are not prepared with the parent's ``__main__``.

    multiprocessing builds the data a new process is prepared with in
    ``multiprocessing.spawn.get_preparation_data`` (for the spawn and
    forkserver start methods alike); the filter wraps it and changes nothing
    for any other process name.
    """
    with _install_lock:
        current = multiprocessing.spawn.get_preparation_data
        if not getattr(current, "scrm_without_main", False):
            multiprocessing.spawn.get_preparation_data = _without_main(current)  # type: ignore[assignment]


class _WorkerProcess(multiprocessing.context.ForkServerProcess):
    """A forkserver process named :data:`WORKER_NAME`-N, so that it starts without the app's ``__main__``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.name.startswith(WORKER_NAME):
            self.name = f"{WORKER_NAME}-{self.name.rpartition('-')[2]}"


class _WorkerContext(multiprocessing.context.ForkServerContext):
    """The forkserver start method, with :class:`_WorkerProcess` for the pool's processes."""

    Process = _WorkerProcess  # type: ignore[assignment]


@cache
def _worker_context() -> _WorkerContext:
    """The multiprocessing context of the scoring workers, set up once per process."""
    _install_main_filter()
    context = _WorkerContext()
    # The forkserver imports this package and loads every model once, lingua's precise
    # detection models included; each worker forked from it starts with them in memory.
    context.set_forkserver_preload([f"{__name__}.preload"])
    return context


@contextmanager
def _worker_pool(items: int, started: threading.Event | None = None) -> Iterator[ProcessPoolExecutor | None]:
    """Two worker processes when ``items`` texts are worth them, else None.

    Started at once and asked to load the models, so that they are ready
    when the parent has read and de-duplicated the texts. Starting them
    waits for their forkserver to load every model (seconds of one core):
    with ``started``, that happens in a background thread, which sets it
    once the workers run, so that the caller can score meanwhile.
    """
    if items < PARALLEL_FROM:
        yield None
        return
    # forkserver, not fork: the app calls this from a multi-threaded
    # Streamlit server, where a forked child can inherit a held lock.
    with ProcessPoolExecutor(
        max_workers=WORKERS,
        mp_context=_worker_context(),
        initializer=_die_with,
        initargs=(os.getpid(),),
    ) as pool:

        def start() -> None:
            try:
                for _ in range(WORKERS):
                    pool.submit(_warm_up)
            finally:  # on failure, the caller's own submit raises the error
                if started is not None:
                    started.set()

        if started is None:
            start()
            yield pool
            return
        starter = threading.Thread(target=start, name="scrm-sentiment-start", daemon=True)
        starter.start()
        try:
            yield pool
        finally:
            starter.join()


def _scored_chunks(
    texts: list[str],
    langs: list[str | None],
    *,
    stored: bool,
    progress: Progress | None,
    pool: ProcessPoolExecutor | None = None,
    languages: Languages = DEFAULT_LANGUAGES,
) -> Iterator[tuple[int, list[Any]]]:
    """(offset, rows) for consecutive chunks of distinct texts, in order.

    Rows are :data:`Row` or, with ``stored``, :data:`StoredRow`. Lazy: a
    caller can write one chunk while the workers score the next ones.
    ``pool`` is a running :func:`_worker_pool` (one is started when it is
    None and there are enough texts).
    """
    n = len(texts)
    chunks: list[Chunk] = [(texts[i : i + CHUNK], langs[i : i + CHUNK], languages) for i in range(0, n, CHUNK)]

    def report(k: int) -> None:
        if progress is not None:
            progress((k + 1) / len(chunks), f"Scored {min((k + 1) * CHUNK, n):,} of {n:,} distinct texts")

    if n >= PARALLEL_FROM:
        # Each worker loads the models once (forkserver children inherit
        # nothing from this process).
        work: Callable[[Chunk], list[Any]] = (
            _score_chunk_stored if stored else _score_chunk
        )
        with _worker_pool(n) if pool is None else nullcontext(pool) as running:
            assert running is not None
            for k, part in enumerate(running.map(work, chunks)):
                yield k * CHUNK, part
                report(k)
    else:
        for k, (part_texts, part_langs, _) in enumerate(chunks):
            rows: list[Any] = _score_unique(part_texts, part_langs, languages)
            yield k * CHUNK, (_stored(rows) if stored else rows)
            report(k)


def score_texts(
    texts: Sequence[str],
    langs: Sequence[str | None] | None = None,
    *,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Score texts: one row per input, in input order.

    Columns: text, lang (en/es/fr/other), score (in [-1, 1], NaN when
    unscored), label (positive/neutral/negative/unscored), words (list of
    ``[word, weight]``), model, model_version, confidence (the calibrated
    probability that the label is right; NaN when unscored). ``langs``
    gives a language per text (trusted when it names one; empty or ``und``
    is detected); ``languages`` are the workspace's, main first (see
    :mod:`scrm.analysis.sentiment.language`). Identical (text, language)
    pairs are scored once.

    >>> score_texts(["I love it", "Me encanta"])[["lang", "label"]].values.tolist()
    [['en', 'positive'], ['es', 'positive']]
    """
    if langs is not None and len(langs) != len(texts):
        raise ValueError(f"{len(langs)} languages for {len(texts)} texts; give one per text or none")
    workspace = check_languages(languages)
    with _gc_paused():
        return _score_texts(texts, langs, progress, workspace)


def _score_texts(
    texts: Sequence[str], langs: Sequence[str | None] | None, progress: Progress | None, languages: Languages
) -> pd.DataFrame:
    uniq_texts, uniq_langs, position = _distinct(texts, langs)
    rows: list[Row] = []
    for _, part in _scored_chunks(uniq_texts, uniq_langs, stored=False, progress=progress, languages=languages):
        rows.extend(part)
    frame = (
        pd.DataFrame.from_records(rows, columns=list(COLUMNS[1:]))
        if rows
        else pd.DataFrame(columns=list(COLUMNS[1:]))
    )
    clean = [uniq_texts[i] for i in position]
    out = frame.iloc[position].reset_index(drop=True) if len(clean) else frame.iloc[0:0]
    out.insert(0, "text", pd.Series(clean, dtype=object))
    out["score"] = out["score"].astype("float64")
    out["confidence"] = out["confidence"].astype("float64").round(3)  # as stored
    return out


def score_mentions(db: sqlite_utils.Database, *, progress: Progress | None = None) -> StageSummary:
    """Score mentions that are new or whose model changed, into the ``sentiment`` table.

    A mention is (re)scored when it has no sentiment row, or when the stored
    model or model_version is not the one that scores its language today.
    Identical texts (reshares) are scored once. One transaction.
    """
    started = time.perf_counter()
    models = current_models()
    languages = workspace_languages(db)
    # Up to date: a row whose (lang, model, model_version) is today's for its
    # language, with a confidence when it was scored. The test runs in SQLite
    # so a re-run reads no texts at all.
    # A version suffixed "+local-<id>" is today's model relabelled by the workspace's adjustment.
    # A row the accurate mode rescored (scrm.analysis.sentiment.accurate) is up to date while its head is installed.
    accepted = [*models.items(), *((lang, (m.name, m.version)) for lang, m in accurate.heads().items())]
    current = " OR ".join(
        "(s.lang = ? AND s.model = ? AND (s.model_version = ? OR s.model_version LIKE ?))" for _ in accepted
    )
    params = [value for lang, (name, ver) in accepted for value in (lang, name, ver, f"{ver}+local-%")]
    # A mention a person corrected keeps their label: never scored again.
    corrections = store.table_exists(db, S.SENTIMENT_CORRECTIONS)
    corrected = apply_corrections(db) if corrections else 0
    cursor = db.execute(
        f"SELECT m.mention_id, m.text, m.lang "
        f"FROM {S.MENTIONS} m LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id "
        + (f"LEFT JOIN {S.SENTIMENT_CORRECTIONS} c ON c.mention_id = m.mention_id WHERE c.mention_id IS NULL AND " if corrections else "WHERE ")
        + f"(s.mention_id IS NULL OR CASE WHEN {current} THEN 0 ELSE 1 END = 1 OR (s.confidence IS NULL AND s.label != ?))",
        [*params, UNSCORED],
    )
    # A first batch tells whether worker processes are worth it; if so they
    # start at once and load their models while the rest is read.
    first = cursor.fetchmany(PARALLEL_FROM)
    if not first:
        second = accurate.rescore(db, models)  # the accurate mode's second look, within its time budget
        adjust.apply(db)
        done = f"All mentions already scored; {corrected:,} corrections applied." if corrected else "All mentions already scored."
        done += _accurate_note(second)
        return StageSummary("sentiment", corrected, time.perf_counter() - started, done)
    fresh = store.is_empty(db, S.SENTIMENT)
    if len(first) < PARALLEL_FROM:
        total, distinct, counts = _score_mentions_here(db, first, fresh, progress, languages)
    else:
        total, distinct, counts = _score_mentions_in_workers(db, first, cursor, fresh, progress, languages)
    second = accurate.rescore(db, models)  # the accurate mode's second look, within its time budget
    adjust.apply(db)  # the workspace's adjustment, learnt from its corrections (sentiment-train)
    seconds = time.perf_counter() - started
    message = (
        f"Scored {total:,} mentions ({distinct:,} distinct texts): "
        + ", ".join(f"{counts.get(lab, 0):,} {lab}" for lab in LABELS)
        + "."
        + _accurate_note(second)
    )
    log.info("sentiment: %s in %.1f s", message, seconds)
    return StageSummary("sentiment", total, seconds, message)


def _accurate_note(run: accurate.AccurateRun) -> str:
    """The accurate mode's part of the stage message ('' when it did nothing)."""
    if not run.rescored:
        return ""
    log.info("sentiment: accurate mode rescored %d of %d mentions in %.1f s", run.rescored, run.candidates, run.seconds)
    return (
        f" Accurate mode: {run.rescored:,} of {run.candidates:,} mentions rescored "
        f"({run.changed:,} labels changed) in {run.seconds:.1f} s."
    )


# The compute stage ``sentiment`` (see scrm.analysis.stage): incremental by itself.
refresh = score_mentions


CORRECTION_MODEL = "correction"
# The score a corrected row gets when the model's score disagrees with the person's label.
_CORRECTED_SCORE_SQL = (
    "CASE c.label WHEN 'positive' THEN (CASE WHEN s.score > 0 THEN s.score ELSE 0.5 END) "
    "WHEN 'negative' THEN (CASE WHEN s.score < 0 THEN s.score ELSE -0.5 END) ELSE 0.0 END"
)


def apply_corrections(db: sqlite_utils.Database) -> int:
    """Make every sentiment row a person corrected show their label; returns how many rows changed.

    The row keeps the model's score when its sign agrees with the label
    (else 0.5, 0 or -0.5), gets confidence 1 and model ``correction``.
    """
    stale = (
        f"FROM {S.SENTIMENT_CORRECTIONS} c LEFT JOIN {S.SENTIMENT} s ON s.mention_id = c.mention_id "
        f"JOIN {S.MENTIONS} m ON m.mention_id = c.mention_id "
        f"WHERE s.mention_id IS NULL OR s.model IS NULL OR s.model != ? OR s.label != c.label"
    )
    count = db.execute(f"SELECT count(*) {stale}", [CORRECTION_MODEL]).fetchone()[0]
    if not count:
        return 0
    with store.transaction(db):
        db.execute(
            f"INSERT INTO {S.SENTIMENT} (mention_id, lang, score, label, words, model, model_version, "
            f"confidence, scored_at) SELECT c.mention_id, coalesce(s.lang, 'other'), {_CORRECTED_SCORE_SQL}, "
            f"c.label, coalesce(s.words, '[]'), ?, '1', 1.0, c.corrected_at {stale} "
            "ON CONFLICT(mention_id) DO UPDATE SET score = excluded.score, label = excluded.label, "
            "model = excluded.model, model_version = excluded.model_version, confidence = excluded.confidence",
            [CORRECTION_MODEL, CORRECTION_MODEL],
        )
    return int(count)


def correct_label(
    db: sqlite_utils.Database, mention_id: str, label: str, *, actor: str, role: str | None = None
) -> None:
    """Store a person's sentiment label for a mention: it wins in every KPI, rule and page, and
    survives every re-scoring. Audited. Raises :class:`~scrm.errors.ConfigError` for an unknown
    label, :class:`~scrm.errors.NotFound` for an unknown mention."""
    wanted = str(label).strip().lower()
    if wanted not in (S.POSITIVE, S.NEUTRAL, S.NEGATIVE):
        raise ConfigError(Message("'{label}' is not a sentiment label. Use positive, neutral or negative.", {"label": str(label)}))
    if db.execute(f"SELECT 1 FROM {S.MENTIONS} WHERE mention_id = ?", [mention_id]).fetchone() is None:
        raise NotFound(Message("No mention '{id}'. Check the mention id (Listening shows it).", {"id": str(mention_id)}))
    row = db.execute(
        f"SELECT coalesce(c.model_label, s.label) FROM {S.MENTIONS} m "
        f"LEFT JOIN {S.SENTIMENT} s ON s.mention_id = m.mention_id "
        f"LEFT JOIN {S.SENTIMENT_CORRECTIONS} c ON c.mention_id = m.mention_id WHERE m.mention_id = ?",
        [mention_id],
    ).fetchone()
    with store.transaction(db):
        store.upsert_rows(
            db, S.SENTIMENT_CORRECTIONS, ("mention_id", "label", "model_label", "corrected_by", "corrected_at"),
            [(mention_id, wanted, row[0] if row else None, actor, store.utcnow())],
        )  # fmt: skip
        apply_corrections(db)
        audit.record(
            db, S.AUDIT_SENTIMENT, actor=actor, role=role, target=mention_id,
            detail={"label": wanted, "model_label": row[0] if row else None},
        )  # fmt: skip


def workspace_languages(db: sqlite_utils.Database) -> tuple[str, ...]:
    """The languages the brand works in, main first (meta ``sentiment_languages``; default en, es, fr).

    Detection chooses among them (and their close neighbours); a text too
    short or ambiguous to tell is scored in the first.
    """
    value = store.get_meta(db, S.META_SENTIMENT_LANGUAGES)
    if not value or not value.strip():
        return DEFAULT_LANGUAGES
    try:
        return check_languages(value)
    except ValueError:  # written by hand: the default rather than no score at all
        return DEFAULT_LANGUAGES


def set_workspace_languages(
    db: sqlite_utils.Database, languages: Sequence[str] | str, *, actor: str, role: str | None = None
) -> tuple[str, ...]:
    """Store the workspace's languages (main first) and forget the scores they decided.

    Every mention is scored again by the next score run, with the new
    languages. Raises :class:`~scrm.errors.ConfigError` for a language scrm
    does not score. Returns what was stored.
    """
    try:
        found = check_languages(languages)
    except LanguagesRefused as e:
        raise ConfigError(Message("Sentiment languages: {why}", {"why": e.message})) from None
    with store.transaction(db):
        previous = workspace_languages(db)
        store.set_meta(db, S.META_SENTIMENT_LANGUAGES, ",".join(found))
        if found != previous and store.table_exists(db, S.SENTIMENT):
            db.execute(f"DELETE FROM {S.SENTIMENT}")
        audit.record(
            db, audit.SETTINGS, actor=actor, role=role, target=S.META_SENTIMENT_LANGUAGES,
            detail={"languages": list(found)},
        )  # fmt: skip
    return found


_COLUMNS = ("mention_id", "lang", "score", "label", "words", "model", "model_version", "confidence", "scored_at")


def _write(db: sqlite_utils.Database, rows: Iterator[tuple[Any, ...]], total: int, fresh: bool) -> None:
    """Write sentiment rows in one transaction (plain INSERTs when the table was empty).

    The rows are scored as they are consumed: they are staged first, outside
    the write lock, so that the transaction holds it for the final write only.
    """
    with _gc_paused(), store.staged_rows(db, _COLUMNS, rows) as (staged, n), store.transaction(db):
        fresh = fresh and store.is_empty(db, S.SENTIMENT)  # checked under the lock
        with store.deferred_indexes(db, S.SENTIMENT, total):
            store.upsert_staged(db, S.SENTIMENT, _COLUMNS, staged, total=n, fresh=fresh)


def _score_mentions_here(
    db: sqlite_utils.Database,
    todo: list[tuple[Any, ...]],
    fresh: bool,
    progress: Progress | None,
    languages: Languages = DEFAULT_LANGUAGES,
) -> tuple[int, int, dict[str, int]]:
    """Score a few mentions in this process: (mentions, distinct texts, count per label)."""
    # Columns by itemgetter maps: several times faster than zip(*todo).
    mention_ids, texts, given = (list(map(itemgetter(k), todo)) for k in range(3))
    uniq_texts, uniq_langs, position = _distinct(texts, given)
    distinct = len(set(texts) - {None})
    # Mentions grouped by their distinct text, so that each scored chunk of
    # distinct texts is written as soon as it arrives.
    pos = np.asarray(position, dtype=np.int64)
    order = np.argsort(pos, kind="stable")
    bounds = np.searchsorted(pos[order], np.arange(0, len(uniq_texts) + CHUNK, CHUNK)).tolist()
    order_list = order.tolist()
    now = store.utcnow()
    counts: dict[str, int] = dict.fromkeys(LABELS, 0)

    def stored_rows() -> Iterator[tuple[Any, ...]]:
        chunks = _scored_chunks(uniq_texts, uniq_langs, stored=True, progress=progress, languages=languages)
        for k, (offset, part) in enumerate(chunks):
            for m in order_list[bounds[k] : bounds[k + 1]]:
                row = part[position[m] - offset]
                counts[row[2]] += 1
                yield (mention_ids[m], *row, now)

    _write(db, stored_rows(), len(mention_ids), fresh)
    return len(mention_ids), distinct, counts


def _score_mention_chunk(
    args: tuple[list[Any], list[str], list[Any], str, Languages],
) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """In a worker: the sentiment rows, ready to insert, of a chunk of mentions, and the count per
    label (the parent sends each (text, language) once)."""
    mention_ids, texts, given, now, languages = args
    with _gc_paused():
        uniq_texts, uniq_langs, position = _distinct(texts, given)
        scored = _score_unique_now(uniq_texts, uniq_langs, languages)
        rows = [
            (
                mention_id,
                lang,
                None if score is None else round(score, 4),
                label,
                _words_json(words),
                name,
                ver,
                None if sure is None else round(sure, 3),
                now,
            )
            for mention_id, (lang, score, label, words, name, ver, sure) in zip(
                mention_ids, map(scored.__getitem__, position), strict=True
            )
        ]
        return rows, dict(Counter(map(itemgetter(3), rows)))


def _score_mentions_in_workers(
    db: sqlite_utils.Database,
    first: list[tuple[Any, ...]],
    cursor: Any,
    fresh: bool,
    progress: Progress | None,
    languages: Languages = DEFAULT_LANGUAGES,
) -> tuple[int, int, dict[str, int]]:
    """Score many mentions in worker processes: (mentions, distinct texts, count per label).

    This process only reads, de-duplicates and writes. Each chunk of
    mentions read goes to the workers at once (they score while the rest
    is read); a mention whose (text, language) was already sent is not
    sent again: its row is copied from the first one's. Workers return
    rows ready to insert, written in order while they score the next chunks.
    """
    now = store.utcnow()
    # Mentions sent to the workers are numbered in sending order. ``seen``:
    # text -> number of the first mention sent with it, whose language tag is
    # in ``sent_given``; the same text with another tag is looked up in
    # ``tagged`` by (text, tag). Keys are the texts themselves (no tuples):
    # the usual chunk, all new texts, is checked and added at C speed.
    seen: dict[Any, int] = {}
    tagged: dict[tuple[Any, Any], int] = {}
    sent_given: list[Any] = []
    starts: list[int] = []  # number of the first mention sent in each chunk
    # Per chunk: (mention_id, chunk, position) of the sent mention whose row it copies.
    copies: list[list[tuple[Any, int, int]]] = []
    wanted: dict[int, set[int]] = {}  # chunk -> positions of rows to keep for copies
    # The workers start in the background (their forkserver loads the models on
    # one core): until they run, this process scores the chunks itself on the other.
    ready = threading.Event()
    score_here = True
    with _worker_pool(PARALLEL_FROM, started=ready) as pool:
        assert pool is not None
        futures: list[Future[tuple[list[tuple[Any, ...]], dict[str, int]]] | None] = []
        total = 0
        rows = first
        while rows:
            for begin in range(0, len(rows), CHUNK):
                piece = rows[begin : begin + CHUNK]
                total += len(piece)
                base = len(sent_given)
                starts.append(base)
                mention_ids, texts, given = (list(map(itemgetter(j), piece)) for j in range(3))
                mine: list[tuple[Any, int, int]] = []
                if seen.keys().isdisjoint(texts) and len(dict.fromkeys(texts)) == len(texts):
                    seen.update(zip(texts, range(base, base + len(texts)), strict=True))
                    sent_given.extend(given)
                else:
                    send_ids: list[Any] = []
                    send_texts: list[str] = []
                    for mention_id, text, tag in zip(mention_ids, texts, given, strict=True):
                        at = seen.get(text)
                        if at is None:
                            seen[text] = len(sent_given)
                        elif sent_given[at] != tag:
                            at = tagged.get((text, tag))
                            if at is None:
                                tagged[(text, tag)] = len(sent_given)
                        if at is None:
                            sent_given.append(tag)
                            send_ids.append(mention_id)
                            send_texts.append(text)
                        else:
                            c = bisect_right(starts, at) - 1  # the last chunk starting there sent it
                            mine.append((mention_id, c, at - starts[c]))
                            wanted.setdefault(c, set()).add(at - starts[c])
                    mention_ids, texts, given = send_ids, send_texts, sent_given[base:]
                copies.append(mine)
                work = (mention_ids, texts, given, now, languages)
                scored_here = None
                if score_here and not ready.is_set():
                    try:
                        with language.without_loading_precise():
                            scored_here = _score_mention_chunk(work)
                    except language.PreciseNotLoaded:  # the workers' forkserver loads those models
                        score_here = False
                if scored_here is None:
                    futures.append(pool.submit(_score_mention_chunk, work))
                else:
                    here: Future[tuple[list[tuple[Any, ...]], dict[str, int]]] = Future()
                    here.set_result(scored_here)
                    futures.append(here)
            if progress is not None:
                progress(0.0, f"Read {total:,} mentions to score")
            rows = cursor.fetchmany(CHUNK * 4)
        distinct = len(seen) - (None in seen)
        counts: dict[str, int] = dict.fromkeys(LABELS, 0)

        def chunks() -> Iterator[list[tuple[Any, ...]]]:
            kept: dict[tuple[int, int], tuple[Any, ...]] = {}  # rows that later copies need
            written = 0
            for k in range(len(futures)):
                # Taken out of the list: a written chunk's rows are not kept in memory.
                future, futures[k] = futures[k], None
                assert future is not None
                part, part_counts = future.result()
                del future
                for label, n in part_counts.items():
                    counts[label] += n
                for j in wanted.pop(k, ()):
                    kept[k, j] = part[j]
                yield part
                if copies[k]:
                    copied = [(mention_id, *kept[c, j][1:]) for mention_id, c, j in copies[k]]
                    for row in copied:
                        counts[row[3]] += 1
                    yield copied
                written += len(part) + len(copies[k])
                if progress is not None:
                    progress(written / total, f"Scored {written:,} of {total:,} mentions")

        # The workers run before the write starts, as when this process waited for them: a
        # scoring process killed while it writes leaves no forkserver still loading models.
        ready.wait()
        _write(db, chain.from_iterable(chunks()), total, fresh)
    return total, distinct, counts


def sentiment_file(
    path: str | Path,
    languages: Sequence[str] | str | None = None,
    *,
    db: sqlite_utils.Database | None = None,
) -> pd.DataFrame:
    """Score a file of texts: one per line, or a CSV with a ``text`` column and an optional ``lang`` one.

    Returns columns text, lang, score, label, confidence in input order
    (blank lines of a plain file skipped). A given ``lang`` (or ``language``)
    is trusted: en, es or fr is scored in that language, another language
    code is left unscored, an empty cell is detected among ``languages``
    (main first; else the workspace's of ``db``; else en, es, fr). Raises
    :class:`~scrm.errors.ImportRejected` when the file is missing or a CSV
    has no ``text`` column, :class:`~scrm.errors.ConfigError` for a
    language scrm does not score.
    """
    if languages is not None:
        try:
            languages = check_languages(languages)
        except LanguagesRefused as e:
            raise ConfigError(Message("Sentiment languages: {why}", {"why": e.message})) from None
    else:
        languages = DEFAULT_LANGUAGES if db is None else workspace_languages(db)
    p = Path(path)
    if not p.is_file():
        raise ImportRejected(Message("{file}: file not found. Check the path and try again.", {"file": p.name}))
    texts: list[str]
    langs: list[str | None] | None = None
    if p.suffix.lower() == ".csv":
        from scrm.ingest.readers import read_table

        table = read_table(p)
        names = {str(c).strip().lower(): c for c in table.columns}
        column = names.get("text")
        if column is None:
            raise MissingColumns(Message(
                "{file}: no `text` column (found {columns}). "
                "Name the column of texts `text`, or give a plain file with one text per line.",
                {"file": p.name, "columns": ", ".join(f"`{c}`" for c in table.columns)},
            ))
        texts = ["" if pd.isna(t) else str(t) for t in table[column].tolist()]
        given = names.get("lang", names.get("language"))
        if given is not None:
            langs = [None if pd.isna(v) else str(v) for v in table[given].tolist()]
    else:
        raw = p.read_bytes().decode("utf-8-sig", errors="replace")
        texts = [line for line in raw.splitlines() if line.strip()]
    return score_texts(texts, langs, languages=languages)[["text", "lang", "score", "label", "confidence"]]
