"""English sentiment with VADER (vaderSentiment 3.3.2), plus the words that moved it.

The compound score is VADER's own: this module repeats the steps of
``SentimentIntensityAnalyzer.polarity_scores`` (calling VADER's methods for
every rule) so that it can also return each word's adjusted valence, which
VADER computes but does not expose. For speed, the emoji step is one
``str.translate`` instead of a character loop, a text without any lexicon
word scores 0 at once, and each lexicon word's valence is memoised on the
few neighbours VADER's rules read (same values; see :data:`_VALENCE`).
A test checks the compound equals VADER's.
"""

from __future__ import annotations

from functools import lru_cache

from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer, SentiText, normalize

MODEL = "vader"
MODEL_VERSION = "3.3.2"
# VADER's own cut-offs for the compound score (Hutto & Gilbert 2014, README).
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05


@lru_cache(maxsize=1)
def analyzer() -> tuple[SentimentIntensityAnalyzer, dict[int, str], frozenset[str]]:
    """The shared VADER analyzer, a ``str.translate`` table of its emoji and their set."""
    sia = SentimentIntensityAnalyzer()
    chars = [c for c in sia.emojis if len(c) == 1]
    # Each emoji becomes " " + its description. VADER adds the space only
    # when the character before is not a space; the extra space elsewhere
    # changes nothing, because VADER splits on runs of whitespace and only
    # counts "!" and "?" in the rest of the text.
    table = {ord(c): " " + str(sia.emojis[c]) for c in chars}
    return sia, table, frozenset(chars)


def _replace_emoji(text: str, table: dict[int, str], emoji: frozenset[str]) -> str:
    # Most posts have no emoji: a set intersection (C speed) skips the translation.
    if text.isascii() or emoji.isdisjoint(text):
        return text.strip()
    return text.translate(table).strip()


# Memo of VADER's valence of one lexicon word in its context, per process.
# VADER's ``sentiment_valence`` for word ``i`` reads only words ``i-3 .. i+2``
# (negations, boosters, "no", "least", idioms), whether ``i`` is 0, 1, 2 or
# more (which of those checks run) and the text's ALL-CAPS flag, so that
# key gives exactly VADER's value; posts repeat phrasings, so most lookups hit.
_VALENCE: dict[tuple[bool, int, tuple[str, ...]], float] = {}
_VALENCE_MAX = 400_000


def vader_score(text: str) -> tuple[float, list[tuple[str, float]]]:
    """VADER's compound score of ``text`` and the words with a non-zero valence."""
    sia, table, emoji = analyzer()
    text = _replace_emoji(text, table, emoji)
    if not text:
        return 0.0, []
    sentitext = SentiText(text)
    words = sentitext.words_and_emoticons
    lowered = [w.lower() for w in words]
    lexicon = sia.lexicon
    # Most words are outside VADER's lexicon and get 0 (VADER appends 0 for
    # them too): a text with no lexicon word at all scores 0 at once.
    if lexicon.keys().isdisjoint(lowered):
        return 0.0, []
    sentiments: list[float] = []
    last = len(words) - 1
    cap_diff = sentitext.is_cap_diff
    memo = _VALENCE
    for i, lower in enumerate(lowered):
        if (
            lower not in lexicon
            or lower in BOOSTER_DICT
            or (lower == "kind" and i < last and lowered[i + 1] == "of")
        ):
            sentiments.append(0)
            continue
        key = (cap_diff, i if i < 3 else 3, tuple(words[i - 3 if i > 3 else 0 : i + 3]))
        valence = memo.get(key)
        if valence is None:
            valence = sia.sentiment_valence(0, sentitext, words[i], i, [])[0]
            if len(memo) >= _VALENCE_MAX:
                memo.clear()
            memo[key] = valence
        sentiments.append(valence)
    if "but" in lowered:
        sentiments = sia._but_check(words, sentiments)
    total = float(sum(sentiments))
    if total == 0.0 and not any(sentiments):
        return 0.0, []
    # VADER's score_valence, compound part only (same operations, same order).
    emphasis = sia._punctuation_emphasis(text)
    if total > 0:
        total += emphasis
    elif total < 0:
        total -= emphasis
    compound = round(normalize(total), 4)
    moved = [(w, round(float(s), 3)) for w, s in zip(words, sentiments, strict=False) if s]
    return compound, moved


def label_for(compound: float) -> str:
    """positive (>= 0.05), negative (<= -0.05) or neutral, VADER's convention."""
    if compound >= POSITIVE_AT:
        return "positive"
    if compound <= NEGATIVE_AT:
        return "negative"
    return "neutral"
