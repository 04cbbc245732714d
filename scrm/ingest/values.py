"""Turn the text cells of an imported file into typed values, a column at a time.

Every parser takes a pandas Series and returns ``(parsed, bad)``: ``parsed``
has the same index, ``bad`` is True where a cell has text that could not be
read. Empty, blank and missing cells give a missing value and are never bad,
so the caller decides whether "required" applies. Columns that already have a
numeric, boolean or datetime dtype pass through.

The parsers are vectorised: a column is classified with a few regular
expressions (run by pyarrow's RE2 on pandas' default string dtype) and parsed
with one ``pd.to_datetime`` or ``pd.to_numeric`` call per group. Columns with
many repeated values (dates without a time, prices) are parsed once per
distinct value. All patterns avoid look-arounds and back-references so that
RE2 and Python's ``re`` read them alike.

Rules for ambiguous input, in one place:

* Dates ``a/b/yyyy`` (also with ``.`` or ``-``) are day-first unless the column
  shows otherwise: with ``dayfirst=None`` a column is month-first only when
  some value has a middle part above 12 and none has a first part above 12.
  Two-digit years are not accepted (``05/03/24`` is bad): they are too
  ambiguous to guess.
* A time without an offset is UTC. Years outside 1900..2100 are bad, so are
  impossible dates (``31/02/2024``).
* Numbers: with both ``.`` and ``,`` the last one is the decimal mark. A lone
  mark followed by exactly three digits (``1,234``, ``1.234``) reads as
  ``1234`` and ``1.234`` (comma groups thousands, dot is decimal), unless
  other values of the column are only readable with a decimal comma
  (``12,5``, ``1.234,56``, ``1.234.567``) and none only with a decimal dot,
  in which case the column is European style: ``1,234`` is ``1.234`` and
  ``1.234`` is ``1234``. :func:`parse_ints` reads such values as thousands
  (``1.000`` is 1000), since an integer column has no fractions.
"""

from __future__ import annotations

import html
import logging
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api import types as pdt

from scrm.i18n.messages import Message

log = logging.getLogger(__name__)

Parsed = tuple[pd.Series, pd.Series]

MIN_YEAR = 1900
MAX_YEAR = 2100

# Above this many cells, a column is parsed once per distinct value when a
# sample shows enough repetition; factorising a column of unique values would
# only add work.
_FACTORIZE_FROM = 20_000


# --- shared helpers ------------------------------------------------------------


def _as_text(s: pd.Series) -> pd.Series:
    """Stripped text cells in pandas' string dtype; blank cells become missing."""
    # Always the NaN-semantics "str" dtype (pyarrow-backed when available), also
    # for the NA-semantics "string" dtype, so that masks never hold pd.NA.
    t = s if s.dtype == "str" else s.astype("str")
    t = t.str.strip()
    return t.where(t != "")


def _is_text_column(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.StringDtype):
        return True
    if s.dtype == object:
        return pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")
    return False


