"""Live sources in the database: add, list, pause, remove, test, and collect.

A source is a row of ``sources``: its kind, name, settings (never a secret),
the minutes between runs (``every_minutes``; none: every ``collect``), the
cursor its connector left, and its state. Secrets come from
``.streamlit/secrets.toml`` (``[sources.NAME]``) or the environment
(``SCRM_SOURCE_<NAME>_<KEY>``, upper-cased, other characters as ``_``) and
are read at run time only.

:func:`collect_source` runs one source: the connector fetches what is new,
the rows go through the import pipeline (validation, quarantine, upsert on
the mention id, so a re-run adds nothing twice), the raw JSON of each item
lands in ``raw_items``, and the run in ``collections``; all of it in one
transaction with the new cursor, so a failed or malformed page leaves the
database and the cursor as they were. A source that fails
:data:`PAUSE_AFTER` times in a row is paused with the reason.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import sqlite_utils

from scrm.db import audit, store
from scrm.db import schema as S
from scrm.db.forget import DELETED_BY_AUTHOR, forget_mentions
from scrm.errors import DatabaseFault, NotFound, ScrmError, SourceError
from scrm.i18n.messages import Message, Value, from_json, join
from scrm.ingest import import_frame
from scrm.listen import CONNECTORS, KINDS
from scrm.listen.base import DEFAULT_BUDGET, DEFAULT_MAX_WAIT, Batch, BudgetSpent, Connector, Http, dumps

log = logging.getLogger(__name__)

PAUSE_AFTER = 5  # failed runs in a row before a source is paused
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# Setting keys that are secrets: refused on the command line and the page, read from secrets only.
SECRET_KEYS = frozenset({"token", "password", "app_password", "api_key", "client_secret", "secret", "access_token"})
SECRETS_FILES = (Path.home() / ".streamlit" / "secrets.toml", Path(".streamlit") / "secrets.toml")
ENV_PREFIX = "SCRM_SOURCE_"
# Settings every kind takes, applied to the rows after the connector built them.
COMMON_SETTINGS = {"brand": "the brand these mentions are about (fills the mentions' brand column)"}


@dataclass(frozen=True)
class Source:
    """A stored source (its settings hold no secret)."""

    name: str
    kind: str
    settings: dict[str, str]
    every_minutes: int | None = None
    cursor: dict[str, Any] = field(default_factory=dict)
    state: str = S.SOURCE_ACTIVE
    failures: int = 0
    paused_reason: str | None = None
    last_run_at: str | None = None
    last_error: str | None = None
    # The same two sentences as messages, for the reader's language (None: stored by an older version).
    paused_message: Message | None = None
    last_error_message: Message | None = None

    @property
    def connector(self) -> Connector:
        return CONNECTORS[self.kind]

    def due(self, now: datetime | None = None) -> bool:
        """Active, and never run or run at least ``every_minutes`` ago."""
        if self.state != S.SOURCE_ACTIVE:
            return False
        if not self.every_minutes or not self.last_run_at:
            return True
        now = now or datetime.now(UTC)
        last = datetime.fromisoformat(self.last_run_at).replace(tzinfo=UTC)
        return now - last >= timedelta(minutes=self.every_minutes)


@dataclass
class RunResult:
    """What one source's run did: the ``collect --json`` entry, plus details."""

    name: str
    kind: str
    fetched: int = 0
    new: int = 0
    updated: int = 0
    deleted: int = 0
    rejected: int = 0
    requests: int = 0
    seconds: float = 0.0
    error: str | None = None
    error_message: Message | None = None  # the error for the reader's language
    paused: bool = False
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        # The contract's keys first, in their order; later keys only extend it.
        return {"name": self.name, "kind": self.kind, "fetched": self.fetched, "new": self.new, "error": self.error,
                "deleted": self.deleted}


