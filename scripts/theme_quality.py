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

Subjects (:mod:`scrm.analysis.subjects`): every theme also gets the
cross-language subject its top terms point to, or none. A reason names a
subject through :data:`REASON_SUBJECTS` (written down here before looking at
the results; "Can't Tell" names none). Three figures:

- **themes agreeing**: of the themes whose dominant reason (the most
  frequent among their tweets) names a subject, the share whose subject is
  that one; a theme without a subject counts as a miss. Also given: how many
  of them got a subject at all, and of those, how many agree (precision).
- **tweets agreeing**: of the tweets whose reason names a subject and whose
  theme has a subject, the share where the two agree.
- **NMI of subjects**: themes merged by subject (a theme without one stays
  itself) against the reasons, beside the NMI of the themes.
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

# The subject each complaint reason speaks of ("Can't Tell" speaks of none).
REASON_SUBJECTS: dict[str, frozenset[str]] = {
    "Late Flight": frozenset({"waiting"}),
    "longlines": frozenset({"waiting"}),
    "Cancelled Flight": frozenset({"cancellation"}),
    "Lost Luggage": frozenset({"luggage"}),
    "Damaged Luggage": frozenset({"luggage"}),
    "Customer Service Issue": frozenset({"customer_service"}),
    "Flight Booking Problems": frozenset({"booking"}),
    "Flight Attendant Complaints": frozenset({"staff"}),
    "Bad Flight": frozenset({"comfort", "food"}),  # seats, legroom, wifi, meals
}


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


def subject_agreement(frame: pd.DataFrame, model: topics.TopicModel) -> dict[str, float]:
    """How often the themes' subjects agree with the reasons (see the module docstring)."""
    best, _ = topics.assign_texts(model, frame["text"])
    subject_of = {t.index: t.subject("en").subject for t in model.topics_}
    tweets = frame.assign(theme=best, subject=pd.Series([subject_of.get(int(i)) for i in best], index=frame.index, dtype=object))
    counted = given = agree = 0
    for theme in model.topics_:
        reasons = tweets.loc[tweets["theme"] == theme.index, "reason"]
        if reasons.empty:
            continue
        dominant = str(reasons.value_counts().index[0])
        if dominant not in REASON_SUBJECTS:
            continue
        counted += 1
        given += subject_of[theme.index] is not None
        agree += subject_of[theme.index] in REASON_SUBJECTS[dominant]
    named = tweets[tweets["reason"].isin(list(REASON_SUBJECTS)) & tweets["subject"].notna()]
    tweet_agree = [s in REASON_SUBJECTS[r] for r, s in zip(named["reason"], named["subject"], strict=True)]
    merged = [str(s) if s is not None else f"theme {t}" for t, s in zip(tweets["theme"], tweets["subject"], strict=True)]
    return {
        "themes": counted,
        "themes_with_subject": given,
        "themes_agreeing": agree,
        "tweets_with_subject": len(named),
        "tweets_agreeing": float(np.mean(tweet_agree)) if tweet_agree else float("nan"),
        "subject_nmi": float(normalized_mutual_info_score(tweets["reason"], merged)),
    }


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
            match = topic.subject("en")
            print(f"  - {topic.label}  [subject: {match.subject or 'none'}, score {match.score:.2f}]")
        agreement = subject_agreement(part, model)
        print(
            f"  subjects: {agreement['themes_agreeing']}/{agreement['themes']} themes agree with their dominant reason "
            f"({agreement['themes_with_subject']} got a subject); "
            f"{agreement['tweets_agreeing']:.1%} of {agreement['tweets_with_subject']:,} tweets with a subject agree; "
            f"NMI of subjects {agreement['subject_nmi']:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