def _distinct(t: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """``codes`` and ``values`` with ``values.iloc[codes] == t`` (code -1: missing).

    Columns that look mostly unique are not factorised.
    """
    n = len(t)
    if n >= _FACTORIZE_FROM:
        sample = t.iloc[:_FACTORIZE_FROM]
        if sample.nunique() > 0.5 * len(sample):
            codes = np.arange(n)
            codes[t.isna().to_numpy()] = -1
            return codes, t.reset_index(drop=True)
    codes, uniques = pd.factorize(t)
    return codes, pd.Series(uniques, dtype=t.dtype)


def _spread(codes: np.ndarray, values: np.ndarray, missing: object) -> np.ndarray:
    """Values per distinct cell -> values per cell (code -1 gets ``missing``)."""
    if len(values) == 0:
        return np.full(len(codes), missing, dtype=values.dtype)
    out = values[np.where(codes < 0, 0, codes)]  # fancy indexing: a new array
    out[codes < 0] = missing
    return out


def _parse_text_column(
    s: pd.Series, parse: Callable[[pd.Series], tuple[np.ndarray, np.ndarray]], missing: object, dtype: str
) -> Parsed:
    """Run ``parse`` (distinct non-missing text -> values, bad) over a text column."""
    t = _as_text(s)
    codes, distinct = _distinct(t)
    present = distinct.notna().to_numpy()
    values = np.full(len(distinct), missing, dtype=object if dtype == "object" else dtype)
    bad = np.zeros(len(distinct), dtype=bool)
    if present.any():
        v, b = parse(distinct[present])
        values[present] = v
        bad[present] = b
    out = _spread(codes, values, missing)
    out_bad = _spread(codes, bad, False)
    return pd.Series(out, index=s.index, dtype=dtype, name=s.name), pd.Series(
        out_bad, index=s.index, dtype=bool
    )


def _fullmatch(t: pd.Series, pattern: str) -> np.ndarray:
    return t.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


# --- datetimes -------------------------------------------------------------------
# Patterns spell digits [0-9] and spaces [ \t] rather than \d and \s, and hold
# no-break spaces as characters rather than \u escapes: pandas then runs them
# with pyarrow's RE2, many times faster than Python's re on a million cells.

_D = "[0-9]"
_SP = "[ \t\u00a0\u202f]"
_TIME = rf"(?:(?:T|{_SP}+|,{_SP}*){_D}{{1,2}}:{_D}{{2}}(?::{_D}{{2}}(?:[.,]{_D}{{1,9}})?)?)?"
_ZONE = rf"(?:{_SP}*(?:[Zz]|UTC|GMT|[+-]{_D}{{2}}(?::?{_D}{{2}})?))?"
_AMPM = rf"{_SP}*[AaPp]\.?[Mm]\.?"
_ENDING = rf"(?:{_AMPM}|{_ZONE})"
_MONTH_WORD = r"[A-Za-z]{3,9}\.?"

_ISO = rf"{_D}{{4}}-{_D}{{1,2}}-{_D}{{1,2}}{_TIME}{_ZONE}"
_YMD = rf"{_D}{{4}}[/.]{_D}{{1,2}}[/.]{_D}{{1,2}}{_TIME}{_ENDING}"
_DMY = rf"{_D}{{1,2}}[/.-]{_D}{{1,2}}[/.-]{_D}{{4}}{_TIME}{_ENDING}"
_COMPACT = rf"{_D}{{8}}"
# Two-digit years: 22/09/17 11:00:24 (Talkwalker, day first), 2/5/24 1:51 PM (HubSpot, month first).
_DMY2 = rf"{_D}{{1,2}}[/.-]{_D}{{1,2}}[/.-]{_D}{{2}}{_TIME}{_ENDING}"
# Anything else holding letters: month names in English, Spanish or French, "Jul 2022",
# relative dates ("2 days ago"); read value by value in Python (see _wordy_date).
_WORDY = r".*[A-Za-zÀ-ÿ].*"
# RFC 2822 (e-mail, RSS): "Tue, 31 Oct 2017 23:36:20 +0000", also "31 Oct 2017".
_RFC_PARTS = (
    rf"(?:[A-Za-z]{{3,9}},?{_SP}+)?({_D}{{1,2}}){_SP}+({_MONTH_WORD}),?{_SP}+({_D}{{4}})"
    rf"((?:,?{_SP}+{_D}{{1,2}}:{_D}{{2}}(?::{_D}{{2}})?)?{_ZONE})"
)
# Twitter's created_at: "Tue Oct 31 23:36:20 +0000 2017".
_TWITTER_PARTS = (
    rf"[A-Za-z]{{3}}{_SP}+({_MONTH_WORD}){_SP}+({_D}{{1,2}}){_SP}+"
    rf"({_D}{{1,2}}:{_D}{{2}}:{_D}{{2}}){_SP}*([+-]{_D}{{4}}){_SP}+({_D}{{4}})"
)
_TWITTER_FIXED = (
    rf"[A-Za-z]{{3}} [A-Za-z]{{3}} {_D}{{2}} {_D}{{2}}:{_D}{{2}}:{_D}{{2}} [+-]{_D}{{4}} {_D}{{4}}"
)

_MONTHS = {
    m: f"{i:02d}"
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
# Microseconds: every resolution pandas infers fits, and so does any 4-digit year.
_UTC = pd.DatetimeTZDtype(unit="us", tz="UTC")
# Seconds since 1970 of MIN_YEAR-01-01 and (MAX_YEAR + 1)-01-01.
_MIN_SECONDS = int(np.datetime64(f"{MIN_YEAR}-01-01T00:00:00", "s").astype("int64"))
_END_SECONDS = int(np.datetime64(f"{MAX_YEAR + 1}-01-01T00:00:00", "s").astype("int64"))


def parse_datetimes(s: pd.Series, *, dayfirst: bool | None = None, anchor: date | None = None) -> Parsed:
    """Parse dates and times into UTC ISO text ``YYYY-MM-DDTHH:MM:SS``.

    Accepts ISO 8601 (``2024-03-05``, ``2024-03-05 14:02``,
    ``2024-03-05T14:02:11.5Z``, with offsets such as ``-0800``), ``yyyy/mm/dd``,
    ``dd/mm/yyyy``, ``dd-mm-yyyy`` and ``dd.mm.yyyy`` with an optional time and
    AM/PM, ``yyyymmdd``, RFC 2822 (``Tue, 31 Oct 2017 23:36:20 +0000``) and
    Twitter's ``Tue Oct 31 23:36:20 +0000 2017``. Times without an offset are
    UTC; fractions of a second are dropped. ``dayfirst=None`` infers the order
    of ``a/b/yyyy`` per column (see the module docstring); ``a/b/yy`` needs a
    value that decides (a part above 12) or ``dayfirst``, else it is bad.
    Month names in English, Spanish and French (``March 3, 2024``,
    ``12 de marzo de 2024``, ``3 janv. 2024``), ``Jul 2022`` (the 1st of the
    month) and, when ``anchor`` (the day the file was exported) is given,
    relative dates (``Yesterday``, ``2 days ago``, ``hace 2 días``, ``il y a 3 jours``).

    Datetime columns, and Python/pandas datetime objects in object columns,
    pass through (converted to UTC). Integer columns are read as ``yyyymmdd``.

    >>> parse_datetimes(pd.Series(["2015-02-24 11:35:52 -0800", "31/02/2024", ""]))[0].tolist()
    ['2015-02-24T19:35:52', None, None]
    """
    if pdt.is_datetime64_any_dtype(s.dtype):
        stamps = _to_utc(pd.Series(s, copy=False))
        return _format_utc(stamps, s.notna().to_numpy(), s.index)
    if pdt.is_bool_dtype(s.dtype):
        return pd.Series([None] * len(s), index=s.index, dtype=object), s.notna().astype(bool)
    if pdt.is_numeric_dtype(s.dtype):
        return parse_datetimes(_integral_text(s), dayfirst=dayfirst, anchor=anchor)
    if not _is_text_column(s):
        return _parse_datetime_objects(s, dayfirst=dayfirst)

    t = _as_text(s)
    codes, distinct = _distinct(t)
    present = distinct.notna().to_numpy()
    stamps = pd.Series(pd.NaT, index=distinct.index, dtype=_UTC)
    if present.any():
        stamps[present] = _parse_datetime_text(distinct[present], dayfirst, anchor)
    text, bad = _format_utc(stamps, present, distinct.index)
    out = _spread(codes, text.to_numpy(dtype=object), None)
    out_bad = _spread(codes, bad.to_numpy(dtype=bool), False)
    return pd.Series(out, index=s.index, dtype=object, name=s.name), pd.Series(
        out_bad, index=s.index, dtype=bool
    )


def _integral_text(s: pd.Series) -> pd.Series:
    """Numbers as digit text (``19970101.0`` -> ``19970101``); fractions stay as they are (and fail)."""
    return s.map(lambda v: None if pd.isna(v) else _object_text(v)).astype("str")


def _to_utc(s: pd.Series) -> pd.Series:
    if getattr(s.dt, "tz", None) is None:
        return s.dt.tz_localize("UTC")
    return s.dt.tz_convert("UTC")


@cache
def _clock_texts() -> np.ndarray:
    """``HH:MM:SS`` for every second of a day, formatted once."""
    day = np.datetime_as_string(np.arange(86_400).astype("datetime64[s]"), unit="s")
    return np.array([t[11:] for t in day], dtype=object)


def _format_utc(stamps: pd.Series, present: np.ndarray, index: pd.Index) -> Parsed:
    """UTC timestamps -> ISO text; NaT or out-of-range where ``present`` -> bad.

    Formats each distinct day once and looks the time of day up in a table:
    several times faster than ``strftime`` or ``datetime_as_string`` on a
    million values.
    """
    naive = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    seconds_dt = naive.to_numpy().astype("datetime64[s]")
    missing = np.isnat(seconds_dt)
    seconds = seconds_dt.astype("int64")
    ok = ~missing & (seconds >= _MIN_SECONDS) & (seconds < _END_SECONDS)
    text = np.full(len(seconds), None, dtype=object)
    if ok.any():
        days, clock = np.divmod(seconds[ok], 86_400)
        distinct_days, which = np.unique(days, return_inverse=True)
        day_texts = (
            np.datetime_as_string(distinct_days.astype("datetime64[D]"), unit="D").astype(object) + "T"
        )
        text[ok] = day_texts[which] + _clock_texts()[clock]
    bad = present & ~ok
    return pd.Series(text, index=index, dtype=object), pd.Series(bad, index=index, dtype=bool)


def _parse_datetime_objects(s: pd.Series, *, dayfirst: bool | None) -> Parsed:
    """An object column mixing datetime objects, numbers and text (e.g. cells from Excel)."""
    is_stamp = s.map(lambda v: isinstance(v, (datetime, date, np.datetime64))).to_numpy(dtype=bool)
    others = s.where(~is_stamp).map(
        lambda v: v if v is None or isinstance(v, str) else (None if pd.isna(v) else _object_text(v))
    )
    text, bad = parse_datetimes(others.astype("str"), dayfirst=dayfirst)
    if is_stamp.any():
        stamps = pd.Series([_utc_timestamp(v) for v in s[is_stamp]], index=s.index[is_stamp], dtype=_UTC)
        st_text, st_bad = _format_utc(stamps, np.ones(len(stamps), dtype=bool), stamps.index)
        text = text.copy()
        bad = bad.copy()
        text[is_stamp] = st_text.to_numpy(dtype=object)
        bad[is_stamp] = st_bad.to_numpy(dtype=bool)
    return text, bad


def _object_text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _utc_timestamp(v: object) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(v)  # type: ignore[arg-type]
    except (ValueError, OverflowError):
        return pd.NaT  # type: ignore[return-value]
    if ts is pd.NaT:
        return ts
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _parse_datetime_text(t: pd.Series, dayfirst: bool | None, anchor: date | None = None) -> pd.Series:
    """Non-missing stripped text -> UTC timestamps (NaT where unreadable).

    Each value is claimed by the pattern that matches it (the patterns
    exclude each other), rewritten into ISO order and parsed by
    ``pd.to_datetime``, which also rejects impossible dates such as
    2024-02-31. Patterns are tried in the order of their hits on the first
    values, so a column of one format costs one regex pass.
    """

    def iso(x: pd.Series) -> pd.Series:
        return _iso_to_utc(x)

    def ymd(x: pd.Series) -> pd.Series:
        return _iso_to_utc(x.str.replace(rf"^({_D}{{4}})[/.]({_D}{{1,2}})[/.]", r"\1-\2-", regex=True))

    def dmy(x: pd.Series) -> pd.Series:
        first_is_day = dayfirst if dayfirst is not None else _infer_dayfirst(x)
        order = r"\3-\2-\1" if first_is_day else r"\3-\1-\2"
        return _iso_to_utc(
            x.str.replace(rf"^({_D}{{1,2}})[/.-]({_D}{{1,2}})[/.-]({_D}{{4}})", order, regex=True)
        )

    def dmy2(x: pd.Series) -> pd.Series:
        first_is_day = dayfirst if dayfirst is not None else _two_digit_order(x)
        if first_is_day is None:  # the column does not say: no silent guess
            return pd.Series(pd.NaT, index=x.index, dtype=_UTC)
        order = r"20\3-\2-\1" if first_is_day else r"20\3-\1-\2"
        return _iso_to_utc(
            x.str.replace(rf"^({_D}{{1,2}})[/.-]({_D}{{1,2}})[/.-]({_D}{{2}})", order, regex=True)
        )

    def wordy(x: pd.Series) -> pd.Series:
        rebuilt = pd.Series([_wordy_date(str(v), anchor) for v in x], index=x.index, dtype=object)
        known = rebuilt.notna().to_numpy()
        out = pd.Series(pd.NaT, index=x.index, dtype=_UTC)
        if known.any():
            out[known] = _iso_to_utc(rebuilt[known].astype("str"))
        return out

    def compact(x: pd.Series) -> pd.Series:
        return _iso_to_utc(x.str.replace(rf"^({_D}{{4}})({_D}{{2}})", r"\1-\2-", regex=True))

    def twitter(x: pd.Series) -> pd.Series:
        # Twitter pads every field, so most values can be cut by position:
        # slices and a join are far faster than a regex replace or strptime's %b.
        fixed = _fullmatch(x, _TWITTER_FIXED)
        out = []
        if fixed.any():
            f = x[fixed]
            text = (
                f.str.slice(26, 30)
                + "-"
                + _month_numbers(f.str.slice(4, 7))
                + "-"
                + f.str.slice(8, 10)
                + " "
                + f.str.slice(11, 19)
                + f.str.slice(20, 25)
            )
            out.append(_iso_to_utc(text))
        if not fixed.all():
            out.append(_named_month_to_utc(x[~fixed], _TWITTER_PARTS, r"\1", r"\5-", r"-\2 \3\4"))
        return pd.concat(out).astype(_UTC)

    def rfc(x: pd.Series) -> pd.Series:
        return _named_month_to_utc(x, _RFC_PARTS, r"\2", r"\3-", r"-\1\4")

    patterns: list[tuple[str, Callable[[pd.Series], pd.Series]]] = [
        (_ISO, iso),
        (_YMD, ymd),
        (_DMY, dmy),
        (_COMPACT, compact),
        (_TWITTER_PARTS, twitter),
        (_RFC_PARTS, rfc),
        (_DMY2, dmy2),
        (_WORDY, wordy),
    ]
    sample = t.iloc[:500]
    hits = [int(_fullmatch(sample, pattern).sum()) for pattern, _ in patterns]
    hits[-1] = -1  # the catch-all for words comes last, whatever its hits
    order = sorted(range(len(patterns)), key=lambda i: -hits[i])  # stable: ties keep the list order

    parts: list[pd.Series] = []
    rest = np.ones(len(t), dtype=bool)
    for i in order:
        if not rest.any():
            break
        pattern, parse = patterns[i]
        sub = t[rest]
        hit = _fullmatch(sub, pattern)
        if hit.any():
            parts.append(parse(sub[hit]))
            rest = rest.copy()
            rest[rest] = ~hit
    if not parts:
        return pd.Series(pd.NaT, index=t.index, dtype=_UTC)
    return pd.concat([p.astype(_UTC) for p in parts]).reindex(t.index)


def _named_month_to_utc(t: pd.Series, pattern: str, month: str, head: str, tail: str) -> pd.Series:
    """Dates with English month names: rebuild ``y-mm-d ...`` from regex groups, then parse."""
    whole = "^" + pattern + "$"
    text = (
        t.str.replace(whole, head, regex=True)
        + _month_numbers(t.str.replace(whole, month, regex=True))
        + t.str.replace(whole, tail, regex=True)
    )
    return _iso_to_utc(text)


def _infer_dayfirst(dmy: pd.Series) -> bool:
    """Day-first unless some middle part exceeds 12 and no first part does."""
    first_over_12 = _fullmatch(dmy, rf"(?:1[3-9]|[2-9]{_D})[/.-].*").any()
    middle_over_12 = _fullmatch(dmy, rf"{_D}{{1,2}}[/.-](?:1[3-9]|[2-9]{_D})[/.-].*").any()
    return not (middle_over_12 and not first_over_12)


def _only_day_first(x: pd.Series) -> np.ndarray:
    """``a/b/yy`` values that read only day first: a first part above 12, a middle one that can be a month.

    A value with both parts above 12 (``32/13/17``) reads neither way: it is no evidence
    of the column's order, and goes to quarantine on its own.
    """
    over = _fullmatch(x, rf"(?:1[3-9]|[2-9]{_D})[/.-].*")
    return over & ~_fullmatch(x, rf"{_D}{{1,2}}[/.-](?:1[3-9]|[2-9]{_D})[/.-].*")


def _only_month_first(x: pd.Series) -> np.ndarray:
    """``a/b/yy`` values that read only month first: a middle part above 12, a first one that can be a month."""
    over = _fullmatch(x, rf"{_D}{{1,2}}[/.-](?:1[3-9]|[2-9]{_D})[/.-].*")
    return over & ~_fullmatch(x, rf"(?:1[3-9]|[2-9]{_D})[/.-].*")


def _two_digit_order(x: pd.Series) -> bool | None:
    """Day-first (True), month-first (False) or undecided (None) for ``a/b/yy`` values.

    A first part above 12 decides day-first, a middle part above 12 month-first;
    a column showing both, or neither, stays undecided.
    """
    first, middle = _only_day_first(x).any(), _only_month_first(x).any()
    if first and not middle:
        return True
    if middle and not first:
        return False
    return None


def two_digit_year_order(s: pd.Series) -> str | None:
    """How a column writes ``a/b/yy`` dates: ``"day"``, ``"month"``, ``"ambiguous"`` (no value decides),
    ``"mixed"`` (some values only read day first, others only month first), or None (it has none).

    >>> two_digit_year_order(pd.Series(["22/09/17 11:00:24", "01/10/17 08:00:00"]))
    'day'
    >>> two_digit_year_order(pd.Series(["2/5/24 1:51", "03/04/24 10:00"]))
    'ambiguous'
    """
    # A cheap test in pyarrow first: most columns hold no a/b/yy date and stop here.
    cells = s.array if isinstance(s.dtype, pd.StringDtype) else s.to_numpy(dtype=object)
    try:
        arr = pa.array(cells, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array(s.astype("str").to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    hit = pc.fill_null(pc.match_substring_regex(arr, rf"^\s*{_D}{{1,2}}[/.-]{_D}{{1,2}}[/.-]{_D}{{2}}(?:[^0-9]|$)"), False)
    if not pc.any(hit).as_py():
        return None
    t = _as_text(s[hit.to_numpy(zero_copy_only=False)])
    x = t[_fullmatch(t, _DMY2)]
    if not len(x):
        return None
    order = _two_digit_order(x)
    if order is None:
        return "mixed" if _only_day_first(x).any() else "ambiguous"
    return "day" if order else "month"


def four_digit_year_ambiguity(s: pd.Series) -> str | None:
    """The first ``a/b/yyyy`` value that reads differently day first and month first, when no
    value of the column decides (no part above 12); None when the column decides, or when
    every such date reads the same both ways (``01/01/2024``).

    >>> four_digit_year_ambiguity(pd.Series(["05/03/2024", "01/02/2024 10:00"]))
    '05/03/2024'
    >>> four_digit_year_ambiguity(pd.Series(["05/03/2024", "25/03/2024"])) is None
    True
    >>> four_digit_year_ambiguity(pd.Series(["2024-03-05", "01/01/2024"])) is None
    True
    """
    cells = s.array if isinstance(s.dtype, pd.StringDtype) else s.to_numpy(dtype=object)
    try:
        arr = pa.array(cells, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array(s.astype("str").to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    hit = pc.fill_null(pc.match_substring_regex(arr, rf"^\s*{_D}{{1,2}}[/.-]{_D}{{1,2}}[/.-]{_D}{{4}}(?:[^0-9]|$)"), False)
    if not pc.any(hit).as_py():
        return None
    t = _as_text(s[hit.to_numpy(zero_copy_only=False)]).str.strip()
    if _fullmatch(t, rf"(?:1[3-9]|[2-9]{_D})[/.-].*").any() or _fullmatch(t, rf"{_D}{{1,2}}[/.-](?:1[3-9]|[2-9]{_D})[/.-].*").any():
        return None
    parts = t.str.extract(r"^(\d{1,2})[/.-](\d{1,2})[/.-]")
    differs = parts[0].astype(int) != parts[1].astype(int)
    return str(t[differs.to_numpy()].iloc[0]) if bool(differs.any()) else None


def date_example(s: pd.Series) -> str | None:
    """The first ``a/b/yy`` value of a column whose two parts can both be day or month."""
    t = _as_text(s.astype("str") if not _is_text_column(s) else s).dropna()
    x = t[_fullmatch(t, rf"(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|1[0-2])[/.-]{_D}{{2}}.*")]
    return str(x.iloc[0]) if len(x) else None


def both_readings(value: str) -> tuple[str, str]:
    """(day-first reading, month-first reading) of ``a/b/yy``, as ``5 March 2024``.

    >>> both_readings("05/03/24 10:00")
    ('5 March 2024', 'May 3, 2024')
    >>> both_readings("22/09/17")
    ('22 September 2017', 'no day at all')
    """
    import re

    m = re.match(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})", value)
    if not m:
        return value, value
    a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    y = y + 2000 if y < 100 else y

    def reading(day: int, month: int, text: str) -> str:
        try:
            date(y, month, day)
        except ValueError:
            return "no day at all"
        return text.format(day=day, month=_ENGLISH_MONTHS[month - 1], year=y)

    return reading(a, b, "{day} {month} {year}"), reading(b, a, "{month} {day}, {year}")


_ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                   "October", "November", "December")
# Month names and abbreviations in English, Spanish and French, folded (lower case, no accents, no dot).
_MONTH_WORDS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("january", "jan", "enero", "ene", "janvier", "janv"),
        ("february", "feb", "febrero", "fevrier", "fevr", "fev"),
        ("march", "mar", "marzo", "mars"),
        ("april", "apr", "abril", "abr", "avril", "avr"),
        ("may", "mayo", "mai", "may"),
        ("june", "jun", "junio", "juin"),
        ("july", "jul", "julio", "juillet", "juil"),
        ("august", "aug", "agosto", "ago", "aout"),
        ("september", "sep", "sept", "septiembre", "setiembre", "set", "septembre"),
        ("october", "oct", "octubre", "octobre"),
        ("november", "nov", "noviembre", "novembre"),
        ("december", "dec", "diciembre", "dic", "decembre"),
    ),
    1,
):
    for _name in _names:
        _MONTH_WORDS[_name] = _number
_WEEKDAYS = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo", "lun", "mie", "jue", "vie", "sab", "dom", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "mer", "jeu", "ven", "sam"]
)
_FILLERS = frozenset({"de", "del", "le", "the", "of", "at", "a", "las", "los", "la", "el", "um", "à"})
_RELATIVE_DAYS = {"today": 0, "hoy": 0, "aujourd hui": 0, "now": 0, "just now": 0, "yesterday": 1, "ayer": 1,
                  "hier": 1, "anteayer": 2, "avant hier": 2}
_UNITS = {
    "second": 1 / 86400, "seconds": 1 / 86400, "sec": 1 / 86400, "secs": 1 / 86400, "segundo": 1 / 86400,
    "segundos": 1 / 86400, "seconde": 1 / 86400, "secondes": 1 / 86400,
    "minute": 1 / 1440, "minutes": 1 / 1440, "min": 1 / 1440, "mins": 1 / 1440, "minuto": 1 / 1440,
    "minutos": 1 / 1440,
    "hour": 1 / 24, "hours": 1 / 24, "hr": 1 / 24, "hrs": 1 / 24, "hora": 1 / 24, "horas": 1 / 24,
    "heure": 1 / 24, "heures": 1 / 24, "h": 1 / 24,
    "day": 1, "days": 1, "dia": 1, "dias": 1, "jour": 1, "jours": 1, "d": 1,
    "week": 7, "weeks": 7, "semana": 7, "semanas": 7, "semaine": 7, "semaines": 7, "w": 7,
    "month": 30, "months": 30, "mes": 30, "meses": 30, "mois": 30,
    "year": 365, "years": 365, "ano": 365, "anos": 365, "an": 365, "ans": 365, "annee": 365, "annees": 365,
}
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "un": 1, "una": 1, "une": 1, "two": 2, "dos": 2, "deux": 2,
                 "three": 3, "tres": 3, "trois": 3}


