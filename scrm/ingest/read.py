"""Stage 1, read: a file (path or bytes) -> its raw table of text cells.

Formats and their quirks live in :mod:`scrm.ingest.readers` (which unwraps
nested JSON with :mod:`scrm.ingest.flatten`); this stage names the source,
checks the path and hands the table forward to :mod:`scrm.ingest.map`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from scrm.errors import ImportRejected
from scrm.i18n.messages import Message

Source = str | Path | bytes


def _name_of(source: Source, file_name: str | None) -> str:
    if file_name:
        return file_name
    if isinstance(source, bytes):
        return "the uploaded file"
    return Path(source).name


def _bytes_of(source: Source, name: str) -> bytes:
    if isinstance(source, bytes):
        return source
    path = _checked_path(source, name)
    try:
        return path.read_bytes()
    except OSError as e:
        from scrm.ingest.readers import file_label

        raise ImportRejected(Message("{name} could not be opened ({why}). Check the file's permissions.",
                                     {"name": file_label(name), "why": str(e.strerror)})) from e


def read_source(
    source: Source, file_name: str | None = None, preset: Any = None, *, head_rows: int | None = None
) -> pd.DataFrame:
    """The raw table of a file (text cells, index = spreadsheet row number).

    A path is handed to the reader as a path (a .gz is unpacked as it is
    read, within the limits for files). ``head_rows`` reads only the first
    rows, and of a text file only its first megabyte: what a preview needs.
    """
    from scrm.ingest.readers import load_bytes, read_table

    name = _name_of(source, file_name)
    if not isinstance(source, bytes):
        source = _checked_path(source, name)
    if preset is not None and preset.read is not None:
        raw = preset.read(load_bytes(source, name, head=True) if head_rows is not None else source, name)
        if head_rows is not None:
            raw = raw.head(head_rows)
    else:
        raw = read_table(source, name, head_rows=head_rows)
    raw.attrs.setdefault("file_name", name)
    return raw



def _checked_path(source: str | Path, name: str) -> Path:
    path = Path(source)
    if not path.exists():
        raise ImportRejected(Message("{path} does not exist. Check the path and try again.", {"path": str(path)}))
    if path.is_dir():
        raise ImportRejected(Message("{path} is a folder, not a file. Give the path of a CSV, XLSX or JSON file.",
                                     {"path": str(path)}))
    return path

