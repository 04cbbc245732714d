"""Table numbers in the reader's locale: ``12,5 %`` and ``+1.234,5`` in Spanish, not ``12.5%``.

Pages write their ``st.column_config`` number formats in printf (``%+.1f``,
``%.1f%%``, ``%,.2f``), which the browser always draws with a decimal point,
or as ``"localized"``, which follows the browser's locale rather than the
language the reader picked.
:func:`localise` turns those columns into display values written with Babel
for Spanish and French readers, through a pandas Styler: the cells keep their
numbers, so sorting and row selection behave as before. English tables, and
tables too big to style cheaply, are returned as they are (the big ones with
the browser's own locale format instead).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from babel import numbers

from scrm.i18n import formats as F

# Above this many styled cells, pandas' Styler costs more than a rerun should pay. A Styler writes
# every cell, so a table is styled only when each of its columns can be written faithfully.
MAX_STYLED_CELLS = 60_000
_PRINTF = re.compile(r"^(?P<pre>[^%]*)%(?P<sign>\+?)(?P<group>,?)(?:\.(?P<decimals>\d+))?(?P<kind>[dif])(?P<post>.*)$")


def number_formatter(printf: str, lang: str, *, whole: bool = False) -> Callable[[Any], str] | None:
    """A function writing one cell as ``printf`` would, in ``lang``'s locale; None for a format it does not read.

    ``"localized"`` (Streamlit's name for the browser's locale, which is not
    always the reader's language) is written with 2 decimals, none when ``whole``.

    >>> number_formatter("%+.1f %%", "es")(12.345)
    '+12,3\\xa0%'
    >>> number_formatter("%,.2f", "fr")(1234.5)
    '1\\u202f234,50'
    >>> number_formatter("%d", "es")(None)
    '—'
    """
    if printf == "localized":
        printf = "%,d" if whole else "%,.2f"
    match = _PRINTF.match(printf)
    if not match:
        return None
    decimals = 0 if match["kind"] in "di" else int(match["decimals"] or 6)
    signed = bool(match["sign"])
    pre = match["pre"]
    post = match["post"].replace("%%", "%")
    percent = post.strip() == "%"

    def write(value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return "—"
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        if percent:
            text = F.format_percent(abs(number) if signed else number, lang, decimals=decimals)
        else:
            text = F.format_number(abs(number) if signed else number, lang, decimals=decimals)
        if signed:
            text = ("-" if number < 0 and round(abs(number), decimals) else "+") + text
        return pre + text + ("" if percent else post)

    return write


def _is_missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # a list in a cell
        return False


def _plain_writer(series: pd.Series, lang: str) -> Callable[[Any], str] | None:
    """How a column without a number format is written once the table is styled (a Styler writes every cell).

    Numbers in the locale with up to 4 decimals, text as it is, "—" for a missing value;
    None for a kind of column (flags, dates, categories) whose drawing a Styler would change.
    """
    locale = F.locale_of(lang)
    if pd.api.types.is_bool_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype):
        return None
    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        return None
    if pd.api.types.is_numeric_dtype(series):
        pattern = "#,##0" if pd.api.types.is_integer_dtype(series) else "#,##0.####"
        return lambda v: "—" if _is_missing(v) else numbers.format_decimal(v, format=pattern, locale=locale)
    if series.map(lambda v: isinstance(v, bool | dt.date | dt.datetime)).any():
        return None
    return lambda v: "—" if _is_missing(v) else str(v)


def _format_of(config: Any) -> str | None:
    if isinstance(config, Mapping):
        type_config = config.get("type_config")
        if isinstance(type_config, Mapping) and type_config.get("type") == "number":
            value = type_config.get("format")
            return value if isinstance(value, str) and ("%" in value or value == "localized") else None
    return None


def localise(frame: pd.DataFrame, column_config: Mapping[str, Any] | None, lang: str) -> tuple[Any, dict[str, Any] | None]:
    """``(data, column_config)`` for ``st.dataframe``: the printf number columns written in ``lang``.

    English, or a frame without such columns: ``frame`` and the config unchanged.
    Spanish and French: a Styler with the display values and the config without
    those formats (a config format would win over the Styler's values); over
    :data:`MAX_STYLED_CELLS` cells the formats become ``"localized"`` instead.
    """
    if column_config is None or lang == "en" or frame.empty:
        return frame, None if column_config is None else dict(column_config)
    formatters: dict[str, Callable[[Any], str]] = {}
    config = dict(column_config)
    for column, entry in column_config.items():
        printf = _format_of(entry)
        if printf is None or column not in frame.columns:
            continue
        writer = number_formatter(printf, lang, whole=pd.api.types.is_integer_dtype(frame[column]))
        if writer is None:
            continue
        formatters[column] = writer
        config[column] = {**entry, "type_config": {**entry["type_config"], "format": None}}
    if not formatters:
        return frame, config
    for column in frame.columns:
        entry = column_config.get(column)
        kind = entry.get("type_config", {}).get("type") if isinstance(entry, Mapping) else None
        if kind not in (None, "number", "text"):  # links, lists, progress bars: drawn from their values
            formatters = {}
            break
        if column in formatters:
            continue
        if (plain := _plain_writer(frame[column], lang)) is None:
            formatters = {}  # a column a Styler would draw differently: the browser's locale format instead
            break
        formatters[column] = plain
    if not formatters or frame.size > MAX_STYLED_CELLS or not frame.index.is_unique or not frame.columns.is_unique:
        for column, entry in column_config.items():
            if _format_of(entry) is not None and column in frame.columns:
                config[column] = {**entry, "type_config": {**entry["type_config"], "format": "localized"}}
        return frame, config
    return frame.style.format(formatters), config  # type: ignore[arg-type]