def is_relative_date(text: str) -> bool:
    """True for ``Yesterday``, ``2 days ago``, ``hace 2 días``, ``il y a 3 jours`` and the like."""
    return _relative_days(_fold(text)) is not None


def _relative_days(folded: str) -> float | None:
    import re

    words = re.sub(r"[^a-z0-9 ]+", " ", folded).split()
    text = " ".join(words)
    if text in _RELATIVE_DAYS:
        return float(_RELATIVE_DAYS[text])
    for prefix, suffix in (("", " ago"), ("hace ", ""), ("il y a ", ""), ("il ya ", "")):
        if text.startswith(prefix) and text.endswith(suffix) and (prefix or suffix):
            core = text[len(prefix): len(text) - len(suffix)].split()
            if len(core) == 2:
                count = int(core[0]) if core[0].isdigit() else _NUMBER_WORDS.get(core[0])
                unit = _UNITS.get(core[1])
                if count is not None and unit is not None:
                    return count * unit
            if len(core) == 1:  # "2d ago", "3h"
                m = re.fullmatch(r"(\d+)([a-z]+)", core[0])
                if m and m.group(2) in _UNITS:
                    return int(m.group(1)) * _UNITS[m.group(2)]
    return None


def _wordy_date(text: str, anchor: date | None) -> str | None:
    """A date written with words -> ``YYYY-MM-DD[ time]`` text for the ISO parser; None if unreadable.

    Reads ``March 3, 2024``, ``3 March 2024``, ``12 de marzo de 2024``, ``3 janv. 2024``,
    ``mar. 5, 2024, 2:02:11 p. m.``, ``Jul 2022`` (the 1st), with an optional time
    and weekday; relative dates only with an ``anchor``.
    """
    import re

    folded = _fold(text)
    relative = _relative_days(folded)
    if relative is not None:
        if anchor is None:
            return None
        stamp = pd.Timestamp(anchor) - pd.to_timedelta(relative, unit="D")
        if relative >= 1 or relative == 0:
            return stamp.strftime("%Y-%m-%d")
        return stamp.strftime("%Y-%m-%d %H:%M:%S")
    # Split off the time ("14:02:11", "2:02 PM", "2:02:11 p. m.") and the zone.
    time_part = ""
    m = re.search(r"(\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\s*([ap])?\.?\s*(m)?\.?\s*(z|utc|gmt|[+-]\d{2}:?\d{2})?\s*$",
                  folded)
    if m:
        time_part = m.group(1)
        if m.group(2) and m.group(3):
            time_part += " " + m.group(2).upper() + "M"
        zone = m.group(4)
        if zone:
            time_part += "Z" if zone in ("z", "utc", "gmt") else zone
        folded = folded[: m.start()]
    tokens = [w for w in re.split(r"[\s,./-]+", folded) if w]
    tokens = [w for w in tokens if w not in _WEEKDAYS and w not in _FILLERS and w not in ("h", "a")]
    day = month = year = None
    for w in tokens:
        w = re.sub(r"(st|nd|rd|th|er|o|eme)$", "", w) if re.fullmatch(r"\d{1,2}(st|nd|rd|th|er|o|eme)", w) else w
        if w.isdigit():
            n = int(w)
            if len(w) == 4 and year is None:
                year = n
            elif len(w) <= 2 and day is None:
                day = n
            else:
                return None
        elif w in _MONTH_WORDS and month is None:
            month = _MONTH_WORDS[w]
        else:
            return None
    if month is None or year is None:
        return None
    if day is None:
        if time_part:
            return None
        day = 1  # "Jul 2022": the month, from its first day
    try:
        date(year, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}" + (f" {time_part}" if time_part else "")


