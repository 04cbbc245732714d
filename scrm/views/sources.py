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


def sources_frame(db: sqlite_utils.Database) -> pd.DataFrame:
    """The sources as a table for the page (settings as ``key=value`` text)."""
    records = source_records(db)
    for r in records:
        r["settings"] = ", ".join(f"{k}={v}" for k, v in sorted(r["settings"].items()))
    return pd.DataFrame(records, columns=list(SOURCE_COLUMNS))


def runs_frame(db: sqlite_utils.Database, name: str | None = None, limit: int = 50) -> pd.DataFrame:
    """The latest collection runs, newest first."""
    frame = L.last_runs(db, name, limit)
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


def channel_records(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """One dict per notification channel (``notify list --json``) with its last delivery."""
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
         "last_error": last.get(c.name, {}).get("error")}
        for c in notify.list_channels(db)
    ]  # fmt: skip


def deliveries_frame(db: sqlite_utils.Database, limit: int = 50) -> pd.DataFrame:
    """The latest notification deliveries, newest first."""
    return store.read_frame(
        db,
        f"SELECT delivery_id, channel, created_at, subject, status, attempts, error FROM {S.DELIVERIES} "
        "ORDER BY delivery_id DESC LIMIT ?",
        [limit],
    )
