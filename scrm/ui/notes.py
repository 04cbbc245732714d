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


_WHEN = re.compile(rf"^(?P<day>{_DAY}) (?P<time>\d\d:\d\d) (?P<zone>\(.+\))$")


def _when(text: str, lang: str) -> str:
    """``5 Oct 2026 09:00 (UTC)`` with the day in the reader's locale (``5 oct 2026 09:00 (UTC)``)."""
    found = _WHEN.match(text)
    return f"{_day(found['day'], lang)} {found['time']} {found['zone']}" if found else text


def translate_score_status(sentence: str, lang: str) -> str:
    """The Settings page's status line (:func:`scrm.views.settings.score_status`) in ``lang``.

    >>> translate_score_status("Scores are 3 days old; 2 imports since. Computed 5 Oct 2026 09:00 (UTC).", "es")
    'Las puntuaciones tienen 3 días; 2 importaciones desde entonces. Calculadas el 5 oct 2026 09:00 (UTC).'
    >>> translate_score_status("Scores are up to date: computed 3 h ago (2 Oct 2026 09:00 (Europe/Paris)).", "fr")[-35:]
    '(2 oct. 2026 09:00 (Europe/Paris)).'
    """
    if lang == "en":
        return sentence
    if found := _UP_TO_DATE.match(sentence):
        return t("Scores are up to date: computed {age} ago ({when}).", lang, age=_age(found["age"], lang),
                 when=_when(found["when"], lang))  # fmt: skip
    if found := _BEHIND.match(sentence):
        n = found["n"]
        changes = (
            t("changes since", lang) if n is None
            else t("{n} import since", lang, n=n) if n == "1" else t("{n} imports since", lang, n=n)
        )  # fmt: skip
        return t("Scores are {age} old; {changes}. Computed {when}.", lang, age=_age(found["age"], lang),
                 changes=changes, when=_when(found["when"], lang))  # fmt: skip
    return t(FIXED[sentence], lang) if sentence in FIXED else sentence


# --- the Rescue queue's tile notes (scrm.act.cases.summarise_cases) ---------------------------------------
_NONE_WROTE = re.compile(
    r"^none of the (?P<n>[\d,]+) resolved rescue cases' customers wrote a scored mention in the "
    r"(?P<days>\d+) days after the resolution, so no rescue can be measured yet$"
)
_MEASURED_ON = re.compile(
    r"^measured on the (?P<n>[\d,]+) of (?P<total>[\d,]+) resolved rescue cases whose customer "
    r"wrote again within (?P<days>\d+) days$"
)
NONE_WROTE = (
    "none of the {n} resolved rescue cases' customers wrote a scored mention in the {days} days after the "
    "resolution, so no rescue can be measured yet"
)
MEASURED_ON = "measured on the {n} of {total} resolved rescue cases whose customer wrote again within {days} days"
CASE_NOTES = (
    "no cases yet: workflow rules open them each time the scores are recomputed",
    "no case was opened in this range",
    "no case in this range has had a response from a person yet",
    "no case opened in this range is resolved yet",
    "no rescue case opened in this range is resolved yet",
)


def translate_case_note(note: str, lang: str) -> str:
    """A Rescue queue tile's note (:func:`scrm.act.cases.summarise_cases`) in ``lang``, its figures in the locale.

    >>> translate_case_note("measured on the 3 of 1,204 resolved rescue cases whose customer wrote again within 90 days", "es")
    'medido en 3 de los 1.204 casos de rescate resueltos cuyo cliente volvió a escribir en 90 días'
    """
    if lang == "en":
        return note
    if found := _NONE_WROTE.match(note):
        return t(NONE_WROTE, lang, n=_number(found["n"], lang), days=found["days"])
    if found := _MEASURED_ON.match(note):
        return t(MEASURED_ON, lang, n=_number(found["n"], lang), total=_number(found["total"], lang), days=found["days"])
    return t(note, lang)


# --- a cluster's description (scrm.analysis.segments.describe_centre) --------------------------------------
_ACTIVE_ON = re.compile(r"^active on (?P<platform>.+)$")
SEGMENT_WORDS = (
    "top value", "high value", "low value", "recent buyers", "long lapsed", "lapsed buyers", "very frequent buyers",
    "frequent buyers", "one-time buyers", "rare buyers", "active on social", "positive lately", "negative lately",
    "typical customers",
)


def translate_segment_description(description: str, lang: str) -> str:
    """A cluster's plain words (``low value, lapsed buyers, active on Instagram``) in ``lang``, phrase by phrase.

    >>> translate_segment_description("low value, lapsed buyers, active on Instagram", "es")
    'valor bajo, compradores inactivos, activos en Instagram'
    """
    if lang == "en" or not description:
        return description
    out = []
    for phrase in description.split(", "):
        found = _ACTIVE_ON.match(phrase)
        if found and phrase not in SEGMENT_WORDS:
            out.append(t("active on {platform}", lang, platform=found["platform"]))
        else:
            out.append(t(phrase, lang))
    return ", ".join(out)


# --- an identity link's evidence (scrm.analysis.identity) ---------------------------------------------------
_SAME_EMAIL = re.compile(r"^same e-mail (?P<email>.+)$")
_RECORD_HANDLE = re.compile(r"^customer record lists (?P<platform>\S+) handle (?P<handle>\S+)$")
_NAME = re.compile(r"^name '(?P<customer>.*)' ~ '(?P<profile>.*)' \((?P<score>\d+)%\)(?P<rest>.*)$")
_SAME_CITY = re.compile(r"^, same city (?P<city>.+)$")
_CITY_LIKE = re.compile(r"^, city (?P<city>.+?) ~ '(?P<location>.*)' \((?P<score>\d+)%\)$")


def _pct(digits: str, lang: str) -> str:
    return F.format_percent(float(digits), lang, decimals=0)


def translate_evidence(evidence: str, lang: str) -> str:
    """Why a profile was matched to a customer, in ``lang``; names, e-mails and cities stay as they are.

    >>> translate_evidence("name 'Eva Hernández Fuentes' ~ 'Eva Hernández' (90%), same city Barcelona", "es")
    "nombre 'Eva Hernández Fuentes' ~ 'Eva Hernández' (90\\xa0%), misma ciudad Barcelona"
    """
    if lang == "en" or not evidence:
        return evidence
    if found := _SAME_EMAIL.match(evidence):
        return t("same e-mail {email}", lang, email=found["email"])
    if found := _RECORD_HANDLE.match(evidence):
        return t("customer record lists {platform} handle {handle}", lang, platform=found["platform"], handle=found["handle"])
    found = _NAME.match(evidence)
    if not found:
        return t(evidence, lang)
    out = [t("name '{customer}' ~ '{profile}' ({score})", lang, customer=found["customer"], profile=found["profile"],
             score=_pct(found["score"], lang))]  # fmt: skip
    # What follows the names is one clause at most (cities and places may hold commas themselves).
    rest: str = found["rest"]
    if city := _SAME_CITY.match(rest):
        out.append(t("same city {city}", lang, city=city["city"]))
    elif like := _CITY_LIKE.match(rest):
        out.append(t("city {city} ~ '{location}' ({score})", lang, city=like["city"], location=like["location"],
                     score=_pct(like["score"], lang)))  # fmt: skip
    elif rest.startswith(", "):
        out.append(t(rest[2:], lang))
    return ", ".join(out)