def describe_bad_date(value: str) -> str:
    """Why a date was refused, naming the format it looks like and what to do."""
    return bad_date_message(value).english()


# Why a date was refused, per kind of value: catalog keys (scrm.i18n) filled with the value.
BAD_DATE_KEYS = {
    "relative": ("'{v}' is a relative date. Give the day the file was exported (--anchor-date YYYY-MM-DD on "
                 "the command line, the Data page's “Relative dates count back from” box) so that it can be read."),
    "two-digit": ("'{v}' is not a date in its column's order: read as dd/mm/yy it is {day}, as m/d/yy {month}. "
                  "Check the value, or say the order with --day-first or --month-first."),
    "four-digit": ("'{v}' is not a date: read as dd/mm/yyyy (or mm/dd/yyyy), there is no such day. "
                   "Check the day and the month."),
    "iso": "'{v}' is not a date: read as ISO yyyy-mm-dd, there is no such day or time. Check the value.",
    "other": "'{v}' is not a date. Use ISO dates (2024-03-05 or 2024-03-05 14:30), dd/mm/yyyy or yyyymmdd.",
}


def bad_date_message(value: str) -> Message:
    """:func:`describe_bad_date` as a message key plus values, written in the reader's language when shown.

    >>> bad_date_message("31/02/2024").key == BAD_DATE_KEYS["four-digit"]
    True
    """
    import re

    v = value.strip()
    if is_relative_date(v):
        return Message(BAD_DATE_KEYS["relative"], {"v": v})
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}\b.*", v):
        day, month = reading_messages(v)
        return Message(BAD_DATE_KEYS["two-digit"], {"v": v, "day": day, "month": month})
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b.*", v):
        return Message(BAD_DATE_KEYS["four-digit"], {"v": v})
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}\b.*", v):
        return Message(BAD_DATE_KEYS["iso"], {"v": v})
    return Message(BAD_DATE_KEYS["other"], {"v": v})


