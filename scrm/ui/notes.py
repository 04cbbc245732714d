"""A KPI's note in the reader's language: the engine writes its notes in English, with figures inside.

A note such as ``converted to EUR at 1 GBP = 1.17 EUR (rate of 2026-10-01); 129 of 307
orders in GBP left out: no exchange rate to EUR is set`` cannot be a catalog entry as it
stands (its figures change); :func:`translate_note` cuts it into its clauses, reads the
figures out of the ones it knows, and writes each clause from a catalog sentence with the
figures in the reader's locale. A clause it does not know goes through the catalog as it is.
"""

from __future__ import annotations

import datetime as dt
import re

from scrm.i18n import formats as F
from scrm.i18n import t

_RATE = re.compile(r"1 (?P<code>[A-Z]{3}) = (?P<rate>[0-9.e+-]+) (?P<currency>[A-Z]{3}) \(rate of (?P<day>\d{4}-\d\d-\d\d)\)")
_CONVERTED = re.compile(r"^converted to (?P<currency>[A-Z]{3}) at (?P<rates>.+)$")
_LEFT_OUT = re.compile(
    r"^(?P<n>[\d,]+) of (?P<total>[\d,]+) (?P<what>orders|customers) in (?P<codes>[A-Z, ]+) left out: "
    r"no exchange rate to (?P<currency>[A-Z]{3}) is set$"
)
_DAY = r"\d{1,2} [A-Z][a-z]{2} \d{4}"  # how scrm.views.overview writes a day: 19 Oct 2026
_STARTS_AFTER = re.compile(
    rf"^no comparison: (?P<source>[a-z ]+) start on (?P<first>{_DAY}), after the previous period begins \((?P<prev>{_DAY})\)$"
)
_ENDS_BEFORE = re.compile(
    rf"^no comparison: (?P<source>[a-z ]+) end on (?P<last>{_DAY}), (?P<gap>\d+) days? before this period ends, "
    r"so this period is incomplete$"
)
SOURCES = {"mentions": "mentions", "orders": "orders", "survey answers": "survey answers"}
ENDS_BEFORE = {
    True: "no comparison: {source} end on {last}, {gap} day before this period ends, so this period is incomplete",
    False: "no comparison: {source} end on {last}, {gap} days before this period ends, so this period is incomplete",
}
LEFT_OUT = {
    "orders": "{n} of {total} orders in {codes} left out: no exchange rate to {currency} is set",
    "customers": "{n} of {total} customers in {codes} left out: no exchange rate to {currency} is set",
}


def _rate(match: re.Match[str], lang: str) -> str:
    rate = F.format_number(float(match["rate"]), lang, decimals=4).rstrip("0").rstrip(",.")
    return t("1 {code} = {rate} {currency} (rate of {day})", lang, code=match["code"], rate=rate,
             currency=match["currency"], day=F.format_date(match["day"], lang))  # fmt: skip


def _day(text: str, lang: str) -> str:
    return F.format_date(dt.datetime.strptime(text, "%d %b %Y").date(), lang)


def _source(name: str, lang: str) -> str:
    return t(SOURCES[name], lang) if name in SOURCES else name


def _number(text: str, lang: str) -> str:
    return F.format_number(int(text.replace(",", "")), lang)


def translate_note(note: str, lang: str) -> str:
    """``note`` in ``lang``, clause by clause (English: as it is).

    >>> translate_note("converted to EUR at 1 GBP = 1.17 EUR (rate of 2026-10-01)", "en")
    'converted to EUR at 1 GBP = 1.17 EUR (rate of 2026-10-01)'
    >>> translate_note("1,290 of 3,070 orders in GBP left out: no exchange rate to EUR is set", "es")
    '1.290 de 3.070 pedidos en GBP quedan fuera: no hay tipo de cambio a EUR'
    """
    if lang == "en":
        return note
    out = []
    # A clause of rates holds "; " too: a rate clause is glued back to the "converted" clause before it.
    clauses: list[str] = []
    for part in note.split("; "):
        if clauses and _RATE.fullmatch(part) and _CONVERTED.match(clauses[-1]):
            clauses[-1] += "; " + part
        else:
            clauses.append(part)
    for clause in clauses:
        if found := _CONVERTED.match(clause):
            rates = "; ".join(_rate(m, lang) for m in _RATE.finditer(found["rates"]))
            out.append(t("converted to {currency} at {rates}", lang, currency=found["currency"], rates=rates))
        elif found := _STARTS_AFTER.match(clause):
            out.append(t("no comparison: {source} start on {first}, after the previous period begins ({previous})", lang,
                         source=_source(found["source"], lang), first=_day(found["first"], lang),
                         previous=_day(found["prev"], lang)))  # fmt: skip
        elif found := _ENDS_BEFORE.match(clause):
            gap = int(found["gap"])
            out.append(t(ENDS_BEFORE[gap == 1], lang, source=_source(found["source"], lang), last=_day(found["last"], lang),
                         gap=gap))  # fmt: skip
        elif found := _LEFT_OUT.match(clause):
            out.append(t(LEFT_OUT[found["what"]], lang, n=_number(found["n"], lang), total=_number(found["total"], lang),
                         codes=found["codes"], currency=found["currency"]))  # fmt: skip
        else:
            out.append(t(clause, lang))
    return "; ".join(out)


_UP_TO_DATE = re.compile(r"^Scores are up to date: computed (?P<age>.+) ago \((?P<when>.+)\)\.$")
_BEHIND = re.compile(r"^Scores are (?P<age>.+) old; (?:(?P<n>\d+) imports? since|changes since)\. Computed (?P<when>.+)\.$")
_DAYS = re.compile(r"^(?P<n>\d+) days$")
# The status lines and age words without figures, as the engine writes them.
FIXED = {
    "Scores are up to date.": "Scores are up to date.",
    "Scores have never been computed on this data.": "Scores have never been computed on this data.",
    "less than a minute": "less than a minute",
}


def _age(words: str, lang: str) -> str:
    if found := _DAYS.match(words):
        return t("{n} days", lang, n=found["n"])
    # "10 min" and "3 h" read the same in every offered language.
    return t(FIXED[words], lang) if words in FIXED else words


def translate_score_status(sentence: str, lang: str) -> str:
    """The Settings page's status line (:func:`scrm.views.settings.score_status`) in ``lang``.

    >>> translate_score_status("Scores are 3 days old; 2 imports since. Computed 5 Oct 2026 09:00 (UTC).", "es")
    'Las puntuaciones tienen 3 días; 2 importaciones desde entonces. Calculadas el 5 Oct 2026 09:00 (UTC).'
    """
    if lang == "en":
        return sentence
    if found := _UP_TO_DATE.match(sentence):
        return t("Scores are up to date: computed {age} ago ({when}).", lang, age=_age(found["age"], lang), when=found["when"])
    if found := _BEHIND.match(sentence):
        n = found["n"]
        changes = (
            t("changes since", lang) if n is None
            else t("{n} import since", lang, n=n) if n == "1" else t("{n} imports since", lang, n=n)
        )  # fmt: skip
        return t("Scores are {age} old; {changes}. Computed {when}.", lang, age=_age(found["age"], lang),
                 changes=changes, when=found["when"])  # fmt: skip
    return t(FIXED[sentence], lang) if sentence in FIXED else sentence
