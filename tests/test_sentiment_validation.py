"""Sentiment checked against published, labelled data in ``../shared/data``, end to end.

Every figure goes through :func:`scrm.analysis.sentiment.sentiment_file`, the
code path of ``python -m scrm sentiment FILE``: the language is detected,
never forced, and an ``unscored`` text counts as wrong.

- English: VADER's own ground truth (Hutto & Gilbert, ICWSM 2014), 4,200
  tweets rated by 10 people; the paper reports r = 0.881, vaderSentiment
  3.3.2 alone 0.872. Measured through the product: r = 0.870, 0.05% unscored.
- Spanish and French: macro-F1 on the validation splits of the XLM-T
  sentiment benchmark (never used for a choice). Measured: es 0.579, fr
  0.626; the previous models and detection gave 0.578 and 0.577, with 4.9%
  and 9.3% of the tweets unscored.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from scrm.analysis import sentiment
from scrm.analysis.sentiment.english import label_for, vader_score

FOLDERS = {"es": "tweets-spanish", "fr": "tweets-french"}
CLASSES = ["negative", "neutral", "positive"]  # labels 0, 1, 2 in the files
# End-to-end macro-F1 floors: each fails on the previous models and detection (es 0.578 with
# 4.9% unscored, fr 0.577); the Spanish figure did not move, its unscored share did.
FLOOR = {"es": 0.56, "fr": 0.60}
MAX_UNSCORED = 0.01


def read_split(folder: Path, split: str) -> tuple[list[str], list[str]]:
    labels = [CLASSES[int(x)] for x in (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()]
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")[: len(labels)]
    return texts, labels


def through_the_product(texts: list[str], tmp_path: Path) -> list[dict[str, object]]:
    """Score ``texts`` as ``python -m scrm sentiment FILE`` does, from a CSV with a text column."""
    path = tmp_path / "texts.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        writer.writerows([t] for t in texts)
    return list(sentiment.sentiment_file(path).to_dict("records"))


def test_english_through_the_product_correlates_with_vader_ground_truth(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "vader-icwsm2014" / "tweets_GroundTruth.txt"
    rows = [
        line.split("\t") for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line
    ]
    ratings = np.array([float(r[1]) for r in rows])
    scored = through_the_product([r[2] for r in rows], tmp_path)
    scores = np.array([0.0 if s["score"] != s["score"] else float(s["score"]) for s in scored])  # type: ignore[arg-type]
    langs = [s["lang"] for s in scored]
    r = float(np.corrcoef(scores, ratings)[0, 1])
    unscored, elsewhere = langs.count("other") / len(langs), (langs.count("es") + langs.count("fr")) / len(langs)
    print(f"VADER tweets: n={len(rows)}, r={r:.3f}, unscored {unscored:.2%}, sent to es/fr {elsewhere:.2%}")
    assert len(rows) == 4200
    assert r >= 0.87
    assert unscored <= MAX_UNSCORED
    assert elsewhere <= 0.01


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_spanish_and_french_through_the_product_reach_their_floor_and_beat_english_vader(
    shared_data: Path, tmp_path: Path, lang: str
) -> None:
    texts, gold = read_split(shared_data / FOLDERS[lang], "val")
    scored = through_the_product(texts, tmp_path)
    ours = [str(s["label"]) for s in scored]
    f1 = f1_score(gold, ours, average="macro", labels=CLASSES)
    unscored = ours.count("unscored") / len(ours)
    detected = sum(s["lang"] == lang for s in scored) / len(scored)
    baseline = f1_score(gold, [label_for(vader_score(t)[0]) for t in texts], average="macro", labels=CLASSES)
    print(f"{lang}: n={len(texts)}, macro-F1 {f1:.3f}, detected {detected:.1%}, unscored {unscored:.1%} (VADER {baseline:.3f})")
    assert f1 >= FLOOR[lang]
    assert unscored <= MAX_UNSCORED
    assert detected >= 0.98
    assert f1 > baseline + 0.1


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_confidence_is_calibrated_on_held_out_tweets(shared_data: Path, tmp_path: Path, lang: str) -> None:
    texts, gold = read_split(shared_data / FOLDERS[lang], "val")
    scored = through_the_product(texts, tmp_path)
    pairs = [(float(s["confidence"]), s["label"] == g) for s, g in zip(scored, gold, strict=True) if s["label"] != "unscored"]  # type: ignore[arg-type]
    confidence = np.array([c for c, _ in pairs])
    right = np.array([ok for _, ok in pairs])
    # Mean confidence within 0.08 of the accuracy (measured: es 0.566 for 0.574 right, fr 0.689 for
    # 0.628: French is somewhat over-confident), and sure labels right more often than doubtful ones.
    assert abs(confidence.mean() - right.mean()) <= 0.08
    sure = confidence >= np.median(confidence)
    assert right[sure].mean() > right[~sure].mean() + 0.1
