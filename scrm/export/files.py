"""CSV and Excel exports that are safe to open in a spreadsheet.

Cells of imported data are untrusted: a mention text like ``=HYPERLINK(...)``
would run as a formula when a colleague opens the export in Excel or
LibreOffice (CSV injection, OWASP). Every text cell (and header) that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'``, which spreadsheets show as text. Numbers stay numbers.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """``value`` with a ``'`` in front when it is text a spreadsheet would run as a formula.

    >>> neutralise_cell("=1+1"), neutralise_cell("-5"), neutralise_cell(-5)
    ("'=1+1", "'-5", -5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and headers cannot be read as formulas."""
    out = df.copy()
    # By position, not by name: exported frames may repeat a column name.
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
            # pandas-stubs miss that isetitem takes a Series.
            out.isetitem(i, s.map(neutralise_cell, na_action="ignore").astype(s.dtype))  # type: ignore[arg-type]
        elif isinstance(s.dtype, pd.DatetimeTZDtype):
            # Excel has no time zones; stored timestamps are UTC anyway.
            out.isetitem(i, s.dt.tz_convert("UTC").dt.tz_localize(None))
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as UTF-8 CSV with a byte-order mark (so Excel reads accents), formulas neutralised."""
    return neutralise_formulas(df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """``df`` as an Excel workbook with one sheet, formulas neutralised."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_formulas(df).to_excel(writer, sheet_name=sheet_name[:31] or "data", index=False)
    return buffer.getvalue()


def scores_to_csv(frame: pd.DataFrame) -> str:
    """Scored texts (``python -m scrm sentiment``) as CSV text: formulas neutralised, scores rounded to 4 places."""
    out = frame.copy()
    if "score" in out.columns:
        out["score"] = out["score"].round(4)
    return str(neutralise_formulas(out).to_csv(index=False))
