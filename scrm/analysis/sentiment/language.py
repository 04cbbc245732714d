"""Language detection for sentiment: a scored language (en, es, fr) or ``other``.

Nothing is lost to detection. The workspace names the languages its brand
works in (:data:`DEFAULT_LANGUAGES`, the first is the main one); detection
chooses among them and their close neighbours (pt, it, ca, de, nl) with
lingua's confidence values:

1. a text with fewer than :data:`MIN_LETTERS` letters (an emoji, "ok!") is
   scored in the main language;
2. lingua in low-accuracy mode (trigrams, several times faster) decides when
   it finds a workspace language clearly ahead of the others (:data:`SURE`),
   for a language other than the main one only on texts of :data:`SHORT`
   characters or more;
3. a text written mostly in another script (Cyrillic, Arabic, CJK, ...) is ``other``;
4. otherwise lingua in high-accuracy mode (all n-grams: right far more often
   on short texts) gives the confidences. A neighbour wins only when the text
   is long enough (:data:`MIN_LETTERS_OTHER`) and the neighbour's confidence
   is at least :data:`CLEARLY_OTHER`: the text is then ``other`` (unscored).
   Else the most likely workspace language wins, unless the main language's
   confidence is at least :data:`MAIN_PRIOR` times the winner's: an ambiguous
   text is scored in the main language.

The thresholds were chosen on the training tweets only (Spanish and French
training splits, the 4,200 English tweets of VADER's ground truth): 99.5% of
the English, 99.2% of the Spanish and 98.7% of the French tweets get their
own language; 0.05%, 0% and 0.2% are ``unscored``.

Handles, hashtags, URLs, emoji and digits carry no language and make short
posts look foreign, so they are stripped first. A language given with the
text (an export's ``lang`` column) is trusted: en, es or fr is scored in
that language, another language code is ``other``; an empty or
"undetermined" tag (``und``) is detected.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from scrm.i18n.messages import Message

SUPPORTED: tuple[str, ...] = ("en", "es", "fr")
DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "es", "fr")
OTHER = "other"
# Fewer letters than this after cleaning: too little to tell; main language.
MIN_LETTERS = 3
# The fast pass names a language only when lingua's log-probabilities put it at least this
# relative distance ahead of the next (lingua's ``minimum_relative_distance``); chosen on the
# training tweets: the fast pass then settles 86% of them (the texts it settles include all
# those where its confidence is 0.97 or more), the precise pass the rest.
SURE = 0.9
# A neighbour language must reach this confidence, on a text of at least
# MIN_LETTERS_OTHER letters, for the text to be left unscored.
CLEARLY_OTHER = 0.6
MIN_LETTERS_OTHER = 12
# Characters (after cleaning) from which the fast pass alone may pick a language other than the main one.
SHORT = 20
# The main language wins an ambiguous text when its confidence is at least
# this share of the best workspace language's.
MAIN_PRIOR = 0.5

# Languages that lingua tells apart: en/es/fr and their close neighbours. A
# text written mostly in another script (Cyrillic, Arabic, CJK, ...) is in
# another language without asking lingua.
_LATIN = ("ENGLISH", "SPANISH", "FRENCH", "PORTUGUESE", "ITALIAN", "CATALAN", "GERMAN", "DUTCH")
# A letter outside the Latin script (Basic Latin to Latin Extended-B, and Latin Extended Additional).
_NOT_LATIN = re.compile(r"[^\W\d_\u0000-\u024f\u1e00-\u1eff]")
# Tags that say the export could not tell: detected as if absent.
_UNDETERMINED = frozenset({"un", "und", "zx", "zxx", "mu", "mul", "xx", "qm", "qme", "qh", "qht", "qa", "qam", "qc", "qct", "qs", "qst"})

_NOISE = re.compile(r"https?://\S*|www\.\S+|[@#]\w+|&\w+;|[^\w\s'’-]|\d|_", re.UNICODE)
# A letter repeated three times or more ("Yaaaay", "hushhhh"): no language writes that.
_REPEAT = re.compile(r"(\w)\1\1+")
_SPACES = re.compile(r"\s+")


def clean_for_detection(text: str) -> str:
    """``text`` without URLs, @handles, #hashtags, emoji, digits and punctuation.

    >>> clean_for_detection("@velora Me encantaaa 😍 #sofá https://t.co/x")
    'Me encantaa'
    """
    return _REPEAT.sub(r"\1\1", _SPACES.sub(" ", _NOISE.sub(" ", text))).strip()


@lru_cache(maxsize=3)
def _detector(low_accuracy: bool, distance: float = 0.0) -> Any:
    from lingua import Language, LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_languages(*(getattr(Language, name) for name in _LATIN))
    if distance:
        builder = builder.with_minimum_relative_distance(distance)
    built = (builder.with_low_accuracy_mode() if low_accuracy else builder).build()
    _BUILT.add((low_accuracy, distance))
    return built


@lru_cache(maxsize=1)
def _codes() -> dict[Any, str]:
    """ISO 639-1 code of each lingua Language detected."""
    from lingua import Language

    return {getattr(Language, name): getattr(Language, name).iso_code_639_1.name.lower() for name in _LATIN}


class PreciseNotLoaded(RuntimeError):
    """A text needs the precise pass, whose models :func:`without_loading_precise` forbids loading here."""


_MAY_LOAD_PRECISE: ContextVar[bool] = ContextVar("scrm_may_load_precise", default=True)


@contextmanager
def without_loading_precise() -> Iterator[None]:
    """Within this block, a text that needs the precise pass while its models are not loaded in
    this process raises :class:`PreciseNotLoaded` (loading them costs seconds of CPU and memory
    that a worker process already spends)."""
    token = _MAY_LOAD_PRECISE.set(False)
    try:
        yield
    finally:
        _MAY_LOAD_PRECISE.reset(token)


def _precise_loaded() -> bool:
    return any(not low for low, *_ in _BUILT)


_BUILT: set[tuple[bool, float]] = set()


def _confidences(text: str, low_accuracy: bool) -> dict[str, float]:
    if not low_accuracy and not _MAY_LOAD_PRECISE.get() and not _precise_loaded():
        raise PreciseNotLoaded(text[:40])
    code = _codes()
    return {code[value.language]: value.value for value in _detector(low_accuracy).compute_language_confidence_values(text)}


def _clear_language(text: str) -> str | None:
    """The fast pass: the language lingua's low-accuracy mode finds clearly ahead, else None.

    One call of ``detect_language_of``: faster than computing every confidence value.
    """
    found = _detector(True, SURE).detect_language_of(text)
    return None if found is None else _codes()[found]


def warm_up() -> None:
    """Load the fast pass's models now (a worker does it while the texts are still being read).

    The precise pass's models (seconds to load) are loaded by the first text that needs them.
    """
    _clear_language("warm up the detector")


def warm_up_precise() -> None:
    """Load the precise pass's models too (the workers' forkserver does it once for all workers)."""
    _confidences("warm up the precise detector", False)


def loaded_detectors() -> int:
    """How many detectors this process has built (fast and precise; a worker's, from its forkserver)."""
    return _detector.cache_info().currsize


class LanguagesRefused(ValueError):
    """Workspace languages scrm cannot score; ``message`` says what to type, in the reader's language."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.english())
        self.message = message


def check_languages(languages: object) -> tuple[str, ...]:
    """Workspace languages as a tuple of en/es/fr codes, main first, without repeats.

    Accepts a comma-separated string or a sequence. A ValueError says what to fix.

    >>> check_languages("es, EN")
    ('es', 'en')
    """
    items = languages.split(",") if isinstance(languages, str) else list(languages or [])  # type: ignore[call-overload]
    found: list[str] = []
    for item in items:
        code = str(item).strip().lower()
        if not code:
            continue
        if code not in SUPPORTED:
            raise LanguagesRefused(Message(
                "'{item}' is not a language scrm scores. Use en, es or fr, main language first (e.g. es,en).",
                {"item": str(item)},
            ))
        if code not in found:
            found.append(code)
    if not found:
        raise LanguagesRefused(Message("Name at least one language: en, es or fr, main language first (e.g. es,en)."))
    return tuple(found)


def normalise_lang(value: object) -> str | None:
    """The language a given tag names: en/es/fr, ``other`` for another language, None to detect.

    >>> [normalise_lang(v) for v in ("EN-gb", "pt_BR", "und", "", None)]
    ['en', 'other', None, None, None]
    """
    if not isinstance(value, str):
        return None
    tag = value.strip().lower().replace("_", "-")
    if tag == OTHER:
        return OTHER
    code = tag.split("-", 1)[0]
    if code in SUPPORTED:
        return code
    if code in _UNDETERMINED or not (2 <= len(code) <= 3 and code.isascii() and code.isalpha()):
        return None
    return OTHER


def detect_language(text: str, languages: Sequence[str] = DEFAULT_LANGUAGES) -> str:
    """The language ``text`` is scored in: one of ``languages`` (main first), or ``other``.

    Short or ambiguous texts get the main language; ``other`` only for a
    text clearly in another language.

    >>> detect_language("Excelente"), detect_language("ok"), detect_language("ok", ("es", "en"))
    ('es', 'en', 'es')
    """
    main = languages[0]
    cleaned = clean_for_detection(text)
    # Enough letters in the first few characters spares counting them all.
    if sum(map(str.isalpha, cleaned[:8])) < MIN_LETTERS:
        letters = sum(map(str.isalpha, cleaned))
        if letters < MIN_LETTERS:
            return main
    else:
        letters = -1  # counted below only when needed
    clear = _clear_language(cleaned)
    # Trigrams alone misjudge short texts: another language than the main one
    # is taken at once only from a text of SHORT characters or more.
    if clear is not None and clear in languages and (clear == main or len(cleaned) >= SHORT):
        return clear
    if not cleaned.isascii():
        foreign = len(_NOT_LATIN.findall(cleaned))
        if foreign >= MIN_LETTERS and 2 * foreign > sum(map(str.isalpha, cleaned)):
            return OTHER
    values = _confidences(cleaned, False)
    if not values:
        return main
    best = max(values, key=values.__getitem__)
    if best not in languages:
        if letters < 0:
            letters = sum(map(str.isalpha, cleaned))
        if letters >= MIN_LETTERS_OTHER and values[best] >= CLEARLY_OTHER:
            return OTHER
        best = max(languages, key=lambda code: values.get(code, 0.0))
        if values.get(best, 0.0) <= 0.0:
            return main
    if best != main and values.get(main, 0.0) >= MAIN_PRIOR * values[best]:
        return main
    return best


def detect_languages(
    texts: Sequence[str],
    langs: Sequence[str | None] | None = None,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
) -> list[str]:
    """The language of each text; a given tag in ``langs`` is trusted (see :func:`normalise_lang`)."""
    if langs is None:
        return [detect_language(text, languages) for text in texts]
    # Few distinct tags: normalise each once.
    tags = {tag: normalise_lang(tag) for tag in set(langs)}
    return [
        given if (given := tags[tag]) is not None else detect_language(text, languages)
        for text, tag in zip(texts, langs, strict=True)
    ]
