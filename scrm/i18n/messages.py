"""Engine sentences as a message key plus values, written in the reader's language when shown.

The engine (no Streamlit) says things a page shows later: a KPI tile's note, the
scores' status line, why a profile was matched to a customer, a segment in plain
words. Rather than an English sentence that the interface would have to take apart
again, it returns a :class:`Message`: the English text with ``{placeholders}`` (the
catalog key, as everywhere in :mod:`scrm.i18n`) and the values that fill it. Values
keep their type, so each language writes them its own way:

- ``str``: written as it is (names, e-mails, cities, currency codes);
- ``int`` or :class:`Number`: the locale's digits (``1,204`` / ``1.204`` / ``1 204``);
- :class:`Percent`: a value in percent (``90`` is 90 %);
- :class:`Moment`: a local time with its zone name (``5 Oct 2026 09:00 (UTC)``);
- a :class:`Message`: a phrase translated on its own (``3 days``, ``2 imports since``).

:meth:`Message.english` is what the CLI, logs and existing columns keep;
:meth:`Message.render` is what a page shows; :meth:`Message.to_json` and
:func:`from_json` store one beside the English sentence.

>>> note = Message("measured on the {n} of {total} cases", {"n": 3, "total": 1204})
>>> note.english(), note.render("es")
('measured on the 3 of 1,204 cases', 'measured on the 3 of 1.204 cases')
>>> from_json(note.to_json()) == note
True
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from scrm.i18n import t

_PLACEHOLDER = re.compile(r"\{\w+\}")


@dataclass(frozen=True)
class Number:
    """A number written with the locale's grouping and decimal mark."""

    value: float
    decimals: int = 0


@dataclass(frozen=True)
class Percent:
    """A value already in percent (``90.0`` is 90 %), written as the locale writes percents."""

    value: float
    decimals: int = 0


@dataclass(frozen=True)
class Moment:
    """A local date and time (ISO text, no offset) and the name of its time zone."""

    local: str
    zone: str


Value: TypeAlias = "str | int | Number | Percent | Moment | Message"


@dataclass(frozen=True)
class Message:
    """An engine sentence: its catalog key (English with ``{names}``) and the values that fill it."""

    key: str
    values: Mapping[str, Value] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        """The sentence in ``lang`` (English when the catalog has no entry), values written in its locale."""
        return t(self.key, lang, **{k: _render(v, lang) for k, v in self.values.items()})

    def english(self) -> str:
        """The English sentence, as the CLI, logs and stored columns have always written it."""
        return self.render("en")

    def __str__(self) -> str:
        return self.english()

    def __hash__(self) -> int:  # the values are a dict: hash them as sorted pairs (they are hashable)
        return hash((self.key, tuple(sorted(self.values.items()))))

    def catalog_keys(self) -> Iterator[str]:
        """This message's key and the keys of the phrases inside it (what a catalog must hold)."""
        if _PLACEHOLDER.sub("", self.key).strip(",; "):  # a join of phrases has no words of its own
            yield self.key
        for value in self.values.values():
            if isinstance(value, Message):
                yield from value.catalog_keys()

    def to_json(self) -> str:
        """The message as compact JSON text, for a column beside the English sentence."""
        return json.dumps(_encode(self), ensure_ascii=False, separators=(",", ":"))


def _render(value: Value, lang: str) -> str:
    from scrm.i18n import formats as F

    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, bool):  # a flag is not a figure
        return str(value)
    if isinstance(value, int):
        return F.format_number(value, lang)
    if isinstance(value, Number):
        return F.format_number(value.value, lang, decimals=value.decimals)
    if isinstance(value, Percent):
        return F.format_percent(value.value, lang, decimals=value.decimals)
    if isinstance(value, Moment):
        moment = dt.datetime.fromisoformat(value.local)
        # English keeps the day-month-year the status line has always had ("5 Oct 2026").
        day = f"{moment:%-d %b %Y}" if lang == "en" else F.format_date(moment.date(), lang)
        return f"{day} {moment:%H:%M} ({value.zone})"
    return str(value)


def _encode(value: Value) -> Any:
    if isinstance(value, Message):
        return {"key": value.key, "values": {k: _encode(v) for k, v in value.values.items()}}
    if isinstance(value, Number):
        return {"number": value.value, "decimals": value.decimals}
    if isinstance(value, Percent):
        return {"percent": value.value, "decimals": value.decimals}
    if isinstance(value, Moment):
        return {"moment": value.local, "zone": value.zone}
    return value


def _decode(value: Any) -> Value:
    if isinstance(value, dict):
        if "key" in value:
            return Message(str(value["key"]), {str(k): _decode(v) for k, v in dict(value.get("values") or {}).items()})
        if "number" in value:
            return Number(float(value["number"]), int(value.get("decimals", 0)))
        if "percent" in value:
            return Percent(float(value["percent"]), int(value.get("decimals", 0)))
        if "moment" in value:
            return Moment(str(value["moment"]), str(value["zone"]))
        raise ValueError(f"not a message value: {value!r}")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return str(value)
    return value


def from_json(text: str | None) -> Message | None:
    """The message stored as ``text`` by :meth:`Message.to_json`; None for empty or unreadable text.

    >>> from_json('{"key":"same city {city}","values":{"city":"Lyon"}}').render("en")
    'same city Lyon'
    >>> from_json("same city Lyon") is None
    True
    """
    if not text or not text.startswith("{"):
        return None
    try:
        found = _decode(json.loads(text))
    except (ValueError, TypeError, KeyError):
        return None
    return found if isinstance(found, Message) else None


def join(parts: list[Message], separator: str = ", ") -> Message:
    """One message of several phrases in a row (``high value, recent buyers``), each translated on its own.

    >>> join([Message("high value"), Message("active on {platform}", {"platform": "Instagram"})]).english()
    'high value, active on Instagram'
    """
    names = [f"p{i}" for i in range(len(parts))]
    return Message(separator.join("{" + n + "}" for n in names), dict(zip(names, parts, strict=True)))


class Said(str):
    """An English sentence that also carries its :class:`Message`: where the engine passes sentences
    along as plain text (an import's notes), the page can still write them in the reader's language.

    >>> note = Said(Message("{n} rows", {"n": 1204}))
    >>> note, note.message.render("fr"), note == "1,204 rows"
    ('1,204 rows', '1\\u202f204 lignes', True)
    """

    __slots__ = ("message",)
    message: Message

    def __new__(cls, message: Message) -> Said:
        said = super().__new__(cls, message.english())
        said.message = message
        return said

    def __reduce__(self) -> tuple[Any, ...]:  # kept whole across the import's worker process
        return (Said, (self.message,))


def message_of(text: object) -> Message | None:
    """The message a :class:`Said` sentence carries; None for plain text."""
    return text.message if isinstance(text, Said) else None
