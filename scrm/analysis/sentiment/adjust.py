"""A workspace's own adjustment of the fast models, learnt from its corrections.

People correct labels (:func:`scrm.analysis.sentiment.correct_label`); each
correction says what the label of one text should have been. :func:`train`
fits, per language, a small multinomial logistic layer over the fast model's
score ``s`` (features ``1, s, s², s³``): it moves the class boundaries where
this workspace's texts need them (a brand whose customers write "fine" when
they are unhappy, a sector whose jargon reads neutral). The layer is judged
by k-fold cross-validation on the corrections and adopted for a language only
when its cross-validated macro-F1 beats the current model's on the same
corrections by :data:`MIN_GAIN`. It is stored as JSON in meta
``sentiment_adjustment`` (no pickle); :func:`apply` relabels the scored rows of
the adjusted languages (score kept, label and confidence from the layer,
``model_version`` suffixed ``+local-<id>``).

The corrections are chosen by people, mostly where the model was wrong, so the
figures are accuracy on corrected texts, not on all texts: they can only say
whether the layer fits this workspace's corrections better than the model does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from scrm.db import schema as S
from scrm.db import store

CLASSES: tuple[str, ...] = ("negative", "neutral", "positive")
META_KEY = S.META_SENTIMENT_ADJUSTMENT
FORMAT = "scrm-sentiment-adjustment/1"
MIN_CORRECTIONS = 20  # per language: fewer and cross-validation says nothing
MIN_GAIN = 0.02  # macro-F1 the layer must gain over the model, cross-validated
FOLDS = 5
_L2 = 1e-2
_STEPS = 400


@dataclass(frozen=True)
class LanguageResult:
    """What training found for one language."""

    lang: str
    corrections: int
    before: float  # the current model's macro-F1 on the corrections
    after: float | None  # the layer's cross-validated macro-F1 (None: not trained)
    adopted: bool
    reason: str


@dataclass
class TrainResult:
    languages: list[LanguageResult] = field(default_factory=list)

    @property
    def adopted(self) -> list[str]:
        return [r.lang for r in self.languages if r.adopted]


def features(scores: np.ndarray) -> np.ndarray:
    s = np.clip(np.asarray(scores, dtype=float), -1.0, 1.0)
    return np.column_stack([np.ones_like(s), s, s * s, s * s * s])


def _fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights (features x classes) of an L2-regularised softmax regression, by gradient descent."""
    w = np.zeros((x.shape[1], len(CLASSES)))
    onehot = np.eye(len(CLASSES))[y]
    step = 0.5
    for _ in range(_STEPS):
        p = _probabilities(x, w)
        grad = x.T @ (p - onehot) / len(y) + _L2 * w
        w -= step * grad
    return w


def _probabilities(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    logits = x @ w
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def macro_f1(truth: np.ndarray, guess: np.ndarray) -> float:
    """Macro-F1 over the classes present in ``truth`` or ``guess``.

    >>> macro_f1(np.array([0, 1, 2]), np.array([0, 1, 2]))
    1.0
    """
    present = sorted(set(truth.tolist()) | set(guess.tolist()))
    f1s = []
    for c in present:
        tp = float(np.sum((truth == c) & (guess == c)))
        fp = float(np.sum((truth != c) & (guess == c)))
        fn = float(np.sum((truth == c) & (guess != c)))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s)) if f1s else 0.0


def _cross_validated(scores: np.ndarray, y: np.ndarray) -> float:
    """Macro-F1 of the layer over ``FOLDS`` folds (each text predicted by a layer that never saw it)."""
    order = np.random.default_rng(0).permutation(len(y))
    folds = np.array_split(order, min(FOLDS, len(y)))
    guess = np.empty_like(y)
    x = features(scores)
    for held in folds:
        keep = np.setdiff1d(order, held)
        w = _fit(x[keep], y[keep])
        guess[held] = _probabilities(x[held], w).argmax(axis=1)
    return macro_f1(y, guess)


