"""Missing values shown as "—" in every table a page draws.

Streamlit draws a missing cell as a grey "None" unless ``st.dataframe`` gets a
``placeholder`` (there since 1.66, our floor; ``column_config`` has no such
setting). :func:`dataframe` passes "—" as that placeholder, so number and date
columns keep their numbers, sorting and column formats. Text that already says
"None", "nan" or "NaT" (a missing value turned into a string upstream) is not
missing for Streamlit: :func:`fill_missing` writes "—" there too, at display
time, never in the frames the loaders cache.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from scrm.i18n import formats as F

MISSING = F.MISSING
# Texts that mean "no value" once a missing value was turned into a string upstream.
_MISSING_TEXTS = {"None", "none", "nan", "NaN", "NaT", "<NA>", "null"}


def _is_missing_text(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in _MISSING_TEXTS
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array in a cell
        return False


def fill_missing(frame: Any) -> Any:
    """``frame`` with "—" in every text cell that holds no value (a new frame; numbers are left as they are).

    A list of dicts becomes a frame first; anything else that is not a DataFrame (a Styler) is returned as it is.

    >>> fill_missing(pd.DataFrame({"who": ["ana", None], "when": ["2026-01-02", "NaT"]}))["when"].tolist()
    ['2026-01-02', '—']
    """
    if isinstance(frame, list):
        frame = pd.DataFrame(frame)
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return frame
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            continue  # drawn with the placeholder: the column stays a number column
        if pd.api.types.is_datetime64_any_dtype(series):
            continue
        mask = series.map(_is_missing_text).astype(bool)
        if mask.any():
            out[column] = series.astype(object).where(~mask, MISSING)
    return out


def dataframe(data: Any, **kwargs: Any) -> Any:
    """``st.dataframe(data, **kwargs)`` with every missing value drawn as "—" and the number columns
    written in the reader's locale (:func:`scrm.ui.tables.localise`); returns what it returns."""
    from scrm.ui import tables
    from scrm.ui.language import lang

    filled = fill_missing(data)
    if isinstance(filled, pd.DataFrame):
        filled, config = tables.localise(filled, kwargs.pop("column_config", None), lang())
        if config is not None:
            kwargs["column_config"] = config
    return st.dataframe(filled, placeholder=MISSING, **kwargs)
