"""Sentiment checked against published, labelled data in ``../shared/data``.

- English: VADER's own ground truth (Hutto & Gilbert, ICWSM 2014), 4,200
  tweets rated by 10 people; the paper reports r = 0.881, vaderSentiment
  3.3.2 gets 0.872.
- Spanish and French: macro-F1 on the validation splits of the XLM-T
  sentiment benchmark (never seen in training). Achieved by the shipped
  models: es 0.597, fr 0.622; English-only VADER gets about 0.35.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from scrm.analysis import sentiment
from scrm.analysis.sentiment.english import label_for, vader_score

# Validation macro-F1 of the shipped models (printed by scripts/train_sentiment.py).
ACHIEVED = {"es": 0.597, "fr": 0.622}
MARGIN = 0.01
FOLDERS = {"es": "tweets-spanish", "fr": "tweets-french"}
CLASSES = ("negative", "neutral", "positive")  # labels 0, 1, 2 in the files


def read_split(folder: Path, split: str) -> tuple[list[str], list[str]]:
    labels = [CLASSES[int(x)] for x in (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()]
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")[: len(labels)]
    return texts, labels


def test_english_score_correlates_with_vader_ground_truth(shared_data: Path) -> None:
    path = shared_data / "vader-icwsm2014" / "tweets_GroundTruth.txt"
    rows = [
        line.split("\t") for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line
    ]
    ratings = np.array([float(r[1]) for r in rows])
    texts = [r[2] for r in rows]
    # Scored as English explicitly: the ground truth is English by construction.
    scores = sentiment.score_texts(texts, ["en"] * len(texts))["score"].to_numpy()
    r = float(np.corrcoef(scores, ratings)[0, 1])
    print(f"VADER ground truth tweets: n={len(texts)}, Pearson r={r:.3f}")
    assert len(texts) == 4200
    assert r >= 0.87


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_spanish_and_french_models_reach_their_macro_f1_and_beat_english_vader(
    shared_data: Path, lang: str
) -> None:
    texts, gold = read_split(shared_data / FOLDERS[lang], "val")
    ours = sentiment.score_texts(texts, [lang] * len(texts))["label"].tolist()
    f1 = f1_score(gold, ours, average="macro")
    vader = [label_for(vader_score(t)[0]) for t in texts]
    baseline = f1_score(gold, vader, average="macro")
    print(f"{lang}: n={len(texts)}, macro-F1 {f1:.3f} (English-only VADER {baseline:.3f})")
    assert f1 >= max(ACHIEVED[lang] - MARGIN, 0.55)
    assert f1 > baseline + 0.1
