"""Measure how well the themes match human labels: the airline complaint reasons.

Usage (from the repository root)::

    python scripts/theme_quality.py              # NMI on the held-out half
    python scripts/theme_quality.py --half both  # both halves and the whole set

Data: ``$SCRM_SHARED_DATA/airline-tweets/Tweets.csv`` (default
``../shared/data``): US airline tweets of February 2015, each negative tweet
with the complaint reason a person gave it (``negativereason``: late flight,
customer service issue, lost luggage, ...).

Method: the negative tweets with a reason are split in two halves by a
seeded shuffle (``--seed``, default 0). Half A was used to choose the theme
settings; half B is held out. For each half the product's theme stage fits
its English model on that half's texts exactly as ``score`` does
(:func:`scrm.analysis.topics.fit_language`, the airline names as brand words
left out) and assigns every tweet its main theme
(:func:`scrm.analysis.topics.assign_texts`). The figure is the normalised
mutual information between themes and reasons (scikit-learn
``normalized_mutual_info_score``, arithmetic mean; 0 = unrelated, 1 = the
themes are the reasons). Tweets that get no theme count as one extra theme.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
from scrm.analysis import topics  # noqa: E402


def data_file() -> Path:
    root = Path(os.environ.get("SCRM_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    return root / "airline-tweets" / "Tweets.csv"


def load(path: Path) -> pd.DataFrame:
    """Negative tweets with a complaint reason: columns text, reason, airline."""
    frame = pd.read_csv(path, dtype=str)
    frame = frame[frame["negativereason"].notna() & frame["text"].notna()]
    return frame.rename(columns={"negativereason": "reason"})[["text", "reason", "airline"]].reset_index(drop=True)


def halves(frame: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Half A (to choose settings) and half B (held out), by a seeded shuffle."""
    order = np.random.default_rng(seed).permutation(len(frame))
    cut = len(frame) // 2
    return frame.iloc[order[:cut]].reset_index(drop=True), frame.iloc[order[cut:]].reset_index(drop=True)


def theme_nmi(frame: pd.DataFrame, **settings: object) -> tuple[float, topics.TopicModel]:
    """Fit the product's English themes on ``frame`` and return (NMI vs reasons, model)."""
    brands = topics.brand_words(frame["airline"].unique().tolist() + ["virginamerica", "americanair", "jetblue",
                                                                      "southwestair", "usairways", "united"])
    model = topics.fit_language(frame["text"], "en", extra_stop_words=brands, **settings)  # type: ignore[arg-type]
    best, _ = topics.assign_texts(model, frame["text"])
    return float(normalized_mutual_info_score(frame["reason"], best)), model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=["b", "a", "both"], default="b", help="which half to report (default b, held out)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    args = parser.parse_args(argv)
    path = data_file()
    if not path.exists():
        print(f"The airline tweets are not at {path}; set SCRM_SHARED_DATA to the shared data folder.", file=sys.stderr)
        return 2
    frame = load(path)
    a, b = halves(frame, args.seed)
    chosen = {"a": [("A (settings chosen here)", a)], "b": [("B (held out)", b)]}
    chosen["both"] = chosen["a"] + chosen["b"] + [("all", frame)]
    print(f"{len(frame):,} negative tweets, {frame['reason'].nunique()} reasons")
    for name, part in chosen[args.half]:
        started = time.perf_counter()
        nmi, model = theme_nmi(part)
        seconds = time.perf_counter() - started
        print(f"half {name}: {len(part):,} tweets, {model.n_topics_} themes, NMI {nmi:.3f} ({seconds:.1f} s)")
        for topic in model.topics_:
            print(f"  - {topic.label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