# How the two readings of ``a/b/yy`` are written (English: "5 March 2024", "May 3, 2024").
DAY_FIRST_READING = "{day} {month} {year}"
MONTH_FIRST_READING = "{month} {day}, {year}"
NO_DAY = "no day at all"


def reading_messages(value: str) -> tuple[Message, Message]:
    """:func:`both_readings` as messages, the month's name translated with the sentence.

    >>> [m.english() for m in reading_messages("22/09/17")]
    ['22 September 2017', 'no day at all']
    """
    import re

    m = re.match(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})", value)
    if not m:
        return Message("{v}", {"v": value}), Message("{v}", {"v": value})
    a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    y = y + 2000 if y < 100 else y

    def reading(day: int, month: int, text: str) -> Message:
        try:
            date(y, month, day)
        except ValueError:
            return Message(NO_DAY)
        return Message(text, {"day": str(day), "month": Message(_ENGLISH_MONTHS[month - 1]), "year": str(y)})

    return reading(a, b, DAY_FIRST_READING), reading(b, a, MONTH_FIRST_READING)


def _month_numbers(words: pd.Series) -> pd.Series:
    """Month names or abbreviations (English by their first three letters; Spanish and
    French ones too, such as ``abr.``, ``janv.``, ``déc.``) -> ``01``..``12`` (missing when unknown)."""
    codes, uniques = pd.factorize(words)

    def number(word: str) -> str | None:
        folded = _fold(word).rstrip(".")
        known = _MONTH_WORDS.get(folded)
        return f"{known:02d}" if known else _MONTHS.get(folded[:3])

    numbers = np.array([number(str(u)) for u in uniques] + [None], dtype=object)
    return pd.Series(numbers[codes], index=words.index, dtype="str")


