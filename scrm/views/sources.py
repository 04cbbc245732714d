"""Read-only views of the live sources and notification channels: the Sources page and the CLI.

Pure reads of ``db``; nothing here writes. Settings are shown as stored,
which never includes a secret (those live in secrets.toml or the environment).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.act import notify
from scrm.db import schema as S
from scrm.db import store
from scrm.i18n.messages import Message, from_json
from scrm.listen import CONNECTORS, KINDS
from scrm.listen import sources as L

SOURCE_COLUMNS: tuple[str, ...] = (
    "name", "kind", "state", "every_minutes", "last_run_at", "last_new", "last_error", "failures", "paused_reason", "settings",
)  # fmt: skip
RUN_COLUMNS: tuple[str, ...] = (
    "collection_id", "source", "kind", "finished_at", "fetched", "new", "deleted", "rejected", "requests", "seconds", "error",
)  # fmt: skip


def source_records(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """One dict per source (``sources list --json``): settings, schedule, state, last run."""
    last = {
        r["source"]: r
        for r in db.query(
            f"SELECT c.* FROM {S.COLLECTIONS} c JOIN (SELECT source, max(collection_id) AS last_id FROM {S.COLLECTIONS} "
            "GROUP BY source) m ON c.collection_id = m.last_id"
        )
    }
    out = []
    for s in L.list_sources(db):
        run = last.get(s.name, {})
        out.append({
            "name": s.name, "kind": s.kind, "settings": s.settings, "every_minutes": s.every_minutes,
            "state": s.state, "failures": s.failures, "paused_reason": s.paused_reason,
            "last_run_at": s.last_run_at, "last_fetched": run.get("fetched"), "last_new": run.get("new"),
            "last_error": s.last_error,
        })  # fmt: skip
    return out


def sources_frame(db: sqlite_utils.Database, lang: str = "en") -> pd.DataFrame:
    """The sources as a table for the page (settings as ``key=value`` text).

    Why a source is paused and its last error are written in ``lang`` from the
    messages stored beside them; a row stored by an older version keeps its English.
    """
    records = source_records(db)
    sources = {s.name: s for s in L.list_sources(db)}
    for r in records:
        r["settings"] = ", ".join(f"{k}={v}" for k, v in sorted(r["settings"].items()))
        source = sources.get(r["name"])
        if source is not None:
            r["paused_reason"] = said(source.paused_reason, source.paused_message, lang)
            r["last_error"] = said(source.last_error, source.last_error_message, lang)
    return pd.DataFrame(records, columns=list(SOURCE_COLUMNS))


def said(english: str | None, message: Message | None, lang: str) -> str | None:
    """A stored sentence in ``lang``: its message when one was stored beside it, else the English as it is.

    >>> said("Paused by ana.", Message("Paused by {actor}.", {"actor": "ana"}), "fr")
    'Suspendue par ana.'
    >>> said("Paused by ana.", None, "fr"), said(None, Message("Paused by {actor}.", {"actor": "ana"}), "fr")
    ('Paused by ana.', None)
    """
    if english is None:  # cleared (resumed, or a run that went well): whatever message is left is stale
        return None
    return message.render(lang) if message is not None else english


def runs_frame(db: sqlite_utils.Database, name: str | None = None, limit: int = 50, lang: str = "en") -> pd.DataFrame:
    """The latest collection runs, newest first; a failed run's error written in ``lang``."""
    frame = L.last_runs(db, name, limit)
    if "error_message" in frame and not frame.empty:
        frame["error"] = [
            said(None if pd.isna(english) else str(english), from_json(message if isinstance(message, str) else None), lang)
            for english, message in zip(frame["error"], frame["error_message"], strict=True)
        ]
    return frame.reindex(columns=list(RUN_COLUMNS))


def new_per_source(db: sqlite_utils.Database, days: int = 30) -> pd.DataFrame:
    """New mentions per source and day over the last ``days`` days: source, day, new."""
    return store.read_frame(
        db,
        f"SELECT source, substr(finished_at, 1, 10) AS day, sum(new) AS new FROM {S.COLLECTIONS} "
        "WHERE finished_at >= ? GROUP BY source, substr(finished_at, 1, 10) ORDER BY day",
        [(datetime.now(UTC) - timedelta(days=int(days))).strftime("%Y-%m-%d")],
    )


def kind_help() -> list[dict[str, str]]:
    """Each kind of source: what it collects, its settings and what it needs (the page's help)."""
    return [
        {
            "kind": kind,
            "collects": CONNECTORS[kind].summary,
            "settings": ", ".join(s.key + ("*" if s.required else "") for s in CONNECTORS[kind].settings),
            "needs": CONNECTORS[kind].needs,
        }
        for kind in KINDS
    ]


def channel_records(db: sqlite_utils.Database, lang: str = "en") -> list[dict[str, Any]]:
    """One dict per notification channel (``notify list --json``) with its last delivery;
    its error written in ``lang`` from the message stored beside it (older rows keep their English)."""
    last = {
        r["channel"]: r
        for r in db.query(
            f"SELECT d.* FROM {S.DELIVERIES} d JOIN (SELECT channel, max(delivery_id) AS last_id FROM {S.DELIVERIES} "
            "GROUP BY channel) m ON d.delivery_id = m.last_id"
        )
    }
    return [
        {"name": c.name, "kind": c.kind, "settings": c.settings, "enabled": c.enabled,
         "last_status": last.get(c.name, {}).get("status"), "last_at": last.get(c.name, {}).get("created_at"),
         "last_error": said(last.get(c.name, {}).get("error"), from_json(last.get(c.name, {}).get("error_message")), lang)}
        for c in notify.list_channels(db)
    ]  # fmt: skip


def deliveries_frame(db: sqlite_utils.Database, limit: int = 50, lang: str = "en") -> pd.DataFrame:
    """The latest notification deliveries, newest first; a failed one's error written in ``lang``."""
    frame = store.read_frame(
        db,
        f"SELECT delivery_id, channel, created_at, subject, status, attempts, error, error_message FROM {S.DELIVERIES} "
        "ORDER BY delivery_id DESC LIMIT ?",
        [limit],
    )
    if lang != "en" and not frame.empty:
        frame["error"] = [said(e, from_json(m), lang) for e, m in zip(frame["error"], frame["error_message"], strict=True)]
    return frame.drop(columns=["error_message"])
