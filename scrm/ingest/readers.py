"""Read an uploaded or local file into a table of text cells.

:func:`read_table` takes a path or the raw bytes of an upload and returns a
DataFrame whose cells are all text (object columns of ``str``, NaN where
empty) with no type inference: typing is the job of :mod:`scrm.ingest.values`
once the columns are mapped. The index is the row number a spreadsheet would
show: the header is row 1, the first data row is row 2.

Formats, picked by extension and, when the extension says nothing, by content:

* CSV (``.csv``, ``.tsv``, ``.txt``): encoding UTF-8 (with or without BOM),
  UTF-16 with BOM (Excel's "Unicode text"), else cp1252, else latin-1.
  Delimiter ``,`` ``;`` tab or ``|``, chosen by :func:`sniff_delimiter`.
  Quoted values may hold delimiters and line breaks; row numbers then count
  records, not physical lines (a value spanning three lines is still one
  row), which is also what a spreadsheet shows after opening the file. A
  bare carriage return inside an unquoted cell of a file whose lines end in
  ``\\n`` is a line break of the cell, not the end of a record. Report lines
  above the header (Brandwatch's title, dates) are skipped, still counted.
* Spreadsheets (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.ods``, ``.xls``): the first
  sheet, read with python-calamine (an ``.xlsx`` whose cells are scattered
  far apart is read cell by cell with openpyxl instead); the header is the
  first non-empty row below any report lines and row numbers are the sheet's
  own. Dates become ISO text (``2010-12-01T08:26:00``, or ``2010-12-01`` at
  midnight), numbers their text with at most 15 significant digits
  (``17850``, ``2.55``).
* JSON (``.json``): an array of objects, or an object holding exactly one
  array of objects (``{"data": [...]}``); the first object is row 2. The
  envelopes of common APIs (Twitter v1.1 and v2, YouTube comment threads,
  Reddit listings, Bluesky feeds) are unwrapped first, found from their
  structure (:func:`scrm.ingest.flatten.unwrap`); their records are then
  numbered in the order they come, the first being row 2.
* JSON Lines (``.jsonl``, ``.ndjson``): one object per line; the row number is
  the line number. A line that holds an API page (a raw ``twarc2`` line, a
  Reddit listing) gives its records; the row numbers then count records.
* Nested objects become dotted headers (``user.screen_name``,
  ``public_metrics.like_count``); lists of plain values are joined with
  ``, `` and lists of objects kept as JSON text
  (:func:`scrm.ingest.flatten.flatten_record`).
* ``.gz``: unpacked as it is read, then read by the inner name
  (``orders.csv.gz``); recognised by its first bytes, so a gzip file
  without the extension is unpacked too.

Every reader holds to :mod:`scrm.ingest.limits`: the bytes read (after
unpacking; a gzip bomb is refused while it is counted, before any of it is
kept), rows, columns, cells, the length of one cell and JSON nesting. An
``.xlsx`` is read by the cells its sheet holds, never by the range it
declares: one stray cell at ``XFD1048576`` costs one cell, not a billion.

Rows whose cells are all empty are dropped (their numbers stay unused), and
so are columns with a blank header and no values (a trailing delimiter).
Headers are stripped; blank ones become ``column_N``, repeated ones get a
suffix (``email (2)``).

A one-column file is a table only when its first line looks like a header
(at most 40 characters and 3 words); otherwise the file is refused as "not
a table" (plain text, prose). A file with a delimiter is also refused when
its first line reads like prose (a field over 50 characters or 6 words) and
its lines do not split consistently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import logging
import os
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from scrm.errors import FileTooLarge, ImportRejected
from scrm.i18n.messages import Message, Value
from scrm.ingest import flatten as F
from scrm.ingest import limits as L

log = logging.getLogger(__name__)

Source = str | Path | bytes

UPLOAD_NAME = "the uploaded file"
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
_SNIFF_CHARS = 64 * 1024
_SNIFF_RECORDS = 50
# The raw table's attrs key for a CSV's delimiter (``;`` is what European spreadsheets write).
DELIMITER_ATTR = "delimiter"

# A delimiter is trusted when at least this share of the sampled rows split
# into as many fields as the header (not counting trailing empty ones).
_CONSISTENT = 0.6

_CSV_EXT = (".csv", ".tsv", ".txt", ".tab")
_XLSX_EXT = (".xlsx", ".xlsm")
_SHEET_EXT = (*_XLSX_EXT, ".xlsb", ".xls", ".ods")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an Excel 97-2003 .xls (and other Office 97 files)
_JSON_EXT = (".json",)
_JSONL_EXT = (".jsonl", ".ndjson")

_MAGIC: tuple[tuple[bytes, Message], ...] = (
    (b"\x89PNG", Message("it is a PNG image")),
    (b"\xff\xd8\xff", Message("it is a JPEG image")),
    (b"GIF8", Message("it is a GIF image")),
    (b"%PDF", Message("it is a PDF document")),
    (b"Rar!", Message("it is a RAR archive")),
    (b"7z\xbc\xaf", Message("it is a 7-Zip archive")),
)


# --- messages ------------------------------------------------------------------
# Each refusal is a message (English key + values), so that the Data page writes it in the
# reader's language while the command line keeps the English sentence.


def file_label(name: str) -> Value:
    """A file's name inside a message: "the uploaded file" (a name scrm gives) is translated, a real name is not."""
    return Message(name) if name in (UPLOAD_NAME, "The uploaded file", "the file", "The file") else name


def _empty(name: str) -> ImportRejected:
    return ImportRejected(Message(
        "{name} is empty: there is nothing to import. "
        "Export the data again and check the file has a header row and at least one row.",
        {"name": file_label(name)},
    ))


def _no_rows(name: str) -> ImportRejected:
    return ImportRejected(Message(
        "{name} has a header row but no data rows. Export the data again with its rows.", {"name": file_label(name)}
    ))


def _unreadable(name: str, reason: Value) -> ImportRejected:
    """``reason``: a message, or the text a parsing library gave (kept as it is)."""
    return ImportRejected(Message(
        "{name} could not be read as CSV, Excel or JSON ({reason}). Save it as CSV (UTF-8) or XLSX and try again.",
        {"name": file_label(name), "reason": reason},
    ))


def _not_a_table(name: str, why: Message) -> ImportRejected:
    return ImportRejected(Message(
        "{name} does not look like a table: {why}. Export it as CSV, XLSX or JSON with one row per record.",
        {"name": file_label(name), "why": why},
    ))


def _raise_setting(field: str) -> Message:
    return Message("raise the limit with the environment variable {variable}", {"variable": L.setting(field)})


