"""The report's executive summary: a few sentences generated from the figures, in the reader's language.

Every sentence is built from numbers the report shows: what moved and by how
much (the headline KPIs), the likely why (the themes, authors and segments
that moved most), the alerts of the period and what the team did (cases
opened and resolved, customers rescued from a negative mention). A KPI whose
source does not cover both periods has no change in the KPI table (see
:func:`scrm.views.overview.comparison_gap`): the summary then states the
figure and says there is nothing to compare with, never a rise or a fall.

Numbers, money and dates are written in the reader's locale with Babel.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from scrm.i18n import t

LOCALES = {"en": "en_GB", "es": "es_ES", "fr": "fr_FR"}
# The headline KPIs the summary talks about, in this order (a subset of the Overview's tiles).
SUMMARY_KEYS = ("mentions", "net_sentiment", "share_of_voice", "revenue", "active_customers")
# A change this small (relative, or in points for percent KPIs) reads as "held steady".
STEADY_PCT = 1.0
STEADY_POINTS = 0.5


def locale_of(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["en"])


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float, lang: str, decimals: int = 0) -> str:
    """``value`` in the locale: ``1,234.5`` in English, ``1.234,5`` in Spanish, ``1 234,5`` in French (narrow spaces).

    >>> number(1234.5, "es", 1), number(1234.5, "en", 1)
    ('1.234,5', '1,234.5')
    """
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale_of(lang))


def money(value: float, currency: str | None, lang: str) -> str:
    """An amount in the locale: ``1.234,50 €`` in Spanish, ``1 234,50 €`` in French, ``€1,234.50`` in English."""
    if not currency:
        return number(value, lang, 2)
    # The locale's own pattern, given explicitly: thousands are grouped from 1.000 on (CLDR's Spanish
    # data waits for 10.000, but a report reads better when every amount is grouped alike).
    pattern = Locale.parse(locale_of(lang)).currency_formats["standard"].pattern
    return format_currency(value, currency, format=pattern, locale=locale_of(lang))


def day(iso: str, lang: str) -> str:
    """A day in the locale: ``2 Oct 2026``, ``2 oct 2026``, ``2 oct. 2026``."""
    return format_date(dt.date.fromisoformat(iso[:10]), format="medium", locale=locale_of(lang))


def short_day(day_: dt.date, lang: str) -> str:
    """A chart tick: ``2 Oct 26``, ``2 oct 26``, ``2 oct. 26``."""
    return format_date(day_, format="d MMM yy", locale=locale_of(lang))


def value_text(value: Any, unit: str, currency: str | None, lang: str, *, points: bool = False) -> str:
    """A KPI value with its unit, in the locale ("—" when missing)."""
    if missing(value):
        return "—"
    v = float(value)
    if unit == "percent":
        return (("+" if v > 0 else "") + number(v, lang, 1)) if points else f"{number(v, lang, 1)} %"
    if unit == "currency":
        return money(v, currency, lang)
    if unit == "minutes":
        return f"{number(v, lang)} min"
    if unit == "hours":
        return f"{number(v, lang, 1)} h"
    if unit == "ratio":
        return number(v, lang, 2)
    return number(v, lang)


def change_text(change: Any, change_pct: Any, unit: str, currency: str | None, lang: str) -> str:
    """A change in the locale: points for percent KPIs, else absolute (and relative); "—" when missing."""
    if missing(change):
        return "—"
    c = float(change)
    sign = "+" if c > 0 else ("-" if c < 0 else "±")
    if unit == "percent":
        return f"{sign}{number(abs(c), lang, 1)} " + t("pts", lang)
    if unit == "currency":
        text = sign + money(abs(c), currency, lang)
    else:
        text = sign + value_text(abs(c), unit, None, lang)
    if not missing(change_pct):
        p = float(change_pct)
        text += f" ({'+' if p > 0 else ('-' if p < 0 else '±')}{number(abs(p), lang, 1)} %)"
    return text


def _kpi_sentence(row: Mapping[str, Any], lang: str) -> str:
    name = t(str(row["name"]), lang)
    unit, currency = str(row["unit"]), row.get("currency")
    points = bool(row.get("points"))
    now = value_text(row["value"], unit, currency, lang, points=points)
    if missing(row["value"]):
        return t("{kpi}: no data in this period.", lang, kpi=name)
    if missing(row["change"]) or missing(row.get("previous")):
        return t("{kpi}: {value}; the previous period has no data to compare with.", lang, kpi=name, value=now)
    change, pct = float(row["change"]), row.get("change_pct")
    before = value_text(row["previous"], unit, currency, lang, points=points)
    if unit == "percent":
        steady = abs(change) < STEADY_POINTS
        by = f"{number(abs(change), lang, 1)} " + t("pts", lang)
    else:
        relative = abs(float(pct)) if pct is not None and not missing(pct) else None
        steady = (relative is not None and relative < STEADY_PCT) or change == 0
        by = f"{number(relative, lang, 1)} %" if relative is not None else value_text(abs(change), unit, currency, lang)
    if steady:
        return t("{kpi} held steady at {value} (previous period: {before}).", lang, kpi=name, value=now, before=before)
    template = "{kpi} rose by {by} to {value} (from {before})." if change > 0 else "{kpi} fell by {by} to {value} (from {before})."
    return t(template, lang, kpi=name, by=by, value=now, before=before)


def _movers_sentence(movers: Mapping[str, Sequence[Mapping[str, Any]]], lang: str) -> str | None:
    words = {"topics": "theme", "authors": "author", "segments": "segment"}
    parts = []
    for kind, rows in movers.items():
        moved = [r for r in rows if not missing(r.get("change")) and float(r["change"]) != 0]
        if not moved:
            continue
        top = max(moved, key=lambda r: abs(float(r["change"])))
        change = int(float(top["change"]))
        template = "{what} “{label}” ({change} mention)" if abs(change) == 1 else "{what} “{label}” ({change} mentions)"
        parts.append(
            t(template, lang, what=t(words[kind], lang), label=top["label"],
              change=("+" if change > 0 else "-") + number(abs(change), lang))  # fmt: skip
        )
    if not parts:
        return None
    return t("Largest moves: {moves}.", lang, moves="; ".join(parts))


def executive_summary(
    kpi_rows: Iterable[Mapping[str, Any]],
    *,
    movers: Mapping[str, Sequence[Mapping[str, Any]]],
    alerts: Iterable[Mapping[str, Any]],
    team: Mapping[str, int],
    lang: str,
) -> list[str]:
    """The summary's sentences, from the figures the report shows.

    ``kpi_rows`` are KPI table rows (``key``, ``name``, ``unit``, ``currency``,
    ``value``, ``previous``, ``change``, ``change_pct``, ``points``); a row
    without ``change`` is stated, not compared. ``movers`` maps ``topics``,
    ``authors`` and ``segments`` to rows with ``label`` and ``change``;
    ``alerts`` are rows with ``severity``; ``team`` has ``opened``,
    ``resolved`` and ``rescued`` counts for the period.

    >>> rows = [{"key": "mentions", "name": "Mentions", "unit": "count", "currency": None, "value": 1200.0,
    ...          "previous": 1000.0, "change": 200.0, "change_pct": 20.0}]
    >>> executive_summary(rows, movers={}, alerts=[], team={}, lang="en")
    ['Mentions rose by 20.0 % to 1,200 (from 1,000).', 'No alert was raised in this period.']
    """
    by_key = {str(r["key"]): r for r in kpi_rows}
    sentences = [_kpi_sentence(by_key[k], lang) for k in SUMMARY_KEYS if k in by_key]
    why = _movers_sentence(movers, lang)
    if why:
        sentences.append(why)
    alert_list = list(alerts)
    high = sum(1 for a in alert_list if str(a.get("severity", "")).lower() == "high")
    if not alert_list:
        sentences.append(t("No alert was raised in this period.", lang))
    elif len(alert_list) == 1:
        sentences.append(t("One alert was raised in this period ({high} of high severity).", lang, high=number(high, lang)))
    else:
        sentences.append(
            t("{n} alerts were raised in this period, {high} of high severity.", lang,
              n=number(len(alert_list), lang), high=number(high, lang))  # fmt: skip
        )
    opened, resolved, rescued = (int(team.get(k, 0)) for k in ("opened", "resolved", "rescued"))
    if opened or resolved:
        sentences.append(
            t("The team opened {opened} cases and resolved {resolved}.", lang,
              opened=number(opened, lang), resolved=number(resolved, lang))  # fmt: skip
        )
        if rescued:
            sentences.append(
                t("{n} customers who had posted a negative mention saw their case resolved.", lang, n=number(rescued, lang))
            )
    return sentences


# Every English text of the summary, for the translation coverage test.
TEXTS = (
    "pts",
    "{kpi}: no data in this period.",
    "No data to draw for this chart.",
    "current period",
    "{series} · week of {week}: {value}",
    "{kpi}: {value}; the previous period has no data to compare with.",
    "{kpi} held steady at {value} (previous period: {before}).",
    "{kpi} rose by {by} to {value} (from {before}).",
    "{kpi} fell by {by} to {value} (from {before}).",
    "{what} “{label}” ({change} mentions)",
    "{what} “{label}” ({change} mention)",
    "theme",
    "author",
    "segment",
    "Largest moves: {moves}.",
    "No alert was raised in this period.",
    "One alert was raised in this period ({high} of high severity).",
    "{n} alerts were raised in this period, {high} of high severity.",
    "The team opened {opened} cases and resolved {resolved}.",
    "{n} customers who had posted a negative mention saw their case resolved.",
)