@dataclass(frozen=True)
class Options:
    """How politely a run asks: requests per source, the longest Retry-After waited, the clock."""

    budget: int = DEFAULT_BUDGET
    max_wait: float = DEFAULT_MAX_WAIT
    sleep: Callable[[float], None] = time.sleep


# --- secrets -------------------------------------------------------------------------------------


def _env_key(name: str, key: str) -> str:
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", f"{name}_{key}").upper()


def secrets_for(name: str, keys: Sequence[str], files: Sequence[Path] | None = None) -> dict[str, str]:
    """The secrets of source ``name``: ``[sources.NAME]`` of the secrets files, then the environment.

    The variable of a key: ``_env_key("my-masto", "token")`` is ``SCRM_SOURCE_MY_MASTO_TOKEN``.

    >>> secrets_for("no-such-source", ["token"], files=[])
    {}
    """
    return read_secrets("sources", name, keys, SECRETS_FILES if files is None else files)


def read_secrets(
    section: str, name: str, keys: Sequence[str], files: Sequence[Path], prefix: str = ENV_PREFIX
) -> dict[str, str]:
    """``[section.name]`` keys of the secrets files (later files win), then ``<prefix><NAME>_<KEY>`` variables."""
    found: dict[str, str] = {}
    for path in files:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        block = data.get(section, {}).get(name, {}) if isinstance(data.get(section), dict) else {}
        if isinstance(block, dict):
            found.update({str(k): str(v) for k, v in block.items() if k in keys})
    for key in keys:
        value = os.environ.get(prefix + re.sub(r"[^A-Za-z0-9]", "_", f"{name}_{key}").upper())
        if value:
            found[key] = value
    return found


# --- the sources table ---------------------------------------------------------------------------


def _row_to_source(row: Mapping[str, Any]) -> Source:
    return Source(
        name=row["name"], kind=row["kind"], settings=json.loads(row["settings"] or "{}"),
        every_minutes=row["every_minutes"], cursor=json.loads(row["cursor"] or "{}"),
        state=row["state"] or S.SOURCE_ACTIVE, failures=int(row["failures"] or 0),
        paused_reason=row["paused_reason"], last_run_at=row["last_run_at"], last_error=row["last_error"],
        paused_message=from_json(row.get("paused_message")), last_error_message=from_json(row.get("last_error_message")),
    )


def list_sources(db: sqlite_utils.Database) -> list[Source]:
    """Every stored source, by name."""
    return [_row_to_source(r) for r in db.query(f"SELECT * FROM {S.SOURCES} ORDER BY name")]


def get_source(db: sqlite_utils.Database, name: str) -> Source:
    row = next(iter(db.query(f"SELECT * FROM {S.SOURCES} WHERE name = ?", [name])), None)
    if row is None:
        known = ", ".join(s.name for s in list_sources(db))
        if not known:  # a sentence of its own: "none yet" takes the gender of "sources" in Spanish and French
            raise NotFound(Message("There is no source named {name} (sources: none yet). See `python -m scrm sources list`.",
                                   {"name": repr(name)}))
        raise NotFound(Message("There is no source named {name} (sources: {known}). See `python -m scrm sources list`.",
                               {"name": repr(name), "known": known}))
    return _row_to_source(row)


def connector_of(kind: str) -> Connector:
    """The connector of ``kind``, or a sentence listing the kinds."""
    connector = CONNECTORS.get(kind)
    if connector is None:
        raise SourceError(Message("Unknown source kind {kind}; use one of {kinds}.",
                                  {"kind": repr(kind), "kinds": ", ".join(KINDS)}))
    return connector


