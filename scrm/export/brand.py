"""The report's brand identity: a name, a logo and an accent colour, kept in the database's meta table.

The logo is stored as a ``data:`` URI of a PNG or JPEG checked here by its
first bytes (never SVG: an SVG file can carry script), at most
:data:`MAX_LOGO_BYTES`. The accent is a ``#rrggbb`` colour. What fails a
check is refused with one sentence (:class:`ValueError`) when saved, and
ignored when read (the report then uses its default colour and no logo). The
sentence is a :class:`~scrm.i18n.messages.Message` (its ``str()`` is the English),
so the Settings page shows it in the reader's language.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import sqlite_utils

from scrm.db import store
from scrm.i18n.messages import Message

META_BRAND_NAME = "report_brand_name"
META_LOGO = "report_logo"
META_ACCENT = "report_accent"
DEFAULT_ACCENT = "#0072B2"
MAX_LOGO_BYTES = 200_000
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@dataclass(frozen=True)
class Identity:
    name: str | None
    logo: str | None  # a data: URI of a PNG or JPEG
    accent: str

    @property
    def logo_bytes(self) -> bytes | None:
        return None if self.logo is None else base64.b64decode(self.logo.split(",", 1)[1])


def accent_colour(text: str) -> str:
    """A valid ``#rrggbb`` colour, lower-cased; ValueError with one sentence otherwise.

    >>> accent_colour("#0A7F3C")
    '#0a7f3c'
    """
    value = text.strip()
    if not HEX.match(value):
        raise ValueError(Message(
            "The accent colour must be written #rrggbb (for example #0072b2), not {value}.", {"value": repr(value)}
        ))
    return value.lower()


def logo_uri(data: bytes) -> str:
    """``data`` as a ``data:`` URI when it is a PNG or JPEG within the size cap; ValueError otherwise."""
    if len(data) > MAX_LOGO_BYTES:
        raise ValueError(Message(
            "The logo is {size} kB; use a PNG or JPEG of at most {most} kB.",
            {"size": str(len(data) // 1000), "most": str(MAX_LOGO_BYTES // 1000)},
        ))
    kind = next((mime for sig, mime in SIGNATURES.items() if data.startswith(sig)), None)
    if kind is None:
        raise ValueError(Message("The logo must be a PNG or JPEG image (SVG and other formats are refused)."))
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def identity(db: sqlite_utils.Database) -> Identity:
    """The identity the report uses: what Settings saved, each part checked again (a bad part is left out)."""
    name = (store.get_meta(db, META_BRAND_NAME) or "").strip() or None
    accent = store.get_meta(db, META_ACCENT) or DEFAULT_ACCENT
    try:
        accent = accent_colour(accent)
    except ValueError:
        accent = DEFAULT_ACCENT
    logo = store.get_meta(db, META_LOGO)
    if logo:
        try:
            logo = logo_uri(base64.b64decode(logo.split(",", 1)[1], validate=True))
        except (ValueError, IndexError):
            logo = None
    return Identity(name=name, logo=logo or None, accent=accent)


def save_identity(
    db: sqlite_utils.Database, *, name: str | None = None, accent: str | None = None, logo: bytes | None = None,
    clear_logo: bool = False,
) -> Identity:  # fmt: skip
    """Check and store the parts given (None leaves a part as it is); ValueError with one sentence on a bad part."""
    checked_accent = accent_colour(accent) if accent is not None else None
    checked_logo = logo_uri(logo) if logo is not None else None
    if name is not None:
        store.set_meta(db, META_BRAND_NAME, name.strip()[:80])
    if checked_accent is not None:
        store.set_meta(db, META_ACCENT, checked_accent)
    if checked_logo is not None:
        store.set_meta(db, META_LOGO, checked_logo)
    elif clear_logo:
        store.set_meta(db, META_LOGO, "")
    return identity(db)