def load(db: sqlite_utils.Database) -> dict[str, Any]:
    """The stored adjustment: ``{"format", "languages": {lang: {"weights", "id", ...}}}`` (empty when none)."""
    raw = store.get_meta(db, META_KEY)
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) and data.get("format") == FORMAT else {}


def _corrections(db: sqlite_utils.Database) -> list[tuple[str, str | None, str]]:
    if not store.table_exists(db, S.SENTIMENT_CORRECTIONS):
        return []
    rows = db.execute(
        f"SELECT m.text, coalesce(nullif(s.lang, 'other'), nullif(trim(m.lang), '')), c.label "
        f"FROM {S.SENTIMENT_CORRECTIONS} c JOIN {S.MENTIONS} m ON m.mention_id = c.mention_id "
        f"LEFT JOIN {S.SENTIMENT} s ON s.mention_id = c.mention_id ORDER BY c.mention_id"
    ).fetchall()
    return [(str(t or ""), lang, str(label)) for t, lang, label in rows if label in CLASSES]


def train(db: sqlite_utils.Database, *, actor: str, role: str | None = None) -> TrainResult:
    """Fit and judge a layer per language on the corrections; store those that beat the model (audited).

    A language whose layer does not beat the model keeps its previous state
    (none, or the layer adopted before).
    """
    from scrm.analysis.sentiment import score_texts, workspace_languages
    from scrm.db import audit

    rows = _corrections(db)
    result = TrainResult()
    if not rows:
        return result
    scored = score_texts([t for t, _, _ in rows], [lang for _, lang, _ in rows], languages=workspace_languages(db))
    truth = np.array([CLASSES.index(label) for _, _, label in rows])
    stored = load(db) or {"format": FORMAT, "languages": {}}
    for lang in sorted(set(scored["lang"]) - {S.UNSCORED, "other"}):
        pick = (scored["lang"] == lang).to_numpy() & scored["score"].notna().to_numpy()
        n = int(pick.sum())
        model = np.array([CLASSES.index(lab) if lab in CLASSES else 1 for lab in scored["label"][pick]])
        before = macro_f1(truth[pick], model) if n else 0.0
        if n < MIN_CORRECTIONS:
            result.languages.append(LanguageResult(lang, n, before, None, False, f"needs at least {MIN_CORRECTIONS} corrections"))
            continue
        if len(set(truth[pick].tolist())) < 2:
            result.languages.append(LanguageResult(lang, n, before, None, False, "the corrections name only one label"))
            continue
        scores = scored["score"][pick].to_numpy(dtype=float)
        after = _cross_validated(scores, truth[pick])
        if after < before + MIN_GAIN:
            result.languages.append(LanguageResult(lang, n, before, after, False, "no better than the model"))
            continue
        weights = _fit(features(scores), truth[pick])
        payload = {"weights": np.round(weights, 6).tolist(), "corrections": n, "before": round(before, 4),
                   "after": round(after, 4), "trained_at": store.utcnow()}  # fmt: skip
        payload["id"] = hashlib.sha256(json.dumps(payload["weights"]).encode()).hexdigest()[:8]
        stored["languages"][lang] = payload
        result.languages.append(LanguageResult(lang, n, before, after, True, "adopted"))
    with store.transaction(db):
        if result.adopted:
            store.set_meta(db, META_KEY, json.dumps(stored, sort_keys=True))
        audit.record(
            db, audit.SETTINGS, actor=actor, role=role, target=META_KEY,
            detail={r.lang: {"corrections": r.corrections, "before": round(r.before, 4),
                             "after": None if r.after is None else round(r.after, 4), "adopted": r.adopted}
                    for r in result.languages},
        )  # fmt: skip
    if result.adopted:
        apply(db)
    return result


def suffix(entry: dict[str, Any]) -> str:
    """What an adjusted row's ``model_version`` ends with."""
    return f"+local-{entry['id']}"


