"""Measure the accurate sentiment mode end to end, through the product's own path.

Usage (from the repository root, with the ``accurate`` extra installed)::

    python scripts/accurate_figures.py tweets   # the validation tweets: fast path against accurate mode
    python scripts/accurate_figures.py demo     # the demo: what the accurate mode takes within its budget

``tweets``: the labelled validation tweets of ``$SCRM_SHARED_DATA/tweets-spanish``
(and ``tweets-french``, ``--lang fr``) are imported as mentions without a
language (so detection decides, as for a user's data) into two throwaway
SQLite databases, one with the accurate mode off (time budget 0) and one at
the default budget, and scored by ``scrm.api.score``. Macro-F1 over the three
classes (a text left ``unscored`` counts as wrong) with 95% bootstrap
intervals (2,000 resamples), and the paired interval of the difference. For
reference only, it also prints the head applied to every text detected in its
language, which is not what the product does (it re-scores the doubtful and
valuable mentions first). No setting is chosen here: the tweets were used for
no choice.

``demo``: builds the demo (``--scale small``), scores it with the accurate mode
off, then sets the default budget and scores again, so the second run is the
accurate pass alone: how many of the mentions worth a second look it took
within the budget, how many labels it changed, and its texts/s.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_sentiment import read_split, shared_data  # noqa: E402

from scrm import api  # noqa: E402
from scrm.analysis import sentiment  # noqa: E402
from scrm.analysis.sentiment import accurate  # noqa: E402
from scrm.db import schema as S  # noqa: E402
from scrm.db import store  # noqa: E402

FOLDERS = {"es": "tweets-spanish", "fr": "tweets-french"}
LABELS = ("negative", "neutral", "positive")
ACTOR = "accurate-figures"
SAMPLES = 2000


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-F1 over the three classes; a prediction of -1 (unscored) is wrong for every class."""
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, labels=[0, 1, 2], average="macro", zero_division=0))


def bootstrap(truth: np.ndarray, *predictions: np.ndarray, samples: int = SAMPLES) -> np.ndarray:
    """Macro-F1 of each prediction on ``samples`` resamples of the texts (one row per resample)."""
    rng = np.random.default_rng(0)
    draws = np.empty((samples, len(predictions)))
    for k in range(samples):
        i = rng.integers(0, len(truth), len(truth))
        draws[k] = [macro_f1(truth[i], p[i]) for p in predictions]
    return draws


def interval(draws: np.ndarray) -> str:
    """The 95% percentile interval of bootstrap draws."""
    low, high = np.percentile(draws, [2.5, 97.5])
    return f"{low:.3f} to {high:.3f}"


def _write_mentions(path: Path, texts: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["mention_id", "platform", "author", "text", "posted_at"])
        for i, text in enumerate(texts):
            out.writerow([f"v{i}", "twitter", f"reader{i}", text, "2026-01-01T12:00:00Z"])


def _scored(folder: Path, csv_path: Path, seconds: float | None) -> tuple[list[str], list[str], list[str], float]:
    """Import the tweets into a new database with the given budget (None: the default); labels, langs, models."""
    db = store.open_db(folder / f"budget-{seconds}.db")
    try:
        if seconds is not None:
            api.save_settings(db, {S.META_SENTIMENT_ACCURATE_SECONDS: seconds}, actor=ACTOR)
        api.import_file(db, csv_path, "mentions", actor=ACTOR, score_after=False)
        started = time.perf_counter()
        api.score(db, stages=("sentiment",), actor=ACTOR)
        took = time.perf_counter() - started
        rows = {
            str(r[0]): (str(r[1]), str(r[2]), str(r[3]))
            for r in db.execute(f"SELECT mention_id, label, lang, model FROM {S.SENTIMENT}").fetchall()
        }
    finally:
        db.close()
    n = sum(1 for _ in csv_path.open(encoding="utf-8")) - 1
    got = [rows.get(f"v{i}", (sentiment.UNSCORED, "other", "")) for i in range(n)]
    return [g[0] for g in got], [g[1] for g in got], [g[2] for g in got], took


def _codes(labels: list[str]) -> np.ndarray:
    return np.asarray([LABELS.index(x) if x in LABELS else -1 for x in labels])


