"""English sentiment with VADER (vaderSentiment 3.3.2), plus the words that moved it.

The compound score is VADER's own: this module repeats the steps of
``SentimentIntensityAnalyzer.polarity_scores`` (calling VADER's methods for
every rule) so that it can also return each word's adjusted valence, which
VADER computes but does not expose. For speed, the emoji step is one
``str.translate`` instead of a character loop, a text without any lexicon
word scores 0 at once, only lexicon words are visited, and each lexicon
word's valence is memoised on what VADER's rules can read of its few
neighbours (same values; see :data:`_VALENCE`). Tests check the compound
and the words against VADER's own steps on thousands of texts that put
every rule word next to every other.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from itertools import compress
from typing import cast

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    SentiText,
    normalize,
)

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


@lru_cache(maxsize=1)
def _emoji_finder() -> re.Pattern[str]:
    """A regex of a few code point ranges that hold every VADER emoji (and some other characters).

    Far faster than a class of the 1,200 emoji themselves or a
    ``str.translate`` over every character; :func:`_replace_emoji` keeps the
    other characters the ranges match as they are.
    """
    points = sorted(analyzer()[1])
    ranges: list[list[int]] = []
    for point in points:
        if ranges and point - ranges[-1][1] <= 256:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + "]")


def _replace_emoji(text: str, table: dict[int, str], emoji: frozenset[str]) -> str:
    """``text.translate(table).strip()``: each emoji becomes its description."""
    if text.isascii():  # no emoji at all (C speed)
        return text.strip()
    get = table.get
    return _emoji_finder().sub(lambda found: get(ord(found[0]), found[0]), text).strip()


# Memo of VADER's valence of one lexicon word in its context, per process.
# VADER's ``sentiment_valence`` for word ``i`` reads only words ``i-3 .. i+2``
# (negations, boosters, "no", "least", idioms), whether ``i`` is 0, 1, 2 or
# more (which of those checks run) and the text's ALL-CAPS flag. Of a
# neighbour it reads only: whether it is a lexicon word, whether it contains
# "n't", and, for the words in :data:`_RULE_WORDS` (boosters, negations, the
# words of VADER's idioms and of its "no", "never so", "without doubt",
# "least" rules), the word itself with its case. So the key holds the word
# itself (with case), and per neighbour that word or those two flags
# (:func:`_neighbour`): it gives exactly VADER's value, and posts that share a
# phrasing share a key. A test checks the scores against VADER's own.
_VALENCE: dict[tuple[object, ...], float] = {}
_VALENCE_MAX = 400_000
_RULE_WORDS: frozenset[str] = frozenset(
    {w for phrase in BOOSTER_DICT for w in phrase.split()}
    | {w for phrase in SPECIAL_CASES for w in phrase.split()}
    | set(NEGATE)
    | {"no", "or", "nor", "never", "so", "this", "without", "doubt", "least", "at", "very", "kind", "of"}
)
_NEIGHBOUR: dict[str, object] = {}


class _Rounded(dict[float, float]):
    """``rounded[v]`` is ``round(float(v), 3)``, memoised: valences repeat, and ``round`` to a
    number of places is several times slower than a dict lookup. Only non-zero values are
    looked up (0.0 and -0.0 would share a key)."""

    def __missing__(self, value: float) -> float:
        found = self[value] = round(float(value), 3)
        return found


_ROUNDED = _Rounded()
_STRIPPED: dict[str, str] = {}
_PUNCTUATION = string.punctuation


def _stripped(token: str) -> str:
    """VADER's ``SentiText._strip_punc_if_word``, memoised: the token without leading and
    trailing punctuation, unless that leaves two characters or fewer (emoticons)."""
    found = _STRIPPED.get(token)
    if found is None:
        stripped = token.strip(_PUNCTUATION)
        found = stripped if len(stripped) > 2 else token
        if len(_STRIPPED) >= _VALENCE_MAX:
            _STRIPPED.clear()
        _STRIPPED[token] = found
    return found


def _neighbour(word: str, lexicon: dict[str, float]) -> object:
    """What VADER's rules can read of a neighbouring word (see :data:`_VALENCE`)."""
    found = _NEIGHBOUR.get(word)
    if found is None:
        lower = word.lower()
        found = word if lower in _RULE_WORDS else (lower in lexicon, "n't" in lower)
        if len(_NEIGHBOUR) >= _VALENCE_MAX:
            _NEIGHBOUR.clear()
        _NEIGHBOUR[word] = found
    return found


