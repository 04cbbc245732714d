"""Engine sentences in the reader's language.

Case notes, the scores' status line, identity evidence and segment descriptions come from the
engine as a :class:`scrm.i18n.messages.Message` (a catalog key plus values), rendered here with
the catalogs; nothing is taken apart again. Evidence and descriptions stored in English by older
versions (no message beside them) go through the ``legacy_*`` readers, which are kept only for
those rows.

A KPI's note (:mod:`scrm.views.kpis`) is still English with figures inside: a note such as ``converted to EUR at 1 GBP = 1.17 EUR (rate of 2026-10-01); 129 of 307
orders in GBP left out: no exchange rate to EUR is set`` cannot be a catalog entry as it
stands (its figures change); :func:`translate_note` cuts it into its clauses, reads the
figures out of the ones it knows, and writes each clause from a catalog sentence with the
figures in the reader's locale. A clause it does not know goes through the catalog as it is.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from scrm.act.cases import NOTE_MESSAGES as CASE_NOTE_KEYS
from scrm.analysis import identity as I
from scrm.analysis import segments_words as G
from scrm.i18n import formats as F
from scrm.i18n import t
from scrm.i18n.messages import Message, Percent, join

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


def engine_messages() -> tuple[str, ...]:
    """The catalog keys of every engine sentence rendered here (tests hold each one translated)."""
    from scrm.views.settings import STATUS_MESSAGES

    return (*CASE_NOTE_KEYS, *STATUS_MESSAGES, *I.EVIDENCE_MESSAGES, *G.DESCRIPTION_MESSAGES)


def translate_score_status(status: Message | str | None, lang: str) -> str:
    """The Settings page's status line (:attr:`scrm.views.settings.ScoreStatus.message`) in ``lang``.

    The line is worked out afresh on every read, so there is no stored English to take apart: a plain
    text goes through the catalog as it is.

    >>> from scrm.views.settings import BEHIND, IMPORTS_SINCE, age_message
    >>> from scrm.i18n.messages import Moment
    >>> line = Message(BEHIND, {"age": age_message(3 * 86400), "changes": Message(IMPORTS_SINCE[False], {"n": 2}),
    ...                         "when": Moment("2026-10-05T09:00", "UTC")})
    >>> translate_score_status(line, "en")
    'Scores are 3 days old; 2 imports since. Computed 5 Oct 2026 09:00 (UTC).'
    >>> translate_score_status(line, "es")
    'Las puntuaciones tienen 3 días; 2 importaciones desde entonces. Calculadas el 5 oct 2026 09:00 (UTC).'
    """
    if isinstance(status, Message):
        return status.render(lang)
    return t(status, lang) if status else ""


# --- the Rescue queue's tile notes (scrm.act.cases.summarise_cases) ---------------------------------------
CASE_NOTES = CASE_NOTE_KEYS


def translate_case_note(note: Message | str | None, lang: str) -> str:
    """A Rescue queue tile's note (:attr:`scrm.act.cases.CaseKPIs.messages`) in ``lang``, its figures in the locale.

    Notes are worked out afresh on every read (never stored): a plain text goes through the catalog as it is.

    >>> from scrm.act.cases import MEASURED_ON
    >>> translate_case_note(Message(MEASURED_ON, {"n": 3, "total": 1204, "days": 90}), "es")
    'medido en 3 de los 1.204 casos de rescate resueltos cuyo cliente volvió a escribir en 90 días'
    """
    if isinstance(note, Message):
        return note.render(lang)
    return t(note, lang) if note else ""


# --- a cluster's description (scrm.analysis.segments.describe_centre_message) -----------------------------
SEGMENT_WORDS = G.DESCRIPTION_WORDS


def translate_segment_description(description: Message | str | None, lang: str) -> str:
    """A cluster's plain words in ``lang``: its message when the segments store one
    (:func:`scrm.analysis.segments_words.description_message`), else the English words of an older version.

    >>> translate_segment_description(G.description_message("", '{"key":"low value"}'), "es")
    'valor bajo'
    """
    if isinstance(description, Message):
        return description.render(lang)
    return legacy_segment_description(description or "", lang)


def translate_segment_descriptions(frame: pd.DataFrame, lang: str) -> list[str]:
    """The ``description`` of each row of ``frame`` in ``lang``, from its ``description_message`` when it has one."""
    messages = frame["description_message"] if "description_message" in frame else [None] * len(frame)
    return [translate_segment_description(G.description_message(d, m), lang)
            for d, m in zip(frame["description"], messages, strict=True)]  # fmt: skip


# Only for segments stored before descriptions became messages: their English words, phrase by phrase.
_LEGACY_ACTIVE_ON = re.compile(r"^active on (?P<platform>.+)$")


def legacy_segment_description(description: str, lang: str) -> str:
    """English plain words stored by an older version (``low value, lapsed buyers, active on Instagram``) in ``lang``.

    >>> legacy_segment_description("low value, lapsed buyers, active on Instagram", "es")
    'valor bajo, compradores inactivos, activos en Instagram'
    """
    if lang == "en" or not description:
        return description
    phrases = []
    for phrase in description.split(", "):
        found = _LEGACY_ACTIVE_ON.match(phrase)
        if found and phrase not in SEGMENT_WORDS:
            phrases.append(Message(G.ACTIVE_ON, {"platform": found["platform"]}))
        else:
            phrases.append(Message(phrase))
    return join(phrases).render(lang)


# --- an identity link's evidence (scrm.analysis.identity) ---------------------------------------------------


def translate_evidence(evidence: Message | str | None, lang: str) -> str:
    """Why a profile was matched to a customer, in ``lang``; names, e-mails and cities stay as they are.

    New links carry their evidence as a message (``links.evidence_message``); an English sentence stored by
    an older version goes through :func:`legacy_evidence`.

    >>> from scrm.analysis.identity import name_city_evidence
    >>> translate_evidence(name_city_evidence("Eva Hernández Fuentes", "Eva Hernández", 0.9, "Barcelona", "Barcelona", 1.0), "es")
    "nombre 'Eva Hernández Fuentes' ~ 'Eva Hernández' (90\\xa0%), misma ciudad Barcelona"
    """
    if isinstance(evidence, Message):
        return evidence.render(lang)
    return legacy_evidence(evidence or "", lang)


# Only for links stored before evidence became a message: their English sentence, taken apart.
_LEGACY_SAME_EMAIL = re.compile(r"^same e-mail (?P<email>.+)$")
_LEGACY_RECORD_HANDLE = re.compile(r"^customer record lists (?P<platform>\S+) handle (?P<handle>\S+)$")
# Lazy: the names end at the first "' (NN%)", so a city clause with a quoted place stays out of them.
_LEGACY_NAME = re.compile(r"^name '(?P<customer>.*?)' ~ '(?P<profile>.*?)' \((?P<score>\d+)%\)(?P<rest>.*)$")
_LEGACY_SAME_CITY = re.compile(r"^, same city (?P<city>.+)$")
_LEGACY_CITY_LIKE = re.compile(r"^, city (?P<city>.+?) ~ '(?P<location>.*)' \((?P<score>\d+)%\)$")


def _pct(digits: str) -> Percent:
    return Percent(float(digits))


def legacy_evidence(evidence: str, lang: str) -> str:
    """An evidence sentence stored in English by an older version, in ``lang`` (what it cannot read: as it is).

    >>> legacy_evidence("name 'Eva Hernández Fuentes' ~ 'Eva Hernández' (90%), same city Barcelona", "es")
    "nombre 'Eva Hernández Fuentes' ~ 'Eva Hernández' (90\\xa0%), misma ciudad Barcelona"
    """
    if lang == "en" or not evidence:
        return evidence
    if found := _LEGACY_SAME_EMAIL.match(evidence):
        return Message(I.SAME_EMAIL, {"email": found["email"]}).render(lang)
    if found := _LEGACY_RECORD_HANDLE.match(evidence):
        return Message(I.RECORD_HANDLE, {"platform": found["platform"], "handle": found["handle"]}).render(lang)
    found = _LEGACY_NAME.match(evidence)
    if not found:
        return t(evidence, lang)
    parts = [Message(I.NAME_LIKE, {"customer": found["customer"], "profile": found["profile"],
                                   "score": _pct(found["score"])})]  # fmt: skip
    # What follows the names is one clause at most (cities and places may hold commas themselves).
    rest: str = found["rest"]
    if city := _LEGACY_SAME_CITY.match(rest):
        parts.append(Message(I.SAME_CITY, {"city": city["city"]}))
    elif like := _LEGACY_CITY_LIKE.match(rest):
        parts.append(Message(I.CITY_LIKE, {"city": like["city"], "location": like["location"],
                                           "score": _pct(like["score"])}))  # fmt: skip
    elif rest.startswith(", "):
        parts.append(Message(rest[2:]))
    return join(parts).render(lang)
