"""The dashboard's global filters, as engine data (no Streamlit here).

A :class:`Filters` is frozen and hashable, so it can be part of a cache key,
and it turns into parameterised SQL for the tables it filters. The app keeps
it in the URL's query parameters (see ``scrm.ui.filters``) so that a link
reproduces the view; :func:`to_query` and :func:`from_query` are that mapping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from scrm.db import schema as S
from scrm.errors import ConfigError
from scrm.i18n.messages import Message

# Query parameter names: a contract for shared links.
Q_FROM, Q_TO, Q_BRAND, Q_PLATFORM, Q_LANG, Q_SEGMENT = "from", "to", "brand", "platform", "lang", "segment"


@dataclass(frozen=True)
class Filters:
    """What the sidebar selects. Empty tuples and None mean "all"."""

    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None  # ISO date, inclusive
    brands: tuple[str, ...] = field(default=())
    platforms: tuple[str, ...] = field(default=())
    langs: tuple[str, ...] = field(default=())
    segment: int | None = None

    def __post_init__(self) -> None:
        for label, value in (("from", self.date_from), ("to", self.date_to)):
            if value is not None:
                _check_date(value, label)
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ConfigError(Message(
                "The date range starts on {start}, after it ends on {end}. Pick a start date on or before the end date.",
                {"start": self.date_from, "end": self.date_to},
            ))

    def with_dates(self, date_from: str | None, date_to: str | None) -> Filters:
        """The same filters over another date range."""
        return replace(self, date_from=date_from, date_to=date_to)

    def previous_period(self) -> Filters | None:
        """The period of the same length just before this one (None without both dates)."""
        if not (self.date_from and self.date_to):
            return None
        start, end = date.fromisoformat(self.date_from), date.fromisoformat(self.date_to)
        days = (end - start).days + 1
        return self.with_dates((start - timedelta(days=days)).isoformat(), (start - timedelta(days=1)).isoformat())


def _check_date(value: str, label: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ConfigError(Message(
            "The '{label}' date '{value}' is not a date; use YYYY-MM-DD.", {"label": label, "value": str(value)}
        )) from None


def _in(column: str, values: Sequence[str], params: list[Any]) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def _date_clauses(column: str, f: Filters, params: list[Any]) -> list[str]:
    clauses = []
    if f.date_from:
        clauses.append(f"{column} >= ?")
        params.append(f.date_from)
    if f.date_to:
        # Stored timestamps are 'YYYY-MM-DDTHH:MM:SS': the end day is inclusive.
        clauses.append(f"{column} < ?")
        params.append((date.fromisoformat(f.date_to) + timedelta(days=1)).isoformat())
    return clauses


def mentions_where(f: Filters, alias: str = S.MENTIONS, *, sentiment_alias: str | None = None) -> tuple[str, list[Any]]:
    """A WHERE clause (without the keyword; "1 = 1" when empty) and its parameters for mentions.

    The language filter uses the detected language (``sentiment.lang``) when
    ``sentiment_alias`` names a joined sentiment table, else ``mentions.lang``.

    >>> mentions_where(Filters(date_from="2024-01-01", platforms=("twitter",)))
    ('mentions.posted_at >= ? AND mentions.platform IN (?)', ['2024-01-01', 'twitter'])
    """
    params: list[Any] = []
    clauses = _date_clauses(f"{alias}.posted_at", f, params)
    if f.brands:
        clauses.append(_in(f"{alias}.brand", f.brands, params))
    if f.platforms:
        clauses.append(_in(f"{alias}.platform", f.platforms, params))
    if f.langs:
        clauses.append(_in(f"{sentiment_alias or alias}.lang", f.langs, params))
    return (" AND ".join(clauses) or "1 = 1"), params


def orders_where(f: Filters, alias: str = S.ORDERS) -> tuple[str, list[Any]]:
    """A WHERE clause and parameters for orders (dates only; segments filter customers).

    >>> orders_where(Filters(date_to="2024-01-31"))
    ('orders.ordered_at < ?', ['2024-02-01'])
    """
    params: list[Any] = []
    clauses = _date_clauses(f"{alias}.ordered_at", f, params)
    return (" AND ".join(clauses) or "1 = 1"), params


def segment_where(f: Filters, customer_column: str) -> tuple[str, list[Any]]:
    """A clause keeping customers of the selected segment (table ``segments``), or "1 = 1"."""
    if f.segment is None:
        return "1 = 1", []
    return f"{customer_column} IN (SELECT customer_id FROM {S.SEGMENTS} WHERE segment_id = ?)", [f.segment]


def to_query(f: Filters) -> dict[str, str]:
    """Query parameters for a shareable link (lists comma-separated, empty ones left out).

    >>> to_query(Filters(date_from="2024-01-01", brands=("Velora", "Maison Brix")))
    {'from': '2024-01-01', 'brand': 'Velora,Maison Brix'}
    """
    out: dict[str, str] = {}
    if f.date_from:
        out[Q_FROM] = f.date_from
    if f.date_to:
        out[Q_TO] = f.date_to
    for key, values in ((Q_BRAND, f.brands), (Q_PLATFORM, f.platforms), (Q_LANG, f.langs)):
        if values:
            out[key] = ",".join(values)
    if f.segment is not None:
        out[Q_SEGMENT] = str(f.segment)
    return out


LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "ca": "Catalan", "pl": "Polish", "sv": "Swedish",
}  # fmt: skip
PLATFORM_NAMES = {
    "twitter": "X (Twitter)", "tiktok": "TikTok", "youtube": "YouTube", "linkedin": "LinkedIn",
    "google_reviews": "Google reviews", "trustpilot": "Trustpilot",
}  # fmt: skip


def language_label(code: str) -> str:
    """``English`` for ``en``; unknown codes as they are."""
    return LANGUAGE_NAMES.get(code.lower(), code)


def platform_label(platform: str) -> str:
    """``X (Twitter)`` for ``twitter``, ``Google reviews`` for ``google_reviews``."""
    return PLATFORM_NAMES.get(platform.lower(), platform.replace("_", " ").capitalize())


def format_day(day: str) -> str:
    """``2026-10-01`` as ``1 Oct 2026``.

    >>> format_day("2026-10-01")
    '1 Oct 2026'
    """
    d = date.fromisoformat(day[:10])
    return f"{d.day} {d:%b %Y}"


def describe(f: Filters, *, labelled: bool = False) -> str:
    """The filters in words: the one place that phrases a :class:`Filters`.

    By default the short form of captions under the sidebar's choices
    (platforms and languages by name, "All data" when none is set).
    ``labelled=True`` names each filter as it is stored, for the stakeholder
    report's footer ("no filters" when none is set).

    >>> describe(Filters(date_from="2026-01-01", platforms=("twitter",)))
    'From 2026-01-01 · X (Twitter)'
    >>> describe(Filters(brands=("Velora",), segment=2), labelled=True)
    'brand Velora; segment 2'
    """
    if labelled:
        parts = []
        if f.date_from or f.date_to:
            parts.append(
                f"from {format_day(f.date_from) if f.date_from else 'the first record'} "
                f"to {format_day(f.date_to) if f.date_to else 'the last record'}"
            )
        for label, values in (("brand", f.brands), ("platform", f.platforms), ("language", f.langs)):
            if values:
                parts.append(f"{label} {', '.join(values)}")
        if f.segment is not None:
            parts.append(f"segment {f.segment}")
        return "; ".join(parts) or "no filters"
    parts = []
    if f.date_from and f.date_to:
        parts.append(f"{f.date_from} to {f.date_to}")
    elif f.date_from:
        parts.append(f"From {f.date_from}")
    elif f.date_to:
        parts.append(f"Until {f.date_to}")
    if f.brands:
        parts.append(", ".join(f.brands))
    if f.platforms:
        parts.append(", ".join(platform_label(p) for p in f.platforms))
    if f.langs:
        parts.append(", ".join(language_label(c) for c in f.langs))
    if f.segment is not None:
        parts.append(f"segment {f.segment}")
    return " · ".join(parts) or "All data"


def from_query(query: Mapping[str, str]) -> Filters:
    """Filters from query parameters; a malformed value raises :class:`ConfigError` naming it."""

    def values(key: str) -> tuple[str, ...]:
        raw = query.get(key) or ""
        return tuple(v.strip() for v in raw.split(",") if v.strip())

    segment_text = (query.get(Q_SEGMENT) or "").strip()
    segment = None
    if segment_text:
        if not segment_text.isdigit():
            raise ConfigError(Message(
                "The link's segment '{segment}' is not a segment number; remove it from the address.",
                {"segment": segment_text},
            ))
        segment = int(segment_text)
    return Filters(
        date_from=(query.get(Q_FROM) or None),
        date_to=(query.get(Q_TO) or None),
        brands=values(Q_BRAND),
        platforms=values(Q_PLATFORM),
        langs=values(Q_LANG),
        segment=segment,
    )