def check_settings(kind: str, settings: Mapping[str, str]) -> dict[str, str]:
    """The settings of a new source, checked: known keys, required ones present, no secret."""
    connector = connector_of(kind)
    keys = [*connector.setting_keys(), *COMMON_SETTINGS]
    clean = {str(k).strip(): str(v).strip() for k, v in settings.items()}
    for key in clean:
        if key in SECRET_KEYS or key in connector.secrets:
            raise SourceError(Message(
                "{key} is a secret and is never stored in the database: put it under [sources.NAME] in "
                ".streamlit/secrets.toml (or the environment variable {variable}) instead of --set.",
                {"key": key, "variable": _env_key("NAME", key)},
            ))
        if key not in keys:
            raise SourceError(Message("A {kind} source has no setting {key}; its settings are {keys}.",
                                      {"kind": kind, "key": repr(key), "keys": ", ".join(keys)}))
    for s in connector.settings:
        if s.required and not clean.get(s.key):
            # The help is the connector's own phrase (translated in the catalogs by its English text).
            raise SourceError(Message("A {kind} source needs {key} ({help}): add --set {key}=VALUE.",
                                      {"kind": kind, "key": s.key, "help": Message(s.help)}))
    if connector.one_of and not any(clean.get(k) for k in connector.one_of):
        # "--set key=VALUE" is a phrase of its own: the page's languages name the setting to add, not the flag.
        options = join([Message("--set {key}=VALUE", {"key": k}) for k in connector.one_of])
        raise SourceError(Message("A {kind} source needs {keys}: add one of {options}.",
                                  {"kind": kind, "keys": _either(list(connector.one_of)), "options": options}))
    for key, value in clean.items():
        if key in ("url", "instance", "service", "base_url", "auth_url") and value and not re.match(r"^https?://", value):
            raise SourceError(Message("{key} must be a web address starting with http:// or https://, not {value}.",
                                      {"key": key, "value": repr(value)}))
    if connector.validate is not None:
        connector.validate(clean, {})
    return {k: v for k, v in clean.items() if v}


def _either(names: list[str]) -> Value:
    """``a or b or c``, its ``or`` in the reader's language.

    >>> _either(["hashtag", "query"]).render("es")
    'hashtag o query'
    """
    said: Value = names[0]
    for name in names[1:]:
        said = Message("{a} or {b}", {"a": said, "b": name})
    return said


def _both(names: list[str]) -> Value:
    """``a and b``, its ``and`` in the reader's language."""
    said: Value = names[0]
    for name in names[1:]:
        said = Message("{a} and {b}", {"a": said, "b": name})
    return said


def add_source(
    db: sqlite_utils.Database,
    kind: str,
    name: str,
    settings: Mapping[str, str],
    *,
    every_minutes: int | None = None,
    actor: str,
    role: str | None = None,
) -> Source:
    """Store a new source (checked, audited); it runs on the next ``collect``."""
    if not NAME_PATTERN.match(name or ""):
        raise SourceError(Message(
            "{name} cannot name a source: use letters, digits, '-', '_' or '.', starting with a letter or digit.",
            {"name": repr(name)},
        ))
    clean = check_settings(kind, settings)
    if every_minutes is not None and every_minutes < 1:
        raise SourceError(Message("--every must be at least 1 minute, not {n}.", {"n": str(every_minutes)}))
    now = store.utcnow()
    with store.transaction(db, bump=False):
        if next(iter(db.query(f"SELECT 1 FROM {S.SOURCES} WHERE name = ?", [name])), None) is not None:
            raise SourceError(Message("A source named {name} exists already; remove it first or choose another name.",
                                      {"name": repr(name)}))
        db.execute(
            f"INSERT INTO {S.SOURCES} (name, kind, settings, every_minutes, cursor, state, failures, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, '{}', ?, 0, ?, ?)",
            [name, kind, dumps(clean), every_minutes, S.SOURCE_ACTIVE, now, now],
        )
        audit.record(db, audit.SETTINGS, actor=actor, role=role, target=f"source {name}",
                     detail={"added": kind, "settings": sorted(clean)})
    return get_source(db, name)


def remove_source(db: sqlite_utils.Database, name: str, *, actor: str, role: str | None = None) -> None:
    """Remove a source (audited); the mentions it collected and its past runs stay."""
    get_source(db, name)
    with store.transaction(db, bump=False):
        db.execute(f"DELETE FROM {S.SOURCES} WHERE name = ?", [name])
        audit.record(db, audit.SETTINGS, actor=actor, role=role, target=f"source {name}", detail="removed")


