"""The interface's languages: English source strings, Spanish and French catalogs.

A string shown to users is written in English in the code and passed through
:func:`t` with the reader's language. Catalogs are JSON files
``scrm/i18n/catalogs/AREA.LANG.json`` (``{"English text": "translation"}``),
one per area of the product (``ui``, ``report``, ...), merged per language, so
two parts of the product never edit the same file. Placeholders use
:meth:`str.format` names, identical in the English text and its translations.

>>> t("Mentions", "en")
'Mentions'
>>> t("{n} mentions", "en", n=3)
'3 mentions'
>>> normalise_language("es-ES"), normalise_language("fr_CA"), normalise_language("de")
('es', 'fr', 'en')
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("en", "es", "fr")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français"}
CATALOGS = Path(__file__).with_name("catalogs")


def normalise_language(tag: str | None) -> str:
    """The interface language for a browser or locale tag (``es-ES`` -> ``es``); English when not offered."""
    base = (tag or "").replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every translation into ``lang``, merged from its catalog files (English: none needed)."""
    merged: dict[str, str] = {}
    if lang == DEFAULT_LANGUAGE:
        return merged
    for path in sorted(CATALOGS.glob(f"*.{lang}.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def t(text: str, lang: str, /, **values: object) -> str:
    """``text`` in ``lang`` (the English text when the catalog has none), with ``values`` filled in."""
    out = catalog(normalise_language(lang)).get(text, text) if lang != DEFAULT_LANGUAGE else text
    return out.format(**values) if values else out


def untranslated(texts: Iterable[str], lang: str) -> list[str]:
    """The texts that ``lang``'s catalogs leave in English: what a coverage test lists."""
    have = catalog(lang)
    return [x for x in texts if x not in have]
