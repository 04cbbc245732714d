"""Stage 4, parse values: canonical text columns -> typed columns.

Whole-file decisions come first (:func:`column_hints`: day or month first,
decimal comma), so that every chunk of a file is read the same way; then
:func:`parse_values` types each column and reports the cells that do not parse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from scrm.errors import ImportRejected
from scrm.i18n.messages import Message
from scrm.ingest import mapping as M
from scrm.ingest import values as V
from scrm.ingest.readers import file_label

# Why a value was refused, per type: catalog keys (scrm.i18n) filled with the value; dates: values.BAD_DATE_KEYS.
_TYPE_REASONS = {
    "datetime": "'{v}' is not a date. Use ISO dates (2024-03-05 or 2024-03-05 14:30), dd/mm/yyyy or yyyymmdd.",
    "float": "'{v}' is not a number. Use digits with `.` or `,` as decimal mark.",
    "int": "'{v}' is not a whole number. Use digits only, such as 12.",
    "bool": "'{v}' is not yes or no. Use yes/no, true/false or 1/0.",
}


def _clean_text(s: pd.Series) -> pd.Series:
    """Strip, drop NULs, and turn blank cells into None (an object Series).

    Clean pyarrow-backed text comes back as it is (the big-file reader makes
    blank cells missing already).

    A list comprehension over Python strings beats pandas' string methods here
    by about 3x, and its None cells are what sqlite3 binds as NULL.
    """
    if _arrow_text_is_clean(s):
        return s  # stays pyarrow-backed: no Python string is made for it here
    out = [
        ((v.replace("\x00", "") if "\x00" in v else v).strip() or None)
        if isinstance(v, str)
        else (None if v is None or v is pd.NA or v != v else str(v))
        for v in s.to_numpy(dtype=object)
    ]
    return pd.Series(out, index=s.index, dtype=object, name=s.name)


def _arrow_text_is_clean(s: pd.Series, ids: bool = False) -> bool:
    """True for pyarrow-backed text (the big-file reader's) with no NUL and no
    space at either end (for ``ids``, also no "17850.0"). Checked in C++ on the
    first and last character only, so clean columns skip the Python pass."""
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        return False
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.array)
    if pc.any(pc.match_substring(arr, "\x00")).as_py():
        return False
    for end in (pc.utf8_slice_codeunits(arr, 0, 1), pc.utf8_slice_codeunits(arr, -1)):
        if pc.any(pc.utf8_is_space(end)).as_py():
            return False
    return not (ids and pc.any(pc.ends_with(arr, ".0")).as_py())


def _arrow_values_are_unique(s: pd.Series) -> bool:
    """No value repeats (pyarrow-backed text; a C++ hash count, 5x faster than duplicated)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.array)
    return bool(pc.count_distinct(arr).as_py() == len(arr) - arr.null_count)


def _integral_id(s: pd.Series) -> pd.Series:
    """'17850.0' -> '17850': spreadsheets turn numeric ids into floats."""
    out = [
        v[:-2] if isinstance(v, str) and v.endswith(".0") and v[:-2].isdigit() else v
        for v in s.to_numpy(dtype=object)
    ]
    return pd.Series(out, index=s.index, dtype=object, name=s.name)



Hints = dict[str, dict[str, Any]]
# The messages (JSON) of flagged rows, asked only for the rows that go to quarantine, all of a flag's at once.
MessageOf = Callable[[pd.Index], Sequence[str | None]]


def with_value(key: str) -> Callable[[str], Message]:
    """The message ``key`` filled with a cell's text as ``{v}`` (``'x' is not a number...``)."""
    return lambda v: Message(key, {"v": v})


def each_message(make: Callable[[str], Message], values: pd.Series) -> MessageOf:
    """The reason of each row set aside as ``make(its text in values)``, as JSON, built once per distinct text.

    >>> from scrm.i18n.messages import from_json
    >>> of = each_message(lambda v: Message("{v} is odd", {"v": v}), pd.Series(["a", "b", "a"]))
    >>> [from_json(text).render("en") for text in of(pd.Index([0, 2]))]
    ['a is odd', 'a is odd']
    """

    def of(rows: pd.Index) -> list[str | None]:
        picked = values.loc[rows]
        texts = picked.astype(object).where(picked.notna(), "").to_numpy(dtype=object)
        codes, uniques = pd.factorize(texts)
        made = np.array([make(str(u)).to_json() for u in uniques], dtype=object)
        return list(made[codes])

    return of