def set_paused(db: sqlite_utils.Database, name: str, paused: bool, *, actor: str, role: str | None = None,
               reason: str | None = None) -> Source:
    """Pause or resume a source (audited); resuming forgets its failures."""
    get_source(db, name)
    with store.transaction(db, bump=False):
        if paused:
            said = None if reason else Message("Paused by {actor}.", {"actor": actor})
            db.execute(f"UPDATE {S.SOURCES} SET state = ?, paused_reason = ?, paused_message = ?, updated_at = ? WHERE name = ?",
                       [S.SOURCE_PAUSED, reason or str(said), said.to_json() if said else None, store.utcnow(), name])
        else:
            db.execute(f"UPDATE {S.SOURCES} SET state = ?, paused_reason = NULL, paused_message = NULL, failures = 0, "
                       "updated_at = ? WHERE name = ?", [S.SOURCE_ACTIVE, store.utcnow(), name])
        audit.record(db, audit.SETTINGS, actor=actor, role=role, target=f"source {name}",
                     detail="paused" if paused else "resumed")
    return get_source(db, name)


def last_runs(db: sqlite_utils.Database, name: str | None = None, limit: int = 20) -> pd.DataFrame:
    """The latest collection runs (of one source, or all), newest first."""
    where, params = ("WHERE source = ?", [name]) if name else ("", [])
    return store.read_frame(
        db, f"SELECT * FROM {S.COLLECTIONS} {where} ORDER BY collection_id DESC LIMIT ?", [*params, limit]
    )


# --- running -------------------------------------------------------------------------------------


def _missing_secrets(source: Source, secrets: Mapping[str, str]) -> Message | None:
    missing = [k for k in source.connector.requires_secrets if not secrets.get(k)]
    if not missing:
        return None
    return Message(
        "Source {name} ({kind}) is off until {keys} are given: put them under [sources.{section}] "
        "in .streamlit/secrets.toml, or in {variables}.",
        {"name": repr(source.name), "kind": source.kind, "keys": _both(missing), "section": source.name,
         "variables": ", ".join(_env_key(source.name, k) for k in missing)},
    )


def fetch_batch(source: Source, options: Options, *, budget: int | None = None) -> tuple[Batch, int]:
    """Ask the platform for what is new (no write); returns the batch and the requests made."""
    connector = source.connector
    secrets = secrets_for(source.name, connector.secrets)
    missing = _missing_secrets(source, secrets)
    if missing:
        raise SourceError(missing)
    settings = connector.resolved(source.settings)
    with Http(budget=budget or options.budget, max_wait=options.max_wait, sleep=options.sleep) as http:
        try:
            batch = connector.fetch(http, settings, secrets, source.cursor)
        except BudgetSpent:  # the very first request of a run always goes; this is a connector's own guard
            batch = Batch(cursor=dict(source.cursor))
    if source.settings.get("brand"):
        for row in batch.rows:
            row.setdefault("brand", source.settings["brand"])
    return batch, http.requests


def _frame(batch: Batch) -> pd.DataFrame:
    columns = [c for c in S.MENTION_ENTITY.names if any(c in r for r in batch.rows)]
    records = [{c: (None if r.get(c) is None else str(r.get(c))) for c in columns} for r in batch.rows]
    frame = pd.DataFrame(records, columns=columns, dtype=object)
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # item numbers, as a file's row numbers
    return frame


def held_ids(db: sqlite_utils.Database, ids: Sequence[str], tables: Sequence[str] = (S.MENTIONS,)) -> set[str]:
    """Which of ``ids`` are in ``tables`` already (stored mentions; with ``raw_items``, items seen before)."""
    held: set[str] = set()
    unique = list(dict.fromkeys(ids))
    for table in tables:
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            held.update(r[0] for r in db.execute(
                f'SELECT mention_id FROM "{table}" WHERE mention_id IN ({", ".join("?" for _ in chunk)})', chunk
            ).fetchall())
    return held


