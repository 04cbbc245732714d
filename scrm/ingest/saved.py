"""Mappings saved under a name: the column boxes of the Data page kept for next time.

A saved mapping is used like a preset: ``--mapping NAME`` on the command line,
or chosen under "Start from a saved mapping" on the Data page. Names are short words of
letters, digits and ``-``/``_``; a name a built-in preset already uses is refused.
Written through :func:`scrm.api.save_mapping` (audited).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import sqlite_utils

from scrm.db import audit, store
from scrm.db import schema as S
from scrm.errors import MappingError
from scrm.i18n.messages import Message

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}")


def check_name(name: str) -> str:
    """The name, trimmed, or :class:`MappingError` saying what a name may hold."""
    from scrm.ingest.presets import PRESETS

    text = name.strip()
    if not _NAME.fullmatch(text):
        raise MappingError(Message(
            "'{name}' cannot name a mapping: use up to 60 letters, digits, - or _, starting with a letter "
            "or a digit, such as shop-orders.", {"name": name},
        ))
    if text in PRESETS:
        raise MappingError(Message(
            "'{name}' is the name of a built-in preset: choose another name for your mapping.", {"name": text}
        ))
    return text


def save_mapping(
    db: sqlite_utils.Database, name: str, kind: str, mapping: Mapping[str, str], *, actor: str,
    role: str | None = None,
) -> str:
    """Store (or replace) a mapping under ``name``; returns the name. Audited."""
    from scrm.ingest.mapping import entity_of, kind_label

    text = check_name(name)
    entity = entity_of(kind)
    chosen = {str(k): str(v) for k, v in mapping.items() if v}
    unknown = [k for k in chosen if k not in entity.names]
    if unknown:
        values = {"unknown": ", ".join(unknown), "kind": kind_label(kind), "columns": ", ".join(entity.names)}
        if len(unknown) == 1:
            raise MappingError(Message("The mapping names {unknown}, which is not a column of {kind}. "
                                       "Use only: {columns}.", values))
        raise MappingError(Message("The mapping names {unknown}, which are not a column of {kind}. "
                                   "Use only: {columns}.", values))
    if not chosen:
        raise MappingError(Message("The mapping maps no column: choose a header for at least one column before saving it."))
    now = store.utcnow()
    with store.transaction(db, bump=False):  # a setting: no figure changes
        row = db.execute(f"SELECT created_at, created_by FROM {S.SAVED_MAPPINGS} WHERE name = ?", [text]).fetchone()
        created_at, created_by = (row[0], row[1]) if row else (now, actor)
        db.execute(
            f"INSERT INTO {S.SAVED_MAPPINGS} (name, kind, mapping, created_by, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, "
            "mapping = excluded.mapping, updated_at = excluded.updated_at",
            [text, kind, json.dumps(chosen, ensure_ascii=False), created_by, created_at, now],
        )
        audit.record(db, audit.SETTINGS, actor=actor, role=role, target=f"mapping {text}",
                     detail={"kind": kind, "columns": sorted(chosen)})
    return text


def load_mapping(db: sqlite_utils.Database, name: str) -> tuple[str, dict[str, str]] | None:
    """(kind, mapping) saved under ``name``, or None."""
    if S.SAVED_MAPPINGS not in db.table_names():
        return None
    row = db.execute(f"SELECT kind, mapping FROM {S.SAVED_MAPPINGS} WHERE name = ?", [name.strip()]).fetchone()
    if row is None:
        return None
    return str(row[0]), dict(json.loads(row[1]))


def saved_names(db: sqlite_utils.Database, kind: str | None = None) -> list[str]:
    """The saved mappings' names (of ``kind`` when given), in name order."""
    if S.SAVED_MAPPINGS not in db.table_names():
        return []
    sql = f"SELECT name FROM {S.SAVED_MAPPINGS}" + (" WHERE kind = ?" if kind else "") + " ORDER BY name"
    return [str(r[0]) for r in db.execute(sql, [kind] if kind else [])]


def resolve_saved(db: sqlite_utils.Database, mapping: Any, kind: str) -> Any:
    """``mapping`` itself, or the saved mapping its name stands for (refused when saved for another kind)."""
    from scrm.errors import ImportRejected
    from scrm.ingest.mapping import kind_label
    from scrm.ingest.presets import PRESETS

    if not isinstance(mapping, str) or mapping.strip() in PRESETS or mapping.strip().startswith("{"):
        return mapping
    saved = load_mapping(db, mapping)
    if saved is None:
        return mapping
    saved_kind, columns = saved
    if saved_kind != kind:
        raise ImportRejected(Message(
            "The saved mapping '{name}' imports {saved_kind}, not {kind}. "
            "Import the file as {saved_kind}, or choose another mapping.",
            {"name": mapping.strip(), "saved_kind": kind_label(saved_kind), "kind": kind_label(kind)},
        ))
    return columns
