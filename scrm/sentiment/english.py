"""English sentiment with VADER (vaderSentiment 3.3.2), plus the words that moved it.

The compound score is VADER's own: this module repeats the steps of
``SentimentIntensityAnalyzer.polarity_scores`` (calling VADER's methods for
every rule) so that it can also return each word's adjusted valence, which
VADER computes but does not expose. Only the emoji step is rewritten (one
regular expression instead of a character loop; same output) because it was
the slowest part on long posts. A test checks the compound equals VADER's.
"""

from __future__ import annotations

import re
from functools import lru_cache

from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer, SentiText

MODEL = "vader"
MODEL_VERSION = "3.3.2"
# VADER's own cut-offs for the compound score (Hutto & Gilbert 2014, README).
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05


@lru_cache(maxsize=1)
def analyzer() -> tuple[SentimentIntensityAnalyzer, re.Pattern[str], frozenset[str]]:
    """The shared VADER analyzer, a pattern matching its emoji and their set."""
    sia = SentimentIntensityAnalyzer()
    chars = sorted((c for c in sia.emojis if len(c) == 1), key=ord)
    pattern = re.compile("[" + "".join(re.escape(c) for c in chars) + "]")
    return sia, pattern, frozenset(chars)


def _replace_emoji(
    text: str, sia: SentimentIntensityAnalyzer, pattern: re.Pattern[str], emoji: frozenset[str]
) -> str:
    # Most posts have no emoji: a set intersection (C speed) skips the regex.
    if text.isascii() or emoji.isdisjoint(text):
        return text.strip()

    def describe(m: re.Match[str]) -> str:
        i = m.start()
        # VADER adds a space unless the character before was a space (or none).
        sep = "" if i == 0 or text[i - 1] == " " else " "
        return sep + str(sia.emojis[m.group()])

    return pattern.sub(describe, text).strip()


def vader_score(text: str) -> tuple[float, list[tuple[str, float]]]:
    """VADER's compound score of ``text`` and the words with a non-zero valence."""
    sia, pattern, emoji = analyzer()
    text = _replace_emoji(text, sia, pattern, emoji)
    if not text:
        return 0.0, []
    sentitext = SentiText(text)
    words = sentitext.words_and_emoticons
    sentiments: list[float] = []
    last = len(words) - 1
    lexicon = sia.lexicon
    for i, item in enumerate(words):
        lower = item.lower()
        # VADER's sentiment_valence appends 0 for a word outside its lexicon;
        # skipping the call for those (most words) is the main speed-up.
        if (
            lower in BOOSTER_DICT
            or lower not in lexicon
            or (lower == "kind" and i < last and words[i + 1].lower() == "of")
        ):
            sentiments.append(0)
            continue
        sentiments = sia.sentiment_valence(0, sentitext, item, i, sentiments)
    sentiments = sia._but_check(words, sentiments)
    compound = float(sia.score_valence(sentiments, text)["compound"])
    moved = [(w, round(float(s), 3)) for w, s in zip(words, sentiments, strict=False) if s]
    return compound, moved


def label_for(compound: float) -> str:
    """positive (>= 0.05), negative (<= -0.05) or neutral, VADER's convention."""
    if compound >= POSITIVE_AT:
        return "positive"
    if compound <= NEGATIVE_AT:
        return "negative"
    return "neutral"