def apply(db: sqlite_utils.Database) -> int:
    """Relabel the scored rows of the adjusted languages with the layer; returns how many changed.

    Rows a person corrected are left alone; the score is kept.
    """
    languages = load(db).get("languages", {})
    if not languages or not store.table_exists(db, S.SENTIMENT):
        return 0
    changed = 0
    for lang, entry in languages.items():
        end = suffix(entry)
        rows = db.execute(
            f"SELECT mention_id, score, model_version FROM {S.SENTIMENT} WHERE lang = ? AND score IS NOT NULL "
            f"AND model != 'correction' AND (model_version IS NULL OR model_version NOT LIKE ?)",
            [lang, f"%{end}"],
        ).fetchall()
        if not rows:
            continue
        w = np.asarray(entry["weights"], dtype=float)
        p = _probabilities(features(np.array([r[1] for r in rows], dtype=float)), w)
        best = p.argmax(axis=1)
        updates = [
            (CLASSES[int(k)], round(float(p[i, k]), 3), str(r[2] or "").split("+local-")[0] + end, r[0])
            for i, (r, k) in enumerate(zip(rows, best, strict=True))
        ]
        with store.transaction(db):
            db.conn.executemany(
                f"UPDATE {S.SENTIMENT} SET label = ?, confidence = ?, model_version = ? WHERE mention_id = ?", updates
            )
        changed += len(updates)
    return changed


CARD_FILE = Path(__file__).resolve().parent / "models" / "card.json"


def model_card() -> dict[str, Any]:
    """The figures recorded when the models were trained (``scripts/sentiment_card.py``): per
    language ``macro_f1``, ``interval``, ``confusion``, ``detection_accuracy``, ``data``, ``texts``.
    Empty when the file is missing or unreadable."""
    try:
        data = json.loads(CARD_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    languages = data.get("languages") if isinstance(data, dict) else None
    return languages if isinstance(languages, dict) else {}


def corrections_accuracy(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per language: corrections, how many the model had right (a person confirmed its label),
    that share, and the adjustment in use (its cross-validated macro-F1 before/after, or None)."""
    if not store.table_exists(db, S.SENTIMENT_CORRECTIONS):
        return []
    rows = db.execute(
        f"SELECT coalesce(nullif(s.lang, 'other'), nullif(trim(m.lang), ''), 'other') AS lang, count(*), "
        f"sum(CASE WHEN c.model_label = c.label THEN 1 ELSE 0 END) FROM {S.SENTIMENT_CORRECTIONS} c JOIN {S.MENTIONS} m ON m.mention_id = c.mention_id "
        f"LEFT JOIN {S.SENTIMENT} s ON s.mention_id = c.mention_id GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
    adjusted = load(db).get("languages", {})
    out = []
    for lang, n, right in rows:
        entry = adjusted.get(lang)
        out.append({
            "lang": lang, "corrections": int(n), "model_right": int(right or 0), "accuracy": (right or 0) / n,
            "adjusted_before": entry.get("before") if entry else None, "adjusted_after": entry.get("after") if entry else None,
        })  # fmt: skip
    return out


def corrections_export(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """The corrections as labelled data: (text, lang, label), oldest first."""
    if not store.table_exists(db, S.SENTIMENT_CORRECTIONS):
        return []
    rows = db.execute(
        f"SELECT m.text, coalesce(nullif(s.lang, 'other'), nullif(trim(m.lang), ''), ''), c.label "
        f"FROM {S.SENTIMENT_CORRECTIONS} c JOIN {S.MENTIONS} m ON m.mention_id = c.mention_id "
        f"LEFT JOIN {S.SENTIMENT} s ON s.mention_id = c.mention_id ORDER BY c.corrected_at, c.mention_id"
    ).fetchall()
    return [(str(t or ""), str(lang), str(label)) for t, lang, label in rows]
