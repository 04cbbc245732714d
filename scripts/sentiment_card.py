"""Write the sentiment model card's figures: ``scrm/analysis/sentiment/models/card.json``.

Run after training (``scripts/train_sentiment.py``): each language is scored end to end,
as ``python -m scrm sentiment FILE`` does (language detected, never forced; an unscored
text counts as wrong), on data no setting was chosen on. Per language: macro-F1 with a
95% bootstrap interval (2,000 resamples), the confusion matrix, and detection accuracy
(the share of texts detected as their own language). The Listening page's "How accurate
is this?" panel shows these figures; it never recomputes them.

    python scripts/sentiment_card.py DATA_DIR

DATA_DIR holds ``tweets-spanish``/``tweets-french`` (``val_text.txt``, ``val_labels.txt``)
and ``vader-icwsm2014/tweets_GroundTruth.txt``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from scrm.analysis import sentiment
from scrm.analysis.sentiment import adjust

CLASSES = ["negative", "neutral", "positive"]
OUT = Path(__file__).resolve().parent.parent / "scrm" / "analysis" / "sentiment" / "models" / "card.json"
# VADER's tweets carry a mean rating from -4 to 4: a rating within ±NEUTRAL_BAND is neutral.
NEUTRAL_BAND = 0.5


def evaluate(texts: list[str], gold: list[str], lang: str, data: str) -> dict[str, object]:
    scored = sentiment.score_texts(texts)
    ours = scored["label"].astype(str).to_numpy()
    truth = np.array([CLASSES.index(g) for g in gold])
    guess = np.array([CLASSES.index(o) if o in CLASSES else -1 for o in ours])
    f1 = adjust.macro_f1(truth, guess) if (guess >= 0).all() else _f1_with_unscored(truth, guess)
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(2000):
        i = rng.integers(0, len(truth), len(truth))
        samples.append(_f1_with_unscored(truth[i], guess[i]))
    low, high = np.percentile(samples, [2.5, 97.5])
    matrix = [[int(np.sum((truth == t) & (guess == g))) for g in range(3)] + [int(np.sum((truth == t) & (guess == -1)))]
              for t in range(3)]  # fmt: skip
    return {
        "lang": lang, "data": data, "texts": len(texts), "macro_f1": round(f1, 3),
        "interval": [round(float(low), 3), round(float(high), 3)],
        "confusion": {"classes": CLASSES, "columns": [*CLASSES, "unscored"], "rows": matrix},
        "detection_accuracy": round(float(np.mean(scored["lang"].astype(str).to_numpy() == lang)), 4),
    }  # fmt: skip


def _f1_with_unscored(truth: np.ndarray, guess: np.ndarray) -> float:
    """Macro-F1 over the three classes; an unscored text (-1) is wrong for every class."""
    f1s = []
    for c in range(3):
        tp = float(np.sum((truth == c) & (guess == c)))
        fp = float(np.sum((truth != c) & (guess == c)))
        fn = float(np.sum((truth == c) & (guess != c)))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s))


def main(data: Path) -> None:
    card: dict[str, object] = {"format": "scrm-sentiment-card/1", "languages": {}}
    rows = [line.split("\t") for line in (data / "vader-icwsm2014" / "tweets_GroundTruth.txt")
            .read_text(encoding="utf-8", errors="replace").splitlines() if line]  # fmt: skip
    gold = ["positive" if float(r[1]) >= NEUTRAL_BAND else "negative" if float(r[1]) <= -NEUTRAL_BAND else "neutral" for r in rows]
    en = evaluate([r[2] for r in rows], gold, "en",
                  f"VADER's rated tweets (Hutto & Gilbert 2014), mean rating within ±{NEUTRAL_BAND} counted neutral")  # fmt: skip
    card["languages"]["en"] = en  # type: ignore[index]
    for lang, folder, name in (("es", "tweets-spanish", "InterTASS 2017"), ("fr", "tweets-french", "DEFT 2017")):
        labels = [CLASSES[int(x)] for x in (data / folder / "val_labels.txt").read_text(encoding="utf-8").split()]
        texts = (data / folder / "val_text.txt").read_text(encoding="utf-8").split("\n")[: len(labels)]
        card["languages"][lang] = evaluate(texts, labels, lang, f"{name} validation split, held out")  # type: ignore[index]
    OUT.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: (v["macro_f1"], v["interval"], v["detection_accuracy"]) for k, v in card["languages"].items()}))  # type: ignore[attr-defined]


if __name__ == "__main__":
    main(Path(sys.argv[1]))