def _write(db: sqlite_utils.Database, source: Source, batch: Batch, result: RunResult, started: str) -> None:
    """Store a batch's new items, their raw JSON and the deletions (one transaction), then the cursor and the run.

    Items already stored are left as they are: a re-run writes nothing, so
    the data version (and every page's cache) stays. The cursor moves only
    after the items are stored: a crash in between costs a re-fetch, never an item.
    """
    now = store.utcnow()
    import_id = None
    # Seen before: stored, or kept raw (an item the validation quarantined is not quarantined again each run).
    held = held_ids(db, [str(r["mention_id"]) for r in batch.rows], (S.MENTIONS, S.RAW_ITEMS))
    fresh = [(row, raw) for row, raw in zip(batch.rows, batch.raw, strict=True) if str(row["mention_id"]) not in held]
    with store.transaction(db):
        if fresh:
            frame = _frame(Batch(rows=[r for r, _ in fresh]))
            imported = import_frame(db, frame, S.MENTIONS, file_name=f"source {source.name}",
                                    mapping={c: c for c in frame.columns})
            result.new, result.updated, result.rejected = imported.new, imported.updated, imported.rejected
            result.notes.extend(imported.problems)
            import_id = imported.import_id
            db.conn.executemany(
                f"INSERT INTO {S.RAW_ITEMS} (mention_id, source, kind, native_id, raw, fetched_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(mention_id) DO UPDATE SET raw = excluded.raw, fetched_at = excluded.fetched_at, "
                "source = excluded.source",
                [(row["mention_id"], source.name, source.kind, str(row["mention_id"]).split(":", 1)[-1], dumps(raw), now)
                 for row, raw in fresh],
            )
        if batch.deleted:
            result.deleted = delete_mentions(db, batch.deleted, actor=f"source {source.name}")
    with store.transaction(db, bump=False):
        db.execute(
            f"UPDATE {S.SOURCES} SET cursor = ?, failures = 0, last_run_at = ?, last_error = NULL, last_error_message = NULL, "
            "updated_at = ? WHERE name = ?",
            [dumps(batch.cursor), now, now, source.name],
        )
        _record_run(db, source, result, started, now, import_id)


def delete_mentions(db: sqlite_utils.Database, mention_ids: Sequence[str], *, actor: str = "a live source") -> int:
    """Remove mentions a platform reports deleted, with every row that hangs on them; returns how many were held.

    The same path as every removal of a mention (:func:`scrm.db.forget.forget_mentions`):
    sentiment, tags, rule matches, corrections and the raw item go; a case
    keeps its history with a note that its mention was deleted by its author.
    """
    return forget_mentions(db, mention_ids, reason=DELETED_BY_AUTHOR, actor=actor).get(S.MENTIONS, 0)


def _record_run(db: sqlite_utils.Database, source: Source, result: RunResult, started: str, finished: str,
                import_id: int | None) -> None:
    db.execute(
        f"INSERT INTO {S.COLLECTIONS} (source, kind, started_at, finished_at, seconds, requests, fetched, new, updated, "
        "deleted, rejected, import_id, error, error_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [source.name, source.kind, started, finished, round(result.seconds, 3), result.requests, result.fetched,
         result.new, result.updated, result.deleted, result.rejected, import_id, result.error,
         result.error_message.to_json() if result.error and result.error_message else None],
    )


