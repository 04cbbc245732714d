"""Language detection for sentiment: en, es, fr or other.

Uses lingua (``lingua-language-detector``, Apache-2.0, models inside the
wheel, nothing downloaded at run time) restricted to the three scored
languages plus the neighbours most often confused with them, in low-accuracy
mode (trigram models only: several times faster, and accurate enough once
the noise below is gone). Handles, hashtags, URLs, emoji and digits carry no
language and make short posts look foreign, so they are stripped first. A
language already given by the export is trusted when it is en, es or fr.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

SUPPORTED: tuple[str, ...] = ("en", "es", "fr")
OTHER = "other"
# Fewer letters than this after cleaning: too little to tell.
MIN_LETTERS = 3

_NOISE = re.compile(r"https?://\S*|www\.\S+|[@#]\w+|[^\w\s'’-]|\d|_", re.UNICODE)
_SPACES = re.compile(r"\s+")


def clean_for_detection(text: str) -> str:
    """``text`` without URLs, @handles, #hashtags, emoji, digits and punctuation.

    >>> clean_for_detection("@velora Me encanta 😍 #sofá https://t.co/x")
    'Me encanta'
    """
    return _SPACES.sub(" ", _NOISE.sub(" ", text)).strip()


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = [
        Language.ENGLISH,
        Language.SPANISH,
        Language.FRENCH,
        Language.PORTUGUESE,
        Language.ITALIAN,
        Language.GERMAN,
        Language.DUTCH,
        Language.CATALAN,
    ]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


_CODES = {"ENGLISH": "en", "SPANISH": "es", "FRENCH": "fr"}


def normalise_lang(value: object) -> str | None:
    """``en``/``es``/``fr`` for a given language tag (``"EN-gb"`` -> ``en``), else None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower()[:2]
    return code if code in SUPPORTED and (len(value.strip()) == 2 or value.strip()[2] in "-_") else None


def detect_language(text: str) -> str:
    """``en``, ``es``, ``fr`` or ``other`` for one text (``other`` when too short to tell)."""
    cleaned = clean_for_detection(text)
    # Enough letters in the first few characters spares counting them all.
    if sum(map(str.isalpha, cleaned[:8])) < MIN_LETTERS and sum(map(str.isalpha, cleaned)) < MIN_LETTERS:
        return OTHER
    found = _detector().detect_language_of(cleaned)
    return _CODES.get(found.name, OTHER) if found is not None else OTHER


def detect_languages(texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[str]:
    """The language of each text; a given en/es/fr tag in ``langs`` is trusted."""
    if langs is None:
        return [detect_language(text) for text in texts]
    # Few distinct tags: normalise each once.
    tags = {tag: normalise_lang(tag) for tag in set(langs)}
    return [
        given if (given := tags[tag]) is not None else detect_language(text)
        for text, tag in zip(texts, langs, strict=True)
    ]