def _size_text(n: int) -> Message:
    return Message("{n} MB", {"n": n // L.MB}) if n >= L.MB else Message("{n} bytes", {"n": n})


def too_big(name: str, limits: L.Limits, *, unpacked: bool) -> FileTooLarge:
    """The sentence for a file over the size limit (``unpacked``: a .gz or an .xlsx, measured unpacked)."""
    values: dict[str, Value] = {"name": file_label(name), "size": _size_text(limits.max_file_bytes),
                                "raise_it": _raise_setting("max_file_bytes")}
    if unpacked:
        return FileTooLarge(Message("{name} unpacks to more than {size}, the most scrm reads from one file: "
                                    "split it into smaller files, or {raise_it}.", values))
    return FileTooLarge(Message("{name} is larger than {size}, the most scrm reads from one file: "
                                "split it into smaller files, or {raise_it}.", values))


def _too_many_rows(name: str, limits: L.Limits) -> FileTooLarge:
    return FileTooLarge(Message(
        "{name} has more than {rows} rows, the most scrm reads from one file: split it into smaller files, "
        "or {raise_it}.",
        {"name": file_label(name), "rows": limits.max_rows, "raise_it": _raise_setting("max_rows")},
    ))


def _too_many_columns(name: str, columns: int, limits: L.Limits) -> FileTooLarge:
    return FileTooLarge(Message(
        "{name} has {columns} columns, more than the {most} scrm reads: remove the columns you do not need, "
        "or {raise_it}.",
        {"name": file_label(name), "columns": columns, "most": limits.max_columns,
         "raise_it": _raise_setting("max_columns")},
    ))


def _too_many_cells(name: str, columns: int, limits: L.Limits) -> FileTooLarge:
    return FileTooLarge(Message(
        "{name} has more than {cells} cells ({columns} columns by more than {rows} rows), the most scrm reads "
        "from one file: split it into smaller files or remove the columns you do not need, or {raise_it}.",
        {"name": file_label(name), "cells": limits.max_cells, "columns": columns,
         "rows": limits.max_cells // max(columns, 1), "raise_it": _raise_setting("max_cells")},
    ))


def _cell_too_long(name: str, row: object, column: str, length: int, limits: L.Limits) -> FileTooLarge:
    return FileTooLarge(Message(
        "{name} row {row}, column `{column}`: the value has {length} characters, more than the {most} scrm "
        "keeps in one cell: shorten it, or {raise_it}.",
        {"name": file_label(name), "row": str(row), "column": column, "length": length,
         "most": limits.max_cell_chars, "raise_it": _raise_setting("max_cell_chars")},
    ))


def _too_deep(name: str, limits: L.Limits, where: Message | None = None) -> FileTooLarge:
    """``where``: the line or row of a JSON Lines file (`` line 7``) that nests too deep."""
    values: dict[str, Value] = {"name": file_label(name), "depth": str(limits.max_json_depth)}
    if where is None:
        return FileTooLarge(Message("{name} nests its JSON more than {depth} levels deep, the most scrm reads: "
                                    "flatten the nested values (or export the data as CSV) and try again.", values))
    return FileTooLarge(Message("{name}{where} nests its JSON more than {depth} levels deep, the most scrm reads: "
                                "flatten the nested values (or export the data as CSV) and try again.",
                                {**values, "where": where}))


# --- sources -------------------------------------------------------------------


def source_name(source: Source, file_name: str | None = None) -> str:
    """The name to show for ``source``: ``file_name``, else the path's name, else "the uploaded file"."""
    if file_name:
        return file_name
    if isinstance(source, (bytes, bytearray, memoryview)):
        return UPLOAD_NAME
    return Path(source).name or str(source)


def _open_file(source: str | Path, name: str) -> IO[bytes]:
    path = Path(source)
    if path.is_dir():
        raise ImportRejected(Message("{name} is a folder, not a file. Choose the file inside it and try again.",
                                     {"name": file_label(name)}))
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise ImportRejected(Message(
            "{name} was not found. Check the file name and folder, and try again.", {"name": file_label(name)}
        )) from None
    except OSError as e:
        raise ImportRejected(Message(
            "{name} could not be opened ({why}). Check that the file is readable.",
            {"name": file_label(name), "why": str(e.strerror)},
        )) from e


_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
# A .gz that unpacks to no more than this is unpacked once; a bigger one is
# counted first, then unpacked again, so that a bomb never holds more.
_GUNZIP_HOLD = 64 * L.MB


def load_bytes(source: Source, file_name: str | None = None, *, head: bool = False) -> bytes:
    """The bytes of ``source`` as a reader parses them: unpacked if gzip, within the size limit.

    ``head`` keeps only the first :data:`~scrm.ingest.limits.PREVIEW_HEAD_BYTES`
    of a text file, cut after a line break (a preview needs no more); an
    Excel or JSON document cannot be cut and comes whole. Raises
    :class:`~scrm.errors.FileTooLarge` above ``SCRM_MAX_FILE_MB``.

    >>> import gzip
    >>> load_bytes(gzip.compress(b"a,b\\n1,2\\n"))
    b'a,b\\n1,2\\n'
    """
    name = source_name(source, file_name)
    inner = name if file_name or not isinstance(source, (bytes, bytearray, memoryview)) else ""
    return _load(source, name, inner, L.current(), head=head)[0]


def _load(source: Source, name: str, inner: str, limits: L.Limits, *, head: bool) -> tuple[bytes, str]:
    """(bytes to parse, the name that tells their format: ``orders.csv`` for ``orders.csv.gz``)."""
    if inner.lower().endswith(".gz"):
        inner = inner[:-3]
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)  # the same object when it is bytes: no copy
        if raw[:2] == _GZIP_MAGIC:
            return _gunzip(lambda: io.BytesIO(raw), name, inner, limits, head=head), inner
        if len(raw) > limits.max_file_bytes:
            raise too_big(name, limits, unpacked=False)
        if head and len(raw) > L.PREVIEW_HEAD_BYTES and not _needs_whole(raw, inner):
            return _cut(raw[: L.PREVIEW_HEAD_BYTES + 1]), inner
        return raw, inner
    with _open_file(source, name) as f:
        if f.read(2) == _GZIP_MAGIC:
            return _gunzip(lambda: _open_file(source, name), name, inner, limits, head=head), inner
        f.seek(0)
        if os.fstat(f.fileno()).st_size > limits.max_file_bytes:
            raise too_big(name, limits, unpacked=False)
        if head:
            prefix = f.read(L.PREVIEW_HEAD_BYTES + 1)
            if len(prefix) <= L.PREVIEW_HEAD_BYTES:
                return prefix, inner
            if not _needs_whole(prefix, inner):
                return _cut(prefix), inner
            f.seek(0)
        return f.read(), inner


def _needs_whole(prefix: bytes, inner: str) -> bool:
    """Can only the whole file be parsed (a workbook, a JSON document, UTF-16 text)?"""
    lower = inner.lower()
    if prefix.startswith((b"PK\x03\x04", _OLE_MAGIC, b"\xff\xfe", b"\xfe\xff")) or lower.endswith(_SHEET_EXT + _JSON_EXT):
        return True
    if lower.endswith(_CSV_EXT + _JSONL_EXT):
        return False
    return prefix[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{")


def _cut(prefix: bytes) -> bytes:
    """The first :data:`~scrm.ingest.limits.PREVIEW_HEAD_BYTES` of a text, up to its last line break."""
    prefix = prefix[: L.PREVIEW_HEAD_BYTES]
    end = max(prefix.rfind(b"\n"), prefix.rfind(b"\r"))
    return prefix[: end + 1] if end > 0 else prefix


def sha256_of(source: Source) -> str:
    """Hex SHA-256 of the raw bytes of ``source`` (a path or bytes), as stored with each import."""
    digest = hashlib.sha256()
    if isinstance(source, (bytes, bytearray, memoryview)):
        digest.update(source)
        return digest.hexdigest()
    with Path(source).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- the entry point -----------------------------------------------------------


def read_table(source: Source, file_name: str | None = None, *, head_rows: int | None = None) -> pd.DataFrame:
    """Read a CSV, Excel or JSON file into a DataFrame of text cells.

    ``source`` is a path or the raw bytes of an upload; ``file_name`` (default:
    the path's name) is used in messages and to pick the format by extension.
    The index holds spreadsheet row numbers (header row 1, first data row 2).
    Raises :class:`~scrm.errors.ImportRejected` with a sentence that says how
    to fix the file when it is empty, unreadable, malformed or not a table,
    and :class:`~scrm.errors.FileTooLarge` when it exceeds a limit of
    :mod:`scrm.ingest.limits`. ``head_rows`` reads only the first rows (and,
    of a text file, only its first megabyte), for a preview.

    >>> read_table(b"name;amount\\nAna;12,5\\n", "a.csv")
      name amount
    2  Ana   12,5
    """
    name = source_name(source, file_name)
    if name == UPLOAD_NAME:
        name = "The uploaded file"  # it starts every message
    limits = L.current()
    inner = name if file_name or not isinstance(source, (bytes, bytearray, memoryview)) else ""
    raw, inner = _load(source, name, inner, limits, head=head_rows is not None)
    if _is_blank(raw):
        raise _empty(name)
    kind = _format_of(raw, inner.lower(), name)
    if kind == "xlsx":
        table = _read_spreadsheet(raw, name, limits, head_rows)
    elif kind in ("json", "jsonl"):
        table = _read_json(raw, name, lines=kind == "jsonl", limits=limits, head_rows=head_rows)
    else:
        table = _read_csv(raw, name, tab_first=inner.lower().endswith((".tsv", ".tab")), limits=limits,
                          head_rows=head_rows)
    table = _finish(table, name)
    # A cell cannot hold more characters than its file has bytes; an .xlsx
    # holds them compressed, so it is always checked.
    if kind == "xlsx" or len(raw) > limits.max_cell_chars:
        _check_cell_lengths(table, name, limits)
    return table


def _is_blank(raw: bytes) -> bool:
    """Only whitespace (and a BOM)? Looks at a prefix first: stripping a big file copies it."""
    if raw[:4096].lstrip(b"\xef\xbb\xbf").strip():
        return False
    return not raw.lstrip(b"\xef\xbb\xbf").strip()


def _gunzip(open_source: Callable[[], IO[bytes]], name: str, inner: str, limits: L.Limits, *, head: bool) -> bytes:
    """The unpacked bytes, read in blocks: a gzip bomb is refused at the limit, never unpacked whole.

    Up to :data:`_GUNZIP_HOLD` is kept as it is unpacked; past it, the rest
    is only counted (a 2 MB bomb unpacks to gigabytes, and ``gzip.decompress``
    would hold them all), and a file within the limit is then unpacked again
    into memory, which costs about a second per 200 MB.
    """
    cap = limits.max_file_bytes
    try:
        if head:
            with open_source() as f, gzip.GzipFile(fileobj=f) as gz:
                prefix = gz.read(L.PREVIEW_HEAD_BYTES + 1)
            if len(prefix) <= L.PREVIEW_HEAD_BYTES:
                return prefix
            if not _needs_whole(prefix, inner):
                return _cut(prefix)
        total = 0
        held: io.BytesIO | None = io.BytesIO()
        with open_source() as f, gzip.GzipFile(fileobj=f) as gz:
            while block := gz.read(_CHUNK):
                total += len(block)
                if total > cap:
                    raise too_big(name, limits, unpacked=True)
                if held is not None and total > _GUNZIP_HOLD:
                    held = None  # big: count the rest, keep nothing
                if held is not None:
                    held.write(block)
        if held is not None:
            return held.getvalue()
        out = io.BytesIO()
        with open_source() as f, gzip.GzipFile(fileobj=f) as gz:
            while block := gz.read(_CHUNK):
                if out.write(block) and out.tell() > cap:  # the file changed between the passes
                    raise too_big(name, limits, unpacked=True)
        return out.getvalue()  # no copy: BytesIO hands over its buffer
    except (OSError, EOFError, zlib.error) as e:
        raise _unreadable(name, Message("the .gz archive is damaged or incomplete")) from e


def _format_of(raw: bytes, lower_name: str, name: str) -> str:
    """``csv``, ``xlsx``, ``json`` or ``jsonl``: magic bytes first, then extension, then content."""
    for magic, reason in _MAGIC:
        if raw.startswith(magic):
            raise _unreadable(name, reason)
    if raw.startswith((b"PK\x03\x04", _OLE_MAGIC)):
        return "xlsx"  # any workbook: .xlsx, .xlsm, .xlsb, .ods (ZIP) or .xls (OLE)
    if lower_name.endswith(_SHEET_EXT):
        ext = lower_name.rsplit(".", 1)[-1].upper()
        raise _unreadable(name, Message("it is not a valid {ext} workbook", {"ext": ext}))
    if lower_name.endswith(_JSON_EXT):
        return "json"
    if lower_name.endswith(_JSONL_EXT):
        return "jsonl"
    if lower_name.endswith(_CSV_EXT):
        return "csv"
    head = raw[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def _check_cell_lengths(table: pd.DataFrame, name: str, limits: L.Limits) -> None:
    """Refuse a cell longer than the limit, naming its row and column."""
    for column in table.columns:
        lengths = table[column].str.len()
        longest = lengths.max()
        if pd.notna(longest) and longest > limits.max_cell_chars:
            row = lengths.idxmax()
            raise _cell_too_long(name, row, str(column), int(longest), limits)


def _finish(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """Drop empty rows and blank empty columns; refuse a table without rows."""
    if table.shape[1] == 0:
        raise _empty(name)
    # Narrow the candidates column by column: checking every cell of a
    # million-row table for missing values costs more than reading it.
    empty_at = np.flatnonzero(table.iloc[:, 0].isna().to_numpy())
    for i in range(1, table.shape[1]):
        if not len(empty_at):
            break
        empty_at = empty_at[table.iloc[empty_at, i].isna().to_numpy()]
    keep = [
        i
        for i, col in enumerate(table.columns)
        if not (col == f"column_{i + 1}" and table.iloc[:, i].isna().all())
    ]
    if keep and len(keep) < table.shape[1]:
        table = table.iloc[:, keep]
    if len(empty_at):
        rows = np.ones(len(table), dtype=bool)
        rows[empty_at] = False
        table = table[rows]
    if len(table) == 0:
        raise _no_rows(name)
    totals = _totals_rows(table)
    if totals:
        log.info("%s: %d totals row(s) at the bottom skipped", name, totals)
        table = table.iloc[: len(table) - totals]
    return table


# The label of a totals row that spreadsheets and reporting tools add under the data.
_TOTAL_LABELS = frozenset({
    "total", "totals", "grand total", "sum", "summary", "subtotal", "total général", "total general", "totales",
    "totaux", "suma", "somme", "summe", "gesamt",
})
_TOTAL_NUMBER = re.compile(r"[-+]?[$€£¥]?\s*[\d][\d.,\s\u00a0\u202f']*%?\s*[$€£¥]?")


def _missing(value: Any) -> bool:
    """None, NaN, NaT or pd.NA (whose comparisons raise instead of answering)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value


def _totals_rows(table: pd.DataFrame) -> int:
    """How many rows at the bottom are totals (``Total,,1234,56.7``): a total label, then only numbers.

    The first row is never one: a file of one row is data.

    >>> _totals_rows(pd.DataFrame({"a": ["x", "y", "Total"], "b": ["1", "2", "1,003"]}))
    1
    >>> _totals_rows(pd.DataFrame({"a": ["x", "Total"], "b": ["1", "great"]}))
    0
    >>> _totals_rows(pd.DataFrame({"a": ["x", "Total"], "b": pd.array([1, pd.NA], dtype="Int64")}))
    1
    """
    count = 0
    for position in range(len(table) - 1, max(0, len(table) - 3), -1):
        cells = [c for c in table.iloc[position].tolist() if not _missing(c) and str(c).strip()]
        if not cells or str(cells[0]).strip().rstrip(":").strip().lower() not in _TOTAL_LABELS:
            break
        if not all(_TOTAL_NUMBER.fullmatch(str(c).strip()) for c in cells[1:]):
            break
        count += 1
    return count


# --- headers -------------------------------------------------------------------


def clean_headers(headers: Iterable[object]) -> list[str]:
    """Strip headers (and a BOM); blank -> ``column_N``; repeats -> ``name (2)``.

    >>> clean_headers([" id", "", "\\ufeffemail", "email"])
    ['id', 'column_2', 'email', 'email (2)']
    """
    raw = [
        "" if h is None else re.sub(r"\s*[\r\n]+\s*", " ", str(h).replace("\ufeff", "")).strip()
        for h in headers
    ]
    named = [h if h else f"column_{i + 1}" for i, h in enumerate(raw)]
    seen: set[str] = set()
    out: list[str] = []
    for h in named:
        candidate, n = h, 1
        while candidate in seen:
            n += 1
            candidate = f"{h} ({n})"
        seen.add(candidate)
        out.append(candidate)
    return out


def _looks_like_header(fields: list[str], *, single: bool) -> bool:
    """A header is short labels, not sentences; one lone label must be shorter still."""
    stripped = [f.strip() for f in fields]
    if single:
        return 0 < len(stripped[0]) <= 40 and len(stripped[0].split()) <= 3
    return all(len(f) <= 50 and len(f.split()) <= 6 for f in stripped)


# --- CSV -------------------------------------------------------------------------


def _decode(raw: bytes, *, whole: bool = False) -> tuple[bytes, str, str]:
    """(bytes for pandas, their encoding, decoded text).

    The whole file is decoded once to choose the encoding, but only its head
    is kept unless ``whole``: pandas decodes the bytes itself, and a second
    copy of a big file in memory buys nothing.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 (Excel's "Unicode text"): re-encode once so that pandas reads UTF-8.
        text = raw.decode("utf-16")
        return text.encode("utf-8"), "utf-8", text if whole else text[: 2 * _SNIFF_CHARS]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return raw, encoding, text if whole else text[: 2 * _SNIFF_CHARS]
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _big_utf8_head(raw: bytes) -> bool:
    """A file big enough for pyarrow whose head is UTF-8 (BOM or not)."""
    if len(raw) < ARROW_MIN_BYTES or raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw[: 2 * _SNIFF_CHARS + 3], final=False)
    except UnicodeDecodeError:
        return False
    return True


def _decode_head(raw: bytes) -> tuple[bytes, str, str]:
    """:func:`_decode` for a big UTF-8 file, decoding only its head."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = codecs.getincrementaldecoder("utf-8")().decode(raw[: 2 * _SNIFF_CHARS], final=False)
    return raw, "utf-8", text


def _records(text: str, delimiter: str) -> list[list[str]]:
    """The first records of ``text`` split by the csv module (quotes honoured)."""
    truncated = len(text) >= _SNIFF_CHARS
    # newline="": the csv module splits records itself (\r, \n or \r\n).
    reader = csv.reader(io.StringIO(text[:_SNIFF_CHARS], newline=""), delimiter=delimiter)
    out: list[list[str]] = []
    try:
        for record in reader:
            out.append(record)
            if len(out) > _SNIFF_RECORDS:
                break
    except csv.Error:
        pass
    if truncated and len(out) <= _SNIFF_RECORDS and len(out) > 1:
        out.pop()  # the last record may be cut in the middle
    return out


def sniff_delimiter(text: str, *, tab_first: bool = False) -> str | None:
    """The delimiter among ``,`` ``;`` tab ``|`` that splits ``text`` into a table.

    For each candidate, the header must split into two or more fields; the
    score is the share of the sampled data rows with as many fields as the
    header (trailing empty fields aside). The best score wins if it reaches 60 %; ties go to more fields,
    then to the order ``,`` ``;`` tab ``|`` (tab first for ``.tsv``). When no
    candidate is consistent but the header splits into short labels, the
    delimiter with most header fields is returned (so that the malformed row
    is reported rather than the file read as one column). ``None`` means one
    column.

    >>> sniff_delimiter("name;amount\\nAna;12,5\\nLuis;3,25\\n")
    ';'
    """
    order = ("\t", ",", ";", "|") if tab_first else DELIMITERS
    best: tuple[float, int, int] | None = None
    best_delim: str | None = None
    fallback: tuple[int, int] | None = None
    fallback_delim: str | None = None
    for rank, delim in enumerate(order):
        records = [r for r in _records(text, delim) if r]
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        rows = records[1:]
        score = sum(_fits(r, records[0]) for r in rows) / len(rows) if rows else 1.0
        key = (score, width, -rank)
        if score >= _CONSISTENT and (best is None or key > best):
            best, best_delim = key, delim
        if _looks_like_header(records[0], single=False) and (fallback is None or (width, -rank) > fallback):
            fallback, fallback_delim = (width, -rank), delim
    return best_delim if best_delim is not None else fallback_delim


def _filled_width(record: list[str]) -> int:
    """Fields up to the last non-empty one: ``1,2,,`` has 2."""
    n = len(record)
    while n and not record[n - 1].strip():
        n -= 1
    return n


def _fits(record: list[str], header: list[str]) -> bool:
    """As many fields as the header, or as many up to trailing empty ones."""
    return len(record) == len(header) or _filled_width(record) == _filled_width(header)


_LEADING_BLANK_LINES = re.compile(rb"\A(?:[ \t]*\r?\n|[ \t]*\r)+")


def _read_csv(
    raw: bytes, name: str, *, tab_first: bool = False, limits: L.Limits = L.DEFAULTS, head_rows: int | None = None
) -> pd.DataFrame:
    if b"\x00" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _unreadable(name, Message("it contains NUL bytes, so it is probably not a text file"))
    # A big file is read by pyarrow, which checks UTF-8 itself as it parses:
    # decoding only its head here saves a pass over the whole file (and its
    # copy in memory). Should pyarrow refuse it, the full check runs below.
    checked = not _big_utf8_head(raw)
    data, encoding, text = _decode(raw) if checked else _decode_head(raw)
    if not text.strip():
        raise _empty(name)
    head = text[:_SNIFF_CHARS]
    controls = sum(1 for c in head if c < " " and c not in "\t\r\n")
    if controls > max(2, len(head) // 100):
        raise _unreadable(name, Message("it contains control characters, so it is probably not a text file"))
    data, text, bare_cr = _hold_bare_cr(data, text)
    # Leading blank lines are skipped but still counted, so row numbers match the file.
    blank = _LEADING_BLANK_LINES.match(data)
    offset = 0
    if blank:
        offset = blank.group(0).count(b"\n") or blank.group(0).count(b"\r")
        data = data[blank.end() :]
        text = text.lstrip(" \t\r\n")
    # So are the lines a listening tool writes above its header (Brandwatch's report title, dates).
    preamble = _preamble_lines(text)
    if preamble:
        log.debug("%s: %d lines above the header row skipped", name, preamble)
        data, text = _drop_lines(data, preamble), _drop_text_lines(text, preamble)
        offset += preamble
    delimiter = sniff_delimiter(text, tab_first=tab_first)
    sample = _records(text, delimiter or "\x1f")
    if not sample:
        raise _unreadable(name, Message("its first lines could not be split into fields"))
    first = sample[0]
    if delimiter is None and not _looks_like_header(first, single=True):
        raise _not_a_table(
            name,
            Message("no `,`, `;`, tab or `|` separates its columns and its first line reads like text, not a header"),
        )
    # pandas takes the width of a table from its first data row when that row
    # is wider than the header, and then silently drops the extra cells; so a
    # too-wide row among the first ones is found here, with the csv module.
    # Rows that are wider only by empty fields (a delimiter at the end of each
    # line, as some exports write) lose nothing: the header is widened with
    # blank names, and those empty columns are dropped at the end.
    for i, record in enumerate(sample[1:], start=2):
        if _filled_width(record) > len(first):
            raise _too_many_fields(name, i + offset, len(record), len(first))
    width = max(len(r) for r in sample)
    if width > limits.max_columns:
        raise _too_many_columns(name, width, limits)
    headers = clean_headers([*first, *([""] * (width - len(first)))])
    # At most this many rows are parsed: one more than the limits allow tells
    # that the file is over them, without holding all of its rows.
    budget = min(limits.max_rows, limits.max_cells // width)
    fast = None if head_rows is not None else _read_csv_arrow(data, encoding, delimiter or "\x1f", headers, offset,
                                                              budget)
    if fast is not None:
        fast = _give_back_cr(fast) if bare_cr else fast
        fast.attrs[DELIMITER_ATTR] = delimiter  # evidence of the file's locale (dates read day first)
        return fast
    if not checked:
        encoding = _decode(raw)[1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                io.BytesIO(data),
                encoding=encoding,
                # One column: a separator that cannot occur, so that commas in the
                # text stay in the cell (pandas needs a single character for speed).
                sep=delimiter or "\x1f",
                # The header is skipped and named by us: with header=0 pandas
                # would take the width from the header line, not from names.
                header=None,
                skiprows=1,
                names=headers,
                index_col=False,
                # object, not the str dtype: converting a million rows of every
                # column to pyarrow strings doubles the read time, and most
                # columns are only stored, never parsed.
                dtype=object,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                nrows=budget + 1 if head_rows is None else head_rows,
                engine="c",
            )
    except pd.errors.ParserError as e:
        raise _malformed(name, str(e), len(first), offset) from e
    except pd.errors.ParserWarning as e:
        wide = _first_wide_record(data, encoding, delimiter or "\x1f", len(headers))
        if wide is None:
            raise _unreadable(name, str(e)) from e
        raise _too_many_fields(name, wide[0] + offset, wide[1], len(first)) from e
    except (ValueError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise _unreadable(name, str(e).splitlines()[0] if str(e) else type(e).__name__) from e
    if head_rows is None and len(table) > budget:
        raise _too_many_rows(name, limits) if budget == limits.max_rows else _too_many_cells(name, width, limits)
    # pandas' C tokenizer counts records, the header being record 1, so data row i
    # (from 0) is record i + 2 whatever line breaks its quoted values hold.
    table.index = pd.RangeIndex(2 + offset, 2 + offset + len(table))
    table = _give_back_cr(table) if bare_cr else table
    table.attrs[DELIMITER_ATTR] = delimiter
    return table


# Stands in for a bare carriage return while a CSV is parsed: the ASCII
# "record separator", which no text export uses.
_CR_STAND_IN = "\x1e"
_BARE_CR = re.compile(r"\r(?!\n)")
_BARE_CR_BYTES = re.compile(rb"\r(?!\n)")


def _hold_bare_cr(data: bytes, text: str) -> tuple[bytes, str, bool]:
    """Keep carriage returns inside unquoted cells from ending records.

    In a file whose lines end in ``\\n`` (or ``\\r\\n``), a bare ``\\r`` cannot end
    a record, yet CSV parsers take it for one: the Twitter customer-support
    export splits 6 tweets in two that way. It is parsed as part of the cell
    (held by a stand-in) and given back as a line break by :func:`_give_back_cr`.
    """
    bare = data.count(b"\r") - data.count(b"\r\n")
    # More bare \r than \n: the lines end in \r (an old Mac file), and a \n is the odd one out.
    if not 0 < bare < data.count(b"\n") or _CR_STAND_IN.encode() in data:
        return data, text, False
    return _BARE_CR_BYTES.sub(_CR_STAND_IN.encode(), data), _BARE_CR.sub(_CR_STAND_IN, text), True


def _give_back_cr(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for column in table.columns:
        cells = table[column]
        if cells.dtype == object or pd.api.types.is_string_dtype(cells.dtype):
            table[column] = cells.str.replace(_CR_STAND_IN, "\n", regex=False)
    return table


# A preamble is at most this many lines, each of at most 2 filled fields.
_PREAMBLE_MAX = 30
_LINE_BREAK = re.compile(rb"\r\n|\n|\r")
_TEXT_LINE_BREAK = re.compile(r"\r\n|\n|\r")


def _preamble_lines(text: str) -> int:
    """How many lines sit above the header row (0 for most files).

    A listening tool's export may start with a few lines of report details
    (``Report:,Mentions``, ``From:,2024-03-01``) before its header. They are
    recognised when each holds at most two filled fields, the header under
    them is much wider (three fields or more) and the rows under the header
    split as it does.

    >>> _preamble_lines("Report\\nFrom:,2024\\n\\nid,name,amount,date\\n1,Ana,3,2024\\n2,Bo,4,2024\\n")
    3
    >>> _preamble_lines("id,name\\n1,Ana\\n")
    0
    """
    # Not str.splitlines: it also breaks at \x1c-\x1e, and \x1e holds a bare \r here.
    lines = _TEXT_LINE_BREAK.split(text[:_SNIFF_CHARS], maxsplit=_PREAMBLE_MAX + 21)[: _PREAMBLE_MAX + 21]
    best = 0
    for delimiter in DELIMITERS:
        rows = [next(csv.reader([line], delimiter=delimiter), []) for line in lines]
        widths = [_filled_width(r) for r in rows]
        if not widths or widths[0] >= 3:
            continue
        start = next((i for i, w in enumerate(widths) if w >= 3), None)
        if start is None or start > _PREAMBLE_MAX or not _header_over_preamble(rows[start], widths[:start]):
            continue
        after = rows[start + 1 : start + 21]
        if not after or sum(_fits(r, rows[start]) for r in after) / len(after) < _CONSISTENT:
            continue
        best = max(best, start)
    return best


_NUMERIC = re.compile(r"[-+]?[\d.,]+")


def _header_over_preamble(header: list[str | None] | list[str], preamble: list[int]) -> bool:
    """Is this row a header under report lines: labels (no numbers), at least twice as wide as any of them?

    A header over rows one field wider (``id,amount`` / ``1,12,5``: an unquoted
    decimal comma; ``id,text`` / ``Ana,hello, world``) is not under a preamble:
    the file is malformed, and the reader says which row.
    """
    labels = [str(c).strip() for c in header if c is not None and str(c).strip()]
    if any(_NUMERIC.fullmatch(label) for label in labels):
        return False
    return bool(preamble) and all(w <= 2 for w in preamble) and len(labels) >= max(3, 2 * max(preamble))


def _drop_lines(data: bytes, count: int) -> bytes:
    end = 0
    for _, match in zip(range(count), _LINE_BREAK.finditer(data), strict=False):
        end = match.end()
    return data[end:]


def _drop_text_lines(text: str, count: int) -> str:
    return _TEXT_LINE_BREAK.split(text, maxsplit=count)[-1] if count else text


# Files at least this big are read with pyarrow's multi-threaded CSV parser
# when nothing in them needs the pandas path (about 2x faster at 200 MB).
ARROW_MIN_BYTES = 4 * 1024 * 1024


def _read_csv_arrow(
    data: bytes, encoding: str, delimiter: str, headers: list[str], offset: int, budget: int
) -> pd.DataFrame | None:
    """The fast path for big, regular UTF-8 files; None sends the file to pandas.

    pyarrow skips blank lines, which would shift row numbers, so a file with
    one goes to pandas; so does any file pyarrow refuses (a row of the wrong
    width, a broken quote), where pandas' error names the row. Cells are
    pyarrow-backed strings, missing where empty, as on the pandas path.
    """
    if encoding != "utf-8" or len(data) < ARROW_MIN_BYTES or b"\n\n" in data or b"\n\r\n" in data:
        return None
    if data.count(b"\n") > budget:  # maybe over the row limits: pandas stops counting at them
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow comes with streamlit
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=headers, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in headers},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException, ValueError) as e:
        log.debug("pyarrow could not read the file (%s); using pandas", e)
        return None
    frame = table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if pa.types.is_string(t) else None)
    frame.index = pd.RangeIndex(2 + offset, 2 + offset + len(frame))
    return frame


def _too_many_fields(name: str, row: int, fields: int, width: int) -> ImportRejected:
    return ImportRejected(Message(
        "{name} row {row}: the row has {fields} fields but the header has {width}. "
        "Check for an unquoted delimiter or a missing closing quote.",
        {"name": file_label(name), "row": str(row), "fields": str(fields), "width": str(width)},
    ))


def _first_wide_record(data: bytes, encoding: str, delimiter: str, width: int) -> tuple[int, int] | None:
    """(row number, fields) of the first record wider than the header, by a full csv-module scan."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    for row, record in enumerate(csv.reader(stream, delimiter=delimiter), start=1):
        if len(record) > width:
            return row, len(record)
    return None


def _malformed(name: str, message: str, width: int, offset: int) -> ImportRejected:
    # pandas' C tokenizer numbers records from 1 with the header as record 1,
    # counting blank lines and not the line breaks inside quoted values: the
    # spreadsheet row number.
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        _, line, saw = (int(g) for g in fields.groups())
        return _too_many_fields(name, line + offset, saw, width)
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if quote:
        row = int(quote.group(1)) + 1 + offset  # this one pandas counts from 0
        return ImportRejected(Message(
            "{name} row {row}: a quoted value starts here and is never closed. "
            'Check for a missing closing quote, or write a quote inside a value as "".',
            {"name": file_label(name), "row": str(row)},
        ))
    return _unreadable(name, message.replace("Error tokenizing data. C error: ", "").strip())


def _text_column(cells: list[str | None]) -> pd.Series:
    """An object column of text with NaN for missing cells, as the CSV reader gives."""
    return pd.Series([np.nan if c is None else c for c in cells], dtype=object)


# --- Excel ---------------------------------------------------------------------


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float):
        # 15 significant digits, as Excel shows them: no 0.30000000000000004.
        return f"{value:.15g}"
    return str(value)


# Excel's last row: a sheet that numbers its rows past it is damaged (or
# hostile: openpyxl would yield every missing row up to a row 2,000,000,000).
_EXCEL_MAX_ROWS = 1_048_576


def _present_cells(row: list[dict[str, Any]], *_: object) -> list[dict[str, Any]]:
    """Stands in for openpyxl's per-row hook: the cells the row's XML holds, unpadded."""
    return row


def _column_letters(column: int) -> str:
    """``1`` -> ``A``, ``16384`` -> ``XFD``."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _read_spreadsheet(raw: bytes, name: str, limits: L.Limits = L.DEFAULTS, head_rows: int | None = None) -> pd.DataFrame:
    """The first sheet of a workbook: .xlsx/.xlsm, .xlsb, .ods (ZIP) or .xls (OLE), read with python-calamine.

    calamine builds the sheet's rectangle of cells in memory, so an .xlsx is
    first scanned (its cell references, without parsing the XML) and a sheet
    whose rectangle is mostly empty (one stray cell far away), too wide or
    numbered past Excel's last row goes to the openpyxl reader, which reads
    only the cells present (:func:`_read_xlsx`). An .ods (its content.xml,
    repeated rows and columns counted) and an .xls (its first sheet's
    DIMENSIONS record) are scanned too, and refused before calamine builds a
    rectangle past the limits; an .xlsb is bounded by its size on disk.
    """
    if raw.startswith(_OLE_MAGIC):
        _check_extent(name, _xls_extent(raw), limits)
        return _read_calamine(raw, name, "XLS", limits, head_rows)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as e:
        raise _unreadable(name, Message("it is not a valid XLSX workbook (damaged ZIP container)")) from e
    if unpacked > limits.max_file_bytes:
        raise too_big(name, limits, unpacked=True)
    if "xl/workbook.xml" in members:
        if not _dense_enough(archive, members, limits):
            return _read_xlsx(raw, name, limits, head_rows)
        return _read_calamine(raw, name, "XLSX", limits, head_rows)
    if "xl/workbook.bin" in members:
        return _read_calamine(raw, name, "XLSB", limits, head_rows)
    if "content.xml" in members and b"opendocument.spreadsheet" in _member_head(archive, "mimetype"):
        _check_extent(name, _ods_extent(archive), limits)
        return _read_calamine(raw, name, "ODS", limits, head_rows)
    raise _unreadable(name, Message("it is a ZIP archive, not an Excel workbook; unzip it first"))


def _member_head(archive: zipfile.ZipFile, member: str) -> bytes:
    try:
        with archive.open(member) as f:
            return f.read(200)
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error):
        return b""


_SHEET_REL = re.compile(rb'<sheet\b[^>]*?\br:id="([^"]+)"')
_REL_TARGET = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"')
_ROW_REF = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_CELL_COLUMN = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,4})\d')


def _first_sheet_path(archive: zipfile.ZipFile, members: set[str]) -> str | None:
    """The XML part of the workbook's first sheet (workbook.xml's first <sheet>, through its relationship)."""
    book = archive.read("xl/workbook.xml")
    first = _SHEET_REL.search(book)
    if first and "xl/_rels/workbook.xml.rels" in members:
        for rel_id, target in _REL_TARGET.findall(archive.read("xl/_rels/workbook.xml.rels")):
            if rel_id == first.group(1):
                path = target.decode("utf-8", "replace")
                path = path.lstrip("/") if path.startswith("/") else "xl/" + path
                return path if path in members else None
    return "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in members else None


def _column_number(letters: bytes) -> int:
    number = 0
    for c in letters:
        number = number * 26 + c - 64
    return number


def _dense_enough(archive: zipfile.ZipFile, members: set[str], limits: L.Limits) -> bool:
    """May calamine read the first sheet: are its cells a rectangle of about their own size, within the limits?

    Reads the sheet's XML in blocks and looks only at row numbers and cell
    columns (about 0.1 s for 100,000 rows).
    """
    try:
        path = _first_sheet_path(archive, members)
        if path is None:
            return False
        rows = cells = 0
        low_row, high_row = _EXCEL_MAX_ROWS + 1, 0
        columns: set[bytes] = set()
        tail = b""
        with archive.open(path) as f:
            while block := f.read(_CHUNK):
                data = tail + block
                cut = data.rfind(b"<")
                data, tail = data[:cut], data[cut:]
                numbers = [int(n) for n in _ROW_REF.findall(data)]
                if numbers:
                    rows += len(numbers)
                    low_row, high_row = min(low_row, *numbers), max(high_row, *numbers)
                columns.update(_CELL_COLUMN.findall(data))
                cells += data.count(b"<c ") + data.count(b"<c>")
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error, ValueError) as e:
        log.debug("could not scan the sheet (%r); reading it cell by cell", e)
        return False
    if not cells or not columns:
        return False
    width = max(_column_number(c) for c in columns)
    height = (high_row - low_row + 1) if high_row else rows
    if width > limits.max_columns or high_row > _EXCEL_MAX_ROWS or width * height > limits.max_cells:
        return False  # the careful reader names the far cell or the limit
    # A rectangle four times its cells (plus a margin) is a sheet with far-away cells.
    return width * height <= 4 * cells + 10_000


def _check_extent(name: str, extent: tuple[int, int] | None, limits: L.Limits) -> None:
    """Refuse a sheet whose filled rectangle (rows, columns) is past the limits, before calamine builds it."""
    if extent is None:
        return
    height, width = extent
    if width > limits.max_columns:
        raise _too_many_columns(name, width, limits)
    if height > limits.max_rows:
        raise _too_many_rows(name, limits)
    if width * height > limits.max_cells:
        raise _too_many_cells(name, width, limits)


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _ods_extent(archive: zipfile.ZipFile) -> tuple[int, int] | None:
    """The rows and columns up to the last filled cell of an .ods workbook's first sheet (None: unreadable).

    LibreOffice writes runs of empty rows and cells as one element with
    ``number-rows-repeated`` / ``number-columns-repeated``; a filled cell after
    such a run (a stray value far away) is what would make calamine build a
    huge rectangle. Streams content.xml, keeping one row in memory.
    """
    from xml.etree.ElementTree import ParseError, iterparse

    row = height = width = tables = 0
    try:
        with archive.open("content.xml") as f:
            for event, element in iterparse(f, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == f"{_ODS_TABLE}table":
                        tables += 1
                        if tables > 1:  # calamine reads the first sheet only
                            break
                    continue
                if tag != f"{_ODS_TABLE}table-row":
                    continue
                repeat = int(element.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
                column = last = 0
                for cell in element:
                    column += int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
                    if cell.get(f"{_ODS_OFFICE}value-type") is not None or len(cell):
                        last = column
                if last:
                    height, width = row + repeat, max(width, last)
                row += repeat
                element.clear()
    except (KeyError, OSError, ValueError, ParseError, zipfile.BadZipFile, zlib.error) as e:
        log.debug("could not scan the ODS sheet (%r); calamine says what it finds", e)
        return None
    return height, width


# BIFF8's DIMENSIONS record: id 0x0200, 14 bytes (first row, last row + 1: 4 bytes each;
# first column, last column + 1: 2 bytes each; 2 reserved bytes, zero).
_XLS_DIMENSIONS = re.compile(rb"\x00\x02\x0e\x00(.{4})(.{4})(.{2})(.{2})\x00\x00", re.DOTALL)


def _xls_extent(raw: bytes) -> tuple[int, int] | None:
    """The first sheet's used rows and columns from an .xls workbook's first DIMENSIONS record (None: none found).

    An .xls holds at most 65,536 rows by 256 columns; a record that does not
    fit them is not one (the bytes happened to match) and is skipped.
    """
    for match in _XLS_DIMENSIONS.finditer(raw):
        first_row, end_row = (int.from_bytes(match.group(i), "little") for i in (1, 2))
        first_col, end_col = (int.from_bytes(match.group(i), "little") for i in (3, 4))
        if first_row <= end_row <= 65_536 and first_col <= end_col <= 256:
            return end_row, end_col
    return None


def _read_calamine(
    raw: bytes, name: str, label: str, limits: L.Limits = L.DEFAULTS, head_rows: int | None = None
) -> pd.DataFrame:
    from python_calamine import CalamineWorkbook, PasswordError  # imported here: only workbooks pay for it

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        if not book.sheet_names:
            raise _empty(name)
        sheet = book.get_sheet_by_index(0)
        if sheet.height and sheet.width and sheet.height * sheet.width > limits.max_cells:
            raise _too_many_cells(name, sheet.width, limits)
        grid = sheet.to_python(skip_empty_area=False)
    except ImportRejected:
        raise
    except PasswordError as e:
        raise _unreadable(name, Message("it is protected by a password; save it without one")) from e
    except Exception as e:  # calamine raises several types for damaged files
        log.info("%s: calamine could not read it: %r", name, e)
        raise _unreadable(name, Message("it is not a valid {ext} workbook (its content is damaged)",
                                        {"ext": label})) from e
    return _sheet_table(grid, name, limits, head_rows)


def _sheet_table(grid: list[list[Any]], name: str, limits: L.Limits, head_rows: int | None) -> pd.DataFrame:
    """The table of a sheet's rows (row i is sheet row i + 1): the header is the first filled row
    below any preamble lines; empty rows are dropped, their numbers kept."""
    texts: list[list[str | None]] = []
    numbers: list[int] = []
    for number, row in enumerate(grid, start=1):
        cells = [None if v is None or v == "" else _cell_text(v) for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            continue
        if len(cells) > limits.max_columns:
            raise _too_many_columns(name, len(cells), limits)
        texts.append(cells)
        numbers.append(number)
        if len(texts) > limits.max_rows:
            raise _too_many_rows(name, limits)
        if head_rows is not None and len(texts) > head_rows + _PREAMBLE_MAX + 1:
            break
    if not texts:
        raise _empty(name)
    start = _preamble_rows(texts)
    header = clean_headers(c or "" for c in texts[start])
    rows, numbers = texts[start + 1 :], numbers[start + 1 :]
    if head_rows is not None:
        rows, numbers = rows[:head_rows], numbers[:head_rows]
    width = max([len(header), *(len(r) for r in rows)])
    if len(rows) * width > limits.max_cells:
        raise _too_many_cells(name, width, limits)
    header = clean_headers([*header, *([""] * (width - len(header)))])
    columns = {h: _text_column([r[i] if i < len(r) else None for r in rows]) for i, h in enumerate(header)}
    table = pd.DataFrame(columns)
    table.index = pd.Index(numbers, dtype="int64")
    return table


def _preamble_rows(rows: list[list[str | None]]) -> int:
    """Filled rows above the header (a listening tool's report title and dates): see :func:`_preamble_lines`."""
    widths = [sum(c is not None for c in r) for r in rows[: _PREAMBLE_MAX + 21]]
    if not widths or widths[0] >= 3:
        return 0
    start = next((i for i, w in enumerate(widths) if w >= 3), None)
    if start is None or start > _PREAMBLE_MAX or not _header_over_preamble(rows[start], widths[:start]):
        return 0
    after = widths[start + 1 :]
    # Data rows may leave many cells empty: wider than any preamble row is enough.
    if not after or sum(w >= 3 for w in after) / len(after) < _CONSISTENT:
        return 0
    return start


def _read_xlsx(raw: bytes, name: str, limits: L.Limits = L.DEFAULTS, head_rows: int | None = None) -> pd.DataFrame:
    import openpyxl  # imported here: only Excel uploads pay for it

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = set(archive.namelist())
        # The sizes a ZIP declares are the most it will unpack (zipfile stops
        # there and fails the checksum), so an .xlsx bomb is refused unopened.
        unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as e:
        raise _unreadable(name, Message("it is not a valid XLSX workbook (damaged ZIP container)")) from e
    if "xl/workbook.xml" not in members:
        raise _unreadable(name, Message("it is a ZIP archive, not an Excel workbook; unzip it first"))
    if unpacked > limits.max_file_bytes:
        raise too_big(name, limits, unpacked=True)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for damaged files
        log.info("%s: openpyxl could not open it: %r", name, e)
        raise _unreadable(name, Message("it is not a valid {ext} workbook (its content is damaged)",
                                        {"ext": "XLSX"})) from e
    try:
        if not book.worksheets:
            raise _empty(name)
        sheet = book.worksheets[0]
        # openpyxl pads every row to the range the sheet declares (its
        # <dimension>: A1:XFD1048576 for one stray cell) and yields every row
        # missing in between: a 5 KB file became a billion empty cells and 25
        # minutes of a core. Without the declared range, and with the per-row
        # hook handing over the cells the XML holds (``_get_row`` is openpyxl's
        # own read-only hook; the tests pin what it yields), a row costs the
        # cells it has.
        sheet.reset_dimensions()
        sheet._get_row = _present_cells  # type: ignore[method-assign]
        header: list[str] | None = None
        header_row = 0
        rows: list[list[str | None]] = []
        numbers: list[int] = []
        width = 0
        try:
            for row_number, present in enumerate(sheet.iter_rows(values_only=True), start=1):
                if row_number > _EXCEL_MAX_ROWS:
                    raise _unreadable(name, Message("its first sheet has rows past Excel's last row, {last}",
                                                    {"last": _EXCEL_MAX_ROWS}))
                filled = {c["column"]: _cell_text(c["value"]) for c in present if c["value"] is not None}
                filled = {column: text for column, text in filled.items() if text is not None}
                if not filled:
                    continue
                last = max(filled)
                if last > limits.max_columns:
                    raise FileTooLarge(Message(
                        "{name} has a value in cell {cell} (column {column}), beyond the {most} columns scrm "
                        "reads: delete that cell, or the columns you do not need, or {raise_it}.",
                        {"name": file_label(name), "cell": f"{_column_letters(last)}{row_number}", "column": last,
                         "most": limits.max_columns, "raise_it": _raise_setting("max_columns")},
                    ))
                cells: list[str | None] = [None] * last
                for column, text in filled.items():
                    cells[column - 1] = text
                if header is None:
                    if any(c is not None and c.strip() for c in cells):
                        header = clean_headers(c or "" for c in cells)
                        header_row = row_number
                        width = len(header)
                    continue
                rows.append(cells)
                numbers.append(row_number)
                width = max(width, last)
                if len(rows) > limits.max_rows:
                    raise _too_many_rows(name, limits)
                if len(rows) * width > limits.max_cells:
                    raise _too_many_cells(name, width, limits)
                if head_rows is not None and len(rows) >= head_rows:
                    break
        except ImportRejected:
            raise
        except Exception as e:
            log.info("%s: openpyxl could not read the first sheet: %r", name, e)
            raise _unreadable(name, Message("its first sheet is damaged")) from e
    finally:
        book.close()
    if header is None:
        raise _empty(name)
    width = max([len(header), *(len(r) for r in rows)])
    header = clean_headers([*header, *([""] * (width - len(header)))])
    log.debug("%s: header on sheet row %d, %d data rows", name, header_row, len(rows))
    columns = {h: _text_column([r[i] if i < len(r) else None for r in rows]) for i, h in enumerate(header)}
    table = pd.DataFrame(columns)
    table.index = pd.Index(numbers, dtype="int64")
    return table


# --- JSON ------------------------------------------------------------------------


def _json_kind(value: object) -> Message:
    if isinstance(value, bool):
        return Message("true/false value")
    if isinstance(value, (int, float)):
        return Message("number")
    if isinstance(value, str):
        return Message("string")
    if isinstance(value, list):
        return Message("list")
    if value is None:
        return Message("null")
    return Message("object")


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _loads(text: str, name: str, limits: L.Limits, where: Message | None = None) -> Any:
    """``json.loads``, with JSON nested too deep for Python's parser (a RecursionError) refused in a sentence."""
    try:
        return json.loads(text)
    except RecursionError:
        raise _too_deep(name, limits, where) from None


def _nested_deeper(value: object, levels: int) -> bool:
    """Does ``value`` nest lists or objects more than ``levels`` deep? (No recursion: it may be deep.)"""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > levels:
            return True
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


# Lists an API page holds beside its records.
_PAGE_LISTS = frozenset({"links", "_links", "errors", "warnings", "facets", "aggregations", "includes"})


def _read_json(
    raw: bytes, name: str, *, lines: bool, limits: L.Limits = L.DEFAULTS, head_rows: int | None = None
) -> pd.DataFrame:
    _, _, text = _decode(raw, whole=True)
    if lines:
        return _records_table(*_json_lines(text, name, limits), name=name, limits=limits, base=1, head_rows=head_rows)
    try:
        data = _loads(text, name, limits)
    except json.JSONDecodeError as e:
        if e.msg == "Extra data" and text.lstrip().startswith("{"):
            # JSON Lines saved as .json
            return _records_table(*_json_lines(text, name, limits), name=name, limits=limits, base=1,
                                  head_rows=head_rows)
        raise _unreadable(name, Message("invalid JSON at line {line}, column {column}: {why}",
                                        {"line": str(e.lineno), "column": str(e.colno), "why": e.msg})) from e
    unwrapped = F.unwrap(data)
    if unwrapped is not None:
        records = unwrapped[0]
        if not records:
            raise _empty(name)
        if len(records) > limits.max_rows:
            raise _too_many_rows(name, limits)
        log.debug("%s: %d records unwrapped from a %s response", name, len(records), unwrapped[1])
        return _records_table(records, list(range(2, len(records) + 2)), name=name, limits=limits, base=2,
                              head_rows=head_rows)
    if isinstance(data, dict):
        lists = [k for k, v in data.items() if isinstance(v, list) and any(isinstance(x, dict) for x in v)]
        if len(lists) > 1:  # an API page's links or errors are not its records
            lists = [k for k in lists if k.lower() not in _PAGE_LISTS] or lists
        if len(lists) > 1:
            keys = ", ".join(f"`{k}`" for k in lists)
            raise _not_a_table(
                name,
                Message("its JSON object holds several lists of records ({keys}) and it is unclear which one to import",
                        {"keys": keys}),
            )
        if not lists:
            if [v for v in data.values() if isinstance(v, list)] == [[]]:
                raise _empty(name)  # {"data": []}
            raise _not_a_table(
                name, Message("its JSON object holds no list of records such as {example}",
                              {"example": '{"data": [{...}, ...]}'})
            )
        data = data[lists[0]]
    if not isinstance(data, list):
        raise _not_a_table(name, Message("its JSON is a single {kind}, not a list of records",
                                         {"kind": _json_kind(data)}))
    if not data:
        raise _empty(name)
    if len(data) > limits.max_rows:
        raise _too_many_rows(name, limits)
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise _not_a_table(
                name, Message("item {i} of its JSON list is a {kind}, not an object with named fields",
                              {"i": str(i), "kind": _json_kind(item)})
            )
    return _records_table(data, list(range(2, len(data) + 2)), name=name, limits=limits, base=2, head_rows=head_rows)


def _json_lines(text: str, name: str, limits: L.Limits = L.DEFAULTS) -> tuple[list[dict[str, Any]], list[int]]:
    records: list[dict[str, Any]] = []
    numbers: list[int] = []
    pages = False  # a line held several records (an API page): rows are then numbered by record
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(records) >= limits.max_rows:
            raise _too_many_rows(name, limits)
        try:
            item = _loads(line, name, limits, Message(" line {number}", {"number": str(number)}))
        except json.JSONDecodeError as e:
            raise ImportRejected(Message(
                "{name} line {number} is not valid JSON ({why} at column {column}). "
                "Each line of a JSON Lines file must hold one object: fix or remove that line and try again.",
                {"name": file_label(name), "number": str(number), "why": e.msg, "column": str(e.colno)},
            )) from e
        if not isinstance(item, dict):
            raise ImportRejected(Message(
                "{name} line {number} holds a {kind}, not a JSON object. "
                "Each line of a JSON Lines file must hold one object: fix or remove that line and try again.",
                {"name": file_label(name), "number": str(number), "kind": _json_kind(item)},
            ))
        unwrapped = F.unwrap(item)
        if unwrapped is None:
            records.append(item)
            numbers.append(number)
            continue
        pages = True
        records.extend(unwrapped[0])
        if len(records) > limits.max_rows:
            raise _too_many_rows(name, limits)
    if not records:
        raise _empty(name)
    if pages:
        numbers = list(range(1, len(records) + 1))
    return records, numbers


def _records_table(
    records: list[dict[str, Any]], numbers: list[int], *, name: str = UPLOAD_NAME, limits: L.Limits = L.DEFAULTS,
    base: int = 1, head_rows: int | None = None,
) -> pd.DataFrame:
    """The table of ``records``; ``base`` is how deep a record sits in the document (2 in a JSON array).

    ``head_rows``: the columns are those of every record, the rows only the first ones (a preview).
    """
    keys: dict[str, None] = {}
    for record in records:
        for k in record:
            keys.setdefault(k, None)
        if len(keys) > limits.max_columns:
            raise _too_many_columns(name, len(keys), limits)
    if len(records) * len(keys) > limits.max_cells:
        raise _too_many_cells(name, len(keys), limits)
    for record, number in zip(records, numbers, strict=True):
        for value in record.values():
            if isinstance(value, (dict, list)) and _nested_deeper(value, limits.max_json_depth - base):
                at = {"number": str(number)}
                where = Message(" row {number}", at) if base == 2 else Message(" line {number}", at)
                raise _too_deep(name, limits, where)
    # Checked for depth above, so flattening ends; the columns are those of the flat records.
    records = [F.flatten_record(r) for r in records]
    keys = {}
    for record in records:
        for k in record:
            keys.setdefault(k, None)
        if len(keys) > limits.max_columns:
            raise _too_many_columns(name, len(keys), limits)
    if len(records) * len(keys) > limits.max_cells:
        raise _too_many_cells(name, len(keys), limits)
    if head_rows is not None:
        records, numbers = records[:head_rows], numbers[:head_rows]
    headers = clean_headers(keys)
    columns = {
        h: _text_column([_json_text(r.get(k)) for r in records]) for h, k in zip(headers, keys, strict=True)
    }
    table = pd.DataFrame(columns)
    table.index = pd.Index(numbers, dtype="int64")
    return table
