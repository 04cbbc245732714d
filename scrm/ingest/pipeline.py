"""The import pipeline, in stages that only hand forward.

read (:mod:`~scrm.ingest.read`, formats in :mod:`~scrm.ingest.readers` and
:mod:`~scrm.ingest.flatten`) -> detect the preset and map
(:mod:`~scrm.ingest.map`; live sources join here through :func:`import_frame`)
-> parse values (:mod:`~scrm.ingest.parse`) -> validate and quarantine
(:mod:`~scrm.ingest.validate`) -> write (:mod:`~scrm.ingest.write`).
Adding a format touches the readers; adding a preset touches the presets.
This module only runs the stages in order and keeps the public names.

A file is refused whole (and the database left untouched) when it cannot be
read, is not a table, or lacks a required column. Otherwise each bad row goes
to the quarantine table with its row number, column and reason, and the good
rows are upserted by key in ONE transaction with the import record, so a
re-import adds nothing twice and a killed process leaves no row of the file.
The rows are prepared before that transaction, which holds the write lock
only for the final write.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

import pandas as pd
import sqlite_utils

from scrm.db import schema as S
from scrm.errors import ImportRejected, ScrmError
from scrm.i18n.messages import Message
from scrm.ingest import limits as L
from scrm.ingest import mapping as M
from scrm.ingest.map import Mapped, MappingArg, _frames, _label, _preset, detect_from_headers, map_frames
from scrm.ingest.parse import DateOptions, Hints, column_hints, parse_values
from scrm.ingest.read import Source, _bytes_of, _checked_path, _name_of, read_source
from scrm.ingest.readers import file_label
from scrm.ingest.saved import resolve_saved
from scrm.ingest.validate import (
    CHUNK,
    HASH_BASIS,
    KIND_ALIASES,
    PLATFORM_ALIASES,
    Item,
    _Chunk,
    _Part,
    _Progress,
    checked_parts,
    validate,
)
from scrm.ingest.write import ImportResult, Progress, problem_sentence, top_reasons, write_stream

__all__ = [
    "CHUNK", "HASH_BASIS", "KIND_ALIASES", "PLATFORM_ALIASES", "DateOptions", "Hints", "ImportResult", "Item",
    "Mapped", "MappingArg", "Preview", "Progress", "Source", "WORKER_MIN_BYTES", "checked_parts", "column_hints",
    "detect_from_headers", "import_file", "import_frame", "map_frames", "parse_values", "preview_file",
    "problem_sentence", "read_source", "top_reasons", "validate", "write_stream",
    "_Chunk", "_Part", "_Progress", "_frames", "_preset",
]  # fmt: skip

log = logging.getLogger(__name__)


@dataclass
class Preview:
    """What the Data page shows before an import."""

    kind: str | None
    headers: list[str]
    mapping: dict[str, str]
    missing: list[str]
    sample: pd.DataFrame
    preset: str | None = None
    # What the headers were recognised as ("Shopify orders export, preset shopify-orders"), when no preset was named.
    detected: str | None = None



def import_frame(
    db: sqlite_utils.Database,
    raw: pd.DataFrame,
    kind: str,
    *,
    file_name: str,
    mapping: MappingArg = None,
    sha256: str = "",
    progress: Progress | None = None,
    dates: DateOptions | None = None,
) -> ImportResult:
    """Import an already-read table (text cells; index = row numbers); ``dates`` say how to read its dates."""
    t0 = time.perf_counter()
    M.entity_of(kind)
    mapping = resolve_saved(db, mapping, kind)
    preset, _ = _preset(mapping, kind)
    if progress:
        progress(0.25, "Checking rows")
    result = write_stream(db, checked_parts(raw, kind, mapping, file_name, dates), file_name=file_name, sha256=sha256,
                          preset=preset.name if preset else None, progress=progress)
    return _finished(result, t0, progress)


def _finished(result: ImportResult, t0: float, progress: Progress | None) -> ImportResult:
    result.seconds = time.perf_counter() - t0
    for part in result.also:
        part.seconds = result.seconds
    if progress:
        progress(1.0, "Done")
    log.info("imported %s as %s: %s", result.file_name, result.kind, result.summary())
    return result


def import_file(
    db: sqlite_utils.Database,
    source: Source,
    kind: str,
    *,
    file_name: str | None = None,
    mapping: MappingArg = None,
    progress: Progress | None = None,
    dates: DateOptions | None = None,
) -> ImportResult:
    """Import a CSV, XLSX or JSON file (path or uploaded bytes) as ``kind``.

    ``dates`` (:class:`DateOptions`) give the order of ``a/b/yy`` dates and the
    anchor of relative dates when the file itself cannot say.

    ``mapping`` is None (columns found by name and synonyms), a preset name
    (see :data:`scrm.ingest.presets.PRESETS`), a dict ``{canonical: header}``,
    or JSON text / a .json path holding one.
    """
    t0 = time.perf_counter()
    M.entity_of(kind)
    mapping = resolve_saved(db, mapping, kind)  # a mapping saved under a name on the Data page
    _preset(mapping, kind)  # a wrong preset or mapping is refused before the file is read
    name = _name_of(source, file_name)
    size = len(source) if isinstance(source, bytes) else _checked_path(source, name).stat().st_size
    limits = L.current()
    if size > limits.max_file_bytes:  # refused before a byte is read (unpacked, it is bigger still)
        from scrm.ingest.readers import too_big

        raise too_big(name, limits, unpacked=False)
    big = size >= WORKER_MIN_BYTES and _on_disk(db)
    data = None if big else _bytes_of(source, name)  # read once: the source may be a pipe
    detected = None
    if mapping is None or (isinstance(mapping, str) and not mapping.strip()):
        try:
            head = read_source(source if data is None else data, name, head_rows=5)
        except ScrmError:  # the full read below says what is wrong, in its own words
            head = None
        detected = None if head is None else detect_from_headers(list(head.columns), kind)
        if detected is not None:
            mapping = detected.name
        elif head is not None:
            other = detect_from_headers(list(head.columns))
            if other is not None and other.kind != kind:
                from scrm.ingest.presets import preset_label

                # The es/fr entries leave the command and its flag out (the Data page has boxes for both).
                label = Message("{label}, preset {name}", {"label": preset_label(other), "name": other.name})
                raise ImportRejected(Message(
                    "{name} looks like the {label}, which imports {other_kind}, not {kind}: import it as "
                    "{other_kind} (python -m scrm import {other_kind} FILE), or give --mapping to read it as {kind} "
                    "anyway.",
                    {"name": file_label(name), "label": label, "other_kind": M.kind_label(other.kind),
                     "kind": M.kind_label(kind)},
                ))
    preset, _ = _preset(mapping, kind)
    preset_name = preset.name if preset else None
    if progress:
        progress(0.02, f"Reading {name}")
    if data is None:
        from scrm.ingest.readers import sha256_of
        from scrm.ingest.worker import stream_from_worker

        # The worker reads and checks while this process hashes and then writes.
        request = {"source": source if isinstance(source, bytes) else str(source), "file_name": name,
                   "kind": kind, "mapping": mapping, "dates": dates}
        stream = stream_from_worker(request)
        sha = sha256_of(source)  # in blocks: a path is not read into memory here
        result = write_stream(db, stream, file_name=name, sha256=sha, preset=preset_name, progress=progress)
        result.detected = _label(detected)
        return _finished(result, t0, progress)
    raw = read_source(data, name, preset)
    result = import_frame(db, raw, kind, file_name=name, mapping=mapping, sha256=hashlib.sha256(data).hexdigest(),
                          progress=progress, dates=dates)
    result.seconds = time.perf_counter() - t0  # reading included
    result.detected = _label(detected)
    return result



# Files at least this big are checked in a worker process while this one
# writes (two cores: about 40% faster at a million rows; start-up costs ~0.5 s).
WORKER_MIN_BYTES = 16 * 1024 * 1024


def _on_disk(db: sqlite_utils.Database) -> bool:
    """A database in a file or on a server (an in-memory one cannot be written from a stream as big)."""
    from scrm.db import dialect

    if dialect.is_postgres(db):
        return True
    row = db.execute("PRAGMA database_list").fetchone()
    return bool(row and row[2])



def preview_file(
    source: Source, file_name: str | None = None, kind: str | None = None, mapping: MappingArg = None, rows: int = 20
) -> Preview:
    """Detected kind, proposed mapping and first rows, without writing anything."""
    name = _name_of(source, file_name)
    preset = None
    if isinstance(mapping, str) and mapping.strip():
        from scrm.ingest.presets import PRESETS

        preset = PRESETS.get(mapping.strip())
        if preset is not None:
            kind = preset.kind
    # Only the head of the file: a 300 MB file previewed whole took 1.25 GB.
    raw = read_source(source, name, preset, head_rows=rows)
    headers = [str(c) for c in raw.columns]
    detected = None
    if preset is None and not mapping:
        found = detect_from_headers(headers, kind)
        if found is not None:
            detected = _label(found)
            preset, kind = found, found.kind
            if found.read is not None:
                raw = read_source(source, name, preset, head_rows=rows)
                headers = [str(c) for c in raw.columns]
    if preset is not None:
        return Preview(kind=kind, headers=headers, mapping=dict(preset.mapping or {}), missing=[],
                       sample=raw.head(rows), preset=preset.name, detected=detected)
    if kind is None:
        kind = M.detect_kind(headers, raw.head(rows))
    if kind is None:
        return Preview(kind=None, headers=headers, mapping={}, missing=[], sample=raw.head(rows))
    explicit = M.parse_mapping(mapping) if mapping else None
    proposed = M.propose_mapping(headers, kind)
    if explicit:
        proposed.update(explicit)
    missing = [c for c in S.ENTITIES[kind].required if c not in proposed]
    return Preview(kind=kind, headers=headers, mapping=proposed, missing=missing, sample=raw.head(rows))
