"""Numbers, money and dates written the way the reader's locale writes them (Babel's CLDR data).

Pure functions, no Streamlit: pages, the report and tests share them. The
language is one of :data:`scrm.i18n.LANGUAGES`; each maps to the locale of
the country its catalog is written for (Spanish of Spain, French of France).

>>> format_money(1234.5, "EUR", "es"), format_money(1234.5, "EUR", "fr"), format_money(1234.5, "EUR", "en")
('1.234,50\\xa0€', '1\\u202f234,50\\xa0€', '€1,234.50')
>>> format_date("2026-10-02", "es"), format_date("2026-10-02", "fr"), format_date("2026-10-02", "en")
('2 oct 2026', '2 oct. 2026', 'Oct 2, 2026')
>>> format_percent(12.5, "fr"), format_number(1234567, "es")
('12,5\\xa0%', '1.234.567')
>>> first_weekday("es"), first_weekday("en")
(0, 6)
"""

from __future__ import annotations

import datetime as dt
import math
import re

from babel import Locale, dates, numbers

from scrm.i18n import normalise_language

# The locale each interface language is written for.
LOCALES: dict[str, str] = {"en": "en_US", "es": "es_ES", "fr": "fr_FR"}
# The date_input widget's format per language (Streamlit offers YYYY/MM/DD, DD/MM/YYYY and MM/DD/YYYY
# with "/", "-" or "." as separator).
DATE_INPUT_FORMATS: dict[str, str] = {"en": "YYYY/MM/DD", "es": "DD/MM/YYYY", "fr": "DD/MM/YYYY"}
MISSING = "—"

Day = dt.date | dt.datetime | str


def locale_of(lang: str) -> str:
    """The Babel locale of an interface language (``es`` -> ``es_ES``; English for anything else)."""
    return LOCALES[normalise_language(lang)]


def _missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | int | None, lang: str, *, decimals: int = 0) -> str:
    """A number with the locale's grouping and decimal mark (``1.234,5`` in Spanish); "—" when missing."""
    if _missing(value):
        return MISSING
    assert value is not None
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return numbers.format_decimal(round(float(value), decimals), format=pattern, locale=locale_of(lang))


def format_signed(value: float | int | None, lang: str, *, decimals: int = 0) -> str:
    """A change with its sign always written (``+1.234`` / ``-0,5``); "—" when missing."""
    if _missing(value):
        return MISSING
    assert value is not None
    text = format_number(abs(float(value)), lang, decimals=decimals)
    return ("-" if float(value) < 0 and text.strip("0,.\u202f\xa0") else "+") + text


def format_percent(value: float | int | None, lang: str, *, decimals: int = 1) -> str:
    """A value already in percent (``12.5`` means 12.5 %) as the locale writes percents (``12,5 %``)."""
    if _missing(value):
        return MISSING
    assert value is not None
    locale = Locale.parse(locale_of(lang))
    pattern = locale.percent_formats[None].pattern.split(";")[0]  # "#,##0 %" in Spanish and French
    pattern = pattern.replace("#,##0", "#,##0" + ("." + "0" * decimals if decimals else ""), 1)
    return numbers.format_percent(float(value) / 100, format=pattern, locale=locale)


def format_money(value: float | int | None, currency: str | None, lang: str, *, decimals: int = 2) -> str:
    """An amount with its currency where the locale puts it (``1.234,50 €``; a plain number without a currency)."""
    if _missing(value):
        return MISSING
    assert value is not None
    if not currency:
        return format_number(value, lang, decimals=decimals)
    locale = Locale.parse(locale_of(lang))
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    if decimals != 2:  # the locale's pattern with the decimals asked for (0 for a wide amount)
        pattern = re.sub(r"0\.0+", "0" + ("." + "0" * decimals if decimals else ""), pattern)
    return numbers.format_currency(
        round(float(value), decimals), currency.upper(), format=pattern, locale=locale, currency_digits=False
    )


