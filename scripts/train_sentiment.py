"""Train the Spanish and French sentiment models and export them as JSON.

Usage (from the repository root)::

    python scripts/train_sentiment.py            # writes scrm/analysis/sentiment/models/{es,fr}.json
    python scripts/train_sentiment.py --check    # retrains and fails if the committed files differ

Data: the labelled tweets in ``$SCRM_SHARED_DATA`` (default ``../shared/data``),
folders ``tweets-spanish`` and ``tweets-french`` (InterTASS 2017 and the
French set of the XLM-T sentiment benchmark; 1,839 training and 324
validation tweets each, labels 0 negative, 1 neutral, 2 positive).

Method (see ``scrm/analysis/sentiment/linear.py`` for the features):

1. TF-IDF (sublinear tf, l2) over word, word-pair, character 2-5-gram and
   lexicon features that occur in at least 2 training tweets;
2. multinomial logistic regression (lbfgs); C picked from ``C_GRID`` by
   5-fold stratified cross-validation on the training split (macro-F1), so
   the validation split stays unseen until the final figure; the label
   threshold t on the score (positive >= t, negative <= -t) is picked the
   same way from out-of-fold probabilities;
3. pruning: keep the ``KEEP`` features with the largest coefficients and refit
   on that vocabulary, so the exported model is exactly the model evaluated;
4. export JSON with coefficients rounded to 6 significant digits, then load
   it back with :class:`scrm.analysis.sentiment.linear.LinearModel` and print the
   validation macro-F1 of the exported file.

Everything is deterministic (lbfgs, fixed folds), so a rerun rewrites the same
bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrm.analysis.sentiment.linear import FORMAT, LEXICON, LinearModel, features  # noqa: E402

FOLDERS = {"es": "tweets-spanish", "fr": "tweets-french"}
NAMES = {"es": "scrm-linear-es", "fr": "scrm-linear-fr"}
C_GRID = (1.0, 3.0, 10.0)
MIN_DF = 2
KEEP = 12_000
THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
VERSION = "1"
LABELS = ("negative", "neutral", "positive")


def shared_data() -> Path:
    """The validation data folder: ``$SCRM_SHARED_DATA`` or ``../shared/data``."""
    value = os.environ.get("SCRM_SHARED_DATA", "").strip()
    return Path(value) if value else ROOT.parent / "shared" / "data"


def read_split(folder: Path, split: str) -> tuple[list[str], list[int]]:
    """Texts and labels of one split (one tweet per line)."""
    labels = [int(x) for x in (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()]
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")[: len(labels)]
    return texts, labels


def labels_at(score: np.ndarray, threshold: float) -> np.ndarray:
    """Class numbers (0 negative, 1 neutral, 2 positive) from scores and a threshold."""
    return np.where(score >= threshold, 2, np.where(score <= -threshold, 0, 1))


def _round(values: np.ndarray) -> list[float]:
    return [float(f"{v:.6g}") for v in values.tolist()]


def train(lang: str, data: Path) -> tuple[dict[str, object], dict[str, float]]:
    """Fit one language's model; returns its JSON spec and the figures."""
    folder = data / FOLDERS[lang]
    train_x, train_y = read_split(folder, "train")
    lexicon = LEXICON[lang]

    def analyser(text: str) -> list[str]:
        return features(text, lexicon)

    vec = TfidfVectorizer(analyzer=analyser, sublinear_tf=True, min_df=MIN_DF)
    x = vec.fit_transform(train_x)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    cv = {}
    for c in C_GRID:
        pred = cross_val_predict(LogisticRegression(C=c, max_iter=5000), x, train_y, cv=folds)
        cv[c] = f1_score(train_y, pred, average="macro")
    best_c = max(C_GRID, key=lambda c: (cv[c], -c))
    # The label threshold on the score P(pos) - P(neg), from out-of-fold
    # probabilities: labels then agree with the score's sign and size.
    oof = cross_val_predict(
        LogisticRegression(C=best_c, max_iter=5000), x, train_y, cv=folds, method="predict_proba"
    )
    oof_score = oof[:, 2] - oof[:, 0]
    by_threshold = {t: f1_score(train_y, labels_at(oof_score, t), average="macro") for t in THRESHOLDS}
    threshold = max(THRESHOLDS, key=lambda t: (by_threshold[t], -t))

    model = LogisticRegression(C=best_c, max_iter=5000).fit(x, train_y)
    names = vec.get_feature_names_out()
    strength = np.abs(model.coef_).max(axis=0)
    # Stable order: strongest first, ties by name; then sorted by name for the file.
    order = sorted(range(len(names)), key=lambda j: (-strength[j], names[j]))[:KEEP]
    vocabulary = sorted(str(names[j]) for j in order)

    vec = TfidfVectorizer(analyzer=analyser, sublinear_tf=True, vocabulary=vocabulary)
    x = vec.fit_transform(train_x)
    model = LogisticRegression(C=best_c, max_iter=5000).fit(x, train_y)
    spec: dict[str, object] = {
        "format": FORMAT,
        "name": NAMES[lang],
        "lang": lang,
        "version": VERSION,
        "classes": list(LABELS),
        "lexicon": True,
        "method": (
            "TF-IDF (sublinear, l2) over words, word pairs, char 2-5-grams and lexicon polarity; "
            f"logistic regression C={best_c:g} chosen by 5-fold CV on train; top {KEEP} features"
        ),
        "training_data": f"{FOLDERS[lang]}/train_text.txt ({len(train_x)} tweets)",
        "threshold": threshold,
        "vocabulary": vocabulary,
        "idf": _round(vec.idf_),
        "coef": [_round(row) for row in model.coef_],
        "intercept": _round(model.intercept_),
    }
    return spec, {"C": best_c, "cv_macro_f1": by_threshold[threshold], "threshold": threshold}


def evaluate(spec: dict[str, object], data: Path) -> float:
    """Validation macro-F1 of the exported model, loaded the way scrm loads it."""
    lang = str(spec["lang"])
    val_x, val_y = read_split(data / FOLDERS[lang], "val")
    model = LinearModel(spec)
    labels = [LABELS.index(s.label) for s in model.score(val_x)]
    return float(f1_score(val_y, labels, average="macro"))


def dump(spec: dict[str, object]) -> str:
    """The JSON text of a model: compact, one key order, ends with a newline."""
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Train both models, write (or check) them and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "scrm" / "sentiment" / "models")
    parser.add_argument("--check", action="store_true", help="fail if the committed models differ")
    args = parser.parse_args(argv)
    data = shared_data()
    if not data.is_dir():
        print(f"error: training data not found at {data}; set SCRM_SHARED_DATA", file=sys.stderr)
        return 2
    status = 0
    for lang in FOLDERS:
        spec, figures = train(lang, data)
        f1 = evaluate(spec, data)
        text = dump(spec)
        path = args.out / f"{lang}.json"
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        print(
            f"{lang}: C={figures['C']:g} threshold {figures['threshold']:g}, cv macro-F1 {figures['cv_macro_f1']:.3f}, "
            f"validation macro-F1 {f1:.3f}, {len(spec['vocabulary'])} features, "  # type: ignore[arg-type]
            f"{len(text.encode('utf-8')) / 1e6:.2f} MB, sha256 {digest}"
        )
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"error: {path.name} differs from the retrained model", file=sys.stderr)
                status = 1
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