def vader_score(text: str) -> tuple[float, list[tuple[str, float]]]:
    """VADER's compound score of ``text`` and the words with a non-zero valence."""
    sia, table, emoji = analyzer()
    text = _replace_emoji(text, table, emoji)
    if not text:
        return 0.0, []
    # SentiText's words: split on whitespace, punctuation stripped off words
    # longer than two characters once stripped (VADER's _strip_punc_if_word).
    raw = text.split()
    # Per distinct raw word, its stripped form (one C-level dict pass per text).
    found = list(map(_STRIPPED.get, raw))
    words: list[str] = [_stripped(w) for w in raw] if None in found else cast(list[str], found)
    # Lower case in one call: words hold no whitespace, and lower-casing one
    # word does not depend on the next (a space ends a word for final sigma).
    lowered = " ".join(words).lower().split(" ")
    if len(lowered) != len(words):  # pragma: no cover - defensive
        lowered = list(map(str.lower, words))
    lexicon = sia.lexicon
    # Most words are outside VADER's lexicon and get 0 (VADER appends 0 for
    # them too): a text with no lexicon word at all scores 0 at once.
    if lexicon.keys().isdisjoint(lowered):
        return 0.0, []
    n_words = len(words)
    n_upper = sum(map(str.isupper, words))
    cap_diff = 0 < n_words - n_upper < n_words  # VADER's allcap_differential
    sentiments: list[float] = [0] * n_words
    last = n_words - 1
    memo = _VALENCE
    known = _NEIGHBOUR.get
    sentitext: SentiText | None = None
    # Only lexicon words can get a valence (found at C speed).
    hits = list(compress(range(n_words), map(lexicon.__contains__, lowered)))
    for i in hits:
        lower = lowered[i]
        if lower in BOOSTER_DICT or (lower == "kind" and i < last and lowered[i + 1] == "of"):
            continue
        # First the words themselves (cheap to build; repeated phrasings hit).
        exact = (cap_diff, i if i < 3 else 3, *words[i - 3 if i > 3 else 0 : i + 3])
        valence = memo.get(exact)
        if valence is not None:
            sentiments[i] = valence
            continue
        before = tuple(map(known, words[i - 3 if i > 3 else 0 : i]))
        if None in before:
            before = tuple([_neighbour(w, lexicon) for w in words[i - 3 if i > 3 else 0 : i]])
        after = tuple(map(known, words[i + 1 : i + 3]))
        if None in after:
            after = tuple([_neighbour(w, lexicon) for w in words[i + 1 : i + 3]])
        key = (cap_diff, i if i < 3 else 3, words[i], before, after)
        valence = memo.get(key)
        if valence is None:
            if sentitext is None:
                sentitext = SentiText(text)
            valence = sia.sentiment_valence(0, sentitext, words[i], i, [])[0]
            if len(memo) >= _VALENCE_MAX:
                memo.clear()
            memo[key] = valence
        memo[exact] = valence
        sentiments[i] = valence
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
    # VADER's "but" rule rescales values in place: non-zero ones stay at lexicon words.
    rounded = _ROUNDED
    if len(rounded) >= _VALENCE_MAX:
        rounded.clear()
    moved = [(words[i], rounded[value]) for i in hits if (value := sentiments[i])]
    return compound, moved


def label_for(compound: float) -> str:
    """positive (>= 0.05), negative (<= -0.05) or neutral, VADER's convention."""
    if compound >= POSITIVE_AT:
        return "positive"
    if compound <= NEGATIVE_AT:
        return "negative"
    return "neutral"


# The share of right labels by |compound|, from VADER's 4,200 rated tweets
# (isotonic fit; a rating counts as neutral within 0.5 of 0 on the -4..4
# scale): polar labels from 0.6 at |compound| 0.05 to 0.98 near 1; neutral
# labels are right 65% of the time.
_CONFIDENCE_AT: tuple[tuple[float, float], ...] = (
    (0.05, 0.58), (0.2, 0.62), (0.4, 0.7), (0.6, 0.85), (0.8, 0.93), (1.0, 0.98),
)  # fmt: skip
NEUTRAL_CONFIDENCE = 0.65


def confidence_for(compound: float) -> float:
    """The calibrated probability that :func:`label_for` is right for this compound score.

    >>> confidence_for(0.0), confidence_for(-0.5), confidence_for(0.9)
    (0.65, 0.775, 0.955)
    """
    size = abs(compound)
    if size < POSITIVE_AT:
        return NEUTRAL_CONFIDENCE
    x0, y0 = _CONFIDENCE_AT[0]
    for x1, y1 in _CONFIDENCE_AT[1:]:
        if size <= x1:
            return round(y0 + (y1 - y0) * (size - x0) / (x1 - x0), 4)
        x0, y0 = x1, y1
    return y0