def format_compact(value: float | int | None, lang: str) -> str:
    """A short number for a narrow tile (``388,5 mil`` in Spanish, ``388,5 k`` in French)."""
    if _missing(value):
        return MISSING
    assert value is not None
    if abs(float(value)) < 10_000:
        return format_number(value, lang, decimals=0 if float(value).is_integer() else 1)
    return numbers.format_compact_decimal(float(value), locale=locale_of(lang), fraction_digits=1)


def _as_date(day: Day) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    return dt.date.fromisoformat(str(day)[:10])


def format_date(day: Day | None, lang: str, *, length: str = "medium") -> str:
    """A day as the locale writes it (``2 oct. 2026`` in French); "—" when missing."""
    if day is None or (isinstance(day, str) and not day.strip()):
        return MISSING
    return dates.format_date(_as_date(day), format=length, locale=locale_of(lang))


def format_date_range(start: Day, end: Day, lang: str) -> str:
    """Two days joined by a dash, each in the locale's medium format."""
    return f"{format_date(start, lang)} – {format_date(end, lang)}"


def weekday_name(day: Day, lang: str) -> str:
    """The day of the week in the locale's words (``lunes``, ``lundi``)."""
    return dates.format_date(_as_date(day), format="EEEE", locale=locale_of(lang))


def first_weekday(lang: str) -> int:
    """The first day of the locale's week, 0 = Monday (Spain and France: Monday; the United States: Sunday)."""
    return int(Locale.parse(locale_of(lang)).first_week_day)


def date_input_format(lang: str) -> str:
    """The ``format`` to give ``st.date_input`` for this language (day first in Spanish and French)."""
    return DATE_INPUT_FORMATS[normalise_language(lang)]


def format_kpi(
    value: float | int | None, unit: str, lang: str, currency: str | None = None, *,
    points: bool = False, compact: bool = False,
) -> str:
    """A KPI value with its unit in the locale (``12,5 %``, ``+13,1``, ``388,5 mil €``, ``42 min``); "—" when missing.

    >>> format_kpi(26.8979, "percent", "fr"), format_kpi(13.08, "percent", "es", points=True)
    ('26,9\\xa0%', '+13,1')
    """
    if _missing(value):
        return MISSING
    assert value is not None
    v = float(value)
    if unit == "percent":
        return format_signed(v, lang, decimals=1) if points else format_percent(v, lang)
    if unit == "currency":
        if compact and abs(v) >= 10_000:
            short = format_compact(v, lang)
            return f"{short} {currency}" if currency else short
        return format_money(v, currency, lang)
    if unit == "minutes":
        return f"{format_number(v, lang)} min"
    if unit == "hours":
        return f"{format_number(v, lang, decimals=1)} h"
    if unit == "ratio":
        return format_number(v, lang, decimals=2)
    return format_compact(v, lang) if compact else format_number(v, lang)


def format_kpi_change(
    change: float | None, change_pct: float | None, unit: str, lang: str, *, points_word: str = "pts"
) -> str | None:
    """The change against the previous period in the locale: points for percent KPIs, else absolute (and relative).

    >>> format_kpi_change(-0.5051, None, "percent", "es", points_word="p."), format_kpi_change(1190, 5.1, "count", "fr")
    ('-0,5 p.', '+1\\u202f190 (+5,1\\xa0%)')
    """
    if _missing(change):
        return None
    assert change is not None
    c = float(change)
    if unit == "percent":
        return f"{format_signed(c, lang, decimals=1)} {points_word}"
    decimals = {"ratio": 2, "hours": 1, "currency": 2}.get(unit, 0)
    text = format_signed(c, lang, decimals=decimals)
    text += {"minutes": " min", "hours": " h"}.get(unit, "")
    if not _missing(change_pct):
        assert change_pct is not None
        sign = "+" if float(change_pct) >= 0 else "-"
        text += f" ({sign}{format_percent(abs(float(change_pct)), lang)})"
    return text