@dataclass(frozen=True)
class DateOptions:
    """What the user says about the file's dates: the order of ``a/b/yy`` parts
    (``dayfirst``: True day first, False month first, None read from the values) and
    ``anchor``, the day the file was exported, from which relative dates are counted."""

    dayfirst: bool | None = None
    anchor: date | None = None


def column_hints(frame: pd.DataFrame, kind: str, options: DateOptions | None = None,
                 file_name: str = "The file", mapping: Mapping[str, str] | None = None,
                 evidence: tuple[bool, str] | None = None, notes: list[str] | None = None) -> Hints:
    """What the whole file says about its columns' style (day-first dates,
    decimal comma), so that chunks of it are typed the same way.

    Raises :class:`ImportRejected` for a column of ``a/b/yy`` dates whose values
    read both ways (no part above 12) when ``options`` do not say which: never a silent guess.
    A column of ``a/b/yyyy`` dates that read both ways is read as ``evidence``
    (from :func:`scrm.ingest.map.date_order_evidence`) says, with a sentence in
    ``notes`` naming the reading and how to change it; without evidence it is refused too.
    """
    options = options or DateOptions()
    entity = M.entity_of(kind)
    hints: Hints = {}
    for column in entity.columns:
        if column.name not in frame.columns:
            continue
        if column.type == "datetime":
            values = frame[column.name]
            dayfirst = options.dayfirst
            if dayfirst is None:
                dayfirst = V.infer_dayfirst(values)
                order = V.two_digit_year_order(values)
                if order == "mixed":
                    header = (mapping or {}).get(column.name, column.name)
                    raise ImportRejected(Message(
                        "{file} column `{header}` holds dates with two-digit years that only read day first "
                        "(a first part above 12) and others that only read month first (a middle part above 12): "
                        "check the column, or read them all one way with --day-first or --month-first "
                        "(the others go to quarantine).",
                        {"file": file_label(file_name), "header": str(header)},
                    ))
                if order == "ambiguous" and _documented(evidence):
                    # The export's own documentation gives the order (Talkwalker day first, HubSpot month first).
                    header = (mapping or {}).get(column.name, column.name)
                    dayfirst = _ambiguous_two_digit(values, header, evidence, notes)
                elif order == "ambiguous":
                    example = V.date_example(values) or ""
                    day, month = V.reading_messages(example)
                    header = (mapping or {}).get(column.name, column.name)
                    raise ImportRejected(Message(
                        "{file} column `{header}` holds dates such as '{example}' that read both as "
                        "{day} (day first) and as {month} (month first), and no value decides: say which "
                        "with --day-first or --month-first (the “Dates such as 05/03/24” box on the Data page).",
                        {"file": file_label(file_name), "header": str(header), "example": example, "day": day,
                         "month": month},
                    ))
                if order is not None and dayfirst is None:
                    dayfirst = order == "day"
                if order is None:
                    header = (mapping or {}).get(column.name, column.name)
                    dayfirst = _four_digit_order(values, dayfirst, file_name, header, evidence, notes)
            hints[column.name] = {"dayfirst": dayfirst, "anchor": options.anchor}
        elif column.type == "float":
            hints[column.name] = {"decimal_comma": V.infer_decimal_comma(frame[column.name])}
    return hints


# How scrm.ingest.map.date_order_evidence words the order a preset documents (the only evidence
# trusted for two-digit years: the file's look alone never decides `05/03/24`).
_DOCUMENTED = " export writes its dates "


def _documented(evidence: tuple[bool, str] | None) -> bool:
    return evidence is not None and _DOCUMENTED in evidence[1]


def _ambiguous_two_digit(values: pd.Series, header: str, evidence: tuple[bool, str] | None,
                         notes: list[str] | None) -> bool:
    """The documented order of an export's ``a/b/yy`` dates, with a note naming the reading."""
    assert evidence is not None
    first, because = evidence
    example = V.date_example(values) or ""
    day, month = V.both_readings(example)
    if notes is not None:
        notes.append(_order_note(header, example, first, day, month, because))
    return first