def _iso_to_utc(t: pd.Series) -> pd.Series:
    """ISO-like text (``y-m-d``, optional time, AM/PM or zone) -> UTC timestamps.

    Most columns parse as they are; only the values pandas' ISO parser
    refuses are normalised (``, `` before the time, a decimal comma in the
    seconds, ``UTC``/``GMT`` suffixes, AM/PM) and tried again.
    """
    stamps = pd.to_datetime(t, format="ISO8601", utc=True, errors="coerce").astype(_UTC)
    missed = stamps.isna().to_numpy()
    if not missed.any():
        return stamps
    return _merge(stamps[~missed], _normalised_to_utc(t[missed]), t.index)


def _merge(a: pd.Series, b: pd.Series, index: pd.Index) -> pd.Series:
    """Two parts of a column of timestamps (maybe of different resolutions) in ``index`` order."""
    return pd.concat([a.astype(_UTC), b.astype(_UTC)]).reindex(index)


def _normalised_to_utc(t: pd.Series) -> pd.Series:
    t = t.str.replace(
        rf"^({_D}{{4}}-{_D}{{1,2}}-{_D}{{1,2}})(?:,{_SP}*|{_SP}*T{_SP}*|{_SP}+)({_D})", r"\1 \2", regex=True
    )
    t = t.str.replace(rf"(:{_D}{{2}}),({_D})", r"\1.\2", regex=True)
    t = t.str.replace(rf"{_SP}*(?:UTC|GMT|z)$", "Z", regex=True)
    ampm = _fullmatch(t, rf".*{_D}{_AMPM}")
    if not ampm.any():
        return pd.to_datetime(t, format="ISO8601", utc=True, errors="coerce")
    plain = pd.to_datetime(t[~ampm], format="ISO8601", utc=True, errors="coerce")
    twelve = t[ampm]
    pm = _fullmatch(twelve, r".*[Pp]\.?[Mm]\.?")
    bare = twelve.str.replace(_AMPM + "$", "", regex=True)
    hour_text = bare.str.replace(rf"^[^ ]+ ({_D}{{1,2}}):.*$", r"\1", regex=True)
    hour = pd.to_numeric(hour_text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    stamps = pd.to_datetime(bare, format="ISO8601", utc=True, errors="coerce")
    # 12 AM is midnight and 12 PM is noon; "13:00 PM" or "0:30 AM" are not times.
    shift = np.where(pm & (hour < 12), 12, 0) - np.where(~pm & (hour == 12), 12, 0)
    stamps = stamps + pd.to_timedelta(shift, unit="h")
    stamps = stamps.where((hour >= 1) & (hour <= 12))
    return _merge(plain, stamps, t.index)


# --- numbers ---------------------------------------------------------------------

_CURRENCY = r"(?:[€£$¥]|US\$|[Ee][Uu][Rr]|[Gg][Bb][Pp]|[Uu][Ss][Dd])"
# Dot as decimal mark, comma (optionally) grouping thousands; and the reverse.
_DOT_DECIMAL = r"[+-]?(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)?(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?"
_COMMA_DECIMAL = r"[+-]?(?:[1-9][0-9]{0,2}(?:\.[0-9]{3})+|[0-9]+)?(?:,[0-9]*)?(?:[eE][+-]?[0-9]+)?"
# Spaces that group thousands: space, no-break space, narrow no-break space, apostrophe (Swiss).
_GROUP = "[ \u00a0\u202f']"


def infer_dayfirst(s: pd.Series) -> bool | None:
    """Whether the column's ``a/b/yyyy`` dates are day-first (None: it has none).

    Used to type a big column chunk by chunk with the answer the whole column gives.
    """
    # A cheap prefix test first (in pyarrow: pandas' str.match is 6x slower
    # here): most columns hold ISO or RFC dates and stop at this line.
    cells = s.array if isinstance(s.dtype, pd.StringDtype) else s.to_numpy(dtype=object)
    try:
        arr = pa.array(cells, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: let the slow path judge
        arr = pa.array(s.astype("str").to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    starts = pc.fill_null(pc.match_substring_regex(arr, rf"^\s*{_D}{{1,2}}[/.-]"), False)
    if not pc.any(starts).as_py():
        return None
    t = _as_text(s[starts.to_numpy(zero_copy_only=False)])
    dmy = t[_fullmatch(t, rf"\s*{_D}{{1,2}}[/.-]{_D}{{1,2}}[/.-]{_D}{{4}}.*")]
    return _infer_dayfirst(dmy.str.strip()) if len(dmy) else None


def infer_decimal_comma(s: pd.Series) -> bool | None:
    """Whether the column writes ``,`` as decimal mark (None: it cannot tell, or not text)."""
    if not (s.dtype == object or pdt.is_string_dtype(s.dtype)):
        return None
    t = _as_text(s.dropna()).str.strip()
    dot = _fullmatch(t, _DOT_DECIMAL)
    comma = _fullmatch(t, _COMMA_DECIMAL)
    if bool((comma & ~dot).any()) and not bool((dot & ~comma).any()):
        return True
    if bool((dot & ~comma).any()):
        return False
    return None


def parse_numbers(s: pd.Series, *, decimal_comma: bool | None = None) -> Parsed:
    """Parse numbers written with ``.`` or ``,`` as decimal mark into float64.

    Accepts ``12.5``, ``12,5``, ``1.234,56``, ``1,234.56``, ``1 234,56`` (also
    with no-break spaces or ``'``), signs, ``1e3``, accounting negatives
    ``(3.50)`` and a currency symbol or code before or after (``€``, ``£``,
    ``$``, ``EUR``, ``GBP``, ``USD``). See the module docstring for ``1,234``.
    Numeric and boolean columns pass through as float64.

    >>> parse_numbers(pd.Series(["1.234,56", "12,50 €", "(3.50)", "12,5O"]))[0].tolist()
    [1234.56, 12.5, -3.5, nan]
    """
    if pdt.is_numeric_dtype(s.dtype) or pdt.is_bool_dtype(s.dtype):
        return s.astype("float64"), pd.Series(False, index=s.index, dtype=bool)
    if not _is_text_column(s):
        s = s.map(lambda v: v if v is None or isinstance(v, str) or pd.isna(v) else str(v)).astype("str")
    return _parse_text_column(
        s, lambda t: _numbers_from_text(t, thousands=False, decimal_comma=decimal_comma), np.nan, "float64"
    )


def _numbers_from_text(
    t: pd.Series, *, thousands: bool, decimal_comma: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct non-missing number text -> (float values, bad).

    ``thousands=True`` reads a lone mark before three digits as a thousands
    separator whatever the column says (for integer columns).
    """
    t = t.str.replace("\u2212", "-", regex=False)
    negative = _fullmatch(t, r"\(.*\)")
    if negative.any():
        t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.strip()
    t = t.str.replace(rf"^([+-]?){_SP}*{_CURRENCY}{_SP}*", r"\1", regex=True)
    t = t.str.replace(rf"{_SP}*{_CURRENCY}$", "", regex=True)
    spaced = _fullmatch(t, rf".*[0-9]{_GROUP}.*")
    if spaced.any():
        # Spaces, no-break spaces and apostrophes group thousands only before
        # exactly three digits; replace twice because matches cannot overlap.
        grouped = t[spaced]
        for _ in range(2):
            grouped = grouped.str.replace(rf"([0-9]){_GROUP}([0-9]{{3}})([^0-9]|$)", r"\1\2\3", regex=True)
        t = t.copy()
        t[spaced] = grouped
    dot = _fullmatch(t, _DOT_DECIMAL)
    comma = _fullmatch(t, _COMMA_DECIMAL)
    ambiguous = dot & comma & t.str.contains(r"[.,]", regex=True).to_numpy(dtype=bool)
    if thousands:
        use_comma = comma & ~dot
    else:
        european = (
            decimal_comma
            if decimal_comma is not None
            else bool((comma & ~dot).any()) and not bool((dot & ~comma).any())
        )
        use_comma = comma & (~dot | european)
    normal = t.str.replace(",", "", regex=False)
    if use_comma.any():
        normal = normal.copy()
        normal[use_comma] = t[use_comma].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    if thousands and ambiguous.any():
        normal = normal.copy()
        normal[ambiguous] = t[ambiguous].str.replace(r"[.,]", "", regex=True)
    values = pd.to_numeric(normal.where(dot | comma), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    values = np.where(negative, -np.abs(values), values)
    bad = ~np.isfinite(values)
    values[bad] = np.nan
    return values, bad


def _plain_ints(s: pd.Series) -> pd.Series | None:
    """The common case in one C loop: every present cell is plain digits.

    Returns None (use the general parser) as soon as one cell is anything
    else: a decimal, a thousands separator, a word, or too large for int64.
    """
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        # pyarrow's cast accepts exactly plain (signed) digits, in C++.
        try:
            arr = pc.cast(pa.array(s.array), pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        return pd.Series(arr.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get).array, index=s.index, name=s.name)
    if s.dtype != object:
        return None
    values = s.to_numpy(dtype=object)
    present = pd.notna(values)
    taken = values[present]
    if not all(isinstance(v, str) and v.isdigit() and v.isascii() for v in taken[:1000]):
        return None
    try:
        ints = taken.astype(np.int64)
    except (ValueError, TypeError, OverflowError):
        return None
    data = np.zeros(len(values), dtype=np.int64)
    data[present] = ints
    return pd.Series(pd.arrays.IntegerArray(data, ~present), index=s.index, name=s.name)


def parse_ints(s: pd.Series) -> Parsed:
    """Parse whole numbers into nullable Int64.

    Accepts digits with a sign, thousands separators (``1.000``, ``1,000``,
    ``1 000``: a lone mark before three digits is a thousands separator here)
    and integral decimals such as ``17850.0`` (spreadsheet exports). A value
    with a fraction (``2.5``) is bad.

    >>> parse_ints(pd.Series(["17850.0", "1.000", "2.5"]))[0].tolist()
    [17850, 1000, <NA>]
    """
    if pdt.is_bool_dtype(s.dtype) or pdt.is_integer_dtype(s.dtype):
        return s.astype("Int64"), pd.Series(False, index=s.index, dtype=bool)
    if pdt.is_float_dtype(s.dtype):
        f = s.to_numpy(dtype="float64", na_value=np.nan)
        ok = np.isfinite(f) & (f == np.floor(f)) & (np.abs(f) <= 2**53)
        out = pd.Series(np.where(ok, f, np.nan), index=s.index).astype("Int64")
        return out, pd.Series(~np.isnan(f) & ~ok, index=s.index, dtype=bool)
    fast = _plain_ints(s)
    if fast is not None:
        return fast, pd.Series(False, index=s.index, dtype=bool)
    if not _is_text_column(s):
        s = s.map(lambda v: v if v is None or isinstance(v, str) or pd.isna(v) else _object_text(v)).astype(
            "str"
        )
    t = _as_text(s)
    out = pd.Series(pd.NA, index=s.index, dtype="Int64")
    bad = pd.Series(False, index=s.index, dtype=bool)
    present = t.notna().to_numpy()
    # Plain digits go straight to int64 so that 18-digit ids (tweet ids) keep
    # every digit; float64 would round them.
    plain = present & _fullmatch(t, r"[+-]?[0-9]{1,18}")
    if plain.any():
        out[plain] = pd.to_numeric(t[plain]).to_numpy(dtype="int64")
    rest = present & ~plain
    if rest.any():
        values, rest_bad = _parse_text_column(
            t[rest], lambda x: _numbers_from_text(x, thousands=True), np.nan, "float64"
        )
        f = values.to_numpy(dtype="float64", na_value=np.nan)
        ok = ~rest_bad.to_numpy() & np.isfinite(f) & (f == np.floor(f)) & (np.abs(f) <= 2**53)
        idx = np.flatnonzero(rest)
        out.iloc[idx[ok]] = f[ok].astype("int64")
        bad.iloc[idx[~ok]] = True
    return out, bad


# --- booleans --------------------------------------------------------------------

_TRUE = frozenset(
    {
        "yes",
        "y",
        "true",
        "t",
        "1",
        "1.0",
        "si",
        "oui",
        "x",
        "opt-in",
        "optin",
        "opt in",
        "opted in",
        "vrai",
        "verdadero",
        "on",
        "subscribed",
    }
)
_FALSE = frozenset(
    {
        "no",
        "n",
        "false",
        "f",
        "0",
        "0.0",
        "non",
        "opt-out",
        "optout",
        "opt out",
        "opted out",
        "faux",
        "falso",
        "off",
        "unsubscribed",
    }
)


def _fold(text: str) -> str:
    """Lower case without accents: ``Sí`` -> ``si``."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_bools(s: pd.Series) -> Parsed:
    """Parse yes/no answers into nullable boolean.

    True: yes, y, true, 1, sí/si, oui, x (a ticked box), opt-in, on, vrai,
    verdadero. False: no, n, false, 0, non, opt-out, off, faux, falso. Case and
    accents are ignored. Boolean columns pass through; numeric columns map 1/0.

    >>> parse_bools(pd.Series(["Sí", "NON", "x", "maybe"]))[0].tolist()
    [True, False, True, <NA>]
    """
    if pdt.is_bool_dtype(s.dtype):
        return s.astype("boolean"), pd.Series(False, index=s.index, dtype=bool)
    if pdt.is_numeric_dtype(s.dtype):
        f = s.to_numpy(dtype="float64", na_value=np.nan)
        known = (f == 0) | (f == 1)
        out = pd.Series(np.where(known, f == 1, False), index=s.index, dtype="boolean").where(known, pd.NA)
        return out, pd.Series(~np.isnan(f) & ~known, index=s.index, dtype=bool)
    if not _is_text_column(s):
        s = s.map(lambda v: v if v is None or isinstance(v, str) or pd.isna(v) else str(v)).astype("str")

    def parse(t: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        folded = [_fold(str(v)) for v in t]
        values = np.array(
            [True if f in _TRUE else False if f in _FALSE else None for f in folded], dtype=object
        )
        return values, np.array([v is None for v in values], dtype=bool)

    values, bad = _parse_text_column(s, parse, None, "object")
    return values.astype("boolean"), bad


# --- text --------------------------------------------------------------------------


def unescape_html(s: pd.Series) -> pd.Series:
    """Unescape HTML entities once per cell: ``&amp;`` -> ``&``, ``&amp;lt;`` -> ``&lt;``.

    Exports from social platforms often carry entities (``Premium &amp; ...``).
    Only cells containing ``&`` are touched; other values and missing cells
    pass through. Returns a new Series with the same index, name and dtype.

    >>> unescape_html(pd.Series(["Premium &amp; shuffle", "&amp;lt;3"])).tolist()
    ['Premium & shuffle', '&lt;3']
    """
    if not (_is_text_column(s) or s.dtype == object):
        return s.copy()
    if isinstance(s.dtype, pd.StringDtype):
        has_amp = s.str.contains("&", regex=False).fillna(False).to_numpy(dtype=bool)
    else:
        has_amp = s.map(lambda v: isinstance(v, str) and "&" in v).to_numpy(dtype=bool)
    values = s.to_numpy(dtype=object, copy=True)
    if has_amp.any():
        targets = values[has_amp]
        table = {u: html.unescape(u) for u in pd.unique(targets)}
        values[has_amp] = [table[v] for v in targets]
    return pd.Series(values, index=s.index, name=s.name, dtype=s.dtype)