def _record_failure(db: sqlite_utils.Database, source: Source, result: RunResult, started: str) -> None:
    now = store.utcnow()
    failures = source.failures + 1
    error: Value = result.error_message or result.error or ""
    said = result.error_message.to_json() if result.error_message else None
    with store.transaction(db, bump=False):
        if failures >= PAUSE_AFTER and source.state == S.SOURCE_ACTIVE:
            result.paused = True
            # The stored sentence names the command for scripts; its message, which the page shows, names the page's button.
            paused = Message("Paused after {n} failed runs in a row. Last error: {error} Fix the cause, then press Resume.",
                             {"n": failures, "error": error})
            db.execute(
                f"UPDATE {S.SOURCES} SET failures = ?, last_run_at = ?, last_error = ?, last_error_message = ?, state = ?, "
                "paused_reason = ?, paused_message = ?, updated_at = ? WHERE name = ?",
                [failures, now, result.error, said, S.SOURCE_PAUSED,
                 f"Paused after {failures} failed runs in a row. Last error: {result.error} "
                 "Fix the cause, then resume it (sources resume NAME, or the Sources page).", paused.to_json(), now, source.name],
            )
        else:
            db.execute(f"UPDATE {S.SOURCES} SET failures = ?, last_run_at = ?, last_error = ?, last_error_message = ?, "
                       "updated_at = ? WHERE name = ?", [failures, now, result.error, said, now, source.name])
        _record_run(db, source, result, started, now, None)


def collect_source(db: sqlite_utils.Database, source: Source, options: Options | None = None) -> RunResult:
    """Run one source: fetch, store (one transaction), record the run. Never raises for the platform's faults."""
    options = options or Options()
    result = RunResult(source.name, source.kind)
    started = store.utcnow()
    t0 = time.perf_counter()
    try:
        batch, result.requests = fetch_batch(source, options)
        result.fetched = len(batch.rows)
        result.notes.extend(batch.notes)
        result.seconds = time.perf_counter() - t0
        _write(db, source, batch, result, started)
    except DatabaseFault:  # the database, not the source: every other source would fail the same way
        raise
    except ScrmError as e:  # the platform refused or garbled an answer, or its rows were refused whole
        result.error = " ".join(str(e).split())
        result.error_message = e.message
        result.new = result.updated = result.deleted = result.rejected = 0
        result.seconds = time.perf_counter() - t0
        log.warning("source %s failed: %s", source.name, result.error)
        _record_failure(db, source, result, started)
    except Exception as e:  # a connector's bug on an odd page: the run fails, the others go on
        log.exception("source %s failed", source.name)
        result.error_message = Message(
            "The {kind} answer could not be read ({problem}); nothing of it was stored. The next run tries again.",
            {"kind": source.kind, "problem": type(e).__name__},
        )
        result.error = result.error_message.english()
        result.new = result.updated = result.deleted = result.rejected = 0
        result.seconds = time.perf_counter() - t0
        _record_failure(db, source, result, started)
    return result


def sources_to_run(db: sqlite_utils.Database, name: str | None = None, now: datetime | None = None) -> list[Source]:
    """The named source (whatever its state or schedule), or every due active one."""
    if name:
        return [get_source(db, name)]
    return [s for s in list_sources(db) if s.due(now)]


@dataclass
class Probe:
    """What ``sources test`` found with one request: items it would collect, or the reason it can't."""

    name: str
    kind: str
    fetched: int = 0
    new: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    error_message: Message | None = None  # the error for the reader's language


def probe_source(db: sqlite_utils.Database, name: str, options: Options | None = None) -> Probe:
    """Make ONE request for a source and say what it would collect; stores nothing."""
    source = get_source(db, name)
    result = Probe(source.name, source.kind)
    try:
        batch, _ = fetch_batch(source, options or Options(), budget=1 + source.connector.sign_in_requests)
    except SourceError as e:
        result.error = " ".join(str(e).split())
        result.error_message = e.message
        return result
    result.fetched = len(batch.rows)
    ids = [str(r["mention_id"]) for r in batch.rows]
    result.new = len(set(ids) - held_ids(db, ids))
    result.sample = [{k: r.get(k) for k in ("platform", "author", "posted_at", "lang", "text")} for r in batch.rows[:3]]
    return result