# The note naming how a column's dates were read when only the file decided, by day first: catalog keys.
ORDER_NOTE_KEYS = {
    True: ("Dates in `{header}` such as '{example}' were read day first ({day}) because {because}; if they are "
           "month first ({month}), import the file again with --month-first (the “Dates such as 05/03/24” box on "
           "the Data page)."),
    False: ("Dates in `{header}` such as '{example}' were read month first ({month}) because {because}; if they "
            "are day first ({day}), import the file again with --day-first (the “Dates such as 05/03/24” box on "
            "the Data page)."),
}
RELATIVE_NOTE_KEY = "Relative dates in `{name}` (such as '{example}') were counted back from {anchor}, the anchor date given."


def _order_note(header: str, example: str, first: bool, day: str, month: str, because: str) -> str:
    """The note for dates read one way because of the file's evidence (``because``, itself a sentence)."""
    from scrm.i18n.messages import Message, Said, message_of

    clause = message_of(because) or because
    day_reading, month_reading = V.reading_messages(example)  # the month's name translated with the note
    return Said(Message(ORDER_NOTE_KEYS[first], {"header": header, "example": example, "day": day_reading,
                                                 "month": month_reading, "because": clause}))


def _four_digit_order(values: pd.Series, dayfirst: bool | None, file_name: str, header: str,
                      evidence: tuple[bool, str] | None, notes: list[str] | None) -> bool | None:
    """The order of a column's ``a/b/yyyy`` dates when no value decides: from the file's evidence, else refused."""
    example = V.four_digit_year_ambiguity(values)
    if example is None:
        return dayfirst
    day, month = V.both_readings(example)
    if evidence is None:
        day_reading, month_reading = V.reading_messages(example)
        raise ImportRejected(Message(
            "{file} column `{header}` holds dates such as '{example}' that read both as {day} (day first) "
            "and as {month} (month first), and neither the values nor the file decide: say which with "
            "--day-first or --month-first (the “Dates such as 05/03/24” box on the Data page).",
            {"file": file_label(file_name), "header": header, "example": example, "day": day_reading,
             "month": month_reading},
        ))
    first, because = evidence
    if notes is not None:
        notes.append(_order_note(header, example, first, day, month, because))
    return first



def parse_values(
    frame: pd.DataFrame, kind: str, hints: Hints | None, flag: Callable[..., None]
) -> tuple[pd.DataFrame, list[str]]:
    """Each canonical column of ``frame`` typed (text cleaned, dates, numbers,
    yes/no parsed with ``hints``); ``flag(column, mask, reason, message)`` hears of the
    values that do not parse (``message``: :func:`each_message`, the reason of the rows set
    aside for the reader's language). Returns the typed frame and notes for the user.
    """
    entity = M.entity_of(kind)
    df = pd.DataFrame(index=frame.index)
    notes: list[str] = []
    for column in entity.columns:
        name = column.name
        if name not in frame.columns:
            continue
        raw = frame[name]
        if column.type == "text":
            df[name] = _clean_text(raw)
            continue
        if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
            raw = _clean_text(raw)
        parsers: dict[str, Callable[..., tuple[pd.Series, pd.Series]]] = {
            "datetime": V.parse_datetimes, "float": V.parse_numbers, "int": V.parse_ints, "bool": V.parse_bools
        }
        parser = parsers[column.type]
        parsed, is_bad = parser(raw, **(hints or {}).get(name, {}))
        df[name] = parsed
        if is_bad.any():
            text = raw.astype("string").fillna("")
            if column.type == "datetime":  # name the format the value seems to be in
                flag(name, is_bad, text.where(is_bad, "").map(V.describe_bad_date), each_message(V.bad_date_message, text))
            else:
                flag(name, is_bad, text.map(lambda v, t=column.type: _TYPE_REASONS[t].format(v=v)),
                     each_message(with_value(_TYPE_REASONS[column.type]), text))
        if column.type == "datetime":
            anchor = (hints or {}).get(name, {}).get("anchor")
            if anchor is not None:
                texts = raw.astype("string").dropna()
                relative = [v for v in texts.drop_duplicates().head(1000) if V.is_relative_date(str(v))]
                if relative:
                    from scrm.i18n.messages import Message, Said

                    notes.append(Said(Message(RELATIVE_NOTE_KEY, {"name": str(name), "example": str(relative[0]),
                                                                  "anchor": anchor.isoformat()})))
    return df, notes