def tweets(lang: str, seconds: float | None = None) -> int:
    """Fast path against accurate mode on the validation tweets of ``lang``, language detected."""
    data = shared_data() / FOLDERS[lang]
    if not data.is_dir():
        print(f"error: labelled tweets not found at {data}; set SCRM_SHARED_DATA", file=sys.stderr)
        return 2
    if not accurate.heads():
        print("error: the accurate extra is not installed here (pip install '.[accurate]')", file=sys.stderr)
        return 2
    texts, labels = read_split(data, "val")
    truth = np.asarray(labels)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "mentions.csv"
        _write_mentions(path, texts)
        fast, langs, _, fast_s = _scored(folder, path, 0)
        slow, _, models, slow_s = _scored(folder, path, seconds)
    head = accurate.heads().get(lang)
    rescored = sum(1 for m in models if head is not None and m == head.name)
    fast_p, slow_p = _codes(fast), _codes(slow)
    print(f"{lang} validation tweets: {len(texts)}, detected {lang}: {langs.count(lang)}, "
          f"unscored: {fast.count(sentiment.UNSCORED)}")  # fmt: skip
    budget = accurate.DEFAULT_SECONDS if seconds is None else seconds
    runs = [("fast path (accurate mode off)", fast_p), (f"accurate mode, budget {budget:g} s", slow_p)]
    if head is not None:
        own = [i for i, x in enumerate(langs) if x == lang]
        everywhere = fast_p.copy()
        everywhere[own] = [LABELS.index(s.label) for s in head.score([texts[i] for i in own])]
        runs.append((f"reference: the head on every text detected {lang} (not the product's selection)", everywhere))
    draws = bootstrap(truth, *(p for _, p in runs))
    for k, (name, p) in enumerate(runs):
        line = f"  {name}: macro-F1 {macro_f1(truth, p):.3f} (95% bootstrap {interval(draws[:, k])})"
        if k:
            gain = macro_f1(truth, p) - macro_f1(truth, fast_p)
            line += f"; against the fast path {gain:+.3f} (paired 95% interval {interval(draws[:, k] - draws[:, 0])})"
        print(line)
    changed = int((fast_p != slow_p).sum())
    print(f"  the accurate mode re-scored {rescored} of {len(texts)} tweets ({rescored / len(texts):.1%}), "
          f"changed {changed} labels; sentiment stage {fast_s:.1f} s off, {slow_s:.1f} s on")  # fmt: skip
    return 0


def demo(scale: str, keep: Path | None) -> int:
    """The share of the demo's mentions the accurate mode takes within the default budget, and its texts/s."""
    if not accurate.heads():
        print("error: the accurate extra is not installed here (pip install '.[accurate]')", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        path = keep or Path(tmp) / "demo.db"
        db = store.open_db(path)
        try:
            api.load_demo(db, scale=scale, actor=ACTOR)
            api.save_settings(db, {S.META_SENTIMENT_ACCURATE_SECONDS: 0}, actor=ACTOR)
            api.score(db, stages=("sentiment",), actor=ACTOR)  # the fast pass alone
            by_lang = dict(db.execute(f"SELECT lang, count(*) FROM {S.SENTIMENT} GROUP BY lang").fetchall())
            models = sentiment.current_models()
            waiting = {lang: len(accurate.candidates(db, head, models[lang][0])) for lang, head in accurate.heads().items()}
            before = dict(db.execute(f"SELECT mention_id, label FROM {S.SENTIMENT}").fetchall())
            api.save_settings(db, {S.META_SENTIMENT_ACCURATE_SECONDS: accurate.DEFAULT_SECONDS}, actor=ACTOR)
            started = time.perf_counter()
            api.score(db, stages=("sentiment",), actor=ACTOR)  # nothing new: the accurate pass alone
            seconds = time.perf_counter() - started
            heads = [h.name for h in accurate.heads().values()]
            marks = ", ".join("?" for _ in heads)
            after = {
                str(r[0]): (str(r[1]), str(r[2]))
                for r in db.execute(
                    f"SELECT mention_id, label, lang FROM {S.SENTIMENT} WHERE model IN ({marks})", heads
                ).fetchall()
            }
        finally:
            db.close()
    total = sum(by_lang.values())
    took = len(after)
    changed = sum(1 for mid, (label, _) in after.items() if before.get(mid) != label)
    print(f"demo ({scale}): {total:,} mentions")
    for lang, n in sorted(waiting.items()):
        mine = [mid for mid, (_, text_lang) in after.items() if text_lang == lang]
        print(f"  {lang}: {by_lang.get(lang, 0):,} scored {lang}, {n:,} worth a second look; re-scored {len(mine):,}, "
              f"{sum(1 for mid in mine if before.get(mid) != after[mid][0]):,} labels changed")  # fmt: skip
    print(f"  within the default budget ({accurate.DEFAULT_SECONDS:g} s) the accurate mode re-scored {took:,} "
          f"({took / max(sum(waiting.values()), 1):.0%} of those waiting, {took / total:.1%} of all mentions) "
          f"and changed {changed:,} labels; the run took {seconds:.1f} s: {took / seconds:,.0f} texts/s")  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("tweets", "demo"))
    parser.add_argument("--lang", choices=tuple(FOLDERS), default="es", help="tweets: which validation split")
    parser.add_argument("--seconds", type=float, help="tweets: the accurate mode's budget (default: the default)")
    parser.add_argument("--scale", default="small", help="demo: its scale")
    parser.add_argument("--keep", type=Path, help="demo: keep the database at this path")
    args = parser.parse_args(argv)
    return tweets(args.lang, args.seconds) if args.what == "tweets" else demo(args.scale, args.keep)


if __name__ == "__main__":
    raise SystemExit(main())
