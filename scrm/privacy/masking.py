"""Pseudonyms for screen sharing: names, e-mails and handles replaced by stable stand-ins.

The dashboard's privacy switch ("Mask names for screen sharing") shows
``Customer 482193`` instead of a customer's name, ``c482193@masked.invalid``
instead of an e-mail and ``@user_9f2a3c`` instead of a handle, and rewrites
handles and e-mails inside mention texts. It is meant for a presentation or a
shared screen, not as anonymisation for export: the rest of a row (city,
order amounts, the words of a post) still identifies many people.

A pseudonym is an HMAC-SHA256 of the normalised value under a per-database
salt (meta ``privacy_salt``, created on first use by :func:`privacy_salt`):

- stable: the same person reads the same on every page and every rerun, so a
  presenter can still say "Customer 482193 again";
- not reversible by someone who guesses names: without the salt, hashing a
  list of candidate names does not find the matching pseudonym;
- consistent across kinds where a value is the same thing: the handle
  ``chloecollins`` in an author column and ``@ChloeCollins`` inside a text
  both become the same ``@user_...``.

Six digits / six hex characters, not four: with four, two people among the
hundred rows of one table share a pseudonym about 40% of the time; with six,
about 0.5%.

Everything here is pure and Streamlit-free; :mod:`scrm.ui.masking` decides
when to mask. Functions that need the salt take it as a keyword; without it
they use the salt registered with :func:`use_salt` (the app registers the
current database's), else a random salt for this process (stable until the
server restarts, never the original).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

import pandas as pd
import sqlite_utils

from scrm.db import schema as S

# Kinds of personal value that can be masked.
NAME, EMAIL, HANDLE, TEXT = "name", "email", "handle", "text"
KINDS: tuple[str, ...] = (NAME, EMAIL, HANDLE, TEXT)

SALT_KEY = S.META_PRIVACY_SALT
MASKED_DOMAIN = "masked.invalid"  # RFC 2606: .invalid can never be a real address

_default_salt: str | None = None
_process_salt = secrets.token_hex(16)

# An e-mail address, or an @handle that is not part of a word or an address
# (the lookbehind keeps "name@example.com" from yielding a handle "example").
# Handles allow letters of any script, digits, "_" and inner dots (Instagram).
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_HANDLE = r"(?<![\w.@])@(\w(?:[\w.]*\w)?)"
_IN_TEXT = re.compile(f"(?P<email>{_EMAIL})|{_HANDLE}")


def privacy_salt(db: sqlite_utils.Database) -> str:
    """The database's salt for pseudonyms, created (random, 128 bits) on first use.

    Stored in meta without bumping the data version: a salt changes no figure,
    so cached results stay valid. ``INSERT ... DO NOTHING`` then read makes two
    sessions that create it at once agree on the first one.
    """
    with db.atomic():
        db.execute(
            f"INSERT INTO {S.META} (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
            [SALT_KEY, secrets.token_hex(16)],
        )
    row = db.execute(f"SELECT value FROM {S.META} WHERE key = ?", [SALT_KEY]).fetchone()
    return str(row[0])


def use_salt(salt: str | None) -> None:
    """Register the salt that calls without ``salt=`` use (None: a per-process salt)."""
    global _default_salt
    _default_salt = salt


def _salt(salt: str | None) -> str:
    return salt if salt is not None else (_default_salt or _process_salt)


def _normalise(value: str, kind: str) -> str:
    """The form that is hashed: case and spacing never make two pseudonyms for one person."""
    text = " ".join(value.split()).casefold()
    return text.lstrip("@") if kind == HANDLE else text


def _digest(value: str, kind: str, salt: str) -> str:
    message = f"{kind}\x1f{_normalise(value, kind)}".encode()
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()


def _number(digest: str) -> int:
    return 100_000 + int(digest[:12], 16) % 900_000


def pseudonym(value: str, kind: str, *, salt: str | None = None) -> str:
    """The stand-in for one personal value: the same value always gives the same pseudonym.

    ``kind`` is ``name``, ``email`` or ``handle`` (``text`` rewrites the
    handles and e-mails inside a text, see :func:`mask_text`).

    >>> pseudonym("Chloé Collins", "name", salt="s")
    'Customer 475849'
    >>> pseudonym("@ChloeCollins", "handle", salt="s") == pseudonym("chloecollins", "handle", salt="s")
    True
    """
    if kind == TEXT:
        return mask_text(value, salt=salt)
    if kind not in KINDS:
        raise ValueError(f"unknown kind of personal value {kind!r}; use one of {', '.join(KINDS)}")
    digest = _digest(value, kind, _salt(salt))
    if kind == NAME:
        return f"Customer {_number(digest)}"
    if kind == EMAIL:
        return f"c{_number(digest)}@{MASKED_DOMAIN}"
    return f"@user_{digest[:6]}"


def mask_text(text: str, *, salt: str | None = None) -> str:
    """``text`` with every e-mail address and @handle replaced by its pseudonym.

    >>> mask_text("thanks @velora_help, write to ana@example.com", salt="s")
    'thanks @user_c39c9a, write to c183492@masked.invalid'
    """
    key = _salt(salt)

    def replace(match: re.Match[str]) -> str:
        if match.group("email"):
            return f"c{_number(_digest(match.group('email'), EMAIL, key))}@{MASKED_DOMAIN}"
        return f"@user_{_digest(match.group(2), HANDLE, key)[:6]}"

    return _IN_TEXT.sub(replace, text)


def mask_series(values: pd.Series, kind: str, *, salt: str | None = None) -> pd.Series:
    """A new Series with each non-empty value replaced by its pseudonym; missing stays missing.

    Each distinct value is hashed once (a column of 100,000 mentions has far
    fewer authors), and the index and name are kept.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of personal value {kind!r}; use one of {', '.join(KINDS)}")
    key = _salt(salt)
    present = values.notna() & (values.astype(str).str.strip() != "")
    distinct = pd.unique(values[present].astype(str))
    lookup = {v: pseudonym(v, kind, salt=key) for v in distinct}
    # Text columns keep their dtype (pandas' string dtype stays string).
    out = values.copy() if pd.api.types.is_string_dtype(values) else values.astype(object)
    out[present] = values[present].astype(str).map(lookup)
    return out


def mask_frame(df: pd.DataFrame, columns: Mapping[str, str], *, salt: str | None = None) -> pd.DataFrame:
    """A new frame with the named columns masked, ``columns`` mapping column -> kind.

    A column missing from ``df`` raises ``KeyError`` rather than passing
    unmasked: a typo must not show real names on a shared screen.

    >>> frame = pd.DataFrame({"name": ["Ana Ruiz", None], "orders": [3, 1]})
    >>> mask_frame(frame, {"name": "name"}, salt="s")["name"].tolist()
    ['Customer 138160', nan]
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"cannot mask {', '.join(map(repr, missing))}: not a column of this table")
    out = df.copy()
    for column, kind in columns.items():
        out[column] = mask_series(df[column], kind, salt=salt)
    return out
